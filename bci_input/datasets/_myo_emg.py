"""Reader for the Myo armband forearm-EMG recordings (myo-readings-dataset).

Folder ``myo_emg/<participant>-<session>/<gesture>.txt``: each line holds 8 EMG values
(int8) and the label, comma separated, no header; about 200 Hz, one minute per file. The
label alternates rest (0) and the file's gesture every 5 s. Gestures: 0 rest, 1 flexion,
2 extension, 3 radial deviation, 4 ulnar deviation, 5 pronation, 6 supination, 7 fist.
Split: dev = participants 12345, 21547, 45612; eval = 54321, 78945.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from .._errors import ConfigError, DataFormatError, check_option
from .._rawfile import check_event_codes, check_finite_samples

__all__ = [
    "MyoSession",
    "read_myo_file",
    "myo_sessions",
    "myo_episodes",
    "load_myo_windows",
    "myo_switch_segments",
    "MYO_SFREQ",
    "MYO_GESTURES",
    "MYO_SPLITS",
]

MYO_SFREQ = 200.0
MYO_GESTURES = ("rest", "flexion", "extension", "radial", "ulnar", "pronation", "supination", "fist")
MYO_SPLITS = {"dev": ("12345", "21547", "45612"), "eval": ("54321", "78945")}


@dataclass(frozen=True)
class MyoSession:
    """One participant's session folder.

    Parameters
    ----------
    participant : str
        Participant id, e.g. ``"54321"``.
    session : int
        Session number (1-3).
    path : Path
        The folder holding ``0.txt`` ... ``7.txt``.
    """

    participant: str
    session: int
    path: Path

    def file(self, gesture: int) -> Path:
        """Return the path of one gesture's file."""
        return self.path / f"{int(gesture)}.txt"


def read_myo_file(path: str | Path) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
    """Read one Myo gesture file.

    Parameters
    ----------
    path : path-like
        A ``<gesture>.txt`` file.

    Returns
    -------
    data : ndarray, shape (n_times, 8)
        EMG in device units (int8 range; the Myo does not report µV).
    labels : ndarray, shape (n_times,)
        Gesture label of every sample (0 = rest).
    """
    p = Path(path)
    if not p.is_file():
        raise DataFormatError(f"Myo EMG file not found: {p}")
    try:
        with warnings.catch_warnings():  # an empty file warns; it is refused below
            warnings.simplefilter("ignore", UserWarning)
            raw = np.loadtxt(p, delimiter=",", ndmin=2, encoding="utf-8")
    except ValueError as exc:  # also UnicodeDecodeError
        raise DataFormatError(f"{p}: unreadable numeric data ({exc}).") from exc
    if raw.shape[1] != 9 or raw.shape[0] == 0:
        raise DataFormatError(
            f"{p}: expected lines of 8 EMG values and a label, found {raw.shape[0]} lines of {raw.shape[1]} columns."
        )
    if not np.all(np.isfinite(raw[:, 8])):
        raise DataFormatError(f"{p}: the label column holds non-finite values (NaN or infinity).")
    with np.errstate(over="ignore"):  # a value beyond float32 becomes infinite and is refused below
        data = raw[:, :8].astype(np.float32)
    check_finite_samples(data, p)  # refused, not repaired: a decoder must not learn from invented samples
    return data, check_event_codes(raw[:, 8], p, name="label")


def myo_sessions(data_dir: str | Path, split: str) -> list[MyoSession]:
    """Return every session folder of a split.

    Parameters
    ----------
    data_dir : path-like
        The recordings folder (holding ``myo_emg/``).
    split : {"dev", "eval"}
        Which participants.

    Returns
    -------
    list of MyoSession
        Sorted by participant then session.
    """
    check_option("split", split, MYO_SPLITS)
    root = Path(data_dir) / "myo_emg"
    out = []
    for part in MYO_SPLITS[split]:
        for d in sorted(root.glob(f"{part}-*")):
            if d.is_dir():
                out.append(MyoSession(part, int(d.name.split("-")[1]), d))
    if not out:
        raise DataFormatError(f"No Myo EMG sessions for split {split!r} under {root}.")
    return out


def myo_episodes(labels: NDArray[np.int64]) -> list[tuple[int, int, int]]:
    """Split a label sequence into constant-label episodes.

    Parameters
    ----------
    labels : ndarray, shape (n_times,)
        Per-sample labels.

    Returns
    -------
    list of (start, stop, label)
        Half-open sample ranges.
    """
    lab = np.asarray(labels)
    if lab.size == 0:
        return []
    edges = np.flatnonzero(np.diff(lab) != 0) + 1
    starts = np.r_[0, edges]
    stops = np.r_[edges, lab.size]
    return [(int(a), int(b), int(lab[a])) for a, b in zip(starts, stops, strict=True)]


def load_myo_windows(
    data_dir: str | Path,
    split: str,
    *,
    window_s: float = 0.2,
    step_s: float = 0.1,
    gestures: tuple[int, ...] = tuple(range(8)),
    skip_s: float = 0.5,
) -> tuple[NDArray[np.float32], NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Cut labelled EMG windows from every session of a split (for gesture classification).

    Windows are taken inside each episode only, skipping ``skip_s`` after every label change
    (the participant's reaction time). Rest windows come from the rest file ``0.txt``.

    Parameters
    ----------
    data_dir : path-like
        The recordings folder.
    split : {"dev", "eval"}
        Which participants.
    window_s, step_s : float
        Window length and hop, seconds.
    gestures : tuple of int
        Gesture labels to include (0 = rest).
    skip_s : float
        Seconds skipped after each label change.

    Returns
    -------
    X : ndarray, shape (n_windows, n_times, 8)
        EMG windows.
    y : ndarray, shape (n_windows,)
        Gesture labels.
    session : ndarray, shape (n_windows,)
        Session number (1-3), for leave-one-session-out.
    participant : ndarray, shape (n_windows,)
        Participant id as an int.
    """
    if not (window_s > 0 and step_s > 0):
        raise ConfigError("window_s and step_s must be positive.")
    n_win, n_step, n_skip = (int(round(v * MYO_SFREQ)) for v in (window_s, step_s, skip_s))
    xs, ys, ss, ps = [], [], [], []
    for sess in myo_sessions(data_dir, split):
        for g in gestures:
            data, labels = read_myo_file(sess.file(g))
            for a, b, lab in myo_episodes(labels):
                if lab != g:  # rest episodes inside gesture files are not used; rest comes from 0.txt
                    continue
                a0 = a + (n_skip if a > 0 else 0)
                starts = np.arange(a0, b - n_win + 1, n_step)
                if starts.size == 0:
                    continue
                xs.append(np.stack([data[s : s + n_win] for s in starts]))
                ys.append(np.full(starts.size, lab, np.int64))
                ss.append(np.full(starts.size, sess.session, np.int64))
                ps.append(np.full(starts.size, int(sess.participant), np.int64))
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(ss), np.concatenate(ps)


def myo_switch_segments(sessions: list[MyoSession], release_s: float = 1.0) -> tuple[
        list[NDArray[np.float32]], list[NDArray[np.float32]], list[NDArray[np.float32]]]:
    """Return the rest, fist and other-gesture episodes of ``sessions``, as an EMG switch's calibration sees them.

    Rest episodes come from every file; in the fist file the first ``release_s`` of a rest episode that follows a
    fist is dropped (the hand is still a fist when the label turns to rest).

    Parameters
    ----------
    sessions : list of MyoSession
        The sessions.
    release_s : float
        Seconds dropped after each fist.

    Returns
    -------
    rest, fist, other : list of ndarray, shape (n_times, 8)
        Episodes in file order.
    """
    release = int(round(release_s * MYO_SFREQ))
    rest: list[NDArray[np.float32]] = []
    fist: list[NDArray[np.float32]] = []
    other: list[NDArray[np.float32]] = []
    for sess in sessions:
        for g in range(len(MYO_GESTURES)):
            if not sess.file(g).is_file():
                continue
            data, labels = read_myo_file(sess.file(g))
            for a, b, lab in myo_episodes(labels):
                if g == 7 and lab == 0 and a > 0:
                    a = min(b, a + release)
                (fist if lab == 7 else rest if lab == 0 else other).append(data[a:b])
    return rest, fist, other
