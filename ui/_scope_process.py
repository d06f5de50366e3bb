"""Run the signal scope in a separate process, so its plotting never shares a thread with the flicker.

The GUI process sends, 10 times a second, the last seconds of every channel decimated to at most
``max_points`` samples per channel (a few tens of kB) through a pipe as raw float32 bytes plus a small JSON
header — no pickle. The scope process runs its own QApplication with a :class:`ScopeWindow`. Closing either
side ends the other: the scope exits on end-of-pipe, and the app sees the process gone.
"""

from __future__ import annotations

import json
import logging
import multiprocessing as mp
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PyQt6.QtCore import QObject, QTimer, pyqtSignal

log = logging.getLogger(__name__)

__all__ = ["ScopeProcess"]

Provider = Callable[[], "tuple[NDArray[np.float32], float, Sequence[str]] | None"]


class ScopeProcess(QObject):
    """The app's side of the out-of-process scope.

    Signals
    -------
    closed()
        The scope process ended (the user closed its window, or it failed).

    Parameters
    ----------
    provider : callable
        Returns the latest samples ``(data (n_times, n_channels) µV, sfreq, names)`` or ``None``.
    seconds : float
        Seconds shown.
    rate : float
        Updates sent per second.
    max_points : int
        Samples per channel sent per update.
    """

    closed = pyqtSignal()

    def __init__(self, provider: Provider, seconds: float = 5.0, rate: float = 10.0, max_points: int = 500,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.provider = provider
        self.seconds = seconds
        self.max_points = max_points
        self.n_sent = 0
        ctx = mp.get_context("spawn")
        recv, send = ctx.Pipe(duplex=False)
        self._conn = send
        self._proc = ctx.Process(target=_scope_main, args=(recv,), name="bci-input-scope", daemon=True)
        self._proc.start()
        recv.close()
        self._timer = QTimer(self)
        self._timer.setInterval(int(1000 / rate))
        self._timer.timeout.connect(self.push)
        self._timer.start()

    @property
    def alive(self) -> bool:
        """Whether the scope process runs."""
        return self._proc.is_alive()

    def push(self) -> bool:
        """Send the latest samples (cheap: slicing, decimation and a pipe write). Returns whether sent."""
        if not self._proc.is_alive():
            self._finish()
            return False
        got = self.provider()
        if got is None:
            return False
        data, sfreq, names = got
        data = np.asarray(data, dtype=np.float32)[-int(self.seconds * sfreq):]
        if not data.size:
            return False
        step = max(1, data.shape[0] // self.max_points)
        view = np.ascontiguousarray(data[::step])
        header = {"shape": list(view.shape), "sfreq": float(sfreq) / step, "names": [str(n) for n in names]}
        try:
            self._conn.send_bytes(json.dumps(header).encode())
            self._conn.send_bytes(view.tobytes())
        except (BrokenPipeError, OSError):
            self._finish()
            return False
        self.n_sent += 1
        return True

    def _finish(self) -> None:
        if self._timer.isActive():
            self._timer.stop()
            self.closed.emit()

    def close(self, timeout: float = 3.0) -> None:
        """Close the scope window and end its process (joined with ``timeout``)."""
        self._timer.stop()
        try:
            self._conn.close()  # end-of-pipe: the scope quits
        except OSError:
            pass
        self._proc.join(timeout)
        if self._proc.is_alive():
            log.warning("scope process did not quit within %.1f s; terminating it", timeout)
            self._proc.terminate()
            self._proc.join(timeout)


def _scope_main(conn: Any) -> None:  # pragma: no cover - runs in the child process
    """Entry point of the scope process."""
    import os
    import sys

    from PyQt6.QtWidgets import QApplication

    if hasattr(os, "nice"):
        try:
            os.nice(10)  # on a busy machine the flicker process gets the CPU first
        except OSError:
            pass

    from ._scope import ScopeWindow

    app = QApplication(sys.argv[:1])
    latest: dict[str, Any] = {}

    def provider() -> tuple[NDArray[np.float32], float, Sequence[str]] | None:
        return latest.get("value")

    window = ScopeWindow(provider)

    def poll() -> None:
        try:
            while conn.poll():
                header = json.loads(conn.recv_bytes().decode())
                raw = conn.recv_bytes()
                shape = tuple(int(x) for x in header["shape"])
                data = np.frombuffer(raw, dtype=np.float32).reshape(shape)
                latest["value"] = (data, float(header["sfreq"]), list(header["names"]))
        except (EOFError, OSError, ValueError, KeyError):
            app.quit()

    timer = QTimer()
    timer.timeout.connect(poll)
    timer.start(30)
    window.show()
    app.exec()
    conn.close()
