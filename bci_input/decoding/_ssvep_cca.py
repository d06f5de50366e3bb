"""Training-free SSVEP decoders: CCA with harmonics and filter-bank CCA (Chen et al. 2015)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from ._persist import register_decoder
from ._ssvep_common import (
    REST,
    apply_sos,
    cca_corr,
    fb_weights,
    filter_bank,
    fit_softmax,
    reference_signals,
    softmax_scores,
)
from ._window_checks import validate_windows, validate_windows_fit

__all__ = ["CCA", "FBCCA"]


class _ScoreSSVEP(ClassifierMixin, BaseEstimator):
    """Base class: per-target scores -> calibrated softmax, optional rest class (label ``REST``)."""

    _default_scale = 30.0
    _training_free = True

    def _check_params(self) -> None:
        if float(self.sfreq) <= 0:
            raise ValueError(f"sfreq must be positive, got {self.sfreq!r}.")

    def _labels_ok(self, y: NDArray) -> None:
        if self._training_free:
            n = len(self.freqs)
            allowed = set(range(n)) | {REST}
            bad = sorted({v for v in y.tolist() if v not in allowed}, key=str)
            if bad:
                raise ValueError(
                    f"Labels {bad} are not valid for {type(self).__name__}: use the target index 0..{n - 1} "
                    f"into freqs, or {REST} for rest."
                )

    def _fit_model(self, X: NDArray[np.float64], y: NDArray) -> None:
        """Learn what the decoder needs (templates); nothing for training-free decoders."""

    def _train_scores(self, X: NDArray[np.float64], y: NDArray) -> NDArray[np.float64]:
        return self._scores(X)

    def _scores(self, X: NDArray[np.float64]) -> NDArray[np.float64]:  # pragma: no cover - abstract
        raise NotImplementedError

    def fit(self, X: NDArray[np.floating], y: NDArray) -> _ScoreSSVEP:
        """Validate the windows and calibrate the softmax (and rest threshold) on labelled windows.

        Parameters
        ----------
        X : ndarray, shape (n_windows, n_times, n_channels)
            Windows in µV.
        y : ndarray, shape (n_windows,)
            Labels: the index of the attended target in ``freqs``, or ``REST`` (-1) for rest.

        Returns
        -------
        self
        """
        self._check_params()
        X, y = validate_windows_fit(self, X, y, fixed_length=False)
        self._labels_ok(y)
        classes = self.classes_
        self.targets_ = classes[classes != REST] if classes.dtype.kind in "iu" else classes
        self._fit_model(X, y)
        scores = self._train_scores(X, y)
        rest = len(self.targets_) < len(self.classes_)
        y_idx = np.searchsorted(self.classes_, y)
        self.scale_, self.rest_threshold_ = fit_softmax(
            scores, y_idx, rest, fixed_threshold=self.rest_threshold, fixed_scale=self.scale
        )
        return self

    def decision_function(self, X: NDArray[np.floating]) -> NDArray[np.float64]:
        """Return the per-target scores (correlations), shape (n_windows, n_targets)."""
        return self._scores(validate_windows(self, X, fixed_length=False))

    def predict_proba(self, X: NDArray[np.floating]) -> NDArray[np.float64]:
        """Return calibrated class probabilities.

        Parameters
        ----------
        X : ndarray, shape (n_windows, n_times, n_channels)

        Returns
        -------
        ndarray, shape (n_windows, n_classes)
            Columns in the order of ``classes_`` (rest first when present); rows sum to 1.
        """
        scores = self.decision_function(X)
        return softmax_scores(scores, self.scale_, self.rest_threshold_)

    def predict(self, X: NDArray[np.floating]) -> NDArray:
        """Return the most probable class of each window, shape (n_windows,)."""
        check_is_fitted(self, "classes_")
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


class _TrainingFree(_ScoreSSVEP):
    def fit_targets(self, n_channels: int | None = None) -> _TrainingFree:
        """Make the decoder usable without calibration data.

        ``classes_`` becomes ``arange(n_targets)`` (with ``REST`` first if ``rest_threshold`` is set);
        the softmax uses ``scale`` (or a default inverse temperature).

        Parameters
        ----------
        n_channels : int | None
            Number of channels expected at prediction time (None: any).

        Returns
        -------
        self
        """
        self._check_params()
        targets = np.arange(len(self.freqs))
        self.targets_ = targets
        self.classes_ = targets if self.rest_threshold is None else np.concatenate([[REST], targets])
        self.n_channels_ = n_channels
        self.scale_ = float(self.scale) if self.scale is not None else self._default_scale
        self.rest_threshold_ = None if self.rest_threshold is None else float(self.rest_threshold)
        return self

    def _target_refs(self, n_times: int) -> NDArray[np.float64]:
        phases = None if self.phases is None else [self.phases[int(k)] for k in self.targets_]
        return reference_signals(
            [self.freqs[int(k)] for k in self.targets_], n_times, float(self.sfreq), int(self.n_harmonics), phases
        )


@register_decoder
class CCA(_TrainingFree):
    """Canonical correlation analysis with sine/cosine references (Lin et al. 2006).

    Training-free: :meth:`fit_targets` makes it usable at once; :meth:`fit` on labelled windows only
    calibrates the softmax temperature and, when rest windows (label -1) are given, the rest threshold.

    Parameters
    ----------
    sfreq : float
        Sampling rate, Hz.
    freqs : sequence of float
        Stimulus frequencies, Hz; target ``k`` flickers at ``freqs[k]``.
    n_harmonics : int
        Harmonics in the references (1 = fundamental only).
    phases : sequence of float | None
        Stimulus phases, radians (JFPM); CCA is phase-invariant, they are kept for API symmetry.
    scale : float | None
        Inverse temperature of the softmax over correlations; None = fit it (or a default).
    rest_threshold : float | None
        Correlation of the rest state; None = fit it when rest windows are given, else no rest class.
    """

    _default_scale = 40.0

    def __init__(
        self,
        sfreq: float = 256.0,
        freqs: Sequence[float] = (13.0, 17.0, 21.0),
        n_harmonics: int = 2,
        phases: Sequence[float] | None = None,
        scale: float | None = None,
        rest_threshold: float | None = None,
    ) -> None:
        self.sfreq = sfreq
        self.freqs = freqs
        self.n_harmonics = n_harmonics
        self.phases = phases
        self.scale = scale
        self.rest_threshold = rest_threshold

    def _scores(self, X: NDArray[np.float64]) -> NDArray[np.float64]:
        return cca_corr(X, self._target_refs(X.shape[1]))


@register_decoder
class FBCCA(_TrainingFree):
    """Filter-bank CCA (Chen et al. 2015): CCA in sub-bands, combined as ``sum_m w_m * rho_m**2``.

    Parameters
    ----------
    sfreq : float
        Sampling rate, Hz.
    freqs : sequence of float
        Stimulus frequencies, Hz.
    n_harmonics : int
        Harmonics in the references.
    phases : sequence of float | None
        Stimulus phases, radians (kept for API symmetry; CCA is phase-invariant).
    n_bands : int
        Number of sub-bands; sub-band ``m`` passes ``[m * band_step, 88]`` Hz.
    band_step : float | None
        Lower edge step, Hz; None = ``min(freqs) - 2``.
    a, b : float
        Sub-band weights ``m**-a + b``.
    scale, rest_threshold : float | None
        As in :class:`CCA`.
    """

    _default_scale = 60.0

    def __init__(
        self,
        sfreq: float = 256.0,
        freqs: Sequence[float] = (13.0, 17.0, 21.0),
        n_harmonics: int = 3,
        phases: Sequence[float] | None = None,
        n_bands: int = 3,
        band_step: float | None = None,
        a: float = 1.25,
        b: float = 0.25,
        scale: float | None = None,
        rest_threshold: float | None = None,
    ) -> None:
        self.sfreq = sfreq
        self.freqs = freqs
        self.n_harmonics = n_harmonics
        self.phases = phases
        self.n_bands = n_bands
        self.band_step = band_step
        self.a = a
        self.b = b
        self.scale = scale
        self.rest_threshold = rest_threshold

    def _scores(self, X: NDArray[np.float64]) -> NDArray[np.float64]:
        step = float(self.band_step) if self.band_step is not None else max(2.0, min(self.freqs) - 2.0)
        bank = filter_bank(float(self.sfreq), int(self.n_bands), step)
        w = fb_weights(len(bank), self.a, self.b)
        refs = self._target_refs(X.shape[1])
        rho = sum(wm * cca_corr(apply_sos(sos, X), refs) ** 2 for wm, sos in zip(w, bank, strict=True))
        return np.asarray(rho) / float(w.sum())
