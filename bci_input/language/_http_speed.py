"""Request timeouts sized to what a language server has shown it needs.

A request's time is modelled as ``t = a + g * (completion_tokens + prompt_tokens / PROMPT_SHARE)``: a fixed
cost ``a`` (connection, scheduling, the first token) and a cost ``g`` per generated token, a prompt token
counting as 1/``PROMPT_SHARE`` of one (a CPU server evaluates a prompt in batches, several times faster than it
generates). ``a`` and ``g`` are fitted (least squares, never negative) to the last replies of the server: the last
``history`` one-token replies and, kept apart so that the many one-token requests of word prediction never push
them out, the last ``history`` longer ones. Until a longer reply was seen, all of a reply's time is charged to its
tokens (an upper bound for anything longer).

The timeout of a request that may generate ``max_tokens`` tokens is ``margin`` times the time the model
predicts for that many tokens, never less than the user's ``timeout_s`` (the floor) and never more than
:data:`CEILING_S`. One-token requests (word prediction) keep the floor, so a server that stops answering is
still noticed within ``timeout_s``; a long rewrite of a slow model gets the time it needs.
"""

from __future__ import annotations

import collections
import threading

import numpy as np

__all__ = ["ServerSpeed", "CEILING_S", "PROMPT_SHARE", "estimate_tokens"]

#: Longest timeout of one request, whatever the measurements say (seconds).
CEILING_S = 600.0
#: A prompt token costs 1/PROMPT_SHARE of a generated token (a conservative ratio for llama.cpp on a CPU).
PROMPT_SHARE = 8.0


def estimate_tokens(text: str) -> int:
    """Return a rough token count of ``text`` (4 characters a token) for servers that report no ``usage``."""
    return max(1, (len(text) + 3) // 4)


class ServerSpeed:
    """Measured speed of one server, and the timeouts it implies.

    Parameters
    ----------
    floor_s : float
        The shortest timeout (the user's ``[language] timeout_s``).
    margin : float
        Factor between the predicted time of a request and its timeout.
    history : int
        Number of recent replies the fit uses.
    """

    def __init__(self, floor_s: float, margin: float = 2.0, history: int = 64) -> None:
        self.floor_s = float(floor_s)
        self.margin = float(margin)
        self._short: collections.deque[tuple[float, float]] = collections.deque(maxlen=int(history))
        self._long: collections.deque[tuple[float, float]] = collections.deque(maxlen=int(history))
        self._lock = threading.Lock()
        self._fit: tuple[float, float] | None = None

    @staticmethod
    def _work(prompt_tokens: float, completion_tokens: float) -> float:
        return max(1.0, float(completion_tokens)) + max(0.0, float(prompt_tokens)) / PROMPT_SHARE

    def observe(self, prompt_tokens: float, completion_tokens: float, seconds: float) -> None:
        """Record one reply: its prompt and completion sizes (tokens) and how long it took (seconds)."""
        if not np.isfinite(seconds) or seconds < 0:
            return
        with self._lock:
            obs = self._long if completion_tokens > 1 else self._short
            obs.append((self._work(prompt_tokens, completion_tokens), float(seconds)))
            self._fit = None

    @property
    def observations(self) -> int:
        """Number of replies the estimate rests on."""
        return len(self._short) + len(self._long)

    def coefficients(self) -> tuple[float, float] | None:
        """Return the fitted ``(a, g)``: fixed seconds and seconds per generated token; None before any reply."""
        with self._lock:
            obs = [*self._short, *self._long]
            if self._fit is not None or not obs:
                return self._fit
            w, t = (np.array(v, dtype=float) for v in zip(*obs, strict=True))
            if not self._long or not self._short:
                # Replies of one kind cannot separate the fixed cost from the per-token cost: charge it all to
                # the tokens (an upper bound for anything longer).
                a, g = 0.0, float(np.max(t / w))
            else:
                g = float(np.cov(w, t, bias=True)[0, 1] / np.var(w))
                if g <= 0:  # noise hides the cost per token: charge the longer replies' time to their tokens
                    a, g = 0.0, float(np.max([ti / wi for wi, ti in self._long]))
                else:
                    a = float(np.mean(t) - g * np.mean(w))
                    if a < 0:  # the fit through the origin
                        a, g = 0.0, float(np.dot(w, t) / np.dot(w, w))
            self._fit = (a, g)
            return self._fit

    def predict(self, prompt_tokens: float, max_tokens: float) -> float | None:
        """Return the predicted seconds of a request generating up to ``max_tokens``; None before any reply."""
        coef = self.coefficients()
        if coef is None:
            return None
        a, g = coef
        return a + g * self._work(prompt_tokens, max_tokens)

    def timeout(self, prompt_tokens: float, max_tokens: float) -> float:
        """Return the timeout (seconds) of a request with this prompt size that may generate ``max_tokens``."""
        t = self.predict(prompt_tokens, max_tokens)
        if t is None:
            return self.floor_s
        return float(min(max(self.floor_s, CEILING_S), max(self.floor_s, self.margin * t)))
