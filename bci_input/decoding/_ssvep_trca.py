"""Calibrated SSVEP decoders: task-related component analysis (Nakanishi et al. 2018).

TRCA learns, per target, a spatial filter that maximises the reproducibility of the response across
calibration trials, and correlates a new window with the target's averaged template in that space.
Ensemble TRCA applies all targets' filters at once. Both work in a filter bank (``n_bands > 1``).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from scipy import linalg
from sklearn.model_selection import StratifiedKFold

from ._persist import register_decoder
from ._ssvep_cca import _ScoreSSVEP
from ._ssvep_common import apply_sos, fb_weights, filter_bank

__all__ = ["TRCA", "EnsembleTRCA"]


def _trca_filter(trials: NDArray[np.float64]) -> NDArray[np.float64]:
    """Return the TRCA spatial filter of one target's trials (n_trials, n_times, n_channels), shape (n_channels,)."""
    Xc = trials - trials.mean(axis=1, keepdims=True)
    s = Xc.sum(axis=0)
    S = s.T @ s - np.einsum("ntc,ntd->cd", Xc, Xc)
    Q = np.einsum("ntc,ntd->cd", Xc, Xc)
    Q += 1e-6 * np.trace(Q) / len(Q) * np.eye(len(Q))
    vals, vecs = linalg.eigh((S + S.T) / 2, Q)
    return vecs[:, np.argmax(vals)]


@functools.lru_cache(maxsize=16)
def _bank_of(sfreq: float, n_bands: int, step: float) -> tuple[NDArray[np.float64], ...]:
    """Return the filter bank's SOS sections, designed once per (rate, bands, step); copies are handed out."""
    return tuple(filter_bank(sfreq, n_bands, step))


def _corr(a: NDArray[np.float64], b: NDArray[np.float64]) -> NDArray[np.float64]:
    """Pearson correlation of each row of a (n, L) with each row of b (k, L), shape (n, k)."""
    a = a - a.mean(axis=1, keepdims=True)
    b = b - b.mean(axis=1, keepdims=True)
    a /= np.linalg.norm(a, axis=1, keepdims=True) + 1e-12
    b /= np.linalg.norm(b, axis=1, keepdims=True) + 1e-12
    return a @ b.T


def _ensemble_corr(X: NDArray[np.float64], W: NDArray[np.float64], T: NDArray[np.float64]) -> NDArray[np.float64]:
    """Pearson correlation of each window with each template, both projected on all filters, flattened.

    Equal to ``_corr((X @ W).reshape(n, -1), (T @ W).reshape(k, -1))`` without projecting the templates
    (the costly part: ``k * n_times * n_channels * n_filters``): with ``A = X @ W``, the dot product is
    ``<T_k, A @ W.T>``, the template sums are ``sum_t T_k[t] @ W``, and the squared norms
    ``sum_t T_k[t] @ (W @ W.T) @ T_k[t]``.

    Parameters
    ----------
    X : ndarray, shape (n_windows, n_times, n_channels)
    W : ndarray, shape (n_channels, n_filters)
    T : ndarray, shape (n_templates, n_times, n_channels)

    Returns
    -------
    ndarray, shape (n_windows, n_templates)
    """
    n_win, n_t, n_ch = X.shape
    n_k = len(T)
    size = n_t * W.shape[1]
    A = (X.reshape(-1, n_ch) @ W).reshape(n_win, n_t, -1)
    a = A.reshape(n_win, -1)
    a_mean = a.mean(axis=1)
    a_norm = np.sqrt(np.maximum((a * a).sum(axis=1) - size * a_mean**2, 0.0))
    G = (A.reshape(-1, A.shape[2]) @ W.T).reshape(n_win, -1)  # (n_windows, n_times * n_channels)
    Tf = np.ascontiguousarray(T).reshape(n_k, -1)
    dots = G @ Tf.T
    b_mean = (T.sum(axis=1) @ W).sum(axis=1) / size
    b_sq = ((T.reshape(-1, n_ch) @ (W @ W.T)) * T.reshape(-1, n_ch)).reshape(n_k, -1).sum(axis=1)
    b_norm = np.sqrt(np.maximum(b_sq - size * b_mean**2, 0.0))
    cov = dots - size * a_mean[:, None] * b_mean[None, :]
    return cov / ((a_norm[:, None] + 1e-12) * (b_norm[None, :] + 1e-12))


class _BaseTRCA(_ScoreSSVEP):
    _training_free = False
    _default_scale = 10.0
    _ensemble = False

    def __init__(
        self,
        sfreq: float = 256.0,
        freqs: Sequence[float] = (13.0, 17.0, 21.0),
        n_bands: int = 3,
        band_step: float | None = None,
        a: float = 1.25,
        b: float = 0.25,
        n_calibration_folds: int = 4,
        scale: float | None = None,
        rest_threshold: float | None = None,
    ) -> None:
        self.sfreq = sfreq
        self.freqs = freqs
        self.n_bands = n_bands
        self.band_step = band_step
        self.a = a
        self.b = b
        self.n_calibration_folds = n_calibration_folds
        self.scale = scale
        self.rest_threshold = rest_threshold

    def _bank(self) -> list[NDArray[np.float64]]:
        if int(self.n_bands) < 1:
            raise ValueError(f"n_bands must be >= 1, got {self.n_bands!r}.")
        step = float(self.band_step) if self.band_step is not None else max(2.0, min(self.freqs) - 2.0)
        return [sos.copy() for sos in _bank_of(float(self.sfreq), int(self.n_bands), step)]

    def _filtered(self, X: NDArray[np.float64]) -> NDArray[np.float64]:
        """Return X in every sub-band, shape (n_bands, n_windows, n_times, n_channels)."""
        return np.stack([apply_sos(sos, X) for sos in self._bank()])

    def _learn(self, Xb: NDArray[np.float64], y: NDArray) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Return filters (n_bands, n_channels, n_targets) and templates (n_bands, n_targets, n_times, n_channels)."""
        n_bands, _, n_times, n_ch = Xb.shape
        filters = np.empty((n_bands, n_ch, len(self.targets_)))
        templates = np.empty((n_bands, len(self.targets_), n_times, n_ch))
        for m in range(n_bands):
            for k, lab in enumerate(self.targets_):
                trials = Xb[m][y == lab]
                if len(trials) < 2:
                    raise ValueError(f"TRCA needs at least 2 calibration windows of target {lab!r}, got {len(trials)}.")
                filters[m, :, k] = _trca_filter(trials)
                templates[m, k] = trials.mean(axis=0)
        return filters, templates

    def _score_with(
        self, Xb: NDArray[np.float64], filters: NDArray[np.float64], templates: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        n_bands, n_win = Xb.shape[:2]
        n_t = min(Xb.shape[2], templates.shape[2])
        w = fb_weights(n_bands, self.a, self.b)
        rho = np.zeros((n_win, len(self.targets_)))
        for m in range(n_bands):
            Xf = Xb[m][:, :n_t]
            if self._ensemble:
                rho += w[m] * _ensemble_corr(Xf, filters[m], templates[m, :, :n_t])
                continue
            for k in range(len(self.targets_)):
                W = filters[m, :, k : k + 1]
                a = (Xf @ W).reshape(n_win, -1)
                b = (templates[m, k, :n_t] @ W).reshape(1, -1)
                rho[:, k] += w[m] * _corr(a, b)[:, 0]
        return rho / w.sum()

    def _fit_model(self, X: NDArray[np.float64], y: NDArray) -> None:
        self._Xb = self._filtered(X)  # reused by _train_scores, then dropped
        self.filters_, self.templates_ = self._learn(self._Xb, y)

    def _train_scores(self, X: NDArray[np.float64], y: NDArray) -> NDArray[np.float64]:
        # out-of-fold scores, so the softmax is calibrated on windows the templates have not seen
        Xb = self.__dict__.pop("_Xb", None)
        if Xb is None:
            Xb = self._filtered(X)
        n_min = int(np.min(np.unique(y, return_counts=True)[1]))
        k = min(int(self.n_calibration_folds), n_min)
        if k < 2:
            return self._score_with(Xb, self.filters_, self.templates_)
        out = np.empty((len(X), len(self.targets_)))
        cv = StratifiedKFold(n_splits=k, shuffle=True, random_state=0)
        for tr, te in cv.split(X, y):
            filters, templates = self._learn(Xb[:, tr], y[tr])
            out[te] = self._score_with(Xb[:, te], filters, templates)
        return out

    def _scores(self, X: NDArray[np.float64]) -> NDArray[np.float64]:
        # shorter windows are compared with the start of the templates
        return self._score_with(self._filtered(X), self.filters_, self.templates_)


@register_decoder
class TRCA(_BaseTRCA):
    """Task-related component analysis, one spatial filter per target, in a filter bank.

    Labels: any values; ``REST`` (-1) marks rest windows, which get no template but a calibrated rest
    threshold. Windows at prediction time may be shorter than the calibration windows (templates are cut).

    Parameters
    ----------
    sfreq : float
        Sampling rate, Hz.
    freqs : sequence of float
        Stimulus frequencies, Hz (only used to place the filter bank).
    n_bands : int
        Number of sub-bands (1 = plain TRCA on ``[band_step, 88]`` Hz).
    band_step : float | None
        Lower edge step of the sub-bands, Hz; None = ``min(freqs) - 2``.
    a, b : float
        Sub-band weights ``m**-a + b``.
    n_calibration_folds : int
        Folds of the internal cross-validation that calibrates the softmax on unseen windows.
    scale, rest_threshold : float | None
        Fixed inverse temperature / rest threshold; None = fit them.
    """


@register_decoder
class EnsembleTRCA(_BaseTRCA):
    """Ensemble TRCA: every target's TRCA filter is applied together (Nakanishi et al. 2018).

    Parameters are those of :class:`TRCA`.
    """

    _ensemble = True
