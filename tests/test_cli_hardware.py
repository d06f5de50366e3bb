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
    np.testing.assert_allclose(truth / 250.0, [1.3, 2.6, 3.9], atol=0.25)  # stamped when asked
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
