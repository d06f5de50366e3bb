"""Calibrated filter-bank CCA: CCA correlations per sub-band and per harmonic, classified by logistic regression.

FBCCA combines its sub-band correlations with fixed weights (Chen et al. 2015). With a few calibration
trials, a regularised multinomial logistic regression can learn which sub-bands and harmonics carry
each user's response, and which pattern of low correlations means rest. The output is the regression's
probability, a calibrated softmax.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, ClassifierMixin

from ._persist import register_decoder
from ._ssvep_common import (
    FeaturePipelineClassifier,
    apply_sos,
    cca_corr,
    filter_bank,
    reference_signals,
)

__all__ = ["CalibratedFBCCA", "fbcca_features"]


def fbcca_features(
    X: NDArray[np.float64],
    sfreq: float,
    freqs: Sequence[float],
    n_harmonics: int = 3,
    n_bands: int = 5,
    band_step: float | None = None,
    per_harmonic: bool = True,
) -> NDArray[np.float64]:
    """CCA correlations of each window with each target's references, in every sub-band.

    Parameters
    ----------
    X : ndarray, shape (n_windows, n_times, n_channels)
    sfreq : float
        Sampling rate, Hz.
    freqs : sequence of float
        Stimulus frequencies, Hz.
    n_harmonics : int
        Harmonics in the references.
    n_bands : int
        Sub-bands ``[m * band_step, 88]`` Hz.
    band_step : float | None
        None = ``min(freqs) - 2``.
    per_harmonic : bool
        Also correlate with each harmonic's sine/cosine pair alone.

    Returns
    -------
    ndarray, shape (n_windows, n_bands * (1 + n_harmonics * per_harmonic) * n_targets)
    """
    step = float(band_step) if band_step is not None else max(2.0, min(freqs) - 2.0)
    refs = reference_signals(freqs, X.shape[1], sfreq, n_harmonics)
    feats = []
    for sos in filter_bank(sfreq, n_bands, step):
        Xf = apply_sos(sos, X)
        feats.append(cca_corr(Xf, refs))
        if per_harmonic:
            for h in range(n_harmonics):
                feats.append(cca_corr(Xf, refs[:, :, 2 * h : 2 * h + 2]))
    return np.concatenate(feats, axis=1)


@register_decoder
class CalibratedFBCCA(FeaturePipelineClassifier, ClassifierMixin, BaseEstimator):
    """Filter-bank CCA features (per sub-band, per harmonic) + standardisation + logistic regression.

    Labels are free (e.g. -1 for rest and target indices); a rest class is an ordinary class.

    Parameters
    ----------
    sfreq : float
        Sampling rate, Hz.
    freqs : sequence of float
        Stimulus frequencies, Hz (the references are built for all of them, whatever the labels).
    n_harmonics : int
        Harmonics in the references.
    n_bands : int
        Number of sub-bands.
    band_step : float | None
        Lower edge step of the sub-bands, Hz; None = ``min(freqs) - 2``.
    per_harmonic : bool
        Add the correlation with each harmonic alone.
    C : float
        Inverse L2 regularisation of the logistic regression.
    """

    def __init__(
        self,
        sfreq: float = 256.0,
        freqs: Sequence[float] = (13.0, 17.0, 21.0),
        n_harmonics: int = 3,
        n_bands: int = 5,
        band_step: float | None = None,
        per_harmonic: bool = True,
        C: float = 0.1,
    ) -> None:
        self.sfreq = sfreq
        self.freqs = freqs
        self.n_harmonics = n_harmonics
        self.n_bands = n_bands
        self.band_step = band_step
        self.per_harmonic = per_harmonic
        self.C = C

    def _features(self, X: NDArray[np.float64]) -> NDArray[np.float64]:
        return fbcca_features(
            X, float(self.sfreq), self.freqs, int(self.n_harmonics), int(self.n_bands), self.band_step,
            bool(self.per_harmonic),
        )

    def _make_model(self):  # noqa: ANN202 - returns a sklearn Pipeline
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import Pipeline
        from sklearn.preprocessing import StandardScaler

        return Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression(C=float(self.C), max_iter=2000))])
