"""Motor imagery: common spatial patterns (CSP) with LDA for a binary select."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import linalg
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

from ._persist import register_decoder
from ._window_checks import validate_windows, validate_windows_fit

__all__ = ["MotorImageryDecoder", "csp_filters"]


def _covs(X: NDArray[np.float64]) -> NDArray[np.float64]:
    Xc = X - X.mean(axis=1, keepdims=True)
    c = np.einsum("nti,ntj->nij", Xc, Xc) / max(1, X.shape[1] - 1)
    tr = np.trace(c, axis1=1, axis2=2)[:, None, None]
    return c / np.maximum(tr, 1e-20)  # trace-normalised: every trial weighs the same


def csp_filters(
    X: NDArray[np.float64], y: NDArray[Any], classes: NDArray[Any], n_components: int, reg: float = 0.0
) -> NDArray[np.float64]:
    """Return CSP spatial filters for two classes.

    Solves ``C_a w = lambda (C_a + C_b) w`` and keeps the filters of the largest and smallest
    eigenvalues alternately (most discriminative first).

    Parameters
    ----------
    X : ndarray, shape (n_trials, n_times, n_channels)
        Band-passed trials.
    y : ndarray, shape (n_trials,)
        Labels.
    classes : ndarray, shape (2,)
        The two labels.
    n_components : int
        Number of filters (at most n_channels).
    reg : float
        Shrinkage of the class covariances towards the identity, 0-1.

    Returns
    -------
    ndarray, shape (n_channels, n_components)
        The filters.
    """
    n_ch = X.shape[2]
    covs = _covs(X)
    cs = []
    for c in classes[:2]:
        m = covs[y == c].mean(axis=0)
        m = (1 - reg) * m + reg * np.trace(m) / n_ch * np.eye(n_ch)
        cs.append(m + 1e-10 * np.trace(m) * np.eye(n_ch))
    vals, vecs = linalg.eigh(cs[0], cs[0] + cs[1])
    order = np.argsort(np.abs(vals - 0.5))[::-1]
    k = int(min(max(1, n_components), n_ch))
    return vecs[:, order[:k]]


@register_decoder
class MotorImageryDecoder(ClassifierMixin, BaseEstimator):
    """Binary motor-imagery decoder: CSP log-variance features and shrinkage LDA.

    Feed band-passed (e.g. 8-30 Hz) trials or windows after the cue.

    Parameters
    ----------
    sfreq : float
        Sampling rate, Hz (recorded with the model; the features do not depend on it).
    n_components : int
        Number of CSP filters.
    reg : float
        Covariance shrinkage towards the identity in CSP, 0-1.

    Attributes
    ----------
    classes_ : ndarray, shape (2,)
        The two labels.
    filters_ : ndarray, shape (n_channels, n_components)
        CSP filters.
    lda_ : LinearDiscriminantAnalysis
        Classifier on the log-variance features.
    """

    def __init__(self, sfreq: float = 160.0, n_components: int = 4, reg: float = 0.05) -> None:
        self.sfreq = sfreq
        self.n_components = n_components
        self.reg = reg

    def _feats(self, X: NDArray[np.float64]) -> NDArray[np.float64]:
        Xf = np.einsum("ntc,ck->ntk", X - X.mean(axis=1, keepdims=True), self.filters_)
        var = np.mean(Xf * Xf, axis=1) + 1e-20
        return np.log(var / var.sum(axis=1, keepdims=True))

    def fit(self, X: ArrayLike, y: ArrayLike) -> MotorImageryDecoder:
        """Fit CSP and LDA.

        Parameters
        ----------
        X : array-like, shape (n_trials, n_times, n_channels)
            Band-passed trials in µV; 2-D means one channel.
        y : array-like, shape (n_trials,)
            Two labels.

        Returns
        -------
        MotorImageryDecoder
            self
        """
        X, y = validate_windows_fit(self, X, y)
        if len(self.classes_) != 2:
            raise ValueError(
                f"Only binary classification is supported (a binary select); y has classes {list(self.classes_)}."
            )
        if X.shape[1] < 2:
            raise ValueError("n_features = 1: a trial needs at least 2 samples to estimate its covariance.")
        self.filters_ = csp_filters(X, y, self.classes_, self.n_components, float(self.reg))
        self.lda_ = LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto").fit(self._feats(X), y)
        return self

    def decision_function(self, X: ArrayLike) -> NDArray[np.float64]:
        """Return the LDA score per trial (positive favours ``classes_[1]``).

        Parameters
        ----------
        X : array-like, shape (n_trials, n_times, n_channels)
            Trials.

        Returns
        -------
        ndarray, shape (n_trials,)
            Scores.
        """
        X = validate_windows(self, X)
        return self.lda_.decision_function(self._feats(X))

    def predict_proba(self, X: ArrayLike) -> NDArray[np.float64]:
        """Return class probabilities per trial.

        Parameters
        ----------
        X : array-like, shape (n_trials, n_times, n_channels)
            Trials.

        Returns
        -------
        ndarray, shape (n_trials, 2)
            Rows sum to 1; columns follow ``classes_``.
        """
        X = validate_windows(self, X)
        return self.lda_.predict_proba(self._feats(X))

    def predict(self, X: ArrayLike) -> NDArray[Any]:
        """Return the predicted label per trial.

        Parameters
        ----------
        X : array-like, shape (n_trials, n_times, n_channels)
            Trials.

        Returns
        -------
        ndarray, shape (n_trials,)
            Labels from ``classes_``.
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.classifier_tags.multi_class = False
        return tags
