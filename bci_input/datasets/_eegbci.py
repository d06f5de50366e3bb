"""Reader for PhysioNet EEGMMIDB subject 1 (``eegbci_s001/S001Rxx.edf``), motor imagery.

Runs 4, 8, 12: imagine the left (T1) or right (T2) fist. Runs 6, 10, 14: imagine both fists
(T1) or both feet (T2). T0 is rest. 160 Hz, 64 channels (10-10). Split: dev = runs 4, 6, 8, 10;
eval = runs 12, 14.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._errors import ConfigError, DataFormatError, check_option
from .._rawfile import check_finite_samples, read_raw_checked

__all__ = ["read_eegbci_run", "load_eegbci_epochs", "eegbci_runs", "EEGBCI_TASKS", "EEGBCI_SPLITS"]

#: Runs of each binary imagery task, by split.
EEGBCI_TASKS: dict[str, dict[str, tuple[int, ...]]] = {
    "left_right": {"dev": (4, 8), "eval": (12,)},
    "hands_feet": {"dev": (6, 10), "eval": (14,)},
}
EEGBCI_SPLITS = ("dev", "eval")
#: Sensorimotor channels used by default (over the motor cortex).
MOTOR_CHANNELS = (
    "FC5", "FC3", "FC1", "FCz", "FC2", "FC4", "FC6",
    "C5", "C3", "C1", "Cz", "C2", "C4", "C6",
    "CP5", "CP3", "CP1", "CPz", "CP2", "CP4", "CP6",
)  # fmt: skip


def eegbci_runs(task: str, split: str) -> tuple[int, ...]:
    """Return the run numbers of a task and split.

    Parameters
    ----------
    task : {"left_right", "hands_feet"}
        The imagery task.
    split : {"dev", "eval"}
        The split.

    Returns
    -------
    tuple of int
        Run numbers.
    """
    check_option("task", task, EEGBCI_TASKS)
    check_option("split", split, EEGBCI_SPLITS)
    return EEGBCI_TASKS[task][split]


def read_eegbci_run(data_dir: str | Path, run: int) -> Any:
    """Read one run as an MNE Raw with standard channel names.

    Parameters
    ----------
    data_dir : path-like
        The recordings folder (holding ``eegbci_s001/``).
    run : int
        Run number (4, 6, 8, 10, 12 or 14 are present).

    Returns
    -------
    mne.io.Raw
        The preloaded run, channel names standardised (``C3``, ``Cz`` ...), in volts.
    """
    import mne

    path = Path(data_dir) / "eegbci_s001" / f"S001R{int(run):02d}.edf"
    if not path.is_file():
        raise DataFormatError(f"EEGBCI run {run} not found: {path}")
    raw = read_raw_checked(path)  # header numbers checked; a truncated file is refused
    check_finite_samples(raw.get_data().T, path)
    mne.datasets.eegbci.standardize(raw)
    return raw


def load_eegbci_epochs(
    data_dir: str | Path,
    runs: tuple[int, ...],
    *,
    tmin: float = 0.5,
    tmax: float = 2.5,
    l_freq: float = 8.0,
    h_freq: float = 30.0,
    channels: tuple[str, ...] | None = MOTOR_CHANNELS,
) -> tuple[NDArray[np.float32], NDArray[np.int64], NDArray[np.int64], float]:
    """Cut T1/T2 imagery epochs from some runs.

    Parameters
    ----------
    data_dir : path-like
        The recordings folder.
    runs : tuple of int
        Runs to read (of one task).
    tmin, tmax : float
        Epoch window after the cue, seconds.
    l_freq, h_freq : float
        Band-pass (zero-phase FIR from MNE), Hz.
    channels : tuple of str | None
        Channels to keep; None keeps all 64.

    Returns
    -------
    X : ndarray, shape (n_epochs, n_times, n_channels)
        Epochs in µV.
    y : ndarray, shape (n_epochs,)
        0 for T1 (left fist / both fists), 1 for T2 (right fist / feet).
    run : ndarray, shape (n_epochs,)
        The run of each epoch.
    sfreq : float
        Sampling rate, Hz.
    """
    import mne

    if not tmax > tmin:
        raise ConfigError(f"tmax ({tmax}) must be greater than tmin ({tmin}).")
    xs, ys, rs = [], [], []
    sfreq = 0.0
    for run in runs:
        raw = read_eegbci_run(data_dir, run)
        if channels is not None:
            raw.pick(list(channels))
        raw.filter(l_freq, h_freq, verbose="error")
        sfreq = float(raw.info["sfreq"])
        events, ids = mne.events_from_annotations(raw, verbose="error")
        codes = {ids[k]: i for i, k in enumerate(("T1", "T2")) if k in ids}
        data = raw.get_data() * 1e6
        n0, n1 = int(round(tmin * sfreq)), int(round(tmax * sfreq))
        for s, _, c in events:
            if c in codes and s + n1 <= data.shape[1]:
                xs.append(data[:, s + n0 : s + n1].T)
                ys.append(codes[c])
                rs.append(run)
    if not xs:
        raise DataFormatError(f"No T1/T2 events in EEGBCI runs {runs}.")
    return np.asarray(xs, np.float32), np.asarray(ys, np.int64), np.asarray(rs, np.int64), sfreq
