"""Fuzz tests (hypothesis) for the settings TOML, documents and autosave recovery.

``load_settings`` returns validated settings or raises :class:`ConfigError`; ``Document.load`` returns a
document or raises :class:`DataFormatError`; ``find_recoverable`` skips corrupt autosaves and never raises.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from _fuzz import expect_clean, fuzz_settings, mutated
from hypothesis import given
from hypothesis import strategies as st

from bci_input import BciInputError
from bci_input.document import Autosaver, Document, find_recoverable
from bci_input.settings import Settings, load_settings

FUZZ = fuzz_settings(60)

VALID_TOML = b"""\
[acquisition]
board = "cyton"
serial_port = "/dev/ttyUSB0"
line_freq = 60.0

[language]
backend = "local"
timeout_s = 5.0
retries = 1

[speller]
paradigm = "ssvep"
stopping_threshold = 0.95
n_suggestions = 4

[ui]
font_size = 28
high_contrast = true
flicker_color = "#ffffff"

[storage]
autosave_versions = 5
"""


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return {float("inf"): "inf", float("-inf"): "-inf"}.get(v, "nan" if v != v else repr(v))
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    return "{" + ", ".join(f"{json.dumps(str(k))} = {_toml_value(x)}" for k, x in v.items()) + "}"


_SCALARS = (st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=12)
            | st.sampled_from(["", "synthetic", "-1", "0x10", "../../etc/passwd", "http://evil", "é" * 50]))
_VALUES = st.recursive(_SCALARS, lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=4), c,
                                                                                      max_size=3), max_leaves=6)
_KEYS = [(sec.name, f.name) for sec in dataclasses.fields(Settings) for f in dataclasses.fields(sec.default_factory())]


def test_valid_settings_load(tmp_path: Path) -> None:
    p = tmp_path / "s.toml"
    p.write_bytes(VALID_TOML)
    s = load_settings(p)
    assert s.ui.font_size == 28 and s.acquisition.board == "cyton"


@FUZZ
@given(data=st.data())
def test_load_settings_survives_mutated_toml(tmp_path: Path, data: st.DataObject) -> None:
    p = tmp_path / "s.toml"
    p.write_bytes(data.draw(mutated(VALID_TOML)))
    out = expect_clean(lambda: load_settings(p))
    assert out is None or isinstance(out, Settings)


@FUZZ
@given(entries=st.lists(st.tuples(st.sampled_from(_KEYS), _VALUES), min_size=1, max_size=4))
def test_load_settings_wrong_types_and_ranges(tmp_path: Path, entries: list[tuple[tuple[str, str], Any]]) -> None:
    by_section: dict[str, dict[str, Any]] = {}
    for (sec, key), value in entries:
        by_section.setdefault(sec, {})[key] = value
    text = "".join(f"[{sec}]\n" + "".join(f"{k} = {_toml_value(v)}\n" for k, v in kv.items())
                   for sec, kv in by_section.items())
    p = tmp_path / "s.toml"
    p.write_text(text, encoding="utf-8")
    out = expect_clean(lambda: load_settings(p))
    if out is not None:
        out.validate()


@pytest.mark.parametrize(
    "raw",
    [b"[speller]\nparadigm = \"" + b"x" * 3_000_000 + b"\"\n", b"[" * 100_000, b"a = " + b"[" * 5000 + b"]" * 5000,
     b"[acquisition]\nboard = \"synthetic\"\n[acquisition]\n", b"[evil]\nx = 1\n", b"acquisition = 3\n",
     b"\xff\xfe[ui]\n", b"[ui]\nfont_size = 1e999\n", b"[ui]\nfont_size = 99999999999999999999999\n"],
    ids=["huge-string", "deep-brackets", "deep-array", "duplicate-table", "unknown-section", "not-a-table",
         "non-utf8", "inf-int", "huge-int"],
)
def test_load_settings_odd_inputs(tmp_path: Path, raw: bytes) -> None:
    p = tmp_path / "s.toml"
    p.write_bytes(raw)
    with pytest.raises(BciInputError):
        load_settings(p)


def test_load_settings_missing_and_directory(tmp_path: Path) -> None:
    with pytest.raises(BciInputError, match="not found"):
        load_settings(tmp_path / "missing.toml")
    with pytest.raises(BciInputError):
        load_settings(tmp_path)


# ---------------------------------------------------------------------------------------------- documents
@FUZZ
@given(data=st.data())
def test_document_load_survives_mutated_files(tmp_path: Path, data: st.DataObject) -> None:
    p = tmp_path / "doc.txt"
    Document("Dear Dr Smith,\nthank you — the new headset works. Ünïcödé ✓\n").save(p)
    p.write_bytes(data.draw(mutated(p.read_bytes())))
    doc = expect_clean(lambda: Document.load(p))
    if doc is not None:
        assert isinstance(doc.text, str) and "\x00" not in doc.text


def test_document_load_huge_and_missing(tmp_path: Path) -> None:
    p = tmp_path / "big.txt"
    p.write_bytes(b"word " * 1_000_000)
    assert len(Document.load(p).text) == 5_000_000
    with pytest.raises(BciInputError):
        Document.load(tmp_path / "missing.txt")
    with pytest.raises(BciInputError):
        Document.load(tmp_path)


def _autosave_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "autosave"
    saver = Autosaver(folder, name="doc", keep=3, threaded=False, clock=lambda: 1000.0)
    doc = Document("hello world")
    saver.notify(doc)
    return folder


@FUZZ
@given(data=st.data(), extra=st.lists(_VALUES, max_size=3))
def test_find_recoverable_skips_corrupt_autosaves(tmp_path: Path, data: st.DataObject, extra: list[Any]) -> None:
    folder = tmp_path / "autosave"
    for f in folder.glob("*") if folder.exists() else []:
        f.unlink()
    Autosaver(folder, name="good", keep=3, threaded=False, clock=lambda: 1000.0).notify(Document("kept text"))
    Autosaver(folder, name="bad", keep=3, threaded=False, clock=lambda: 1000.0).notify(Document("other text"))
    bad = next(folder.glob("bad.*.autosave.json"))
    bad.write_bytes(data.draw(mutated(bad.read_bytes())))
    for i, v in enumerate(extra):  # valid JSON of the wrong shape
        (folder / f"odd.{i + 1:06d}.autosave.json").write_text(json.dumps(v))
    doc = json.loads(next(folder.glob("good.*.autosave.json")).read_text())
    (folder / "typed.000001.autosave.json").write_text(json.dumps({**doc, "cursor": 1e300, "revision": "x"}))
    (folder / "nul.000001.autosave.json").write_bytes(b"\x00\xff" * 10)
    versions = find_recoverable(folder)
    assert [v.text for v in versions if v.name == "good"] == ["kept text"]
    for v in versions:
        assert isinstance(v.text, str) and isinstance(v.cursor, int)


# ------------------------------------------------------------------------------- numeric extremes, every key
_NUMERIC_KEYS = [
    (sec.name, f.name, f.metadata["bounds"])
    for sec in dataclasses.fields(Settings)
    for f in dataclasses.fields(sec.default_factory())
    if "bounds" in f.metadata
]
_EXTREMES = {"nan": "nan", "inf": "inf", "-inf": "-inf", "1e300": "1e300", "-1e300": "-1e300",
             "5000-digits": "9" * 5000, "-5000-digits": "-" + "9" * 5000, "negative": "-1", "zero": "0"}


def test_every_numeric_setting_declares_bounds() -> None:
    numeric = {(sec.name, f.name) for sec in dataclasses.fields(Settings)
               for f in dataclasses.fields(sec.default_factory()) if f.type in ("int", "float", int, float)}
    assert numeric == {(s, k) for s, k, _ in _NUMERIC_KEYS}


@pytest.mark.parametrize("extreme", list(_EXTREMES), ids=list(_EXTREMES))
@pytest.mark.parametrize(("section", "key", "bounds"), _NUMERIC_KEYS, ids=[f"{s}.{k}" for s, k, _ in _NUMERIC_KEYS])
def test_numeric_setting_extremes_exit_2_naming_the_key(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                        section: str, key: str, bounds: dict, extreme: str) -> None:
    from bci_input.cli import main

    p = tmp_path / "s.toml"
    p.write_text(f"[{section}]\n{key} = {_EXTREMES[extreme]}\n", encoding="utf-8")
    rc = main(["--config", str(p), "profile", "list"])
    err = capsys.readouterr().err
    if extreme == "zero" and bounds["low"] <= 0 and bounds["low_inclusive"]:
        assert rc == 0, err  # zero is within this key's physical bounds
        return
    assert rc == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and f"'{section}.{key}'" in lines[0] and str(p) in lines[0], err
    assert len(lines[0]) < 400 and "Traceback" not in err


@pytest.mark.parametrize("text", ["[speller]\nscan_step_s = nan\n", "[speller]\ndwell_s = inf\n"])
def test_app_refuses_non_finite_settings_before_it_starts(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                          text: str) -> None:
    from bci_input.cli import main

    p = tmp_path / "s.toml"
    p.write_text(text, encoding="utf-8")
    rc = main(["--config", str(p), "app", "--board", "none", "--lm", "wordfreq", "--quit-after", "1"])
    err = capsys.readouterr().err
    assert rc == 2 and "speller." in err and len(err.strip().splitlines()) == 1, err
