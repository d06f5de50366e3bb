"""Build the session behind the app: the signal source, the simulated participant, the engine, the LLM."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

__all__ = ["build_engine_factory", "language_loader"]


def language_loader(settings: Any, lm: str | None) -> tuple[Callable[[], Any], str, bool]:
    """Return ``(loader, name, immediate)`` for the language model the app should use.

    ``lm`` overrides the settings: ``bundled`` (default, loaded on a worker thread), ``wordfreq`` (fast, loaded
    at once) or ``none``.
    """
    from bci_input.language import WordFreqModel, load_language_model

    choice = lm or {"local": "bundled", "http": "bundled", "wordfreq": "wordfreq", "none": "none"}.get(
        settings.language.backend, "bundled")
    if choice == "none":
        return (lambda: None), "none", True
    if choice == "wordfreq":
        return WordFreqModel, "wordfreq", True
    name = "http" if settings.language.backend == "http" else "SmolLM2 (local)"
    return (lambda: load_language_model(settings.language)), name, False


def build_engine_factory(settings: Any, board: str, paradigm: str, profile: str) -> tuple[Any, Any, str]:
    """Return ``(engine_factory | None, participant | None, board name)``."""
    return None, None, board
