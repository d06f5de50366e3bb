"""Blink / EOG switch from frontal channels: voluntary double blinks vs spontaneous single blinks.

A blink is a large slow deflection on frontal electrodes (Fp1/Fp2, AF7/AF8). The signal is
band-passed (0.5-10 Hz by default), averaged over the frontal channels (horizontal eye
movements, of opposite sign on the two sides, partly cancel) and smoothed; the same
hysteresis machine as the EMG switch turns it into events. A single blink is reported as
``"blink"`` (spontaneous blinks look like this: the app should not act on them), two blinks
within ``double_window_s`` as ``"double_blink"`` (the voluntary command). Deflections longer
than ``max_blink_s`` (eye closure, slow eye movements) are ignored.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import signal

from .._errors import ConfigError
from ..stream import SosFilter
from ._emg import EmgSwitch
from ._persist import register_decoder
from ._switch import BurstMachine

__all__ = ["BlinkSwitch"]


@register_decoder
class BlinkSwitch(EmgSwitch):
    """Blink switch with calibrated threshold, hysteresis and refractory period.

    Same streaming API as :class:`EmgSwitch` (``calibrate``, ``process``, ``reset``); event
    kinds are ``"blink"`` and ``"double_blink"``.

    Parameters
    ----------
    sfreq : float
        Sampling rate, Hz.
    threshold : float | None
        On-threshold of the blink envelope (µV); None means "from :meth:`calibrate`".
    hysteresis : float
        Off-threshold as a fraction of the on-threshold.
    refractory_s : float
        Seconds after an event during which new blinks are ignored.
    double_window_s : float
        Maximum gap between the end of the first blink and the start of the second.
    max_blink_s : float
        Longest deflection still counted as a blink.
    min_duration_s : float
        Shorter deflections are noise.
    min_off_s : float
        The envelope must stay below the off-threshold this long to end a blink.
    envelope_s : float
        Smoothing window, s.
    band : tuple of float
        Band-pass edges, Hz.
    notch : tuple of float
        Mains frequencies to notch (rarely needed below 10 Hz).
    channels : tuple of int | None
        Frontal columns of the chunk; None uses all.
    threshold_frac : float
        Position of the threshold between the rest level and the blink level (log scale).
    rest_quantile : float
        Quantile of the rest envelope taken as its upper level.
    polarity : {1, -1} | None
        Sign of a blink on the band-passed channel mean; None learns it in :meth:`calibrate`
        (and assumes +1, the usual sign on Fp1/Fp2 against an ear reference, without calibration).
        Only deflections of this sign count, so the filter's rebound after a blink does not
        lengthen it.

    Attributes
    ----------
    threshold_ : float
        The on-threshold in use.
    """

    _active_quantile = 0.99  # a blink recording is mostly baseline: take the level of its peaks
    _kinds = ("blink", "double_blink", None)

    def __init__(
        self,
        sfreq: float = 250.0,
        threshold: float | None = None,
        hysteresis: float = 0.5,
        refractory_s: float = 0.3,
        double_window_s: float = 0.6,
        max_blink_s: float = 0.6,
        min_duration_s: float = 0.04,
        min_off_s: float = 0.03,
        envelope_s: float = 0.05,
        band: tuple[float, float] = (0.5, 10.0),
        notch: tuple[float, ...] = (),
        channels: tuple[int, ...] | None = None,
        threshold_frac: float = 0.5,
        rest_quantile: float = 0.9,
        polarity: int | None = None,
    ) -> None:
        self.sfreq = sfreq
        self.threshold = threshold
        self.hysteresis = hysteresis
        self.refractory_s = refractory_s
        self.double_window_s = double_window_s
        self.max_blink_s = max_blink_s
        self.min_duration_s = min_duration_s
        self.min_off_s = min_off_s
        self.envelope_s = envelope_s
        self.band = band
        self.notch = notch
        self.channels = channels
        self.threshold_frac = threshold_frac
        self.rest_quantile = rest_quantile
        self.polarity = polarity

    def _filters(self) -> list[SosFilter]:
        fs = float(self.sfreq)
        lo, hi = (float(v) for v in self.band)
        if not 0 < lo < hi < fs / 2:
            raise ConfigError(f"band must satisfy 0 < low < high < {fs / 2} Hz, got {self.band!r}.")
        out = [SosFilter(signal.butter(2, [lo, hi], btype="bandpass", fs=fs, output="sos"))]
        for f0 in self.notch:
            if 0 < f0 < fs / 2:
                b, a = signal.iirnotch(f0, 30.0, fs)
                out.append(SosFilter(signal.tf2sos(b, a)))
        return out

    def _machine(self) -> BurstMachine:
        if not 0 < self.hysteresis <= 1:
            raise ConfigError(f"hysteresis must be in (0, 1], got {self.hysteresis!r}.")
        return BurstMachine(
            *self._kinds,
            min_duration_s=self.min_duration_s, max_short_s=self.max_blink_s, long_s=self.max_blink_s + 1e-6,
            double_window_s=self.double_window_s, refractory_s=self.refractory_s, min_off_s=self.min_off_s,
        )  # fmt: skip

    def _sign(self) -> float:
        if self.polarity is not None:
            if self.polarity not in (1, -1):
                raise ConfigError(f"polarity must be 1, -1 or None, got {self.polarity!r}.")
            return float(self.polarity)
        return float(getattr(self, "polarity_", 1.0))

    def _power(self, x: NDArray[np.float64]) -> NDArray[Any]:
        """Square of the signed channel mean: blinks share one sign across frontal channels."""
        m = np.maximum(np.mean(x, axis=1) * self._sign(), 0.0)
        return m * m

    def calibrate(self, rest: Any, active: Any) -> BlinkSwitch:
        """Learn the blink polarity (unless given), then set the threshold as :meth:`EmgSwitch.calibrate`.

        Parameters
        ----------
        rest : array-like, shape (n_times, n_channels), or a sequence of them
            No blinks (eyes open, fixating).
        active : array-like, shape (n_times, n_channels), or a sequence of them
            Several blinks.

        Returns
        -------
        BlinkSwitch
            self, with ``threshold_`` and ``polarity_`` set.
        """
        if self.polarity is None:
            parts = [active] if isinstance(active, np.ndarray) and active.ndim == 2 else list(active)
            best, sign = -1.0, 1.0
            for part in parts:
                x = self._pick(np.asarray(part))
                for f in self._filters():
                    x = f.process_array(x)
                m = np.mean(x, axis=1)[int(0.5 * float(self.sfreq)):]
                if m.size and float(np.max(np.abs(m))) > best:
                    best = float(np.max(np.abs(m)))
                    sign = 1.0 if m.max() >= -m.min() else -1.0
            self.polarity_ = sign
        super().calibrate(rest, active)
        return self
