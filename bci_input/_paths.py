"""Where the real recordings live."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["default_data_dir", "recordings_dir"]


def default_data_dir() -> Path | None:
    """Return ``$BCI_INPUT_DATA``, else ``../shared/data`` next to the checkout, else ``None``."""
    env = os.environ.get("BCI_INPUT_DATA")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parent.parent
    for candidate in (here.parent / "shared" / "data", Path.cwd().parent / "shared" / "data"):
        if candidate.is_dir():
            return candidate
    return None


def recordings_dir(value: str | Path | None = None) -> Path:
    """Return the recordings folder: ``value`` (``--data-dir``), else :func:`default_data_dir`.

    Raises
    ------
    ConfigError
        If the folder does not exist.
    """
    from ._errors import ConfigError

    path = Path(value) if value else default_data_dir()
    if path is None or not path.is_dir():
        raise ConfigError(f"Recordings folder not found: {path}. Pass --data-dir DIR or set BCI_INPUT_DATA.")
    return path
