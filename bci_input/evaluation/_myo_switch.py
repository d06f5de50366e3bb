"""Switch-level evaluation on myo_emg: presses detected, and false presses during rest and the other gestures.

Protocol (within participant, what the app's calibration records): each participant's session 1 is the
calibration recording (its rest, fist and other-gesture episodes); its sessions 2 and 3 are the test. On a test
session:

- the fist file ``7.txt`` is streamed through the switch from a fresh state; a fist episode (5 s) is detected when
  an event starts in [episode start - 0.25 s, episode end); events starting in its rest periods (the first 1 s after
  a fist is release time) are false presses;
- the rest file ``0.txt`` and the six other gestures' files ``1.txt`` ... ``6.txt`` (each 1 min, the gesture held
  5 s out of 10) are streamed whole: every event is a false press.

The cross-participant figure calibrates one switch on every dev session and tests it on every session of the
split (reported for eval only: on dev it would test on its own calibration data).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["SWITCH_KINDS", "make_press_switch", "score_press_session", "press_switch_summary", "match_fist_episodes",
           "FIST", "EARLY_S", "RELEASE_S"]

#: ``'pattern'``: :class:`~bci_input.decoding.EmgPatternSwitch`; ``'amplitude'``: ``EmgSwitch``.
SWITCH_KINDS = ("pattern", "amplitude")
#: The fist's label in myo_emg.
FIST = 7
#: An event this long before a fist episode still counts as its press, s.
EARLY_S = 0.25
#: The first second of rest after a fist is the hand opening: no false press is counted there, s.
RELEASE_S = 1.0


def match_fist_episodes(events: list[Any], episodes: list[tuple[int, int, int]], fs: float
                        ) -> tuple[int, list[tuple[Any, float]], list[Any], float]:
    """Match a fist file's switch events to its labelled episodes.

    Parameters
    ----------
    events : list of SwitchEvent
        The switch's events on the file.
    episodes : list of (start, stop, label)
        Sample ranges and labels (:func:`~bci_input.datasets.myo_episodes`).
    fs : float
        Sampling rate, Hz.

    Returns
    -------
    n_fists : int
        Fist episodes.
    presses : list of (SwitchEvent, float)
        For each detected fist, its first event and the episode's start, s.
    false : list of SwitchEvent
        Events inside rest episodes (after the release grace and before the next fist's early margin).
    rest_s : float
        Seconds of rest those false events were counted on.
    """
    n_fists = 0
    presses: list[tuple[Any, float]] = []
    false: list[Any] = []
    rest_s = 0.0
    for a, b, lab in episodes:
        ta, tb = a / fs, b / fs
        if lab == FIST:
            n_fists += 1
            inside = [e for e in events if ta - EARLY_S <= e.onset < tb]
            if inside:
                presses.append((inside[0], ta))
        else:
            grace = RELEASE_S if a > 0 else 0.0
            rest_s += max(0.0, tb - ta - grace - EARLY_S)
            false.extend(e for e in events if ta + grace <= e.onset < tb - EARLY_S)
    return n_fists, presses, false, rest_s


def make_press_switch(kind: str, sessions: list[Any]) -> Any:
    """Calibrate a switch of ``kind`` on ``sessions``.

    The pattern switch learns rest, fist and the other gestures; the amplitude switch rest and fist (it has no use
    for other movements).

    Parameters
    ----------
    kind : {"pattern", "amplitude"}
        Which switch.
    sessions : list of MyoSession
        Calibration sessions.

    Returns
    -------
    EmgPatternSwitch | EmgSwitch
    """
    from .._errors import check_option
    from ..datasets._myo_emg import MYO_SFREQ, myo_switch_segments
    from ..decoding import EmgPatternSwitch, EmgSwitch

    check_option("switch", kind, SWITCH_KINDS)
    rest, fist, other = myo_switch_segments(sessions, RELEASE_S)
    if kind == "pattern":
        return EmgPatternSwitch(sfreq=MYO_SFREQ).calibrate(rest, fist, other)
    settle = int(round(0.5 * MYO_SFREQ))
    return EmgSwitch(sfreq=MYO_SFREQ).calibrate(rest, [f[settle:] for f in fist])


def score_press_session(switch: Any, session: Any) -> dict[str, Any]:
    """Stream one session's files through a calibrated switch and count presses and false presses.

    Parameters
    ----------
    switch : EmgPatternSwitch | EmgSwitch
        Calibrated.
    session : MyoSession
        A test session.

    Returns
    -------
    dict
        ``fist_episodes``, ``detected``, ``onset_latencies_s``, ``false_rest`` / ``rest_minutes`` (fist file's
        rest periods and ``0.txt``), ``false_other`` / ``other_minutes`` (files 1-6), ``false_long`` (false
        long clenches, which pause the speller).
    """
    from ..datasets._myo_emg import MYO_SFREQ, myo_episodes, read_myo_file

    fs = MYO_SFREQ
    data, labels = read_myo_file(session.file(FIST))
    events = switch.process_array(data)
    n_ep, presses, bad, rest_s = match_fist_episodes(events, myo_episodes(labels), fs)
    det, lat = len(presses), [e.onset - ta for e, ta in presses]
    false_rest, false_long = len(bad), sum(e.kind == "long_clench" for e in bad)
    false_other, other_s = 0, 0.0
    for g in range(FIST):
        x, _ = read_myo_file(session.file(g))
        ev = switch.process_array(x)
        false_long += sum(e.kind == "long_clench" for e in ev)
        if g == 0:
            false_rest += len(ev)
            rest_s += len(x) / fs
        else:
            false_other += len(ev)
            other_s += len(x) / fs
    return {"fist_episodes": n_ep, "detected": det, "onset_latencies_s": lat, "false_rest": false_rest,
            "rest_minutes": rest_s / 60.0, "false_other": false_other, "other_minutes": other_s / 60.0,
            "false_long": false_long}


def _add(tot: dict[str, Any], r: dict[str, Any]) -> None:
    for k, v in r.items():
        tot[k] = tot.get(k, [] if isinstance(v, list) else 0) + v


def _figures(tot: dict[str, Any]) -> dict[str, Any]:
    minutes = tot["rest_minutes"] + tot["other_minutes"]
    lat = tot["onset_latencies_s"]
    return {
        "fist_episodes": tot["fist_episodes"],
        "detected": tot["detected"],
        "detection_rate": tot["detected"] / max(1, tot["fist_episodes"]),
        "false_per_min_rest": tot["false_rest"] / tot["rest_minutes"],
        "false_per_min_other_gestures": tot["false_other"] / tot["other_minutes"],
        "false_per_min": (tot["false_rest"] + tot["false_other"]) / minutes,
        "false_long_clenches": tot["false_long"],
        "minutes_without_press": minutes,
        "median_onset_latency_s": float(np.median(lat)) if lat else float("nan"),
    }


def press_switch_summary(split: str, data_dir: str | Path, kind: str = "pattern") -> dict[str, Any]:
    """Within-participant switch figures of a split (and, for eval, the cross-participant figure).

    Parameters
    ----------
    split : {"dev", "eval"}
        Participants.
    data_dir : path-like
        The recordings folder.
    kind : {"pattern", "amplitude"}
        Which switch.

    Returns
    -------
    dict
        ``participants`` (participant -> figures), ``within`` (pooled figures) and, for eval, ``cross_participant``
        (calibrated on every dev session). Figures: ``fist_episodes``, ``detected``, ``detection_rate``,
        ``false_per_min_rest``, ``false_per_min_other_gestures``, ``false_per_min``, ``false_long_clenches``,
        ``minutes_without_press``, ``median_onset_latency_s``.
    """
    from ..datasets._myo_emg import myo_sessions

    sessions = myo_sessions(data_dir, split)
    per: dict[str, Any] = {}
    within: dict[str, Any] = {}
    for part in sorted({s.participant for s in sessions}):
        own = sorted((s for s in sessions if s.participant == part), key=lambda s: s.session)
        switch = make_press_switch(kind, own[:1])
        tot: dict[str, Any] = {}
        for s in own[1:]:
            _add(tot, score_press_session(switch, s))
        per[part] = _figures(tot)
        _add(within, tot)
    out: dict[str, Any] = {"switch": kind, "participants": per, "within": _figures(within)}
    if split == "eval":
        switch = make_press_switch(kind, myo_sessions(data_dir, "dev"))
        cross: dict[str, Any] = {}
        for s in sessions:
            _add(cross, score_press_session(switch, s))
        out["cross_participant"] = _figures(cross)
    return out
