"""Reader for the Muse P300 oddball recordings (NeuroTechX eeg-notebooks, CSV).

Each CSV holds ``timestamps, TP9, AF7, AF8, TP10, Right AUX, Marker0`` (older files name the
last column ``Marker``); values are µV, timestamps Unix seconds, 256 Hz. Marker 2 is a target
flash, 1 a non-target, 0 no event. Split: dev = session1 + session2, eval = session3.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from .._errors import ConfigError, DataFormatError, check_option
from .._rawfile import check_event_codes, check_finite_samples

__all__ = [
    "MuseRecording",
    "read_muse_csv",
    "muse_p300_files",
    "load_muse_p300_epochs",
    "muse_p300_soa",
    "MUSE_SFREQ",
    "MUSE_EEG_CHANNELS",
    "MUSE_P300_SPLITS",
]

log = logging.getLogger(__name__)

MUSE_SFREQ = 256.0
MUSE_EEG_CHANNELS = ("TP9", "AF7", "AF8", "TP10")
MUSE_P300_SPLITS = {"dev": ("session1", "session2"), "eval": ("session3",)}


@dataclass(frozen=True)
class MuseRecording:
    """One Muse CSV file.

    Parameters
    ----------
    data : ndarray, shape (n_times, 4)
        EEG of TP9, AF7, AF8, TP10 in µV (float32).
    timestamps : ndarray, shape (n_times,)
        Unix seconds.
    events : ndarray, shape (n_events, 2)
        ``(sample_index, code)`` of every non-zero marker.
    sfreq : float
        Sampling rate, Hz.
    ch_names : tuple of str
        Channel names.
    path : Path
        The file read.
    """

    data: NDArray[np.float32]
    timestamps: NDArray[np.float64]
    events: NDArray[np.int64]
    sfreq: float
    ch_names: tuple[str, ...]
    path: Path


def read_muse_csv(path: str | Path) -> MuseRecording:
    """Read one Muse CSV recording (P300 or SSVEP).

    Parameters
    ----------
    path : path-like
        A CSV file with a header line naming ``TP9, AF7, AF8, TP10`` and ``Marker0`` or ``Marker``.

    Returns
    -------
    MuseRecording
        The EEG, timestamps and marker events.

    Raises
    ------
    DataFormatError
        If the file is missing or lacks the expected columns.
    """
    p = Path(path)
    if not p.is_file():
        raise DataFormatError(f"Muse recording not found: {p}")
    try:
        with p.open(encoding="utf-8") as fh:
            header = [h.strip() for h in fh.readline().split(",")]
    except (OSError, UnicodeDecodeError) as exc:
        raise DataFormatError(f"{p}: not a readable UTF-8 CSV file ({exc}).") from exc
    marker = next((m for m in ("Marker0", "Marker") if m in header), None)
    missing = [c for c in ("timestamps", *MUSE_EEG_CHANNELS) if c not in header]
    if marker is None or missing:
        raise DataFormatError(
            f"{p}: expected columns timestamps, {', '.join(MUSE_EEG_CHANNELS)} and Marker0 or Marker; "
            f"found {', '.join(header)}."
        )
    try:
        with warnings.catch_warnings():  # an empty table warns; it is refused below
            warnings.simplefilter("ignore", UserWarning)
            raw = np.loadtxt(p, delimiter=",", skiprows=1, ndmin=2, encoding="utf-8")
    except ValueError as exc:  # also UnicodeDecodeError
        raise DataFormatError(f"{p}: unreadable numeric data ({exc}).") from exc
    if raw.shape[1] != len(header) or raw.shape[0] < 2:
        raise DataFormatError(
            f"{p}: {raw.shape[0]} samples of {raw.shape[1]} columns for {len(header)} header names "
            "(at least 2 samples are needed)."
        )
    if not np.all(np.isfinite(raw[:, header.index(marker)])):
        raise DataFormatError(f"{p}: the {marker} column holds non-finite values (NaN or infinity).")
    with np.errstate(over="ignore"):  # a value beyond float32 becomes infinite and is refused below
        data = raw[:, [header.index(c) for c in MUSE_EEG_CHANNELS]].astype(np.float32)
    check_finite_samples(data, p)  # refused, not repaired: a decoder must not learn from invented samples
    codes = check_event_codes(raw[:, header.index(marker)], p, name=marker)
    idx = np.flatnonzero(codes != 0)
    events = np.column_stack([idx, codes[idx]]).astype(np.int64)
    return MuseRecording(data, raw[:, header.index("timestamps")], events, MUSE_SFREQ, MUSE_EEG_CHANNELS, p)


def muse_p300_files(data_dir: str | Path, split: str) -> list[Path]:
    """Return the P300 CSV files of one split, sorted by session and time.

    Parameters
    ----------
    data_dir : path-like
        The recordings folder (holding ``muse_p300/``).
    split : {"dev", "eval"}
        dev = session1 + session2, eval = session3.

    Returns
    -------
    list of Path
        The CSV files.
    """
    check_option("split", split, MUSE_P300_SPLITS)
    root = Path(data_dir) / "muse_p300"
    files = [f for s in MUSE_P300_SPLITS[split] for f in sorted((root / s).glob("*.csv"))]
    if not files:
        raise DataFormatError(f"No Muse P300 CSV files for split {split!r} under {root}.")
    return files


def load_muse_p300_epochs(
    data_dir: str | Path,
    split: str,
    *,
    tmin: float = 0.0,
    tmax: float = 0.8,
    l_freq: float = 1.0,
    h_freq: float = 20.0,
) -> tuple[NDArray[np.float32], NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Cut band-passed epochs around every flash of a split.

    Each run is band-passed (zero-phase Butterworth, order 4) before epoching; a few
    flashes too close to the start or end of a run are dropped.

    Parameters
    ----------
    data_dir : path-like
        The recordings folder.
    split : {"dev", "eval"}
        Which sessions.
    tmin, tmax : float
        Epoch window relative to the flash, seconds.
    l_freq, h_freq : float
        Band-pass edges, Hz.

    Returns
    -------
    X : ndarray, shape (n_epochs, n_times, 4)
        Epochs in µV.
    y : ndarray, shape (n_epochs,)
        1 for a target flash, 0 for a non-target.
    run : ndarray, shape (n_epochs,)
        Index of the run (file) each epoch comes from.
    session : ndarray, shape (n_epochs,)
        Session number (1, 2 or 3).
    """
    from scipy import signal

    if not tmax > tmin:
        raise ConfigError(f"tmax ({tmax}) must be greater than tmin ({tmin}).")
    sos = signal.butter(4, [l_freq, h_freq], btype="bandpass", fs=MUSE_SFREQ, output="sos")
    n0, n1 = int(round(tmin * MUSE_SFREQ)), int(round(tmax * MUSE_SFREQ))
    xs, ys, runs, sessions = [], [], [], []
    for r, f in enumerate(muse_p300_files(data_dir, split)):
        rec = read_muse_csv(f)
        filt = signal.sosfiltfilt(sos, rec.data.astype(float), axis=0)
        ev = rec.events[np.isin(rec.events[:, 1], (1, 2))]
        ok = (ev[:, 0] + n0 >= 0) & (ev[:, 0] + n1 <= len(filt))
        ev = ev[ok]
        xs.append(np.stack([filt[s + n0 : s + n1] for s in ev[:, 0]]))
        ys.append((ev[:, 1] == 2).astype(np.int64))
        runs.append(np.full(len(ev), r, np.int64))
        sessions.append(np.full(len(ev), int(f.parent.name.removeprefix("session")), np.int64))
    log.debug("muse_p300 %s: %d epochs", split, sum(len(y) for y in ys))
    return (
        np.concatenate(xs).astype(np.float32),
        np.concatenate(ys),
        np.concatenate(runs),
        np.concatenate(sessions),
    )


def muse_p300_soa(data_dir: str | Path, split: str = "dev") -> NDArray[np.float64]:
    """Return the stimulus onset asynchronies of a split: the time between consecutive flashes of each run, s.

    Parameters
    ----------
    data_dir : path-like
        The recordings folder.
    split : {"dev", "eval"}
        Which sessions.

    Returns
    -------
    ndarray, shape (n_intervals,)
        Seconds from each flash marker (target or non-target) to the next one of the same run.
    """
    out = []
    for f in muse_p300_files(data_dir, split):
        rec = read_muse_csv(f)
        onsets = rec.events[np.isin(rec.events[:, 1], (1, 2)), 0]
        out.append(np.diff(onsets) / rec.sfreq)
    return np.concatenate(out).astype(np.float64)
