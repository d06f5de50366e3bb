"""Playback of recordings: BrainFlow's playback board for our CSV files, and paced replay of any file.

- :class:`BrainFlowPlaybackSource` replays a CSV recording through BrainFlow's real
  ``PLAYBACK_FILE_BOARD`` (real time). BrainFlow drops the marker row on playback, so markers come
  from the ``.events.tsv`` sidecar, matched to samples by their original timestamps.
- :class:`PlaybackSource` replays a CSV recording or any MNE-readable file (FIF, EDF, BDF, ...) paced
  by a clock, with a ``speed`` factor; the clock and sleep are injectable, so tests need no waiting.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from bci_input._checks import check_number
from bci_input._errors import ConfigError, DataFormatError
from bci_input._rawfile import check_event_codes, read_raw_checked
from bci_input._types import Chunk, Source, StreamInfo
from bci_input.recording import UV_TYPES, Recording, read_recording

from ._boards import board_layout, resolve_board
from ._brainflow import BrainFlowSource

__all__ = [
    "PlaybackSource",
    "BrainFlowPlaybackSource",
    "open_playback",
    "load_playback_file",
    "check_speed",
    "PLAYBACK_SUFFIXES",
    "SPEED_MAX",
    "SPEED_LIMIT",
]

log = logging.getLogger(__name__)

#: File types the paced playback reads (CSV recordings and what ``mne.io.read_raw`` reads).
PLAYBACK_SUFFIXES = (".csv", ".fif", ".fif.gz", ".edf", ".bdf", ".gdf", ".set", ".vhdr")


#: The ``speed`` that replays as fast as possible (unpaced) and ends at the end of the file.
SPEED_MAX = "max"
#: The highest paced replay speed factor; faster than this, use :data:`SPEED_MAX`.
SPEED_LIMIT = 1000.0


def check_speed(speed: object) -> float | str:
    """Return a valid replay speed: a finite factor in ``(0, SPEED_LIMIT]`` or ``'max'``.

    Parameters
    ----------
    speed : object
        The factor (``1.0`` = real time), or ``'max'`` (also as a string from the command line).

    Returns
    -------
    float | str
        The factor as a float, or :data:`SPEED_MAX`.

    Raises
    ------
    ConfigError
        For NaN, infinity, zero, a negative factor, one above ``SPEED_LIMIT``, or another word.
    """
    if isinstance(speed, str):
        if speed.strip().lower() == SPEED_MAX:
            return SPEED_MAX
        try:
            speed = float(speed)
        except ValueError:
            pass
    try:
        return float(check_number("speed", speed, low=0.0, low_inclusive=False, high=SPEED_LIMIT, error=ConfigError))
    except ConfigError as exc:
        raise ConfigError(
            f"{exc} Give a factor (1.0 = real time) or '{SPEED_MAX}' to replay as fast as possible until the "
            "file ends."
        ) from None


def _suffix(path: Path) -> str:
    name = path.name.lower()
    return ".fif.gz" if name.endswith(".fif.gz") else path.suffix.lower()


def _codes_from_descriptions(descriptions: list[str], where: str = "") -> tuple[list[int], dict[str, int]]:
    """Integer codes for annotation descriptions: numbers keep their value, words get 1, 2, ..."""
    mapping: dict[str, int] = {}
    digits = {d: d.strip() for d in descriptions if re.fullmatch(r"-?[0-9]+", d.strip(), flags=re.ASCII)}
    for text in digits.values():
        if len(text.lstrip("-")) > 12:  # beyond int32 whatever its value; int() of 5,000 digits is refused
            raise DataFormatError(
                f"Invalid value for 'annotation code' in {where}: a number of {len(text.lstrip('-'))} digits. "
                "Event codes must lie within the 32-bit integer range."
            )
    numeric = {int(t) for t in digits.values()}
    words = sorted({d for d in descriptions if d not in digits})
    nxt = 1
    for w in words:
        while nxt in numeric:
            nxt += 1
        mapping[w] = nxt
        nxt += 1
    codes = [int(digits[d]) if d in digits else mapping[d] for d in descriptions]
    return codes, mapping


def _load_mne(path: Path) -> tuple[Recording, dict[str, int]]:
    import warnings

    try:
        with warnings.catch_warnings(), np.errstate(over="ignore", invalid="ignore"):
            warnings.simplefilter("ignore")
            return _read_mne(path)
    except DataFormatError:
        raise
    except Exception as exc:  # MNE raises many types for a bad file (also after reading: channel types, events)
        raise DataFormatError(
            f"Cannot read {path} as an EEG file: {exc or type(exc).__name__}. Is it a complete FIF/EDF/BDF file?"
        ) from exc


def _read_mne(path: Path) -> tuple[Recording, dict[str, int]]:
    raw = read_raw_checked(path)  # header numbers checked; a truncated EDF/BDF is refused
    allowed = set(UV_TYPES) | {"misc", "stim", "resp", "bio"}
    types = [t if t in allowed else "misc" for t in raw.get_channel_types()]
    # EDF/BDF readers call every channel EEG; a channel whose stored unit is not a voltage is not EEG.
    units = getattr(raw, "_orig_units", None) or {}
    volts = {"v", "mv", "uv", "µv", "nv"}
    types = [
        "misc" if units.get(name) and str(units[name]).lower() not in volts else t
        for name, t in zip(raw.ch_names, types, strict=True)
    ]
    keep = [i for i, t in enumerate(types) if t != "stim"]
    if not keep:
        raise DataFormatError(f"{path} holds no data channels.")
    data = raw.get_data(picks=keep).T
    types = [types[i] for i in keep]
    scale = np.array([1e6 if t in UV_TYPES else 1.0 for t in types])
    sfreq = float(raw.info["sfreq"])
    meas = raw.info["meas_date"]
    t0 = meas.timestamp() if meas is not None else 0.0
    ts = t0 + (raw.first_samp + np.arange(raw.n_times)) / sfreq
    info = StreamInfo(tuple(raw.ch_names[i] for i in keep), tuple(types), sfreq, f"playback {path.name}")
    ann = raw.annotations
    codes, mapping = _codes_from_descriptions([str(d) for d in ann.description], str(path))
    codes = check_event_codes(codes, path, name="annotation code").tolist()
    onset_samples = np.round((ann.onset - raw.first_time if ann.orig_time is not None else ann.onset) * sfreq)
    events = [(int(s), c) for s, c in zip(onset_samples, codes, strict=True) if 0 <= s < raw.n_times]
    from bci_input.recording import CsvLayout

    rec = Recording(
        (data * scale).astype(np.float32),
        ts,
        info,
        np.asarray(events, np.int64).reshape(-1, 2),
        None,
        CsvLayout.default(len(keep)),
    )
    return rec, mapping


def load_playback_file(path: str | os.PathLike[str], *, board: str | int | None = None) -> Recording:
    """Read a recording for playback: our CSV (with sidecars), a plain BrainFlow CSV, or an MNE file.

    Parameters
    ----------
    path : path-like
        The file.
    board : str | int | None
        For a plain BrainFlow CSV without a ``.json`` sidecar: the board it was recorded with.

    Returns
    -------
    Recording
        Data (n_times, n_channels) µV, timestamps, info and events (n_events, 2) of (sample, code).

    Raises
    ------
    DataFormatError
        If the file is missing, of an unknown type, or malformed.
    """
    p = Path(path)
    if not p.is_file():
        raise DataFormatError(f"Playback file not found: {p}. Give the path of a .csv, .fif, .edf or .bdf recording.")
    suffix = _suffix(p)
    if suffix not in PLAYBACK_SUFFIXES:
        raise DataFormatError(
            f"Cannot replay {p.name}: unknown file type {suffix or '(none)'}. "
            f"Allowed values are: {', '.join(PLAYBACK_SUFFIXES)}."
        )
    if suffix == ".csv":
        if board is not None:
            lay = board_layout(resolve_board(board))
            return read_recording(p, layout=lay.csv, info=lay.info)
        return read_recording(p)
    return _load_mne(p)[0]


class PlaybackSource(Source):
    """Replay a recording paced by a clock, ``speed`` times real time.

    Parameters
    ----------
    path : path-like | None
        A CSV recording or an MNE-readable file (FIF, EDF, BDF...); or ``None`` with ``recording``.
    speed : float | str
        Replay speed factor (2.0 = twice real time), finite, above 0 and at most :data:`SPEED_LIMIT`; or
        ``'max'``: unpaced, each :meth:`read` returns the next second of the file at once, and the replay
        ends at the end of the file (it cannot loop).
    loop : bool
        Start again at the end (timestamps keep increasing).
    clock : callable
        Monotonic clock in seconds (tests inject a fake one).
    sleep : callable
        How to wait inside :meth:`read` (tests pass one that advances their fake clock).
    board : str | int | None
        For a plain BrainFlow CSV without metadata: the board it came from.
    recording : Recording | None
        Replay data already in memory instead of a file.

    Notes
    -----
    Timestamps are the recording's own; markers come from the events sidecar (CSV) or the
    annotations (MNE files) and carry the timestamp of their sample.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        speed: float | str = 1.0,
        loop: bool = False,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        board: str | int | None = None,
        recording: Recording | None = None,
    ) -> None:
        checked = check_speed(speed)
        self.fast = checked == SPEED_MAX
        if self.fast and loop:
            raise ConfigError(f"Replay speed '{SPEED_MAX}' cannot loop: it would never end. Give a factor instead.")
        if recording is None:
            if path is None:
                raise ConfigError("PlaybackSource needs a file path or a recording.")
            recording = load_playback_file(path, board=board)
        self.recording = recording
        self.path = Path(path) if path is not None else None
        self.info = recording.info
        self.speed = 1.0 if self.fast else float(checked)
        self.loop = bool(loop)
        self.clock = clock
        self.sleep = sleep
        self._events: dict[int, list[int]] = {}
        for s, c in recording.events:
            self._events.setdefault(int(s), []).append(int(c))
        self._lock = threading.Lock()
        self._pending: list[int] = []
        self._t0: float | None = None
        self._pos = 0
        self._n = len(recording.timestamps)
        self._period = (recording.timestamps[-1] - recording.timestamps[0]) + 1.0 / self.info.sfreq if self._n else 0.0

    @property
    def n_times(self) -> int:
        """Number of samples in the file."""
        return self._n

    @property
    def finished(self) -> bool:
        """True when every sample has been delivered (never with ``loop=True``)."""
        return not self.loop and self._pos >= self._n

    def start(self) -> None:
        """Start (or restart) the replay clock; the position is kept across stop/start."""
        self._t0 = self.clock() - self._pos / (self.info.sfreq * self.speed)

    def stop(self) -> None:
        """Pause the replay. Safe to call twice."""
        self._t0 = None

    def _due(self) -> int:
        assert self._t0 is not None
        due = int(np.floor((self.clock() - self._t0) * self.info.sfreq * self.speed + 1e-9))
        return due if self.loop else min(due, self._n)

    def read(self, timeout: float = 0.1) -> Chunk | None:
        """Return the samples due by now, waiting up to ``timeout`` seconds for one.

        Returns
        -------
        Chunk | None
            Shape (n_times, n_channels) µV with markers, or ``None`` (also at the end of the file).
        """
        if self._t0 is None:
            from bci_input._errors import DeviceError

            raise DeviceError(f"Playback of {self.info.name} is not running; call start() first.")
        if self.fast:  # unpaced: the next second of the file, at once
            if self._pos >= self._n:
                return None
            return self._take(self._pos, min(self._pos + max(1, int(self.info.sfreq)), self._n))
        deadline = self.clock() + max(float(timeout), 0.0)
        due = self._due()
        while due <= self._pos and not self.finished:
            left = deadline - self.clock()
            if left <= 0:
                return None
            wait = (self._pos + 1 - due) / (self.info.sfreq * self.speed)
            self.sleep(min(left, max(wait, 1e-4)))
            due = self._due()
        if due <= self._pos:
            return None
        return self._take(self._pos, due)

    def _take(self, a: int, b: int) -> Chunk:
        idx = np.arange(a, b)
        file_idx = idx % self._n
        laps = idx // self._n
        rec = self.recording
        data = rec.data[file_idx]
        ts = rec.timestamps[file_idx] + laps * self._period
        markers = [(float(ts[k]), c) for k, fi in enumerate(file_idx) for c in self._events.get(int(fi), ())]
        with self._lock:
            pending, self._pending = self._pending, []
        markers.extend((float(ts[0]), c) for c in pending)
        self._pos = b
        return Chunk(data, ts, tuple(sorted(markers)))

    def insert_marker(self, code: int) -> None:
        """Stamp ``code`` on the next sample delivered."""
        if int(code) <= 0:
            raise ConfigError(f"Invalid marker code {code!r}: markers must be positive integers.")
        with self._lock:
            self._pending.append(int(code))


class BrainFlowPlaybackSource(BrainFlowSource):
    """Replay a CSV recording through BrainFlow's real playback board, in real time.

    Parameters
    ----------
    path : path-like
        A CSV recording from a BrainFlow board (its ``.json`` sidecar names the board), or a plain
        BrainFlow CSV together with ``board``.
    board : str | int | None
        The board the file was recorded with, when there is no ``.json`` sidecar.
    loop : bool
        Replay the file again and again (BrainFlow's ``loopback_true``).
    """

    def __init__(self, path: str | os.PathLike[str], *, board: str | int | None = None, loop: bool = False) -> None:
        rec = load_playback_file(path, board=board)
        master = rec.board_id if board is None else resolve_board(board)
        if master is None:
            raise DataFormatError(
                f"{Path(path).name} was not recorded from a BrainFlow board, so BrainFlow's playback board cannot "
                "replay it; use PlaybackSource (bci-input replay paces it itself)."
            )
        super().__init__("playback_file", file=str(Path(path).resolve()), master_board=int(master))
        lay = board_layout(int(master))
        if lay.csv.n_rows != rec.layout.n_rows:
            raise DataFormatError(
                f"{Path(path).name} has {rec.layout.n_rows} values per line but board {master} has "
                f"{lay.csv.n_rows}; give the board it was recorded with."
            )
        self.layout = type(self.layout)(lay.board_id, rec.info, rec.layout)
        self.info = rec.info
        self.recording = rec
        self.loop = bool(loop)
        self._file_ts: NDArray[np.float64] = rec.timestamps
        self._event_ts: dict[float, list[int]] = {float(rec.timestamps[s]): [] for s, _ in rec.events}
        for s, c in rec.events:
            self._event_ts[float(rec.timestamps[s])].append(int(c))
        self.n_delivered = 0

    def _configure(self, board: Any) -> None:
        board.config_board("old_timestamps")  # keep the file's timestamps: they locate the sidecar's markers
        board.config_board("loopback_true" if self.loop else "loopback_false")

    @property
    def finished(self) -> bool:
        """True once the last sample of the file was delivered (never with ``loop=True``)."""
        return not self.loop and self.n_delivered >= len(self._file_ts)

    def read(self, timeout: float = 0.1) -> Chunk | None:
        """Read from BrainFlow's playback board and put the sidecar's markers on their samples."""
        chunk = super().read(timeout)
        if chunk is None:
            return None
        self.n_delivered += chunk.n_times
        markers = list(chunk.markers)
        for t in chunk.timestamps[np.isin(chunk.timestamps, list(self._event_ts))]:
            markers.extend((float(t), c) for c in self._event_ts[float(t)])
        return Chunk(chunk.data, chunk.timestamps, tuple(sorted(markers)))


def open_playback(
    path: str | os.PathLike[str],
    *,
    speed: float | str = 1.0,
    loop: bool = False,
    clock: Callable[[], float] | None = None,
    sleep: Callable[[float], None] | None = None,
    board: str | int | None = None,
    use_brainflow: bool | None = None,
) -> Source:
    """Return the best playback source for a file.

    BrainFlow's playback board is used for CSV recordings of a BrainFlow board at ``speed == 1``
    without an injected clock (``use_brainflow=None``); everything else is paced by :class:`PlaybackSource`.
    An injected ``clock`` needs a matching ``sleep`` that advances it.

    Raises
    ------
    DataFormatError
        If the file is missing or malformed.
    """
    p = Path(path)
    speed = check_speed(speed)
    rec = load_playback_file(p, board=board)
    if use_brainflow is None:
        use_brainflow = _suffix(p) == ".csv" and (rec.board_id is not None or board is not None)
        use_brainflow = use_brainflow and speed == 1.0 and clock is None
    if use_brainflow:
        return BrainFlowPlaybackSource(p, board=board, loop=loop)
    kw: dict[str, Any] = {} if clock is None else {"clock": clock}
    if sleep is not None:
        kw["sleep"] = sleep
    return PlaybackSource(p, speed=speed, loop=loop, recording=rec, **kw)
