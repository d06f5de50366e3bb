"""Reader for the Muse SSVEP recordings (NeuroTechX eeg-notebooks): 30 Hz and 20 Hz pattern reversal.

Files: ``muse_ssvep/subjectN/sessionM/<name>.csv`` with columns ``timestamps, TP9, AF7, AF8, TP10,
Right AUX, Marker0`` (older files: ``Marker``); values in µV; marker 1 = 30 Hz, 2 = 20 Hz, 3 s stimulus.
The whole folder is an eval split (a cross-device check on a consumer headset without occipital
electrodes). ``Right AUX`` is not used.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import numpy as np

from .._errors import DataFormatError
from .._rawfile import check_event_codes, check_finite_samples
from ._ssvep_exo import SsvepRecording

__all__ = ["MUSE_SSVEP_FREQS", "MUSE_SSVEP_CHANNELS", "muse_ssvep_subjects", "muse_ssvep_runs", "load_muse_ssvep"]

log = logging.getLogger(__name__)

#: Stimulus frequencies; label 0 = 20 Hz (marker 2), label 1 = 30 Hz (marker 1).
MUSE_SSVEP_FREQS: tuple[float, ...] = (20.0, 30.0)
MUSE_SSVEP_CHANNELS: tuple[str, ...] = ("TP9", "AF7", "AF8", "TP10")
_MARKER_TO_LABEL = {1: 1, 2: 0}
NOMINAL_SFREQ = 256.0
STIMULUS_S = 3.0


def _root(data_dir: str | Path | None) -> Path:
    from .._paths import default_data_dir

    base = Path(data_dir) if data_dir is not None else default_data_dir()
    if base is None:
        raise DataFormatError("Recordings folder not found. Pass data_dir / --data-dir or set BCI_INPUT_DATA.")
    root = base / "muse_ssvep" if (base / "muse_ssvep").is_dir() else base
    if not root.is_dir() or not any(root.glob("subject*")):
        raise DataFormatError(f"Muse SSVEP folder not found: {root}. Expected <data_dir>/muse_ssvep/subjectN/.")
    return root


def muse_ssvep_subjects(data_dir: str | Path | None = None) -> list[str]:
    """Return the subject folders (``'subject1'``, ...) present on disk."""
    return sorted(p.name for p in _root(data_dir).glob("subject*") if p.is_dir())


def muse_ssvep_runs(subject: str, data_dir: str | Path | None = None) -> list[tuple[str, str]]:
    """Return ``(session, file name)`` of every run of ``subject``, sorted."""
    folder = _root(data_dir) / subject
    if not folder.is_dir():
        raise DataFormatError(f"No Muse SSVEP subject folder {folder}.")
    return sorted((p.parent.name, p.name) for p in folder.glob("session*/*.csv"))


def load_muse_ssvep(subject: str, session: str, run: str, data_dir: str | Path | None = None) -> SsvepRecording:
    """Read one run.

    Parameters
    ----------
    subject, session, run : str
        Folder names and file name, as from :func:`muse_ssvep_runs`.
    data_dir : path-like | None
        The recordings folder.

    Returns
    -------
    SsvepRecording
        The 4 EEG channels in µV (float32), trial onsets (samples) and labels (0 = 20 Hz, 1 = 30 Hz).
    """
    path = _root(data_dir) / subject / session / run
    try:
        with open(path, encoding="utf-8") as fh:
            header = [h.strip() for h in fh.readline().split(",")]
        with warnings.catch_warnings():  # an empty table warns; it is refused below
            warnings.simplefilter("ignore", UserWarning)
            table = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2, encoding="utf-8")
    except (OSError, ValueError) as exc:  # ValueError includes UnicodeDecodeError
        raise DataFormatError(f"Cannot read Muse CSV {path}: {exc}") from exc
    marker_col = next((c for c in ("Marker0", "Marker") if c in header), None)
    missing = [c for c in ("timestamps", *MUSE_SSVEP_CHANNELS) if c not in header]
    if marker_col is None or missing or table.shape[1] != len(header) or len(table) < 2:
        raise DataFormatError(
            f"{path} does not have the Muse columns timestamps, TP9, AF7, AF8, TP10 and Marker0/Marker "
            f"(header: {header})."
        )
    ts = table[:, header.index("timestamps")]
    with np.errstate(over="ignore"):  # a value beyond float32 becomes infinite and is refused below
        data = table[:, [header.index(c) for c in MUSE_SSVEP_CHANNELS]].astype(np.float32)
    check_finite_samples(data, path)  # refused, not repaired: a decoder must not learn from invented samples
    if not np.all(np.isfinite(table[:, header.index(marker_col)])):
        raise DataFormatError(f"{path}: the {marker_col} column holds non-finite values (NaN or infinity).")
    marks = check_event_codes(table[:, header.index(marker_col)], path, name=marker_col)
    # timestamps are rounded to ms, so estimate the rate over the whole run and keep the nominal one
    est = (len(ts) - 1) / max(ts[-1] - ts[0], 1e-9)
    if abs(est - NOMINAL_SFREQ) > 5:
        log.warning("%s: measured rate %.1f Hz differs from the nominal %g Hz", path, est, NOMINAL_SFREQ)
    idx = np.flatnonzero(np.isin(marks, list(_MARKER_TO_LABEL)))
    labels = np.array([_MARKER_TO_LABEL[int(m)] for m in marks[idx]], np.int64)
    return SsvepRecording(
        subject=subject,
        session=session,
        data=data,
        sfreq=NOMINAL_SFREQ,
        ch_names=MUSE_SSVEP_CHANNELS,
        onsets=idx.astype(np.int64),
        labels=labels,
        freqs=MUSE_SSVEP_FREQS,
        trial_s=STIMULUS_S,
    )
