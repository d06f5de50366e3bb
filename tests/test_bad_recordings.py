"""Bad recordings end in exit 2 and one line naming the file: the reproductions of issue 18.

Each file here is real (written by the recorder or MNE, then edited on disk) and each command runs through
``bci_input.cli.main``: a FIF declaring 1e9 Hz, an EDF with a record duration of 1e-300, an events sidecar
with a 20-digit code, a metadata sidecar with an infinite, huge or tiny rate, a dataset with a NaN sample, a
truncated EDF/BDF, ``replay --speed inf`` and ``record`` on a disk that fills up.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from _recordings import set_fif_sfreq, write_good_recordings

from bci_input import StreamInfo
from bci_input.cli import main
from bci_input.recording import export_recording, read_recording

INFO = StreamInfo(("C3", "Cz", "C4", "EMG"), ("eeg", "eeg", "eeg", "emg"), 250.0, name="bad")


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 3 s recording with a marker in each second, as CSV (+ sidecars), FIF, EDF and BDF."""
    return write_good_recordings(tmp_path_factory.mktemp("good"), INFO)


def copy_recording(good: Path, dest: Path, stem: str = "rec") -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for ext in (".csv", ".events.tsv", ".json"):
        shutil.copyfile(good / f"rec{ext}", dest / f"{stem}{ext}")
    return dest / f"{stem}.csv"


def one_line_error(capsys: pytest.CaptureFixture[str], *names: str) -> str:
    """The command printed exactly one error line, no traceback, naming each of ``names``."""
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith("bci-input: error: ") and "Traceback" not in err, err
    for name in names:
        assert name in err, err
    return err


def replay(path: Path) -> list[str]:
    return ["replay", str(path), "--speed", "max"]


def calibrate(path: Path) -> list[str]:
    return ["calibrate", "--paradigm", "mi", "--profile", "bad", "--from-recording", str(path), "--no-pdf", "--quiet"]


COMMANDS = pytest.mark.parametrize("command", [replay, calibrate], ids=["replay", "calibrate"])


def edf_edit(src: Path, dst: Path, offset: int, value: bytes) -> None:
    b = bytearray(src.read_bytes())
    b[offset : offset + 8] = value.ljust(8)[:8]
    dst.write_bytes(bytes(b))


# ---------------------------------------------------------------------------------------------- headers
@COMMANDS
def test_fif_declaring_1e9_hz_is_refused_before_allocating(good: Path, tmp_path: Path, command, capsys) -> None:
    # Was: MemoryError (894 GiB for the replay buffer) and exit 1 "internal error".
    target = tmp_path / "big_raw.fif"
    set_fif_sfreq(good / "rec_raw.fif", target, 1e9)
    assert main(command(target)) == 2
    one_line_error(capsys, str(target), "'sfreq'", "100000")


@COMMANDS
def test_edf_with_a_record_duration_of_1e_minus_300_is_refused(good: Path, tmp_path: Path, command, capsys) -> None:
    target = tmp_path / "dur.edf"
    edf_edit(good / "rec.edf", target, 244, b"1e-300")
    assert main(command(target)) == 2
    one_line_error(capsys, str(target), "sampling rate")


@COMMANDS
@pytest.mark.parametrize("code", ["99999999999999999999", "2147483648", "-2147483649", "9" * 5000, "nan", "1e300"])
def test_events_sidecar_code_beyond_int32_is_refused(good: Path, tmp_path: Path, command, code: str, capsys) -> None:
    # Was: OverflowError (exit 1) for the 20-digit code.
    csv = copy_recording(good, tmp_path)
    events = csv.with_name("rec.events.tsv")
    lines = events.read_text().splitlines()
    lines[1] = "\t".join([*lines[1].split("\t")[:2], code])
    events.write_text("\n".join(lines) + "\n")
    assert main(command(csv)) == 2
    one_line_error(capsys, str(events), "'code'")


@COMMANDS
@pytest.mark.parametrize("sfreq", ["Infinity", "-Infinity", "NaN", "1e300", "1e-300", "0", "-250", "9" * 5000])
def test_metadata_sidecar_rate_is_checked_and_the_file_named(good: Path, tmp_path: Path, command, sfreq: str,
                                                             capsys) -> None:
    # Was: exit 1 for Infinity and 1e300; exit 2 without a file name for 1e-300.
    csv = copy_recording(good, tmp_path)
    meta = csv.with_name("rec.json")
    meta.write_text(meta.read_text().replace('"sfreq": 250.0', f'"sfreq": {sfreq}'))
    assert main(command(csv)) == 2
    one_line_error(capsys, str(meta))


@COMMANDS
@pytest.mark.parametrize("fmt", ["edf", "bdf"])
def test_truncated_edf_bdf_is_refused_with_the_seconds_lost(good: Path, tmp_path: Path, command, fmt: str,
                                                            capsys) -> None:
    # Was: half a file replayed 1 of 3 s, both later markers lost, exit 0 (MNE's warning was swallowed).
    src = (good / f"rec.{fmt}").read_bytes()
    target = tmp_path / f"half.{fmt}"
    target.write_bytes(src[: len(src) // 2])
    assert main(command(target)) == 2
    err = one_line_error(capsys, str(target), "truncated")
    assert "3 records of 1 s (3.00 s)" in err and "holds 1 (1.00 s)" in err and "2.00 s" in err
    assert "markers" in err


def test_complete_files_still_replay_every_sample_and_marker(good: Path, capsys) -> None:
    for name in ("rec.csv", "rec_raw.fif", "rec.edf", "rec.bdf"):
        assert main(replay(good / name)) == 0, capsys.readouterr().err
        assert "Replayed 750 samples (3.00 s of recording) with 3 markers." in capsys.readouterr().out


def test_edf_with_unknown_record_count_is_read_from_its_size(good: Path, tmp_path: Path, capsys) -> None:
    target = tmp_path / "open.edf"
    edf_edit(good / "rec.edf", target, 236, b"-1")  # allowed by the format while recording
    assert main(replay(target)) == 0, capsys.readouterr().err
    assert "Replayed 750 samples" in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------- replay --speed
@pytest.mark.parametrize("speed", ["inf", "-inf", "nan", "0", "-1", "1e300", "1001", "fast"])
def test_replay_speed_must_be_a_finite_positive_factor_or_max(good: Path, speed: str, capsys) -> None:
    # Was: --speed inf passed 'not speed > 0' and the replay never ended.
    assert main(["replay", str(good / "rec.csv"), f"--speed={speed}"]) == 2
    one_line_error(capsys, "'speed'", "'max'")


def test_replay_speed_max_ends_at_the_end_of_the_file_with_every_marker(good: Path, capsys) -> None:
    for name in ("rec.csv", "rec.edf"):
        assert main(["replay", str(good / name), "--speed", "max"]) == 0
        out = capsys.readouterr().out
        assert "as fast as possible" in out
        assert "Replayed 750 samples (3.00 s of recording) with 3 markers." in out
    assert main(["replay", str(good / "rec.csv"), "--speed", "max", "--loop"]) == 2
    one_line_error(capsys, "--loop")


# ---------------------------------------------------------------------------------------------- datasets
def _muse_run(path: Path, n: int = 2400, nan_at: int | None = None) -> None:
    rng = np.random.default_rng(len(path.name))
    lines = ["timestamps,TP9,AF7,AF8,TP10,Right AUX,Marker0"]
    for i in range(n):
        vals = [f"{v:.3f}" for v in rng.standard_normal(5) * 20]
        if i == nan_at:
            vals[1] = "nan"
        code = (2 if (i // 40) % 5 == 0 else 1) if i % 40 == 10 else 0
        lines.append(f"{1.6e9 + i / 256:.6f}," + ",".join(vals) + f",{code}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")


def test_evaluate_muse_p300_with_one_nan_sample_names_the_file(tmp_path: Path, capsys) -> None:
    # Was: sklearn's ValueError with its multi-line hint, exit 1.
    root = tmp_path / "data"
    _muse_run(root / "muse_p300" / "session1" / "a.csv")
    _muse_run(root / "muse_p300" / "session1" / "b.csv")
    bad = root / "muse_p300" / "session2" / "c.csv"
    _muse_run(bad, nan_at=500)
    argv = ["evaluate", "--dataset", "muse_p300", "--split", "dev", "--method", "lda", "--data-dir", str(root)]
    assert main(argv) == 2
    err = one_line_error(capsys, str(bad), "NaN")
    assert "sample 500" in err  # the first data line is sample 0


# ---------------------------------------------------------------------------------------------- full disk
@pytest.mark.parametrize("out", ["rec.csv", "rec.fif"])
def test_record_on_a_disk_that_fills_keeps_what_was_written(tiny_disk: Path, out: str, capsys) -> None:
    # Was: OSError from Recorder.close, exit 1 "internal error".
    assert main(["record", "--duration", "3", "--out", str(tiny_disk / out), "--marker-every", "0.1"]) == 2
    err = one_line_error(capsys, str(tiny_disk / "rec.csv"), "No space left", "kept")
    kept = float(err.split("the ")[-1].split(" s written")[0])
    assert sorted(p.name for p in tiny_disk.iterdir()) == ["rec.csv", "rec.events.tsv", "rec.json"]  # no .tmp
    rec = read_recording(tiny_disk / "rec.csv")
    assert 0.2 < kept <= len(rec.timestamps) / INFO.sfreq + 0.05 < 3.0  # the samples counted are on disk
    assert len(rec.events) >= 1


def test_record_on_a_full_disk_leaves_no_temporary_file(tiny_disk: Path, capsys) -> None:
    filler = tiny_disk / "filler.bin"
    with pytest.raises(OSError), filler.open("wb", buffering=0) as f:
        while True:
            f.write(b"\0" * 4096)
    assert main(["record", "--duration", "1", "--out", str(tiny_disk / "rec.fif")]) == 2
    one_line_error(capsys, str(tiny_disk / "rec.csv"), "No space left")
    assert [p.name for p in tiny_disk.iterdir()] == ["filler.bin"]  # was: a 0-byte rec.json.tmp


def test_export_to_a_full_disk_removes_the_partial_file(good: Path, tiny_disk: Path) -> None:
    from bci_input._errors import StorageError

    filler = tiny_disk / "filler.bin"
    filler.write_bytes(b"\0" * 60_000)
    for name in ("rec.fif", "rec.edf", "rec.csv"):
        with pytest.raises(StorageError, match="kept in"):
            export_recording(good / "rec.csv", tiny_disk / name)
        assert [p.name for p in tiny_disk.iterdir()] == ["filler.bin"], name


def test_metadata_sidecar_keeps_other_values_checked(good: Path, tmp_path: Path, capsys) -> None:
    csv = copy_recording(good, tmp_path)
    meta = csv.with_name("rec.json")
    for key, value in [("board_id", float("nan")), ("board_id", 1e300), ("layout", {"n_rows": 10**6})]:
        data = json.loads((good / "rec.json").read_text())
        data[key] = value
        meta.write_text(json.dumps(data))
        assert main(replay(csv)) == 2, key
        one_line_error(capsys, str(meta))
