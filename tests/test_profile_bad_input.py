"""``bci-input profile import/show`` on bad input: exit 2 and one line naming the file, never a traceback.

Covers the reproductions of issue 18: deep nesting, a 5,000-digit integer, a threshold of 1e400, a file
and a folder of one name in the zip, a profile with sfreq 10^400 (refused on import, and reported by
``show`` when it is already on disk), and an import onto a full disk (a real tmpfs).
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest
from _disk import fill_disk

from bci_input import StreamInfo
from bci_input.calibration import Profile, export_profile, list_profiles, profiles_dir, save_profile
from bci_input.cli import main

INFO = StreamInfo(("Oz", "O1"), ("eeg", "eeg"), 250.0, name="cyton")


def _meta_text() -> str:
    p = Profile.new("patient-01", INFO, board="cyton")
    p.set_paradigm("emg", settings={}, thresholds={"on_uv": 41.5, "off_uv": 20.0}, n_trials=10)
    return json.dumps(p.meta)


def _zip(path: Path, text: str, extra: dict[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("profile.json", text)
        for name, payload in (extra or {}).items():
            zf.writestr(name, payload)
    return path


def _one_line_error(capsys: pytest.CaptureFixture[str], *names: str) -> str:
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("bci-input: error: ") and "Traceback" not in err and "internal error" not in err
    for name in names:
        assert name in lines[0], lines[0]
    return lines[0]


_CASES = {
    "deep": (lambda t: t.replace('"ui": {}', '"ui": {"a": ' + "[" * 100_000 + "]" * 100_000 + "}"), "nests"),
    "digits": (lambda t: t.replace('"n_trials": 10', '"n_trials": ' + "9" * 5000), "n_trials"),
    "threshold": (lambda t: t.replace("41.5", "1e400"), "thresholds.on_uv"),
    "sfreq": (lambda t: t.replace("250.0", "1" + "0" * 400), "channels.sfreq"),
    "nan": (lambda t: t.replace("20.0", "NaN"), "thresholds.off_uv"),
    "surrogate": (lambda t: t.replace('"board": "cyton"', '"board": "\\ud800"'), "'board'"),
}


@pytest.mark.parametrize("case", list(_CASES))
def test_import_of_bad_numbers_and_nesting_exits_2_with_one_line(case: str, tmp_path: Path, capsys) -> None:
    edit, key = _CASES[case]
    text = _meta_text()
    bad = edit(text)
    assert bad != text
    archive = _zip(tmp_path / f"{case}.zip", bad)
    assert main(["profile", "import", str(archive)]) == 2
    _one_line_error(capsys, str(archive), "profile.json", key)
    assert list_profiles() == []
    assert not profiles_dir().exists() or not any(profiles_dir().iterdir())


def test_import_of_a_file_and_a_folder_of_one_name_exits_2(tmp_path: Path, capsys) -> None:
    archive = _zip(tmp_path / "ff.zip", _meta_text(), {"decoders/a": b"1", "decoders/a/b": b"2"})
    assert main(["profile", "import", str(archive)]) == 2
    _one_line_error(capsys, str(archive), "'decoders/a'", "file and a folder")
    assert not profiles_dir().exists() or not any(profiles_dir().iterdir())


def test_show_of_a_profile_on_disk_with_sfreq_10_to_the_400_exits_2(capsys) -> None:
    folder = save_profile(Profile.new("patient-01", INFO, board="cyton"))
    text = (folder / "profile.json").read_text()
    (folder / "profile.json").write_text(text.replace("250.0", "1" + "0" * 400))
    assert main(["profile", "show", "patient-01"]) == 2
    _one_line_error(capsys, str(folder / "profile.json"), "channels.sfreq", "Allowed range")


def _big_profile(tmp_path: Path) -> Path:
    p = Profile.new("patient-01", INFO, board="cyton")
    x = np.random.default_rng(0).standard_normal((40, 500, 2)).astype(np.float32)  # 160 kB, incompressible
    p.set_paradigm("emg", settings={}, thresholds={"on_uv": 41.5}, n_trials=40, arrays={"X": x})
    return export_profile(save_profile(p, tmp_path / "src"), tmp_path / "big.zip")


def test_import_on_a_full_disk_exits_2_and_leaves_nothing(tiny_disk: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    archive = _big_profile(tmp_path)
    monkeypatch.setenv("BCI_INPUT_HOME", str(tiny_disk))
    small = Profile.new("patient-01", INFO, board="cyton")
    save_profile(small)  # an existing profile that --overwrite must not lose
    before = {p: p.read_bytes() for p in profiles_dir().rglob("*") if p.is_file()}
    assert main(["profile", "import", str(archive), "--overwrite"]) == 2
    _one_line_error(capsys, str(archive), "No space left")
    assert {p: p.read_bytes() for p in profiles_dir().rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in profiles_dir().iterdir()) == ["patient-01"]
    stray = [p for p in tiny_disk.rglob("*") if p.name.startswith(".") or p.name.endswith(".tmp")]
    assert stray == []
    # With less space still (a disk filled to the last block), the same.
    filler = fill_disk(tiny_disk)
    assert main(["profile", "import", str(archive), "--name", "patient-02"]) == 2
    _one_line_error(capsys, str(archive))
    assert sorted(p.name for p in profiles_dir().iterdir()) == ["patient-01"]
    os.unlink(filler)
