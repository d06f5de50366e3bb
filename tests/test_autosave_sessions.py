"""Autosave keeps versions per session: pruning never touches another session's files (nor older-format ones)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bci_input._errors import ConfigError
from bci_input.document import Autosaver, Document, InsertText, discard_versions, find_recoverable


def _write(saver: Autosaver, texts: list[str]) -> None:
    doc = Document()
    saver.attach(doc)
    for t in texts:
        doc.apply(InsertText(t))


def test_pruning_touches_only_its_own_session(tmp_path: Path) -> None:
    first = Autosaver(tmp_path, keep=3, threaded=False)
    _write(first, list("abcd"))
    second = Autosaver(tmp_path, keep=3, threaded=False)  # same folder, same name, a later run
    _write(second, list("vwxyz"))
    assert first.session != second.session
    assert [v.text for v in first.versions()] == ["abcd", "abc", "ab"]
    assert [v.text for v in second.versions()] == ["vwxyz", "vwxy", "vwx"]
    assert sorted(v.text for v in find_recoverable(tmp_path)) == ["abcd", "vwxyz"]
    assert discard_versions(first.versions()[0]) == 3
    assert first.versions() == [] and len(second.versions()) == 3


def test_files_from_before_sessions_are_recovered_and_never_pruned(tmp_path: Path) -> None:
    legacy = {"format": "bci-input-autosave", "version": 1, "text": "old format text", "cursor": 15,
              "revision": 3, "saved_at": 1000.0, "document_path": ""}
    for seq in (7, 8):
        (tmp_path / f"document.{seq:06d}.autosave.json").write_text(json.dumps(legacy), encoding="utf-8")
    saver = Autosaver(tmp_path, keep=2, threaded=False)
    _write(saver, list("abcdef"))
    old = [v for v in find_recoverable(tmp_path) if v.session == ""]
    assert [v.text for v in old] == ["old format text"] and old[0].seq == 8
    assert len(list(tmp_path.glob("document.00000*.autosave.json"))) == 2  # untouched by the new session
    assert discard_versions(old[0]) == 2 and [v.text for v in find_recoverable(tmp_path)] == ["abcdef"]


def test_a_session_id_is_checked() -> None:
    with pytest.raises(ConfigError, match="session"):
        Autosaver("unused", session="../x", threaded=False)


@pytest.mark.slow
def test_two_demo_runs_into_one_folder_keep_both_runs_versions(tmp_path: Path) -> None:
    folder = tmp_path / "autosave"
    finals = []
    for _ in range(2):  # each run types "yes yes": 7 versions, so two runs write more than the 10 kept
        cmd = [sys.executable, "-m", "bci_input.cli", "demo", "--board", "simulated", "--paradigm", "ssvep",
               "--duration", "60", "--text", "yes yes", "--autosave", str(folder)]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
        assert proc.returncode == 0, proc.stderr[-2000:]
        finals.append(proc.stdout.rstrip().splitlines()[-1])
    runs = {}
    for f in folder.glob("*.autosave.json"):
        runs.setdefault(json.loads(f.read_text(encoding="utf-8")).get("session"), []).append(f)
    assert len(runs) == 2, f"expected two runs' versions: {sorted(p.name for p in folder.iterdir())}"
    recovered = find_recoverable(folder)
    assert len(recovered) == 2 and all(v.text == "yes yes" for v in recovered), (finals, recovered)
    assert all(len(files) >= 5 for files in runs.values()), {k: len(v) for k, v in runs.items()}
