"""Render docs/img/app-rewrite.png: the rewrite flow's candidate page, reached with intents only.

Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python docs/scripts/rewrite_screenshot.py``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from bci_input.ui._controller import AppController
from bci_input.ui._window import MainWindow
from PyQt6.QtWidgets import QApplication

from bci_input._types import Intent, IntentKind
from bci_input.document import Document
from bci_input.language import WordFreqModel
from bci_input.settings import Settings


def main(out: str = "docs/img/app-rewrite.png") -> None:
    """Drive the rewrite flow with intents and save a PNG of the window to ``out``."""
    app = QApplication(sys.argv[:1])
    window = MainWindow(Settings(), "ssvep")
    tmp = Path(tempfile.mkdtemp())
    doc = Document("Dear Sarah,\n\ni has a question about the bill. please help me")
    ctrl = AppController(window, document=doc, language_model=WordFreqModel(), documents_dir=tmp)
    window.resize(1280, 860)
    window.show()
    for name in ("rewrite_menu",):
        ctrl.handle_intent(Intent(IntentKind.COMMAND, name))
    for tid in ("cmd:select_sentence", "cmd:select_sentence", "cmd:rewrite_next", "instr:polite"):
        ctrl.handle_intent(Intent(IntentKind.SELECT, tid, confidence=0.97))
    while ctrl.speller.layout.page != "rewrite_candidates":
        app.processEvents()
    ctrl.stimulus.start("ssvep", preview=True)
    for _ in range(30):
        app.processEvents()
    window.grab().save(out)
    print(f"wrote {out}")
    ctrl.shutdown()


if __name__ == "__main__":
    main(*sys.argv[1:])
