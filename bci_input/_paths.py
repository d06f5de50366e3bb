"""Where the real recordings live."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["default_data_dir"]


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
