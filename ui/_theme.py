"""Colours and fonts of the app, derived from the accessibility preferences."""

from __future__ import annotations

from dataclasses import dataclass

from PyQt6.QtGui import QColor

from bci_input.settings import UiSettings

__all__ = ["Theme", "theme_for", "stylesheet"]


@dataclass(frozen=True)
class Theme:
    """The colours every widget draws with."""

    window: QColor
    panel: QColor
    text: QColor
    muted: QColor
    accent: QColor
    highlight: QColor
    warn: QColor
    bad: QColor
    ok: QColor
    paper: QColor
    ink: QColor
    ghost: QColor
    selection: QColor
    caret: QColor
    stim_on: QColor
    stim_off: QColor
    chip: QColor
    chip_text: QColor
    word_edge: QColor
    command_edge: QColor
    font_size: int
    target_size: int


def theme_for(prefs: UiSettings) -> Theme:
    """Return the theme for the ``[ui]`` settings ``prefs`` (dark, or black/white/yellow in high contrast)."""
    if prefs.high_contrast:
        return Theme(
            window=QColor("#000000"), panel=QColor("#000000"), text=QColor("#ffffff"), muted=QColor("#e0e0e0"),
            accent=QColor("#ffff00"), highlight=QColor("#ffff00"), warn=QColor("#ffb000"), bad=QColor("#ff4040"),
            ok=QColor("#00ff66"), paper=QColor("#000000"), ink=QColor("#ffffff"), ghost=QColor("#9a9a9a"),
            selection=QColor("#0040ff"), caret=QColor("#ffff00"), stim_on=QColor(prefs.flicker_color),
            stim_off=QColor("#000000"), chip=QColor("#000000"), chip_text=QColor("#ffffff"),
            word_edge=QColor("#ffff00"), command_edge=QColor("#00ffff"),
            font_size=prefs.font_size, target_size=prefs.target_size,
        )
    return Theme(
        window=QColor("#0f1318"), panel=QColor("#171c23"), text=QColor("#e8ecf1"), muted=QColor("#8b95a3"),
        accent=QColor("#4aa3ff"), highlight=QColor("#ffd84a"), warn=QColor("#f0b429"), bad=QColor("#ef5350"),
        ok=QColor("#4caf50"), paper=QColor("#fbfaf6"), ink=QColor("#1d2228"), ghost=QColor("#a3a9b1"),
        selection=QColor("#bcd8ff"), caret=QColor("#1f6feb"), stim_on=QColor(prefs.flicker_color),
        stim_off=QColor(prefs.background_color), chip=QColor(15, 19, 24, 215), chip_text=QColor("#f4f6f8"),
        word_edge=QColor("#4aa3ff"), command_edge=QColor("#f0b429"),
        font_size=prefs.font_size, target_size=prefs.target_size,
    )


def stylesheet(theme: Theme) -> str:
    """Return the application style sheet for ``theme``."""
    t = theme
    return f"""
    QMainWindow, QDialog, QWidget#central {{ background: {t.window.name()}; color: {t.text.name()}; }}
    QLabel {{ color: {t.text.name()}; }}
    QMenuBar {{ background: {t.panel.name()}; color: {t.text.name()}; }}
    QMenuBar::item:selected, QMenu::item:selected {{ background: #2a3340; }}
    QMenu {{ background: {t.panel.name()}; color: {t.text.name()}; border: 1px solid #2a313b; }}
    QStatusBar {{ background: {t.panel.name()}; color: {t.text.name()}; border-top: 1px solid #2a313b; }}
    QStatusBar QLabel {{ padding: 0 8px; font-size: 13px; }}
    QFrame#panel {{ background: {t.panel.name()}; border-radius: 10px; }}
    QLabel#title {{ font-size: 15px; font-weight: 600; color: {t.muted.name()}; }}
    QLabel#modeBadge {{ background: {t.accent.name()}; color: #0b0e12; border-radius: 9px; padding: 2px 10px;
                        font-weight: 700; font-size: 13px; }}
    QTextEdit#editor {{ background: {t.paper.name()}; color: {t.ink.name()}; border-radius: 10px; padding: 14px;
                        border: {"2px solid " + t.muted.name() if t.paper == t.window else "none"}; }}
    QScrollBar:vertical {{ background: transparent; width: 10px; margin: 4px 2px; }}
    QScrollBar::handle:vertical {{ background: {t.muted.name()}; border-radius: 3px; min-height: 30px; }}
    QScrollBar::add-line:vertical, QScrollBar::sub-line:vertical {{ height: 0; }}
    QScrollBar::add-page:vertical, QScrollBar::sub-page:vertical {{ background: transparent; }}
    QListWidget {{ background: {t.panel.name()}; color: {t.text.name()}; border: none; font-size: 15px; }}
    QPushButton {{ background: #242b35; color: {t.text.name()}; border: 1px solid #333c48; border-radius: 6px;
                   padding: 6px 14px; }}
    QLineEdit, QComboBox, QSpinBox, QDoubleSpinBox {{ background: #1e242c; color: {t.text.name()};
                   border: 1px solid #333c48; border-radius: 4px; padding: 3px 6px; }}
    QCheckBox, QGroupBox {{ color: {t.text.name()}; }}
    """
