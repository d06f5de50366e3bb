from __future__ import annotations

import threading

import numpy as np
import pytest

from bci_input._errors import ConfigError
from bci_input._types import IntentKind, Source, StreamInfo
from bci_input.engine import Engine, EngineCallbacks, EngineConfig
from bci_input.simulation import SimulatedParticipant
from bci_input.speller import Layout, Target, jfpm_code
from bci_input.stream import BandPass

#: Seconds a test waits for an event before calling it a hang; never what decides pass or fail.
HANG_GUARD_S = 60.0


def _layout(n=4, paradigm="ssvep", groups=None):
    targets = tuple(Target(f"t{i}", str(i), "char", str(i), *jfpm_code(i * 10)) for i in range(n))
    return Layout(paradigm, targets, np.ones(n), groups=groups)


def _run(engine, part, seconds):
    while part.now < seconds:
        engine.feed(part.read())


def test_ssvep_engine_selects_the_attended_target():
    part = SimulatedParticipant(snr=0.8, seed=11, blink_rate=0.0)
    intents, events = [], []

    def on_stim(ev):
        events.append(ev)
        part.on_stimulus(ev)

    eng = Engine(part, None, "ssvep", EngineCallbacks(intents.append, on_stim),
                 processors=[BandPass(part.sfreq, 6.0, 45.0)], eeg_picks=part.eeg_picks)
    eng.set_layout(_layout())
    part.attend("t2")
    _run(eng, part, 6.0)
    sel = [i for i in intents if i.kind == IntentKind.SELECT]
    assert sel and sel[0].payload == "t2"
    assert sel[0].decided_at > sel[0].onset and 0.0 < sel[0].confidence <= 1.0
    assert events[0]["type"] == "ssvep_on" and any(e["type"] == "ssvep_off" for e in events)


class _FixedLikelihood:
    """A decoder whose evidence is known: every window favours target 1 two to one."""

    classes_ = np.arange(4)

    def predict_proba(self, X):
        return np.tile([0.2, 0.4, 0.2, 0.2], (len(X), 1))


def test_prior_times_likelihood_decides_earlier_with_a_confident_prior():
    def run(prior, forced=True):
        part = SimulatedParticipant(seed=12)
        intents, statuses = [], []
        cfg = EngineConfig(stopping_threshold=0.9, max_window_s=3.0, forced_decision=forced)
        eng = Engine(part, _FixedLikelihood(), "ssvep", EngineCallbacks(intents.append, part.on_stimulus,
                                                                        statuses.append),
                     config=cfg, eeg_picks=part.eeg_picks)
        eng.set_layout(Layout("ssvep", _layout().targets, prior))
        while not intents and part.now < 20:
            eng.feed(part.read())
        return intents[0] if intents else statuses

    # The no-control state (the default): posterior 0.4 < 0.9 never selects; each trial restarts at 3 s.
    statuses = run([0.25, 0.25, 0.25, 0.25], forced=False)
    assert sum(st.get("state") == "waiting" for st in statuses) >= 5
    flat = run([0.25, 0.25, 0.25, 0.25])  # the old behaviour, kept for comparisons: the best at the longest window
    assert flat.payload == "t1" and flat.extra["window_s"] == pytest.approx(3.0)
    np.testing.assert_allclose(flat.extra["posterior"], [0.2, 0.4, 0.2, 0.2])
    sure = run([0.05, 0.85, 0.05, 0.05])  # 0.85*0.4 / (0.34 + 3*0.05*0.2) = 0.919 >= 0.9 at once
    assert sure.payload == "t1" and sure.extra["window_s"] == pytest.approx(0.5)
    assert sure.confidence == pytest.approx(0.34 / 0.37)


def test_pause_stops_stimuli_and_resume_restarts():
    part = SimulatedParticipant(seed=13)
    events = []
    eng = Engine(part, None, "ssvep", EngineCallbacks(on_stimulus=events.append), eeg_picks=part.eeg_picks)
    eng.set_layout(_layout())
    eng.pause()
    _run(eng, part, 2.0)
    assert events == []
    eng.resume()
    _run(eng, part, 3.0)
    assert events and events[0]["type"] == "ssvep_on"


def test_scan_highlights_follow_source_time():
    part = SimulatedParticipant(seed=14)
    events = []
    cfg = EngineConfig(scan_step_s=0.5)
    eng = Engine(part, None, "scan", EngineCallbacks(on_stimulus=events.append), config=cfg)
    eng.set_layout(_layout(paradigm="scan", groups=((0, 1), (2,), (3,))))
    _run(eng, part, 3.0)
    hl = [e for e in events if e["type"] == "highlight"]
    assert [e["index"] for e in hl[:5]] == [0, 1, 2, 0, 1]
    np.testing.assert_allclose(np.diff([e["t"] for e in hl[:5]]), 0.5, atol=0.13)


def test_double_clench_is_an_undo_in_any_paradigm():
    from bci_input.simulation._calib_sim import calibrate_switches

    part = SimulatedParticipant(seed=15)
    switches = calibrate_switches(part)
    intents = []
    eng = Engine(part, None, "ssvep", EngineCallbacks(intents.append), switches=switches, eeg_picks=part.eeg_picks)
    eng.pause()
    part.press("double_clench", 0)
    _run(eng, part, part.now + 2.0)
    assert [i.kind for i in intents] == [IntentKind.UNDO]


def test_layout_paradigm_must_match():
    part = SimulatedParticipant()
    eng = Engine(part, None, "ssvep")
    with pytest.raises(ConfigError):
        eng.set_layout(_layout(paradigm="scan", groups=((0,),)))
    with pytest.raises(ConfigError):
        Engine(part, None, "p300")  # needs a fitted decoder


class _Broken(Source):
    info = StreamInfo(("Oz",), ("eeg",), 256.0)

    def start(self):
        pass

    def stop(self):
        pass

    def insert_marker(self, code):
        pass

    def read(self, timeout=0.1):
        raise RuntimeError("cable pulled")


def test_worker_exception_reaches_on_error_and_thread_stops():
    got = threading.Event()
    errors = []

    def on_error(msg):
        errors.append(msg)
        got.set()

    eng = Engine(_Broken(), None, "ssvep", EngineCallbacks(on_error=on_error))
    eng.start(start_source=False)
    assert got.wait(HANG_GUARD_S)
    eng.stop(timeout=HANG_GUARD_S)  # the join returns as soon as the thread ends
    assert not eng.running
    assert "cable pulled" in errors[0]


class _Lockstep(Source):
    """The simulated participant handed out one chunk at a time: the next chunk is rendered only once the
    engine thread has finished the previous one (:meth:`consumed`).

    A free-running participant renders data as fast as the acquisition thread can ask, so how far it runs ahead
    of the engine (and so where the stimulus response lands, and whether the ring buffer overflows) depends on
    thread scheduling. In lockstep the engine thread sees exactly the chunks, markers and stimulus responses of
    a run fed on the caller's thread, whatever the machine's load.
    """

    def __init__(self, part: SimulatedParticipant) -> None:
        self.part = part
        self.info = part.info
        self._cv = threading.Condition()
        self.produced = 0
        self._consumed = 0

    def start(self):
        self.part.start()

    def stop(self):
        self.part.stop()

    def insert_marker(self, code):
        self.part.insert_marker(code)

    def consumed(self, n_times: int) -> None:
        with self._cv:
            self._consumed += n_times
            self._cv.notify_all()

    def read(self, timeout=0.1):
        with self._cv:  # like a device with nothing new yet: wait up to `timeout`, then report no data
            if not self._cv.wait_for(lambda: self._consumed >= self.produced, timeout):
                return None
            chunk = self.part.read(0.0)
            self.produced += chunk.n_times
            return chunk


class _LockstepEngine(Engine):
    """The real engine; it tells its lockstep source when a chunk is done."""

    def feed(self, chunk):
        try:
            super().feed(chunk)
        finally:
            self.source.consumed(chunk.n_times)


def _thread_test_engine(part, on_intent, engine_cls=Engine, source=None):
    eng = engine_cls(source or part, None, "ssvep", EngineCallbacks(on_intent, part.on_stimulus),
                     processors=[BandPass(part.sfreq, 6.0, 45.0)], eeg_picks=part.eeg_picks)
    eng.set_layout(_layout())
    part.attend("t3")
    return eng


def test_engine_thread_runs_and_stops_cleanly():
    # The decision a run fed on this thread makes ...
    part = SimulatedParticipant(snr=0.8, seed=16, blink_rate=0.0)
    fed = []
    eng = _thread_test_engine(part, fed.append)
    while not fed:
        eng.feed(part.read())
    # ... the engine's own threads (acquisition + engine) make too, chunk for chunk.
    part = SimulatedParticipant(snr=0.8, seed=16, blink_rate=0.0)
    source = _Lockstep(part)
    done = threading.Event()
    intents = []

    def on_intent(i):
        intents.append(i)
        done.set()

    eng = _thread_test_engine(part, on_intent, _LockstepEngine, source)
    eng.start()
    try:
        assert done.wait(HANG_GUARD_S), f"no decision; engine error: {eng.error}"
    finally:
        eng.stop(timeout=HANG_GUARD_S)
    assert not eng.running and eng.error is None and eng.acquisition is None
    assert intents[0].payload == fed[0].payload == "t3"
    assert intents[0].decided_at == fed[0].decided_at and intents[0].onset == fed[0].onset


def test_long_clench_pauses_and_wakes_the_engine():
    # The hands-free way out of a pause: a long clench is PAUSE while running and WAKE while paused.
    from bci_input.simulation._calib_sim import calibrate_switches

    part = SimulatedParticipant(seed=16)
    switches = calibrate_switches(part)
    intents = []
    eng = Engine(part, None, "ssvep", EngineCallbacks(intents.append), switches=switches, eeg_picks=part.eeg_picks)
    part.press("long_clench", 0)
    _run(eng, part, part.now + 3.5)
    assert [i.kind for i in intents] == [IntentKind.PAUSE]
    eng.pause()  # what the app does on a PAUSE intent
    part.press("long_clench", 0)
    _run(eng, part, part.now + 3.5)
    assert [i.kind for i in intents] == [IntentKind.PAUSE, IntentKind.WAKE]


def test_blink_switch_events_in_scanning_and_elsewhere():
    """A lone (spontaneous) blink never acts; a double blink presses in scanning and is an undo elsewhere."""
    from bci_input.decoding import SwitchEvent

    part = SimulatedParticipant(seed=16)
    for paradigm, expected in (("scan", [IntentKind.SELECT]), ("ssvep", [IntentKind.UNDO])):
        intents = []
        eng = Engine(part, None, paradigm, EngineCallbacks(intents.append), config=EngineConfig(scan_step_s=0.5),
                     eeg_picks=part.eeg_picks)
        lay = _layout(paradigm=paradigm, groups=((0, 1), (2,), (3,)) if paradigm == "scan" else None)
        eng.set_layout(lay)
        _run(eng, part, part.now + 1.2)  # the scan highlight is on a group
        intents.clear()
        eng._on_switch(0, SwitchEvent("blink", part.now - 0.3, part.now - 0.1, 80.0))
        assert intents == [], "a single blink must not select"
        eng._on_switch(0, SwitchEvent("double_blink", part.now - 0.6, part.now - 0.1, 80.0))
        assert [i.kind for i in intents] == expected
