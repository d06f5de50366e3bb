"""Metrics of an offline evaluation: accuracy, balanced accuracy, ROC-AUC, Wolpaw ITR, timing."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

__all__ = ["GAZE_SHIFT_S", "wolpaw_bits", "itr_bits_per_min", "classification_metrics", "time_per_decision_ms"]

#: Time the user needs to move the gaze to the next target, added to every decision (s).
GAZE_SHIFT_S = 0.5


def wolpaw_bits(n_classes: int, accuracy: float) -> float:
    """Bits per decision (Wolpaw et al. 2002).

    ``B = log2 N + P log2 P + (1 - P) log2((1 - P) / (N - 1))``; 0 at or below chance.

    Parameters
    ----------
    n_classes : int
        Number of choices N.
    accuracy : float
        Probability P of a correct decision.

    Returns
    -------
    float
    """
    n, p = int(n_classes), float(accuracy)
    if n < 2 or p <= 1.0 / n:
        return 0.0
    if p >= 1.0:
        return math.log2(n)
    return math.log2(n) + p * math.log2(p) + (1 - p) * math.log2((1 - p) / (n - 1))


def itr_bits_per_min(
    n_classes: int, accuracy: float, decision_time_s: float, gaze_shift_s: float = GAZE_SHIFT_S
) -> float:
    """Wolpaw information transfer rate in bits/min, with a gaze shift added to each decision.

    Parameters
    ----------
    n_classes : int
        Number of choices.
    accuracy : float
        Accuracy in [0, 1].
    decision_time_s : float
        Time from the start of a trial to the decision, s.
    gaze_shift_s : float
        Extra time per decision to move the gaze, s.

    Returns
    -------
    float
    """
    return wolpaw_bits(n_classes, accuracy) * 60.0 / (float(decision_time_s) + float(gaze_shift_s))


def classification_metrics(
    y_true: NDArray, proba: NDArray[np.float64], classes: NDArray, decision_time_s: float
) -> dict[str, float]:
    """Accuracy, balanced accuracy, ROC-AUC and ITR of one test set.

    Parameters
    ----------
    y_true : ndarray, shape (n_windows,)
        True labels.
    proba : ndarray, shape (n_windows, n_classes)
        Predicted probabilities, columns in the order of ``classes``.
    classes : ndarray, shape (n_classes,)
        Class labels of the columns.
    decision_time_s : float
        Time to one decision, s (without the gaze shift).

    Returns
    -------
    dict
        ``accuracy``, ``balanced_accuracy``, ``roc_auc`` (one-vs-rest macro for > 2 classes; NaN if a
        class is missing from ``y_true``), ``itr_bits_min``, ``decision_time_s``.
    """
    from sklearn.metrics import balanced_accuracy_score, roc_auc_score

    y_true = np.asarray(y_true)
    classes = np.asarray(classes)
    y_pred = classes[np.argmax(proba, axis=1)]
    acc = float(np.mean(y_pred == y_true))
    bacc = float(balanced_accuracy_score(y_true, y_pred))
    present = np.unique(y_true)
    auc = float("nan")
    if len(present) >= 2 and set(present.tolist()) <= set(classes.tolist()):
        if len(classes) == 2:
            auc = float(roc_auc_score(y_true == classes[1], proba[:, 1]))
        elif len(present) == len(classes):
            auc = float(roc_auc_score(y_true, proba, multi_class="ovr", labels=classes))
    n_cls = len(classes)
    return {
        "accuracy": acc,
        "balanced_accuracy": bacc,
        "roc_auc": auc,
        "itr_bits_min": itr_bits_per_min(n_cls, acc, decision_time_s),
        "decision_time_s": float(decision_time_s),
    }


def time_per_decision_ms(predict: Callable[[NDArray], object], X: NDArray, n_max: int = 8) -> float:
    """Median wall time of ``predict`` on one window at a time (as online), in ms.

    Parameters
    ----------
    predict : callable
        E.g. ``decoder.predict_proba``.
    X : ndarray, shape (n_windows, n_times, n_channels)
        Windows; the first ``n_max`` are timed one by one.
    n_max : int
        Number of windows timed.

    Returns
    -------
    float
    """
    times = []
    for x in X[:n_max]:
        t0 = time.perf_counter()
        predict(x[None])
        times.append(time.perf_counter() - t0)
    return float(np.median(times) * 1000.0) if times else float("nan")
