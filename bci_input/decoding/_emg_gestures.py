"""EMG gesture classification: time-domain features (Hudgins set) with LDA."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

from .._errors import check_option
from ._persist import register_decoder
from ._window_checks import validate_windows, validate_windows_fit

__all__ = ["EmgGestureClassifier", "emg_time_features", "EMG_FEATURES"]

EMG_FEATURES = ("rms", "mav", "wl", "zc", "ssc")


def emg_time_features(
    X: NDArray[np.float64], features: tuple[str, ...] = EMG_FEATURES, deadzone: float = 0.0
) -> NDArray[np.float64]:
    """Compute time-domain EMG features per channel.

    Parameters
    ----------
    X : ndarray, shape (n_windows, n_times, n_channels)
        EMG windows (zero-mean signal).
    features : tuple of str
        Any of ``"rms"`` (root mean square), ``"mav"`` (mean absolute value), ``"wl"`` (waveform
        length, mean absolute difference), ``"zc"`` (zero-crossing rate) and ``"ssc"``
        (slope-sign-change rate).
    deadzone : float
        Amplitude a crossing or slope change must exceed to count (noise immunity).

    Returns
    -------
    ndarray, shape (n_windows, n_features * n_channels)
        Features; RMS, MAV and WL are log-transformed (their class distributions are log-normal).
    """
    out = []
    eps = 1e-6
    for f in features:
        check_option("feature", f, EMG_FEATURES)
        if f == "rms":
            out.append(np.log(np.sqrt(np.mean(X * X, axis=1)) + eps))
        elif f == "mav":
            out.append(np.log(np.mean(np.abs(X), axis=1) + eps))
        elif f == "wl":
            out.append(np.log(np.mean(np.abs(np.diff(X, axis=1)), axis=1) + eps) if X.shape[1] > 1
                       else np.zeros((X.shape[0], X.shape[2])))
        elif f == "zc":
            a, b = X[:, :-1], X[:, 1:]
            zc = (a * b < 0) & (np.abs(a - b) >= deadzone)
            out.append(zc.mean(axis=1) if X.shape[1] > 1 else np.zeros((X.shape[0], X.shape[2])))
        else:
            if X.shape[1] > 2:
                d1, d2 = X[:, 1:-1] - X[:, :-2], X[:, 1:-1] - X[:, 2:]
                ssc = (d1 * d2 > 0) & ((np.abs(d1) >= deadzone) | (np.abs(d2) >= deadzone))
                out.append(ssc.mean(axis=1))
            else:
                out.append(np.zeros((X.shape[0], X.shape[2])))
    return np.concatenate(out, axis=1)


@register_decoder
class EmgGestureClassifier(ClassifierMixin, BaseEstimator):
    """Gesture classifier for windows of multi-channel surface EMG.

    Features per channel: log RMS, log MAV, log waveform length, zero-crossing and
    slope-sign-change rates (:func:`emg_time_features`), classified by (shrinkage) LDA.

    Parameters
    ----------
    sfreq : float
        Sampling rate, Hz (kept for the record; the features do not depend on it).
    features : tuple of str
        Feature names, see :data:`EMG_FEATURES`.
    deadzone : float
        Noise threshold of ZC and SSC, in signal units.
    shrinkage : float | "auto" | None
        LDA shrinkage (None: plain LDA with the SVD solver).

    Attributes
    ----------
    classes_ : ndarray, shape (n_classes,)
        Gesture labels.
    lda_ : LinearDiscriminantAnalysis
        The fitted classifier.
    """

    def __init__(
        self,
        sfreq: float = 200.0,
        features: tuple[str, ...] = EMG_FEATURES,
        deadzone: float = 1.0,
        shrinkage: float | str | None = "auto",
    ) -> None:
        self.sfreq = sfreq
        self.features = features
        self.deadzone = deadzone
        self.shrinkage = shrinkage

    def _feats(self, X: NDArray[np.float64]) -> NDArray[np.float64]:
        return emg_time_features(X - X.mean(axis=1, keepdims=True), tuple(self.features), float(self.deadzone))

    def fit(self, X: ArrayLike, y: ArrayLike) -> EmgGestureClassifier:
        """Fit on labelled windows.

        Parameters
        ----------
        X : array-like, shape (n_windows, n_times, n_channels)
            EMG windows (e.g. 200 ms); 2-D means one channel.
        y : array-like, shape (n_windows,)
            Gesture labels.

        Returns
        -------
        EmgGestureClassifier
            self
        """
        X, y = validate_windows_fit(self, X, y)
        solver = "svd" if self.shrinkage is None else "lsqr"
        self.lda_ = LinearDiscriminantAnalysis(solver=solver, shrinkage=self.shrinkage).fit(self._feats(X), y)
        return self

    def predict_proba(self, X: ArrayLike) -> NDArray[np.float64]:
        """Return class probabilities per window.

        Parameters
        ----------
        X : array-like, shape (n_windows, n_times, n_channels)
            EMG windows.

        Returns
        -------
        ndarray, shape (n_windows, n_classes)
            Rows sum to 1; columns follow ``classes_``.
        """
        X = validate_windows(self, X)
        return self.lda_.predict_proba(self._feats(X))

    def predict(self, X: ArrayLike) -> NDArray[Any]:
        """Return the most probable gesture per window.

        Parameters
        ----------
        X : array-like, shape (n_windows, n_times, n_channels)
            EMG windows.

        Returns
        -------
        ndarray, shape (n_windows,)
            Labels from ``classes_``.
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags
