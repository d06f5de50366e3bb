"""Dialogs, rewrite panel, main-window preferences and stimulus events (crash recovery: test_ui_recovery.py)."""

from __future__ import annotations

import dataclasses

import pytest
from bci_input.ui._app import AppOptions, build_app
from bci_input.ui._dialogs import AccessibilityDialog, SessionSetupDialog, available_boards
from bci_input.ui._rewrite import RewritePanel, diff_html
from bci_input.ui._theme import theme_for
from bci_input.ui._window import MainWindow

from bci_input.calibration import load_profile_settings
from bci_input.document import Document
from bci_input.language import LanguageRequest, Rewrite, RewriteText, WordFreqModel, ask, word_diff
from bci_input.settings import PROFILE_KEYS, Settings, UiSettings
from bci_input.speller import Speller


def test_session_setup_dialog_validates(qtbot) -> None:
    dlg = SessionSetupDialog(Settings(), "default")
    qtbot.addWidget(dlg)
    assert {"synthetic", "simulated", "cyton"} <= set(available_boards())
    dlg.board.setCurrentText("cyton")
    dlg.serial_port.setText("/dev/ttyUSB0")
    dlg.paradigm.setCurrentText("p300")
    dlg.profile.setCurrentText("alice")
    settings, profile = dlg.values()
    assert settings.acquisition.board == "cyton" and settings.acquisition.serial_port == "/dev/ttyUSB0"
    assert settings.speller.paradigm == "p300" and profile == "alice"
    dlg.backend.setCurrentText("http")  # without an endpoint: refused with the reason, dialog stays open
    dlg.accept()
    assert "endpoint_url" in dlg.error.text() and dlg.result() == 0
    dlg.endpoint.setText("http://127.0.0.1:8080/v1")
    dlg.accept()
    assert dlg.result_settings is not None and dlg.result_settings.language.backend == "http"


def test_accessibility_dialog_persists_per_profile(qtbot) -> None:
    window, ctrl = build_app(AppOptions(board="none", lm="none", profile="bob"))
    qtbot.addWidget(window)
    dlg = AccessibilityDialog(ctrl.settings)
    qtbot.addWidget(dlg)
    dlg.flicker_color.setText("white")
    dlg.accept()
    assert "colour" in dlg.error.text() and dlg.result_settings is None
    dlg.flicker_color.setText("#ffee00")
    dlg.font_size.setValue(40)
    dlg.high_contrast.setChecked(True)
    dlg.switch_preset.setCurrentText("two-switch")
    dlg.accept()
    ctrl.shell.apply_settings(dlg.result_settings)
    stored = load_profile_settings("bob")
    chosen = dlg.result_settings
    assert stored == {sec: {k: getattr(getattr(chosen, sec), k) for k in keys} for sec, keys in PROFILE_KEYS.items()}
    assert stored["ui"]["font_size"] == 40 and stored["speller"]["switch_preset"] == "two-switch"
    assert load_profile_settings("default") == {}
    assert ctrl.settings.speller.switch_preset == "two-switch"
    assert window.editor.font().pointSize() == 40
    assert window.flicker.theme.stim_on.name() == "#ffee00" and window.flicker.theme.window.name() == "#000000"
    window.close()


def test_rewrite_panel_shows_the_diff(qtbot) -> None:
    theme = theme_for(UiSettings())
    html = diff_html(word_diff("i has a question", "I have a question"), theme)
    assert "<s" in html and "has" in html and "have" in html and "question" in html
    assert diff_html(word_diff("a <b>", "a <i>"), theme).count("&lt;") == 2  # the words are escaped
    panel = RewritePanel(theme)
    qtbot.addWidget(panel)
    panel.show_state("main", "", [])
    assert not panel.isVisible()
    panel.show()
    panel.show_state("rewrite_candidates", "i has a question", [])
    assert "No candidate" in panel.candidates.text()


def test_rewrite_panel_shows_the_diff_the_backend_computed(qtbot) -> None:
    """The rewrite's diff travels from the model's answer through the speller's targets to the panel, unchanged."""
    theme = theme_for(UiSettings())
    asked: list[tuple[LanguageRequest, int]] = []
    doc = Document("i has a question")
    speller = Speller(doc, None, "ssvep", lm_mode="async", request_language=lambda r, rev: asked.append((r, rev)))
    for t in ("cmd:menu", "cmd:rewrite_menu", "cmd:select_sentence", "cmd:rewrite_next", "instr:fix_grammar"):
        speller.select(t)
    request, revision = asked[-1]
    assert isinstance(request, RewriteText) and request.text == "i has a question"
    answer = ask(WordFreqModel(), request, revision=revision)
    shipped = answer.value[0].diff
    assert shipped and any(tag != "equal" for tag, _, _ in shipped)
    # A backend may diff more coarsely than a fresh word diff would: the panel shows what it was given.
    coarse = Rewrite("I have a question", (("replace", "i has a question", "I have a question"),))
    speller.on_language_answer(dataclasses.replace(answer, value=[answer.value[0], coarse]))
    layout = speller.layout
    assert layout.page == "rewrite_candidates"
    assert [t.diff for t in layout.targets if t.kind == "rewrite"] == [shipped, coarse.diff]

    window = MainWindow(Settings(), "ssvep")
    qtbot.addWidget(window)
    window.show()
    window.show_layout(layout, doc.selected_text)
    shown = window.rewrite.candidates.text()
    assert window.rewrite.isVisible()
    assert diff_html(shipped, theme) in shown
    assert f"<s style='color:{theme.bad.name()}'>i has a question</s>" in shown
    assert f"<b style='color:{theme.ok.name()}'>I have a question</b>" in shown
    window.close()


def test_window_shows_each_paradigm(qtbot) -> None:
    window = MainWindow(Settings(), "ssvep")
    qtbot.addWidget(window)
    for paradigm in ("p300", "scan", "ssvep"):
        window.set_paradigm(paradigm)
        speller = Speller(Document("hello"), None, paradigm)
        window.show_layout(speller.layout)
        assert window.stack.currentWidget() is window.keyboard
        assert len(window.keyboard.targets) == speller.layout.n_targets
        assert window.mode_badge.text() == paradigm.upper()


def test_stimulus_events_drive_p300_and_scan(qtbot) -> None:
    window, ctrl = build_app(AppOptions(board="none", lm="none", mode="p300"))
    qtbot.addWidget(window)
    window.show()
    lay = ctrl.speller.layout
    ids = [lay.targets[i].id for i in lay.groups[0]]
    with qtbot.waitSignal(window.p300.flashed, timeout=60_000):
        ctrl.bridge.on_stimulus({"type": "flash", "t": 0.0, "group": lay.groups[0], "targets": ids})
    assert window.p300.flashing == frozenset(ids)
    qtbot.waitUntil(lambda: window.p300.flashing == frozenset(), timeout=60_000)  # flashes end by themselves
    ctrl.bridge.on_stimulus({"type": "highlight", "t": 0.0, "targets": ids[:2]})
    qtbot.waitUntil(lambda: window.scan.highlighted == frozenset(ids[:2]), timeout=60_000)
    ctrl.bridge.on_stimulus({"type": "highlight_off", "t": 0.0})
    qtbot.waitUntil(lambda: window.scan.highlighted == frozenset(), timeout=60_000)
    window.close()


@pytest.mark.parametrize("name", ["save", "new_document", "open_recent"])
def test_app_commands(qtbot, tmp_path, name) -> None:
    window, ctrl = build_app(AppOptions(board="none", lm="none"))
    qtbot.addWidget(window)
    ctrl.documents_dir = tmp_path
    ctrl.speller.select("char:H")
    saved = ctrl.cmd_save()
    assert saved.read_text(encoding="utf-8").startswith("H")
    if name == "new_document":
        ctrl.cmd_new_document()
        assert ctrl.document.text == "" and ctrl.speller.document is ctrl.document
    if name == "open_recent":
        ctrl.cmd_new_document()
        assert ctrl.cmd_open_recent() == saved and ctrl.document.text.startswith("H")
    window.close()


def test_session_setup_rebuilds_the_session_in_place(qtbot) -> None:
    import dataclasses

    window, ctrl = build_app(AppOptions(board="none", lm="none", mode="ssvep"))
    qtbot.addWidget(window)
    ctrl.speller.select("char:H")
    base = Settings()
    settings = dataclasses.replace(base, speller=dataclasses.replace(base.speller, paradigm="scan"),
                                   acquisition=dataclasses.replace(base.acquisition, board="none"))
    ctrl.shell.apply_setup(settings, "carol")
    assert ctrl.paradigm == "scan" and window.keyboard is window.scan
    assert ctrl.document.text == "H" and ctrl.speller.paradigm == "scan"
    assert any(t.id == "scan:back" for t in window.scan.targets)
    window.close()


def test_autosave_failure_is_visible_and_text_stays(qtbot, tmp_path) -> None:
    from bci_input.ui._controller import AppController

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")  # the autosave folder cannot be created: writes fail
    window = MainWindow(Settings(), "ssvep")
    qtbot.addWidget(window)
    ctrl = AppController(window, documents_dir=tmp_path / "docs", autosave_dir=blocker / "autosave")
    ctrl.speller.select("char:A")
    qtbot.waitUntil(lambda: "autosave failed" in window.status.autosave.text(), timeout=60_000)
    assert ctrl.document.text == "A"  # typing goes on in memory
    ctrl.shutdown()


def test_ghost_text_is_accepted_word_by_word(qtbot) -> None:
    from bci_input._types import Intent, IntentKind

    window, ctrl = build_app(AppOptions(board="none", lm="none"))
    qtbot.addWidget(window)
    from bci_input.language import Answer

    for tid in ("cmd:shift", "char:h", "char:i", "char:space"):  # lower case instead of the automatic capital
        ctrl.speller.select(tid)
    answer = Answer([("how are you", 0.9)], ctrl.document.revision, 0.0, "test", kind="complete_phrase")
    ctrl.speller.on_language_answer(answer, "complete_phrase")
    ctrl._refresh()
    assert ctrl.ghost_text() == "how are you"
    assert window.editor.toPlainText() == "hi how are you"  # shown inline, not in the document
    assert ctrl.document.text == "hi "
    ctrl.handle_intent(Intent(IntentKind.COMMAND, "accept_word"))
    assert ctrl.document.text == "hi how "
    window.close()


def test_calibration_wizard_opens_from_the_session_menu(qtbot) -> None:
    window, ctrl = build_app(AppOptions(board="none", lm="none"))
    qtbot.addWidget(window)
    window.calibration_requested.emit()
    wiz = ctrl.shell.wizard
    assert wiz is not None and wiz.isVisible()
    qtbot.addWidget(wiz)
    window.close()
    assert ctrl.shell.wizard is None
