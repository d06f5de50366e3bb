"""Fuzz tests (hypothesis) for the dataset readers: Muse CSV (P300 and SSVEP), Myo TXT, OpenBCI TXT, SSVEPExo FIF.

Every mutated file must either load into a consistent object or raise the project's own error with a
message: never another exception type, never a warning, never a hang.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from _fuzz import expect_clean, fuzz_settings
from _fuzz import mutated as _mutated
from _recordings import set_fif_sfreq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bci_input import BciInputError
from bci_input.datasets import load_muse_ssvep, load_ssvep_exo, read_muse_csv, read_myo_file, read_openbci_txt


def mutated_table(valid: bytes) -> st.SearchStrategy[bytes]:
    return _mutated(valid, table=True)


FUZZ = fuzz_settings()


def _muse_csv(n: int = 300, marker: str = "Marker0") -> bytes:
    rng = np.random.default_rng(1)
    lines = [f"timestamps,TP9,AF7,AF8,TP10,Right AUX,{marker}"]
    for i in range(n):
        vals = rng.standard_normal(5) * 20
        code = (1 + i // 40 % 2) if i % 40 == 10 else 0
        lines.append(f"{1.6e9 + i / 256:.6f}," + ",".join(f"{v:.3f}" for v in vals) + f",{code}")
    return ("\n".join(lines) + "\n").encode()


def _myo_txt(n: int = 200) -> bytes:
    rng = np.random.default_rng(2)
    rows = [",".join(str(int(v)) for v in rng.integers(-128, 128, 8)) + f",{(i // 50) % 2}" for i in range(n)]
    return ("\n".join(rows) + "\n").encode()


def _openbci_txt(n: int = 100) -> bytes:
    rng = np.random.default_rng(3)
    head = ["%OpenBCI Raw EEG Data", "%Number of channels = 4", "%Sample Rate = 250 Hz", "%Board = Cyton"]
    cols = "Sample Index, EXG Channel 0, EXG Channel 1, EXG Channel 2, EXG Channel 3, Accel Channel 0, Timestamp"
    rows = [f"{i % 256}, " + ", ".join(f"{v:.2f}" for v in rng.standard_normal(4) * 1e4) + f", 0.0, {1.6e9 + i / 250}"
            for i in range(n)]
    return ("\n".join([*head, cols, *rows]) + "\n").encode()


@pytest.mark.parametrize(
    ("name", "make", "read"),
    [("muse.csv", _muse_csv, read_muse_csv), ("myo.txt", _myo_txt, read_myo_file),
     ("openbci.txt", _openbci_txt, read_openbci_txt)],
    ids=["muse", "myo", "openbci"],
)
@FUZZ
@given(data=st.data())
def test_text_readers_survive_mutated_files(tmp_path: Path, name: str, make: Callable[[], bytes],
                                           read: Callable[[Path], Any], data: st.DataObject) -> None:
    p = tmp_path / name
    p.write_bytes(data.draw(mutated_table(make())))
    out = expect_clean(lambda: read(p))
    if out is None:
        return
    arr = out[0] if isinstance(out, tuple) else out.data
    assert arr.ndim == 2 and arr.shape[0] >= 1


def test_text_readers_valid_inputs(tmp_path: Path) -> None:
    (tmp_path / "m.csv").write_bytes(_muse_csv())
    assert read_muse_csv(tmp_path / "m.csv").data.shape == (300, 4)
    (tmp_path / "m.txt").write_bytes(_myo_txt())
    assert read_myo_file(tmp_path / "m.txt")[0].shape == (200, 8)
    (tmp_path / "o.txt").write_bytes(_openbci_txt())
    rec = read_openbci_txt(tmp_path / "o.txt")
    assert rec.data.shape == (100, 4) and rec.sfreq == 250.0


@pytest.mark.parametrize(
    ("name", "read"), [("muse.csv", read_muse_csv), ("myo.txt", read_myo_file), ("openbci.txt", read_openbci_txt)]
)
def test_text_readers_huge_and_odd_inputs(tmp_path: Path, name: str, read: Callable[[Path], Any]) -> None:
    p = tmp_path / name
    cases = [
        b"1.0," * 1_000_000 + b"1.0\n",  # one 4 MB line declaring a million columns
        b"9" * 3_000_000 + b"\n",  # one 3 MB number
        b"\n\n\n",
        b"\xef\xbb\xbf" + _muse_csv(5),  # a BOM
        _muse_csv(5).replace(b"\n", b"\r\n"),
        b"%Sample Rate = 0 Hz\nEXG Channel 0\n1.0\n",  # wrong sample rate
        b"%Sample Rate = 1e999 Hz\nEXG Channel 0\n1.0\n",
        b"%Sample Rate = 250 Hz\nEXG Channel 0,EXG Channel 1\n1.0\n",  # wrong channel count
        b"\x00" * 1000,
    ]
    for raw in cases:
        p.write_bytes(raw)
        out = expect_clean(lambda: read(p))
        if out is not None and hasattr(out, "sfreq"):
            assert np.isfinite(out.sfreq) and out.sfreq > 0
    with pytest.raises(BciInputError, match="not found"):
        read(tmp_path / "missing" / name)


# ---------------------------------------------------------------------------------------------- Muse SSVEP folder
@FUZZ
@given(data=st.data())
def test_muse_ssvep_survives_mutated_files(tmp_path: Path, data: st.DataObject) -> None:
    folder = tmp_path / "muse_ssvep" / "subject1" / "session1"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "run.csv").write_bytes(data.draw(mutated_table(_muse_csv(512, "Marker"))))
    out = expect_clean(lambda: load_muse_ssvep("subject1", "session1", "run.csv", tmp_path))
    if out is not None:
        assert out.data.shape[1] == 4 and len(out.onsets) == len(out.labels)


# ---------------------------------------------------------------------------------------------- SSVEPExo FIF
SESSION = "record-[2012.07.06-19.02.16]"


@pytest.fixture(scope="module")
def exo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import mne

    root = tmp_path_factory.mktemp("exo") / "ssvep_exo" / "subject01"
    root.mkdir(parents=True)
    rng = np.random.default_rng(4)
    info = mne.create_info([f"O{i}" for i in range(8)], 256.0, "eeg")
    raw = mne.io.RawArray(rng.standard_normal((8, 512)) * 1e-5, info, verbose="error")
    raw.save(root / f"{SESSION}_raw.fif", verbose="error")
    mne.write_events(root / f"{SESSION}-eve.fif", np.array([[10, 0, 2], [200, 0, 1], [300, 0, 4]]), verbose="error")
    return root.parent.parent


@pytest.mark.slow
@pytest.mark.parametrize("which", ["_raw.fif", "-eve.fif"])
@settings(deadline=None, max_examples=25, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_ssvep_exo_survives_mutated_files(exo_dir: Path, tmp_path: Path, which: str, data: st.DataObject) -> None:
    base = tmp_path / "data"
    if base.exists():
        shutil.rmtree(base)
    shutil.copytree(exo_dir, base)
    target = base / "ssvep_exo" / "subject01" / f"{SESSION}{which}"
    target.write_bytes(data.draw(mutated_table(target.read_bytes())))
    out = expect_clean(lambda: load_ssvep_exo("subject01", SESSION, base))
    if out is not None:
        assert out.data.ndim == 2 and len(out.onsets) == len(out.labels)


def test_ssvep_exo_valid_and_unknown_events(exo_dir: Path, tmp_path: Path) -> None:
    import mne

    rec = load_ssvep_exo("subject01", SESSION, exo_dir)
    assert rec.data.shape == (512, 8) and list(rec.labels) == [0, -1, 1]
    base = tmp_path / "data"
    shutil.copytree(exo_dir, base)
    mne.write_events(base / "ssvep_exo" / "subject01" / f"{SESSION}-eve.fif", np.array([[10, 0, 99]]),
                     overwrite=True, verbose="error")
    with pytest.raises(BciInputError, match="unknown event ids"):
        load_ssvep_exo("subject01", SESSION, base)


# ---------------------------------------------------------------------------------------------- numeric extremes
def _finite(value: str) -> bool:
    import math

    try:
        return math.isfinite(float(value)) and abs(float(value)) < 1e38  # float32 holds it
    except ValueError:
        return False


def _whole_int32(value: str) -> bool:
    try:
        number = float(value)
    except ValueError:
        return False
    return np.isfinite(number) and number.is_integer() and -(2**31) <= number < 2**31


def _set_field(text: bytes, line: int, column: int, value: str, sep: str = ",") -> bytes:
    lines = text.decode().split("\n")
    fields = lines[line].split(sep)
    fields[column] = value
    lines[line] = sep.join(fields)
    return "\n".join(lines).encode()


@pytest.mark.parametrize(
    ("name", "make", "read", "line", "data_col", "label_col"),
    [("muse.csv", _muse_csv, read_muse_csv, 12, 2, 6), ("myo.txt", _myo_txt, read_myo_file, 12, 1, 8),
     ("openbci.txt", _openbci_txt, read_openbci_txt, 12, 2, None)],
    ids=["muse", "myo", "openbci"],
)
def test_text_readers_numeric_extremes(tmp_path: Path, name: str, make: Callable[[], bytes],
                                       read: Callable[[Path], Any], line: int, data_col: int,
                                       label_col: int | None) -> None:
    # A sample must be finite (refused, not repaired: a decoder must not learn from invented samples) and a
    # label or marker code a whole number within int32; each refusal is one line naming the whole path.
    from _fuzz import NUMERIC_EXTREMES

    p = tmp_path / "sub" / name
    p.parent.mkdir()
    for column, valid in [(data_col, _finite), (label_col, _whole_int32)]:
        if column is None:
            continue
        for value in NUMERIC_EXTREMES:
            p.write_bytes(_set_field(make(), line, column, value))
            if valid(value):
                read(p)
                continue
            with pytest.raises(BciInputError) as info:
                read(p)
            assert str(p) in str(info.value) and "\n" not in str(info.value), (column, value[:20], info.value)


def test_openbci_sample_rate_extremes(tmp_path: Path) -> None:
    from _fuzz import NUMERIC_EXTREMES

    p = tmp_path / "o.txt"
    for value in [*NUMERIC_EXTREMES, "1e9", "abc"]:
        p.write_bytes(_openbci_txt().replace(b"Sample Rate = 250 Hz", f"Sample Rate = {value} Hz".encode()))
        with pytest.raises(BciInputError) as info:  # was: '1e300' read as 1 Hz, '1e9' accepted
            read_openbci_txt(p)
        assert str(p) in str(info.value), (value[:20], info.value)
    p.write_bytes(_openbci_txt().replace(b"Sample Rate = 250 Hz", b"Sample Rate = 250Hz"))
    assert read_openbci_txt(p).sfreq == 250.0


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -1.0, 0.0, 1e9, 1e-9])
def test_ssvep_exo_sampling_rate_extremes(exo_dir: Path, tmp_path: Path, value: float) -> None:
    base = tmp_path / "data"
    shutil.copytree(exo_dir, base)
    raw_path = base / "ssvep_exo" / "subject01" / f"{SESSION}_raw.fif"
    set_fif_sfreq(raw_path, raw_path, value)
    with pytest.raises(BciInputError, match="sfreq|Cannot read") as info:  # MNE itself refuses 0 Hz
        load_ssvep_exo("subject01", SESSION, base)
    assert str(raw_path) in str(info.value)
