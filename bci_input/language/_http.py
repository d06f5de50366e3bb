"""OpenAI-compatible HTTP backend (llama.cpp server, vLLM, Ollama, TGI) using only :mod:`urllib`.

- ``POST {url}/completions`` with ``max_tokens=1, logprobs=100`` gives the next-token distribution that word
  completion and next-symbol prediction turn into word probabilities (as the local backend does). A server that
  refuses more than OpenAI's 20 (vLLM) is asked for 20; llama.cpp's own server is asked through its native
  ``POST /completion`` with ``n_probs=100``. :meth:`HttpModel.connect` finds out which one the server takes.
  Servers that return no log-probabilities still get word predictions: the greedy next word ranks first.
- ``POST {url}/completions`` with sampling gives phrases and abbreviation expansions.
- ``POST {url}/chat/completions`` gives rewrites.

Nothing is sent anywhere unless the user configures ``backend = "http"``. The API key is read from the
environment variable named by ``api_key_env`` and is never logged. When the server fails (after retries), the
call is answered by the word-frequency model with a notice, and the server is tried again after
``retry_after_s``; when it answers again, another notice says so (:func:`server_notice` reads both).

Each request's timeout is sized to it (:class:`~bci_input.language._http_speed.ServerSpeed`): ``timeout_s`` is
the floor, kept by one-token requests, and a request that may generate many tokens gets twice the time the
server's measured speed predicts for them.
"""

from __future__ import annotations

import collections
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .._errors import ModelLoadError
from ..settings import LanguageSettings
from ._case import case_phrase, cased, natural_form, prefix_case, sentence_start
from ._http_client import ServerClient, ServerNotice, _ServerError, server_notice, validate_url
from ._http_wire import top_tokens
from ._openers import at_document_start, opener_phrases, opener_words
from ._symbols import boost_names, full_distribution, natural_capitals
from ._text import initials_of, split_context, words_of
from ._types import ALPHABET, Answer, Rewrite
from ._vocab import KeyTable, Vocabulary
from ._wordfreq import BaseModel, WordFreqModel

__all__ = ["HttpModel", "validate_url", "ServerNotice", "server_notice"]

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
        Shortest timeout of one request (the timeout of one-token requests); longer requests get the time the
        server's measured speed needs (see :class:`~bci_input.language._http_speed.ServerSpeed`).
    retries : int
        Extra attempts after a failed request (connection errors, 5xx, 429).
    on_notice : callable | None
        Receives user-facing messages when the server fails and the fallback answers.
    retry_after_s : float
        How long to use the fallback before trying a failed server again.
    clock : callable
        Monotonic time in seconds (injectable for tests).

    Attributes
    ----------
    client : ServerClient
        The transport: retries, sized timeouts, the server's measured speed and how many top tokens it gives.
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
        self.client = ServerClient(url, model, api_key=api_key, timeout_s=timeout_s, retries=retries,
                                   on_notice=on_notice, retry_after_s=retry_after_s, clock=clock)
        self.name = f"http:{model or self.client.url}"
        self._lock = threading.Lock()
        self.fallback = WordFreqModel()
        self.vocab: Vocabulary = self.fallback.vocab
        self._dists: collections.OrderedDict[str, _Next] = collections.OrderedDict()

    @classmethod
    def connect(cls, settings: LanguageSettings, *, on_notice: Callable[[str], None] | None = None) -> HttpModel:
        """Create the model from settings, check that the server answers ``GET /models``, then :meth:`probe` it.

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
            m.client.check(min(settings.timeout_s, 5.0))
        except _ServerError as exc:
            raise ModelLoadError(f"The language server at {m.url} is unreachable ({exc}).") from None
        m.probe()
        return m

    # ----------------------------------------------------------------- the client's state

    @property
    def url(self) -> str:
        """The server's base URL."""
        return self.client.url

    @property
    def requests(self) -> int:
        """Requests sent to the server (attempts included)."""
        return self.client.requests

    @property
    def on_notice(self) -> Callable[[str], None] | None:
        """Receives the messages that say the server failed and, later, that it answers again."""
        return self.client.on_notice

    @on_notice.setter
    def on_notice(self, value: Callable[[str], None] | None) -> None:
        self.client.on_notice = value

    @property
    def top_k(self) -> int:
        """Number of top next tokens word prediction asks the server for."""
        return self.client.top_k

    def probe(self, timeout_s: float | None = None) -> None:
        """Find how many top next tokens the server gives and measure its speed (see :meth:`ServerClient.probe`)."""
        self.client.probe(timeout_s)

    def request_timeout(self, prompt: str, max_tokens: int) -> float:
        """Return the timeout (seconds) of a request with this prompt that may generate ``max_tokens`` tokens."""
        return self.client.request_timeout(prompt, max_tokens)

    # ----------------------------------------------------------------- next-word distribution

    def _key_dist(self, ctx: str, after_space: bool, cancel: threading.Event | None) -> _Next | None:
        cache_key = f"{int(after_space)}|{ctx}"
        with self._lock:
            if cache_key in self._dists:
                self._dists.move_to_end(cache_key)
                return self._dists[cache_key]
        prompt = ctx or "\n"
        top_k = self.client.top_k
        if self.client.native is not None:
            payload = {"prompt": prompt, "n_predict": 1, "n_probs": top_k, "temperature": 0, "cache_prompt": True}
            body = self.client.call("", payload, cancel, prompt=prompt, max_tokens=1, url=self.client.native)
            text = str((body or {}).get("content") or "")
        else:
            payload = {"prompt": prompt, "max_tokens": 1, "temperature": 0, "logprobs": top_k, "n": 1}
            body = self.client.call("/completions", payload, cancel, prompt=prompt, max_tokens=1)
            choices = (body or {}).get("choices") or [{}]
            text = str(choices[0].get("text") or "") if isinstance(choices[0], dict) else ""
        if body is None:
            return None
        out = _Next()
        top = top_tokens(body)
        if not top and text:
            top = {text: float(np.log(0.5))}
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
            body = self.client.call(
                "/completions",
                {"prompt": prompt, "max_tokens": max_tokens, "temperature": temperature, "n": count, "stop": stop,
                 "logprobs": 1, "seed": 1234},
                cancel, prompt=prompt, max_tokens=max_tokens,
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
        sent = "\n".join(str(m.get("content", "")) for m in messages)
        max_tokens = 64 + 4 * len(text.split()) if instruction != "continue" else 48
        scored: list[tuple[str, float]] = []
        asked = 0
        for attempt in range(k + 1):
            if asked >= k or (cancel is not None and cancel.is_set()):
                break
            n = k - asked if attempt == 0 else 1
            body = self.client.call(
                "/chat/completions",
                {"messages": messages, "n": n, "temperature": 0.0 if attempt == 0 and n == 1 else 0.7,
                 "max_tokens": max_tokens, "seed": 1234 + attempt, "logprobs": True,
                 "top_logprobs": 1},  # llama_cpp.server sends no log-probabilities without top_logprobs
                cancel, prompt=sent, max_tokens=max_tokens,
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
