from __future__ import annotations

import numpy as np
import pytest

from bci_input import Chunk, ConfigError
from bci_input.stream import EpochExtractor, SlidingWindow

SFREQ = 100.0


def _stream(n, n_ch=2, t0=10.0):
    data = np.arange(n * n_ch, dtype=np.float32).reshape(n, n_ch)
    ts = t0 + np.arange(n) / SFREQ
    return data, ts


def _chunks(data, ts, rng, markers=()):
    out, i = [], 0
    while i < len(ts):
        k = int(rng.integers(0, 40)) if rng.random() > 0.3 else 1
        a, b = i, min(len(ts), i + k)
        mk = tuple(m for m in markers if (a < len(ts) and ts[a] <= m[0] < (ts[b] if b < len(ts) else np.inf)))
        out.append(Chunk(data[a:b], ts[a:b], mk))
        i = b
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sliding_windows_any_chunking(seed):
    data, ts = _stream(1000)
    sw = SlidingWindow(SFREQ, 2, window_s=1.0, step_s=0.25)
    wins = [sw.process(c) for c in _chunks(data, ts, np.random.default_rng(seed))]
    X = np.concatenate([w.data for w in wins])
    start = np.concatenate([w.start for w in wins])
    expected_starts = np.arange(0, 1000 - 100 + 1, 25)
    assert len(X) == len(expected_starts)
    for x, s0, i in zip(X, start, expected_starts, strict=True):
        np.testing.assert_array_equal(x, data[i : i + 100])
        assert s0 == pytest.approx(ts[i])
    assert sw.n_discarded == 0 and sw.n_gaps == 0


def test_windows_spanning_a_gap_are_discarded_and_counted():
    data, ts = _stream(600)
    ts = ts.copy()
    ts[300:] += 0.5  # 50 samples lost between index 299 and 300
    sw = SlidingWindow(SFREQ, 2, window_s=1.0, step_s=0.5)
    w = sw.process(Chunk(data[:250], ts[:250]))
    w2 = sw.process(Chunk(data[250:], ts[250:]))
    starts = np.concatenate([w.start, w2.start])
    # virtual grid: starts every 50 samples; real samples occupy [0, 300) and [350, 650)
    # windows [0,100),[50,150),...,[200,300) are complete; [250,350)..[300,400) hold the gap;
    # [350,450) onwards are complete again.
    assert sw.n_gaps == 1
    assert sw.n_discarded == 2  # starts 250 (touches both sides) ... and 300 (only the second side)
    for s in starts:
        i = np.flatnonzero(np.isclose(ts, s))[0]
        assert np.all(np.diff(ts[i : i + 100]) < 1.5 / SFREQ)
    assert len(starts) == 5 + 5


def test_time_going_backwards_restarts_grid():
    data, ts = _stream(300)
    sw = SlidingWindow(SFREQ, 2, window_s=0.5, step_s=0.5)
    sw.process(Chunk(data[:120], ts[:120]))
    out = sw.process(Chunk(data[120:], ts[120:] - 5.0))
    assert sw.n_gaps == 1
    assert len(out) == 3  # 180 samples in the new segment, windows of 50 every 50
    assert np.all(np.diff(out.start) > 0)


def test_window_validation():
    with pytest.raises(ConfigError):
        SlidingWindow(SFREQ, 2, window_s=0.0, step_s=0.1)
    sw = SlidingWindow(SFREQ, 2, window_s=1.0, step_s=0.1)
    with pytest.raises(ConfigError, match="expects 2 channels"):
        sw.process(Chunk(np.zeros((5, 3)), np.arange(5) / SFREQ))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_epochs_any_chunking_and_early_markers(seed):
    data, ts = _stream(2000)
    marker_idx = [150, 420, 421, 900, 1890]
    markers = [(float(ts[i]), k + 1) for k, i in enumerate(marker_idx)]
    ep = EpochExtractor(SFREQ, 2, tmin=-0.1, tmax=0.5)
    rng = np.random.default_rng(seed)
    got = []
    for c in _chunks(data, ts, rng):
        # every marker arrives in the first chunk, long before its samples
        mk = tuple(markers) if not got and ep.pending == 0 and c.timestamps.size and c.timestamps[0] == ts[0] else ()
        got.append(ep.process(Chunk(c.data, c.timestamps, mk)))
    X = np.concatenate([g.data for g in got])
    codes = np.concatenate([g.codes for g in got])
    # the last marker needs samples up to 1940 < 2000: all five complete
    assert codes.tolist() == [1, 2, 3, 4, 5]
    for x, i in zip(X, marker_idx, strict=True):
        np.testing.assert_array_equal(x, data[i - 10 : i + 50])
    assert ep.pending == 0 and ep.n_discarded == 0


def test_late_marker_uses_buffer_and_too_old_is_counted():
    data, ts = _stream(3000)
    ep = EpochExtractor(SFREQ, 2, tmin=0.0, tmax=0.3, buffer_s=5.0)
    ep.process(Chunk(data[:2000], ts[:2000]))
    out = ep.process(Chunk(data[2000:], ts[2000:], ((float(ts[1800]), 9), (float(ts[100]), 8))))
    assert out.codes.tolist() == [9]
    np.testing.assert_array_equal(out.data[0], data[1800:1830])
    assert ep.n_too_late == 1


def test_epoch_spanning_gap_is_discarded():
    data, ts = _stream(500)
    ts = ts.copy()
    ts[220:] += 1.0
    ep = EpochExtractor(SFREQ, 2, tmin=0.0, tmax=0.5, codes=[1])
    out = ep.process(Chunk(data, ts, ((float(ts[200]), 1), (float(ts[300]), 1), (float(ts[310]), 2))))
    assert out.codes.tolist() == [1]
    np.testing.assert_array_equal(out.data[0], data[300:350])
    assert ep.n_discarded == 1
