"""Run language-model requests on a worker thread: debounced, cancellable, stale answers dropped."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .._errors import ConfigError
from ._requests import KINDS, REQUESTS, LanguageAnswer, LanguageRequest, ask
from ._types import LanguageModel

__all__ = ["LanguageWorker"]

log = logging.getLogger(__name__)


@dataclass
class _Queued:
    request: LanguageRequest
    revision: int
    due: float
    seq: int = field(default=0)


class LanguageWorker:
    """Serve :class:`LanguageModel` requests on one background thread.

    - A new request replaces a pending request of the same kind (only the latest matters).
    - A request waits ``debounce_s`` before it runs, so fast typing does not queue work.
    - A request for a newer revision cancels the running call (cooperatively, through its ``cancel`` Event).
    - An answer whose revision is older than the latest requested revision is dropped (counted in ``dropped``).
    - An exception in the model reaches ``on_error(exc)``; the worker keeps running.

    Callbacks run on the worker thread: a Qt app forwards them to the GUI thread with queued signals.

    Parameters
    ----------
    model : LanguageModel
        The backend.
    on_answer : callable
        ``on_answer(answer: LanguageAnswer)``; ``answer.kind`` names the request kind.
    on_error : callable
        ``on_error(exc: Exception)``.
    debounce_s : float
        Delay between a request and its start.
    clock : callable
        Monotonic time in seconds (injectable for tests).
    """

    def __init__(
        self,
        model: LanguageModel,
        on_answer: Callable[[LanguageAnswer], None],
        on_error: Callable[[Exception], None],
        debounce_s: float = 0.05,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if debounce_s < 0:
            raise ConfigError(f"Invalid value for 'debounce_s': {debounce_s}. It must be >= 0.")
        self.model = model
        self._on_answer = on_answer
        self._on_error = on_error
        self._debounce = float(debounce_s)
        self._clock = clock
        self._cond = threading.Condition()
        self._pending: dict[str, _Queued] = {}
        self._latest_revision = -(2**62)
        self._running: _Queued | None = None
        self._running_cancel = threading.Event()
        self._stop = threading.Event()
        self._seq = 0
        self._idle = threading.Event()
        self._idle.set()
        #: Answers dropped because a newer revision was requested meanwhile.
        self.dropped = 0
        #: Answers delivered.
        self.delivered = 0
        self._thread = threading.Thread(target=self._loop, name="language-worker", daemon=True)
        self._thread.start()

    def request(self, request: LanguageRequest, revision: int) -> None:
        """Queue a request.

        Parameters
        ----------
        request : LanguageRequest
            What to compute (:class:`~bci_input.language.CompleteWord`, ...); it replaces a pending request of
            the same kind.
        revision : int
            The document revision the request is computed for.
        """
        if not isinstance(request, tuple(REQUESTS.values())):
            raise ConfigError(f"Invalid language request {request!r}. Use one of: {', '.join(KINDS)}.")
        if self._stop.is_set():
            raise ConfigError("The language worker is stopped; create a new one.")
        with self._cond:
            if revision > self._latest_revision:
                self._latest_revision = revision
                running = self._running
                if running is not None and running.revision < revision:
                    self._running_cancel.set()
            self._seq += 1
            self._pending[request.kind] = _Queued(request, revision, self._clock() + self._debounce, self._seq)
            self._idle.clear()
            self._cond.notify_all()

    def cancel_all(self) -> None:
        """Forget pending requests and cancel the running one."""
        with self._cond:
            self._pending.clear()
            self._running_cancel.set()
            if self._running is None:
                self._idle.set()
            self._cond.notify_all()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until no request is pending or running; return False on timeout."""
        return self._idle.wait(timeout)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the thread (cancelling the running call) and join it."""
        self._stop.set()
        self.cancel_all()
        self._thread.join(timeout)
        if self._thread.is_alive():
            log.warning("language worker did not stop within %.1f s (a model call is still running)", timeout)

    @property
    def is_alive(self) -> bool:
        """Return whether the worker thread runs."""
        return self._thread.is_alive()

    def _next(self) -> _Queued | None:
        with self._cond:
            while not self._stop.is_set():
                if not self._pending:
                    self._idle.set()
                    self._cond.wait(0.5)
                    continue
                req = min(self._pending.values(), key=lambda r: (r.due, r.seq))
                wait = req.due - self._clock()
                if wait > 0:
                    self._cond.wait(min(wait, 0.5))
                    continue
                del self._pending[req.request.kind]
                self._running = req
                self._running_cancel = threading.Event()
                return req
        return None

    def _loop(self) -> None:
        while True:
            req = self._next()
            if req is None:
                return
            cancel = self._running_cancel
            try:
                answer = ask(self.model, req.request, revision=req.revision, cancel=cancel)
            except Exception as exc:  # reaches the UI, never swallowed
                log.exception("language model request %s failed", req.request.kind)
                self._finish()
                try:
                    self._on_error(exc)
                except Exception:
                    log.exception("on_error callback failed")
                continue
            with self._cond:
                stale = cancel.is_set() or answer.cancelled or answer.revision < self._latest_revision
            if stale:
                self.dropped += 1
                log.debug("dropped stale %s answer for revision %d", req.request.kind, answer.revision)
            else:
                self.delivered += 1
                try:
                    self._on_answer(answer)
                except Exception as exc:
                    log.exception("on_answer callback failed")
                    self._on_error(exc)
            self._finish()

    def _finish(self) -> None:
        with self._cond:
            self._running = None
            if not self._pending:
                self._idle.set()
