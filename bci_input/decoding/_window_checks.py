"""Input validation shared by helper C's decoders (ERP, EMG gestures, motor imagery)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .._errors import ConfigError

__all__ = ["validate_windows", "validate_windows_fit"]


def _to_3d(X: NDArray[np.float64]) -> NDArray[np.float64]:
    # A 2-D X (n_windows, n_times) is one channel; this is also what scikit-learn's checks pass.
    return X[:, :, None] if X.ndim == 2 else X


def validate_windows_fit(est: Any, X: Any, y: Any) -> tuple[NDArray[np.float64], NDArray[Any]]:
    """Validate training windows and labels, set ``n_features_in_``, ``n_channels_`` and ``classes_``.

    Parameters
    ----------
    est : estimator
        The estimator being fitted.
    X : array-like, shape (n_windows, n_times, n_channels) or (n_windows, n_times)
        Windows in µV; a 2-D array is read as a single channel.
    y : array-like, shape (n_windows,)
        Labels.

    Returns
    -------
    X : ndarray, shape (n_windows, n_times, n_channels)
        As float64.
    y : ndarray, shape (n_windows,)
        The labels.
    """
    X, y = validate_data(est, X, y, allow_nd=True, dtype=np.float64, ensure_min_features=1)
    if X.ndim not in (2, 3):
        raise ConfigError(f"X must have shape (n_windows, n_times, n_channels), got {X.shape}.")
    check_classification_targets(y)
    X = _to_3d(X)
    est.n_channels_ = int(X.shape[2])
    est.classes_ = np.unique(y)
    if len(est.classes_) < 2:
        raise ValueError(
            f"{type(est).__name__} needs at least 2 classes in y; got one class ({est.classes_[0]!r})."
        )
    return X, y


def validate_windows(est: Any, X: Any) -> NDArray[np.float64]:
    """Validate windows at predict time against what the estimator was fitted on.

    Parameters
    ----------
    est : estimator
        A fitted estimator.
    X : array-like, shape (n_windows, n_times, n_channels) or (n_windows, n_times)
        Windows in µV.

    Returns
    -------
    ndarray, shape (n_windows, n_times, n_channels)
        As float64.
    """
    check_is_fitted(est, "classes_")
    X = validate_data(est, X, reset=False, allow_nd=True, dtype=np.float64)
    X = _to_3d(X)
    if X.shape[2] != est.n_channels_:
        raise ValueError(
            f"X has {X.shape[2]} channels, but {type(est).__name__} was fitted on {est.n_channels_} channels."
        )
    return X
