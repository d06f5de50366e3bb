"""Closed-loop benchmark: each paradigm x language model on everyday and formal sentences -> BENCHMARKS.md."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import numpy as np

from .._bench_report import machine_line, markdown_table, write_section
from ..speller import PARADIGMS

__all__ = ["run_bench", "SENTENCES", "FORMAL_SENTENCES", "LMS", "FORMAL_LMS", "PARADIGMS"]

log = logging.getLogger(__name__)

#: Short everyday sentences, lower case (the figures before the alphabet of formal writing used these).
SENTENCES = ("i need some water", "please call my wife", "thank you for coming")
#: Mixed-case formal sentences written for this benchmark: a letter, an email, an amendment with numbers.
FORMAL_SENTENCES = (
    "Dear Dr. Weber, thank you for the visit on 12 March.",
    "Hi Anna, please send the EU report to tom@bank.com by Friday.",
    'Amendment 7 to Article 5(1): replace "30%" with "25%".',
)
LMS = ("bundled", "wordfreq", "none")
FORMAL_LMS = ("bundled", "none")
SEED = 0
#: Everyday chars/min before the formal alphabet (31 lower-case symbols, no automatic capitals): this
#: benchmark run on /work/main at commit 255116a on 2026-12-06, same machine, same seeds.
BEFORE = {
    ("ssvep", "bundled"): 26.20, ("ssvep", "wordfreq"): 24.94, ("ssvep", "none"): 12.47,
    ("p300", "bundled"): 4.75, ("p300", "wordfreq"): 4.10, ("p300", "none"): 2.78,
    ("scan", "bundled"): 15.91, ("scan", "wordfreq"): 14.02, ("scan", "none"): 6.87,
}
HEADER = ["paradigm", "LM", "texts done", "chars/min", "words/min", "selection acc.", "ITR bits/min",
          "keystroke savings", "corrections", "edit dist.", "LM latency ms", "speller ms (p95)",
          "decoder ms (p95)"]


def _model(name: str) -> Any:
    from ..language import load_lm_choice

    return load_lm_choice(name, on_notice=lambda msg: print(f"[lm] {msg}", flush=True))


def _row(res: list[Any], lm_name: str) -> tuple[list[object], float]:
    total_chars = sum(max(0, len(r.target) - r.edit_distance) for r in res)
    cpm = total_chars / (sum(r.duration_s for r in res) / 60.0)
    row: list[object] = [
        res[0].paradigm, lm_name, f"{sum(r.completed for r in res)}/{len(res)}", round(cpm, 2), round(cpm / 5.0, 2),
        round(float(np.mean([r.selection_accuracy for r in res])), 3),
        round(float(np.mean([r.itr_bits_per_min for r in res])), 1),
        round(float(np.mean([r.keystroke_savings for r in res])), 3),
        sum(r.n_corrections for r in res), sum(r.edit_distance for r in res),
        round(float(np.mean([r.lm_latency_mean_s for r in res])) * 1000),
        f"{np.mean([r.speller_ms_mean for r in res]):.2f} ({max(r.speller_ms_p95 for r in res):.2f})",
        (f"{np.mean([r.decoder_ms_mean for r in res]):.1f} ({max(r.decoder_ms_p95 for r in res):.1f})"
         if any(r.decoder_ms_mean for r in res) else "-"),
    ]
    return row, cpm


def run_bench(out: Path, *, sentences: tuple[str, ...] = SENTENCES, lms: tuple[str, ...] = LMS,
              paradigms: tuple[str, ...] = PARADIGMS, max_minutes: float = 60.0,
              formal: tuple[str, ...] = FORMAL_SENTENCES, formal_lms: tuple[str, ...] = FORMAL_LMS) -> None:
    """Run every paradigm x language model on everyday and formal sentences; write section ``closed-loop``.

    Parameters
    ----------
    out : Path
        The BENCHMARKS.md file.
    sentences, lms : tuple of str
        Everyday sentences and the language models run on them.
    paradigms : tuple of str
        What to run.
    max_minutes : float
        Recorded-time limit per sentence.
    formal, formal_lms : tuple of str
        Mixed-case formal sentences and the language models run on them.
    """
    from ..engine import EngineConfig
    from ..speller import SpellerLM
    from . import DEFAULT_SNR, calibrate_decoder, run_closed_loop

    t0 = time.perf_counter()
    wrappers = {name: SpellerLM(_model(name)) for name in dict.fromkeys((*lms, *formal_lms))}
    tables: dict[str, list[list[object]]] = {"everyday": [], "formal": []}
    summary: dict[tuple[str, str, str], float] = {}
    for paradigm in paradigms:
        cfg = EngineConfig()
        decoder = calibrate_decoder(paradigm, snr=DEFAULT_SNR, seed=SEED, config=cfg)
        for kind, texts, names in (("everyday", sentences, lms), ("formal", formal, formal_lms)):
            for lm_name in names:
                res = []
                for k, sentence in enumerate(texts):
                    r = run_closed_loop(sentence, paradigm, lm=wrappers[lm_name], snr=DEFAULT_SNR, seed=SEED + k,
                                        subject_seed=SEED, max_minutes=max_minutes, config=cfg, decoder=decoder)
                    print(f"[closed-loop] {paradigm:5s} {lm_name:8s} {sentence!r}: {r.chars_per_min:5.1f} chars/min, "
                          f"acc {r.selection_accuracy:.2f}, final {r.final_text!r} (wall {r.wall_s:.0f} s)",
                          flush=True)
                    res.append(r)
                row, cpm = _row(res, lm_name)
                tables[kind].append(row)
                summary[(kind, paradigm, lm_name)] = cpm
    md = "\n".join([
        "## Closed loop: simulated participant writing with the real engine, speller and document",
        "",
        machine_line(),
        "",
        "Command: `bci-input bench closed-loop` (or `bci-input simulate --paradigm P --lm L --text ...`). "
        f"One simulated subject (seed {SEED}), calibrated once per paradigm, noise seed {SEED} + sentence index; "
        f"SSVEP SNR {DEFAULT_SNR} (calibrated so that CCA on simulated 2 s windows scores what it scores on "
        "ssvep_exo dev). Times are recorded (simulated) time, not wall time; the language model's compute time "
        "(measured on this machine) delays the next trial when suggestions are not ready after the 0.5 s gaze "
        "pause or the prior is not ready at the first decision (`lm_charge`). Every text is written exactly, "
        "case and marks included. SSVEP: 40 JFPM targets (main page: 31 symbols, 4 words, 1 phrase, delete, "
        "shift, 123, menu), ensemble TRCA after a simulated 4-block calibration, growing windows 0.5-4 s, "
        "threshold 0.9. P300: 5x8 row/column flashes, SOA 0.25 s, XdawnCovariances + tangent space + LR. SSVEP and "
        "P300 run with the idle detector at its shipped operating point (fitted on a simulated minute of rest), "
        "so nothing is forced at a time limit. Scan: one-switch, 1 s per step, "
        "EMG clench selects, double clench undoes. chars/min counts correct characters of the final text "
        "(target length minus edit distance) over the total time; words/min = chars/min / 5; keystroke "
        "savings = 1 - committed selections (scan: not counting group steps; shift and page keys count) / "
        "characters. `speller ms`: wall-clock work of the speller per intent (apply it, rebuild the page, "
        "prior and scan groups; language-model compute excluded, it runs on its own worker in the app), mean "
        "over runs and the largest 95th percentile; `decoder ms`: SSVEP `predict_proba` on the deciding "
        "window (the longest of the growing windows), mean and largest 95th percentile.",
        "",
        f"### Mixed-case formal text: {', '.join(repr(s) for s in formal)}",
        "",
        markdown_table(HEADER, tables["formal"]),
        "",
        *_ratio_lines("formal", paradigms, formal_lms, summary),
        "",
        f"### Everyday lower-case text: {', '.join(repr(s) for s in sentences)}",
        "",
        "Written exactly as given: each sentence starts with the one-selection override of the automatic "
        "capital.",
        "",
        markdown_table(HEADER, tables["everyday"]),
        "",
        *_ratio_lines("everyday", paradigms, lms, summary),
        "",
        "Everyday chars/min before the formal alphabet (main page of 31 symbols, 4 words, 1 phrase, delete, "
        "delete word, undo, menu; no automatic capitals; the same benchmark on commit 255116a, 2026-12-06) "
        "and after:",
        "",
        markdown_table(["paradigm", "LM", "before", "after", "change"], [
            [p, n, BEFORE[(p, n)], round(summary[("everyday", p, n)], 2),
             f"{(summary[('everyday', p, n)] / BEFORE[(p, n)] - 1) * 100:+.1f}%"]
            for p in paradigms for n in lms if (p, n) in BEFORE and ("everyday", p, n) in summary
        ]),
        "",
        f"Total wall time {time.perf_counter() - t0:.0f} s.",
        "",
    ])
    write_section("closed-loop", md, out)


def _ratio_lines(kind: str, paradigms: tuple[str, ...], lms: tuple[str, ...],
                 summary: dict[tuple[str, str, str], float]) -> list[str]:
    out = ["Language-model speed-up:", ""]
    for paradigm in paradigms:
        none = summary.get((kind, paradigm, "none"))
        for lm_name in lms:
            if lm_name != "none" and none:
                ratio = summary[(kind, paradigm, lm_name)] / none
                out.append(f"- {paradigm}: {lm_name} / none = **{ratio:.2f}x** chars/min")
    return out
