"""The llama.cpp engine: GGUF models run in this process through llama-cpp-python's C API bindings.

One llama.cpp context holds several sequences in one unified KV cache, so sequences that share a prefix share
its cells:

- sequence 0 is the context of the text being written (word and symbol prediction reuse its longest common
  token prefix from one keystroke to the next, as the transformers engine does);
- sequence 1 keeps the last prompt (rewrites reuse the few-shot prefix of their instruction);
- the others are scratch rows for batched generation: phrases and beams (:class:`SeqCache`), parallel samples.

Tokens are made by the model's Hugging Face tokenizer, read once from the GGUF file (see :mod:`._loader`): the
vocabulary tables of :mod:`._tokens` need it, and its ids are the GGUF's own.
"""

from __future__ import annotations

import ctypes
import logging
import threading
from pathlib import Path
from typing import Any

import numpy as np

from .._errors import ModelLoadError

__all__ = ["LlamaEngine", "SeqCache", "softmax"]

log = logging.getLogger(__name__)

CONTEXT_SEQ = 0
PROMPT_SEQ = 1
_FIRST_SCRATCH = 2
_N_SEQ = 40
_N_BATCH = 512


_log_callback: Any = None


def _route_logs(llama_cpp: Any) -> None:
    """Send llama.cpp's own log lines to this module's logger (debug level) instead of the terminal."""
    global _log_callback
    if _log_callback is None:

        @llama_cpp.llama_log_callback  # type: ignore[untyped-decorator]
        def _callback(level: int, text: bytes, user_data: ctypes.c_void_p) -> None:
            log.debug("llama.cpp: %s", text.decode("utf-8", "replace").rstrip())

        _log_callback = _callback
    llama_cpp.llama_log_set(_log_callback, ctypes.c_void_p(0))


def _close_devnull() -> None:
    """Close the two /dev/null files llama-cpp-python opens at import for its ``Llama(verbose=False)``.

    This engine does not use that class; left open, they make the interpreter print a ResourceWarning at exit.
    """
    from llama_cpp import _utils

    for name in ("outnull_file", "errnull_file"):
        f = getattr(_utils, name, None)
        if f is not None and not f.closed:
            f.close()


def softmax(logits: np.ndarray) -> np.ndarray:
    """Return the softmax of the last axis, in float64."""
    z = logits.astype(np.float64)
    z -= z.max(axis=-1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=-1, keepdims=True)
    return z


class LlamaEngine:
    """A GGUF model and one llama.cpp context with :data:`_N_SEQ` sequences in a unified KV cache.

    Parameters
    ----------
    path : Path
        The GGUF file.
    n_ctx : int
        KV cells shared by all sequences.
    threads : int
        CPU threads (0: llama.cpp's default).

    Raises
    ------
    ModelLoadError
        If llama.cpp cannot load the file or create the context.
    """

    def __init__(self, path: Path, *, n_ctx: int = 4096, threads: int = 0) -> None:
        import llama_cpp

        _route_logs(llama_cpp)  # it logs every tensor at load time, and model quirks, to stderr
        _close_devnull()
        self._lib = llama_cpp
        llama_cpp.llama_backend_init()
        mparams = llama_cpp.llama_model_default_params()
        self.model = llama_cpp.llama_model_load_from_file(str(path).encode(), mparams)
        if not self.model:
            raise ModelLoadError(f"llama.cpp cannot load {path}: not a GGUF model it supports, or a damaged file.")
        cparams = llama_cpp.llama_context_default_params()
        cparams.n_ctx = n_ctx
        cparams.n_batch = cparams.n_ubatch = _N_BATCH
        cparams.n_seq_max = _N_SEQ
        cparams.kv_unified = True
        if threads:
            cparams.n_threads = cparams.n_threads_batch = threads
        self.ctx = llama_cpp.llama_init_from_model(self.model, cparams)
        if not self.ctx:
            llama_cpp.llama_model_free(self.model)
            raise ModelLoadError(f"llama.cpp cannot create a context of {n_ctx} tokens for {path} (out of memory?).")
        self.mem = llama_cpp.llama_get_memory(self.ctx)
        self.n_vocab = int(llama_cpp.llama_vocab_n_tokens(llama_cpp.llama_model_get_vocab(self.model)))
        self.n_ctx = n_ctx
        self._batch = llama_cpp.llama_batch_init(_N_BATCH, 0, _N_SEQ)
        self._free = list(range(_N_SEQ - 1, _FIRST_SCRATCH - 1, -1))
        self.lock = threading.RLock()
        self.path = path

    def close(self) -> None:
        """Free the context and the model."""
        lib = self._lib
        if getattr(self, "ctx", None):
            lib.llama_batch_free(self._batch)
            lib.llama_free(self.ctx)
            lib.llama_model_free(self.model)
            self.ctx = None

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: S110 - interpreter shutdown: the library may be gone already
            pass

    # ----------------------------------------------------------------- sequences

    @property
    def free_rows(self) -> int:
        """Scratch sequences free now."""
        return len(self._free)

    @property
    def max_rows(self) -> int:
        """Scratch sequences in all."""
        return _N_SEQ - _FIRST_SCRATCH

    def take(self, n: int) -> list[int]:
        """Reserve ``n`` scratch sequences (empty)."""
        with self.lock:
            if n > len(self._free):
                raise RuntimeError(f"llama.cpp engine: {n} sequences asked for, {len(self._free)} free")
            return [self._free.pop() for _ in range(n)]

    def give(self, seqs: list[int]) -> None:
        """Clear scratch sequences and return them."""
        with self.lock:
            for s in seqs:
                self._lib.llama_memory_seq_rm(self.mem, s, -1, -1)
                self._free.append(s)

    def copy(self, src: int, dst: int, end: int = -1) -> None:
        """Make ``dst`` share the cells of ``src`` at positions [0, end) (all with -1)."""
        self._lib.llama_memory_seq_rm(self.mem, dst, -1, -1)
        self._lib.llama_memory_seq_cp(self.mem, src, dst, -1, end)

    def cut(self, seq: int, start: int) -> None:
        """Drop the cells of ``seq`` from position ``start`` on."""
        self._lib.llama_memory_seq_rm(self.mem, seq, start, -1)

    # ----------------------------------------------------------------- decoding

    def decode(self, rows: list[tuple[int, int, int, bool]]) -> np.ndarray:
        """Run tokens through the model.

        Parameters
        ----------
        rows : list of (token, position, sequence, want_logits)
            In order; split into batches of :data:`_N_BATCH`.

        Returns
        -------
        ndarray, shape (n_wanted, n_vocab)
            The logits of the rows that want them, in order.
        """
        out: list[np.ndarray] = []
        with self.lock:
            for start in range(0, len(rows), _N_BATCH):
                out += self._decode_chunk(rows[start : start + _N_BATCH])
        return np.stack(out) if out else np.zeros((0, self.n_vocab), dtype=np.float32)

    def _decode_chunk(self, chunk: list[tuple[int, int, int, bool]]) -> list[np.ndarray]:
        lib, b = self._lib, self._batch
        wanted: list[int] = []
        for i, (tok, pos, seq, logits) in enumerate(chunk):
            b.token[i] = tok
            b.pos[i] = pos
            b.n_seq_id[i] = 1
            b.seq_id[i][0] = seq
            b.logits[i] = 1 if logits else 0
            if logits:
                wanted.append(i)
        b.n_tokens = len(chunk)
        rc = lib.llama_decode(self.ctx, b)
        if rc != 0:
            raise RuntimeError(f"llama.cpp decode failed (code {rc}): the context of {self.n_ctx} tokens is full?")
        float_p = ctypes.POINTER(ctypes.c_float)
        return [
            np.ctypeslib.as_array(ctypes.cast(lib.llama_get_logits_ith(self.ctx, i), float_p), shape=(self.n_vocab,))
            .copy()
            for i in wanted
        ]

    def extend(self, seq: int, start: int, tokens: list[int], *, all_logits: bool = False) -> np.ndarray:
        """Append ``tokens`` to ``seq`` at positions ``start``...; return the last row's logits (or every row's)."""
        rows = [(t, start + i, seq, all_logits or i == len(tokens) - 1) for i, t in enumerate(tokens)]
        return self.decode(rows)


class SeqCache:
    """Rows of a batched generation over scratch sequences, each a copy of a prefix held in ``src``.

    The generation loops of :mod:`._generate` use it through :meth:`repeat`, :meth:`reorder` and :meth:`step`
    (the transformers engine has the same three on its own KV cache).
    """

    def __init__(self, engine: LlamaEngine, src: int, length: int, counter: Any) -> None:
        self.engine = engine
        self.seqs = engine.take(1)
        engine.copy(src, self.seqs[0], length)
        self.pos = length
        self._counter = counter

    def repeat(self, rows: int) -> None:
        """Turn the one row into ``rows`` identical rows."""
        more = self.engine.take(rows - 1)
        for s in more:
            self.engine.copy(self.seqs[0], s)
        self.seqs += more

    def reorder(self, parents: list[int]) -> None:
        """Make row i a copy of old row ``parents[i]`` (beam search)."""
        new = self.engine.take(len(parents))
        for s, p in zip(new, parents, strict=True):
            self.engine.copy(self.seqs[p], s)
        self.engine.give(self.seqs)
        self.seqs = new

    def step(self, tokens: list[int]) -> np.ndarray:
        """Feed one token per row; return next-token probabilities, shape (rows, n_vocab)."""
        logits = self.engine.decode([(t, self.pos, s, True) for t, s in zip(tokens, self.seqs, strict=True)])
        self.pos += 1
        self._counter(len(tokens))
        return softmax(logits)

    def close(self) -> None:
        """Release the rows' sequences."""
        self.engine.give(self.seqs)
        self.seqs = []
