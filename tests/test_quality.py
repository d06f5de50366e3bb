"""Signal quality on signals with a known answer: flat, railing, clipped, 50/60 Hz, high RMS, NaN, rolling window."""

from __future__ import annotations

import numpy as np
import pytest

from bci_input import Chunk, StreamInfo
from bci_input._errors import ConfigError
from bci_input.quality import SignalQuality, assess_quality, format_quality_table
from bci_input.simulation._signals import BackgroundEEG

SFREQ = 250.0
NAMES = ("good", "flat", "rail", "clip", "l50", "l60", "loud", "nan", "acc")
TYPES = ("eeg",) * 8 + ("misc",)
INFO = StreamInfo(NAMES, TYPES, SFREQ)


def known_signals(seconds: float = 4.0, seed: int = 0) -> np.ndarray:
    n = int(seconds * SFREQ)
    rng = np.random.default_rng(seed)
    eeg = BackgroundEEG(8, SFREQ, rng, line_amp=0.5).generate(n)
    t = np.arange(n) / SFREQ
    x = np.zeros((n, 9))
    x[:, 0] = eeg[:, 0]
    x[:, 1] = 3.0 + 0.01 * rng.standard_normal(n)  # flat: electrode off
    x[:, 2] = eeg[:, 2]
    x[n // 3 :, 2] = 187_500.0  # railed for 2/3 of the window
    x[:, 3] = np.clip(eeg[:, 3] * 5, -40, 40)  # amplifier clipping
    x[:, 4] = eeg[:, 4] + 40 * np.sin(2 * np.pi * 50 * t)
    x[:, 5] = eeg[:, 5] + 40 * np.sin(2 * np.pi * 60 * t)
    x[:, 6] = eeg[:, 6] * 40  # ~400 µV: loose electrode
    x[:, 7] = eeg[:, 7]
    x[n // 2, 7] = np.nan
    x[:, 8] = 1.0 + 0.001 * rng.standard_normal(n)  # accelerometer at rest (g) is not "flat EEG"
    return x


def test_each_fault_is_found_on_the_right_channel() -> None:
    rep = {q.name: q for q in assess_quality(known_signals(), INFO)}
    assert rep["good"].status == "ok" and rep["good"].reasons == ()
    assert rep["flat"].status == "bad" and "flat line" in rep["flat"].reasons[0]
    assert rep["rail"].status == "bad" and rep["rail"].rail_fraction > 0.6
    assert rep["clip"].status == "bad" and any("railing" in r for r in rep["clip"].reasons)
    assert rep["l50"].status == "bad" and rep["l50"].line_50 > 0.5 and rep["l50"].line_60 < 0.1
    assert rep["l60"].status == "bad" and rep["l60"].line_60 > 0.5 and "60 Hz" in rep["l60"].reasons[0]
    assert rep["loud"].status == "bad" and rep["loud"].rms_uv > 250
    assert rep["nan"].status == "bad" and "NaN" in rep["nan"].reasons[0]
    assert rep["acc"].status == "ok"
    assert 3 < rep["good"].rms_uv < 30


def test_moderate_problems_warn() -> None:
    n = int(4 * SFREQ)
    rng = np.random.default_rng(3)
    eeg = BackgroundEEG(2, SFREQ, rng, line_amp=0.0).generate(n)
    t = np.arange(n) / SFREQ
    x = eeg.copy()
    x[:, 0] += 10 * np.sin(2 * np.pi * 50 * t)  # some mains, not dominant
    x[:, 1] *= 12  # ~120 µV
    info = StreamInfo(("a", "b"), ("eeg", "eeg"), SFREQ)
    a, b = assess_quality(x, info)
    assert a.status == "warn" and 0.25 <= a.line_50 < 0.5, a
    assert b.status == "warn" and "high amplitude" in b.reasons[0], b


def test_rolling_window_forgets_old_faults() -> None:
    x = known_signals(6.0)
    info = StreamInfo(("good",), ("eeg",), SFREQ)
    q = SignalQuality(info, window_s=2.0)
    good = x[:, :1]
    bad = np.full_like(good, 187_500.0)
    for k in range(0, 500, 50):
        q.update(Chunk(good[k : k + 50], np.arange(k, k + 50) / SFREQ))
    assert q.report()[0].status == "ok"
    q.update(Chunk(bad[:250], np.arange(500, 750) / SFREQ))
    assert q.report()[0].status == "bad"
    for k in range(750, 1250, 25):
        rep = q.process(Chunk(good[k : k + 25], np.arange(k, k + 25) / SFREQ))
    assert rep[0].status == "ok" and q.n_samples == 500
    q.update(Chunk.empty(1))
    q.reset()
    assert q.n_samples == 0


def test_table_and_errors() -> None:
    table = format_quality_table(assess_quality(known_signals(), INFO))
    assert table.splitlines()[0].startswith("channel")
    assert "l50" in table and table.splitlines()[-1] == "2 ok, 0 warn, 7 bad"
    with pytest.raises(ConfigError, match="shape"):
        assess_quality(np.zeros((10, 3)), INFO)
    with pytest.raises(ConfigError):
        SignalQuality(INFO, window_s=0)


def test_hardware_reexports_core_quality() -> None:
    import bci_input.hardware as hw

    import bci_input.quality as q

    assert hw.SignalQuality is q.SignalQuality and hw.assess_quality is q.assess_quality
