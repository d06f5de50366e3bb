"""Where profiles and their calibration recordings live, and the move from the old layout.

The store has one namespace per kind of thing, so no profile name can reach another profile's files
or the recordings:

- ``<user data dir>/profiles/<name>/``: one folder per profile, nothing else (temporary folders start
  with ``.``, which no profile name can);
- ``<user data dir>/recordings/<name>/``: the calibration recordings of profile ``<name>``.

Earlier versions kept the recordings of every profile in ``profiles/recordings/``, the folder a profile
named ``recordings`` also used, so saving, importing or deleting that profile deleted them all.
:func:`open_store` moves them out the first time a store is opened.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
from pathlib import Path

from .._errors import ProfileError, StorageError
from ._schema import CALIBRATION_PARADIGMS, check_name

__all__ = ["profiles_dir", "recordings_dir", "open_store", "check_free_name", "PROFILE_MEMBERS"]

log = logging.getLogger(__name__)

#: The files and folders a profile folder holds.
PROFILE_MEMBERS = ("profile.json", "models.npz", "decoders")
#: The folder that held every profile's recordings before the store had namespaces.
_OLD_RECORDINGS = "recordings"
#: Where old recordings whose owner cannot be told from the file name go (no profile name starts with '_').
_UNSORTED = "_unsorted"
_OLD_NAME = re.compile(rf"^(?P<profile>.+)-(?:{'|'.join(CALIBRATION_PARADIGMS)})-\d{{8}}-\d{{6}}")


def profiles_dir() -> Path:
    """Return ``<user data dir>/profiles`` (``$BCI_INPUT_HOME/data/profiles`` in tests)."""
    from ..settings import user_data_dir

    return user_data_dir() / "profiles"


def _recordings_root(root: Path) -> Path:
    """Return the recordings namespace that belongs to the profiles folder ``root`` (its sibling)."""
    return root.parent / "recordings"


def recordings_dir(name: str, root: Path | None = None) -> Path:
    """Return the folder for the calibration recordings of profile ``name`` (not created).

    Parameters
    ----------
    name : str
        A valid profile name.
    root : Path | None
        Profiles folder; default :func:`profiles_dir`. The recordings live beside it, in
        ``<root>/../recordings/<name>/``.

    Returns
    -------
    Path
    """
    root = open_store(root)
    return _recordings_root(root) / check_name(name)


def open_store(root: Path | None = None) -> Path:
    """Return the profiles folder, first moving recordings of the old shared layout into their namespace.

    The move is idempotent: each file is renamed on its own, so an interrupted move finishes on the next
    open, and a store already in the new layout is left untouched.

    Parameters
    ----------
    root : Path | None
        Profiles folder; default :func:`profiles_dir`.

    Returns
    -------
    Path
        The profiles folder.

    Raises
    ------
    StorageError
        If old recordings cannot be moved (a read-only or full disk).
    """
    root = Path(root) if root is not None else profiles_dir()
    old = root / _OLD_RECORDINGS
    if old.is_dir() and not old.is_symlink():
        try:
            _migrate(old, _recordings_root(root))
        except OSError as exc:
            raise StorageError(f"Cannot move the old calibration recordings out of {old}: "
                               f"{exc.strerror or exc}. Free some space or make the folder writable.") from None
    return root


def _migrate(old: Path, dest_root: Path) -> None:
    """Move every entry of the old shared ``recordings`` folder that is not a profile's own file."""
    moved = 0
    for entry in sorted(old.iterdir()):
        if entry.name in PROFILE_MEMBERS:
            continue  # a profile named 'recordings' saved in the old layout: its files stay where they are
        m = _OLD_NAME.match(entry.name)
        owner = _UNSORTED
        if m is not None:
            try:
                owner = check_name(m.group("profile"))
            except ProfileError:
                owner = _UNSORTED
        target_dir = dest_root / owner
        target_dir.mkdir(parents=True, exist_ok=True)
        target = target_dir / entry.name
        n = 1
        while target.exists() or target.is_symlink():  # never overwrite a file already moved or made since
            target = target_dir / f"{entry.name}.{n}"
            n += 1
        try:
            shutil.move(os.fspath(entry), os.fspath(target))
        except FileNotFoundError:
            continue  # another process (the app and the CLI started together) moved it first
        moved += 1
    if moved:
        log.warning("moved %d old calibration recording files from %s to %s", moved, old, dest_root)
    with contextlib.suppress(OSError):  # not empty (a profile named 'recordings'), or already removed
        old.rmdir()


def check_free_name(name: str, root: Path) -> None:
    """Refuse ``name`` if another profile's name differs from it only in letter case.

    On a case-insensitive file system (macOS, Windows) both names would share one folder; refusing them
    everywhere keeps profiles portable between computers.

    Parameters
    ----------
    name : str
        The profile name about to be written.
    root : Path
        Profiles folder.

    Raises
    ------
    ProfileError
        Naming the existing profile.
    """
    if not root.is_dir():
        return
    for entry in root.iterdir():
        if entry.name != name and entry.name.casefold() == name.casefold() and not entry.name.startswith("."):
            raise ProfileError(
                f"Profile name {name!r} differs only in letter case from the existing profile {entry.name!r} in "
                f"{root}; choose another name or use {entry.name!r}."
            )
