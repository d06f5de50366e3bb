"""P300 calibration: flash-level classifier, item selection accuracy against repetitions, stopping."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._cv import accuracy_summary, cv_splits, stopping_summary
from ._epochs import CalibrationEpochs
from ._protocol import ParadigmSpec
from ._stats import itr_bits_per_trial

__all__ = ["train_p300"]


def _oof_scores(epochs: CalibrationEpochs, n_folds: int, sfreq: float) -> tuple[NDArray[np.float64], NDArray[np.int64],
                                                                     list[Any]]:
    """Out-of-fold flash scores (trials kept together), fold index per flash, and each fold's decoder."""
    from ..decoding import P300Decoder

    scores = np.zeros(len(epochs))
    fold = np.zeros(len(epochs), np.int64)
    decoders = []
    for k, (train, test) in enumerate(cv_splits(epochs.y, epochs.groups, n_folds, 0)):
        dec = P300Decoder(sfreq=sfreq).fit(epochs.X[train], epochs.y[train])
        scores[test] = dec.decision_function(epochs.X[test])
        fold[test] = k
        decoders.append(dec)
    return scores, fold, decoders


def _selection_loglik(epochs: CalibrationEpochs, spec: ParadigmSpec, scores: NDArray[np.float64],
                      fold: NDArray[np.int64], decoders: list[Any]) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Per cued trial and repetition, the log-likelihood of each item: shape (n_trials, n_reps, n_items)."""
    from ..decoding import flash_log_likelihoods

    trials = np.unique(epochs.groups)
    out = np.zeros((len(trials), spec.n_repetitions, spec.n_items))
    truth = np.zeros(len(trials), np.int64)
    for i, g in enumerate(trials):
        idx = np.flatnonzero(epochs.groups == g)
        idx = idx[np.argsort(epochs.onsets[idx])]
        tgt = epochs.items[idx][epochs.y[idx] == 1]
        truth[i] = int(tgt[0]) if len(tgt) else -1
        stats = decoders[int(fold[idx[0]])]
        for r in range(spec.n_repetitions):
            sel = idx[r * spec.n_items:(r + 1) * spec.n_items]
            if len(sel):
                out[i, r] = flash_log_likelihoods(scores[sel], [[int(it)] for it in epochs.items[sel]], spec.n_items,
                                                  stats)
    keep = truth >= 0
    return out[keep], truth[keep]


def train_p300(
    spec: ParadigmSpec, epochs: CalibrationEpochs, *, n_folds: int = 5, seed: int = 0,
    progress: Callable[[str, float], None] | None = None,
) -> tuple[Any, dict[str, Any], list[str]]:
    """Train the P300 decoder and evaluate it with cross-validation over cued trials.

    Parameters
    ----------
    spec : ParadigmSpec
        P300 protocol (``n_items`` items flashed ``n_repetitions`` times per trial; ``n_items == 0``
        for an oddball recording without cues).
    epochs : CalibrationEpochs
        Flash epochs, label 1 for target flashes.
    n_folds : int
        Folds (trials are never split across folds).
    seed : int
        Unused (group folds are deterministic); kept for a uniform signature.
    progress : callable | None
        Progress callback.

    Returns
    -------
    decoder : P300Decoder
        Fitted on every flash.
    metrics : dict
        Flash-level AUC and balanced accuracy; with cued items, the item-selection accuracy
        against the number of repetitions, its CI, confusion matrix, ITR and stopping threshold.
    recommendations : list of str
    """
    from sklearn.metrics import balanced_accuracy_score, roc_auc_score

    from ..decoding import P300Decoder

    sf = epochs.sfreq
    if progress:
        progress("cross-validating the P300 classifier", 0.1)
    scores, fold, decoders = _oof_scores(epochs, n_folds, sf)
    y = epochs.y
    auc = float(roc_auc_score(y, scores))
    bacc = float(balanced_accuracy_score(y, (scores > 0).astype(int)))
    recs: list[str] = []
    if spec.n_items >= 2:
        ll, truth = _selection_loglik(epochs, spec, scores, fold, decoders)
        per_rep = spec.n_items * spec.soa_s
        cum = np.cumsum(ll, axis=1)
        sweep, preds = [], []
        for r in range(spec.n_repetitions):
            pred = cum[:, r].argmax(1)
            acc = float((pred == truth).mean())
            t = (r + 1) * per_rep
            sweep.append({"window_s": round(t, 3), "repetitions": r + 1, "accuracy": acc,
                          "itr_bits_per_min": itr_bits_per_trial(acc, spec.n_items) * 60.0 / (t + 1.0)})
            preds.append(pred)
        from ._stats import chance_level

        _, sig = chance_level(spec.n_items, len(truth))
        ok = [i for i, s in enumerate(sweep) if s["accuracy"] >= max(sig, 0.7)]
        best = max(ok, key=lambda i: sweep[i]["itr_bits_per_min"]) if ok else len(sweep) - 1
        metrics = accuracy_summary(truth, preds[best], spec.n_items)
        metrics.update(
            itr_bits_per_min=sweep[best]["itr_bits_per_min"],
            itr_bits_per_trial=itr_bits_per_trial(metrics["accuracy"], spec.n_items),
            recommended_window_s=sweep[best]["window_s"], recommended_repetitions=best + 1, sweep=sweep,
            labels=[f"item {i + 1}" for i in range(spec.n_items)],
        )
        metrics.update(stopping_summary(ll, truth, per_rep))
        if not ok:
            recs.append("Item selection did not reach 70 % even with every repetition: record more trials.")
    else:  # oddball recording: flash-level evaluation only
        from ._stats import wilson_interval

        metrics = accuracy_summary(y, (scores > 0).astype(np.int64), 2)
        # Targets are rare, so plain accuracy would reward saying "non-target": report balanced accuracy.
        k = int(round(bacc * len(y)))
        metrics.update(accuracy=bacc, n_correct=k, ci95=list(wilson_interval(k, len(y))),
                       above_chance=bool(bacc >= metrics["chance_significant"]),
                       accuracy_note="balanced accuracy per flash (target vs non-target)")
        metrics["labels"] = list(spec.classes)
    metrics.update(flash_auc=auc, flash_balanced_accuracy=bacc, n_flashes=int(len(y)),
                   n_target_flashes=int(y.sum()), cv=f"group {len(decoders)}-fold (trials kept together)")
    recs.insert(0, f"Single-flash ROC-AUC {auc:.2f}, balanced accuracy {bacc:.0%} (cross-validated).")
    if progress:
        progress("training the final P300 decoder", 0.9)
    decoder = P300Decoder(sfreq=sf).fit(epochs.X, y)
    return decoder, metrics, recs
