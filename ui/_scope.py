"""Live signal scope: pyqtgraph in its own top-level window, throttled and kept out of the stimulus path.

The scope never redraws on its own schedule while the flicker runs: it redraws only in the slack the frame
clock reports after presenting a frame (``FrameClock.idle``), and only when its measured cost fits. With the
flicker stopped, a 10 Hz timer drives it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import numpy as np
import pyqtgraph as pg
from numpy.typing import NDArray
from PyQt6.QtCore import QTimer
from PyQt6.QtWidgets import QVBoxLayout, QWidget

__all__ = ["ScopeWindow"]

#: ``provider() -> (data (n_times, n_channels) µV, sfreq, channel names)`` or ``None`` if no data yet.
Provider = Callable[[], "tuple[NDArray[np.float32], float, Sequence[str]] | None"]


class ScopeWindow(QWidget):
    """A separate window plotting the last seconds of every channel, stacked.

    Parameters
    ----------
    provider : callable
        Returns the latest samples ``(data (n_times, n_channels), sfreq, names)`` or ``None``.
    seconds : float
        Seconds shown.
    max_rate : float
        Highest redraw rate in Hz.
    max_points : int
        Points per channel after decimation.
    """

    def __init__(self, provider: Provider, seconds: float = 5.0, max_rate: float = 10.0,
                 max_points: int = 500) -> None:
        super().__init__(None)
        self.setWindowTitle("bci-input — signal scope")
        self.resize(720, 460)
        self.provider = provider
        self.seconds = seconds
        self.min_interval = 1.0 / max_rate
        self.max_points = max_points
        self.n_redraws = 0
        self.cost_s = 0.004
        self._last = 0.0
        self.plot = pg.PlotWidget(background="#101418")
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.getPlotItem().setClipToView(True)
        self.plot.setLabel("bottom", "time", units="s")
        self.curves: list[pg.PlotDataItem] = []
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.plot)
        self._timer = QTimer(self)
        self._timer.setInterval(int(self.min_interval * 1000))
        self._timer.timeout.connect(lambda: self.redraw(None))
        self.frame_driven = False

    def drive_from(self, idle_signal: object | None) -> None:
        """Redraw in the frame clock's slack (``idle(slack_s)``) instead of on a free-running timer."""
        if idle_signal is None:
            self.frame_driven = False
            if self.isVisible():
                self._timer.start()
            return
        self.frame_driven = True
        self._timer.stop()
        idle_signal.connect(self.redraw)  # type: ignore[attr-defined]

    def showEvent(self, event: object) -> None:  # noqa: N802 - Qt API
        """Start the timer (when not frame-driven)."""
        if not self.frame_driven:
            self._timer.start()
        super().showEvent(event)  # type: ignore[arg-type]

    def hideEvent(self, event: object) -> None:  # noqa: N802 - Qt API
        """Stop redrawing while hidden."""
        self._timer.stop()
        super().hideEvent(event)  # type: ignore[arg-type]

    def redraw(self, budget_s: float | None = None) -> bool:
        """Redraw if visible, due, and (when ``budget_s`` is given) if the expected cost fits in it.

        Returns
        -------
        bool
            Whether a redraw happened.
        """
        now = time.perf_counter()
        if not self.isVisible() or now - self._last < self.min_interval:
            return False
        if budget_s is not None and self.cost_s * 1.5 > budget_s:
            return False
        got = self.provider()
        if got is None:
            return False
        data, sfreq, names = got
        data = np.asarray(data, dtype=np.float32)[-int(self.seconds * sfreq):]
        if data.size == 0:
            return False
        step = max(1, data.shape[0] // self.max_points)
        view = data[::step]
        t = np.arange(view.shape[0], dtype=np.float64) * step / sfreq
        t -= t[-1] if t.size else 0.0
        centred = view - np.median(view, axis=0)
        spread = float(np.percentile(np.abs(centred), 95)) if centred.size else 1.0
        gap = max(spread * 2.5, 1e-3)
        if len(self.curves) != view.shape[1]:
            self.plot.clear()
            self.curves = [self.plot.plot(pen=pg.mkPen(pg.intColor(k, hues=max(8, view.shape[1])), width=1))
                           for k in range(view.shape[1])]
        self.plot.getAxis("left").setTicks([[(-k * gap, str(n)) for k, n in enumerate(names)]])
        for k, curve in enumerate(self.curves):
            curve.setData(t, centred[:, k] - k * gap)
        self.repaint()
        self._last = time.perf_counter()
        self.cost_s = 0.8 * self.cost_s + 0.2 * (self._last - now)
        self.n_redraws += 1
        return True
