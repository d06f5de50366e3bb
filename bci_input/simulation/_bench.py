"""Closed-loop benchmark: each paradigm x language model on a few sentences, fixed seed -> BENCHMARKS.md."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import numpy as np

from .._bench_report import machine_line, markdown_table, write_section

__all__ = ["run_bench", "SENTENCES", "LMS", "PARADIGMS"]

log = logging.getLogger(__name__)

#: Short everyday sentences (the bundled model is slow on 2 cores).
SENTENCES = ("i need some water", "please call my wife", "thank you for coming")
LMS = ("bundled", "wordfreq", "none")
PARADIGMS = ("ssvep", "p300", "scan")
SEED = 0


def _model(name: str) -> Any:
    from .._cli.simulate import load_model

    return load_model(name)


def run_bench(out: Path, *, sentences: tuple[str, ...] = SENTENCES, lms: tuple[str, ...] = LMS,
              paradigms: tuple[str, ...] = PARADIGMS, max_minutes: float = 10.0) -> None:
    """Run every paradigm x language model on ``sentences`` and write section ``closed-loop`` of ``out``.

    Parameters
    ----------
    out : Path
        The BENCHMARKS.md file.
    sentences, lms, paradigms : tuple of str
        What to run.
    max_minutes : float
        Recorded-time limit per sentence.
    """
    from ..engine import EngineConfig
    from ..speller import SpellerLM
    from . import DEFAULT_SNR, calibrate_decoder, run_closed_loop

    t0 = time.perf_counter()
    wrappers = {name: SpellerLM(_model(name)) for name in lms}  # one answer cache per model for the whole run
    rows: list[list[object]] = []
    summary: dict[tuple[str, str], dict[str, float]] = {}
    for paradigm in paradigms:
        cfg = EngineConfig()
        decoder = calibrate_decoder(paradigm, snr=DEFAULT_SNR, seed=SEED, config=cfg)
        for lm_name in lms:
            res = []
            for k, sentence in enumerate(sentences):
                r = run_closed_loop(sentence, paradigm, lm=wrappers[lm_name], snr=DEFAULT_SNR, seed=SEED + k,
                                    subject_seed=SEED, max_minutes=max_minutes, config=cfg, decoder=decoder)
                print(f"[closed-loop] {paradigm:5s} {lm_name:8s} {sentence!r}: {r.chars_per_min:5.1f} chars/min, "
                      f"acc {r.selection_accuracy:.2f}, final {r.final_text!r} (wall {r.wall_s:.0f} s)", flush=True)
                res.append(r)
            total_chars = sum(max(0, len(r.target) - r.edit_distance) for r in res)
            total_min = sum(r.duration_s for r in res) / 60.0
            cpm = total_chars / total_min
            summary[(paradigm, lm_name)] = {"cpm": cpm}
            rows.append([
                res[0].paradigm, lm_name, f"{sum(r.completed for r in res)}/{len(res)}", round(cpm, 2),
                round(cpm / 5.0, 2), round(float(np.mean([r.selection_accuracy for r in res])), 3),
                round(float(np.mean([r.itr_bits_per_min for r in res])), 1),
                round(float(np.mean([r.keystroke_savings for r in res])), 3),
                sum(r.n_corrections for r in res), sum(r.edit_distance for r in res),
                round(float(np.mean([r.lm_latency_mean_s for r in res])) * 1000),
            ])
    ratio_lines = []
    for paradigm in paradigms:
        none = summary.get((paradigm, "none"), {}).get("cpm")
        for lm_name in lms:
            if lm_name != "none" and none:
                ratio = summary[(paradigm, lm_name)]["cpm"] / none
                ratio_lines.append(f"- {paradigm}: {lm_name} / none = **{ratio:.2f}x** chars/min")
    header = ["paradigm", "LM", "texts done", "chars/min", "words/min", "selection acc.", "ITR bits/min",
              "keystroke savings", "corrections", "edit dist.", "LM latency ms"]
    md = "\n".join([
        "## Closed loop: simulated participant writing with the real engine, speller and document",
        "",
        machine_line(),
        "",
        f"Command: `bci-input bench closed-loop` (or `bci-input simulate --paradigm P --lm L --text ...`). "
        f"Sentences: {', '.join(repr(s) for s in sentences)}; one simulated subject (seed {SEED}), calibrated "
        f"once per paradigm, noise seed {SEED} + sentence index; SSVEP SNR "
        f"{DEFAULT_SNR} (calibrated so that CCA on simulated 2 s windows scores what it scores on ssvep_exo dev). "
        "Times are recorded (simulated) time, not wall time; the language model's compute time (measured on "
        "this machine) delays the next trial when suggestions are not ready after the 0.5 s gaze pause or the "
        "prior is not ready at the first decision (`lm_charge`). SSVEP: 40 JFPM targets (31 symbols, 4 words, "
        "1 phrase, 4 commands), "
        "ensemble TRCA after a simulated 4-block calibration, growing windows 0.5-4 s, threshold 0.9. P300: 5x8 "
        "row/column flashes, SOA 0.25 s, xDAWN+LDA. Scan: one-switch, 1 s per step, EMG clench selects, double "
        "clench undoes. chars/min counts correct characters of the final text (target length minus edit "
        "distance) over the total time; words/min = chars/min / 5; keystroke savings = 1 - committed "
        "selections (scan: not counting group steps) / characters (negative when corrections cost more than "
        "suggestions save).",
        "",
        markdown_table(header, rows),
        "",
        "Language-model speed-up:",
        "",
        *ratio_lines,
        "",
        f"Total wall time {time.perf_counter() - t0:.0f} s.",
        "",
    ])
    write_section("closed-loop", md, out)
