"""Offline evaluation of motor imagery on PhysioNet EEGMMIDB subject 1.

Preprocessing (fixed on dev): 21 sensorimotor channels (FC5..CP6), 8-30 Hz band-pass (MNE FIR),
trials from 0.5 s after the cue, ``window`` seconds long (default 2 s). Decoder: CSP (4 filters)
+ shrinkage LDA. Two binary tasks, reported as two rows: ``left_right`` (imagined left vs right
fist, runs 4/8 dev, 12 eval) and ``hands_feet`` (both fists vs both feet, runs 6/10 dev, 14 eval).

Protocol: ``dev`` is leave-one-run-out over the two dev runs of each task; ``eval`` trains on both
dev runs and tests on the eval run (15 trials, so one trial is 6.7 points of accuracy).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from .._errors import ConfigError, check_option
from ._metrics import classification_metrics, time_per_decision_ms
from ._schema import make_result, subject_row

__all__ = ["METHODS", "OPTIONS", "DEFAULT_WINDOW", "TMIN", "evaluate"]

METHODS = ("csp_lda",)
#: The method calibration trains and the app uses for motor imagery.
DEFAULT_METHOD = "csp_lda"
OPTIONS: tuple[str, ...] = ()
DEFAULT_WINDOW = 2.0
TMIN = 0.5


def _task_row(root: Path, task: str, split: str, window: float) -> dict[str, Any]:
    from ..datasets._eegbci import eegbci_runs, load_eegbci_epochs
    from ..decoding import MotorImageryDecoder

    dev_runs = eegbci_runs(task, "dev")
    X, y, run, sfreq = load_eegbci_epochs(root, dev_runs, tmin=TMIN, tmax=TMIN + window)
    folds = []
    if split == "dev":
        for r in dev_runs:
            folds.append((X[run != r], y[run != r], X[run == r], y[run == r]))
        protocol = "leave-one-run-out over the dev runs"
    else:
        Xe, ye, _, _ = load_eegbci_epochs(root, eegbci_runs(task, "eval"), tmin=TMIN, tmax=TMIN + window)
        folds.append((X, y, Xe, ye))
        protocol = "train on the dev runs, test on the eval run"
    ys, probas, comp, n_train = [], [], [], []
    for Xtr, ytr, Xte, yte in folds:
        dec = MotorImageryDecoder(sfreq=sfreq, n_components=4).fit(Xtr, ytr)
        probas.append(dec.predict_proba(Xte))
        ys.append(yte)
        comp.append(time_per_decision_ms(dec.predict_proba, Xte, n_max=4))
        n_train.append(len(ytr))
    m = classification_metrics(np.concatenate(ys), np.concatenate(probas), np.array([0, 1]),
                               decision_time_s=TMIN + window)
    m["compute_ms"] = float(np.mean(comp))
    return subject_row(f"S001:{task}", m, n_train=int(np.mean(n_train)), n_test=sum(len(v) for v in ys),
                       n_folds=len(folds), protocol=protocol)


def evaluate(split: str, method: str, window: float | None, data_dir: str | Path | None) -> dict[str, Any]:
    """Evaluate CSP + LDA on eegbci_s001 and return a ``bci-input-evaluation/1`` result.

    Parameters
    ----------
    split : {"dev", "eval"}
        See the module docstring.
    method : {"csp_lda"}
        The decoder.
    window : float | None
        Trial length after 0.5 s, s (default 2).
    data_dir : path-like | None
        The recordings folder.

    Returns
    -------
    dict
        One row per task (``S001:left_right``, ``S001:hands_feet``).
    """
    from .._paths import default_data_dir

    check_option("method", method, METHODS)
    check_option("split", split, ("dev", "eval"))
    root = Path(data_dir) if data_dir is not None else default_data_dir()
    if root is None:
        raise ConfigError("No recordings folder: pass data_dir or set BCI_INPUT_DATA.")
    w = float(window or DEFAULT_WINDOW)
    if not 0 < w <= 3.5:
        raise ConfigError(f"window must be in (0, 3.5] s for these 4 s imagery trials, got {w}.")
    t0 = time.perf_counter()
    rows = [_task_row(root, task, split, w) for task in ("left_right", "hands_feet")]
    return make_result(
        dataset="eegbci", split=split, method=method, window_s=w, n_classes=2,
        protocol=rows[0]["protocol"], rows=rows, options={"tmin_s": TMIN, "band_hz": [8.0, 30.0]},
        elapsed_s=time.perf_counter() - t0,
    )  # fmt: skip
