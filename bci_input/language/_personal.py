"""Personal vocabulary: the user's own words and names, learnt from their documents (opt-in, local JSON)."""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from .._errors import StorageError
from ._case import cased, sentence_start
from ._text import split_context, words_of
from ._types import SYMBOLS, Answer, LanguageModel, Rewrite

__all__ = ["PersonalVocabulary", "PersonalizedModel"]

log = logging.getLogger(__name__)
_SCHEMA = 1
_NAME = re.compile(r"(?<![.?!]\s)(?<!^)\b([A-Z][a-z]{2,})\b")
_ACRONYM = re.compile(r"\b([A-Z]{2,8}s?)\b")


class PersonalVocabulary:
    """Word counts of the user's documents, stored as JSON (``{"schema": 1, "words": {...}, "names": [...]}``).

    Parameters
    ----------
    path : path-like | None
        The JSON file; None keeps it in memory only.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self.counts: Counter[str] = Counter()
        self.names: set[str] = set()
        if self.path is not None and self.path.exists():
            self._load()

    @classmethod
    def open_default(cls) -> PersonalVocabulary:
        """Open ``<user data>/language/personal_vocabulary.json``."""
        from ..settings import user_data_dir

        return cls(user_data_dir() / "language" / "personal_vocabulary.json")

    def _load(self) -> None:
        assert self.path is not None
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("schema") != _SCHEMA or not isinstance(data.get("words"), dict):
                raise ValueError("unknown schema")
            self.counts = Counter({str(w): int(c) for w, c in data["words"].items() if int(c) > 0})
            self.names = {str(n) for n in data.get("names", [])}
        except (OSError, ValueError, TypeError, AttributeError) as exc:
            log.warning("personal vocabulary %s is unreadable (%s); starting an empty one", self.path, exc)
            self.counts, self.names = Counter(), set()

    def learn(self, text: str, previous: str = "") -> int:
        """Count the words of ``text`` (and remember capitalised mid-sentence words as names).

        Parameters
        ----------
        text : str
            The document.
        previous : str
            The same document as it was last learnt: only the words added since are counted, so saving a
            document again does not count its words twice.

        Returns
        -------
        int
            Number of words counted.
        """
        words = Counter(w for w in words_of(text) if len(w) >= 2)
        if previous:
            words -= Counter(w for w in words_of(previous) if len(w) >= 2)
        self.counts.update(words)
        self.names.update(m.group(1) for m in _NAME.finditer(text))
        self.names.update(m.group(1) for m in _ACRONYM.finditer(text) if m.group(1) != "I")
        return sum(words.values())

    def forget(self, word: str) -> None:
        """Remove a word (the user can delete what they do not want suggested)."""
        self.counts.pop(word.lower(), None)
        self.names = {n for n in self.names if n.lower() != word.lower()}

    def save(self) -> None:
        """Write the JSON file atomically (temporary file, fsync, rename).

        Raises
        ------
        StorageError
            If the folder cannot be written.
        """
        if self.path is None:
            return
        data = {"schema": _SCHEMA, "words": dict(self.counts.most_common()), "names": sorted(self.names)}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".vocab-", suffix=".json")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f, ensure_ascii=False, indent=0)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except OSError as exc:
            raise StorageError(f"Cannot save the personal vocabulary to {self.path}: {exc.strerror}.") from None

    def form(self, word: str) -> str | None:
        """Return the case the user writes ``word`` in (a name, an acronym), or None if they write it lower-case."""
        low = word.lower()
        for n in self.names:
            if n.lower() == low:
                return n
        return None

    def candidates(self, prefix: str) -> list[tuple[str, float]]:
        """Return the user's words starting with ``prefix`` (lower-case), with their share of the matching words."""
        prefix = prefix.lower()
        items = [(w, c) for w, c in self.counts.items() if w.startswith(prefix)]
        total = sum(c for _, c in items)
        return sorted(((w, c / total) for w, c in items), key=lambda wc: -wc[1]) if total else []

    def __len__(self) -> int:
        return len(self.counts)


class PersonalizedModel:
    """Blend a :class:`PersonalVocabulary` into another model's word and symbol predictions.

    ``P(word) = (1 - weight) * P_model(word) + weight * P_personal(word)`` among the words that continue the
    prefix; other capabilities are passed through.

    Parameters
    ----------
    base : LanguageModel
        The model to personalise.
    vocab : PersonalVocabulary
        The user's words.
    weight : float
        Share of the personal distribution, when the user has words with this prefix.
    """

    def __init__(self, base: LanguageModel, vocab: PersonalVocabulary, weight: float = 0.3) -> None:
        self.base = base
        self.vocab = vocab
        self.weight = float(weight)
        self.name = f"{base.name}+personal"
        self._lock = threading.Lock()

    def learn(self, text: str, *, previous: str = "", save: bool = True) -> int:
        """Learn the words of a document added since ``previous`` (and save the JSON file)."""
        with self._lock:
            n = self.vocab.learn(text, previous)
            if save:
                self.vocab.save()
        return n

    def _mine(self, context: str, typed: str) -> list[tuple[str, float]]:
        """Return the user's words continuing ``typed``, in the case the user and the context call for."""
        before, _ = split_context(context)
        start = sentence_start(before)
        return [(cased(w, typed, start, self.vocab.form(w)), p) for w, p in self.vocab.candidates(typed)]

    def _blend(self, base: list[tuple[str, float]], mine: list[tuple[str, float]], k: int) -> list[tuple[str, float]]:
        if not mine:
            return base[:k]
        mixed: dict[str, tuple[str, float]] = {w.lower(): (w, (1 - self.weight) * p) for w, p in base}
        for w, p in mine[: 4 * k]:
            shown, q = mixed.get(w.lower(), (w, 0.0))
            mixed[w.lower()] = (w if w != w.lower() else shown, q + self.weight * p)
        return sorted(mixed.values(), key=lambda wp: -wp[1])[:k]

    def complete_word(
        self, context: str, prefix: str, k: int = 5, *, revision: int = 0, cancel: threading.Event | None = None
    ) -> Answer[list[tuple[str, float]]]:
        """Return the base model's words blended with the user's own (names keep the case the user wrote)."""
        t0 = time.perf_counter()
        ans = self.base.complete_word(context, prefix, 3 * k, revision=revision, cancel=cancel)
        value = self._blend(ans.value, self._mine(context, prefix), k)
        return Answer(value, revision, time.perf_counter() - t0, self.name, "complete_word", ans.cancelled)

    def next_symbols(
        self, context: str, *, revision: int = 0, cancel: threading.Event | None = None
    ) -> Answer[dict[str, float]]:
        """Return the base distribution, with the next letters of the user's matching words blended in."""
        t0 = time.perf_counter()
        ans = self.base.next_symbols(context, revision=revision, cancel=cancel)
        before, _ = split_context(context)
        typed = context[len(before) :]
        mine = self._mine(context, typed)
        dist = dict(ans.value)
        if mine and dist:
            nxt: dict[str, float] = {}
            for w, p in mine:
                c = w[len(typed)] if len(w) > len(typed) else " "
                nxt[c] = nxt.get(c, 0.0) + p
            dist = {s: (1 - self.weight) * v + self.weight * nxt.get(s, 0.0) for s, v in dist.items()}
            z = sum(dist.values())
            dist = {s: dist[s] / z for s in SYMBOLS}
        return Answer(dist, revision, time.perf_counter() - t0, self.name, "next_symbols", ans.cancelled)

    def complete_phrase(self, context: str, k: int = 3, **kw: Any) -> Answer[list[tuple[str, float]]]:
        """Pass through to the base model."""
        return self.base.complete_phrase(context, k, **kw)

    def expand_abbreviation(self, initials: str, context: str = "", k: int = 3, **kw: Any) -> Answer[
        list[tuple[str, float]]
    ]:
        """Pass through to the base model."""
        return self.base.expand_abbreviation(initials, context, k, **kw)

    def rewrite(self, text: str, instruction: str, k: int = 3, **kw: Any) -> Answer[list[Rewrite]]:
        """Pass through to the base model."""
        return self.base.rewrite(text, instruction, k, **kw)
