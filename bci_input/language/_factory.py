"""Pick and load the configured backend, degrading to the word-frequency model with a visible notice."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from .._errors import BciInputError, ModelLoadError
from ..settings import LanguageSettings, endpoint_host
from ._loader import ModelNotFetchedError
from ._packages import DEFAULT_MODEL, LIGHT_MODEL
from ._types import SYMBOLS, Answer, LanguageModel, Rewrite
from ._wordfreq import BaseModel, WordFreqModel

__all__ = [
    "load_language_model", "load_local", "resolve_model", "short_name", "rewrite_model_of", "NullModel",
    "destination_notice",
]

log = logging.getLogger(__name__)


class NullModel(BaseModel):
    """The ``backend = "none"`` model: a uniform symbol distribution and no suggestions."""

    def __init__(self) -> None:
        self.name = "none"

    def next_symbols(
        self, context: str, *, revision: int = 0, cancel: threading.Event | None = None
    ) -> Answer[dict[str, float]]:
        """Return the uniform distribution over :data:`SYMBOLS`."""
        t0 = time.perf_counter()
        return self._answer({s: 1.0 / len(SYMBOLS) for s in SYMBOLS}, revision, t0, "next_symbols", cancel)

    def complete_word(
        self, context: str, prefix: str, k: int = 5, *, revision: int = 0, cancel: threading.Event | None = None
    ) -> Answer[list[tuple[str, float]]]:
        """Return no words."""
        return self._answer([], revision, time.perf_counter(), "complete_word", cancel)

    def complete_phrase(
        self, context: str, k: int = 3, *, revision: int = 0, cancel: threading.Event | None = None
    ) -> Answer[list[tuple[str, float]]]:
        """Return no phrases."""
        return self._answer([], revision, time.perf_counter(), "complete_phrase", cancel)

    def expand_abbreviation(
        self, initials: str, context: str = "", k: int = 3, *, revision: int = 0, cancel: threading.Event | None = None
    ) -> Answer[list[tuple[str, float]]]:
        """Return no expansions."""
        return self._answer([], revision, time.perf_counter(), "expand_abbreviation", cancel)

    def rewrite(
        self, text: str, instruction: str, k: int = 3, *, revision: int = 0, cancel: threading.Event | None = None
    ) -> Answer[list[Rewrite]]:
        """Return no rewrites."""
        return self._answer([], revision, time.perf_counter(), "rewrite", cancel)


def _notify(on_notice: Callable[[str], None] | None, message: str) -> None:
    log.warning("%s", message)
    if on_notice is not None:
        on_notice(message)


def _with_rewriter(
    typing: LanguageModel, settings: LanguageSettings, rewriting: str, on_notice: Callable[[str], None] | None
) -> LanguageModel:
    """Pair ``typing`` with the rewrite model; if that cannot load, say so and let ``typing`` rewrite too."""
    import dataclasses

    from ._split import SplitModel

    try:
        return SplitModel(typing, load_local(dataclasses.replace(settings, model=rewriting), on_notice=on_notice))
    except Exception as exc:  # any failure keeps the typing model, with a message that says why
        if not isinstance(exc, BciInputError):
            log.debug("rewrite model load failed", exc_info=True)
            exc = ModelLoadError(f"{type(exc).__name__}: {exc}.")
        _notify(on_notice, f"The rewrite model could not be loaded: {exc} {typing.name} rewrites instead.")
        return typing


def destination_notice(settings: LanguageSettings) -> str | None:
    """Return the sentence that says where the text goes, if the configured backend sends it to another computer.

    None for every backend that keeps the text on this computer (local model, word frequencies, a server on
    loopback).
    """
    if settings.backend != "http":
        return None
    host = endpoint_host(settings.endpoint_url)
    if host is None:
        return None
    return (f"The text you write is sent to the language server at {host} ({settings.endpoint_url}); "
            "it leaves this computer.")


def resolve_model(model: str) -> tuple[Path | None, str, str | None]:
    """Return the GGUF file that ``[language] model`` names, a display name and what its context starts with.

    The file is None for a Hugging Face model; the start is None for the tokenizer's end-of-text token.

    ``""`` is the default model (:data:`DEFAULT_MODEL`), ``"light"`` the bundled SmolLM2-135M-Instruct, a key
    of :data:`PACKAGED_MODELS` that model, a path ending in ``.gguf`` that file; anything else is a Hugging Face
    model folder or hub id.

    Raises
    ------
    ModelLoadError
        If a packaged model is not installed, or cannot be assembled.
    """
    from ._loader import BUNDLED_NAME, bundled_gguf
    from ._packages import PACKAGED_MODELS, model_file

    key = model or DEFAULT_MODEL
    if key == LIGHT_MODEL:
        return bundled_gguf(), BUNDLED_NAME, None
    if key in PACKAGED_MODELS:
        return model_file(key), PACKAGED_MODELS[key].title, PACKAGED_MODELS[key].context_start
    if key.lower().endswith(".gguf"):
        path = Path(key).expanduser()
        return path, path.stem, None
    return None, key, None


def short_name(model: str) -> str:
    """Return the short name the status line shows for ``[language] model`` (``Qwen2.5-Coder-0.5B``, ``SmolLM2``)."""
    from ._packages import PACKAGED_MODELS

    key = model or DEFAULT_MODEL
    if key == LIGHT_MODEL:
        return "SmolLM2"
    if key in PACKAGED_MODELS:
        return PACKAGED_MODELS[key].title.split("-Instruct")[0]
    return Path(key).stem if key.lower().endswith(".gguf") else key.rsplit("/", 1)[-1]


def load_local(settings: LanguageSettings, *, on_notice: Callable[[str], None] | None = None) -> LanguageModel:
    """Load the local model of ``settings`` on its engine.

    ``engine = "auto"`` runs a GGUF file on llama.cpp and a Hugging Face model on transformers;
    ``"transformers"`` also runs a GGUF file (de-quantised once into the model cache).

    Raises
    ------
    ModelLoadError
        If the model cannot be found or loaded, or llama.cpp is asked to run a Hugging Face folder.
    """
    import dataclasses

    from ._local import LocalModel

    gguf, name, start = resolve_model(settings.model)
    engine = settings.engine if settings.engine != "auto" else ("llama.cpp" if gguf is not None else "transformers")
    if engine == "llama.cpp":
        if gguf is None:
            raise ModelLoadError(
                f"The llama.cpp engine runs GGUF files, and {settings.model!r} is a Hugging Face model. Set "
                "[language] engine = \"transformers\", or give a .gguf file."
            )
        from ._llama_model import LlamaCppModel

        return LlamaCppModel.load_file(gguf, settings, name=name, context_start=start)
    target = "" if settings.model == LIGHT_MODEL else (str(gguf) if gguf is not None else settings.model)
    return LocalModel.load(dataclasses.replace(settings, model=target), on_notice=on_notice)


def rewrite_model_of(settings: LanguageSettings) -> str | None:
    """Return the model that answers rewrites and abbreviations, or None when the typing model does.

    ``rewrite_model = "auto"`` pairs the default model with Qwen2.5-Coder-1.5B where its packages are installed
    (and with nothing else); ``""`` means the typing model; any other value names a model as ``model`` does.
    """
    from ._packages import PACKAGED_MODELS, REWRITE_MODEL, parts_installed

    if settings.rewrite_model == "auto":
        if settings.model or not parts_installed(PACKAGED_MODELS[REWRITE_MODEL]):
            return None
        return REWRITE_MODEL
    return settings.rewrite_model or None


def load_language_model(
    settings: LanguageSettings | None = None,
    *,
    on_notice: Callable[[str], None] | None = None,
) -> LanguageModel:
    """Load the configured language model, or the word-frequency fallback.

    Parameters
    ----------
    settings : LanguageSettings | None
        ``backend`` is ``"local"`` (default: the bundled SmolLM2-135M-Instruct, or ``model`` = a Hugging Face
        model folder or hub id), ``"http"`` (an OpenAI-compatible server at ``endpoint_url``), ``"wordfreq"``
        or ``"none"``. ``personal_vocabulary = true`` blends the user's own words into predictions.
    on_notice : callable | None
        Called with a one-sentence message for the user when the configured backend cannot be used and the
        fallback is loaded instead (also logged as a warning), and once with where the text goes when the
        endpoint is another computer (see :func:`destination_notice`).

    Returns
    -------
    LanguageModel
        The loaded model. A model that fails to load degrades to :class:`WordFreqModel`.

    Raises
    ------
    ModelNotFetchedError
        If ``model`` is a Hugging Face hub id that was never fetched to this computer (models are only
        downloaded by ``bci-input lm fetch``).
    """
    s = settings or LanguageSettings()
    s.validate()
    model: LanguageModel
    if s.backend == "none":
        model = NullModel()
    elif s.backend == "wordfreq":
        model = WordFreqModel()
    elif s.backend == "http":
        from ._http import HttpModel

        where = destination_notice(s)
        if where is not None:
            if on_notice is not None:
                on_notice(where)
            else:
                log.warning("%s", where)
        try:
            model = HttpModel.connect(s, on_notice=on_notice)
        except BciInputError as exc:
            _notify(on_notice, f"{exc} Using word-frequency predictions instead.")
            model = WordFreqModel()
    else:
        try:
            model = load_local(s, on_notice=on_notice)
            rewriting = rewrite_model_of(s)
            if rewriting is not None and rewriting != s.model:
                model = _with_rewriter(model, s, rewriting, on_notice)
        except ModelNotFetchedError:
            raise  # the user asked for this model: say how to fetch it rather than writing with another one
        except Exception as exc:  # any failure degrades to the fallback, with a message that says why
            if not isinstance(exc, BciInputError):
                log.debug("language model load failed", exc_info=True)
                exc = ModelLoadError(f"{type(exc).__name__}: {exc}.")
            _notify(on_notice, f"The language model could not be loaded: {exc} Using word-frequency predictions.")
            model = WordFreqModel()
    if s.personal_vocabulary and s.backend != "none":
        from ._personal import PersonalizedModel, PersonalVocabulary

        model = PersonalizedModel(model, PersonalVocabulary.open_default())
    return model
