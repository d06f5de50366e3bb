"""Run the language model in its own process, so its work never competes with the app's GUI thread for the GIL.

:class:`ProcessLanguageModel` implements the :class:`~bci_input.language.LanguageModel` protocol by
forwarding each call over a pipe as JSON (no pickle) to a child process that loads the real model with
:func:`~bci_input.language.load_language_model`. The child runs at a lower scheduling priority. The app's
:class:`~bci_input.language.LanguageWorker` calls it from its worker thread, which waits on the pipe.

- **Cancellation is forwarded.** While a call waits, its ``cancel`` Event is watched; once set, a
  ``{"cancel": id}`` message reaches the child, whose reader thread sets the running call's own Event, so the
  model stops at its next check (between forward passes) and answers with ``cancelled=True``.
- **Notices are forwarded.** Messages the child's model emits after loading (an HTTP endpoint failing and
  the word-frequency fallback taking over, for example) come back with the next answer and reach
  ``on_notice``.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import multiprocessing as mp
import queue
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from .._errors import ModelLoadError
from ..settings import LanguageSettings
from ._requests import (
    CompletePhrase,
    CompleteWord,
    ExpandAbbreviation,
    LanguageRequest,
    NextSymbols,
    RewriteAnswer,
    RewriteText,
    SuggestionAnswer,
    SymbolAnswer,
    answer_to_json,
    request_from_json,
    request_to_json,
    rewrites_from_json,
    suggestions_from_json,
    symbols_from_json,
)

log = logging.getLogger(__name__)

__all__ = ["ProcessLanguageModel"]


class ProcessLanguageModel:
    """A language model living in a child process.

    Parameters
    ----------
    settings : LanguageSettings
        What the child loads (see :func:`~bci_input.language.load_language_model`).
    timeout_s : float
        Longest wait for the model to load.
    nice : int
        Niceness increment of the child.
    on_notice : callable | None
        Receives the model's notices after loading (it can also be set later as ``on_notice``).

    Raises
    ------
    ModelLoadError
        If the child cannot start or load a model in time.
    """

    def __init__(
        self, settings: LanguageSettings, *, timeout_s: float = 900.0, nice: int = 5,
        on_notice: Callable[[str], None] | None = None,
    ) -> None:
        self.on_notice = on_notice
        self._seq = 0
        #: Cancel messages sent to the child (for tests and diagnostics).
        self.cancels_sent = 0
        ctx = mp.get_context("spawn")
        self._conn, child = ctx.Pipe(duplex=True)
        payload = json.dumps(dataclasses.asdict(settings))
        self._proc = ctx.Process(target=_lm_main, args=(child, payload, nice), name="bci-input-lm", daemon=True)
        self._proc.start()
        child.close()
        self._lock = threading.Lock()
        if not self._conn.poll(timeout_s):
            self.close()
            raise ModelLoadError(f"The language model did not load within {timeout_s:.0f} s.")
        try:
            ready = json.loads(self._conn.recv_bytes().decode())
        except (EOFError, OSError) as exc:
            self.close()
            raise ModelLoadError(f"The language-model process ended while loading: {exc}.") from None
        if "error" in ready:
            self.close()
            raise ModelLoadError(ready["error"])
        self.name: str = str(ready["name"])
        self.notices: list[str] = list(ready.get("notices", []))

    def _exchange(self, message: dict[str, Any], cancel: threading.Event | None = None) -> dict[str, Any]:
        """Send one request (numbered here), wait for its reply and pass on the notices that came with it."""
        with self._lock:
            self._seq += 1
            rid = self._seq
            try:
                self._conn.send_bytes(json.dumps({"id": rid, **message}).encode())
                reply = self._wait_reply(rid, cancel)
            except (EOFError, OSError) as exc:
                raise ModelLoadError(f"The language-model process is gone ({exc}); restart the app.") from None
        for notice in reply.get("notices", ()):
            log.warning("language model: %s", notice)
            if self.on_notice is not None:
                self.on_notice(str(notice))
        if "error" in reply:
            raise RuntimeError(reply["error"])
        return reply

    def _ask(self, request: LanguageRequest, revision: int, cancel: threading.Event | None) -> dict[str, Any]:
        """Run ``request`` in the child; return its answer as :func:`answer_to_json` wrote it."""
        reply = self._exchange({"request": request_to_json(request), "revision": revision}, cancel)
        return dict(reply["answer"])

    def _wait_reply(self, rid: int, cancel: threading.Event | None) -> dict[str, Any]:
        """Wait for the answer to request ``rid``, forwarding ``cancel`` once it is set."""
        cancel_sent = False
        while True:
            if self._conn.poll(0.01):
                reply = json.loads(self._conn.recv_bytes().decode())
                if reply.get("id", rid) == rid:
                    return dict(reply)
                continue  # an answer to an older request (cannot happen with one caller; be safe)
            if not cancel_sent and cancel is not None and cancel.is_set():
                self._conn.send_bytes(json.dumps({"cancel": rid}).encode())
                self.cancels_sent += 1
                cancel_sent = True
            if not self._proc.is_alive():
                raise EOFError("the process ended")

    def next_symbols(self, context: str, *, revision: int = 0, cancel: threading.Event | None = None) -> SymbolAnswer:
        """Next-symbol distribution (see the protocol)."""
        return symbols_from_json(self._ask(NextSymbols(context), revision, cancel))

    def complete_word(self, context: str, prefix: str, k: int = 5, *, revision: int = 0,
                      cancel: threading.Event | None = None) -> SuggestionAnswer:
        """Word completions (see the protocol)."""
        return suggestions_from_json(self._ask(CompleteWord(context, prefix, k), revision, cancel))

    def complete_phrase(self, context: str, k: int = 3, *, revision: int = 0,
                        cancel: threading.Event | None = None) -> SuggestionAnswer:
        """Phrase continuations (see the protocol)."""
        return suggestions_from_json(self._ask(CompletePhrase(context, k), revision, cancel))

    def expand_abbreviation(self, initials: str, context: str = "", k: int = 3, *, revision: int = 0,
                            cancel: threading.Event | None = None) -> SuggestionAnswer:
        """Abbreviation expansions (see the protocol)."""
        return suggestions_from_json(self._ask(ExpandAbbreviation(initials, context, k), revision, cancel))

    def rewrite(self, text: str, instruction: str, k: int = 3, *, revision: int = 0,
                cancel: threading.Event | None = None) -> RewriteAnswer:
        """Rewrite candidates (see the protocol)."""
        return rewrites_from_json(self._ask(RewriteText(text, instruction, k), revision, cancel))

    def learn(self, text: str, *, previous: str = "") -> int:
        """Teach the child's personal vocabulary the words added since ``previous``; 0 when it has none.

        The child's model has one when ``[language] personal_vocabulary = true``.
        """
        return int(self._exchange({"learn": text, "previous": previous}).get("learned", 0))

    def close(self, timeout: float = 5.0) -> None:
        """End the child process (joined with ``timeout``)."""
        try:
            self._conn.close()
        except OSError:
            pass
        self._proc.join(timeout)
        if self._proc.is_alive():
            self._proc.terminate()
            self._proc.join(timeout)


def _lm_main(conn: Connection, settings_json: str, nice: int) -> None:  # pragma: no cover - runs in the child
    """Entry point of the language-model process.

    The main thread runs the calls one at a time; a reader thread receives the requests and the cancel
    messages, so a cancel reaches a call while it runs.
    """
    import os

    if nice and hasattr(os, "nice"):
        try:
            os.nice(nice)
        except OSError:
            pass
    from ._factory import load_language_model
    from ._requests import ask

    notices: list[str] = []

    def drain() -> list[str]:
        out = notices[:]
        del notices[: len(out)]
        return out

    try:
        model = load_language_model(LanguageSettings(**json.loads(settings_json)), on_notice=notices.append)
    except Exception as exc:
        conn.send_bytes(json.dumps({"error": f"{type(exc).__name__}: {exc}"}).encode())
        return
    conn.send_bytes(json.dumps({"name": str(getattr(model, "name", "model")), "notices": drain()}).encode())
    requests: queue.Queue[dict[str, Any] | None] = queue.Queue()
    lock = threading.Lock()
    state: dict[str, Any] = {"id": 0, "cancel": threading.Event(), "early": set()}

    def reader() -> None:
        while True:
            try:
                msg = json.loads(conn.recv_bytes().decode())
            except (EOFError, OSError, ValueError):
                requests.put(None)
                return
            if "cancel" in msg:
                with lock:
                    rid = int(msg["cancel"])
                    if rid == state["id"]:
                        state["cancel"].set()
                    elif rid > state["id"]:  # not started yet
                        state["early"].add(rid)
            else:
                requests.put(msg)

    threading.Thread(target=reader, name="lm-reader", daemon=True).start()
    while True:
        req = requests.get()
        if req is None:
            return
        rid = int(req.get("id", 0))
        cancel = threading.Event()
        with lock:
            state["id"], state["cancel"] = rid, cancel
            if rid in state["early"]:
                state["early"].discard(rid)
                cancel.set()
        try:
            if "learn" in req:
                learn = getattr(model, "learn", None)
                n = learn(str(req["learn"]), previous=str(req.get("previous", ""))) if callable(learn) else 0
                conn.send_bytes(json.dumps({"id": rid, "learned": n, "notices": drain()}).encode())
                continue
            ans = ask(model, request_from_json(req["request"]), revision=int(req["revision"]), cancel=cancel)
            reply: dict[str, Any] = {"answer": answer_to_json(ans)}
        except Exception as exc:  # the app shows it; the process keeps serving
            reply = {"error": f"{type(exc).__name__}: {exc}"}
        reply["id"] = rid
        reply["notices"] = drain()
        conn.send_bytes(json.dumps(reply).encode())
