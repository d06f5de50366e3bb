"""Accessibility preferences: font and target size, contrast, flicker colours, scan timing, switch preset.

Stored per profile as JSON in ``<user data dir>/ui_prefs/<profile>.json``. Pure Python (no Qt), so the
dialog, the main window and the tests share one validated object.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bci_input._errors import ConfigError, ProfileError, check_option

log = logging.getLogger(__name__)

__all__ = ["AccessibilityPrefs", "load_prefs", "save_prefs", "prefs_path"]

_COLOR = re.compile(r"#[0-9a-fA-F]{6}")


@dataclass(frozen=True)
class AccessibilityPrefs:
    """Display and interaction preferences of one user.

    Parameters
    ----------
    font_size : int
        Editor font size in points (12-72).
    target_size : int
        Minimum edge of a stimulus target in pixels (48-300).
    high_contrast : bool
        Black background, white text, yellow highlights.
    flicker_color : str
        Colour of a target at full luminance, ``#rrggbb``.
    background_color : str
        Colour of a target at zero luminance and of the keyboard background, ``#rrggbb``.
    scan_step_s : float
        Seconds each group stays highlighted while scanning (0.3-5).
    dwell_s : float
        Seconds a selection stays on screen before the next trial (0-5).
    switch_preset : str
        ``'one-switch'`` (automatic scan, the switch selects) or ``'two-switch'`` (step + select).
    """

    font_size: int = 26
    target_size: int = 84
    high_contrast: bool = False
    flicker_color: str = "#ffffff"
    background_color: str = "#15191f"
    scan_step_s: float = 1.0
    dwell_s: float = 0.8
    switch_preset: str = "one-switch"

    def validate(self) -> AccessibilityPrefs:
        """Return ``self`` or raise :class:`ConfigError` naming the bad value and the allowed range."""
        if not 12 <= self.font_size <= 72:
            raise ConfigError(f"Invalid value for 'font_size': {self.font_size}. Allowed values are 12-72.")
        if not 48 <= self.target_size <= 300:
            raise ConfigError(f"Invalid value for 'target_size': {self.target_size}. Allowed values are 48-300.")
        for name in ("flicker_color", "background_color"):
            value = getattr(self, name)
            if not isinstance(value, str) or not _COLOR.fullmatch(value):
                raise ConfigError(f"Invalid value for {name!r}: {value!r}. Use a colour like '#ffffff'.")
        if not 0.3 <= self.scan_step_s <= 5.0:
            raise ConfigError(f"Invalid value for 'scan_step_s': {self.scan_step_s}. Allowed values are 0.3-5 s.")
        if not 0.0 <= self.dwell_s <= 5.0:
            raise ConfigError(f"Invalid value for 'dwell_s': {self.dwell_s}. Allowed values are 0-5 s.")
        check_option("switch_preset", self.switch_preset, ("one-switch", "two-switch"))
        return self

    def replace(self, **changes: Any) -> AccessibilityPrefs:
        """Return a validated copy with some fields changed."""
        return dataclasses.replace(self, **changes).validate()

    def to_dict(self) -> dict[str, Any]:
        """Return the preferences as a JSON-ready mapping."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AccessibilityPrefs:
        """Build validated preferences from a mapping; unknown keys are an error."""
        if not isinstance(data, dict):
            raise ConfigError("Accessibility preferences must be a JSON object.")
        fields = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - set(fields))
        if unknown:
            raise ConfigError(
                f"Unknown accessibility setting(s): {', '.join(unknown)}. Allowed keys are: {', '.join(fields)}."
            )
        values: dict[str, Any] = {}
        for key, value in data.items():
            default = getattr(cls(), key)
            if isinstance(default, bool):
                ok = isinstance(value, bool)
            elif isinstance(default, int):
                ok = isinstance(value, int) and not isinstance(value, bool)
            elif isinstance(default, float):
                ok = isinstance(value, int | float) and not isinstance(value, bool)
                value = float(value) if ok else value
            else:
                ok = isinstance(value, str)
            if not ok:
                raise ConfigError(f"Invalid value for {key!r}: {value!r}. Expected a {type(default).__name__}.")
            values[key] = value
        return cls(**values).validate()


def prefs_path(profile: str) -> Path:
    """Return the JSON file holding ``profile``'s preferences."""
    from bci_input.settings import user_data_dir

    if not re.fullmatch(r"[\w.-]{1,64}", profile or ""):
        raise ProfileError(f"Invalid profile name {profile!r}: use 1-64 letters, digits, '.', '_' or '-'.")
    return user_data_dir() / "ui_prefs" / f"{profile}.json"


def load_prefs(profile: str) -> AccessibilityPrefs:
    """Return the stored preferences of ``profile``, or the defaults if it has none yet.

    Raises
    ------
    ProfileError
        If the file exists but is not valid JSON or holds invalid values.
    """
    path = prefs_path(profile)
    if not path.exists():
        return AccessibilityPrefs()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return AccessibilityPrefs.from_dict(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ProfileError(f"Accessibility preferences {path} are not valid JSON: {exc}.") from None
    except ConfigError as exc:
        raise ProfileError(f"Accessibility preferences {path}: {exc}") from None


def save_prefs(profile: str, prefs: AccessibilityPrefs) -> Path:
    """Write ``prefs`` for ``profile`` atomically and return the file."""
    from bci_input.document import atomic_write_text

    path = prefs_path(profile)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(prefs.validate().to_dict(), indent=2) + "\n")
    return path
