"""Episode detection on the OpenBCI GUI sample recording (blinks, jaw clenches, eyes-closed alpha).

The recording has no labels, only the data README's approximate episodes
(:data:`~bci_input.datasets.OPENBCI_BLINKS_JAW_EXPECTED`): blinks about 0-18 s and 76-89 s,
jaw clenches about 0-20 s and 80-90 s, eyes-closed alpha about 30-70 s.

Protocol (one recording, no dev/eval split: both splits run the same thing):

- ``blink_switch``: :class:`~bci_input.decoding.BlinkSwitch` on channels 0 and 1 (the frontal
  pair, where the blinks are largest), calibrated with rest = 20-30 s and blinks = 0-18 s.
- ``jaw_switch``: :class:`~bci_input.decoding.EmgSwitch` on all 8 channels, 30 Hz high-pass and
  50/60 Hz notches (jaw EMG is broadband above the EEG band), calibrated with rest = 20-30 s and
  the clench burst of the first period, 8-14 s.

The second period of each kind was not used for calibration. Scored: events with an onset in
each expected period, and events in the eyes-closed alpha period (30-70 s), reported as false
activations per minute. ``accuracy`` is the fraction of expected periods with at least one event.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from .._errors import ConfigError, check_option
from ._schema import make_result, subject_row

__all__ = ["METHODS", "OPTIONS", "DEFAULT_WINDOW", "evaluate", "detect_events", "REST_S"]

METHODS = ("blink_switch", "jaw_switch")
#: The method the app uses (the blink switch).
DEFAULT_METHOD = "blink_switch"
OPTIONS: tuple[str, ...] = ()
DEFAULT_WINDOW = 0.0
REST_S = (20.0, 30.0)
CAL_ACTIVE_S = {"blink_switch": (0.0, 18.0), "jaw_switch": (8.0, 14.0)}
KIND = {"blink_switch": "blink", "jaw_switch": "jaw"}


def make_switch(method: str, sfreq: float) -> Any:
    """Return the uncalibrated switch of a method (see the module docstring)."""
    from ..decoding import BlinkSwitch, EmgSwitch

    check_option("method", method, METHODS)
    if method == "blink_switch":
        return BlinkSwitch(sfreq=sfreq, channels=(0, 1))
    return EmgSwitch(sfreq=sfreq, highpass=30.0, notch=(50.0, 60.0))


def detect_events(data_dir: str | Path, method: str) -> tuple[list[Any], Any, float]:
    """Calibrate the method's switch on the recording and run it over the whole recording.

    Parameters
    ----------
    data_dir : path-like
        The recordings folder.
    method : {"blink_switch", "jaw_switch"}
        Which switch.

    Returns
    -------
    events : list of SwitchEvent
        All events, times in seconds from the start of the recording.
    switch : EmgSwitch | BlinkSwitch
        The calibrated switch.
    compute_s : float
        Processing time of the whole recording.
    """
    from ..datasets._openbci import openbci_blinks_jaw_path, read_openbci_txt

    rec = read_openbci_txt(openbci_blinks_jaw_path(data_dir))
    fs = rec.sfreq

    def seg(a: float, b: float) -> Any:
        return rec.data[int(a * fs) : int(b * fs)]

    sw = make_switch(method, fs)
    sw.calibrate([seg(*REST_S)], [seg(*CAL_ACTIVE_S[method])])
    t0 = time.perf_counter()
    events = sw.process_array(rec.data)
    return events, sw, time.perf_counter() - t0


def evaluate(split: str, method: str, window: float | None, data_dir: str | Path | None) -> dict[str, Any]:
    """Detect blink or jaw-clench episodes and return a ``bci-input-evaluation/1`` result.

    Parameters
    ----------
    split : {"dev", "eval"}
        The recording has no split; both run the same protocol (recorded in ``options``).
    method : {"blink_switch", "jaw_switch"}
        Which switch.
    window : float | None
        Ignored (switches are event based).
    data_dir : path-like | None
        The recordings folder.

    Returns
    -------
    dict
        One row with extra keys ``events_per_period``, ``events_in_alpha``,
        ``false_activations_per_min_alpha``, ``held_out_period_detected``.
    """
    from .._paths import default_data_dir
    from ..datasets._openbci import OPENBCI_BLINKS_JAW_EXPECTED

    check_option("method", method, METHODS)
    check_option("split", split, ("dev", "eval"))
    root = Path(data_dir) if data_dir is not None else default_data_dir()
    if root is None:
        raise ConfigError("No recordings folder: pass data_dir or set BCI_INPUT_DATA.")
    t0 = time.perf_counter()
    events, sw, compute = detect_events(root, method)
    onsets = np.array([e.onset for e in events])
    periods = OPENBCI_BLINKS_JAW_EXPECTED[KIND[method]]
    per_period = [int(np.sum((onsets >= a) & (onsets < b))) for a, b in periods]
    a0, a1 = OPENBCI_BLINKS_JAW_EXPECTED["alpha"][0]
    in_alpha = int(np.sum((onsets >= a0) & (onsets < a1)))
    kinds = sorted({e.kind for e in events})
    row = subject_row(
        "openbci_sample",
        {"accuracy": float(np.mean([n > 0 for n in per_period])), "compute_ms": 1000 * compute / max(1, len(events)),
         "decision_time_s": float(np.median([e.decided_at - e.onset for e in events])) if events else float("nan")},
        n_train=0, n_test=len(periods), n_folds=1, protocol="calibrate on 20-30 s rest + first period",
    )  # fmt: skip
    row.update(
        events_per_period=per_period,
        held_out_period_detected=per_period[-1] > 0,
        events_in_alpha=in_alpha,
        false_activations_per_min_alpha=in_alpha / ((a1 - a0) / 60.0),
        n_events=len(events),
        event_kinds=kinds,
        threshold=float(sw.threshold_),
    )
    return make_result(
        dataset="openbci_blinks_jaw", split=split, method=method, window_s=0.0, n_classes=2,
        protocol="one recording; calibration on 20-30 s rest and the first episode period; the second period held out",
        rows=[row], options={"rest_s": list(REST_S), "active_s": list(CAL_ACTIVE_S[method]),
                             "note": "no dev/eval split exists for this recording"},
        elapsed_s=time.perf_counter() - t0,
    )  # fmt: skip
