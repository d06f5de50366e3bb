"""Recorder, read_recording and export_recording: round trips, partial files after SIGKILL, malformed files."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from bci_input import Chunk, StreamInfo
from bci_input._errors import ConfigError, DataFormatError
from bci_input.recording import CsvLayout, Recorder, export_recording, read_recording, sidecar_paths

SFREQ = 250.0
INFO = StreamInfo(("Fz", "Cz", "EMG1", "ACC_X"), ("eeg", "eeg", "emg", "misc"), SFREQ, "test")
T0 = 1_700_000_000.0


def make_chunks(n_chunks: int = 20, n: int = 25, seed: int = 0) -> list[Chunk]:
    rng = np.random.default_rng(seed)
    out = []
    for k in range(n_chunks):
        idx = np.arange(k * n, (k + 1) * n)
        t = idx / SFREQ
        data = np.stack(
            [20 * np.sin(2 * np.pi * 10 * t), 5 * rng.standard_normal(n), 50 * rng.standard_normal(n), 0.98 + 0 * t],
            axis=1,
        )
        markers = ((T0 + (k * n + 7) / SFREQ, k + 1),) if k % 4 == 1 else ()
        out.append(Chunk(data.astype(np.float32), T0 + t, markers))
    return out


def record(path: Path, chunks: list[Chunk], **kw) -> Recorder:
    with Recorder(path, INFO, **kw) as rec:
        for c in chunks:
            rec.write(c)
    return rec


def test_round_trip_data_timestamps_events(tmp_path: Path) -> None:
    chunks = make_chunks()
    rec = record(tmp_path / "r.csv", chunks)
    assert rec.n_samples == 500 and rec.n_events == 5
    data, ts, info, events = read_recording(tmp_path / "r.csv")
    full = Chunk.concatenate(chunks)
    np.testing.assert_allclose(data, full.data, atol=1e-5)
    np.testing.assert_allclose(ts, full.timestamps, atol=1e-6)
    assert info.ch_names == INFO.ch_names and info.ch_types == INFO.ch_types and info.sfreq == SFREQ
    np.testing.assert_array_equal(events[:, 0], [32, 132, 232, 332, 432])
    np.testing.assert_array_equal(events[:, 1], [2, 6, 10, 14, 18])
    header = (tmp_path / "r.events.tsv").read_text().splitlines()[0]
    assert header == "onset_s\tsample\tcode"


def test_file_is_brainflow_style_tab_separated_samples_as_rows(tmp_path: Path) -> None:
    record(tmp_path / "r.csv", make_chunks(2))
    lines = (tmp_path / "r.csv").read_text().splitlines()
    assert len(lines) == 50
    fields = lines[0].split("\t")
    lay = CsvLayout.default(4)
    assert len(fields) == lay.n_rows
    assert float(fields[lay.timestamp_row]) == pytest.approx(T0)
    marker_col = np.array([float(ln.split("\t")[lay.marker_row]) for ln in lines])
    assert np.flatnonzero(marker_col).tolist() == [32] and marker_col[32] == 2


def test_custom_board_layout_is_respected(tmp_path: Path) -> None:
    lay = CsvLayout(n_rows=10, channel_rows=(1, 2, 5, 6), timestamp_row=8, marker_row=9, package_row=0)
    rec = record(tmp_path / "b.csv", make_chunks(4), layout=lay, board_id=-1)
    assert rec.board_id == -1
    r = read_recording(tmp_path / "b.csv")
    assert r.board_id == -1 and r.layout == lay
    np.testing.assert_allclose(r.data, Chunk.concatenate(make_chunks(4)).data, atol=1e-5)


@pytest.mark.parametrize("fmt", ["fif", "edf", "bdf"])
def test_export_markers_become_annotations_at_their_sample(tmp_path: Path, fmt: str) -> None:
    import mne

    record(tmp_path / "r.csv", make_chunks())
    out = export_recording(tmp_path / "r.csv", tmp_path / f"r.{fmt}")
    raw = mne.io.read_raw(out, preload=True, verbose="error")
    assert raw.info["sfreq"] == SFREQ
    assert raw.n_times == 500
    samples = raw.annotations.onset * SFREQ
    np.testing.assert_allclose(samples, [32, 132, 232, 332, 432], atol=1.0)
    assert list(raw.annotations.description) == ["2", "6", "10", "14", "18"]
    fz = raw.get_data(picks=["Fz"])[0] * 1e6
    tol = 1e-3 if fmt == "fif" else 0.05
    np.testing.assert_allclose(fz, Chunk.concatenate(make_chunks()).data[:, 0], atol=tol * 20 + 1e-3)
    if fmt == "fif":
        assert raw.get_channel_types() == ["eeg", "eeg", "emg", "misc"]


def test_export_csv_copies_sidecars_and_rejects_unknown_format(tmp_path: Path) -> None:
    record(tmp_path / "r.csv", make_chunks(3))
    export_recording(tmp_path / "r.csv", tmp_path / "copy.csv")
    assert all(p.exists() for p in sidecar_paths(tmp_path / "copy.csv"))
    with pytest.raises(ConfigError, match="Allowed values are: fif, edf, bdf, csv"):
        export_recording(tmp_path / "r.csv", tmp_path / "r.gdf")


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DataFormatError, match="Recording not found"):
        read_recording(tmp_path / "nope.csv")


def test_plain_csv_without_metadata_needs_a_board(tmp_path: Path) -> None:
    (tmp_path / "plain.csv").write_text("0\t1\t2\n")
    with pytest.raises(DataFormatError, match="no metadata file"):
        read_recording(tmp_path / "plain.csv")
    lay = CsvLayout(3, (1,), 2, 2, 0)
    info = StreamInfo(("C3",), ("eeg",), SFREQ)
    r = read_recording(tmp_path / "plain.csv", layout=lay, info=info)
    assert r.data.shape == (1, 1)


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ("", "holds no samples"),
        ("1\t2\t3\n", "line 1: 3 values, expected 7"),
        ("0\t1\t2\t3\t4\t5\t6\n0\tx\t2\t3\t4\t5\t6\n", "line 2"),
    ],
)
def test_malformed_csv_is_a_clear_error(tmp_path: Path, content: str, match: str) -> None:
    record(tmp_path / "r.csv", make_chunks(1))
    (tmp_path / "r.csv").write_text(content)
    with pytest.raises(DataFormatError, match=match):
        read_recording(tmp_path / "r.csv")


def test_malformed_metadata_and_events_header(tmp_path: Path) -> None:
    record(tmp_path / "r.csv", make_chunks(1))
    events, meta = sidecar_paths(tmp_path / "r.csv")
    events.write_text("time\tcode\n")
    with pytest.raises(DataFormatError, match="header"):
        read_recording(tmp_path / "r.csv")
    meta.write_text("{not json")
    with pytest.raises(DataFormatError, match="metadata"):
        read_recording(tmp_path / "r.csv")


def test_truncated_last_line_is_ignored(tmp_path: Path) -> None:
    record(tmp_path / "r.csv", make_chunks(2))
    text = (tmp_path / "r.csv").read_text()
    (tmp_path / "r.csv").write_text(text[: len(text) - 20])
    data, ts, _, _ = read_recording(tmp_path / "r.csv")
    assert data.shape == (49, 4)


def test_sigkill_leaves_a_readable_partial_recording(tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import sys, time
        import numpy as np
        from bci_input import Chunk, StreamInfo
        from bci_input.recording import Recorder
        info = StreamInfo(("Fz", "Cz"), ("eeg", "eeg"), 250.0)
        rec = Recorder({str(tmp_path / "k.csv")!r}, info)
        k = 0
        while True:
            t = (np.arange(25) + 25 * k) / 250.0
            rec.write(Chunk(np.ones((25, 2), np.float32) * k, t, ((t[3], k + 1),)))
            k += 1
            if k == 8:
                print("ready", flush=True)
            time.sleep(0.001)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"  # 8 chunks are on disk; the child keeps writing
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(60)
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    data, ts, info, events = read_recording(tmp_path / "k.csv")
    assert data.shape[0] >= 200 and info.n_channels == 2
    assert np.all(np.diff(ts) > 0)
    assert len(events) >= 8
    np.testing.assert_array_equal(events[:8, 0], np.arange(8) * 25 + 3)
    np.testing.assert_array_equal(data[events[:, 0], 0], events[:, 1] - 1)


def test_chunking_does_not_change_the_file(tmp_path: Path) -> None:
    full = Chunk.concatenate(make_chunks())
    record(tmp_path / "one.csv", [full])
    rng = np.random.default_rng(5)
    cuts = np.sort(rng.choice(np.arange(1, 500), 30, replace=False))
    parts = []
    for a, b in zip([0, *cuts], [*cuts, 500], strict=True):
        ts = full.timestamps[a:b]
        parts.append(Chunk(full.data[a:b], ts, tuple(m for m in full.markers if ts[0] <= m[0] <= ts[-1])))
    record(tmp_path / "many.csv", parts)
    assert (tmp_path / "one.csv").read_text() == (tmp_path / "many.csv").read_text()
    assert (tmp_path / "one.events.tsv").read_text() == (tmp_path / "many.events.tsv").read_text()
