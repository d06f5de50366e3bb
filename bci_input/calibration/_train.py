"""Training and cross-validated evaluation of a calibration.

:func:`train_calibration` takes clean epochs of one paradigm and returns a
:class:`CalibrationResult`: the trained decoder (or switch thresholds), and what a
clinician needs to trust it: cross-validated accuracy with a Wilson interval, confusion
matrix, chance level with its significance threshold (Combrisson & Jerbi 2015), ITR, an
accuracy-vs-window-length sweep, and the recommended window and stopping threshold.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._errors import ConfigError, check_option
from .._types import StreamInfo
from ._cv import SELECTION_OVERHEAD_S, accuracy_summary, cross_val_proba, stopping_summary
from ._epochs import CalibrationEpochs, DataCheck, check_minimum_data
from ._protocol import ParadigmSpec
from ._stats import chance_level, itr_bits_per_trial

__all__ = ["CalibrationResult", "train_calibration", "make_decoder", "METHODS", "cross_val_proba", "crop"]

log = logging.getLogger(__name__)

#: Decoding methods per paradigm; the first is the default.
METHODS: dict[str, tuple[str, ...]] = {
    "ssvep": ("fbetrca", "etrca", "trca", "fbtrca", "fbcca", "cca", "riemann", "riemann_mdm"),
    "p300": ("p300",),
    "emg": ("switch", "pattern_switch"),
    "blink": ("switch",),
    "mi": ("csp-lda",),
}

Progress = Callable[[str, float], None]


@dataclass
class CalibrationResult:
    """Everything a calibration produced.

    Parameters
    ----------
    paradigm : str
        Paradigm name.
    spec : ParadigmSpec
        The protocol used.
    method : str
        Decoding method.
    decoder : estimator | None
        Decoder trained on all clean epochs (with the recommended window), or a switch.
    thresholds : dict
        EMG/blink thresholds, µV.
    metrics : dict
        Cross-validated metrics (JSON-friendly).
    check : DataCheck
        The minimum data check.
    epochs : CalibrationEpochs
        The clean epochs used.
    recommendations : list of str
        Plain-language advice for the clinician.
    idle : IdleDetector | None
        SSVEP/P300: the no-control detector fitted on the session's look-away block (``None`` without one).
    """

    paradigm: str
    spec: ParadigmSpec
    method: str
    decoder: Any
    thresholds: dict[str, float]
    metrics: dict[str, Any]
    check: DataCheck
    epochs: CalibrationEpochs
    recommendations: list[str] = field(default_factory=list)
    idle: Any = None

    @property
    def window_s(self) -> float | None:
        """Recommended decision window, s."""
        return self.metrics.get("recommended_window_s")

    @property
    def stopping_threshold(self) -> float | None:
        """Recommended posterior threshold for dynamic stopping."""
        return self.metrics.get("recommended_stopping_threshold")


def make_decoder(spec: ParadigmSpec, method: str, sfreq: float) -> Any:
    """Return an unfitted decoder for a paradigm and method.

    Parameters
    ----------
    spec : ParadigmSpec
        The paradigm (SSVEP frequencies...).
    method : str
        One of :data:`METHODS` for the paradigm.
    sfreq : float
        Sampling rate, Hz.

    Returns
    -------
    estimator
        A scikit-learn estimator from :mod:`bci_input.decoding`.
    """
    check_option("method", method, METHODS[spec.name])
    from .. import decoding as d

    if spec.name == "ssvep":  # the same factory (and hyper-parameters) as 'bci-input evaluate'
        from ..evaluation._ssvep_methods import make_ssvep_decoder

        return make_ssvep_decoder(method, sfreq, list(spec.freqs))
    if spec.name == "p300":
        return d.P300Decoder(sfreq=sfreq)
    if spec.name == "mi":
        return d.MotorImageryDecoder(sfreq=sfreq)
    raise ConfigError(f"Paradigm {spec.name!r} is calibrated as a switch, not a window decoder.")


def crop(epochs: CalibrationEpochs, start_s: float, length_s: float) -> NDArray[np.float32]:
    """Return the samples of each epoch from ``start_s`` (relative to onset) for ``length_s``.

    Returns
    -------
    ndarray, shape (n_epochs, n_times, n_channels)
    """
    i0 = int(round((start_s - epochs.tmin) * epochs.sfreq))
    n = int(round(length_s * epochs.sfreq))
    if i0 < 0 or i0 + n > epochs.X.shape[1]:
        raise ConfigError(
            f"Window {start_s:g}-{start_s + length_s:g} s lies outside the epochs "
            f"({epochs.tmin:g}-{epochs.tmin + epochs.X.shape[1] / epochs.sfreq:g} s)."
        )
    return epochs.X[:, i0:i0 + n]


def _window_grid(spec: ParadigmSpec, epochs: CalibrationEpochs) -> list[float]:
    avail = epochs.tmin + epochs.X.shape[1] / epochs.sfreq - spec.win_start_s
    grid = [w for w in np.arange(spec.step_s, avail + 1e-9, spec.step_s)]
    return [round(float(w), 3) for w in grid] or [round(float(avail), 3)]


def _train_window_decoder(
    spec: ParadigmSpec, epochs: CalibrationEpochs, method: str, n_folds: int, seed: int, progress: Progress | None,
    fixed_window_s: float | None,
) -> tuple[Any, dict[str, Any], list[str]]:
    y, n_classes, sf = epochs.y, spec.n_classes, epochs.sfreq

    def factory() -> Any:
        return make_decoder(spec, method, sf)

    grid = [fixed_window_s] if fixed_window_s else _window_grid(spec, epochs)
    if progress:
        progress(f"cross-validating {len(grid)} window lengths", 0.0)
    # One model per fold, fitted on the longest window; shorter windows are scored with the same model
    # (decoders compare a window with the start of their templates), as the engine does while a trial grows.
    longest = crop(epochs, spec.win_start_s, max(grid))
    views = [longest[:, : int(round(w * sf))] for w in grid]
    if spec.name == "ssvep":
        _, probas = cross_val_proba(factory, longest, y, n_folds=n_folds, seed=seed, extra_X=views)
    else:  # other decoders (CSP) need windows of their training length: one model per window length
        probas = [cross_val_proba(factory, v, y, n_folds=n_folds, seed=seed)[0] for v in views]
    sweep = []
    for w, proba in zip(grid, probas, strict=True):
        pred = proba.argmax(1)
        acc = float((pred == y).mean())
        itr = itr_bits_per_trial(acc, n_classes) * 60.0 / (w + SELECTION_OVERHEAD_S)
        sweep.append({"window_s": w, "accuracy": acc, "itr_bits_per_min": itr, "_pred": pred})
    # Recommended (maximum) window: the best ITR among windows reaching 90 % accuracy, else 70 %, else the
    # most accurate one. Dynamic stopping still decides earlier when the evidence is clear.
    _, sig = chance_level(n_classes, len(y))
    ok: list[dict[str, Any]] = []
    for floor in (0.9, 0.7):
        ok = [s for s in sweep if s["accuracy"] >= max(sig, floor)]
        if ok:
            break
    best = max(ok, key=lambda s: (s["itr_bits_per_min"], s["accuracy"])) if ok else max(
        sweep, key=lambda s: (s["accuracy"], s["window_s"]))
    w = float(best["window_s"])
    metrics = accuracy_summary(y, best["_pred"], n_classes)
    metrics.update(itr_bits_per_min=best["itr_bits_per_min"], itr_bits_per_trial=itr_bits_per_trial(
        metrics["accuracy"], n_classes), recommended_window_s=w, window_start_s=spec.win_start_s,
        sweep=[{k: v for k, v in s.items() if not k.startswith("_")} for s in sweep], method=method,
        cv=f"stratified {min(n_folds, int(np.bincount(y).min()))}-fold, seed {seed}", labels=list(spec.classes))
    # Stopping threshold: the posterior of a growing window is replayed through DynamicStopping as
    # per-step increments of log-probability (so the accumulated posterior equals the window's softmax).
    if progress:
        progress("choosing the stopping threshold", 0.6)
    if len(grid) >= 2 and np.allclose(np.diff(grid), grid[0]):
        logp = np.log(np.clip(np.stack(probas, axis=1), 1e-12, None))  # (n_trials, n_steps, n_classes)
        incr = np.concatenate([logp[:, :1], np.diff(logp, axis=1)], axis=1)
        metrics.update(stopping_summary(incr, y, float(grid[0])))
    recs = []
    if fixed_window_s is None and not ok:
        recs.append("No window length reached 70 % accuracy: check electrode contact and record a top-up session.")
    if progress:
        progress("training the final decoder", 0.8)
    # Fitted on the longest window, as in cross-validation: the engine decodes growing windows up to it.
    decoder = factory().fit(longest if spec.name == "ssvep" else crop(epochs, spec.win_start_s, w), y)
    return decoder, metrics, recs


def train_calibration(
    epochs: CalibrationEpochs, spec: ParadigmSpec, *, method: str | None = None, n_folds: int = 5, seed: int = 0,
    rejected: dict[str, int] | None = None, window_s: float | None = None, progress: Progress | None = None,
    info: StreamInfo | None = None,
) -> CalibrationResult:
    """Train a paradigm's decoder (or switch thresholds) and cross-validate it.

    Parameters
    ----------
    epochs : CalibrationEpochs
        Clean epochs (after :func:`reject_artifacts`).
    spec : ParadigmSpec
        The protocol the epochs come from.
    method : str | None
        Decoding method (see :data:`METHODS`); default the paradigm's first.
    n_folds : int
        Cross-validation folds.
    seed : int
        Seed of the fold shuffle.
    rejected : dict | None
        Artefact counts, for the data check message.
    window_s : float | None
        Evaluate only this window length instead of sweeping (e.g. to match another evaluation).
    progress : callable(str, float) | None
        Called with a status text and a fraction in [0, 1].
    info : StreamInfo | None
        Channels of the recording (switches pick EMG / EOG / frontal channels from it).

    Returns
    -------
    CalibrationResult

    Raises
    ------
    ConfigError
        If the data check fails (the message says how many more trials are needed).
    """
    pattern = spec.name == "emg" and spec.n_classes == 3
    method = method or ("pattern_switch" if pattern else METHODS[spec.name][0])
    check_option("method", method, METHODS[spec.name])
    if spec.name == "emg" and (method == "pattern_switch") != pattern:
        raise ConfigError("The pattern EMG switch (method pattern_switch) is trained from a calibration with "
                          "other-movement trials, and only from one: record with --method pattern_switch, or train "
                          "the amplitude switch (--method switch) from rest and clench trials.")
    check = check_minimum_data(epochs, spec, rejected)
    if not check.ok:
        raise ConfigError(check.message)
    thresholds: dict[str, float] = {}
    # Window decoders see the EEG channels only, as the engine gives them (its ``eeg_picks``).
    picks = list(range(epochs.X.shape[2]))
    if info is not None and spec.name in ("ssvep", "p300", "mi") and 0 < len(info.picks("eeg")) < info.n_channels:
        picks = info.picks("eeg")
    dec_epochs = epochs if len(picks) == epochs.X.shape[2] else dataclasses.replace(epochs, X=epochs.X[:, :, picks])
    if spec.name in ("ssvep", "mi"):
        decoder, metrics, recs = _train_window_decoder(spec, dec_epochs, method, n_folds, seed, progress, window_s)
    elif spec.name == "p300":
        from ._train_erp import train_p300

        decoder, metrics, recs = train_p300(spec, dec_epochs, n_folds=n_folds, seed=seed, progress=progress)
    else:
        from ._train_switch import train_switch

        decoder, thresholds, metrics, recs = train_switch(spec, epochs, n_folds=n_folds, seed=seed, info=info)
    if info is not None and spec.name in ("ssvep", "p300", "mi"):
        metrics["decoder_channels"] = [info.ch_names[i] for i in picks]
    metrics["n_rejected"] = int(sum(check.rejected.values()))
    metrics["trials_per_class"] = check.counts
    recs = _recommendations(spec, metrics) + recs
    if progress:
        progress("done", 1.0)
    return CalibrationResult(spec.name, spec, method, decoder, thresholds, metrics, check, epochs, recs)


def _recommendations(spec: ParadigmSpec, m: dict[str, Any]) -> list[str]:
    acc, (lo, hi) = m["accuracy"], m["ci95"]
    out = [
        f"Cross-validated accuracy {acc:.0%} (95 % CI {lo:.0%}-{hi:.0%}) over {m['n_trials']} trials; chance is "
        f"{m['chance']:.0%} and {m['chance_significant']:.0%} is needed to be above chance (p < 0.05)."
    ]
    if not m["above_chance"]:
        out.append("The decoder is NOT reliably above chance: do not use this calibration; check the montage and "
                   "the patient's attention, then record again.")
    elif acc < 0.8:
        out.append("Accuracy is usable but modest: a top-up session (more trials) is likely to help.")
    if m.get("recommended_window_s"):
        out.append(f"Use a decision window of {m['recommended_window_s']:g} s"
                   + (f" ({m['itr_bits_per_min']:.1f} bits/min)." if "itr_bits_per_min" in m else "."))
    if m.get("recommended_stopping_threshold"):
        out.append(f"Set the dynamic-stopping threshold to {m['recommended_stopping_threshold']:g}.")
    if m.get("n_rejected"):
        out.append(f"{m['n_rejected']} epochs were rejected as artefacts: check for movement, loose electrodes or "
                   "muscle tension.")
    return out
