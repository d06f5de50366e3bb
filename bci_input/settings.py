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
import ipaddress
import logging
import os
import re
import tomllib
import typing
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from ._checks import check_number
from ._errors import ConfigError, check_option

log = logging.getLogger(__name__)

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
    "merge_settings",
    "PROFILE_KEYS",
    "RETIRED_KEYS",
    "user_data_dir",
    "user_cache_dir",
    "endpoint_host",
]


_COLOR = re.compile(r"#[0-9a-fA-F]{6}")

#: Keys that earlier versions accepted but that never did anything; a file holding one still loads (with a
#: warning) so that nobody's settings file stops working.
RETIRED_KEYS: dict[tuple[str, str], str] = {
    ("speller", "n_suggestions"): "the keyboard always shows 4 word suggestions and 1 phrase suggestion",
}

#: The keys the app stores per profile (its accessibility dialog changes them): ``{section: keys}``.
PROFILE_KEYS: dict[str, tuple[str, ...]] = {
    "ui": ("font_size", "target_size", "high_contrast", "flicker_color", "background_color"),
    "speller": ("scan_step_s", "dwell_s", "switch_preset"),
}


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


def _number(
    default: float, low: float, high: float, *, integer: bool = False, low_inclusive: bool = True
) -> Any:
    """Declare a numeric setting with its physical bounds (checked by :meth:`_Section.check_numbers`)."""
    bounds = {"low": low, "high": high, "integer": integer, "low_inclusive": low_inclusive}
    return field(default=default, metadata={"bounds": bounds})


def _check_field(section: str, f: dataclasses.Field[Any], value: Any) -> None:
    bounds = f.metadata.get("bounds")
    if bounds is not None:
        check_number(f"{section}.{f.name}", value, error=ConfigError, **bounds)


class _Section:
    """A settings section: every numeric field carries its bounds in its metadata."""

    SECTION: ClassVar[str] = ""

    def check_numbers(self) -> None:
        """Raise :class:`ConfigError` naming ``section.key`` for a value that is not finite or out of bounds."""
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            _check_field(self.SECTION, f, getattr(self, f.name))


def endpoint_host(url: str) -> str | None:
    """Return the host of ``url`` if it is another computer, or None for this computer (loopback).

    Loopback is ``localhost`` and the addresses 127.0.0.0/8 and ``::1``.
    """
    host = (urllib.parse.urlsplit(url.strip()).hostname or "").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return None
    try:
        return None if ipaddress.ip_address(host).is_loopback else host
    except ValueError:
        return host


@dataclass(frozen=True)
class AcquisitionSettings(_Section):
    """Where the signals come from."""

    SECTION: ClassVar[str] = "acquisition"

    board: str = "synthetic"
    serial_port: str = ""
    mac_address: str = ""
    ip_address: str = ""
    ip_port: int = _number(0, 0, 65535, integer=True)
    serial_number: str = ""
    timeout: int = _number(0, 0, 3600, integer=True)
    other_info: str = ""
    playback_file: str = ""
    lsl_stream_name: str = ""
    lsl_marker_name: str = ""
    lsl_outlet: bool = False
    lsl_outlet_name: str = "bci-input"
    lsl_scope: str = "machine"
    line_freq: float = _number(50.0, 50.0, 60.0)

    def validate(self) -> None:
        """Raise :class:`ConfigError` on invalid values."""
        self.check_numbers()
        check_option("line_freq", self.line_freq, (50.0, 60.0))
        check_option("acquisition.lsl_scope", self.lsl_scope, ("machine", "network"))


@dataclass(frozen=True)
class LanguageSettings(_Section):
    """Which language model predicts and rewrites text."""

    SECTION: ClassVar[str] = "language"

    backend: str = "local"
    model: str = ""
    rewrite_model: str = "auto"
    engine: str = "auto"
    dtype: str = "fp32"
    threads: int = _number(0, 0, 1024, integer=True)
    endpoint_url: str = ""
    endpoint_model: str = ""
    api_key_env: str = ""
    timeout_s: float = _number(10.0, 0.0, 600.0, low_inclusive=False)
    retries: int = _number(2, 0, 10, integer=True)
    personal_vocabulary: bool = False
    allow_insecure_http: bool = False

    def validate(self) -> None:
        """Raise :class:`ConfigError` on invalid values."""
        self.check_numbers()
        check_option("backend", self.backend, ("local", "http", "wordfreq", "none"))
        check_option("dtype", self.dtype, ("fp32", "bf16"))
        check_option("engine", self.engine, ("auto", "llama.cpp", "transformers"))
        if self.backend == "http" and not self.endpoint_url:
            raise ConfigError("The 'http' language backend needs 'endpoint_url' (for example http://127.0.0.1:8080/v1).")
        if self.backend == "http" and not self.allow_insecure_http:
            url = self.endpoint_url.strip()
            host = endpoint_host(url)
            if url.lower().startswith("http://") and host is not None:
                raise ConfigError(
                    f"The language endpoint {url!r} is plain http:// to another computer ({host}): the text would "
                    "cross the network unencrypted. Use https://, a server on this computer (127.0.0.1), or set "
                    "'language.allow_insecure_http = true' to send it anyway."
                )


@dataclass(frozen=True)
class SpellerSettings(_Section):
    """How targets are presented and decided."""

    SECTION: ClassVar[str] = "speller"

    paradigm: str = "ssvep"
    switch_preset: str = "one-switch"
    stopping_threshold: float = _number(0.9, 0.0, 1.0, low_inclusive=False)
    max_window_s: float = _number(4.0, 0.0, 60.0, low_inclusive=False)
    scan_step_s: float = _number(1.0, 0.1, 30.0)
    dwell_s: float = _number(0.8, 0.0, 30.0)
    confirm: str = "none"

    def validate(self) -> None:
        """Raise :class:`ConfigError` on invalid values."""
        self.check_numbers()
        check_option("paradigm", self.paradigm, ("ssvep", "p300", "scan"))
        check_option("confirm", self.confirm, ("none", "emg"))
        check_option("switch_preset", self.switch_preset, ("one-switch", "two-switch"))
        if self.stopping_threshold == 1.0:  # a posterior never reaches 1: no selection would ever be made
            raise ConfigError(
                f"Invalid value for 'speller.stopping_threshold': {self.stopping_threshold}. It must be in (0, 1)."
            )


@dataclass(frozen=True)
class UiSettings(_Section):
    """Accessibility and display preferences (the app stores them per profile, see :data:`PROFILE_KEYS`)."""

    SECTION: ClassVar[str] = "ui"

    font_size: int = _number(26, 12, 72, integer=True)
    target_size: int = _number(84, 48, 300, integer=True)
    high_contrast: bool = False
    flicker_color: str = "#ffffff"
    background_color: str = "#15191f"
    show_scope: bool = False

    def validate(self) -> None:
        """Raise :class:`ConfigError` on invalid values."""
        self.check_numbers()
        for name in ("flicker_color", "background_color"):
            value = getattr(self, name)
            if not isinstance(value, str) or not _COLOR.fullmatch(value):
                raise ConfigError(f"Invalid value for 'ui.{name}': {value!r}. Use a colour like '#ffffff'.")


@dataclass(frozen=True)
class StorageSettings(_Section):
    """Where documents and autosaves go."""

    SECTION: ClassVar[str] = "storage"

    documents_dir: str = ""
    autosave_versions: int = _number(10, 1, 1000, integer=True)

    def validate(self) -> None:
        """Raise :class:`ConfigError` on invalid values."""
        self.check_numbers()


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
        fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        values: dict[str, Any] = {}
        for key, value in sec_value.items():
            if (sec_name, key) in RETIRED_KEYS:
                log.warning("Setting %s.%s is no longer used (%s); it is ignored.", sec_name, key,
                            RETIRED_KEYS[sec_name, key])
                continue
            if key not in fields:
                raise ConfigError(
                    f"Unknown setting {sec_name}.{key}. Allowed keys are: {', '.join(sorted(fields))}."
                )
            if isinstance(value, int | float) and not isinstance(value, bool):
                _check_field(sec_name, fields[key], value)  # before float(): a 5,000-digit integer overflows it
            values[key] = _coerce(sec_name, key, hints[key], value)
        kwargs[sec_name] = cls(**values)  # type: ignore[operator]
    settings = Settings(**kwargs)
    settings.validate()
    return settings


def merge_settings(settings: Settings, changes: dict[str, dict[str, Any]]) -> Settings:
    """Return ``settings`` with the keys in ``changes`` (``{section: {key: value}}``) replaced, validated.

    Each value is checked and converted as if read from a settings file.

    Raises
    ------
    ConfigError
        On an unknown section or key, a wrong type, or an invalid value.
    """
    data = settings_to_dict(settings)
    for section, values in changes.items():
        if not isinstance(values, dict):
            raise ConfigError(f"Settings section {section!r} must be a table.")
        data.setdefault(section, {}).update(values)
    return settings_from_dict(data)


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
        text = raw.decode("utf-8")
        data = tomllib.loads(text)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"Settings file {p} is not valid TOML: {exc}.") from None
    except RecursionError:
        raise ConfigError(f"Settings file {p} is not valid TOML: it nests arrays or tables too deeply.") from None
    except ValueError:  # an integer longer than Python converts (4,300 digits)
        raise ConfigError(f"Settings file {p}: {_huge_integer_key(text)}") from None
    try:
        return settings_from_dict(data)
    except ConfigError as exc:
        raise ConfigError(f"Settings file {p}: {exc}") from None


def _huge_integer_key(text: str) -> str:
    """Describe the first key whose value is an integer too long to convert (the TOML parser names none)."""
    section = ""
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("[") and not stripped.startswith("[["):
            section = stripped.strip("[]").strip()
        match = re.match(r"\s*([\w.\"'-]+)\s*=\s*[-+]?[\d_]{1000,}", line)
        if match:
            key = f"{section}.{match.group(1)}" if section else match.group(1)
            return (f"Invalid value for {key!r} (line {number}): an integer of more than 1,000 digits. "
                    "It must be a number within its allowed range.")
    return "an integer value has too many digits. Use numbers within each setting's allowed range."


def replace(settings: Settings, section: str, **changes: Any) -> Settings:
    """Return a copy of ``settings`` with some keys of one section changed, validated."""
    sec = getattr(settings, section)
    new = dataclasses.replace(settings, **{section: dataclasses.replace(sec, **changes)})
    new.validate()
    return new


