"""A tiny OpenAI-compatible server (stdlib ``http.server``) for testing the HTTP language backend.

Run as a separate process on loopback::

    python tests/_openai_server.py [--backend wordfreq|local] [--api-key KEY] [--host ADDRESS]

It prints ``PORT <n>`` on its first stdout line. Endpoints: ``GET /v1/models``, ``POST /v1/completions``
(``max_tokens``, ``n``, ``logprobs`` -> legacy ``top_logprobs``, ``stop``), ``POST /v1/chat/completions``,
and ``GET /v1/_stats`` (request counts, POSTs ``received`` before any delay, whether the API key matched, the
last ``logprobs`` asked). Every reply
carries ``usage`` (4 characters a prompt token, a word a completion token).

- ``--fail-first N`` answers the first N POSTs with HTTP 503, to test retries.
- ``--delay S`` delays every POST answer and ``--token-delay S`` adds S seconds per generated token, to test
  timeouts; ``POST /v1/_control`` with ``{"delay": S, "fail": N}`` changes the delay (ending the waits under
  way) or fails the next N POSTs, so a test can make a running server slow or failing, then well again.
- ``--ignore-n`` answers every chat request with one choice (picked by ``seed``), as ``llama_cpp.server`` does.
- ``--max-logprobs N`` refuses (HTTP 400) a completion asking for more than N top tokens, as vLLM does with 20;
  without it any number is given, as ``llama_cpp.server`` does.
- ``--native`` also serves llama.cpp's own ``POST /completion`` (``n_predict``, ``n_probs``), answering with its
  ``completion_probabilities`` (``top_logprobs`` entries); without it that path is 404, as on other servers.
``--backend local`` answers with the bundled SmolLM2 through
:class:`bci_input.language._local.LocalModel`; ``wordfreq`` (default) answers with
word frequencies and rule-based rewrites, instantly.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


class Engine:
    """Word-frequency engine: the next token is a frequent word; text is a chain of frequent words."""

    name = "wordfreq"

    def __init__(self) -> None:
        from bci_input.language import WordFreqModel

        self.wf = WordFreqModel()

    def top_next(self, prompt: str, n: int) -> dict[str, float]:
        sep = "" if (not prompt or prompt.endswith((" ", "\n"))) else " "
        words = self.wf.complete_word(prompt + sep, "", n).value  # in the case the prompt calls for
        return {sep + w: math.log(p) for w, p in words}

    def generate(self, prompt: str, max_tokens: int, index: int) -> str:
        m = re.search(r"Abbreviation: (\w+)\nSentence:$", prompt)
        if m and index == 0:  # what small models do: copy one of the prompt's own examples
            copied = re.findall(r"Sentence: (.+)\n", prompt)
            return " " + copied[1] if len(copied) > 1 else ""
        if m:
            options = self.wf.expand_abbreviation(m.group(1), "", 3).value
            return " " + options[min(index, len(options) - 1)][0] if options else ""
        words = [w for w, _ in self.wf.complete_word("", "", 8).value]
        return "".join(" " + words[(index + i) % len(words)] for i in range(min(max_tokens, 6)))

    def chat(self, text: str, instruction: str, index: int) -> str:
        from bci_input.language._rules import rule_rewrite

        preset = "shorter" if "shorter" in instruction else "formal"
        base = rule_rewrite(text, preset) or text
        # What small chat models do: invent a name, talk about the answer, leave placeholders.
        return (
            f"Dear Dr. Smith, {base}",
            f"Sure, here is the rewritten text:\n\n{base} Many thanks.",
            f"Dear [Recipient's Name],\n\n{base} Best wishes.\n\nBest regards,\n[Your Name]",
            f"{base} Thanks again.",
        )[index % 4]


class LocalEngine(Engine):
    """The bundled model behind the same API."""

    name = "local"

    def __init__(self) -> None:
        super().__init__()
        from bci_input.language._local import LocalModel

        self.lm = LocalModel.load()

    def top_next(self, prompt: str, n: int) -> dict[str, float]:
        import numpy as np

        probs = self.lm.next_token_probs(self.lm.context_ids(prompt))
        assert probs is not None
        top = np.argsort(-probs)[:n]
        return {self.lm.tokens.texts[t]: float(np.log(probs[t])) for t in top}

    def generate(self, prompt: str, max_tokens: int, index: int) -> str:
        phrases = self.lm.complete_phrase(prompt + " ", 3).value
        return " " + phrases[min(index, len(phrases) - 1)][0] if phrases else ""


class Handler(BaseHTTPRequestHandler):
    server: Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _send(self, code: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _auth(self) -> bool:
        want = self.server.api_key
        got = self.headers.get("Authorization", "")
        ok = want is None or got == f"Bearer {want}"
        self.server.stats["auth_ok" if ok else "auth_bad"] += 1
        if not ok:
            self._send(401, {"error": {"message": "invalid api key"}})
        return ok

    def do_GET(self) -> None:  # noqa: N802
        if self.path == "/v1/_stats":
            self._send(200, dict(self.server.stats))
            return
        if not self._auth():
            return
        if self.path == "/v1/models":
            self._send(200, {"object": "list", "data": [{"id": self.server.engine.name, "object": "model"}]})
        else:
            self._send(404, {"error": {"message": "not found"}})

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length", "0"))
        req = json.loads(self.rfile.read(length) or b"{}")
        srv = self.server
        if self.path == "/v1/_control":  # the test changes how this server behaves from now on
            with srv.lock:
                if "delay" in req:
                    srv.delay_s = float(req["delay"])
                    srv.wake.set()  # the waits under way end now
                    srv.wake = threading.Event()
                srv.fail_left = int(req.get("fail", srv.fail_left))
            self._send(200, {"ok": True})
            return
        if not self._auth():
            return
        with srv.lock:
            srv.stats["received"] = srv.stats.get("received", 0) + 1  # counted on arrival, before any delay
            failing = srv.fail_left > 0
            srv.fail_left -= int(failing)
            delay, wake = srv.delay_s, srv.wake
        if failing:  # --fail-first: an overloaded server
            srv.stats["failed"] = srv.stats.get("failed", 0) + 1
            self._send(503, {"error": {"message": "overloaded"}})
            return
        if delay:  # --delay: a server slower than the client's timeout
            wake.wait(delay)
        with srv.lock:
            srv.stats[self.path] = srv.stats.get(self.path, 0) + 1
            engine = srv.engine
            asked = req.get("n_probs", req.get("logprobs"))
            if isinstance(asked, int) and not isinstance(asked, bool):
                srv.stats["logprobs_asked"] = asked
            if self.path in ("/v1/completions", "/completion") and srv.max_logprobs is not None \
                    and int(asked or 0) > srv.max_logprobs:
                self._send(400, {"error": {"message": f"logprobs must be at most {srv.max_logprobs}"}})
                return
            if self.path == "/v1/completions":
                body = self._completions(engine, req)
            elif self.path == "/v1/chat/completions":
                body = self._chat(engine, req, srv.ignore_n)
            elif self.path == "/completion" and srv.native:
                body = self._native(engine, req)
            else:
                self._send(404, {"error": {"message": "not found"}})
                return
        if srv.token_delay_s:  # --token-delay: generation takes time per token
            wake.wait(srv.token_delay_s * body["usage"]["completion_tokens"])
        self._send(200, body)

    @staticmethod
    def _completions(engine: Engine, req: dict[str, Any]) -> dict[str, Any]:
        prompt = str(req.get("prompt", ""))
        n, max_tokens = int(req.get("n", 1)), int(req.get("max_tokens", 16))
        choices = []
        for i in range(n):
            if max_tokens == 1:
                top = engine.top_next(prompt, max(1, int(req.get("logprobs") or 1)))
                text = max(top, key=top.get)
                logprobs = {"tokens": [text], "token_logprobs": [top[text]], "top_logprobs": [top]}
            else:
                text = engine.generate(prompt, max_tokens, i)
                logprobs = None
            for s in req.get("stop") or []:
                if s in text:
                    text = text[: text.index(s)]
            choices.append({"index": i, "text": text, "logprobs": logprobs, "finish_reason": "length"})
        return {"object": "text_completion", "model": engine.name, "choices": choices,
                "usage": _usage(prompt, [c["text"] for c in choices])}

    @staticmethod
    def _native(engine: Engine, req: dict[str, Any]) -> dict[str, Any]:
        """llama.cpp's ``POST /completion``: one next token with its ``n_probs`` top tokens."""
        prompt = str(req.get("prompt", ""))
        top = engine.top_next(prompt, max(1, int(req.get("n_probs") or 1)))
        text = max(top, key=top.get)
        probs = [{"id": i, "token": t, "bytes": list(t.encode()), "logprob": lp}
                 for i, (t, lp) in enumerate(top.items())]
        return {"content": text, "completion_probabilities": [{**probs[0], "top_logprobs": probs}],
                "tokens_evaluated": len(prompt) // 4 + 1, "tokens_predicted": 1, "usage": _usage(prompt, [text])}

    @staticmethod
    def _chat(engine: Engine, req: dict[str, Any], ignore_n: bool = False) -> dict[str, Any]:
        user = [m["content"] for m in req.get("messages", []) if m.get("role") == "user"][-1]
        instruction, _, text = user.partition("\n\nText: ")
        if ignore_n:  # like llama_cpp.server: one choice per request, the seed picks the sample
            indices = [max(0, int(req.get("seed", 0)) - 1234)]
        else:
            indices = list(range(int(req.get("n", 1))))
        choices = [
            {"index": i, "message": {"role": "assistant", "content": engine.chat(text, instruction, i)}}
            for i in indices
        ]
        return {"object": "chat.completion", "model": engine.name, "choices": choices,
                "usage": _usage(user, [c["message"]["content"] for c in choices])}


def _usage(prompt: str, texts: list[str]) -> dict[str, int]:
    completion = max(1, sum(len(t.split()) for t in texts))
    return {"prompt_tokens": len(prompt) // 4 + 1, "completion_tokens": completion,
            "total_tokens": len(prompt) // 4 + 1 + completion}


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, engine: Engine, api_key: str | None, fail_first: int = 0, delay_s: float = 0.0,
                 host: str = "127.0.0.1", ignore_n: bool = False, token_delay_s: float = 0.0,
                 max_logprobs: int | None = None, native: bool = False) -> None:
        super().__init__((host, 0), Handler)
        self.ignore_n = ignore_n
        self.token_delay_s = float(token_delay_s)
        self.max_logprobs = max_logprobs
        self.native = native
        self.wake = threading.Event()
        self.engine = engine
        self.api_key = api_key
        self.fail_left = int(fail_first)
        self.delay_s = float(delay_s)
        self.lock = threading.Lock()
        self.stats: dict[str, int] = {"auth_ok": 0, "auth_bad": 0}



def serve(*args: str, host: str = "127.0.0.1") -> Iterator[str]:
    """Run this server in a child process with ``args``; yield its base URL, then stop it (for fixtures).

    Parameters
    ----------
    *args : str
        Command-line options of the server (``--api-key``, ``--fail-first``, ``--delay``, ...).
    host : str
        The address it listens on.
    """
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent))
    cmd = [sys.executable, str(Path(__file__).resolve()), "--host", host, *args]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env)
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        assert line.startswith("PORT "), f"server did not start: {line!r}"
        yield f"http://{host}:{int(line.split()[1])}/v1"
    finally:
        proc.terminate()
        proc.wait(60)
        if proc.stdout:
            proc.stdout.close()

def control(url: str, **changes: float) -> None:
    """Change a running server (``delay=S``: answer after S seconds from now on; ``fail=N``: fail the next N POSTs)."""
    import urllib.request

    req = urllib.request.Request(url + "/_control", data=json.dumps(changes).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        r.read()


def stats(url: str) -> dict[str, Any]:
    """Return the server's request counts (``GET /v1/_stats``)."""
    import urllib.request

    with urllib.request.urlopen(url + "/_stats", timeout=60) as r:
        return dict(json.loads(r.read()))


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--backend", choices=["wordfreq", "local"], default="wordfreq")
    p.add_argument("--api-key", default=None)
    p.add_argument("--fail-first", type=int, default=0, help="answer the first N POSTs with HTTP 503")
    p.add_argument("--delay", type=float, default=0.0, help="wait this many seconds before every POST answer")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default loopback)")
    p.add_argument("--ignore-n", action="store_true", help="answer chat requests with one choice, whatever 'n' asks")
    p.add_argument("--token-delay", type=float, default=0.0, help="wait this many seconds per generated token")
    p.add_argument("--max-logprobs", type=int, default=None, help="refuse completions asking for more top tokens")
    p.add_argument("--native", action="store_true", help="also serve llama.cpp's native POST /completion")
    args = p.parse_args()
    engine = LocalEngine() if args.backend == "local" else Engine()
    server = Server(engine, args.api_key, args.fail_first, args.delay, args.host, args.ignore_n, args.token_delay,
                    args.max_logprobs, args.native)
    print(f"PORT {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()


if __name__ == "__main__":
    sys.exit(main())
