"""The profile carries the timing its calibration trained with, so live decoding uses the same."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from bci_input._errors import ConfigError
from bci_input._types import StreamInfo
from bci_input.calibration import Profile, engine_settings, get_spec, load_profile, save_profile
from bci_input.calibration._train import _window_grid
from bci_input.engine import EngineConfig

INFO = StreamInfo(("O1", "O2", "Oz"), ("eeg", "eeg", "eeg"), 250.0)


def _saved(settings: dict, paradigm: str, **kw: object) -> Profile:
    p = Profile.new("timing", INFO)
    p.set_paradigm(paradigm, settings=settings, n_trials=10, **kw)  # type: ignore[arg-type]
    save_profile(p)
    return load_profile("timing")


def test_ssvep_latency_and_step_come_from_the_profile() -> None:
    spec = get_spec("ssvep", n_targets=4, win_start_s=0.3, step_s=0.25)
    rec = engine_settings(_saved(spec.settings_dict(), "ssvep", stopping_threshold=0.85, window_s=2.0), "ssvep")
    assert rec == {"stopping_threshold": 0.85, "max_window_s": 2.0, "latency_s": 0.3, "step_s": 0.25}
    cfg = EngineConfig(**rec)
    assert (cfg.latency_s, cfg.step_s, cfg.stopping_threshold) == (0.3, 0.25, 0.85)
    # A calibration sweeps windows of the spec's step, the step the engine grows its window by.
    assert get_spec("ssvep").step_s == EngineConfig().step_s == 0.5
    assert get_spec("ssvep").win_start_s == EngineConfig().latency_s == 0.14


def test_p300_epoch_length_comes_from_the_profile() -> None:
    spec = get_spec("p300", tmax=0.6, soa_s=0.3)
    rec = engine_settings(_saved(spec.settings_dict(), "p300", stopping_threshold=0.9), "p300")
    assert rec["epoch_s"] == pytest.approx(0.6) and rec["soa_s"] == 0.3
    assert get_spec("p300").tmax == EngineConfig().epoch_s == 0.8


def test_an_older_profile_without_them_keeps_todays_values() -> None:
    old = {k: v for k, v in get_spec("ssvep", n_targets=4).settings_dict().items() if k != "step_s"}
    rec = engine_settings(_saved(old, "ssvep", stopping_threshold=0.9), "ssvep")
    cfg = dataclasses.replace(EngineConfig(), **rec)
    assert (cfg.latency_s, cfg.step_s) == (0.14, 0.5)
    oldest = {k: v for k, v in get_spec("p300").settings_dict().items() if k not in ("tmin", "tmax", "soa_s")}
    cfg = dataclasses.replace(EngineConfig(), **engine_settings(_saved(oldest, "p300"), "p300"))
    assert (cfg.epoch_s, cfg.soa_s) == (0.8, 0.25)


def test_a_stored_timing_out_of_bounds_is_refused() -> None:
    bad = get_spec("ssvep", n_targets=4).settings_dict() | {"win_start_s": 9.0}
    with pytest.raises(ConfigError, match="latency_s"):
        EngineConfig(**engine_settings(_saved(bad, "ssvep"), "ssvep"))


def test_the_window_sweep_uses_the_spec_step() -> None:
    class _Epochs:
        tmin, sfreq = 0.0, 250.0
        X = np.zeros((1, 750, 1))

    assert _window_grid(get_spec("ssvep", n_targets=4), _Epochs())[:3] == [0.5, 1.0, 1.5]  # type: ignore[arg-type]
    assert _window_grid(get_spec("ssvep", n_targets=4, step_s=0.25), _Epochs())[:3] == [0.25, 0.5, 0.75]  # type: ignore[arg-type]
