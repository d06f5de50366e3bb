"""The typing pages of the keyboard: letters (main), numbers and marks, accented letters; case and page keys.

Every character of :data:`~bci_input.language.ALPHABET` is reachable from the main page:

- main page: the 31 lower-case :data:`~bci_input.language.MAIN_SYMBOLS`; the shift key makes the letters write
  capitals (one letter), twice for caps lock (a run); capitals come by themselves at the start of the document,
  of a sentence and of a line, and the same key then writes the next letter in lower case instead;
- numbers page (``123``): digits, ``. ,``, every mark of :data:`~bci_input.language.MARKS`, space and the line
  break. It stays open while a number or its marks are typed (``2026``, ``3(2):``, ``"€100``) and returns to the
  letters after a space or a line break, or with its ``abc`` key;
- accented letters (from the numbers page): the accented letters of French and German, capitals with the shift
  key or at a sentence start; the letters come back after one accented letter.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .._errors import ConfigError
from ..language._types import ACCENTED, ALPHABET, CAPITALS, DIGITS, LETTERS, MAIN_SYMBOLS, MARKS, NEWLINE

__all__ = [
    "TYPING_PAGES",
    "NUMBER_CHARS",
    "ACCENT_CHARS",
    "PAGE_KEYS",
    "CASE_STATES",
    "page_of",
    "page_chars",
    "wants_capital",
    "shown",
    "check_text",
    "normalise_text",
]

#: Pages that write characters.
TYPING_PAGES = ("main", "numbers", "accents")
#: Characters of the numbers page, in display order (rows of 8 on a P300 grid).
NUMBER_CHARS: tuple[str, ...] = (
    *DIGITS[1:], DIGITS[0], ".", ",", "(", ")", "-", "/", "%", "€",
    *(m for m in MARKS if m not in "()-/%€"), " ", NEWLINE,
)
#: Characters of the accented-letter page (lower case; the shift state shows their capitals).
ACCENT_CHARS: tuple[str, ...] = ACCENTED
#: The key that opens each page (command names).
PAGE_KEYS = {"main": "letters_page", "numbers": "numbers_page", "accents": "accents_page"}
#: Case states: what the letter targets write next, and what the shift key does.
#: ``lower``: lower case (shift key: shift); ``shift``: one capital (key: caps lock);
#: ``caps``: capitals until turned off (key: caps off); ``auto``: a capital because a sentence starts
#: (key: lower case for the next letter).
CASE_STATES = ("lower", "shift", "caps", "auto")
SHIFT_LABELS = {"lower": "⇧ shift", "shift": "⇪ caps", "caps": "⇪ off", "auto": "⇩ lower"}

_SENTENCE_END = re.compile(r"(^|[.?!] +|\n)$")


def page_chars(page: str) -> tuple[str, ...]:
    """Return the characters (lower-case form of letters) the typing page ``page`` holds."""
    if page == "main":
        return MAIN_SYMBOLS
    if page == "numbers":
        return NUMBER_CHARS
    if page == "accents":
        return ACCENT_CHARS
    raise ConfigError(f"Invalid value for 'page': {page!r}. Allowed values are: {', '.join(TYPING_PAGES)}.")


def _base(ch: str) -> str:
    return ch.lower() if ch != "ß" and ch.lower() != ch else ch


def page_of(ch: str) -> str:
    """Return the typing page that writes ``ch`` (``'main'``, ``'numbers'`` or ``'accents'``).

    Capitals are written by the lower-case letter's target in a capital case state.
    """
    b = _base(ch)
    if b in MAIN_SYMBOLS:
        return "main"
    if b in NUMBER_CHARS:
        return "numbers"
    if b in ACCENT_CHARS:
        return "accents"
    raise ConfigError(f"{ch!r} is not a character the speller writes.")


def is_letter(ch: str) -> bool:
    """Whether ``ch`` is a letter with a case (the shift key changes it)."""
    return ch in LETTERS or ch in CAPITALS or (ch in ALPHABET and ch.lower() != ch.upper() and ch != "ß")


def wants_capital(before: str) -> bool:
    """Whether a capital is due by itself: at the document start, after ``. ? !`` and a space, after a line break."""
    return bool(_SENTENCE_END.search(before))


def shown(ch: str, capital: bool) -> str:
    """Return what a letter target for ``ch`` writes in a capital (or lower-case) state; other characters as is."""
    if capital and is_letter(ch):
        return ch.upper()
    return ch


def outside_alphabet(text: str) -> list[str]:
    """Return the distinct characters of ``text`` the speller cannot write, in order of appearance."""
    allowed = set(ALPHABET)
    out: list[str] = []
    for ch in text:
        if ch not in allowed and ch not in out:
            out.append(ch)
    return out


def _describe(chars: Sequence[str]) -> str:
    return ", ".join(f"{c!r} (U+{ord(c):04X})" for c in chars)


def check_text(text: str) -> str:
    """Return ``text`` (Windows line ends become line breaks) if the speller can write every character of it.

    Raises
    ------
    ConfigError
        Naming the characters outside :data:`~bci_input.language.ALPHABET`.
    """
    text = text.replace("\r\n", "\n")
    bad = outside_alphabet(text)
    if bad:
        marks = " ".join((".", ",", "?", "'", *MARKS))
        raise ConfigError(
            f"The text holds {len(bad)} character(s) the speller cannot write: {_describe(bad[:12])}"
            f"{' ...' if len(bad) > 12 else ''}. Allowed: letters (a-z, A-Z, {''.join(ACCENTED)} and their capitals), "
            f"digits, space, line break and {marks}."
        )
    return text


def normalise_text(text: str) -> str:
    """Return ``text`` as the speller writes it: unchanged but for Windows line ends (see :func:`check_text`).

    Raises
    ------
    ConfigError
        If ``text`` holds characters outside :data:`~bci_input.language.ALPHABET` (they are named).
    """
    return check_text(text)
