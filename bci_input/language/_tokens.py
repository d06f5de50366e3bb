"""Classify a tokenizer's vocabulary once: word starts, word continuations, punctuation."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np

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
        self.end_groups = {
            ".": np.flatnonzero(self.first_char == "."),
            ",": np.flatnonzero(self.first_char == ","),
            "?": np.flatnonzero(self.first_char == "?"),
            " ": np.flatnonzero((self.space_key >= 0) | (self.first_char == "\n")),
        }
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

    def end_split(self, probs: np.ndarray) -> dict[str, float] | None:
        """Return how a just-finished word continues (space, ``.``, ``,``, ``?``), normalised, or None."""
        mass = {c: float(probs[idx].sum()) for c, idx in self.end_groups.items()}
        total = sum(mass.values())
        if total <= 1e-9:
            return None
        return {c: v / total for c, v in mass.items()}
