"""Flicker timing benchmark: frame-interval statistics offscreen, with the scope window closed and open.

Run with ``bci-input bench flicker`` (writes the ``flicker`` section of BENCHMARKS.md). Conditions:

- ``scope closed``: the SSVEP keyboard alone (40 targets of the speller's main page).
- ``scope open, own process``: the shipped design: the scope window runs in a separate process; the GUI
  thread only sends it decimated samples 10 times a second.
- ``scope open, same thread``: the same pyqtgraph scope in the GUI thread at 10 Hz, for comparison.
- ``+ engine thread``: the real engine decoding a simulated participant in the background.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

__all__ = ["run_bench", "measure"]


def _app() -> Any:
    if "QT_QPA_PLATFORM" not in os.environ:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PyQt6.QtWidgets import QApplication

    return QApplication.instance() or QApplication(["bci-input-bench"])


def _window() -> Any:
    from bci_input.document import Document
    from bci_input.language import WordFreqModel
    from bci_input.settings import Settings
    from bci_input.speller import Speller

    from ._window import MainWindow

    window = MainWindow(Settings(), "ssvep")
    speller = Speller(Document("Dear Sarah, thank you for the lovely flowers. I hope to see you very so"),
                      WordFreqModel(), "ssvep")
    window.show_layout(speller.layout)
    window.show_document(speller.document.text, speller.document.cursor, None, "")
    window.show()
    return window


class _FakeStream:
    """Scope provider: 16 channels at 250 Hz, advancing with the wall clock like a live stream."""

    def __init__(self) -> None:
        self.rng = np.random.default_rng(0)
        self.sfreq = 250.0
        self.names = [f"ch{k + 1}" for k in range(16)]
        self.data = self.rng.normal(0, 20, (int(10 * self.sfreq), 16)).astype(np.float32)
        self.t0 = time.perf_counter()

    def __call__(self) -> tuple[np.ndarray, float, list[str]]:
        shift = int((time.perf_counter() - self.t0) * self.sfreq) % len(self.data)
        return np.roll(self.data, -shift, axis=0), self.sfreq, self.names


def measure(seconds: float, *, scope: str = "closed", engine: bool = False) -> dict[str, float]:
    """Run the flicker for ``seconds`` and return its frame statistics.

    Parameters
    ----------
    seconds : float
        Duration of the measurement.
    scope : str
        ``'closed'``, ``'process'`` (own process, shipped) or ``'thread'`` (same GUI thread, 10 Hz).
    engine : bool
        Also run the real engine thread on a simulated participant.

    Returns
    -------
    dict
        :func:`~bci_input.ui._flicker.frame_stats` plus ``scope_redraws``.
    """
    from PyQt6.QtCore import QEventLoop, QTimer

    from ._flicker import frame_stats
    from ._scope import ScopeWindow
    from ._scope_process import ScopeProcess

    app = _app()
    window = _window()
    win_scope: Any = None
    proc: Any = None
    if scope == "thread":
        win_scope = ScopeWindow(_FakeStream())
        win_scope.show()
    elif scope == "process":
        proc = ScopeProcess(_FakeStream())
        t_wait = time.perf_counter()
        while not proc.push() and time.perf_counter() - t_wait < 10:
            app.processEvents()
        loop0 = QEventLoop()
        QTimer.singleShot(2500, loop0.quit)  # let the scope process start up (Python + Qt import)
        loop0.exec()
    stop_engine: Callable[[], None] | None = _start_engine() if engine else None
    for _ in range(5):
        app.processEvents()
    clock = window.flicker.clock
    window.flicker.start()
    loop = QEventLoop()
    QTimer.singleShot(500, clock.reset_stats)  # warm-up excluded
    QTimer.singleShot(int((seconds + 0.5) * 1000), loop.quit)
    loop.exec()
    stats = frame_stats(list(clock.intervals), clock.dropped, clock.rate)
    window.flicker.stop()
    stats["scope_redraws"] = float(win_scope.n_redraws if win_scope is not None else
                                   proc.n_sent if proc is not None else 0)
    if proc is not None:
        stats["scope_alive"] = float(proc.alive)
        proc.close()
    if stop_engine is not None:
        stop_engine()
    if win_scope is not None:
        win_scope.close()
        win_scope.deleteLater()
    window.close()
    window.deleteLater()
    app.processEvents()
    return stats


def _start_engine() -> Callable[[], None]:
    from bci_input.document import Document
    from bci_input.engine import Engine
    from bci_input.simulation import SimulatedParticipant
    from bci_input.speller import Speller

    participant = SimulatedParticipant(realtime=True, seed=1)
    speller = Speller(Document(), None, "ssvep")
    eng = Engine(participant, None, "ssvep")
    eng.set_layout(speller.layout)
    participant.attend("char:e")
    eng.start()
    return eng.stop


def run_bench(out: Path) -> None:
    """Measure every condition and write the ``flicker`` section of ``out``."""
    import sys

    from bci_input._bench_report import machine_line, markdown_table, write_section

    sys.setswitchinterval(0.0005)  # as the app does
    seconds = float(os.environ.get("BCI_INPUT_BENCH_FLICKER_S", "20"))
    conditions = [("scope closed", "closed", False), ("scope open, own process (shipped)", "process", False),
                  ("scope open, same GUI thread (not shipped)", "thread", False)]
    conditions.append(("scope closed + engine thread", "closed", True))
    conditions.append(("scope open, own process + engine thread", "process", True))
    rows = []
    load_before = os.getloadavg()[0]
    for name, scope, engine in conditions:
        s = measure(seconds, scope=scope, engine=engine)
        print(f"[flicker] {name}: mean {s['mean_ms']:.2f} ms, std {s['std_ms']:.2f} ms, p99 {s['p99_ms']:.2f} ms, "
              f"max {s['max_ms']:.2f} ms, dropped {int(s['dropped'])}", flush=True)
        rows.append([name, int(s["n_frames"]), s["mean_ms"], s["std_ms"], s["p99_ms"], s["max_ms"],
                     int(s["dropped"]), int(s["scope_redraws"])])
    load_after = os.getloadavg()[0]
    md = (
        "## Flicker timing (Qt app, offscreen)\n\n"
        f"{machine_line()} `bci-input bench flicker`: the SSVEP keyboard (speller main page, 40 targets, "
        f"1280×860 window) flickers for {seconds:.0f} s per condition on absolute 1/60 s deadlines; the frame "
        "interval is measured between consecutive presented frames. Offscreen rendering has no vsync, so these "
        "figures measure the app's own scheduling and painting, not a monitor's refresh. The scope plots 16 "
        "channels × 5 s at 10 Hz; \"scope updates\" counts redraws (same thread) or updates sent (own process). "
        f"The machine was shared (load average {load_before:.1f} before, {load_after:.1f} after, on "
        f"{os.cpu_count()} cores), which inflates every row's std and p99 alike; compare rows, not absolutes. "
        "The scope and the language model run in their own processes; the engine (simulated participant, "
        "filters, FBCCA) still runs as a thread of the app's process, and the \"+ engine thread\" rows show what "
        "that costs: moving the engine to its own process is the next step for stimulus timing.\n\n"
        + markdown_table(["condition", "frames", "mean (ms)", "std (ms)", "p99 (ms)", "max (ms)", "dropped",
                          "scope updates"], rows)
    )
    write_section("flicker", md, out)
