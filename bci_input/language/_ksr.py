"""The keystroke-savings-rate protocol (fixed, so results compare across models).

- The text is split on whitespace into tokens; each token costs ``len(token) + 1`` characters (its space).
- Before each typed character of a word, the predictor shows k suggestions. If the word (letters and
  apostrophes, without punctuation, **in the case of the text**) is among them, accepting costs 1 keystroke and
  inserts the word and a space; trailing punctuation then costs 1 keystroke per character. The typed prefix is
  given to the predictor as written (``Thu``, ``EU``). A suggestion in the wrong case (``thursday`` for
  ``Thursday``) saves nothing.
- Phrase completion: at the start of a word, k phrases are shown too; accepting one whose words equal the next
  2 or more words of the text (case included) costs 1 keystroke (the longest correct one is taken; the words
  before the last may carry no punctuation), then the last word's trailing punctuation is typed.
- KSR = 1 - keystrokes / characters. Each keystroke is one selected character, whatever its case (how many
  selections a capital costs is the speller's business, measured by the closed-loop benchmark).
- ``case=False`` gives the figure of the earlier, lower-case protocol on the same suggestions: a word is
  accepted whatever the case of the suggestion.

The predictions at each point do not depend on what the user accepted (the context is the true text), so one
pass records, per word, the first prefix length at which the word appears at each rank; any k is then
evaluated without querying the model again.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ._text import words_of

__all__ = ["Token", "tokenize", "WordTrace", "ksr", "trace_words", "phrase_match_length"]

_WORD_PART = re.compile(r"[A-Za-z](?:[A-Za-z']*[A-Za-z])?")
_WORDS_CASED = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)*")


@dataclass(frozen=True)
class Token:
    """One whitespace token of the text, split into leading punctuation, word and trailing rest."""

    start: int  # offset of the token in the text
    lead: str
    word: str  # as written (original case); '' for tokens without letters
    trail: str

    @property
    def text(self) -> str:
        """Return the token as written."""
        return self.lead + self.word + self.trail

    @property
    def norm(self) -> str:
        """Return the word as the predictor must produce it (lower case)."""
        return self.word.lower()


def tokenize(text: str) -> list[Token]:
    """Split ``text`` on whitespace into :class:`Token` (the first letter run with inner apostrophes is the word)."""
    out = []
    for m in re.finditer(r"\S+", text):
        tok = m.group(0)
        w = _WORD_PART.search(tok)
        if w is None:
            out.append(Token(m.start(), tok, "", ""))
        else:
            out.append(Token(m.start(), tok[: w.start()], w.group(0), tok[w.end() :]))
    return out


@dataclass
class WordTrace:
    """For one token: at which prefix length the word first showed at rank < k (None: never)."""

    first_hit: dict[int, int | None] = field(default_factory=dict)  # k -> prefix length
    phrase_len: dict[int, int] = field(default_factory=dict)  # k -> words covered by an accepted phrase (0: none)
    #: The same, accepting a suggestion whatever its case (the lower-case protocol).
    first_hit_any_case: dict[int, int | None] = field(default_factory=dict)
    phrase_len_any_case: dict[int, int] = field(default_factory=dict)


def phrase_match_length(phrase: str, tokens: Sequence[Token], i: int, *, case: bool = True) -> int:
    """Return how many tokens from ``tokens[i]`` the phrase covers exactly (0 if not correct or < 2 words).

    With ``case=False`` the words are compared in lower case.
    """
    words = _WORDS_CASED.findall(phrase) if case else words_of(phrase)
    if len(words) < 2 or i + len(words) > len(tokens):
        return 0
    for j, w in enumerate(words):
        t = tokens[i + j]
        if (t.word if case else t.norm) != w:
            return 0
        if j > 0 and t.lead:
            return 0
        if j < len(words) - 1 and t.trail:
            return 0
    return len(words)


def trace_words(
    text: str,
    suggest: Callable[[str, str, int], list[str]],
    ks: Sequence[int] = (3, 5),
    phrase: Callable[[str, int], list[str]] | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
    phrase_tokens: set[int] | None = None,
) -> tuple[list[Token], list[WordTrace]]:
    """Run the predictor over ``text`` and record where each word would be accepted.

    Parameters
    ----------
    text : str
        The evaluation text.
    suggest : callable
        ``suggest(context, prefix, k) -> list of words``, best first; ``prefix`` is typed as written.
    ks : sequence of int
        Numbers of suggestions to evaluate.
    phrase : callable | None
        ``phrase(context, k) -> list of phrases``; None evaluates words only.
    progress : callable | None
        ``progress(i, n_tokens)`` after each token.
    phrase_tokens : set of int | None
        Token indices at which phrases are queried (None: all).

    Returns
    -------
    tokens : list of Token
    traces : list of WordTrace, one per token
    """
    tokens = tokenize(text)
    kmax = max(ks)
    traces = []
    for i, tok in enumerate(tokens):
        tr = WordTrace(first_hit=dict.fromkeys(ks), first_hit_any_case=dict.fromkeys(ks))
        if tok.word:
            context = text[: tok.start] + tok.lead
            if phrase is not None and (phrase_tokens is None or i in phrase_tokens):
                cands = phrase(context, kmax)
                for k in ks:
                    tr.phrase_len[k] = max((phrase_match_length(p, tokens, i) for p in cands[:k]), default=0)
                    tr.phrase_len_any_case[k] = max(
                        (phrase_match_length(p, tokens, i, case=False) for p in cands[:k]), default=0
                    )
            for n in range(len(tok.word)):
                words = suggest(context + tok.word[:n], tok.word[:n], kmax)
                rank = words.index(tok.word) if tok.word in words else None
                lower = [w.lower() for w in words]
                rank_any = lower.index(tok.norm) if tok.norm in lower else None
                for k in ks:
                    if tr.first_hit[k] is None and rank is not None and rank < k:
                        tr.first_hit[k] = n
                    if tr.first_hit_any_case[k] is None and rank_any is not None and rank_any < k:
                        tr.first_hit_any_case[k] = n
                if rank is not None and rank < min(ks):
                    break
        traces.append(tr)
        if progress is not None:
            progress(i, len(tokens))
    return tokens, traces


def ksr(
    tokens: Sequence[Token], traces: Sequence[WordTrace], k: int, *, phrases: bool = False, case: bool = True
) -> dict[str, float]:
    """Compute the keystroke savings rate for k suggestions.

    Parameters
    ----------
    tokens, traces : sequences
        From :func:`trace_words` (or built by hand).
    k : int
        Number of suggestions shown.
    phrases : bool
        Also use phrase completion.
    case : bool
        Count a suggestion only in the case of the text (False: the lower-case protocol).

    Returns
    -------
    dict
        ``ksr``, ``keystrokes``, ``characters``, ``words_accepted``, ``phrases_accepted``.
    """
    chars = sum(len(t.text) + 1 for t in tokens)
    keys = 0
    words_acc = phrases_acc = 0
    i = 0
    while i < len(tokens):
        tok, tr = tokens[i], traces[i]
        n = (tr.phrase_len if case else tr.phrase_len_any_case).get(k, 0) if phrases else 0
        if n >= 2:
            keys += len(tok.lead) + 1 + len(tokens[i + n - 1].trail)
            phrases_acc += 1
            i += n
            continue
        hit = (tr.first_hit if case else tr.first_hit_any_case).get(k)
        if tok.word and hit is not None:
            keys += len(tok.lead) + hit + 1 + len(tok.trail)
            words_acc += 1
        else:
            keys += len(tok.text) + 1
        i += 1
    return {
        "ksr": 1.0 - keys / chars if chars else 0.0,
        "keystrokes": float(keys),
        "characters": float(chars),
        "words_accepted": float(words_acc),
        "phrases_accepted": float(phrases_acc),
    }
