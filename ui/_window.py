"""The main window: header, document view, rewrite panel, the stimulus keyboard and the status bar.

A pure view: it shows the speller's layout and the document, and emits what the caregiver does with the
mouse (menus, developer clicks). The controller (:mod:`bci_input.ui._controller`) decides everything else.
"""

from __future__ import annotations

from PyQt6.QtCore import Qt, QTimer, pyqtSignal
from PyQt6.QtGui import QAction, QCloseEvent
from PyQt6.QtWidgets import QHBoxLayout, QLabel, QMainWindow, QStackedWidget, QVBoxLayout, QWidget

from bci_input.settings import Settings
from bci_input.speller import Layout

from ._editor import DocumentView
from ._flicker import FlickerGrid
from ._grid import TargetGrid
from ._keyboards import P300Grid, ScanKeyboard
from ._rewrite import RewritePanel
from ._status import StatusPanel
from ._theme import stylesheet, theme_for

__all__ = ["MainWindow", "PAGE_TITLES"]

PAGE_TITLES = {
    "main": "Keyboard", "numbers": "Numbers and marks", "accents": "Accented letters",
    "menu": "Commands", "rewrite_select": "Rewrite · select",
    "rewrite_instruction": "Rewrite · instruction", "rewrite_freetext": "Rewrite · your instruction",
    "rewrite_wait": "Rewrite · waiting", "rewrite_candidates": "Rewrite · candidates",
    "confirm": "Confirm with a clench", "paused": "Paused",
}
_MODE_NAMES = {"ssvep": "SSVEP", "p300": "P300", "scan": "SCAN"}


class MainWindow(QMainWindow):
    """The app's window.

    Signals
    -------
    closing()
        The window is closing (the controller shuts the session down).
    setup_requested(), prefs_requested(), calibration_requested()
        The caregiver opened the session setup, accessibility or calibration dialog.
    scope_toggled(bool), developer_toggled(bool)
        The scope window or developer mode was switched.

    Parameters
    ----------
    settings : Settings
        The session settings (sizes and colours come from ``settings.ui``).
    paradigm : str
        ``'ssvep'``, ``'p300'`` or ``'scan'``.
    """

    closing = pyqtSignal()
    setup_requested = pyqtSignal()
    prefs_requested = pyqtSignal()
    calibration_requested = pyqtSignal()
    scope_toggled = pyqtSignal(bool)
    developer_toggled = pyqtSignal(bool)

    def __init__(self, settings: Settings, paradigm: str = "ssvep") -> None:
        super().__init__()
        self.setWindowTitle("bci-input")
        self.resize(1280, 860)
        self.settings = settings
        self.theme = theme_for(settings.ui)
        central = QWidget()
        central.setObjectName("central")
        self.setCentralWidget(central)
        outer = QVBoxLayout(central)
        outer.setContentsMargins(16, 12, 16, 8)
        outer.setSpacing(10)

        header = QHBoxLayout()
        self.title = QLabel("bci-input")
        self.title.setStyleSheet("font-size: 20px; font-weight: 700;")
        self.mode_badge = QLabel("SSVEP")
        self.mode_badge.setObjectName("modeBadge")
        self.page_label = QLabel("Keyboard")
        self.page_label.setObjectName("title")
        self.hint = QLabel("")
        self.hint.setObjectName("title")
        self.hint.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        header.addWidget(self.title)
        header.addSpacing(10)
        header.addWidget(self.mode_badge)
        header.addSpacing(10)
        header.addWidget(self.page_label)
        header.addStretch(1)
        header.addWidget(self.hint)
        outer.addLayout(header)

        self.recovery_line = QLabel("")
        self.recovery_line.setObjectName("title")
        self.recovery_line.setWordWrap(True)
        self.recovery_line.setVisible(False)
        outer.addWidget(self.recovery_line)
        self.editor = DocumentView(self.theme)
        self.editor.setMinimumHeight(150)
        outer.addWidget(self.editor, 2)
        self.rewrite = RewritePanel(self.theme)
        outer.addWidget(self.rewrite)
        self.message = QLabel("")
        self.message.setObjectName("title")
        self.message.setVisible(False)
        outer.addWidget(self.message)

        self.flicker = FlickerGrid(settings.ui)
        self.p300 = P300Grid(settings.ui)
        self.p300.grid_columns = 8
        self.scan = ScanKeyboard(settings.ui)
        self.stack = QStackedWidget()
        for w in (self.flicker, self.p300, self.scan):
            self.stack.addWidget(w)
        outer.addWidget(self.stack, 3)

        self.status = StatusPanel(self.theme)
        self.setStatusBar(self.status)
        self._build_menu()
        # Dropped flicker frames reach the status bar twice a second (not per drop: no layout work per frame).
        self._shown_dropped = 0
        self._dropped_timer = QTimer(self)
        self._dropped_timer.timeout.connect(self._show_dropped)
        self._dropped_timer.start(500)
        self.paradigm = ""
        self.set_paradigm(paradigm)
        self.apply_settings(settings)

    def _build_menu(self) -> None:
        menu = self.menuBar().addMenu("&Session")
        setup = QAction("Session setup…", self)
        setup.triggered.connect(self.setup_requested.emit)
        prefs = QAction("Accessibility…", self)
        prefs.triggered.connect(self.prefs_requested.emit)
        calib = QAction("Calibrate…", self)
        calib.triggered.connect(self.calibration_requested.emit)
        self.scope_action = QAction("Signal scope", self, checkable=True)
        self.scope_action.toggled.connect(self.scope_toggled.emit)
        self.dev_action = QAction("Developer mode (click = attend)", self, checkable=True)
        self.dev_action.toggled.connect(self.developer_toggled.emit)
        quit_ = QAction("Quit", self)
        quit_.triggered.connect(self.close)
        for a in (setup, calib, prefs, self.scope_action, self.dev_action):
            menu.addAction(a)
        menu.addSeparator()
        menu.addAction(quit_)

    # ----------------------------------------------------------------- state
    @property
    def keyboard(self) -> TargetGrid:
        """The keyboard of the current paradigm."""
        return {"ssvep": self.flicker, "p300": self.p300, "scan": self.scan}[self.paradigm]

    def keyboards(self) -> tuple[TargetGrid, ...]:
        """All three keyboards."""
        return (self.flicker, self.p300, self.scan)

    def set_paradigm(self, paradigm: str) -> None:
        """Show the keyboard of ``paradigm``."""
        if paradigm == self.paradigm:
            return
        if self.paradigm == "ssvep":
            self.flicker.stop()
        self.paradigm = paradigm
        self.stack.setCurrentWidget(self.keyboard)
        self.mode_badge.setText(_MODE_NAMES.get(paradigm, paradigm.upper()))

    def apply_settings(self, settings: Settings) -> None:
        """Apply the ``[ui]`` settings (sizes, contrast, colours) to every widget."""
        self.settings = settings
        self.theme = theme_for(settings.ui)
        self.setStyleSheet(stylesheet(self.theme))
        # Room for the longest page title in the style's font, so a page change never clips it.
        self.page_label.ensurePolished()
        fm = self.page_label.fontMetrics()
        self.page_label.setMinimumWidth(max(fm.horizontalAdvance(t) for t in PAGE_TITLES.values()) + 24)
        self.editor.apply_theme(self.theme)
        self.rewrite.theme = self.theme
        self.status.theme = self.theme
        self.status.quality.theme = self.theme
        for k in self.keyboards():
            k.set_ui(settings.ui)

    def show_layout(self, layout: Layout, selected_text: str = "") -> None:
        """Show the speller's layout (targets, page) on the keyboard and the rewrite panel."""
        kb = self.keyboard
        if isinstance(kb, P300Grid):
            kb.grid_columns = int(getattr(layout, "columns", 8) or 8)
        kb.set_targets(layout.targets)
        page = getattr(layout, "page", "main")
        self.page_label.setText(PAGE_TITLES.get(page, page))
        extra = getattr(layout, "extra", None) or {}
        self.rewrite.show_state(page, selected_text, layout.targets, str(extra.get("instruction", "")))

    def show_document(self, text: str, cursor: int, selection: tuple[int, int] | None, ghost: str) -> None:
        """Show the document (with the ghost continuation)."""
        self.editor.show_document(text, cursor, selection, ghost)

    def show_message(self, text: str, warn: bool = False) -> None:
        """Show a one-line message under the editor."""
        color = self.theme.bad.name() if warn else self.theme.muted.name()
        self.message.setStyleSheet(f"color: {color}; font-size: 14px;")
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def show_recovery(self, text: str) -> None:
        """Show where recovered text came from and how to keep or discard it ('' hides the line)."""
        self.recovery_line.setStyleSheet(f"color: {self.theme.bad.name()}; font-size: 15px; font-weight: 600;")
        self.recovery_line.setText(text)
        self.recovery_line.setVisible(bool(text))

    def set_developer_hint(self, on: bool) -> None:
        """Show the developer-mode hint in the header."""
        self.hint.setText("Developer mode · click a target or press its key to attend it" if on else "")

    def _show_dropped(self) -> None:
        n = self.flicker.clock.dropped
        if n != self._shown_dropped:
            self._shown_dropped = n
            self.status.set_dropped(n)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt API
        """Tell the controller to shut the session down, then close."""
        self._dropped_timer.stop()
        self.closing.emit()
        super().closeEvent(event)
