"""Closed-loop benchmark: each paradigm x language model on everyday and formal sentences -> BENCHMARKS.md."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import numpy as np

from .._bench_report import machine_line, markdown_table, write_section
from ..speller import PARADIGMS
from ._participant import EARLIER_SNR

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
#: chars/min of an earlier run of this benchmark (2026-12-06, before the no-control state's new rule): no idle
#: detector (the best target was forced at the time limit), ``bundled`` was then SmolLM2-135M-Instruct and the SSVEP
#: SNR ``EARLIER_SNR``.
BEFORE = {
    ("everyday", "ssvep", "bundled"): 28.90, ("everyday", "ssvep", "wordfreq"): 26.83,
    ("everyday", "ssvep", "none"): 13.51, ("everyday", "p300", "bundled"): 5.45,
    ("everyday", "p300", "wordfreq"): 3.78, ("everyday", "p300", "none"): 2.64,
    ("everyday", "scan", "bundled"): 16.07, ("everyday", "scan", "wordfreq"): 14.43,
    ("everyday", "scan", "none"): 6.77, ("formal", "ssvep", "bundled"): 23.72, ("formal", "ssvep", "none"): 14.01,
    ("formal", "p300", "bundled"): 4.67, ("formal", "p300", "none"): 2.44, ("formal", "scan", "bundled"): 15.37,
    ("formal", "scan", "none"): 6.55,
}
#: Other SSVEP SNRs for the sensitivity table (default model): the earlier calibration and stronger signals.
SNR_SWEEP = (EARLIER_SNR, 0.4, 0.7, 1.2)
#: SSVEP targets of issue 19 with the default model, chars/min.
SSVEP_TARGETS = {"everyday": 60.0, "formal": 45.0}
HEADER = ["paradigm", "LM", "texts done", "chars/min", "words/min", "selection acc.", "ITR bits/min",
          "keystroke savings", "corrections", "edit dist.", "LM latency ms", "speller ms (p95)",
          "decoder ms (p95)"]


def _model(name: str) -> Any:
    from ..language import load_lm_choice

    return load_lm_choice(name, on_notice=lambda msg: print(f"[lm] {msg}", flush=True))


def _label(lm_name: str, wrapper: Any) -> str:
    """Return the LM column's label: the choice, and for a local model which model it is."""
    return f"{lm_name} ({wrapper.name.split(' + ')[0]})" if lm_name in ("bundled", "light") else lm_name


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
              formal: tuple[str, ...] = FORMAL_SENTENCES, formal_lms: tuple[str, ...] = FORMAL_LMS,
              snr_sweep: tuple[float, ...] = SNR_SWEEP) -> None:
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
    snr_sweep : tuple of float
        SSVEP SNRs besides the calibrated one, run with the default model on both sets of sentences (the
        decoder and the idle detector calibrated at each); ``()`` skips the sensitivity table.
    """
    from ..engine import EngineConfig
    from ..speller import SpellerLM
    from . import DEFAULT_SNR, calibrate_decoder, run_closed_loop
    from ._closed_loop import measure_ssvep_evidence

    t0 = time.perf_counter()
    evidence: dict[str, float] = {}
    wrappers = {name: SpellerLM(_model(name)) for name in dict.fromkeys((*lms, *formal_lms))}
    tables: dict[str, list[list[object]]] = {"everyday": [], "formal": []}
    summary: dict[tuple[str, str, str], float] = {}
    work: dict[tuple[str, str, str], tuple[float, float]] = {}
    for paradigm in paradigms:
        cfg = EngineConfig()
        decoder = calibrate_decoder(paradigm, snr=DEFAULT_SNR, seed=SEED, config=cfg)
        if paradigm == "ssvep":
            evidence = measure_ssvep_evidence(decoder, snr=DEFAULT_SNR, seed=SEED, config=cfg)
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
                row, cpm = _row(res, _label(lm_name, wrappers[lm_name]))
                tables[kind].append(row)
                summary[(kind, paradigm, lm_name)] = cpm
                if paradigm in ("ssvep", "p300"):
                    work[(kind, paradigm, lm_name)] = (float(np.mean([r.decoder_ms_mean for r in res])),
                                                       float(np.mean([r.speller_ms_mean for r in res])))
    sweep = _snr_sweep(snr_sweep, wrappers.get("bundled"), sentences, formal, summary, max_minutes) \
        if "ssvep" in paradigms else []
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
        "over runs and the largest 95th percentile; `decoder ms`: the decoder's work on the step that decides, "
        "mean and largest 95th percentile: SSVEP, the class scores and probabilities of the deciding window "
        "(the longest of the growing windows); P300, the deciding flash's epoch score, the candidates' "
        "likelihoods and the stopping rule (every flash is such a step). The LM column names the model behind "
        "`bundled`.",
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
        "chars/min before (an earlier run of this benchmark: no idle detector, the best target forced at the "
        f"time limit, `bundled` was SmolLM2-135M-Instruct, SSVEP SNR {EARLIER_SNR:g}) and now (idle detector on, "
        f"`bundled` is the default model named in the tables, SSVEP SNR {DEFAULT_SNR:g}):",
        "",
        markdown_table(["text", "paradigm", "LM", "before", "now", "change"], [
            [k, p, n, BEFORE[(k, p, n)], round(summary[(k, p, n)], 2),
             f"{(summary[(k, p, n)] / BEFORE[(k, p, n)] - 1) * 100:+.1f}%"]
            for k in ("everyday", "formal") for p in paradigms for n in dict.fromkeys((*lms, *formal_lms))
            if (k, p, n) in BEFORE and (k, p, n) in summary
        ]),
        "",
        *_target_lines(summary, work),
        "",
        *_why_lines(evidence, DEFAULT_SNR),
        "",
        *sweep,
        f"Total wall time {time.perf_counter() - t0:.0f} s.",
        "",
    ])
    write_section("closed-loop", md, out)


def _snr_sweep(snrs: tuple[float, ...], wrapper: Any, sentences: tuple[str, ...], formal: tuple[str, ...],
               summary: dict[tuple[str, str, str], float], max_minutes: float) -> list[str]:
    """Run SSVEP with the default model at other SNRs; return the sensitivity section's lines."""
    from ..engine import EngineConfig
    from . import DEFAULT_SNR, calibrate_decoder, run_closed_loop
    from ._calibrate import simulated_cca_accuracy

    if not snrs or wrapper is None:
        return []
    rows: list[list[object]] = []
    met: dict[str, float | None] = {kind: None for kind in SSVEP_TARGETS}
    pace: tuple[float, float] = (0.0, 0.0)  # the strongest SNR's recorded seconds and selections
    label = {DEFAULT_SNR: " (calibrated on ssvep_exo)", EARLIER_SNR: " (the earlier, coarse calibration)"}
    for snr in sorted({DEFAULT_SNR, *snrs}):
        cfg = EngineConfig()
        decoder = None if snr == DEFAULT_SNR else calibrate_decoder("ssvep", snr=snr, seed=SEED, config=cfg)
        cells: list[object] = []
        for kind, texts in (("everyday", sentences), ("formal", formal)):
            if decoder is None:  # the calibrated SNR: the tables above, whose texts came out exact
                cpm, exact = summary[(kind, "ssvep", "bundled")], True
            else:
                res = [run_closed_loop(t, "ssvep", lm=wrapper, snr=snr, seed=SEED + k, subject_seed=SEED,
                                       max_minutes=max_minutes, config=cfg, decoder=decoder)
                       for k, t in enumerate(texts)]
                print(f"[closed-loop] ssvep snr {snr:g} {kind}: "
                      f"{[round(r.chars_per_min, 1) for r in res]} chars/min", flush=True)
                cpm, exact = _row(res, "bundled")[1], not any(r.edit_distance for r in res)
                if snr == max(snrs):
                    pace = (pace[0] + sum(r.duration_s for r in res), pace[1] + sum(r.n_selections for r in res))
            if met[kind] is None and exact and cpm >= SSVEP_TARGETS[kind]:
                met[kind] = snr
            cells.append(f"{cpm:.2f}" + ("" if exact else " (not exact)"))
        rows.append([f"{snr:g}" + label.get(snr, ""),
                     round(simulated_cca_accuracy(snr), 3), *cells])
    reach = "; ".join(
        f"{kind} >= {SSVEP_TARGETS[kind]:g} chars/min from SNR {snr:g}" if snr is not None
        else f"{kind} >= {SSVEP_TARGETS[kind]:g} chars/min at none of these SNRs" for kind, snr in met.items())
    return [
        "### SSVEP at other signal strengths (default model, idle detector on)",
        "",
        "The same engine, speller, default model and 40-target layout, with the simulated participant's SSVEP "
        "amplitude changed; at each SNR the decoder (simulated 4-block calibration) and the idle detector are "
        "calibrated afresh, every text must come out exact. The CCA column anchors each SNR to real data: CCA's "
        "accuracy on 3 simulated classes with 2 s windows (1200 trials of 40 simulated subjects), the measure the "
        "default SNR is calibrated on (ssvep_exo dev: 0.743). The calibrated row repeats the tables above. "
        f"SNR {EARLIER_SNR:g} was the default until the calibration was rerun on 1200 simulated trials instead of 60 "
        "(a standard error of 0.013 instead of 0.06).",
        "",
        markdown_table(["SNR", "CCA 3 classes, 2 s", "everyday chars/min", "formal chars/min"], rows),
        "",
        f"Where the targets are reached: {reach}. At SNR {max(snrs):g} a selection takes "
        f"{pace[0] / max(pace[1], 1.0):.2f} s on average, close to the engine's floor: the 0.5 s gaze pause, the "
        "visual latency and the shortest window (0.5 s).",
        "",
    ]


def _why_lines(evidence: dict[str, float], snr: float) -> list[str]:
    """Return the paragraph on why the SSVEP targets are missed, with the participant's measured evidence."""
    if not evidence:
        return []
    return [
        "Where the SSVEP targets are missed, the reason is the evidence per second at this SNR, not the engine's "
        f"work: the simulated participant at SNR {snr:g} gives ensemble TRCA {evidence['acc_2s']:.0%} accuracy over "
        f"40 targets on 2 s windows ({evidence['acc_4s']:.0%} at 4 s; cued trials of another simulated session), "
        "and the no-control state must not let 40 rest scores pass for attention (`bci-input bench idle`), so a "
        "selection the language model does not already make likely takes some 3 s of flicker plus the 0.5 s gaze "
        "pause. 60 chars/min needs about one character a second (Chen et al. 2015 reached it on real high-SNR "
        "recordings, with 0.5 s windows and no rest state). How the same engine, model and layout speed up with a "
        "stronger signal is in the next table. Tried on the simulation and not kept: 0.25 s window growth, 8 s "
        "windows (see the idle section).",
    ]


def _target_lines(summary: dict[tuple[str, str, str], float],
                  work: dict[tuple[str, str, str], tuple[float, float]]) -> list[str]:
    out = ["SSVEP targets (default model, idle detector on, simulated participant at SNR "
           "calibrated on ssvep_exo):", ""]
    for kind, target in SSVEP_TARGETS.items():
        cpm = summary.get((kind, "ssvep", "bundled"))
        if cpm is not None:
            out.append(f"- {kind}: **{cpm:.1f}** chars/min (target >= {target:g}: "
                       f"{'met' if cpm >= target else 'missed'})")
    if work:
        out += ["", "Work per decision, decoder plus speller (target < 10 ms):", ""]
    for (kind, paradigm, lm_name), (dec_ms, spl_ms) in work.items():
        total = dec_ms + spl_ms
        out.append(f"- {paradigm} {kind} {lm_name}: decoder {dec_ms:.1f} ms + speller {spl_ms:.1f} ms = "
                   f"{total:.1f} ms mean (target < 10 ms: {'met' if total < 10 else 'missed'})")
    return out


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
