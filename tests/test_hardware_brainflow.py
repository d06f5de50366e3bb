"""The real BrainFlow synthetic board through BrainFlowSource; board names, descriptors, error sentences."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from bci_input.hardware import (
    BrainFlowSource,
    board_layout,
    board_names,
    connection_parameters,
    open_source,
    resolve_board,
)
from bci_input.hardware._boards import board_shim, rows_to_chunk

from bci_input import WrappedSource
from bci_input._errors import ConfigError, DeviceError
from bci_input.settings import AcquisitionSettings

#: Seconds to wait for the board before calling it a hang; never what decides pass or fail.
HANG_GUARD_S = 60.0


def read_samples(src, n: int) -> list:
    """Read until ``n`` samples arrived (counted, however long the loaded machine takes to deliver them)."""
    chunks, have = [], 0
    end = time.monotonic() + HANG_GUARD_S
    while have < n:
        assert time.monotonic() < end, f"only {have} of {n} samples in {HANG_GUARD_S:g} s"
        c = src.read(0.05)
        if c is not None:
            chunks.append(c)
            have += c.n_times
    return chunks


def test_board_names_come_from_brainflow_enum() -> None:
    bs = board_shim()
    names = board_names()
    expected = {"synthetic", "cyton", "cyton_daisy", "ganglion", "muse_2", "muse_s", "unicorn", "enophone",
                "brainbit", "notion_2", "crown"}
    assert expected <= set(names)
    assert len(names) == len(bs.BoardIds) - 1  # every id except NO_BOARD
    assert names["cyton_daisy"] == bs.BoardIds.CYTON_DAISY_BOARD.value
    assert resolve_board("Cyton-Daisy") == resolve_board("CYTON_DAISY_BOARD") == resolve_board(2) == 2


def test_unknown_board_lists_allowed_names() -> None:
    with pytest.raises(ConfigError) as err:
        resolve_board("cytn")
    msg = str(err.value)
    assert "Invalid value for 'board': 'cytn'" in msg
    for name in ("synthetic", "cyton", "muse_2", "crown"):
        assert name in msg
    with pytest.raises(ConfigError, match="Allowed values are"):
        open_source(board="cytn")
    with pytest.raises(ConfigError, match="Allowed values"):
        resolve_board(9999)


def test_layouts_from_descriptor() -> None:
    syn = board_layout(resolve_board("synthetic"))
    assert syn.info.sfreq == 250.0
    assert syn.info.ch_types.count("eeg") == 16 and syn.info.ch_types.count("misc") == 3
    assert syn.info.ch_names[:3] == ("Fz", "C3", "Cz")
    cyton = board_layout(resolve_board("cyton"))
    assert cyton.info.ch_names[:8] == ("Fp1", "Fp2", "C3", "C4", "P7", "P8", "O1", "O2")
    muse = board_layout(resolve_board("muse_2"), include_accel=False)
    assert muse.info.sfreq == 256.0 and muse.info.ch_names == ("TP9", "AF7", "AF8", "TP10")
    assert connection_parameters("cyton")[0] == ("serial_port",)
    assert connection_parameters("synthetic") == ((), ())


def test_rows_to_chunk_is_a_transpose_with_markers() -> None:
    lay = board_layout(-1).csv
    raw = np.zeros((lay.n_rows, 5))
    raw[lay.channel_rows[0]] = np.arange(5)
    raw[lay.timestamp_row] = 100 + np.arange(5)
    raw[lay.marker_row, 3] = 4
    c = rows_to_chunk(raw, lay)
    assert c.data.shape == (5, 19) and c.data.dtype == np.float32
    np.testing.assert_array_equal(c.data[:, 0], np.arange(5))
    assert c.markers == ((103.0, 4),)


@pytest.mark.slow
def test_synthetic_board_streams_16_eeg_channels_in_uv_with_markers_on_their_sample() -> None:
    src = open_source(AcquisitionSettings(board="synthetic"))
    assert isinstance(src, BrainFlowSource)
    with src:
        before = read_samples(src, 75)
        src.insert_marker(42)
        chunks = read_samples(src, 300)  # 1.2 s at 250 Hz
    assert not src.is_streaming
    from bci_input import Chunk

    c = Chunk.concatenate(chunks)
    assert c.data.shape[1] == 19
    ts_step = np.median(np.diff(c.timestamps))
    assert ts_step == pytest.approx(1 / 250, rel=0.05)
    assert len(c.markers) == 1 and c.markers[0][1] == 42
    mt = c.markers[0][0]
    assert mt in set(c.timestamps.tolist())  # the marker carries its sample's timestamp
    assert mt > before[-1].timestamps[-1]  # ... a sample after every one delivered before the marker was asked for
    eeg = c.data[:, :16]
    # channel k (1-based) is a sine at 5*k Hz: check channel 2 (10 Hz) by its spectrum
    x = eeg[:, 1] - eeg[:, 1].mean()
    freqs = np.fft.rfftfreq(len(x), 1 / 250)
    assert abs(freqs[np.argmax(np.abs(np.fft.rfft(x)))] - 10.0) < 1.5
    assert 1.0 < np.std(eeg[:, 0]) < 1000.0  # µV scale, not volts


def test_stop_twice_and_read_before_start() -> None:
    src = BrainFlowSource("synthetic")
    with pytest.raises(DeviceError, match="call start"):
        src.read(0.0)
    with pytest.raises(DeviceError, match="markers need a running stream"):
        src.insert_marker(1)
    src.stop()
    src.stop()
    with pytest.raises(ConfigError, match="positive"):
        src.insert_marker(0)


def test_bad_serial_port_for_cyton_is_a_sentence_with_the_fix() -> None:
    src = open_source(board="cyton", serial_port="/dev/ttyDOES_NOT_EXIST")
    with pytest.raises(DeviceError) as err:
        src.start()
    msg = str(err.value)
    assert "'/dev/ttyDOES_NOT_EXIST' cannot be opened" in msg and "dialout" in msg
    assert err.value.code == 2  # BrainFlow UNABLE_TO_OPEN_PORT_ERROR kept as the error code
    assert not src.is_streaming


def test_missing_serial_port_for_cyton_names_the_option() -> None:
    with pytest.raises(DeviceError) as err:
        BrainFlowSource("cyton").start()
    assert "missing connection parameter(s) --serial-port" in str(err.value)
    assert err.value.code == 13


class _Gated(WrappedSource):
    """The real board behind a gate the test closes and opens: while closed, its samples are read and dropped."""

    def __init__(self, base: BrainFlowSource) -> None:
        super().__init__(base)
        self.open = True

    def read(self, timeout: float = 0.1):
        chunk = self.base.read(timeout)
        return chunk if self.open else None


@pytest.mark.slow
def test_real_board_stall_is_detected_and_recovers() -> None:
    """The real synthetic board stops delivering: the thread notices, reconnects, and data flows again.

    The stall lasts until the thread has reported it (an event, not a duration), so a loaded machine cannot
    make the stall end before it is noticed. How soon it is noticed (within 2 s) is checked on an injected
    clock: test_acquisition.py::test_stall_detected_within_two_seconds_then_reconnects_with_backoff.
    """
    from bci_input.acquisition import AcquisitionThread

    src = _Gated(BrainFlowSource("synthetic"))
    states: list[str] = []
    stalled, reconnecting = threading.Event(), threading.Event()
    recovered, flowing, after = threading.Event(), threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def on_status(s) -> None:
        states.append(s.state)
        {"stalled": stalled, "reconnecting": reconnecting, "recovered": recovered}.get(s.state, threading.Event()).set()

    def on_chunk(c) -> None:
        (after if recovered.is_set() else flowing).set()

    th = AcquisitionThread(src, on_status=on_status, on_chunk=on_chunk, on_error=errors.append)
    with src:
        th.start()
        try:
            assert flowing.wait(HANG_GUARD_S), "the board never delivered data"
            src.open = False
            assert stalled.wait(HANG_GUARD_S), f"the stall was not noticed: {states}"
            assert reconnecting.wait(HANG_GUARD_S), f"no reconnection attempt: {states}"  # board stop()/start()
            src.open = True
            assert recovered.wait(HANG_GUARD_S), f"no recovery: {states}"
            assert after.wait(HANG_GUARD_S), "no data after the recovery"
        finally:
            th.stop(timeout=HANG_GUARD_S)
    assert states[0] == "stalled" and "recovered" in states, states
    assert errors == []
    assert th.state == "stopped"
    assert states.index("stalled") < states.index("reconnecting") < states.index("recovered")
