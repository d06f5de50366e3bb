"""The language layer: local transformers, OpenAI-compatible HTTP and word-frequency backends.

Quick start::

    from bci_input.language import load_language_model, LanguageWorker

    model = load_language_model(settings.language, on_notice=print)   # bundled SmolLM2, or the fallback
    model.complete_word("Dear Sarah, thank you for your ", "he", k=5).value   # [("help", 0.41), ...]

See ``docs/language.md``.
"""

from ._choice import LM_CHOICES, lm_choice, load_lm_choice
from ._factory import NullModel, load_language_model
from ._http import HttpModel, ServerNotice, server_notice
from ._local import LocalModel
from ._personal import PersonalizedModel, PersonalVocabulary
from ._process import ProcessLanguageModel
from ._requests import (
    KINDS,
    REQUESTS,
    CompletePhrase,
    CompleteWord,
    ExpandAbbreviation,
    LanguageAnswer,
    LanguageRequest,
    NextSymbols,
    RewriteText,
    ask,
)
from ._text import split_context
from ._types import (
    ALPHABET,
    BACKSPACE,
    MAIN_SYMBOLS,
    NEWLINE,
    REWRITE_PRESETS,
    SYMBOLS,
    Answer,
    LanguageModel,
    Rewrite,
    WordDiff,
    word_diff,
)
from ._wordfreq import WordFreqModel
from ._worker import LanguageWorker

__all__ = [
    "LM_CHOICES",
    "lm_choice",
    "load_lm_choice",
    "ALPHABET",
    "MAIN_SYMBOLS",
    "NEWLINE",
    "SYMBOLS",
    "BACKSPACE",
    "KINDS",
    "REQUESTS",
    "LanguageRequest",
    "LanguageAnswer",
    "NextSymbols",
    "CompleteWord",
    "CompletePhrase",
    "ExpandAbbreviation",
    "RewriteText",
    "ask",
    "Answer",
    "LanguageModel",
    "Rewrite",
    "REWRITE_PRESETS",
    "load_language_model",
    "WordFreqModel",
    "NullModel",
    "LocalModel",
    "HttpModel",
    "ServerNotice",
    "server_notice",
    "PersonalVocabulary",
    "PersonalizedModel",
    "ProcessLanguageModel",
    "LanguageWorker",
    "split_context",
    "WordDiff",
    "word_diff",
]
