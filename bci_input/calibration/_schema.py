"""The profile's JSON schema: what ``profile.json`` must hold, checked on every load.

The schema is written as plain Python (no external validator): each key has a
type and whether it is required. Errors name the key path and what is allowed,
so a clinician can tell a corrupt file from one made by a newer version.
"""

from __future__ import annotations

import re
from typing import Any

from .._errors import ProfileError

__all__ = ["SCHEMA_VERSION", "PARADIGMS", "validate_profile_dict", "check_name"]

#: Version of the profile format written by this code. Bump on incompatible changes.
SCHEMA_VERSION = 1

#: Paradigms a profile can hold a calibration for.
PARADIGMS = ("ssvep", "p300", "emg", "blink", "mi")

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")

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


def _check_keys(obj: dict[str, Any], spec: dict[str, tuple[tuple[type, ...], bool]], where: str) -> None:
    for key, (types, required) in spec.items():
        if key not in obj:
            if required:
                raise ProfileError(f"Profile is missing the required key {where}{key!r}. The file is incomplete.")
            continue
        value = obj[key]
        if isinstance(value, bool) and bool not in types:
            ok = False
        else:
            ok = isinstance(value, types)
        if not ok:
            allowed = " or ".join("null" if t is type(None) else t.__name__ for t in types)
            raise ProfileError(
                f"Profile key {where}{key!r} has type {type(value).__name__}; expected {allowed}."
            )
    unknown = sorted(set(obj) - set(spec))
    if unknown:
        raise ProfileError(
            f"Profile has unknown keys {', '.join(repr(k) for k in unknown)} in {where or 'the top level'}. "
            f"Allowed keys are: {', '.join(spec)}."
        )


def validate_profile_dict(data: object) -> dict[str, Any]:
    """Check a decoded ``profile.json`` against the schema.

    Parameters
    ----------
    data : object
        The decoded JSON document.

    Returns
    -------
    dict
        ``data``, unchanged, once it passed every check.

    Raises
    ------
    ProfileError
        If a key is missing or has the wrong type, the schema version is unknown, or the
        channel map is inconsistent.
    """
    if not isinstance(data, dict):
        raise ProfileError("Profile file does not hold a JSON object; it is corrupt.")
    version = data.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise ProfileError("Profile has no valid 'schema_version'; it is corrupt or not a bci-input profile.")
    if version > SCHEMA_VERSION:
        raise ProfileError(
            f"Profile schema version {version} is newer than this bci-input understands ({SCHEMA_VERSION}). "
            "Update bci-input to load it."
        )
    if version < 1:
        raise ProfileError(f"Profile schema version {version} is invalid. Allowed versions are 1-{SCHEMA_VERSION}.")
    _check_keys(data, _TOP, "")
    check_name(data["name"])
    ch = data["channels"]
    _check_keys(ch, _CHANNELS, "channels.")
    names, types = ch["names"], ch["types"]
    if not names or len(names) != len(types):
        raise ProfileError(
            f"Profile channel map is inconsistent: {len(names)} names and {len(types)} types (need at least 1, "
            "equal counts)."
        )
    if not all(isinstance(n, str) for n in names) or not all(isinstance(t, str) for t in types):
        raise ProfileError("Profile channel names and types must be strings.")
    if len(set(names)) != len(names):
        raise ProfileError("Profile channel names must be unique.")
    if not ch["sfreq"] > 0:
        raise ProfileError(f"Profile sampling rate must be positive, got {ch['sfreq']!r}.")
    for pname, pdata in data["paradigms"].items():
        if pname not in PARADIGMS:
            raise ProfileError(f"Profile holds unknown paradigm {pname!r}. Allowed values are: {', '.join(PARADIGMS)}.")
        if not isinstance(pdata, dict):
            raise ProfileError(f"Profile paradigm {pname!r} must be an object.")
        _check_keys(pdata, _PARADIGM, f"paradigms.{pname}.")
        dec = pdata["decoder"]
        if dec is not None and not _NAME_RE.match(dec):
            raise ProfileError(f"Profile paradigm {pname!r} names an invalid decoder file {dec!r}.")
        st = pdata["stopping_threshold"]
        if st is not None and not 0.0 < float(st) < 1.0:
            raise ProfileError(f"Profile stopping threshold for {pname!r} must be in (0, 1), got {st!r}.")
    return data
