"""Reader for OpenBCI GUI text recordings (``OpenBCI-RAW-*.txt`` / ``OpenBCI_GUI-v*.txt``).

Lines starting with ``%`` are a header (``%Sample Rate = 250 Hz``); the first other line names
the columns; ``EXG Channel 0..N`` hold µV with large DC offsets, so high-pass before thresholds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from .._errors import DataFormatError
from .._rawfile import check_finite_samples, check_sfreq

__all__ = [
    "OpenBciRecording",
    "read_openbci_txt",
    "openbci_blinks_jaw_path",
    "OPENBCI_BLINKS_JAW_EXPECTED",
]

#: Episodes of the ``openbci_blinks_jaw`` sample recording, seconds from its start, as the data
#: README describes them ("about"): blinks, jaw clenches and an eyes-closed alpha period.
OPENBCI_BLINKS_JAW_EXPECTED: dict[str, tuple[tuple[float, float], ...]] = {
    "blink": ((0.0, 18.0), (76.0, 89.0)),
    "jaw": ((0.0, 20.0), (80.0, 90.0)),
    "alpha": ((30.0, 70.0),),
}


@dataclass(frozen=True)
class OpenBciRecording:
    """An OpenBCI GUI recording.

    Parameters
    ----------
    data : ndarray, shape (n_times, n_channels)
        ExG channels in µV (float32), DC offsets included.
    timestamps : ndarray, shape (n_times,)
        Seconds from the first sample (from the sample count and ``sfreq``).
    sfreq : float
        Sampling rate from the header, Hz.
    ch_names : tuple of str
        ``"EXG Channel 0"`` ...
    path : Path
        The file read.
    """

    data: NDArray[np.float32]
    timestamps: NDArray[np.float64]
    sfreq: float
    ch_names: tuple[str, ...]
    path: Path


def read_openbci_txt(path: str | Path) -> OpenBciRecording:
    """Read an OpenBCI GUI text file.

    Parameters
    ----------
    path : path-like
        The ``.txt`` file.

    Returns
    -------
    OpenBciRecording
        The ExG channels.

    Raises
    ------
    DataFormatError
        If the file is missing, has no sample-rate header or no ``EXG Channel`` columns.
    """
    p = Path(path)
    if not p.is_file():
        raise DataFormatError(f"OpenBCI recording not found: {p}")
    sfreq = None
    header: list[str] | None = None
    rows: list[list[float]] = []
    picks: list[int] = []
    with p.open(encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if line.startswith("%"):
                m = re.search(r"Sample Rate\s*=\s*([-+]?(?:[0-9.]+(?:[eE][-+]?[0-9]+)?|[A-Za-z]+))", line)
                if m:
                    try:
                        sfreq = float(m.group(1))
                    except ValueError:
                        raise DataFormatError(f"{p}: the sample rate {m.group(1)!r} is not a number.") from None
                continue
            if not line.strip():
                continue
            if header is None:
                header = [h.strip() for h in line.split(",")]
                picks = [i for i, h in enumerate(header) if h.startswith("EXG Channel")]
                if not picks:
                    raise DataFormatError(f"{p}: no 'EXG Channel' columns in the header {header[:6]}...")
                continue
            parts = line.split(",")
            try:
                rows.append([float(parts[i]) for i in picks])
            except (ValueError, IndexError) as exc:
                raise DataFormatError(f"{p}: malformed sample line {len(rows) + 1} ({exc}).") from exc
    if sfreq is None or header is None or not rows:
        raise DataFormatError(f"{p}: not an OpenBCI GUI file (needs a '%Sample Rate = ...' header and samples).")
    sfreq = check_sfreq(sfreq, p, name="Sample Rate")
    with np.errstate(over="ignore"):  # a value beyond float32 becomes infinite and is refused below
        data = np.asarray(rows, dtype=np.float64).astype(np.float32)
    check_finite_samples(data, p)  # refused, not repaired: a decoder must not learn from invented samples
    ts = np.arange(len(data)) / sfreq
    return OpenBciRecording(data, ts, sfreq, tuple(header[i] for i in picks), p)


def openbci_blinks_jaw_path(data_dir: str | Path) -> Path:
    """Return the path of the ``openbci_blinks_jaw`` sample recording.

    Parameters
    ----------
    data_dir : path-like
        The recordings folder.

    Returns
    -------
    Path
        The text file.
    """
    root = Path(data_dir) / "openbci_blinks_jaw"
    files = sorted(root.glob("*.txt"))
    if not files:
        raise DataFormatError(f"No OpenBCI text file under {root}.")
    return files[0]
