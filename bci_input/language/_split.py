"""Two local models behind one :class:`LanguageModel`: a fast one for typing, a stronger one for rewriting.

Word and symbol prediction answer at every selection and must stay well under half a second; a rewrite or an
abbreviation expansion is asked for now and then, and a person accepts far more of a larger model's candidates
(BENCHMARKS.md, "Rewrite benchmark"). The default set-up pairs Qwen2.5-Coder-0.5B (symbols, words, phrases)
with Qwen2.5-Coder-1.5B (rewrites, abbreviations); ``[language] rewrite_model`` chooses the second model.
"""

from __future__ import annotations

import threading
from typing import Any

from ._types import Answer, LanguageModel, Rewrite

__all__ = ["SplitModel"]


class SplitModel:
    """Answer symbols, words and phrases with ``typing``; abbreviations and rewrites with ``rewriting``.

    Parameters
    ----------
    typing : LanguageModel
        The fast model.
    rewriting : LanguageModel
        The stronger model.
    """

    def __init__(self, typing: LanguageModel, rewriting: LanguageModel) -> None:
        self.typing = typing
        self.rewriting = rewriting
        self.name = f"{typing.name} + {rewriting.name.split(':', 1)[-1]} for rewrites"

    def __getattr__(self, attr: str) -> Any:
        # Anything else a caller looks for (encode, tokens, the benchmark's counters) is the typing model's.
        return getattr(self.__dict__["typing"], attr)

    def next_symbols(
        self, context: str, *, revision: int = 0, cancel: threading.Event | None = None
    ) -> Answer[dict[str, float]]:
        """Return the typing model's next-symbol distribution."""
        return self.typing.next_symbols(context, revision=revision, cancel=cancel)

    def complete_word(
        self, context: str, prefix: str, k: int = 5, *, revision: int = 0, cancel: threading.Event | None = None
    ) -> Answer[list[tuple[str, float]]]:
        """Return the typing model's word completions."""
        return self.typing.complete_word(context, prefix, k, revision=revision, cancel=cancel)

    def complete_phrase(
        self, context: str, k: int = 3, *, revision: int = 0, cancel: threading.Event | None = None
    ) -> Answer[list[tuple[str, float]]]:
        """Return the typing model's phrase completions (asked at every word start, so they must be fast)."""
        return self.typing.complete_phrase(context, k, revision=revision, cancel=cancel)

    def expand_abbreviation(
        self, initials: str, context: str = "", k: int = 3, *, revision: int = 0, cancel: threading.Event | None = None
    ) -> Answer[list[tuple[str, float]]]:
        """Return the rewriting model's expansions."""
        return self.rewriting.expand_abbreviation(initials, context, k, revision=revision, cancel=cancel)

    def rewrite(
        self, text: str, instruction: str, k: int = 3, *, revision: int = 0, cancel: threading.Event | None = None
    ) -> Answer[list[Rewrite]]:
        """Return the rewriting model's rewrites."""
        return self.rewriting.rewrite(text, instruction, k, revision=revision, cancel=cancel)
