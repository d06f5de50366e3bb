"""Fuzz tests (hypothesis) for the recording readers: CSV + events sidecar + JSON metadata, FIF/EDF/BDF playback
and the calibration's ``--from-recording`` reader.

Every mutated file must either load into a consistent object or raise the project's own error
(:class:`~bci_input.BciInputError` subclass) with a message: never another exception type, never a warning
(warnings are errors in the tests), never a hang.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from _fuzz import expect_clean, fuzz_settings
from _fuzz import mutated as _mutated
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bci_input import BciInputError, StreamInfo
from bci_input._types import Chunk
from bci_input.calibration import load_calibration_recording
from bci_input.recording import Recorder, Recording, export_recording, read_recording, sidecar_paths


def mutated_table(valid: bytes) -> st.SearchStrategy[bytes]:
    return _mutated(valid, table=True)


FUZZ = fuzz_settings()
INFO = StreamInfo(("C3", "Cz", "C4", "EMG"), ("eeg", "eeg", "eeg", "emg"), 250.0, name="fuzz")


# ---------------------------------------------------------------------------------------------- fixtures
def _write_recording(folder: Path) -> Path:
    rng = np.random.default_rng(0)
    path = folder / "rec.csv"
    with Recorder(path, INFO) as rec:
        for k in range(3):
            ts = 100.0 + (k * 20 + np.arange(20)) / INFO.sfreq
            markers = ((float(ts[5]), k + 1),)
            rec.write(Chunk(rng.standard_normal((20, 4)).astype(np.float32) * 10, ts, markers))
    return path


@pytest.fixture(scope="module")
def valid_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("valid_rec")
    path = _write_recording(folder)
    for fmt in ("fif", "edf", "bdf"):
        export_recording(path, folder / f"rec_raw.{fmt}" if fmt == "fif" else folder / f"rec.{fmt}")
    return folder


def _fresh_copy(valid_dir: Path, dest: Path) -> Path:
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(valid_dir, dest)
    return dest / "rec.csv"


def _check_recording(rec: Recording | None) -> None:
    if rec is None:
        return
    n_times, n_ch = rec.data.shape
    assert n_ch == rec.info.n_channels
    assert rec.timestamps.shape == (n_times,)
    assert rec.events.ndim == 2 and rec.events.shape[1] == 2
    assert rec.info.sfreq > 0


# ---------------------------------------------------------------------------------------------- the tests
def test_valid_recording_reads(valid_dir: Path) -> None:
    rec = read_recording(valid_dir / "rec.csv")
    assert rec.data.shape == (60, 4) and len(rec.events) == 3


@pytest.mark.parametrize("which", ["csv", "events", "meta"])
@FUZZ
@given(data=st.data())
def test_read_recording_survives_mutated_files(
    valid_dir: Path, tmp_path: Path, which: str, data: st.DataObject
) -> None:
    csv = _fresh_copy(valid_dir, tmp_path / "rec")
    events, meta = sidecar_paths(csv)
    target = {"csv": csv, "events": events, "meta": meta}[which]
    target.write_bytes(data.draw(mutated_table(target.read_bytes())))
    _check_recording(expect_clean(lambda: read_recording(csv)))


_META_EDITS: list[tuple[str, Any]] = [
    ("sfreq", 0),
    ("sfreq", -250.0),
    ("sfreq", "fast"),
    ("sfreq", None),
    ("sfreq", 1e308),
    ("ch_names", []),
    ("ch_names", ["C3", "Cz"]),  # wrong channel count for the layout
    ("ch_names", [1, 2, 3, 4]),
    ("ch_types", ["eeg"] * 4 + ["eeg"]),
    ("ch_types", "eeg"),
    ("layout", {"n_rows": 10_000_000, "channel_rows": [1, 2, 3, 4], "timestamp_row": 5, "marker_row": 6}),
    ("layout", {"n_rows": 7, "channel_rows": [1, 2, 3, 99], "timestamp_row": 5, "marker_row": 6}),
    ("layout", {"n_rows": 7, "channel_rows": [-1, 2, 3, 4], "timestamp_row": 5, "marker_row": 6}),
    ("layout", {"n_rows": 7, "channel_rows": [1, 2, 3, 4], "timestamp_row": 50, "marker_row": 6}),
    ("layout", {"n_rows": 7, "channel_rows": [1.5, 2, 3, 4], "timestamp_row": 5, "marker_row": 6}),
    ("layout", {"n_rows": "7", "channel_rows": "1234", "timestamp_row": 5, "marker_row": 6}),
    ("layout", {"n_rows": 7, "channel_rows": [1, 2, 3, 4], "timestamp_row": 5, "marker_row": 6, "evil": 1}),
    ("layout", []),
    ("layout", None),
    ("board_id", "cyton"),
    ("name", ["x"]),
]


@pytest.mark.parametrize(("key", "value"), _META_EDITS, ids=[f"{k}={str(v)[:20]}" for k, v in _META_EDITS])
def test_read_recording_wrong_metadata(valid_dir: Path, tmp_path: Path, key: str, value: Any) -> None:
    csv = _fresh_copy(valid_dir, tmp_path / "rec")
    _, meta_path = sidecar_paths(csv)
    meta = json.loads(meta_path.read_text())
    meta[key] = value
    meta_path.write_text(json.dumps(meta))
    _check_recording(expect_clean(lambda: read_recording(csv)))


@FUZZ
@given(meta=st.recursive(st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=5),
                         lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=8), c, max_size=6),
                         max_leaves=12))
def test_read_recording_arbitrary_json_metadata(valid_dir: Path, tmp_path: Path, meta: Any) -> None:
    csv = _fresh_copy(valid_dir, tmp_path / "rec")
    sidecar_paths(csv)[1].write_text(json.dumps(meta))
    _check_recording(expect_clean(lambda: read_recording(csv)))


def test_read_recording_huge_line_and_many_columns(valid_dir: Path, tmp_path: Path) -> None:
    csv = _fresh_copy(valid_dir, tmp_path / "rec")
    csv.write_bytes(b"1.0\t" * 1_000_000 + b"\n")  # one 4 MB line declaring a million columns
    with pytest.raises(BciInputError, match="values, expected"):
        read_recording(csv)
    csv.write_bytes(b"9" * 3_000_000 + b"\n")  # a single 3 MB number
    with pytest.raises(BciInputError):
        read_recording(csv)


def test_read_recording_nan_and_inf_values_load_as_numbers(valid_dir: Path, tmp_path: Path) -> None:
    csv = _fresh_copy(valid_dir, tmp_path / "rec")
    lines = csv.read_text().splitlines()
    fields = lines[3].split("\t")
    fields[1], fields[2] = "nan", "inf"
    lines[3] = "\t".join(fields)
    csv.write_text("\n".join(lines) + "\n")
    rec = read_recording(csv)
    assert np.isnan(rec.data[3, 0]) and np.isinf(rec.data[3, 1])


def test_read_recording_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(BciInputError, match="not found"):
        read_recording(tmp_path / "nope.csv")
    d = tmp_path / "dir.csv"
    d.mkdir()
    (tmp_path / "dir.json").write_text(json.dumps({"x": 1}))
    expect_clean(lambda: read_recording(d))


# ---------------------------------------------------------------------------------------------- MNE files
def _playback_loader() -> Callable[[Path], Any]:
    hw = pytest.importorskip("bci_input.hardware")
    return hw.load_playback_file


@pytest.mark.slow
@pytest.mark.parametrize("name", ["rec_raw.fif", "rec.edf", "rec.bdf"])
@settings(deadline=None, max_examples=25, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_playback_reader_survives_mutated_mne_files(valid_dir: Path, tmp_path: Path, name: str,
                                                   data: st.DataObject) -> None:
    load = _playback_loader()
    src = (valid_dir / name).read_bytes()
    target = tmp_path / name
    target.write_bytes(data.draw(mutated_table(src)))
    _check_recording(expect_clean(lambda: load(target)))


def test_playback_reader_unknown_and_missing(tmp_path: Path) -> None:
    load = _playback_loader()
    with pytest.raises(BciInputError, match="not found"):
        load(tmp_path / "missing.edf")
    (tmp_path / "x.exe").write_bytes(b"MZ")
    with pytest.raises(BciInputError, match="unknown file type"):
        load(tmp_path / "x.exe")


def _edf_header_edit(src: bytes, offset: int, width: int, value: bytes) -> bytes:
    b = bytearray(src)
    b[offset : offset + width] = value.ljust(width)[:width]
    return bytes(b)


# EDF main header fields: n_records at 236 (8 bytes), record duration at 244 (8), n_signals at 252 (4).
_EDF_EDITS = [
    (236, 8, b"99999999"),  # a huge declared number of records
    (236, 8, b"-1"),
    (244, 8, b"0"),  # zero record duration: infinite sample rate
    (244, 8, b"nan"),
    (252, 4, b"9999"),  # a huge declared channel count
    (252, 4, b"0"),
    (184, 8, b"abc"),  # header size not a number
]


@pytest.mark.parametrize("fmt", ["edf", "bdf"])
@pytest.mark.parametrize(("offset", "width", "value"), _EDF_EDITS)
def test_playback_reader_wrong_edf_header(valid_dir: Path, tmp_path: Path, fmt: str, offset: int, width: int,
                                          value: bytes) -> None:
    load = _playback_loader()
    target = tmp_path / f"rec.{fmt}"
    target.write_bytes(_edf_header_edit((valid_dir / f"rec.{fmt}").read_bytes(), offset, width, value))
    _check_recording(expect_clean(lambda: load(target)))


# ------------------------------------------------------------------------------------ calibrate --from-recording
@pytest.mark.slow
@pytest.mark.parametrize("name", ["rec.csv", "rec_raw.fif", "rec.edf", "rec.bdf"])
@settings(deadline=None, max_examples=15, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_calibration_reader_survives_mutated_files(valid_dir: Path, tmp_path: Path, name: str,
                                                  data: st.DataObject) -> None:
    csv = _fresh_copy(valid_dir, tmp_path / "rec")
    target = csv.parent / name
    target.write_bytes(data.draw(mutated_table(target.read_bytes())))
    out = expect_clean(lambda: load_calibration_recording(target, "ssvep"))
    if out is not None:
        rec = out[0]
        assert rec.data.ndim == 2 and rec.data.shape[1] == rec.info.n_channels


@pytest.mark.parametrize(("offset", "width", "value"), _EDF_EDITS)
def test_calibration_reader_wrong_edf_header(valid_dir: Path, tmp_path: Path, offset: int, width: int,
                                             value: bytes) -> None:
    target = tmp_path / "rec.edf"
    target.write_bytes(_edf_header_edit((valid_dir / "rec.edf").read_bytes(), offset, width, value))
    expect_clean(lambda: load_calibration_recording(target, "mi"))


def test_calibration_reader_bad_sidecar(valid_dir: Path, tmp_path: Path) -> None:
    csv = _fresh_copy(valid_dir, tmp_path / "rec")
    side = csv.with_name("rec.calibration.json")
    for text in ["{", "[]", '{"spec": 3}', '{"spec": {"name": "ssvep", "freqs": "x"}}', "\xff"]:
        side.write_text(text, encoding="latin-1")
        expect_clean(lambda: load_calibration_recording(csv, "ssvep"))


@pytest.mark.timeout(60)
def test_fif_with_a_looping_tag_chain_is_refused_not_read_forever(valid_dir: Path, tmp_path: Path) -> None:
    # Found by fuzzing: with its directory pointer damaged, MNE walks the tag chain, and a tag that
    # points back to itself made that walk loop forever (a frozen app on a damaged file).
    import struct

    from bci_input._fif import check_fif_chain

    raw = bytearray((valid_dir / "rec_raw.fif").read_bytes())
    check_fif_chain(valid_dir / "rec_raw.fif")  # the intact file passes
    first_size = struct.unpack(">i", raw[8:12])[0]
    second = 16 + first_size  # the directory-pointer tag follows the file-id tag
    raw[second + 12 : second + 16] = struct.pack(">i", second)  # next -> itself
    raw[second + 16 : second + 20] = struct.pack(">i", -1)  # no tag directory: MNE walks the chain
    target = tmp_path / "loop_raw.fif"
    target.write_bytes(bytes(raw))
    with pytest.raises(BciInputError, match="damaged"):
        check_fif_chain(target)
    with pytest.raises(BciInputError, match="damaged"):
        load_calibration_recording(target, "ssvep")
