"""Short simulated calibration sessions: fit the P300 decoder and the EMG switches on the participant."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._types import Chunk
from ..speller import grid_groups
from ._fast_trca import GrowingWindowTRCA

__all__ = ["calibrate_p300", "calibrate_ssvep", "calibrate_switches", "calibrate_idle", "engine_lengths_s", "record",
           "ssvep_evidence"]

log = logging.getLogger(__name__)


def record(part: Any, seconds: float) -> Chunk:
    """Read ``seconds`` of data from the participant."""
    chunks = []
    n = 0
    target = int(round(seconds * part.sfreq))
    while n < target:
        c = part.read(timeout=1.0)
        if c is not None and c.n_times:
            chunks.append(c)
            n += c.n_times
    return Chunk.concatenate(chunks)


def calibrate_p300(part: Any, cfg: Any, *, n_targets: int = 10, n_reps: int = 5, n_candidates: int = 40,
                   columns: int = 8, line_freq: float | None = 50.0) -> Any:
    """Run a simulated P300 calibration (attend a cued target while rows and columns flash); fit a decoder.

    Parameters
    ----------
    part : SimulatedParticipant
        The participant (started).
    cfg : EngineConfig
        Flash timing (``soa_s``, ``epoch_s``).
    n_targets, n_reps : int
        Cued targets, and repetitions of every flash group per target.

    Returns
    -------
    P300Decoder
        Fitted, with ``score_stats_`` for :func:`~bci_input.decoding.flash_log_likelihoods`.
    """
    from ..decoding import P300Decoder
    from ..stream import Pipeline, live_processors

    rng = np.random.default_rng(12345)
    groups = grid_groups(n_candidates, columns)
    filt = Pipeline(live_processors("p300", part.sfreq, line_freq))  # the live chain
    soa = int(round(cfg.soa_s * part.sfreq))
    n_ep = int(round(cfg.epoch_s * part.sfreq))
    data: list[NDArray[np.float32]] = []
    n_have = 0
    onsets: list[tuple[int, int]] = []
    for _ in range(n_targets):
        k = int(rng.integers(n_candidates))
        part.attend(f"cal:{k}")
        for _rep in range(n_reps):
            for g in rng.permutation(len(groups)):
                onsets.append((n_have, int(k in groups[g])))
                n_have += _flash(part, filt, [f"cal:{i}" for i in groups[g]], soa, data)
    tail = record(part, cfg.epoch_s + 0.2)
    data.append(filt.process(tail).data)
    part.attend(None)
    sig = np.concatenate(data)[:, part.eeg_picks]
    X = np.stack([sig[o : o + n_ep] for o, _ in onsets if o + n_ep <= len(sig)])
    y = np.array([lab for o, lab in onsets if o + n_ep <= len(sig)])
    dec = P300Decoder(sfreq=part.sfreq).fit(X, y)
    log.info("P300 calibration: %d epochs, score stats %s", len(X), np.round(dec.score_stats_, 2))
    return dec


def _flash(part: Any, filt: Any, targets: list[str], soa: int, data: list[NDArray[np.float32]]) -> int:
    """Flash ``targets``, read one stimulus-onset asynchrony of signal through ``filt`` into ``data``; samples read."""
    part.on_stimulus({"type": "flash", "targets": targets})
    got = 0
    while got < soa:
        c = part.read(timeout=1.0)
        if c is None or not c.n_times:
            continue
        x = filt.process(c).data
        data.append(x)
        got += len(x)
    return got


def calibrate_switches(part: Any) -> list[Any]:
    """Calibrate one EMG switch per EMG channel of the participant: rest, then a held clench on each."""
    from ..decoding import EmgSwitch

    rest = record(part, 3.0).data
    out = []
    for sw, ch in enumerate(part.emg_picks):
        part.press("long_clench", sw)
        active = record(part, 1.5).data[: int(1.3 * part.sfreq)]
        out.append(EmgSwitch(sfreq=part.sfreq, channels=(int(ch),)).calibrate(rest, active))
    record(part, 1.0)
    return out


def calibrate_ssvep(part: Any, cfg: Any, *, n_blocks: int = 4, n_targets: int = 40,
                    line_freq: float | None = 50.0) -> GrowingWindowTRCA:
    """Run a simulated SSVEP calibration (each JFPM target cued ``n_blocks`` times) and fit ensemble TRCA.

    Parameters
    ----------
    part : SimulatedParticipant
        The participant (started).
    cfg : EngineConfig
        Window timing (``latency_s``, ``min_window_s``, ``step_s``, ``max_window_s``).

    Returns
    -------
    GrowingWindowTRCA
        Ensemble-TRCA decoder over the 40 JFPM codes, calibrated for every window length the engine uses.
    """
    from ..speller import Layout, Target, jfpm_code
    from ..stream import Pipeline, live_processors

    codes = [jfpm_code(i) for i in range(n_targets)]
    layout = Layout("ssvep", tuple(Target(f"cal:{i}", str(i), "char", str(i), f, ph) for i, (f, ph) in
                                   enumerate(codes)), np.ones(n_targets))
    filt = Pipeline(live_processors("ssvep", part.sfreq, line_freq))  # the live chain
    rng = np.random.default_rng(4321)
    X, y = [], []
    for _ in range(n_blocks):
        for k in rng.permutation(n_targets):
            X.append(_cued_window(part, filt, layout, int(k), cfg, part.eeg_picks))
            y.append(int(k))
    Xa, ya = np.stack(X), np.array(y)
    freqs = [f for f, _ in codes]
    lengths = []
    length = cfg.min_window_s
    while length <= cfg.max_window_s + 1e-9:
        lengths.append(int(round(length * part.sfreq)))
        length += cfg.step_s
    dec = GrowingWindowTRCA(part.sfreq, freqs, lengths).fit(Xa.astype(np.float64), ya)
    log.info("SSVEP calibration: out-of-fold accuracy by window %s", dec.oof_accuracy_)
    return dec


def engine_lengths_s(cfg: Any) -> list[float]:
    """Return the SSVEP window lengths the engine decides on, s (``min_window_s`` by ``step_s`` up to the max)."""
    out, k = [], 0
    while cfg.min_window_s + k * cfg.step_s <= cfg.max_window_s + 1e-9:
        out.append(round(cfg.min_window_s + k * cfg.step_s, 6))
        k += 1
    return out


def calibrate_idle(part: Any, paradigm: str, decoder: Any, cfg: Any, *, seconds: float = 60.0,
                   operating_point: float | None = None, line_freq: float | None = 50.0) -> Any:
    """Record a rest block (the participant looks at nothing) and fit the paradigm's idle detector.

    SSVEP: rest windows of every engine window length through the decoder; P300: flashes the participant
    does not attend, scored by the decoder. Returns ``None`` for scanning or a per-layout decoder factory.

    Parameters
    ----------
    part : SimulatedParticipant
        The participant (started).
    paradigm : str
        ``'ssvep'``, ``'p300'`` or ``'scan'``.
    decoder : estimator | callable | None
        The calibrated decoder.
    cfg : EngineConfig
        Window and flash timing.
    seconds : float
        Length of the rest block, s.
    operating_point : float | None
        Default: :data:`~bci_input.decoding._idle.DEFAULT_OPERATING_POINT`.
    line_freq : float | None
        Mains frequency the live chain notches (``None``: none).

    Returns
    -------
    IdleDetector | None
    """
    from ..decoding._idle import DEFAULT_OPERATING_POINT, fit_p300_idle, fit_ssvep_idle
    from ..stream import Pipeline, live_processors

    op = DEFAULT_OPERATING_POINT.get(paradigm, 0.0) if operating_point is None else operating_point
    part.attend(None)
    if paradigm == "ssvep" and hasattr(decoder, "predict_proba"):
        filt = Pipeline(live_processors("ssvep", part.sfreq, line_freq))  # the live chain
        x = filt.process(record(part, seconds + 1.0)).data[int(part.sfreq):, part.decoder_picks]
        cued, labels = _cued_ssvep_trials(part, cfg, n_trials=40, seed=8642, line_freq=line_freq)
        return fit_ssvep_idle(decoder, x, cued, labels, part.sfreq, engine_lengths_s(cfg), operating_point=op)
    if paradigm == "p300" and decoder is not None:
        groups = grid_groups(40, 8)
        filt = Pipeline(live_processors("p300", part.sfreq, line_freq))
        rng = np.random.default_rng(2468)
        soa = int(round(cfg.soa_s * part.sfreq))
        n_ep = int(round(cfg.epoch_s * part.sfreq))
        data: list[NDArray[np.float32]] = []
        onsets, n_have = [], 0
        while n_have < seconds * part.sfreq:
            for g in rng.permutation(len(groups)):
                onsets.append(n_have)
                n_have += _flash(part, filt, [f"cal:{i}" for i in groups[g]], soa, data)
        data.append(filt.process(record(part, cfg.epoch_s + 0.2)).data)
        sig = np.concatenate(data)[:, part.decoder_picks]
        X = np.stack([sig[o : o + n_ep] for o in onsets if o + n_ep <= len(sig)])
        return fit_p300_idle(np.ravel(decoder.decision_function(X)), operating_point=op)
    return None


def ssvep_evidence(part: Any, decoder: Any, cfg: Any, *, n_trials: int = 120, rest_s: float = 120.0,
                   line_freq: float | None = 50.0) -> dict[str, float]:
    """Measure how much a calibrated SSVEP decoder's scores say on this participant, for the benchmarks' texts.

    Parameters
    ----------
    part : SimulatedParticipant
        The participant (started).
    decoder : estimator
        A fitted SSVEP decoder of the 40-target JFPM layout.
    cfg : EngineConfig
        Window timing.
    n_trials : int
        Cued trials (random targets of 40).
    rest_s : float
        Seconds of looking at nothing, cut into windows every 0.5 s.
    line_freq : float | None
        Mains frequency the live chain notches.

    Returns
    -------
    dict
        ``acc_2s``, ``acc_4s``: accuracy over 40 targets of 2 s and 4 s windows; ``own_z_2s``: the median score of
        the attended target at 2 s, in standard deviations of rest scores above their mean; ``rest_max_z_p50``,
        ``rest_max_z_p99``: the median and 99th percentile of the largest of the 40 scores of a 2 s rest window,
        in the same units.
    """
    from ..decoding._idle import ssvep_scores
    from ..stream import Pipeline, live_processors

    part.attend(None)
    filt = Pipeline(live_processors("ssvep", part.sfreq, line_freq))
    x = filt.process(record(part, rest_s + 1.0)).data[int(part.sfreq):, part.decoder_picks]
    cued, labels = _cued_ssvep_trials(part, cfg, n_trials=n_trials, seed=9753, line_freq=line_freq)
    scores = {length: ssvep_scores(decoder, cued[:, : int(round(length * part.sfreq))]) for length in (2.0, 4.0)}
    out = {f"acc_{length:g}s": float(np.mean(np.argmax(s, axis=1) == labels)) for length, s in scores.items()}
    n = int(round(2.0 * part.sfreq))
    step = int(round(0.5 * part.sfreq))
    rest = ssvep_scores(decoder, np.stack([x[o:o + n] for o in range(0, len(x) - n + 1, step)]))
    mu, sd = float(rest.mean()), float(rest.std())
    own = scores[2.0][np.arange(len(labels)), labels]
    out["own_z_2s"] = float(np.median((own - mu) / sd))
    top = (rest.max(axis=1) - mu) / sd
    out["rest_max_z_p50"], out["rest_max_z_p99"] = float(np.percentile(top, 50)), float(np.percentile(top, 99))
    return out


def _cued_window(part: Any, filt: Any, layout: Any, k: int, cfg: Any, picks: Any) -> NDArray[np.float32]:
    """Cue target ``k`` of ``layout`` for the longest engine window; return it from onset + latency, then rest."""
    a = int(round(cfg.latency_s * part.sfreq))
    n_win = int(round((cfg.latency_s + cfg.max_window_s) * part.sfreq))
    part.attend(f"cal:{k}")
    part.on_stimulus({"type": "ssvep_on", "layout": layout})
    c = filt.process(record(part, cfg.latency_s + cfg.max_window_s + 0.01))
    part.on_stimulus({"type": "ssvep_off"})
    part.attend(None)
    filt.process(record(part, cfg.gaze_s))
    return c.data[a:n_win, picks]


def _cued_ssvep_trials(
    part: Any, cfg: Any, *, n_trials: int, seed: int, line_freq: float | None
) -> tuple[NDArray[np.float64], NDArray[Any]]:
    """Record ``n_trials`` cued JFPM trials (random targets of 40); return windows from onset + latency and labels."""
    from ..speller import Layout, Target, jfpm_code
    from ..stream import Pipeline, live_processors

    codes = [jfpm_code(i) for i in range(40)]
    layout = Layout("ssvep", tuple(Target(f"cal:{i}", str(i), "char", str(i), f, ph) for i, (f, ph) in
                                   enumerate(codes)), np.ones(40))
    filt = Pipeline(live_processors("ssvep", part.sfreq, line_freq))
    filt.process(record(part, 1.0))
    rng = np.random.default_rng(seed)
    X, y = [], []
    for k in rng.integers(0, 40, n_trials):
        X.append(_cued_window(part, filt, layout, int(k), cfg, part.decoder_picks))
        y.append(int(k))
    return np.stack(X).astype(np.float64), np.array(y)
