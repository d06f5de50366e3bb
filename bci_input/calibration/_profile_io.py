"""Saving, loading, listing and deleting profiles in the store, each file checked once as it is read.

A profile folder is written to a temporary folder beside it and renamed into place; on load every file
is checked (JSON nesting, every number with its bounds, arrays without pickle, decoder files present)
before a :class:`~bci_input.calibration._profile.Profile` is built from it.
"""

from __future__ import annotations

import io
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._errors import ProfileError, StorageError
from .._types import StreamInfo
from ._profile import _DECODERS, _JSON, _NPZ, _SEP, Profile, _decoder_path
from ._schema import MAX_DEPTH, check_name, validate_profile_dict
from ._store import check_free_name, open_store, profiles_dir, recordings_dir

__all__ = [
    "profiles_dir",
    "recordings_dir",
    "save_profile",
    "load_profile",
    "load_folder",
    "read_json",
    "list_profiles",
    "delete_profile",
    "write_atomic",
]

log = logging.getLogger(__name__)


def write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def save_profile(profile: Profile, root: Path | None = None) -> Path:
    """Write a profile to ``<root>/<name>/`` atomically (a temporary folder, then a rename).

    Parameters
    ----------
    profile : Profile
        The profile.
    root : Path | None
        Profiles folder; default :func:`profiles_dir`.

    Returns
    -------
    Path
        The profile's folder.

    Raises
    ------
    StorageError
        If the folder cannot be written.
    """
    validate_profile_dict(profile.meta)
    root = open_store(root)
    dest = root / check_name(profile.name)
    check_free_name(profile.name, root)
    try:
        root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{profile.name}.", dir=root))
        try:
            _write_folder(profile, tmp)
            old = None
            if dest.exists():
                old = root / f".{profile.name}.old"
                if old.exists():
                    shutil.rmtree(old)
                dest.rename(old)
            try:
                tmp.rename(dest)
            except OSError:
                if old is not None:
                    old.rename(dest)
                raise
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
    except OSError as exc:
        raise StorageError(f"Cannot save profile {profile.name!r} to {dest}: {exc.strerror or exc}.") from None
    profile.path = dest
    log.info("saved profile %s to %s", profile.name, dest)
    return dest


def _write_folder(profile: Profile, folder: Path) -> None:
    text = json.dumps(profile.meta, indent=2, sort_keys=True, allow_nan=False)
    write_atomic(folder / _JSON, text.encode("utf-8"))
    buf = io.BytesIO()
    np.savez(buf, **profile.arrays)  # type: ignore[arg-type]
    write_atomic(folder / _NPZ, buf.getvalue())
    for paradigm, entry in profile.meta["paradigms"].items():
        if entry["decoder"] is None:
            continue
        (folder / _DECODERS).mkdir(exist_ok=True)
        target = _decoder_path(folder, entry["decoder"])
        if paradigm in profile.decoders:
            from ..decoding import save_decoder

            save_decoder(profile.decoders[paradigm], target)
        elif profile.path is not None:
            _copy_decoder(_decoder_path(profile.path, entry["decoder"]), target)
        else:
            raise ProfileError(f"Profile {profile.name!r} has no {paradigm} decoder to save.")


def _copy_decoder(src: Path, dst: Path) -> None:
    found = False
    if src.is_dir():
        shutil.copytree(src, dst)
        found = True
    for p in src.parent.glob(src.name + ".*"):
        shutil.copy2(p, dst.parent / p.name)
        found = True
    if not found:
        raise ProfileError(f"Decoder files {src}* are missing; the profile is corrupt.")


def load_profile(name_or_path: str | Path, root: Path | None = None, info: StreamInfo | None = None) -> Profile:
    """Load and validate a profile.

    Parameters
    ----------
    name_or_path : str | Path
        A profile name (looked up in ``root``) or the path of a profile folder.
    root : Path | None
        Profiles folder; default :func:`profiles_dir`.
    info : StreamInfo | None
        If given, the connected source's channels; a different layout is refused.

    Returns
    -------
    Profile

    Raises
    ------
    ProfileError
        If the profile is missing, corrupt, of an unknown schema version, holds a number that is not
        finite or out of its bounds, or was made for another channel layout.
    """
    if isinstance(name_or_path, str) and "/" not in name_or_path and os.sep not in name_or_path:
        folder = open_store(root) / check_name(name_or_path)
    else:
        folder = Path(name_or_path)  # any folder: its parent is not a store, and is never migrated
    if not (folder / _JSON).is_file():
        have = ", ".join(_names(folder.parent)) or "none"
        raise ProfileError(f"Profile not found: {folder}. Available profiles: {have}.")
    profile = load_folder(folder, lambda member: str(folder / member))
    if info is not None:
        profile.check_channels(info)
    return profile


def _parse_int(text: str) -> int:
    """Parse a JSON integer; one longer than any bound becomes a stand-in of its size (Python refuses > 4300 digits)."""
    digits = len(text.lstrip("-"))
    if digits > 400:
        return (-1 if text.startswith("-") else 1) * 10 ** (min(digits, 20_000) - 1)
    return int(text)


def read_json(path: Path, shown: str) -> Any:
    """Decode a JSON file of a profile, refusing damage, deep nesting and unreadable numbers in one message.

    Parameters
    ----------
    path : Path
        The file.
    shown : str
        How the file is named in messages.

    Returns
    -------
    object
        The decoded document. Numbers still need checking (:func:`validate_profile_dict`).
    """
    try:
        return json.loads(path.read_text(encoding="utf-8"), parse_int=_parse_int)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProfileError(f"Profile file {shown} is corrupt (not valid JSON: {exc}).") from None
    except RecursionError:
        raise ProfileError(f"Profile file {shown} nests objects or lists too deeply (at most {MAX_DEPTH} levels); "
                           "it is corrupt.") from None
    except ValueError as exc:  # a number Python cannot convert
        raise ProfileError(f"Profile file {shown} holds an unreadable number ({exc}).") from None


def load_folder(folder: Path, shown: Callable[[str], str]) -> Profile:
    """Read and check every file of a profile folder; ``shown(member)`` names a file in messages.

    Parameters
    ----------
    folder : Path
        The profile folder (which holds ``profile.json``).
    shown : callable
        Returns how a member (``'profile.json'``) is named in messages (a path, or a member of an archive).

    Returns
    -------
    Profile
    """
    meta = read_json(folder / _JSON, shown(_JSON))
    validate_profile_dict(meta, shown(_JSON))
    arrays: dict[str, NDArray[Any]] = {}
    npz_path = folder / _NPZ
    if npz_path.exists():
        try:
            with open(npz_path, "rb") as fh, np.load(fh, allow_pickle=False) as npz:
                arrays = {k: npz[k] for k in npz.files}
        except Exception as exc:  # numpy/zipfile/zlib raise many types for a damaged archive
            raise ProfileError(f"Profile arrays {shown(_NPZ)} are corrupt or unsafe ({exc or type(exc).__name__})."
                               ) from None
    for key in arrays:
        if _SEP not in key or key.split(_SEP, 1)[0] not in meta["paradigms"]:
            raise ProfileError(f"Profile arrays {shown(_NPZ)} hold an unexpected entry {key!r}; the profile is "
                               "corrupt.")
    for pname, entry in meta["paradigms"].items():
        if entry["decoder"] is not None:
            dp = _decoder_path(folder, entry["decoder"])
            if not (dp.exists() or any(dp.parent.glob(dp.name + ".*"))):
                raise ProfileError(f"Profile {meta['name']!r} lacks its {pname} decoder files "
                                   f"({shown(_DECODERS + '/' + entry['decoder'])}); it is corrupt.")
    return Profile(meta, arrays, {}, folder)


def list_profiles(root: Path | None = None) -> list[str]:
    """Return the names of the saved profiles, sorted."""
    return _names(open_store(root))


def _names(root: Path) -> list[str]:
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith(".") and (p / _JSON).exists())


def delete_profile(name: str, root: Path | None = None) -> Path:
    """Delete a saved profile's folder, and nothing else.

    Its calibration recordings (:func:`recordings_dir`) are kept: a profile can be rebuilt from them.

    Parameters
    ----------
    name : str
        The profile name.
    root : Path | None
        Profiles folder; default :func:`profiles_dir`.

    Returns
    -------
    Path
        The deleted folder.

    Raises
    ------
    ProfileError
        If there is no such profile.
    StorageError
        If the folder cannot be removed.
    """
    root = open_store(root)
    folder = root / check_name(name)
    if folder.is_symlink() or not (folder / _JSON).is_file():
        have = ", ".join(list_profiles(root)) or "none"
        raise ProfileError(f"Profile not found: {folder}. Available profiles: {have}.")
    try:
        shutil.rmtree(folder)
    except OSError as exc:
        raise StorageError(f"Cannot delete profile folder {folder}: {exc.strerror or exc}.") from None
    return folder
