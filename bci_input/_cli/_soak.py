"""The soak benchmark: a long simulated session on BrainFlow's synthetic board.

``make soak`` (``bci-input bench soak``) lets the simulated participant write on top of the real
synthetic board's stream, in real time, with the bundled language model, for
``$BCI_INPUT_SOAK_MINUTES`` minutes (default 60). It records resident-memory growth, dropped
samples (timestamp gaps seen by the signal guard), and the p99 latency of the decoder and of the
language model, and writes them to the ``soak`` section of BENCHMARKS.md. It lives beside the CLI
because it opens a BrainFlow board.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from .._bench_report import machine_line, markdown_table, write_section
from .._types import Chunk, Source, WrappedSource
from ..faults import SignalGuard

__all__ = ["run_bench", "run_soak"]

log = logging.getLogger(__name__)

#: SSVEP SNR of the soak's participant: the demo's strong response, decodable by training-free CCA.
SOAK_SNR = 0.8


class _Timed:
    """Delegate to ``inner`` and record the wall time of the named methods."""

    def __init__(self, inner: Any, methods: tuple[str, ...], sink: list[float]) -> None:
        self._inner = inner
        self._methods = methods
        self._sink = sink

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if name not in self._methods or not callable(attr):
            return attr

        def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return attr(*args, **kwargs)
            finally:
                self._sink.append(time.perf_counter() - t0)

        return timed


class _GapCounter(WrappedSource):
    """Pass a source through, counting chunks and timestamp gaps (dropped samples)."""

    def __init__(self, base: Source) -> None:
        super().__init__(base)
        self.guard = SignalGuard(base.info)
        self.n_samples = 0

    def read(self, timeout: float = 0.1) -> Chunk | None:
        chunk = self.base.read(timeout)
        if chunk is not None and chunk.n_times:
            self.n_samples += chunk.n_times
            self.guard.check(chunk)
        return chunk


def run_soak(minutes: float, *, lm: str = "bundled", seed: int = 0) -> dict[str, Any]:
    """Run the soak session and return its figures.

    Parameters
    ----------
    minutes : float
        Wall-clock length of the session.
    lm : str
        ``'bundled'`` or ``'wordfreq'``.
    seed : int
        Seed of the simulated participant.

    Returns
    -------
    dict
        Memory, gap and latency figures.
    """
    import psutil

    from ..decoding import CCA
    from ..hardware import open_source
    from ..language import WordFreqModel, load_language_model
    from ..simulation import SimulatedParticipant, run_closed_loop
    from ..speller import normalise_text

    corpus = (Path(__file__).resolve().parent.parent / "data" / "ksr_corpus.txt").read_text(encoding="utf-8")
    text = normalise_text(corpus)
    proc = psutil.Process()
    model = WordFreqModel() if lm == "wordfreq" else load_language_model()
    lm_lat: list[float] = []
    dec_lat: list[float] = []
    timed_model = _Timed(model, ("next_symbols", "complete_word", "complete_phrase"), lm_lat)
    base = _GapCounter(open_source(board="synthetic"))
    n_picks = len(SimulatedParticipant(snr=SOAK_SNR, seed=seed, base=base).decoder_picks)

    def decoder_factory(layout: Any) -> Any:
        # Training-free CCA on the fundamental, as in the demo: robust to the board's own sines.
        freqs = [f if np.isfinite(f) else 8.0 for f in layout.freqs]
        cca = CCA(sfreq=base.info.sfreq, freqs=freqs, n_harmonics=1).fit_targets(n_picks)
        return _Timed(cca, ("predict_proba",), dec_lat)

    rss: list[tuple[float, float]] = []
    stop = threading.Event()
    t0 = time.monotonic()

    def sample() -> None:
        while not stop.is_set():
            rss.append((time.monotonic() - t0, proc.memory_info().rss / 2**20))
            stop.wait(10.0)

    sampler = threading.Thread(target=sample, name="soak-rss", daemon=True)
    sampler.start()
    try:
        result = run_closed_loop(
            text, "ssvep", language_model=timed_model, seed=seed, max_minutes=minutes, base_source=base,
            realtime=True, charge_lm_latency=False, decoder=decoder_factory, snr=SOAK_SNR,
        )
    finally:
        stop.set()
        sampler.join(15.0)
    rss.append((time.monotonic() - t0, proc.memory_info().rss / 2**20))
    warm = [m for t, m in rss if t >= 120.0] or [m for _, m in rss]  # after model load and warm-up
    return {
        "minutes": (time.monotonic() - t0) / 60.0,
        "lm": getattr(model, "name", lm),
        "chars_written": len(result.final_text),
        "selections": result.n_selections,
        "rss_start_mb": warm[0],
        "rss_end_mb": warm[-1],
        "rss_growth_mb": warm[-1] - warm[0],
        "rss_peak_mb": max(m for _, m in rss),
        "samples": base.n_samples,
        "gaps": base.guard.n_gaps,
        "decoder_calls": len(dec_lat),
        "decoder_p99_ms": 1000.0 * float(np.percentile(dec_lat, 99)) if dec_lat else float("nan"),
        "lm_calls": len(lm_lat),
        "lm_p99_ms": 1000.0 * float(np.percentile(lm_lat, 99)) if lm_lat else float("nan"),
    }


def run_bench(out: Path) -> None:
    """Run the soak (``$BCI_INPUT_SOAK_MINUTES``, default 60) and write the ``soak`` section."""
    minutes = float(os.environ.get("BCI_INPUT_SOAK_MINUTES", "60"))
    r = run_soak(minutes)
    verdict = "within" if r["rss_growth_mb"] <= 50.0 else "OVER"
    md = (
        "## Soak: long simulated session on the BrainFlow synthetic board\n\n"
        f"{machine_line()} `make soak` (`bci-input bench soak`, `BCI_INPUT_SOAK_MINUTES={minutes:g}`): the simulated "
        "participant writes the KSR corpus with SSVEP (40 targets, training-free CCA, SNR 0.8 as in the demo) on top "
        f"of the synthetic board's real-time stream, with the {r['lm']} language model. Memory is the process's "
        "resident set, sampled every 10 s; growth is measured from 2 minutes in (after model load and warm-up) to "
        f"the end. Target: at most 50 MB growth — **{verdict} target**. Gaps are timestamp jumps larger than "
        "100 ms seen by the signal guard (dropped samples).\n\n"
        + markdown_table(
            ["minutes", "chars written", "selections", "RSS start MB", "RSS end MB", "growth MB", "peak MB",
             "samples", "gaps", "decoder calls", "decoder p99 ms", "LM calls", "LM p99 ms"],
            [[r["minutes"], r["chars_written"], r["selections"], r["rss_start_mb"], r["rss_end_mb"],
              r["rss_growth_mb"], r["rss_peak_mb"], r["samples"], r["gaps"], r["decoder_calls"],
              r["decoder_p99_ms"], r["lm_calls"], r["lm_p99_ms"]]],
        )
    )
    write_section("soak", md, out)
