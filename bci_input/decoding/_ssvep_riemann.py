"""Riemannian SSVEP decoder on filter-bank covariances (after Kalunga et al. 2016).

Each window is band-passed around every stimulus frequency (and optionally its harmonics); the
band-passed copies are stacked as extra channels (the "extended signal"), and the covariance of that
extended signal is classified in the tangent space of the Riemannian manifold (logistic regression or
shrinkage LDA) or with the minimum distance to Riemannian means (MDM). A rest class is an ordinary class.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from scipy import signal
from sklearn.base import BaseEstimator, ClassifierMixin

from .._errors import ConfigError
from ._persist import register_decoder
from ._ssvep_common import FeaturePipelineClassifier, apply_sos

__all__ = ["RiemannSSVEP", "extended_signal"]

_CLASSIFIERS = ("lr", "lda", "mdm")


def extended_signal(
    X: NDArray[np.float64],
    sfreq: float,
    freqs: Sequence[float],
    bandwidth: float = 1.0,
    n_harmonics: int = 1,
    order: int = 4,
) -> NDArray[np.float64]:
    """Stack copies of each window band-passed around each stimulus frequency (and harmonics).

    Parameters
    ----------
    X : ndarray, shape (n_windows, n_times, n_channels)
    sfreq : float
        Sampling rate, Hz.
    freqs : sequence of float
        Stimulus frequencies, Hz.
    bandwidth : float
        Half-width of each band, Hz.
    n_harmonics : int
        Bands per frequency (at ``h * f``, h = 1..n_harmonics; bands above 0.9 Nyquist are skipped).
    order : int
        Butterworth order.

    Returns
    -------
    ndarray, shape (n_windows, n_times, n_channels * n_bands)
    """
    nyq = sfreq / 2.0
    parts = []
    for f in freqs:
        for h in range(1, n_harmonics + 1):
            lo, hi = h * f - bandwidth, h * f + bandwidth
            if hi >= 0.9 * nyq:
                continue
            sos = signal.butter(order, [max(lo, 0.5) / nyq, hi / nyq], btype="bandpass", output="sos")
            parts.append(apply_sos(sos, X))
    if not parts:
        raise ConfigError(f"No stimulus band fits below Nyquist ({nyq} Hz) for freqs {list(freqs)}.")
    return np.concatenate(parts, axis=2)


@register_decoder
class RiemannSSVEP(FeaturePipelineClassifier, ClassifierMixin, BaseEstimator):
    """Extended-signal covariances + Riemannian tangent space + linear classifier (or MDM).

    Parameters
    ----------
    sfreq : float
        Sampling rate, Hz.
    freqs : sequence of float
        Stimulus frequencies, Hz; labels are free (e.g. -1 for rest, 0..n-1 for targets).
    bandwidth : float
        Half-width of each band around a stimulus frequency, Hz.
    n_harmonics : int
        Bands per stimulus frequency (fundamental and harmonics).
    estimator : str
        Covariance estimator of pyriemann (``'oas'``, ``'lwf'``, ``'scm'``).
    classifier : str
        ``'lr'`` (logistic regression in tangent space), ``'lda'`` (shrinkage LDA) or ``'mdm'``.
    C : float
        Inverse regularisation of the logistic regression.
    """

    def __init__(
        self,
        sfreq: float = 256.0,
        freqs: Sequence[float] = (13.0, 17.0, 21.0),
        bandwidth: float = 1.0,
        n_harmonics: int = 1,
        estimator: str = "oas",
        classifier: str = "lr",
        C: float = 1.0,
    ) -> None:
        self.sfreq = sfreq
        self.freqs = freqs
        self.bandwidth = bandwidth
        self.n_harmonics = n_harmonics
        self.estimator = estimator
        self.classifier = classifier
        self.C = C

    def _features(self, X: NDArray[np.float64]) -> NDArray[np.float64]:
        ext = extended_signal(X, float(self.sfreq), self.freqs, float(self.bandwidth), int(self.n_harmonics))
        return np.ascontiguousarray(np.transpose(ext, (0, 2, 1)))  # pyriemann wants (n, channels, times)

    def _make_model(self):  # noqa: ANN202 - returns a sklearn Pipeline
        from pyriemann.classification import MDM
        from pyriemann.estimation import Covariances
        from pyriemann.tangentspace import TangentSpace
        from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import Pipeline

        if self.classifier not in _CLASSIFIERS:
            raise ValueError(
                f"Invalid value for 'classifier': {self.classifier!r}. Allowed values are: {', '.join(_CLASSIFIERS)}."
            )
        steps: list[tuple[str, object]] = [("cov", Covariances(estimator=self.estimator))]
        if self.classifier == "mdm":
            steps.append(("clf", MDM(metric={"mean": "logeuclid", "distance": "riemann"})))
        else:
            # the log-Euclidean mean is closed-form (one eigendecomposition per matrix), many times faster
            # than the iterative Riemannian mean and about as good as reference point
            steps.append(("ts", TangentSpace(metric={"mean": "logeuclid", "map": "riemann"})))
            if self.classifier == "lr":
                steps.append(("clf", LogisticRegression(C=float(self.C), max_iter=1000)))
            else:
                steps.append(("clf", LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto")))
        return Pipeline(steps)

