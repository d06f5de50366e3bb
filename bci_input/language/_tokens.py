"""Classify a tokenizer's vocabulary once: word starts, word continuations, punctuation."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np

from ._types import ALPHABET
from ._vocab import KeyTable, Vocabulary

__all__ = ["TokenTable"]

_ALPHA = re.compile(r"^[A-Za-z]+(?:'[A-Za-z]*)?$")
_CONT = re.compile(r"^(?:[a-z]+|'[a-z]+|[A-Za-z]+)$")
# GPT-2 style byte-level BPE shows a leading space as "Ġ" and a newline as "Ċ"; SentencePiece uses "▁".
_SPACE_MARKS = ("Ġ", "▁")


def _token_texts(tokenizer: Any) -> list[str]:
    """Return each token's text with real spaces/newlines (non-ASCII byte pieces are left as they are)."""
    pieces = tokenizer.convert_ids_to_tokens(list(range(len(tokenizer))))
    out = []
    for p in pieces:
        if p is None:
            out.append("")
            continue
        t = p.replace("Ġ", " ").replace("▁", " ").replace("Ċ", "\n").replace("ĉ", "\t")
        out.append(t)
    return out


def _byte_decoder() -> dict[str, int]:
    """Return the inverse of the GPT-2 byte-to-character table used by byte-level BPE tokenizers."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {chr(c): b for b, c in zip(bs, cs, strict=True)}


def _decoded_heads(tokenizer: Any, texts: list[str]) -> list[str]:
    """Return the first two characters of each token as text (byte-level pieces decoded: ``" €"``, ``" é"``)."""
    pieces = tokenizer.convert_ids_to_tokens(list(range(len(tokenizer))))
    if not any(p and "Ġ" in p for p in pieces[:5000]):
        return [t[:2] for t in texts]
    dec = _byte_decoder()
    out = []
    for p, t in zip(pieces, texts, strict=True):
        if p is None or any(ch not in dec for ch in p[:8]):
            out.append(t[:2])
            continue
        out.append(bytes(dec[ch] for ch in p[:8]).decode("utf-8", errors="ignore")[:2])
    return out


def _case_class(word: str) -> int:
    """Return 0 for a lower-case word, 1 for a capitalised one, 2 for capitals (two letters or more)."""
    letters = [c for c in word if c.isalpha()]
    if len(letters) >= 2 and all(c.isupper() for c in letters):
        return 2
    return 1 if letters and letters[0].isupper() else 0


class TokenTable:
    """Per-token facts needed to turn next-token distributions into word and symbol probabilities.

    Parameters
    ----------
    tokenizer : transformers tokenizer
        The model's tokenizer.
    vocab : Vocabulary
        Word list; it is extended with the word-like tokens that ``wordfreq`` knows (names, rare words).
    cache_dir : Path | None
        Folder where the extended word list is cached between starts.

    Attributes
    ----------
    texts : list of str
        Decoded text of each token id.
    keys : KeyTable
        Sorted lower-case word-start keys, mapped onto ``vocab`` ranges.
    space_key : ndarray, shape (n_tokens,)
        Key index of tokens ``" word"`` (leading space), else -1.
    bare_key : ndarray, shape (n_tokens,)
        Key index of tokens ``"word"`` (no leading space: word starts after a newline or at the start), else -1.
    is_cont : ndarray of bool, shape (n_tokens,)
        Tokens that continue a word (letters without a leading space, or ``'s``-like).
    first_char : ndarray of <U1, shape (n_tokens,)
        First character of each token's text ('' for special tokens).
    space_case, bare_case : ndarray of int, shape (n_tokens,)
        Case of the word of a ``" word"`` / ``"word"`` token: 0 lower, 1 capitalised, 2 capitals.
    """

    def __init__(self, tokenizer: Any, vocab: Vocabulary, cache_dir: Path | None = None) -> None:
        self.texts = _token_texts(tokenizer)
        n = len(self.texts)
        space_words: dict[int, str] = {}
        bare_words: dict[int, str] = {}
        self.is_cont = np.zeros(n, dtype=bool)
        special = set(getattr(tokenizer, "all_special_ids", []) or [])
        for i, t in enumerate(self.texts):
            if i in special or not t:
                continue
            if t.startswith(" ") and _ALPHA.match(t[1:]):
                space_words[i] = t[1:].lower()
            elif _ALPHA.match(t):
                bare_words[i] = t.lower()
            if _CONT.match(t):
                self.is_cont[i] = True
        keys = set(space_words.values()) | set(bare_words.values())
        self.vocab = vocab = vocab.extended(sorted(keys), cache_dir=cache_dir)
        self.keys = KeyTable(sorted(keys), vocab)
        self.space_key = np.full(n, -1, dtype=np.int64)
        self.bare_key = np.full(n, -1, dtype=np.int64)
        for i, k in space_words.items():
            self.space_key[i] = self.keys.index(k)  # type: ignore[assignment]
        for i, k in bare_words.items():
            self.bare_key[i] = self.keys.index(k)  # type: ignore[assignment]
        self.word_starts = np.flatnonzero(self.space_key >= 0)
        self.first_char = np.array([t[:1] if i not in special else "" for i, t in enumerate(self.texts)])
        self.special = special
        # Symbols that follow a finished word: which tokens start with each.
        self.space_case = np.zeros(n, dtype=np.int64)
        self.bare_case = np.zeros(n, dtype=np.int64)
        for i in space_words:
            self.space_case[i] = _case_class(self.texts[i][1:])
        for i in bare_words:
            self.bare_case[i] = _case_class(self.texts[i])
        # Word-start tokens and their (key, case) bin, per kind of context, for key_probs_case.
        self._case_bins: dict[bool, tuple[np.ndarray, np.ndarray]] = {}
        for after_space, key, case in ((True, self.space_key, self.space_case), (False, self.bare_key, self.bare_case)):
            ids = np.flatnonzero(key >= 0)
            self._case_bins[after_space] = (ids, key[ids] * 3 + case[ids])
        # The character each token starts with (and the one after its leading space), as ALPHABET indices.
        pos = {c: j for j, c in enumerate(ALPHABET)}
        heads = _decoded_heads(tokenizer, self.texts)
        self.first_sym = np.full(n, -1, dtype=np.int64)
        self.second_sym = np.full(n, -1, dtype=np.int64)  # after a leading space
        self.end_sym = np.full(n, -1, dtype=np.int64)  # tokens that end a word: their first non-letter character
        for i, h in enumerate(heads):
            if i in special or not h:
                continue
            self.first_sym[i] = pos.get(h[0], -1)
            if h[0] == " " and len(h) > 1:
                self.second_sym[i] = pos.get(h[1], -1)
            if not (h[0].isalpha() or h[0] == "'"):
                self.end_sym[i] = pos.get(h[0], -1)
        vocab_ids = tokenizer.get_vocab()
        self.sep_id = vocab_ids.get("<|endoftext|>", tokenizer.bos_token_id)

    def key_probs(self, probs: np.ndarray, *, after_space: bool) -> np.ndarray:
        """Sum next-token probabilities per word-start key.

        Parameters
        ----------
        probs : ndarray, shape (n_tokens,)
            Next-token distribution.
        after_space : bool
            The context ends with a space (word starts are ``" word"`` tokens), else with a newline or nothing.

        Returns
        -------
        ndarray, shape (n_keys,)
            Probability of each key.
        """
        key = self.space_key if after_space else self.bare_key
        valid = key >= 0
        return np.bincount(key[valid], weights=probs[: len(key)][valid], minlength=len(self.keys))

    def key_probs_case(self, probs: np.ndarray, *, after_space: bool) -> np.ndarray:
        """Sum next-token probabilities per word-start key and case.

        Returns
        -------
        ndarray, shape (n_keys, 3)
            Probability of each key written in lower case, capitalised and in capitals; the row sums are
            :meth:`key_probs`.
        """
        ids, bins = self._case_bins[after_space]
        return np.bincount(bins, weights=probs[ids], minlength=3 * len(self.keys)).reshape(-1, 3)

    def start_chars(self, probs: np.ndarray, *, after_space: bool) -> dict[str, float] | None:
        """Return the distribution (over :data:`ALPHABET`) of the next typed character, or None.

        With ``after_space`` the context ends with a space the model has not seen: the character is the one
        after the leading space of the next token.
        """
        sym = self.second_sym if after_space else self.first_sym
        valid = sym >= 0
        mass = np.bincount(sym[valid], weights=probs[: len(sym)][valid], minlength=len(ALPHABET))
        total = float(mass.sum())
        if total <= 1e-9:
            return None
        return {c: float(v) / total for c, v in zip(ALPHABET, mass, strict=True)}

    def end_split(self, probs: np.ndarray) -> dict[str, float] | None:
        """Return how a just-finished word continues (space, punctuation, marks, line break), normalised, or None."""
        valid = self.end_sym >= 0
        mass = np.bincount(self.end_sym[valid], weights=probs[: len(self.end_sym)][valid], minlength=len(ALPHABET))
        total = float(mass.sum())
        if total <= 1e-9:
            return None
        return {c: float(v) / total for c, v in zip(ALPHABET, mass, strict=True) if v > 0}
