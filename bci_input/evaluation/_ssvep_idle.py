"""The no-control state on real recordings: ssvep_exo trials replayed through the engine's SSVEP decision rule.

Every trial of a held-out session goes, in recorded order, through the engine's own
:class:`~bci_input._engine._policies.SsvepPolicy` (growing stimulus-locked windows from onset + ``latency_s``,
posterior threshold, idle detector with its evidence carried over undecided trials, restart without a selection at
``max_window_s``), on a 3-target layout (13, 17, 21 Hz, uniform prior). A selection during a rest trial (event 1)
is a false selection; on the flicker trials the selections give accuracy, time per selection and ITR.

Calibration follows ``bci-input evaluate --dataset ssvep_exo`` (within subject, leave one session out; the
continuous recording through the live notch and 3-90 Hz band-pass): the 3-flicker decoder (:data:`METHOD`, the
dev winner on ssvep_exo) is fitted on the training sessions' flicker trials, cut from onset + ``latency_s`` at the
longest engine window (plus the evaluation's 0.5 s-shifted copies), and the idle detector
(:func:`~bci_input.decoding.fit_ssvep_idle`) on the training sessions' rest trials and on the same cued windows
(as the app's calibration fits it). The tested session's trials are never used for fitting. The operating
point is chosen on dev only.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import time
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._errors import ConfigError, check_option
from .._types import Chunk, Intent
from ._metrics import wolpaw_bits

__all__ = ["evaluate_idle", "choose_operating_point", "idle_table", "replay_session", "SETTINGS", "OPERATING_POINTS",
           "TARGET_FPM", "METHOD"]

log = logging.getLogger(__name__)

#: Operating points swept (nats of evidence against looking at nothing).
OPERATING_POINTS: tuple[float, ...] = (0.0, 2.0, 4.0, 6.0, 8.0, 10.0)
#: Target rate of false selections while looking at nothing, per minute (issue 19).
TARGET_FPM = 0.1
#: (name, operating point or None for no detector, forced decision at the time limit).
SETTINGS: tuple[tuple[str, float | None, bool], ...] = (
    ("no detector, best target forced at the limit (before)", None, True),
    ("no detector, posterior threshold only", None, False),
    *((f"detector at {op:g} nats", op, False) for op in OPERATING_POINTS),
)
#: The 3-flicker decoders tried on dev: the two best SSVEP decoders on ssvep_exo dev (BENCHMARKS.md "SSVEP
#: decoders"). The app's screen decoder, ensemble TRCA, needs flicker phase-locked to the trial marker; the LEDs of
#: ssvep_exo are not, and TRCA scores chance there.
METHODS = ("fbcca", "fbcca_lr")
#: The default decoder of ``evaluate --idle``: the one ``bench idle-recorded`` chose on dev. Its scores are
#: correlations (``decision_function``); fbcca_lr's log-probabilities put one class near 0 at rest as often as
#: when a target is attended, so its idle detector separates rest from attention poorly.
METHOD = "fbcca"
CHUNK_S = 0.125
TARGET_IDS = ("f13", "f17", "f21")


class _Memo:
    """The fitted decoder with its answers kept per window: each setting replays the same windows."""

    def __init__(self, decoder: Any) -> None:
        self.decoder = decoder
        self.classes_ = decoder.classes_
        self._cache: dict[tuple[str, bytes], NDArray[np.float64]] = {}

    def _call(self, name: str, X: NDArray[np.floating]) -> NDArray[np.float64]:
        x = np.ascontiguousarray(X)
        key = (name, hashlib.blake2b(x.tobytes() + str(x.shape).encode(), digest_size=16).digest())
        if key not in self._cache:
            self._cache[key] = np.asarray(getattr(self.decoder, name)(x), float)
        return self._cache[key]

    def predict_proba(self, X: NDArray[np.floating]) -> NDArray[np.float64]:
        return self._call("predict_proba", X)


class _MemoScores(_Memo):
    """:class:`_Memo` of a decoder with ``decision_function`` (the idle detector's scores)."""

    def decision_function(self, X: NDArray[np.floating]) -> NDArray[np.float64]:
        return self._call("decision_function", X)


def _memo(decoder: Any) -> _Memo:
    return _MemoScores(decoder) if hasattr(decoder, "decision_function") else _Memo(decoder)


class _ReplayHost:
    """What :class:`SsvepPolicy` sees of the engine: the trial's samples, the decoder, the idle detector."""

    def __init__(self, config: Any, sfreq: float, n_channels: int, decoder: Any, idle: Any) -> None:
        from .._engine._buffer import SampleBuffer

        self.config = config
        self.sfreq = float(sfreq)
        self.eeg_picks = list(range(n_channels))
        self.buffer = SampleBuffer(n_channels, sfreq)
        self.decoder = decoder
        self.p300_stats = None
        self.idle = idle
        self.n_idle_restarts = 0
        self.paused = False
        self.decoder_latency = 0.0
        self.seed = 0
        self.markers: list[int] = []
        self.intents: list[Intent] = []
        self.t_status = 0.0

    def insert_marker(self, code: int) -> None:
        self.markers.append(int(code))

    def emit_intent(self, intent: Intent) -> None:
        self.intents.append(intent)

    def emit_stimulus(self, event: dict[str, Any]) -> None:
        pass

    def report_status(self, status: dict[str, Any]) -> None:
        self.t_status = float(status.get("t", self.t_status))


def _layout(freqs: tuple[float, ...], revision: int) -> Any:
    from ..speller import Layout, Target

    targets = tuple(Target(TARGET_IDS[k], f"{f:g} Hz", "char", str(k), freq=float(f), phase=0.0)
                    for k, f in enumerate(freqs))
    return Layout("ssvep", targets, np.full(len(targets), 1.0 / len(targets)), revision=revision)


def replay_session(rec: Any, sig: NDArray[np.float32], decoder: Any, idle: Any, config: Any
                   ) -> list[tuple[int, int | None, float]]:
    """Replay one recording's trials, in recorded order, through the engine's SSVEP policy.

    Parameters
    ----------
    rec : SsvepRecording
        The recording (trial onsets and labels).
    sig : ndarray, shape (n_times, n_channels)
        Its preprocessed signal.
    decoder : estimator
        Fitted 3-class SSVEP decoder.
    idle : IdleDetector | None
        The no-control detector at its operating point.
    config : EngineConfig
        Engine timing and rule (``forced_decision`` included).

    Returns
    -------
    list of (label, selected class or None, engine time on the trial in s)
        One entry per trial that fits in the recording.
    """
    from .._engine._policies import MARKER_SSVEP, SsvepPolicy

    sfreq = float(rec.sfreq)
    host = _ReplayHost(config, sfreq, sig.shape[1], decoder, idle)
    policy = SsvepPolicy(host)
    revision = 0
    policy.set_layout(_layout(rec.freqs, revision), 0.0)
    n_chunk = int(round(CHUNK_S * sfreq))
    n_trial = int(round(rec.trial_s * sfreq))
    out: list[tuple[int, int | None, float]] = []
    for onset, label in zip(rec.onsets.tolist(), rec.labels.tolist(), strict=True):
        if onset + n_trial > len(sig):
            continue
        t0 = onset / sfreq
        host.buffer.reset()
        host.markers.clear()
        host.intents.clear()
        policy.tick(t0)  # the policy starts a trial when it is ready: the flicker onset is the recorded one
        if MARKER_SSVEP not in host.markers:
            raise ConfigError(f"{rec.subject} {rec.session}: the engine was not ready at the trial {t0:.1f} s "
                              "(trials closer than a decision plus the gaze shift).")
        policy.on_marker(t0, MARKER_SSVEP)
        a = onset
        while a < onset + n_trial and policy.onset is not None:
            b = min(a + n_chunk, onset + n_trial)
            host.buffer.append(Chunk(sig[a:b], np.arange(a, b) / sfreq, ()))
            policy.tick(host.buffer.t_end)
            a = b
        if host.intents:
            intent = host.intents[0]
            out.append((int(label), TARGET_IDS.index(str(intent.payload)), float(intent.decided_at) - t0))
            revision += 1  # the speller answers a selection with a new layout
            policy.set_layout(_layout(rec.freqs, revision), float(intent.decided_at))
        else:
            out.append((int(label), None, host.t_status - t0))
    return out


def _rest_signal(parts: list[tuple[Any, NDArray[np.float32]]], start_s: float) -> NDArray[np.float64]:
    """Concatenate the training sessions' runs of consecutive rest trials (continuous, nothing flickers)."""
    segs = []
    for rec, sig in parts:
        n_trial = int(round(rec.trial_s * rec.sfreq))
        labels, onsets = rec.labels.tolist(), rec.onsets.tolist()
        i = 0
        while i < len(labels):
            if labels[i] >= 0:
                i += 1
                continue
            j = i
            while j + 1 < len(labels) and labels[j + 1] < 0:
                j += 1
            a, b = onsets[i] + int(round(start_s * rec.sfreq)), min(onsets[j] + n_trial, len(sig))
            if b > a:
                segs.append(sig[a:b])
            i = j + 1
    if not segs:
        raise ConfigError("The training sessions hold no rest trial to fit the idle detector on.")
    return np.concatenate(segs).astype(np.float64)


def _subject(root: str, subject: str, sessions: tuple[str, ...], method: str, config: Any
             ) -> list[dict[str, Any]]:
    """Return one subject's replay counts per setting (summed over its folds)."""
    from ..decoding import fit_ssvep_idle
    from ._ssvep_exo import _session
    from ._ssvep_methods import TRAINING_FREE, make_ssvep_decoder
    from ._ssvep_protocol import _cut, session_folds

    recs = [_session(root, subject, s) for s in sessions]
    folds, _ = session_folds(recs, list(sessions))
    win, start = float(config.max_window_s), float(config.latency_s)
    n_win = int(round(win * recs[0][0].sfreq))
    lengths = [config.min_window_s + k * config.step_s
               for k in range(int(np.floor((win - config.min_window_s) / config.step_s + 1e-9)) + 1)]
    counts = [dict.fromkeys(("rest_trials", "rest_s", "false", "att_trials", "att_s", "sel", "correct"), 0.0)
              for _ in SETTINGS]
    for train, test in folds:
        parts = [_cut(*recs[j], idx, win, start, method not in TRAINING_FREE, 3) for j, idx in train]
        X, y = np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
        rec0 = recs[0][0]
        dec = make_ssvep_decoder(method, rec0.sfreq, rec0.freqs, "ssvep_exo").fit(X, y)
        cued = [_cut(*recs[j], idx, win, start, False, 3) for j, idx in train]
        Xc, yc = np.concatenate([p[0] for p in cued]), np.concatenate([p[1] for p in cued])
        rest = _rest_signal([recs[j] for j, _ in train], start)
        det = fit_ssvep_idle(dec, rest, Xc[:, :n_win].astype(np.float64), np.searchsorted(dec.classes_, yc),
                             rec0.sfreq, lengths)
        memo = _memo(dec)
        for c, (_, op, forced) in zip(counts, SETTINGS, strict=True):
            cfg = dataclasses.replace(config, forced_decision=forced)
            idle = None if op is None else det.with_operating_point(op)
            for j, _ in test:
                for label, sel, dur in replay_session(*recs[j], memo, idle, cfg):
                    if label < 0:
                        c["rest_trials"] += 1
                        c["rest_s"] += dur
                        c["false"] += sel is not None
                    else:
                        c["att_trials"] += 1
                        c["att_s"] += dur
                        c["sel"] += sel is not None
                        c["correct"] += sel is not None and int(dec.classes_[sel]) == label
    return counts


def evaluate_idle(split: str, data_dir: str | Path | None = None, *, method: str | None = None,
                  config: Any = None, include_excluded: bool = True) -> dict[str, Any]:
    """Replay the ssvep_exo trials of ``split`` through the engine's SSVEP rule, for every setting of :data:`SETTINGS`.

    Parameters
    ----------
    split : str
        ``'dev'`` (subject01-08) or ``'eval'`` (subject09-12).
    data_dir : path-like | None
        The recordings folder.
    method : str | None
        SSVEP decoder (default :data:`METHOD`).
    config : EngineConfig | None
        Engine timing (default :class:`~bci_input.engine.EngineConfig`).
    include_excluded : bool
        Include the sessions the dataset's authors excluded.

    Returns
    -------
    dict
        ``split``, ``method``, ``subjects`` and ``rows``: one per setting with ``false_selections_per_min``
        (selections during rest trials per minute of engine time on them), ``accuracy``, ``s_per_selection``
        (engine time on flicker trials plus the gaze shift after each selection, per selection),
        ``selections_per_min``, ``correct_per_min`` and ``itr_bits_min``, with the counts behind them.
    """
    from threadpoolctl import threadpool_limits

    from ..datasets._ssvep_exo import _root, ssvep_exo_sessions, ssvep_exo_subjects
    from ..engine import EngineConfig

    check_option("split", split, ["dev", "eval"])
    method = METHOD if method is None else method
    cfg = config or EngineConfig()
    if cfg.latency_s + cfg.max_window_s > 5.0:
        raise ConfigError(f"latency_s + max_window_s ({cfg.latency_s + cfg.max_window_s:g} s) must fit in the 5 s "
                          "ssvep_exo trial.")
    t0 = time.perf_counter()
    root = str(_root(data_dir))
    totals = [dict.fromkeys(("rest_trials", "rest_s", "false", "att_trials", "att_s", "sel", "correct"), 0.0)
              for _ in SETTINGS]
    subjects = []
    with threadpool_limits(limits=1):
        for subject in ssvep_exo_subjects(split, root):
            sessions = tuple(ssvep_exo_sessions(subject, root, include_excluded=include_excluded))
            if len(sessions) < 2:
                log.warning("%s has fewer than 2 sessions; skipped", subject)
                continue
            subjects.append(subject)
            for tot, c in zip(totals, _subject(root, subject, sessions, method, cfg), strict=True):
                for k, v in c.items():
                    tot[k] += v
    if not subjects:
        raise ConfigError(f"No SSVEPExo subject of split {split!r} with 2 sessions found under {root}.")
    rows = []
    for (name, op, forced), c in zip(SETTINGS, totals, strict=True):
        n_sel = int(c["sel"])
        acc = c["correct"] / n_sel if n_sel else 0.0
        att_min = (c["att_s"] + n_sel * cfg.gaze_s) / 60.0
        rows.append({
            "setting": name, "operating_point": op, "forced_decision": forced,
            "rest_trials": int(c["rest_trials"]), "rest_minutes": c["rest_s"] / 60.0,
            "false_selections": int(c["false"]), "false_selections_per_min": c["false"] / (c["rest_s"] / 60.0),
            "attended_trials": int(c["att_trials"]), "selections": n_sel, "correct": int(c["correct"]),
            "accuracy": acc, "s_per_selection": att_min * 60.0 / n_sel if n_sel else float("inf"),
            "selections_per_min": n_sel / att_min, "correct_per_min": c["correct"] / att_min,
            "itr_bits_min": wolpaw_bits(3, acc) * n_sel / att_min,
        })
    return {"dataset": "ssvep_exo", "split": split, "method": method, "subjects": subjects,
            "include_excluded": include_excluded, "rows": rows, "elapsed_s": time.perf_counter() - t0}


def choose_operating_point(devs: list[dict[str, Any]], target: float = TARGET_FPM) -> tuple[str, float]:
    """Return the (decoder, operating point) chosen on dev.

    Among the detector settings whose dev false-selection rate meets ``target``, the one with the most correct
    selections per minute on the flicker trials; if none meets it, the lowest false-selection rate.

    Parameters
    ----------
    devs : list of dict
        :func:`evaluate_idle` on the dev split, one per decoder.
    target : float
        False selections per minute of rest allowed.
    """
    if any(d["split"] != "dev" for d in devs):
        raise ConfigError("The operating point is chosen on the dev split only.")
    rows = [(d["method"], r) for d in devs for r in d["rows"] if r["operating_point"] is not None]
    ok = [mr for mr in rows if mr[1]["false_selections_per_min"] <= target]
    method, best = max(ok, key=lambda mr: mr[1]["correct_per_min"]) if ok else min(
        rows, key=lambda mr: (mr[1]["false_selections_per_min"], mr[1]["operating_point"]))
    return method, float(best["operating_point"])


def idle_table(results: list[dict[str, Any]], chosen: tuple[str, float] | None = None
               ) -> tuple[list[str], list[list[object]]]:
    """Return the header and rows of a Markdown table of :func:`evaluate_idle` results (one block per result).

    Parameters
    ----------
    results : list of dict
        :func:`evaluate_idle` outputs.
    chosen : (str, float) | None
        The decoder and operating point chosen on dev, marked in the table.
    """
    header = ["split", "decoder", "setting", "false sel./min at rest", "false sel. / rest trials", "rest min",
              "selection acc.", "s/selection", "selections/min", "correct/min", "ITR bits/min"]
    rows: list[list[object]] = []
    for res in results:
        for r in res["rows"]:
            mark = chosen is not None and (res["method"], r["operating_point"]) == chosen
            name = r["setting"] + (" **(chosen on dev)**" if mark else "")
            rows.append([res["split"], res["method"], name, f"{r['false_selections_per_min']:.2f}",
                         f"{r['false_selections']}/{r['rest_trials']}", f"{r['rest_minutes']:.1f}",
                         f"{r['accuracy']:.3f} ({r['correct']}/{r['selections']})", f"{r['s_per_selection']:.2f}",
                         f"{r['selections_per_min']:.2f}", f"{r['correct_per_min']:.2f}", f"{r['itr_bits_min']:.2f}"])
    return header, rows
