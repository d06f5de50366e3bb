"""One live signal chain: the notch at line_freq removes mains hum, and calibration filters exactly as live."""

from __future__ import annotations

import numpy as np
import pytest

from bci_input._types import Chunk
from bci_input.calibration import get_spec, live_spec
from bci_input.calibration._epochs import filter_continuous
from bci_input.settings import Settings, merge_settings
from bci_input.stream import LIVE_BANDS, BandPass, Notch, live_processors

SFREQ = 250.0


def _amplitude(x: np.ndarray, freq: float) -> float:
    """Amplitude of the ``freq`` component of ``x`` (a whole number of cycles, so the projection is exact)."""
    t = np.arange(len(x)) / SFREQ
    return float(2 * np.abs(np.mean(x * np.exp(-2j * np.pi * freq * t))))


def _run_live(processors: list, x: np.ndarray, chunk: int = 25) -> np.ndarray:
    """Feed ``x`` (n_times, n_channels) through ``processors`` chunk by chunk, as the engine does."""
    out = []
    for i in range(0, len(x), chunk):
        c = Chunk(x[i : i + chunk].astype(np.float32), np.arange(i, min(i + chunk, len(x))) / SFREQ)
        for p in processors:
            c = p.process(c)
        out.append(c.data)
    return np.concatenate(out).astype(np.float64)


@pytest.mark.parametrize("line_freq", [50.0, 60.0])
def test_the_notch_removes_mains_hum_and_keeps_the_ssvep(line_freq: float) -> None:
    t = np.arange(int(20 * SFREQ)) / SFREQ
    ssvep = 3.0 * np.sin(2 * np.pi * 10.0 * t)
    hum = 40.0 * np.sin(2 * np.pi * line_freq * t + 0.3)
    x = np.column_stack([ssvep + hum, ssvep + 0.5 * hum])
    settle = int(10 * SFREQ)  # 10 s: a whole number of cycles of 10, 50 and 60 Hz
    notched = _run_live(live_processors("ssvep", SFREQ, line_freq), x)[settle:]
    plain = _run_live(live_processors("ssvep", SFREQ, None), x)[settle:]
    for ch in range(2):
        assert _amplitude(notched[:, ch], line_freq) < 0.01 * _amplitude(x[settle:, ch], line_freq)
        assert _amplitude(plain[:, ch], line_freq) > 0.1 * _amplitude(x[settle:, ch], line_freq)  # band alone
        assert _amplitude(notched[:, ch], 10.0) == pytest.approx(3.0, rel=0.05)


def test_the_chain_is_a_notch_then_the_paradigm_band() -> None:
    chain = live_processors("p300", SFREQ, 50.0)
    assert [type(p) for p in chain] == [Notch, BandPass] and chain[0].freq == 50.0
    assert (chain[1].low, chain[1].high) == LIVE_BANDS["p300"]
    assert [type(p) for p in live_processors("ssvep", SFREQ, None)] == [BandPass]
    assert live_processors("scan", SFREQ, 50.0) == []  # switches read the raw signal
    band = live_processors("ssvep", SFREQ, 60.0, band=(7.0, 40.0))[1]
    assert (band.low, band.high) == (7.0, 40.0)
    assert live_processors("ssvep", 100.0, 50.0)[0].__class__ is BandPass  # mains at Nyquist: no notch


def test_calibration_filters_a_recording_exactly_as_the_live_chain() -> None:
    rng = np.random.default_rng(0)
    t = np.arange(int(8 * SFREQ)) / SFREQ
    x = rng.standard_normal((len(t), 3)) * 5 + 30 * np.sin(2 * np.pi * 50 * t)[:, None]
    spec = live_spec("ssvep", 50.0)
    assert spec.line_freq == 50.0 and (spec.l_freq, spec.h_freq) == LIVE_BANDS["ssvep"]
    assert live_spec("emg", 50.0).line_freq is None  # switches are calibrated on the raw signal
    offline = filter_continuous(x, SFREQ, spec.l_freq, spec.h_freq, spec.line_freq)
    live = _run_live(live_processors("ssvep", SFREQ, 50.0), x - x.mean(axis=0))
    np.testing.assert_allclose(live, offline, atol=1e-3)  # float32 chunks live, float64 offline
    assert get_spec("ssvep").line_freq is None


def test_the_app_builds_its_chain_from_the_settings_line_freq() -> None:
    from bci_input.ui._session import _processors

    settings = merge_settings(Settings(), {"acquisition": {"line_freq": 60.0}})
    chain = _processors(settings, "ssvep", SFREQ)
    assert [type(p) for p in chain] == [Notch, BandPass] and chain[0].freq == 60.0
    assert _processors(Settings(), "p300", SFREQ)[0].freq == 50.0
