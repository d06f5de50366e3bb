"""The :class:`Document` model: text, cursor, selection, revision, undo/redo."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .._errors import ConfigError, DataFormatError
from ._commands import (
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

__all__ = ["Document", "SENTENCE_END"]

log = logging.getLogger(__name__)

#: Characters that end a sentence.
SENTENCE_END = ".?!\n"

Selection = tuple[int, int] | None


@dataclass(frozen=True)
class _Edit:
    """One undoable change: ``text[start:start+len(removed)]`` became ``inserted``."""

    start: int
    removed: str
    inserted: str
    cursor_before: int
    selection_before: Selection
    cursor_after: int
    selection_after: Selection


class Document:
    """A text document edited through commands, with undo/redo and a revision counter.

    Pure Python, no Qt. Every change goes through :meth:`apply`, :meth:`undo` or
    :meth:`redo`; each change increments :attr:`revision` by one and notifies the
    listeners added with :meth:`subscribe`. Undo history stores only the changed
    range of each edit, so long sessions stay small in memory.

    Parameters
    ----------
    text : str
        Initial text; the cursor starts at its end.
    path : str | Path | None
        The file the document is saved to by :meth:`save`.
    max_undo : int
        Number of edits kept for undo.
    """

    def __init__(self, text: str = "", *, path: str | Path | None = None, max_undo: int = 1000) -> None:
        if not isinstance(text, str):
            raise ConfigError(f"Document text must be a str, got {type(text).__name__}.")
        self._text = text
        self._cursor = len(text)
        self._selection: Selection = None
        self.path: Path | None = Path(path) if path is not None else None
        self.revision = 0
        self.saved_revision = 0
        self._max_undo = int(max_undo)
        self._undo: list[_Edit] = []
        self._redo: list[_Edit] = []
        self._listeners: list[Callable[[Document], None]] = []

    # ------------------------------------------------------------------ state
    @property
    def text(self) -> str:
        """The full text."""
        return self._text

    @property
    def cursor(self) -> int:
        """Cursor position, a character offset in ``[0, len(text)]``."""
        return self._cursor

    @property
    def selection(self) -> tuple[int, int] | None:
        """The selected range ``(start, end)`` with ``start < end``, or ``None``."""
        return self._selection

    @property
    def selected_text(self) -> str:
        """The selected text ('' when nothing is selected)."""
        if self._selection is None:
            return ""
        return self._text[self._selection[0] : self._selection[1]]

    @property
    def can_undo(self) -> bool:
        """Whether :meth:`undo` would change anything."""
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        """Whether :meth:`redo` would change anything."""
        return bool(self._redo)

    @property
    def modified(self) -> bool:
        """Whether the text changed since the last save or load."""
        return self.revision != self.saved_revision

    def text_before_cursor(self) -> str:
        """Return the text up to the cursor (the language model's context)."""
        return self._text[: self._cursor]

    def subscribe(self, callback: Callable[[Document], None]) -> Callable[[], None]:
        """Call ``callback(document)`` after every change; return a function that unsubscribes."""
        self._listeners.append(callback)

        def unsubscribe() -> None:
            if callback in self._listeners:
                self._listeners.remove(callback)

        return unsubscribe

    # --------------------------------------------------------------- commands
    def apply(self, command: Command) -> bool:
        """Apply one edit command.

        Parameters
        ----------
        command : Command
            One of the command dataclasses of :mod:`bci_input.document`.

        Returns
        -------
        bool
            ``True`` if the document changed (then :attr:`revision` grew by one),
            ``False`` for a no-op such as deleting at the start of the text.
        """
        edit = self._plan(command)
        if edit is None:
            return False
        self._do(edit)
        self._undo.append(edit)
        if len(self._undo) > self._max_undo:
            del self._undo[0]
        self._redo.clear()
        self._changed()
        return True

    def undo(self) -> bool:
        """Revert the last change; return ``False`` if there is nothing to undo."""
        if not self._undo:
            return False
        edit = self._undo.pop()
        inverse = _Edit(
            edit.start, edit.inserted, edit.removed,
            edit.cursor_after, edit.selection_after, edit.cursor_before, edit.selection_before,
        )
        self._do(inverse)
        self._redo.append(edit)
        self._changed()
        return True

    def redo(self) -> bool:
        """Re-apply the last undone change; return ``False`` if there is nothing to redo."""
        if not self._redo:
            return False
        edit = self._redo.pop()
        self._do(edit)
        self._undo.append(edit)
        self._changed()
        return True

    def mark_saved(self) -> None:
        """Record that the current revision is on disk."""
        self.saved_revision = self.revision

    # -------------------------------------------------------------- internals
    def _changed(self) -> None:
        self.revision += 1
        for cb in list(self._listeners):
            try:
                cb(self)
            except Exception:  # a listener must not break editing; it is logged, not swallowed silently
                log.exception("document listener %r failed", cb)

    def _do(self, e: _Edit) -> None:
        self._text = self._text[: e.start] + e.inserted + self._text[e.start + len(e.removed) :]
        self._cursor = e.cursor_after
        self._selection = e.selection_after

    def _edit(self, start: int, end: int, new: str, cursor: int | None = None, sel: Selection = None) -> _Edit | None:
        removed = self._text[start:end]
        cur = start + len(new) if cursor is None else cursor
        if removed == new and cur == self._cursor and sel == self._selection:
            return None
        return _Edit(start, removed, new, self._cursor, self._selection, cur, sel)

    def _clamp(self, pos: int) -> int:
        return max(0, min(int(pos), len(self._text)))

    def _replace_target(self) -> tuple[int, int]:
        if self._selection is not None:
            return self._selection
        return self._cursor, self._cursor

    def _plan(self, c: Command) -> _Edit | None:  # noqa: C901 - one branch per command type
        text, cur = self._text, self._cursor
        if isinstance(c, InsertText):
            if not isinstance(c.text, str):
                raise ConfigError(f"InsertText.text must be a str, got {type(c.text).__name__}.")
            s, e = self._replace_target()
            return self._edit(s, e, c.text) if (c.text or s != e) else None
        if isinstance(c, NewLine):
            s, e = self._replace_target()
            return self._edit(s, e, "\n")
        if isinstance(c, DeleteBackward):
            if c.n < 1:
                raise ConfigError(f"DeleteBackward.n must be at least 1, got {c.n}.")
            if self._selection is not None:
                return self._edit(*self._selection, "")
            return self._edit(max(0, cur - c.n), cur, "") if cur > 0 else None
        if isinstance(c, DeleteWordBackward):
            if self._selection is not None:
                return self._edit(*self._selection, "")
            return self._edit(word_start_before(text, cur), cur, "") if cur > 0 else None
        if isinstance(c, ReplaceRange):
            s, e = int(c.start), int(c.end)
            if not 0 <= s <= e <= len(text):
                raise ConfigError(
                    f"ReplaceRange({s}, {e}) is outside the text: need 0 <= start <= end <= {len(text)}."
                )
            return self._edit(s, e, c.text)
        if isinstance(c, MoveCursor):
            return self._edit(cur, cur, "", cursor=self._clamp(c.pos), sel=None)
        if isinstance(c, SetSelection):
            s, e = sorted((self._clamp(c.start), self._clamp(c.end)))
            return self._edit(cur, cur, "", cursor=e, sel=(s, e) if s < e else None)
        if isinstance(c, ClearSelection):
            return self._edit(cur, cur, "", cursor=cur, sel=None)
        if isinstance(c, SelectPreviousSentence):
            anchor = self._selection[0] if self._selection is not None else cur
            rng = sentence_before(text, anchor)
            return None if rng is None else self._edit(cur, cur, "", cursor=rng[1], sel=rng)
        if isinstance(c, SelectParagraph):
            s, e = paragraph_at(text, cur)
            return None if s == e else self._edit(cur, cur, "", cursor=e, sel=(s, e))
        raise ConfigError(f"Unknown document command: {c!r}.")

    # -------------------------------------------------------------- file I/O
    def save(self, path: str | Path | None = None) -> Path:
        """Write the text atomically (temp file, fsync, rename) and mark it saved.

        Parameters
        ----------
        path : str | Path | None
            Target file; defaults to :attr:`path` (then required).

        Returns
        -------
        Path
            The file written.

        Raises
        ------
        StorageError
            If the folder is missing, read-only or full.
        """
        from ._storage import atomic_write_text

        target = Path(path) if path is not None else self.path
        if target is None:
            raise ConfigError("Document has no file yet: pass a path to save(path).")
        atomic_write_text(target, self._text)
        self.path = target
        self.mark_saved()
        return target

    @classmethod
    def load(cls, path: str | Path) -> Document:
        """Read a UTF-8 text file into a new document (cursor at the end).

        Raises
        ------
        DataFormatError
            If the file is missing or not UTF-8 text.
        """
        p = Path(path)
        try:
            raw = p.read_bytes()
        except OSError as exc:
            raise DataFormatError(f"Cannot read document {p}: {exc.strerror or exc}.") from exc
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DataFormatError(
                f"Document {p} is not UTF-8 text (byte {exc.start}). Open a .txt or .md file."
            ) from exc
        if "\x00" in text:
            raise DataFormatError(f"Document {p} contains NUL bytes; it is not a text file.")
        return cls(text.replace("\r\n", "\n"), path=p)


def word_start_before(text: str, pos: int) -> int:
    """Return where the word before ``pos`` starts (spaces after the word are included)."""
    i = pos
    while i > 0 and text[i - 1] in " \t":
        i -= 1
    if i > 0 and not (text[i - 1].isalnum() or text[i - 1] in "'-"):
        return i - 1 if i == pos else i  # punctuation: delete it alone (or just the spaces)
    while i > 0 and (text[i - 1].isalnum() or text[i - 1] in "'-"):
        i -= 1
    return i


def sentence_before(text: str, anchor: int) -> tuple[int, int] | None:
    """Return the range of the sentence ending at or before ``anchor`` (or ``None``)."""
    e = anchor
    while e > 0 and text[e - 1].isspace():
        e -= 1
    if e == 0:
        return None
    s = e - 1
    while s > 0 and text[s - 1] not in SENTENCE_END:
        s -= 1
    while s < e and text[s].isspace():
        s += 1
    return (s, e) if s < e else None


def paragraph_at(text: str, pos: int) -> tuple[int, int]:
    """Return the range of the line-delimited paragraph holding ``pos``."""
    s = text.rfind("\n", 0, pos) + 1
    e = text.find("\n", pos)
    e = len(text) if e < 0 else e
    if s == e and pos > 0:  # on an empty line right after a paragraph: take that paragraph
        return paragraph_at(text, pos - 1)
    return s, e
