"""How documents start: the word row and the ghost text of an empty document.

Before the first word a model has nothing to condition on: a small model then offers whatever its separator
token predicts ("the and by of", "theft of the dead"). A person opening a new document writes a letter, an
email or a message; these openers are what they most often start with. Every backend answers the first word
and phrase of a document from them (and from its own words after the openers, for a typed prefix that no
opener matches).
"""

from __future__ import annotations

__all__ = ["OPENER_WORDS", "OPENER_PHRASES", "at_document_start", "opener_words", "opener_phrases"]

#: First words of a document, most common first.
OPENER_WORDS: tuple[str, ...] = (
    "Dear", "I", "Thank", "Hello", "Hi", "Please", "My", "We", "Could", "Good", "Can", "Sorry", "Just", "Yes", "No",
)
#: Phrases that start a document, most common first.
OPENER_PHRASES: tuple[str, ...] = (
    "Thank you for", "Dear Sir or Madam", "I would like to", "Hello, how are you", "I hope you are well",
    "Could you please", "I am writing to", "Hi, just to let you know", "Good morning", "Please could you",
)


def at_document_start(before: str) -> bool:
    """Return True if nothing but whitespace comes before the word being written."""
    return not before.strip()


def _ranked(options: tuple[str, ...], prefix: str, k: int) -> list[tuple[str, float]]:
    p = prefix.casefold()
    hits = [o for o in options if o.casefold().startswith(p) and o.casefold() != p][:k]
    if not hits:
        return []
    weights = [1.0 / (i + 2) for i in range(len(hits))]
    z = sum(weights)
    return [(o, w / z) for o, w in zip(hits, weights, strict=True)]


def opener_words(prefix: str, k: int, model_words: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """Return the word row of an empty document: openers starting with ``prefix``, then the model's words.

    Parameters
    ----------
    prefix : str
        The letters typed of the first word (may be empty).
    k : int
        Number of words.
    model_words : list of (word, probability)
        The model's own answer, used after the openers.

    Returns
    -------
    list of (word, probability)
        At most k words, no word twice (case-insensitive); probabilities sum to at most 1.
    """
    own = [(w[:1].upper() + w[1:], p) for w, p in _ranked(OPENER_WORDS, prefix, k)]
    if prefix[:1].islower():
        own = [(w.lower() if w != "I" else w, p) for w, p in own]
    seen = {w.casefold() for w, _ in own}
    rest = [(w, p) for w, p in model_words if w.casefold() not in seen][: max(0, k - len(own))]
    scale = 0.5 if rest else 1.0
    return [(w, p * scale) for w, p in own] + [(w, p * (1 - scale if own else 1.0)) for w, p in rest]


def opener_phrases(prefix: str, k: int) -> list[tuple[str, float]]:
    """Return up to k phrases that start a document with ``prefix`` (case of the phrase kept)."""
    return _ranked(OPENER_PHRASES, prefix, k)
