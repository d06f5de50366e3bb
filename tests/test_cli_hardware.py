"""The hardware subcommands end to end: record, boards, stream, replay, quality."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bci_input.cli import main

BCI = [sys.executable, "-m", "bci_input.cli"]


@pytest.mark.slow
def test_record_synthetic_5s_to_fif_with_markers_at_their_samples(tmp_path: Path, capsys) -> None:
    import mne
    from bci_input.hardware._boards import board_shim
    from brainflow.data_filter import DataFilter  # BrainFlow's own reader, as an independent check

    board_shim()  # makes BrainFlow's native library loadable
    out = tmp_path / "x.fif"
    assert main(["record", "--board", "synthetic", "--duration", "5", "--out", str(out), "--marker-every", "1.3"]) == 0
    assert "Recorded 5.00 s" in capsys.readouterr().out
    raw = mne.io.read_raw_fif(out, preload=True, verbose="error")
    assert len(mne.pick_types(raw.info, eeg=True)) == 16
    assert raw.info["sfreq"] == 250.0
    assert raw.n_times / 250.0 == pytest.approx(5.0, abs=0.01)
    # the marker row BrainFlow wrote into the CSV is the ground truth for where each marker landed
    bf = DataFilter.read_file(str(tmp_path / "x.csv"))
    marker_row = bf[31]
    truth = np.flatnonzero(marker_row)
    assert len(truth) == 3 and marker_row[truth].tolist() == [1.0, 2.0, 3.0]
    # Stamped in order while recording (when exactly follows the wall clock and the machine's load).
    assert 0 < truth[0] < truth[1] < truth[2] < raw.n_times
    onsets = raw.annotations.onset * raw.info["sfreq"]
    np.testing.assert_allclose(onsets, truth, atol=1.0)
    assert list(raw.annotations.description) == ["1", "2", "3"]
    # EEG in volts in the FIF, the same samples as the CSV (µV)
    np.testing.assert_allclose(raw.get_data(picks="eeg")[0] * 1e6, bf[1, : raw.n_times], atol=1e-3)


def test_record_csv_format_without_markers(tmp_path: Path) -> None:
    from bci_input.recording import read_recording

    assert main(["record", "--duration", "0.5", "--out", str(tmp_path / "r.csv")]) == 0
    data, ts, info, events = read_recording(tmp_path / "r.csv")
    assert data.shape == (125, 19) and len(events) == 0 and info.sfreq == 250.0


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (["record", "--board", "cytn", "--duration", "1", "--out", "x.fif"], "Allowed values are: "),
        (["record", "--board", "cyton", "--serial-port", "/dev/ttyNOPE", "--duration", "1", "--out", "x.fif"],
         "'/dev/ttyNOPE' cannot be opened"),
        (["record", "--duration", "1", "--out", "x.fif", "--format", "edf"], "does not match --format edf"),
        (["record", "--duration", "1", "--out", "x.xyz"], "Cannot tell the format"),
        (["record", "--duration", "-1", "--out", "x.fif"], "must be positive"),
    ],
)
def test_record_user_errors_exit_2_with_one_line(tmp_path: Path, argv: list[str], match: str, capsys) -> None:
    argv = [a if a != "x.fif" and a != "x.xyz" else str(tmp_path / a) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert match in err and err.count("\n") == 0 and err.startswith("bci-input: error:")


def test_record_error_in_a_real_process_has_no_traceback(tmp_path: Path) -> None:
    p = subprocess.run(
        [*BCI, "record", "--board", "cytn", "--duration", "1", "--out", str(tmp_path / "x.fif")],
        capture_output=True, text=True, timeout=60,
    )
    assert p.returncode == 2
    assert "Traceback" not in p.stderr and len(p.stderr.strip().splitlines()) == 1
    assert "BrainFlow" not in p.stderr.split("Allowed")[0]  # BrainFlow's own logger stays quiet


def test_boards_table_lists_brainflow_boards_with_parameters(capsys) -> None:
    assert main(["boards"]) == 0
    out = capsys.readouterr().out
    rows = {line.split()[0]: line for line in out.splitlines()[2:-1]}
    for name in ("synthetic", "cyton", "cyton_daisy", "ganglion", "muse_2", "muse_s", "unicorn", "enophone",
                 "brainbit", "notion_2", "crown"):
        assert name in rows
    assert rows["synthetic"].split()[1:4] == ["-1", "250", "16"]
    assert "--serial-port" in rows["cyton"] and "8 eeg" in rows["cyton"]
    assert rows["muse_2"].split()[2] == "256"
    assert main(["boards", "--markdown"]) == 0
    assert "| synthetic | -1 | 250 |" in capsys.readouterr().out


def _lsl_inlet(name: str):
    from bci_input.hardware import LslInletSource

    # A generous hold-back: on a loaded CI machine the marker stream can lag the data by more than 0.1 s,
    # and this test is about where replay puts markers, not about the inlet's latency.
    return LslInletSource(name, timeout=20.0, marker_timeout=3.0, marker_latency=0.5)


def _collect(inlet, n_samples: int, *, with_markers: bool = False):
    """Read until ``n_samples`` arrived (and a marker, if asked); 120 s only guard a hang."""
    import time

    from bci_input import Chunk

    got, have, marked, end = [], 0, False, time.monotonic() + 120.0
    while have < n_samples or (with_markers and not marked):
        assert time.monotonic() < end, f"only {have} samples (markers: {marked}) in 120 s"
        c = inlet.read(0.1)
        if c is not None:
            got.append(c)
            have += c.n_times
            marked |= bool(c.markers)
    return Chunk.concatenate(got)


@pytest.mark.slow
def test_stream_publishes_the_synthetic_board_on_lsl() -> None:
    import signal
    import uuid

    name = f"cli-stream-{uuid.uuid4().hex[:6]}"
    # Streams until the test has its samples and presses Ctrl-C (--duration only guards a hang), so a slow start
    # on a loaded machine cannot end the stream before the inlet connected.
    proc = subprocess.Popen([*BCI, "stream", "--board", "synthetic", "--lsl", "--name", name, "--duration", "120"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        inlet = _lsl_inlet(name)
        assert inlet.info.sfreq == 250.0 and inlet.info.ch_types.count("eeg") == 16
        assert inlet.info.ch_names[:3] == ("Fz", "C3", "Cz")
        with inlet:
            got = _collect(inlet, 250)
        assert got.n_times >= 250
        assert 1.0 < np.std(got.data[:, 0]) < 1000.0  # µV
        proc.send_signal(signal.SIGINT)  # Ctrl-C: the documented way to stop streaming
        out, err = proc.communicate(timeout=120)
    finally:
        proc.kill() if proc.poll() is None else None
    assert proc.returncode == 0, err
    assert f"as '{name}'" in out and "Sent " in out


def test_stream_without_lsl_is_a_user_error(capsys) -> None:
    assert main(["stream", "--board", "synthetic", "--duration", "1"]) == 2
    assert "Add --lsl" in capsys.readouterr().err


@pytest.mark.slow
def test_replay_to_lsl_delivers_the_recording_and_its_markers(tmp_path: Path) -> None:
    import uuid

    from bci_input import Chunk, StreamInfo
    from bci_input.recording import Recorder, export_recording

    info = StreamInfo(("C3", "C4"), ("eeg", "eeg"), 100.0)
    n = 400
    data = np.stack([np.arange(n), -np.arange(n)], axis=1).astype(np.float32)
    with Recorder(tmp_path / "r.csv", info) as rec:
        rec.write(Chunk(data, 1000 + np.arange(n) / 100.0, ((1000 + 150 / 100.0, 7),)))
    export_recording(tmp_path / "r.csv", tmp_path / "r.edf")
    name = f"cli-replay-{uuid.uuid4().hex[:6]}"
    # 4 s of data at speed 2 = 2 s; the inlet needs ~1 s to connect, so loop and look at a whole lap
    proc = subprocess.Popen([*BCI, "replay", str(tmp_path / "r.edf"), "--speed", "2", "--lsl", "--name", name,
                             "--loop"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        inlet = _lsl_inlet(name)
        with inlet:
            got = _collect(inlet, 400, with_markers=True)  # at least a whole lap, and its marker
    finally:
        proc.terminate()
        proc.communicate(timeout=120)
    assert got.n_times >= 400
    steps = np.diff(got.data[:, 0])
    # consecutive samples (EDF stores 16 bits: ~0.2 % quantisation), wrapping at the end of each lap
    assert np.all((np.abs(steps - 1) < 0.05) | (np.abs(steps + 399) < 1.0))
    marker_samples = [got.data[int(np.flatnonzero(got.timestamps == t)[0]), 0] for t, _ in got.markers]
    assert marker_samples and all(abs(v - 150) <= 1.5 for v in marker_samples)  # the marker stays on sample 150
    assert {c for _, c in got.markers} == {7}


def test_replay_errors_exit_2(tmp_path: Path, capsys) -> None:
    assert main(["replay", str(tmp_path / "missing.fif")]) == 2
    assert "Playback file not found" in capsys.readouterr().err
    (tmp_path / "bad.csv").write_text("1\t2\n")
    assert main(["replay", str(tmp_path / "bad.csv")]) == 2
    assert "no metadata file" in capsys.readouterr().err
    assert main(["replay", str(tmp_path / "bad.csv"), "--speed", "0"]) == 2


def test_replay_fast_without_lsl(tmp_path: Path, capsys) -> None:
    assert main(["record", "--duration", "0.4", "--out", str(tmp_path / "r.csv"), "--marker-every", "0.15"]) == 0
    assert main(["replay", str(tmp_path / "r.csv"), "--speed", "8"]) == 0
    out = capsys.readouterr().out
    assert "Replayed 100 samples (0.40 s of recording) with 2 markers." in out


@pytest.mark.slow
def test_quality_flags_the_synthetic_boards_50_and_60_hz_channels(capsys) -> None:
    # BrainFlow's synthetic channel k is a sine at 5*k Hz: channel 10 (F7) sits on 50 Hz, channel 12 (F1) on 60 Hz.
    assert main(["quality", "--board", "synthetic", "--duration", "2"]) == 0
    out = capsys.readouterr().out
    rows = {line.split()[0]: line for line in out.splitlines() if line[:1].isalpha() and "eeg" in line}
    assert "bad" in rows["F7"] and "50 Hz line noise" in rows["F7"]
    assert "bad" in rows["F1"] and "60 Hz line noise" in rows["F1"]
    assert rows["Fz"].split()[2] == "ok"
    assert main(["quality", "--duration", "0.5"]) == 2


@pytest.mark.slow
def test_killed_record_command_leaves_a_readable_partial_recording(tmp_path: Path) -> None:
    import os
    import signal
    import time

    from bci_input.recording import read_recording

    csv = tmp_path / "k.csv"
    proc = subprocess.Popen([*BCI, "record", "--duration", "60", "--out", str(tmp_path / "k.fif"),
                             "--marker-every", "0.3"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        end = time.monotonic() + 120  # polls a condition: 300 rows written; 120 s only guard a hang
        while time.monotonic() < end and (not csv.exists() or csv.read_text().count("\n") < 300):
            time.sleep(0.05)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(60)
    data, ts, info, events = read_recording(csv)
    assert data.shape[0] >= 250 and info.ch_types.count("eeg") == 16
    assert np.all(np.diff(ts) > 0)
    assert len(events) >= 2 and events[:, 1].tolist() == list(range(1, len(events) + 1))
    assert not (tmp_path / "k.fif").exists()


def test_config_file_is_validated_for_every_command_and_feeds_board_options(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("this is not toml = = =\n", encoding="utf-8")
    assert main(["--config", str(bad), "boards"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "bad.toml" in err
    # The [acquisition] section chooses the board when --board is left out ...
    cfg = tmp_path / "acq.toml"
    cfg.write_text('[acquisition]\nboard = "no_such_board"\n', encoding="utf-8")
    assert main(["--config", str(cfg), "quality", "--duration", "1"]) == 2
    err = capsys.readouterr().err
    assert "no_such_board" in err and "synthetic" in err  # the message lists the allowed names
    # ... and the command line wins over it.
    assert main(["--config", str(cfg), "quality", "--board", "synthetic", "--duration", "1"]) == 0
    assert "Signal quality of BrainFlow synthetic" in capsys.readouterr().out
