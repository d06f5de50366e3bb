"""Run the language model in its own process, so its work never competes with the flicker for the GIL.

:class:`ProcessLanguageModel` implements the :class:`~bci_input.language.LanguageModel` protocol by
forwarding each call over a pipe as JSON (no pickle) to a child process that loads the real model with
:func:`~bci_input.language.load_language_model`. The child runs at a lower scheduling priority. The app's
:class:`~bci_input.language.LanguageWorker` calls it from its worker thread, which just waits on the pipe.
Cancellation is not forwarded: a call runs to its end, and the worker drops a stale answer as usual.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import multiprocessing as mp
import threading
from typing import Any

from bci_input._errors import ModelLoadError

log = logging.getLogger(__name__)

__all__ = ["ProcessLanguageModel"]


def _encode(value: Any) -> Any:
    if isinstance(value, dict):
        return {"dict": {str(k): float(v) for k, v in value.items()}}
    items = []
    for item in value:
        if hasattr(item, "text") and hasattr(item, "diff"):
            items.append({"text": item.text, "diff": [list(op) for op in item.diff]})
        else:
            items.append([str(item[0]), float(item[1])])
    return {"list": items}


def _decode(value: Any) -> Any:
    if "dict" in value:
        return dict(value["dict"])
    from bci_input.language import Rewrite

    out: list[Any] = []
    for item in value["list"]:
        if isinstance(item, dict):
            out.append(Rewrite(item["text"], tuple(tuple(op) for op in item["diff"])))
        else:
            out.append((item[0], float(item[1])))
    return out


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

    Raises
    ------
    ModelLoadError
        If the child cannot start or load a model in time.
    """

    def __init__(self, settings: Any, *, timeout_s: float = 900.0, nice: int = 5) -> None:
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

    def _call(self, kind: str, kwargs: dict[str, Any], revision: int) -> Any:
        from bci_input.language import Answer

        with self._lock:
            try:
                self._conn.send_bytes(json.dumps({"kind": kind, "kwargs": kwargs, "revision": revision}).encode())
                reply = json.loads(self._conn.recv_bytes().decode())
            except (EOFError, OSError) as exc:
                raise ModelLoadError(f"The language-model process is gone ({exc}); restart the app.") from None
        if "error" in reply:
            raise RuntimeError(reply["error"])
        return Answer(_decode(reply["value"]), revision, float(reply["latency_s"]), str(reply["backend"]),
                      kind=kind, cancelled=bool(reply.get("cancelled", False)))

    def next_symbols(self, context: str, *, revision: int = 0, cancel: Any = None) -> Any:
        """Next-symbol distribution (see the protocol)."""
        return self._call("next_symbols", {"context": context}, revision)

    def complete_word(self, context: str, prefix: str, k: int = 5, *, revision: int = 0, cancel: Any = None) -> Any:
        """Word completions (see the protocol)."""
        return self._call("complete_word", {"context": context, "prefix": prefix, "k": k}, revision)

    def complete_phrase(self, context: str, k: int = 3, *, revision: int = 0, cancel: Any = None) -> Any:
        """Phrase continuations (see the protocol)."""
        return self._call("complete_phrase", {"context": context, "k": k}, revision)

    def expand_abbreviation(self, initials: str, context: str, k: int = 3, *, revision: int = 0,
                            cancel: Any = None) -> Any:
        """Abbreviation expansions (see the protocol)."""
        return self._call("expand_abbreviation", {"initials": initials, "context": context, "k": k}, revision)

    def rewrite(self, text: str, instruction: str, k: int = 3, *, revision: int = 0, cancel: Any = None) -> Any:
        """Rewrite candidates (see the protocol)."""
        return self._call("rewrite", {"text": text, "instruction": instruction, "k": k}, revision)

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


def _lm_main(conn: Any, settings_json: str, nice: int) -> None:  # pragma: no cover - runs in the child
    """Entry point of the language-model process."""
    import os

    if nice and hasattr(os, "nice"):
        try:
            os.nice(nice)
        except OSError:
            pass
    from bci_input.language import load_language_model
    from bci_input.settings import LanguageSettings

    notices: list[str] = []
    try:
        model = load_language_model(LanguageSettings(**json.loads(settings_json)), on_notice=notices.append)
    except Exception as exc:
        conn.send_bytes(json.dumps({"error": f"{type(exc).__name__}: {exc}"}).encode())
        return
    conn.send_bytes(json.dumps({"name": str(getattr(model, "name", "model")), "notices": notices}).encode())
    while True:
        try:
            req = json.loads(conn.recv_bytes().decode())
        except (EOFError, OSError):
            return
        try:
            ans = getattr(model, req["kind"])(**req["kwargs"], revision=int(req["revision"]))
            reply = {"value": _encode(ans.value), "latency_s": ans.latency_s, "backend": ans.backend,
                     "cancelled": bool(getattr(ans, "cancelled", False))}
        except Exception as exc:  # the app shows it; the process keeps serving
            reply = {"error": f"{type(exc).__name__}: {exc}"}
        conn.send_bytes(json.dumps(reply).encode())
