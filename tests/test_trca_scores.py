"""Cheaper TRCA decisions give the same scores as the definition (ensemble TRCA and the simulation's growing TRCA)."""

from __future__ import annotations

import numpy as np

from bci_input.decoding import EnsembleTRCA
from bci_input.decoding._ssvep_common import apply_sos, fb_weights
from bci_input.decoding._ssvep_trca import _corr
from bci_input.simulation._fast_trca import GrowingWindowTRCA


def _windows(rng: np.random.Generator, n_per: int, freqs: list[float], n_times: int) -> tuple[np.ndarray, np.ndarray]:
    t = np.arange(n_times) / 250.0
    X, y = [], []
    for k, f in enumerate(freqs):
        for _ in range(n_per):
            sig = np.sin(2 * np.pi * f * t)[:, None] * rng.normal(1.0, 0.2, 6)[None, :]
            X.append(sig + rng.normal(0, 1.0, (n_times, 6)))
            y.append(k)
    return np.array(X), np.array(y)


def test_ensemble_trca_scores_are_the_correlations_of_projected_windows_and_templates() -> None:
    rng = np.random.default_rng(0)
    freqs = [8.0, 9.0, 10.0, 11.0, 12.0]
    X, y = _windows(rng, 4, freqs, 500)
    dec = EnsembleTRCA(sfreq=250.0, freqs=freqs, n_bands=2).fit(X, y)
    test = X[:3, :300]
    got = dec.decision_function(test)
    w = fb_weights(2, dec.a, dec.b)
    want = np.zeros_like(got)
    for m, sos in enumerate(dec._bank()):
        Xf = apply_sos(sos, test)
        W = dec.filters_[m]
        want += w[m] * _corr((Xf @ W).reshape(3, -1), (dec.templates_[m, :, :300] @ W).reshape(len(freqs), -1))
    assert np.allclose(got, want / w.sum(), atol=1e-10)
    assert np.mean(np.argmax(dec.decision_function(X[:, :300]), 1) == y) > 0.9  # and it decodes


def test_growing_trca_projected_templates_give_the_same_scores() -> None:
    rng = np.random.default_rng(1)
    freqs = [8.0, 9.0, 10.0, 11.0]
    X, y = _windows(rng, 4, freqs, 500)
    dec = GrowingWindowTRCA(250.0, freqs, [125, 250, 500]).fit(X, y)
    for n in (125, 250, 500):
        cached = dec.decision_function(X[:5, :n])
        direct = dec._score(X[:5, :n], dec.filters_, dec.templates_, n)
        assert np.allclose(cached, direct, atol=1e-12)
