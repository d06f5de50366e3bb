"""Calibrate and cross-validate a muscle (EMG) or blink switch from cued rest/active epochs.

An EMG calibration that also cued "other movements" trials (:data:`~bci_input.calibration.EMG_PATTERN_CLASSES`)
trains the pattern switch (:class:`~bci_input.decoding.EmgPatternSwitch`) on a multichannel armband: rest, the
press and the other movements; otherwise the amplitude switch (:class:`~bci_input.decoding.EmgSwitch`) learns a
threshold from rest and press.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._errors import ConfigError
from .._types import StreamInfo
from ._cv import accuracy_summary, cv_splits
from ._epochs import CalibrationEpochs
from ._protocol import ParadigmSpec
from ._stats import itr_bits_per_trial

__all__ = ["train_switch", "switch_channels", "make_switch", "session_envelope", "is_pattern"]


def switch_channels(info: StreamInfo | None, paradigm: str, n_channels: int) -> tuple[int, ...]:
    """Return the columns a switch listens to: EMG channels for EMG; EOG or frontal EEG for blinks."""
    if info is None:
        return tuple(range(n_channels))
    if paradigm == "emg":
        picks = info.picks("emg")
        return tuple(picks or range(info.n_channels))
    picks = info.picks("eog")
    if not picks:
        picks = [i for i, (n, t) in enumerate(zip(info.ch_names, info.ch_types, strict=True))
                 if t == "eeg" and n.upper().startswith(("FP", "AF"))]
    return tuple(picks or info.picks("eeg")[:2] or range(info.n_channels))


def is_pattern(spec: ParadigmSpec) -> bool:
    """Whether ``spec`` is the EMG calibration of the pattern switch (it cues other movements)."""
    return spec.name == "emg" and spec.n_classes == 3


def make_switch(spec: ParadigmSpec, sfreq: float, channels: tuple[int, ...]) -> Any:
    """Return an uncalibrated :class:`~bci_input.decoding.EmgSwitch`, ``EmgPatternSwitch`` or ``BlinkSwitch``."""
    from .. import decoding as d

    if is_pattern(spec):
        if len(channels) < 2:
            raise ConfigError(f"The pattern EMG switch needs at least 2 EMG channels (an armband), found "
                              f"{len(channels)}: calibrate the amplitude switch (--method switch) instead.")
        return d.EmgPatternSwitch(sfreq=sfreq, channels=channels)
    if spec.name == "emg":
        return d.EmgSwitch(sfreq=sfreq, channels=channels)
    return d.BlinkSwitch(sfreq=sfreq, channels=channels)


def _calibrate(switch: Any, X: NDArray[Any], y: NDArray[np.int64], idx: Any) -> Any:
    """Calibrate ``switch`` on the epochs ``idx``: rest (0), active (1) and, for the pattern switch, other (2)."""
    parts = [[X[i] for i in idx if y[i] == k] for k in range(3)]
    if hasattr(switch, "press_probability"):
        return switch.calibrate(parts[0], parts[1], parts[2])
    return switch.calibrate(parts[0], parts[1])


def _detect(switch: Any, X: NDArray[Any]) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Replay each epoch from a fresh state; return (any event?, time of the first decision or NaN)."""
    pred, latency = np.zeros(len(X), np.int64), np.full(len(X), np.nan)
    for i, x in enumerate(X):
        switch.reset()
        events = switch.process_array(np.asarray(x, float) - np.mean(x, axis=0), 0.0)
        if events:
            pred[i] = 1
            ev = events[0]
            latency[i] = float(ev.decided_at if np.isfinite(ev.decided_at) else ev.offset)
    return pred, latency


def train_switch(
    spec: ParadigmSpec, epochs: CalibrationEpochs, *, n_folds: int = 5, seed: int = 0, info: StreamInfo | None = None,
) -> tuple[Any, dict[str, float], dict[str, Any], list[str]]:
    """Calibrate a switch threshold and cross-validate rest-vs-active detection.

    In each fold the threshold is calibrated from the training epochs (rest and active),
    then every test epoch is replayed through the switch from a fresh state: any reported
    event counts as "active".

    Parameters
    ----------
    spec : ParadigmSpec
        EMG or blink protocol (class 0 rest, class 1 active).
    epochs : CalibrationEpochs
        Clean epochs, shape (n_epochs, n_times, n_channels).
    n_folds : int
        Cross-validation folds.
    seed : int
        Fold shuffle seed.
    info : StreamInfo | None
        Channel types, to choose the switch's channels.

    Returns
    -------
    switch : EmgSwitch | BlinkSwitch
        Calibrated on all epochs.
    thresholds : dict
        ``on_uv``, ``off_uv``, ``rest_level_uv``, ``active_level_uv``.
    metrics : dict
        Accuracy, CI, confusion, chance, false activations per minute, detection latency.
    recommendations : list of str
    """
    X, y_cls, sf = epochs.X, epochs.y, epochs.sfreq
    chans = switch_channels(info, spec.name, X.shape[2])
    y = (y_cls == 1).astype(np.int64)  # a press, against rest and other movements
    pred = np.zeros(len(y), np.int64)
    decided = np.full(len(y), np.nan)
    for train, test in cv_splits(y_cls, None, n_folds, seed):
        sw = _calibrate(make_switch(spec, sf, chans), X, y_cls, train)
        pred[test], decided[test] = _detect(sw, X[test])
    latencies = decided[(y == 1) & (pred == 1)]
    metrics = accuracy_summary(y, pred, 2)
    rest_s = float((y == 0).sum()) * X.shape[1] / sf
    false_per_min = float(((pred == 1) & (y == 0)).sum()) / max(rest_s / 60.0, 1e-9)
    hit = float(((pred == 1) & (y == 1)).sum()) / max(1, int((y == 1).sum()))
    if is_pattern(spec):
        other_s = float((y_cls == 2).sum()) * X.shape[1] / sf
        metrics["false_activations_per_min_other"] = (float(((pred == 1) & (y_cls == 2)).sum())
                                                      / max(other_s / 60.0, 1e-9))
    bits = itr_bits_per_trial(metrics["accuracy"], 2)
    metrics.update(
        false_activations_per_min=false_per_min, hit_rate=hit,
        median_decision_s=float(np.median(latencies)) if len(latencies) else None,
        itr_bits_per_trial=bits, itr_bits_per_min=bits * 60.0 / spec.stim_s,
        labels=["rest or other movement", spec.classes[1]] if is_pattern(spec) else list(spec.classes),
        cv=f"stratified {min(n_folds, int(np.bincount(y_cls).min()))}-fold, seed {seed}; switch re-calibrated per "
           "fold",
        channels=[int(c) for c in chans],
    )
    switch = _calibrate(make_switch(spec, sf, chans), X, y_cls, range(len(y)))
    levels = {"rest_level_uv": float(switch.rest_level_), "active_level_uv": float(switch.active_level_)}
    if is_pattern(spec):
        on = float(switch.threshold)
        thresholds = {"on_probability": on, "off_probability": on * float(switch.hysteresis), **levels}
        recs = [f"Pattern switch (press vs rest and other movements) at press probability {on:g}: {hit:.0%} of "
                f"cued presses detected, {false_per_min:.2f} false activations per minute of rest and other "
                f"movements ({metrics['false_activations_per_min_other']:.2f} during the other movements)."]
    else:
        on = float(switch.threshold_)
        thresholds = {"on_uv": on, "off_uv": on * float(getattr(switch, "hysteresis", 1.0)), **levels}
        recs = [f"Switch threshold {on:.1f} µV (rest level {switch.rest_level_:.1f}, active level "
                f"{switch.active_level_:.1f}): {hit:.0%} of cued activations detected, "
                f"{false_per_min:.2f} false activations per minute of rest."]
    if false_per_min > 1.0:
        recs.append("Too many false activations at rest or during other movements: ask the patient to relax "
                    "fully and to keep the press gesture for presses, or record again.")
    if hit < 0.9:
        recs.append("Some cued activations were missed: a stronger or longer activation, or better electrode "
                    "placement over the muscle, will help.")
    return switch, thresholds, metrics, recs


def session_envelope(data: NDArray[Any], info: StreamInfo, spec: ParadigmSpec, switch: Any = None
                     ) -> NDArray[np.float64]:
    """Return the switch's envelope over a whole recording, shape (n_times,), for the report."""
    if switch is None:
        switch = make_switch(spec, info.sfreq, switch_channels(info, spec.name, info.n_channels))
    x = np.asarray(data, float)
    return np.asarray(switch.envelope(x - np.nanmean(x, axis=0)), float)
