"""LSL on loopback: a real outlet -> inlet round trip with markers, stream-not-found, and the loopback cfg."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import numpy as np
import pylsl
import pytest
from bci_input.hardware import LslInletSource, LslOutlet, open_source

from bci_input import Chunk, StreamInfo
from bci_input._errors import ConfigError, DeviceError, StreamNotFoundError

SFREQ = 100.0
INFO = StreamInfo(("C3", "C4", "EMG1", "ACC_X"), ("eeg", "eeg", "emg", "misc"), SFREQ, "test")


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


#: Seconds to wait for a stream, a consumer or data before calling it a hang; never what decides pass or fail.
HANG_GUARD_S = 60.0
#: Hold-back for markers on their own connection: generous, because these tests are about where markers land,
#: not about the inlet's latency (on a loaded machine a marker can trail its sample by more than the 0.1 s default).
MARKER_LATENCY_S = 1.0


def wait_for(cond, timeout: float = HANG_GUARD_S) -> None:
    end = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.005)


def collect(inlet: LslInletSource, n: int, timeout: float = HANG_GUARD_S) -> Chunk:
    got, have = [], 0
    end = time.monotonic() + timeout
    while have < n and time.monotonic() < end:
        c = inlet.read(0.1)
        if c is not None:
            got.append(c)
            have += c.n_times
    return Chunk.concatenate(got)


def make_chunks(n_chunks: int = 6, n: int = 25) -> list[Chunk]:
    rng = np.random.default_rng(0)
    out = []
    for k in range(n_chunks):
        ts = 1_795_000_000.0 + np.arange(k * n, (k + 1) * n) / SFREQ
        data = rng.standard_normal((n, 4)).astype(np.float32) * 20
        out.append(Chunk(data, ts, ((ts[7], 10 + k),) if k % 2 == 0 else ()))
    return out


def test_outlet_to_inlet_round_trip_keeps_data_channels_and_marker_samples() -> None:
    name = unique("rt")
    with LslOutlet(INFO, name) as out:
        inlet = LslInletSource(name, timeout=HANG_GUARD_S, marker_timeout=HANG_GUARD_S,
                               marker_latency=MARKER_LATENCY_S)
        assert inlet.info.ch_names == INFO.ch_names
        assert inlet.info.ch_types == INFO.ch_types and inlet.info.sfreq == SFREQ
        with inlet:
            wait_for(out.have_consumers)
            chunks = make_chunks()
            for c in chunks:
                out.push_chunk(c)
            got = collect(inlet, 150)
    sent = Chunk.concatenate(chunks)
    assert got.n_times == 150
    np.testing.assert_array_equal(got.data, sent.data)
    np.testing.assert_allclose(np.diff(got.timestamps), 1 / SFREQ, atol=1e-6)  # spacing kept
    assert [c for _, c in got.markers] == [10, 12, 14]
    samples = [int(np.flatnonzero(got.timestamps == t)[0]) for t, _ in got.markers]
    assert samples == [7, 57, 107]  # each marker sits on the sample it was stamped on
    assert out.n_pushed == 150 and out.n_markers == 3


def test_inlet_insert_marker_and_reconnect_after_stop() -> None:
    name = unique("rc")
    out = LslOutlet(INFO, name, markers=False)
    # No marker stream: the short wait for one is the expected path, not a bound on anything.
    inlet = LslInletSource(name, timeout=HANG_GUARD_S, marker_timeout=0.2)
    inlet.start()
    wait_for(out.have_consumers)
    inlet.insert_marker(5)
    out.push_chunk(make_chunks(1)[0])
    first = collect(inlet, 25)
    assert first.n_times == 25 and [c for _, c in first.markers] == [5]
    inlet.stop()
    inlet.stop()
    with pytest.raises(DeviceError, match="call start"):
        inlet.read()
    inlet.start()  # re-resolves the same stream by its source id
    wait_for(out.have_consumers)
    out.push_chunk(make_chunks(2)[1])
    assert collect(inlet, 25).n_times == 25
    inlet.stop()
    with pytest.raises(ConfigError, match="without a marker stream"):
        out.push_marker(1)
    out.close()


def test_volts_are_converted_to_microvolts() -> None:
    name = unique("volts")
    sinfo = pylsl.StreamInfo(name, "EEG", 1, SFREQ, pylsl.cf_float32, name)
    ch = sinfo.desc().append_child("channels").append_child("channel")
    ch.append_child_value("label", "Oz")
    ch.append_child_value("unit", "volts")
    outlet = pylsl.StreamOutlet(sinfo)
    inlet = LslInletSource(name, timeout=HANG_GUARD_S, marker_timeout=0.2)
    with inlet:
        wait_for(outlet.have_consumers)
        outlet.push_chunk([[1e-5]] * 10)
        got = collect(inlet, 10)
    assert inlet.info.ch_names == ("Oz",)
    np.testing.assert_allclose(got.data, 10.0, rtol=1e-5)
    del outlet


def test_stream_not_found_within_timeout() -> None:
    t0 = time.monotonic()
    with pytest.raises(StreamNotFoundError, match=r"No LSL stream named 'nobody-home' found within 0.5 s"):
        LslInletSource("nobody-home", timeout=0.5)
    assert time.monotonic() - t0 < HANG_GUARD_S  # it gives up; how promptly depends on the machine's load
    with pytest.raises(StreamNotFoundError, match="of type 'NoSuchType' found within 0.3 s"):
        LslInletSource(stream_type="NoSuchType", timeout=0.3)
    with pytest.raises(StreamNotFoundError, match="named 'nobody-home' found within 1 s"):
        open_source(board="lsl", lsl_stream_name="nobody-home", timeout=1)


def test_missing_named_marker_stream() -> None:
    name = unique("nomark")
    with LslOutlet(INFO, name, markers=False):
        inlet = LslInletSource(name, timeout=HANG_GUARD_S, marker_name="absent-markers", marker_timeout=0.3)
        with pytest.raises(StreamNotFoundError, match="marker stream named 'absent-markers'"):
            inlet.start()


def test_loopback_cfg_is_honoured_by_liblsl(tmp_path: Path) -> None:
    """A stream announced under another SessionID is invisible to us: liblsl really reads tests/lsl_api.cfg."""
    cfg = Path(os.environ["LSLAPICFG"])
    assert cfg.name == "lsl_api.cfg" and "SessionID = bci-input-tests" in cfg.read_text()
    other = tmp_path / "other.cfg"
    other.write_text(cfg.read_text().replace("SessionID = bci-input-tests", "SessionID = somebody-else"))
    name = unique("foreign")
    code = (
        "import pylsl, sys\n"
        f"o = pylsl.StreamOutlet(pylsl.StreamInfo({name!r}, 'EEG', 1, 100, pylsl.cf_float32, {name!r}))\n"
        "print('ready', flush=True)\nsys.stdin.read()\n"
    )
    env = {**os.environ, "LSLAPICFG": str(other)}
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    mine = unique("mine")
    try:
        assert proc.stdout.readline().strip() == "ready"
        with LslOutlet(INFO, mine, markers=False):
            end = time.monotonic() + HANG_GUARD_S
            found: set[str] = set()
            while mine not in found and time.monotonic() < end:  # a loaded machine may need more than one pass
                found = {s.name() for s in pylsl.resolve_streams(1.0)}
        assert mine in found  # the positive control: our own session is visible
        assert name not in found  # the other session's stream is not
    finally:
        proc.stdin.close()
        proc.wait(HANG_GUARD_S)
        proc.stdout.close()


def test_lsl_outlet_setting_publishes_the_live_synthetic_board() -> None:
    # The `lsl_outlet` setting: the real synthetic board is read as usual and its samples and markers
    # are published on LSL at the same time (LabRecorder would see this stream).
    name = unique("tee")
    source = open_source(board="synthetic", lsl_outlet=True, lsl_outlet_name=name)
    with source:
        inlet = LslInletSource(name, timeout=HANG_GUARD_S, marker_timeout=HANG_GUARD_S)
        assert inlet.info.n_channels == source.info.n_channels and inlet.info.sfreq == source.info.sfreq
        with inlet:
            wait_for(lambda: source.outlet is not None and source.outlet.have_consumers())
            sent: list[Chunk] = []
            n_sent, marked = 0, False
            end = time.monotonic() + HANG_GUARD_S
            while n_sent < 375:  # 1.5 s of the board's samples, counted, however long reading them takes
                assert time.monotonic() < end, f"the board delivered only {n_sent} samples"
                if not marked and n_sent >= 125:
                    source.insert_marker(7)
                    marked = True
                c = source.read(0.1)
                if c is not None:
                    sent.append(c)
                    n_sent += c.n_times
            got = collect(inlet, 100)
    sent_all = Chunk.concatenate(sent)
    assert [code for _, code in sent_all.markers] == [7]
    assert got.n_times >= 100
    first = int(np.flatnonzero(np.all(sent_all.data == got.data[0], axis=1))[0])  # the same samples, in order
    np.testing.assert_allclose(got.data[:50], sent_all.data[first : first + 50], rtol=1e-5, atol=1e-3)


def test_lsl_marker_name_setting_picks_a_differently_named_marker_stream() -> None:
    name, markers = unique("data"), unique("events")
    out = LslOutlet(INFO, name, markers=False)
    minfo = pylsl.StreamInfo(markers, "Markers", 1, pylsl.IRREGULAR_RATE, pylsl.cf_int32, markers)
    mout = pylsl.StreamOutlet(minfo)
    source = open_source(board="lsl", lsl_stream_name=name, lsl_marker_name=markers, timeout=HANG_GUARD_S)
    assert isinstance(source, LslInletSource)
    source.marker_timeout, source.marker_latency = HANG_GUARD_S, MARKER_LATENCY_S
    with source:
        wait_for(out.have_consumers)
        wait_for(mout.have_consumers)
        chunks = make_chunks(4)
        mout.push_sample([3], out._lsl_time(chunks[1].timestamps)[5])  # the marker of sample 30, sent first
        for c in chunks:
            out.push_chunk(c)
        got = collect(source, 100)
    assert [code for _, code in got.markers] == [3]
    assert int(np.flatnonzero(got.timestamps == got.markers[0][0])[0]) == 30
    absent = open_source(board="lsl", lsl_stream_name=name, lsl_marker_name="nobody-markers", timeout=1)
    with pytest.raises(StreamNotFoundError, match="marker stream named 'nobody-markers'"):
        absent.start()
    out.close()
