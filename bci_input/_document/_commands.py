"""Edit commands: small frozen dataclasses the :class:`~bci_input.document.Document` applies."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "Command",
    "InsertText",
    "DeleteBackward",
    "DeleteWordBackward",
    "ReplaceRange",
    "MoveCursor",
    "SetSelection",
    "ClearSelection",
    "SelectPreviousSentence",
    "SelectParagraph",
    "NewLine",
    "NAVIGATION_COMMANDS",
]


@dataclass(frozen=True)
class InsertText:
    """Insert ``text`` at the cursor, replacing the selection if there is one.

    Parameters
    ----------
    text : str
        The text to insert.
    """

    text: str


@dataclass(frozen=True)
class DeleteBackward:
    """Delete the selection, or ``n`` characters before the cursor.

    Parameters
    ----------
    n : int
        Number of characters (at least 1).
    """

    n: int = 1


@dataclass(frozen=True)
class DeleteWordBackward:
    """Delete the selection, or the word before the cursor (and the spaces after it)."""


@dataclass(frozen=True)
class ReplaceRange:
    """Replace ``text[start:end]`` with ``text``; the cursor ends after the new text.

    Parameters
    ----------
    start, end : int
        Character offsets, ``0 <= start <= end <= len(document)``.
    text : str
        The replacement.
    """

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class MoveCursor:
    """Move the cursor to ``pos`` (clamped to the text) and clear the selection.

    Parameters
    ----------
    pos : int
        Character offset.
    """

    pos: int


@dataclass(frozen=True)
class SetSelection:
    """Select ``text[start:end]``; the cursor moves to ``end``.

    Parameters
    ----------
    start, end : int
        Character offsets (clamped; swapped if reversed).
    """

    start: int
    end: int


@dataclass(frozen=True)
class ClearSelection:
    """Clear the selection, keeping the cursor."""


@dataclass(frozen=True)
class SelectPreviousSentence:
    """Select the sentence before the cursor.

    Applied again while a sentence is selected, it selects the sentence before
    that one, so repeated selections walk backwards through the text.
    """


@dataclass(frozen=True)
class SelectParagraph:
    """Select the paragraph (text between line breaks) holding the cursor."""


@dataclass(frozen=True)
class NewLine:
    """Insert a line break at the cursor."""


Command = (
    InsertText
    | DeleteBackward
    | DeleteWordBackward
    | ReplaceRange
    | MoveCursor
    | SetSelection
    | ClearSelection
    | SelectPreviousSentence
    | SelectParagraph
    | NewLine
)

#: Commands that change only the cursor or selection, never the text.
NAVIGATION_COMMANDS = (MoveCursor, SetSelection, ClearSelection, SelectPreviousSentence, SelectParagraph)
