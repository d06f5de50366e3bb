"""The next-symbol distribution over :data:`SYMBOLS`: letters, their case, digits, marks and the line break.

Within a word, letters come from the word distribution (every vocabulary word that continues the typed
prefix), their case from the prefix (``EU`` continues in capitals) and, for the model backends, from the case
of the model's tokens. Where no word is being typed (after a space, a digit, a bracket, a full stop), a model
backend gives the first character of its next tokens directly (capitals, digits and marks included); the rules
of :func:`rule_start` give the rest, and are the whole answer of the word-frequency backend.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ._case import NATURAL, after_digit, prefix_case, sentence_start
from ._types import ACCENTED, ACCENTED_CAPITALS, ALPHABET, BACKSPACE, DIGITS, LETTERS, MAIN_SYMBOLS, NEWLINE, SYMBOLS

if TYPE_CHECKING:
    from ._vocab import Vocabulary

__all__ = [
    "END_SPLIT", "full_distribution", "rule_start", "first_letters", "natural_capitals", "natural_index", "boost_names"
]

#: How a finished word continues when no model says otherwise (sums to 1).
END_SPLIT: dict[str, float] = {
    " ": 0.735, ".": 0.1, ",": 0.09, "?": 0.025, ":": 0.01, ";": 0.005, "!": 0.005, ")": 0.008, '"': 0.007,
    NEWLINE: 0.008, "-": 0.004, "/": 0.003,
}
# Non-letter symbols at the start of a word (after a space, a line break or at the start of the text).
_WORD_START = {
    **dict.fromkeys(DIGITS, 0.003), '"': 0.008, "(": 0.006, "€": 0.003, "$": 0.001, "£": 0.001, "§": 0.001,
    "#": 0.0005, "@": 0.0005, "&": 0.002, "-": 0.002, "–": 0.003, NEWLINE: 0.004,
}
# After a digit: more digits, or what ends or joins a number.
_AFTER_DIGIT = {
    **dict.fromkeys(DIGITS, 0.055), " ": 0.16, ".": 0.05, ",": 0.05, ")": 0.04, "%": 0.03, "/": 0.02, "-": 0.02,
    ":": 0.02, "–": 0.01, "(": 0.01, NEWLINE: 0.01, ";": 0.005, "?": 0.003, "!": 0.002,
}
# After a currency or section sign: a number, possibly after a space.
_AFTER_SIGN = {**dict.fromkeys(DIGITS, 0.085), " ": 0.1}
# After punctuation with no space yet.
_AFTER_PUNCT = {" ": 0.86, NEWLINE: 0.04, '"': 0.02, ")": 0.015, **dict.fromkeys(DIGITS, 0.001)}
# After an opening bracket, quote, slash or dash with no space: a word or a number.
_AFTER_OPEN = {**dict.fromkeys(DIGITS, 0.02), '"': 0.01, "(": 0.005, "€": 0.01}
_OPENERS = "(\"/-–'"
_SIGNS = "€$£§#"
_ACCENTED_SHARE = 0.003  # of the letter mass: the vocabulary is English; accented letters stay reachable
_MAIN = frozenset((*MAIN_SYMBOLS, BACKSPACE))
_FLOOR_MAIN, _FLOOR_RARE = 1e-4, 1e-5
_UPPER = {c: c.upper() for c in LETTERS}


def first_letters(vocab: Vocabulary, prefix: str, lo: int, scores: np.ndarray) -> tuple[dict[str, float], float]:
    """Split the mass of the scored words by the letter that follows ``prefix``.

    Returns
    -------
    letters : dict
        ``{letter or "'": share of the total score}``.
    end : float
        Share of the word that is ``prefix`` itself (the word may end here).
    """
    total = float(scores.sum()) if len(scores) else 0.0
    out: dict[str, float] = {}
    if total <= 0:
        return out, 0.0
    csum = np.concatenate([[0.0], np.cumsum(scores)])
    for c in (*LETTERS, "'"):
        a, b = vocab.prefix_range(prefix + c)
        a, b = max(a, lo) - lo, min(b, lo + len(scores)) - lo
        if b > a:
            out[c] = float(csum[b] - csum[a]) / total
    end = 0.0
    idx = vocab.index(prefix) if prefix else None
    if idx is not None and lo <= idx < lo + len(scores):
        end = float(scores[idx - lo]) / total
    return out, end


def natural_index(vocab: Vocabulary, *, acronyms: bool = False) -> np.ndarray:
    """Return the sorted positions in ``vocab`` of the :data:`NATURAL` words written with a capital (or in capitals).

    Parameters
    ----------
    vocab : Vocabulary
        The vocabulary (the result is cached on it).
    acronyms : bool
        Only the words written in capitals (``EU``).

    Returns
    -------
    ndarray of int, shape (n,)
        Word positions.
    """
    attr = "_natural_upper_idx" if acronyms else "_natural_idx"
    idx: np.ndarray | None = getattr(vocab, attr, None)
    if idx is None:
        found = [vocab.index(w) for w, form in NATURAL.items()
                 if (form.isupper() and len(form) > 1 if acronyms else form[:1].isupper())]
        idx = np.array(sorted(i for i in found if i is not None), dtype=np.int64)
        setattr(vocab, attr, idx)
    return idx


def natural_capitals(vocab: Vocabulary, lo: int, scores: np.ndarray, floor: float = 0.02) -> dict[str, float]:
    """Return, per first letter, the share of the scored words written with a capital (:data:`NATURAL`).

    Parameters
    ----------
    vocab : Vocabulary
        The vocabulary ``scores`` index.
    lo : int
        Index in ``vocab.words`` of ``scores[0]``.
    scores : ndarray, shape (n,)
        Word scores.
    floor : float
        Smallest share (names the list does not know).

    Returns
    -------
    dict
        ``{letter: share of capitals}``.
    """
    idx = natural_index(vocab)
    out = dict.fromkeys(LETTERS, floor)
    if not len(scores):
        return out
    sel = idx[(idx >= lo) & (idx < lo + len(scores))]
    if not len(sel):
        return out
    letters, _ = first_letters(vocab, "", lo, scores)
    total = float(scores.sum())
    caps: dict[str, float] = {}
    for i in sel:
        c = vocab.words[int(i)][0]
        caps[c] = caps.get(c, 0.0) + float(scores[int(i) - lo]) / total
    for c, v in caps.items():
        if letters.get(c, 0.0) > 0:
            out[c] = min(0.98, max(floor, v / letters[c]))
    return out


def _add_letters(mass: dict[str, float], letters: dict[str, float], weight: float, capital: float | dict[str, float]
                 ) -> None:
    """Add ``weight`` times the letter distribution, split into lower case and capitals (plus accented letters)."""
    z = sum(letters.values())
    if z <= 0 or weight <= 0:
        return
    acc = weight * _ACCENTED_SHARE
    weight -= acc
    mean_cap = 0.0
    for c, v in letters.items():
        share = weight * v / z
        cap = capital.get(c, 0.0) if isinstance(capital, dict) else capital
        if c == "'":
            mass["'"] += share
            continue
        mass[c] += share * (1.0 - cap)
        mass[_UPPER[c]] += share * cap
        mean_cap += cap * v / z
    for c in ACCENTED:
        mass[c] += acc * (1.0 - mean_cap) / len(ACCENTED)
    for c in ACCENTED_CAPITALS:
        mass[c] += acc * mean_cap / len(ACCENTED_CAPITALS)


def rule_start(
    vocab: Vocabulary, before: str, lo: int, scores: np.ndarray, capital: dict[str, float] | None = None
) -> dict[str, float]:
    """Return the rule-based distribution (over :data:`ALPHABET`) of the first character after ``before``.

    Parameters
    ----------
    vocab : Vocabulary
        The vocabulary ``scores`` index.
    before : str
        The text before the cursor; no partial word follows it.
    lo : int
        Index in ``vocab.words`` of ``scores[0]``.
    scores : ndarray, shape (n,)
        Scores of the words that may start here.
    capital : dict | None
        Share of capitals per letter mid-sentence (names, days, acronyms); 0.02 for every letter if None.

    Returns
    -------
    dict
        ``{character: probability}`` summing to 1.
    """
    letters, _ = first_letters(vocab, "", lo, scores)
    letters.pop("'", None)
    if not letters:
        letters = dict.fromkeys(LETTERS, 1.0)
    last = before[-1:] if before else ""
    if after_digit(before):
        other = _AFTER_DIGIT
    elif last and last in _SIGNS:
        other = _AFTER_SIGN
    elif last and last in _OPENERS:
        other = _AFTER_OPEN
    elif last and not last.isspace():
        other = dict(_AFTER_PUNCT)
        if last not in ".:?!":
            other[NEWLINE] = 0.005
    else:
        other = _WORD_START
    mass = dict.fromkeys(ALPHABET, 0.0)
    for c, v in other.items():
        mass[c] += v
    letter_mass = max(0.0, 1.0 - sum(other.values()))
    if sentence_start(before):
        cap: float | dict[str, float] = 0.9
    elif capital is not None:
        cap = capital
    else:
        cap = 0.02
    _add_letters(mass, letters, max(letter_mass, 0.01), cap)
    z = sum(mass.values())
    return {c: v / z for c, v in mass.items()}


def full_distribution(
    vocab: Vocabulary,
    before: str,
    typed: str,
    lo: int,
    scores: np.ndarray,
    *,
    end_split: dict[str, float] | None = None,
    start: dict[str, float] | None = None,
    capital: dict[str, float] | None = None,
    upper_share: float | None = None,
    backspace: float = 0.02,
) -> dict[str, float]:
    """Turn word scores (and what a model says about the next characters) into a distribution over SYMBOLS.

    Parameters
    ----------
    vocab : Vocabulary
        The vocabulary the scores index.
    before : str
        Text before the partial word.
    typed : str
        The partial word as typed (original case; empty at a word start).
    lo : int
        Index in ``vocab.words`` of ``scores[0]``.
    scores : ndarray, shape (n,)
        Scores of the words starting with ``typed.lower()``.
    end_split : dict | None
        How the word continues if it ends here (non-letter symbols); :data:`END_SPLIT` if None.
    start : dict | None
        A model's distribution (over :data:`ALPHABET`) of the next character when no word is being typed; it
        is mixed with :func:`rule_start` (85 : 15).
    capital : dict | None
        Share of capitals per letter at a word start mid-sentence (rule-based part).
    upper_share : float | None
        After one capital, the share of words the model writes in capitals (``E`` -> ``EU``); 0.05 if None.
    backspace : float
        Probability of a deletion when the prefix is a plausible word start.

    Returns
    -------
    dict
        ``{symbol: probability}`` over :data:`SYMBOLS`, summing to 1, every value positive.
    """
    prefix = typed.lower()
    mass = dict.fromkeys(SYMBOLS, 0.0)
    if prefix:
        letters, end = first_letters(vocab, prefix, lo, scores)
        if not letters and end == 0.0:
            # No known word starts with this prefix: a typo, or a word the vocabulary does not hold.
            backspace = 0.3
            letters, end = dict.fromkeys(LETTERS, 1.0 / 26), 1.0
        style = prefix_case(typed)
        if style == "upper":
            cap = 0.95
        elif style == "title" and len(prefix) == 1:
            cap = 0.05 if upper_share is None else min(0.95, max(0.01, upper_share))
        else:
            cap = 0.004
        z = sum(letters.values()) + end
        _add_letters(mass, letters, sum(letters.values()) / z, cap)
        split = end_split or END_SPLIT
        for c, p in split.items():
            mass[c] += (end / z) * p
    else:
        rule = rule_start(vocab, before, lo, scores, capital)
        mix = rule if start is None else {c: 0.85 * start.get(c, 0.0) + 0.15 * v for c, v in rule.items()}
        for c, v in mix.items():
            mass[c] += v
    body = sum(mass.values())
    out = {s: (1.0 - backspace) * v / body for s, v in mass.items()}
    out[BACKSPACE] = backspace
    out = {s: v + (_FLOOR_MAIN if s in _MAIN else _FLOOR_RARE) for s, v in out.items()}
    z = sum(out.values())
    return {s: v / z for s, v in out.items()}


def boost_names(vocab: Vocabulary, before: str, typed: str, lo: int, scores: np.ndarray, factor: float = 20.0
                ) -> np.ndarray:
    """Favour names (and acronyms) when a word typed mid-sentence starts with a capital (in capitals).

    Parameters
    ----------
    vocab : Vocabulary
        The vocabulary ``scores`` index.
    before : str
        Text before the word.
    typed : str
        The prefix as typed.
    lo : int
        Index in ``vocab.words`` of ``scores[0]``.
    scores : ndarray, shape (n,)
        Word scores.
    factor : float
        Weight of the favoured words.

    Returns
    -------
    ndarray, shape (n,)
        The scores, reweighted (a copy) or unchanged.
    """
    style = prefix_case(typed)
    if style not in ("title", "upper") or sentence_start(before) or not len(scores):
        return scores
    idx = natural_index(vocab, acronyms=style == "upper")
    sel = idx[(idx >= lo) & (idx < lo + len(scores))] - lo
    if not len(sel):
        return scores
    out = scores.copy()
    out[sel] *= factor
    return out
