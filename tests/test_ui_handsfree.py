"""Hands-free audit: a whole writing session driven by decoded intents alone, ending in a PDF.

Intents are injected on a worker thread into the bridge, exactly where the engine delivers them. The session
starts with recovered text from a crash (discarded from the menu) and ends by closing a caregiver's dialog from
the menu. An application-wide event filter records every mouse, key, wheel and input-method event and a watchdog
every modal window; a self-check proves both see a synthetic click and a modal dialog. The final PDF is read back
with pypdf.
"""

from __future__ import annotations

import re
import threading

import pytest
from _intents import HandsFreeGuard, menu
from bci_input.ui._controller import AppController
from bci_input.ui._dialogs import SessionSetupDialog
from bci_input.ui._recovery import open_with_recovery, recoverable_texts
from bci_input.ui._window import MainWindow

from bci_input._types import Intent, IntentKind, Modality
from bci_input.document import Autosaver, Document, InsertText
from bci_input.language import WordFreqModel
from bci_input.settings import Settings, merge_settings

pypdf = pytest.importorskip("pypdf")


@pytest.fixture
def app_session(qtbot, tmp_path):
    crashed = Autosaver(tmp_path / "autosave", threaded=False)  # a session that died, leaving its autosave
    doc = Document()
    crashed.attach(doc)
    doc.apply(InsertText("a draft from before the crash"))
    document, offers = open_with_recovery(recoverable_texts(tmp_path / "autosave"), None)
    window = MainWindow(merge_settings(Settings(), {"speller": {"dwell_s": 0.0}}), "ssvep")
    qtbot.addWidget(window)
    ctrl = AppController(window, document=document, language_model=WordFreqModel(), paradigm="ssvep",
                         documents_dir=tmp_path / "docs", autosave_dir=tmp_path / "autosave", board_name="test",
                         recovery=offers)
    window.show()
    yield window, ctrl
    ctrl.shutdown()


def _send(qtbot, ctrl: AppController, intent: Intent) -> None:
    """Deliver ``intent`` from another thread, as the engine does, and wait until the GUI thread handled it."""
    before = ctrl.intents_handled
    t = threading.Thread(target=ctrl.bridge.on_intent, args=(intent,))
    t.start()
    t.join(60)
    qtbot.waitUntil(lambda: ctrl.intents_handled == before + 1, timeout=60_000)


def _select(qtbot, ctrl: AppController, target_id: str) -> None:
    _send(qtbot, ctrl, Intent(IntentKind.SELECT, target_id, confidence=0.95, modality=Modality.SSVEP))


def _command(qtbot, ctrl: AppController, name: str) -> None:
    _send(qtbot, ctrl, Intent(IntentKind.COMMAND, name, modality=Modality.SSVEP))


def _type(qtbot, ctrl: AppController, text: str) -> None:
    for ch in text:
        tid = "char:space" if ch == " " else f"char:{ch}"
        for _ in range(3):  # the shift key: lower case instead of an automatic capital, shift, caps lock
            if ctrl.speller.layout.get(tid) is not None:
                break
            _select(qtbot, ctrl, "cmd:shift")
        _select(qtbot, ctrl, tid)


def _find(ctrl: AppController, kind: str, value: str | None = None):
    for t in ctrl.speller.layout.targets:
        if t.kind == kind and (value is None or t.value == value):
            return t
    return None


@pytest.mark.slow
def test_handsfree_session_ends_in_a_pdf(qtbot, app_session, tmp_path) -> None:
    window, ctrl = app_session
    spy = HandsFreeGuard(ctrl).install()
    spy.self_check(qtbot, window.editor.viewport())  # the detectors see a click and a modal dialog

    # 0. the recovered text opened by itself, with its line; discard it from the menu
    assert ctrl.document.text == "a draft from before the crash" and window.recovery_line.isVisible()
    menu(qtbot, ctrl, "recovery_discard")
    assert ctrl.document.text == "" and not window.recovery_line.isVisible()
    # 1. type a sentence
    _type(qtbot, ctrl, "i dont know. please he")
    assert ctrl.document.text == "i dont know. please he"
    # 2. accept a word suggestion (a first-class target on the keyboard)
    qtbot.waitUntil(lambda: _find(ctrl, "word", "help") is not None, timeout=60_000)
    _select(qtbot, ctrl, _find(ctrl, "word", "help").id)
    assert ctrl.document.text == "i dont know. please help "
    assert "please help" in window.editor.toPlainText()
    # 3. undo it (the undo gesture)
    _send(qtbot, ctrl, Intent(IntentKind.UNDO, None, modality=Modality.EMG))
    assert ctrl.document.text == "i dont know. please he"
    _type(qtbot, ctrl, "lp.")
    # 4. rewrite the previous sentence: select it by intents, pick an instruction, see candidates with the diff
    _command(qtbot, ctrl, "rewrite_menu")
    assert ctrl.speller.layout.page == "rewrite_select" and window.rewrite.isVisible()
    _select(qtbot, ctrl, "cmd:select_sentence")
    assert ctrl.document.selected_text == "please help."
    _select(qtbot, ctrl, "cmd:select_sentence")
    assert ctrl.document.selected_text == "i dont know."
    _select(qtbot, ctrl, "cmd:rewrite_next")
    assert ctrl.speller.layout.page == "rewrite_instruction"
    _select(qtbot, ctrl, "instr:fix_grammar")
    qtbot.waitUntil(lambda: ctrl.speller.layout.page == "rewrite_candidates", timeout=60_000)
    cand = _find(ctrl, "rewrite")
    assert cand is not None and cand.value.startswith("I don't")
    assert "<s" in window.rewrite.candidates.text() and "t</b>" in window.rewrite.candidates.text()
    # 5. accept it
    _select(qtbot, ctrl, cand.id)
    assert ctrl.document.text == "I don't know. please help."
    assert not window.rewrite.isVisible()
    # 6. export to PDF (with .txt and .md alongside)
    _command(qtbot, ctrl, "export")
    pdf = ctrl.last_export["pdf"]
    assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF")
    words = " ".join(page.extract_text() for page in pypdf.PdfReader(str(pdf)).pages)
    assert re.sub(r"\s+", " ", words).startswith("I don't know. please help.")
    assert ctrl.last_export["txt"].read_text(encoding="utf-8") == "I don't know. please help.\n"

    # 7. a dialog a caregiver left open is closed from the menu
    dlg = ctrl.show_dialog(SessionSetupDialog(Settings(), "default", window))
    assert dlg.isVisible()
    menu(qtbot, ctrl, "close_dialog")
    assert not dlg.isVisible() and ctrl.dialogs.open_dialogs == []

    spy.remove()
    assert spy.seen == [] and spy.modals == []  # nothing but intents drove the session, nothing modal waited
    assert ctrl.autosaver is not None and ctrl.autosaver.flush()
    assert ctrl.autosaver.versions()[0].text == "I don't know. please help."
