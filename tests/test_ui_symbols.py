"""The app writes capitals, digits and marks by intents alone in every mode, and shows them unclipped."""

from __future__ import annotations

import pytest
from _intents import HandsFreeGuard, send
from bci_input.ui._app import AppOptions, build_app

from bci_input._types import Intent, IntentKind, Modality
from bci_input.document import InsertText
from bci_input.settings import merge_settings


def _choose(qtbot, ctrl, target_id: str) -> None:
    """Select ``target_id`` as the paradigm's decoder would: scan mode descends through the groups."""
    for _ in range(6):
        lay = ctrl.speller.layout
        if lay.paradigm != "scan":
            send(qtbot, ctrl, Intent(IntentKind.SELECT, target_id, confidence=0.95, modality=Modality.SSVEP))
            return
        idx = lay.index(target_id)
        group = next((g for g in lay.groups if idx in g), None)
        if group is None:  # not in this level: step back up
            group = (lay.index("scan:back"),)
        ids = tuple(lay.targets[i].id for i in group)
        send(qtbot, ctrl, Intent(IntentKind.SELECT, ids, confidence=1.0, modality=Modality.EMG))
        if len(ids) == 1 and ids[0] == target_id:
            return
    raise AssertionError(f"{target_id} not reached")


@pytest.mark.parametrize("mode", ["ssvep", "p300", "scan"])
def test_capitals_digits_and_marks_are_typed_by_intents_in_every_mode(qtbot, mode: str) -> None:
    window, ctrl = build_app(AppOptions(board="none", lm="wordfreq", mode=mode))
    qtbot.addWidget(window)
    window.resize(1280, 860)
    window.show()
    guard = HandsFreeGuard(ctrl).install()
    try:
        ctrl.document.apply(InsertText("See "))
        _choose(qtbot, ctrl, "cmd:shift")
        assert window.keyboard.targets[0].label == "A" and not window.keyboard.clipped_labels()
        _choose(qtbot, ctrl, "char:A")
        _choose(qtbot, ctrl, "char:r")
        _choose(qtbot, ctrl, "char:t")
        _choose(qtbot, ctrl, "char:space")
        _choose(qtbot, ctrl, "cmd:numbers_page")
        assert ctrl.speller.page == "numbers" and window.page_label.text() == "Numbers and marks"
        shown = {t.label for t in window.keyboard.targets}
        assert {"€", "§", "–", "%", "(", ")", "1", "0"} <= shown
        assert window.keyboard.clipped_labels() == []
        for tid in ("char:3", "char:(", "char:2", "char:)", "char::"):
            _choose(qtbot, ctrl, tid)
        assert ctrl.speller.page == "numbers"  # the numbers page stays for a number and its marks
        _choose(qtbot, ctrl, "char:space")
        assert ctrl.document.text == "See Art 3(2): " and ctrl.speller.page == "main"
        assert window.editor.toPlainText() == "See Art 3(2): "
        assert guard.seen == [] and guard.modals == []
    finally:
        guard.remove()
        window.close()


@pytest.mark.parametrize("mode", ["ssvep", "p300", "scan"])
def test_every_typing_page_fits_its_labels_in_the_high_contrast_theme(qtbot, mode: str) -> None:
    window, ctrl = build_app(AppOptions(board="none", lm="none", mode=mode))
    qtbot.addWidget(window)
    window.resize(1280, 860)
    window.apply_settings(merge_settings(window.settings, {"ui": {"high_contrast": True, "font_size": 30}}))
    window.show()
    ctrl.document.apply(InsertText("Yes. "))
    seen = []
    for key in ("", "cmd:shift", "cmd:shift", "cmd:numbers_page", "cmd:accents_page"):
        if key:
            _choose(qtbot, ctrl, key)
        qtbot.waitUntil(lambda: len(window.keyboard.targets) == ctrl.speller.layout.n_targets, timeout=60_000)
        assert window.keyboard.clipped_labels() == [], (ctrl.speller.page, ctrl.speller.case)
        seen.append((ctrl.speller.page, ctrl.speller.case))
    assert seen[0] == ("main", "auto") and seen[-1][0] == "accents"
    labels = {t.label for t in window.keyboard.targets}
    assert {"É", "Ü", "ß"} <= labels  # accented capitals under caps lock; the sharp s has none
    window.close()
