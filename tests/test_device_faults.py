"""Device faults on the real BrainFlow synthetic board: decoding pauses on garbage and resumes afterwards.

The simulated participant rides along on the synthetic board (it adds an SSVEP response to the board's
samples) and :class:`FaultInjectingSource` injects the faults on a schedule counted in samples.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest

from bci_input.engine import Engine, EngineCallbacks
from bci_input.faults import Fault, FaultInjectingSource
from bci_input.simulation import SimulatedParticipant
from bci_input.speller import Layout, Target, jfpm_code
from bci_input.stream import BandPass

pytestmark = pytest.mark.slow


def _layout(n=4):
    # Frequencies off the synthetic board's own sines (5 Hz multiples): 8.6, 10.6, 12.6, 14.6 Hz.
    targets = tuple(Target(f"t{i}", str(i), "char", str(i), *jfpm_code(i * 10 + 3)) for i in range(n))
    return Layout("ssvep", targets, np.ones(n))


def _session(faults):
    from bci_input.hardware import open_source

    board = open_source(board="synthetic")
    part = SimulatedParticipant(snr=0.8, seed=11, blink_rate=0.0, base=board)
    src = FaultInjectingSource(part, faults)
    intents, statuses = [], []
    eng = Engine(
        src,
        None,
        "ssvep",
        EngineCallbacks(on_intent=intents.append, on_stimulus=part.on_stimulus, on_status=statuses.append),
        processors=[BandPass(part.sfreq, 6.0, 45.0)],
        eeg_picks=part.decoder_picks,
    )
    eng.set_layout(_layout())
    part.attend("t2")
    return src, eng, intents, statuses


def test_nan_and_saturation_pause_decoding_and_it_resumes_clean():
    src, eng, intents, statuses = _session([Fault("nan", 1.0, 1.5), Fault("saturate", 3.0, 0.6)])
    t0 = None
    with src:
        while src.stream_time < 9.0:
            chunk = src.read(0.5)
            if chunk is None or not chunk.n_times:
                continue
            t0 = chunk.timestamps[0] if t0 is None else t0
            eng.feed(chunk)
    signal = [s for s in statuses if s.get("type") == "signal"]
    assert any(not s["ok"] and "NaN" in " ".join(s["faults"]) for s in signal)
    assert any(not s["ok"] and "saturated" in " ".join(s["faults"]) for s in signal)
    assert signal[-1]["ok"], "decoding must resume once the signal is clean"
    assert eng.n_fault_chunks > 0
    # No decision may rest on the faulty stretches (1.0-2.5 s and 3.0-3.6 s of stream time).
    for intent in intents:
        on, off = intent.onset - t0, intent.decided_at - t0
        assert not (on < 2.5 and off > 1.0), f"decision {on:.2f}-{off:.2f} s spans the NaN fault"
        assert not (on < 3.6 and off > 3.0), f"decision {on:.2f}-{off:.2f} s spans the saturation"
    # The filters were not poisoned: the signal after the faults is finite, and decoding works again.
    assert np.isfinite(eng.buffer.data[-100:]).all()
    late = [i for i in intents if i.decided_at - t0 > 3.6]
    assert late and late[-1].payload == "t2"


def test_disconnection_is_detected_reconnected_and_decoding_resumes():
    src, eng, intents, statuses = _session([Fault("disconnect", 1.0, failed_restarts=1)])
    recovered = threading.Event()
    resumed_intent = threading.Event()
    eng.callbacks.on_status = lambda s: (statuses.append(s), s.get("state") == "recovered" and recovered.set())
    eng.callbacks.on_intent = lambda i: (intents.append(i), recovered.is_set() and resumed_intent.set())
    eng.start()
    try:
        # Events the engine's own threads set; 120 s only guards a hang (the real board streams in real time).
        assert recovered.wait(120.0), f"no recovery; statuses: {statuses}"
        assert resumed_intent.wait(120.0), "no decision after the reconnection"
    finally:
        eng.stop(timeout=120.0)  # the join returns as soon as the threads end (a reconnect may be under way)
    states = [s.get("state") for s in statuses if s.get("type") == "device"]
    assert "stalled" in states and "reconnecting" in states and "recovered" in states
    assert states.index("stalled") < states.index("recovered")
    assert not eng.running


def test_timestamp_jump_is_logged_and_the_trial_spanning_it_is_discarded(caplog):
    src, eng, _, statuses = _session([])
    seen = {"jumped": False}
    decided = []  # (intent, whether the jump had already been fed to the engine)
    eng.callbacks.on_intent = lambda i: decided.append((i, seen["jumped"]))
    before = after = last = None
    with caplog.at_level("WARNING", logger="bci_input"), src:
        while src.stream_time < 10.0:
            if not src.faults and src.stream_time > 2.0 and eng.policy.onset is not None:
                # A trial is under way: make the next chunk's timestamps leap 5 s ahead.
                src.faults.append(Fault("time_jump", src.stream_time, jump_s=5.0))
            chunk = src.read(0.5)
            if chunk is None or not chunk.n_times:
                continue
            if last is not None and chunk.timestamps[0] - last > 1.0:
                before, after = last, float(chunk.timestamps[0])
                seen["jumped"] = True
            last = float(chunk.timestamps[-1])
            eng.feed(chunk)
    assert before is not None, "the injected jump never happened"
    assert eng.guard.n_gaps == 1
    assert any("Timestamp jump of +5" in r.getMessage() for r in caplog.records), caplog.text
    signal = [s for s in statuses if s.get("type") == "signal"]
    assert any("timestamp jump" in " ".join(s["faults"]) for s in signal)
    assert signal[-1]["ok"]
    # The trial under way when the jump arrived is discarded: every decision made after the jump
    # rests on a trial that started after it, never on samples from both sides.
    for intent, after_jump in decided:
        if after_jump:
            assert intent.onset >= after, f"a decision after the jump used the trial from {intent.onset:.2f} s"
    late = [i for i, _ in decided if i.onset >= after]
    assert late and late[-1].payload == "t2", "decoding must go on after the jump"
