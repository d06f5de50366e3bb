"""Within-subject SSVEP protocol shared by the SSVEP datasets: folds, window cutting, metrics per subject."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._errors import ConfigError
from ._metrics import classification_metrics, time_per_decision_ms
from ._schema import subject_row
from ._ssvep_methods import TRAINING_FREE, make_ssvep_decoder

__all__ = ["evaluate_recordings", "session_folds", "TRAIN_STEP_S"]

#: Hop between the training windows cut from one calibration trial, s.
TRAIN_STEP_S = 0.5
#: At most this many folds when a subject has many recordings (grouped K-fold instead of leave-one-out).
MAX_FOLDS = 6


def _cut(
    rec: Any, sig: NDArray[np.float32], trials: NDArray[np.int64], window: float, skip: float, train: bool,
    classes: int,
) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
    offsets = [skip]
    if train:
        while offsets[-1] + TRAIN_STEP_S + window <= rec.trial_s + 1e-9:
            offsets.append(offsets[-1] + TRAIN_STEP_S)
    n = int(round(window * rec.sfreq))
    Xs, ys = [], []
    for i in trials:
        if classes == 3 and rec.labels[i] < 0:
            continue
        for off in offsets:
            a = int(rec.onsets[i]) + int(round(off * rec.sfreq))
            if a + n <= len(sig):
                Xs.append(sig[a : a + n])
                ys.append(int(rec.labels[i]))
    if not Xs:
        return np.zeros((0, n, sig.shape[1]), np.float32), np.zeros(0, np.int64)
    return np.stack(Xs), np.array(ys, np.int64)


Fold = tuple[list[tuple[int, NDArray[np.int64]]], list[tuple[int, NDArray[np.int64]]]]


def session_folds(recs: Sequence[tuple[Any, Any]], groups: Sequence[str]) -> tuple[list[Fold], str]:
    """Return the within-subject folds: (training, test) lists of (recording index, trial indices), and their name.

    Parameters
    ----------
    recs : sequence of (SsvepRecording, ndarray)
        Recordings with their preprocessed signal.
    groups : sequence of str
        Session of each recording. Several sessions: leave one session out. One session made of
        several recordings (runs): grouped K-fold over runs. One recording: stratified 4-fold CV.

    Returns
    -------
    folds : list of (train, test)
    protocol : str
    """
    folds: list[Fold] = []
    sessions = list(dict.fromkeys(groups))
    if len(sessions) >= 2 or len(recs) >= 2:
        unit = "session" if len(sessions) >= 2 else "run"
        keys = list(groups) if len(sessions) >= 2 else [str(i) for i in range(len(recs))]
        uniq = list(dict.fromkeys(keys))
        n_folds = min(len(uniq), MAX_FOLDS)
        protocol = f"leave-one-{unit}-out" if n_folds == len(uniq) else f"{n_folds}-fold CV grouped by {unit}"
        for f in range(n_folds):
            held = {u for i, u in enumerate(uniq) if i % n_folds == f}
            train = [(j, np.arange(len(recs[j][0].labels))) for j in range(len(recs)) if keys[j] not in held]
            test = [(j, np.arange(len(recs[j][0].labels))) for j in range(len(recs)) if keys[j] in held]
            folds.append((train, test))
    else:
        from sklearn.model_selection import StratifiedKFold

        protocol = "stratified 4-fold CV within the single session"
        labels = recs[0][0].labels
        for tr, te in StratifiedKFold(4, shuffle=True, random_state=0).split(labels, labels):
            folds.append(([(0, tr)], [(0, te)]))
    return folds, protocol


def evaluate_recordings(
    recs: Sequence[tuple[Any, NDArray[np.float32]]],
    groups: Sequence[str],
    method: str,
    window: float,
    classes: int,
    skip: float,
    subject: str,
    dataset: str,
) -> dict[str, Any]:
    """Fit and test ``method`` within one subject and return its row.

    Parameters
    ----------
    recs : sequence of (SsvepRecording, ndarray (n_times, n_channels))
        Recordings with their preprocessed signal.
    groups : sequence of str
        Session of each recording. Several sessions: leave one session out. One session made of
        several recordings (runs): grouped K-fold over runs. One recording: stratified 4-fold CV.
    method : str
        SSVEP method name.
    window, skip : float
        Test window length and its start after the trial onset, s.
    classes : int
        3 drops the rest trials (label -1); otherwise all trials are used.
    subject, dataset : str
        For the row and error messages.

    Returns
    -------
    dict
        From :func:`~bci_input.evaluation.subject_row`.
    """
    folds, protocol = session_folds(recs, groups)
    ys, probas, n_train, compute = [], [], [], []
    classes_ = None
    augment = method not in TRAINING_FREE  # training-free methods only calibrate their softmax
    for train, test in folds:
        parts = [_cut(*recs[j], idx, window, skip, augment, classes) for j, idx in train]
        Xtr = np.concatenate([p[0] for p in parts])
        ytr = np.concatenate([p[1] for p in parts])
        parts = [_cut(*recs[j], idx, window, skip, False, classes) for j, idx in test]
        Xte = np.concatenate([p[0] for p in parts])
        yte = np.concatenate([p[1] for p in parts])
        rec0 = recs[0][0]
        est = make_ssvep_decoder(method, rec0.sfreq, rec0.freqs, dataset).fit(Xtr, ytr)
        if classes_ is None:
            classes_ = est.classes_
        elif not np.array_equal(classes_, est.classes_):
            raise ConfigError(f"{subject}: training folds disagree on the classes ({classes_} vs {est.classes_}).")
        probas.append(est.predict_proba(Xte))
        ys.append(yte)
        n_train.append(len(Xtr))
        compute.append(time_per_decision_ms(est.predict_proba, Xte, n_max=4))
    y = np.concatenate(ys)
    proba = np.concatenate(probas)
    metrics = classification_metrics(y, proba, np.asarray(classes_), decision_time_s=skip + window)
    metrics["compute_ms"] = float(np.median(compute))
    return subject_row(
        subject, metrics, n_train=int(np.mean(n_train)), n_test=len(y), n_folds=len(folds), protocol=protocol
    )
