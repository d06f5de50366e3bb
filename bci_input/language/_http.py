"""OpenAI-compatible HTTP backend (llama.cpp server, vLLM, Ollama, TGI) using only :mod:`urllib`.

- ``POST {url}/completions`` with ``max_tokens=1, logprobs=20`` gives the next-token distribution that word
  completion and next-symbol prediction turn into word probabilities (as the local backend does).
  Servers that return no log-probabilities still get word predictions: the greedy next word ranks first.
- ``POST {url}/completions`` with sampling gives phrases and abbreviation expansions.
- ``POST {url}/chat/completions`` gives rewrites.

Nothing is sent anywhere unless the user configures ``backend = "http"``. The API key is read from the
environment variable named by ``api_key_env`` and is never logged. When the server fails (after retries), the
call is answered by the word-frequency model with a notice, and the server is tried again after
``retry_after_s``.
"""

from __future__ import annotations

import collections
import http.client
import json
import logging
import os
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._errors import ConfigError, ModelLoadError
from ..settings import LanguageSettings
from ._case import case_phrase, cased, natural_form, prefix_case, sentence_start
from ._openers import at_document_start, opener_phrases, opener_words
from ._symbols import boost_names, full_distribution, natural_capitals
from ._text import initials_of, split_context, words_of
from ._types import ALPHABET, Answer, Rewrite
from ._vocab import KeyTable, Vocabulary
from ._wordfreq import BaseModel, WordFreqModel

__all__ = ["HttpModel", "validate_url"]

log = logging.getLogger(__name__)

_ABBREV_PROMPT = (
    "Expand each abbreviation into a sentence whose words start with the given letters.\n"
    "Abbreviation: tyvm\nSentence: Thank you very much\n"
    "Abbreviation: iwbtl\nSentence: I will be there later\n"
    "Abbreviation: cycmb\nSentence: Could you call me back\n"
)

_ALPHABET_SET = frozenset(ALPHABET)


@dataclass
class _Next:
    """What the server's top next tokens say: word-start keys, their case, and the next typed character."""

    keys: dict[str, float] = field(default_factory=dict)  # lower-case key -> probability
    case: dict[str, list[float]] = field(default_factory=dict)  # key -> [lower, capitalised, capitals]
    chars: dict[str, float] = field(default_factory=dict)  # first typed character -> probability

    def natural(self, word: str) -> str | None:
        """Return the form the server writes ``word`` in (``EU``, ``Thursday``), or None if no token says."""
        v = self.case.get(word)
        if not v or sum(v) <= 0:
            return None
        total = sum(v)
        return natural_form(word, upper=v[2] / total, title=v[1] / total)


class _ServerError(Exception):
    """A request failed (after retries)."""


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


class HttpModel(BaseModel):
    """Language model served by an OpenAI-compatible HTTP server.

    Parameters
    ----------
    url : str
        Base URL, e.g. ``http://127.0.0.1:8080/v1``.
    model : str
        Model name sent in requests (servers serving one model often ignore it).
    api_key : str | None
        Bearer token.
    timeout_s : float
        Timeout of one request.
    retries : int
        Extra attempts after a failed request (connection errors, 5xx, 429).
    on_notice : callable | None
        Receives user-facing messages when the server fails and the fallback answers.
    retry_after_s : float
        How long to use the fallback before trying a failed server again.
    """

    def __init__(
        self,
        url: str,
        model: str = "",
        *,
        api_key: str | None = None,
        timeout_s: float = 10.0,
        retries: int = 2,
        on_notice: Callable[[str], None] | None = None,
        retry_after_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = validate_url(url)
        self.model = model
        self.name = f"http:{model or self.url}"
        self._api_key = api_key
        self.timeout_s = float(timeout_s)
        self.retries = max(0, int(retries))
        self._on_notice = on_notice
        self._retry_after = float(retry_after_s)
        self._clock = clock
        self._down_until = -1.0
        self._lock = threading.Lock()
        self.fallback = WordFreqModel()
        self.vocab: Vocabulary = self.fallback.vocab
        self._dists: collections.OrderedDict[str, _Next] = collections.OrderedDict()
        self.requests = 0

    @classmethod
    def connect(cls, settings: LanguageSettings, *, on_notice: Callable[[str], None] | None = None) -> HttpModel:
        """Create the model from settings and check that the server answers ``GET /models``.

        Raises
        ------
        ConfigError
            If the URL is invalid.
        ModelLoadError
            If the server cannot be reached.
        """
        key = os.environ.get(settings.api_key_env) if settings.api_key_env else None
        if settings.api_key_env and not key:
            log.warning("environment variable %s (api_key_env) is not set; sending no API key", settings.api_key_env)
        m = cls(
            settings.endpoint_url,
            settings.endpoint_model,
            api_key=key,
            timeout_s=settings.timeout_s,
            retries=settings.retries,
            on_notice=on_notice,
        )
        try:
            m._request("GET", "/models", None, timeout=min(settings.timeout_s, 5.0), retries=0)
        except _ServerError as exc:
            raise ModelLoadError(f"The language server at {m.url} is unreachable ({exc}).") from None
        return m

    # ----------------------------------------------------------------- transport

    def _request(
        self, method: str, path: str, payload: dict[str, Any] | None, *, timeout: float | None = None,
        retries: int | None = None, cancel: threading.Event | None = None,
    ) -> dict[str, Any]:
        data = json.dumps(payload).encode("utf-8") if payload is not None else None
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        attempts = 1 + (self.retries if retries is None else retries)
        last = "no attempt"
        for attempt in range(attempts):
            if cancel is not None and cancel.is_set():
                raise _ServerError("cancelled")
            req = urllib.request.Request(self.url + path, data=data, headers=headers, method=method)
            self.requests += 1
            # The headers (and so the API key) are never logged: only the method, URL and attempt.
            log.debug("%s %s%s (attempt %d of %d)", method, self.url, path, attempt + 1, attempts)
            try:
                with urllib.request.urlopen(req, timeout=timeout or self.timeout_s) as resp:  # noqa: S310 - validated
                    body = json.loads(resp.read().decode("utf-8"))
                    if not isinstance(body, dict):
                        raise _ServerError("the server answered with JSON that is not an object")
                    return body
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
                time.sleep(min(2.0, 0.2 * 2**attempt))
        raise _ServerError(last)

    def _call(self, path: str, payload: dict[str, Any], cancel: threading.Event | None) -> dict[str, Any] | None:
        """POST, or return None (after a notice) when the server is failing; the caller then uses the fallback."""
        if self._clock() < self._down_until:
            return None
        if self.model:
            payload = {"model": self.model, **payload}
        try:
            return self._request("POST", path, payload, cancel=cancel)
        except _ServerError as exc:
            if str(exc) == "cancelled":
                return None
            self._down_until = self._clock() + self._retry_after
            msg = (
                f"The language server at {self.url} failed ({exc}); using word-frequency predictions for "
                f"{self._retry_after:.0f} s."
            )
            log.warning("%s", msg)
            if self._on_notice is not None:
                self._on_notice(msg)
            return None

    # ----------------------------------------------------------------- next-word distribution

    @staticmethod
    def _top_logprobs(choice: dict[str, Any]) -> dict[str, float]:
        lp = choice.get("logprobs") or {}
        top = lp.get("top_logprobs")
        if isinstance(top, list) and top and isinstance(top[0], dict):  # legacy completions format
            return {str(t): float(v) for t, v in top[0].items()}
        content = lp.get("content")
        if isinstance(content, list) and content:  # chat-style format (llama.cpp, vLLM)
            entries = content[0].get("top_logprobs") or []
            return {str(e["token"]): float(e["logprob"]) for e in entries if "token" in e and "logprob" in e}
        return {}

    def _key_dist(self, ctx: str, after_space: bool, cancel: threading.Event | None) -> _Next | None:
        cache_key = f"{int(after_space)}|{ctx}"
        with self._lock:
            if cache_key in self._dists:
                self._dists.move_to_end(cache_key)
                return self._dists[cache_key]
        body = self._call(
            "/completions",
            {"prompt": ctx or "\n", "max_tokens": 1, "temperature": 0, "logprobs": 20, "n": 1},
            cancel,
        )
        if body is None or not body.get("choices"):
            return None
        choice = body["choices"][0]
        out = _Next()
        top = self._top_logprobs(choice)
        if not top and choice.get("text"):
            top = {choice["text"]: np.log(0.5)}
        for tok, lp in top.items():
            p = float(np.exp(lp))
            if after_space:
                if not tok.startswith(" "):
                    continue
                tok = tok[1:]
            if tok[:1] in _ALPHABET_SET:
                out.chars[tok[0]] = out.chars.get(tok[0], 0.0) + p
            w = tok.lower()
            if w.isalpha() or (w.replace("'", "").isalpha() and w[:1].isalpha()):
                out.keys[w] = out.keys.get(w, 0.0) + p
                case = out.case.setdefault(w, [0.0, 0.0, 0.0])
                letters = [c for c in tok if c.isalpha()]
                case[2 if len(letters) >= 2 and tok.isupper() else 1 if tok[:1].isupper() else 0] += p
        with self._lock:
            self._dists[cache_key] = out
            while len(self._dists) > 32:
                self._dists.popitem(last=False)
        return out

    def _word_scores(
        self, before: str, prefix: str, cancel: threading.Event | None
    ) -> tuple[Vocabulary, int, np.ndarray, _Next] | None:
        ctx = before.rstrip(" ")
        after_space = len(ctx) < len(before) and not ctx.endswith("\n")
        nxt = self._key_dist(ctx, after_space, cancel)
        if nxt is None:
            return None
        dist = nxt.keys
        vocab = self.vocab.extended(list(dist)) if any(k not in self.vocab for k in dist) else self.vocab
        table = KeyTable(list(dist), vocab)
        kp = np.array([dist[k] for k in table.keys])
        lo, scores = table.word_scores(prefix, kp)
        a, b = vocab.prefix_range(prefix)
        # The mass the server's top tokens do not explain goes to the unigram distribution.
        rest = max(0.0, 1.0 - float(kp.sum())) + 0.03
        if b > a:
            scores = scores + rest * vocab.freq[a:b] / vocab.mass(0, len(vocab))
        return vocab, lo, scores, nxt

    # ----------------------------------------------------------------- protocol

    def next_symbols(
        self, context: str, *, revision: int = 0, cancel: threading.Event | None = None
    ) -> Answer[dict[str, float]]:
        """Return the distribution of the next symbol over :data:`SYMBOLS`."""
        t0 = time.perf_counter()
        before, prefix = split_context(context)
        typed = context[len(before) :]
        res = self._word_scores(before, prefix, cancel)
        if res is None:
            return self.fallback.next_symbols(context, revision=revision, cancel=cancel)
        vocab, lo, scores, nxt = res
        start = upper = capital = None
        if prefix:
            if len(prefix) == 1 and prefix_case(typed) == "title":
                cases = [v for w, v in nxt.case.items() if w.startswith(prefix)]
                total = sum(sum(v) for v in cases)
                upper = sum(v[2] for v in cases) / total if total > 0 else None
        else:
            covered = sum(nxt.chars.values())
            # The server's top tokens speak for the first character when they cover enough of its mass.
            start = {c: v / covered for c, v in nxt.chars.items()} if covered >= 0.3 else None
            capital = natural_capitals(vocab, lo, scores)
        dist = full_distribution(vocab, before, typed, lo, scores, start=start, capital=capital, upper_share=upper)
        return self._answer(dist, revision, t0, "next_symbols", cancel)

    def complete_word(
        self, context: str, prefix: str, k: int = 5, *, revision: int = 0, cancel: threading.Event | None = None
    ) -> Answer[list[tuple[str, float]]]:
        """Return the top-k words starting with ``prefix`` after ``context``."""
        t0 = time.perf_counter()
        before, _ = split_context(context)
        res = self._word_scores(before, prefix.lower(), cancel)
        if res is None:
            return self.fallback.complete_word(context, prefix, k, revision=revision, cancel=cancel)
        vocab, lo, scores, nxt = res
        scores = boost_names(vocab, before, prefix, lo, scores)
        start = sentence_start(before)
        value = [(cased(w, prefix, start, nxt.natural(w)), p) for w, p in vocab.top(scores, lo, k)]
        if at_document_start(before):
            value = opener_words(prefix, k, value)
        return self._answer(value, revision, t0, "complete_word", cancel)

    def _samples(self, prompt: str, n: int, max_tokens: int, stop: list[str], cancel: threading.Event | None) -> list[
        tuple[str, float]
    ]:
        out: list[tuple[str, float]] = []
        for temperature, count in ((0.0, 1), (0.8, max(0, n - 1))):
            if count == 0:
                continue
            body = self._call(
                "/completions",
                {"prompt": prompt, "max_tokens": max_tokens, "temperature": temperature, "n": count, "stop": stop,
                 "logprobs": 1, "seed": 1234},
                cancel,
            )
            if body is None:
                break
            for ch in body.get("choices", []):
                lps = (ch.get("logprobs") or {}).get("token_logprobs") or []
                score = float(np.exp(sum(x for x in lps if x is not None))) if lps else 1.0 / (len(out) + 2)
                out.append((str(ch.get("text", "")), score))
        return out

    def complete_phrase(
        self, context: str, k: int = 3, *, revision: int = 0, cancel: threading.Event | None = None
    ) -> Answer[list[tuple[str, float]]]:
        """Return up to k continuations (2-6 words) that replace the partial word at the end of ``context``."""
        t0 = time.perf_counter()
        before, prefix = split_context(context)
        if at_document_start(before) and opener_phrases(prefix, k):
            return self._answer(opener_phrases(prefix, k), revision, t0, "complete_phrase", cancel)
        typed = context[len(before) :]
        out: dict[str, float] = {}
        seen: set[str] = set()
        for text, p in self._samples(context.rstrip(" ") or "\n", k, 16, ["\n", ".", "?", "!"], cancel):
            phrase = typed + text if prefix else text
            if before.endswith(" ") and not prefix:
                phrase = phrase.lstrip()
            cut = []
            for w in phrase.split():
                if any(c in ",;:\"()" for c in w[:-1]):
                    break
                cut.append(w.rstrip(",;:"))
                if w[-1] in ",;:" or len(cut) == 6:
                    break
            phrase = " ".join(cut) if prefix else case_phrase(" ".join(cut), "", sentence_start(before))
            if len(words_of(phrase)) >= 2 and phrase.lower() not in seen:
                seen.add(phrase.lower())
                out[phrase] = p
        value = sorted(out.items(), key=lambda kv: -kv[1])[:k]
        return self._answer(value, revision, t0, "complete_phrase", cancel)

    def expand_abbreviation(
        self, initials: str, context: str = "", k: int = 3, *, revision: int = 0, cancel: threading.Event | None = None
    ) -> Answer[list[tuple[str, float]]]:
        """Expand initials with a few-shot prompt; candidates whose initials do not match are dropped."""
        t0 = time.perf_counter()
        ini = "".join(c for c in initials.lower() if c.isalpha())
        prompt = _ABBREV_PROMPT + f"Abbreviation: {ini}\nSentence:"
        samples = self._samples(prompt, 2 * k, 4 * len(ini) + 8, ["\n"], cancel)
        out: dict[str, float] = {}
        start = sentence_start(context)
        for text, p in samples:
            t = text.strip().rstrip(".")
            # The few-shot prompt writes sentences: its first capital is the prompt's, not the context's.
            t = case_phrase(t, "", start, prompt_capital=True)
            if t and initials_of(t) == ini and t.lower() not in {o.lower() for o in out}:
                out[t] = p
        value = sorted(out.items(), key=lambda kv: -kv[1])[:k]
        if not value and not samples:
            return self.fallback.expand_abbreviation(initials, context, k, revision=revision, cancel=cancel)
        return self._answer(value, revision, t0, "expand_abbreviation", cancel)

    def rewrite(
        self, text: str, instruction: str, k: int = 3, *, revision: int = 0, cancel: threading.Event | None = None
    ) -> Answer[list[Rewrite]]:
        """Rewrite with ``/chat/completions``: the local backend's prompts, clean-up, filters and ranking.

        k samples are asked for with ``n``; a server that ignores ``n`` gets one request per missing sample
        (another seed each). Candidates are ranked by the server's mean token log-probability when it sends
        ``logprobs``, else in the order they came (the first at temperature 0); the rule-based candidate of a
        preset comes after the model's.
        """
        from ._prompts import clean_reply, continuation, rank, rewrite_messages

        t0 = time.perf_counter()
        if not text.strip():
            return self._answer([], revision, t0, "rewrite", cancel)
        messages = rewrite_messages(text, instruction)
        max_tokens = 64 + 4 * len(text.split()) if instruction != "continue" else 48
        scored: list[tuple[str, float]] = []
        asked = 0
        for attempt in range(k + 1):
            if asked >= k or (cancel is not None and cancel.is_set()):
                break
            n = k - asked if attempt == 0 else 1
            body = self._call(
                "/chat/completions",
                {"messages": messages, "n": n, "temperature": 0.0 if attempt == 0 and n == 1 else 0.7,
                 "max_tokens": max_tokens, "seed": 1234 + attempt, "logprobs": True},
                cancel,
            )
            if body is None:
                break
            choices = body.get("choices") or []
            asked += max(1, len(choices[:n]))
            for ch in choices[:n]:
                reply = str((ch.get("message") or {}).get("content") or "")
                cand = continuation(text, reply) if instruction == "continue" else clean_reply(reply, text)
                lps = [e.get("logprob") for e in ((ch.get("logprobs") or {}).get("content") or [])]
                lps = [float(x) for x in lps if isinstance(x, int | float)]
                scored.append((cand, float(np.mean(lps)) if lps else -1.0 - 0.01 * len(scored)))
        scored += [(r.text, -1e9) for r in self._rule_candidates(text, instruction)]
        return self._answer(rank(text, instruction, scored, k), revision, t0, "rewrite", cancel)
