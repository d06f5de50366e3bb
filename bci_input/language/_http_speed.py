"""Request timeouts sized to what a language server has shown it needs.

Two kinds of requests, measured apart:

- **One-token requests** (word prediction, every keystroke): their timeout is ``margin`` times the slowest of
  the last ``history`` ones, never less than the user's ``timeout_s`` (the floor). A server that stops answering
  is noticed that fast.
- **Requests that generate** (rewrites, phrases): a reply's *work* is ``completion_tokens +
  prompt_tokens / PROMPT_SHARE`` (a CPU server evaluates a prompt in batches, several times faster than it
  generates), and the server's *rate* is the largest seconds-per-work of the last ``history`` such replies
  (the fixed cost of a request is folded into it, so the rate is an upper bound). A request that may generate
  ``max_tokens`` gets ``margin * rate * work(prompt, max_tokens)``: the time of the longest reply it may get.
  Until the server has sent a longer reply, the rate of its one-token replies stands in (a larger upper bound).

Timeouts never go below the floor nor above :data:`CEILING_S`. The two kinds are kept apart because a server
that caches the prompt (llama.cpp reuses the longest common prefix) answers one-token requests on a long
document in a fraction of what the prompt's size would suggest: fitted together, they would make rewrites look
fast and get them cut.
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


def work(prompt_tokens: float, completion_tokens: float) -> float:
    """Return the work of a request in generated-token units: its completion plus its prompt's share."""
    return max(1.0, float(completion_tokens)) + max(0.0, float(prompt_tokens)) / PROMPT_SHARE


class ServerSpeed:
    """Measured speed of one server, and the timeouts it implies.

    Parameters
    ----------
    floor_s : float
        The shortest timeout (the user's ``[language] timeout_s``).
    margin : float
        Factor between the expected time of a request and its timeout.
    history : int
        Number of recent replies of each kind that count.
    """

    def __init__(self, floor_s: float, margin: float = 2.0, history: int = 32) -> None:
        self.floor_s = float(floor_s)
        self.margin = float(margin)
        # (seconds, seconds per unit of work) of recent one-token and generating replies
        self._short: collections.deque[tuple[float, float]] = collections.deque(maxlen=int(history))
        self._long: collections.deque[tuple[float, float]] = collections.deque(maxlen=int(history))
        self._lock = threading.Lock()

    def observe(self, prompt_tokens: float, completion_tokens: float, seconds: float) -> None:
        """Record one reply: its prompt and completion sizes (tokens) and how long it took (seconds)."""
        if not np.isfinite(seconds) or seconds < 0:
            return
        with self._lock:
            obs = self._long if completion_tokens > 1 else self._short
            obs.append((float(seconds), float(seconds) / work(prompt_tokens, completion_tokens)))

    @property
    def observations(self) -> int:
        """Number of replies the estimates rest on."""
        return len(self._short) + len(self._long)

    def rate(self) -> float | None:
        """Return the seconds per unit of work of a generating request (an upper bound); None before any reply."""
        with self._lock:
            obs = self._long or self._short
            return max(r for _, r in obs) if obs else None

    def expected(self, prompt_tokens: float, max_tokens: float) -> float | None:
        """Return the longest time a request generating up to ``max_tokens`` is expected to take; None if unknown."""
        if max_tokens <= 1:
            with self._lock:
                if self._short:
                    return max(t for t, _ in self._short)
        r = self.rate()
        return None if r is None else r * work(prompt_tokens, max_tokens)

    def timeout(self, prompt_tokens: float, max_tokens: float) -> float:
        """Return the timeout (seconds) of a request with this prompt size that may generate ``max_tokens``."""
        t = self.expected(prompt_tokens, max_tokens)
        if t is None:
            return self.floor_s
        return float(min(max(self.floor_s, CEILING_S), max(self.floor_s, self.margin * t)))
