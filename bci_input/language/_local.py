"""The local transformers backend (default: the bundled SmolLM2-135M-Instruct).

Word completion and next-symbol prediction need ONE forward pass per context change, reusing the KV cache of
the longest common token prefix with the previous call: typing the letters of a word does not change the
context before the word, so after its first letter each keystroke is answered from a cached next-token
distribution in about a millisecond (see :mod:`._vocab` for how token probabilities become word
probabilities). Phrases, abbreviations and rewrites generate tokens (see :mod:`._generate`).
"""

from __future__ import annotations

import bisect
import collections
import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from ..settings import LanguageSettings
from ._case import cased, natural_form, prefix_case, sentence_start
from ._generate import GenerationRows, stop_ids
from ._loader import LoadedModel, load_transformers
from ._openers import at_document_start, opener_phrases, opener_words
from ._symbols import full_distribution
from ._text import split_context
from ._types import Answer, Rewrite
from ._vocab import Vocabulary
from ._wordfreq import BaseModel

__all__ = ["LocalModel", "auto_threads", "reusable_prefix"]

log = logging.getLogger(__name__)


def reusable_prefix(cached: list[int], ids: list[int]) -> int:
    """Return how many leading tokens of ``ids`` a cache holding ``cached`` can keep (at least one is run again)."""
    common = 0
    for a, b in zip(cached, ids, strict=False):
        if a != b:
            break
        common += 1
    return min(common, len(ids) - 1)  # always run at least one token to get its logits


def auto_threads() -> int:
    """Return the default number of CPU threads for a model: half the cores, 1 to 4."""
    n = os.cpu_count() or 1
    return max(1, min(4, n // 2))


class _CancelCriteria:
    """A transformers StoppingCriteria that stops generation when the Event is set."""

    def __init__(self, cancel: threading.Event | None) -> None:
        self.cancel = cancel

    def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
        import torch

        stop = bool(self.cancel is not None and self.cancel.is_set())
        return torch.full((input_ids.shape[0],), stop, dtype=torch.bool)


class _TorchRows:
    """Generation rows on a private copy of a transformers KV cache (see :class:`GenerationRows`)."""

    def __init__(self, lm: LocalModel, cache: Any) -> None:
        self.lm = lm
        self.cache = cache

    def repeat(self, rows: int) -> None:
        self.cache.batch_repeat_interleave(rows)

    def reorder(self, parents: list[int]) -> None:
        import torch

        self.cache.reorder_cache(torch.tensor(parents, dtype=torch.long))

    def step(self, tokens: list[int]) -> np.ndarray:
        import torch

        with torch.inference_mode():
            out = self.lm.model(torch.tensor(tokens, dtype=torch.long)[:, None], cache=self.cache, use_cache=True)
        self.lm.tokens_forwarded += len(tokens)
        return torch.softmax(out.logits[:, -1].float(), dim=-1).numpy().astype(np.float64)

    def close(self) -> None:
        self.cache = None


class LocalModel(BaseModel):
    """A causal LM from transformers, run on this machine.

    Use :meth:`load` (or :func:`~bci_input.language.load_language_model`) rather than the constructor.

    Parameters
    ----------
    loaded : LoadedModel
        Model and tokenizer.
    max_context_tokens : int
        Longest context fed to the model; older text is dropped in blocks of 64 tokens so that the KV cache
        stays reusable.
    unigram_weight : float
        Share of the plain word-frequency distribution mixed into word predictions (covers words the model
        tokenises oddly).
    """

    def __init__(self, loaded: LoadedModel, *, max_context_tokens: int = 256, unigram_weight: float = 0.03) -> None:
        from ._tokens import TokenTable

        self.model = loaded.model
        self.tokenizer = loaded.tokenizer
        self.name = f"local:{loaded.name}"
        self.load_s = loaded.load_s
        self.from_cache = loaded.from_cache
        self.max_context_tokens = int(max_context_tokens)
        self.unigram_weight = float(unigram_weight)
        self.tokens = TokenTable(
            self.tokenizer, Vocabulary.from_wordfreq(cache_dir=loaded.cache_dir), cache_dir=loaded.cache_dir
        )
        self.vocab = self.tokens.vocab
        self._lock = threading.RLock()
        self._cache_ids: list[int] = []
        self._cache: Any = None
        self._probs: collections.OrderedDict[tuple[int, ...], np.ndarray] = collections.OrderedDict()
        self._kpc: collections.OrderedDict[tuple[tuple[int, ...], bool], np.ndarray] = collections.OrderedDict()
        #: Number of tokens run through the model (for the benchmark).
        self.tokens_forwarded = 0

    @classmethod
    def load(
        cls,
        settings: LanguageSettings | None = None,
        *,
        on_notice: Callable[[str], None] | None = None,
        cache_dir: Any = None,
    ) -> LocalModel:
        """Load the model named by ``settings.model`` (empty: the bundled one) with its dtype and threads.

        Raises
        ------
        ModelLoadError
            If the model cannot be loaded.
        """
        import torch

        s = settings or LanguageSettings()
        torch.set_num_threads(s.threads or auto_threads())
        loaded = load_transformers(s.model, dtype=s.dtype, cache_dir=cache_dir, on_notice=on_notice)
        return cls(loaded)

    # ----------------------------------------------------------------- context and KV cache

    def encode(self, text: str) -> list[int]:
        """Tokenise ``text`` without special tokens."""
        return list(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def context_ids(self, text: str) -> list[int]:
        """Return the token ids fed for ``text``: a separator plus the last ``max_context_tokens`` tokens.

        The start is moved in blocks of 64 tokens, so successive calls share their prefix.
        """
        ids = self.encode(text) if text else []
        over = len(ids) - self.max_context_tokens
        if over > 0:
            ids = ids[((over + 63) // 64) * 64 :]
        sep = self.tokens.sep_id
        return ([sep] if sep is not None else []) + ids

    def next_token_probs(self, ids: list[int], cancel: threading.Event | None = None) -> np.ndarray | None:
        """Return the next-token distribution after ``ids`` (shape (n_vocab,)), reusing the KV cache.

        Returns None if ``cancel`` was set before the forward pass.
        """
        key = tuple(ids)
        with self._lock:
            hit = self._probs.get(key)
            if hit is not None:
                self._probs.move_to_end(key)
                return hit
            if cancel is not None and cancel.is_set():
                return None
            common = reusable_prefix(self._cache_ids, ids)
            probs = self._forward(ids, common)
            self.tokens_forwarded += len(ids) - common
            self._cache_ids = list(ids)
            self._probs[key] = probs
            while len(self._probs) > 16:
                self._probs.popitem(last=False)
            return probs

    def _forward(self, ids: list[int], common: int) -> np.ndarray:
        """Run ``ids[common:]`` on the cache of ``ids[:common]``; return the next-token distribution (the engine)."""
        import torch

        if self._cache is None or common == 0:
            self._cache, self._cache_ids, common = None, [], 0
        elif common < len(self._cache_ids):
            self._cache.crop(common - len(self._cache_ids))  # a negative count removes that many tokens
        with torch.inference_mode():
            out = self.model(torch.tensor([ids[common:]], dtype=torch.long), cache=self._cache, use_cache=True)
        self._cache = out.cache
        return torch.softmax(out.logits[0, -1].float(), dim=-1).numpy().astype(np.float64)

    def cache_for(
        self, ids: list[int], cancel: threading.Event | None = None
    ) -> tuple[np.ndarray | None, GenerationRows | None]:
        """Return the next-token distribution after ``ids`` and generation rows on a private copy of their cache.

        Generation works on the copy, so the shared prefix cache stays valid for the next keystroke.
        """
        with self._lock:
            if self._cache_ids != list(ids):
                self._probs.pop(tuple(ids), None)  # the cache must hold ids: run them even if their answer is known
            probs = self.next_token_probs(ids, cancel)
            if probs is None:
                return None, None
            return probs, self._rows(len(ids))

    def _rows(self, length: int) -> GenerationRows:
        """Return generation rows on a private copy of the cache (which holds ``length`` tokens)."""
        import copy

        return _TorchRows(self, copy.deepcopy(self._cache))

    def sample(
        self, ids: list[int], n: int, max_new: int, cancel: threading.Event | None, temperature: float = 0.7
    ) -> list[str]:
        """Return ``n`` continuations of ``ids`` sampled with top-p 0.9 and a fixed seed (special tokens dropped)."""
        import torch
        from transformers import StoppingCriteria, StoppingCriteriaList

        class Crit(_CancelCriteria, StoppingCriteria):
            pass

        torch.manual_seed(1234)
        eos = stop_ids(self.tokenizer)
        with torch.inference_mode():
            out = self.model.generate(
                torch.tensor([ids], dtype=torch.long),
                attention_mask=torch.ones((1, len(ids)), dtype=torch.long),
                do_sample=True,
                temperature=temperature,
                top_p=0.9,
                top_k=0,
                num_return_sequences=n,
                max_new_tokens=max_new,
                eos_token_id=eos,
                pad_token_id=eos[0] if eos else 0,
                stopping_criteria=StoppingCriteriaList([Crit(cancel)]),
            )
        self.tokens_forwarded += int(out.shape[0] * (out.shape[1] - len(ids)))
        return [self.tokenizer.decode(row[len(ids) :], skip_special_tokens=True) for row in out]

    def mean_logprob(self, prefix: list[int], continuation: list[int]) -> float:
        """Return the model's mean log-probability per token of ``continuation`` after ``prefix``."""
        import torch

        if not continuation:
            return float("-inf")
        ids = torch.tensor([prefix + continuation], dtype=torch.long)
        with torch.inference_mode():
            logits = self.model(ids).logits[0, len(prefix) - 1 : -1].float()
        self.tokens_forwarded += ids.shape[1]
        logp = torch.log_softmax(logits, dim=-1)
        return float(logp[torch.arange(len(continuation)), torch.tensor(continuation)].mean())

    def _word_scores(
        self, before: str, prefix: str, cancel: threading.Event | None
    ) -> tuple[int, np.ndarray, np.ndarray, np.ndarray, bool] | None:
        """Score the words starting with ``prefix`` after ``before``.

        Returns
        -------
        lo, scores
            As :meth:`KeyTable.word_scores` (with the unigram share mixed in).
        key_case : ndarray, shape (n_keys, 3)
            Probability of each word-start key in lower case, capitalised and in capitals.
        probs : ndarray, shape (n_tokens,)
            The next-token distribution after ``before`` (without its trailing spaces).
        after_space : bool
            ``before`` ends with a space (the next token starts with one).
        """
        ctx = before.rstrip(" ")
        after_space = len(ctx) < len(before) and not ctx.endswith("\n")
        ids = self.context_ids(ctx)
        probs = self.next_token_probs(ids, cancel)
        if probs is None:
            return None
        memo = (tuple(ids), after_space)
        kpc = self._kpc.get(memo)
        if kpc is None:  # each letter of a word asks again with the same context: sum the vocabulary once
            kpc = self._kpc[memo] = self.tokens.key_probs_case(probs, after_space=after_space)
            while len(self._kpc) > 8:
                self._kpc.popitem(last=False)
        lo, scores = self.tokens.keys.word_scores(prefix, kpc.sum(axis=1))
        lo_u, hi_u = self.vocab.prefix_range(prefix)
        uni = self.vocab.freq[lo_u:hi_u]
        if len(scores) and uni.sum() > 0:
            total = scores.sum()
            if total > 0:
                scores = (1 - self.unigram_weight) * scores / total + self.unigram_weight * uni / uni.sum()
            else:
                scores = uni / uni.sum()
        return lo, scores, kpc, probs, after_space

    def _natural(self, word: str, kpc: np.ndarray) -> str | None:
        """Return the form the model writes ``word`` in here (``EU``, ``Thursday``), or None if it has no say.

        Every word-start token that is a prefix of the word votes with its case, as in the word probability;
        capitals count only for the token that is the whole word (``" EU"`` followed by ``"rope"`` is not
        ``EUROPE``). A word the model gives less than 0.1 % has no reliable case: None.
        """
        keys = self.tokens.keys
        num = np.zeros(3)
        for j in range(1, len(word) + 1):
            i = keys.index(word[:j])
            if i is not None and keys.mass[i] > 0:
                v = kpc[i] / keys.mass[i]
                num += v if j == len(word) else (v[0], v[1] + v[2], 0.0)
        total = float(num.sum())
        w = self.vocab.index(word)
        if total <= 0 or w is None or total * float(self.vocab.freq[w]) < 1e-3:
            return None
        return natural_form(word, upper=float(num[2]) / total, title=float(num[1]) / total)

    def _upper_share(self, prefix: str, kpc: np.ndarray) -> float | None:
        """Return the share of the model's words starting with ``prefix`` that it writes in capitals."""
        keys = self.tokens.keys
        i = bisect.bisect_left(keys.keys, prefix)
        j = bisect.bisect_left(keys.keys, prefix + "\U0010ffff", i)
        block = kpc[i:j]
        total = float(block.sum())
        return float(block[:, 2].sum()) / total if total > 0 else None

    # ----------------------------------------------------------------- protocol

    def next_symbols(
        self, context: str, *, revision: int = 0, cancel: threading.Event | None = None
    ) -> Answer[dict[str, float]]:
        """Return the distribution of the next symbol over :data:`SYMBOLS`.

        Within a word, letters come from the word distribution (marginalising over every vocabulary word that
        continues the typed prefix); when the prefix is itself a word, one extra forward pass over it tells how
        the word ends (space, punctuation, marks, line break). Where no word is being typed, the first
        characters of the next tokens give the distribution directly: capitals after ``. ``, digits after a
        digit or ``Article ``. Capitals continue capitals (``EU``).
        """
        t0 = time.perf_counter()
        before, prefix = split_context(context)
        typed = context[len(before) :]
        res = self._word_scores(before, prefix, cancel)
        if res is None:
            return self._answer({}, revision, t0, "next_symbols", cancel)
        lo, scores, kpc, probs, after_space = res
        split = start = upper = None
        if prefix:
            idx = self.vocab.index(prefix)
            if idx is not None and len(scores) and scores.sum() > 0:
                end_share = float(scores[idx - lo] / scores.sum())
                if end_share > 0.02:
                    word_probs = self.next_token_probs(self.context_ids(context.rstrip(" ")), cancel)
                    if word_probs is not None:
                        split = self.tokens.end_split(word_probs)
            if len(prefix) == 1 and prefix_case(typed) == "title":
                upper = self._upper_share(prefix, kpc)
        elif before.strip():
            # At the very start of a text the model has only its separator to go on: the rules answer there.
            start = self.tokens.start_chars(probs, after_space=after_space)
        dist = full_distribution(
            self.vocab, before, typed, lo, scores, end_split=split, start=start, upper_share=upper
        )
        return self._answer(dist, revision, t0, "next_symbols", cancel)

    def complete_word(
        self, context: str, prefix: str, k: int = 5, *, revision: int = 0, cancel: threading.Event | None = None
    ) -> Answer[list[tuple[str, float]]]:
        """Return the top-k words starting with ``prefix`` after ``context``, with probabilities.

        ``context`` is the text before the word (a trailing partial word in it is ignored in favour of
        ``prefix``). Words come in the case the context calls for (see :mod:`._case`): the model's own case
        for names and acronyms (``Thursday``, ``EU``), a capital at a sentence start, the capitals of a
        prefix typed in capitals.
        """
        t0 = time.perf_counter()
        before, _ = split_context(context)
        res = self._word_scores(before, prefix.lower(), cancel)
        if res is None:
            return self._answer([], revision, t0, "complete_word", cancel)
        lo, scores, kpc, _, _ = res
        start = sentence_start(before)
        value = [(cased(w, prefix, start, self._natural(w, kpc)), p) for w, p in self.vocab.top(scores, lo, k)]
        if at_document_start(before):
            value = opener_words(prefix, k, value)
        return self._answer(value, revision, t0, "complete_word", cancel)

    def complete_phrase(
        self, context: str, k: int = 3, *, revision: int = 0, cancel: threading.Event | None = None
    ) -> Answer[list[tuple[str, float]]]:
        """Return the top-k continuations of up to 6 words; each replaces the partial word at the end."""
        from ._generate import phrases

        t0 = time.perf_counter()
        before, prefix = split_context(context)
        value = opener_phrases(prefix, k) if at_document_start(before) else []
        value = value or phrases(self, context, k, cancel=cancel)
        return self._answer(value, revision, t0, "complete_phrase", cancel)

    def expand_abbreviation(
        self, initials: str, context: str = "", k: int = 3, *, revision: int = 0, cancel: threading.Event | None = None
    ) -> Answer[list[tuple[str, float]]]:
        """Expand word initials into phrases by beam search constrained on the first letter of each word."""
        from ._generate import abbreviations

        t0 = time.perf_counter()
        value = abbreviations(self, initials, context, k, cancel=cancel)
        return self._answer(value, revision, t0, "expand_abbreviation", cancel)

    def rewrite(
        self, text: str, instruction: str, k: int = 3, *, revision: int = 0, cancel: threading.Event | None = None
    ) -> Answer[list[Rewrite]]:
        """Return up to k rewrites: the rule-based one (for presets that have rules) and model generations."""
        from ._generate import rewrites

        t0 = time.perf_counter()
        value = rewrites(self, text, instruction, k, cancel=cancel)
        return self._answer(value, revision, t0, "rewrite", cancel)
