"""The Qt calibration wizard drives the same session code: cues, progress, quality, results, save."""

from __future__ import annotations

from pathlib import Path

from bci_input.ui.calibration_wizard import CalibrationWizard

from bci_input.calibration import load_profile, participant_cue_handler
from bci_input.simulation import SimulatedParticipant


def test_wizard_runs_a_simulated_emg_calibration_and_saves(qtbot, tmp_path: Path) -> None:
    wiz = CalibrationWizard(lambda: SimulatedParticipant(seed=3), board="simulated",
                            on_cue=participant_cue_handler, record_dir=tmp_path)
    qtbot.addWidget(wiz)
    wiz.profile_edit.setText("wiz-1")
    wiz.paradigm_combo.setCurrentText("emg")
    assert wiz.trials_spin.value() == 10  # the paradigm's default
    wiz.trials_spin.setValue(6)
    with qtbot.waitSignal(wiz._bridge.result, timeout=60_000):
        wiz.start_button.click()
        assert wiz.pages.currentIndex() == 1
    assert wiz.pages.currentIndex() == 2
    assert "accuracy" in wiz.result_text.toPlainText()
    assert wiz.progress_bar.value() == 1000
    assert wiz.quality_table.rowCount() == len(wiz.session.source.info.ch_names)
    assert wiz.cue_label.text() in ("Rest", "Relax", "Clench and hold until the cue ends")
    with qtbot.waitSignal(wiz.finished, timeout=10_000):
        wiz.save_button.click()
    assert load_profile("wiz-1").paradigm("emg")["n_trials"] == 12
    assert (tmp_path / "wiz-1-emg.csv").exists()
    assert wiz.save_report(tmp_path / "r.html").exists()


def test_wizard_shows_a_failed_session_on_the_setup_page(qtbot) -> None:
    wiz = CalibrationWizard(lambda: SimulatedParticipant(seed=3), on_cue=participant_cue_handler)
    qtbot.addWidget(wiz)
    wiz.paradigm_combo.setCurrentText("emg")
    wiz.trials_spin.setValue(2)
    with qtbot.waitSignal(wiz._bridge.error, timeout=60_000):
        wiz.start_button.click()
    assert wiz.pages.currentIndex() == 0
    assert "Not enough clean trials" in wiz.setup_message.text()


def test_wizard_refuses_visual_paradigms_on_a_headset_before_opening_it(qtbot) -> None:
    opened = []
    wiz = CalibrationWizard(lambda: opened.append(1), board="cyton", on_cue=None)  # a real board: no participant
    qtbot.addWidget(wiz)
    for paradigm in ("ssvep", "p300"):
        wiz.paradigm_combo.setCurrentText(paradigm)
        wiz.start_button.click()
        assert wiz.pages.currentIndex() == 0
        assert "needs flickering or flashing targets" in wiz.setup_message.text()
    assert not opened  # the device was never opened for a session that cannot run
