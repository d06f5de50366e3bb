"""The project's exception hierarchy.

Every error that a user can cause or fix (a wrong board name, a missing file, a
model that does not load) is a :class:`BciInputError`. The CLI turns these into
a one-line message and exit code 2; the app shows them in a dialog.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "BciInputError",
    "ConfigError",
    "DeviceError",
    "StreamNotFoundError",
    "DataFormatError",
    "ModelLoadError",
    "ProfileError",
    "StorageError",
    "check_option",
]


class BciInputError(Exception):
    """Base class of every error the project raises on purpose.

    Parameters
    ----------
    message : str
        A sentence that says what was wrong and what is allowed or how to fix it.
    code : int | None
        The vendor's error code (for example BrainFlow's ``exit_code``), kept so
        that support can look it up.
    """

    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code

    def __str__(self) -> str:
        base = super().__str__()
        if self.code is not None:
            return f"{base} (error code {self.code})"
        return base


class ConfigError(BciInputError, ValueError):
    """An invalid option, setting or argument."""


class DeviceError(BciInputError):
    """A board could not be opened, configured or read."""


class StreamNotFoundError(DeviceError):
    """An LSL stream (or another network source) was not found in time."""


class DataFormatError(BciInputError, ValueError):
    """A file (recording, events sidecar, dataset) is missing, truncated or malformed."""


class ModelLoadError(BciInputError):
    """A language model or a decoder model could not be loaded."""


class ProfileError(BciInputError, ValueError):
    """A patient profile is corrupt, of an unknown schema, or made for other hardware."""


class StorageError(BciInputError, OSError):
    """Writing to disk failed (full disk, read-only folder, permissions)."""


def check_option(name: str, value: object, allowed: Iterable[object]) -> None:
    """Raise :class:`ConfigError` unless ``value`` is one of ``allowed``.

    Parameters
    ----------
    name : str
        The option's name, as the user knows it (``'board'``).
    value : object
        The value given.
    allowed : iterable
        The allowed values.

    Raises
    ------
    ConfigError
        With a message like ``Invalid value for 'board': 'cytn'. Allowed values are: a, b.``
    """
    allowed = list(allowed)
    if value not in allowed:
        names = ", ".join(str(a) for a in allowed)
        raise ConfigError(f"Invalid value for {name!r}: {value!r}. Allowed values are: {names}.")
