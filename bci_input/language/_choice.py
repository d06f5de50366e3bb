"""Which language model to use: the one choice behind ``--lm`` of the CLI, the simulator and the app."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from .._errors import check_option
from ..settings import LanguageSettings
from ._factory import load_language_model
from ._packages import LIGHT_MODEL
from ._types import LanguageModel
from ._wordfreq import WordFreqModel

__all__ = ["LM_CHOICES", "lm_choice", "load_lm_choice"]

#: What ``--lm`` accepts: the default model on this computer, the light bundled one, word-frequency predictions,
#: or no model.
LM_CHOICES = ("bundled", "light", "wordfreq", "none")

_BACKEND_CHOICE = {"local": "bundled", "http": "http", "wordfreq": "wordfreq", "none": "none"}


def lm_choice(lm: str | None, backend: str) -> str:
    """Return the model to use: ``lm`` (an ``--lm`` override) if given, else the one the settings' backend names.

    Parameters
    ----------
    lm : str | None
        One of :data:`LM_CHOICES`, or None for no override.
    backend : str
        ``[language] backend`` of the settings: ``local``, ``http``, ``wordfreq`` or ``none``.

    Returns
    -------
    str
        ``bundled``, ``light``, ``http``, ``wordfreq`` or ``none``. ``bundled`` with no override stands for the
        settings' local model (the default one, or ``[language] model``).
    """
    if lm is not None:
        check_option("lm", lm, LM_CHOICES)
        return lm
    return _BACKEND_CHOICE.get(backend, "bundled")


def load_lm_choice(
    name: str, settings: LanguageSettings | None = None, *, on_notice: Callable[[str], None] | None = None
) -> LanguageModel | None:
    """Load the model that ``--lm name`` stands for (``None`` for ``none``).

    ``bundled`` always means the default model installed with bci-input (Qwen2.5-Coder-0.5B-Instruct on
    llama.cpp), and ``light`` the small SmolLM2-135M-Instruct, whatever the settings' backend or model; the
    engine, precision and threads still come from ``settings``.

    Parameters
    ----------
    name : str
        One of :data:`LM_CHOICES`.
    settings : LanguageSettings | None
        The ``[language]`` settings (defaults when None).
    on_notice : callable | None
        Called with a one-sentence message for the user, as in :func:`load_language_model`.

    Returns
    -------
    LanguageModel | None
        The loaded model, or None for ``none``.
    """
    check_option("lm", name, LM_CHOICES)
    if name == "none":
        return None
    if name == "wordfreq":
        return WordFreqModel()
    model = LIGHT_MODEL if name == "light" else ""
    local = dataclasses.replace(settings or LanguageSettings(), backend="local", model=model)
    return load_language_model(local, on_notice=on_notice)
