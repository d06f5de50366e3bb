"""Cross-validation helpers shared by the trainers of window decoders, P300 and switches."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._errors import ConfigError
from ._stats import chance_level, confusion_matrix, wilson_interval

__all__ = ["SELECTION_OVERHEAD_S", "accuracy_summary", "cross_val_proba", "cv_splits",
           "stopping_summary"]

#: Time to move the gaze / attention to the next target between selections, s (used in ITR).
SELECTION_OVERHEAD_S = 0.5


def cv_splits(y: NDArray[Any], groups: NDArray[Any] | None, n_folds: int, seed: int) -> list[tuple[Any, Any]]:
    from sklearn.model_selection import GroupKFold, StratifiedKFold

    if groups is not None:
        k = min(n_folds, len(np.unique(groups)))
        return list(GroupKFold(n_splits=k).split(np.zeros(len(y)), y, groups))
    k = min(n_folds, int(np.bincount(y).min()) if len(y) else 0)
    if k < 2:
        raise ConfigError("Too few trials per class for cross-validation (need at least 2 per class).")
    return list(StratifiedKFold(n_splits=k, shuffle=True, random_state=seed).split(np.zeros(len(y)), y))


def cross_val_proba(
    factory: Callable[[], Any], X: NDArray[Any], y: NDArray[Any], *, n_folds: int = 5, seed: int = 0,
    groups: NDArray[Any] | None = None, extra_X: list[NDArray[Any]] | None = None,
) -> tuple[NDArray[np.float64], list[NDArray[np.float64]]]:
    """Return out-of-fold class probabilities (stratified k-fold, or group k-fold).

    Parameters
    ----------
    factory : callable
        Returns a fresh unfitted estimator.
    X : ndarray, shape (n_epochs, n_times, n_channels)
        Training windows.
    y : ndarray, shape (n_epochs,)
        Labels.
    n_folds : int
        Folds (reduced when a class has fewer trials).
    seed : int
        Shuffle seed.
    groups : ndarray, shape (n_epochs,) | None
        Trial groups kept together (P300 flashes of one trial).
    extra_X : list of ndarray | None
        Other views of the same epochs (e.g. sub-windows) to score with each fold's model.

    Returns
    -------
    proba : ndarray, shape (n_epochs, n_classes)
    extra : list of ndarray, each shape (n_epochs, n_classes)
    """
    proba: NDArray[np.float64] | None = None
    extra: list[Any] = [None] * len(extra_X or [])
    for train, test in cv_splits(y, groups, n_folds, seed):
        est = factory().fit(X[train], y[train])
        p = np.asarray(est.predict_proba(X[test]), float)
        if proba is None:
            proba = np.zeros((len(y), p.shape[1]))
        proba[test] = p
        for j, Xe in enumerate(extra_X or []):
            pe = np.asarray(est.predict_proba(Xe[test]), float)
            if extra[j] is None:
                extra[j] = np.zeros((len(y), pe.shape[1]))
            extra[j][test] = pe  # type: ignore[index]
    assert proba is not None
    return proba, extra  # type: ignore[return-value]


def accuracy_summary(y: NDArray[Any], pred: NDArray[Any], n_classes: int) -> dict[str, Any]:
    n = len(y)
    k = int((y == pred).sum())
    lo, hi = wilson_interval(k, n)
    chance, thr = chance_level(n_classes, n)
    return {
        "accuracy": k / n if n else 0.0, "n_correct": k, "n_trials": n, "ci95": [lo, hi], "chance": chance,
        "chance_significant": thr, "above_chance": bool(k / max(n, 1) >= thr),
        "confusion": confusion_matrix(y, pred, np.arange(n_classes)).tolist(),
    }


def stopping_summary(logl: NDArray[np.float64], y: NDArray[Any], step_s: float, target: float = 0.9) -> dict[str, Any]:
    from ..decoding import sweep_stopping_threshold

    thresholds = (0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98, 0.99)
    rows = sweep_stopping_threshold(list(logl), y, thresholds, step_s=step_s, overhead_s=SELECTION_OVERHEAD_S)
    good = [r for r in rows if r["accuracy"] >= target]
    best = max(good, key=lambda r: r["itr_bits_per_min"]) if good else max(rows, key=lambda r: r["accuracy"])
    return {
        "recommended_stopping_threshold": float(best["threshold"]),
        "stopping_step_s": float(step_s),
        "stopping_sweep": [{k: float(v) for k, v in r.items()} for r in rows],
    }
