from __future__ import annotations

import json
import os
import stat
import threading

import pytest

from bci_input._errors import ConfigError, DataFormatError, StorageError
from bci_input.document import (
    Autosaver,
    ClearSelection,
    DeleteBackward,
    DeleteWordBackward,
    Document,
    InsertText,
    MoveCursor,
    NewLine,
    ReplaceRange,
    SelectParagraph,
    SelectPreviousSentence,
    SetSelection,
    export_text,
    find_recoverable,
)


def test_insert_delete_and_revision():
    doc = Document()
    assert doc.apply(InsertText("hello"))
    assert doc.apply(InsertText(" world"))
    assert doc.text == "hello world" and doc.cursor == 11 and doc.revision == 2
    assert doc.apply(DeleteBackward())
    assert doc.text == "hello worl"
    assert doc.apply(DeleteBackward(3))
    assert doc.text == "hello w"
    assert doc.revision == 4
    assert not Document().apply(DeleteBackward())  # no-op at the start
    with pytest.raises(ConfigError):
        doc.apply(DeleteBackward(0))


def test_delete_word_backward():
    doc = Document("the quick brown ")
    doc.apply(DeleteWordBackward())
    assert doc.text == "the quick "
    doc.apply(DeleteWordBackward())
    assert doc.text == "the "
    doc2 = Document("hi there.")
    doc2.apply(DeleteWordBackward())
    assert doc2.text == "hi there"


def test_undo_redo_restores_text_cursor_and_selection():
    doc = Document("one two")
    doc.apply(SetSelection(4, 7))
    doc.apply(InsertText("three"))
    assert doc.text == "one three" and doc.selection is None
    assert doc.undo()
    assert doc.text == "one two" and doc.selection == (4, 7)
    assert doc.undo()
    assert doc.selection is None and doc.cursor == 7
    assert doc.can_redo
    doc.redo()
    doc.redo()
    assert doc.text == "one three" and not doc.can_redo
    doc.undo()
    doc.apply(InsertText("!"))  # a new edit clears redo
    assert not doc.can_redo
    assert doc.text == "one !"


def test_replace_range_move_cursor_and_newline():
    doc = Document("abc def")
    doc.apply(ReplaceRange(0, 3, "xyz"))
    assert doc.text == "xyz def" and doc.cursor == 3
    doc.apply(MoveCursor(100))
    assert doc.cursor == len(doc.text)
    doc.apply(NewLine())
    assert doc.text.endswith("\n")
    with pytest.raises(ConfigError):
        doc.apply(ReplaceRange(5, 2, "x"))


def test_select_previous_sentence_walks_backwards():
    doc = Document("First one. Second one? Third")
    doc.apply(SelectPreviousSentence())
    assert doc.selected_text == "Third"
    doc.apply(SelectPreviousSentence())
    assert doc.selected_text == "Second one?"
    doc.apply(SelectPreviousSentence())
    assert doc.selected_text == "First one."
    doc.apply(ClearSelection())
    assert doc.selection is None


def test_select_paragraph():
    doc = Document("para one\npara two here\n")
    doc.apply(MoveCursor(12))
    doc.apply(SelectParagraph())
    assert doc.selected_text == "para two here"
    doc.apply(MoveCursor(len(doc.text)))
    doc.apply(SelectParagraph())
    assert doc.selected_text == "para two here"


def test_listener_called_per_change():
    doc = Document()
    seen = []
    unsub = doc.subscribe(lambda d: seen.append(d.revision))
    doc.apply(InsertText("a"))
    doc.undo()
    unsub()
    doc.redo()
    assert seen == [1, 2]


def test_save_load_roundtrip_atomic(tmp_path):
    p = tmp_path / "note.txt"
    doc = Document("héllo\nworld")
    doc.save(p)
    assert not doc.modified
    assert p.read_text(encoding="utf-8") == "héllo\nworld"
    assert not [f for f in os.listdir(tmp_path) if f.endswith(".tmp")]
    again = Document.load(p)
    assert again.text == "héllo\nworld" and again.cursor == len(again.text) and again.path == p


def test_load_errors(tmp_path):
    with pytest.raises(DataFormatError):
        Document.load(tmp_path / "missing.txt")
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(DataFormatError):
        Document.load(bad)


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_save_to_readonly_dir_keeps_old_file(tmp_path):
    p = tmp_path / "d.txt"
    Document("old").save(p)
    tmp_path.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        with pytest.raises(StorageError):
            Document("new").save(p)
    finally:
        tmp_path.chmod(stat.S_IRWXU)
    assert p.read_text() == "old"


def test_export_txt_md(tmp_path):
    doc = Document("Title\n\nbody")
    assert export_text(doc.text, tmp_path / "a.md").read_text() == "Title\n\nbody\n"
    assert export_text(doc.text, tmp_path / "a.txt").read_text() == "Title\n\nbody\n"
    with pytest.raises(ConfigError):
        export_text(doc.text, tmp_path / "a.docx")


def test_autosaver_sync_keeps_last_versions_and_recovers(tmp_path):
    doc = Document()
    saver = Autosaver(tmp_path / "auto", keep=3, threaded=False)
    saver.attach(doc)
    for word in ["a", "b", "c", "d", "e"]:
        doc.apply(InsertText(word))
    versions = saver.versions()
    assert [v.text for v in versions] == ["abcde", "abcd", "abc"]
    rec = find_recoverable(tmp_path / "auto")
    assert len(rec) == 1 and rec[0].text == "abcde"
    # Once the document file holds the same text, nothing needs recovering.
    doc.save(tmp_path / "doc.txt")
    saver.notify(doc)
    assert find_recoverable(tmp_path / "auto") == []
    # A new autosaver continues the sequence instead of overwriting.
    saver2 = Autosaver(tmp_path / "auto", keep=3, threaded=False)
    doc.apply(InsertText("f"))
    saver2.notify(doc)
    assert saver2.versions()[0].text == "abcdef"


def test_autosaver_skips_corrupt_version(tmp_path):
    d = tmp_path / "auto"
    saver = Autosaver(d, threaded=False)
    saver.notify(Document("good"))
    (d / "document.000099.autosave.json").write_text("{trunc")
    rec = find_recoverable(d)
    assert [v.text for v in rec] == ["good"]


def test_autosaver_reports_failure_and_retries(tmp_path):
    # The autosave folder's path is taken by a plain file: every write fails (like a read-only or full disk).
    d = tmp_path / "auto"
    d.write_text("in the way")
    errors: list[str] = []
    saved = threading.Event()
    saver = Autosaver(d, on_error=errors.append, on_saved=lambda p: saved.set(), retry_s=0.05)
    doc = Document()
    saver.attach(doc)
    doc.apply(InsertText("precious"))
    assert not saver.flush(timeout=60.0)  # returns at the failed write; 60 s only guards a hang
    assert errors and "autosave folder" in errors[0]
    assert saver.pending and doc.text == "precious"
    d.unlink()  # the fault goes away
    assert saved.wait(60.0)  # the retry succeeds without another change (set by the autosave thread)
    assert saver.flush(timeout=60.0)
    saver.close()
    data = json.loads(sorted(d.glob("*.json"))[-1].read_text())
    assert data["text"] == "precious"
