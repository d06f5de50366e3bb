"""The document view: large readable text, a visible cursor, the selection and grey ghost text.

The view never edits anything: the :class:`~bci_input.document.Document` is changed only by the speller
(through intents). The widget takes no focus and no text interaction, so no mouse or keyboard event can
change the text behind the user's back.
"""

from __future__ import annotations

from PyQt6.QtCore import QRect, Qt
from PyQt6.QtGui import QColor, QFont, QPainter, QPaintEvent, QTextCharFormat, QTextCursor
from PyQt6.QtWidgets import QTextEdit, QWidget

from ._theme import Theme

__all__ = ["DocumentView"]


class DocumentView(QTextEdit):
    """Read-only rendering of the document with the language model's continuation inline.

    Parameters
    ----------
    theme : Theme
        Colours and font size.
    parent : QWidget | None
        Parent widget.
    """

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("editor")
        self.setReadOnly(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.text = ""
        self.cursor_pos = 0
        self.selection: tuple[int, int] | None = None
        self.ghost = ""
        self.apply_theme(theme)

    def apply_theme(self, theme: Theme) -> None:
        """Set colours and the font size."""
        self.theme = theme
        font = QFont("DejaVu Serif")
        font.setStyleHint(QFont.StyleHint.Serif)
        font.setPointSize(theme.font_size)
        self.document().setDefaultFont(font)
        self.setFont(font)
        self.show_document(self.text, self.cursor_pos, self.selection, self.ghost)

    def show_document(self, text: str, cursor: int, selection: tuple[int, int] | None = None,
                      ghost: str = "") -> None:
        """Render the text with the cursor at ``cursor``, ``selection`` highlighted, ``ghost`` in grey.

        Parameters
        ----------
        text : str
            The document's text.
        cursor : int
            Cursor offset in ``[0, len(text)]``.
        selection : tuple of int | None
            Selected ``(start, end)`` range.
        ghost : str
            The language model's proposed continuation, shown at the cursor (not part of the text).
        """
        self.text, self.cursor_pos, self.selection, self.ghost = text, max(0, min(cursor, len(text))), selection, ghost
        doc = self.document()
        doc.clear()
        cur = QTextCursor(doc)
        normal = QTextCharFormat()
        normal.setForeground(self.theme.ink)
        selected = QTextCharFormat(normal)
        selected.setBackground(self.theme.selection)
        ghost_fmt = QTextCharFormat()
        ghost_fmt.setForeground(self.theme.ghost)
        ghost_fmt.setFontItalic(True)
        pieces: list[tuple[int, int]] = [(0, len(text))]
        if selection is not None:
            s, e = max(0, selection[0]), min(len(text), selection[1])
            pieces = [(0, s), (s, e), (e, len(text))]
        placed = False
        for k, (a, b) in enumerate(pieces):
            fmt = selected if (selection is not None and k == 1) else normal
            if not placed and a <= self.cursor_pos <= b:
                placed = True
                cur.insertText(text[a : self.cursor_pos], fmt)
                if ghost:
                    cur.insertText(ghost, ghost_fmt)
                cur.insertText(text[self.cursor_pos : b], fmt)
            else:
                cur.insertText(text[a:b], fmt)
        caret = QTextCursor(doc)
        caret.setPosition(self.cursor_pos)
        self.setTextCursor(caret)
        self.ensureCursorVisible()
        self.viewport().update()

    def caret_rect(self) -> QRect:
        """Return the caret's rectangle in viewport coordinates."""
        caret = QTextCursor(self.document())
        caret.setPosition(min(self.cursor_pos, self.document().characterCount() - 1))
        r = self.cursorRect(caret)
        return QRect(r.left() - 1, r.top(), 3, r.height())

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        """Paint the text, then a thick, always-visible caret."""
        super().paintEvent(event)
        p = QPainter(self.viewport())
        p.fillRect(self.caret_rect(), QColor(self.theme.caret))
        p.end()
