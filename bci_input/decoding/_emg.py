"""EMG switch: clench, double clench and long clench from a rectified RMS envelope.

:class:`EmgSwitch` high-passes the signal (and optionally notches mains), averages the
squared samples over channels and over a sliding window of ``envelope_s`` (the RMS
envelope), and runs a hysteresis state machine with a refractory period. It is stateful
across chunks of any size. The threshold comes from :meth:`EmgSwitch.calibrate` with rest
and active recordings, or is given explicitly. The same switch detects jaw clenches on EEG
(high-frequency bursts) when ``highpass`` is set above the EEG band (e.g. 30 Hz with a
50/60 Hz notch).
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import signal
from sklearn.base import BaseEstimator

from .._errors import ConfigError
from .._types import Chunk
from ..stream import SosFilter
from ._persist import register_decoder
from ._switch import BurstMachine, SwitchEvent

__all__ = ["EmgSwitch", "SwitchEvent"]

log = logging.getLogger(__name__)


class _Runtime:
    """Streaming state of a switch (not part of the saved model)."""

    def __init__(self, filters: list[SosFilter], n_env: int, machine: BurstMachine) -> None:
        self.filters = filters
        self.n_env = n_env
        self.tail: NDArray[np.float64] | None = None
        self.machine = machine

    def reset(self) -> None:
        for f in self.filters:
            f.reset()
        self.tail = None
        self.machine.reset()


#: Streaming state of each switch (not part of the saved model), keyed by the switch.
RUNTIME: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()


def _moving_rms(power: NDArray[np.float64], n: int, tail: NDArray[np.float64] | None) -> tuple[
        NDArray[np.float64], NDArray[np.float64]]:
    """Causal boxcar mean of ``power`` over ``n`` samples, carrying the last ``n - 1`` values."""
    if tail is None:
        tail = np.full(n - 1, power[0] if len(power) else 0.0)
    full = np.concatenate([tail, power])
    c = np.concatenate([[0.0], np.cumsum(full)])
    mean = (c[n:] - c[:-n]) / n
    return np.sqrt(np.maximum(mean, 0.0)), full[len(full) - (n - 1):] if n > 1 else full[:0]


class EmgStreaming:
    """What the EMG switches share: channel picking, the burst machine, reset and whole-recording runs.

    A subclass defines ``process(chunk)`` and keeps its streaming state in :data:`RUNTIME`, keyed by the switch.
    """

    _kinds: tuple[str, str | None, str | None] = ("clench", "double_clench", "long_clench")

    channels: tuple[int, ...] | None
    hysteresis: float
    min_duration_s: float
    max_short_s: float
    long_s: float
    double_window_s: float
    refractory_s: float
    min_off_s: float
    sfreq: float

    def process(self, chunk: Chunk) -> list[SwitchEvent]:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def _machine(self) -> BurstMachine:
        if not 0 < self.hysteresis <= 1:
            raise ConfigError(f"hysteresis must be in (0, 1], got {self.hysteresis!r}.")
        return BurstMachine(
            *self._kinds,
            min_duration_s=self.min_duration_s, max_short_s=self.max_short_s, long_s=self.long_s,
            double_window_s=self.double_window_s, refractory_s=self.refractory_s, min_off_s=self.min_off_s,
        )  # fmt: skip

    def _pick(self, data: ArrayLike) -> NDArray[np.float64]:
        x = np.asarray(data, dtype=float)
        if x.ndim != 2:
            raise ConfigError(f"EMG data must have shape (n_times, n_channels), got {x.shape}.")
        if self.channels is not None:
            bad = [c for c in self.channels if not 0 <= c < x.shape[1]]
            if bad:
                raise ConfigError(f"channels {bad} are out of range for data with {x.shape[1]} channels.")
            x = x[:, list(self.channels)]
        return x

    def reset(self) -> None:
        """Forget filter states, any burst in progress and pending events."""
        RUNTIME.pop(self, None)

    def process_array(self, data: ArrayLike, t0: float = 0.0) -> list[SwitchEvent]:
        """Run a whole recording through :meth:`process` (after a reset).

        Parameters
        ----------
        data : array-like, shape (n_times, n_channels)
            The signal.
        t0 : float
            Time of the first sample, s.

        Returns
        -------
        list of SwitchEvent
            All events.
        """
        x = np.asarray(data, dtype=np.float32)
        self.reset()
        ts = t0 + np.arange(len(x)) / float(self.sfreq)
        return self.process(Chunk(x, ts))


@register_decoder
class EmgSwitch(EmgStreaming, BaseEstimator):
    """Muscle switch with calibrated threshold, hysteresis and refractory period.

    Parameters
    ----------
    sfreq : float
        Sampling rate, Hz.
    threshold : float | None
        On-threshold of the RMS envelope (signal units); None means "from :meth:`calibrate`".
    hysteresis : float
        Off-threshold as a fraction of the on-threshold (0 < hysteresis <= 1).
    refractory_s : float
        Seconds after an event during which new bursts are ignored.
    double_window_s : float
        Maximum gap between two short clenches of a double clench; a single clench is
        reported this long after it ends (0 reports singles at once and disables doubles).
    long_s : float
        Burst duration at which a long clench is reported (while still clenching).
    max_short_s : float
        Longest burst still counted as a (short) clench; bursts between this and ``long_s``
        are ignored as ambiguous.
    min_duration_s : float
        Bursts shorter than this are noise.
    min_off_s : float
        The envelope must stay below the off-threshold this long to end a burst.
    envelope_s : float
        Length of the RMS window, s.
    highpass : float | None
        High-pass cut-off, Hz (removes motion artefacts, DC offsets and, on EEG, the EEG).
    notch : tuple of float
        Mains frequencies to notch (e.g. ``(50.0, 60.0)`` for EEG; empty for none).
    channels : tuple of int | None
        Columns of the chunk to use; None uses all.
    threshold_frac : float
        Where the calibrated threshold sits between the rest level (``rest_quantile`` of the
        rest envelope) and the active level (median of the active envelope), on a log scale.
    rest_quantile : float
        Quantile of the rest envelope taken as its upper level.

    Attributes
    ----------
    threshold_ : float
        The on-threshold in use.
    rest_level_, active_level_ : float
        Calibration levels (NaN when ``threshold`` was given).
    """

    _active_quantile = 0.5

    def __init__(
        self,
        sfreq: float = 250.0,
        threshold: float | None = None,
        hysteresis: float = 0.6,
        refractory_s: float = 0.3,
        double_window_s: float = 0.5,
        long_s: float = 1.0,
        max_short_s: float = 0.8,
        min_duration_s: float = 0.05,
        min_off_s: float = 0.1,
        envelope_s: float = 0.2,
        highpass: float | None = 20.0,
        notch: tuple[float, ...] = (),
        channels: tuple[int, ...] | None = None,
        threshold_frac: float = 0.5,
        rest_quantile: float = 0.99,
    ) -> None:
        self.sfreq = sfreq
        self.threshold = threshold
        self.hysteresis = hysteresis
        self.refractory_s = refractory_s
        self.double_window_s = double_window_s
        self.long_s = long_s
        self.max_short_s = max_short_s
        self.min_duration_s = min_duration_s
        self.min_off_s = min_off_s
        self.envelope_s = envelope_s
        self.highpass = highpass
        self.notch = notch
        self.channels = channels
        self.threshold_frac = threshold_frac
        self.rest_quantile = rest_quantile

    # -- building blocks -------------------------------------------------------------------
    def _filters(self) -> list[SosFilter]:
        fs = float(self.sfreq)
        if not fs > 0:
            raise ConfigError(f"sfreq must be positive, got {self.sfreq!r}.")
        out = []
        if self.highpass is not None:
            if not 0 < self.highpass < fs / 2:
                raise ConfigError(f"highpass must be in (0, {fs / 2}) Hz, got {self.highpass!r}.")
            out.append(SosFilter(signal.butter(4, self.highpass, btype="highpass", fs=fs, output="sos")))
        for f0 in self.notch:
            if 0 < f0 < fs / 2:
                b, a = signal.iirnotch(f0, 30.0, fs)
                out.append(SosFilter(signal.tf2sos(b, a)))
        return out

    def _new_runtime(self) -> _Runtime:
        n_env = max(1, int(round(self.envelope_s * float(self.sfreq))))
        return _Runtime(self._filters(), n_env, self._machine())

    def _envelope(self, rt: _Runtime, data: NDArray[Any]) -> NDArray[np.float64]:
        x = self._pick(data)
        for f in rt.filters:
            x = f.process_array(x)
        if x.shape[0] == 0:
            return np.zeros(0)
        env, rt.tail = _moving_rms(self._power(x), rt.n_env, rt.tail)
        return env

    def _power(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        """Instantaneous power per sample, shape (n_times,): the mean square over channels."""
        return np.mean(x * x, axis=1)

    def envelope(self, data: ArrayLike) -> NDArray[np.float64]:
        """Return the RMS envelope of a whole recording (fresh filter state, causal).

        Parameters
        ----------
        data : array-like, shape (n_times, n_channels)
            The signal.

        Returns
        -------
        ndarray, shape (n_times,)
            The envelope.
        """
        return self._envelope(self._new_runtime(), np.asarray(data))

    # -- calibration -------------------------------------------------------------------------
    def calibrate(self, rest: ArrayLike | Sequence[ArrayLike], active: ArrayLike | Sequence[ArrayLike]) -> EmgSwitch:
        """Set the threshold from rest recordings and active (clenching) recordings.

        The envelope of each recording is computed separately and its first
        ``0.2 s + envelope_s`` skipped (filter start-up). The on-threshold is placed at
        ``threshold_frac`` of the way from the rest level (``rest_quantile`` of the rest
        envelope) to the active level (median of the active envelope), on a log scale.

        Parameters
        ----------
        rest : array-like, shape (n_times, n_channels), or a sequence of them
            Relaxed muscle.
        active : array-like, shape (n_times, n_channels), or a sequence of them
            Sustained clenches (the median envelope must be above the rest level).

        Returns
        -------
        EmgSwitch
            self, with ``threshold_`` set.
        """
        skip = int(round((0.2 + self.envelope_s) * float(self.sfreq)))
        levels = []
        for name, d in (("rest", rest), ("active", active)):
            parts = [d] if isinstance(d, np.ndarray) and d.ndim == 2 else list(d)  # type: ignore[arg-type]
            envs = [self.envelope(p)[skip:] for p in parts]
            env = np.concatenate(envs) if envs else np.zeros(0)
            if len(env) < 2:
                raise ConfigError(f"The {name} calibration data are too short: give at least 1 s.")
            levels.append(env)
        rest_level = float(np.quantile(levels[0], self.rest_quantile))
        active_level = float(np.quantile(levels[1], self._active_quantile))
        if not active_level > rest_level > 0:
            raise ConfigError(
                f"Calibration failed: the active recording (median envelope {active_level:.3g}) is not above the "
                f"rest level ({rest_level:.3g}). Record the clenches again, stronger, or check the electrodes."
            )
        frac = float(self.threshold_frac)
        self.rest_level_ = rest_level
        self.active_level_ = active_level
        self.threshold_ = float(np.exp(np.log(rest_level) + frac * (np.log(active_level) - np.log(rest_level))))
        log.info("EMG switch calibrated: rest %.3g, active %.3g, threshold %.3g", rest_level, active_level,
                 self.threshold_)
        self.reset()
        return self

    def _levels(self) -> tuple[float, float]:
        if self.threshold is not None:
            on = float(self.threshold)
        elif hasattr(self, "threshold_"):
            on = float(self.threshold_)
        else:
            raise ConfigError("EmgSwitch has no threshold: call calibrate(rest, active) or pass threshold=.")
        if not on > 0:
            raise ConfigError(f"threshold must be positive, got {on!r}.")
        return on, on * float(self.hysteresis)

    # -- streaming ---------------------------------------------------------------------------
    def process(self, chunk: Chunk) -> list[SwitchEvent]:
        """Feed the next chunk and return the events decided within it.

        Parameters
        ----------
        chunk : Chunk
            Consecutive samples, shape (n_times, n_channels), any length (also 0).

        Returns
        -------
        list of SwitchEvent
            Events whose decision fell inside this chunk.
        """
        on, off = self._levels()
        rt = RUNTIME.get(self)
        if rt is None:
            rt = RUNTIME[self] = self._new_runtime()
        if chunk.n_times == 0:
            return []
        env = self._envelope(rt, chunk.data)
        return rt.machine.step(chunk.timestamps, env, on, off)
