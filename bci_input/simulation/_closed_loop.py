"""Closed-loop simulation: participant -> engine -> speller -> document, on recorded (simulated) time."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from .._errors import check_option
from .._types import Intent, IntentKind, Source
from ..document import Document
from ..engine import Engine, EngineCallbacks, EngineConfig
from ..speller import Speller, SpellerLM
from ..stream import live_processors
from ._calib_sim import calibrate_idle, calibrate_p300, calibrate_ssvep, calibrate_switches, ssvep_evidence
from ._participant import DEFAULT_SNR, SimulatedParticipant, SubjectParams
from ._typist import Typist

__all__ = ["ClosedLoopResult", "run_closed_loop", "calibrate_decoder", "calibrate_idle_detector", "edit_distance",
           "wolpaw_itr", "measure_ssvep_evidence"]

log = logging.getLogger(__name__)


def edit_distance(a: str, b: str) -> int:
    """Return the Levenshtein distance between ``a`` and ``b``."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def wolpaw_itr(n: float, p: float, seconds_per_selection: float) -> float:
    """Return Wolpaw's information transfer rate in bits/min.

    Parameters
    ----------
    n : float
        Number of choices per selection.
    p : float
        Selection accuracy.
    seconds_per_selection : float
        Mean time per selection, s.
    """
    if n < 2 or seconds_per_selection <= 0:
        return 0.0
    p = min(max(p, 1e-9), 1.0)
    bits = math.log2(n) + p * math.log2(p)
    if p < 1.0:
        bits += (1 - p) * math.log2((1 - p) / (n - 1))
    return max(0.0, bits) * 60.0 / seconds_per_selection


@dataclass
class ClosedLoopResult:
    """Figures of one closed-loop run (all times are recorded time, not wall time)."""

    paradigm: str
    lm: str
    target: str
    final_text: str
    completed: bool
    duration_s: float
    chars_per_min: float
    words_per_min: float
    n_selections: int
    selection_accuracy: float
    itr_bits_per_min: float
    keystroke_savings: float
    n_corrections: int
    edit_distance: int
    snr: float
    seed: int
    lm_calls: int = 0
    lm_latency_mean_s: float = 0.0
    lm_time_charged_s: float = 0.0
    wall_s: float = 0.0
    #: Wall-clock work of the speller per intent (applying it, rebuilding the layout, prior, scan groups),
    #: language-model compute excluded (it runs on its own worker in the app): mean and 95th percentile, ms.
    speller_ms_mean: float = 0.0
    speller_ms_p95: float = 0.0
    #: The decoder's work on the deciding step, mean and 95th percentile, ms. SSVEP: class scores and
    #: probabilities of the deciding window; P300: the deciding flash's score, the candidates' likelihoods
    #: and the stopping rule. Scan: 0 (the switch's work is per sample chunk, not per decision).
    decoder_ms_mean: float = 0.0
    decoder_ms_p95: float = 0.0
    #: The no-control phase before writing: minutes the participant looked at nothing, the selections made
    #: meanwhile, and the trials that ended undecided and restarted (over the whole run).
    idle_minutes: float = 0.0
    idle_selections: int = 0
    false_selections_per_min: float = 0.0
    idle_text: str = ""
    idle_restarts: int = 0
    #: The idle detector's kind, operating point and engaged state (``None``: none, only the posterior threshold).
    idle_detector: dict[str, Any] | None = None
    #: ``'rendered'`` (synthetic signals) or ``'recorded'`` (real eval recordings), and what was recorded.
    signals: str = "rendered"
    recording: dict[str, Any] | None = None
    timeline: list[tuple[float, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Return the figures as a JSON-serialisable dict."""
        return asdict(self)


def _ms(seconds: list[float], stat: str) -> float:
    if not seconds:
        return 0.0
    return float(np.mean(seconds) if stat == "mean" else np.percentile(seconds, 95)) * 1000.0


def lm_charge(latencies: dict[str, float], cfg: EngineConfig) -> float:
    """Return the seconds a language model's compute time delays the next selection.

    The requests run one after another on the language worker: word, then phrase
    suggestions (the user must see them before the next trial starts, after the
    ``gaze_s`` pause), then the next-symbol prior (needed only at the first decision,
    ``latency_s + min_window_s`` into the trial, since the engine fuses with the
    newest prior at every step). Whatever is not ready in time delays the trial.

    Parameters
    ----------
    latencies : dict[str, float]
        Seconds per request kind (``complete_word``, ``complete_phrase``, ``next_symbols``).
    cfg : EngineConfig
        Timing of the engine.
    """
    visible = latencies.get("complete_word", 0.0) + latencies.get("complete_phrase", 0.0)
    total = visible + latencies.get("next_symbols", 0.0)
    return max(0.0, visible - cfg.gaze_s, total - (cfg.gaze_s + cfg.latency_s + cfg.min_window_s))


def _calibrate(part: Any, paradigm: str, cfg: EngineConfig, ssvep_decoder: str, blocks: int,
               line_freq: float | None) -> Any:
    if paradigm == "p300":
        return calibrate_p300(part, cfg, line_freq=line_freq)
    if paradigm == "ssvep" and ssvep_decoder == "trca":
        return calibrate_ssvep(part, cfg, n_blocks=blocks, line_freq=line_freq)
    if paradigm == "ssvep" and ssvep_decoder == "cca":
        return _fundamental_cca(part.sfreq, len(part.decoder_picks))
    return None


def _fundamental_cca(sfreq: float, n_channels: int) -> Any:
    """Return a factory of training-free CCA with the fundamental only (robust to harmonics of board sines)."""
    from ..decoding import CCA

    def factory(layout: Any) -> Any:
        freqs = [f if np.isfinite(f) else 8.0 for f in layout.freqs]
        return CCA(sfreq=sfreq, freqs=freqs, n_harmonics=1).fit_targets(n_channels)

    return factory


def _another_session(snr: float, seed: int, session: int) -> SimulatedParticipant:
    """Return participant ``seed`` in another session, started.

    The person is the one :func:`run_closed_loop` draws from ``subject_seed``; ``session`` offsets the noise seed.
    """
    part = SimulatedParticipant(snr=snr, seed=seed + session)
    part.subject = SubjectParams.draw(np.random.default_rng(seed + 1000))
    part.start()
    return part


def calibrate_decoder(paradigm: str, *, snr: float = DEFAULT_SNR, seed: int = 0, config: EngineConfig | None = None,
                      calibration_blocks: int = 4, line_freq: float | None = 50.0) -> Any:
    """Run the simulated calibration of participant ``seed`` once; pass the result to :func:`run_closed_loop`.

    ``line_freq`` is the mains frequency the live chain notches (as ``acquisition.line_freq``; ``None``: none).

    Returns
    -------
    estimator | None
        The fitted decoder (``None`` for scanning, which calibrates only its switches).
    """
    from threadpoolctl import threadpool_limits

    part = _another_session(snr, seed, 500)
    with threadpool_limits(limits=1):
        return _calibrate(part, paradigm, config or EngineConfig(), "trca", calibration_blocks, line_freq)


def calibrate_idle_detector(paradigm: str, decoder: Any, *, snr: float = DEFAULT_SNR, seed: int = 0,
                            config: EngineConfig | None = None, operating_point: float | None = None) -> Any:
    """Fit participant ``seed``'s idle detector once (rest and cued trials of another session of the same person).

    Returns
    -------
    IdleDetector | None
        ``None`` for scanning or a decoder built per layout.
    """
    from threadpoolctl import threadpool_limits

    part = _another_session(snr, seed, 600)
    with threadpool_limits(limits=1):
        return calibrate_idle(part, paradigm, decoder, config or EngineConfig(), operating_point=operating_point)


def measure_ssvep_evidence(decoder: Any, *, snr: float = DEFAULT_SNR, seed: int = 0,
                           config: EngineConfig | None = None) -> dict[str, float]:
    """Measure participant ``seed``'s SSVEP evidence with its calibrated decoder, in another session.

    See :func:`~bci_input.simulation._calib_sim.ssvep_evidence` for what is measured.
    """
    from threadpoolctl import threadpool_limits

    part = _another_session(snr, seed, 700)
    with threadpool_limits(limits=1):
        return ssvep_evidence(part, decoder, config or EngineConfig())


def run_closed_loop(*args: Any, **kwargs: Any) -> ClosedLoopResult:
    """Let a simulated participant write a text with the real engine, speller and document.

    See :func:`_run_closed_loop` for the parameters. BLAS runs single-threaded
    inside: the decoders' small matrix products are several times slower when
    threads fight over a busy machine.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return _run_closed_loop(*args, **kwargs)


def _run_closed_loop(  # noqa: C901 - one readable loop
    text: str,
    paradigm: str = "ssvep",
    *,
    language_model: Any | None = None,
    lm: SpellerLM | None = None,
    snr: float = DEFAULT_SNR,
    seed: int = 0,
    max_minutes: float = 10.0,
    config: EngineConfig | None = None,
    base_source: Source | None = None,
    realtime: bool = False,
    charge_lm_latency: bool = True,
    on_text: Callable[[float, str], None] | None = None,
    participant_kwargs: dict[str, Any] | None = None,
    ssvep_decoder: str = "trca",
    calibration_blocks: int = 4,
    decoder: Any = None,
    document: Document | None = None,
    subject_seed: int | None = None,
    line_freq: float | None = 50.0,
    idle: Any = "auto",
    idle_minutes: float = 0.0,
    idle_operating_point: float | None = None,
    idle_after_selection: bool = False,
    recorded: Any = None,
) -> ClosedLoopResult:
    """Let a simulated participant write ``text`` with the real engine, speller and document.

    Parameters
    ----------
    text : str
        The text to write, exactly: any characters of :data:`~bci_input.language.ALPHABET`
        (see :func:`~bci_input.speller.normalise_text`).
    paradigm : str
        ``'ssvep'``, ``'p300'`` or ``'scan'``.
    language_model : LanguageModel | None
        The prior and suggestions (``None``: uniform prior, no suggestions).
    lm : SpellerLM | None
        Reuse this cached model wrapper across runs (overrides ``language_model``).
    snr : float
        SSVEP SNR of the participant.
    seed : int
        Seed of everything random.
    max_minutes : float
        Stop after this much recorded time.
    config : EngineConfig | None
        Engine timing; default :class:`EngineConfig` (one-switch scanning).
    base_source : Source | None
        Ride along on this source (for example the BrainFlow synthetic board).
    realtime : bool
        Pace the simulation with the wall clock (the demo).
    charge_lm_latency : bool
        Delay the next trial by the language model's compute time that does not fit in the
        pause before it is needed (see :func:`lm_charge`), so a slow model is not free.
    on_text : callable(t, text) | None
        Called whenever the document text changes.
    document : Document | None
        Write into this document (for example one with an autosaver attached); default a new one.
    participant_kwargs : dict | None
        Extra arguments of :class:`SimulatedParticipant`.
    ssvep_decoder : str
        ``'trca'``: run a simulated calibration (40 targets x 4 blocks) and decode with ensemble
        TRCA; ``'fbcca'``: training-free filter-bank CCA; ``'cca'``: training-free CCA on the
        fundamental only (what the demo uses on the synthetic board, whose channels carry sines).
    calibration_blocks : int
        SSVEP calibration blocks (every target once per block; at least 2).
    decoder : estimator | None
        A decoder already calibrated for this participant (same ``seed``/``snr``; see
        :func:`calibrate_decoder`); skips the simulated calibration.
    subject_seed : int | None
        Draw the subject (SSVEP phases and amplitudes, P300) from this seed instead of ``seed``,
        so several runs with different noise share one person and one calibration.
    line_freq : float | None
        Mains frequency the live chain notches (``acquisition.line_freq``; the participant's mains is 50 Hz);
        ``None``: no notch.
    idle : IdleDetector | 'auto' | None
        The no-control detector. ``'auto'``: after the decoder's calibration the participant rests for a
        minute and the detector is fitted on it (SSVEP with a calibrated decoder, P300); ``None``: none.
    idle_minutes : float
        Before writing, the participant looks at nothing for this long (``text`` may then be empty);
        the selections made meanwhile are reported as ``idle_selections``.
    idle_operating_point : float | None
        Operating point of an ``'auto'`` detector, or a replacement for a given detector's.
    idle_after_selection : bool
        The participant looks away right after a selection (the engine starts the looking-at-nothing phase
        engaged, as it is after a selection) instead of after a quiet spell.
    recorded : RecordedSetup | None
        Drive the engine with real recordings (see :func:`~bci_input.simulation.recorded_setup`): its participant,
        decoder, switches, filter chain, engine timing and idle detector replace the rendered ones.

    Returns
    -------
    ClosedLoopResult
    """
    import time as _time

    check_option("paradigm", paradigm, ("ssvep", "p300", "scan"))
    check_option("ssvep_decoder", ssvep_decoder, ("trca", "fbcca", "cca"))
    wall0 = _time.perf_counter()
    cfg = config or EngineConfig()
    rng = np.random.default_rng(seed + 7)
    part: Any
    if recorded is not None:
        part, decoder, cfg = recorded.participant, recorded.decoder, recorded.config
        if isinstance(idle, str):
            idle = recorded.idle
    else:
        part = SimulatedParticipant(snr=snr, seed=seed, base=base_source, realtime=realtime,
                                    **(participant_kwargs or {}))
        if subject_seed is not None:
            part.subject = SubjectParams.draw(np.random.default_rng(subject_seed + 1000))
    part.start()
    try:
        if decoder is None and recorded is None:
            decoder = _calibrate(part, paradigm, cfg, ssvep_decoder, calibration_blocks, line_freq)
        if isinstance(idle, str):
            check_option("idle", idle, ("auto",))
            idle = calibrate_idle(part, paradigm, decoder, cfg, operating_point=idle_operating_point,
                                  line_freq=line_freq)
        elif idle is not None and idle_operating_point is not None:
            idle = idle.with_operating_point(idle_operating_point)
        if recorded is not None:
            switches, processors = list(recorded.switches), list(recorded.processors)
        else:
            switches = calibrate_switches(part)
            processors = live_processors(paradigm, part.sfreq, line_freq)
        spl_lm = lm if lm is not None else SpellerLM(language_model)
        doc = document if document is not None else Document()
        typist = Typist(text, part, rng, use_suggestions=spl_lm.model is not None,
                        undo_gesture=paradigm == "scan", switch_preset=cfg.switch_preset)
        resting = [idle_minutes > 0]  # the participant looks at nothing: the typist does not act
        stats: dict[str, Any] = {"idle_sel": 0, "sel": 0, "ok": 0, "corr": 0, "commits": 0, "n_targets": [],
                                 "lm_charged": 0.0, "typist_s": 0.0, "speller_s": [], "decoder_s": []}
        timeline: list[tuple[float, str]] = []
        engine_box: list[Engine] = []

        def on_layout(layout: Any) -> None:
            if engine_box:
                engine_box[0].set_layout(layout)
            if resting[0]:
                return
            t0 = _time.perf_counter()
            typist.plan(layout, doc.text, doc.revision)
            stats["typist_s"] += _time.perf_counter() - t0

        speller = Speller(doc, None, paradigm, lm=spl_lm, on_layout=on_layout)

        def on_intent(intent: Intent) -> None:
            desired = typist.desired
            if resting[0] and intent.kind == IntentKind.SELECT:
                stats["idle_sel"] += 1
                log.info("selection while looking at nothing: %r at %.1f s", intent.payload, intent.decided_at)
            elif intent.kind == IntentKind.SELECT:
                stats["sel"] += 1
                payload = intent.payload
                hit = desired in payload if isinstance(payload, tuple) else payload == desired
                stats["ok"] += int(bool(hit))
                lay = engine.layout
                stats["n_targets"].append(len(lay.groups) if paradigm == "scan" and lay and lay.groups
                                          else (lay.n_targets if lay else 0))
            before = doc.text
            if paradigm in ("ssvep", "p300") and intent.kind == IntentKind.SELECT:
                stats["decoder_s"].append(engine.decoder_latency)
            t0, typist0, lm0 = _time.perf_counter(), stats["typist_s"], sum(spl_lm.latencies)
            actions = speller.handle(intent)
            work = _time.perf_counter() - t0 - (stats["typist_s"] - typist0) - (sum(spl_lm.latencies) - lm0)
            stats["speller_s"].append(max(0.0, work))
            if intent.kind == IntentKind.SELECT and actions and actions != ["scan_descend"]:
                stats["commits"] += 1
            if any(a in ("delete_char", "delete_word", "undo") for a in actions):
                stats["corr"] += 1
            if doc.text != before:
                typist.last_text_before = before
                timeline.append((intent.decided_at, doc.text))
                if on_text is not None:
                    on_text(intent.decided_at, doc.text)
            if charge_lm_latency and speller.last_lm_latency > 0:
                charge = lm_charge(speller.last_lm_latencies, cfg)
                if charge > 0:
                    engine.policy.next_at = max(engine.policy.next_at, intent.decided_at + cfg.gaze_s + charge)
                    stats["lm_charged"] += charge
                speller.last_lm_latency = 0.0
                speller.last_lm_latencies = {}
            if not actions and not resting[0]:  # nothing changed: plan again on the same layout
                typist.plan(speller.layout, doc.text, doc.revision)

        def on_stimulus(event: dict[str, Any]) -> None:
            part.on_stimulus(event)
            if not resting[0]:
                typist.on_stimulus(event)

        engine = Engine(part, decoder, paradigm, EngineCallbacks(on_intent, on_stimulus), config=cfg,
                        processors=processors, switches=switches, eeg_picks=part.decoder_picks, seed=seed,
                        idle=idle)
        if recorded is not None and recorded.buffer is not None:
            engine.buffer = recorded.buffer  # the recorded participant serves each flash's whole epoch
        engine_box.append(engine)
        idle_text = doc.text
        if resting[0]:
            part.attend(None)
            engine.set_layout(speller.layout)
            if idle_after_selection:
                engine.policy.last_selection = part.now
            t_rest_end = part.now + idle_minutes * 60.0
            while part.now < t_rest_end:
                chunk = part.read(timeout=1.0)
                if chunk is not None and chunk.n_times:
                    engine.feed(chunk)
            resting[0] = False
            idle_text = doc.text
        t_begin = part.now
        on_layout(speller.layout)
        limit = t_begin + max_minutes * 60.0
        while text and not typist.done(doc.text) and part.now < limit:
            chunk = part.read(timeout=1.0)
            if chunk is not None and chunk.n_times:
                engine.feed(chunk)
                typist.tick(doc.text)
        duration = max(part.now - t_begin, 1e-9)
    finally:
        part.stop()
    final = doc.text
    dist = edit_distance(final, text)
    minutes = duration / 60.0
    correct = max(0, len(text) - dist)
    n_sel = stats["sel"]
    acc = stats["ok"] / n_sel if n_sel else 0.0
    n_mean = float(np.mean(stats["n_targets"])) if stats["n_targets"] else 0.0
    lat = spl_lm.latencies
    return ClosedLoopResult(
        paradigm=paradigm + (f" ({cfg.switch_preset})" if paradigm == "scan" else ""),
        lm=spl_lm.name,
        target=text,
        final_text=final,
        completed=final == text,
        duration_s=duration,
        chars_per_min=correct / minutes,
        words_per_min=correct / 5.0 / minutes,
        n_selections=n_sel,
        selection_accuracy=acc,
        itr_bits_per_min=wolpaw_itr(n_mean, acc, duration / n_sel) if n_sel else 0.0,
        keystroke_savings=1.0 - stats["commits"] / max(1, len(text)),
        n_corrections=stats["corr"],
        edit_distance=dist,
        snr=snr,
        seed=seed,
        lm_calls=spl_lm.n_calls,
        lm_latency_mean_s=float(np.mean(lat)) if lat else 0.0,
        lm_time_charged_s=stats["lm_charged"],
        wall_s=_time.perf_counter() - wall0,
        speller_ms_mean=_ms(stats["speller_s"], "mean"),
        speller_ms_p95=_ms(stats["speller_s"], "p95"),
        decoder_ms_mean=_ms(stats["decoder_s"], "mean"),
        decoder_ms_p95=_ms(stats["decoder_s"], "p95"),
        idle_minutes=float(idle_minutes),
        idle_selections=int(stats["idle_sel"]),
        false_selections_per_min=stats["idle_sel"] / idle_minutes if idle_minutes > 0 else 0.0,
        idle_text=idle_text,
        idle_restarts=int(engine.n_idle_restarts),
        idle_detector=None if idle is None else {"kind": idle.kind, "operating_point": idle.operating_point,
                                                 "engaged_s": idle.engaged_s, "engaged_point": idle.engaged_point},
        signals="rendered" if recorded is None else "recorded",
        recording=None if recorded is None else {**recorded.description, **part.served()},
        timeline=timeline,
    )
