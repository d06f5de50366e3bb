"""Statistics shown to the clinician: confidence intervals, chance level, confusion matrices."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["wilson_interval", "chance_level", "confusion_matrix", "itr_bits_per_trial"]


def wilson_interval(n_correct: int, n_total: int, confidence: float = 0.95) -> tuple[float, float]:
    """Return the Wilson score interval of a binomial proportion.

    Parameters
    ----------
    n_correct : int
        Number of correct decisions.
    n_total : int
        Number of decisions.
    confidence : float
        Coverage of the interval, e.g. 0.95.

    Returns
    -------
    (low, high) : tuple of float
        Interval bounds in [0, 1]; ``(0, 1)`` when ``n_total`` is 0.
    """
    from scipy.stats import norm

    if n_total <= 0:
        return 0.0, 1.0
    z = float(norm.ppf(0.5 + confidence / 2.0))
    p = n_correct / n_total
    denom = 1.0 + z * z / n_total
    centre = (p + z * z / (2 * n_total)) / denom
    half = z * math.sqrt(p * (1 - p) / n_total + z * z / (4 * n_total * n_total)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def chance_level(n_classes: int, n_trials: int, alpha: float = 0.05) -> tuple[float, float]:
    """Return the theoretical chance level and the accuracy needed to beat it significantly.

    The threshold follows Combrisson & Jerbi (2015, J Neurosci Methods 250:126): the
    smallest accuracy whose probability under a binomial of ``n_trials`` trials with
    success rate ``1 / n_classes`` is below ``alpha``.

    Parameters
    ----------
    n_classes : int
        Number of classes.
    n_trials : int
        Number of test decisions.
    alpha : float
        Significance level.

    Returns
    -------
    (chance, threshold) : tuple of float
        ``1 / n_classes`` and the significance threshold (accuracy in [0, 1]).
    """
    from scipy.stats import binom

    chance = 1.0 / max(1, n_classes)
    if n_trials <= 0:
        return chance, 1.0
    k = float(binom.ppf(1.0 - alpha, n_trials, chance))
    # ppf gives the smallest k with P(X <= k) >= 1 - alpha, so P(X > k) <= alpha: need k + 1 correct.
    return chance, min(1.0, (k + 1.0) / n_trials)


def confusion_matrix(y_true: ArrayLike, y_pred: ArrayLike, labels: ArrayLike) -> NDArray[np.int64]:
    """Return counts ``C[i, j]`` of true class ``labels[i]`` predicted as ``labels[j]``.

    Parameters
    ----------
    y_true, y_pred : array-like, shape (n_trials,)
        True and predicted labels.
    labels : array-like, shape (n_classes,)
        Class order.

    Returns
    -------
    ndarray, shape (n_classes, n_classes)
    """
    from sklearn.metrics import confusion_matrix as _cm

    return np.asarray(_cm(np.asarray(y_true), np.asarray(y_pred), labels=np.asarray(labels)), dtype=np.int64)


def itr_bits_per_trial(accuracy: float, n_classes: int) -> float:
    """Return Wolpaw's information transfer rate per selection, in bits.

    Parameters
    ----------
    accuracy : float
        Proportion of correct selections.
    n_classes : int
        Number of possible selections.

    Returns
    -------
    float
        Bits per selection (0 at or below chance).
    """
    n, p = int(n_classes), float(np.clip(accuracy, 0.0, 1.0))
    if n < 2 or p <= 1.0 / n:
        return 0.0
    bits = math.log2(n) + p * math.log2(p)
    if p < 1.0:
        bits += (1 - p) * math.log2((1 - p) / (n - 1))
    return float(bits)
