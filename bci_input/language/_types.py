"""Types shared by every language backend: the alphabet, answers, rewrites and the protocol."""

from __future__ import annotations

import difflib
import re
import threading
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeAlias, TypeVar, runtime_checkable

__all__ = [
    "ACCENTED",
    "ACCENTED_CAPITALS",
    "ALPHABET",
    "BACKSPACE",
    "CAPITALS",
    "DIGITS",
    "LETTERS",
    "MAIN_SYMBOLS",
    "MARKS",
    "NEWLINE",
    "PUNCTUATION",
    "SYMBOLS",
    "Answer",
    "Rewrite",
    "REWRITE_PRESETS",
    "LanguageModel",
    "WordDiff",
    "word_diff",
]

#: The delete symbol of the speller alphabet.
BACKSPACE = "\b"
#: The 26 lower-case letters.
LETTERS: tuple[str, ...] = tuple("abcdefghijklmnopqrstuvwxyz")
#: The 26 capital letters.
CAPITALS: tuple[str, ...] = tuple("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
#: Lower-case accented letters of French and German (and the sharp s, which has no one-letter capital in use).
ACCENTED: tuple[str, ...] = tuple("éèêëàâäçîïôöûùüÿœæß")
#: Capitals of :data:`ACCENTED` (without the sharp s).
ACCENTED_CAPITALS: tuple[str, ...] = tuple(c.upper() for c in ACCENTED if c != "ß")
#: The ten digits.
DIGITS: tuple[str, ...] = tuple("0123456789")
#: Word-ending punctuation on the speller's main page.
PUNCTUATION: tuple[str, ...] = (".", ",", "?")
#: The other punctuation and symbols of formal writing.
MARKS: tuple[str, ...] = (";", ":", "!", '"', "(", ")", "-", "–", "/", "&", "%", "€", "$", "£", "§", "@", "#")
#: The line break.
NEWLINE = "\n"
#: The lower-case symbols of the speller's main page (31): letters, space, ``. , ?`` and apostrophe.
MAIN_SYMBOLS: tuple[str, ...] = (*LETTERS, " ", *PUNCTUATION, "'")
#: Every character the speller can write: :data:`MAIN_SYMBOLS`, capitals, accented letters, digits,
#: :data:`MARKS` and the line break.
ALPHABET: tuple[str, ...] = (
    *MAIN_SYMBOLS, *CAPITALS, *ACCENTED, *ACCENTED_CAPITALS, *DIGITS, *MARKS, NEWLINE
)
#: The symbols of ``next_symbols`` distributions: :data:`ALPHABET` and backspace.
SYMBOLS: tuple[str, ...] = (*ALPHABET, BACKSPACE)

#: Rewrite presets: key -> instruction given to the model.
REWRITE_PRESETS: dict[str, str] = {
    "fix_grammar": "Correct the grammar, spelling and punctuation of the text. Keep its meaning and wording.",
    "formal": "Rewrite the text in a formal, professional tone.",
    "shorter": "Rewrite the text so that it is shorter. Keep the meaning.",
    "polite": "Rewrite the text so that it is more polite and friendly.",
    "continue": "Continue the text with one more sentence in the same style.",
}

T = TypeVar("T")

#: A word-level diff: ``(tag, old, new)`` operations in order, ``tag`` one of ``"equal"``, ``"replace"``,
#: ``"delete"``, ``"insert"`` (see :func:`word_diff`).
WordDiff: TypeAlias = tuple[tuple[str, str, str], ...]


@dataclass(frozen=True)
class Answer(Generic[T]):
    """One answer of a language model, tagged with the document revision it was computed for.

    Parameters
    ----------
    value : T
        The result (a distribution, a list of ``(text, probability)`` or a list of :class:`Rewrite`).
    revision : int
        The document revision given with the request. A consumer drops answers older than its document.
    latency_s : float
        Wall-clock time spent computing the answer.
    backend : str
        Name of the model that answered (``"wordfreq"``, ``"local:SmolLM2-135M-Instruct"``, ``"http:..."``).
    kind : str
        The request kind (a method name in :data:`~bci_input.language.KINDS`), empty if unknown.
    cancelled : bool
        True if the request was cancelled; ``value`` then holds what was computed so far (possibly empty).
    """

    value: T
    revision: int
    latency_s: float
    backend: str
    kind: str = ""
    cancelled: bool = False


@dataclass(frozen=True)
class Rewrite:
    """One rewrite candidate.

    Parameters
    ----------
    text : str
        The rewritten text.
    diff : tuple of (tag, old, new)
        Word-level difference against the original, from :func:`word_diff`. ``tag`` is one of
        ``"equal"``, ``"replace"``, ``"delete"``, ``"insert"``.
    """

    text: str
    diff: WordDiff = field(default=())

    @property
    def diff_text(self) -> str:
        """Return the diff as inline markup: ``[-removed-]{+added+}``, equal text unchanged."""
        parts = []
        for tag, old, new in self.diff:
            if tag == "equal":
                parts.append(old)
            else:
                parts.append((f"[-{old}-]" if old else "") + (f"{{+{new}+}}" if new else ""))
        return " ".join(parts)


_TOKEN = re.compile(r"\S+")


def word_diff(original: str, new: str) -> WordDiff:
    """Compute a word-level diff with :mod:`difflib`.

    Parameters
    ----------
    original, new : str
        The texts to compare.

    Returns
    -------
    tuple of (tag, old, new)
        Operations in order; ``old``/``new`` are space-joined words.
    """
    a, b = _TOKEN.findall(original), _TOKEN.findall(new)
    ops = difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes()
    return tuple((tag, " ".join(a[i1:i2]), " ".join(b[j1:j2])) for tag, i1, i2, j1, j2 in ops)


@runtime_checkable
class LanguageModel(Protocol):
    """What the speller and the app need from a language model.

    Every method takes the keyword arguments ``revision`` (the document revision, copied into the answer)
    and ``cancel`` (a :class:`threading.Event`; when set, the method returns early with
    ``Answer.cancelled=True``). Methods are called from one worker thread at a time.
    """

    name: str

    def next_symbols(
        self, context: str, *, revision: int = 0, cancel: threading.Event | None = None
    ) -> Answer[dict[str, float]]:
        """Return the distribution of the next typed symbol over :data:`SYMBOLS` (sums to 1)."""
        ...

    def complete_word(
        self, context: str, prefix: str, k: int = 5, *, revision: int = 0, cancel: threading.Event | None = None
    ) -> Answer[list[tuple[str, float]]]:
        """Return the top-k words starting with ``prefix`` after ``context``, in the case the context calls for."""
        ...

    def complete_phrase(
        self, context: str, k: int = 3, *, revision: int = 0, cancel: threading.Event | None = None
    ) -> Answer[list[tuple[str, float]]]:
        """Return the top-k continuations (up to about 6 words) of ``context``, with probabilities."""
        ...

    def expand_abbreviation(
        self, initials: str, context: str = "", k: int = 3, *, revision: int = 0, cancel: threading.Event | None = None
    ) -> Answer[list[tuple[str, float]]]:
        """Return the top-k phrases whose words start with the letters of ``initials``."""
        ...

    def rewrite(
        self, text: str, instruction: str, k: int = 3, *, revision: int = 0, cancel: threading.Event | None = None
    ) -> Answer[list[Rewrite]]:
        """Return up to k rewrites of ``text`` for a preset key of :data:`REWRITE_PRESETS` or free text."""
        ...
