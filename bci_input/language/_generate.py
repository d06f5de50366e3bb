"""Token generation for the local backend: phrase completion, abbreviation expansion, rewrites.

All loops run one batched forward pass per step on a private copy of the context's KV cache and check the
``cancel`` Event between steps.
"""

from __future__ import annotations

import re
import threading
from typing import Any, Protocol

import numpy as np

from ._case import case_phrase, sentence_start
from ._text import split_context, words_of
from ._tokens import TokenTable
from ._types import Answer, Rewrite
from ._vocab import Vocabulary
from ._wordfreq import rule_candidates

__all__ = ["GeneratingModel", "GenerationRows", "phrases", "abbreviations", "rewrites", "stop_ids", "MAX_PHRASE_WORDS"]


class GenerationRows(Protocol):
    """Rows of a batched generation on a private copy of a context's KV cache (one per engine)."""

    def repeat(self, rows: int) -> None:
        """Turn the one row into ``rows`` identical rows."""
        ...

    def reorder(self, parents: list[int]) -> None:
        """Make row i a copy of old row ``parents[i]`` (beam search)."""
        ...

    def step(self, tokens: list[int]) -> np.ndarray:
        """Feed one token per row; return next-token probabilities, shape (n_rows, n_vocab)."""
        ...

    def close(self) -> None:
        """Release the rows."""
        ...


class GeneratingModel(Protocol):
    """What generation needs from a local causal language model, whatever its engine.

    :class:`~bci_input.language.LocalModel` (transformers) and :class:`~bci_input.language.LlamaCppModel`
    (llama.cpp) both provide it.
    """

    tokenizer: Any
    tokens: TokenTable
    vocab: Vocabulary

    def encode(self, text: str) -> list[int]:
        """Tokenise ``text`` without special tokens."""
        ...

    def context_ids(self, text: str) -> list[int]:
        """Return the token ids fed for ``text``."""
        ...

    def cache_for(
        self, ids: list[int], cancel: threading.Event | None = None
    ) -> tuple[np.ndarray | None, GenerationRows | None]:
        """Return the next-token distribution after ``ids`` and generation rows on a private copy of their cache."""
        ...

    def sample(
        self, ids: list[int], n: int, max_new: int, cancel: threading.Event | None, temperature: float = 0.7
    ) -> list[str]:
        """Return ``n`` sampled continuations of ``ids`` (special tokens dropped), with a fixed seed."""
        ...

    def mean_logprob(self, prefix: list[int], continuation: list[int]) -> float:
        """Return the model's mean log-probability per token of ``continuation`` after ``prefix``."""
        ...

    def complete_word(
        self, context: str, prefix: str, k: int = 5, *, revision: int = 0, cancel: threading.Event | None = None
    ) -> Answer[list[tuple[str, float]]]:
        """Return the top-k words starting with ``prefix`` after ``context``."""
        ...


MAX_PHRASE_WORDS = 6
_SPOKEN_START = 'She said, "'
_STOP_CHARS = set(".?!\n,;:\"()[]{}<>|*#/\\")


def _cancelled(cancel: threading.Event | None) -> bool:
    return cancel is not None and cancel.is_set()


def phrases(
    lm: GeneratingModel, context: str, k: int, *, cancel: threading.Event | None = None
) -> list[tuple[str, float]]:
    """Complete the current word with its k best candidates and continue each greedily, in one batch.

    Returns
    -------
    list of (phrase, probability)
        Phrases of 2 to :data:`MAX_PHRASE_WORDS` words that replace the partial word at the end of ``context``.
    """
    before, _ = split_context(context)
    typed = context[len(before) :]
    first = lm.complete_word(before, typed, k, cancel=cancel).value
    if not first or _cancelled(cancel):
        return []
    ctx = before.rstrip(" ")
    space = " " if (len(ctx) < len(before) and not ctx.endswith("\n")) else ""
    ids = lm.context_ids(ctx)
    _, cache = lm.cache_for(ids, cancel)
    if cache is None:
        return []
    try:
        return _phrases(lm, cache, first, space, k, cancel)
    finally:
        cache.close()


def _phrases(
    lm: GeneratingModel,
    cache: GenerationRows,
    first: list[tuple[str, float]],
    space: str,
    k: int,
    cancel: threading.Event | None,
) -> list[tuple[str, float]]:
    rows = len(first)
    forced = [lm.encode(space + w) for w, _ in first]
    cache.repeat(rows)
    texts = [space + w for w, _ in first]
    logp = np.log(np.array([p for _, p in first]))
    n_words = [1] * rows
    done = [False] * rows
    pos = [0] * rows
    last_probs: np.ndarray | None = None
    table = lm.tokens
    for _ in range(max(len(f) for f in forced) + 10):
        if all(done) or _cancelled(cancel):
            break
        feed = []
        for r in range(rows):
            if pos[r] < len(forced[r]):
                feed.append(forced[r][pos[r]])
                pos[r] += 1
                continue
            if done[r] or last_probs is None:
                feed.append(forced[r][-1])
                continue
            t = int(np.argmax(last_probs[r]))
            if n_words[r] < 2 and table.space_key[t] < 0 and not table.is_cont[t]:
                # The word would end the phrase at one word: continue with the best next word if it is likely.
                starts = table.word_starts
                alt = int(starts[np.argmax(last_probs[r, starts])])
                if last_probs[r, alt] >= 0.05:
                    t = alt
            text = table.texts[t]
            starts_word = table.space_key[t] >= 0
            if t in table.special or not text or any(c in _STOP_CHARS for c in text):
                done[r] = True
            elif starts_word and n_words[r] >= MAX_PHRASE_WORDS:
                done[r] = True
            elif text.startswith(" ") and not starts_word:
                done[r] = True  # numbers, symbols: stop the phrase there
            if done[r]:
                feed.append(t)
                continue
            n_words[r] += int(starts_word)
            texts[r] += text
            logp[r] += float(np.log(max(last_probs[r, t], 1e-12)))
            feed.append(t)
        if all(done):
            break
        last_probs = cache.step(feed)
    out: dict[str, float] = {}
    seen: set[str] = set()
    for r in range(rows):
        phrase = texts[r].strip()
        if len(words_of(phrase)) >= 2 and phrase.lower() not in seen:
            seen.add(phrase.lower())
            out[phrase] = float(np.exp(logp[r]))
    return sorted(out.items(), key=lambda kv: -kv[1])[:k]


def abbreviations(
    lm: GeneratingModel, initials: str, context: str, k: int, *, cancel: threading.Event | None = None, beam: int = 10
) -> list[tuple[str, float]]:
    """Beam search over tokens, constrained so that word ``i`` starts with ``initials[i]``.

    Returns
    -------
    list of (phrase, probability)
        At most k phrases, probabilities normalised over the phrases found.
    """
    letters = [c for c in initials.lower() if c.isalpha()][:16]
    if not letters:
        return []
    start = sentence_start(context)
    if not context.strip():
        context = _SPOKEN_START  # a neutral, conversational start works far better than an empty context
    ctx = context.rstrip(" ")
    after_space = bool(ctx) and len(ctx) < len(context) and not ctx.endswith("\n")
    ids = lm.context_ids(ctx)
    probs, cache = lm.cache_for(ids, cancel)
    if probs is None or cache is None:
        return []
    try:
        return _beam_search(lm, cache, probs, letters, after_space, start, k, beam, cancel)
    finally:
        cache.close()


def _beam_search(
    lm: GeneratingModel,
    cache: GenerationRows,
    probs: np.ndarray,
    letters: list[str],
    after_space: bool,
    start: bool,
    k: int,
    beam: int,
    cancel: threading.Event | None,
) -> list[tuple[str, float]]:
    table = lm.tokens
    first_char = np.array([table.keys.keys[i][0] if i >= 0 else "" for i in range(len(table.keys))] + [""])
    space_initial = first_char[table.space_key]  # -1 indexes the trailing ""
    start_initial = first_char[table.space_key if after_space else table.bare_key]
    cont = table.is_cont & ~np.char.startswith(np.array(table.texts), " ")
    # Inside the phrase, words are lower case (or a form of "I"): no Title Case Headlines.
    texts = np.array(table.texts)
    upper_mid = np.char.isupper(np.char.lstrip(texts).astype("<U1")) & ~np.isin(np.char.lstrip(texts), ["I"])
    space_initial = np.where(upper_mid, "", space_initial)
    vocab = lm.vocab

    def word_penalty(word: str) -> float:
        # Finished words must be real words: this prunes fragments such as "yachte".
        return 0.0 if word.strip().lower() in vocab else -8.0

    # beam state: (tokens, logp, word index, tokens in current word, current word text)
    beams: list[tuple[list[int], float, int, int, str]] = [([], 0.0, -1, 0, "")]
    probs_rows = probs[None, :]
    finished: list[tuple[list[int], float]] = []
    for _ in range(4 * len(letters) + 2):
        if _cancelled(cancel):
            break
        cands: list[tuple[float, int, int, int, int, str]] = []  # (logp, parent, token, word idx, n tok, word)
        for b, (_toks, lp, wi, nt, word) in enumerate(beams):
            p = probs_rows[b]
            logp = np.log(np.maximum(p, 1e-12))
            if wi < 0:
                allowed = np.flatnonzero(start_initial == letters[0])
            else:
                parts = []
                if nt < 3:
                    parts.append(np.flatnonzero(cont[: len(p)]))
                if wi + 1 < len(letters):
                    parts.append(np.flatnonzero(space_initial == letters[wi + 1]))
                else:
                    end = 1.0 - float(p[: len(cont)][cont].sum())
                    finished.append((_toks, lp + float(np.log(max(end, 1e-12))) + word_penalty(word)))
                allowed = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
            if len(allowed) == 0:
                continue
            top = allowed[np.argsort(-logp[allowed])[:beam]]
            for t in top:
                text = table.texts[t]
                if wi < 0 or table.space_key[t] >= 0:
                    pen = word_penalty(word) if wi >= 0 else 0.0
                    cands.append((lp + float(logp[t]) + pen, b, int(t), wi + 1, 1, text))
                else:
                    cands.append((lp + float(logp[t]), b, int(t), wi, nt + 1, word + text))
        cands.sort(key=lambda c: -c[0])
        cands = cands[:beam]
        if finished:
            finished.sort(key=lambda f: -f[1])
            finished = finished[: max(k, beam)]
            if len(finished) >= k and (not cands or cands[0][0] < finished[k - 1][1]):
                break
        if not cands:
            break
        cache.reorder([c[1] for c in cands])
        beams = [(beams[c[1]][0] + [c[2]], c[0], c[3], c[4], c[5]) for c in cands]
        probs_rows = cache.step([c[2] for c in cands])
    out: dict[str, float] = {}
    for toks, lp in sorted(finished, key=lambda f: -f[1]):
        text = "".join(table.texts[t] for t in toks).strip()
        text = case_phrase(re.sub(r"\bi\b", "I", text), "", start)
        if text and text.lower() not in {o.lower() for o in out}:
            out[text] = lp
    best = sorted(out.items(), key=lambda kv: -kv[1])[:k]
    if not best:
        return []
    z = np.logaddexp.reduce([lp for _, lp in best])
    return [(t, float(np.exp(lp - z))) for t, lp in best]


def stop_ids(tokenizer: Any) -> list[int]:
    """Return the token ids that end a reply: the tokenizer's end of text and the chat end of turn."""
    ids = (tokenizer.eos_token_id, tokenizer.convert_tokens_to_ids("<|im_end|>"),
           tokenizer.convert_tokens_to_ids("<|endoftext|>"))
    unk = tokenizer.unk_token_id
    return list(dict.fromkeys(i for i in ids if i is not None and i != unk))


def _chat_ids(lm: GeneratingModel, messages: list[dict[str, str]]) -> list[int]:
    ids = lm.tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=True)
    if isinstance(ids, dict) or hasattr(ids, "keys"):
        ids = ids["input_ids"]
    return list(ids)


def rewrites(
    lm: GeneratingModel, text: str, instruction: str, k: int, *, cancel: threading.Event | None = None
) -> list[Rewrite]:
    """Return up to k rewrite candidates, ranked by the model's own score (:mod:`._prompts`).

    The model samples k + 1 replies to an instruction-specific few-shot prompt; each reply is cleaned of meta
    text, and the rule-based candidate (presets that have rules) joins them. Every candidate is scored by the
    model (mean log-probability per token of the candidate as the reply), filtered and ranked by
    :func:`._prompts.rank`.
    """
    from ._prompts import clean_reply, continuation, rank, rewrite_messages

    if not text.strip():
        return []
    rules = [r.text for r in rule_candidates(text, instruction)]
    n_tok = len(lm.encode(text))
    im_end = lm.tokenizer.convert_tokens_to_ids("<|im_end|>")
    end = [im_end] if im_end not in (None, lm.tokenizer.unk_token_id) else stop_ids(lm.tokenizer)[:1]
    scored: list[tuple[str, float]] = []
    if instruction == "continue":
        ids = lm.context_ids(text.rstrip())
        for reply in lm.sample(ids, k + 1, 40, cancel):
            cand = continuation(text, reply)
            if cand and cand not in {c for c, _ in scored}:
                more = cand[len(text.rstrip()):]
                scored.append((cand, lm.mean_logprob(ids, lm.encode(more))))
    else:
        ids = _chat_ids(lm, rewrite_messages(text, instruction))
        cands = [clean_reply(r, text) for r in lm.sample(ids, k + 1, min(160, int(1.5 * n_tok) + 16), cancel)]
        for c in [*cands, *rules]:
            if c and not _cancelled(cancel) and c not in {x for x, _ in scored}:
                scored.append((c, lm.mean_logprob(ids, lm.encode(c) + end)))
    return rank(text, instruction, scored, k)
