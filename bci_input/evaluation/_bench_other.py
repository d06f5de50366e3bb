"""Benchmark section ``decoders-other``: P300, EMG, blink/jaw, motor imagery and dynamic stopping.

Every figure comes from the real recordings through the same ``evaluate`` functions as
``bci-input evaluate``; dev figures were used to choose the methods, eval figures are reported
as they came out.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["run_bench", "virtual_p300_speller"]

log = logging.getLogger(__name__)

SECTION = "decoders-other"


def virtual_p300_speller(
    scores: NDArray[np.float64],
    y: NDArray[np.int64],
    stats: Any,
    *,
    n_candidates: int = 6,
    n_trials: int = 300,
    max_reps: int = 10,
    thresholds: tuple[float, ...] = (0.7, 0.8, 0.9, 0.95, 0.99),
    step_s: float = 3.54,
    seed: int = 0,
) -> tuple[list[tuple[int, float]], list[dict[str, float]]]:
    """Simulate selections among ``n_candidates`` from real single-flash scores.

    Each repetition flashes every candidate once; the attended one gets the score of a random real
    target flash, the others of random real non-target flashes (drawn with replacement from held-out
    scores). Scores are combined with :func:`~bci_input.decoding.flash_log_likelihoods`.

    Parameters
    ----------
    scores : ndarray, shape (n_flashes,)
        Out-of-sample decision values.
    y : ndarray, shape (n_flashes,)
        1 for target flashes.
    stats : P300Decoder | array-like
        Score model for :func:`flash_log_likelihoods`.
    n_candidates, n_trials, max_reps : int
        Speller size, simulated selections, repetition limit.
    thresholds : tuple of float
        Posterior thresholds for the dynamic-stopping sweep.
    step_s : float
        Duration of one repetition, s (used for decision time and ITR, with a 0.5 s gaze shift).
    seed : int
        Random seed.

    Returns
    -------
    fixed : list of (int, float)
        (repetitions, selection accuracy) with a fixed number of repetitions.
    sweep : list of dict
        :func:`~bci_input.decoding.sweep_stopping_threshold` rows (``mean_steps`` = repetitions).
    """
    from ..decoding import flash_log_likelihoods, sweep_stopping_threshold

    rng = np.random.default_rng(seed)
    tgt, non = scores[y == 1], scores[y == 0]
    groups = [[c] for c in range(n_candidates)]
    trials, truth = [], []
    for t in range(n_trials):
        attended = t % n_candidates
        steps = []
        for _ in range(max_reps):
            s = rng.choice(non, n_candidates)
            s[attended] = rng.choice(tgt)
            steps.append(flash_log_likelihoods(s, groups, n_candidates, stats))
        trials.append(np.asarray(steps))
        truth.append(attended)
    truth_a = np.asarray(truth)
    fixed = []
    for reps in (1, 2, 3, 5, max_reps):
        pred = np.array([np.argmax(tr[:reps].sum(0)) for tr in trials])
        fixed.append((reps, float(np.mean(pred == truth_a))))
    from ._metrics import GAZE_SHIFT_S

    sweep = sweep_stopping_threshold(trials, truth_a, thresholds, step_s=step_s, overhead_s=GAZE_SHIFT_S,
                                     max_steps=max_reps)
    return fixed, [dict(r) for r in sweep]


def _f(v: Any, d: int = 3) -> str:
    return "—" if v is None or (isinstance(v, float) and not np.isfinite(v)) else f"{v:.{d}f}"


def run_bench(out: Path, data_dir: str | Path | None = None) -> None:
    """Run the benchmark and write section ``decoders-other`` of ``out``.

    Parameters
    ----------
    out : Path
        The BENCHMARKS.md file.
    data_dir : path-like | None
        The recordings folder (default ``$BCI_INPUT_DATA`` or ``../shared/data``).
    """
    from threadpoolctl import threadpool_limits

    from .._bench_report import machine_line, markdown_table, write_section
    from .._errors import ConfigError
    from .._paths import default_data_dir
    from . import _eegbci, _muse_p300, _myo_emg, _openbci_blinks_jaw

    root = Path(data_dir) if data_dir is not None else default_data_dir()
    if root is None or not root.is_dir():
        raise ConfigError("decoders-other needs the real recordings: set BCI_INPUT_DATA or pass data_dir.")
    t_start = time.perf_counter()
    md: list[str] = [f"## Decoders: ERP/P300, EMG, blink/jaw, motor imagery, dynamic stopping\n\n{machine_line()}\n"]
    with threadpool_limits(limits=1):
        # ---- P300
        rows: list[list[object]] = []
        eval_scores = None
        for method in _muse_p300.METHODS:
            dev = _muse_p300.evaluate("dev", method, None, root)
            ev = _muse_p300.evaluate("eval", method, None, root)
            d, e = dev["subjects"][0], ev["subjects"][0]
            rows.append([method, _f(d["roc_auc"]), " / ".join(_f(v) for v in dev["options"]["loso_auc"]),
                         _f(e["roc_auc"]), _f(e["balanced_accuracy"]), _f(e["compute_ms"], 2)])
            if method == _muse_p300.DEFAULT_METHOD:
                eval_scores = _muse_p300.p300_scores(root, "eval", method)
        md.append(
            "### ERP / P300 (muse_p300, single flash, ROC-AUC)\n\n"
            "Epochs 0.1-0.7 s, 0.5-20 Hz. Dev: 5-fold CV over sessions 1+2 (the README reference: shrinkage LDA "
            "≈ 0.78) and leave-one-session-out; eval: trained on sessions 1+2, tested on session 3.\n\n"
            + markdown_table(["method", "dev AUC (5-fold)", "dev AUC (LOSO s1/s2)", "eval AUC", "eval bal. acc",
                              "ms/flash"], rows)
        )
        # ---- virtual speller + dynamic stopping
        if eval_scores is not None:
            sc, _, yy, dec = eval_scores
            fixed, sweep = virtual_p300_speller(sc, yy, dec)
            md.append(
                "### Virtual 6-candidate P300 speller from real eval flashes, and dynamic stopping\n\n"
                "Each repetition flashes each of 6 candidates once; the attended one draws a real session-3 target "
                "score, the others real non-target scores (the default method, "
                f"{_muse_p300.DEFAULT_METHOD}, trained on dev; score model from its internal "
                "CV). One repetition = 6 flashes (≈ 3.5 s at this recording's ≈ 0.59 s flash interval).\n\n"
                + markdown_table(["repetitions (fixed)", "selection accuracy"], [[r, _f(a)] for r, a in fixed])
                + "\n\n"
                + markdown_table(
                    ["posterior threshold", "accuracy", "mean repetitions", "mean time s", "forced at 10",
                     "ITR bits/min"],
                    [[_f(r["threshold"], 2), _f(r["accuracy"]), _f(r["mean_steps"], 2), _f(r["mean_time_s"], 1),
                      _f(r["forced"], 2), _f(r["itr_bits_per_min"], 2)] for r in sweep],
                )
                + "\n\n(Dynamic stopping: repetitions continue until the posterior of one candidate reaches the "
                "threshold, at most 10. Time = repetitions x 3.54 s; ITR is Wolpaw with a 0.5 s gaze shift.)"
            )
        # ---- EMG switch
        rows = []
        for split in ("dev", "eval"):
            s = _myo_emg.evaluate(split, "switch", None, root)["switch_summary"]
            rows.append([split, s["n_episodes"], _f(s["detection_rate"]), _f(s["false_activations_per_min"], 2),
                         _f(s["rest_file_false_per_min"], 2), _f(s["median_onset_latency_s"], 2),
                         _f(s["median_decision_latency_s"], 2)])
        md.append(
            "### EMG switch (myo_emg, rest vs fist)\n\n"
            "Per session: calibrate on the first 20 s (rest, fist, rest, fist), score the last 40 s. Detected = an "
            "event starting in [cue - 0.25 s, end of fist). False activations: events starting in rest periods (the "
            "first 1 s after a fist ends is release time), per minute; also over the session's 1-min rest file. "
            "A 5 s fist is reported as a long clench, decided 1 s after onset.\n\n"
            + markdown_table(["split", "fist episodes", "detection", "false/min (rest periods)",
                              "false/min (rest file)", "median onset latency s", "median decision latency s"], rows)
        )
        # ---- gestures
        rows = []
        for split in ("dev", "eval"):
            r = _myo_emg.evaluate(split, "gesture_lda", None, root)
            acc = r["summary"]["accuracy"]
            rows.append([split, _f(acc["mean"]), _f(acc["std"]), ", ".join(_f(x["accuracy"]) for x in r["subjects"])])
        md.append(
            "### EMG gestures (myo_emg, 8 classes, 200 ms windows, LDA on RMS/MAV/WL/ZC/SSC)\n\n"
            "Within participant, leave one session out (README reference ≈ 0.89).\n\n"
            + markdown_table(["split", "accuracy mean", "std", "per participant"], rows)
        )
        # ---- blink / jaw
        rows = []
        for method in _openbci_blinks_jaw.METHODS:
            row = _openbci_blinks_jaw.evaluate("dev", method, None, root)["subjects"][0]
            rows.append([method, " / ".join(str(n) for n in row["events_per_period"]),
                         "yes" if row["held_out_period_detected"] else "NO", row["events_in_alpha"],
                         row["n_events"], ", ".join(row["event_kinds"])])
        md.append(
            "### Blink and jaw-clench switches (openbci_blinks_jaw, one recording, no split)\n\n"
            "Calibrated on 20-30 s (rest) and the first episode period; events counted in the README's periods "
            "(blinks 0-18 / 76-89 s, jaw 0-20 / 80-90 s) and in the eyes-closed alpha period (30-70 s).\n\n"
            + markdown_table(["switch", "events in period 1 / 2", "held-out period found", "events in alpha",
                              "events total", "kinds"], rows)
        )
        # ---- motor imagery
        rows = []
        for split in ("dev", "eval"):
            r = _eegbci.evaluate(split, "csp_lda", None, root)
            for x in r["subjects"]:
                rows.append([split, x["subject"], x["n_test"], _f(x["accuracy"]), _f(x["roc_auc"]),
                             _f(x["itr_bits_min"], 2)])
        md.append(
            "### Motor imagery (eegbci_s001, CSP + LDA, 2 s from 0.5 s after the cue)\n\n"
            "Dev: leave one dev run out; eval: trained on both dev runs, tested on the eval run (15 trials).\n\n"
            + markdown_table(["split", "task", "trials", "accuracy", "ROC-AUC", "ITR bits/min"], rows)
        )
    md.append(f"\n_decoders-other took {time.perf_counter() - t_start:.0f} s._\n")
    write_section(SECTION, "\n\n".join(md), out)
