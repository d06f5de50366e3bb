"""The transport of the HTTP language backend: requests, retries, sized timeouts, probes and server notices.

:class:`ServerClient` sends the JSON requests of :class:`~bci_input.language.HttpModel` with :mod:`urllib`:

- failed requests (connection errors, 5xx, 429) are retried ``retries`` times;
- each request's timeout is sized to it by :class:`~bci_input.language._http_speed.ServerSpeed` (``timeout_s``
  is the floor, kept by one-token requests; a request that may generate many tokens gets twice the time the
  server's measured speed predicts);
- when a request fails after its retries, a notice says so and the server is left alone for ``retry_after_s``
  (callers answer from the word-frequency fallback meanwhile); when it answers again, another notice says so.
  :func:`server_notice` reads both, so the app can show the state;
- :meth:`ServerClient.probe` finds how many top next tokens the server gives and measures its speed.

The API key is sent as a bearer token and never logged.
"""

from __future__ import annotations

import http.client
import json
import logging
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .._errors import ConfigError
from ._http_speed import ServerSpeed, estimate_tokens
from ._http_wire import MAX_OPENAI_TOP, WANTED_TOP, native_url, token_counts, top_tokens

__all__ = ["ServerClient", "ServerNotice", "server_notice", "validate_url"]

log = logging.getLogger(__name__)


class _ServerError(Exception):
    """A request failed (after retries)."""


_DOWN = "The language server at {url} failed ({reason}); using word-frequency predictions for {retry:.0f} s."
_UP = "The language server at {url} answers again; predictions come from it again."
_DOWN_RE = re.compile(r"^The language server at (\S+) failed \((.*)\); using word-frequency predictions for ")
_UP_RE = re.compile(r"^The language server at (\S+) answers again; ")


@dataclass(frozen=True)
class ServerNotice:
    """What a notice of :class:`~bci_input.language.HttpModel` says about its server.

    Parameters
    ----------
    up : bool
        False: the server failed and word frequencies answer; True: it answers again.
    url : str
        The server's base URL.
    reason : str
        Why it failed (``timed out``, ``HTTP 503 ...``); empty when it is up.
    """

    up: bool
    url: str
    reason: str = ""


def server_notice(message: str) -> ServerNotice | None:
    """Return what ``message`` says about an HTTP language server, or None if it is another kind of notice."""
    m = _DOWN_RE.match(message)
    if m:
        return ServerNotice(False, m.group(1), m.group(2))
    m = _UP_RE.match(message)
    return ServerNotice(True, m.group(1)) if m else None


def validate_url(url: str) -> str:
    """Check an endpoint URL and return its ``/v1`` base (no trailing slash).

    Raises
    ------
    ConfigError
        If the scheme is not http/https or the host is missing.
    """
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            f"Invalid value for 'endpoint_url': {url!r}. Use an http:// or https:// URL such as "
            "http://127.0.0.1:8080/v1."
        )
    path = parts.path.rstrip("/")
    if not path:
        path = "/v1"
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def _fetch(req: urllib.request.Request, timeout: float, cancel: threading.Event | None) -> bytes:
    """Return the body of ``req``'s reply; with ``cancel``, wait on a helper thread and give up once it is set."""
    if cancel is None:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - the URL was validated
            return bytes(resp.read())
    box: dict[str, Any] = {}
    done = threading.Event()

    def run() -> None:
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - the URL was validated
                box["data"] = bytes(resp.read())
        except BaseException as exc:  # handed to the caller's thread, which raises it
            box["error"] = exc
        finally:
            done.set()

    threading.Thread(target=run, name="http-request", daemon=True).start()
    while not done.wait(0.05):
        if cancel.is_set():
            raise _ServerError("cancelled")
    if "error" in box:
        raise box["error"]
    return bytes(box["data"])


class ServerClient:
    """Requests to one OpenAI-compatible server.

    Parameters
    ----------
    url : str
        Base URL, e.g. ``http://127.0.0.1:8080/v1``.
    model : str
        Model name sent in requests (servers serving one model often ignore it).
    api_key : str | None
        Bearer token.
    timeout_s : float
        Shortest timeout of one request (the timeout of one-token requests).
    retries : int
        Extra attempts after a failed request (connection errors, 5xx, 429).
    on_notice : callable | None
        Receives user-facing messages when the server fails, and when it answers again.
    retry_after_s : float
        How long to leave a failed server alone before trying it again.
    clock : callable
        Monotonic time in seconds (injectable for tests).

    Attributes
    ----------
    top_k : int
        Number of top next tokens word prediction asks for (20 until :meth:`probe` finds the server gives more).
    native : str | None
        llama.cpp's native ``/completion`` URL when the server offers it (word prediction then uses it).
    speed : ServerSpeed
        The server's measured speed, which sizes each request's timeout.
    requests : int
        Requests sent (attempts included).
    """

    def __init__(
        self, url: str, model: str = "", *, api_key: str | None = None, timeout_s: float = 10.0, retries: int = 2,
        on_notice: Callable[[str], None] | None = None, retry_after_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = validate_url(url)
        self.model = model
        self._api_key = api_key
        self.timeout_s = float(timeout_s)
        self.retries = max(0, int(retries))
        self.on_notice = on_notice
        self._retry_after = float(retry_after_s)
        self._clock = clock
        self._down_until = -1.0
        self._down = False
        self.speed = ServerSpeed(self.timeout_s)
        self.top_k = MAX_OPENAI_TOP
        self.native: str | None = None
        self.requests = 0

    def check(self, timeout_s: float) -> None:
        """Ask ``GET /models`` once.

        Raises
        ------
        _ServerError
            If the server does not answer.
        """
        self.request("GET", "/models", None, timeout=timeout_s, retries=0)

    def probe(self, timeout_s: float | None = None) -> None:
        """Find how many top next tokens the server gives, and measure its speed (a few short requests).

        - llama.cpp's native ``POST /completion`` with ``n_probs``: used for word prediction when it answers
          with more than 20 top tokens;
        - else ``POST /completions`` with ``logprobs=100`` (``llama_cpp.server`` allows it); a server that
          refuses it, or gives 20 or fewer, is asked for 20;
        - then (the requests above warmed the server up: a first request can take much longer) a one-token and a
          16-token completion measure the speed that sizes the timeouts of long requests.

        A failed probe is logged and changes nothing: the model then asks for 20 tokens, with ``timeout_s``.

        Parameters
        ----------
        timeout_s : float | None
            Timeout of each probe request (default: the larger of ``timeout_s`` and 30 s).
        """
        timeout = timeout_s if timeout_s is not None else max(self.timeout_s, 30.0)
        prompt = "Dear Sarah, thank you for"

        def ask(payload: dict[str, Any], url: str | None = None, observe: bool = False) -> dict[str, float]:
            body, elapsed = self.request("POST", "/completions", self._named(payload), timeout=timeout, retries=0,
                                         url=url)
            if observe:
                self._observe(body, prompt, elapsed)
            return top_tokens(body)

        native = native_url(self.url)
        try:
            if native is not None:
                try:
                    if len(ask({"prompt": prompt, "n_predict": 1, "n_probs": WANTED_TOP, "temperature": 0},
                               url=native)) > MAX_OPENAI_TOP:
                        self.native, self.top_k = native, WANTED_TOP
                except _ServerError as exc:
                    log.debug("no native /completion endpoint at %s (%s)", native, exc)
            if self.native is None:
                try:
                    got = ask({"prompt": prompt, "max_tokens": 1, "temperature": 0, "logprobs": WANTED_TOP})
                    self.top_k = WANTED_TOP if len(got) > MAX_OPENAI_TOP else MAX_OPENAI_TOP
                except _ServerError as exc:
                    if not str(exc).startswith("HTTP 4"):
                        raise
                    log.debug("the server refuses logprobs=%d (%s); asking for %d", WANTED_TOP, exc, MAX_OPENAI_TOP)
            for max_tokens in (1, 16):
                ask({"prompt": prompt, "max_tokens": max_tokens, "temperature": 0}, observe=True)
        except _ServerError as exc:
            log.info("probing the language server at %s failed (%s); using timeout_s for every request", self.url, exc)
        rate = self.speed.rate()
        log.info("language server %s: %d top tokens%s, %s", self.url, self.top_k,
                 " (native /completion)" if self.native else "",
                 "speed unknown" if rate is None else f"at most {rate * 1e3:.0f} ms per generated token")

    def _named(self, payload: dict[str, Any]) -> dict[str, Any]:
        return {"model": self.model, **payload} if self.model else payload

    def _observe(self, body: dict[str, Any], prompt: str, elapsed: float) -> None:
        texts = [str(ch.get("text") or (ch.get("message") or {}).get("content") or "")
                 for ch in body.get("choices") or [] if isinstance(ch, dict)]
        p, c = token_counts(body, prompt, "".join(texts) or str(body.get("content", "")))
        self.speed.observe(p, c, elapsed)

    def request(
        self, method: str, path: str, payload: dict[str, Any] | None, *, timeout: float | None = None,
        retries: int | None = None, cancel: threading.Event | None = None, url: str | None = None,
    ) -> tuple[dict[str, Any], float]:
        """Send one request (retried); return the JSON reply and the seconds its successful attempt took.

        A request with a ``cancel`` Event runs on a helper thread, so that setting ``cancel`` ends the wait at once
        (a long rewrite the user moved on from no longer holds up the next word prediction); the abandoned
        request ends by itself, at the latest at its timeout.

        Raises
        ------
        _ServerError
            If every attempt failed, or ``"cancelled"`` once ``cancel`` is set.
        """
        data = json.dumps(payload).encode("utf-8") if payload is not None else None
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        attempts = 1 + (self.retries if retries is None else retries)
        last = "no attempt"
        for attempt in range(attempts):
            if cancel is not None and cancel.is_set():
                raise _ServerError("cancelled")
            target = url or self.url + path
            req = urllib.request.Request(target, data=data, headers=headers, method=method)
            self.requests += 1
            # The headers (and so the API key) are never logged: only the method, URL, attempt and timeout.
            log.debug("%s %s (attempt %d of %d, timeout %.1f s)", method, target, attempt + 1, attempts,
                      timeout or self.timeout_s)
            t0 = time.perf_counter()
            try:
                body = json.loads(_fetch(req, timeout or self.timeout_s, cancel).decode("utf-8"))
                if not isinstance(body, dict):
                    raise _ServerError("the server answered with JSON that is not an object")
                return body, time.perf_counter() - t0
            except urllib.error.HTTPError as exc:
                last = f"HTTP {exc.code} {exc.reason}"
                if exc.code < 500 and exc.code != 429:
                    raise _ServerError(last) from None
            except (urllib.error.URLError, TimeoutError, OSError, http.client.HTTPException) as exc:
                reason = getattr(exc, "reason", exc)
                last = f"{type(exc).__name__}: {reason}"
            except ValueError as exc:
                raise _ServerError(f"invalid JSON from the server: {exc}") from None
            if attempt + 1 < attempts:
                (cancel or threading.Event()).wait(min(2.0, 0.2 * 2**attempt))  # back off; a cancel ends it
        raise _ServerError(last)

    def request_timeout(self, prompt: str, max_tokens: int) -> float:
        """Return the timeout (seconds) of a request with this prompt that may generate ``max_tokens`` tokens."""
        return self.speed.timeout(estimate_tokens(prompt), max_tokens)

    def _notify(self, message: str) -> None:
        log.warning("%s", message)
        if self.on_notice is not None:
            self.on_notice(message)

    def call(
        self, path: str, payload: dict[str, Any], cancel: threading.Event | None, *, prompt: str, max_tokens: int,
        url: str | None = None,
    ) -> dict[str, Any] | None:
        """POST, or return None (after a notice) when the server is failing; the caller then uses the fallback.

        ``prompt`` (all the text sent) and ``max_tokens`` size the timeout; the reply's time refines the
        server's measured speed.
        """
        if self._clock() < self._down_until:
            return None
        try:
            body, elapsed = self.request("POST", path, self._named(payload), cancel=cancel, url=url,
                                          timeout=self.request_timeout(prompt, max_tokens))
        except _ServerError as exc:
            if str(exc) == "cancelled":
                return None
            self._down_until = self._clock() + self._retry_after
            self._down = True
            self._notify(_DOWN.format(url=self.url, reason=exc, retry=self._retry_after))
            return None
        self._observe(body, prompt, elapsed)
        if self._down:
            self._down = False
            self._notify(_UP.format(url=self.url))
        return body
