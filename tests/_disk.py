"""Full-disk helpers for tests that run on the small tmpfs of the ``tiny_disk`` fixture (conftest.py)."""

from __future__ import annotations

from pathlib import Path


def fill_disk(mnt: Path) -> Path:
    """Fill the file system at ``mnt`` with one file until writing fails; return that file."""
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
