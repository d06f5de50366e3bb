"""Crash recovery needs no hands, and autosave never deletes another session's work.

After a crash the app starts by itself with the recovered text open and a line saying where it came from; the
person keeps, opens or discards it from the command menu by intents. The crashed session's versions stay on disk,
whatever later sessions write, until the person saves or discards that text.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from _intents import HandsFreeGuard, menu, select
from bci_input.ui._app import AppOptions, build_app

from bci_input.document import Autosaver, Document, InsertText, find_recoverable
from bci_input.settings import user_data_dir


def _crash(text: str, *, path: Path | None = None, name: str = "document") -> Autosaver:
    """A session that autosaved ``text`` and then died (its files are left behind, nothing else)."""
    doc = Document(path=path)
    saver = Autosaver(user_data_dir() / "autosave", name=name, threaded=False)
    saver.attach(doc)
    doc.apply(InsertText(text))
    saver.close()
    return saver


def _sessions() -> dict[str, str]:
    return {v.session: v.text for v in find_recoverable(user_data_dir() / "autosave")}


@pytest.fixture(autouse=True)
def hands_free(qtbot):
    """Every test here runs under the guard: no pointer or key event, no modal window (one is closed and fails)."""
    guard = HandsFreeGuard().install()
    yield guard
    guard.remove()
    assert guard.seen == [] and guard.modals == []


def _app(qtbot, **kw):
    window, ctrl = build_app(AppOptions(board="none", lm="none", **kw))
    qtbot.addWidget(window)
    window.show()
    return window, ctrl


def test_app_after_a_crash_starts_with_the_text_and_quits_by_itself() -> None:
    crashed = _crash("text left by a crash")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    cmd = [sys.executable, "-m", "bci_input.cli", "-v", "app", "--board", "none", "--lm", "wordfreq",
           "--quit-after", "5"]
    try:
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=90)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"the app did not quit by itself after a crash (a modal question waits?): {exc.stderr!r}")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert f"recovered text (20 characters, autosaved {crashed.versions()[0].path}) opened" in proc.stderr
    assert _sessions() == {crashed.session: "text left by a crash"}  # not answered yet: still on disk


def test_recovered_text_opens_with_its_line_and_is_kept_by_intents(qtbot, hands_free) -> None:
    crashed = _crash("hello from before")
    window, ctrl = _app(qtbot)
    hands_free.self_check(qtbot, window.editor.viewport())
    assert ctrl.document.text == "hello from before" and ctrl.document.modified
    line = window.recovery_line.text()
    assert window.recovery_line.isVisible() and str(crashed.versions()[0].path) in line and "keep" in line
    select(qtbot, ctrl, "char:x")
    menu(qtbot, ctrl, "recovery_keep")
    assert not window.recovery_line.isVisible() and ctrl.speller.layout.page == "main"
    assert ctrl.recovery.settled == [(crashed.session, "kept")]
    assert crashed.versions() == []  # adopted: this session's autosave holds it now
    assert ctrl.autosaver.versions()[0].text == "hello from beforex"
    assert "cmd:recovery_keep" not in [t.id for t in ctrl.speller.layout.targets]
    window.close()


def test_discard_by_intents_removes_only_that_sessions_versions(qtbot) -> None:
    other = _crash("an older crash", name="demo")
    crashed = _crash("unwanted text")
    window, ctrl = _app(qtbot)
    assert ctrl.document.text == "unwanted text"  # the newest
    assert "1 more after this" in window.recovery_line.text()
    menu(qtbot, ctrl, "recovery_discard")
    assert ctrl.document.text == "" and crashed.versions() == []
    assert other.versions()[0].text == "an older crash"
    # The next offer is not opened by itself over the person's document: the menu opens it.
    assert "an unsaved document found" in window.recovery_line.text()
    menu(qtbot, ctrl, "recovery_open")
    assert ctrl.document.text == "an older crash"
    menu(qtbot, ctrl, "recovery_discard")
    assert _sessions() == {} and not window.recovery_line.isVisible()
    window.close()


def test_recovered_text_survives_open_and_a_second_session(qtbot, tmp_path) -> None:
    crashed = _crash("words the crash must not eat")
    other = tmp_path / "letter.txt"
    other.write_text("Dear Sam,", encoding="utf-8")
    # Session 2 opens another file: that file opens, the line offers the crashed text, and twelve autosaves
    # (more than the ten versions kept) never prune the crashed session's versions.
    window, ctrl = _app(qtbot, open_path=str(other))
    assert ctrl.document.text == "Dear Sam," and "words the crash" not in ctrl.document.text
    crashed_files = sorted(p.name for p in crashed.directory.iterdir())
    for ch in " hello there":
        select(qtbot, ctrl, "char:space" if ch == " " else f"char:{ch}")
    assert ctrl.autosaver.flush() and len(ctrl.autosaver.versions()) == 10
    assert set(crashed_files) <= {p.name for p in crashed.directory.iterdir()}, "the crashed versions were pruned"
    assert crashed.versions()[0].text == "words the crash must not eat"
    assert "found" in window.recovery_line.text() and str(crashed.versions()[0].path) in window.recovery_line.text()
    window.close()  # quit without saving
    # Session 3: the newest unsaved text (session 2's) opens; the crashed text is still offered after it.
    window, ctrl = _app(qtbot)
    assert ctrl.document.text == "Dear Sam, hello there" and ctrl.document.path == other
    assert "1 more after this" in window.recovery_line.text()
    menu(qtbot, ctrl, "save")  # saving settles session 2's text; the crashed one is offered next
    assert other.read_text(encoding="utf-8") == "Dear Sam, hello there"
    menu(qtbot, ctrl, "recovery_open")
    assert ctrl.document.text == "words the crash must not eat"
    ctrl.documents_dir = tmp_path
    menu(qtbot, ctrl, "save")
    assert crashed.versions() == [] and _sessions() == {}
    window.close()


def test_unsaved_changes_of_the_opened_file_open_with_it(qtbot, tmp_path) -> None:
    f = tmp_path / "notes.txt"
    f.write_text("old", encoding="utf-8")
    _crash("old and new", path=f)
    window, ctrl = _app(qtbot, open_path=str(f))
    assert ctrl.document.text == "old and new" and ctrl.document.path == f and ctrl.document.modified
    assert f"of {f}" in window.recovery_line.text()
    window.close()


def test_a_clean_saved_exit_leaves_no_versions_and_an_unsaved_one_keeps_them(qtbot, tmp_path) -> None:
    window, ctrl = _app(qtbot)
    ctrl.documents_dir = tmp_path
    select(qtbot, ctrl, "char:A")
    menu(qtbot, ctrl, "save")
    window.close()
    assert list((user_data_dir() / "autosave").glob("*.json")) == []
    window, ctrl = _app(qtbot)
    select(qtbot, ctrl, "char:B")
    window.close()
    assert list(_sessions().values()) == ["B"]


def test_switching_away_from_recovered_text_never_keeps_the_wrong_text(qtbot, tmp_path) -> None:
    window, ctrl = _app(qtbot)
    ctrl.documents_dir = tmp_path
    select(qtbot, ctrl, "char:A")
    menu(qtbot, ctrl, "save")  # a recent document to switch to
    window.close()
    crashed = _crash("the crashed draft")
    window, ctrl = _app(qtbot)
    assert ctrl.document.text == "the crashed draft"
    menu(qtbot, ctrl, "open_recent")
    assert ctrl.document.text == "A"
    # The recovered text is no longer open: the menu offers to open it again, not to keep (the wrong text).
    select(qtbot, ctrl, "cmd:menu")
    ids = [t.id for t in ctrl.speller.layout.targets]
    assert "cmd:recovery_open" in ids and "cmd:recovery_keep" not in ids
    select(qtbot, ctrl, "cmd:back")
    assert crashed.versions()[0].text == "the crashed draft" and "found" in window.recovery_line.text()
    menu(qtbot, ctrl, "recovery_open")
    assert ctrl.document.text == "the crashed draft"
    menu(qtbot, ctrl, "recovery_keep")
    assert crashed.versions() == [] and ctrl.autosaver.versions()[0].text == "the crashed draft"
    window.close()
