from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from bci_input import Chunk, ConfigError
from bci_input.simulation._signals import BackgroundEEG
from bci_input.stream import (
    BandPass,
    CommonAverageReference,
    HighPass,
    LowPass,
    Notch,
    Pipeline,
    default_eeg_pipeline,
)

SFREQ = 250.0


def _signal(n=5000, n_ch=4, seed=0):
    rng = np.random.default_rng(seed)
    x = BackgroundEEG(n_ch, SFREQ, rng, line_freq=50.0, line_amp=20.0).generate(n)
    return x + rng.normal(0, 1, (1, n_ch)) * 5000.0  # large electrode DC offsets, as on a Cyton


def _random_chunks(x, rng, max_size=97):
    i = 0
    sizes = []
    while i < len(x):
        k = int(rng.choice([0, 1, 1, 2, int(rng.integers(1, max_size))]))
        sizes.append(k)
        i += k
    bounds = np.cumsum([0, *sizes])
    return [x[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def _makers():
    return {
        "bandpass": lambda: BandPass(SFREQ, 3.0, 40.0),
        "highpass": lambda: HighPass(SFREQ, 0.5),
        "lowpass": lambda: LowPass(SFREQ, 30.0),
        "notch50": lambda: Notch(SFREQ, 50.0),
        "notch60h": lambda: Notch(SFREQ, 60.0, harmonics=True),
        "car": lambda: CommonAverageReference(),
        "pipeline": lambda: Pipeline([Notch(SFREQ, 50.0, harmonics=True), BandPass(SFREQ, 1.0, 45.0),
                                      CommonAverageReference([0, 1, 2])]),
    }


@pytest.mark.parametrize("name", list(_makers()))
def test_chunked_equals_offline(name):
    rng = np.random.default_rng(1)
    x = _signal()
    proc = _makers()[name]()
    offline = _makers()[name]().process_array(x)
    chunks = _random_chunks(x, rng)
    assert any(len(c) == 1 for c in chunks) and any(len(c) == 0 for c in chunks)
    online = np.concatenate([proc.process_array(c) for c in chunks])
    assert online.shape == x.shape
    np.testing.assert_allclose(online, offline, rtol=0, atol=1e-6)


def test_chunk_api_keeps_timestamps_and_markers():
    x = _signal(1000)
    ts = np.arange(len(x)) / SFREQ
    proc = BandPass(SFREQ, 3.0, 40.0)
    c1 = proc.process(Chunk(x[:400], ts[:400], ((0.5, 7),)))
    c2 = proc.process(Chunk(x[400:], ts[400:]))
    assert c1.markers == ((0.5, 7),)
    np.testing.assert_array_equal(c2.timestamps, ts[400:])
    assert c1.data.dtype == np.float32
    offline = BandPass(SFREQ, 3.0, 40.0).offline(x)
    np.testing.assert_allclose(np.concatenate([c1.data, c2.data]), offline, rtol=1e-5, atol=1e-3)


def test_offline_method_matches_scipy_with_steady_state():
    x = _signal(2000)
    f = BandPass(SFREQ, 3.0, 40.0)
    zi = signal.sosfilt_zi(f.sos)[:, :, None] * x[0][None, None, :]
    ref, _ = signal.sosfilt(f.sos, x, axis=0, zi=zi)
    np.testing.assert_allclose(f.offline(x), ref)


def test_steady_state_start_does_not_ring_on_dc():
    x = np.full((500, 2), 8000.0)
    y = HighPass(SFREQ, 1.0).process_array(x)
    assert np.max(np.abs(y)) < 1e-6


def test_bandpass_attenuates_out_of_band_and_notch_removes_mains():
    t = np.arange(5000) / SFREQ
    x = np.stack([np.sin(2 * np.pi * 10 * t), np.sin(2 * np.pi * 50 * t)], axis=1) * 10
    y = BandPass(SFREQ, 8.0, 12.0).process_array(x)[2500:]
    assert np.std(y[:, 0]) > 6 and np.std(y[:, 1]) < 0.1
    y = Notch(SFREQ, 50.0).process_array(x)[2500:]
    assert np.std(y[:, 0]) > 6.5 and np.std(y[:, 1]) < 0.2
    h = Notch(SFREQ, 50.0, harmonics=True)
    assert h.centres == (50.0, 100.0)


def test_reset_restarts_from_steady_state():
    x = _signal(800)
    f = BandPass(SFREQ, 3.0, 40.0)
    a = f.process_array(x)
    f.reset()
    np.testing.assert_allclose(f.process_array(x), a)


def test_car_only_on_selected_channels():
    x = np.array([[1.0, 2.0, 3.0, 100.0]])
    y = CommonAverageReference([0, 1, 2]).process_array(x)
    np.testing.assert_allclose(y, [[-1.0, 0.0, 1.0, 100.0]])
    with pytest.raises(ConfigError, match="do not exist"):
        CommonAverageReference([7]).process_array(x)


def test_invalid_options_are_explained():
    with pytest.raises(ConfigError, match="Allowed values are: 50, 60"):
        Notch(SFREQ, 55.0)
    with pytest.raises(ConfigError, match="Nyquist"):
        BandPass(SFREQ, 1.0, 200.0)
    with pytest.raises(ConfigError, match="below high"):
        BandPass(SFREQ, 30.0, 10.0)
    f = BandPass(SFREQ, 3.0, 40.0)
    f.process_array(np.zeros((10, 2)))
    with pytest.raises(ConfigError, match="reset"):
        f.process_array(np.zeros((10, 3)))


def test_default_pipeline_clips_high_edge():
    p = default_eeg_pipeline(100.0, high=60.0)
    assert p.processors[-1].high == pytest.approx(45.0)
