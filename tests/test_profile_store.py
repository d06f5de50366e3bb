"""The profile store: no profile name can touch another profile's files, and old stores are migrated.

Profiles live in ``<data>/profiles/<name>/`` and calibration recordings in ``<data>/recordings/<name>/``.
Everything here runs on real folders on disk and, where a person would use it, the real CLI.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest

from bci_input import ProfileError, StreamInfo
from bci_input.calibration import (
    Profile,
    delete_profile,
    export_profile,
    import_profile,
    list_profiles,
    load_profile,
    profiles_dir,
    recordings_dir,
    save_profile,
)
from bci_input.cli import main
from bci_input.settings import user_data_dir

INFO = StreamInfo(("Oz", "O1"), ("eeg", "eeg"), 250.0, name="cyton")


def _profile(name: str) -> Profile:
    p = Profile.new(name, INFO, board="cyton")
    p.set_paradigm("emg", settings={}, thresholds={"on_uv": 41.5, "off_uv": 20.0}, n_trials=10)
    return p


def _tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` and the hash of its content."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _others(tree: dict[str, str], name: str) -> dict[str, str]:
    """The part of a data-folder tree that does not belong to profile ``name``."""
    own = (f"profiles/{name}/", f"recordings/{name}/")
    return {k: v for k, v in tree.items() if not k.startswith(own)}


def _recording(name: str, stamp: str = "20261201-101010") -> Path:
    folder = recordings_dir(name)
    folder.mkdir(parents=True, exist_ok=True)
    csv = folder / f"{name}-emg-{stamp}.csv"
    csv.write_text("0.0\t1.0\t2.0\n")
    (folder / f"{name}-emg-{stamp}.events.tsv").write_text("onset\tcode\n0.5\t1\n")
    return csv


def test_cli_profile_named_recordings_leaves_every_other_recording(tmp_path: Path, capsys) -> None:
    """The reproduction: calibrate, delete and import --overwrite a profile named 'recordings'."""
    assert main(["calibrate", "--paradigm", "emg", "--profile", "patient-01", "--simulated", "--trials", "6",
                 "--quiet"]) == 0
    data = user_data_dir()
    theirs = _tree(recordings_dir("patient-01"))
    assert any(k.endswith(".csv") for k in theirs), theirs  # the default recording went to its own folder
    before = _others(_tree(data), "recordings")

    assert main(["calibrate", "--paradigm", "emg", "--profile", "recordings", "--simulated", "--trials", "6",
                 "--quiet"]) == 0
    assert load_profile("recordings").paradigms == ["emg"]
    assert any(recordings_dir("recordings").glob("recordings-emg-*.csv"))
    assert _others(_tree(data), "recordings") == before
    assert main(["profile", "export", "recordings", str(tmp_path / "r.zip")]) == 0
    assert main(["profile", "import", str(tmp_path / "r.zip"), "--overwrite"]) == 0
    assert _others(_tree(data), "recordings") == before
    assert main(["profile", "delete", "recordings", "--yes"]) == 0
    out = capsys.readouterr().out
    assert "calibration recordings are kept" in out
    assert _others(_tree(data), "recordings") == before
    assert _tree(recordings_dir("patient-01")) == theirs
    assert list_profiles() == ["patient-01"]


# Every internal name of the store, the names of its namespaces, and their case variants.
_NAMES = ["recordings", "Recordings", "RECORDINGS", "profiles", "Profiles", "decoders", "profile.json",
          "models.npz", "PATIENT-01", "Patient-01", "patient-01.old", "import", "replaced", "unsorted"]
_INVALID = ["_unsorted", ".import", ".patient-01.old", "..", ".", "patient-01/..", "recordings/patient-01", ""]


@pytest.mark.parametrize("name", _NAMES)
def test_no_profile_name_touches_another_profiles_files(name: str, tmp_path: Path) -> None:
    data = user_data_dir()
    save_profile(_profile("patient-01"))
    _recording("patient-01")
    (data / "recordings" / "_unsorted").mkdir(parents=True)
    (data / "recordings" / "_unsorted" / "old.csv").write_text("1\n")
    before = _tree(data)
    archive = export_profile("patient-01", tmp_path / "p.zip")
    try:
        save_profile(_profile(name))
        import_profile(archive, name=name, overwrite=True)
        _recording(name)
        delete_profile(name)
    except ProfileError as exc:  # a name that differs from an existing one only in case is refused outright
        assert name.casefold() == "patient-01", exc
        assert "differs only in letter case" in str(exc)
    after = _tree(data)
    assert _others(after, name) == before
    assert not any(k.startswith(f"profiles/{name}/") for k in after)
    assert load_profile("patient-01").paradigms == ["emg"]


@pytest.mark.parametrize("name", _INVALID)
def test_names_of_the_stores_internal_folders_are_refused(name: str, tmp_path: Path) -> None:
    save_profile(_profile("patient-01"))
    _recording("patient-01")
    before = _tree(user_data_dir())
    archive = export_profile("patient-01", tmp_path / "p.zip")
    for action in (lambda: save_profile(_profile(name)), lambda: import_profile(archive, name=name, overwrite=True),
                   lambda: delete_profile(name), lambda: recordings_dir(name)):
        with pytest.raises(ProfileError, match="Invalid profile name"):
            action()
    assert _tree(user_data_dir()) == before


def _old_layout(root: Path) -> dict[str, bytes]:
    """Write a store in the old layout: every profile's recordings in ``<root>/recordings/``."""
    save_profile(_profile("patient-01"), root)
    old = root / "recordings"
    old.mkdir()
    files = {
        "patient-01-ssvep-20261201-101010.csv": b"1\t2\n",
        "patient-01-ssvep-20261201-101010.events.tsv": b"onset\tcode\n",
        "patient-01-ssvep-20261201-101010.calibration.json": b"{}",
        "patient-01-ssvep-20261201-101010.json": b'{"sfreq": 250}',
        "pat-2.b-emg-20261202-111111.csv": b"3\n",
        "notes.txt": b"written by hand",
    }
    for n, payload in files.items():
        (old / n).write_bytes(payload)
    return files


def test_old_layout_is_migrated_on_first_open_and_again_is_a_no_op(tmp_path: Path) -> None:
    root = tmp_path / "data" / "profiles"
    files = _old_layout(root)
    profile_files = _tree(root / "patient-01")
    assert list_profiles(root) == ["patient-01"]  # the first open moves the recordings
    new = tmp_path / "data" / "recordings"
    assert not (root / "recordings").exists()
    where = {n: ("patient-01" if n.startswith("patient-01") else "pat-2.b" if n.startswith("pat-2.b") else
                 "_unsorted") for n in files}
    for n, payload in files.items():
        assert (new / where[n] / n).read_bytes() == payload
    assert _tree(root / "patient-01") == profile_files
    moved = _tree(tmp_path / "data")
    assert list_profiles(root) == ["patient-01"]
    load_profile("patient-01", root)
    assert _tree(tmp_path / "data") == moved  # idempotent
    # Now a profile may be called 'recordings': its save and delete leave the recordings alone.
    save_profile(_profile("recordings"), root)
    delete_profile("recordings", root)
    assert _tree(tmp_path / "data") == moved


def test_interrupted_migration_finishes_without_overwriting(tmp_path: Path) -> None:
    root = tmp_path / "data" / "profiles"
    files = _old_layout(root)
    first = "patient-01-ssvep-20261201-101010.csv"
    new = tmp_path / "data" / "recordings" / "patient-01"
    new.mkdir(parents=True)
    (root / "recordings" / first).rename(new / first)  # moved before the interruption
    (new / "pat-2.b-emg-20261202-111111.csv").write_bytes(b"another file of the same name")
    list_profiles(root)
    assert (new / first).read_bytes() == files[first]
    assert not (root / "recordings").exists()
    assert sorted(p.name for p in new.iterdir()) == sorted(
        [n for n in files if n.startswith("patient-01")] + ["pat-2.b-emg-20261202-111111.csv"])
    assert (tmp_path / "data" / "recordings" / "pat-2.b" / "pat-2.b-emg-20261202-111111.csv").read_bytes() == b"3\n"


def test_old_profile_named_recordings_keeps_its_files_and_loses_the_others(tmp_path: Path) -> None:
    """An old store where a profile called 'recordings' shared its folder with everyone's recordings."""
    root = tmp_path / "data" / "profiles"
    save_profile(_profile("recordings"), root)
    (root / "recordings" / "patient-01-emg-20261201-101010.csv").write_bytes(b"5\n")
    assert list_profiles(root) == ["recordings"]
    assert sorted(p.name for p in (root / "recordings").iterdir()) == ["models.npz", "profile.json"]
    assert (tmp_path / "data" / "recordings" / "patient-01" / "patient-01-emg-20261201-101010.csv").read_bytes() \
        == b"5\n"
    delete_profile("recordings", root)
    assert (tmp_path / "data" / "recordings" / "patient-01" / "patient-01-emg-20261201-101010.csv").exists()


def test_cli_uses_the_migrated_store(capsys) -> None:
    root = profiles_dir()
    _old_layout(root)
    assert main(["profile", "list"]) == 0
    assert capsys.readouterr().out.split() == ["patient-01"]
    assert (user_data_dir() / "recordings" / "patient-01" / "patient-01-ssvep-20261201-101010.csv").exists()
    assert main(["profile", "delete", "patient-01", "--yes"]) == 0
    assert "calibration recordings are kept" in capsys.readouterr().out
    assert (user_data_dir() / "recordings" / "patient-01" / "patient-01-ssvep-20261201-101010.csv").exists()


def test_import_refuses_a_case_variant_of_an_existing_profile(tmp_path: Path, capsys) -> None:
    save_profile(_profile("patient-01"))
    archive = export_profile("patient-01", tmp_path / "p.zip")
    with zipfile.ZipFile(archive) as zf:
        meta = json.loads(zf.read("profile.json"))
    assert meta["name"] == "patient-01"
    assert main(["profile", "import", str(archive), "--name", "Patient-01", "--overwrite"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "differs only in letter case" in err[0]
    assert list_profiles() == ["patient-01"]


def test_loading_a_profile_by_path_never_moves_files_next_to_it(tmp_path: Path) -> None:
    """Only a store is migrated: a folder given by path is read, and its neighbours are left alone."""
    (tmp_path / "recordings").mkdir()
    (tmp_path / "recordings" / "mine-emg-20261201-101010.csv").write_text("1\n")
    with pytest.raises(ProfileError, match="Profile not found"):
        load_profile(tmp_path / "patient-01")
    folder = save_profile(_profile("patient-01"), tmp_path / "store")
    load_profile(folder)
    export_profile(folder, tmp_path / "p.zip")
    assert (tmp_path / "recordings" / "mine-emg-20261201-101010.csv").read_text() == "1\n"
    assert not (tmp_path / "store" / "recordings").exists()
