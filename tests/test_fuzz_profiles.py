"""Fuzz tests (hypothesis) for patient profiles (folder and ``.zip`` import) and saved decoder files.

Every mutated profile or decoder must either load or raise the project's own error with a message:
never another exception type, never a warning, never a hang, never code execution, never a file
written outside the profiles folder. Through the CLI (numeric extremes, nesting depth, truncation at
every tenth, a nearly full disk) the result is exit 0 with a loadable profile, or exit 2 with one line
naming the archive and the problem, and nothing written.
"""

from __future__ import annotations

import json
import shutil
import struct
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from _disk import fill_disk
from _fuzz import NUMERIC_EXTREMES, assert_one_line_error, expect_clean, fuzz_settings, mutated, tenths
from hypothesis import given
from hypothesis import strategies as st
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

from bci_input import BciInputError, StreamInfo
from bci_input.calibration import (
    Profile,
    delete_profile,
    export_profile,
    import_profile,
    load_profile,
    profiles_dir,
    save_profile,
)
from bci_input.calibration._schema import MAX_DEPTH
from bci_input.cli import main
from bci_input.decoding import load_decoder, save_decoder
from bci_input.settings import user_data_dir

FUZZ = fuzz_settings()
INFO = StreamInfo(("Oz", "O1", "O2", "EMG1"), ("eeg", "eeg", "eeg", "emg"), 250.0, name="cyton")
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=6),
    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=8), c, max_size=5),
    max_leaves=10,
)


def _profile() -> Profile:
    rng = np.random.default_rng(3)
    X = rng.standard_normal((40, 5))
    lda = LinearDiscriminantAnalysis().fit(X, (X[:, 0] > 0).astype(int))
    p = Profile.new("patient-01", INFO, board="cyton")
    p.set_paradigm("ssvep", settings={"freqs": [8.0, 11.0]}, stopping_threshold=0.9, window_s=1.5, n_trials=40,
                   decoder=lda, arrays={"X": rng.standard_normal((2, 5, 4)).astype(np.float32), "y": np.arange(2)})
    p.set_paradigm("emg", settings={}, thresholds={"on_uv": 41.5, "off_uv": 20.0}, n_trials=10)
    return p


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("profiles")
    folder = save_profile(_profile(), root)
    archive = export_profile(folder, root.parent / "p.bciprofile.zip")
    dec = save_decoder(LinearDiscriminantAnalysis().fit(np.eye(6), [0, 1] * 3), root.parent / "dec" / "lda")
    return {"folder": folder, "archive": archive, "decoder": dec.parent}


def _copy(src: Path, dst: Path) -> Path:
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src, dst)
    return dst


def _use(profile: Any) -> None:
    """Touch everything a loaded profile offers (a corrupt decoder shows up here)."""
    if profile is None:
        return
    assert profile.info.n_channels >= 1
    for paradigm in profile.paradigms:
        profile.paradigm_arrays(paradigm)
        if profile.paradigm(paradigm)["decoder"] is not None:
            expect_clean(lambda p=paradigm: profile.decoder(p))


# ---------------------------------------------------------------------------------------------- profile folders
def test_valid_profile_loads(saved: dict[str, Path]) -> None:
    p = load_profile(saved["folder"])
    assert p.paradigms == ["ssvep", "emg"] or sorted(p.paradigms) == ["emg", "ssvep"]
    assert hasattr(p.decoder("ssvep"), "predict_proba")


@pytest.mark.parametrize("which", ["profile.json", "models.npz", "decoder-json", "decoder-npz"])
@FUZZ
@given(data=st.data())
def test_load_profile_survives_mutated_files(saved: dict[str, Path], tmp_path: Path, which: str,
                                            data: st.DataObject) -> None:
    folder = _copy(saved["folder"], tmp_path / "patient-01")
    decs = sorted((folder / "decoders").rglob("*"))
    target = {
        "profile.json": folder / "profile.json",
        "models.npz": folder / "models.npz",
        "decoder-json": next(p for p in decs if p.suffix == ".json"),
        "decoder-npz": next(p for p in decs if p.suffix == ".npz"),
    }[which]
    target.write_bytes(data.draw(mutated(target.read_bytes())))
    _use(expect_clean(lambda: load_profile(folder)))


_TOP_KEYS = ["schema_version", "name", "created", "updated", "board", "channels", "paradigms", "ui"]


@FUZZ
@given(key=st.sampled_from(_TOP_KEYS + ["channels.sfreq", "channels.names", "channels.types", "paradigms.ssvep",
                                        "paradigms.ssvep.decoder", "paradigms.ssvep.settings",
                                        "paradigms.emg.thresholds", "paradigms.evil"]),
       value=JSON_VALUES)
def test_load_profile_schema_violations(saved: dict[str, Path], tmp_path: Path, key: str, value: Any) -> None:
    folder = _copy(saved["folder"], tmp_path / "patient-01")
    meta = json.loads((folder / "profile.json").read_text())
    *parents, last = key.split(".")
    node = meta
    for k in parents:
        node = node[k]
    node[last] = value
    (folder / "profile.json").write_text(json.dumps(meta))
    _use(expect_clean(lambda: load_profile(folder)))


def test_load_profile_wrong_rate_and_channel_count(saved: dict[str, Path], tmp_path: Path) -> None:
    for edit in [{"sfreq": 0}, {"sfreq": -1}, {"sfreq": float("nan")}, {"names": ["Oz"]}, {"types": ["eeg"] * 9}]:
        folder = _copy(saved["folder"], tmp_path / "patient-01")
        meta = json.loads((folder / "profile.json").read_text())
        meta["channels"].update(edit)
        (folder / "profile.json").write_text(json.dumps(meta))
        with pytest.raises(BciInputError):
            load_profile(folder)
    other = StreamInfo(INFO.ch_names, INFO.ch_types, 500.0)
    with pytest.raises(BciInputError, match="sampling rate"):
        load_profile(saved["folder"], info=other)


def test_load_profile_refuses_pickled_arrays(saved: dict[str, Path], tmp_path: Path) -> None:
    folder = _copy(saved["folder"], tmp_path / "patient-01")
    np.savez(folder / "models.npz", ssvep__X=np.array([object()], dtype=object))
    with pytest.raises(BciInputError, match="corrupt or unsafe"):
        load_profile(folder)


# ---------------------------------------------------------------------------------------------- profile archives
@FUZZ
@given(data=st.data())
def test_import_profile_survives_mutated_archives(saved: dict[str, Path], tmp_path: Path, data: st.DataObject) -> None:
    root = tmp_path / "root"
    if root.exists():
        shutil.rmtree(root)
    archive = tmp_path / "in.zip"
    archive.write_bytes(data.draw(mutated(saved["archive"].read_bytes())))
    _use(expect_clean(lambda: import_profile(archive, root=root)))
    assert not any(p.name.startswith(".import") for p in root.glob(".*")) if root.exists() else True


def _zip(path: Path, members: dict[str, bytes], symlink: str | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, payload in members.items():
            zf.writestr(name, payload)
        if symlink is not None:
            zi = zipfile.ZipInfo(symlink)
            zi.external_attr = (0o120777 << 16)
            zf.writestr(zi, "/etc/passwd")
    return path


_EVIL_NAMES = ["../evil.txt", "/tmp/evil.txt", "decoders/../../evil.txt", "..\\evil.txt", "C:evil.txt",
               "decoders/.hidden", "profile.json/../x", "decoders/a/b/c/d", "evil.py"]


@pytest.mark.parametrize("name", _EVIL_NAMES)
def test_import_profile_refuses_path_traversal(saved: dict[str, Path], tmp_path: Path, name: str) -> None:
    with zipfile.ZipFile(saved["archive"]) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    members[name] = b"print('owned')"
    root = tmp_path / "root"
    with pytest.raises(BciInputError, match="unsafe|unexpected"):
        import_profile(_zip(tmp_path / "evil.zip", members), root=root)
    assert not (tmp_path / "evil.txt").exists() and not Path("/tmp/evil.txt").exists()
    assert not list(root.glob("*")) if root.exists() else True


def test_import_profile_refuses_symlink(saved: dict[str, Path], tmp_path: Path) -> None:
    with zipfile.ZipFile(saved["archive"]) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    with pytest.raises(BciInputError, match="unsafe"):
        import_profile(_zip(tmp_path / "l.zip", members, symlink="decoders/link"), root=tmp_path / "root")


def _patch_declared_size(path: Path, member: str, size: int) -> None:
    """Write ``size`` as the uncompressed size of ``member`` in the central directory."""
    raw = bytearray(path.read_bytes())
    name = member.encode()
    pos = raw.find(b"PK\x01\x02" + b"")
    while pos != -1:
        n_len = struct.unpack_from("<H", raw, pos + 28)[0]
        if bytes(raw[pos + 46 : pos + 46 + n_len]) == name:
            struct.pack_into("<I", raw, pos + 24, size)
        pos = raw.find(b"PK\x01\x02", pos + 4)
    path.write_bytes(bytes(raw))


def test_import_profile_huge_declared_size_and_zip_bomb(saved: dict[str, Path], tmp_path: Path) -> None:
    archive = tmp_path / "big.zip"
    shutil.copy(saved["archive"], archive)
    _patch_declared_size(archive, "profile.json", 0xFFFFFFF0)
    with pytest.raises(BciInputError, match="too large"):
        import_profile(archive, root=tmp_path / "r1")
    # a member that declares a tiny size but inflates to more than the limit must stop at the limit
    import bci_input.calibration._archive as prof

    with zipfile.ZipFile(saved["archive"]) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    members["decoders/pad.json"] = b"0" * (2 * 1024 * 1024)
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for n, payload in members.items():
            zf.writestr(n, payload)
    _patch_declared_size(bomb, "decoders/pad.json", 10)
    old = prof.MAX_MEMBER_BYTES
    prof.MAX_MEMBER_BYTES = 1024 * 1024
    try:
        expect_clean(lambda: import_profile(bomb, root=tmp_path / "r2"))
        with pytest.raises(BciInputError):
            import_profile(bomb, root=tmp_path / "r2")
    finally:
        prof.MAX_MEMBER_BYTES = old


def test_import_profile_many_members_and_not_a_zip(tmp_path: Path) -> None:
    members = {f"decoders/f{i}.json": b"{}" for i in range(300)}
    with pytest.raises(BciInputError, match="at most"):
        import_profile(_zip(tmp_path / "many.zip", members), root=tmp_path / "r")
    (tmp_path / "x.zip").write_text("not a zip")
    with pytest.raises(BciInputError, match="not a profile archive"):
        import_profile(tmp_path / "x.zip", root=tmp_path / "r")
    with pytest.raises(BciInputError):
        import_profile(tmp_path / "missing.zip", root=tmp_path / "r")


# ---------------------------------------------------------------------------------------------- decoder files
@pytest.mark.parametrize("suffix", [".json", ".npz"])
@FUZZ
@given(data=st.data())
def test_load_decoder_survives_mutated_files(saved: dict[str, Path], tmp_path: Path, suffix: str,
                                            data: st.DataObject) -> None:
    folder = _copy(saved["decoder"], tmp_path / "dec")
    target = next(p for p in folder.iterdir() if p.suffix == suffix)
    target.write_bytes(data.draw(mutated(target.read_bytes())))
    est = expect_clean(lambda: load_decoder(target))
    if est is not None:
        assert hasattr(est, "predict")


@FUZZ
@given(tree=JSON_VALUES, cls=st.sampled_from(["os:system", "builtins:eval", "subprocess:Popen", "numpy:load", "",
                                             "sklearn.discriminant_analysis:LinearDiscriminantAnalysis", ":", "os"]))
def test_load_decoder_arbitrary_estimator_tree(saved: dict[str, Path], tmp_path: Path, tree: Any, cls: str) -> None:
    folder = _copy(saved["decoder"], tmp_path / "dec")
    jpath = next(p for p in folder.iterdir() if p.suffix == ".json")
    doc = json.loads(jpath.read_text())
    est = doc["estimator"]
    variants = [tree, {**est, "class": cls} if isinstance(est, dict) else tree]
    if isinstance(est, dict):
        variants.append({k: tree for k in est})
    for v in variants:
        jpath.write_text(json.dumps({**doc, "estimator": v}))
        expect_clean(lambda: load_decoder(jpath))


# ---------------------------------------------------------------------------------------------- the CLI on bad archives
# The assertion is always the same: exit 0 with a loadable profile, or exit 2 with one line naming the archive and
# the problem; no traceback; nothing written outside the profiles folder, and nothing at all on exit 2.
def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _cli_import(archive: Path, capsys: pytest.CaptureFixture[str], *names: str) -> int:
    """Run ``bci-input profile import``; check the result as above; leave the store empty again."""
    capsys.readouterr()
    watched = [archive.parent, user_data_dir()]
    before = [_tree(w) for w in watched]
    code = main(["profile", "import", str(archive), "--name", "fuzzed"])
    out, err = capsys.readouterr()
    after = [_tree(w) for w in watched]
    if code == 2:
        assert_one_line_error(err, str(archive), *names)
        assert after == before, "a refused import wrote something"
    else:
        assert code == 0, err
        assert after[0] == before[0], "an import wrote next to the archive"
        changed = {k for k in set(after[1]) | set(before[1]) if after[1].get(k) != before[1].get(k)}
        assert changed and all(k.startswith("profiles/fuzzed/") for k in changed), changed
        try:
            shown = main(["profile", "show", "fuzzed"])
            assert shown == 0, capsys.readouterr().err
            _use(load_profile("fuzzed"))
        finally:
            delete_profile("fuzzed")
        capsys.readouterr()
    return code


def _members(archive: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(archive) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _json_with_raw(meta: dict[str, Any], path: str, raw: str) -> str:
    """``meta`` as JSON text with the value at ``path`` (dots; ``[i]`` for list items) replaced by ``raw``."""
    meta = json.loads(json.dumps(meta))
    *parents, last = path.split(".")
    node: Any = meta
    for k in parents:
        node = node[k]
    if last.endswith("]"):
        key, index = last[:-1].split("[")
        node[key][int(index)] = "@RAW@"
    else:
        node[last] = "@RAW@"
    return json.dumps(meta).replace('"@RAW@"', raw)


_NUMERIC_KEYS = ["schema_version", "channels.sfreq", "paradigms.ssvep.window_s", "paradigms.ssvep.stopping_threshold",
                 "paradigms.ssvep.n_trials", "paradigms.emg.thresholds.on_uv", "paradigms.ssvep.settings.freqs[0]",
                 "paradigms.ssvep.metrics.accuracy", "ui.font_size"]


@FUZZ
@given(key=st.sampled_from(_NUMERIC_KEYS), raw=st.sampled_from(NUMERIC_EXTREMES))
def test_cli_import_numeric_extremes(saved: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                     key: str, raw: str) -> None:
    members = _members(saved["archive"])
    members["profile.json"] = _json_with_raw(json.loads(members["profile.json"]), key, raw).encode()
    archive = _zip(tmp_path / "in.zip", members)
    huge = raw.lstrip("-") in ("NaN", "Infinity", "1e300", "1e400", "9" * 5000)
    code = _cli_import(archive, capsys, *(["profile.json", key.split("[")[0].rsplit(".", 1)[-1]] if huge else []))
    assert code == 2 or not huge, f"{key} = {raw[:20]} was accepted"


@FUZZ
@given(depth=st.sampled_from([MAX_DEPTH - 2, MAX_DEPTH, MAX_DEPTH + 1, 1000, 100_000]) | st.integers(1, 200),
       where=st.sampled_from(["ui.x", "paradigms.ssvep.settings.x", "paradigms.ssvep.metrics.x", "decoder"]),
       brace=st.booleans())
def test_cli_import_nesting_depth(saved: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                  depth: int, where: str, brace: bool) -> None:
    nested = ('{"a":' * depth + "0" + "}" * depth) if brace else ("[" * depth + "]" * depth)
    members = _members(saved["archive"])
    if where == "decoder":
        name = next(n for n in members if n.startswith("decoders/") and n.endswith(".json"))
        members[name] = _json_with_raw(json.loads(members[name]), "nested", nested).encode()
    else:
        members["profile.json"] = _json_with_raw(json.loads(members["profile.json"]), where, nested).encode()
    code = _cli_import(_zip(tmp_path / "in.zip", members), capsys)
    assert code == 2 or depth + where.count(".") < MAX_DEPTH or where == "decoder"


_TEXT_KEYS = ["board", "notes", "channels.names[0]", "channels.types[1]", "ui.theme", "paradigms.ssvep.decoder",
              "paradigms.ssvep.settings.label", "created"]


@FUZZ
@given(key=st.sampled_from(_TEXT_KEYS), text=st.sampled_from(["\ud800", "\udfff", "\x00", "a\nb", "x" * 100_000])
       | st.text(alphabet=st.characters(blacklist_categories=()), max_size=12))
def test_cli_import_odd_text(saved: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], key: str,
                             text: str) -> None:
    members = _members(saved["archive"])
    members["profile.json"] = _json_with_raw(json.loads(members["profile.json"]), key, json.dumps(text)).encode()
    code = _cli_import(_zip(tmp_path / "in.zip", members), capsys)
    assert code == 2 or not any(0xD800 <= ord(c) <= 0xDFFF for c in text), "text that is not Unicode was accepted"


_PARTS = ["archive", "profile.json", "models.npz", "decoder-json", "decoder-npz"]


@pytest.mark.parametrize("part", _PARTS)
def test_cli_import_truncated_at_every_tenth(saved: dict[str, Path], tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str], part: str) -> None:
    members = _members(saved["archive"])
    if part == "archive":
        cuts = tenths(saved["archive"].read_bytes())
    else:
        name = {"profile.json": "profile.json", "models.npz": "models.npz"}.get(part) or next(
            n for n in members if n.startswith("decoders/") and n.endswith(part[-4:].replace("-", ".")))
        cuts = [_zipped(tmp_path, {**members, name: cut}) for cut in tenths(members[name])]
    for i, data in enumerate(cuts):
        archive = tmp_path / "in.zip"
        archive.write_bytes(data)
        assert _cli_import(archive, capsys) == 2, f"{part} cut at {i}/10 was accepted"


def _zipped(tmp_path: Path, members: dict[str, bytes]) -> bytes:
    return _zip(tmp_path / "build.zip", members).read_bytes()


@pytest.mark.parametrize("free_kb", [0, 8, 24, 48])
def test_cli_import_onto_a_nearly_full_disk(saved: dict[str, Path], tiny_disk: Path,
                                            monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                            free_kb: int) -> None:
    monkeypatch.setenv("BCI_INPUT_HOME", str(tiny_disk))
    profiles_dir().mkdir(parents=True)
    filler = fill_disk(tiny_disk)
    with open(filler, "r+b") as fh:
        fh.truncate(max(filler.stat().st_size - free_kb * 1024, 0))
    before = _tree(tiny_disk)
    code = main(["profile", "import", str(saved["archive"])])
    _, err = capsys.readouterr()
    assert code in (0, 2), err
    assert code == {0: 2, 48: 0}.get(free_kb, code), err  # no space at all fails; enough space succeeds
    leftovers = [p for p in tiny_disk.rglob("*") if p.name.startswith(".") or p.name.endswith(".tmp")]
    assert leftovers == []
    if code == 2:
        assert_one_line_error(err, str(saved["archive"]))
        assert _tree(tiny_disk) == before
    else:
        load_profile("patient-01")
