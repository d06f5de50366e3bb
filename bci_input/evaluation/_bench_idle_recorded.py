"""No-control state on real recordings: ssvep_exo rest and flicker trials through the engine's SSVEP rule."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from .._bench_report import machine_line, markdown_table, write_section

__all__ = ["run_bench"]


def run_bench(out: Path, *, data_dir: Any = None) -> None:
    """Sweep the idle detector's operating point on ssvep_exo dev and eval; write section ``idle-recorded``.

    Parameters
    ----------
    out : Path
        The BENCHMARKS.md file.
    data_dir : path-like | None
        The recordings folder (default ``$BCI_INPUT_DATA`` or ``../shared/data``).
    """
    from ..decoding._idle import DEFAULT_OPERATING_POINT
    from ..engine import EngineConfig
    from ._ssvep_idle import METHOD, TARGET_FPM, choose_operating_point, evaluate_idle, idle_table

    t0 = time.perf_counter()
    cfg = EngineConfig()
    dev = evaluate_idle("dev", data_dir, config=cfg)
    chosen = choose_operating_point(dev)
    ev = evaluate_idle("eval", data_dir, config=cfg)
    header, rows = idle_table([dev, ev], chosen)
    pick = {r["split"]: r for r in (dict(rr, split=res["split"]) for res in (dev, ev) for rr in res["rows"])
            if r["operating_point"] == chosen}
    before = {res["split"]: res["rows"][0] for res in (dev, ev)}
    e, b = pick["eval"], before["eval"]
    verdict = (f"- At the point chosen on dev ({chosen:g} nats), eval: **{e['false_selections_per_min']:.2f} false "
               f"selections per minute of rest** ({e['false_selections']} in {e['rest_trials']} rest trials, target "
               f"<= {TARGET_FPM:g}: {'met' if e['false_selections_per_min'] <= TARGET_FPM else 'missed'}), against "
               f"{b['false_selections_per_min']:.2f} for the engine before the no-control state; on the flicker "
               f"trials {e['correct']} of {e['selections']} selections right ({e['accuracy']:.3f}), "
               f"{e['s_per_selection']:.1f} s per selection, {e['itr_bits_min']:.2f} bits/min (before: "
               f"{b['accuracy']:.3f}, {b['s_per_selection']:.1f} s, {b['itr_bits_min']:.2f} bits/min).")
    md = "\n".join([
        "## No-control state on real recordings: ssvep_exo rest trials (3-flicker decoder)",
        "",
        machine_line(),
        "",
        "Command: `bci-input bench idle-recorded` (one split: `bci-input evaluate --dataset ssvep_exo --split "
        "dev|eval --method default --idle`). Every trial of a held-out session (within subject, leave one session "
        "out, as `bci-input evaluate --dataset ssvep_exo`; all sessions) goes in recorded order through the "
        "engine's own SSVEP policy on a 3-target layout (13, 17, 21 Hz, uniform prior): windows from the onset + "
        f"{cfg.latency_s:g} s growing by {cfg.step_s:g} s from {cfg.min_window_s:g} to {cfg.max_window_s:g} s, "
        f"posterior threshold {cfg.stopping_threshold:g}, the idle detector's evidence carried over undecided "
        "trials, and a restart without a selection at the limit. The signal went through the live notch and "
        f"3-90 Hz band-pass. Decoder: `{METHOD}` (the dev winner of the SSVEP decoders section; the app's ensemble "
        "TRCA needs flicker phase-locked to the trial marker, which these LEDs are not), fitted on the training "
        "sessions' flicker trials; idle detector fitted on the training sessions' rest trials (the tested "
        "session's rest trials are never fitted on) and their cued windows. A selection during a rest trial "
        "(event 1, 5 s, nothing flickers) is a false selection; false selections per minute divide by the engine "
        "time spent on rest trials (trial onset to selection or restart). On the flicker trials: selection "
        "accuracy, seconds per selection (engine time on flicker trials, undecided ones included, plus the "
        f"{cfg.gaze_s:g} s gaze shift after each selection, divided by the selections), selections and correct "
        "selections per minute (the 3-target analogue of chars/min) and Wolpaw ITR. The operating point is "
        f"chosen on dev: the lowest that meets <= {TARGET_FPM:g} false selections/min (else the lowest rate); "
        f"the shipped default is {DEFAULT_OPERATING_POINT['ssvep']:g} nats. Dev: "
        f"{', '.join(dev['subjects'])}; eval: {', '.join(ev['subjects'])}.",
        "",
        markdown_table(header, rows),
        "",
        verdict,
        "",
        f"Total wall time {time.perf_counter() - t0:.0f} s.",
        "",
    ])
    write_section("idle-recorded", md, out)
