"""Benchmark ``emg-switch``: the pattern switch against the amplitude switch on myo_emg, switch level."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

__all__ = ["run_bench"]

HEADER = ["split", "protocol", "switch", "fists detected", "false/min rest", "false/min other gestures",
          "false/min overall", "false long clenches", "minutes without press", "median onset latency s"]


def _row(split: str, protocol: str, switch: str, f: dict[str, Any]) -> list[object]:
    return [split, protocol, switch, f"{f['detected']}/{f['fist_episodes']}", f"{f['false_per_min_rest']:.2f}",
            f"{f['false_per_min_other_gestures']:.2f}", f"{f['false_per_min']:.2f}", f["false_long_clenches"],
            f"{f['minutes_without_press']:.1f}", f"{f['median_onset_latency_s']:.2f}"]


def run_bench(out: Path, *, data_dir: Any = None) -> None:
    """Write section ``emg-switch``: presses detected and false presses of both EMG switches, dev and eval.

    Parameters
    ----------
    out : Path
        The BENCHMARKS.md file.
    data_dir : path-like | None
        The recordings folder (default ``$BCI_INPUT_DATA`` or ``../shared/data``).
    """
    from .._bench_report import machine_line, markdown_table, write_section
    from .._paths import recordings_dir
    from ._myo_switch import press_switch_summary

    t0 = time.perf_counter()
    root = recordings_dir(data_dir)
    rows: list[list[object]] = []
    for split in ("dev", "eval"):
        for kind, name in (("pattern", "pattern (EmgPatternSwitch)"), ("amplitude", "amplitude (EmgSwitch)")):
            s = press_switch_summary(split, root, kind)
            rows.append(_row(split, "within participant", name, s["within"]))
            if "cross_participant" in s:
                rows.append(_row(split, "cross participant (calibrated on dev)", name, s["cross_participant"]))
    md = "\n".join([
        "## EMG switch on real armband recordings: a press is the user's own gesture",
        "",
        machine_line(),
        "",
        "Command: `bci-input bench emg-switch` (the same figures: `bci-input evaluate --dataset myo_emg --method "
        "pattern_switch --split dev|eval --json OUT`, key `switch_summary`). Data: myo_emg (Myo armband, 8 channels, "
        "200 Hz). **Within participant** (the app's protocol): the switch is calibrated on a participant's session 1 "
        "(its rest, fist and six other-gesture episodes, as the calibration's rest, press and other-movement blocks "
        "would record them) and tested on its sessions 2 and 3. A fist episode (5 s) is detected when an event "
        "starts in [start - 0.25 s, end); every event during rest (the rest file, and the fist file's rest periods "
        "after 1 s of release) or during the other gestures' files (flexion, extension, radial and ulnar deviation, "
        "pronation, supination, each held 5 s out of 10) is a false press. A false long clench pauses the speller. "
        "**Cross participant**: one switch calibrated on every dev session, tested on every eval session. Every "
        "setting of the pattern switch (features log RMS/MAV/waveform length over 0.2 s, shrinkage LDA rest / "
        "press / other, on-level 0.8 of the press posterior, hysteresis 0.6) was chosen on dev with the "
        "within-participant protocol; eval was run once.",
        "",
        markdown_table(HEADER, rows),
        "",
        "The amplitude switch cannot tell a fist from the other gestures on a forearm armband (every strong "
        "movement raises the envelope on all channels), so the other gestures read as presses and, held, as long "
        "clenches; the pattern switch keeps the fists and rejects most of the other movements.",
        "",
        f"Total wall time {time.perf_counter() - t0:.0f} s.",
        "",
    ])
    write_section("emg-switch", md, out)
