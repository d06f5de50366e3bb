"""Closed-loop benchmark on real recordings: P300 and scan, recorded vs rendered, with and without a language model."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from .._bench_report import machine_line, markdown_table, write_section
from ._bench import FORMAL_SENTENCES, SENTENCES, _model, _row

__all__ = ["run_bench", "TEXTS", "LMS", "PARADIGMS"]

#: One everyday and one mixed-case formal sentence of the closed-loop benchmark.
TEXTS = (("everyday", SENTENCES[0]), ("formal", FORMAL_SENTENCES[0]))
#: The app's default model (``--lm bundled``: Qwen2.5-Coder-0.5B on llama.cpp), word frequencies, and none (last).
LMS = ("bundled", "wordfreq", "none")
PARADIGMS = ("p300", "scan")
SEED = 0
HEADER = ["text", "paradigm", "signals", "LM", "done", "chars/min", "selection acc.", "edit dist.", "final text"]


def _signals(paradigm: str) -> tuple[str, ...]:
    """Return the participants of a paradigm: recorded scan plays each eval participant of myo_emg."""
    if paradigm == "scan":
        from ..datasets import MYO_SPLITS

        return (*(f"recorded {p}" for p in MYO_SPLITS["eval"]), "rendered")
    return ("recorded", "rendered")


def _setup(paradigm: str, signals: str, root: Path, cfg: Any) -> Any:
    """Return the recorded setup of ``signals`` (None for the rendered participant)."""
    from . import recorded_setup
    from ._recorded import _scan_setup

    if signals == "rendered":
        return None
    if paradigm == "scan":
        return _scan_setup(root, SEED, cfg, signals.split()[-1])
    return recorded_setup(paradigm, root, seed=SEED, config=cfg)


def run_bench(out: Path, *, data_dir: Any = None, max_minutes: float = 60.0) -> None:
    """Write section ``closed-loop-recorded``: chars/min of P300 and scan, recorded and rendered, per LM.

    Parameters
    ----------
    out : Path
        The BENCHMARKS.md file.
    data_dir : path-like | None
        The recordings folder (default ``$BCI_INPUT_DATA`` or ``../shared/data``).
    max_minutes : float
        Recorded-time limit per text.
    """
    from .._paths import recordings_dir
    from ..engine import EngineConfig
    from ..speller import SpellerLM
    from . import DEFAULT_SNR, calibrate_decoder, run_closed_loop

    t0 = time.perf_counter()
    root = recordings_dir(data_dir)
    wrappers = {name: SpellerLM(_model(name)) for name in LMS}
    rows: list[list[object]] = []
    cpm: dict[tuple[str, str, str, str], float] = {}
    exact: dict[tuple[str, str, str, str], bool] = {}
    p300_soa = float("nan")
    for paradigm in PARADIGMS:
        cfg = EngineConfig()
        decoder = calibrate_decoder(paradigm, snr=DEFAULT_SNR, seed=SEED, config=cfg)
        for kind, text in TEXTS:
            for signals in _signals(paradigm):
                for lm_name in LMS:
                    rec = _setup(paradigm, signals, root, cfg)
                    if rec is not None and paradigm == "p300":
                        p300_soa = rec.config.soa_s
                    r = run_closed_loop(text, paradigm, lm=wrappers[lm_name], snr=DEFAULT_SNR, seed=SEED,
                                        subject_seed=SEED, max_minutes=max_minutes, config=cfg,
                                        decoder=None if rec else decoder, recorded=rec)
                    print(f"[closed-loop-recorded] {paradigm} {signals} {lm_name} {text!r}: "
                          f"{r.chars_per_min:.2f} chars/min, final {r.final_text!r}", flush=True)
                    row, value = _row([r], lm_name)
                    cpm[(kind, paradigm, signals, lm_name)] = value
                    exact[(kind, paradigm, signals, lm_name)] = r.completed
                    rows.append([kind, row[0], signals, lm_name, row[2], row[3], row[5], row[9], repr(r.final_text)])
    ratios = [
        f"- {kind}, {p}, {s}: {lm} / none = **{cpm[(kind, p, s, lm)] / cpm[(kind, p, s, 'none')]:.2f}x**"
        + (f" (target >= 1.5x with the text exact: {'met' if ok else 'missed'})"
           if lm == "bundled" and s.startswith("recorded") else "")
        if cpm[(kind, p, s, "none")] > 0 else f"- {kind}, {p}, {s}: none typed no correct character"
        for kind, _ in TEXTS for p in PARADIGMS for s in _signals(p) for lm in LMS[:-1]
        for ok in [exact[(kind, p, s, lm)] and cpm[(kind, p, s, lm)] >= 1.5 * cpm[(kind, p, s, "none")]]
    ]
    slow = cpm[("everyday", "p300", "rendered", "wordfreq")] / max(cpm[("everyday", "p300", "recorded", "wordfreq")],
                                                                  1e-9)
    md = "\n".join([
        "## Closed loop on real recordings: recorded vs rendered participant",
        "",
        machine_line(),
        "",
        "Command: `bci-input bench closed-loop-recorded` (one run: `bci-input simulate --paradigm p300|scan "
        "--signals recorded --lm bundled|wordfreq|none --text ...`). Language models: the app's default "
        "(`bundled`: Qwen2.5-Coder-0.5B on llama.cpp, its compute time charged to the recorded clock as in the "
        "closed-loop section), `wordfreq` and `none`. "
        f"Limit {max_minutes:g} recorded minutes per text; chars/min counts correct characters of the final text. "
        "**P300 recorded**: every flash epoch the engine decodes is a real muse_p300 session-3 (eval) epoch, a "
        "target epoch when the flash holds the attended item, a non-target one otherwise (drawn with seed 0, "
        "without reuse until the pool of 158 target / 804 non-target epochs is used up); the decoder "
        "(xdawncov_ts_lr) is trained on sessions 1-2 (dev), the no-control detector on dev non-target scores. "
        f"Flashes are {p300_soa:g} s apart, the recording's own pace (mean stimulus onset asynchrony of the dev "
        "runs' markers, drawn from 0.5-0.7 s by the oddball protocol), against 0.25 s rendered: each recorded epoch "
        "(0.8 s) already holds the responses to its real neighbouring flashes at that pace, and the engine, which "
        "decodes by flash event, is handed for each flash the whole real epoch served for it although neighbouring "
        "windows overlap (only whether a neighbour inside an epoch was a target follows the recording's sequence, "
        "about 15 % targets, instead of the speller's flash order). "
        "**Scan recorded** (one row per myo_emg eval participant): the pattern EMG switch "
        "(`EmgPatternSwitch`, see the emg-switch section) is calibrated on the participant's session 1 (its rest, "
        "fist and six other-gesture episodes: what the app's calibration records as rest, press and other-movement "
        "blocks) and then sees its sessions 2-3: their rest and six other gestures in a loop (seeded order; the first "
        "second after a fist, the release, is dropped), and for each press a slice of one of their real fist "
        "contractions. The participant wakes the speller with a long clench when a false one paused it. "
        "**SSVEP** is not run: ssvep_exo's 3 flicker frequencies cannot drive the "
        "40-target layout. Rendered: the simulated participant as in the closed-loop section.",
        "",
        markdown_table(HEADER, rows),
        "",
        "Where the targets are missed and why. Recorded P300 is "
        f"{slow:.1f}x "
        "slower than rendered (everyday, wordfreq): the Muse's four non-occipital electrodes give single-epoch "
        "ROC-AUC about 0.76 on eval (the rendered participant's epochs are cleaner), and flashes come every "
        f"{p300_soa:g} s (the recording's pace) instead of 0.25 s. One sentence per cell: on recorded P300 a wrong "
        "selection costs an undo and a retype (one in ten selections is wrong), so a single run's language-model "
        "ratio moves with the few errors it drew. Recorded scan types both texts exactly for both eval "
        "participants, a little slower than rendered with either model: the few false presses "
        "the other gestures still cause (see the emg-switch section) cost an undo each, and "
        "a false long clench pauses the speller until the participant wakes it. With the amplitude switch that the "
        "recorded scan used before, the other gestures read as presses and long clenches (several false presses a "
        "minute, same section) and the text never came out right.",
        "",
        "Language-model speed-up:",
        "",
        *ratios,
        "",
        f"Total wall time {time.perf_counter() - t0:.0f} s.",
        "",
    ])
    write_section("closed-loop-recorded", md, out)
