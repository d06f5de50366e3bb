"""A small growable sample buffer with timestamps, for the engine's own windows."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .._types import Chunk

__all__ = ["SampleBuffer"]


class SampleBuffer:
    """Keep the last ``capacity_s`` seconds of samples, addressable by time.

    Parameters
    ----------
    n_channels : int
        Number of channels.
    sfreq : float
        Sampling rate, Hz.
    capacity_s : float
        Seconds kept.
    """

    def __init__(self, n_channels: int, sfreq: float, capacity_s: float = 20.0) -> None:
        self.sfreq = float(sfreq)
        self.capacity = int(capacity_s * sfreq)
        self.data = np.zeros((0, n_channels), np.float32)
        self.times = np.zeros(0, np.float64)

    @property
    def t_end(self) -> float:
        """Timestamp just after the last sample (``-inf`` when empty)."""
        return float(self.times[-1] + 1.0 / self.sfreq) if len(self.times) else -np.inf

    def append(self, chunk: Chunk) -> None:
        """Add a chunk's samples, dropping the oldest beyond the capacity."""
        self.data = np.concatenate([self.data, chunk.data], axis=0)[-self.capacity :]
        self.times = np.concatenate([self.times, chunk.timestamps])[-self.capacity :]

    def window(self, t0: float, n_times: int) -> NDArray[np.float32] | None:
        """Return ``n_times`` samples starting at the first sample at or after ``t0``, or ``None``.

        Returns
        -------
        ndarray, shape (n_times, n_channels) | None
            ``None`` if the samples are not (or no longer) all in the buffer.
        """
        if not len(self.times):
            return None
        i = int(np.searchsorted(self.times, t0 - 0.5 / self.sfreq))
        if i == 0 and self.times[0] > t0 + 1.0 / self.sfreq:
            return None
        if i + n_times > len(self.times):
            return None
        return self.data[i : i + n_times]

    def reset(self) -> None:
        """Forget every sample."""
        self.data = self.data[:0]
        self.times = self.times[:0]
