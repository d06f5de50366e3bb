import numpy as np
import pytest

from bci_input import Chunk, ConfigError, StreamInfo
from bci_input.faults import Fault, SignalGuard

INFO = StreamInfo(tuple(f"C{i}" for i in range(8)), ("eeg",) * 8, 250.0, name="test")


def _chunk(start, n, data=None):
    ts = (start + np.arange(n)) / 250.0
    if data is None:
        data = np.random.default_rng(start).normal(0, 10, (n, 8))
    return Chunk(data, ts)


def test_guard_accepts_clean_contiguous_chunks():
    g = SignalGuard(INFO)
    reports = [g.check(_chunk(i * 25, 25)) for i in range(10)]
    assert all(r.ok and not r.gap and not r.reasons for r in reports)


def test_guard_refuses_nan_and_reports_channels():
    g = SignalGuard(INFO)
    d = np.random.default_rng(0).normal(0, 10, (25, 8))
    d[3:5, 2] = np.nan
    r = g.check(_chunk(0, 25, d))
    assert not r.ok and r.bad_channels == (2,) and "NaN" in r.reasons[0]


def test_guard_refuses_widespread_saturation_but_tolerates_one_channel():
    g = SignalGuard(INFO)
    d = np.random.default_rng(0).normal(0, 10, (25, 8))
    d[:, 0] = 187_500.0
    assert g.check(_chunk(0, 25, d)).ok  # one railing channel of 8: decode on, report it
    d[:, :4] = 187_500.0
    r = g.check(_chunk(25, 25, d))
    assert not r.ok and r.bad_channels == (0, 1, 2, 3)


def test_guard_detects_dropped_samples_and_clock_reset():
    g = SignalGuard(INFO)
    assert not g.check(_chunk(0, 25)).gap
    assert g.check(_chunk(65, 25)).gap  # 40 samples (160 ms) missing
    assert not g.check(_chunk(90, 25)).gap
    assert g.check(_chunk(10, 25)).gap  # time went backwards
    assert g.n_gaps == 2


def test_guard_tolerates_packet_timestamp_jitter():
    g = SignalGuard(INFO)
    # BrainFlow stamps packets from the host clock: 15 ms steps inside a chunk are normal.
    ts = np.repeat(np.arange(5) * 0.02, 5) + np.tile(np.arange(5) * 0.001, 5)
    assert not g.check(Chunk(np.zeros((25, 8)), np.sort(ts))).gap


def test_fault_validation():
    with pytest.raises(ConfigError, match="Allowed values are"):
        Fault("melt", 0.0)
