"""Calibration sessions on the simulated participant: recording, callbacks, training, profiles, top-up."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bci_input import BciInputError, ConfigError, ProfileError
from bci_input.calibration import (
    CalibrationSession,
    SessionCallbacks,
    get_spec,
    load_profile,
    participant_cue_handler,
    previous_epochs,
    store_result,
)
from bci_input.calibration._workflow import open_or_create_profile
from bci_input.recording import read_recording
from bci_input.simulation import SimulatedParticipant


def _session(paradigm: str, tmp_path: Path | None, seed: int = 0, trials: int = 4, snr: float = 0.6, **spec_kw):
    sim = SimulatedParticipant(seed=seed, snr=snr)
    spec = get_spec(paradigm, **spec_kw)
    seen: dict[str, list] = {"cue": [], "progress": [], "quality": [], "result": []}
    handler = participant_cue_handler(sim, spec, seed=seed)

    def on_cue(cue):
        seen["cue"].append(cue)
        handler(cue)

    cbs = SessionCallbacks(on_cue=on_cue, on_progress=lambda s, f: seen["progress"].append((s, f)),
                           on_quality=seen["quality"].append, on_result=seen["result"].append)
    rec = tmp_path / f"{paradigm}.csv" if tmp_path else None
    return CalibrationSession(sim, spec, trials_per_class=trials, seed=seed, record_path=rec, callbacks=cbs), seen


@pytest.mark.slow
def test_ssvep_session_records_markers_trains_and_beats_chance(tmp_path: Path) -> None:
    session, seen = _session("ssvep", tmp_path, n_targets=4)
    result = session.run()
    # The recorder wrote the session with one marker per stimulus onset.
    data, ts, info, events = read_recording(tmp_path / "ssvep.csv")
    assert data.shape[0] == session.recording.data.shape[0]
    codes = events[:, 1].tolist()
    assert sorted(codes) == sorted(c.code for c in session.plan if c.code is not None)
    stim_samples = events[:, 0] / info.sfreq
    planned = [c.start_s for c in session.plan if c.kind == "stim"]
    assert np.max(np.abs(np.sort(stim_samples) - np.sort(planned))) < 0.2  # within one chunk of the plan
    # Callbacks: every cue, monotone progress ending at 1, live quality, the result.
    assert len(seen["cue"]) == len(session.plan)
    fr = [f for _, f in seen["progress"]]
    assert fr[-1] == 1.0 and all(b >= a - 1e-9 for a, b in zip(fr, fr[1:], strict=False))
    assert seen["quality"] and set(seen["quality"][0]["status"]) <= {"ok", "warn", "bad"}
    assert seen["result"] == [result]
    m = result.metrics
    assert m["n_trials"] == 16 and np.asarray(m["confusion"]).sum() == 16
    assert m["accuracy"] >= m["chance_significant"], m
    assert m["ci95"][0] <= m["accuracy"] <= m["ci95"][1]
    assert result.window_s in [s["window_s"] for s in m["sweep"]]
    assert 0.5 <= result.stopping_threshold < 1.0
    eeg = session.source.info.picks("eeg")
    assert m["decoder_channels"] == [info.ch_names[i] for i in eeg]  # the engine gives the decoder EEG only
    assert result.decoder.predict_proba(result.epochs.X[:2, : int(0.5 * 256)][:, :, eeg]).shape == (2, 4)
    # The profile tells the engine which window and stopping threshold to use.
    from bci_input.calibration import engine_settings
    from bci_input.engine import EngineConfig

    prof = store_result(open_or_create_profile("ssvep-1", info, "simulated"), result)
    cfg = EngineConfig(**engine_settings(load_profile("ssvep-1"), "ssvep"))
    assert cfg.max_window_s == result.window_s and cfg.stopping_threshold == result.stopping_threshold
    assert prof.decoder("ssvep") is result.decoder


def test_emg_session_calibrates_the_switch_and_top_up_merges(tmp_path: Path) -> None:
    session, _ = _session("emg", None, trials=6)
    result = session.run()
    th = result.thresholds
    assert th["rest_level_uv"] < th["on_uv"] < th["active_level_uv"]
    assert result.metrics["accuracy"] >= 0.9 and result.metrics["false_activations_per_min"] < 1.0
    profile = open_or_create_profile("pat-1", session.source.info, "simulated")
    store_result(profile, result, session={"note": "first"})
    p = load_profile("pat-1", info=session.source.info)
    assert p.paradigm("emg")["thresholds"] == pytest.approx(th)
    # A top-up session merges with the stored epochs.
    prev = previous_epochs(p, session.spec)
    assert prev is not None and len(prev) == len(result.epochs)
    np.testing.assert_array_equal(prev.X, result.epochs.X)
    top, _ = _session("emg", None, seed=5, trials=3)
    top.previous = prev
    merged = top.run()
    assert len(merged.epochs) == len(prev) + 6
    store_result(p, merged, session={"note": "top-up"})
    q = load_profile("pat-1")
    assert q.paradigm("emg")["n_trials"] == len(prev) + 6
    assert [s["note"] for s in q.paradigm("emg")["sessions"]] == ["first", "top-up"]
    # A top-up with another protocol is refused.
    with pytest.raises(ProfileError, match="same protocol"):
        previous_epochs(q, get_spec("emg", tmax=1.5))


def test_too_few_trials_says_how_many_more() -> None:
    session, _ = _session("emg", None, trials=2)
    with pytest.raises(ConfigError, match="Not enough clean trials.*Record 3 more 'rest', 3 more 'clench'"):
        session.run()


def test_threaded_session_reports_errors_to_on_error() -> None:
    session, _ = _session("emg", None, trials=2)
    errors: list[str] = []
    session.callbacks.on_error = errors.append
    session.start()
    assert session.join(timeout=60)
    assert len(errors) == 1 and "Not enough clean trials" in errors[0]
    assert isinstance(session.error, BciInputError)


def test_simulated_participant_cannot_do_motor_imagery() -> None:
    sim = SimulatedParticipant(seed=0)
    with pytest.raises(ConfigError, match="cannot perform 'mi'"):
        participant_cue_handler(sim, get_spec("mi"))
