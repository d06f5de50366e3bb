"""Recording to disk while acquiring, reading recordings back, and exporting them with MNE.

A recording named ``rec.csv`` is three files:

- ``rec.csv``: BrainFlow-style CSV (what ``DataFilter.write_file`` writes): one line per sample, values
  separated by tabs, in the row layout of the board (:class:`CsvLayout`), so BrainFlow's playback board
  can replay recordings made from a BrainFlow board.
- ``rec.events.tsv``: the markers, ``onset_s<TAB>sample<TAB>code`` with a header line. BrainFlow's
  playback board drops the marker row, so this sidecar is the reference for events.
- ``rec.json``: channel names and types, sampling rate, row layout and the BrainFlow board id (if any).

Every chunk is flushed to the operating system as it is written, so a killed process leaves a readable
partial recording (:func:`read_recording` ignores a truncated last line).
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO

import numpy as np
from numpy.typing import NDArray

from ._checks import CHANNELS_MAX, INT32_MAX, INT32_MIN, check_number
from ._errors import ConfigError, DataFormatError, StorageError, check_option
from ._types import Chunk, StreamInfo

__all__ = [
    "CsvLayout",
    "Recorder",
    "Recording",
    "read_recording",
    "export_recording",
    "sidecar_paths",
    "RECORDING_FORMATS",
    "UV_TYPES",
]

log = logging.getLogger(__name__)

#: Formats :func:`export_recording` writes.
RECORDING_FORMATS = ("fif", "edf", "bdf", "csv")
#: Channel types stored in µV in the core (volts in MNE files); other types keep their units.
UV_TYPES = ("eeg", "emg", "eog", "ecg")
_FORMAT_VERSION = 1


@dataclass(frozen=True)
class CsvLayout:
    """Where each channel lives among the rows of a BrainFlow-style CSV.

    Parameters
    ----------
    n_rows : int
        Number of values per line.
    channel_rows : tuple of int
        Row of each channel, in :class:`StreamInfo` order.
    timestamp_row : int
        Row of the timestamps (seconds).
    marker_row : int
        Row of the markers (0 = no marker).
    package_row : int | None
        Row of the package counter, if any.
    """

    n_rows: int
    channel_rows: tuple[int, ...]
    timestamp_row: int
    marker_row: int
    package_row: int | None = 0

    @classmethod
    def default(cls, n_channels: int) -> CsvLayout:
        """Layout for a source that is not a BrainFlow board: counter, channels, timestamp, marker."""
        return cls(n_channels + 3, tuple(range(1, n_channels + 1)), n_channels + 1, n_channels + 2, 0)

    def validate(self, n_channels: int) -> None:
        """Raise :class:`ConfigError` if the layout does not fit ``n_channels`` channels."""
        rows = [*self.channel_rows, self.timestamp_row, self.marker_row]
        if len(self.channel_rows) != n_channels:
            raise ConfigError(f"CSV layout has {len(self.channel_rows)} channel rows for {n_channels} channels.")
        if any(r < 0 or r >= self.n_rows for r in rows):
            raise ConfigError(f"CSV layout rows must lie in 0..{self.n_rows - 1}, got {rows}.")


def sidecar_paths(path: str | os.PathLike[str]) -> tuple[Path, Path]:
    """Return the events and metadata sidecars of a CSV recording.

    Parameters
    ----------
    path : path-like
        The CSV file (``rec.csv``).

    Returns
    -------
    events, meta : Path
        ``rec.events.tsv`` and ``rec.json``.
    """
    p = Path(path)
    return p.with_name(p.stem + ".events.tsv"), p.with_name(p.stem + ".json")


class Recorder:
    """Stream chunks to a BrainFlow-style CSV and an events sidecar while acquiring.

    Parameters
    ----------
    path_csv : path-like
        Output CSV path; ``<stem>.events.tsv`` and ``<stem>.json`` are written next to it.
    info : StreamInfo
        The source's channels and rate.
    layout : CsvLayout | None
        Row layout; a BrainFlow source passes its board's layout (so BrainFlow's playback board can
        replay the file), others get :meth:`CsvLayout.default`.
    board_id : int | None
        BrainFlow board id of the source, stored in the metadata.
    fsync : bool
        Also ``fsync`` after every chunk (survives power loss, not only a killed process).
    """

    def __init__(
        self,
        path_csv: str | os.PathLike[str],
        info: StreamInfo,
        *,
        layout: CsvLayout | None = None,
        board_id: int | None = None,
        fsync: bool = False,
    ) -> None:
        self.path = Path(path_csv)
        self.info = info
        self.layout = layout or CsvLayout.default(info.n_channels)
        self.layout.validate(info.n_channels)
        self.board_id = board_id
        self.fsync = fsync
        self.n_samples = 0
        self.n_events = 0
        self._t0: float | None = None
        self._last_ts: float | None = None
        self._csv: IO[str] | None = None
        self._events: IO[str] | None = None
        self.events_path, self.meta_path = sidecar_paths(self.path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._write_meta()
            self._csv = open(self.path, "w", encoding="ascii", newline="\n")  # noqa: SIM115 - kept open
            self._events = open(self.events_path, "w", encoding="ascii", newline="\n")  # noqa: SIM115
            self._events.write("onset_s\tsample\tcode\n")
            self._events.flush()
        except OSError as exc:
            self.close()
            raise StorageError(f"Cannot write the recording {self.path}: {exc.strerror or exc}.") from exc

    def _write_meta(self) -> None:
        meta = {
            "format": "bci-input-recording",
            "version": _FORMAT_VERSION,
            "ch_names": list(self.info.ch_names),
            "ch_types": list(self.info.ch_types),
            "sfreq": self.info.sfreq,
            "name": self.info.name,
            "board_id": self.board_id,
            "layout": asdict(self.layout),
            "units": {t: "uV" for t in UV_TYPES},
        }
        tmp = self.meta_path.with_suffix(".json.tmp")
        try:
            tmp.write_text(json.dumps(meta, indent=2), encoding="utf-8")
            os.replace(tmp, self.meta_path)
        except OSError:
            tmp.unlink(missing_ok=True)  # no stray temporary file (a full disk leaves it empty)
            raise

    def __enter__(self) -> Recorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def write(self, chunk: Chunk) -> None:
        """Append a chunk and its markers, then flush.

        Parameters
        ----------
        chunk : Chunk
            Shape (n_times, n_channels), in µV; markers carry the timestamp of their sample.
        """
        if self._csv is None or self._events is None:
            raise StorageError(f"The recording {self.path} is closed.")
        if chunk.n_channels != self.info.n_channels:
            raise ConfigError(f"Recorder expects {self.info.n_channels} channels, got {chunk.n_channels}.")
        n = chunk.n_times
        lay = self.layout
        if n:
            rows = np.zeros((n, lay.n_rows), np.float64)
            rows[:, list(lay.channel_rows)] = chunk.data
            rows[:, lay.timestamp_row] = chunk.timestamps
            if lay.package_row is not None:
                rows[:, lay.package_row] = (self.n_samples + np.arange(n)) % 256
            half = 0.5 / self.info.sfreq
            marks = [
                (int(np.clip(np.searchsorted(chunk.timestamps, ts - half), 0, n - 1)), code)
                for ts, code in chunk.markers
            ]
            for idx, code in marks:
                rows[idx, lay.marker_row] = code
            if self._t0 is None:
                self._t0 = float(chunk.timestamps[0])
            fmt = "\t".join(["%.6f"] * lay.n_rows)
            lines = [fmt % tuple(r) for r in rows]
            try:
                self._csv.write("\n".join(lines) + "\n")
                for idx, code in marks:
                    self._write_event(self.n_samples + idx, float(chunk.timestamps[idx]), code)
                self._flush()
            except OSError as exc:
                raise StorageError(f"Writing the recording {self.path} failed: {exc.strerror or exc}.") from exc
            self.n_samples += n
            self._last_ts = float(chunk.timestamps[-1])
        elif chunk.markers:
            log.warning("Dropped %d marker(s) that came with an empty chunk.", len(chunk.markers))

    def _write_event(self, sample: int, ts: float, code: int) -> None:
        assert self._events is not None
        onset = sample / self.info.sfreq
        self._events.write(f"{onset:.6f}\t{sample}\t{int(code)}\n")
        self.n_events += 1
        log.debug("event %d at sample %d (t=%.6f)", code, sample, ts)

    def _flush(self) -> None:
        for f in (self._csv, self._events):
            if f is not None:
                f.flush()
                if self.fsync:
                    os.fsync(f.fileno())

    @property
    def duration_s(self) -> float:
        """Seconds of data written so far."""
        return self.n_samples / self.info.sfreq

    def close(self) -> None:
        """Flush and close the files. Safe to call twice.

        Both files are closed even when flushing fails (a full disk); what reached the disk stays readable
        (:func:`read_recording` ignores a partial last line).

        Raises
        ------
        StorageError
            If the last data could not be written.
        """
        error: OSError | None = None
        for name in ("_csv", "_events"):
            f = getattr(self, name)
            if f is None:
                continue
            setattr(self, name, None)
            try:
                try:
                    f.flush()
                    os.fsync(f.fileno())
                finally:
                    f.close()  # closes the file descriptor even when the flush failed
            except OSError as exc:
                error = error or exc
        if error is not None:
            raise StorageError(
                f"Closing the recording {self.path} failed: {error.strerror or error}; its last samples may be missing."
            ) from error


@dataclass(frozen=True)
class Recording:
    """A recording read back from disk.

    Parameters
    ----------
    data : ndarray, shape (n_times, n_channels)
        Samples, float32, µV for EEG/EMG/EOG.
    timestamps : ndarray, shape (n_times,)
        Sample times in seconds.
    info : StreamInfo
        Channels and rate.
    events : ndarray, shape (n_events, 2)
        ``(sample, code)`` integer pairs.
    board_id : int | None
        The BrainFlow board it was recorded from, if any.
    layout : CsvLayout
        The CSV row layout.
    """

    data: NDArray[np.float32]
    timestamps: NDArray[np.float64]
    info: StreamInfo
    events: NDArray[np.int64]
    board_id: int | None
    layout: CsvLayout

    def __iter__(self):  # noqa: ANN204 - allows ``data, ts, info, events = read_recording(p)``
        return iter((self.data, self.timestamps, self.info, self.events))


def _load_meta(meta_path: Path) -> dict:
    from ._rawfile import check_n_channels, check_sfreq

    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if not isinstance(meta, dict):
            raise TypeError("it is not a JSON object")
        meta["sfreq"] = check_sfreq(meta.get("sfreq"), meta_path)  # before anything is sized from it
        if isinstance(meta.get("ch_names"), list):
            check_n_channels(len(meta["ch_names"]), meta_path)
        if isinstance(meta.get("layout"), dict):
            check_number("layout.n_rows", meta["layout"].get("n_rows"), low=1, high=CHANNELS_MAX + 64, integer=True,
                         where=str(meta_path))
        meta["layout"] = CsvLayout(**{**meta["layout"], "channel_rows": tuple(meta["layout"]["channel_rows"])})
        StreamInfo(tuple(meta["ch_names"]), tuple(meta["ch_types"]), float(meta["sfreq"]))
        lay = meta["layout"]
        rows = [lay.n_rows, *lay.channel_rows, lay.timestamp_row, lay.marker_row]
        if not all(isinstance(r, int) and not isinstance(r, bool) for r in rows):
            raise ValueError(f"layout rows must be integers, got {rows}")
        lay.validate(len(meta["ch_names"]))
        if meta.get("board_id") is not None:
            meta["board_id"] = check_number("board_id", meta["board_id"], low=INT32_MIN, high=INT32_MAX,
                                            integer=True, where=str(meta_path))
    except (FileNotFoundError, DataFormatError):
        raise
    except (OSError, ValueError, KeyError, TypeError, RecursionError) as exc:
        raise DataFormatError(f"The recording metadata {meta_path} is malformed ({exc}).") from exc
    return meta


def _read_csv_rows(path: Path, n_rows: int | None) -> NDArray[np.float64]:
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError as exc:
        raise DataFormatError(f"Recording not found: {path}. Check the path (a recording is a .csv file).") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise DataFormatError(f"Cannot read the recording {path}: it is not a text CSV file ({exc}).") from exc
    lines = text.split("\n")
    truncated_tail = not text.endswith("\n") and bool(lines[-1].strip())
    lines = [ln for ln in lines if ln.strip()]
    if truncated_tail:  # the writer was killed mid-line: ignore the partial sample
        log.warning("Recording %s ends with a partial line (the recorder was interrupted); ignoring it.", path)
        lines = lines[:-1]
    rows = []
    for i, ln in enumerate(lines, 1):
        fields = ln.rstrip("\t").split("\t")
        if n_rows is None:
            n_rows = len(fields)
        if len(fields) != n_rows:
            raise DataFormatError(f"Malformed recording {path}, line {i}: {len(fields)} values, expected {n_rows}.")
        try:
            rows.append([float(v) for v in fields])
        except ValueError as exc:
            raise DataFormatError(f"Malformed recording {path}, line {i}: {exc}.") from exc
    if not rows:
        raise DataFormatError(f"The recording {path} holds no samples.")
    return np.asarray(rows, np.float64)


def _whole(name: str, text: str, where: str) -> int:
    """Parse a whole number of a sidecar column, refusing 5,000-digit integers before converting them."""
    text = text.strip()
    if not re.fullmatch(r"-?[0-9]+", text, flags=re.ASCII):
        raise DataFormatError(f"Invalid value for {name!r} in {where}: {text[:40]!r}. It must be a whole number.")
    if len(text.lstrip("-")) > 18:
        raise DataFormatError(
            f"Invalid value for {name!r} in {where}: a number of {len(text.lstrip('-'))} digits. "
            f"It must lie within [{INT32_MIN}, {INT32_MAX}]."
        )
    return int(text)


def _read_events(path: Path, n_times: int) -> NDArray[np.int64]:
    if not path.exists():
        return np.zeros((0, 2), np.int64)
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataFormatError(f"Cannot read the events file {path}: it is not an ASCII TSV file ({exc}).") from exc
    out = []
    lines = text.split("\n")
    partial_tail = len(lines) if lines[-1].strip() else -1  # no final newline: the writer was interrupted there
    for i, ln in enumerate(lines, 1):
        if i == 1 or not ln.strip():
            if i == 1 and ln.rstrip("\r").split("\t")[:3] != ["onset_s", "sample", "code"]:
                raise DataFormatError(
                    f"Malformed events file {path}: the header must be 'onset_s<TAB>sample<TAB>code'."
                )
            continue
        parts = ln.rstrip("\r").split("\t")
        where = f"{path}, line {i}"
        try:
            sample, code = (_whole(name, parts[k], where) for name, k in (("sample", 1), ("code", 2)))
        except (IndexError, DataFormatError):
            if i == partial_tail:  # the recorder was killed mid-line: ignore the partial event
                log.warning("Ignoring the partial last line %d of %s.", i, path)
                continue
            if len(parts) < 3:
                raise DataFormatError(f"Malformed events file {where}: expected onset_s, sample and code.") from None
            raise
        check_number("code", code, low=INT32_MIN, high=INT32_MAX, where=where)
        check_number("sample", sample, low=0, where=where)
        if sample < n_times:  # a marker past the last complete sample of an interrupted recording is dropped
            out.append((sample, code))
    return np.asarray(out, np.int64).reshape(-1, 2)


def read_recording(
    path: str | os.PathLike[str], *, layout: CsvLayout | None = None, info: StreamInfo | None = None
) -> Recording:
    """Read a recording written by :class:`Recorder` (even a partial one).

    Parameters
    ----------
    path : path-like
        The CSV file.
    layout, info : CsvLayout, StreamInfo | None
        Needed only for a plain BrainFlow CSV without the ``.json`` metadata sidecar (the hardware layer
        builds them from BrainFlow's board descriptor).

    Returns
    -------
    Recording
        Unpacks as ``data (n_times, n_channels), timestamps (n_times,), info, events (n_events, 2)``.

    Raises
    ------
    DataFormatError
        If the file is missing, empty or malformed.
    """
    path = Path(path)
    events_path, meta_path = sidecar_paths(path)
    board_id = None
    if meta_path.exists():
        meta = _load_meta(meta_path)
        layout = meta["layout"]
        info = StreamInfo(tuple(meta["ch_names"]), tuple(meta["ch_types"]), float(meta["sfreq"]), meta.get("name", ""))
        board_id = meta.get("board_id")
    elif layout is None or info is None:
        if not path.exists():
            raise DataFormatError(f"Recording not found: {path}. Check the path (a recording is a .csv file).")
        raise DataFormatError(
            f"The recording {path} has no metadata file {meta_path.name}. For a plain BrainFlow CSV, give the "
            "board it was recorded with (e.g. --board cyton)."
        )
    assert layout is not None and info is not None
    rows = _read_csv_rows(path, layout.n_rows)
    with np.errstate(over="ignore"):  # a value beyond float32 is kept as infinite, like 'inf' itself
        data = rows[:, list(layout.channel_rows)].astype(np.float32)
    ts = rows[:, layout.timestamp_row].copy()
    events = _read_events(events_path, len(ts))
    if not meta_path.exists() and events.size == 0:  # plain BrainFlow file: use its marker row
        idx = np.flatnonzero(rows[:, layout.marker_row])
        events = np.stack([idx, rows[idx, layout.marker_row].astype(np.int64)], axis=1).astype(np.int64)
    if np.any(np.diff(ts) < 0):
        log.warning("Timestamps in %s are not monotonic.", path)
    return Recording(data, ts, info, events, board_id, layout)


def _to_raw(rec: Recording):  # noqa: ANN202 - mne.io.RawArray
    import datetime

    import mne

    scale = np.array([1e-6 if t in UV_TYPES else 1.0 for t in rec.info.ch_types])
    minfo = mne.create_info(list(rec.info.ch_names), rec.info.sfreq, list(rec.info.ch_types))
    raw = mne.io.RawArray((rec.data.astype(np.float64) * scale).T, minfo, verbose="error")
    t0 = float(rec.timestamps[0]) if len(rec.timestamps) else 0.0
    if 1e8 < t0 < 4e9:  # a Unix time: keep it as the measurement date
        raw.set_meas_date(datetime.datetime.fromtimestamp(t0, tz=datetime.UTC))
    if len(rec.events):
        onsets = rec.events[:, 0] / rec.info.sfreq
        ann = mne.Annotations(onsets, np.zeros(len(onsets)), [str(c) for c in rec.events[:, 1]], orig_time=None)
        raw.set_annotations(ann)
    return raw


def export_recording(
    csv_path: str | os.PathLike[str], out_path: str | os.PathLike[str], fmt: str | None = None
) -> Path:
    """Convert a CSV recording to FIF (markers as annotations), EDF, BDF, or copy it as CSV.

    Parameters
    ----------
    csv_path : path-like
        A recording written by :class:`Recorder`.
    out_path : path-like
        The output file.
    fmt : str | None
        One of ``fif``, ``edf``, ``bdf``, ``csv``; ``None`` takes it from ``out_path``'s extension.

    Returns
    -------
    Path
        The written file. Each marker becomes an annotation at its exact sample, described by its code.
    """
    out = Path(out_path)
    if fmt is None:
        fmt = out.suffix.lower().lstrip(".")
    check_option("format", fmt, RECORDING_FORMATS)
    rec = read_recording(csv_path)
    if fmt == "csv":
        if out.resolve() != Path(csv_path).resolve():
            import shutil

            pairs = [(Path(csv_path), out), *zip(sidecar_paths(csv_path), sidecar_paths(out), strict=True)]
            try:
                for src, dst in pairs:
                    if src.exists():
                        shutil.copyfile(src, dst)
            except OSError as exc:
                for _src, dst in pairs:
                    dst.unlink(missing_ok=True)  # no partial copy
                raise StorageError(
                    f"Cannot write {out}: {exc.strerror or exc}. The recording is kept in {csv_path}."
                ) from exc
        return out
    raw = _to_raw(rec)
    try:
        if fmt == "fif":
            import warnings

            with warnings.catch_warnings():  # MNE's naming-convention hint is not an error here
                warnings.simplefilter("ignore", RuntimeWarning)
                raw.save(out, overwrite=True, verbose="error")
        else:
            import mne

            mne.export.export_raw(out, raw, fmt=fmt, overwrite=True, verbose="error")
    except OSError as exc:
        out.unlink(missing_ok=True)  # a partial export is of no use; the CSV keeps the recording
        raise StorageError(f"Cannot write {out}: {exc.strerror or exc}. The recording is kept in {csv_path}.") from exc
    log.info("exported %s (%d samples, %d events) to %s", csv_path, len(rec.timestamps), len(rec.events), out)
    return out
