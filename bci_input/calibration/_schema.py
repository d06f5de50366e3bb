"""The profile's JSON schema: what ``profile.json`` must hold, checked on every load.

The schema is written as plain Python (no external validator): each key has a
type and whether it is required. Errors name the key path and what is allowed,
so a clinician can tell a corrupt file from one made by a newer version.
"""

from __future__ import annotations

import re
from typing import Any

from .._checks import CHANNELS_MAX, SFREQ_MAX, check_number
from .._errors import ProfileError
from .._types import CALIBRATION_PARADIGMS, CHANNEL_TYPES

__all__ = ["SCHEMA_VERSION", "CALIBRATION_PARADIGMS", "MAX_DEPTH", "validate_profile_dict", "check_name"]

#: Version of the profile format written by this code. Bump on incompatible changes.
SCHEMA_VERSION = 1


_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")

#: Deepest nesting of objects and lists a profile may hold (the real ones nest 4 levels).
MAX_DEPTH = 32
#: Bounds of every other number in a profile (settings, metrics, UI settings): finite and of a physical size.
_ANY_NUMBER = 1e15
#: Bounds of the numbers at fixed keys: (low, high, integer, low_inclusive).
_BOUNDS: dict[str, tuple[float, float, bool, bool]] = {
    "channels.sfreq": (0.0, SFREQ_MAX, False, False),
    "window_s": (0.0, 600.0, False, False),
    "n_trials": (0, 1_000_000, True, True),
    "thresholds": (-1e6, 1e6, False, True),  # switch thresholds and levels, in µV
}

# key -> (allowed python types, required)
_TOP: dict[str, tuple[tuple[type, ...], bool]] = {
    "schema_version": ((int,), True),
    "name": ((str,), True),
    "created": ((str,), True),
    "updated": ((str,), True),
    "board": ((str,), True),
    "channels": ((dict,), True),
    "paradigms": ((dict,), True),
    "ui": ((dict,), True),
    "notes": ((str,), False),
    "software_version": ((str,), False),
}
_CHANNELS: dict[str, tuple[tuple[type, ...], bool]] = {
    "names": ((list,), True),
    "types": ((list,), True),
    "sfreq": ((int, float), True),
}
_PARADIGM: dict[str, tuple[tuple[type, ...], bool]] = {
    "settings": ((dict,), True),
    "thresholds": ((dict,), True),
    "stopping_threshold": ((int, float, type(None)), True),
    "window_s": ((int, float, type(None)), True),
    "metrics": ((dict,), True),
    "decoder": ((str, type(None)), True),
    "trained": ((str,), True),
    "n_trials": ((int,), True),
    "sessions": ((list,), False),
    "idle": ((dict, type(None)), False),
}


def check_name(name: str) -> str:
    """Return ``name`` if it is a valid profile name, else raise :class:`ProfileError`.

    Parameters
    ----------
    name : str
        1-64 characters: letters, digits, ``_``, ``.``, ``-``; starts with a letter or digit.

    Returns
    -------
    str
        The name, unchanged.
    """
    if not isinstance(name, str) or not _NAME_RE.match(name) or ".." in name:
        raise ProfileError(
            f"Invalid profile name {name!r}. Use 1-64 letters, digits, '_', '.' or '-', starting with a letter "
            "or digit (for example 'patient-01')."
        )
    return name


def _check_keys(obj: dict[str, Any], spec: dict[str, tuple[tuple[type, ...], bool]], where: str, at: str) -> None:
    for key, (types, required) in spec.items():
        if key not in obj:
            if required:
                raise ProfileError(f"Profile{at} is missing the required key {where}{key!r}. The file is incomplete.")
            continue
        value = obj[key]
        if isinstance(value, bool) and bool not in types:
            ok = False
        else:
            ok = isinstance(value, types)
        if not ok:
            allowed = " or ".join("null" if t is type(None) else t.__name__ for t in types)
            raise ProfileError(
                f"Profile key {where}{key!r}{at} has type {type(value).__name__}; expected {allowed}."
            )
    unknown = sorted(set(obj) - set(spec))
    if unknown:
        shown = ", ".join(repr(k) if len(k) <= 40 else repr(k[:37] + "...") for k in unknown[:5])
        raise ProfileError(
            f"Profile{at} has unknown keys {shown}{' ...' if len(unknown) > 5 else ''} in "
            f"{where or 'the top level'}. "
            f"Allowed keys are: {', '.join(spec)}."
        )


def validate_profile_dict(data: object, where: str | None = None) -> dict[str, Any]:
    """Check a decoded ``profile.json`` against the schema, every number included.

    Parameters
    ----------
    data : object
        The decoded JSON document.
    where : str | None
        The file it was read from, named in every message.

    Returns
    -------
    dict
        ``data``, unchanged, once it passed every check.

    Raises
    ------
    ProfileError
        If a key is missing or has the wrong type, the schema version is unknown, the channel map is
        inconsistent, the nesting is too deep, or a number is not finite or out of its physical bounds.
    """
    at = f" in {where}" if where else ""
    if not isinstance(data, dict):
        raise ProfileError(f"Profile file{at} does not hold a JSON object; it is corrupt.")
    _check_numbers(data, at, where)
    version = data.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise ProfileError(f"Profile{at} has no valid 'schema_version'; it is corrupt or not a bci-input profile.")
    if version > SCHEMA_VERSION:
        raise ProfileError(
            f"Profile{at} has schema version {version}, newer than this bci-input understands ({SCHEMA_VERSION}). "
            "Update bci-input to load it."
        )
    if version < 1:
        raise ProfileError(f"Profile{at} has the invalid schema version {version}. Allowed versions are "
                           f"1-{SCHEMA_VERSION}.")
    _check_keys(data, _TOP, "", at)
    try:
        check_name(data["name"])
    except ProfileError as exc:
        raise ProfileError(f"Profile key 'name'{at}: {exc}") from None
    ch = data["channels"]
    _check_keys(ch, _CHANNELS, "channels.", at)
    names, types = ch["names"], ch["types"]
    check_number("channels.names (count)", len(names), low=1, high=CHANNELS_MAX, integer=True, where=where,
                 error=ProfileError)
    if len(names) != len(types):
        raise ProfileError(
            f"Profile channel map{at} is inconsistent: {len(names)} names and {len(types)} types (need equal counts)."
        )
    if not all(isinstance(n, str) for n in names) or not all(isinstance(t, str) for t in types):
        raise ProfileError(f"Profile channel names and types{at} must be strings.")
    if len(set(names)) != len(names):
        raise ProfileError(f"Profile channel names{at} must be unique.")
    for i, t in enumerate(types):
        if t not in CHANNEL_TYPES:
            raise ProfileError(f"Invalid value for 'channels.types[{i}]'{at}: {t[:40]!r}. Allowed values are: "
                               f"{', '.join(CHANNEL_TYPES)}.")
    for pname, pdata in data["paradigms"].items():
        if pname not in CALIBRATION_PARADIGMS:
            raise ProfileError(f"Profile{at} holds unknown paradigm {pname!r}. Allowed values are: "
                               f"{', '.join(CALIBRATION_PARADIGMS)}.")
        if not isinstance(pdata, dict):
            raise ProfileError(f"Profile paradigm {pname!r}{at} must be an object.")
        _check_keys(pdata, _PARADIGM, f"paradigms.{pname}.", at)
        dec = pdata["decoder"]
        if dec is not None and not _NAME_RE.match(dec):
            raise ProfileError(f"Profile paradigm {pname!r}{at} names an invalid decoder file {dec!r}.")
        st = pdata["stopping_threshold"]
        if st is not None and not 0.0 < float(st) < 1.0:
            raise ProfileError(f"Invalid value for 'paradigms.{pname}.stopping_threshold'{at}: {st!r}. "
                               "It must be in (0, 1).")
    return data


def _bounds(path: str) -> tuple[float, float, bool, bool]:
    """Return the bounds of the number at ``path`` (``'paradigms.emg.thresholds.on_uv'``...)."""
    parts = path.split(".")
    if path == "channels.sfreq":
        return _BOUNDS[path]
    if len(parts) >= 3 and parts[0] == "paradigms":
        if len(parts) == 3 and parts[2] in _BOUNDS:
            return _BOUNDS[parts[2]]
        if parts[2] == "thresholds":
            return _BOUNDS["thresholds"]
    return (-_ANY_NUMBER, _ANY_NUMBER, False, True)


def _shown(path: str) -> str:
    """Return a key path short enough for a one-line message."""
    return path if len(path) <= 80 else path[:77] + "..."


def _check_text(text: str, path: str, at: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ProfileError(f"Profile{at} holds text that is not valid Unicode at {_shown(path) or 'a key'!r}; "
                           "it is corrupt.") from None


def _check_numbers(data: dict[str, Any], at: str, where: str | None) -> None:
    """Check every number in ``data`` (finite, within its bounds), every text and the depth, without recursion."""
    stack: list[tuple[str, object, int]] = [("", data, 0)]
    while stack:
        path, value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth >= MAX_DEPTH:
                raise ProfileError(f"Profile{at} nests objects and lists deeper than {MAX_DEPTH} levels at "
                                   f"{_shown(path) or 'the top level'!r}; it is corrupt.")
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(key, str):
                    _check_text(key, path, at)
                sub = f"{path}[{key}]" if isinstance(value, list) else (f"{path}.{key}" if path else str(key))
                stack.append((sub, item, depth + 1))
        elif isinstance(value, str):
            _check_text(value, path, at)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            low, high, integer, low_inclusive = _bounds(path)
            check_number(_shown(path), value, low=low, high=high, integer=integer, low_inclusive=low_inclusive,
                         where=where, error=ProfileError)
