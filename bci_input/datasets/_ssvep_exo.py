"""Reader for SSVEPExo (Kalunga et al. 2016): 8 occipital channels, 13/17/21 Hz LEDs and rest.

Files: ``ssvep_exo/subjectNN/record-[date]_raw.fif`` (signal, volts) and ``record-[date]-eve.fif``
(events: 1 rest, 2 13 Hz, 3 21 Hz, 4 17 Hz; each trial lasts 5 s).
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from .._errors import DataFormatError, check_option
from .._fif import check_fif_chain
from .._rawfile import read_raw_checked
from ..decoding._ssvep_common import REST

__all__ = [
    "REST",
    "SsvepRecording",
    "SSVEP_EXO_FREQS",
    "SSVEP_EXO_EXCLUDED",
    "SSVEP_EXO_SPLITS",
    "ssvep_exo_subjects",
    "ssvep_exo_sessions",
    "load_ssvep_exo",
]

log = logging.getLogger(__name__)

#: Stimulus frequencies; label ``k`` means ``SSVEP_EXO_FREQS[k]``.
SSVEP_EXO_FREQS: tuple[float, ...] = (13.0, 17.0, 21.0)

#: Event id in the ``-eve.fif`` files -> label (REST or index into SSVEP_EXO_FREQS).
_EVENT_TO_LABEL = {1: REST, 2: 0, 4: 1, 3: 2}

#: Sessions the dataset's authors excluded for protocol problems (subject, session).
SSVEP_EXO_EXCLUDED: frozenset[tuple[str, str]] = frozenset(
    {
        ("subject08", "record-[2013.04.06-16.22.32]"),
        ("subject10", "record-[2014.02.26-15.10.48]"),
        ("subject10", "record-[2014.02.26-15.50.09]"),
        ("subject11", "record-[2014.02.24-17.56.37]"),
        ("subject11", "record-[2014.02.24-18.02.40]"),
    }
)

#: Subjects of each split (tune on dev, report on eval).
SSVEP_EXO_SPLITS: dict[str, tuple[str, ...]] = {
    "dev": tuple(f"subject{i:02d}" for i in range(1, 9)),
    "eval": tuple(f"subject{i:02d}" for i in range(9, 13)),
}

TRIAL_S = 5.0


@dataclass(frozen=True)
class SsvepRecording:
    """One continuous SSVEP recording with its trials.

    Parameters
    ----------
    subject, session : str
        Identifiers (folder and file stem).
    data : ndarray, shape (n_times, n_channels)
        Signal in µV (float32).
    sfreq : float
        Sampling rate, Hz.
    ch_names : tuple of str
        Channel names.
    onsets : ndarray, shape (n_trials,)
        Trial onsets, in samples.
    labels : ndarray, shape (n_trials,)
        ``REST`` (-1) or the index of the stimulus in ``freqs``.
    freqs : tuple of float
        Stimulus frequencies, Hz.
    trial_s : float
        Duration of a trial, s.
    excluded : bool
        True if the dataset's authors excluded this session.
    """

    subject: str
    session: str
    data: NDArray[np.float32]
    sfreq: float
    ch_names: tuple[str, ...]
    onsets: NDArray[np.int64]
    labels: NDArray[np.int64]
    freqs: tuple[float, ...]
    trial_s: float = TRIAL_S
    excluded: bool = False

    def epochs(
        self, tmin: float, tmax: float, data: NDArray[np.floating] | None = None
    ) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
        """Cut trials from ``tmin`` to ``tmax`` seconds after each onset.

        Parameters
        ----------
        tmin, tmax : float
            Window relative to the onset, s.
        data : ndarray, shape (n_times, n_channels) | None
            Use this (e.g. filtered) signal instead of :attr:`data`.

        Returns
        -------
        X : ndarray, shape (n_trials, n_samples, n_channels)
            Windows (trials that do not fit in the recording are dropped).
        y : ndarray, shape (n_trials,)
            Labels.
        """
        sig = self.data if data is None else data
        a = int(round(tmin * self.sfreq))
        n = int(round((tmax - tmin) * self.sfreq))
        pairs = zip(self.onsets, self.labels, strict=True)
        keep = [(o, lab) for o, lab in pairs if o + a >= 0 and o + a + n <= len(sig)]
        if not keep:
            return np.zeros((0, n, sig.shape[1]), np.float32), np.zeros(0, np.int64)
        X = np.stack([sig[o + a : o + a + n] for o, _ in keep]).astype(np.float32)
        return X, np.array([lab for _, lab in keep], np.int64)


def _root(data_dir: str | Path | None) -> Path:
    from .._paths import default_data_dir

    base = Path(data_dir) if data_dir is not None else default_data_dir()
    if base is None:
        raise DataFormatError("Recordings folder not found. Pass data_dir / --data-dir or set BCI_INPUT_DATA.")
    root = base / "ssvep_exo" if (base / "ssvep_exo").is_dir() else base
    if not root.is_dir():
        raise DataFormatError(f"SSVEPExo folder not found: {root}. Expected <data_dir>/ssvep_exo/subjectNN/.")
    return root


def ssvep_exo_subjects(split: str = "dev", data_dir: str | Path | None = None) -> list[str]:
    """Return the subjects of ``split`` (``'dev'``, ``'eval'`` or ``'all'``) that are present on disk.

    Parameters
    ----------
    split : str
        ``'dev'`` (subject01-08), ``'eval'`` (subject09-12) or ``'all'``.
    data_dir : path-like | None
        The recordings folder (default: ``$BCI_INPUT_DATA`` or ``../shared/data``).

    Returns
    -------
    list of str
        Subject folder names.
    """
    check_option("split", split, ["dev", "eval", "all"])
    wanted = SSVEP_EXO_SPLITS["dev"] + SSVEP_EXO_SPLITS["eval"] if split == "all" else SSVEP_EXO_SPLITS[split]
    root = _root(data_dir)
    return [s for s in wanted if (root / s).is_dir()]


def ssvep_exo_sessions(
    subject: str, data_dir: str | Path | None = None, include_excluded: bool = True
) -> list[str]:
    """Return the session names (file stems without ``_raw.fif``) of one subject, sorted by date.

    Parameters
    ----------
    subject : str
        e.g. ``'subject01'``.
    data_dir : path-like | None
        The recordings folder.
    include_excluded : bool
        If False, leave out :data:`SSVEP_EXO_EXCLUDED`.

    Returns
    -------
    list of str
        Session names such as ``'record-[2012.07.06-19.02.16]'``.
    """
    folder = _root(data_dir) / subject
    if not folder.is_dir():
        raise DataFormatError(f"No SSVEPExo subject folder {folder}.")
    names = sorted(p.name[: -len("_raw.fif")] for p in folder.glob("*_raw.fif"))
    if not include_excluded:
        names = [n for n in names if (subject, n) not in SSVEP_EXO_EXCLUDED]
    return names


def load_ssvep_exo(subject: str, session: str, data_dir: str | Path | None = None) -> SsvepRecording:
    """Read one SSVEPExo session.

    Parameters
    ----------
    subject : str
        Subject folder, e.g. ``'subject01'``.
    session : str
        Session name from :func:`ssvep_exo_sessions`.
    data_dir : path-like | None
        The recordings folder.

    Returns
    -------
    SsvepRecording
        Signal in µV with trial onsets and labels.
    """
    import mne

    folder = _root(data_dir) / subject
    raw_path, eve_path = folder / f"{session}_raw.fif", folder / f"{session}-eve.fif"
    if not raw_path.is_file() or not eve_path.is_file():
        raise DataFormatError(
            f"Missing SSVEPExo files for {subject}/{session}: need {raw_path.name} and {eve_path.name}."
        )
    try:
        # MNE raises many exception types (and warns) for a damaged FIF file, some only after the header is read.
        with warnings.catch_warnings(), np.errstate(over="ignore", invalid="ignore"):
            warnings.simplefilter("ignore")
            check_fif_chain(eve_path)  # a corrupt tag chain would make MNE loop forever
            raw = read_raw_checked(raw_path)  # header numbers checked before the samples are loaded
            events = mne.read_events(eve_path, verbose="error")
            data = (raw.get_data().T * 1e6).astype(np.float32)
    except DataFormatError:
        raise
    except Exception as exc:
        raise DataFormatError(
            f"Cannot read {subject}/{session}: {exc or type(exc).__name__}. Is the FIF file complete?"
        ) from exc
    if not np.isfinite(data).all():
        raise DataFormatError(f"{raw_path} holds NaN or infinite samples (or values too large for float32).")
    if events.ndim != 2 or events.shape[1] != 3:
        raise DataFormatError(f"{eve_path} is not an MNE events file (expected 3 columns).")
    unknown = sorted(set(events[:, 2].tolist()) - set(_EVENT_TO_LABEL))
    if unknown:
        raise DataFormatError(f"{eve_path} has unknown event ids {unknown}; expected 1 (rest), 2, 3, 4.")
    labels = np.array([_EVENT_TO_LABEL[int(c)] for c in events[:, 2]], np.int64)
    onsets = events[:, 0].astype(np.int64) - int(raw.first_samp)
    return SsvepRecording(
        subject=subject,
        session=session,
        data=data,
        sfreq=float(raw.info["sfreq"]),
        ch_names=tuple(raw.ch_names),
        onsets=onsets,
        labels=labels,
        freqs=SSVEP_EXO_FREQS,
        excluded=(subject, session) in SSVEP_EXO_EXCLUDED,
    )

