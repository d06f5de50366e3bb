"""Render docs/img/app-p300-numbers.png and docs/img/app-high-contrast.png: the pages reached with intents only.

Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python docs/scripts/keyboard_screenshots.py``. Each window gets a
fresh data folder (``BCI_INPUT_HOME``), so no autosave of this machine is read or written.
"""

from __future__ import annotations

import os
import sys
import tempfile

from PyQt6.QtWidgets import QApplication

SHOTS = (
    # mode, text already written, targets selected, high contrast, output
    ("p300", "Amendment 12 to Article 3(2): replace ", ("cmd:numbers_page",), False, "docs/img/app-p300-numbers.png"),
    ("scan", "Dear Dr. Martin,\nThank you. ", (), True, "docs/img/app-high-contrast.png"),
)


def main() -> None:
    """Render every shot; fail if a label does not fit its cell."""
    app = QApplication(sys.argv[:1])
    from bci_input.ui._app import AppOptions, build_app

    from bci_input.document import InsertText
    from bci_input.settings import merge_settings

    for mode, text, targets, high_contrast, out in SHOTS:
        os.environ["BCI_INPUT_HOME"] = tempfile.mkdtemp()
        window, ctrl = build_app(AppOptions(board="none", lm="wordfreq", mode=mode))
        window.resize(1280, 860)
        if high_contrast:
            window.apply_settings(merge_settings(window.settings, {"ui": {"high_contrast": True, "font_size": 30}}))
        window.show()
        ctrl.document.apply(InsertText(text))
        for tid in targets:
            ctrl.speller.select(tid)
        for _ in range(30):
            app.processEvents()
        clipped = window.keyboard.clipped_labels()
        if clipped:
            raise SystemExit(f"labels do not fit: {clipped}")
        window.grab().save(out)
        print(f"wrote {out}")
        window.close()
        ctrl.shutdown()


if __name__ == "__main__":
    main()
