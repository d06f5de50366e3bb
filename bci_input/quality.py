"""Per-channel signal quality: flat line, railing/saturation, 50/60 Hz line noise, rolling RMS.

Pure numpy/scipy, so the app, calibration and the ``bci-input quality`` command share it.
:class:`SignalQuality` keeps a rolling window fed chunk by chunk; :func:`assess_quality`
rates one block of samples. Each channel is reported as ``ok``, ``warn`` or ``bad`` with
the reasons, in words a carer can act on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from ._errors import ConfigError
from ._types import Chunk, StreamInfo

__all__ = [
    "ChannelQuality",
    "QualityThresholds",
    "SignalQuality",
    "assess_quality",
    "format_quality_table",
    "QUALITY_LEVELS",
]

QUALITY_LEVELS = ("ok", "warn", "bad")
_CHECKED_TYPES = ("eeg", "emg", "eog", "ecg")


@dataclass(frozen=True)
class QualityThresholds:
    """Limits that turn measurements into ok / warn / bad.

    Parameters
    ----------
    flat_uv : float
        RMS (after a 1 Hz high-pass) below which a channel is flat (disconnected or shorted).
    rail_uv : float
        Absolute amplitude at or above which a sample counts as railing (amplifier saturation;
        a Cyton rails at about 187,500 µV).
    rail_warn, rail_bad : float
        Fraction of railing or clipped samples that makes a channel warn / bad.
    line_warn, line_bad : float
        Fraction of the 1 Hz..Nyquist power within ±1 Hz of 50 or 60 Hz that makes a channel warn / bad.
    rms_uv : dict
        Per channel type, (warn, bad) RMS limits in µV after the high-pass.
    """

    flat_uv: float = 0.5
    rail_uv: float = 180_000.0
    rail_warn: float = 0.001
    rail_bad: float = 0.05
    line_warn: float = 0.25
    line_bad: float = 0.5
    rms_uv: dict[str, tuple[float, float]] = field(
        default_factory=lambda: {"eeg": (100.0, 250.0), "eog": (300.0, 1000.0), "emg": (500.0, 2000.0),
                                 "ecg": (2000.0, 5000.0)}
    )


@dataclass(frozen=True)
class ChannelQuality:
    """Quality of one channel.

    Parameters
    ----------
    name, ch_type : str
        Channel name and type.
    status : str
        ``'ok'``, ``'warn'`` or ``'bad'``.
    rms_uv : float
        RMS after a 1 Hz high-pass (µV for EEG/EMG/EOG).
    line_50, line_60 : float
        Fraction of power within ±1 Hz of 50 Hz and of 60 Hz.
    rail_fraction : float
        Fraction of samples at the rails or clipped at the channel's extreme value.
    reasons : tuple of str
        Why the channel is not ``ok``.
    """

    name: str
    ch_type: str
    status: str
    rms_uv: float
    line_50: float
    line_60: float
    rail_fraction: float
    reasons: tuple[str, ...] = ()


def _highpass(x: NDArray[np.float64], sfreq: float) -> NDArray[np.float64]:
    from scipy import signal

    x = x - x.mean(axis=0)
    if x.shape[0] > 30 and sfreq > 4:
        sos = signal.butter(2, 1.0, btype="highpass", fs=sfreq, output="sos")
        x = signal.sosfiltfilt(sos, x, axis=0)
    return x


def _line_fractions(x: NDArray[np.float64], sfreq: float) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    from scipy import signal

    n_ch = x.shape[1]
    if x.shape[0] < 32:
        return np.zeros(n_ch), np.zeros(n_ch)
    f, p = signal.welch(x, fs=sfreq, axis=0, nperseg=min(x.shape[0], int(sfreq)), detrend="constant")
    total = np.maximum(p[(f >= 1.0) & (f <= sfreq / 2 - 1)].sum(axis=0), 1e-20)
    out = []
    for f0 in (50.0, 60.0):
        if f0 + 1 >= sfreq / 2:
            out.append(np.zeros(n_ch))
        else:
            out.append(p[(f >= f0 - 1) & (f <= f0 + 1)].sum(axis=0) / total)
    return out[0], out[1]


def _rail_fraction(x: NDArray[np.float64], rail_uv: float) -> NDArray[np.float64]:
    n = x.shape[0]
    if n == 0:
        return np.zeros(x.shape[1])
    at_rail = np.abs(x) >= rail_uv
    hi, lo = x.max(axis=0), x.min(axis=0)
    # a clipped channel sits at its extreme value for many samples
    clipped = (x == hi) | (x == lo)
    n_clip = clipped.sum(axis=0)
    clipped &= (n_clip > max(3, 0.01 * n))[None, :] & (hi > lo)[None, :]
    return (at_rail | clipped).mean(axis=0)


def assess_quality(
    data: NDArray[np.floating],
    info: StreamInfo,
    *,
    thresholds: QualityThresholds | None = None,
) -> list[ChannelQuality]:
    """Rate every channel of a block of samples.

    Parameters
    ----------
    data : ndarray, shape (n_times, n_channels)
        Samples in µV (a few seconds is enough; at least 1 s for the line-noise estimate).
    info : StreamInfo
        Channel names, types and sampling rate.
    thresholds : QualityThresholds | None
        Limits; defaults to :class:`QualityThresholds`.

    Returns
    -------
    list of ChannelQuality
        One entry per channel, in column order. Channels that are not EEG/EMG/EOG/ECG (e.g. the
        accelerometer) are only checked for NaNs.
    """
    th = thresholds or QualityThresholds()
    x = np.asarray(data, np.float64)
    if x.ndim != 2 or x.shape[1] != info.n_channels:
        raise ConfigError(f"Quality needs data of shape (n_times, {info.n_channels}), got {x.shape}.")
    finite: NDArray[np.bool_] = np.asarray(np.isfinite(x).all(axis=0))
    x = np.where(np.isfinite(x), x, 0.0)
    rails = _rail_fraction(x, th.rail_uv)
    hp = _highpass(x, info.sfreq) if x.shape[0] else x
    rms = np.sqrt((hp**2).mean(axis=0)) if x.shape[0] else np.zeros(x.shape[1])
    l50, l60 = _line_fractions(x, info.sfreq)
    out = []
    for i, (name, typ) in enumerate(zip(info.ch_names, info.ch_types, strict=True)):
        bad: list[str] = []
        warn: list[str] = []
        if not finite[i]:
            bad.append("NaN or infinite samples")
        if typ in _CHECKED_TYPES and x.shape[0]:
            if rms[i] < th.flat_uv:
                bad.append(f"flat line (RMS {rms[i]:.2f} µV): electrode disconnected or shorted")
            if rails[i] >= th.rail_bad:
                bad.append(f"railing/saturated in {rails[i]:.0%} of samples: re-seat the electrode")
            elif rails[i] >= th.rail_warn:
                warn.append(f"occasional saturation ({rails[i]:.1%} of samples)")
            line = max(l50[i], l60[i])
            hz = 50 if l50[i] >= l60[i] else 60
            if line >= th.line_bad:
                bad.append(f"{hz} Hz line noise ({line:.0%} of power): check the reference and ground electrodes")
            elif line >= th.line_warn:
                warn.append(f"{hz} Hz line noise ({line:.0%} of power)")
            w, b = th.rms_uv.get(typ, (np.inf, np.inf))
            if rms[i] >= b:
                bad.append(f"very high amplitude (RMS {rms[i]:.0f} µV): loose electrode or movement")
            elif rms[i] >= w:
                warn.append(f"high amplitude (RMS {rms[i]:.0f} µV)")
        status = "bad" if bad else "warn" if warn else "ok"
        out.append(
            ChannelQuality(name, typ, status, float(rms[i]), float(l50[i]), float(l60[i]), float(rails[i]),
                           tuple(bad + warn))
        )
    return out


class SignalQuality:
    """Rolling-window signal quality, fed chunk by chunk.

    Parameters
    ----------
    info : StreamInfo
        The stream's channels and rate.
    window_s : float
        Length of the rolling window in seconds.
    thresholds : QualityThresholds | None
        Limits; defaults to :class:`QualityThresholds`.
    """

    def __init__(self, info: StreamInfo, window_s: float = 2.0, thresholds: QualityThresholds | None = None) -> None:
        if window_s <= 0:
            raise ConfigError(f"Invalid value for 'window_s': {window_s}. It must be positive.")
        self.info = info
        self.thresholds = thresholds or QualityThresholds()
        self.n_window = max(int(round(window_s * info.sfreq)), 2)
        self._buf = np.zeros((self.n_window, info.n_channels), np.float64)
        self._n = 0

    def reset(self) -> None:
        """Forget every sample seen."""
        self._n = 0

    @property
    def n_samples(self) -> int:
        """Samples currently in the window."""
        return min(self._n, self.n_window)

    def update(self, chunk: Chunk) -> None:
        """Add a chunk of shape (n_times, n_channels) to the rolling window."""
        d = np.asarray(chunk.data, np.float64)[-self.n_window :]
        k = d.shape[0]
        if k == 0:
            return
        self._buf = np.roll(self._buf, -k, axis=0)
        self._buf[-k:] = d
        self._n += chunk.n_times

    def report(self) -> list[ChannelQuality]:
        """Rate every channel over the current window (see :func:`assess_quality`)."""
        return assess_quality(self._buf[-self.n_samples :], self.info, thresholds=self.thresholds)

    def process(self, chunk: Chunk) -> list[ChannelQuality]:
        """Add a chunk and return the updated report."""
        self.update(chunk)
        return self.report()


def format_quality_table(report: Sequence[ChannelQuality]) -> str:
    """Return a plain-text table of a quality report (one line per channel)."""
    head = f"{'channel':<9}{'type':<6}{'status':<8}{'RMS uV':>9}{'50 Hz':>8}{'60 Hz':>8}{'rail':>7}  reason"
    lines = [head, "-" * len(head)]
    for q in report:
        lines.append(
            f"{q.name:<9}{q.ch_type:<6}{q.status:<8}{q.rms_uv:>9.1f}{q.line_50:>8.0%}{q.line_60:>8.0%}"
            f"{q.rail_fraction:>7.1%}  {'; '.join(q.reasons)}"
        )
    counts = {lvl: sum(q.status == lvl for q in report) for lvl in QUALITY_LEVELS}
    lines.append(f"{counts['ok']} ok, {counts['warn']} warn, {counts['bad']} bad")
    return "\n".join(lines)
