"""No-control state on real recordings: ssvep_exo rest and flicker trials through the engine's SSVEP rule."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from .._bench_report import machine_line, markdown_table, write_section

__all__ = ["run_bench"]


def run_bench(out: Path, *, data_dir: Any = None) -> None:
    """Choose decoder and operating point on ssvep_exo dev, report them on eval; write section ``idle-recorded``.

    Parameters
    ----------
    out : Path
        The BENCHMARKS.md file.
    data_dir : path-like | None
        The recordings folder (default ``$BCI_INPUT_DATA`` or ``../shared/data``).
    """
    from ..decoding._idle import DEFAULT_OPERATING_POINT
    from ..engine import EngineConfig
    from ._ssvep_idle import METHODS, TARGET_FPM, choose_operating_point, evaluate_idle, idle_table

    t0 = time.perf_counter()
    cfg = EngineConfig()
    devs = [evaluate_idle("dev", data_dir, method=m, config=cfg) for m in METHODS]
    method, op = choose_operating_point(devs)
    ev = evaluate_idle("eval", data_dir, method=method, config=cfg)
    header, rows = idle_table([*devs, ev], (method, op))
    e = next(r for r in ev["rows"] if r["operating_point"] == op)
    b = ev["rows"][0]
    met = "met" if e["false_selections_per_min"] <= TARGET_FPM else "missed"
    verdict = (
        f"- At the setting chosen on dev ({method}, {op:g} nats), eval: **{e['false_selections_per_min']:.2f} "
        f"false selections per minute of rest** ({e['false_selections']} in {e['rest_trials']} rest trials, "
        f"target <= {TARGET_FPM:g}: {met}), against {b['false_selections_per_min']:.2f} for the engine before the "
        f"no-control state; on the flicker trials {e['correct']} of {e['selections']} selections right "
        f"({e['accuracy']:.3f}), {e['s_per_selection']:.1f} s per selection, {e['correct_per_min']:.2f} correct "
        f"selections/min, {e['itr_bits_min']:.2f} bits/min (before: {b['accuracy']:.3f}, "
        f"{b['s_per_selection']:.1f} s, {b['correct_per_min']:.2f} correct/min, {b['itr_bits_min']:.2f} bits/min). "
        f"The eval rest trials give the engine {e['rest_minutes']:.1f} minutes of looking at nothing, so one false "
        f"selection there is {1.0 / max(e['rest_minutes'], 1e-9):.2f}/min: the recordings cannot resolve a rate "
        "below that, and 0.1/min (one in ten minutes) is checked to that resolution only."
    )
    md = "\n".join([
        "## No-control state on real recordings: ssvep_exo rest trials (3-flicker decoder)",
        "",
        machine_line(),
        "",
        "Command: `bci-input bench idle-recorded` (one split: `bci-input evaluate --dataset ssvep_exo --split "
        "dev|eval --method default|M --idle`). Every trial of a held-out session (within subject, leave one "
        "session out, as `bci-input evaluate --dataset ssvep_exo`; all sessions) goes in recorded order through "
        "the engine's own SSVEP policy on a 3-target layout (13, 17, 21 Hz, uniform prior): windows from the "
        f"onset + {cfg.latency_s:g} s growing by {cfg.step_s:g} s from {cfg.min_window_s:g} to "
        f"{cfg.max_window_s:g} s, posterior threshold {cfg.stopping_threshold:g}, the idle detector's evidence "
        "carried over undecided trials, and a restart without a selection at the limit. The signal went through "
        "the live notch and 3-90 Hz band-pass. Decoders: "
        f"{' and '.join(f'`{m}`' for m in METHODS)} (the two best of the SSVEP decoders section on dev; the "
        "app's ensemble TRCA needs flicker phase-locked to the trial marker, which these LEDs are not), fitted on "
        "the training sessions' flicker trials; idle detector fitted on the training sessions' rest trials (the "
        "tested session's rest trials are never fitted on) and their cued windows. A selection during a rest "
        "trial (event 1, 5 s, nothing flickers) is a false selection; false selections per minute divide by the "
        "engine time spent on rest trials (trial onset to selection or restart). On the flicker trials: "
        "selection accuracy, seconds per selection (engine time on flicker trials, undecided ones included, plus "
        f"the {cfg.gaze_s:g} s gaze shift after each selection, divided by the selections), selections and "
        "correct selections per minute (the 3-target analogue of chars/min) and Wolpaw ITR. The decoder and "
        f"operating point are chosen on dev: among the settings with <= {TARGET_FPM:g} false selections/min, "
        "the most correct selections per minute (else the lowest rate); eval is run for the chosen decoder only. "
        f"The app's shipped SSVEP operating point is {DEFAULT_OPERATING_POINT['ssvep']:g} nats (chosen on the "
        f"simulated participant). Dev: {', '.join(devs[0]['subjects'])}; eval: {', '.join(ev['subjects'])}.",
        "",
        markdown_table(header, rows),
        "",
        verdict,
        "",
        f"Total wall time {time.perf_counter() - t0:.0f} s.",
        "",
    ])
    write_section("idle-recorded", md, out)
