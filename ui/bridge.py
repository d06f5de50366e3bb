"""Engine and language-worker callbacks → Qt signals, delivered as queued calls on the GUI thread.

The engine, the acquisition and the language model run on their own threads and report through plain
callables. :class:`EngineBridge` provides those callables; each one only emits a signal. Receivers connect
with :func:`connect_queued`, so the slot always runs on the GUI thread (the thread that owns the receiver),
never on the caller's thread: only the GUI thread touches widgets or the Document.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PyQt6.QtCore import QObject, Qt, pyqtSignal

from bci_input._types import Intent
from bci_input.language import LanguageAnswer, LanguageModel

log = logging.getLogger(__name__)

__all__ = ["EngineBridge", "connect_queued"]


def connect_queued(signal: Any, slot: Callable[..., Any]) -> None:
    """Connect ``signal`` to ``slot`` as a queued connection (the slot runs in its receiver's thread)."""
    signal.connect(slot, Qt.ConnectionType.QueuedConnection)


class EngineBridge(QObject):
    """Thread-safe callables for the engine and the language worker, re-emitted as Qt signals.

    Signals
    -------
    intent(object)
        A decoded :class:`~bci_input.Intent`.
    stimulus(object)
        A stimulus event of the engine (flash group, scan step, trial onset).
    status(object)
        A status ``dict`` (board state, signal quality, confidence, dropped samples...).
    error(str)
        A worker's error message; the UI shows it.
    language_answer(object)
        An :class:`~bci_input.language.Answer`.
    notice(str)
        An informational message (for example "language model fell back to wordfreq").
    autosaved(object)
        The path of a successful autosave.
    autosave_failed(str)
        Why an autosave failed.
    model_loaded(object)
        A language model finished loading on its worker thread.
    """

    intent = pyqtSignal(object)
    stimulus = pyqtSignal(object)
    status = pyqtSignal(object)
    error = pyqtSignal(str)
    language_answer = pyqtSignal(object)
    notice = pyqtSignal(str)
    autosaved = pyqtSignal(object)
    autosave_failed = pyqtSignal(str)
    model_loaded = pyqtSignal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._closed = threading.Event()

    def close(self) -> None:
        """Stop forwarding: callbacks arriving after this are ignored (shutdown)."""
        self._closed.set()

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed.is_set()

    def _emit(self, signal: Any, value: Any) -> None:
        if self._closed.is_set():
            return
        try:
            signal.emit(value)
        except RuntimeError:  # the QObject was deleted during shutdown
            log.debug("bridge signal after deletion ignored")

    # Callables handed to other threads -------------------------------------------------
    def on_intent(self, intent: Intent) -> None:
        """Engine callback: a decision was made."""
        self._emit(self.intent, intent)

    def on_stimulus(self, event: Any) -> None:
        """Engine callback: a stimulus event must be shown."""
        self._emit(self.stimulus, event)

    def on_status(self, status: dict[str, Any]) -> None:
        """Engine callback: status update."""
        self._emit(self.status, dict(status))

    def on_error(self, message: str | Exception) -> None:
        """Engine or worker callback: an error (a string or an exception)."""
        text = message if isinstance(message, str) else f"{type(message).__name__}: {message}"
        self._emit(self.error, text)

    def on_language_answer(self, answer: LanguageAnswer) -> None:
        """Language-worker callback: an answer arrived."""
        self._emit(self.language_answer, answer)

    def on_notice(self, message: str) -> None:
        """Informational message from any thread."""
        self._emit(self.notice, str(message))

    def on_autosaved(self, path: Path) -> None:
        """Autosaver callback: a version was written."""
        self._emit(self.autosaved, path)

    def on_autosave_failed(self, message: str) -> None:
        """Autosaver callback: a write failed."""
        self._emit(self.autosave_failed, str(message))

    def on_model_loaded(self, model: LanguageModel) -> None:
        """Model-loader callback: the language model is ready."""
        self._emit(self.model_loaded, model)

    def engine_callbacks(self) -> dict[str, Callable[..., None]]:
        """Return the engine's callbacks: ``on_intent``, ``on_stimulus``, ``on_status``, ``on_error``."""
        return {"on_intent": self.on_intent, "on_stimulus": self.on_stimulus, "on_status": self.on_status,
                "on_error": self.on_error}
