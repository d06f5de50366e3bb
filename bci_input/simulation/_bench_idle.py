"""No-control benchmark: false selections while looking at nothing against writing speed -> BENCHMARKS.md."""

from __future__ import annotations

import dataclasses
import logging
import time
from pathlib import Path
from typing import Any

from .._bench_report import machine_line, markdown_table, write_section
from ._participant import EARLIER_SNR

__all__ = ["run_bench", "OPERATING_POINTS", "IDLE_MINUTES"]

log = logging.getLogger(__name__)

#: Operating points swept per paradigm (nats of the leading target's own evidence against looking at nothing).
OPERATING_POINTS: dict[str, tuple[float, ...]] = {"ssvep": (7.0, 8.0, 9.0, 10.0), "p300": (4.0, 6.0, 7.0, 8.0)}
#: Engaged-state settings per paradigm: (operating point, engaged seconds, engaged bar in nats).
ENGAGED: dict[str, tuple[tuple[float, float, float], ...]] = {
    "ssvep": ((8.0, 5.0, 2.0), (10.0, 8.0, 8.0), (12.0, 8.0, 8.0)), "p300": ((7.0, 6.0, 3.0),)}
#: Simulated minutes of looking at nothing per setting (one false selection = 0.1/min).
IDLE_MINUTES = 10.0
#: Pauses right after a selection, and how long the participant looks at nothing in each, s.
PAUSES, PAUSE_S = 20, 15.0
SENTENCES = ("i need some water", "please call my wife", "thank you for coming")
SEED = 0
LM = "wordfreq"
#: The previous rule (the prior-weighted Bayes factor ``log sum_i prior_i exp(LLR_i)`` at its shipped operating
#: point), from the run of this benchmark on commit 179122b, same seeds: (nats, false/min, chars/min, ratio to its
#: first row, 28.06 chars/min there), at SSVEP SNR ``EARLIER_SNR``.
BEFORE = {"ssvep": (6.0, 0.0, 11.30, 0.40), "p300": (4.0, 0.0, 4.58, 0.77)}
HEADER = ["paradigm", "setting", "false selections/min", "selections in 10 min", "undecided trials restarted",
          f"pauses after a selection with a selection (of {PAUSES})", "chars/min writing", "vs no detector",
          "texts done"]


def _settings(paradigm: str, shipped: tuple[float, float, float]) -> list[tuple[str, dict[str, Any]]]:
    out: list[tuple[str, dict[str, Any]]] = [
        ("no detector, best target forced at the limit (before)", {"idle": None, "forced": True}),
        ("no detector, posterior threshold only", {"idle": None, "forced": False}),
    ]
    for setting in (*((op, 0.0, 0.0) for op in OPERATING_POINTS[paradigm]), *ENGAGED[paradigm]):
        op, es, eb = setting
        name = f"detector at {op:g} nats" + (f", {eb:g} nats for {es:g} s after a selection" if es else "")
        out.append((name + (" (shipped default)" if setting == shipped else ""), {"idle": setting, "forced": False}))
    return out


def run_bench(out: Path, *, paradigms: tuple[str, ...] = ("ssvep", "p300"), idle_minutes: float = IDLE_MINUTES,
              sentences: tuple[str, ...] = SENTENCES) -> None:
    """Sweep the idle detector's operating point on the simulated participant; write section ``idle``.

    Parameters
    ----------
    out : Path
        The BENCHMARKS.md file.
    paradigms : tuple of str
        ``ssvep`` and/or ``p300``.
    idle_minutes : float
        Simulated minutes of looking at nothing per setting.
    sentences : tuple of str
        Sentences written per setting.
    """
    from ..decoding._idle import DEFAULT_ENGAGED, DEFAULT_OPERATING_POINT
    from ..engine import EngineConfig
    from ..language import load_lm_choice
    from ..speller import SpellerLM
    from . import DEFAULT_SNR, calibrate_decoder, run_closed_loop
    from ._closed_loop import calibrate_idle_detector, measure_ssvep_evidence

    t0 = time.perf_counter()
    lm = SpellerLM(load_lm_choice(LM))
    rows: list[list[object]] = []
    verdicts: list[str] = []
    evidence: dict[str, float] = {}
    forced: dict[str, float] = {}  # selections a minute at rest when the best target is forced at the limit
    for paradigm in paradigms:
        cfg = EngineConfig()
        decoder = calibrate_decoder(paradigm, snr=DEFAULT_SNR, seed=SEED, config=cfg)
        detector = calibrate_idle_detector(paradigm, decoder, snr=DEFAULT_SNR, seed=SEED, config=cfg)
        if paradigm == "ssvep":
            evidence = measure_ssvep_evidence(decoder, snr=DEFAULT_SNR, seed=SEED, config=cfg)
        base_cpm = None
        shipped = (DEFAULT_OPERATING_POINT[paradigm], *DEFAULT_ENGAGED[paradigm])
        for name, s in _settings(paradigm, shipped):
            run_cfg = dataclasses.replace(cfg, forced_decision=s["forced"])
            idle = None if s["idle"] is None else detector.with_operating_point(*s["idle"])
            rest = run_closed_loop("", paradigm, lm=lm, snr=DEFAULT_SNR, seed=SEED + 100, subject_seed=SEED,
                                   decoder=decoder, idle=idle, idle_minutes=idle_minutes, config=run_cfg)
            pauses: object = "-"
            if idle is not None:  # the participant looks away right after a selection, in the engaged state
                pauses = sum(run_closed_loop("", paradigm, lm=lm, snr=DEFAULT_SNR, seed=SEED + 200 + j,
                                             subject_seed=SEED, decoder=decoder, idle=idle,
                                             idle_minutes=PAUSE_S / 60.0, config=run_cfg,
                                             idle_after_selection=True).idle_selections > 0
                             for j in range(PAUSES))
            res = [run_closed_loop(text, paradigm, lm=lm, snr=DEFAULT_SNR, seed=SEED + k, subject_seed=SEED,
                                   decoder=decoder, idle=idle, config=run_cfg, max_minutes=20.0)
                   for k, text in enumerate(sentences)]
            chars = sum(max(0, len(r.target) - r.edit_distance) for r in res)
            cpm = chars / (sum(r.duration_s for r in res) / 60.0)
            if base_cpm is None:  # the first setting: the engine before the no-control state
                base_cpm, forced[paradigm] = cpm, rest.false_selections_per_min
            rows.append([paradigm, name, round(rest.false_selections_per_min, 2), rest.idle_selections,
                         rest.idle_restarts, pauses, round(cpm, 2), f"{cpm / base_cpm:.2f}x",
                         f"{sum(r.completed for r in res)}/{len(res)}"])
            if s["idle"] == shipped:
                fpm, ratio = rest.false_selections_per_min, cpm / base_cpm
                b_op, _, b_cpm, b_ratio = BEFORE[paradigm]
                verdicts.append(
                    f"- {paradigm}, shipped setting ({name.removesuffix(' (shipped default)')}): "
                    f"{fpm:.2f} false selections/min "
                    f"(target <= 0.1: {'met' if fpm <= 0.1 else 'missed'}), {ratio:.2f}x the chars/min of the "
                    f"engine before (target >= 0.9x: {'met' if ratio >= 0.9 else 'missed'}); the previous rule "
                    f"(prior-weighted Bayes factor at {b_op:g} nats) wrote {b_cpm:.2f} chars/min ({b_ratio:.2f}x) at "
                    f"SNR {EARLIER_SNR:g}.")
            print(f"[idle] {paradigm} {name}: {rest.idle_selections} selections in {idle_minutes:g} min of looking "
                  f"at nothing, {cpm:.1f} chars/min", flush=True)
    md = "\n".join([
        "## No-control state: looking at nothing against writing speed",
        "",
        machine_line(),
        "",
        f"Command: `bci-input bench idle` (or `bci-input simulate --paradigm P --idle-minutes N`). One simulated "
        f"subject (seed {SEED}) and its decoder calibrated once per paradigm as in the closed-loop benchmark; the "
        "idle detector is fitted once on another simulated session of the same person (one minute of rest, and "
        "for SSVEP 40 cued trials). Per setting the participant looks at nothing (`attend(None)`: no SSVEP, no "
        f"P300) for {idle_minutes:g} simulated minutes with the real engine, speller and document, then writes "
        f"{', '.join(repr(s) for s in sentences)} (language model: {LM}, the fast one, so the sweep stays "
        "short; `bci-input bench closed-loop` gives the default model's speeds with the shipped operating "
        f"point). \"Pauses after a selection\": {PAUSES} times the participant looks at nothing for "
        f"{PAUSE_S:g} s right after a selection (reading the suggestions, thinking), counted when anything is "
        "selected meanwhile. "
        "The decision rule answers two questions apart: *which target* (the posterior with the language-model "
        "prior must reach the threshold 0.9) and *is anyone attending* (the leading target's own "
        "log-likelihood ratio against looking at nothing, without the prior, must reach the operating point, in "
        "nats). The previous rule asked the second question with the prior-weighted Bayes factor "
        "`log sum_i prior_i exp(LLR_i)`: a confident prior lent a likely letter evidence at rest, so its "
        "operating point had to be high (SSVEP 6 nats) and every selection paid for it. Operating points were "
        f"chosen on this simulation only (at SNR {EARLIER_SNR:g}, before the SNR's precise calibration; the "
        "SSVEP quiet-spell bar of 12 nats after it). "
        "\"vs no detector\" divides by the first row, the engine before the "
        "no-control state. The engaged state keeps a lower bar for a few seconds after each selection (the "
        "person is probably still writing) and the operating point after a quiet spell. Lowered far (2 nats "
        "for 5 s) it buys speed with a selection in many of the pauses made right after a selection; SSVEP "
        "ships 12 nats after a quiet spell and 8 nats for 8 s after a selection: 8 nats alone typed nothing "
        "here but 3 times in 15 minutes with detectors fitted on three other simulated subjects with the "
        "default model (`simulate --idle-minutes 5`, seeds 0-2, SNR 0.23), 10 nats alone is slow, and 10 nats "
        "after a quiet spell typed once in those 15 minutes at SNR 0.245 (a rest window at 3.5 s passed it), where "
        "12 nats typed nothing. Most selections fall in the engaged state, so the quiet-spell bar costs little "
        "speed (compare the two engaged rows).",
        "",
        markdown_table(HEADER, rows),
        "",
        "Targets: at most 0.1 false selections/min, and at least 0.9x the chars/min of the engine without a "
        "detector.",
        "",
        *verdicts,
        "",
        "Where the speed target is missed, the reason is the simulated participant's weak single-window "
        f"evidence (SSVEP SNR {DEFAULT_SNR:g}, P300 d' below 1). "
        + (f"SSVEP: the attended target's score at 2 s is a median {evidence['own_z_2s']:.2f} rest standard "
           "deviations above the rest mean, while the largest of the 40 rest scores of a window is above "
           f"{evidence['rest_max_z_p50']:.1f} half the time and above {evidence['rest_max_z_p99']:.1f} once in a "
           "hundred windows (another simulated session of the same person); "
           if evidence else "SSVEP: ")
        + "a window at rest is tested "
        "some 100 times a minute (8 lengths per 4 s trial), so at most one false selection in 10 minutes needs "
        "a bar that an attended target passes only after about 3 s. The engine before the no-control state was "
        "fast because it typed at every time limit, "
        + " and ".join(f"{v:.0f} ({k.upper()})" for k, v in forced.items())
        + " selections a minute of looking at nothing; with the posterior threshold alone (second row) the "
        "language-model prior carries most "
        f"selections, and it carries them at rest too. Tried on this simulation (at SNR {EARLIER_SNR:g}) and not "
        "kept: SSVEP "
        "windows "
        "growing by 0.25 s instead of 0.5 s (14.9 chars/min at 8 nats, no false selection: slower), windows "
        "up to 8 s instead of 4 s (3 false selections in 10 minutes at 8 nats, 13.2 chars/min), a shorter "
        "gaze pause (the simulated participant shifts gaze instantly, so a gain there would not be real).",
        "",
        f"Total wall time {time.perf_counter() - t0:.0f} s.",
        "",
    ])
    write_section("idle", md, out)
