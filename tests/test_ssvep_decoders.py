from __future__ import annotations

import numpy as np
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from bci_input.decoding import (
    CCA,
    FBCCA,
    REST,
    TRCA,
    CalibratedFBCCA,
    EnsembleTRCA,
    RiemannSSVEP,
    jfpm_grid,
    load_decoder,
    save_decoder,
)
from bci_input.simulation._signals import BackgroundEEG, ssvep_response


@pytest.fixture(autouse=True)
def _one_blas_thread():
    """Small matrices: one BLAS thread is much faster than several on a shared 2-core machine."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield


SFREQ = 250.0
# occipital channels carry the response, the others less
WEIGHTS = np.array([1.0, 0.9, 0.9, 0.6, 0.8, 0.5, 0.5, 0.3])


def make_ssvep(freqs, phases, n_per_class, window_s, seed, amp=3.0, rest=False, latency=0.14):
    """Seeded windows: 1/f + alpha + mains background plus phase-locked SSVEP of the attended target."""
    rng = np.random.default_rng(seed)
    n = int(window_s * SFREQ)
    t = np.arange(n) / SFREQ + 0.5  # windows start 0.5 s after onset, response established
    bg = BackgroundEEG(len(WEIGHTS), SFREQ, rng, alpha_weights=WEIGHTS)
    labels = [k for k in range(len(freqs)) for _ in range(n_per_class)]
    if rest:
        labels += [REST] * n_per_class
    labels = rng.permutation(labels)
    X = np.empty((len(labels), n, len(WEIGHTS)))
    for i, k in enumerate(labels):
        X[i] = bg.generate(n)
        if k != REST:
            s = ssvep_response(t, freqs[k], phases[k], amplitudes=(amp, amp / 2, amp / 4), latency=latency)
            X[i] += s[:, None] * WEIGHTS[None, :]
    return X.astype(np.float32), np.asarray(labels)


FREQS3 = (13.0, 17.0, 21.0)
PH3 = (0.0, 0.0, 0.0)


@pytest.mark.parametrize(
    "est",
    [
        CCA(sfreq=SFREQ, freqs=FREQS3),
        FBCCA(sfreq=SFREQ, freqs=FREQS3),
        TRCA(sfreq=SFREQ, freqs=FREQS3),
        EnsembleTRCA(sfreq=SFREQ, freqs=FREQS3, n_bands=1),
        RiemannSSVEP(sfreq=SFREQ, freqs=FREQS3, n_harmonics=2),
        CalibratedFBCCA(sfreq=SFREQ, freqs=FREQS3, n_bands=3),
    ],
    ids=lambda e: type(e).__name__,
)
def test_synthetic_target_recovered_with_rest(est):
    Xtr, ytr = make_ssvep(FREQS3, PH3, 12, 2.0, seed=1, rest=True, amp=5.0)
    Xte, yte = make_ssvep(FREQS3, PH3, 10, 2.0, seed=2, rest=True, amp=5.0)
    est.fit(Xtr, ytr)
    assert est.classes_.tolist() == [REST, 0, 1, 2]
    proba = est.predict_proba(Xte)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    acc = np.mean(est.predict(Xte) == yte)
    assert acc >= 0.85, acc
    # calibrated softmax: the mean confidence follows the accuracy (no one-hot over-confidence;
    # the regularised logistic regression of RiemannSSVEP is somewhat under-confident)
    assert acc - 0.25 < proba.max(axis=1).mean() < acc + 0.1
    # and the true class gets a larger mean probability than the others
    p_true = proba[np.arange(len(yte)), np.searchsorted(est.classes_, yte)]
    assert p_true.mean() > 0.6


def test_cca_training_free_and_rest_threshold():
    X, y = make_ssvep(FREQS3, PH3, 6, 2.0, seed=3, rest=True, amp=5.0)
    cca = CCA(sfreq=SFREQ, freqs=FREQS3).fit_targets()
    assert cca.classes_.tolist() == [0, 1, 2]
    m = y != REST
    assert np.mean(cca.predict(X[m]) == y[m]) == 1.0
    with_rest = CCA(sfreq=SFREQ, freqs=FREQS3, rest_threshold=0.25).fit_targets()
    assert with_rest.classes_.tolist() == [REST, 0, 1, 2]
    pred = with_rest.predict(X)
    assert np.mean(pred == y) > 0.85


def test_cca_rejects_labels_outside_targets():
    X, _ = make_ssvep(FREQS3, PH3, 2, 1.0, seed=0)
    with pytest.raises(ValueError, match="target index"):
        CCA(sfreq=SFREQ, freqs=FREQS3).fit(X, np.arange(len(X)) % 2 + 5)


@pytest.mark.slow
def test_jfpm_40_targets():
    freqs, phases = jfpm_grid()
    assert len(freqs) == 40 and freqs[0] == 8.0 and freqs[-1] == pytest.approx(15.8)
    assert phases[1] == pytest.approx(0.35 * np.pi)
    Xtr, ytr = make_ssvep(freqs, phases, 3, 1.0, seed=4, amp=6.0)
    Xte, yte = make_ssvep(freqs, phases, 1, 1.0, seed=5, amp=6.0)
    # chance is 1/40; 0.2 Hz steps in 1 s windows are hard for CCA, phases help TRCA
    fb = FBCCA(sfreq=SFREQ, freqs=freqs, phases=phases, n_bands=3).fit_targets()
    assert np.mean(fb.predict(Xte) == yte) >= 0.6
    tr = EnsembleTRCA(sfreq=SFREQ, freqs=freqs, n_bands=2).fit(Xtr, ytr)
    assert np.mean(tr.predict(Xte) == yte) >= 0.6
    assert tr.predict_proba(Xte).shape == (40, 40)


def test_trca_shorter_window_than_calibration():
    Xtr, ytr = make_ssvep(FREQS3, PH3, 8, 2.0, seed=6)
    Xte, yte = make_ssvep(FREQS3, PH3, 6, 2.0, seed=7)
    tr = TRCA(sfreq=SFREQ, freqs=FREQS3).fit(Xtr, ytr)
    assert np.mean(tr.predict(Xte[:, :250]) == yte) >= 0.8


@pytest.mark.parametrize(
    "est",
    [
        FBCCA(sfreq=SFREQ, freqs=FREQS3),
        EnsembleTRCA(sfreq=SFREQ, freqs=FREQS3),
        RiemannSSVEP(sfreq=SFREQ, freqs=FREQS3, n_harmonics=2),
        RiemannSSVEP(sfreq=SFREQ, freqs=FREQS3, classifier="mdm"),
        CalibratedFBCCA(sfreq=SFREQ, freqs=FREQS3, n_bands=2),
    ],
    ids=lambda e: f"{type(e).__name__}",
)
def test_save_load_roundtrip(tmp_path, est):
    X, y = make_ssvep(FREQS3, PH3, 6, 1.0, seed=8, rest=True)
    est.fit(X, y)
    save_decoder(est, tmp_path / "m")
    back = load_decoder(tmp_path / "m")
    assert type(back) is type(est)
    np.testing.assert_allclose(back.predict_proba(X), est.predict_proba(X), rtol=1e-6, atol=1e-9)


_NOT_APPLICABLE = {
    "check_classifiers_train": "SSVEP decoders score periodicity in time windows; sklearn's 2-D blobs "
    "(read as 2-sample single-channel windows) carry no oscillation to decode.",
    "check_n_features_in": "windows are 3-D (n_windows, n_times, n_channels); n_features_in_ does not apply "
    "and the window length may change between fit and predict.",
    "check_n_features_in_after_fitting": "as check_n_features_in: 3-D windows of variable length.",
    "check_estimators_empty_data_messages": "the error names the 3-D window shape, not sklearn's 2-D wording.",
}
_LABELS_ARE_TARGETS = {
    "check_classifiers_classes": "training-free decoders take labels that index freqs (or -1 for rest); "
    "string labels are refused on purpose.",
    "check_dtype_object": "sklearn passes string labels there; labels of training-free decoders index freqs.",
}


def _expected_failed(est):
    out = dict(_NOT_APPLICABLE)
    if isinstance(est, CCA | FBCCA):
        out.update(_LABELS_ARE_TARGETS)
    if isinstance(est, TRCA | EnsembleTRCA):
        out["check_classifiers_classes"] = "TRCA needs >= 2 phase-locked windows per class; random data has none."
    if isinstance(est, RiemannSSVEP):
        out["check_estimators_dtypes"] = (
            "integer test data of one channel gives singular band-passed covariances (pyriemann refuses them)."
        )
    return out


@parametrize_with_checks(
    [
        CCA(freqs=(13.0, 17.0, 21.0)),
        FBCCA(freqs=(13.0, 17.0, 21.0)),
        TRCA(freqs=(13.0, 17.0), n_bands=1),
        EnsembleTRCA(freqs=(13.0, 17.0), n_bands=1),
        RiemannSSVEP(freqs=(13.0, 17.0)),
        CalibratedFBCCA(freqs=(13.0, 17.0), n_bands=2),
    ],
    expected_failed_checks=_expected_failed,
)

def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def test_filter_bank_drops_sub_bands_above_the_top_edge():
    from bci_input.decoding._ssvep_common import filter_bank

    assert len(filter_bank(256.0, 5, 18.0)) == 4  # 90 Hz would exceed 88 Hz
    X, _ = make_ssvep((20.0, 30.0), (0.0, 0.0), 2, 1.0, seed=9)
    est = FBCCA(sfreq=SFREQ, freqs=(20.0, 30.0), n_bands=5).fit_targets()
    assert est.predict_proba(X).shape == (4, 2)
