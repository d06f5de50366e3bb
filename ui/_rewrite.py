"""The rewrite panel: the selected text, the instruction and the candidates with a word diff."""

from __future__ import annotations

import html
from collections.abc import Sequence

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from bci_input.language import WordDiff
from bci_input.speller import Target

from ._theme import Theme

__all__ = ["RewritePanel", "diff_html"]


def diff_html(diff: WordDiff, theme: Theme) -> str:
    """Return HTML of a rewrite's word diff: the words it deleted struck out in red, those it inserted in green.

    Parameters
    ----------
    diff : WordDiff
        The ``(tag, old, new)`` operations the language model computed (:attr:`~bci_input.language.Rewrite.diff`).
    theme : Theme
        Gives the colours.

    Returns
    -------
    str
        Rich text for a ``QLabel``; the words are HTML-escaped.
    """
    parts: list[str] = []
    for tag, old, ins in diff:
        if tag == "equal":
            parts.append(html.escape(ins))
        if tag in ("delete", "replace") and old:
            parts.append(f"<s style='color:{theme.bad.name()}'>{html.escape(old)}</s>")
        if tag in ("insert", "replace") and ins:
            parts.append(f"<b style='color:{theme.ok.name()}'>{html.escape(ins)}</b>")
    return " ".join(parts)


class RewritePanel(QFrame):
    """Shows where the rewrite flow is; hidden on the main page."""

    _STEPS = {
        "rewrite_select": "1 · Select the sentence or paragraph to rewrite",
        "rewrite_instruction": "2 · Choose how to rewrite it",
        "rewrite_freetext": "2 · Spell your instruction, then ✓ rewrite",
        "rewrite_wait": "3 · Asking the language model…",
        "rewrite_candidates": "3 · Pick a candidate, or reject",
    }

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("panel")
        self.theme = theme
        self.step = QLabel("")
        self.step.setStyleSheet("font-size: 17px; font-weight: 600;")
        self.original = QLabel("")
        self.original.setWordWrap(True)
        self.original.setStyleSheet("font-size: 18px;")
        self.candidates = QLabel("")
        self.candidates.setStyleSheet("font-size: 21px;")
        self.candidates.setWordWrap(True)
        self.candidates.setTextFormat(Qt.TextFormat.RichText)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(14, 10, 14, 10)
        for w in (self.step, self.original, self.candidates):
            lay.addWidget(w)
        self.setVisible(False)

    def show_state(self, page: str, selected: str, targets: Sequence[Target], instruction: str = "") -> None:
        """Update from the speller's page, the selected text, the page's targets and a free-text instruction."""
        if page not in self._STEPS:
            self.setVisible(False)
            return
        self.setVisible(True)
        self.step.setText(self._STEPS[page])
        sel = selected.strip() or "(nothing selected yet)"
        self.original.setText(f"Selected: “{sel}”")
        cands = [t for t in targets if t.kind == "rewrite"]
        if page == "rewrite_freetext":
            shown = html.escape(instruction) if instruction else "<i>(spell it with the letters below)</i>"
            self.candidates.setText(f"Instruction: “{shown}<span style='color:{self.theme.accent.name()}'>▏</span>”")
        elif page == "rewrite_candidates" and not cands:
            self.candidates.setText("No candidate for this instruction. Reject and try another.")
        elif cands:
            rows = [f"<p><b>{k + 1}.</b> {diff_html(t.diff, self.theme) if t.diff else html.escape(t.value)}</p>"
                    for k, t in enumerate(cands)]
            self.candidates.setText("".join(rows))
        else:
            self.candidates.setText("")
