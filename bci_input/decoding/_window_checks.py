"""Input validation of every decoder that takes windows of shape (n_windows, n_times, n_channels).

Two kinds of decoder share these checks:

- fixed-length decoders (ERP, EMG gestures, motor imagery) learn one weight per sample, so the window length is
  part of the fit: scikit-learn's ``validate_data`` records it as ``n_features_in_`` and checks it at predict time;
- variable-length decoders (SSVEP) score periodicity, so a window of any length of at least two samples is valid
  at predict time (dynamic stopping grows the window). Their labels index the flicker targets.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.utils import assert_all_finite
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from .._errors import ConfigError

__all__ = ["validate_windows", "validate_windows_fit"]


def _to_3d(X: NDArray[np.float64]) -> NDArray[np.float64]:
    # A 2-D X (n_windows, n_times) is one channel; this is also what scikit-learn's checks pass.
    return X[:, :, None] if X.ndim == 2 else X


def _any_length_windows(X: object, n_channels: int | None = None, min_times: int = 2) -> NDArray[np.float64]:
    """Validate windows of any length and return them as float64 of shape (n_windows, n_times, n_channels)."""
    if hasattr(X, "toarray") or type(X).__module__.startswith("scipy.sparse"):
        raise TypeError("SSVEP decoders do not accept sparse input; pass a dense array.")
    arr = np.asarray(X)
    if np.iscomplexobj(arr):
        raise ValueError("Complex data not supported: SSVEP windows must be real numbers.")
    if arr.dtype == object:
        arr = arr.astype(np.float64)  # numbers stored as objects convert; strings raise
    if not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
        raise ValueError(f"SSVEP windows must be real numbers, got dtype {arr.dtype}.")
    if arr.ndim == 1:
        raise ValueError(
            f"Expected windows of shape (n_windows, n_times, n_channels), got a 1-D array {arr.shape}. "
            "Reshape your data, e.g. X[None, :, None] for one single-channel window."
        )
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.ndim != 3:
        raise ValueError(
            f"SSVEP decoders expect windows of shape (n_windows, n_times, n_channels), got {arr.ndim}-D {arr.shape}."
        )
    if arr.shape[0] < 1 or arr.shape[1] < min_times or arr.shape[2] < 1:
        raise ValueError(
            f"Windows of shape {arr.shape} are too small: need >= 1 window of >= {min_times} samples "
            f"(got n_features = {arr.shape[1]} samples per channel)."
        )
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError("SSVEP windows contain NaN or infinity.")
    if n_channels is not None and arr.shape[2] != n_channels:
        raise ValueError(f"X has {arr.shape[2]} channels, but the decoder was fitted with {n_channels}.")
    return arr


def _target_labels(y: object, n_windows: int) -> NDArray[Any]:
    """Validate class labels for ``n_windows`` windows and return them as a 1-D array."""
    if y is None:
        raise ValueError("This SSVEP decoder requires y to be passed, but the target y is None.")
    y = np.asarray(column_or_1d(y, warn=True))
    if y.dtype.kind == "f":
        assert_all_finite(y, input_name="y")
    check_classification_targets(y)
    if len(y) != n_windows:
        raise ValueError(f"y must have one label per window ({n_windows}), got {len(y)}.")
    n_classes = len(np.unique(y))
    if n_classes < 2:
        raise ValueError(f"Need at least 2 classes to fit, got {n_classes} class (one class: {np.unique(y).tolist()}).")
    return np.asarray(y)


def validate_windows_fit(
    est: Any, X: Any, y: Any, *, fixed_length: bool = True
) -> tuple[NDArray[np.float64], NDArray[Any]]:
    """Validate training windows and labels, set ``n_channels_`` and ``classes_`` (and ``n_features_in_``).

    Parameters
    ----------
    est : estimator
        The estimator being fitted.
    X : array-like, shape (n_windows, n_times, n_channels) or (n_windows, n_times)
        Windows in µV; a 2-D array is read as a single channel.
    y : array-like, shape (n_windows,)
        Labels.
    fixed_length : bool
        True: the window length is part of the fit (recorded as ``n_features_in_``). False: any length of at
        least two samples is accepted, and no ``n_features_in_`` is set.

    Returns
    -------
    X : ndarray, shape (n_windows, n_times, n_channels)
        As float64.
    y : ndarray, shape (n_windows,)
        The labels.
    """
    if not fixed_length:
        X = _any_length_windows(X)
        y = _target_labels(y, len(X))
        est.n_channels_ = int(X.shape[2])
        est.classes_ = np.unique(y)
        return X, y
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


def validate_windows(est: Any, X: Any, *, fixed_length: bool = True) -> NDArray[np.float64]:
    """Validate windows at predict time against what the estimator was fitted on.

    Parameters
    ----------
    est : estimator
        A fitted estimator.
    X : array-like, shape (n_windows, n_times, n_channels) or (n_windows, n_times)
        Windows in µV.
    fixed_length : bool
        As in :func:`validate_windows_fit`: whether the window length must equal the fitted one.

    Returns
    -------
    ndarray, shape (n_windows, n_times, n_channels)
        As float64.
    """
    check_is_fitted(est, "classes_")
    if not fixed_length:
        return _any_length_windows(X, est.n_channels_)
    X = validate_data(est, X, reset=False, allow_nd=True, dtype=np.float64)
    X = _to_3d(X)
    if X.shape[2] != est.n_channels_:
        raise ValueError(
            f"X has {X.shape[2]} channels, but {type(est).__name__} was fitted on {est.n_channels_} channels."
        )
    return X
