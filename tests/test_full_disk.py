"""A real full disk: autosave warns, keeps the text in memory, and succeeds once space is freed.

Uses a tiny tmpfs mount (needs root with mount rights, as on the CI machines); skips elsewhere.
"""

from __future__ import annotations

import json
import threading

import pytest
from _disk import fill_disk

from bci_input._errors import StorageError
from bci_input.document import Autosaver, Document, InsertText


def test_autosave_on_a_full_disk_warns_keeps_text_and_recovers(tiny_disk):
    folder = tiny_disk / "autosave"
    folder.mkdir()
    filler = fill_disk(tiny_disk)
    errors: list[str] = []
    saved = threading.Event()
    saver = Autosaver(folder, on_error=errors.append, on_saved=lambda p: saved.set(), retry_s=0.05)
    doc = Document()
    saver.attach(doc)
    doc.apply(InsertText("words that must survive " * 20))
    assert not saver.flush(timeout=60.0)
    assert errors, "a full disk must be reported"
    assert saver.pending and doc.text.startswith("words that must survive")
    filler.unlink()  # the user frees space
    assert saved.wait(60.0), f"the retry did not succeed: {errors[-1:]}"
    saver.close()
    data = json.loads(sorted(folder.glob("*.json"))[-1].read_text())
    assert data["text"] == doc.text


def test_explicit_save_on_a_full_disk_raises_storage_error_and_keeps_old_file(tiny_disk):
    path = tiny_disk / "letter.txt"
    Document("old text").save(path)
    fill_disk(tiny_disk)
    with pytest.raises(StorageError):
        Document("new text " * 2000).save(path)
    assert path.read_text() == "old text"
