"""Hands-free audit: a whole writing session driven by decoded intents alone, ending in a PDF.

Intents are injected on a worker thread into the bridge, exactly where the engine delivers them; no mouse
or keyboard event reaches the editor (an event filter proves it). The final PDF is read back with pypdf.
"""

from __future__ import annotations

import re
import threading

import pytest
from bci_input.ui._controller import AppController
from bci_input.ui._prefs import AccessibilityPrefs
from bci_input.ui._window import MainWindow
from PyQt6.QtCore import QEvent, QObject

from bci_input._types import Intent, IntentKind, Modality
from bci_input.language import WordFreqModel

pypdf = pytest.importorskip("pypdf")

_INPUT_EVENTS = {QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease, QEvent.Type.MouseButtonDblClick,
                 QEvent.Type.KeyPress, QEvent.Type.KeyRelease, QEvent.Type.Wheel, QEvent.Type.InputMethod}


class _InputSpy(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[QEvent.Type] = []

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() in _INPUT_EVENTS:
            self.seen.append(event.type())
        return False


@pytest.fixture
def app_session(qtbot, tmp_path):
    window = MainWindow(AccessibilityPrefs(dwell_s=0.0), "ssvep")
    qtbot.addWidget(window)
    ctrl = AppController(window, language_model=WordFreqModel(), paradigm="ssvep", documents_dir=tmp_path / "docs",
                         autosave_dir=tmp_path / "autosave", board_name="test")
    window.show()
    yield window, ctrl
    ctrl.shutdown()


def _send(qtbot, ctrl: AppController, intent: Intent) -> None:
    """Deliver ``intent`` from another thread, as the engine does, and wait until the GUI thread handled it."""
    before = ctrl.intents_handled
    t = threading.Thread(target=ctrl.bridge.on_intent, args=(intent,))
    t.start()
    t.join(5)
    qtbot.waitUntil(lambda: ctrl.intents_handled == before + 1, timeout=5000)


def _select(qtbot, ctrl: AppController, target_id: str) -> None:
    _send(qtbot, ctrl, Intent(IntentKind.SELECT, target_id, confidence=0.95, modality=Modality.SSVEP))


def _command(qtbot, ctrl: AppController, name: str) -> None:
    _send(qtbot, ctrl, Intent(IntentKind.COMMAND, name, modality=Modality.SSVEP))


def _type(qtbot, ctrl: AppController, text: str) -> None:
    for ch in text:
        _select(qtbot, ctrl, "char:space" if ch == " " else f"char:{ch}")


def _find(ctrl: AppController, kind: str, value: str | None = None):
    for t in ctrl.speller.layout.targets:
        if t.kind == kind and (value is None or t.value == value):
            return t
    return None


@pytest.mark.slow
def test_handsfree_session_ends_in_a_pdf(qtbot, app_session, tmp_path) -> None:
    window, ctrl = app_session
    spy = _InputSpy()
    for w in (window.editor, window.editor.viewport()):
        w.installEventFilter(spy)

    # 1. type a sentence
    _type(qtbot, ctrl, "i has a question. please he")
    assert ctrl.document.text == "i has a question. please he"
    # 2. accept a word suggestion (a first-class target on the keyboard)
    qtbot.waitUntil(lambda: _find(ctrl, "word", "help") is not None, timeout=5000)
    _select(qtbot, ctrl, _find(ctrl, "word", "help").id)
    assert ctrl.document.text == "i has a question. please help "
    assert "please help" in window.editor.toPlainText()
    # 3. undo it (the undo gesture)
    _send(qtbot, ctrl, Intent(IntentKind.UNDO, None, modality=Modality.EMG))
    assert ctrl.document.text == "i has a question. please he"
    _type(qtbot, ctrl, "lp.")
    # 4. rewrite the previous sentence: select it by intents, pick an instruction, see candidates with the diff
    _command(qtbot, ctrl, "rewrite_menu")
    assert ctrl.speller.layout.page == "rewrite_select" and window.rewrite.isVisible()
    _select(qtbot, ctrl, "cmd:select_sentence")
    assert ctrl.document.selected_text == "please help."
    _select(qtbot, ctrl, "cmd:select_sentence")
    assert ctrl.document.selected_text == "i has a question."
    _select(qtbot, ctrl, "cmd:rewrite_next")
    assert ctrl.speller.layout.page == "rewrite_instruction"
    _select(qtbot, ctrl, "instr:fix_grammar")
    qtbot.waitUntil(lambda: ctrl.speller.layout.page == "rewrite_candidates", timeout=5000)
    cand = _find(ctrl, "rewrite")
    assert cand is not None and cand.value.startswith("I has")
    assert "<s" in window.rewrite.candidates.text() and "I</b>" in window.rewrite.candidates.text()
    # 5. accept it
    _select(qtbot, ctrl, cand.id)
    assert ctrl.document.text == "I has a question. please help."
    assert not window.rewrite.isVisible()
    # 6. export to PDF (with .txt and .md alongside)
    _command(qtbot, ctrl, "export")
    pdf = ctrl.last_export["pdf"]
    assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF")
    words = " ".join(page.extract_text() for page in pypdf.PdfReader(str(pdf)).pages)
    assert re.sub(r"\s+", " ", words).startswith("I has a question. please help.")
    assert ctrl.last_export["txt"].read_text(encoding="utf-8") == "I has a question. please help.\n"

    assert spy.seen == []  # nothing but intents drove the session
    assert ctrl.autosaver is not None and ctrl.autosaver.flush()
    assert ctrl.autosaver.versions()[0].text == "I has a question. please help."
