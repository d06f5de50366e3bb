"""BrainFlow boards: names, descriptors, channel layout, error sentences.

Board names come from BrainFlow's own ``BoardIds`` enum (``CYTON_DAISY_BOARD`` -> ``cyton_daisy``);
there is no hand-written list of boards. This module is also the ONE place where BrainFlow's
(rows, samples) arrays are transposed into the core's (n_times, n_channels) layout.
"""

from __future__ import annotations

import functools
import logging
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from bci_input._errors import ConfigError, DeviceError
from bci_input._types import Chunk, StreamInfo
from bci_input.recording import CsvLayout

__all__ = [
    "board_shim",
    "board_names",
    "resolve_board",
    "board_name",
    "board_descriptor",
    "BoardLayout",
    "board_layout",
    "rows_to_chunk",
    "connection_parameters",
    "explain_brainflow_error",
    "set_brainflow_logging",
    "CONNECTION_PARAMETERS",
]

log = logging.getLogger(__name__)

#: Connection parameters BrainFlow understands (``BrainFlowInputParams`` fields) and their CLI options.
CONNECTION_PARAMETERS = {
    "serial_port": "--serial-port",
    "mac_address": "--mac-address",
    "ip_address": "--ip-address",
    "ip_port": "--ip-port",
    "serial_number": "--serial-number",
    "timeout": "--timeout",
    "other_info": "--other-info",
    "file": "FILE",
}

# Which connection parameters a board family needs (from BrainFlow's "Supported boards" documentation).
# The boards themselves always come from BoardIds; these patterns only describe their parameters.
_PARAMETER_RULES: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    (r"synthetic", (), ()),
    (r"streaming", ("ip_address", "ip_port", "other_info"), ()),
    (r"playback_file", ("file", "other_info"), ()),
    (r".*_wifi", ("ip_port",), ("ip_address", "timeout")),
    (r"(cyton|cyton_daisy|ganglion|freeeeg\d+|.*_bled|neuropawn_knight.*|ironbci.*|aavaa.*)", ("serial_port",), ()),
    (r"(explore.*)", ("mac_address",), ()),
    (r"(ant_neuro.*)", (), ("serial_number",)),
    (r"(galea|ntl_wifi)", (), ("ip_address",)),
)
_DEFAULT_OPTIONAL = ("serial_number", "mac_address", "timeout")


def _patch_resource_lookup(module: ModuleType) -> None:
    """Let BrainFlow find its native library on Python 3.11 without ``pkg_resources``.

    BrainFlow calls ``importlib.resources.files(<module name>)``, which Python 3.11 rejects for a
    non-package module, and then falls back to ``pkg_resources`` (gone from setuptools >= 81).
    We give the module a ``files`` that resolves a module name to its folder, as pkg_resources did.
    """
    from importlib.resources import files as _files

    def files(anchor: Any) -> Any:
        try:
            return _files(anchor)
        except TypeError:
            mod = sys.modules[anchor] if isinstance(anchor, str) else anchor
            return Path(str(mod.__file__)).parent

    module.files = files  # type: ignore[attr-defined]


@functools.cache
def board_shim() -> ModuleType:
    """Import ``brainflow.board_shim`` (lazily), make it loadable and silence BrainFlow's stderr logger.

    Returns
    -------
    module
        The ``brainflow.board_shim`` module.
    """
    import brainflow.board_shim as bs
    import brainflow.data_filter as df

    _patch_resource_lookup(bs)
    _patch_resource_lookup(df)
    bs.BoardShim.disable_board_logger()
    return bs


def set_brainflow_logging(verbose: bool) -> None:
    """Enable BrainFlow's own (stderr) logger for ``--verbose``; keep it silent otherwise."""
    bs = board_shim()
    if verbose:
        bs.BoardShim.enable_dev_board_logger()
    else:
        bs.BoardShim.disable_board_logger()


def _name_of(member: str) -> str:
    return re.sub(r"_+", "_", member.lower().replace("_board", "")).strip("_")


@functools.cache
def board_names() -> dict[str, int]:
    """Return every BrainFlow board name and id, read from ``BoardIds``.

    Returns
    -------
    dict of str to int
        ``{'synthetic': -1, 'cyton': 0, 'cyton_daisy': 2, ...}`` in BrainFlow's order.
    """
    bs = board_shim()
    return {_name_of(m.name): int(m.value) for m in bs.BoardIds if m.name != "NO_BOARD"}


def resolve_board(board: str | int) -> int:
    """Return the BrainFlow board id for a name (``'cyton_daisy'``) or id.

    Parameters
    ----------
    board : str | int
        Case-insensitive name (``-`` and spaces are read as ``_``), or a BrainFlow id.

    Raises
    ------
    ConfigError
        For an unknown name, listing the allowed names.
    """
    names = board_names()
    if isinstance(board, int | np.integer) or (isinstance(board, str) and re.fullmatch(r"-?\d+", board.strip())):
        bid = int(board)
        if bid in names.values():
            return bid
    else:
        key = re.sub(r"[\s-]+", "_", str(board).strip().lower())
        key = _name_of(key) if key.endswith("_board") else key
        if key in names:
            return names[key]
    raise ConfigError(f"Invalid value for 'board': {board!r}. Allowed values are: {', '.join(names)}.")


def board_name(board_id: int) -> str:
    """Return the bci-input name of a BrainFlow board id."""
    for name, bid in board_names().items():
        if bid == board_id:
            return name
    raise ConfigError(f"Unknown BrainFlow board id {board_id}.")


def board_descriptor(board_id: int) -> dict[str, Any]:
    """Return BrainFlow's descriptor of a board (rows of every channel type, sampling rate, names)."""
    bs = board_shim()
    try:
        return dict(bs.BoardShim.get_board_descr(board_id))
    except bs.BrainFlowError as exc:
        raise DeviceError(f"BrainFlow has no description of board {board_id}: {exc}", code=exc.exit_code) from exc


def connection_parameters(name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Return the (required, optional) connection parameters of a board, by name."""
    for pattern, required, optional in _PARAMETER_RULES:
        if re.fullmatch(pattern, name):
            return required, optional
    return (), _DEFAULT_OPTIONAL


@dataclass(frozen=True)
class BoardLayout:
    """Channels we take from a BrainFlow board and where they live in its rows.

    Parameters
    ----------
    board_id : int
        BrainFlow board id.
    info : StreamInfo
        Channel names and types (EEG/EMG/EOG from the descriptor, accelerometer as ``misc``).
    csv : CsvLayout
        The board's full row layout, used to write BrainFlow-compatible CSV files.
    """

    board_id: int
    info: StreamInfo
    csv: CsvLayout

    @property
    def rows(self) -> tuple[int, ...]:
        """Board rows of the selected channels, in :attr:`info` order."""
        return self.csv.channel_rows


def board_layout(board_id: int, *, include_accel: bool = True, preset: int = 0) -> BoardLayout:
    """Build the channel layout of a board from BrainFlow's descriptor.

    Parameters
    ----------
    board_id : int
        BrainFlow board id.
    include_accel : bool
        Also take the accelerometer rows (type ``misc``, units g).
    preset : int
        BrainFlow preset (0 = default).
    """
    descr = board_descriptor(board_id)
    name = board_name(board_id)
    if "timestamp_channel" not in descr or "sampling_rate" not in descr:
        raise ConfigError(
            f"Board {name!r} has no fixed channel layout; it cannot stream by itself "
            "(for playback use 'bci-input replay FILE')."
        )
    rows: list[int] = []
    names: list[str] = []
    types: list[str] = []
    eeg_names = [n for n in str(descr.get("eeg_names", "")).split(",") if n]
    for i, row in enumerate(descr.get("eeg_channels", [])):
        rows.append(row)
        names.append(eeg_names[i] if i < len(eeg_names) else f"EEG{i + 1}")
        types.append("eeg")
    for key, typ in (("emg_channels", "emg"), ("eog_channels", "eog")):
        extra = [r for r in descr.get(key, []) if r not in rows]
        for i, row in enumerate(extra):
            rows.append(row)
            names.append(f"{typ.upper()}{i + 1}")
            types.append(typ)
    if include_accel:
        for row, axis in zip(descr.get("accel_channels", []), "XYZ", strict=False):
            rows.append(row)
            names.append(f"ACC_{axis}")
            types.append("misc")
    if not rows:
        raise ConfigError(f"Board {name!r} has no EEG, EMG or EOG channels that bci-input can use.")
    info = StreamInfo(tuple(names), tuple(types), float(descr["sampling_rate"]), f"BrainFlow {name}")
    csv = CsvLayout(
        int(descr["num_rows"]),
        tuple(rows),
        int(descr["timestamp_channel"]),
        int(descr.get("marker_channel", descr["num_rows"] - 1)),
        descr.get("package_num_channel"),
    )
    return BoardLayout(board_id, info, csv)


def rows_to_chunk(raw: NDArray[np.float64], layout: CsvLayout, *, with_markers: bool = True) -> Chunk:
    """Turn BrainFlow's (n_rows, n_samples) array into a :class:`Chunk` (n_times, n_channels).

    This is the only place in the project where BrainFlow's layout is transposed. BrainFlow
    already delivers EEG/EMG/EOG in µV, so no scaling is needed.

    Parameters
    ----------
    raw : ndarray, shape (n_rows, n_samples)
        What ``BoardShim.get_board_data()`` returns.
    layout : CsvLayout
        Rows of the channels, timestamps and markers.
    with_markers : bool
        Read the marker row (BrainFlow's playback board leaves it empty).

    Returns
    -------
    Chunk
        ``data`` (n_samples, n_channels) float32 µV; markers as (timestamp of their sample, code).
    """
    data = np.ascontiguousarray(raw[list(layout.channel_rows)].T, dtype=np.float32)
    ts = np.asarray(raw[layout.timestamp_row], np.float64)
    markers: tuple[tuple[float, int], ...] = ()
    if with_markers and raw.shape[1]:
        m = raw[layout.marker_row]
        idx = np.flatnonzero(m)
        markers = tuple((float(ts[i]), int(round(m[i]))) for i in idx)
    return Chunk(data, ts, markers)


_EXIT_SENTENCES = {
    "PORT_ALREADY_OPEN_ERROR": (
        "the port is already open in another program (OpenBCI GUI, another bci-input?); close it"
    ),
    "SER_PORT_ERROR": "the serial port failed; check the port name and that the dongle is the board's",
    "BOARD_WRITE_ERROR": "writing to the board failed; check the connection and the battery",
    "INCOMMING_MSG_ERROR": "the board sent unexpected data; switch it off and on again",
    "INITIAL_MSG_ERROR": "the board did not send its start message; switch it off and on, check the battery",
    "BOARD_NOT_READY_ERROR": "the board did not answer; check that it is switched on, charged and in range",
    "STREAM_ALREADY_RUN_ERROR": "the stream is already running",
    "UNSUPPORTED_BOARD_ERROR": "this BrainFlow build does not support the board on this operating system",
    "ANOTHER_BOARD_IS_CREATED_ERROR": "another session already uses this board; stop it first",
    "SYNC_TIMEOUT_ERROR": "no device was found in time; switch it on, bring it closer, or raise --timeout",
    "GENERAL_ERROR": (
        "check that the device is switched on, paired and in range, and the connection parameters; "
        "re-run with --verbose for BrainFlow's log"
    ),
}


def explain_brainflow_error(exc: Exception, board: str, params: dict[str, Any] | None = None) -> DeviceError:
    """Turn a ``BrainFlowError`` into a :class:`DeviceError` sentence that says how to fix it.

    Parameters
    ----------
    exc : BrainFlowError
        The error; its ``exit_code`` is kept as the error's ``code``.
    board : str
        The board name.
    params : dict | None
        The connection parameters that were used.

    Returns
    -------
    DeviceError
        With a message naming the problem and the fix.
    """
    bs = board_shim()
    code = int(getattr(exc, "exit_code", -1))
    try:
        code_name = bs.BrainFlowExitCodes(code).name
    except ValueError:
        code_name = "UNKNOWN_ERROR"
    params = {k: v for k, v in (params or {}).items() if v not in ("", 0, None)}
    required, _ = connection_parameters(board)
    port = params.get("serial_port")
    missing = [p for p in required if p not in params]
    prefix = f"Cannot open board {board!r}"
    if code_name == "UNABLE_TO_OPEN_PORT_ERROR":
        if port:
            msg = (
                f"{prefix}: serial port {port!r} cannot be opened. Check that the dongle is plugged in and the "
                "port name is right (Linux: ls /dev/ttyUSB* /dev/ttyACM*; Windows: Device Manager, COMx), "
                "and that you may use it (Linux: add your user to the 'dialout' group)"
            )
        else:
            msg = f"{prefix}: the device could not be opened; check that it is switched on, paired and in range"
    elif code_name == "INVALID_ARGUMENTS_ERROR":
        if missing:
            opts = ", ".join(CONNECTION_PARAMETERS.get(p, p) for p in missing)
            msg = f"{prefix}: missing connection parameter(s) {opts}. Example: --serial-port /dev/ttyUSB0"
        else:
            msg = f"{prefix}: invalid connection parameters {params}; see 'bci-input boards'"
    elif code_name in _EXIT_SENTENCES:
        msg = f"{prefix}: {_EXIT_SENTENCES[code_name]}"
    else:
        msg = f"{prefix}: BrainFlow reported {code_name}"
    return DeviceError(f"{msg} [BrainFlow {code_name}].", code=code)
