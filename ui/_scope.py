"""Live signal scope: a pyqtgraph window, throttled to 10 redraws a second.

In the app it runs in its own process (:mod:`bci_input.ui._scope_process`): QGraphicsView repaints are
deferred to later event-loop iterations, so in the GUI thread they would land on flicker frame deadlines
(see the ``flicker`` section of BENCHMARKS.md). The class itself is an ordinary widget (tests, other uses).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

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
        self.plot.setLabel("bottom", "time", units="s")
        self.plot.getPlotItem().disableAutoRange()
        self.curve = pg.PlotCurveItem(pen=pg.mkPen("#7cc4ff", width=1), antialias=False, skipFiniteCheck=True)
        self.plot.addItem(self.curve)
        self._gap = 0.0
        self._names: list[str] = []
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.plot)
        self._timer = QTimer(self)
        self._timer.setInterval(int(self.min_interval * 1000))
        self._timer.timeout.connect(self._on_timer)

    def _on_timer(self) -> None:
        self.redraw(None)

    def showEvent(self, event: Any) -> None:  # noqa: N802 - Qt API
        """Start the timer."""
        self._timer.start()
        super().showEvent(event)

    def hideEvent(self, event: Any) -> None:  # noqa: N802 - Qt API
        """Stop redrawing while hidden."""
        self._timer.stop()
        super().hideEvent(event)

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
        n_t, n_ch = view.shape
        t = (np.arange(n_t, dtype=np.float64) - (n_t - 1)) * step / sfreq
        centred = view - view.mean(axis=0)
        spread = float(np.abs(centred).mean()) * 3.0 if centred.size else 1.0
        if not self._gap or not 0.6 < spread / self._gap < 1.6 or len(names) != len(self._names):
            self._gap = max(spread * 2.0, 1e-3)
            self._names = list(names)
            self.plot.getAxis("left").setTicks([[(-k * self._gap, str(n)) for k, n in enumerate(names)]])
            self.plot.setYRange(-(n_ch - 0.5) * self._gap, 0.5 * self._gap, padding=0)
            self.plot.setXRange(-self.seconds, 0, padding=0)
        # One curve for every channel (NaN between channels): one path, one paint.
        y = np.full((n_ch, n_t + 1), np.nan)
        y[:, :n_t] = centred.T - (np.arange(n_ch) * self._gap)[:, None]
        x = np.tile(np.append(t, np.nan), n_ch)
        self.curve.setData(x, y.ravel(), connect="finite")
        self._last = time.perf_counter()
        self.cost_s = 0.8 * self.cost_s + 0.2 * (self._last - now)
        self.n_redraws += 1
        return True
