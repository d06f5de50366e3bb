"""Per-patient profiles: calibration results stored as JSON + ``.npz``, never pickle.

A profile lives in ``<user data dir>/profiles/<name>/``:

- ``profile.json``: schema version, dates, board, channel map, per-paradigm settings,
  thresholds, recommended stopping threshold and window, metrics, UI settings;
- ``models.npz``: arrays (training epochs for top-up recalibration, templates), read with
  ``allow_pickle=False``;
- ``decoders/<paradigm>...``: each trained decoder, written by
  :func:`bci_input.decoding.save_decoder` (JSON parameters + ``.npz`` arrays).

Its calibration recordings live in their own namespace, ``<user data dir>/recordings/<name>/``
(see :mod:`bci_input.calibration._store`). Every file is checked once when it is read, every number
included (:func:`bci_input.calibration._schema.validate_profile_dict`).
"""

from __future__ import annotations

import datetime as _dt
import io
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._errors import ProfileError, StorageError
from .._types import StreamInfo
from ._schema import MAX_DEPTH, PARADIGMS, SCHEMA_VERSION, check_name, validate_profile_dict
from ._store import check_free_name, open_store, profiles_dir, recordings_dir

__all__ = [
    "Profile",
    "profiles_dir",
    "recordings_dir",
    "save_profile",
    "load_profile",
    "load_folder",
    "read_json",
    "list_profiles",
    "delete_profile",
    "to_jsonable",
]

log = logging.getLogger(__name__)

_JSON = "profile.json"
_NPZ = "models.npz"
_DECODERS = "decoders"
_SEP = "__"


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat()


def to_jsonable(value: Any) -> Any:
    """Convert numpy scalars/arrays and tuples to plain JSON types, recursively.

    Parameters
    ----------
    value : object
        Nested dicts/lists of numbers, strings, numpy values.

    Returns
    -------
    object
        The same structure made of ``dict``, ``list``, ``str``, ``int``, ``float``, ``bool``, ``None``.
    """
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return to_jsonable(value.tolist())
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        f = float(value)
        return f if np.isfinite(f) else None
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


@dataclass
class Profile:
    """A patient's calibration results.

    Parameters
    ----------
    meta : dict
        The content of ``profile.json`` (see :mod:`bci_input.calibration._schema`).
    arrays : dict of str to ndarray
        Arrays stored in ``models.npz``, keyed ``'<paradigm>__<name>'``.
    decoders : dict of str to estimator
        Trained decoders per paradigm held in memory (saved with ``save_decoder``).
    path : Path | None
        The folder the profile was loaded from, if any.
    """

    meta: dict[str, Any]
    arrays: dict[str, NDArray[Any]] = field(default_factory=dict)
    decoders: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None

    @classmethod
    def new(cls, name: str, info: StreamInfo, board: str = "unknown", ui: dict[str, Any] | None = None) -> Profile:
        """Create an empty profile for one board and channel layout.

        Parameters
        ----------
        name : str
            Profile name (the patient's pseudonym).
        info : StreamInfo
            Channel names, types and sampling rate of the headset.
        board : str
            Board name, as in ``--board``.
        ui : dict | None
            Accessibility/UI settings to remember (font size, colours...).

        Returns
        -------
        Profile
        """
        now = _now()
        meta = {
            "schema_version": SCHEMA_VERSION,
            "name": check_name(name),
            "created": now,
            "updated": now,
            "board": str(board),
            "channels": {"names": list(info.ch_names), "types": list(info.ch_types), "sfreq": float(info.sfreq)},
            "paradigms": {},
            "ui": to_jsonable(dict(ui or {})),
        }
        try:
            from .. import __version__

            meta["software_version"] = str(__version__)
        except ImportError:  # pragma: no cover
            pass
        validate_profile_dict(meta)
        return cls(meta)

    @property
    def name(self) -> str:
        """The profile's name."""
        return str(self.meta["name"])

    @property
    def info(self) -> StreamInfo:
        """The channel map as a :class:`StreamInfo`."""
        ch = self.meta["channels"]
        return StreamInfo(tuple(ch["names"]), tuple(ch["types"]), float(ch["sfreq"]), name=self.meta["board"])

    @property
    def paradigms(self) -> list[str]:
        """Paradigms this profile holds a calibration for."""
        return list(self.meta["paradigms"])

    def paradigm(self, paradigm: str) -> dict[str, Any]:
        """Return the stored calibration entry of one paradigm.

        Raises
        ------
        ProfileError
            If the profile has no calibration for ``paradigm``.
        """
        try:
            return self.meta["paradigms"][paradigm]
        except KeyError:
            have = ", ".join(self.paradigms) or "none"
            raise ProfileError(
                f"Profile {self.name!r} has no {paradigm} calibration (it has: {have}). "
                f"Run 'bci-input calibrate --paradigm {paradigm} --profile {self.name}'."
            ) from None

    def set_paradigm(
        self,
        paradigm: str,
        *,
        settings: dict[str, Any],
        thresholds: dict[str, Any] | None = None,
        stopping_threshold: float | None = None,
        window_s: float | None = None,
        metrics: dict[str, Any] | None = None,
        n_trials: int = 0,
        decoder: Any = None,
        arrays: dict[str, NDArray[Any]] | None = None,
        sessions: list[dict[str, Any]] | None = None,
    ) -> None:
        """Store (or replace) the calibration of one paradigm.

        Parameters
        ----------
        paradigm : str
            One of ``ssvep``, ``p300``, ``emg``, ``blink``, ``mi``.
        settings : dict
            Paradigm settings (frequencies, epoch window, cue timing...).
        thresholds : dict | None
            Switch thresholds (EMG/blink), in µV.
        stopping_threshold : float | None
            Recommended posterior threshold for dynamic stopping, in (0, 1).
        window_s : float | None
            Recommended decision window, s.
        metrics : dict | None
            Cross-validated results (accuracy, CI, confusion matrix, ITR...).
        n_trials : int
            Number of clean trials the decoder was trained on.
        decoder : estimator | None
            The trained decoder; saved with ``save_decoder``.
        arrays : dict of str to ndarray | None
            Arrays for this paradigm (e.g. ``{'X': epochs, 'y': labels}`` for top-up recalibration).
        sessions : list of dict | None
            Descriptions of the recording sessions used (dates, files, trial counts).
        """
        if paradigm not in PARADIGMS:
            raise ProfileError(f"Invalid paradigm {paradigm!r}. Allowed values are: {', '.join(PARADIGMS)}.")
        entry: dict[str, Any] = {
            "settings": to_jsonable(settings),
            "thresholds": to_jsonable(thresholds or {}),
            "stopping_threshold": None if stopping_threshold is None else float(stopping_threshold),
            "window_s": None if window_s is None else float(window_s),
            "metrics": to_jsonable(metrics or {}),
            "decoder": paradigm if decoder is not None else None,
            "trained": _now(),
            "n_trials": int(n_trials),
        }
        if sessions is not None:
            entry["sessions"] = to_jsonable(sessions)
        self.meta["paradigms"][paradigm] = entry
        for key in [k for k in self.arrays if k.startswith(paradigm + _SEP)]:
            del self.arrays[key]
        for key, arr in (arrays or {}).items():
            a = np.asarray(arr)
            if a.dtype == object:
                raise ProfileError(f"Array {key!r} has dtype object; only numeric/string arrays can be stored.")
            self.arrays[f"{paradigm}{_SEP}{key}"] = a
        self.decoders.pop(paradigm, None)
        if decoder is not None:
            self.decoders[paradigm] = decoder
        self.meta["updated"] = _now()
        validate_profile_dict(self.meta)

    def paradigm_arrays(self, paradigm: str) -> dict[str, NDArray[Any]]:
        """Return the arrays stored for one paradigm, without the key prefix."""
        pre = paradigm + _SEP
        return {k[len(pre):]: v for k, v in self.arrays.items() if k.startswith(pre)}

    def decoder(self, paradigm: str) -> Any:
        """Return the trained decoder of one paradigm (loaded with ``load_decoder`` on first use).

        Raises
        ------
        ProfileError
            If there is no decoder for ``paradigm`` or it cannot be loaded.
        """
        if paradigm in self.decoders:
            return self.decoders[paradigm]
        entry = self.paradigm(paradigm)
        if entry["decoder"] is None:
            raise ProfileError(f"Profile {self.name!r} has no trained decoder for {paradigm} (thresholds only).")
        if self.path is None:
            raise ProfileError(f"Profile {self.name!r} has not been saved; its {paradigm} decoder is missing.")
        from ..decoding import load_decoder

        try:
            est = load_decoder(_decoder_path(self.path, entry["decoder"]))
        except ProfileError:
            raise
        except Exception as exc:
            raise ProfileError(
                f"Profile {self.name!r}: the {paradigm} decoder could not be loaded ({exc}). The profile is corrupt; "
                "recalibrate or import a good copy."
            ) from None
        self.decoders[paradigm] = est
        return est

    def check_channels(self, info: StreamInfo) -> None:
        """Refuse a headset whose channel layout differs from the profile's.

        Parameters
        ----------
        info : StreamInfo
            The connected source's channels.

        Raises
        ------
        ProfileError
            Naming the differences (names, order, types or sampling rate).
        """
        ch = self.meta["channels"]
        problems = []
        if list(info.ch_names) != list(ch["names"]):
            problems.append(f"channels {list(info.ch_names)} instead of {list(ch['names'])}")
        elif list(info.ch_types) != list(ch["types"]):
            problems.append(f"channel types {list(info.ch_types)} instead of {list(ch['types'])}")
        if abs(float(info.sfreq) - float(ch["sfreq"])) > 1e-6:
            problems.append(f"sampling rate {info.sfreq:g} Hz instead of {float(ch['sfreq']):g} Hz")
        if problems:
            raise ProfileError(
                f"Profile {self.name!r} was calibrated on {self.meta['board']} with a different channel layout: "
                f"the connected source has {'; '.join(problems)}. Use the same headset montage, or run a new "
                "calibration for this layout."
            )


def _decoder_path(folder: Path, name: str) -> Path:
    return folder / _DECODERS / name


def _write_atomic(path: Path, data: bytes) -> None:
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
    _write_atomic(folder / _JSON, text.encode("utf-8"))
    buf = io.BytesIO()
    np.savez(buf, **profile.arrays)  # type: ignore[arg-type]
    _write_atomic(folder / _NPZ, buf.getvalue())
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
        folder = Path(name_or_path)
    if not (folder / _JSON).is_file():
        have = ", ".join(list_profiles(folder.parent)) or "none"
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
    root = open_store(root)
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
