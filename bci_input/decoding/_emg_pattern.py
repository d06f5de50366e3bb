"""Pattern-recognition EMG switch: a press is the user's own press gesture, not any muscle activity.

:class:`EmgPatternSwitch` computes, at every sample, causal time-domain features of the last
``window_s`` of every channel (log RMS, log mean absolute value, log waveform length), and a
shrinkage LDA fitted on the user's calibration turns them into the posterior probability that
the hand is making the press gesture, against rest and against every other movement recorded
in calibration ("other movements" blocks). That probability is the envelope of the same burst
state machine as :class:`~bci_input.decoding.EmgSwitch` (clench, double clench = undo, long
clench = pause), with ``threshold`` as its on-level. A strong wrist flexion, which an amplitude
switch on a forearm armband cannot tell from a fist, stays below it. Use it on multichannel EMG
(an armband); the amplitude :class:`~bci_input.decoding.EmgSwitch` remains the switch of
single-channel setups.

The per-sample features depend on the last ``window_s`` samples only, so a chunked run equals
the offline result whatever the chunk sizes.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import signal
from sklearn.base import BaseEstimator
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

from .._errors import ConfigError
from .._types import Chunk
from ..stream import SosFilter
from ._emg import RUNTIME, EmgStreaming
from ._persist import register_decoder
from ._switch import BurstMachine, SwitchEvent

__all__ = ["EmgPatternSwitch", "PATTERN_CLASSES", "emg_moving_features"]

log = logging.getLogger(__name__)

#: Class labels of the calibration data: relaxed, the press gesture, any other movement.
PATTERN_CLASSES = ("rest", "press", "other")
_EPS = 1e-3


def emg_moving_features(x: NDArray[np.float64], n: int, tail: NDArray[np.float64] | None = None
                        ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Causal per-sample features of the last ``n`` samples: log RMS, log MAV and log waveform length per channel.

    Parameters
    ----------
    x : ndarray, shape (n_times, n_channels)
        New samples (zero-mean EMG).
    n : int
        Window length, samples (>= 2).
    tail : ndarray, shape (n, n_channels) | None
        The ``n`` samples before ``x`` (None: zeros, as at the start of a stream).

    Returns
    -------
    features : ndarray, shape (n_times, 3 * n_channels)
        Features at every new sample, channel-major within each feature.
    tail : ndarray, shape (n, n_channels)
        The last ``n`` samples, to pass with the next chunk.
    """
    if tail is None:
        tail = np.zeros((n, x.shape[1]))
    full = np.concatenate([tail, x])
    diff = np.abs(np.diff(full, axis=0, prepend=full[:1]))
    out = []
    for v in (full * full, np.abs(full), diff):
        c = np.concatenate([np.zeros((1, v.shape[1])), np.cumsum(v, axis=0)])
        mean = (c[n:] - c[:-n])[1:] / n  # windows ending at each new sample
        out.append(np.maximum(mean, 0.0))
    feats = np.concatenate([np.log(np.sqrt(out[0]) + _EPS), np.log(out[1] + _EPS), np.log(out[2] + _EPS)], axis=1)
    return feats, full[len(full) - n:]


class _Runtime:
    """Streaming state (not part of the saved model)."""

    def __init__(self, filters: list[SosFilter], machine: BurstMachine) -> None:
        self.filters = filters
        self.tail: NDArray[np.float64] | None = None
        self.n_seen = 0
        self.machine = machine


def _parts(d: ArrayLike | Sequence[ArrayLike]) -> list[NDArray[np.float64]]:
    if isinstance(d, np.ndarray) and d.ndim == 2:
        return [np.asarray(d, float)]
    return [np.asarray(p, float) for p in d]  # type: ignore[union-attr]


@register_decoder
class EmgPatternSwitch(EmgStreaming, BaseEstimator):
    """Multichannel EMG switch that reports only the user's press gesture (pattern recognition).

    Parameters
    ----------
    sfreq : float
        Sampling rate, Hz.
    threshold : float
        On-level of the press posterior probability (0 < threshold < 1).
    hysteresis : float
        Off-level as a fraction of the on-level (0 < hysteresis <= 1).
    window_s : float
        Feature window, s.
    shrinkage : float | "auto"
        LDA shrinkage.
    highpass : float | None
        High-pass cut-off, Hz (removes DC offsets and motion artefacts); None for none.
    channels : tuple of int | None
        Columns of the chunk to use; None uses all.
    refractory_s, double_window_s, long_s, max_short_s, min_duration_s, min_off_s : float
        Burst timing, as in :class:`~bci_input.decoding.EmgSwitch`.
    step_s : float
        Calibration: one training window every ``step_s``.
    settle_s : float
        Calibration: seconds skipped at the start of every segment (the movement into the posture).

    Attributes
    ----------
    lda_ : LinearDiscriminantAnalysis
        Rest / press / other classifier of the features.
    press_index_ : int
        Column of the press class in ``lda_.predict_proba``.
    n_windows_ : dict
        Training windows per class.
    rest_level_, active_level_ : float
        Median RMS (over channels) of the rest and press calibration data, for reports.
    """

    def __init__(
        self,
        sfreq: float = 200.0,
        threshold: float = 0.8,
        hysteresis: float = 0.6,
        window_s: float = 0.2,
        shrinkage: float | str = "auto",
        highpass: float | None = None,
        channels: tuple[int, ...] | None = None,
        refractory_s: float = 0.3,
        double_window_s: float = 0.5,
        long_s: float = 1.0,
        max_short_s: float = 0.8,
        min_duration_s: float = 0.05,
        min_off_s: float = 0.1,
        step_s: float = 0.05,
        settle_s: float = 0.5,
    ) -> None:
        self.sfreq = sfreq
        self.threshold = threshold
        self.hysteresis = hysteresis
        self.window_s = window_s
        self.shrinkage = shrinkage
        self.highpass = highpass
        self.channels = channels
        self.refractory_s = refractory_s
        self.double_window_s = double_window_s
        self.long_s = long_s
        self.max_short_s = max_short_s
        self.min_duration_s = min_duration_s
        self.min_off_s = min_off_s
        self.step_s = step_s
        self.settle_s = settle_s

    # -- building blocks -------------------------------------------------------------------
    def _n(self) -> int:
        fs = float(self.sfreq)
        if not (np.isfinite(fs) and fs > 0):
            raise ConfigError(f"sfreq must be positive, got {self.sfreq!r}.")
        n = int(round(float(self.window_s) * fs))
        if not 2 <= n <= 10 * fs:
            raise ConfigError(f"window_s must span 2 samples to 10 s, got {self.window_s!r} s.")
        return n

    def _filters(self) -> list[SosFilter]:
        fs = float(self.sfreq)
        if self.highpass is None:
            return []
        if not 0 < self.highpass < fs / 2:
            raise ConfigError(f"highpass must be in (0, {fs / 2}) Hz, got {self.highpass!r}.")
        return [SosFilter(signal.butter(4, self.highpass, btype="highpass", fs=fs, output="sos"))]

    def _new_runtime(self) -> _Runtime:
        return _Runtime(self._filters(), self._machine())

    def _features(self, rt: _Runtime, data: ArrayLike) -> NDArray[np.float64]:
        x = self._pick(data)
        for f in rt.filters:
            x = f.process_array(x)
        feats, rt.tail = emg_moving_features(x, self._n(), rt.tail)
        return feats

    def _segment_features(self, data: NDArray[np.float64]) -> NDArray[np.float64]:
        """Features of one calibration segment from a fresh state, every ``step_s``, after ``settle_s`` + a window."""
        rt = self._new_runtime()
        feats = self._features(rt, np.asarray(data, float))
        start = int(round(float(self.settle_s) * float(self.sfreq))) + self._n()
        step = max(1, int(round(float(self.step_s) * float(self.sfreq))))
        return feats[start::step]

    # -- calibration -------------------------------------------------------------------------
    def calibrate(self, rest: ArrayLike | Sequence[ArrayLike], press: ArrayLike | Sequence[ArrayLike],
                  other: ArrayLike | Sequence[ArrayLike] = ()) -> EmgPatternSwitch:
        """Fit the rest / press / other classifier from the user's calibration recordings.

        Parameters
        ----------
        rest : array-like, shape (n_times, n_channels), or a sequence of them
            Relaxed muscle.
        press : array-like, shape (n_times, n_channels), or a sequence of them
            The press gesture, held.
        other : array-like, shape (n_times, n_channels), or a sequence of them
            Other movements the user makes without meaning a press (empty: rest against press only).

        Returns
        -------
        EmgPatternSwitch
            self, fitted.
        """
        if not 0 < float(self.threshold) < 1:
            raise ConfigError(f"threshold must be a probability in (0, 1), got {self.threshold!r}.")
        feats, labels, counts = [], [], {}
        for k, (name, d) in enumerate(zip(PATTERN_CLASSES, (rest, press, other), strict=True)):
            parts = _parts(d)
            f = [self._segment_features(p) for p in parts]
            f = [v for v in f if len(v)]
            n = int(sum(len(v) for v in f))
            if n == 0 and name == "other":
                continue
            if n < 10:
                raise ConfigError(f"The {name} calibration data are too short: give at least "
                                  f"{self.settle_s + self.window_s + 10 * self.step_s:.1f} s of it.")
            feats.append(np.concatenate(f))
            labels.append(np.full(n, k))
            counts[name] = n
        X, y = np.concatenate(feats), np.concatenate(labels)
        self.lda_ = LinearDiscriminantAnalysis(solver="lsqr", shrinkage=self.shrinkage).fit(X, y)
        self.press_index_ = int(np.flatnonzero(self.lda_.classes_ == 1)[0])
        self.n_windows_ = counts
        n_ch = X.shape[1] // 3
        self.rest_level_ = float(np.exp(np.median(np.mean(X[y == 0, :n_ch], axis=1))))
        self.active_level_ = float(np.exp(np.median(np.mean(X[y == 1, :n_ch], axis=1))))
        log.info("EMG pattern switch calibrated on %s windows; rest RMS %.3g, press RMS %.3g", counts,
                 self.rest_level_, self.active_level_)
        self.reset()
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "lda_"):
            raise ConfigError("EmgPatternSwitch is not calibrated: call calibrate(rest, press, other).")
        if not 0 < float(self.threshold) < 1:
            raise ConfigError(f"threshold must be a probability in (0, 1), got {self.threshold!r}.")

    def _check_model(self) -> None:
        """Refuse a classifier (e.g. read from a profile) with non-finite weights or no press class."""
        coef = np.asarray(getattr(self.lda_, "coef_", np.zeros(0)), float)
        icpt = np.asarray(getattr(self.lda_, "intercept_", np.zeros(0)), float)
        classes = np.asarray(getattr(self.lda_, "classes_", np.zeros(0)))
        if coef.size == 0 or not (np.all(np.isfinite(coef)) and np.all(np.isfinite(icpt))):
            raise ConfigError("EmgPatternSwitch holds a classifier with missing or non-finite weights: "
                              "calibrate again.")
        if not 0 <= int(self.press_index_) < len(classes) or classes[int(self.press_index_)] != 1:
            raise ConfigError("EmgPatternSwitch has no press class: calibrate again.")

    def _proba(self, feats: NDArray[np.float64]) -> NDArray[np.float64]:
        if len(feats) == 0:
            return np.zeros(0)
        return np.asarray(self.lda_.predict_proba(feats)[:, self.press_index_], float)

    def press_probability(self, data: ArrayLike) -> NDArray[np.float64]:
        """Return the press probability of a whole recording at every sample (fresh state, causal).

        Parameters
        ----------
        data : array-like, shape (n_times, n_channels)
            The signal.

        Returns
        -------
        ndarray, shape (n_times,)
            Posterior probability of the press gesture (0 during the first window).
        """
        self._check_fitted()
        self._check_model()
        p = self._proba(self._features(self._new_runtime(), data))
        p[: self._n() - 1] = 0.0
        return p

    envelope = press_probability

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
            Events whose decision fell inside this chunk; ``strength`` is the peak probability over the on-level.
        """
        self._check_fitted()
        rt = RUNTIME.get(self)
        if rt is None:
            self._check_model()
            rt = RUNTIME[self] = self._new_runtime()
        if chunk.n_times == 0:
            return []
        p = self._proba(self._features(rt, chunk.data))
        warm = self._n() - 1 - rt.n_seen
        if warm > 0:
            p[:warm] = 0.0
        rt.n_seen += chunk.n_times
        on = float(self.threshold)
        return rt.machine.step(chunk.timestamps, p, on, on * float(self.hysteresis))
