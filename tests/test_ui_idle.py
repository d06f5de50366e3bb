"""The app while the person looks away: the engine's no-control state reaches the window, and nothing is typed.

Real components throughout: the simulated participant (not real time: chunks are fed on the simulated clock), a
TRCA decoder and idle detector calibrated on a twin of it as ``simulate`` calibrates them, the real engine, the
app's bridge, controller, speller and window, offscreen.
"""

from __future__ import annotations

import dataclasses

import pytest
from bci_input.ui._controller import WAITING_TEXT, AppController
from bci_input.ui._window import MainWindow

from bci_input.engine import Engine, EngineCallbacks, EngineConfig
from bci_input.language import WordFreqModel
from bci_input.settings import Settings
from bci_input.simulation import SimulatedParticipant
from bci_input.simulation._calib_sim import calibrate_idle, calibrate_ssvep
from bci_input.stream import live_processors


@pytest.mark.slow
def test_looking_away_for_a_minute_types_nothing_in_the_app(qtbot, tmp_path) -> None:
    cfg = EngineConfig()
    twin = SimulatedParticipant(seed=11)
    twin.start()
    decoder = calibrate_ssvep(twin, cfg)
    idle = calibrate_idle(twin, "ssvep", decoder, cfg)
    twin.stop()
    part = SimulatedParticipant(seed=12)
    part.subject = twin.subject  # the same person, another session
    part.start()

    def on_stimulus_factory(bridge):  # the participant sees the flicker first, then the window draws it
        def on_stimulus(event):
            part.on_stimulus(event)
            bridge.on_stimulus(event)
        return on_stimulus

    def factory(bridge):
        return Engine(part, decoder, "ssvep",
                      EngineCallbacks(bridge.on_intent, on_stimulus_factory(bridge), bridge.on_status, bridge.on_error),
                      config=cfg, processors=live_processors("ssvep", part.sfreq, 50.0), eeg_picks=part.decoder_picks,
                      idle=idle)

    base = Settings()
    window = MainWindow(dataclasses.replace(base, speller=dataclasses.replace(base.speller, dwell_s=0.0)), "ssvep")
    qtbot.addWidget(window)
    ctrl = AppController(window, language_model=WordFreqModel(), paradigm="ssvep", documents_dir=tmp_path / "docs",
                         board_name="simulated", engine_factory=factory)
    window.show()
    try:
        part.attend(None)  # reading, resting, looking away
        end = part.now + 60.0
        while part.now < end:
            chunk = part.read(timeout=1.0)
            if chunk is not None and chunk.n_times:
                ctrl.engine.feed(chunk)
        assert ctrl.engine.n_idle_restarts >= 5  # trials ended undecided and restarted quietly
        qtbot.waitUntil(lambda: WAITING_TEXT in window.status.state.text(), timeout=60_000)
        assert ctrl.waiting
        assert ctrl.engine.n_intents == 0 and ctrl.document.text == ""
    finally:
        part.stop()
        window.close()
        ctrl.shutdown()
