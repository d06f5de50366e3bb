"""Small text helpers shared by the backends and the benchmark."""

from __future__ import annotations

import re

__all__ = ["split_context", "normalize_word", "words_of", "initials_of", "WORD_RE"]

#: A word as the speller completes it: letters and apostrophes, lower-case.
WORD_RE = re.compile(r"^[a-z]+(?:'[a-z]+)*$")
_WORD_IN_TEXT = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)*")


def split_context(text: str) -> tuple[str, str]:
    """Split the document text before the cursor into (context, partial word).

    Parameters
    ----------
    text : str
        Text before the cursor.

    Returns
    -------
    context : str
        Everything before the word being typed (ends with whitespace, punctuation, or is empty).
    prefix : str
        The letters (accented ones included) and apostrophes typed so far of the current word, lower-cased.
        The typed case is ``text[len(context):]``.
    """
    start = len(text)
    while start > 0 and (text[start - 1].isalpha() or text[start - 1] == "'"):  # only the last word is read
        start -= 1
    return text[:start], text[start:].lower()


def normalize_word(token: str) -> str:
    """Return a whitespace token as the completion protocol sees it: letters and apostrophes, lower-case.

    Leading and trailing punctuation are removed (``"Hello,"`` -> ``"hello"``, ``"(don't)"`` -> ``"don't"``).
    """
    m = re.search(r"[A-Za-z](?:[A-Za-z']*[A-Za-z])?", token)
    return m.group(0).lower() if m else ""


def words_of(text: str) -> list[str]:
    """Return the lower-cased words (letters and apostrophes) of ``text``."""
    return [w.lower() for w in _WORD_IN_TEXT.findall(text)]


def initials_of(text: str) -> str:
    """Return the first letters of the words of ``text``, lower-cased (``"I saw him"`` -> ``"ish"``)."""
    return "".join(w[0] for w in words_of(text))
