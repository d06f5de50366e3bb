"""RingBuffer and AcquisitionThread: overflow/drop counting, markers, stalls, reconnection (injected clock)."""

from __future__ import annotations

import logging
import threading

import numpy as np
import pytest

from bci_input import Chunk, Source, StreamInfo
from bci_input._errors import ConfigError, DeviceError
from bci_input.acquisition import AcquisitionThread, RingBuffer

SFREQ = 100.0
#: Seconds a test waits for a thread before calling it a hang; never what decides pass or fail.
HANG_GUARD_S = 60.0


class FakeClock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def chunk(start: int, n: int, n_ch: int = 2, markers: tuple = ()) -> Chunk:
    idx = np.arange(start, start + n)
    data = np.stack([idx + 1000 * c for c in range(n_ch)], axis=1).astype(np.float32)
    return Chunk(data, idx / SFREQ, markers)


class ScriptedSource(Source):
    """Delivers 10 samples per read unless told to stall or fail; counts start/stop calls."""

    def __init__(self, clock: FakeClock) -> None:
        self.info = StreamInfo(("a", "b"), ("eeg", "eeg"), SFREQ, "scripted")
        self.clock = clock
        self.pos = 0
        self.stalled = False
        self.fail_reads = 0
        self.fail_starts = 0
        self.starts = 0
        self.stops = 0

    def start(self) -> None:
        self.starts += 1
        if self.fail_starts:
            self.fail_starts -= 1
            raise DeviceError("cannot open scripted device")

    def stop(self) -> None:
        self.stops += 1

    def read(self, timeout: float = 0.1) -> Chunk | None:
        self.clock.t += timeout  # a read that waits `timeout` of (fake) time
        if self.fail_reads:
            self.fail_reads -= 1
            raise DeviceError("scripted read failure")
        if self.stalled:
            return None
        c = chunk(self.pos, 10)
        self.pos += 10
        return c

    def insert_marker(self, code: int) -> None:  # pragma: no cover - not used
        pass


def test_ring_buffer_fifo_and_wraparound() -> None:
    rb = RingBuffer(2, 25)
    got = []
    for k in range(10):
        rb.write(chunk(7 * k, 7))
        got.append(rb.read(max_samples=5))
        got.append(rb.read())
    out = Chunk.concatenate([g for g in got if g.n_times])
    np.testing.assert_array_equal(out.data[:, 0], np.arange(70))
    np.testing.assert_array_equal(out.data[:, 1], np.arange(70) + 1000)
    assert rb.dropped == 0 and rb.available == 0


def test_ring_buffer_overflow_drops_oldest_counts_and_logs(caplog: pytest.LogCaptureFixture) -> None:
    rb = RingBuffer(2, 30)
    with caplog.at_level(logging.WARNING, logger="bci_input.acquisition"):
        for k in range(5):  # 50 samples into a 30-sample buffer, nobody reading
            lost = rb.write(chunk(10 * k, 10))
            assert lost == (10 if k >= 3 else 0)
    assert rb.dropped == 20
    assert rb.total_written == 50
    out = rb.read()
    np.testing.assert_array_equal(out.data[:, 0], np.arange(20, 50))  # the newest 30 survive
    assert "dropped 10 oldest samples" in caplog.text


def test_ring_buffer_chunk_larger_than_capacity() -> None:
    rb = RingBuffer(2, 8)
    rb.write(chunk(0, 3))
    assert rb.write(chunk(3, 20)) == 15
    np.testing.assert_array_equal(rb.read().data[:, 0], np.arange(15, 23))
    assert rb.dropped == 15


def test_ring_buffer_markers_follow_their_sample_and_are_dropped_with_it() -> None:
    rb = RingBuffer(2, 20)
    rb.write(chunk(0, 10, markers=((3 / SFREQ, 7),)))
    rb.write(chunk(10, 10, markers=((15 / SFREQ, 8),)))
    first = rb.read(max_samples=12)
    assert first.markers == ((3 / SFREQ, 7),)
    second = rb.read()
    assert second.markers == ((15 / SFREQ, 8),)
    rb.write(chunk(20, 5, markers=((21 / SFREQ, 9),)))
    rb.write(chunk(25, 30))  # overflow drops sample 21 and its marker
    assert rb.read().markers == ()


def test_ring_buffer_latest_does_not_consume() -> None:
    rb = RingBuffer(2, 10)
    rb.write(chunk(0, 15))
    np.testing.assert_array_equal(rb.latest(4).data[:, 0], [11, 12, 13, 14])
    assert rb.available == 10


def test_ring_buffer_rejects_wrong_channel_count() -> None:
    with pytest.raises(ConfigError, match="2 channels"):
        RingBuffer(2, 10).write(chunk(0, 3, n_ch=3))
    with pytest.raises(ConfigError):
        RingBuffer(0, 10)


def test_stall_detected_within_two_seconds_then_reconnects_with_backoff() -> None:
    clock = FakeClock()
    src = ScriptedSource(clock)
    statuses, errors = [], []
    th = AcquisitionThread(src, on_error=errors.append, on_status=statuses.append, clock=clock, read_timeout=0.02)
    for _ in range(5):
        assert th.step() is not None
    assert th.buffer.available == 50
    src.stalled = True
    last_data = clock.t
    while th.state == "running":
        th.step()
        assert clock.t - last_data < 2.0, "stall not detected within 2 s"
    assert th.state == "stalled" and statuses[-1].state == "stalled"
    assert "No data from scripted" in statuses[-1].message
    # reconnection attempts: source.stop()/start(), delays doubling 0.5, 1, 2, 4 s (capped at 8)
    attempt_times = []
    for _ in range(2000):
        before = src.starts
        th.step()
        if src.starts > before:
            attempt_times.append(clock.t)
        clock.t += 0.01
        if len(attempt_times) == 4:
            break
    gaps = np.diff(attempt_times)
    assert src.stops == src.starts == 4
    assert np.all(np.diff(gaps) > 0), f"backoff must grow: {gaps}"
    np.testing.assert_allclose(gaps, [1.0, 2.0, 4.0], atol=0.1)
    src.stalled = False
    th.step()  # the data came back by itself: recovered without waiting for the next attempt
    assert th.state == "running" and statuses[-1].state == "recovered"
    assert [s.state for s in statuses].count("recovered") == 1
    assert th.n_reconnects == 0 and errors == []


def test_reconnection_that_brings_data_back_counts() -> None:
    clock = FakeClock()
    src = ScriptedSource(clock)
    th = AcquisitionThread(src, clock=clock)
    src.stalled = True
    while th.state == "running":
        th.step()

    real_start = src.start

    def start_and_resume() -> None:
        real_start()
        src.stalled = False

    src.start = start_and_resume
    while th.state != "running":
        th.step()
        clock.t += 0.05
    assert th.n_reconnects == 1 and src.starts == 1


def test_read_exceptions_are_reported_and_trigger_reconnection() -> None:
    clock = FakeClock()
    src = ScriptedSource(clock)
    errors = []
    th = AcquisitionThread(src, on_error=errors.append, clock=clock)
    src.fail_reads = 1
    th.step()
    assert len(errors) == 1 and "scripted read failure" in str(errors[0])
    assert th.state == "stalled"
    clock.t += 1.0
    th.step()
    assert th.state == "running" and src.starts == 1


def test_gives_up_after_max_attempts_with_device_error() -> None:
    clock = FakeClock()
    src = ScriptedSource(clock)
    src.stalled = True
    src.fail_starts = 99
    errors, statuses = [], []
    th = AcquisitionThread(src, on_error=errors.append, on_status=statuses.append, clock=clock, max_attempts=3)
    for _ in range(1000):
        th.step()
        clock.t += 0.1
        if th.state == "failed":
            break
    assert th.state == "failed"
    assert sum("cannot open scripted device" in str(e) for e in errors) == 3
    assert isinstance(errors[-1], DeviceError) and "3 reconnection attempts failed" in str(errors[-1])
    assert statuses[-1].state == "failed"


def test_thread_runs_and_stops_with_join() -> None:
    clock = FakeClock()
    src = ScriptedSource(clock)
    seen = []
    five = threading.Event()

    def on_chunk(c: Chunk) -> None:
        seen.append(c)
        if len(seen) >= 5:
            five.set()

    th = AcquisitionThread(src, on_chunk=on_chunk, clock=clock)
    th.start()
    assert five.wait(HANG_GUARD_S)  # set by the acquisition thread itself
    th.stop(timeout=HANG_GUARD_S)  # the join returns as soon as the thread ends
    assert not th.is_alive and th.state == "stopped"
    got = th.buffer.read()  # the newest samples (a slow machine may have run past the buffer's capacity)
    delivered = np.concatenate([c.data[:, 0] for c in seen])
    np.testing.assert_array_equal(delivered, np.arange(delivered.size))  # every chunk, in order, nothing lost
    np.testing.assert_array_equal(got.data[:, 0], delivered[-got.n_times :])  # the buffer holds the newest


def test_exception_in_callback_reaches_on_error_and_stops_thread() -> None:
    clock = FakeClock()
    src = ScriptedSource(clock)
    errors = []

    def bad_consumer(c: Chunk) -> None:
        raise RuntimeError("consumer bug")

    th = AcquisitionThread(src, on_error=errors.append, on_chunk=bad_consumer, clock=clock)
    th.start()
    th._thread.join(HANG_GUARD_S)
    assert not th.is_alive
    assert th.state == "failed" and isinstance(errors[0], RuntimeError)
    th.stop()
