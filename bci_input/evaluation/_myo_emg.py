"""Offline evaluation on the Myo forearm-EMG recordings.

Methods
-------
``switch``
    :class:`~bci_input.decoding.EmgSwitch`, rest vs fist (file ``7.txt`` of every session).
    Protocol: per-session calibration on the first 20 s (rest, fist, rest, fist; the first
    second after every label change is dropped as reaction time), scoring on the remaining
    40 s (4 fist episodes, 4 rest periods), which calibration never saw. A fist episode is
    detected when an event's onset falls in [label start - 0.25 s, label end). A false
    activation is an event whose onset falls in a rest period, excluding the first 1 s after
    the fist ends (release time). The same calibrated switch also runs over the session's
    1-minute rest file ``0.txt`` (reported separately). Hyper-parameters were chosen on dev.
``pattern_switch``
    :class:`~bci_input.decoding.EmgPatternSwitch` (what the app calibrates for a multichannel armband): presses
    detected and false presses per minute of rest and of the six other gestures, within participant (calibrated on
    session 1, tested on sessions 2-3; see :mod:`bci_input.evaluation._myo_switch`), with the amplitude switch under
    the same protocol for comparison and, on eval, the cross-participant figure (calibrated on dev).
``gesture_lda``
    :class:`~bci_input.decoding.EmgGestureClassifier` on 200 ms windows (100 ms hop), 8 classes
    (rest + 7 gestures), within participant, leave one session out.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import numpy as np

from .._errors import ConfigError, check_option
from ._metrics import classification_metrics, time_per_decision_ms
from ._myo_switch import FIST, match_fist_episodes
from ._schema import make_result, subject_row

__all__ = ["METHODS", "OPTIONS", "DEFAULT_WINDOW", "evaluate", "score_switch_session"]

log = logging.getLogger(__name__)

METHODS = ("switch", "pattern_switch", "gesture_lda")
#: The method the app uses on a multichannel armband (the pattern switch).
DEFAULT_METHOD = "pattern_switch"
OPTIONS: tuple[str, ...] = ()
DEFAULT_WINDOW = 0.2
CAL_EPISODES = 4
TRIM_S = 1.0


def score_switch_session(session: Any, **switch_params: Any) -> dict[str, Any]:
    """Calibrate an EMG switch on the start of one session and score the rest of it.

    Parameters
    ----------
    session : MyoSession
        From :func:`bci_input.datasets.myo_sessions`.
    **switch_params
        Extra :class:`~bci_input.decoding.EmgSwitch` parameters.

    Returns
    -------
    dict
        ``n_episodes``, ``detected``, ``false_activations``, ``rest_minutes``,
        ``onset_latencies_s``, ``decision_latencies_s``, ``rest_file_false``, ``rest_file_minutes``,
        ``median_onset_latency_s``, ``n_events``, ``compute_s``, ``threshold``.
    """
    from ..datasets._myo_emg import MYO_SFREQ, myo_episodes, read_myo_file
    from ..decoding import EmgSwitch

    fs = MYO_SFREQ
    data, labels = read_myo_file(session.file(FIST))
    eps = myo_episodes(labels)
    if len(eps) <= CAL_EPISODES + 1:
        raise ConfigError(f"{session.path}: too few episodes ({len(eps)}) for calibration and scoring.")
    trim = int(TRIM_S * fs)
    cal = eps[:CAL_EPISODES]
    sw = EmgSwitch(sfreq=fs, **switch_params)
    sw.calibrate([data[a + trim : b] for a, b, lab in cal if lab == 0], [data[a + trim : b] for a, b, lab in cal
                                                                          if lab == FIST])
    start = eps[CAL_EPISODES][0]
    t0 = time.perf_counter()
    events = sw.process_array(data[start:], t0=start / fs)
    compute = time.perf_counter() - t0
    n_ep, presses, bad, rest_s = match_fist_episodes(events, eps[CAL_EPISODES:], fs)
    det, fa = len(presses), len(bad)
    lat = [e.onset - ta for e, ta in presses]
    dlat = [e.decided_at - ta for e, ta in presses]
    rest_data, _ = read_myo_file(session.file(0))
    rest_events = sw.process_array(rest_data)
    return {
        "n_episodes": n_ep,
        "detected": det,
        "false_activations": fa,
        "rest_minutes": rest_s / 60.0,
        "onset_latencies_s": lat,
        "decision_latencies_s": dlat,
        "median_onset_latency_s": float(np.median(lat)) if lat else float("nan"),
        "rest_file_false": len(rest_events),
        "rest_file_minutes": len(rest_data) / fs / 60.0,
        "n_events": len(events),
        "compute_s": compute,
        "threshold": sw.threshold_,
    }


def _switch(split: str, data_dir: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    from ..datasets._myo_emg import myo_sessions

    sessions = myo_sessions(data_dir, split)
    per: dict[str, list[dict[str, Any]]] = {}
    for s in sessions:
        per.setdefault(s.participant, []).append(score_switch_session(s))
    rows = []
    tot: dict[str, Any] = {"n": 0, "det": 0, "fa": 0, "rest": 0.0, "lat": [], "dlat": [], "fa0": 0, "rest0": 0.0}
    for part, rs in per.items():
        n = sum(r["n_episodes"] for r in rs)
        det = sum(r["detected"] for r in rs)
        fa = sum(r["false_activations"] for r in rs)
        rest = sum(r["rest_minutes"] for r in rs)
        lat = [v for r in rs for v in r["onset_latencies_s"]]
        dlat = [v for r in rs for v in r["decision_latencies_s"]]
        n_ev = sum(r["n_events"] for r in rs)
        comp = sum(r["compute_s"] for r in rs)
        row = subject_row(
            part,
            {
                "accuracy": det / n,
                "decision_time_s": float(np.median(dlat)) if dlat else float("nan"),
                "compute_ms": 1000.0 * comp / max(1, n_ev),
            },
            n_train=0, n_test=n, n_folds=len(rs), protocol="per-session calibration on the first 20 s",
        )  # fmt: skip
        row.update(
            detection_rate=det / n,
            n_episodes=n,
            detected=det,
            false_activations=fa,
            rest_minutes=rest,
            false_activations_per_min=fa / rest if rest > 0 else float("nan"),
            median_onset_latency_s=float(np.median(lat)) if lat else float("nan"),
            median_decision_latency_s=float(np.median(dlat)) if dlat else float("nan"),
            rest_file_false_per_min=sum(r["rest_file_false"] for r in rs) / sum(r["rest_file_minutes"] for r in rs),
        )
        rows.append(row)
        tot["n"] += n
        tot["det"] += det
        tot["fa"] += fa
        tot["rest"] += rest
        tot["lat"] += lat
        tot["dlat"] += dlat
        tot["fa0"] += sum(r["rest_file_false"] for r in rs)
        tot["rest0"] += sum(r["rest_file_minutes"] for r in rs)
    summary = {
        "n_episodes": tot["n"],
        "detection_rate": tot["det"] / tot["n"],
        "false_activations": tot["fa"],
        "rest_minutes": tot["rest"],
        "false_activations_per_min": tot["fa"] / tot["rest"],
        "median_onset_latency_s": float(np.median(tot["lat"])) if tot["lat"] else float("nan"),
        "median_decision_latency_s": float(np.median(tot["dlat"])) if tot["dlat"] else float("nan"),
        "rest_file_false_per_min": tot["fa0"] / tot["rest0"],
    }
    return rows, summary


def _gestures(split: str, data_dir: Path, window: float) -> list[dict[str, Any]]:
    from ..datasets._myo_emg import MYO_SFREQ, load_myo_windows
    from ..decoding import EmgGestureClassifier

    X, y, sess, part = load_myo_windows(data_dir, split, window_s=window, step_s=window / 2)
    rows = []
    for p in np.unique(part):
        ys, probas, n_train, comp = [], [], [], []
        classes = None
        for s in np.unique(sess[part == p]):
            tr, te = (part == p) & (sess != s), (part == p) & (sess == s)
            clf = EmgGestureClassifier(sfreq=MYO_SFREQ).fit(X[tr], y[tr])
            classes = clf.classes_
            probas.append(clf.predict_proba(X[te]))
            ys.append(y[te])
            n_train.append(int(tr.sum()))
            comp.append(time_per_decision_ms(clf.predict_proba, X[te], n_max=4))
        m = classification_metrics(np.concatenate(ys), np.concatenate(probas), np.asarray(classes),
                                   decision_time_s=window)
        m["compute_ms"] = float(np.mean(comp))
        rows.append(subject_row(str(p), m, n_train=int(np.mean(n_train)), n_test=int(sum(len(v) for v in ys)),
                                n_folds=len(ys), protocol="leave-one-session-out"))
    return rows


def _pattern_switch(split: str, root: Path, t0: float) -> dict[str, Any]:
    from ._myo_switch import press_switch_summary

    pattern = press_switch_summary(split, root, "pattern")
    amplitude = press_switch_summary(split, root, "amplitude")
    rows = []
    for part, f in pattern["participants"].items():
        row = subject_row(part, {"accuracy": f["detection_rate"]}, n_train=0, n_test=f["fist_episodes"], n_folds=1,
                          protocol="calibrated on session 1, tested on sessions 2-3")
        row.update(f)
        row["amplitude_false_per_min"] = amplitude["participants"][part]["false_per_min"]
        rows.append(row)
    res = make_result(
        dataset="myo_emg", split=split, method="pattern_switch", window_s=0.2, n_classes=2,
        protocol="fist vs rest and the six other gestures; within participant: calibrated on session 1 (rest, fist "
                 "and other-gesture episodes), tested on sessions 2-3",
        rows=rows, elapsed_s=time.perf_counter() - t0,
    )  # fmt: skip
    res["switch_summary"] = {"within": pattern["within"], "amplitude_within": amplitude["within"]}
    if "cross_participant" in pattern:
        res["switch_summary"]["cross_participant"] = pattern["cross_participant"]
        res["switch_summary"]["amplitude_cross_participant"] = amplitude["cross_participant"]
    return res


def evaluate(split: str, method: str, window: float | None, data_dir: str | Path | None) -> dict[str, Any]:
    """Evaluate ``method`` on myo_emg and return a ``bci-input-evaluation/1`` result.

    Parameters
    ----------
    split : {"dev", "eval"}
        Participants.
    method : {"switch", "pattern_switch", "gesture_lda"}
        What to evaluate (see the module docstring for the protocols).
    window : float | None
        Gesture window, s (default 0.2); ignored by ``switch``.
    data_dir : path-like | None
        The recordings folder.

    Returns
    -------
    dict
        For ``switch``, ``accuracy`` is the detection rate, ``decision_time_s`` the median decision
        latency; every row and the extra ``switch_summary`` hold ``false_activations_per_min``,
        ``median_onset_latency_s`` and the rest-file false activations. For ``pattern_switch``, ``accuracy``
        is the fist detection rate and ``switch_summary`` holds ``within``, ``amplitude_within`` (the amplitude
        switch, same protocol) and, on eval, ``cross_participant``: presses detected, false presses per minute of
        rest, of the other gestures and overall, and false long clenches.
    """
    from .._paths import default_data_dir

    check_option("method", method, METHODS)
    root = Path(data_dir) if data_dir is not None else default_data_dir()
    if root is None:
        raise ConfigError("No recordings folder: pass data_dir or set BCI_INPUT_DATA.")
    t0 = time.perf_counter()
    if method == "switch":
        rows, summary = _switch(split, root)
        res = make_result(
            dataset="myo_emg", split=split, method=method, window_s=0.0, n_classes=2,
            protocol="rest vs fist; per-session calibration on the first 20 s, scored on the last 40 s",
            rows=rows, options={"episodes_for_calibration": CAL_EPISODES}, elapsed_s=time.perf_counter() - t0,
        )  # fmt: skip
        res["switch_summary"] = summary
        return res
    if method == "pattern_switch":
        return _pattern_switch(split, root, t0)
    w = float(window or DEFAULT_WINDOW)
    rows = _gestures(split, root, w)
    return make_result(
        dataset="myo_emg", split=split, method=method, window_s=w, n_classes=8,
        protocol="within-participant leave-one-session-out, 8 classes", rows=rows,
        elapsed_s=time.perf_counter() - t0,
    )  # fmt: skip
