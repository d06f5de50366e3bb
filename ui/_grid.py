"""Base widget of the three stimulus keyboards: lays out targets and paints them.

Targets are the speller's :class:`~bci_input.speller.Target` objects (duck-typed here: ``id``, ``label``,
``kind`` in ``char|word|phrase|command``, ``value``, optional ``freq`` and ``phase``). Suggestions sit on
top, characters in an aligned grid, commands at the bottom. Subclasses decide each cell's fill colour
(flicker luminance, P300 flash, scan highlight).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from PyQt6.QtCore import QPointF, QRect, QRectF, Qt, pyqtSignal
from PyQt6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPixmap,
    QResizeEvent,
)
from PyQt6.QtWidgets import QSizePolicy, QWidget

from bci_input.settings import UiSettings

from ._theme import Theme, theme_for

__all__ = ["TargetGrid", "display_label"]

_SPECIAL = {" ": "space", "\b": "⌫ del", "\n": "↵"}
_SUGGESTION_KINDS = ("word", "phrase", "abbrev")
_GAP = 8.0


def display_label(target: Any) -> str:
    """Return the text shown on a target (``'space'`` for a blank, ``'⌫ del'`` for backspace)."""
    label = str(getattr(target, "label", "") or "")
    if label.strip():
        return label
    value = getattr(target, "value", label)
    return _SPECIAL.get(str(value), str(value))


class TargetGrid(QWidget):
    """A keyboard of targets painted by hand (no child widgets, so a frame costs one paint).

    Signals
    -------
    target_clicked(object)
        The id of a target the developer clicked or whose key was pressed.

    Parameters
    ----------
    ui : UiSettings | None
        Colours and target size.
    parent : QWidget | None
        Parent widget.
    """

    target_clicked = pyqtSignal(object)

    def __init__(self, ui: UiSettings | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ui = ui or UiSettings()
        self.theme: Theme = theme_for(self.ui)
        self.targets: list[Any] = []
        self._rects: list[QRectF] = []
        self._irects: list[QRect] = []
        self._overlay: QPixmap | None = None
        self.interactive = True
        self.selected_id: Any = None
        #: Strict row-major grid with this many columns (P300 rows/columns must match the screen), or ``None``.
        self.grid_columns: int | None = None
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(480, 300)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)

    # ----------------------------------------------------------------- model
    def set_targets(self, targets: Sequence[Any]) -> None:
        """Show ``targets`` (the speller's current layout)."""
        self.targets = list(targets)
        self._relayout()
        self.update()

    def set_ui(self, ui: UiSettings) -> None:
        """Apply new ``[ui]`` settings (sizes and colours)."""
        self.ui = ui
        self.theme = theme_for(ui)
        self._relayout()
        self.update()

    def index_of(self, target_id: Any) -> int | None:
        """Return the index of the target with id ``target_id``, or ``None``."""
        for i, t in enumerate(self.targets):
            if t.id == target_id:
                return i
        return None

    def rect_of(self, target_id: Any) -> QRectF | None:
        """Return the rectangle of a target in widget coordinates."""
        i = self.index_of(target_id)
        return QRectF(self._rects[i]) if i is not None and i < len(self._rects) else None

    def target_at(self, pos: QPointF) -> Any:
        """Return the id of the target under ``pos``, or ``None``."""
        for t, r in zip(self.targets, self._rects, strict=False):
            if r.contains(pos):
                return t.id
        return None

    def target_for_key(self, event: QKeyEvent) -> Any:
        """Return the id of the target a key press names, or ``None``.

        Characters name their character target; digits 1-9 name the n-th suggestion; Backspace names the
        delete target; F1-F12 name the n-th command.
        """
        text = event.text()
        key = event.key()
        suggestions = [t for t in self.targets if t.kind in _SUGGESTION_KINDS]
        commands = [t for t in self.targets if t.kind == "command"]
        if key == Qt.Key.Key_Backspace:
            text = "\b"
        if Qt.Key.Key_F1.value <= key <= Qt.Key.Key_F12.value:
            n = key - Qt.Key.Key_F1.value
            return commands[n].id if n < len(commands) else None
        if text and text.isdigit() and text != "0":
            n = int(text) - 1
            return suggestions[n].id if n < len(suggestions) else None
        chars = [t for t in self.targets if t.kind == "char"]
        for same in (lambda v: v == text, lambda v: v.lower() == text.lower()):  # the exact character first
            for t in chars:
                if text and same(str(t.value)):
                    return t.id
        return None

    # ---------------------------------------------------------------- layout
    def _rows(self) -> list[tuple[str, list[int]]]:
        if self.grid_columns:
            c, n = self.grid_columns, len(self.targets)
            return [("grid", list(range(k, min(k + c, n)))) for k in range(0, n, c)]
        sugg = [i for i, t in enumerate(self.targets) if t.kind in _SUGGESTION_KINDS]
        chars = [i for i, t in enumerate(self.targets) if t.kind == "char"]
        cmds = [i for i, t in enumerate(self.targets) if t.kind not in (*_SUGGESTION_KINDS, "char")]
        n_cols = self.char_columns(len(chars))
        rows: list[tuple[str, list[int]]] = []
        rows += [("free", sugg[k : k + 4]) for k in range(0, len(sugg), 4)]
        rows += [("grid", chars[k : k + n_cols]) for k in range(0, len(chars), n_cols)]
        per_row = max(4, min(7, math.ceil(len(cmds) / 2))) if cmds else 1
        rows += [("free", cmds[k : k + per_row]) for k in range(0, len(cmds), per_row)]
        return rows

    @staticmethod
    def char_columns(n_chars: int) -> int:
        """Return the number of columns of the character grid for ``n_chars`` characters."""
        if n_chars <= 0:
            return 1
        return int(min(10, max(4, math.ceil(n_chars / 4))))

    def _relayout(self) -> None:
        rows = self._rows()
        self._rects = [QRectF() for _ in self.targets]
        self._irects = []
        self._overlay = None
        if not rows:
            return
        w, h = float(self.width()), float(self.height())
        row_h = min((h - _GAP * (len(rows) + 1)) / len(rows), self.ui.target_size * 1.6)
        total_h = row_h * len(rows) + _GAP * (len(rows) - 1)
        y = max(_GAP, (h - total_h) / 2)
        n_cols = self.grid_columns or self.char_columns(sum(1 for t in self.targets if t.kind == "char"))
        inner_w = w - 2 * _GAP
        for mode, idx in rows:
            slots = n_cols if mode == "grid" else len(idx)
            cell_w = (inner_w - _GAP * (slots - 1)) / max(slots, 1)
            for k, i in enumerate(idx):
                self._rects[i] = QRectF(_GAP + k * (cell_w + _GAP), y, cell_w, row_h)
            y += row_h + _GAP
        self._irects = [r.toRect() for r in self._rects]

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt API
        """Recompute the cell rectangles."""
        self._relayout()
        super().resizeEvent(event)

    # ----------------------------------------------------------------- paint
    def cell_colors(self) -> list[QColor]:
        """Return the fill colour of every cell (override in subclasses), one per target."""
        return [self.theme.stim_off] * len(self.targets)

    def emphasised(self) -> list[int]:
        """Return the indices of cells drawn with the highlight outline."""
        i = self.index_of(self.selected_id) if self.selected_id is not None else None
        return [] if i is None else [i]

    def _build_overlay(self) -> QPixmap:
        """Render the static part (kind edges and label chips) once per layout into a transparent pixmap."""
        pix = QPixmap(self.size() * self.devicePixelRatioF())
        pix.setDevicePixelRatio(self.devicePixelRatioF())
        pix.fill(Qt.GlobalColor.transparent)
        p = QPainter(pix)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        font = QFont(self.font())
        for t, r in zip(self.targets, self._rects, strict=False):
            if r.isEmpty():
                continue
            edge = {"word": self.theme.word_edge, "phrase": self.theme.word_edge, "abbrev": self.theme.word_edge,
                    "command": self.theme.command_edge}.get(t.kind)
            if edge is not None:
                if not display_label(t).strip():  # an empty suggestion slot: a faint outline only
                    edge = QColor(edge)
                    edge.setAlpha(70)
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.setPen(QPen(edge, 2))
                p.drawRect(r.adjusted(1, 1, -1, -1))
            if not display_label(t).strip():
                continue
            self._label_font(font, t)
            p.setFont(font)
            fm = p.fontMetrics()
            text = fm.elidedText(display_label(t), Qt.TextElideMode.ElideRight, int(r.width() - 20))
            tw, th = fm.horizontalAdvance(text) + 18, fm.height() + 8
            chip = QRectF(r.center().x() - tw / 2, r.center().y() - th / 2, tw, th)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(self.theme.chip)
            p.drawRoundedRect(chip, 6, 6)
            p.setPen(self.theme.chip_text)
            p.drawText(chip, Qt.AlignmentFlag.AlignCenter, text)
        p.end()
        return pix

    def _label_font(self, font: QFont, target: Any) -> None:
        """Set ``font`` to the size and weight of ``target``'s label (characters large and bold)."""
        base_pt = max(11.0, min(28.0, self.ui.target_size / 3.6))
        font.setPointSizeF(base_pt if target.kind == "char" else base_pt * 0.72)
        font.setBold(target.kind == "char")

    def clipped_labels(self) -> list[Any]:
        """Return the ids of targets whose label does not fit its cell (it would be shown elided)."""
        font = QFont(self.font())
        out = []
        for t, r in zip(self.targets, self._rects, strict=False):
            label = display_label(t)
            if not label.strip():
                continue
            self._label_font(font, t)
            fm = QFontMetrics(font)
            if r.isEmpty() or fm.horizontalAdvance(label) > r.width() - 20 or fm.height() + 8 > r.height():
                out.append(t.id)
        return out

    def invalidate(self) -> None:
        """Forget the cached overlay (after a change of targets, size or preferences)."""
        self._overlay = None

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        """Paint the cells' fills (the only per-frame work), the highlight, then the cached overlay."""
        if self._overlay is None or self._overlay.size() != self.size() * self.devicePixelRatioF():
            self._overlay = self._build_overlay()
        p = QPainter(self)
        p.fillRect(self.rect(), self.theme.window)
        for r, c in zip(self._irects, self.cell_colors(), strict=False):
            p.fillRect(r, c)
        hl = self.emphasised()
        if hl:
            p.setPen(QPen(self.theme.highlight, 5))
            p.setBrush(Qt.BrushStyle.NoBrush)
            for i in hl:
                if i < len(self._irects):
                    p.drawRect(self._irects[i].adjusted(3, 3, -3, -3))
        p.drawPixmap(0, 0, self._overlay)
        p.end()

    # ----------------------------------------------------------------- input
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        """Developer mode: a click makes the simulated participant attend the target."""
        tid = self.target_at(event.position())
        if self.interactive and tid is not None:
            self.target_clicked.emit(tid)
        super().mousePressEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        """Developer mode: a key press makes the simulated participant attend the named target."""
        tid = self.target_for_key(event) if self.interactive else None
        if tid is not None:
            self.target_clicked.emit(tid)
            return
        super().keyPressEvent(event)
