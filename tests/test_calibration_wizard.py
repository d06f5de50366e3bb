"""The Qt calibration wizard drives the same session code: cues, progress, quality, results, save."""

from __future__ import annotations

from pathlib import Path

from bci_input.ui.calibration_wizard import CalibrationWizard

from bci_input.calibration import load_profile, participant_cue_handler
from bci_input.settings import user_data_dir
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
    with qtbot.waitSignal(wiz.finished, timeout=60_000):
        wiz.save_button.click()
    assert load_profile("wiz-1").paradigm("emg")["n_trials"] == 12
    assert (tmp_path / "wiz-1-emg.csv").exists()
    assert wiz.save_report(tmp_path / "r.html").exists()
    wiz.report_button.click()  # no file dialog waits for a mouse: the report goes to the data folder
    assert [p.name.startswith("calibration-wiz-1-") for p in (user_data_dir() / "reports").glob("*.html")] == [True]


def test_wizard_records_other_movements_and_trains_the_pattern_switch(qtbot) -> None:
    """Ticked for an armband: the cues add other-movement trials, and the profile stores the pattern switch."""
    from bci_input.calibration._protocol import EMG_OTHER_TEXT

    wiz = CalibrationWizard(lambda: SimulatedParticipant(seed=3), board="simulated", on_cue=participant_cue_handler)
    qtbot.addWidget(wiz)
    wiz.profile_edit.setText("wiz-arm")
    assert not wiz.other_check.isEnabled()  # SSVEP first: no EMG option
    wiz.paradigm_combo.setCurrentText("emg")
    assert wiz.other_check.isEnabled()
    wiz.other_check.setChecked(True)
    wiz.trials_spin.setValue(6)
    cues: list[str] = []
    wiz._bridge.cue.connect(lambda c: cues.append(c.text))
    with qtbot.waitSignal(wiz._bridge.result, timeout=60_000):
        wiz.start_button.click()
    assert cues.count(EMG_OTHER_TEXT) >= 6  # its cue and its stimulus, each trial
    assert wiz.result.method == "pattern_switch" and wiz.result.spec.n_classes == 3
    assert "other movements" in wiz.result_text.toPlainText()
    with qtbot.waitSignal(wiz.finished, timeout=60_000):
        wiz.save_button.click()
    prof = load_profile("wiz-arm")
    assert prof.paradigm("emg")["n_trials"] == 18
    assert type(prof.decoder("emg")).__name__ == "EmgPatternSwitch"


def test_wizard_shows_a_failed_session_on_the_setup_page(qtbot) -> None:
    wiz = CalibrationWizard(lambda: SimulatedParticipant(seed=3), on_cue=participant_cue_handler)
    qtbot.addWidget(wiz)
    wiz.paradigm_combo.setCurrentText("emg")
    wiz.trials_spin.setValue(2)
    with qtbot.waitSignal(wiz._bridge.error, timeout=60_000):
        wiz.start_button.click()
    assert wiz.pages.currentIndex() == 0
    assert "Not enough clean trials" in wiz.setup_message.text()


def _simulated_wizard(qtbot, paradigm: str, trials: int) -> tuple[CalibrationWizard, list[tuple]]:
    """A wizard on the simulated participant, set up for ``paradigm``, with a probe of what it shows."""
    wiz = CalibrationWizard(lambda: SimulatedParticipant(seed=3), board="simulated", on_cue=participant_cue_handler)
    qtbot.addWidget(wiz)
    wiz.paradigm_combo.setCurrentText(paradigm)
    wiz.trials_spin.setValue(trials)
    return wiz, _probe(wiz)


def _probe(wiz: CalibrationWizard) -> list[tuple]:
    """Record what the stimulus shows right after each cue (connected after the wizard's own slot)."""
    seen: list[tuple] = []

    def look(cue) -> None:
        grid = wiz.stimulus.grid
        seen.append((cue.kind, cue.label, cue.item, wiz.stimulus.flickering, grid.selected_id,
                     tuple(sorted(getattr(grid, "flashing", ())))))

    wiz._bridge.cue.connect(look)
    return seen


def test_wizard_ssvep_calibration_flickers_the_cued_targets(qtbot, tmp_path: Path) -> None:
    wiz, seen = _simulated_wizard(qtbot, "ssvep", 4)
    with qtbot.waitSignal(wiz._bridge.result, timeout=480_000):  # ~50 s of work when idle; a hang guard
        wiz.start_button.click()
        grid = wiz.stimulus.grid
        spec = wiz.session.spec
        assert wiz.stimulus.isVisibleTo(wiz) and len(grid.targets) == len(spec.classes) == 40  # the speller's codes
        assert [t.freq for t in grid.targets] == list(spec.freqs)
    stims = [s for s in seen if s[0] == "stim" and s[1] is not None]
    assert len(stims) == 4 * 40
    look_away = [s for s in seen if s[0] == "stim" and s[1] is None]
    assert len(look_away) == 1 and look_away[0][3] and look_away[0][4] is None  # all flicker, none outlined
    for kind, label, _item, flickering, selected, _ in seen:
        if label is None and kind != "rest":
            continue  # the look-away block, checked above
        if kind == "stim":  # every target flickers, the cued one outlined
            assert flickering and selected == f"cal:{label}"
        elif kind == "cue":  # the target to look at is shown, steady
            assert not flickering and selected == f"cal:{label}"
        elif kind == "rest":
            assert not flickering and selected is None
    assert not wiz.stimulus.flickering  # stopped with the session
    assert wiz.result.metrics["accuracy"] > 0.5


def test_wizard_p300_calibration_flashes_each_cued_item(qtbot) -> None:
    wiz, seen = _simulated_wizard(qtbot, "p300", 6)
    with qtbot.waitSignal(wiz._bridge.result, timeout=120_000):
        wiz.start_button.click()
    flashes = [s for s in seen if s[0] == "flash" and s[1] is not None]
    assert len(flashes) == 6 * 8 * 6  # trials x repetitions x items
    look_away = [s for s in seen if s[0] == "flash" and s[1] is None]  # 20 s of flashes nobody attends
    assert len(look_away) == 6 * 14 and all(s[4] is None for s in look_away)
    for _kind, label, item, _f, selected, flashing in flashes:
        assert flashing == (f"cal:{item}",) and selected == f"cal:{label}"
    assert wiz.stimulus.grid.n_flashes == len(flashes) + len(look_away)


def test_calibration_stimulus_flickers_in_real_time(qtbot, tmp_path: Path) -> None:
    """The SSVEP targets really flicker on frame deadlines: luminance follows each target's own code."""
    import numpy as np
    from bci_input.ui._calibration_stimulus import CalibrationStimulus

    from bci_input.calibration import Cue, get_spec

    stim = CalibrationStimulus()
    qtbot.addWidget(stim)
    stim.resize(900, 300)
    stim.show()
    spec = get_spec("ssvep")
    stim.configure(spec)
    stim.on_cue(Cue("cue", 0.0, 1.0, 2, None, "Look"))
    assert not stim.flickering
    presented: list[tuple[int, np.ndarray]] = []  # (frame number, luminances shown), whatever the frame rate
    stim.grid.clock.frame.connect(lambda n, t: presented.append((n, stim.grid.luminances())))
    stim.on_cue(Cue("stim", 1.0, 3.0, 2, spec.codes[2], "Look"))
    qtbot.waitUntil(lambda: len(presented) >= 20, timeout=60_000)  # frames come on the real timer
    freqs = np.array([t.freq for t in stim.grid.targets])
    phases = np.array([t.phase for t in stim.grid.targets])
    for n, lum in presented:  # each frame samples every target's own code at its frame time n / 60
        np.testing.assert_allclose(lum, 0.5 * (1 + np.sin(2 * np.pi * freqs * n / 60 + phases)))
    t = np.arange(60) / 60  # over the first second of frames, then:
    lums = 0.5 * (1 + np.sin(2 * np.pi * np.outer(t, freqs) + phases))
    assert np.ptp(lums, axis=0).min() > 0.3  # every target goes light and dark
    assert not np.allclose(lums[:, 0], lums[:, 1])  # with its own frequency and phase
    stim.grid.grab().save(str(tmp_path / "ssvep-calibration.png"))
    stim.on_cue(Cue("rest", 4.0, 0.5, None, None, "Rest"))
    assert not stim.flickering and stim.grid.selected_id is None
