"""Language benchmark: keystroke savings, latency, load time and memory (``bci-input lm bench``, section "language").

Protocol: see :mod:`._ksr`. One pass over the corpus records, for every word, where it would be accepted for
each k; ``next_symbols`` is timed at every keystroke of every 4th word (interleaved with ``complete_word``, as a
speller calls them); phrases are requested at the start of every word of a fixed subset (the first
``phrase_tokens`` words, 300 by default), because generating phrases costs about a second per call on two
cores. Word+phrase KSR is reported on that subset next to word-only KSR on the same subset.
"""

from __future__ import annotations

import json
import logging
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np

from .._bench_report import markdown_table
from ..settings import LanguageSettings
from ._ksr import ksr, trace_words
from ._types import LanguageModel

__all__ = [
    "run_bench", "bench_model", "measure_load", "default_corpus", "formal_corpus", "format_markdown", "format_corpus"
]

log = logging.getLogger(__name__)


def default_corpus() -> str:
    """Return the bundled evaluation corpus (everyday letters, emails, notes and requests, written for it)."""
    return files("bci_input").joinpath("data/ksr_corpus.txt").read_text(encoding="utf-8")


def formal_corpus() -> str:
    """Return the bundled formal, mixed-case corpus (letters, emails, amendment clauses; written for it)."""
    return files("bci_input").joinpath("data/ksr_corpus_formal.txt").read_text(encoding="utf-8")


def _stats(values: Sequence[float]) -> dict[str, float]:
    if not values:
        return {"n": 0, "median_ms": float("nan"), "p95_ms": float("nan")}
    a = np.asarray(values) * 1000.0
    return {"n": int(len(a)), "median_ms": float(np.median(a)), "p95_ms": float(np.percentile(a, 95))}


def _context_200_offset(model: LanguageModel, text: str) -> int:
    """Return the character offset after which the context holds at least 200 tokens."""
    encode = getattr(model, "encode", None)
    words = text.split()
    lo, hi = 0, len(text)
    if encode is None:  # about 1.3 tokens per English word
        import re

        starts = [m.start() for m in re.finditer(r"\S+", text)]
        return starts[min(len(starts) - 1, 154)] if words else 0
    while lo < hi:
        mid = (lo + hi) // 2
        if len(encode(text[:mid])) >= 200:
            hi = mid
        else:
            lo = mid + 1
    return lo


def bench_model(
    model: LanguageModel,
    text: str,
    ks: Sequence[int] = (3, 5),
    *,
    phrase_tokens: int = 300,
    symbols_every: int = 4,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Run the KSR protocol and latency measurements for one model.

    Parameters
    ----------
    model : LanguageModel
        The model.
    text : str
        The corpus.
    ks : sequence of int
        Suggestion counts.
    phrase_tokens : int
        Phrases are evaluated on the first ``phrase_tokens`` words (0: none, -1: all).
    symbols_every : int
        ``next_symbols`` is timed on every n-th word.
    progress : callable | None
        Receives one-line progress messages.

    Returns
    -------
    dict
        KSR figures, latency statistics and counts (JSON-serialisable).
    """
    ks = tuple(sorted(set(ks)))
    off200 = _context_200_offset(model, text)
    lat: dict[str, list[tuple[int, float]]] = {
        "complete_word": [], "complete_word, word start": [], "next_symbols": [], "complete_phrase": []
    }
    word_index = {"i": -1}

    def suggest(context: str, prefix: str, k: int) -> list[str]:
        ans = model.complete_word(context, prefix, k)
        lat["complete_word"].append((len(context), ans.latency_s))
        if not prefix:
            lat["complete_word, word start"].append((len(context), ans.latency_s))
        if symbols_every and word_index["i"] % symbols_every == 0:
            # Timed after complete_word at the same keystroke, as a speller calls them (they share a forward pass).
            a = model.next_symbols(context)
            lat["next_symbols"].append((len(context), a.latency_s))
        return [w for w, _ in ans.value]

    def phrase(context: str, k: int) -> list[str]:
        ans = model.complete_phrase(context, k)
        lat["complete_phrase"].append((len(context), ans.latency_s))
        return [p for p, _ in ans.value]

    t0 = time.perf_counter()
    n_tokens = len(text.split())
    subset = set(range(n_tokens if phrase_tokens < 0 else min(phrase_tokens, n_tokens)))

    def on_token(i: int, n: int) -> None:
        word_index["i"] = i + 1
        if progress is not None and (i + 1) % 100 == 0:
            progress(f"{model.name}: {i + 1}/{n} words, {time.perf_counter() - t0:.0f} s")

    word_index["i"] = 0
    tokens, traces = trace_words(text, suggest, ks, phrase if subset else None, progress=on_token, phrase_tokens=subset)
    elapsed = time.perf_counter() - t0
    result: dict[str, Any] = {
        "backend": model.name,
        "words": len(tokens),
        "characters": int(sum(len(t.text) + 1 for t in tokens)),
        "seconds": elapsed,
        "ksr_word": {str(k): ksr(tokens, traces, k)["ksr"] for k in ks},
        "ksr_word_any_case": {str(k): ksr(tokens, traces, k, case=False)["ksr"] for k in ks},
    }
    if subset:
        n = len(subset)
        sub_tokens, sub_traces = tokens[:n], traces[:n]
        result["phrase_subset_words"] = n
        result["ksr_word_subset"] = {str(k): ksr(sub_tokens, sub_traces, k)["ksr"] for k in ks}
        result["ksr_word_phrase_subset"] = {
            str(k): ksr(sub_tokens, sub_traces, k, phrases=True)["ksr"] for k in ks
        }
        result["phrases_accepted_subset"] = {
            str(k): ksr(sub_tokens, sub_traces, k, phrases=True)["phrases_accepted"] for k in ks
        }
    result["latency"] = {
        name: {"all": _stats([v for _, v in vals]), "context_200": _stats([v for c, v in vals if c >= off200])}
        for name, vals in lat.items()
    }
    return result


_LOAD_SCRIPT = """
import json, resource, sys, time
t0 = time.perf_counter()
from pathlib import Path
from bci_input.language import LocalModel
from bci_input.settings import LanguageSettings
t1 = time.perf_counter()
m = LocalModel.load(LanguageSettings(dtype=sys.argv[2]), cache_dir=Path(sys.argv[1]))
t2 = time.perf_counter()
m.complete_word("Dear Sarah, thank you for your ", "he", 5)
t3 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "load_s": t2 - t1, "loader_s": m.load_s, "from_cache": m.from_cache,
                  "first_answer_s": t3 - t2, "process_ready_s": t3 - t0,
                  "cpu_s": sum(resource.getrusage(resource.RUSAGE_SELF)[:2]),
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def measure_load(cache_dir: Path | None = None, *, cold: bool = True, dtype: str = "fp32") -> dict[str, Any]:
    """Time model loading in fresh processes: cold (GGUF conversion into an empty cache) and cached.

    Parameters
    ----------
    cache_dir : Path | None
        Cache to time the cached start on; a temporary folder (converted in the cold run) if None.
    cold : bool
        Also time the cold start (about a minute).
    dtype : str
        ``fp32`` or ``bf16``.

    Returns
    -------
    dict
        ``{"cold": {...}, "cached": {...}}`` with import, load, first answer and process-ready times and peak RSS.
    """
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bci-lm-cache-") as tmp:
        target = Path(tmp) if cold or cache_dir is None else cache_dir
        runs = (["cold"] if cold or cache_dir is None else []) + ["cached"]
        for run in runs:
            env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
            proc = subprocess.run(
                [sys.executable, "-c", _LOAD_SCRIPT, str(target), dtype],
                capture_output=True, text=True, env=env, timeout=900, check=False,
            )
            lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
            if proc.returncode != 0 or not lines:
                out[run] = {"error": (proc.stderr.strip().splitlines() or ["failed"])[-1][:300]}
            else:
                out[run] = json.loads(lines[-1])
    return out


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        if np.isnan(v):
            return "n/a"
        return f"{v:.1f}" if v < 10 else f"{v:.0f}"
    return str(v)


def _ksr_row(r: dict[str, Any], ks: Sequence[int]) -> list[Any]:
    any_case = r.get("ksr_word_any_case", {})
    return [r["backend"], *(r["ksr_word"][str(k)] for k in ks), *(any_case.get(str(k), "n/a") for k in ks)]


def format_corpus(results: list[dict[str, Any]], ks: Sequence[int], title: str, corpus_name: str) -> str:
    """Format the KSR (case-exact and any case) and the per-call latency of one more corpus as a subsection."""
    lines = [f"### {title}", ""]
    if results:
        r0 = results[0]
        lines += [f"Corpus: {corpus_name} ({r0['words']} words, {r0['characters']} characters); same protocol.", ""]
    lines.append(markdown_table(["backend"] + [f"KSR word@{k}" for k in ks] + [f"any case@{k}" for k in ks],
                                [_ksr_row(r, ks) for r in results]))
    rows = []
    for r in results:
        for name, st in r["latency"].items():
            if st["all"]["n"]:
                a = st["all"]
                rows.append([r["backend"], name, a["n"], _fmt(a["median_ms"]), _fmt(a["p95_ms"])])
    lines.append(markdown_table(["backend", "call", "n", "median ms", "p95 ms"], rows))
    return "\n".join(lines) + "\n"


def format_markdown(
    results: list[dict[str, Any]],
    load: dict[str, Any] | None,
    ks: Sequence[int],
    corpus_name: str = "bundled `bci_input/data/ksr_corpus.txt`",
) -> str:
    """Format benchmark results as the BENCHMARKS.md section."""
    from .._bench_report import machine_line

    lines = ["## Language model (word, phrase and symbol prediction)", "", machine_line(), ""]
    if results:
        r0 = results[0]
        lines.append(
            f"Corpus: {corpus_name} ({r0['words']} words, {r0['characters']} characters). Protocol: whitespace "
            "tokens cost len+1; before each typed letter k suggestions are shown; accepting costs 1 keystroke; "
            "trailing punctuation 1 per character; a correct phrase of 2+ words costs 1 keystroke. A suggestion "
            "counts only in the case of the text (`Thursday`, `EU`); `any case` accepts it in any case on the same "
            "suggestions (the lower-case protocol of earlier runs)."
        )
        lines.append("")
    header = ["backend"] + [f"KSR word@{k}" for k in ks] + [f"any case@{k}" for k in ks]
    rows = [_ksr_row(r, ks) for r in results]
    lines.append(markdown_table(header, rows))
    sub = [r for r in results if "ksr_word_phrase_subset" in r]
    if sub:
        n = sub[0]["phrase_subset_words"]
        lines.append(
            f"Phrase completion, on the first {n} words (phrases are generated at the start of every word; "
            "this costs about a second per call on 2 cores, so the whole corpus is not used):"
        )
        lines.append("")
        header = ["backend"] + [f"word@{k}" for k in ks] + [f"word+phrase@{k}" for k in ks]
        rows = [
            [r["backend"], *(r["ksr_word_subset"][str(k)] for k in ks),
             *(r["ksr_word_phrase_subset"][str(k)] for k in ks)]
            for r in sub
        ]
        lines.append(markdown_table(header, rows))
    lines.append(
        "Latency per call in ms; `ctx>=200`: calls whose context holds at least 200 tokens; `word start`: calls "
        "before the first letter of a word (these need a forward pass; later letters reuse it). `next_symbols` is "
        "timed on every 4th word, right after `complete_word` at the same keystroke."
    )
    lines.append("")
    header = ["backend", "call", "n", "median", "p95", "n ctx>=200", "median ctx>=200", "p95 ctx>=200"]
    rows = []
    for r in results:
        for name, s in r["latency"].items():
            if s["all"]["n"]:
                a, c = s["all"], s["context_200"]
                rows.append([r["backend"], name, a["n"], _fmt(a["median_ms"]), _fmt(a["p95_ms"]), c["n"],
                             _fmt(c["median_ms"]), _fmt(c["p95_ms"])])
    lines.append(markdown_table(header, rows))
    if load:
        lines.append("Model start in a fresh process (seconds; `process ready` includes importing torch/transformers):")
        lines.append("")
        rows = []
        for run, d in load.items():
            if "error" in d:
                rows.append([run, "failed: " + d["error"], "", "", "", ""])
            else:
                rows.append([run, f"{d['load_s']:.1f}", f"{d['import_s']:.1f}", f"{d['first_answer_s']:.2f}",
                             f"{d['process_ready_s']:.1f}", f"{d.get('cpu_s', float('nan')):.1f}",
                             f"{d['peak_rss_mb']:.0f}"])
        lines.append(markdown_table(["start", "model load", "imports", "first answer", "process ready",
                                     "process CPU s", "peak RSS MB"], rows))
        lines.append(
            "`model load` includes importing torch and transformers. `process CPU s` is the CPU time of the whole "
            "start; on an idle machine the wall time is close to it, on a busy one it is several times longer."
        )
        lines.append("")
    return "\n".join(lines) + "\n"


def compared_settings(*, rewrites: bool = False) -> list[LanguageSettings]:
    """Return the local models the language benchmarks compare, the default first.

    The default set-up (Qwen2.5-Coder-0.5B, with the 1.5B for rewrites where installed); the light bundled
    SmolLM2 on both engines (the engine comparison on one model); and, with ``rewrites``, the 0.5B alone (what
    the default set-up rewrites with when the 1.5B is not installed).
    """
    out = [
        LanguageSettings(),
        LanguageSettings(model="light", engine="transformers"),
        LanguageSettings(model="light", engine="llama.cpp"),
    ]
    if rewrites:
        out.append(LanguageSettings(model="qwen2.5-coder-0.5b"))
    return out


def run_bench(out: Path, *, corpus: str | None = None, phrase_tokens: int = 300) -> None:
    """Benchmark the bundled model against the word-frequency baseline and write the "language" section.

    Takes about 15-25 minutes on 2 busy cores (most of it phrase generation and the cold model start).
    """
    from .._bench_report import write_section
    from ._factory import load_language_model
    from ._wordfreq import WordFreqModel

    text = corpus if corpus is not None else default_corpus()
    ks = (3, 5)
    load_avg = os.getloadavg()[0]
    load = measure_load(cold=True)
    notices: list[str] = []
    # Word prediction: the default and the light model on both engines.
    models = [load_language_model(s, on_notice=notices.append) for s in compared_settings()]
    results = [
        bench_model(m, text, ks, phrase_tokens=phrase_tokens if i == 0 else 0, progress=print)
        for i, m in enumerate(models)
    ]
    results.append(bench_model(WordFreqModel(), text, ks, phrase_tokens=0))
    md = format_markdown(
        results, load, ks, "bundled `bci_input/data/ksr_corpus.txt` (everyday letters, emails, notes and formal "
        "requests written for this benchmark)"
    )
    if corpus is None:
        formal = formal_corpus()
        formal_results = [
            bench_model(m, formal, ks, phrase_tokens=0, progress=print) for m in (*models, WordFreqModel())
        ]
        md += "\n" + format_corpus(
            formal_results, ks, "Formal, mixed-case text (case-exact KSR)",
            "bundled `bci_input/data/ksr_corpus_formal.txt` (letters to a doctor and a bank, emails, amendment "
            "clauses with numbers, brackets, quotes and currency, written for this benchmark)",
        )
    if notices:
        md += "\nNotices while loading: " + " ".join(notices) + "\n"
    md += f"\nPeak RSS of the benchmark process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB.\n"
    md += (
        f"\nMachine load (1-min load average) at the start: {load_avg:.1f}, at the end: {os.getloadavg()[0]:.1f} "
        f"on {os.cpu_count()} cores. Latencies and start times scale with it.\n"
    )
    write_section("language", md, out)
    log.info("language benchmark written to %s", out)
