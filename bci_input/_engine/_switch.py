"""A minimal EMG envelope switch, used only when :class:`bci_input.decoding.EmgSwitch` is unavailable."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import signal

from .._types import Chunk

__all__ = ["EnvelopeSwitch", "SwitchEventLite", "make_emg_switch"]


@dataclass(frozen=True)
class SwitchEventLite:
    """A detected press (same fields as ``bci_input.decoding.SwitchEvent``)."""

    kind: str
    onset: float
    offset: float
    strength: float


class EnvelopeSwitch:
    """Detect clench, double clench and long clench on one EMG channel from its envelope.

    Parameters
    ----------
    sfreq : float
        Sampling rate, Hz.
    channel : int
        Column of the EMG channel in each chunk.
    threshold : float | None
        Envelope threshold, µV; set by :meth:`calibrate` when ``None``.
    long_s : float
        A burst at least this long is a long clench.
    double_window_s : float
        A second burst starting within this time after the first one ends makes a double clench.
    """

    def __init__(self, sfreq: float, channel: int, threshold: float | None = None, long_s: float = 0.9,
                 double_window_s: float = 0.5) -> None:
        self.sfreq = float(sfreq)
        self.channel = int(channel)
        self.threshold = threshold
        self.long_s = long_s
        self.double_window_s = double_window_s
        self._sos = signal.butter(4, min(20.0, self.sfreq / 4), btype="highpass", fs=self.sfreq, output="sos")
        self.reset()

    def reset(self) -> None:
        """Forget the filter state and any burst in progress."""
        self._zi = np.zeros((self._sos.shape[0], 2))
        self._env = 0.0
        self._on: float | None = None
        self._below = 0
        self._pending: tuple[float, float, float] | None = None  # single burst awaiting a possible second one
        self._peak = 0.0

    def _envelope(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        y, self._zi = signal.sosfilt(self._sos, x, zi=self._zi)
        a = np.exp(-1.0 / (0.03 * self.sfreq))
        env, zf = signal.lfilter([1 - a], [1, -a], np.abs(y), zi=[self._env * a])
        self._env = float(env[-1]) if len(env) else self._env
        return env

    def calibrate(self, rest: NDArray[np.floating], active: NDArray[np.floating]) -> EnvelopeSwitch:
        """Set the threshold between rest and active envelope levels (arrays (n_times, n_channels))."""
        e_rest = self._envelope(np.asarray(rest, float)[:, self.channel])
        self.reset()
        e_act = self._envelope(np.asarray(active, float)[:, self.channel])
        self.reset()
        lo, hi = float(np.percentile(e_rest, 99)), float(np.median(e_act))
        self.threshold = float(np.sqrt(max(lo, 1e-6) * max(hi, 1e-6)))
        return self

    def process(self, chunk: Chunk) -> list[Any]:
        """Return the presses completed in this chunk."""
        if self.threshold is None:
            return []
        env = self._envelope(chunk.data[:, self.channel].astype(float))
        out: list[Any] = []
        hold = int(0.06 * self.sfreq)
        for t, e in zip(chunk.timestamps, env, strict=True):
            if self._pending is not None and self._on is None and t - self._pending[1] > self.double_window_s:
                on, off, pk = self._pending
                out.append(SwitchEventLite("clench", on, off, pk))
                self._pending = None
            if e >= self.threshold:
                if self._on is None:
                    self._on, self._peak = float(t), 0.0
                self._below = 0
                self._peak = max(self._peak, float(e))
            elif self._on is not None:
                self._below += 1
                if self._below >= hold:
                    on, off = self._on, float(t) - hold / self.sfreq
                    self._on = None
                    dur = off - on
                    if dur < 0.05:
                        continue
                    if dur >= self.long_s:
                        self._pending = None
                        out.append(SwitchEventLite("long_clench", on, off, self._peak))
                    elif self._pending is not None:
                        out.append(SwitchEventLite("double_clench", self._pending[0], off, self._peak))
                        self._pending = None
                    else:
                        self._pending = (on, off, self._peak)
        return out


def make_emg_switch(sfreq: float, channel: int, rest: NDArray[np.floating], active: NDArray[np.floating]) -> Any:
    """Return a calibrated switch for EMG column ``channel``: the decoding package's ``EmgSwitch`` if present."""
    try:
        from ..decoding import EmgSwitch
    except ImportError:  # pragma: no cover - older checkouts
        return EnvelopeSwitch(sfreq, channel).calibrate(rest, active)
    return EmgSwitch(sfreq=sfreq, channels=(int(channel),)).calibrate(rest, active)
