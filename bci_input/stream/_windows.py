"""Cut a sample stream into sliding windows or marker-aligned epochs, whatever the chunk sizes.

Both extractors watch the timestamps: a jump larger than ``gap_tolerance`` sample periods is a gap
(lost samples, a paused device). A window or epoch that would span a gap is discarded and counted
(``n_discarded``), never stitched together from data on both sides.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .._errors import ConfigError
from .._types import Chunk

__all__ = ["SlidingWindow", "EpochExtractor", "Windows", "Epochs"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Windows:
    """Windows produced by one call.

    Parameters
    ----------
    data : ndarray, shape (n_windows, n_times, n_channels)
    start : ndarray, shape (n_windows,)
        Timestamp of each window's first sample, s.
    end : ndarray, shape (n_windows,)
        Timestamp of each window's last sample, s.
    """

    data: NDArray[np.float32]
    start: NDArray[np.float64]
    end: NDArray[np.float64]

    def __len__(self) -> int:
        return int(self.data.shape[0])


@dataclass(frozen=True)
class Epochs:
    """Epochs produced by one call.

    Parameters
    ----------
    data : ndarray, shape (n_epochs, n_times, n_channels)
    codes : ndarray, shape (n_epochs,)
        Marker code of each epoch.
    onsets : ndarray, shape (n_epochs,)
        Marker timestamp of each epoch, s.
    """

    data: NDArray[np.float32]
    codes: NDArray[np.int64]
    onsets: NDArray[np.float64]

    def __len__(self) -> int:
        return int(self.data.shape[0])


def _check(sfreq: float, n_channels: int, gap_tolerance: float) -> None:
    if sfreq <= 0 or n_channels < 1:
        raise ConfigError(f"Need sfreq > 0 and n_channels >= 1, got sfreq={sfreq!r}, n_channels={n_channels!r}.")
    if gap_tolerance < 1.0:
        raise ConfigError(f"gap_tolerance is in sample periods and must be >= 1, got {gap_tolerance!r}.")


class SlidingWindow:
    """Emit overlapping windows of a fixed length every ``step_s`` seconds.

    Window starts lie on a grid of ``step`` samples counted from the first sample of the stream;
    samples lost in a gap still count on that grid (from the timestamps), so the grid keeps its
    phase. Windows that would include missing samples are discarded and counted.

    Parameters
    ----------
    sfreq : float
        Sampling rate, Hz.
    n_channels : int
        Channels per sample.
    window_s : float
        Window length, s.
    step_s : float
        Hop between window starts, s.
    gap_tolerance : float
        A timestamp step above this many sample periods is a gap.
    """

    def __init__(
        self, sfreq: float, n_channels: int, window_s: float, step_s: float, gap_tolerance: float = 1.5
    ) -> None:
        _check(sfreq, n_channels, gap_tolerance)
        self.sfreq, self.n_channels, self.gap_tolerance = float(sfreq), int(n_channels), float(gap_tolerance)
        self.n_times = int(round(window_s * sfreq))
        self.step = int(round(step_s * sfreq))
        if self.n_times < 1 or self.step < 1:
            raise ConfigError(f"Window ({window_s} s) and step ({step_s} s) must each be at least one sample.")
        self.reset()

    def reset(self) -> None:
        """Forget buffered samples and counters."""
        self._buf = np.zeros((0, self.n_channels), np.float32)
        self._ts = np.zeros(0, np.float64)
        self._seg_start = 0  # virtual index of the first buffered sample
        self._next = 0  # virtual index of the next window start
        self._last_t: float | None = None
        self.n_discarded = 0
        self.n_gaps = 0

    def _gap(self, seg_end: int, new_start: int) -> None:
        """Skip pending window starts below ``new_start``; count those that held real samples."""
        n, s = self.n_times, self.step
        if self._next >= new_start:
            return
        k_total = math.ceil((new_start - self._next) / s)
        # starts whose window holds a real sample before the gap or after it
        k_before = max(0, math.ceil((seg_end - self._next) / s))
        first_after = new_start - n + 1  # smallest start whose window reaches the new segment
        k_after_from = max(k_before, math.ceil((first_after - self._next) / s))
        k_after = max(0, k_total - k_after_from)
        self.n_discarded += min(k_total, k_before) + k_after
        self._next += k_total * s

    def _on_gap(self, dt: float, t: float) -> None:
        """Start a new segment after a jump of ``dt`` seconds (or a non-increasing timestamp)."""
        missing = max(0, int(round(dt * self.sfreq)) - 1) if dt > 0 else 0
        seg_end = self._seg_start + len(self._ts)
        new_start = seg_end + missing
        if dt <= 0:  # time went backwards: a restarted stream; start a fresh grid
            log.warning("timestamps went back by %.3f s at t=%.3f; restarting the window grid", -dt, t)
            new_start = max(seg_end, self._next)
        self.n_gaps += 1
        log.debug("gap of %.3f s (%d samples) at t=%.3f", dt, missing, t)
        self._gap(seg_end, new_start)
        self._buf, self._ts = self._buf[:0], self._ts[:0]
        self._seg_start = new_start
        self._next = max(self._next, new_start)

    def process(self, chunk: Chunk) -> Windows:
        """Add a chunk and return every window completed by it.

        Parameters
        ----------
        chunk : Chunk
            Samples of shape (n_times, n_channels).

        Returns
        -------
        Windows
            Possibly empty.
        """
        if chunk.n_channels != self.n_channels:
            raise ConfigError(f"SlidingWindow expects {self.n_channels} channels, got {chunk.n_channels}.")
        out_d: list[NDArray[np.float32]] = []
        out_s: list[float] = []
        out_e: list[float] = []
        ts, data = chunk.timestamps, chunk.data
        period = 1.0 / self.sfreq
        # split the chunk at gaps (also between the previous chunk and this one)
        prev = np.concatenate([[self._last_t], ts[:-1]]) if self._last_t is not None else None
        cuts: list[int] = []
        if prev is not None and len(ts):
            dt = ts - prev
            cuts = np.flatnonzero((dt > self.gap_tolerance * period) | (dt <= 0)).tolist()
        cut_set = set(cuts)
        bounds = sorted({0, *cuts}) + [len(ts)]
        for a, b in zip(bounds[:-1], bounds[1:], strict=True):
            if a in cut_set:
                before = ts[a - 1] if a > 0 else self._last_t
                self._on_gap(float(ts[a] - before), float(ts[a]))
            if b > a:
                self._buf = np.concatenate([self._buf, data[a:b]])
                self._ts = np.concatenate([self._ts, ts[a:b]])
            while self._next >= self._seg_start and self._next + self.n_times <= self._seg_start + len(self._ts):
                j = self._next - self._seg_start
                out_d.append(self._buf[j : j + self.n_times])
                out_s.append(float(self._ts[j]))
                out_e.append(float(self._ts[j + self.n_times - 1]))
                self._next += self.step
        if len(ts):
            self._last_t = float(ts[-1])
        # keep only what future windows can use
        drop = max(0, min(self._next - self._seg_start, len(self._ts)))
        if drop:
            self._buf, self._ts = self._buf[drop:], self._ts[drop:]
            self._seg_start += drop
        if out_d:
            return Windows(np.stack(out_d), np.array(out_s), np.array(out_e))
        return Windows(np.zeros((0, self.n_times, self.n_channels), np.float32), np.zeros(0), np.zeros(0))


class EpochExtractor:
    """Cut epochs ``[tmin, tmax)`` around stimulus markers from a stream.

    Markers may arrive before their samples (they wait) or after them (the samples are still in the
    buffer of ``buffer_s`` seconds). The onset sample is the first with a timestamp at or after the
    marker's (within half a sample period).

    Parameters
    ----------
    sfreq : float
        Sampling rate, Hz.
    n_channels : int
        Channels per sample.
    tmin, tmax : float
        Epoch start and end relative to the marker, s (``tmin`` may be negative).
    codes : sequence of int | None
        Marker codes to epoch; None = all.
    buffer_s : float
        Seconds of past samples kept for late markers.
    gap_tolerance : float
        A timestamp step above this many sample periods is a gap.
    """

    def __init__(
        self,
        sfreq: float,
        n_channels: int,
        tmin: float,
        tmax: float,
        codes: list[int] | tuple[int, ...] | None = None,
        buffer_s: float = 10.0,
        gap_tolerance: float = 1.5,
    ) -> None:
        _check(sfreq, n_channels, gap_tolerance)
        if tmax <= tmin:
            raise ConfigError(f"Epoch tmax ({tmax}) must be after tmin ({tmin}).")
        self.sfreq, self.n_channels, self.gap_tolerance = float(sfreq), int(n_channels), float(gap_tolerance)
        self.tmin, self.tmax = float(tmin), float(tmax)
        self.codes = None if codes is None else {int(c) for c in codes}
        self.a = int(round(tmin * sfreq))
        self.n_times = int(round((tmax - tmin) * sfreq))
        self.capacity = max(int(round(buffer_s * sfreq)), self.n_times + abs(self.a) + 1)
        self.reset()

    def reset(self) -> None:
        """Forget samples, pending markers and counters."""
        self._buf = np.zeros((0, self.n_channels), np.float32)
        self._ts = np.zeros(0, np.float64)
        self._pending: list[tuple[float, int]] = []
        self.n_discarded = 0
        self.n_too_late = 0

    @property
    def pending(self) -> int:
        """Number of markers waiting for their samples."""
        return len(self._pending)

    def process(self, chunk: Chunk) -> Epochs:
        """Add a chunk (samples and markers) and return every epoch completed so far.

        Parameters
        ----------
        chunk : Chunk
            Samples of shape (n_times, n_channels) and markers ``(timestamp, code)``.

        Returns
        -------
        Epochs
            Possibly empty, in marker order.
        """
        if chunk.n_channels != self.n_channels:
            raise ConfigError(f"EpochExtractor expects {self.n_channels} channels, got {chunk.n_channels}.")
        for t, c in chunk.markers:
            if self.codes is None or c in self.codes:
                self._pending.append((t, c))
        self._pending.sort()
        if chunk.n_times:
            self._buf = np.concatenate([self._buf, chunk.data])
            self._ts = np.concatenate([self._ts, chunk.timestamps])
        out: list[NDArray[np.float32]] = []
        codes: list[int] = []
        onsets: list[float] = []
        keep: list[tuple[float, int]] = []
        half = 0.5 / self.sfreq
        for t, c in self._pending:
            if len(self._ts) == 0 or t > self._ts[-1] + half:
                keep.append((t, c))  # its samples have not arrived yet
                continue
            i0 = int(np.searchsorted(self._ts, t - half))
            start, stop = i0 + self.a, i0 + self.a + self.n_times
            if start < 0 or (i0 == 0 and t < self._ts[0] - half):
                self.n_too_late += 1
                log.warning("marker %d at t=%.3f is older than the buffer; epoch dropped", c, t)
                continue
            if stop > len(self._ts):
                keep.append((t, c))
                continue
            dt = np.diff(self._ts[start:stop])
            if dt.size and (dt.max() > self.gap_tolerance / self.sfreq or dt.min() <= 0):
                self.n_discarded += 1
                log.info("epoch of marker %d at t=%.3f spans a gap; discarded", c, t)
                continue
            out.append(self._buf[start:stop])
            codes.append(c)
            onsets.append(t)
        self._pending = keep
        self._buf, self._ts = self._buf[-self.capacity :], self._ts[-self.capacity :]
        if out:
            return Epochs(np.stack(out), np.array(codes, np.int64), np.array(onsets))
        return Epochs(np.zeros((0, self.n_times, self.n_channels), np.float32), np.zeros(0, np.int64), np.zeros(0))
