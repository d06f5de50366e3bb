from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score
from sklearn.utils.estimator_checks import parametrize_with_checks

from bci_input._errors import ConfigError
from bci_input.decoding import (
    DynamicStopping,
    EmgGestureClassifier,
    MotorImageryDecoder,
    P300Decoder,
    flash_log_likelihoods,
    load_decoder,
    save_decoder,
)
from bci_input.simulation._signals import BackgroundEEG, erp_template

FS = 128.0

# EmgGestureClassifier and MotorImageryDecoder read a 2-D X as one channel's time series and
# compute per-window features (RMS, variance...). On scikit-learn's 2-feature blobs those features
# ignore where the points are, so the "learns blobs" check cannot apply to them.
_NOT_TIME_SERIES = {"check_classifiers_train": "features of a time series, not of points; blobs are not separable"}


# xdawncov_ts_lr models each epoch by a covariance over its time samples: scikit-learn's tiny point clouds
# (one time sample, or a handful on a line) give singular covariances that have no tangent space.
_COVARIANCE_OF_TIME = {
    "check_fit2d_1feature": "the covariance of a single time sample is singular",
    "check_classifier_data_not_an_array": "the check's 2-sample-wide points give singular covariances",
}


def _expected_failed(est: object) -> dict[str, str]:
    if isinstance(est, P300Decoder) and est.method == "xdawncov_ts_lr":
        return _COVARIANCE_OF_TIME
    return _NOT_TIME_SERIES if isinstance(est, EmgGestureClassifier | MotorImageryDecoder) else {}


@parametrize_with_checks(
    [
        P300Decoder(sfreq=100.0, decim_hz=None, n_folds=2),
        P300Decoder(sfreq=100.0, method="xdawn_lda", decim_hz=None, n_folds=2),
        P300Decoder(sfreq=100.0, method="xdawn_ts", decim_hz=None, n_folds=2),
        EmgGestureClassifier(),
        MotorImageryDecoder(),
    ],
    expected_failed_checks=_expected_failed,
)
def test_sklearn_estimator_checks(estimator, check) -> None:  # noqa: ANN001
    check(estimator)


def _erp_epochs(n: int, p_target: float, seed: int, amp: float = 4.0) -> tuple[np.ndarray, np.ndarray]:
    """Epochs of 4-channel 1/f EEG band-passed 1-20 Hz (as the live pipeline does); targets carry a
    P300 with a fixed spatial pattern."""
    from scipy import signal

    rng = np.random.default_rng(seed)
    n_t = int(0.8 * FS)
    cont = BackgroundEEG(4, FS, rng, rms=8.0).generate(n * n_t)
    cont = signal.sosfiltfilt(signal.butter(4, [1.0, 20.0], "bandpass", fs=FS, output="sos"), cont, axis=0)
    template = erp_template(FS, duration=0.8, p300_amp=amp)
    pattern = np.array([1.0, 0.6, 0.3, -0.2])
    y = (rng.random(n) < p_target).astype(int)
    X = cont.reshape(n, n_t, 4)
    X[y == 1] += template[None, :, None] * pattern[None, None, :]
    return X, y


# The tangent-space variant is clearly weaker on this synthetic 1/f background (measured AUC 0.76 vs
# 0.97 for xDAWN + LDA; pyriemann's own XdawnCovariances + TangentSpace + LDA gives 0.75 too), although
# it is the best on the real Muse dev data in 5-fold CV (0.768 vs 0.760).
@pytest.mark.parametrize(("method", "min_auc"), [("xdawn_lda", 0.9), ("xdawn_ts", 0.7), ("lda", 0.9)])
def test_p300_recovers_synthetic_targets(method: str, min_auc: float) -> None:
    X, y = _erp_epochs(400, 0.2, seed=0)
    Xt, yt = _erp_epochs(300, 0.2, seed=1)
    dec = P300Decoder(sfreq=FS, method=method, n_filters=2).fit(X, y)
    auc = roc_auc_score(yt, dec.decision_function(Xt))
    assert auc > min_auc
    proba = dec.predict_proba(Xt)
    np.testing.assert_allclose(proba.sum(1), 1.0)
    assert roc_auc_score(yt, proba[:, 1]) == pytest.approx(auc, abs=1e-9)
    nt_mean, nt_std, t_mean, t_std = dec.score_stats_
    assert t_mean > nt_mean and nt_std > 0 and t_std > 0


def test_xdawn_first_filter_finds_the_erp_pattern() -> None:
    X, y = _erp_epochs(400, 0.25, seed=2, amp=6.0)
    dec = P300Decoder(sfreq=FS, n_filters=1).fit(X, y)
    w = dec.filters_[:, 0]
    filtered_target = (X[y == 1] @ w).mean(0)
    filtered_non = (X[y == 0] @ w).mean(0)
    # the filtered target ERP peaks near the P300 latency (0.35 s) and dwarfs the non-target mean
    peak = np.argmax(np.abs(filtered_target)) / FS
    assert 0.25 < peak < 0.45
    assert np.abs(filtered_target).max() > 3 * np.abs(filtered_non).max()


def test_flash_log_likelihoods_known_answer() -> None:
    stats = {"nontarget_mean": 0.0, "nontarget_std": 1.0, "target_mean": 2.0, "target_std": 1.0}
    # equal stds: log N(s;2,1) - log N(s;0,1) = 2 s - 2
    scores = np.array([1.0, 3.0, -1.0])
    groups = [[0, 1], [1], [2]]
    ll = flash_log_likelihoods(scores, groups, 4, stats)
    np.testing.assert_allclose(ll, [0.0, 0.0 + 4.0, -4.0, 0.0])
    mask = np.zeros((3, 4), bool)
    mask[0, [0, 1]] = mask[1, 1] = mask[2, 2] = True
    np.testing.assert_allclose(flash_log_likelihoods(scores, mask, 4, (0.0, 1.0, 2.0, 1.0)), ll)
    with pytest.raises(ConfigError, match="outside"):
        flash_log_likelihoods(scores, [[0], [5], [1]], 4, stats)
    with pytest.raises(ConfigError, match="decoder_stats"):
        flash_log_likelihoods(scores, groups, 4, (0.0, -1.0, 2.0, 1.0))


def test_virtual_speller_selects_the_attended_candidate() -> None:
    """Row/column-style flashes of 6 candidates; repetitions + dynamic stopping find the target."""
    X, y = _erp_epochs(500, 1 / 6, seed=3, amp=3.0)
    dec = P300Decoder(sfreq=FS).fit(X, y)
    Xt, yt = _erp_epochs(1200, 1 / 6, seed=4, amp=3.0)
    tgt, non = Xt[yt == 1], Xt[yt == 0]
    rng = np.random.default_rng(5)
    correct, steps = 0, []
    for trial in range(20):
        attended = trial % 6
        ds = DynamicStopping(6, threshold=0.95, max_steps=10)
        while ds.decided is None:
            order = rng.permutation(6)
            epochs = np.stack([tgt[rng.integers(len(tgt))] if c == attended else non[rng.integers(len(non))]
                               for c in order])
            ds.update(flash_log_likelihoods(dec.decision_function(epochs), [[c] for c in order], 6, dec))
        correct += ds.decided == attended
        steps.append(ds.n_steps)
    assert correct >= 18
    assert np.mean(steps) < 10


def test_p300_persistence_round_trip(tmp_path) -> None:  # noqa: ANN001
    X, y = _erp_epochs(200, 0.2, seed=6)
    for method in ("xdawn_lda", "xdawn_ts"):
        dec = P300Decoder(sfreq=FS, method=method).fit(X, y)
        save_decoder(dec, tmp_path / method)
        back = load_decoder(tmp_path / method)
        np.testing.assert_allclose(back.decision_function(X[:20]), dec.decision_function(X[:20]))
        np.testing.assert_allclose(back.score_stats_, dec.score_stats_)


def test_p300_rejects_wrong_input() -> None:
    X, y = _erp_epochs(60, 0.3, seed=7)
    with pytest.raises(ConfigError, match="method"):
        P300Decoder(method="svm").fit(X, y)
    dec = P300Decoder(sfreq=FS).fit(X, y)
    with pytest.raises(ValueError, match="channels"):
        dec.decision_function(X[:, :, :3])


@pytest.mark.data
def test_p300_on_real_muse_dev(data_dir) -> None:  # noqa: ANN001
    from bci_input.evaluation._muse_p300 import DEFAULT_WINDOW, load_epochs

    X, y, sess = load_epochs(str(data_dir), "dev", DEFAULT_WINDOW)
    dec = P300Decoder(sfreq=256.0).fit(X[sess == 1], y[sess == 1])
    auc = roc_auc_score(y[sess == 2], dec.decision_function(X[sess == 2]))
    assert auc > 0.68  # measured 0.76 (train session 1, test session 2)
