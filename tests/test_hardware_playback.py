"""Playback: BrainFlow's real playback board on our CSV recordings, and paced replay of CSV/FIF/EDF/BDF files."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from bci_input.hardware import BrainFlowPlaybackSource, PlaybackSource, open_playback, open_source

from bci_input import Chunk, StreamInfo
from bci_input._errors import DataFormatError, DeviceError
from bci_input.recording import Recorder, export_recording

SFREQ = 250.0


class FakeClock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t

    def sleep(self, dt: float) -> None:
        self.t += dt


def write_recording(path: Path, n: int = 1000, markers=((100, 3), (437, 5), (900, 7))) -> Chunk:
    """A recording with the synthetic board's row layout, as 'bci-input record' writes it."""
    from bci_input.hardware import board_layout

    lay = board_layout(-1)
    rng = np.random.default_rng(1)
    t = np.arange(n) / SFREQ
    data = (rng.standard_normal((n, lay.info.n_channels)) * 10).astype(np.float32)
    data[:, 0] = 30 * np.sin(2 * np.pi * 10 * t)
    ts = 1_795_000_000.0 + t
    chunk = Chunk(data, ts, tuple((ts[s], c) for s, c in markers))
    with Recorder(path, lay.info, layout=lay.csv, board_id=-1) as rec:
        for a in range(0, n, 60):
            marks = tuple(m for m in chunk.markers if ts[a] <= m[0] < ts[a] + 0.24)
            part = Chunk(data[a : a + 60], ts[a : a + 60], marks)
            rec.write(part)
    return chunk


def drain(src, clock: FakeClock, step: float = 0.05, limit: int = 10_000) -> list[Chunk]:
    out = []
    for _ in range(limit):
        c = src.read(step)
        if c is not None:
            out.append(c)
        if src.finished:
            break
    return out


@pytest.mark.slow
def test_brainflow_playback_board_replays_data_and_sidecar_markers(tmp_path: Path) -> None:
    truth = write_recording(tmp_path / "r.csv", n=500, markers=((60, 3), (300, 5)))
    src = open_playback(tmp_path / "r.csv")
    assert isinstance(src, BrainFlowPlaybackSource)
    assert src.info.n_channels == 19 and src.info.sfreq == SFREQ
    chunks = []
    t_end = time.monotonic() + 60.0  # 2 s of real-time playback; the 60 s only guard a hang
    with src:
        while not src.finished and time.monotonic() < t_end:
            c = src.read(0.1)
            if c is not None:
                chunks.append(c)
    got = Chunk.concatenate(chunks)
    assert src.finished
    i0 = int(np.searchsorted(truth.timestamps, got.timestamps[0]))
    n = got.n_times
    np.testing.assert_allclose(got.data, truth.data[i0 : i0 + n], atol=1e-4)
    np.testing.assert_array_equal(got.timestamps, truth.timestamps[i0 : i0 + n])
    expected = [m for m in truth.markers if m[0] >= got.timestamps[0]]
    assert len(expected) >= 1
    assert [c for _, c in got.markers] == [c for _, c in expected]
    np.testing.assert_allclose([t for t, _ in got.markers], [t for t, _ in expected], atol=1e-6)


def test_brainflow_playback_needs_a_board_recording(tmp_path: Path) -> None:
    info = StreamInfo(("a",), ("eeg",), SFREQ)
    with Recorder(tmp_path / "g.csv", info) as rec:
        rec.write(Chunk(np.zeros((10, 1), np.float32), np.arange(10) / SFREQ))
    with pytest.raises(DataFormatError, match="not recorded from a BrainFlow board"):
        BrainFlowPlaybackSource(tmp_path / "g.csv")
    assert isinstance(open_playback(tmp_path / "g.csv"), PlaybackSource)


def test_paced_csv_playback_with_speed_and_injected_clock(tmp_path: Path) -> None:
    truth = write_recording(tmp_path / "r.csv")
    clock = FakeClock()
    src = open_source(board="playback", playback_file=str(tmp_path / "r.csv"), speed=4.0, clock=clock,
                      sleep=clock.sleep)
    assert isinstance(src, PlaybackSource)
    with src:
        t0 = clock.t
        first = src.read(0.0)
        assert first is None  # nothing is due at t0
        clock.t += 0.5  # 0.5 s of wall time at 4x = 500 samples
        c = src.read(0.0)
        assert c.n_times == 500
        rest = drain(src, clock)
        assert src.read(0.1) is None  # the end of the file
    elapsed = clock.t - t0
    assert elapsed == pytest.approx(1000 / SFREQ / 4.0, abs=0.06)
    got = Chunk.concatenate([c, *rest])
    np.testing.assert_allclose(got.data, truth.data, atol=1e-4)
    np.testing.assert_array_equal(got.timestamps, truth.timestamps)
    assert got.markers == truth.markers
    assert src.finished


@pytest.mark.parametrize("fmt", ["fif", "edf", "bdf"])
def test_mne_file_playback_keeps_markers_on_their_samples(tmp_path: Path, fmt: str) -> None:
    truth = write_recording(tmp_path / "r.csv")
    export_recording(tmp_path / "r.csv", tmp_path / f"r.{fmt}")
    clock = FakeClock()
    src = open_playback(tmp_path / f"r.{fmt}", clock=clock, sleep=clock.sleep)
    assert src.info.sfreq == SFREQ and src.info.ch_types.count("eeg") == 16
    with src:
        got = Chunk.concatenate(drain(src, clock, step=0.2))
    assert clock.t - 100.0 == pytest.approx(1000 / SFREQ, abs=0.25)
    assert got.n_times == 1000
    tol = 1e-3 if fmt == "fif" else 0.05
    np.testing.assert_allclose(got.data[:, 0], truth.data[:, 0], atol=tol)
    samples = np.searchsorted(got.timestamps, [t for t, _ in got.markers])
    np.testing.assert_allclose(samples, [100, 437, 900], atol=1)
    assert [c for _, c in got.markers] == [3, 5, 7]


def test_loop_and_insert_marker(tmp_path: Path) -> None:
    write_recording(tmp_path / "r.csv", n=100, markers=())
    clock = FakeClock()
    src = PlaybackSource(tmp_path / "r.csv", loop=True, clock=clock, sleep=clock.sleep)
    src.start()
    clock.t += 0.2
    src.insert_marker(9)
    clock.t += 0.8  # 250 samples: 2.5 laps
    c = src.read(0.0)
    assert c.n_times == 250 and not src.finished
    assert np.all(np.diff(c.timestamps) > 0)
    assert c.markers == ((c.timestamps[0], 9),)
    np.testing.assert_array_equal(c.data[100:200], c.data[:100])


def test_read_before_start_is_an_error(tmp_path: Path) -> None:
    write_recording(tmp_path / "r.csv", n=50, markers=())
    with pytest.raises(DeviceError, match="call start"):
        PlaybackSource(tmp_path / "r.csv").read()


def test_missing_playback_file(tmp_path: Path) -> None:
    with pytest.raises(DataFormatError, match="Playback file not found"):
        open_playback(tmp_path / "nope.csv")
    with pytest.raises(DataFormatError, match="Playback file not found"):
        open_source(board="playback", playback_file=str(tmp_path / "nope.fif"))


@pytest.mark.parametrize(
    ("name", "content", "match"),
    [
        ("bad.txt", "x", "unknown file type .txt"),
        ("bad.fif", "not a fif file", "Cannot read"),
        ("bad.edf", "0       garbage", "Cannot read"),
    ],
)
def test_malformed_playback_file(tmp_path: Path, name: str, content: str, match: str) -> None:
    (tmp_path / name).write_text(content)
    with pytest.raises(DataFormatError, match=match):
        open_playback(tmp_path / name)


def test_malformed_csv_recording(tmp_path: Path) -> None:
    write_recording(tmp_path / "r.csv", n=50, markers=())
    text = (tmp_path / "r.csv").read_text().splitlines()
    text[10] = "1\t2\t3"
    (tmp_path / "r.csv").write_text("\n".join(text) + "\n")
    with pytest.raises(DataFormatError, match="line 11: 3 values, expected 32"):
        open_playback(tmp_path / "r.csv")


def test_plain_brainflow_csv_with_board_name(tmp_path: Path) -> None:
    from bci_input.hardware._boards import board_shim
    from brainflow.data_filter import DataFilter

    board_shim()
    raw = np.zeros((32, 40))
    raw[1] = np.arange(40)
    raw[30] = 1_795_000_000 + np.arange(40) / SFREQ
    raw[31, 5] = 4
    DataFilter.write_file(raw, str(tmp_path / "plain.csv"), "w")
    clock = FakeClock()
    src = PlaybackSource(tmp_path / "plain.csv", board="synthetic", clock=clock, sleep=clock.sleep)
    with src:
        got = Chunk.concatenate(drain(src, clock))
    np.testing.assert_array_equal(got.data[:, 0], np.arange(40))
    assert [c for _, c in got.markers] == [4]  # a plain BrainFlow file keeps its marker row
