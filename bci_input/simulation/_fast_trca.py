"""Vectorised ensemble TRCA for growing windows, built on :mod:`bci_input.decoding`'s TRCA pieces.

The engine decodes a window that grows by ``step_s`` until it is confident. This
decoder learns TRCA filters and templates once (Nakanishi et al. 2018, using the
decoding package's ``_trca_filter``, ``filter_bank`` and ``fit_softmax``) and
calibrates one softmax temperature per window length on out-of-fold scores, so
the probabilities it hands to the Bayesian fusion are honest at every length.
All targets are scored with one matrix product per sub-band, against templates
projected once per window length at fit time (projecting them at every decision
cost most of the decoder's time).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from sklearn.model_selection import StratifiedKFold

from ..decoding._ssvep_common import apply_sos, fb_weights, filter_bank, fit_softmax, softmax_scores
from ..decoding._ssvep_trca import _trca_filter

__all__ = ["GrowingWindowTRCA"]


def _unit_rows(a: NDArray[np.float64]) -> NDArray[np.float64]:
    a = a - a.mean(axis=1, keepdims=True)
    return a / (np.linalg.norm(a, axis=1, keepdims=True) + 1e-12)


class GrowingWindowTRCA:
    """Ensemble-TRCA decoder with a softmax temperature per window length.

    Parameters
    ----------
    sfreq : float
        Sampling rate, Hz.
    freqs : sequence of float
        Stimulus frequencies of the targets (for the filter bank's lower edge).
    lengths : sequence of int
        Window lengths (samples) the engine will ask about.
    n_bands : int
        Filter-bank sub-bands.
    n_folds : int
        Folds for the out-of-fold temperature fit.
    """

    def __init__(self, sfreq: float, freqs: Sequence[float], lengths: Sequence[int], n_bands: int = 3,
                 n_folds: int = 4) -> None:
        self.sfreq = float(sfreq)
        self.freqs = list(freqs)
        self.lengths = sorted(int(n) for n in lengths)
        self.n_bands = n_bands
        self.n_folds = n_folds
        self._bank = filter_bank(self.sfreq, n_bands, max(2.0, min(self.freqs) - 2.0))
        self._w = fb_weights(n_bands)

    def _learn(self, X: NDArray[np.float64], y: NDArray[np.int64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        K = len(self.classes_)
        filters = np.empty((len(self._bank), X.shape[2], K))
        templates = np.empty((len(self._bank), K, X.shape[1], X.shape[2]))
        for m, sos in enumerate(self._bank):
            Xf = apply_sos(sos, X)
            for k, lab in enumerate(self.classes_):
                trials = Xf[y == lab]
                filters[m, :, k] = _trca_filter(trials)
                templates[m, k] = trials.mean(axis=0)
        return filters, templates

    def _projected(self, filters: NDArray[np.float64], templates: NDArray[np.float64], n_t: int
                   ) -> list[NDArray[np.float64]]:
        """Return each sub-band's templates in the filters' space, unit rows, (n_classes, n_t * n_filters)."""
        return [_unit_rows((templates[m, :, :n_t] @ filters[m]).reshape(templates.shape[1], -1))
                for m in range(len(self._bank))]

    def _score(self, X: NDArray[np.float64], filters: NDArray[np.float64], templates: NDArray[np.float64],
               n_t: int, proj: list[NDArray[np.float64]] | None = None) -> NDArray[np.float64]:
        b = self._projected(filters, templates, n_t) if proj is None else proj
        rho = np.zeros((len(X), templates.shape[1]))
        for m, sos in enumerate(self._bank):
            a = _unit_rows((apply_sos(sos, X)[:, :n_t] @ filters[m]).reshape(len(X), -1))
            rho += self._w[m] * (a @ b[m].T)
        return rho / self._w.sum()

    def fit(self, X: NDArray[np.float64], y: NDArray[np.int64]) -> GrowingWindowTRCA:
        """Learn filters/templates on windows (n_windows, n_times, n_channels) and one temperature per length."""
        X = np.asarray(X, np.float64)  # type: ignore[assignment]
        y = np.asarray(y)
        self.classes_ = np.unique(y)
        idx = np.searchsorted(self.classes_, y)
        self.filters_, self.templates_ = self._learn(X, y)
        oof = {n: np.zeros((len(X), len(self.classes_))) for n in self.lengths}
        cv = StratifiedKFold(n_splits=min(self.n_folds, int(np.bincount(idx).min())), shuffle=True, random_state=0)
        for tr, te in cv.split(X, y):
            f, t = self._learn(X[tr], y[tr])
            for n in self.lengths:
                oof[n][te] = self._score(X[te, :n], f, t, n)
        self.scales_ = {n: fit_softmax(oof[n], idx, False)[0] for n in self.lengths}
        # The templates projected once per window length: a decision then filters only the window itself.
        self.projected_ = {n: self._projected(self.filters_, self.templates_, n) for n in self.lengths}
        self.oof_accuracy_ = {n: float(np.mean(np.argmax(oof[n], 1) == idx)) for n in self.lengths}
        return self

    def _length(self, n_times: int) -> int:
        fits = [n for n in self.lengths if n <= n_times]
        return fits[-1] if fits else self.lengths[0]

    def decision_function(self, X: NDArray[np.float64]) -> NDArray[np.float64]:
        """Return the ensemble-TRCA correlations (n_windows, n_classes) at the longest fitted length <= window."""
        X = np.asarray(X, np.float64)  # type: ignore[assignment]
        n = self._length(X.shape[1])
        n_t = min(n, X.shape[1])
        return self._score(X[:, :n], self.filters_, self.templates_, n_t, self.projected_.get(n_t))

    def proba_from_scores(self, scores: NDArray[np.float64], n_times: int) -> NDArray[np.float64]:
        """Return probabilities from :meth:`decision_function` output for windows of ``n_times`` samples."""
        return softmax_scores(np.asarray(scores, float), self.scales_[self._length(n_times)], None)

    def predict_proba(self, X: NDArray[np.float64]) -> NDArray[np.float64]:
        """Return probabilities (n_windows, n_classes) using the temperature of the longest fitted length <= window."""
        return self.proba_from_scores(self.decision_function(X), np.shape(X)[1])
