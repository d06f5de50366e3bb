"""A person's own settings: the per-profile settings file, its migration, and the order settings apply in.

Every user-facing setting lives in one :class:`~bci_input.settings.Settings` object. Its values come, later
ones winning, from:

1. the defaults;
2. the ``--config`` TOML file (or ``$BCI_INPUT_CONFIG``);
3. the profile's settings file ``<user data dir>/settings/<profile>.toml``, which holds the keys of
   :data:`~bci_input.settings.PROFILE_KEYS` (what the app's accessibility dialog changes) and is written
   by :func:`save_profile_settings`;
4. command-line flags (``--board``, ``--mode``, ``--scope``...), passed as ``overrides``.

Earlier versions kept the accessibility preferences in ``<user data dir>/ui_prefs/<profile>.json`` and
could keep display settings in the calibration profile (``profile.json``'s ``"ui"``). The first time a
profile's settings are read, both are moved into its settings file (the old JSON file is renamed to
``.json.migrated``), so nobody's preferences are lost.
"""

from __future__ import annotations

import json
import logging
import math
import re
from pathlib import Path
from typing import Any

from .._errors import ConfigError, ProfileError
from ..settings import PROFILE_KEYS, Settings, load_settings, merge_settings, user_data_dir

__all__ = [
    "profile_settings_path",
    "load_profile_settings",
    "save_profile_settings",
    "with_profile_settings",
    "resolve_settings",
]

log = logging.getLogger(__name__)

_NAME = re.compile(r"[\w.-]{1,64}")
#: Where each key of the old ``ui_prefs`` JSON file went.
_OLD_PREFS_KEYS: dict[str, str] = {key: section for section, keys in PROFILE_KEYS.items() for key in keys}


def profile_settings_path(profile: str) -> Path:
    """Return the settings file of ``profile`` (``<user data dir>/settings/<profile>.toml``).

    Raises
    ------
    ProfileError
        If ``profile`` is not a valid profile name.
    """
    if not isinstance(profile, str) or not _NAME.fullmatch(profile):
        raise ProfileError(f"Invalid profile name {profile!r}: use 1-64 letters, digits, '.', '_' or '-'.")
    return user_data_dir() / "settings" / f"{profile}.toml"


def _old_prefs_path(profile: str) -> Path:
    return user_data_dir() / "ui_prefs" / f"{profile}.json"


def _read_json_object(path: Path, what: str) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ProfileError(f"{what} {path} are not valid JSON: {exc}.") from None
    if not isinstance(data, dict):
        raise ProfileError(f"{what} {path} must be a JSON object.")
    return data


def _sections(flat: dict[str, Any], where: Path) -> dict[str, dict[str, Any]]:
    """Sort old flat keys into their settings sections; keys that no setting holds are dropped with a warning."""
    out: dict[str, dict[str, Any]] = {}
    for key, value in flat.items():
        section = _OLD_PREFS_KEYS.get(key)
        if section is None:
            log.warning("%s: the old preference %r has no setting; it is left out", where, key)
            continue
        out.setdefault(section, {})[key] = value
    return out


def _migrate(profile: str, path: Path) -> None:
    """Write ``profile``'s settings file from its old preference files, if it has any."""
    changes: dict[str, dict[str, Any]] = {}
    calib = user_data_dir() / "profiles" / profile / "profile.json"
    if calib.is_file():
        try:
            meta_ui = _read_json_object(calib, "Profile").get("ui")
        except ProfileError as exc:  # the calibration is refused where it is used, with this message
            log.warning("%s", exc)
            meta_ui = None
        if isinstance(meta_ui, dict) and meta_ui:
            changes = _sections(meta_ui, calib)
    old = _old_prefs_path(profile)
    if old.is_file():  # the accessibility dialog's file is newer than a calibration's copy: it wins
        for section, values in _sections(_read_json_object(old, "Accessibility preferences"), old).items():
            changes.setdefault(section, {}).update(values)
    if not changes:
        return
    try:
        settings = merge_settings(Settings(), changes)
    except ConfigError as exc:
        raise ProfileError(f"Old preferences of profile {profile!r} ({old}): {exc}") from None
    save_profile_settings(profile, settings)
    if old.is_file():
        old.replace(old.with_name(old.name + ".migrated"))
    log.info("profile %r: preferences moved into %s", profile, path)


def load_profile_settings(profile: str) -> dict[str, dict[str, Any]]:
    """Return the keys stored in ``profile``'s settings file (``{}`` if it has none), migrating old files first.

    Raises
    ------
    ProfileError
        If the file (or an old preferences file) is unreadable or holds invalid values.
    """
    path = profile_settings_path(profile)
    if not path.exists():
        _migrate(profile, path)
    if not path.exists():
        return {}
    try:
        stored = load_settings(path)
    except ConfigError as exc:
        raise ProfileError(str(exc)) from None
    import tomllib

    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {sec: {k: getattr(getattr(stored, sec), k) for k in data.get(sec, {}) if k in keys}
            for sec, keys in PROFILE_KEYS.items() if sec in data}


def with_profile_settings(settings: Settings, profile: str) -> Settings:
    """Return ``settings`` with ``profile``'s stored keys applied over them."""
    stored = load_profile_settings(profile)
    return merge_settings(settings, stored) if stored else settings


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ConfigError(f"Cannot store the non-finite number {value!r}.")
        return repr(value)
    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a valid TOML basic string


def save_profile_settings(profile: str, settings: Settings) -> Path:
    """Store the :data:`~bci_input.settings.PROFILE_KEYS` of ``settings`` as ``profile``'s settings, atomically.

    Returns
    -------
    Path
        The settings file.
    """
    from ..document import atomic_write_text

    settings.validate()
    path = profile_settings_path(profile)
    lines = [f"# Settings of profile {profile!r}, written by bci-input (Session > Accessibility).", ""]
    for section, keys in PROFILE_KEYS.items():
        lines.append(f"[{section}]")
        lines += [f"{key} = {_toml_value(getattr(getattr(settings, section), key))}" for key in keys]
        lines.append("")
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, "\n".join(lines))
    return path


def resolve_settings(config: str | Path | None = None, profile: str | None = None,
                     overrides: dict[str, dict[str, Any]] | None = None) -> Settings:
    """Return the session's settings: defaults, then ``config``, then ``profile``'s file, then ``overrides``.

    Parameters
    ----------
    config : path-like | None
        The ``--config`` TOML file.
    profile : str | None
        The profile whose stored settings apply (``None``: none).
    overrides : dict | None
        ``{section: {key: value}}`` from command-line flags; validated like a settings file.

    Returns
    -------
    Settings
        The validated settings.
    """
    settings = load_settings(config)
    if profile is not None:
        settings = with_profile_settings(settings, profile)
    if overrides:
        settings = merge_settings(settings, overrides)
    return settings
