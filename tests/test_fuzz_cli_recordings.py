"""Fuzz every CLI command that takes a recording file with numeric extremes and truncation.

Every reader (CSV with its ``.events.tsv`` and ``.json`` sidecars, FIF, EDF, BDF) gets, in each numeric header
field and sidecar column, NaN, ±inf, ±1e300, a 5,000-digit integer (cut to the field's width in EDF/BDF
headers), a negative number and zero; and each file is cut at every tenth of its size. Each variant goes
through ``bci-input replay --speed max`` and ``bci-input calibrate --from-recording`` (and the dataset files
through ``bci-input evaluate``).

The assertion is always the same: a value the field cannot hold ends in exit 2 with one line that names the
file and the problem, never a traceback, and nothing is written outside the target. A value the field can
hold (a negative event code, a zero digital minimum) may also load (exit 0).

A CSV recording cut short is the one truncation that still loads, by design: the recorder streams the CSV
while acquiring, and a recording interrupted by a crash must stay readable (its complete lines are kept).
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from _recordings import fif_edit, write_good_recordings

from bci_input import StreamInfo
from bci_input.cli import main

INFO = StreamInfo(("C3", "Cz", "C4", "EMG"), ("eeg", "eeg", "eeg", "emg"), 250.0, name="fuzz")
HUGE = "9" * 5000
#: The extremes put in every field: NaN, ±inf, ±1e300, a 5,000-digit integer, a negative number, zero.
EXTREMES = ["nan", "inf", "-inf", "1e300", "-1e300", HUGE, "-5", "0"]
JSON_EXTREMES = ["NaN", "Infinity", "-Infinity", "1e300", "-1e300", HUGE, "-5", "0"]


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_good_recordings(tmp_path_factory.mktemp("good"), INFO)


def _snapshot(*roots: Path) -> dict[str, tuple[int, int]]:
    out = {}
    for root in roots:
        for dirpath, _dirs, files in os.walk(root):
            for name in files:
                p = os.path.join(dirpath, name)
                st = os.stat(p)
                out[p] = (st.st_size, st.st_mtime_ns)
    return out


def _run(argv: list[str]) -> tuple[int, str]:
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        code = main(argv)
    return code, err.getvalue().strip()


def replay(path: Path) -> list[str]:
    return ["replay", str(path), "--speed", "max"]


def calibrate(path: Path) -> list[str]:
    return ["calibrate", "--paradigm", "mi", "--profile", "fuzz", "--from-recording", str(path), "--no-save",
            "--no-pdf", "--quiet"]


COMMANDS: list[Callable[[Path], list[str]]] = [replay, calibrate]


def check_command(command: Callable[[Path], list[str]], entry: Path, target: Path, *, must_refuse: bool) -> None:
    """Run ``command`` on ``entry`` (whose file ``target`` was damaged) and apply the one assertion."""
    home = Path(os.environ["BCI_INPUT_HOME"])
    before = _snapshot(entry.parent, home)
    code, err = _run(command(entry))
    label = f"{command.__name__} {target.name}"
    assert code in (0, 2), f"{label}: exit {code}: {err[-400:]}"
    assert "Traceback" not in err and "internal error" not in err, f"{label}: {err[-400:]}"
    if code == 2:
        assert len(err.splitlines()) == 1, f"{label}: {err}"
        assert err.startswith("bci-input: error: "), f"{label}: {err}"
    if must_refuse:
        assert code == 2, f"{label}: a value the field cannot hold was accepted"
        assert str(target) in err, f"{label}: the message does not name {target}: {err}"
    assert _snapshot(entry.parent, home) == before, f"{label}: files were written"


def _copy(good: Path, dest: Path) -> Path:
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for name in ("rec.csv", "rec.events.tsv", "rec.json", "rec_raw.fif", "rec.edf", "rec.bdf"):
        shutil.copyfile(good / name, dest / name)
    return dest


# ---------------------------------------------------------------------------------------------- CSV and sidecars
_JSON_FIELDS = {  # field -> the extremes it can hold
    '"sfreq": 250.0': set(),
    '"n_rows": 7': set(),
    '"board_id": null': {"-5", "0"},
}


@pytest.mark.parametrize("field", list(_JSON_FIELDS))
def test_metadata_sidecar_numeric_extremes(good: Path, tmp_path: Path, field: str) -> None:
    folder = _copy(good, tmp_path / "rec")
    meta = folder / "rec.json"
    text = (good / "rec.json").read_text()
    assert field in text
    for value in JSON_EXTREMES:
        meta.write_text(text.replace(field, field.split(":")[0] + ": " + value))
        for command in COMMANDS:
            check_command(command, folder / "rec.csv", meta, must_refuse=value not in _JSON_FIELDS[field])


@pytest.mark.parametrize(("column", "holds"), [(1, {"0"}), (2, {"-5", "0"})], ids=["sample", "code"])
def test_events_sidecar_numeric_extremes(good: Path, tmp_path: Path, column: int, holds: set[str]) -> None:
    folder = _copy(good, tmp_path / "rec")
    events = folder / "rec.events.tsv"
    lines = (good / "rec.events.tsv").read_text().splitlines()
    for value in EXTREMES:
        fields = lines[2].split("\t")
        fields[column] = value
        events.write_text("\n".join([*lines[:2], "\t".join(fields), *lines[3:]]) + "\n")
        for command in COMMANDS:
            check_command(command, folder / "rec.csv", events, must_refuse=value not in holds)


@pytest.mark.parametrize("column", [1, 5], ids=["sample-value", "timestamp"])
def test_csv_numeric_extremes_load_or_are_refused_cleanly(good: Path, tmp_path: Path, column: int) -> None:
    # Sample values are data, not header numbers: NaN or inf samples replay as they are (a dropout).
    folder = _copy(good, tmp_path / "rec")
    csv = folder / "rec.csv"
    lines = (good / "rec.csv").read_text().splitlines()
    for value in EXTREMES:
        fields = lines[10].split("\t")
        fields[column] = value
        csv.write_text("\n".join([*lines[:10], "\t".join(fields), *lines[11:]]) + "\n")
        for command in COMMANDS:
            check_command(command, csv, csv, must_refuse=False)


# ---------------------------------------------------------------------------------------------- EDF / BDF headers
def _edf_fields(n_signals: int) -> dict[str, tuple[int, int, set[str]]]:
    """Header field -> (offset, width, extremes it can hold) for the first signal."""
    sig = 256  # the signal headers follow the 256-byte main header; each field is stored for all signals in a row
    return {
        "header size": (184, 8, set()),
        "records": (236, 8, set()),
        "duration": (244, 8, set()),
        "signals": (252, 4, set()),
        "physical min": (sig + 104 * n_signals, 8, {"-5", "0", HUGE}),  # 99999999 is a physical extreme
        "physical max": (sig + 112 * n_signals, 8, {"-5", "0", HUGE}),
        "digital min": (sig + 120 * n_signals, 8, {"-5", "0"}),
        "digital max": (sig + 128 * n_signals, 8, {"-5", "0"}),  # above the digital minimum (-32768 here)
        "samples per record": (sig + 216 * n_signals, 8, set()),
    }


@pytest.mark.parametrize("fmt", ["edf", "bdf"])
def test_edf_bdf_header_numeric_extremes(good: Path, tmp_path: Path, fmt: str) -> None:
    folder = _copy(good, tmp_path / "rec")
    target = folder / f"rec.{fmt}"
    src = (good / f"rec.{fmt}").read_bytes()
    n_signals = int(src[252:256])
    for name, (offset, width, holds) in _edf_fields(n_signals).items():
        for value in EXTREMES:
            cut = value[:width]  # a 5,000-digit integer does not fit: its first digits do
            b = bytearray(src)
            b[offset : offset + width] = cut.encode().ljust(width)
            target.write_bytes(bytes(b))
            for command in COMMANDS if fmt == "edf" else [replay]:
                try:
                    check_command(command, target, target, must_refuse=value not in holds)
                except AssertionError as exc:
                    raise AssertionError(f"{name} = {cut!r}: {exc}") from None


# ---------------------------------------------------------------------------------------------- FIF header
_FIF_SFREQ = [float("nan"), float("inf"), float("-inf"), 1e38, -1e38, 1e-38, -5.0, 0.0]  # float32: 1e300 is inf
_FIF_NCHAN = [0, -5, 2**31 - 1, 99_999_999, 5, -(2**31)]


@pytest.mark.parametrize(("kind", "fmt", "values"), [(201, ">f", _FIF_SFREQ), (200, ">i", _FIF_NCHAN)],
                         ids=["sfreq", "nchan"])
def test_fif_header_numeric_extremes(good: Path, tmp_path: Path, kind: int, fmt: str, values: list) -> None:
    folder = _copy(good, tmp_path / "rec")
    target = folder / "rec_raw.fif"
    src = (good / "rec_raw.fif").read_bytes()
    for value in values:
        target.write_bytes(fif_edit(src, kind, fmt, value))
        for command in COMMANDS:
            try:
                check_command(command, target, target, must_refuse=True)
            except AssertionError as exc:
                raise AssertionError(f"FIF tag {kind} = {value!r}: {exc}") from None


# ---------------------------------------------------------------------------------------------- truncation
@pytest.mark.parametrize("name", ["rec.csv", "rec.events.tsv", "rec.json", "rec_raw.fif", "rec.edf", "rec.bdf"])
def test_truncation_at_every_tenth(good: Path, tmp_path: Path, name: str) -> None:
    folder = _copy(good, tmp_path / "rec")
    target = folder / name
    src = (good / name).read_bytes()
    entry = folder / ("rec.csv" if name.startswith("rec.") and name.endswith((".csv", ".tsv", ".json")) else name)
    for tenth in range(10):
        target.write_bytes(src[: len(src) * tenth // 10])
        for command in COMMANDS:
            try:
                # A CSV recording or its events cut short keep their complete lines (the crash-safety promise).
                check_command(command, entry, target, must_refuse=name not in ("rec.csv", "rec.events.tsv"))
            except AssertionError as exc:
                raise AssertionError(f"cut at {tenth}/10: {exc}") from None


# ---------------------------------------------------------------------------------------------- evaluate
def _muse_run(path: Path, n: int = 1200) -> None:
    rng = np.random.default_rng(len(path.name))
    lines = ["timestamps,TP9,AF7,AF8,TP10,Right AUX,Marker0"]
    for i in range(n):
        code = (2 if (i // 40) % 5 == 0 else 1) if i % 40 == 10 else 0
        lines.append(f"{1.6e9 + i / 256:.6f}," + ",".join(f"{v:.3f}" for v in rng.standard_normal(5) * 20) + f",{code}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def muse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("muse")
    for rel in ("session1/a.csv", "session1/b.csv", "session2/c.csv"):
        _muse_run(root / "muse_p300" / rel)
    return root


def test_evaluate_dataset_file_numeric_extremes_and_truncation(muse: Path, tmp_path: Path) -> None:
    root = tmp_path / "data"
    shutil.copytree(muse, root)
    target = root / "muse_p300" / "session2" / "c.csv"
    src = target.read_text()
    lines = src.splitlines()

    def evaluate(_: Path) -> list[str]:
        from bci_input.evaluation._muse_p300 import load_epochs

        load_epochs.cache_clear()  # epochs are cached per folder within a process; each run here is a new file
        return ["evaluate", "--dataset", "muse_p300", "--split", "dev", "--method", "lda", "--data-dir", str(root)]

    for column, holds in [(2, {"-5", "0"}), (6, {"-5", "0"})]:  # an EEG value, the marker code
        for value in EXTREMES:
            fields = lines[20].split(",")
            fields[column] = value
            target.write_text("\n".join([*lines[:20], ",".join(fields), *lines[21:]]) + "\n")
            try:
                check_command(evaluate, target, target, must_refuse=value not in holds)
            except AssertionError as exc:
                raise AssertionError(f"column {column} = {value[:20]!r}: {exc}") from None
    for tenth in (0, 1, 5, 9):
        target.write_bytes(src.encode()[: len(src) * tenth // 10])
        check_command(evaluate, target, target, must_refuse=False)
