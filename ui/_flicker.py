"""SSVEP flicker: a frame clock on absolute deadlines and the grid whose luminance it samples.

Each target's luminance is sampled per frame from its frequency ``f`` and phase ``φ`` (JFPM coding):
``L = 0.5 * (1 + sin(2π f t_frame + φ))`` with ``t_frame = n / rate`` for frame ``n``. Frames are scheduled on
absolute deadlines ``t0 + n / rate`` (never "16 ms after the last one"), so timer jitter never accumulates
and a late frame is *dropped*, counted and logged rather than shifting the phase of every later frame.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PyQt6.QtCore import QObject, Qt, QTimer, pyqtSignal
from PyQt6.QtGui import QColor
from PyQt6.QtWidgets import QWidget

from bci_input.settings import UiSettings

from ._grid import TargetGrid

log = logging.getLogger(__name__)

__all__ = ["FrameClock", "FlickerGrid", "luminance", "frame_stats"]

#: Seconds before a deadline the timer wakes; the rest is a short spin so frames land on time.
_SPIN_S = 0.0015


def luminance(freqs: NDArray[np.float64], phases: NDArray[np.float64], t_frame: float) -> NDArray[np.float64]:
    """Return each target's luminance for one frame.

    Parameters
    ----------
    freqs : ndarray, shape (n_targets,)
        Flicker frequencies in Hz (NaN for a target that does not flicker).
    phases : ndarray, shape (n_targets,)
        Phases in radians.
    t_frame : float
        Time of the frame since the trial onset, in seconds (``n / rate``).

    Returns
    -------
    ndarray, shape (n_targets,)
        Luminance in [0, 1]; 0.12 (steady, dim) for targets without a frequency.
    """
    lum = 0.5 * (1.0 + np.sin(2.0 * np.pi * freqs * t_frame + phases))
    return np.where(np.isfinite(lum), lum, 0.12)


def frame_stats(intervals_s: Sequence[float], dropped: int, rate: float = 60.0) -> dict[str, float]:
    """Summarise frame intervals.

    Parameters
    ----------
    intervals_s : sequence of float, shape (n_intervals,)
        Seconds between consecutive presented frames.
    dropped : int
        Frames skipped because their deadline had passed.
    rate : float
        Nominal frame rate in Hz.

    Returns
    -------
    dict
        ``n_frames``, ``mean_ms``, ``std_ms``, ``p99_ms``, ``max_ms``, ``jitter_ms`` (mean absolute deviation from
        the nominal period) and ``dropped``.
    """
    x = np.asarray(intervals_s, dtype=np.float64) * 1e3
    if x.size == 0:
        return {"n_frames": 0, "mean_ms": float("nan"), "std_ms": float("nan"), "p99_ms": float("nan"),
                "max_ms": float("nan"), "jitter_ms": float("nan"), "dropped": float(dropped)}
    return {
        "n_frames": int(x.size + 1),
        "mean_ms": float(x.mean()),
        "std_ms": float(x.std()),
        "p99_ms": float(np.percentile(x, 99)),
        "max_ms": float(x.max()),
        "jitter_ms": float(np.mean(np.abs(x - 1e3 / rate))),
        "dropped": float(dropped),
    }


class FrameClock(QObject):
    """Emit ``frame(n, t_frame)`` on absolute deadlines ``t0 + n / rate``.

    A frame whose deadline passed before the clock got to it is skipped and counted in :attr:`dropped`
    (each drop is logged). After each frame, ``idle(slack_s)`` tells cheap background work (the throttled
    scope) how long it may take before the next deadline.

    Parameters
    ----------
    rate : float
        Frames per second (the monitor's refresh rate).
    clock : callable() -> float
        Monotonic clock in seconds.
    parent : QObject | None
        Qt parent.
    """

    frame = pyqtSignal(int, float)
    idle = pyqtSignal(float)
    dropped_changed = pyqtSignal(int)

    def __init__(self, rate: float = 60.0, clock: Callable[[], float] = time.perf_counter,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rate = float(rate)
        self.period = 1.0 / self.rate
        self.clock = clock
        self.dropped = 0
        self.intervals: deque[float] = deque(maxlen=60 * 60 * 10)
        self._t0 = 0.0
        self._last_n = -1
        self._last_present: float | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._tick)

    @property
    def running(self) -> bool:
        """Whether frames are being produced."""
        return self._t0 > 0

    def start(self) -> None:
        """Start (or restart) at frame 0 now; frame 0 is the stimulus onset."""
        self._t0 = self.clock()
        self._last_n = -1
        self._last_present = None
        self._timer.start(0)

    def restart_phase(self) -> None:
        """Make the next frame frame 0 (a new trial onset) without stopping."""
        if self._t0 > 0:
            self._t0 = self.clock()
            self._last_n = -1
            self._timer.start(0)

    def stop(self) -> None:
        """Stop producing frames."""
        self._timer.stop()
        self._t0 = 0.0
        self._last_n = -1
        self._last_present = None

    def reset_stats(self) -> None:
        """Forget recorded intervals and dropped frames."""
        self.intervals.clear()
        self.dropped = 0
        self._last_present = None

    def _tick(self) -> None:
        if self._t0 <= 0:
            return
        n = int((self.clock() - self._t0) / self.period)
        if n <= self._last_n:  # woke early: spin to the deadline
            deadline = self._t0 + (self._last_n + 1) * self.period
            while self.clock() < deadline:
                pass
            n = self._last_n + 1
        skipped = n - self._last_n - 1
        if skipped > 0 and self._last_n >= 0:
            self.dropped += skipped
            log.info("flicker: dropped %d frame(s) before frame %d (total %d)", skipped, n, self.dropped)
            self.dropped_changed.emit(self.dropped)
        self._last_n = n
        self.frame.emit(n, n * self.period)
        now = self.clock()
        if self._last_present is not None:
            self.intervals.append(now - self._last_present)
        self._last_present = now
        if self._t0 <= 0:  # stopped from a slot
            return
        next_deadline = self._t0 + (n + 1) * self.period
        slack = next_deadline - self.clock()
        if slack > 0.004:
            self.idle.emit(slack - 0.003)
        remaining = next_deadline - self.clock() - _SPIN_S
        self._timer.start(max(0, int(remaining * 1000)))


class FlickerGrid(TargetGrid):
    """The SSVEP keyboard: every target flickers at its own frequency and phase.

    Parameters
    ----------
    ui : UiSettings | None
        Colours and sizes (the ``[ui]`` settings).
    rate : float
        Display refresh rate in Hz.
    parent : QWidget | None
        Parent widget.
    """

    def __init__(self, ui: UiSettings | None = None, rate: float = 60.0,
                 parent: QWidget | None = None) -> None:
        super().__init__(ui, parent)
        self.clock = FrameClock(rate, parent=self)
        self.clock.frame.connect(self._present)
        self._freqs = np.zeros(0)
        self._phases = np.zeros(0)
        self._lum = np.zeros(0)
        self.frame_index = -1

    def set_targets(self, targets: Sequence[Any]) -> None:
        """Show ``targets``; their ``freq``/``phase`` code the flicker."""
        self._freqs = np.array([np.nan if t.freq is None or not getattr(t, "enabled", True) else float(t.freq)
                                for t in targets], dtype=np.float64)
        self._phases = np.array([0.0 if t.phase is None else float(t.phase) for t in targets], dtype=np.float64)
        self._lum = luminance(self._freqs, self._phases, 0.0) if self.clock.running else self._steady()
        super().set_targets(targets)

    def start(self) -> None:
        """Start flickering (frame 0 is now)."""
        self.clock.start()

    def stop(self) -> None:
        """Stop flickering and show every target steady."""
        self.clock.stop()
        self._lum = self._steady()
        self.update()

    def _steady(self) -> np.ndarray:
        """Luminance between trials: mid-grey targets, dim empty slots."""
        return np.where(np.isfinite(self._freqs), 0.35, 0.12)

    def trial_onset(self) -> None:
        """Restart the phase so that frame 0 coincides with a trial onset."""
        self.clock.restart_phase()

    def _present(self, n: int, t_frame: float) -> None:
        self.frame_index = n
        self._lum = luminance(self._freqs, self._phases, t_frame)
        self.repaint()

    def luminances(self) -> NDArray[np.float64]:
        """Return the luminance of each target in the last presented frame, shape (n_targets,)."""
        return self._lum.copy()

    def cell_colors(self) -> list[QColor]:
        """Interpolate each cell between the off and on colours by its luminance."""
        a, b = self.theme.stim_off, self.theme.stim_on
        lo = np.array([a.red(), a.green(), a.blue()], dtype=np.float64)
        hi = np.array([b.red(), b.green(), b.blue()], dtype=np.float64)
        lum = self._lum if len(self._lum) == len(self.targets) else np.full(len(self.targets), 0.35)
        rgb = (lo + (hi - lo) * lum[:, None]).astype(np.int32).tolist()
        return [QColor(r, g, bl) for r, g, bl in rgb]
