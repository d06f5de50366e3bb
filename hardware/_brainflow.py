"""A :class:`~bci_input.Source` for every BrainFlow board."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from bci_input._errors import ConfigError, DeviceError
from bci_input._types import Chunk, Source

from ._boards import board_layout, board_name, board_shim, explain_brainflow_error, resolve_board

__all__ = ["BrainFlowSource"]

log = logging.getLogger(__name__)


class BrainFlowSource(Source):
    """Stream from a BrainFlow board chosen by name.

    Parameters
    ----------
    board : str | int
        Board name from BrainFlow's ``BoardIds`` (``'synthetic'``, ``'cyton'``, ``'muse_2'``...) or id.
    serial_port, mac_address, ip_address, serial_number, other_info, file : str
        BrainFlow connection parameters (``BrainFlowInputParams``); see ``bci-input boards``.
    ip_port, timeout : int
        IP port and discovery timeout (s).
    master_board : int | None
        For the playback and streaming boards: the board the data came from.
    include_accel : bool
        Also deliver the accelerometer as ``misc`` channels.
    buffer_size : int
        BrainFlow's internal ring buffer, in samples.
    poll_interval : float
        Seconds between polls of the board inside :meth:`read`.

    Attributes
    ----------
    info : StreamInfo
        Channels (names and types from BrainFlow's descriptor) and sampling rate.
    layout : BoardLayout
        Board rows of each channel; :attr:`layout.csv` is the row layout for recordings.
    """

    def __init__(
        self,
        board: str | int = "synthetic",
        *,
        serial_port: str = "",
        mac_address: str = "",
        ip_address: str = "",
        ip_port: int = 0,
        serial_number: str = "",
        timeout: int = 0,
        other_info: str = "",
        file: str = "",
        master_board: int | None = None,
        include_accel: bool = True,
        buffer_size: int = 450_000,
        poll_interval: float = 0.01,
    ) -> None:
        self.board_id = resolve_board(board)
        self.board_name = board_name(self.board_id)
        self.master_board = master_board
        data_board = self.board_id if master_board is None else int(master_board)
        self.layout = board_layout(data_board, include_accel=include_accel)
        self.info = self.layout.info
        self.params: dict[str, Any] = {
            "serial_port": serial_port,
            "mac_address": mac_address,
            "ip_address": ip_address,
            "ip_port": int(ip_port),
            "serial_number": serial_number,
            "timeout": int(timeout),
            "other_info": other_info,
            "file": file,
        }
        self.buffer_size = int(buffer_size)
        self.poll_interval = float(poll_interval)
        self._board: Any = None
        self._lock = threading.Lock()
        self._with_markers = True

    @property
    def is_streaming(self) -> bool:
        """True between :meth:`start` and :meth:`stop`."""
        return self._board is not None

    def _input_params(self) -> Any:
        bs = board_shim()
        p = bs.BrainFlowInputParams()
        for key, value in self.params.items():
            setattr(p, key, value)
        if self.master_board is not None:
            p.master_board = int(self.master_board)
        return p

    def _configure(self, board: Any) -> None:
        """Send board configuration after the session is prepared (subclasses)."""

    def start(self) -> None:
        """Prepare the BrainFlow session and start streaming.

        Raises
        ------
        DeviceError
            With BrainFlow's exit code turned into a sentence (wrong or missing port, device off, ...).
        """
        if self._board is not None:
            return
        bs = board_shim()
        board = bs.BoardShim(self.board_id, self._input_params())
        try:
            board.prepare_session()
            self._configure(board)
            board.start_stream(self.buffer_size)
        except bs.BrainFlowError as exc:
            err = explain_brainflow_error(exc, self.board_name, self.params)
            try:
                if board.is_prepared():
                    board.release_session()
            except bs.BrainFlowError:
                pass
            del board
            raise err from None
        self._board = board
        log.info("BrainFlow %s streaming at %.0f Hz", self.board_name, self.info.sfreq)

    def stop(self) -> None:
        """Stop streaming and release the board. Safe to call twice."""
        with self._lock:
            board, self._board = self._board, None
        if board is None:
            return
        bs = board_shim()
        try:
            board.stop_stream()
        except bs.BrainFlowError as exc:
            log.debug("stop_stream: %s", exc)
        try:
            board.release_session()
        except bs.BrainFlowError as exc:
            log.warning("Releasing BrainFlow %s failed: %s", self.board_name, exc)

    def read(self, timeout: float = 0.1) -> Chunk | None:
        """Return the samples acquired since the last call, waiting up to ``timeout`` seconds for one.

        Returns
        -------
        Chunk | None
            Shape (n_times, n_channels) in µV, markers on their sample, or ``None``.
        """
        bs = board_shim()
        deadline = time.monotonic() + max(float(timeout), 0.0)
        while True:
            with self._lock:
                board = self._board
                if board is None:
                    raise DeviceError(f"BrainFlow {self.board_name} is not streaming; call start() first.")
                try:
                    n = board.get_board_data_count()
                    raw = board.get_board_data(n) if n else None
                except bs.BrainFlowError as exc:
                    raise explain_brainflow_error(exc, self.board_name, self.params) from None
            if raw is not None and raw.shape[1]:
                return self._to_chunk(raw)
            if time.monotonic() >= deadline:
                return None
            time.sleep(self.poll_interval)

    def _to_chunk(self, raw: Any) -> Chunk:
        from ._boards import rows_to_chunk

        return rows_to_chunk(raw, self.layout.csv, with_markers=self._with_markers)

    def insert_marker(self, code: int) -> None:
        """Stamp ``code`` on the next sample BrainFlow acquires (``BoardShim.insert_marker``).

        Parameters
        ----------
        code : int
            Positive event code.
        """
        if int(code) <= 0:
            raise ConfigError(f"Invalid marker code {code!r}: BrainFlow markers must be positive integers.")
        with self._lock:
            if self._board is None:
                raise DeviceError(f"BrainFlow {self.board_name} is not streaming; markers need a running stream.")
            try:
                self._board.insert_marker(float(code))
            except board_shim().BrainFlowError as exc:
                raise explain_brainflow_error(exc, self.board_name, self.params) from None

    def __repr__(self) -> str:
        return f"BrainFlowSource({self.board_name!r}, sfreq={self.info.sfreq:g}, n_channels={self.info.n_channels})"
