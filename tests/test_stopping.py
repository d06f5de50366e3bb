from __future__ import annotations

import numpy as np
import pytest

from bci_input._errors import ConfigError
from bci_input.decoding._stopping import DynamicStopping, sweep_stopping_threshold


def test_known_prior_times_likelihood_gives_known_posterior() -> None:
    prior = np.array([0.5, 0.3, 0.2])
    lik = np.array([0.1, 0.6, 0.3])
    ds = DynamicStopping(3, threshold=0.99, prior=prior)
    post = ds.update(np.log(lik))
    expected = prior * lik / np.sum(prior * lik)  # [0.05, 0.18, 0.06] / 0.29
    np.testing.assert_allclose(post, expected, rtol=1e-12)
    np.testing.assert_allclose(post, [0.05 / 0.29, 0.18 / 0.29, 0.06 / 0.29], rtol=1e-12)
    assert ds.n_steps == 1
    assert ds.decided is None
    # A second step multiplies again.
    post2 = ds.update(np.log(lik))
    e2 = prior * lik**2
    np.testing.assert_allclose(post2, e2 / e2.sum(), rtol=1e-12)


def test_log_space_survives_long_confident_runs() -> None:
    ds = DynamicStopping(4, threshold=1.0)
    for _ in range(2000):
        ds.update(np.array([-800.0, -1000.0, -1000.0, -1000.0]))
    assert np.all(np.isfinite(ds.log_posterior))
    np.testing.assert_allclose(ds.posterior.sum(), 1.0)
    assert ds.decided == 0


def test_stops_exactly_when_threshold_is_reached() -> None:
    # Each step gives class 1 a likelihood ratio of 3 over the others (2 classes):
    # posterior of class 1 after k steps = 3^k / (3^k + 1): 0.75, 0.9, 0.964...
    ds = DynamicStopping(2, threshold=0.9)
    step = np.log([1.0, 3.0])
    ds.update(step)
    assert ds.decided is None
    ds.update(step)
    assert ds.decided == 1
    assert ds.n_steps == 2
    assert ds.confidence == pytest.approx(0.9)


def test_max_steps_forces_the_best_class() -> None:
    ds = DynamicStopping(3, threshold=0.99, max_steps=3)
    step = np.log([0.3, 0.4, 0.3])
    for k in range(1, 4):
        ds.update(step)
        assert (ds.decided is None) == (k < 3)
    assert ds.decided == 1
    ds.reset(prior=[0.0, 0.0, 1.0])
    assert ds.n_steps == 0 and ds.decided is None
    np.testing.assert_allclose(ds.posterior, [0, 0, 1])


def test_no_decision_before_any_evidence_and_validation() -> None:
    ds = DynamicStopping(2, threshold=0.5, prior=[0.9, 0.1])
    assert ds.decided is None
    with pytest.raises(ConfigError, match="shape"):
        ds.update(np.zeros(3))
    with pytest.raises(ConfigError, match="NaN"):
        ds.update(np.array([np.nan, 0.0]))
    with pytest.raises(ConfigError, match="threshold"):
        DynamicStopping(2, threshold=1.5)
    with pytest.raises(ConfigError, match="prior"):
        DynamicStopping(2, prior=[-1.0, 2.0])
    with pytest.raises(ConfigError, match="n_classes"):
        DynamicStopping(1)


def test_sweep_trades_accuracy_for_time() -> None:
    rng = np.random.default_rng(0)
    n_classes, n_trials, n_steps = 4, 200, 12
    y = rng.integers(0, n_classes, n_trials)
    trials = []
    for label in y:
        # Noisy Gaussian evidence: the true class scores 0.6 higher on average per step.
        s = rng.normal(0.0, 1.0, (n_steps, n_classes))
        s[:, label] += 0.6
        trials.append(s)
    rows = sweep_stopping_threshold(trials, y, thresholds=[0.5, 0.9, 0.99], step_s=0.5, overhead_s=0.5)
    assert [r["threshold"] for r in rows] == [0.5, 0.9, 0.99]
    steps = [r["mean_steps"] for r in rows]
    accs = [r["accuracy"] for r in rows]
    assert steps[0] < steps[1] < steps[2]
    assert accs[0] < accs[2]
    assert accs[2] > 0.8
    assert rows[1]["mean_time_s"] == pytest.approx(steps[1] * 0.5)
    assert all(r["itr_bits_per_min"] > 0 for r in rows)
    assert 0.0 <= rows[2]["forced"] <= 1.0


def test_virtual_p300_speller_gains_accuracy_with_repetitions() -> None:
    from bci_input.evaluation._bench_other import virtual_p300_speller

    rng = np.random.default_rng(1)
    y = (rng.random(3000) < 0.15).astype(int)
    scores = rng.normal(0.0, 1.0, y.size) + 1.0 * y  # d' = 1, like a weak single-flash P300
    fixed, sweep = virtual_p300_speller(scores, y, (0.0, 1.0, 1.0, 1.0), n_trials=120, step_s=2.0)
    accs = dict(fixed)
    assert accs[1] < accs[5] < accs[10] or accs[10] == 1.0
    assert accs[10] > 0.8
    assert [r["threshold"] for r in sweep] == [0.7, 0.8, 0.9, 0.95, 0.99]
    assert sweep[0]["mean_steps"] <= sweep[-1]["mean_steps"]
    assert sweep[-1]["mean_time_s"] == pytest.approx(2.0 * sweep[-1]["mean_steps"])
