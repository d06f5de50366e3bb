"""A real full disk: autosave warns, keeps the text in memory, and succeeds once space is freed.

Uses a tiny tmpfs mount (needs root with mount rights, as on the CI machines); skips elsewhere.
"""

from __future__ import annotations

import json
import subprocess
import threading

import pytest

from bci_input._errors import StorageError
from bci_input.document import Autosaver, Document, InsertText


@pytest.fixture
def tiny_disk(tmp_path):
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    cmd = ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mnt)]
    proc = subprocess.run(cmd, capture_output=True, check=False)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.decode(errors='replace').strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def _fill(mnt):
    filler = mnt / "filler.bin"
    f = open(filler, "wb", buffering=0)  # noqa: SIM115 - closing may itself fail with ENOSPC
    try:
        while True:
            f.write(b"\0" * 4096)
    except OSError:
        pass
    finally:
        try:
            f.close()
        except OSError:
            pass
    return filler


def test_autosave_on_a_full_disk_warns_keeps_text_and_recovers(tiny_disk):
    folder = tiny_disk / "autosave"
    folder.mkdir()
    filler = _fill(tiny_disk)
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
    _fill(tiny_disk)
    with pytest.raises(StorageError):
        Document("new text " * 2000).save(path)
    assert path.read_text() == "old text"
