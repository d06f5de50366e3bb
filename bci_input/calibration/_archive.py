"""Moving a profile between computers: one ``.zip`` file, checked before anything is written.

:func:`export_profile` packs a profile folder into one zip file; :func:`import_profile` unpacks it with
strict member-name checks and size limits into a temporary folder beside the profiles, checks every file
and number there, and only then renames it into place. A failure (a bad archive, a full disk) leaves
the store as it was, with no temporary file behind.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import zipfile
import zlib
from pathlib import Path

from .._errors import BciInputError, ProfileError, StorageError
from ._profile import _DECODERS, _JSON, _NPZ, Profile
from ._profile_io import load_folder, load_profile, write_atomic
from ._schema import check_name
from ._store import check_free_name, open_store

__all__ = ["export_profile", "import_profile", "MAX_MEMBERS", "MAX_MEMBER_BYTES", "MAX_TOTAL_BYTES"]

#: Limits on an imported profile archive.
MAX_MEMBERS = 256
MAX_MEMBER_BYTES = 256 * 1024 * 1024
MAX_TOTAL_BYTES = 512 * 1024 * 1024


def export_profile(name_or_path: str | Path, out: Path, root: Path | None = None) -> Path:
    """Pack a saved profile into one ``.zip`` file (to move it between machines).

    Parameters
    ----------
    name_or_path : str | Path
        Profile name or folder.
    out : Path
        The archive to write (``.bciprofile.zip`` by convention).
    root : Path | None
        Profiles folder; default :func:`profiles_dir`.

    Returns
    -------
    Path
        ``out``.
    """
    profile = load_profile(name_or_path, root)
    assert profile.path is not None
    out = Path(out)
    tmp = out.with_name(out.name + ".tmp")
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for f in sorted(profile.path.rglob("*")):
                if f.is_file():
                    zf.write(f, f.relative_to(profile.path).as_posix())
        os.replace(tmp, out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise StorageError(f"Cannot write profile archive {out}: {exc.strerror or exc}.") from None
    return out


def _safe_member(name: str) -> bool:
    if not name or name.startswith("/") or "\\" in name or ":" in name:
        return False
    parts = name.split("/")
    if len(parts) > 3:
        return False
    for part in parts:
        if part in ("", ".", "..") or part.startswith(".") or len(part) > 128:
            return False
        if not all(c.isalnum() or c in "_.-" for c in part):
            return False
    if len(parts) == 1:
        return name in (_JSON, _NPZ)
    return parts[0] == _DECODERS


def _check_members(archive: Path, zf: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """Return the archive's files once every name, type and size passed; raise ProfileError otherwise."""
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise ProfileError(f"Profile archive {archive} has {len(infos)} files; at most {MAX_MEMBERS} allowed.")
    total = 0
    files: list[zipfile.ZipInfo] = []
    seen: set[str] = set()
    for zi in infos:
        if zi.is_dir():
            continue
        mode = (zi.external_attr >> 16) & 0o170000
        if not _safe_member(zi.filename) or mode == 0o120000 or zi.filename.casefold() in seen:
            raise ProfileError(
                f"Profile archive {archive} holds an unsafe or unexpected member {zi.filename!r}; refusing it. "
                f"Allowed members: {_JSON}, {_NPZ}, {_DECODERS}/<files>, each once."
            )
        seen.add(zi.filename.casefold())
        if zi.file_size > MAX_MEMBER_BYTES:
            raise ProfileError(f"Profile archive {archive} member {zi.filename!r} is too large ({zi.file_size} "
                               f"bytes; at most {MAX_MEMBER_BYTES}).")
        total += zi.file_size
        files.append(zi)
    for zi in files:  # 'decoders/a' and 'decoders/a/b' cannot both be unpacked
        parts = zi.filename.split("/")
        for i in range(1, len(parts)):
            if "/".join(parts[:i]).casefold() in seen:
                raise ProfileError(f"Profile archive {archive} holds both a file and a folder named "
                                   f"{'/'.join(parts[:i])!r}; it is corrupt.")
    if total > MAX_TOTAL_BYTES:
        raise ProfileError(f"Profile archive {archive} unpacks to {total} bytes; at most {MAX_TOTAL_BYTES}.")
    if _JSON not in seen:
        raise ProfileError(f"Profile archive {archive} has no {_JSON}; it is not a bci-input profile.")
    return files


def _unpack(archive: Path, zf: zipfile.ZipFile, files: list[zipfile.ZipInfo], tmp: Path) -> None:
    for zi in files:
        target = tmp / zi.filename
        target.parent.mkdir(parents=True, exist_ok=True)
        with zf.open(zi) as src, open(target, "wb") as dst:
            remaining = MAX_MEMBER_BYTES + 1
            while chunk := src.read(1 << 20):
                remaining -= len(chunk)
                if remaining <= 0:
                    raise ProfileError(f"Profile archive {archive} member {zi.filename!r} is larger than declared.")
                dst.write(chunk)


def import_profile(
    archive: Path, name: str | None = None, root: Path | None = None, overwrite: bool = False
) -> Profile:
    """Unpack a profile archive written by :func:`export_profile` into the profiles folder.

    Every member name is checked (no absolute paths, ``..``, links, unexpected files, or a file and a
    folder of one name) and sizes are limited before anything is written. The unpacked files are
    checked as a profile, every number included, before they are renamed into place.

    Parameters
    ----------
    archive : Path
        The ``.zip`` file.
    name : str | None
        Save under this name instead of the one stored in the archive.
    root : Path | None
        Profiles folder; default :func:`profiles_dir`.
    overwrite : bool
        Replace an existing profile of the same name (and only that profile's folder).

    Returns
    -------
    Profile
        The imported profile, loaded from its new folder.

    Raises
    ------
    ProfileError
        If the archive is not a valid, safe profile archive, or the name is taken.
    StorageError
        If the disk is full or the folder cannot be written; nothing is left behind.
    """
    archive = Path(archive)
    if name is not None:
        check_name(name)
    root = open_store(root)
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ProfileError(f"{archive} is not a profile archive (not a readable zip file: {exc}).") from None
    tmp: Path | None = None
    try:
        with zf:
            files = _check_members(archive, zf)
            root.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=".import.", dir=root))
            _unpack(archive, zf, files, tmp)
        profile = load_folder(tmp, lambda member: f"{archive} (member {member})")
        _check_decoders(archive, profile, tmp)
        if name is not None and name != profile.name:
            profile.meta["name"] = name
            text = json.dumps(profile.meta, indent=2, sort_keys=True, allow_nan=False)
            write_atomic(tmp / _JSON, text.encode("utf-8"))
        dest = _move_into_place(tmp, root, profile.name, overwrite)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:  # damaged compressed data
        raise ProfileError(f"Profile archive {archive} is corrupt ({exc}).") from None
    except BciInputError:
        raise
    except OSError as exc:
        raise StorageError(f"Cannot import profile archive {archive} into {root}: {exc.strerror or exc}. "
                           "Nothing was imported.") from None
    finally:
        if tmp is not None and tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return load_profile(dest)


def _check_decoders(archive: Path, profile: Profile, tmp: Path) -> None:
    """Load every decoder of the unpacked profile once, so a damaged one is refused now and not in a session."""
    for paradigm in profile.paradigms:
        if profile.paradigm(paradigm)["decoder"] is None:
            continue
        try:
            profile.decoder(paradigm)
        except ProfileError as exc:
            text = " ".join(str(exc).replace(f"{tmp}{os.sep}", "").split())
            raise ProfileError(f"Profile archive {archive}: {text}") from None
    profile.decoders.clear()


def _move_into_place(tmp: Path, root: Path, name: str, overwrite: bool) -> Path:
    """Rename the checked folder ``tmp`` to ``<root>/<name>``; an old profile is kept until that succeeded."""
    check_free_name(name, root)
    dest = root / check_name(name)
    old = None
    if dest.exists() or dest.is_symlink():
        if not overwrite:
            raise ProfileError(f"A profile named {name!r} already exists. Import under another name (--name) or "
                               "overwrite it (--overwrite).")
        if dest.is_symlink() or not (dest / _JSON).is_file():
            raise ProfileError(f"{dest} is not a profile folder; refusing to overwrite it.")
        old = Path(tempfile.mkdtemp(prefix=f".{name}.replaced.", dir=root))
        dest.rename(old / name)
    try:
        tmp.rename(dest)
    except OSError:
        if old is not None:
            (old / name).rename(dest)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return dest
