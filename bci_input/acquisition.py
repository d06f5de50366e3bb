"""Acquisition: one thread per :class:`~bci_input.Source` filling a lock-guarded ring buffer.

The acquisition thread never blocks on its consumers. When they fall behind,
:class:`RingBuffer` drops the oldest samples, counts them in
:attr:`RingBuffer.dropped` and logs it. When the source stops delivering data
for ``stall_timeout`` seconds, :class:`AcquisitionThread` reports a stall and
tries to reconnect (``source.stop()`` then ``source.start()``) with exponential
backoff. While stalled it keeps reading, so data that comes back by itself ends the stall at once.
Exceptions are reported through ``on_error``, never swallowed.

Time comes from an injected ``clock`` so stalls and backoff can be tested
without sleeping: call :meth:`AcquisitionThread.step` directly.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ._errors import ConfigError, DeviceError
from ._types import Chunk, Source

__all__ = ["RingBuffer", "AcquisitionThread", "AcquisitionStatus", "ACQUISITION_STATES"]

log = logging.getLogger(__name__)

#: States reported through ``on_status``.
ACQUISITION_STATES = ("running", "stalled", "reconnecting", "recovered", "failed", "stopped")


class RingBuffer:
    """Fixed-capacity, lock-guarded sample buffer that drops the oldest samples on overflow.

    Parameters
    ----------
    n_channels : int
        Number of channels of every chunk written.
    capacity_samples : int
        Maximum number of samples held; writing more drops the oldest ones.
    clock : callable
        Monotonic clock (seconds) used only to rate-limit the overflow log line.

    Attributes
    ----------
    dropped : int
        Total number of samples dropped because the consumer fell behind.
    total_written : int
        Total number of samples ever written.
    """

    def __init__(self, n_channels: int, capacity_samples: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        if int(n_channels) <= 0 or int(capacity_samples) <= 0:
            raise ConfigError(
                f"RingBuffer needs positive n_channels and capacity_samples, got {n_channels}, {capacity_samples}."
            )
        self.n_channels = int(n_channels)
        self.capacity = int(capacity_samples)
        self._data = np.zeros((self.capacity, self.n_channels), np.float32)
        self._ts = np.zeros(self.capacity, np.float64)
        self._markers: list[tuple[int, float, int]] = []  # (absolute sample index, timestamp, code)
        self._lock = threading.Lock()
        self._clock = clock
        self._last_log = -np.inf
        self.dropped = 0
        self.total_written = 0
        self._read_pos = 0  # absolute index of the oldest unread sample

    def __len__(self) -> int:
        return self.available

    @property
    def available(self) -> int:
        """Number of unread samples."""
        with self._lock:
            return self.total_written - self._read_pos

    def write(self, chunk: Chunk) -> int:
        """Append a chunk; never blocks longer than a copy.

        Parameters
        ----------
        chunk : Chunk
            Samples of shape (n_times, n_channels); its markers are kept with their sample.

        Returns
        -------
        int
            Number of samples dropped by this write (0 when the consumer keeps up).
        """
        if chunk.n_channels != self.n_channels:
            raise ConfigError(f"RingBuffer holds {self.n_channels} channels, got a chunk with {chunk.n_channels}.")
        n = chunk.n_times
        with self._lock:
            start = self.total_written
            for ts, code in chunk.markers:
                idx = int(np.searchsorted(chunk.timestamps, ts)) if n else 0
                idx = min(max(idx, 0), max(n - 1, 0))
                self._markers.append((start + idx, ts, code))
            data, tss = chunk.data, chunk.timestamps
            if n > self.capacity:  # only the newest samples can fit
                data, tss = data[-self.capacity :], tss[-self.capacity :]
            m = data.shape[0]
            pos = (start + n - m) % self.capacity
            first = min(m, self.capacity - pos)
            self._data[pos : pos + first] = data[:first]
            self._ts[pos : pos + first] = tss[:first]
            self._data[: m - first] = data[first:]
            self._ts[: m - first] = tss[first:]
            self.total_written += n
            oldest_kept = self.total_written - self.capacity
            lost = 0
            if self._read_pos < oldest_kept:
                lost = oldest_kept - self._read_pos
                self._read_pos = oldest_kept
                self.dropped += lost
                lost_markers = [mk for mk in self._markers if mk[0] < oldest_kept]
                self._markers = [mk for mk in self._markers if mk[0] >= oldest_kept]
                if lost_markers:
                    log.warning("Ring buffer overflow also dropped %d marker(s).", len(lost_markers))
        if lost:
            now = self._clock()
            if now - self._last_log >= 5.0:
                self._last_log = now
                log.warning(
                    "Consumer fell behind: dropped %d oldest samples (%d in total, capacity %d).",
                    lost,
                    self.dropped,
                    self.capacity,
                )
        return lost

    def read(self, max_samples: int | None = None) -> Chunk:
        """Remove and return the oldest unread samples.

        Parameters
        ----------
        max_samples : int | None
            Return at most this many samples; ``None`` returns everything unread.

        Returns
        -------
        Chunk
            Shape (n_times, n_channels), possibly with ``n_times == 0``, with the markers of those samples.
        """
        with self._lock:
            n = self.total_written - self._read_pos
            if max_samples is not None:
                n = min(n, int(max_samples))
            data, ts = self._slice(self._read_pos, n)
            end = self._read_pos + n
            markers = [(t, c) for (i, t, c) in self._markers if i < end]
            self._markers = [mk for mk in self._markers if mk[0] >= end]
            self._read_pos = end
        return Chunk(data, ts, tuple(markers))

    def latest(self, n_samples: int) -> Chunk:
        """Return (without consuming) the newest ``n_samples`` still held, e.g. for a live scope.

        Parameters
        ----------
        n_samples : int
            Number of samples wanted; fewer are returned if fewer are held.

        Returns
        -------
        Chunk
            Shape (min(n_samples, held), n_channels), without markers.
        """
        with self._lock:
            held = min(self.total_written, self.capacity)
            n = min(int(n_samples), held)
            data, ts = self._slice(self.total_written - n, n)
        return Chunk(data, ts)

    def _slice(self, abs_start: int, n: int) -> tuple[np.ndarray, np.ndarray]:
        idx = (abs_start + np.arange(n)) % self.capacity
        return self._data[idx].copy(), self._ts[idx].copy()


@dataclass(frozen=True)
class AcquisitionStatus:
    """A state change of an :class:`AcquisitionThread`.

    Parameters
    ----------
    state : str
        One of ``running``, ``stalled``, ``reconnecting``, ``recovered``, ``failed``, ``stopped``.
    message : str
        A sentence for the user (``'No data from BrainFlow synthetic for 2.0 s.'``).
    attempt : int
        Reconnection attempt number (0 when not reconnecting).
    time : float
        Clock time of the change.
    """

    state: str
    message: str = ""
    attempt: int = 0
    time: float = 0.0
    extra: dict[str, object] = field(default_factory=dict, compare=False)


class AcquisitionThread:
    """Read one :class:`~bci_input.Source` on its own thread into a :class:`RingBuffer`.

    Parameters
    ----------
    source : Source
        The source; it must already be started, or pass ``start_source=True`` to :meth:`start`.
    buffer : RingBuffer | None
        Where chunks go; a 60 s buffer is created if ``None``.
    on_error : callable | None
        Called with each exception (from ``read``, from a reconnection, or a final :class:`DeviceError`).
    stall_timeout : float
        Seconds without data after which the source counts as stalled. The default 1.5 s plus one
        ``read_timeout`` keeps detection within 2 s.
    on_status : callable | None
        Called with an :class:`AcquisitionStatus` on every state change.
    on_chunk : callable | None
        Called with every chunk on the acquisition thread (keep it fast, e.g. a recorder).
    clock : callable
        Monotonic clock in seconds (tests inject a fake one).
    read_timeout : float
        Timeout passed to ``source.read``.
    backoff_initial, backoff_max : float
        Delay before the first reconnection attempt, doubled after every failure up to ``backoff_max``.
    max_attempts : int | None
        Give up (state ``failed``) after this many failed reconnections; ``None`` retries forever.
    """

    def __init__(
        self,
        source: Source,
        buffer: RingBuffer | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        stall_timeout: float = 1.5,
        *,
        on_status: Callable[[AcquisitionStatus], None] | None = None,
        on_chunk: Callable[[Chunk], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        read_timeout: float = 0.1,
        backoff_initial: float = 0.5,
        backoff_max: float = 8.0,
        max_attempts: int | None = None,
    ) -> None:
        if stall_timeout <= 0 or backoff_initial <= 0 or backoff_max < backoff_initial:
            raise ConfigError("stall_timeout and backoff_initial must be positive and backoff_max >= backoff_initial.")
        self.source = source
        sfreq = float(source.info.sfreq)
        self.buffer = buffer or RingBuffer(source.info.n_channels, int(60 * sfreq), clock=clock)
        self.on_error = on_error
        self.on_status = on_status
        self.on_chunk = on_chunk
        self.stall_timeout = float(stall_timeout)
        self.read_timeout = float(read_timeout)
        self.backoff_initial = float(backoff_initial)
        self.backoff_max = float(backoff_max)
        self.max_attempts = max_attempts
        self.clock = clock
        self.state = "running"
        self.errors: list[BaseException] = []
        self.n_chunks = 0
        self.n_reconnects = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_data = clock()
        self._attempt = 0
        self._next_attempt = 0.0

    # -- reporting -------------------------------------------------------------------------
    def _set_state(self, state: str, message: str = "") -> None:
        self.state = state
        level = logging.INFO if state in ("running", "recovered", "stopped") else logging.WARNING
        log.log(level, "acquisition %s: %s", state, message)
        if self.on_status is not None:
            self.on_status(AcquisitionStatus(state, message, self._attempt, self.clock()))

    def _report(self, exc: BaseException) -> None:
        self.errors.append(exc)
        log.warning("acquisition error: %s", exc)
        if self.on_error is not None:
            self.on_error(exc)

    # -- one iteration (the thread loops over this; tests call it directly) -----------------
    def step(self) -> Chunk | None:
        """Run one acquisition iteration: read, detect a stall, or attempt a reconnection.

        Returns
        -------
        Chunk | None
            The chunk read in this iteration, if any.
        """
        now = self.clock()
        if self.state == "failed":
            return None
        stalled = self.state in ("stalled", "reconnecting")
        if stalled and now >= self._next_attempt:
            return self._reconnect(now)
        try:
            chunk = self.source.read(self.read_timeout)
        except Exception as exc:  # a read error is a disconnection: report it and reconnect
            if stalled:  # already reported; keep trying until the next reconnection attempt
                log.debug("read while stalled: %s", exc)
            else:
                self._report(exc)
                self._enter_stall(self.clock(), f"Reading {self.source.info.name} failed: {exc}")
            return None
        now = self.clock()
        if chunk is not None and chunk.n_times > 0:
            if stalled:  # the data came back by itself
                self._recovered()
            self._deliver(chunk, now)
            return chunk
        if not stalled and now - self._last_data >= self.stall_timeout:
            self._enter_stall(now, f"No data from {self.source.info.name} for {now - self._last_data:.1f} s.")
        return None

    def _recovered(self) -> None:
        self._set_state("recovered", f"{self.source.info.name} is delivering data again.")
        self._attempt = 0
        self.state = "running"

    def _deliver(self, chunk: Chunk, now: float) -> None:
        self._last_data = now
        self.n_chunks += 1
        self.buffer.write(chunk)
        if self.on_chunk is not None:
            self.on_chunk(chunk)

    def _enter_stall(self, now: float, message: str) -> None:
        self._attempt = 0
        self._next_attempt = now + self.backoff_initial
        self._set_state("stalled", message)

    def _reconnect(self, now: float) -> Chunk | None:
        self._attempt += 1
        self._set_state("reconnecting", f"Reconnecting to {self.source.info.name} (attempt {self._attempt}).")
        try:
            self.source.stop()
            self.source.start()
            chunk = self.source.read(self.read_timeout)
        except Exception as exc:
            self._report(exc)
            chunk = None
        now = self.clock()
        if chunk is not None and chunk.n_times > 0:
            self.n_reconnects += 1
            self._recovered()
            self._deliver(chunk, now)
            return chunk
        if self.max_attempts is not None and self._attempt >= self.max_attempts:
            name = self.source.info.name
            self._set_state("failed", f"Gave up on {name} after {self._attempt} reconnection attempts.")
            self._report(
                DeviceError(
                    f"{self.source.info.name} stopped delivering data and {self._attempt} reconnection attempts "
                    "failed. Check the headset's power, battery and connection, then restart the session."
                )
            )
            self._stop.set()
            return None
        delay = min(self.backoff_initial * 2.0**self._attempt, self.backoff_max)
        self._next_attempt = now + delay
        return None

    # -- thread control --------------------------------------------------------------------
    def start(self, *, start_source: bool = False) -> None:
        """Start the acquisition thread.

        Parameters
        ----------
        start_source : bool
            Also call ``source.start()`` first.
        """
        if self._thread is not None and self._thread.is_alive():
            return
        if start_source:
            self.source.start()
        self._stop.clear()
        self._last_data = self.clock()
        self.state = "running"
        self._thread = threading.Thread(target=self._run, name=f"acquisition-{self.source.info.name}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                idle = self.step() is None
            except Exception as exc:  # a bug in a callback: report it and stop, never swallow it
                self._report(exc)
                self._set_state("failed", f"Acquisition stopped after an error: {exc}")
                return
            if idle and self.state in ("stalled", "reconnecting"):
                self._stop.wait(min(0.05, max(self._next_attempt - self.clock(), 0.0)))

    def stop(self, timeout: float = 2.0, *, stop_source: bool = False) -> None:
        """Stop the thread and wait for it (at most ``timeout`` seconds).

        Parameters
        ----------
        timeout : float
            Seconds to wait for the thread to end.
        stop_source : bool
            Also call ``source.stop()`` after the thread ended.
        """
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("Acquisition thread did not end within %.1f s.", timeout)
        if stop_source:
            self.source.stop()
        if self.state != "failed":
            self._set_state("stopped", "Acquisition stopped.")

    @property
    def is_alive(self) -> bool:
        """True while the thread runs."""
        return self._thread is not None and self._thread.is_alive()
