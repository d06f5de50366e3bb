"""The speller's language-model state: suggestions and the next-symbol prior, asked for per document revision."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..language import (
    CompletePhrase,
    CompleteWord,
    ExpandAbbreviation,
    LanguageAnswer,
    LanguageRequest,
    NextSymbols,
    Rewrite,
)
from ._keyboard import wants_capital
from ._lm import SpellerLM
from ._typing import abbreviation_like, fit_case

__all__ = ["LanguageState"]


class LanguageState:
    """Mixin of :class:`~bci_input.speller.Speller`: what the language model said for the current text.

    Attributes it expects on the speller: ``document``, ``lm``, ``lm_mode``, ``request_language``, ``page``,
    ``paradigm``, ``case``, ``_context()`` and ``_invalidate()``.
    """

    document: Any
    lm: SpellerLM
    lm_mode: str
    request_language: Callable[[LanguageRequest, int], None] | None
    page: str
    paradigm: str
    _scan_subset: list[int] | None
    _context: Callable[[], tuple[str, str]]
    _invalidate: Callable[..., None]

    @property
    def case(self) -> str:
        """The case state (see :class:`~bci_input.speller._typing.TypingState`, which provides it)."""
        raise NotImplementedError

    def _init_language(self) -> None:
        self.last_lm_latency = 0.0
        #: Seconds each language-model request of the last layout took (sync mode).
        self.last_lm_latencies: dict[str, float] = {}
        self._symbols: dict[str, float] | None = None
        self._words: list[tuple[str, float]] = []
        self._phrases: list[tuple[str, float]] = []
        self._rewrites: list[Rewrite] = []
        self._abbrevs: list[tuple[str, float]] = []
        self._abbrev_for = ""  # the typed letters the expansions are for
        self._lm_revision = -1
        self._lm_words_revision = -1

    def _refresh_language(self, *, suggestions: bool = True) -> None:
        """Ask for the next-symbol prior, and with ``suggestions`` for suggestions, once per document revision."""
        rev = self.document.revision
        if self._lm_revision == rev and (self._lm_words_revision == rev or not suggestions):
            return
        before, prefix = self._context()
        if not suggestions:  # the numbers and accent pages show no suggestions: the prior is enough
            self._lm_revision = rev
            if self.lm_mode == "async":
                if self.request_language is not None and self.lm.model is not None:
                    self.request_language(NextSymbols(before), rev)
                return
            self._symbols, sym_s = self.lm.symbols(before)
            self.last_lm_latencies = {"next_symbols": sym_s}
            self.last_lm_latency = sym_s
            return
        sym_known = self._lm_revision == rev
        self._lm_revision = self._lm_words_revision = rev
        ctx = before[: len(before) - len(prefix)]
        # Phrase suggestions are asked for at word starts only: mid-word, the word suggestions cover it.
        want_phrase = prefix == ""
        self._abbrevs = []
        if self.lm_mode == "async":
            if self.request_language is not None and self.lm.model is not None:
                self.request_language(CompleteWord(ctx, prefix, self.lm.k_words), rev)
                if want_phrase:
                    self.request_language(CompletePhrase(before, self.lm.k_phrases), rev)
                if not sym_known:
                    self.request_language(NextSymbols(before), rev)
            if not want_phrase:
                self._phrases = []
            return
        lat: dict[str, float] = {}
        words, lat["complete_word"] = self.lm.words(ctx, prefix)
        self._words = self._useful_words(words, prefix)
        if abbreviation_like(prefix) and not words:
            self._abbrevs, lat["expand_abbreviation"] = self.lm.abbreviations(prefix, ctx)
            self._abbrev_for = prefix
        phrases, lat["complete_phrase"] = self.lm.phrases(before) if want_phrase else ([], 0.0)
        self._phrases = [(p.strip(), q) for p, q in phrases if p.strip()]
        if not sym_known:
            self._symbols, lat["next_symbols"] = self.lm.symbols(before)
        self.last_lm_latencies = lat
        self.last_lm_latency = sum(lat.values())

    def _useful_words(self, words: list[tuple[str, float]], prefix: str) -> list[tuple[str, float]]:
        """Keep suggestions that continue ``prefix`` (any case) by two letters or more, in the case called for."""
        out: list[tuple[str, float]] = []
        case = self.case
        before = self._context()[0]
        # The user chose lower case where a capital was due (the override, or a lower-case first letter typed
        # there): a word the model capitalised only for the sentence start follows that choice.
        lower_start = wants_capital(before[: len(before) - len(prefix)]) and (
            prefix[:1].islower() if prefix else case == "lower")
        for w, p in words:
            w = fit_case(w.strip(), prefix, case, lower_start=lower_start)
            if w.lower().startswith(prefix.lower()) and len(w) > len(prefix) + 1 and all(w != x for x, _ in out):
                out.append((w, float(p)))
        return out

    def on_language_answer(self, answer: LanguageAnswer, kind: str | None = None) -> None:
        """Take an async language-model answer (dropped if it is for an older revision).

        Parameters
        ----------
        answer : LanguageAnswer
            With ``value``, ``revision`` and ``kind``.
        kind : str | None
            The request kind (:data:`~bci_input.language.KINDS`) when ``answer.kind`` is empty.
        """
        if answer.revision < self.document.revision:
            return
        value: Any = answer.value
        kind = kind or answer.kind
        if kind == "next_symbols":
            self._symbols = dict(value)
        elif kind == "complete_word":
            before, prefix = self._context()
            self._words = self._useful_words(list(value), prefix)
            if abbreviation_like(prefix) and not value and self.request_language is not None:
                # No word starts with these letters: read them as word initials (SpeakFaster style).
                ctx = before[: len(before) - len(prefix)]
                self.request_language(ExpandAbbreviation(prefix, ctx, self.lm.k_phrases), self.document.revision)
        elif kind == "expand_abbreviation":
            self._abbrevs = [(str(p).strip(), float(q)) for p, q in value if str(p).strip()]
            self._abbrev_for = self._context()[1]
        elif kind == "complete_phrase":
            self._phrases = [(p.strip(), q) for p, q in value if p.strip()]
        elif kind == "rewrite":
            self._rewrites = list(value)
            if self.page == "rewrite_wait":
                self.page = "rewrite_candidates"
        self._invalidate(scan_reset=self.paradigm != "scan" or self._scan_subset is None)
