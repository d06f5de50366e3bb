"""The no-control state: looking at nothing types nothing (SSVEP and P300), on the simulated clock.

The participant is the real simulated participant, the decoders are calibrated on it as ``simulate`` calibrates
them, and the engine, speller and document are the real ones. Before the no-control state the same minute typed
14 (SSVEP) and 2 (P300) selections: the engine took the best target whenever a trial reached its time limit.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from bci_input._errors import ConfigError, ProfileError
from bci_input._types import StreamInfo
from bci_input.calibration import Profile, load_profile, save_profile
from bci_input.cli import main
from bci_input.decoding import IdleDetector, fit_p300_idle
from bci_input.engine import EngineConfig
from bci_input.simulation import run_closed_loop


@pytest.mark.parametrize("paradigm", ["ssvep", "p300"])
def test_looking_at_nothing_for_a_minute_types_nothing(paradigm: str) -> None:
    r = run_closed_loop("", paradigm, seed=3, idle_minutes=1.0)
    assert r.idle_detector is not None and r.idle_detector["kind"] == paradigm
    assert r.idle_selections <= 1
    assert r.idle_text == r.final_text == "" or r.idle_selections == 1
    assert r.idle_restarts >= 1  # trials ended undecided and restarted: the no-control state was reached


def test_the_engine_no_longer_forces_a_selection_at_the_time_limit() -> None:
    # No detector at all (a profile from before the no-control state): the trials that reach max_window_s
    # restart instead of typing their best guess. The old behaviour, kept only for comparisons, types plenty.
    # Without a detector the posterior threshold alone still passes now and then at rest (how often depends on
    # the simulated subject: 14 against 29 forced in these 2 minutes, 31 against 107 in the idle benchmark's 10).
    kept = run_closed_loop("", "ssvep", seed=3, idle=None, idle_minutes=2.0)
    forced = run_closed_loop("", "ssvep", seed=3, idle=None, idle_minutes=2.0,
                             config=EngineConfig(forced_decision=True))
    assert forced.idle_selections >= 10 and forced.idle_restarts == 0
    assert kept.idle_restarts >= 10 and kept.idle_selections <= 0.6 * forced.idle_selections


def test_writing_still_works_with_the_idle_detector() -> None:
    r = run_closed_loop("hi", "ssvep", seed=1, idle_minutes=0.5, max_minutes=3.0)
    assert r.idle_selections <= 1
    assert r.final_text == "hi"


def test_simulate_cli_idle_minutes_writes_the_figures(tmp_path, capsys) -> None:
    out = tmp_path / "idle.json"
    assert main(["simulate", "--paradigm", "p300", "--idle-minutes", "1", "--lm", "none", "--json", str(out)]) == 0
    d = json.loads(out.read_text())
    assert d["idle_minutes"] == 1.0 and d["idle_selections"] <= 1
    assert d["false_selections_per_min"] == d["idle_selections"] / 1.0
    assert d["final_text"] == d["idle_text"]
    assert "looking at nothing 1 min" in capsys.readouterr().out
    assert main(["simulate", "--paradigm", "p300", "--lm", "none"]) == 2  # neither text nor idle minutes
    assert "--idle-minutes" in capsys.readouterr().err


def test_idle_detector_is_stored_in_the_profile_and_checked_on_load(tmp_path) -> None:
    info = StreamInfo(("O1", "O2"), ("eeg", "eeg"), 250.0, name="test")
    prof = Profile.new("idle-pat", info, board="synthetic")
    prof.set_paradigm("p300", settings={"soa_s": 0.25})
    assert prof.idle_detector("p300") is None  # a profile without one loads and runs on the posterior alone
    det = fit_p300_idle(np.random.default_rng(0).normal(-1.0, 0.5, 200), operating_point=4.0)
    prof.set_idle("p300", det)
    save_profile(prof, tmp_path)
    back = load_profile("idle-pat", tmp_path).idle_detector("p300")
    assert back == det and back.operating_point == 4.0 and abs(back.mean[0] + 1.0) < 0.1
    # A damaged detector is refused at the boundary, with a one-line reason.
    meta = json.loads((tmp_path / "idle-pat" / "profile.json").read_text())
    meta["paradigms"]["p300"]["idle"]["std"] = [0.0]
    (tmp_path / "idle-pat" / "profile.json").write_text(json.dumps(meta))
    with pytest.raises(ProfileError, match="idle detector"):
        load_profile("idle-pat", tmp_path).idle_detector("p300")


def test_idle_detector_values_are_validated() -> None:
    with pytest.raises(ConfigError):
        IdleDetector("p300", float("nan"), (), (0.0,), (1.0,))
    with pytest.raises(ConfigError):
        IdleDetector("ssvep", 3.0, (0.5, 1.0), (0.0,), (1.0,))
    det = IdleDetector("ssvep", 3.0, (0.5, 1.0), (0.0, 0.0), (1.0, 1.0), 100, (1.0, 2.0), (1.0, 1.0))
    # Equal variances: LLR = (mt - mr) * s - (mt^2 - mr^2) / 2, per window length (the longest fitted one below).
    assert np.allclose(det.ssvep_llr([0.5, 1.5], 0.5), [0.0, 1.0])
    assert np.allclose(det.ssvep_llr([0.5, 1.5], 2.0), [-1.0, 1.0])
    # Only the layout's targets count: the third score is not a target of this two-target prior.
    decided, _, ev, llr = det.ssvep_decide([0.5, 0.5, 9.0], 0.5, [0.5, 0.5], 0.5)
    assert len(llr) == 2 and abs(ev) < 1e-12 and decided is None  # 0 nats is below the operating point, 3
    assert det.with_operating_point(-1.0).ssvep_decide([0.5, 0.5, 9.0], 0.5, [0.5, 0.5], 0.5)[0] == 0
    back = IdleDetector.from_dict(det.to_dict())
    assert back == det


def test_calibration_records_a_look_away_block_and_stores_the_fitted_detector() -> None:
    from bci_input.calibration import get_spec, make_cue_plan
    from bci_input.calibration._protocol import IDLE_CODE

    for paradigm in ("ssvep", "p300"):
        plan = make_cue_plan(get_spec(paradigm), 2)
        idle = [c for c in plan if c.code == IDLE_CODE]
        assert len(idle) == 1 and idle[0].label is None and "Look away" in idle[0].text
        assert plan[-1].start_s - idle[0].start_s >= 20.0  # the block lasts idle_s
    assert main(["calibrate", "--paradigm", "ssvep", "--targets", "4", "--trials", "4", "--profile", "idl",
                 "--simulated", "--quiet", "--no-pdf"]) == 0
    det = load_profile("idl").idle_detector("ssvep")
    assert det is not None and det.kind == "ssvep" and det.n_rest >= 10
    # The attended class scores above rest at every window length: the detector separates the two.
    assert all(t > m + 2 * s for t, m, s in zip(det.target_mean, det.mean, det.std, strict=True))
