"""Shared pieces of the SSVEP decoders: references, filter banks, CCA, input checks, calibrated softmax.

Label convention of every SSVEP decoder: a target is labelled by its index into ``freqs``
(0 .. n_targets-1) and the rest / no-control state by :data:`REST` (-1).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import optimize, signal
from sklearn.utils.validation import check_is_fitted

from .._errors import ConfigError
from ._window_checks import validate_windows, validate_windows_fit

__all__ = [
    "FeaturePipelineClassifier",
    "REST",
    "reference_signals",
    "filter_bank",
    "fb_weights",
    "apply_sos",
    "cca_corr",
    "fit_softmax",
    "softmax_scores",
    "jfpm_grid",
]

#: Label of the rest / no-control class.
REST = -1


def jfpm_grid(
    n_targets: int = 40, f0: float = 8.0, f_step: float = 0.2, phase_step: float = 0.35 * np.pi
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Return the frequencies and phases of a joint frequency-phase modulation (JFPM) grid.

    Parameters
    ----------
    n_targets : int
        Number of targets (40 gives 8-15.8 Hz in 0.2 Hz steps).
    f0, f_step : float
        First frequency and frequency step, Hz.
    phase_step : float
        Phase step between consecutive targets, radians.

    Returns
    -------
    freqs, phases : tuple of float
        One value per target; phases wrapped to [0, 2*pi).
    """
    k = np.arange(n_targets)
    freqs = tuple(float(round(f0 + f_step * i, 6)) for i in k)
    phases = tuple(float(np.mod(phase_step * i, 2 * np.pi)) for i in k)
    return freqs, phases


def reference_signals(
    freqs: Sequence[float], n_times: int, sfreq: float, n_harmonics: int, phases: Sequence[float] | None = None
) -> NDArray[np.float64]:
    """Return sine/cosine references for CCA.

    Parameters
    ----------
    freqs : sequence of float
        Stimulus frequencies, Hz.
    n_times : int
        Window length in samples.
    sfreq : float
        Sampling rate, Hz.
    n_harmonics : int
        Number of harmonics (1 = fundamental only).
    phases : sequence of float | None
        Stimulus phases, radians (harmonic h is shifted by ``h * phase``).

    Returns
    -------
    ndarray, shape (n_freqs, n_times, 2 * n_harmonics)
    """
    t = np.arange(n_times) / sfreq
    ph = np.zeros(len(freqs)) if phases is None else np.asarray(phases, float)
    out = np.empty((len(freqs), n_times, 2 * n_harmonics))
    for i, f in enumerate(freqs):
        for h in range(1, n_harmonics + 1):
            arg = 2 * np.pi * h * f * t + h * ph[i]
            out[i, :, 2 * h - 2] = np.sin(arg)
            out[i, :, 2 * h - 1] = np.cos(arg)
    return out


def filter_bank(
    sfreq: float, n_bands: int, band_step: float, high: float = 88.0, order: int = 4
) -> list[NDArray[np.float64]]:
    """Return Chebyshev type I band-pass SOS filters of a filter bank (Chen et al. 2015).

    Sub-band ``m`` (1-based) passes ``[m * band_step, high]`` Hz. Sub-bands that would start within
    2 Hz of the upper edge are left out (high stimulus frequencies get fewer sub-bands).

    Parameters
    ----------
    sfreq : float
        Sampling rate, Hz.
    n_bands : int
        Number of sub-bands.
    band_step : float
        Lower edge of the first sub-band and step between lower edges, Hz.
    high : float
        Upper edge, Hz (clipped below Nyquist).
    order : int
        Filter order.

    Returns
    -------
    list of ndarray, each shape (n_sections, 6)
    """
    nyq = sfreq / 2.0
    hi = min(high, 0.9 * nyq)
    out = []
    for m in range(1, n_bands + 1):
        lo = m * band_step
        if lo >= hi - 2:
            if m == 1:
                raise ConfigError(
                    f"Filter-bank sub-band 1 starts at {lo:.1f} Hz, above its upper edge {hi:.1f} Hz; "
                    "use a smaller band_step."
                )
            break
        out.append(signal.cheby1(order, 0.5, [lo / nyq, hi / nyq], btype="bandpass", output="sos"))
    return out


def fb_weights(n_bands: int, a: float = 1.25, b: float = 0.25) -> NDArray[np.float64]:
    """Return filter-bank weights ``m**-a + b`` (Chen et al. 2015), shape (n_bands,)."""
    m = np.arange(1, n_bands + 1, dtype=float)
    return m**-a + b


def apply_sos(sos: NDArray[np.float64], X: NDArray[np.float64]) -> NDArray[np.float64]:
    """Zero-phase filter each window along time.

    Parameters
    ----------
    sos : ndarray, shape (n_sections, 6)
    X : ndarray, shape (n_windows, n_times, n_channels)

    Returns
    -------
    ndarray, shape (n_windows, n_times, n_channels)
    """
    padlen = min(X.shape[1] - 1, 3 * (2 * len(sos) + 1) * 4)
    return signal.sosfiltfilt(sos, X, axis=1, padlen=padlen)


def _orth(A: NDArray[np.float64]) -> NDArray[np.float64]:
    """Orthonormal basis of the columns of each centred matrix in a batch (..., n_times, n_cols)."""
    A = A - A.mean(axis=-2, keepdims=True)
    q, _ = np.linalg.qr(A)
    return q


def cca_corr(X: NDArray[np.float64], refs: NDArray[np.float64]) -> NDArray[np.float64]:
    """Largest canonical correlation between each window and each reference set.

    Parameters
    ----------
    X : ndarray, shape (n_windows, n_times, n_channels)
    refs : ndarray, shape (n_refs, n_times, n_ref_cols)

    Returns
    -------
    ndarray, shape (n_windows, n_refs)
    """
    qx = _orth(X)
    qy = _orth(refs)
    # (n_windows, n_refs, n_channels, n_ref_cols)
    m = np.matmul(np.swapaxes(qx, 1, 2)[:, None], qy[None])
    s = np.linalg.svd(m, compute_uv=False)
    return np.clip(s[..., 0], 0.0, 1.0)


def softmax_scores(
    scores: NDArray[np.float64], scale: float, rest_threshold: float | None
) -> NDArray[np.float64]:
    """Turn per-target scores into probabilities; a rest column (first) if ``rest_threshold`` is set.

    Parameters
    ----------
    scores : ndarray, shape (n_windows, n_targets)
    scale : float
        Inverse temperature.
    rest_threshold : float | None
        Score of the rest state (its logit is ``scale * rest_threshold``).

    Returns
    -------
    ndarray, shape (n_windows, n_targets [+ 1])
        Rows sum to 1; with rest, column 0 is rest.
    """
    z = scale * scores
    if rest_threshold is not None:
        z = np.concatenate([np.full((len(z), 1), scale * rest_threshold), z], axis=1)
    z = z - z.max(axis=1, keepdims=True)
    p = np.exp(z)
    return p / p.sum(axis=1, keepdims=True)


def fit_softmax(
    scores: NDArray[np.float64],
    y_idx: NDArray[np.int64],
    rest: bool,
    fixed_threshold: float | None = None,
    fixed_scale: float | None = None,
) -> tuple[float, float | None]:
    """Fit the inverse temperature (and rest threshold) of :func:`softmax_scores` by maximum likelihood.

    Parameters
    ----------
    scores : ndarray, shape (n_windows, n_targets)
    y_idx : ndarray, shape (n_windows,)
        Column of the true class in the output of :func:`softmax_scores` (0 = rest when ``rest``).
    rest : bool
        Whether a rest column is modelled.
    fixed_threshold : float | None
        Keep this rest threshold instead of fitting it.
    fixed_scale : float | None
        Keep this inverse temperature instead of fitting it.

    Returns
    -------
    scale : float
    rest_threshold : float | None
    """
    spread = float(np.std(scores)) or 1.0
    fit_thr = rest and fixed_threshold is None
    if fixed_scale is not None and not fit_thr:
        return float(fixed_scale), (fixed_threshold if rest else None)

    def nll(theta: NDArray[np.float64]) -> float:
        scale = float(np.exp(theta[0])) if fixed_scale is None else float(fixed_scale)
        thr = float(theta[1]) if fit_thr else fixed_threshold
        p = softmax_scores(scores, scale, thr if rest else None)
        # a weak prior on log-scale keeps separable training data from sending the scale to infinity
        return float(-np.mean(np.log(p[np.arange(len(p)), y_idx] + 1e-12)) + 1e-3 * theta[0] ** 2)

    x0 = [np.log(3.0 / spread)]
    if fit_thr:
        x0.append(float(np.median(scores.max(axis=1))))
    res = optimize.minimize(nll, np.array(x0), method="Nelder-Mead", options={"xatol": 1e-4, "fatol": 1e-6})
    scale = float(np.exp(res.x[0])) if fixed_scale is None else float(fixed_scale)
    thr = float(res.x[1]) if fit_thr else (fixed_threshold if rest else None)
    return scale, thr


class FeaturePipelineClassifier:
    """``fit``/``predict_proba``/``predict`` for SSVEP estimators that are features + a sklearn model.

    Subclasses define ``_features(X)`` (windows -> feature array) and ``_make_model()`` (an unfitted
    sklearn classifier or pipeline). Fitted attributes: ``model_``, ``classes_``, ``n_channels_``.
    """

    def _features(self, X: NDArray[np.float64]) -> NDArray[np.float64]:
        raise NotImplementedError

    def _make_model(self) -> Any:
        raise NotImplementedError

    def fit(self, X: NDArray[np.floating], y: NDArray) -> Any:
        """Fit on labelled calibration windows.

        Parameters
        ----------
        X : ndarray, shape (n_windows, n_times, n_channels)
            Windows in µV.
        y : ndarray, shape (n_windows,)
            Labels (any values; typically -1 rest and target indices).

        Returns
        -------
        self
        """
        X, y = validate_windows_fit(self, X, y, fixed_length=False)
        self.model_ = self._make_model().fit(self._features(X), y)
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X: NDArray[np.floating]) -> NDArray[np.float64]:
        """Return class probabilities, shape (n_windows, n_classes), columns in ``classes_`` order."""
        check_is_fitted(self, "model_")
        return np.asarray(self.model_.predict_proba(self._features(validate_windows(self, X, fixed_length=False))))

    def predict(self, X: NDArray[np.floating]) -> NDArray:
        """Return the most probable class of each window, shape (n_windows,)."""
        check_is_fitted(self, "model_")
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
