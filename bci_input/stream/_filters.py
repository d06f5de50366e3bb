"""Stateful streaming processors: band-pass, high-pass, notch, common-average reference, and a pipeline.

Every processor has ``process(chunk) -> chunk`` and ``reset()``. IIR filters are scipy second-order
sections that carry their state (``zi``) between chunks; the state starts at the steady state for the
first sample (``sosfilt_zi`` scaled by it), so a DC offset does not ring. A chunked run equals the offline
run (:meth:`SosFilter.offline`) to floating-point precision, whatever the chunk sizes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

import numpy as np
from numpy.typing import NDArray
from scipy import signal

from .._errors import ConfigError
from .._types import Chunk

__all__ = [
    "Processor",
    "SosFilter",
    "BandPass",
    "HighPass",
    "LowPass",
    "Notch",
    "CommonAverageReference",
    "Pipeline",
    "default_eeg_pipeline",
]

log = logging.getLogger(__name__)


class Processor:
    """Interface of a streaming processor: ``process(chunk) -> chunk`` and ``reset()``."""

    def process(self, chunk: Chunk) -> Chunk:
        """Process one chunk and return the processed chunk (same timestamps and markers)."""
        out = self.process_array(np.asarray(chunk.data, np.float64)).astype(np.float32)
        return Chunk(out, chunk.timestamps, chunk.markers)

    def process_array(self, data: NDArray[np.floating]) -> NDArray[np.float64]:  # pragma: no cover - abstract
        """Process samples of shape (n_times, n_channels) in float64 and return the same shape."""
        raise NotImplementedError

    def reset(self) -> None:
        """Forget the state (the next sample starts a new stream)."""


class SosFilter(Processor):
    """A causal IIR filter in second-order sections with carried state.

    Parameters
    ----------
    sos : ndarray, shape (n_sections, 6)
        The filter, as from ``scipy.signal.butter(..., output='sos')``.
    """

    def __init__(self, sos: NDArray[np.float64]) -> None:
        self.sos = np.asarray(sos, np.float64)
        if self.sos.ndim != 2 or self.sos.shape[1] != 6:
            raise ConfigError(f"sos must have shape (n_sections, 6), got {self.sos.shape}.")
        self._zi_unit = signal.sosfilt_zi(self.sos)  # (n_sections, 2)
        self.zi: NDArray[np.float64] | None = None

    def initial_state(self, first: NDArray[np.float64]) -> NDArray[np.float64]:
        """Return the steady-state ``zi`` for a signal that starts at ``first`` (shape (n_channels,))."""
        return self._zi_unit[:, :, None] * np.asarray(first, np.float64)[None, None, :]

    def process_array(self, data: NDArray[np.floating]) -> NDArray[np.float64]:
        """Filter samples of shape (n_times, n_channels), continuing from the previous call."""
        x = np.asarray(data, np.float64)
        if x.ndim != 2:
            raise ConfigError(f"Expected samples of shape (n_times, n_channels), got {x.shape}.")
        if x.shape[0] == 0:
            return x.copy()
        if self.zi is None:
            self.zi = self.initial_state(x[0])
        elif self.zi.shape[2] != x.shape[1]:
            raise ConfigError(
                f"The filter was running on {self.zi.shape[2]} channels and got {x.shape[1]}; call reset() first."
            )
        y, self.zi = signal.sosfilt(self.sos, x, axis=0, zi=self.zi)
        return y

    def offline(self, data: NDArray[np.floating]) -> NDArray[np.float64]:
        """Filter a whole recording at once, from the same initial state (the reference for chunked runs)."""
        x = np.asarray(data, np.float64)
        if x.shape[0] == 0:
            return x.copy()
        y, _ = signal.sosfilt(self.sos, x, axis=0, zi=self.initial_state(x[0]))
        return y

    def reset(self) -> None:
        """Drop the filter state; the next sample re-initialises it."""
        self.zi = None


def _check_freqs(sfreq: float, **freqs: float) -> float:
    sfreq = float(sfreq)
    if sfreq <= 0:
        raise ConfigError(f"Invalid sampling rate {sfreq!r}: it must be positive.")
    nyq = sfreq / 2
    for name, f in freqs.items():
        if not 0 < float(f) < nyq:
            raise ConfigError(f"Invalid {name} {f!r} Hz: it must be between 0 and Nyquist ({nyq:g} Hz).")
    return nyq


class BandPass(SosFilter):
    """Butterworth band-pass filter.

    Parameters
    ----------
    sfreq : float
        Sampling rate, Hz.
    low, high : float
        Pass-band edges, Hz.
    order : int
        Butterworth order (the band-pass has twice as many poles).
    """

    def __init__(self, sfreq: float, low: float, high: float, order: int = 4) -> None:
        nyq = _check_freqs(sfreq, low=low, high=high)
        if low >= high:
            raise ConfigError(f"Invalid band: low ({low} Hz) must be below high ({high} Hz).")
        self.sfreq, self.low, self.high, self.order = float(sfreq), float(low), float(high), int(order)
        super().__init__(signal.butter(order, [low / nyq, high / nyq], btype="bandpass", output="sos"))


class HighPass(SosFilter):
    """Butterworth high-pass filter (removes electrode DC offsets and drifts).

    Parameters
    ----------
    sfreq : float
        Sampling rate, Hz.
    cutoff : float
        Cut-off frequency, Hz.
    order : int
        Butterworth order.
    """

    def __init__(self, sfreq: float, cutoff: float, order: int = 4) -> None:
        nyq = _check_freqs(sfreq, cutoff=cutoff)
        self.sfreq, self.cutoff, self.order = float(sfreq), float(cutoff), int(order)
        super().__init__(signal.butter(order, cutoff / nyq, btype="highpass", output="sos"))


class LowPass(SosFilter):
    """Butterworth low-pass filter.

    Parameters
    ----------
    sfreq : float
        Sampling rate, Hz.
    cutoff : float
        Cut-off frequency, Hz.
    order : int
        Butterworth order.
    """

    def __init__(self, sfreq: float, cutoff: float, order: int = 4) -> None:
        nyq = _check_freqs(sfreq, cutoff=cutoff)
        self.sfreq, self.cutoff, self.order = float(sfreq), float(cutoff), int(order)
        super().__init__(signal.butter(order, cutoff / nyq, btype="lowpass", output="sos"))


class Notch(SosFilter):
    """Mains notch filter at 50 or 60 Hz, optionally with its harmonics below Nyquist.

    Parameters
    ----------
    sfreq : float
        Sampling rate, Hz.
    freq : float
        Mains frequency, 50 or 60 Hz.
    harmonics : bool
        Also notch 2f, 3f, ... below 0.95 Nyquist.
    quality : float
        Quality factor of each notch (centre frequency / bandwidth).
    """

    def __init__(self, sfreq: float, freq: float = 50.0, harmonics: bool = False, quality: float = 30.0) -> None:
        if float(freq) not in (50.0, 60.0):
            raise ConfigError(f"Invalid value for 'freq': {freq!r}. Allowed values are: 50, 60.")
        nyq = _check_freqs(sfreq, freq=freq)
        self.sfreq, self.freq, self.harmonics, self.quality = float(sfreq), float(freq), bool(harmonics), float(quality)
        centres = [self.freq]
        if harmonics:
            k = 2
            while k * self.freq < 0.95 * nyq:
                centres.append(k * self.freq)
                k += 1
        self.centres = tuple(centres)
        sos = [signal.tf2sos(*signal.iirnotch(f, quality, fs=self.sfreq)) for f in centres]
        super().__init__(np.concatenate(sos, axis=0))


class CommonAverageReference(Processor):
    """Subtract, at every sample, the mean of the reference channels from the chosen channels.

    Parameters
    ----------
    channels : sequence of int | None
        Channels that form the average and are re-referenced (e.g. the EEG channels); None = all.
        Other channels (EMG, AUX) pass through unchanged.
    """

    def __init__(self, channels: Sequence[int] | None = None) -> None:
        self.channels = None if channels is None else np.asarray(list(channels), int)

    def process_array(self, data: NDArray[np.floating]) -> NDArray[np.float64]:
        """Re-reference samples of shape (n_times, n_channels)."""
        x = np.array(data, np.float64)
        idx = np.arange(x.shape[1]) if self.channels is None else self.channels
        if idx.size and (idx.max() >= x.shape[1] or idx.min() < 0):
            raise ConfigError(f"CAR channels {idx.tolist()} do not exist in a {x.shape[1]}-channel stream.")
        if idx.size:
            x[:, idx] -= x[:, idx].mean(axis=1, keepdims=True)
        return x


class Pipeline(Processor):
    """Run processors one after the other.

    Parameters
    ----------
    processors : iterable of Processor
        In order of application.
    """

    def __init__(self, processors: Iterable[Processor]) -> None:
        self.processors = list(processors)

    def process_array(self, data: NDArray[np.floating]) -> NDArray[np.float64]:
        """Apply every processor to samples of shape (n_times, n_channels)."""
        x = np.asarray(data, np.float64)
        for p in self.processors:
            x = p.process_array(x)
        return x

    def reset(self) -> None:
        """Reset every processor."""
        for p in self.processors:
            p.reset()


def default_eeg_pipeline(sfreq: float, low: float = 3.0, high: float = 45.0, mains: float = 50.0) -> Pipeline:
    """Return the usual EEG front end: notch at ``mains`` then band-pass ``low``-``high`` Hz.

    Parameters
    ----------
    sfreq : float
        Sampling rate, Hz.
    low, high : float
        Band edges, Hz (``high`` is clipped to 0.45 ``sfreq``).
    mains : float
        50 or 60 Hz.

    Returns
    -------
    Pipeline
    """
    high = min(high, 0.45 * sfreq)
    procs: list[Processor] = []
    if mains < 0.5 * sfreq:
        procs.append(Notch(sfreq, mains))
    procs.append(BandPass(sfreq, low, high))
    return Pipeline(procs)
