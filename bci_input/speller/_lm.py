"""Synchronous, cached access to a language model for the speller (headless runs and tests)."""

from __future__ import annotations

import logging
import time
from typing import Any

from ..language import Rewrite
from ._keyboard import normalise_text

__all__ = ["SpellerLM", "normalise_text"]

log = logging.getLogger(__name__)



class SpellerLM:
    """Ask a :class:`~bci_input.language.LanguageModel` for what the speller needs, with a cache.

    Parameters
    ----------
    model : LanguageModel | None
        The model; ``None`` means no language model (uniform prior, no suggestions).
    k_words : int
        Word completions to request.
    k_phrases : int
        Phrase completions to request.
    """

    def __init__(self, model: Any | None, *, k_words: int = 4, k_phrases: int = 1) -> None:
        self.model = model
        self.k_words = k_words
        self.k_phrases = k_phrases
        self._cache: dict[tuple[object, ...], tuple[object, float]] = {}
        self.latencies: list[float] = []
        self.n_calls = 0

    @property
    def name(self) -> str:
        """The backend's name (``'none'`` without a model)."""
        return "none" if self.model is None else str(getattr(self.model, "name", type(self.model).__name__))

    def _ask(self, key: tuple[object, ...], fn: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
        # A cached answer reports the latency it took when computed, so charging model time to the
        # simulated clock does not depend on what an earlier run happened to ask.
        if key in self._cache:
            return self._cache[key]
        t0 = time.perf_counter()
        ans = fn(*args, **kwargs)
        dt = time.perf_counter() - t0
        value = getattr(ans, "value", ans)
        self._cache[key] = (value, dt)
        self.latencies.append(dt)
        self.n_calls += 1
        return value, dt

    def symbols(self, context: str) -> tuple[dict[str, float] | None, float]:
        """Return the next-symbol distribution for ``context`` (or ``None``) and the seconds it took to compute."""
        if self.model is None:
            return None, 0.0
        return self._ask(("sym", context[-200:]), self.model.next_symbols, context[-200:])

    def words(self, context: str, prefix: str) -> tuple[list[tuple[str, float]], float]:
        """Return word completions of ``prefix`` after ``context`` and the seconds it took."""
        if self.model is None:
            return [], 0.0
        key = ("word", context[-200:], prefix)
        return self._ask(key, self.model.complete_word, context[-200:], prefix, k=self.k_words)

    def phrases(self, context: str) -> tuple[list[tuple[str, float]], float]:
        """Return phrase completions after ``context`` and the seconds it took."""
        if self.model is None or self.k_phrases <= 0:
            return [], 0.0
        return self._ask(("phrase", context[-200:]), self.model.complete_phrase, context[-200:], k=self.k_phrases)

    def abbreviations(self, initials: str, context: str) -> tuple[list[tuple[str, float]], float]:
        """Return phrases whose word initials are ``initials`` after ``context``, and the seconds it took."""
        if self.model is None or self.k_phrases <= 0:
            return [], 0.0
        key = ("abbrev", context[-200:], initials)
        return self._ask(key, self.model.expand_abbreviation, initials, context[-200:], k=self.k_phrases)

    def rewrite(self, text: str, instruction: str, k: int = 3) -> tuple[list[Rewrite], float]:
        """Return rewrite candidates (each with its text and word diff) and the seconds it took."""
        if self.model is None:
            return [], 0.0
        return self._ask(("rewrite", text, instruction, k), self.model.rewrite, text, instruction, k=k)
