"""One typed, frozen settings object, loaded from TOML and validated once.

Every section is a frozen dataclass with defaults. :func:`load_settings` reads a
TOML file, rejects unknown sections and keys with a message that lists the
allowed ones, converts types and validates values. Nothing else in the project
reads configuration from strings.

Example ``config.toml``::

    [acquisition]
    board = "cyton"
    serial_port = "/dev/ttyUSB0"

    [language]
    backend = "http"
    endpoint_url = "http://127.0.0.1:8080/v1"
    api_key_env = "MY_LLM_KEY"
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._errors import ConfigError, check_option

__all__ = [
    "AcquisitionSettings",
    "LanguageSettings",
    "SpellerSettings",
    "UiSettings",
    "StorageSettings",
    "Settings",
    "load_settings",
    "settings_from_dict",
    "settings_to_dict",
    "user_data_dir",
    "user_cache_dir",
]


def user_data_dir() -> Path:
    """Return the folder for profiles, documents and autosaves.

    ``BCI_INPUT_HOME`` overrides the platform default (tests use it).
    """
    env = os.environ.get("BCI_INPUT_HOME")
    if env:
        return Path(env) / "data"
    import platformdirs

    return Path(platformdirs.user_data_dir("bci-input", appauthor=False))


def user_cache_dir() -> Path:
    """Return the folder for caches (converted model weights).

    ``BCI_INPUT_HOME`` overrides the platform default (tests use it).
    """
    env = os.environ.get("BCI_INPUT_HOME")
    if env:
        return Path(env) / "cache"
    import platformdirs

    return Path(platformdirs.user_cache_dir("bci-input", appauthor=False))


@dataclass(frozen=True)
class AcquisitionSettings:
    """Where the signals come from."""

    board: str = "synthetic"
    serial_port: str = ""
    mac_address: str = ""
    ip_address: str = ""
    ip_port: int = 0
    serial_number: str = ""
    timeout: int = 0
    other_info: str = ""
    playback_file: str = ""
    lsl_stream_name: str = ""
    lsl_marker_name: str = ""
    lsl_outlet: bool = False
    lsl_outlet_name: str = "bci-input"
    line_freq: float = 50.0

    def validate(self) -> None:
        """Raise :class:`ConfigError` on invalid values."""
        if self.ip_port < 0 or self.ip_port > 65535:
            raise ConfigError(f"Invalid value for 'ip_port': {self.ip_port}. Allowed values are 0-65535.")
        check_option("line_freq", self.line_freq, (50.0, 60.0))


@dataclass(frozen=True)
class LanguageSettings:
    """Which language model predicts and rewrites text."""

    backend: str = "local"
    model: str = ""
    dtype: str = "fp32"
    threads: int = 0
    endpoint_url: str = ""
    endpoint_model: str = ""
    api_key_env: str = ""
    timeout_s: float = 10.0
    retries: int = 2
    personal_vocabulary: bool = False

    def validate(self) -> None:
        """Raise :class:`ConfigError` on invalid values."""
        check_option("backend", self.backend, ("local", "http", "wordfreq", "none"))
        check_option("dtype", self.dtype, ("fp32", "bf16"))
        if self.backend == "http" and not self.endpoint_url:
            raise ConfigError("The 'http' language backend needs 'endpoint_url' (for example http://127.0.0.1:8080/v1).")
        if self.threads < 0:
            raise ConfigError(f"Invalid value for 'threads': {self.threads}. Use 0 (automatic) or a positive count.")
        if self.timeout_s <= 0:
            raise ConfigError(f"Invalid value for 'timeout_s': {self.timeout_s}. It must be positive.")


@dataclass(frozen=True)
class SpellerSettings:
    """How targets are presented and decided."""

    paradigm: str = "ssvep"
    switch_preset: str = "one-switch"
    stopping_threshold: float = 0.9
    max_window_s: float = 4.0
    scan_step_s: float = 1.0
    dwell_s: float = 1.0
    n_suggestions: int = 5
    confirm: str = "none"

    def validate(self) -> None:
        """Raise :class:`ConfigError` on invalid values."""
        check_option("paradigm", self.paradigm, ("ssvep", "p300", "scan"))
        check_option("confirm", self.confirm, ("none", "emg"))
        check_option("switch_preset", self.switch_preset, ("one-switch", "two-switch"))
        if not 0.0 < self.stopping_threshold < 1.0:
            raise ConfigError(
                f"Invalid value for 'stopping_threshold': {self.stopping_threshold}. It must be in (0, 1)."
            )
        if self.max_window_s <= 0 or self.scan_step_s <= 0 or self.dwell_s < 0:
            raise ConfigError("Durations 'max_window_s' and 'scan_step_s' must be positive, 'dwell_s' non-negative.")


@dataclass(frozen=True)
class UiSettings:
    """Accessibility and display preferences (persisted per profile)."""

    font_size: int = 22
    target_size: int = 96
    high_contrast: bool = False
    flicker_color: str = "#ffffff"
    background_color: str = "#101418"
    show_scope: bool = False

    def validate(self) -> None:
        """Raise :class:`ConfigError` on invalid values."""
        if not 8 <= self.font_size <= 96:
            raise ConfigError(f"Invalid value for 'font_size': {self.font_size}. Allowed values are 8-96.")
        if not 32 <= self.target_size <= 400:
            raise ConfigError(f"Invalid value for 'target_size': {self.target_size}. Allowed values are 32-400.")


@dataclass(frozen=True)
class StorageSettings:
    """Where documents and autosaves go."""

    documents_dir: str = ""
    autosave_versions: int = 10

    def validate(self) -> None:
        """Raise :class:`ConfigError` on invalid values."""
        if self.autosave_versions < 1:
            raise ConfigError(
                f"Invalid value for 'autosave_versions': {self.autosave_versions}. It must be at least 1."
            )


@dataclass(frozen=True)
class Settings:
    """All settings of one session."""

    acquisition: AcquisitionSettings = field(default_factory=AcquisitionSettings)
    language: LanguageSettings = field(default_factory=LanguageSettings)
    speller: SpellerSettings = field(default_factory=SpellerSettings)
    ui: UiSettings = field(default_factory=UiSettings)
    storage: StorageSettings = field(default_factory=StorageSettings)

    def validate(self) -> None:
        """Validate every section."""
        for f in dataclasses.fields(self):
            getattr(self, f.name).validate()


def _coerce(section: str, name: str, typ: Any, value: Any) -> Any:
    where = f"{section}.{name}"
    if typ is bool:
        if isinstance(value, bool):
            return value
        raise ConfigError(f"Invalid value for {where!r}: {value!r}. Allowed values are: true, false.")
    if typ is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise ConfigError(f"Invalid value for {where!r}: {value!r}. It must be an integer.")
    if typ is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        raise ConfigError(f"Invalid value for {where!r}: {value!r}. It must be a number.")
    if typ is str:
        if isinstance(value, str):
            return value
        raise ConfigError(f"Invalid value for {where!r}: {value!r}. It must be a string.")
    raise ConfigError(f"Unsupported setting type for {where!r}.")  # pragma: no cover


def settings_from_dict(data: dict[str, Any]) -> Settings:
    """Build and validate :class:`Settings` from a nested mapping.

    Parameters
    ----------
    data : dict
        ``{section: {key: value}}`` as read from TOML or JSON.

    Returns
    -------
    Settings
        The validated settings.

    Raises
    ------
    ConfigError
        On an unknown section or key, a wrong type, or an invalid value.
    """
    if not isinstance(data, dict):
        raise ConfigError("Settings must be a table of sections.")
    sections = {f.name: f for f in dataclasses.fields(Settings)}
    kwargs: dict[str, Any] = {}
    for sec_name, sec_value in data.items():
        if sec_name not in sections:
            raise ConfigError(
                f"Unknown settings section {sec_name!r}. Allowed sections are: {', '.join(sections)}."
            )
        if not isinstance(sec_value, dict):
            raise ConfigError(f"Settings section {sec_name!r} must be a table.")
        cls = sections[sec_name].default_factory  # type: ignore[misc]
        hints = typing.get_type_hints(cls)
        allowed = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        values: dict[str, Any] = {}
        for key, value in sec_value.items():
            if key not in allowed:
                raise ConfigError(
                    f"Unknown setting {sec_name}.{key}. Allowed keys are: {', '.join(sorted(allowed))}."
                )
            values[key] = _coerce(sec_name, key, hints[key], value)
        kwargs[sec_name] = cls(**values)  # type: ignore[operator]
    settings = Settings(**kwargs)
    settings.validate()
    return settings


def settings_to_dict(settings: Settings) -> dict[str, dict[str, Any]]:
    """Return settings as a nested plain mapping (for TOML/JSON output)."""
    return dataclasses.asdict(settings)


def load_settings(path: str | os.PathLike[str] | None = None) -> Settings:
    """Load settings from a TOML file, or return the defaults.

    Parameters
    ----------
    path : path-like | None
        The TOML file. ``None`` returns the validated defaults.

    Returns
    -------
    Settings
        The validated settings.

    Raises
    ------
    ConfigError
        If the file is missing, is not valid TOML, or holds invalid settings.
    """
    if path is None:
        settings = Settings()
        settings.validate()
        return settings
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"Settings file not found: {p}. Check the path or omit --config.") from None
    except OSError as exc:
        raise ConfigError(f"Cannot read settings file {p}: {exc.strerror}.") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"Settings file {p} is not valid TOML: {exc}.") from None
    except RecursionError:
        raise ConfigError(f"Settings file {p} is not valid TOML: it nests arrays or tables too deeply.") from None
    return settings_from_dict(data)


def replace(settings: Settings, section: str, **changes: Any) -> Settings:
    """Return a copy of ``settings`` with some keys of one section changed, validated."""
    sec = getattr(settings, section)
    new = dataclasses.replace(settings, **{section: dataclasses.replace(sec, **changes)})
    new.validate()
    return new


