"""One checked way to read an EEG file with MNE, and the checks every recording reader shares.

Every number a recording declares in its header or sidecar is checked here, once, before anything is
allocated from it: the sampling rate (at most :data:`SFREQ_MAX`), the channel count (at most
:data:`CHANNELS_MAX`), event codes (within int32), record durations and record counts (consistent with
the file's size). A file that breaks a rule is refused with one :class:`DataFormatError` line naming the
file and the problem.

A truncated EDF/BDF file (fewer data records than its header declares) is refused, with the seconds it
lacks: the markers of an EDF+/BDF+ file live in its data records, so a truncated file has lost the markers
of its missing part, and a replay or a calibration must not go on silently without them.
"""

from __future__ import annotations

import math
import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._checks import CHANNELS_MAX, INT32_MAX, INT32_MIN, SFREQ_MAX, check_number
from ._errors import BciInputError, DataFormatError
from ._fif import check_fif_chain

__all__ = [
    "check_sfreq",
    "check_n_channels",
    "check_event_codes",
    "check_finite_samples",
    "check_edf_header",
    "read_raw_checked",
]

#: The lowest sampling rate a recording may declare, in Hz (one sample every 1000 s).
SFREQ_MIN = 1e-3
#: The largest physical extreme an EDF/BDF signal may declare (its 8-character field holds at most 99999999).
PHYSICAL_MAX = 1e8
#: The longest data record an EDF/BDF file may declare, in seconds (the format's own fields hold 8 characters).
RECORD_S_MAX = 1e6


def check_sfreq(value: object, where: str | os.PathLike[str], name: str = "sfreq") -> float:
    """Return a sampling rate in Hz if it is finite and within ``[SFREQ_MIN, SFREQ_MAX]``; else raise.

    Parameters
    ----------
    value : object
        The rate as read.
    where : path-like
        The file it came from (named in the message).
    name : str
        The field's name in that file.

    Returns
    -------
    float
        The rate.
    """
    return float(check_number(name, value, low=SFREQ_MIN, high=SFREQ_MAX, where=str(where)))


def check_n_channels(value: object, where: str | os.PathLike[str], name: str = "number of channels") -> int:
    """Return a channel count if it is a whole number in ``[1, CHANNELS_MAX]``; else raise :class:`DataFormatError`."""
    return int(check_number(name, value, low=1, high=CHANNELS_MAX, integer=True, where=str(where)))


def check_event_codes(codes: Any, where: str | os.PathLike[str], name: str = "event code") -> NDArray[np.int64]:
    """Return event codes as int64 if each is a whole number within int32; else raise :class:`DataFormatError`.

    Parameters
    ----------
    codes : array-like of numbers, shape (n_events,)
        Codes as read (Python ints of any size, or floats).
    where : path-like
        The file they came from.
    name : str
        The column or field name.

    Returns
    -------
    ndarray, shape (n_events,)
        The codes.
    """
    out = np.empty(len(codes), np.int64)
    for i, code in enumerate(codes):
        value = code.item() if isinstance(code, np.generic) else code
        out[i] = check_number(name, value, low=INT32_MIN, high=INT32_MAX, integer=True, where=str(where))
    return out


def check_finite_samples(data: NDArray[Any], where: str | os.PathLike[str]) -> None:
    """Refuse samples that are NaN or infinite, naming the first one.

    Parameters
    ----------
    data : ndarray, shape (n_times, n_channels)
        The samples.
    where : path-like
        The file they came from.
    """
    bad = ~np.isfinite(data)
    if bad.any():
        row, col = (int(v) for v in np.argwhere(bad)[0])
        raise DataFormatError(
            f"{where} holds {int(bad.sum())} NaN or infinite sample(s) (the first at sample {row}, channel {col}); "
            "every sample must be a finite number."
        )


def _field(raw: bytes, name: str, where: str, *, integer: bool) -> float | int:
    text = raw.decode("ascii", errors="replace").strip()
    try:
        value: float | int = int(text) if integer else float(text)
    except ValueError:
        try:
            value = float(text)
        except ValueError:
            raise DataFormatError(
                f"Invalid value for {name!r} in {where}: {text[:40]!r}. It must be a number."
            ) from None
    return value


def check_edf_header(path: str | os.PathLike[str]) -> None:
    """Check every number in an EDF/BDF header against the file before MNE reads it.

    Checked: the number of signals (1 to ``CHANNELS_MAX``), the record duration (finite, above 0), the
    samples per record of each signal (whole, at least 1, a rate of at most ``SFREQ_MAX``), the header size,
    and the number of data records against the file's size: a file with fewer records than declared is
    truncated and refused, with the seconds it lacks.

    Parameters
    ----------
    path : path-like
        The ``.edf`` or ``.bdf`` file.

    Raises
    ------
    DataFormatError
        If a header number is invalid or the file is truncated.
    """
    p = Path(path)
    where = str(p)
    bytes_per_sample = 3 if p.suffix.lower() == ".bdf" else 2
    try:
        size = p.stat().st_size
        with p.open("rb") as fh:
            main = fh.read(256)
            if len(main) < 256:
                raise DataFormatError(f"Cannot read {p}: it is not an EDF/BDF file (its header is cut short).")
            n_signals = int(check_number("number of signals", _field(main[252:256], "number of signals", where,
                                                                      integer=True),
                                         low=1, high=CHANNELS_MAX + 1, integer=True, where=where))
            head = fh.read(256 * n_signals)
    except OSError as exc:
        raise DataFormatError(f"Cannot read {p}: {exc.strerror or exc}.") from exc
    if len(head) < 256 * n_signals:
        raise DataFormatError(f"{p} is truncated: its header of {n_signals} signals is cut short.")
    header_bytes = int(check_number("header size", _field(main[184:192], "header size", where, integer=True),
                                    integer=True, where=where))
    if header_bytes != 256 * (n_signals + 1):
        raise DataFormatError(
            f"Invalid value for 'header size' in {where}: {header_bytes}. "
            f"With {n_signals} signals it must be {256 * (n_signals + 1)}."
        )
    duration = float(check_number("record duration", _field(main[244:252], "record duration", where, integer=False),
                                  low=0.0, low_inclusive=False, high=RECORD_S_MAX, where=where))
    n_records = int(check_number("number of records", _field(main[236:244], "number of records", where,
                                                              integer=True),
                                 low=-1, integer=True, where=where))
    labels = [head[16 * i : 16 * (i + 1)].decode("latin-1").strip() for i in range(n_signals)]
    digital = 2 ** (8 * bytes_per_sample - 1)  # EDF: 16-bit samples, BDF: 24-bit

    def number(block: int, i: int, name: str, *, integer: bool, **bounds: Any) -> float | int:
        # The header stores each field for all signals in a row: block * n_signals is where that field starts.
        at = block * n_signals + 8 * i
        full = f"{name} of signal {i + 1} ({labels[i] or 'unnamed'})"
        return check_number(full, _field(head[at : at + 8], full, where, integer=integer), integer=integer,
                            where=where, **bounds)

    samples = []
    for i in range(n_signals):
        samples.append(int(number(216, i, "samples per record", integer=True, low=1)))
        if labels[i] in ("EDF Annotations", "BDF Annotations"):
            continue
        check_sfreq(samples[-1] / duration, where, name=f"sampling rate of signal {i + 1} ({labels[i] or 'unnamed'})")
        number(104, i, "physical minimum", integer=False, low=-PHYSICAL_MAX, high=PHYSICAL_MAX)
        number(112, i, "physical maximum", integer=False, low=-PHYSICAL_MAX, high=PHYSICAL_MAX)
        d_min = number(120, i, "digital minimum", integer=True, low=-digital, high=digital - 1)
        number(128, i, "digital maximum", integer=True, low=d_min + 1, high=digital - 1)
    record_bytes = sum(samples) * bytes_per_sample
    held = int((size - header_bytes) // record_bytes)
    if n_records == -1:  # allowed by the format while recording: the size tells
        n_records = held
    if n_records < 1:
        raise DataFormatError(f"{p} holds no complete data record ({size} bytes, records of {record_bytes} bytes).")
    if held < n_records:
        lost = (n_records - held) * duration
        raise DataFormatError(
            f"{p} is truncated: its header declares {n_records} records of {duration:g} s "
            f"({n_records * duration:.2f} s) but the file holds {held} ({held * duration:.2f} s); "
            f"{lost:.2f} s and the markers stored in them are missing. Use a complete copy of the file."
        )


def read_raw_checked(path: str | os.PathLike[str]) -> Any:
    """Read an EEG file with MNE after checking its header numbers; return the preloaded Raw.

    FIF files have their tag chain checked (a damaged chain would make MNE loop forever), EDF/BDF files
    their header (:func:`check_edf_header`). The file is opened without data first; its sampling rate and
    channel count are checked before the samples are loaded.

    Parameters
    ----------
    path : path-like
        A ``.fif``, ``.fif.gz``, ``.edf``, ``.bdf`` or another file ``mne.io.read_raw`` reads.

    Returns
    -------
    mne.io.BaseRaw
        The preloaded recording.

    Raises
    ------
    DataFormatError
        For a damaged, truncated or implausible file (one line naming the file and the problem).
    """
    import mne

    p = Path(path)
    suffix = p.suffix.lower()
    try:
        with warnings.catch_warnings(), np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            warnings.simplefilter("ignore")
            if suffix == ".fif":
                check_fif_chain(p)
            elif suffix in (".edf", ".bdf"):
                check_edf_header(p)
            raw = mne.io.read_raw(p, preload=False, verbose="error")
            check_sfreq(raw.info["sfreq"], p)
            check_n_channels(len(raw.ch_names), p)
            if not math.isfinite(raw.first_time) or abs(raw.n_times) > 2**40:
                raise DataFormatError(f"{p} declares an implausible length of {raw.n_times} samples.")
            raw.load_data(verbose="error")
    except BciInputError:
        raise
    except Exception as exc:  # MNE raises many types (AssertionError, struct.error, ...) for a damaged file
        raise DataFormatError(
            f"Cannot read {p}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}. Is it a complete file?"
        ) from None
    return raw
