"""The document being written: text, cursor, selection, revisions, undo/redo and atomic saving.

Example
-------
>>> from bci_input.document import Document, InsertText, DeleteWordBackward
>>> doc = Document()
>>> doc.apply(InsertText("hello world"))
True
>>> doc.apply(DeleteWordBackward())
True
>>> doc.text
'hello '
>>> doc.undo()
True
>>> doc.text
'hello world'
"""

from __future__ import annotations

from ._document._autosave import Autosaver, AutosaveVersion, discard_versions, find_recoverable, new_session_id
from ._document._commands import (
    NAVIGATION_COMMANDS,
    ClearSelection,
    Command,
    DeleteBackward,
    DeleteWordBackward,
    InsertText,
    MoveCursor,
    NewLine,
    ReplaceRange,
    SelectParagraph,
    SelectPreviousSentence,
    SetSelection,
)
from ._document._model import Document
from ._document._storage import EXPORT_FORMATS, atomic_write_text, export_text

__all__ = [
    "Document",
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
    "export_text",
    "atomic_write_text",
    "EXPORT_FORMATS",
    "Autosaver",
    "AutosaveVersion",
    "find_recoverable",
    "discard_versions",
    "new_session_id",
]
