"""Calibration protocol: cue plans, epoching at markers, artefact rejection, minimum data check."""

from __future__ import annotations

import numpy as np
import pytest

from bci_input import ConfigError
from bci_input.calibration import (
    chance_level,
    check_minimum_data,
    extract_epochs,
    get_spec,
    itr_bits_per_trial,
    make_cue_plan,
    reject_artifacts,
    wilson_interval,
)


def test_cue_plan_is_balanced_seeded_and_has_rests() -> None:
    spec = get_spec("ssvep", n_targets=5)
    plan = make_cue_plan(spec, 3, seed=1)
    stims = [c for c in plan if c.kind == "stim" and c.trial >= 0]  # cued trials; trial -1 is the look-away block
    assert np.bincount([c.label for c in stims]).tolist() == [3] * 5
    assert all(c.code == spec.codes[c.label] for c in stims)
    assert sum(c.kind == "rest" for c in plan) == 15 + 1
    starts = [c.start_s for c in plan]
    assert starts == sorted(starts)
    assert [c.label for c in make_cue_plan(spec, 3, seed=1) if c.kind == "stim" and c.trial >= 0] == [
        c.label for c in stims]
    assert [c.label for c in make_cue_plan(spec, 3, seed=2) if c.kind == "stim" and c.trial >= 0] != [
        c.label for c in stims]
    with pytest.raises(ConfigError, match="at least 1"):
        make_cue_plan(spec, 0)


def test_p300_plan_flashes_every_item_each_repetition() -> None:
    spec = get_spec("p300", n_repetitions=3)
    plan = make_cue_plan(spec, 4, seed=0)
    cues = [c for c in plan if c.kind == "cue" and c.trial >= 0]  # trial -1 is the look-away block
    assert len(cues) == 4 and all(c.code >= 100 for c in cues)
    flashes = [c for c in plan if c.kind == "flash" and c.trial == 0]
    assert len(flashes) == spec.n_items * 3
    assert sorted(c.item for c in flashes[: spec.n_items]) == list(range(spec.n_items))


def test_ssvep_defaults_follow_the_speller_jfpm_codes() -> None:
    from bci_input.speller._targets import jfpm_code

    spec = get_spec("ssvep")
    assert spec.n_classes == 40
    assert spec.freqs[7] == pytest.approx(jfpm_code(7)[0]) and spec.phases[7] == pytest.approx(jfpm_code(7)[1])


def test_epochs_are_cut_at_the_markers() -> None:
    spec = get_spec("emg")
    sf = 100.0
    data = np.zeros((2000, 2), np.float32)
    events = [(2.0, 1), (5.0, 2), (9.0, 2), (19.5, 1)]  # the last one runs past the end
    for on, code in events[:3]:
        data[int(on * sf): int(on * sf) + 10, 0] = code * 10.0
    ep = extract_epochs(spec, data, sf, events)
    assert ep.X.shape == (3, int(spec.tmax * sf), 2)
    assert ep.y.tolist() == [0, 1, 1]
    assert ep.X[:, :10, 0].mean(axis=1) - ep.X[:, :, 0].mean(axis=1) == pytest.approx([9.5, 19.0, 19.0], rel=0.01)


def test_artifact_rejection_and_data_check_say_how_many_more() -> None:
    spec = get_spec("mi", min_trials_per_class=4)
    rng = np.random.default_rng(0)
    sf = 100.0
    n = 5000
    data = rng.standard_normal((n, 3)).astype(np.float32) * 10
    events = [(2.0 + 4.0 * i, 1 + i % 2) for i in range(10)]
    data[int(6.7 * sf), 1] = np.nan  # epoch 1 (onset 6 s, window 0.5-3.5 s)
    data[int(9.0 * sf): int(14.8 * sf), 2] = 0.0  # epoch 2 (10.5-13.5 s): flat channel
    data[int(15.0 * sf), 0] = 5000.0  # epoch 3: huge spike
    ep = extract_epochs(spec, data, sf, events)
    clean, counts = reject_artifacts(ep, spec)
    assert counts == {"nan": 1, "flat": 1, "ptp": 1}
    assert len(clean) == 7
    check = check_minimum_data(clean, spec, counts)
    assert not check.ok
    assert check.counts == {"left hand": 4, "right hand": 3}
    assert check.needed == {"left hand": 0, "right hand": 1}
    assert "Record 1 more 'right hand' trial(s)" in check.message
    assert "3 epoch(s) were rejected" in check.message
    ok = check_minimum_data(clean, get_spec("mi", min_trials_per_class=3), counts)
    assert ok.ok and "Enough clean trials" in ok.message


def test_unusual_amplitude_scale_falls_back_to_relative_rejection() -> None:
    spec = get_spec("mi")
    rng = np.random.default_rng(1)
    data = (rng.standard_normal((6000, 2)) * 5000).astype(np.float32)  # mV-scale data
    data[int(11.0 * 100), 0] = 1e6  # inside the epoch at 10 s (window 10.5-13.5 s)
    ep = extract_epochs(spec, data, 100.0, [(2.0 + 4.0 * i, 1 + i % 2) for i in range(12)])
    clean, counts = reject_artifacts(ep, spec)
    assert counts.get("relative_ptp_limit") == 1
    assert counts["ptp"] == 1 and len(clean) == len(ep) - 1
    assert "amplitude scale looks unusual" in check_minimum_data(clean, spec, counts).message


def test_statistics() -> None:
    lo, hi = wilson_interval(8, 10)
    assert lo == pytest.approx(0.4902, abs=1e-3) and hi == pytest.approx(0.9433, abs=1e-3)
    chance, thr = chance_level(2, 100)
    assert chance == 0.5 and thr == pytest.approx(0.59, abs=0.005)  # Combrisson & Jerbi: ~58.7 % for n=100
    _, thr4 = chance_level(4, 40)
    assert thr4 == pytest.approx(16 / 40)  # P(X >= 16 | n=40, p=0.25) < 0.05 <= P(X >= 15)
    assert itr_bits_per_trial(1.0, 4) == pytest.approx(2.0)
    assert itr_bits_per_trial(0.25, 4) == 0.0
