"""The local backend on the llama.cpp engine: a GGUF model in this process (see :mod:`._llama`).

It answers exactly as :class:`~bci_input.language.LocalModel` does (same word tables, case rules, prompts,
clean-up and ranking); only the forward passes, the KV cache and the sampling run in llama.cpp instead of
transformers.
"""

from __future__ import annotations

import collections
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from .._errors import ModelLoadError
from ..settings import LanguageSettings
from ._generate import GenerationRows, stop_ids
from ._llama import CONTEXT_SEQ, PROMPT_SEQ, LlamaEngine, SeqCache, softmax
from ._loader import LoadedModel, gguf_tokenizer
from ._local import LocalModel, auto_threads, reusable_prefix

__all__ = ["LlamaCppModel"]

_TOP_K = 50
_TOP_P = 0.9
_SEED = 1234


class LlamaCppModel(LocalModel):
    """A GGUF model run by llama.cpp on this machine.

    Use :meth:`load` (or :func:`~bci_input.language.load_language_model`) rather than the constructor.

    Parameters
    ----------
    engine : LlamaEngine
        The loaded model and its context.
    tokenizer : transformers tokenizer
        The GGUF's own tokenizer (:func:`~bci_input.language._loader.gguf_tokenizer`).
    name : str
        Shown in the status line and the benchmarks.
    load_s : float
        Seconds the load took.
    cache_dir : Path | None
        Folder of the word tables' cache.
    """

    def __init__(
        self, engine: LlamaEngine, tokenizer: Any, name: str, load_s: float, cache_dir: Path | None = None
    ) -> None:
        super().__init__(LoadedModel(engine, tokenizer, name, load_s, True, cache_dir))
        self.engine = engine
        self.name = f"llama.cpp:{name}"
        self._prompt_ids: list[int] = []
        self._prompt_logits: np.ndarray | None = None
        self._scores: collections.OrderedDict[tuple[int, ...], float] = collections.OrderedDict()
        self._stops = set(stop_ids(tokenizer))

    @classmethod
    def load_file(
        cls,
        gguf: Path,
        settings: LanguageSettings | None = None,
        *,
        name: str | None = None,
        cache_dir: Path | None = None,
        context_start: str | None = None,
    ) -> LlamaCppModel:
        """Load the GGUF file ``gguf`` with the threads of ``settings``.

        ``context_start`` is the text every context starts with (None: the tokenizer's end-of-text token).

        Raises
        ------
        ModelLoadError
            If the file is missing or llama.cpp cannot load it.
        """
        s = settings or LanguageSettings()
        t0 = time.perf_counter()
        if not gguf.is_file():
            raise ModelLoadError(f"The model file {gguf} does not exist. Set [language] model to a .gguf file.")
        tokenizer, folder = gguf_tokenizer(gguf, cache_dir)
        engine = LlamaEngine(gguf, threads=s.threads or auto_threads())
        model = cls(engine, tokenizer, name or gguf.stem, time.perf_counter() - t0, folder)
        if context_start:
            model.tokens.sep_id = model.encode(context_start)[0]
        return model

    # ----------------------------------------------------------------- forward passes

    def _forward(self, ids: list[int], common: int) -> np.ndarray:
        """Run ``ids[common:]`` in sequence 0 after the cells of ``ids[:common]`` it keeps."""
        with self.engine.lock:
            self.engine.cut(CONTEXT_SEQ, common)
            logits = self.engine.extend(CONTEXT_SEQ, common, ids[common:])
        return softmax(logits[0])

    def _rows(self, length: int) -> GenerationRows:
        """Return generation rows that share the cells of sequence 0 (which holds ``length`` tokens)."""
        return SeqCache(self.engine, CONTEXT_SEQ, length, self._count)

    def _count(self, n: int) -> None:
        self.tokens_forwarded += n

    def _prompt(self, ids: list[int]) -> np.ndarray:
        """Hold ``ids`` in the prompt sequence (reusing the prefix it shares with the last prompt); last logits."""
        if self._prompt_ids == ids and self._prompt_logits is not None:
            return self._prompt_logits
        common = reusable_prefix(self._prompt_ids, ids)
        self.engine.cut(PROMPT_SEQ, common)
        self._prompt_logits = self.engine.extend(PROMPT_SEQ, common, ids[common:])[0]
        self.tokens_forwarded += len(ids) - common
        self._prompt_ids = list(ids)
        return self._prompt_logits

    # ----------------------------------------------------------------- generation

    def sample(
        self, ids: list[int], n: int, max_new: int, cancel: threading.Event | None, temperature: float = 0.7
    ) -> list[str]:
        """Return ``n`` continuations of ``ids`` sampled in one batch (top-k 50, top-p 0.9, fixed seed).

        The first one is greedy. Each continuation's mean log-probability (the model's own, untempered) is kept,
        so :meth:`mean_logprob` answers for it without another pass.
        """
        rng = np.random.default_rng(_SEED)
        with self._lock, self.engine.lock:
            last = self._prompt(ids)
            rows = self.engine.take(n)
            try:
                for s in rows:
                    self.engine.copy(PROMPT_SEQ, s)
                logits = np.repeat(last[None, :], n, axis=0)
                out: list[list[int]] = [[] for _ in range(n)]
                logp: list[list[float]] = [[] for _ in range(n)]
                live = list(range(n))
                for step in range(max_new):
                    if cancel is not None and cancel.is_set():
                        break
                    feed = []
                    for j, r in enumerate(live):
                        tok, lp = self._pick(logits[j], temperature if r else 0.0, rng)
                        logp[r].append(lp)
                        if tok in self._stops:
                            continue
                        out[r].append(tok)
                        feed.append(r)
                    live = feed
                    if not live or step == max_new - 1:
                        break
                    pos = len(ids) + step
                    logits = self.engine.decode([(out[r][-1], pos, rows[r], True) for r in live])
                    self.tokens_forwarded += len(live)
            finally:
                self.engine.give(rows)
        texts = []
        for r in range(n):
            self._scores[(*ids, *out[r], -1)] = float(np.mean(logp[r])) if logp[r] else float("-inf")
            texts.append(self.tokenizer.decode(out[r], skip_special_tokens=True))
        while len(self._scores) > 64:
            self._scores.popitem(last=False)
        return texts

    @staticmethod
    def _pick(logits: np.ndarray, temperature: float, rng: np.random.Generator) -> tuple[int, float]:
        """Return a token (argmax at temperature 0, else top-k/top-p sampling) and its untempered log-probability."""
        top = np.argpartition(logits, -_TOP_K)[-_TOP_K:]
        top = top[np.argsort(-logits[top])]
        z = logits[top].astype(np.float64)
        lse = float(z[0] + np.log(np.exp(logits - logits[top[0]]).sum(dtype=np.float64)))
        if temperature <= 0:
            return int(top[0]), float(z[0]) - lse
        p = np.exp((z - z[0]) / temperature)
        p /= p.sum()
        keep = int(np.searchsorted(np.cumsum(p), _TOP_P)) + 1
        p = p[:keep] / p[:keep].sum()
        i = int(rng.choice(keep, p=p))
        return int(top[i]), float(z[i]) - lse

    def mean_logprob(self, prefix: list[int], continuation: list[int]) -> float:
        """Return the model's mean log-probability per token of ``continuation`` after ``prefix``."""
        if not continuation:
            return float("-inf")
        stops = self._stops
        body = continuation[:-1] if continuation[-1] in stops else continuation
        known = self._scores.get((*prefix, *body, -1))
        if known is not None and len(body) < len(continuation):
            return known
        with self._lock, self.engine.lock:
            first = self._prompt(prefix)
            (row,) = self.engine.take(1)
            try:
                self.engine.copy(PROMPT_SEQ, row)
                rest = self.engine.extend(row, len(prefix), continuation[:-1], all_logits=True) if len(
                    continuation) > 1 else np.zeros((0, len(first)), dtype=np.float32)
                self.tokens_forwarded += len(continuation) - 1
            finally:
                self.engine.give([row])
        logits = np.vstack([first[None, :], rest])
        peak = logits.max(axis=1, keepdims=True)
        lse = peak[:, 0] + np.log(np.exp(logits - peak).sum(axis=1, dtype=np.float64))
        return float(np.mean(logits[np.arange(len(continuation)), continuation] - lse))
