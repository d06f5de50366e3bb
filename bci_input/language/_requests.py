"""The typed language seam: one dataclass per request kind, and how each answer crosses a process boundary.

The speller builds a request (:class:`NextSymbols`, :class:`CompleteWord`, :class:`CompletePhrase`,
:class:`ExpandAbbreviation` or :class:`RewriteText`); the :class:`~bci_input.language.LanguageWorker` runs it
with :func:`ask`; the app's model process sends it as JSON (:func:`request_to_json`, :func:`request_from_json`)
and its answer back (:func:`answer_to_json`, :func:`answer_from_json`). :data:`REQUESTS` is the one list of the
request kinds; :data:`KINDS` are their names, which are also the names of the :class:`LanguageModel` methods.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, replace
from typing import Any, ClassVar, TypeAlias, TypeVar

from .._errors import ConfigError
from ._types import Answer, LanguageModel, Rewrite

__all__ = [
    "KINDS",
    "REQUESTS",
    "CompletePhrase",
    "CompleteWord",
    "ExpandAbbreviation",
    "LanguageRequest",
    "NextSymbols",
    "RewriteText",
    "Suggestions",
    "SymbolAnswer",
    "SuggestionAnswer",
    "RewriteAnswer",
    "LanguageAnswer",
    "answer_from_json",
    "rewrites_from_json",
    "suggestions_from_json",
    "symbols_from_json",
    "answer_to_json",
    "ask",
    "request_from_json",
    "request_to_json",
]

T = TypeVar("T")

#: ``(text, probability)`` pairs, most likely first.
Suggestions: TypeAlias = list[tuple[str, float]]
#: The answer to :class:`NextSymbols`: a distribution over :data:`~bci_input.language.SYMBOLS`.
SymbolAnswer: TypeAlias = Answer[dict[str, float]]
#: The answer to :class:`CompleteWord`, :class:`CompletePhrase` and :class:`ExpandAbbreviation`.
SuggestionAnswer: TypeAlias = Answer[Suggestions]
#: The answer to :class:`RewriteText`: the candidates, each with its word diff.
RewriteAnswer: TypeAlias = Answer[list[Rewrite]]
#: Any answer of the seam.
LanguageAnswer: TypeAlias = SymbolAnswer | SuggestionAnswer | RewriteAnswer


@dataclass(frozen=True)
class NextSymbols:
    """Ask for the distribution of the next typed symbol after ``context``."""

    context: str
    kind: ClassVar[str] = "next_symbols"


@dataclass(frozen=True)
class CompleteWord:
    """Ask for the ``k`` likeliest words starting with ``prefix`` after ``context``."""

    context: str
    prefix: str
    k: int = 5
    kind: ClassVar[str] = "complete_word"


@dataclass(frozen=True)
class CompletePhrase:
    """Ask for the ``k`` likeliest continuations of ``context``."""

    context: str
    k: int = 3
    kind: ClassVar[str] = "complete_phrase"


@dataclass(frozen=True)
class ExpandAbbreviation:
    """Ask for the ``k`` likeliest phrases whose words start with the letters of ``initials``."""

    initials: str
    context: str = ""
    k: int = 3
    kind: ClassVar[str] = "expand_abbreviation"


@dataclass(frozen=True)
class RewriteText:
    """Ask for up to ``k`` rewrites of ``text`` for ``instruction`` (a preset key or free text)."""

    text: str
    instruction: str
    k: int = 3
    kind: ClassVar[str] = "rewrite"


#: One request of the language seam.
LanguageRequest: TypeAlias = NextSymbols | CompleteWord | CompletePhrase | ExpandAbbreviation | RewriteText

#: Every request kind, by name: the one place that lists them.
REQUESTS: dict[str, type[LanguageRequest]] = {
    cls.kind: cls for cls in (NextSymbols, CompleteWord, CompletePhrase, ExpandAbbreviation, RewriteText)
}
#: The request kinds' names (also the :class:`LanguageModel` method names).
KINDS: tuple[str, ...] = tuple(REQUESTS)


def ask(
    model: LanguageModel, request: LanguageRequest, *, revision: int = 0, cancel: threading.Event | None = None
) -> LanguageAnswer:
    """Run ``request`` on ``model``.

    Parameters
    ----------
    model : LanguageModel
        The backend.
    request : LanguageRequest
        What to compute.
    revision : int
        The document revision, copied into the answer.
    cancel : threading.Event | None
        Set to stop the call early.

    Returns
    -------
    Answer
        The model's answer; its ``kind`` is the request's.
    """
    answer: LanguageAnswer
    if isinstance(request, NextSymbols):
        answer = model.next_symbols(request.context, revision=revision, cancel=cancel)
    elif isinstance(request, CompleteWord):
        answer = model.complete_word(request.context, request.prefix, request.k, revision=revision, cancel=cancel)
    elif isinstance(request, CompletePhrase):
        answer = model.complete_phrase(request.context, request.k, revision=revision, cancel=cancel)
    elif isinstance(request, ExpandAbbreviation):
        answer = model.expand_abbreviation(request.initials, request.context, request.k, revision=revision,
                                           cancel=cancel)
    else:
        answer = model.rewrite(request.text, request.instruction, request.k, revision=revision, cancel=cancel)
    return answer if answer.kind else replace(answer, kind=request.kind)


def request_to_json(request: LanguageRequest) -> dict[str, Any]:
    """Return ``request`` as a JSON-ready dict (its fields and ``kind``)."""
    return {"kind": request.kind, **asdict(request)}


def request_from_json(data: dict[str, Any]) -> LanguageRequest:
    """Rebuild a request from :func:`request_to_json`'s dict.

    Raises
    ------
    ConfigError
        If the kind is unknown.
    """
    fields = dict(data)
    kind = str(fields.pop("kind", ""))
    if kind not in REQUESTS:
        raise ConfigError(f"Unknown language request kind '{kind}'. Use one of: {', '.join(KINDS)}.")
    return REQUESTS[kind](**fields)


def answer_to_json(answer: LanguageAnswer) -> dict[str, Any]:
    """Return ``answer`` as a JSON-ready dict; rewrites keep their diff."""
    raw = answer.value
    value: Any
    if isinstance(raw, dict):
        value = {str(s): float(p) for s, p in raw.items()}
    else:
        value = [{"text": item.text, "diff": [list(op) for op in item.diff]} if isinstance(item, Rewrite)
                 else [str(item[0]), float(item[1])] for item in raw]
    return {"kind": answer.kind, "value": value, "revision": answer.revision, "latency_s": answer.latency_s,
            "backend": answer.backend, "cancelled": answer.cancelled}


def _answer_from_json(data: dict[str, Any], value: T) -> Answer[T]:
    return Answer(value, int(data["revision"]), float(data["latency_s"]), str(data["backend"]), str(data["kind"]),
                  bool(data.get("cancelled", False)))


def symbols_from_json(data: dict[str, Any]) -> SymbolAnswer:
    """Rebuild a :class:`NextSymbols` answer from :func:`answer_to_json`'s dict."""
    return _answer_from_json(data, {str(s): float(p) for s, p in data["value"].items()})


def suggestions_from_json(data: dict[str, Any]) -> SuggestionAnswer:
    """Rebuild a word, phrase or abbreviation answer from :func:`answer_to_json`'s dict."""
    return _answer_from_json(data, [(str(t), float(p)) for t, p in data["value"]])


def rewrites_from_json(data: dict[str, Any]) -> RewriteAnswer:
    """Rebuild a :class:`RewriteText` answer (the candidates with their diffs) from :func:`answer_to_json`'s dict."""
    return _answer_from_json(data, [Rewrite(str(r["text"]), tuple((str(t), str(o), str(n)) for t, o, n in r["diff"]))
                                    for r in data["value"]])


def answer_from_json(data: dict[str, Any]) -> LanguageAnswer:
    """Rebuild an answer of any kind from :func:`answer_to_json`'s dict.

    Raises
    ------
    ConfigError
        If the kind is unknown.
    """
    kind = str(data.get("kind", ""))
    if kind == NextSymbols.kind:
        return symbols_from_json(data)
    if kind == RewriteText.kind:
        return rewrites_from_json(data)
    if kind in REQUESTS:
        return suggestions_from_json(data)
    raise ConfigError(f"Unknown language answer kind '{kind}'. Use one of: {', '.join(KINDS)}.")
