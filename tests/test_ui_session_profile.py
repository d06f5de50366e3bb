"""The app's hardware session uses the profile's calibration: EMG/blink switches and the recommended settings.

The profiles come from real simulated calibrations (``bci-input calibrate --simulated``) and the headset is
BrainFlow's playback board reading a recording of the same simulated montage, so the profile's channel check
passes exactly as it does on a real headset.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from bci_input.ui._session import build_engine_factory

from bci_input._errors import ConfigError
from bci_input._types import Chunk, IntentKind
from bci_input.calibration import load_profile
from bci_input.cli import main
from bci_input.decoding import EmgSwitch
from bci_input.recording import Recorder
from bci_input.settings import AcquisitionSettings, Settings
from bci_input.simulation import SimulatedParticipant


class _Sink:
    """Collects what the engine reports (the four callbacks the app's bridge provides)."""

    def __init__(self) -> None:
        self.intents: list[object] = []

    def on_intent(self, intent: object) -> None:
        self.intents.append(intent)

    def on_stimulus(self, event: object) -> None:
        pass

    def on_status(self, status: object) -> None:
        pass

    def on_error(self, message: object) -> None:
        raise AssertionError(f"engine error: {message}")


def _headset_recording(path: Path, *, double_clench: bool = False) -> tuple[Settings, list[Chunk]]:
    """Record the simulated headset (the profiles' montage) to a CSV and return playback settings and the data."""
    part = SimulatedParticipant(seed=3)
    part.start()
    chunks: list[Chunk] = []
    try:
        for second in range(4):
            if double_clench and second == 1:
                part.press("double_clench", 0)
            n = 0
            while n < part.sfreq:
                c = part.read(timeout=1.0)
                if c is not None and c.n_times:
                    chunks.append(c)
                    n += c.n_times
    finally:
        part.stop()
    with Recorder(path, part.info) as rec:
        for c in chunks:
            rec.write(c)
    return Settings(acquisition=AcquisitionSettings(board="playback", playback_file=str(path))), chunks


def test_headset_session_uses_the_profiles_emg_switch_and_recommended_settings(tmp_path) -> None:
    for args in (["--paradigm", "emg"], ["--paradigm", "ssvep", "--targets", "4", "--trials", "4"]):
        assert main(["calibrate", *args, "--profile", "pat-3", "--simulated", "--quiet", "--no-pdf"]) == 0
    prof = load_profile("pat-3")
    emg, ssvep = prof.paradigm("emg"), prof.paradigm("ssvep")
    assert ssvep["stopping_threshold"] is not None and ssvep["window_s"] is not None
    settings, chunks = _headset_recording(tmp_path / "headset.csv", double_clench=True)

    factory, participant, _ = build_engine_factory(settings, "playback", "ssvep", "pat-3")
    sink = _Sink()
    engine = factory(sink)
    assert participant is None
    assert len(engine.switches) == 1 and isinstance(engine.switches[0], EmgSwitch)
    assert engine.idle is not None and engine.idle.kind == "ssvep"  # the look-away block's detector
    assert engine.switches[0].threshold_ == pytest.approx(emg["thresholds"]["on_uv"])
    assert engine.config.stopping_threshold == pytest.approx(ssvep["stopping_threshold"])
    assert engine.config.max_window_s == pytest.approx(ssvep["window_s"])
    # Live decoding uses the timing and the filters the calibration trained with (notched at line_freq).
    spec = ssvep["settings"]
    assert (engine.config.latency_s, engine.config.step_s) == (spec["win_start_s"], spec["step_s"])
    notch, band = engine.processors
    assert notch.freq == spec["line_freq"] == settings.acquisition.line_freq
    assert (band.low, band.high) == (spec["l_freq"], spec["h_freq"])
    # The stored switch works on the headset's signal: a double clench undoes.
    for c in chunks:
        engine.feed(c)
    kinds = [i.kind for i in sink.intents]
    assert kinds.count(IntentKind.UNDO) == 1, kinds

    # Scanning: the EMG switch is switch 0; two-switch scanning needs a second calibrated switch.
    factory, _, _ = build_engine_factory(settings, "playback", "scan", "pat-3")
    assert factory(_Sink()).switches[0].threshold_ == pytest.approx(emg["thresholds"]["on_uv"])
    two = dataclasses.replace(settings, speller=dataclasses.replace(settings.speller, switch_preset="two-switch"))
    with pytest.raises(ConfigError, match="bci-input calibrate --paradigm blink --profile pat-3"):
        build_engine_factory(two, "playback", "scan", "pat-3")


def test_scan_mode_on_a_headset_without_a_calibrated_switch_is_refused(tmp_path) -> None:
    assert main(["calibrate", "--paradigm", "ssvep", "--targets", "4", "--trials", "4", "--profile", "pat-4",
                 "--simulated", "--quiet", "--no-pdf"]) == 0
    settings, _ = _headset_recording(tmp_path / "headset.csv")
    for name in ("pat-4", "nobody"):  # a profile with no switch, and no profile at all
        with pytest.raises(ConfigError, match=f"switch.*'bci-input calibrate --paradigm emg --profile {name}'"):
            build_engine_factory(settings, "playback", "scan", name)
