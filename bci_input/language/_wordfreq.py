"""The word-frequency backend: no context, no model, always available and fast."""

from __future__ import annotations

import threading
import time
from typing import Any

import numpy as np

from ._case import case_phrase, cased, sentence_start
from ._openers import at_document_start, opener_phrases, opener_words
from ._prompts import same_text
from ._rules import rule_rewrite
from ._symbols import boost_names, full_distribution, natural_capitals
from ._text import split_context
from ._types import REWRITE_PRESETS, Answer, Rewrite, word_diff
from ._vocab import Vocabulary

__all__ = ["WordFreqModel", "BaseModel"]


def rule_candidates(text: str, instruction: str) -> list[Rewrite]:
    """Return the rule-based rewrite of ``text`` for a preset ``instruction`` (empty when it changes nothing).

    Parameters
    ----------
    text : str
        The text to rewrite.
    instruction : str
        The instruction; only the presets of ``REWRITE_PRESETS`` have a rule.

    Returns
    -------
    list of Rewrite
        At most one rewrite.
    """
    new = rule_rewrite(text, instruction) if instruction in REWRITE_PRESETS else None
    if new is None or same_text(new, text):
        return []
    return [Rewrite(new, word_diff(text, new))]


class BaseModel:
    """Shared helpers of the backends: timing and answer construction."""

    name = "base"

    def _answer(self, value: Any, revision: int, t0: float, kind: str, cancel: threading.Event | None) -> Answer[Any]:
        cancelled = bool(cancel is not None and cancel.is_set())
        return Answer(value, revision, time.perf_counter() - t0, self.name, kind, cancelled)

    _rule_candidates = staticmethod(rule_candidates)


class WordFreqModel(BaseModel):
    """Word completion from corpus frequencies (``wordfreq``), with rule-based rewrites.

    It ignores the document context except for case (a capital at the start of a sentence, the natural form
    of names, days and acronyms, a prefix typed in capitals) and the kind of character before the cursor
    (a digit, a bracket, punctuation): it is the baseline of the benchmark and the fallback when no language
    model can load. Construction takes about 0.3 s once per process; calls take about 1 ms.

    Parameters
    ----------
    n_words : int
        Vocabulary size (most frequent English words of ``wordfreq``).
    """

    def __init__(self, n_words: int = 60000) -> None:
        self.name = "wordfreq"
        self.vocab = Vocabulary.from_wordfreq(n_words)

    def _scores(self, prefix: str) -> tuple[int, np.ndarray]:
        lo, hi = self.vocab.prefix_range(prefix)
        return lo, self.vocab.freq[lo:hi]

    def next_symbols(
        self, context: str, *, revision: int = 0, cancel: threading.Event | None = None
    ) -> Answer[dict[str, float]]:
        """Return the distribution of the next symbol over :data:`SYMBOLS` (see :class:`LanguageModel`)."""
        t0 = time.perf_counter()
        before, prefix = split_context(context)
        lo, scores = self._scores(prefix)
        capital = None if prefix else natural_capitals(self.vocab, lo, scores)
        dist = full_distribution(self.vocab, before, context[len(before) :], lo, scores, capital=capital)
        return self._answer(dist, revision, t0, "next_symbols", cancel)

    def complete_word(
        self, context: str, prefix: str, k: int = 5, *, revision: int = 0, cancel: threading.Event | None = None
    ) -> Answer[list[tuple[str, float]]]:
        """Return the ``k`` most frequent words starting with ``prefix``, in the case the context calls for."""
        t0 = time.perf_counter()
        before, _ = split_context(context)
        lo, scores = self._scores(prefix.lower())
        scores = boost_names(self.vocab, before, prefix, lo, scores)
        start = sentence_start(before)
        value = [(cased(w, prefix, start), p) for w, p in self.vocab.top(scores, lo, k)]
        if at_document_start(before):
            value = opener_words(prefix, k, value)
        return self._answer(value, revision, t0, "complete_word", cancel)

    def complete_phrase(
        self, context: str, k: int = 3, *, revision: int = 0, cancel: threading.Event | None = None
    ) -> Answer[list[tuple[str, float]]]:
        """Return document openers on an empty document, else no phrases (word frequencies cannot continue a text)."""
        t0 = time.perf_counter()
        before, prefix = split_context(context)
        value = opener_phrases(prefix, k) if at_document_start(before) else []
        return self._answer(value, revision, t0, "complete_phrase", cancel)

    def expand_abbreviation(
        self, initials: str, context: str = "", k: int = 3, *, revision: int = 0, cancel: threading.Event | None = None
    ) -> Answer[list[tuple[str, float]]]:
        """Expand initials with the most frequent words per letter (a weak baseline: no grammar)."""
        t0 = time.perf_counter()
        letters = [c for c in initials.lower() if c.isalpha()]
        per_letter = []
        for c in letters:
            lo, scores = self._scores(c)
            per_letter.append(self.vocab.top(scores, lo, k))
        out: list[tuple[str, float]] = []
        if letters and all(per_letter):
            for j in range(k):
                words = [opts[min(j, len(opts) - 1)] for opts in per_letter]
                text = " ".join(w for w, _ in words)
                p = float(np.prod([q for _, q in words]))
                text = case_phrase(text, "", sentence_start(context))
                if text not in {t for t, _ in out}:
                    out.append((text, p))
        return self._answer(out, revision, t0, "expand_abbreviation", cancel)

    def rewrite(
        self, text: str, instruction: str, k: int = 3, *, revision: int = 0, cancel: threading.Event | None = None
    ) -> Answer[list[Rewrite]]:
        """Rewrite with rules (presets ``fix_grammar``, ``formal``, ``shorter``, ``polite``); else no candidate."""
        t0 = time.perf_counter()
        return self._answer(self._rule_candidates(text, instruction)[:k], revision, t0, "rewrite", cancel)
