"""Atomic file writing and export of documents."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .._errors import StorageError, check_option

__all__ = ["atomic_write_text", "export_text", "EXPORT_FORMATS"]

#: File suffixes :func:`export_text` writes.
EXPORT_FORMATS = (".txt", ".md")


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` so that the file is always either old or new, never partial.

    Writes a temporary file in the same folder, flushes and fsyncs it, renames it
    over ``path`` and fsyncs the folder.

    Parameters
    ----------
    path : str | Path
        Destination file.
    text : str
        Content, written as UTF-8.

    Raises
    ------
    StorageError
        If the folder is missing, read-only or the disk is full. ``path`` is left untouched.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    tmp_name: str | None = None
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "wb") as fh:
            fh.write(text.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp_name, target)
        tmp_name = None
        _fsync_dir(folder)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise StorageError(
            f"Could not save {target}: {reason}. Free some disk space or choose a writable folder; "
            "the text is still in memory."
        ) from exc
    finally:
        if tmp_name is not None:
            try:
                os.unlink(tmp_name)
            except OSError:
                pass


def _fsync_dir(folder: Path) -> None:
    try:
        dfd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # not supported on this platform (Windows)
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


def export_text(text: str, path: str | Path) -> Path:
    """Export a document's text to a ``.txt`` or ``.md`` file (atomically), ending it with a line break.

    Parameters
    ----------
    text : str
        The document's text (:attr:`Document.text`).
    path : str | Path
        Destination; the suffix chooses the format.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    ConfigError
        For another suffix (PDF export lives in the Qt app).
    StorageError
        If writing fails.
    """
    p = Path(path)
    check_option("export format", p.suffix.lower(), EXPORT_FORMATS)
    atomic_write_text(p, text if text.endswith("\n") or not text else text + "\n")
    return p
