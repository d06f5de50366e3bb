"""Case and page state of the speller: shift, caps lock, automatic capitals, the numbers and accent pages."""

from __future__ import annotations

from typing import Any

from ._keyboard import CASE_STATES, TYPING_PAGES, wants_capital

__all__ = ["TypingState", "current_prefix", "abbreviation_like", "fit_case"]


def current_prefix(text: str) -> str:
    """Return the partial word at the end of ``text``."""
    i = len(text)
    while i > 0 and (text[i - 1].isalnum() or text[i - 1] == "'"):
        i -= 1
    return text[i:]


def abbreviation_like(prefix: str) -> bool:
    """Whether typed letters may be word initials: two or more letters, nothing else."""
    return len(prefix) >= 2 and prefix.isascii() and prefix.isalpha()


def fit_case(word: str, prefix: str, case: str, *, lower_start: bool = False) -> str:
    """Return a suggested ``word`` in the case the typing calls for.

    A word the model wrote with capitals (``Thursday``, ``EU``) keeps them. A lower-case word takes the case of
    the letters typed so far, or, at a word start, of the case state: a capital first letter after shift or at a
    sentence start, all capitals under caps lock (or after two typed capitals).

    Parameters
    ----------
    word : str
        The suggestion.
    prefix : str
        The letters typed of the word.
    case : str
        Case state (see :data:`~bci_input.speller._keyboard.CASE_STATES`).
    lower_start : bool
        The user chose lower case where a capital was due (a sentence start): a word capitalised only there
        (``Please``, not ``EU`` or ``I``) is given in lower case.
    """
    if lower_start and word[:1].isupper() and word[1:] == word[1:].lower() and len(word) > 1:
        word = word[0].lower() + word[1:]
    if case == "caps" or (len(prefix) >= 2 and prefix.isupper()):
        return word.upper()
    if word != word.lower():
        return word
    if prefix:
        return prefix + word[len(prefix):]
    if case in ("shift", "auto"):
        return word[:1].upper() + word[1:]
    return word


class TypingState:
    """Mixin of :class:`~bci_input.speller.Speller`: the case state and the typing pages.

    Attributes it expects on the speller: ``document``, ``page``, ``auto_capitals``.
    """

    document: Any
    page: str
    auto_capitals: bool

    def _init_typing(self) -> None:
        self.shift = False
        self.caps = False
        self.lower_once = False
        self._case_revision = self.document.revision

    @property
    def case(self) -> str:
        """What the letter targets write next: ``'lower'``, ``'shift'``, ``'caps'`` or ``'auto'``.

        ``auto`` is a capital due to the context (document, sentence or line start); shift and the lower-case
        override last for one letter (any change of the text ends them); caps lock lasts until turned off.
        """
        if self.document.revision != self._case_revision:
            self._case_revision = self.document.revision
            self.shift = False
            self.lower_once = False
        if self.caps:
            return "caps"
        if self.shift:
            return "shift"
        if self.lower_once or not self.auto_capitals:
            return "lower"
        return "auto" if wants_capital(self.document.text_before_cursor()) else "lower"

    def _press_shift(self) -> str:
        """Advance the shift key: lower -> shift -> caps lock -> lower; at a sentence start auto -> lower case."""
        case = self.case
        assert case in CASE_STATES
        if case == "caps":
            self.caps = False
            self.shift = False
            return "caps_off"
        if case == "shift":
            self.caps = True
            self.shift = False
            return "caps_lock"
        if case == "auto":
            self.lower_once = True
            return "lower_once"
        self.lower_once = False
        self.shift = True
        return "shift"

    def _open_page(self, name: str) -> str:
        """Go to the typing page a page key names."""
        page = {"letters_page": "main", "numbers_page": "numbers", "accents_page": "accents"}[name]
        assert page in TYPING_PAGES
        self.page = page
        return name

    def _page_after_char(self, ch: str) -> None:
        """Return to the letters after an accented letter, or after a space or line break on the numbers page.

        The numbers page stays while digits and marks are typed, so ``2026``, ``3(2):`` or ``"€100`` need it
        opened once.
        """
        if self.page == "accents" or (self.page == "numbers" and ch in (" ", "\n")):
            self.page = "main"
