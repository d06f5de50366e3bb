"""The no-control decision rule: *which target* (posterior with the prior) apart from *is anyone attending*.

The second question is the leading target's own log-likelihood ratio against looking at nothing, without the
language-model prior: a confident prior must not make rest look like attention. The decoder and the idle
detector are calibrated on the simulated participant as ``simulate`` calibrates them; the windows are a fresh
session of the same person through the live filter chain.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from bci_input._errors import ProfileError
from bci_input.decoding import IdleDetector
from bci_input.decoding._idle import DEFAULT_ENGAGED, DEFAULT_OPERATING_POINT, RULE, decide, ssvep_scores
from bci_input.engine import EngineConfig
from bci_input.simulation import DEFAULT_SNR, calibrate_decoder
from bci_input.simulation._calib_sim import _cued_ssvep_trials, record
from bci_input.simulation._closed_loop import calibrate_idle_detector
from bci_input.simulation._participant import SimulatedParticipant, SubjectParams
from bci_input.stream import Pipeline, live_processors


@pytest.fixture(scope="module")
def session() -> dict[str, Any]:
    cfg = EngineConfig()
    dec = calibrate_decoder("ssvep", snr=DEFAULT_SNR, seed=0, config=cfg)
    det = calibrate_idle_detector("ssvep", dec, snr=DEFAULT_SNR, seed=0, config=cfg)
    part = SimulatedParticipant(snr=DEFAULT_SNR, seed=777)
    part.subject = SubjectParams.draw(np.random.default_rng(1000))  # the same person, a new session
    part.start()
    try:
        with threadpool_limits(limits=1):
            cued, labels = _cued_ssvep_trials(part, cfg, n_trials=40, seed=99, line_freq=50.0)
            part.attend(None)
            filt = Pipeline(live_processors("ssvep", part.sfreq, 50.0))
            rest = filt.process(record(part, 181.0)).data[int(part.sfreq):, part.decoder_picks]
    finally:
        part.stop()
    n = int(round(cfg.max_window_s * part.sfreq))
    trials = np.stack([rest[s : s + n] for s in range(0, len(rest) - n, n)]).astype(np.float64)
    return {"cfg": cfg, "dec": dec, "det": det, "cued": cued, "labels": labels, "rest": trials,
            "sfreq": part.sfreq}


def _llr(s: dict[str, Any], X: np.ndarray, length_s: float) -> np.ndarray:
    n = int(round(length_s * s["sfreq"]))
    scores = ssvep_scores(s["dec"], X[:, :n])
    return np.stack([s["det"].ssvep_llr(row, length_s) for row in scores])


def test_a_confident_prior_at_rest_selects_nothing(session: dict[str, Any]) -> None:
    # 45 rest trials of 4 s, every window length the engine decides on, and a language model 95 % sure of one
    # letter (another in each trial). The prior alone often passes the posterior threshold; rest evidence does
    # not pass the bar, so nothing is selected.
    det, cfg = session["det"], session["cfg"]
    assert det.operating_point == DEFAULT_OPERATING_POINT["ssvep"] and det.bar(0.0) < det.operating_point
    tested = prior_passed = selected = 0
    for k in range(8):
        length = cfg.min_window_s + k * cfg.step_s
        for i, llr in enumerate(_llr(session, session["rest"], length)):
            prior = np.full(40, 0.05 / 39)
            prior[i % 40] = 0.95
            for bar in (det.operating_point, det.bar(0.0)):  # after a quiet spell, and right after a selection
                chosen, post, ev = decide(llr, prior, cfg.stopping_threshold, bar)
                selected += chosen is not None
            tested += 1
            prior_passed += post.max() >= cfg.stopping_threshold
    # Measured: 352 windows, the prior alone past the threshold in 90, none selected at either bar.
    assert tested >= 300 and prior_passed >= tested // 5
    assert selected == 0


def test_an_attended_target_is_selected_and_right(session: dict[str, Any]) -> None:
    # 40 cued trials with a flat prior: a 4 s window is enough evidence for a good share of them, and what is
    # selected is the attended target (chance: 1 in 40; 11 of 12 right by chance has p < 1e-15).
    det, cfg, y = session["det"], session["cfg"], session["labels"]
    picks = [decide(llr, None, cfg.stopping_threshold, det.bar(0.0))[0]  # the bar while writing
             for llr in _llr(session, session["cued"], cfg.max_window_s)]
    made = [(p, int(t)) for p, t in zip(picks, y, strict=True) if p is not None]
    assert len(made) >= 12  # measured 22 of 40, all right
    assert sum(p == t for p, t in made) >= 0.9 * len(made)


def test_evidence_carried_over_an_undecided_trial_selects_it_later(session: dict[str, Any]) -> None:
    # The engine carries an undecided trial's last-window evidence into the next trial (two disjoint windows,
    # no double counting). Split each cued 4 s window into two 2 s halves: the carried halves decide more
    # trials than the second half alone, and still the right target.
    det, cfg, y = session["det"], session["cfg"], session["labels"]
    n2 = int(round(2.0 * session["sfreq"]))
    first = _llr(session, session["cued"][:, :n2], 2.0)
    second = _llr(session, np.ascontiguousarray(session["cued"][:, n2 : 2 * n2]), 2.0)
    alone = [decide(b, None, cfg.stopping_threshold, det.bar(0.0))[0] for b in second]
    carried = [decide(np.maximum(a, 0.0) + b, None, cfg.stopping_threshold, det.bar(0.0))[0]
               for a, b in zip(first, second, strict=True)]
    n_alone = sum(p is not None for p in alone)  # measured: 0 alone, 6 carried, all 6 right
    hits = [p == int(t) for p, t in zip(carried, y, strict=True) if p is not None]
    assert len(hits) >= 3 and len(hits) > n_alone and sum(hits) >= 0.9 * len(hits)


def test_the_engine_rule_on_one_window_is_decide_on_its_llr(session: dict[str, Any]) -> None:
    # IdleDetector.ssvep_decide (what the engine and the recorded evaluation call) is decide() on the window's
    # log-likelihood ratios plus the carried evidence, with the bar of the engaged state when it applies.
    det, cfg = session["det"], session["cfg"]
    scores = ssvep_scores(session["dec"], session["cued"][:1, : int(round(4.0 * session["sfreq"]))])[0]
    carry = np.linspace(0.0, 2.0, 40)
    chosen, post, ev, llr = det.ssvep_decide(scores, 4.0, None, cfg.stopping_threshold, carry=carry)
    assert np.allclose(llr, det.ssvep_llr(scores, 4.0))
    assert (chosen, ev) == decide(llr + carry, None, cfg.stopping_threshold, det.operating_point)[::2]
    engaged = det.with_operating_point(det.operating_point, 5.0, -50.0)
    assert engaged.ssvep_decide(scores, 4.0, None, 0.0, since_selection_s=1.0)[0] == int(np.argmax(llr))
    assert post.shape == (40,)


def test_decide_separates_which_target_from_whether_anyone_attends() -> None:
    prior = np.array([0.97, 0.01, 0.01, 0.01])
    chosen, post, ev = decide(np.zeros(4), prior, 0.9, 3.0)
    assert chosen is None and post[0] > 0.9 and ev == 0.0  # the prior decides which, not whether
    assert decide(np.array([3.0, 0.0, 0.0, 0.0]), prior, 0.9, 3.0)[0] == 0
    # Strong evidence for a target the prior finds unlikely: the posterior must still get there.
    assert decide(np.array([0.0, 3.0, 0.0, 0.0]), prior, 0.9, 3.0)[0] is None
    assert decide(np.array([0.0, 9.0, 0.0, 0.0]), prior, 0.9, 3.0)[0] == 1


def test_engaged_state_and_profiles_from_before_the_rule() -> None:
    det = IdleDetector("p300", 7.0, (), (0.0,), (1.0,), 100, engaged_s=5.0, engaged_point=2.0)
    assert det.bar(1.0) == 2.0 and det.bar(5.0) == 2.0 and det.bar(5.1) == 7.0
    assert IdleDetector.from_dict(det.to_dict()) == det
    old = {k: v for k, v in det.to_dict().items() if k not in ("rule", "engaged_s", "engaged_point")}
    old["operating_point"] = 4.0  # on the prior-weighted Bayes factor: it means nothing to the new rule
    back = IdleDetector.from_dict(old)
    assert back.operating_point == DEFAULT_OPERATING_POINT["p300"] and back.engaged_s == 0.0
    ssvep = IdleDetector("ssvep", 3.0, (0.5,), (0.0,), (1.0,), 100, (1.0,), (1.0,)).to_dict()
    for key in ("rule", "engaged_s", "engaged_point"):
        del ssvep[key]
    back = IdleDetector.from_dict(ssvep)
    assert (back.operating_point, back.engaged_s, back.engaged_point) == (DEFAULT_OPERATING_POINT["ssvep"],
                                                                         *DEFAULT_ENGAGED["ssvep"])
    with pytest.raises(ProfileError, match="rule"):
        IdleDetector.from_dict({**det.to_dict(), "rule": "something-else"})
    with pytest.raises(ProfileError, match="engaged_s"):
        IdleDetector.from_dict({**det.to_dict(), "engaged_s": -1.0})
    assert det.to_dict()["rule"] == RULE
