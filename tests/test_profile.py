"""Per-patient profiles: exact round trip, schema validation, channel checks, safe export/import."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

from bci_input import ProfileError, StreamInfo
from bci_input.calibration import (
    Profile,
    export_profile,
    import_profile,
    list_profiles,
    load_profile,
    profiles_dir,
    save_profile,
)

INFO = StreamInfo(("Oz", "O1", "O2", "EMG1"), ("eeg", "eeg", "eeg", "emg"), 250.0, name="cyton")


def _profile() -> Profile:
    rng = np.random.default_rng(3)
    X = rng.standard_normal((40, 5))
    y = (X[:, 0] > 0).astype(int)
    lda = LinearDiscriminantAnalysis().fit(X, y)
    p = Profile.new("patient-01", INFO, board="cyton")
    p.set_paradigm(
        "ssvep",
        settings={"freqs": [8.0, 11.0], "window": [0.0, 2.0]},
        stopping_threshold=0.92,
        window_s=1.5,
        metrics={"accuracy": np.float64(0.875), "confusion": np.eye(2, dtype=int)},
        n_trials=40,
        decoder=lda,
        arrays={"X": rng.standard_normal((4, 10, 4)).astype(np.float32), "y": np.arange(4)},
    )
    p.set_paradigm("emg", settings={}, thresholds={"on_uv": 41.5, "off_uv": 20.0}, n_trials=10)
    return p


def test_round_trip_is_exact() -> None:
    p = _profile()
    folder = save_profile(p)
    assert folder == profiles_dir() / "patient-01"
    assert list_profiles() == ["patient-01"]
    q = load_profile("patient-01")
    assert q.meta == p.meta
    assert json.loads((folder / "profile.json").read_text()) == p.meta
    assert set(q.arrays) == set(p.arrays)
    for k in p.arrays:
        assert q.arrays[k].dtype == p.arrays[k].dtype
        np.testing.assert_array_equal(q.arrays[k], p.arrays[k])
    lda = q.decoder("ssvep")
    Xt = np.random.default_rng(0).standard_normal((7, 5))
    np.testing.assert_array_equal(lda.predict_proba(Xt), p.decoders["ssvep"].predict_proba(Xt))
    assert q.paradigm("emg")["thresholds"] == {"on_uv": 41.5, "off_uv": 20.0}
    with pytest.raises(ProfileError, match="no emg|thresholds only"):
        q.decoder("emg")
    with pytest.raises(ProfileError, match="no p300 calibration"):
        q.paradigm("p300")
    # Saving a loaded profile again (decoder not in memory) keeps everything.
    q2 = load_profile("patient-01")
    save_profile(q2)
    q3 = load_profile("patient-01")
    assert q3.meta == p.meta
    np.testing.assert_array_equal(q3.decoder("ssvep").coef_, p.decoders["ssvep"].coef_)


def test_channel_layout_mismatch_is_refused() -> None:
    save_profile(_profile())
    other = StreamInfo(("Fz", "Cz", "Pz", "EMG1"), ("eeg",) * 3 + ("emg",), 250.0)
    with pytest.raises(ProfileError, match="different channel layout.*Fz"):
        load_profile("patient-01", info=other)
    slower = StreamInfo(INFO.ch_names, INFO.ch_types, 125.0)
    with pytest.raises(ProfileError, match="sampling rate 125 Hz instead of 250 Hz"):
        load_profile("patient-01", info=slower)
    assert load_profile("patient-01", info=INFO).name == "patient-01"


@pytest.mark.parametrize(
    "corrupt, match",
    [
        (lambda f: (f / "profile.json").write_text("{not json"), "not valid JSON"),
        (lambda f: (f / "models.npz").write_bytes(b"garbage"), "corrupt"),
        (lambda f: _edit(f, lambda d: d.pop("channels")), "missing the required key 'channels'"),
        (lambda f: _edit(f, lambda d: d.update(schema_version=99)), "newer than this bci-input"),
        (lambda f: _edit(f, lambda d: d["channels"].update(sfreq="fast")), "channels.'sfreq'"),
        (lambda f: _edit(f, lambda d: d["paradigms"]["ssvep"].update(stopping_threshold=3)), "in \\(0, 1\\)"),
        (lambda f: _edit(f, lambda d: d.update(evil=1)), "unknown keys 'evil'"),
        (lambda f: _rm_tree(f / "decoders"), "lacks its ssvep decoder"),
    ],
)
def test_corrupted_profile_gives_clear_error(corrupt, match) -> None:
    folder = save_profile(_profile())
    corrupt(folder)
    with pytest.raises(ProfileError, match=match):
        load_profile("patient-01")


def test_pickled_array_is_refused() -> None:
    folder = save_profile(_profile())
    np.savez(folder / "models.npz", ssvep__X=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ProfileError, match="corrupt or unsafe"):
        load_profile("patient-01")


def _edit(folder: Path, fn) -> None:
    d = json.loads((folder / "profile.json").read_text())
    fn(d)
    (folder / "profile.json").write_text(json.dumps(d))


def _rm_tree(path: Path) -> None:
    import shutil

    shutil.rmtree(path)


def test_export_import_single_file(tmp_path: Path) -> None:
    p = _profile()
    save_profile(p)
    archive = export_profile("patient-01", tmp_path / "p.bciprofile.zip")
    with zipfile.ZipFile(archive) as zf:
        assert "profile.json" in zf.namelist() and "models.npz" in zf.namelist()
    other_root = tmp_path / "other_machine"
    q = import_profile(archive, root=other_root)
    assert q.meta == p.meta
    for k in p.arrays:
        np.testing.assert_array_equal(q.arrays[k], p.arrays[k])
    with pytest.raises(ProfileError, match="already exists"):
        import_profile(archive, root=other_root)
    r = import_profile(archive, name="patient-01b", root=other_root)
    assert r.name == "patient-01b" and sorted(list_profiles(other_root)) == ["patient-01", "patient-01b"]


@pytest.mark.parametrize("member", ["../evil.json", "/etc/passwd", "decoders/../../x", "run.py", ".hidden"])
def test_import_refuses_unsafe_members(tmp_path: Path, member: str) -> None:
    save_profile(_profile())
    good = export_profile("patient-01", tmp_path / "good.zip")
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for name in src.namelist():
            dst.writestr(name, src.read(name))
        dst.writestr(member, b"x")
    with pytest.raises(ProfileError, match="unsafe or unexpected member"):
        import_profile(bad, root=tmp_path / "r")
    assert not (tmp_path / "evil.json").exists()
    assert list_profiles(tmp_path / "r") == []


def test_import_refuses_non_zip_and_bad_names(tmp_path: Path) -> None:
    f = tmp_path / "x.zip"
    f.write_bytes(b"not a zip")
    with pytest.raises(ProfileError, match="not a readable zip"):
        import_profile(f)
    with pytest.raises(ProfileError, match="Invalid profile name"):
        Profile.new("../escape", INFO)
    with pytest.raises(ProfileError, match="Profile not found"):
        load_profile("nobody")
