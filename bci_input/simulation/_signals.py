"""Realistic synthetic physiological signals with a known answer.

Building blocks for the simulated participant and for seeded decoder tests:
a streaming 1/f EEG background with an alpha rhythm and line noise, SSVEP
responses with harmonics, ERP (P300) templates, EMG bursts and blinks. All
randomness comes from an explicit :class:`numpy.random.Generator`.

Amplitudes are in µV and match scalp EEG orders of magnitude: background about
10 µV RMS, alpha 5-20 µV, SSVEP fundamentals 0.5-3 µV, P300 about 5 µV, blinks
100-200 µV on frontal channels, EMG bursts 20-100 µV RMS.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy import signal

__all__ = [
    "BackgroundEEG",
    "ssvep_response",
    "erp_template",
    "emg_burst",
    "blink_waveform",
]

# A classic 3-pole/3-zero filter whose response approximates 1/f power within
# about 0.5 dB over several decades (J. O. Smith, "Spectral Audio Signal Processing").
_PINK_B = np.array([0.049922035, -0.095993537, 0.050612699, -0.004408786])
_PINK_A = np.array([1.0, -2.494956002, 2.017265875, -0.522189400])


class BackgroundEEG:
    """Streaming resting EEG: 1/f noise, alpha rhythm and line noise.

    Consecutive calls to :meth:`generate` continue the same signal without
    discontinuities (filter states and oscillator phases are kept).

    Parameters
    ----------
    n_channels : int
        Number of channels.
    sfreq : float
        Sampling rate in Hz.
    rng : numpy.random.Generator
        Source of randomness.
    rms : float
        RMS of the 1/f background per channel, µV.
    alpha_amp : float
        Amplitude of the alpha rhythm, µV, scaled per channel by ``alpha_weights``.
    alpha_freq : float
        Alpha peak frequency, Hz.
    alpha_weights : ndarray, shape (n_channels,) | None
        Spatial weight of alpha per channel (occipital channels near 1). Default all 1.
    line_freq : float
        Mains frequency, Hz (50 or 60).
    line_amp : float
        Amplitude of mains interference, µV.
    spatial_corr : float
        Fraction of the background shared by all channels (volume conduction), 0-1.
    """

    def __init__(
        self,
        n_channels: int,
        sfreq: float,
        rng: np.random.Generator,
        *,
        rms: float = 10.0,
        alpha_amp: float = 8.0,
        alpha_freq: float = 10.0,
        alpha_weights: NDArray[np.float64] | None = None,
        line_freq: float = 50.0,
        line_amp: float = 2.0,
        spatial_corr: float = 0.3,
    ) -> None:
        self.n_channels = int(n_channels)
        self.sfreq = float(sfreq)
        self.rng = rng
        self.rms = float(rms)
        self.alpha_amp = float(alpha_amp)
        self.alpha_freq = float(alpha_freq)
        self.alpha_weights = (
            np.ones(self.n_channels) if alpha_weights is None else np.asarray(alpha_weights, float)
        )
        self.line_freq = float(line_freq)
        self.line_amp = float(line_amp)
        self.spatial_corr = float(np.clip(spatial_corr, 0.0, 1.0))
        n_src = self.n_channels + 1
        self._pink_zi = np.zeros((len(_PINK_A) - 1, n_src))
        # Alpha: narrow-band noise around alpha_freq (a resonator keeps realistic waxing and waning).
        nyq = self.sfreq / 2.0
        lo, hi = (self.alpha_freq - 1.5) / nyq, min(self.alpha_freq + 1.5, nyq * 0.95) / nyq
        self._alpha_sos = signal.butter(2, [lo, hi], btype="bandpass", output="sos")
        self._alpha_zi = np.zeros((self._alpha_sos.shape[0], 2, 1))
        self._alpha_gain = np.sqrt(nyq / 3.0)  # unit-variance white noise -> about unit RMS band noise
        self._n_done = 0
        # Calibrate the pink filter's output RMS once with a long run of white noise.
        probe = signal.lfilter(_PINK_B, _PINK_A, np.random.default_rng(0).standard_normal(20000))
        self._pink_scale = 1.0 / float(np.std(probe[2000:]))

    def generate(self, n_times: int) -> NDArray[np.float64]:
        """Return the next ``n_times`` samples.

        Parameters
        ----------
        n_times : int
            Number of samples.

        Returns
        -------
        ndarray, shape (n_times, n_channels)
            The background signal in µV.
        """
        n = int(n_times)
        white = self.rng.standard_normal((n, self.n_channels + 1))
        pink, self._pink_zi = signal.lfilter(_PINK_B, _PINK_A, white, axis=0, zi=self._pink_zi)
        pink *= self._pink_scale
        shared = pink[:, :1]
        c = self.spatial_corr
        bg = self.rms * (np.sqrt(c) * shared + np.sqrt(1.0 - c) * pink[:, 1:])
        a_white = self.rng.standard_normal((n, 1))
        alpha, self._alpha_zi = signal.sosfilt(self._alpha_sos, a_white, axis=0, zi=self._alpha_zi)
        alpha = alpha * self._alpha_gain * self.alpha_amp / np.sqrt(2.0)
        t = (self._n_done + np.arange(n)) / self.sfreq
        line = self.line_amp * np.sin(2 * np.pi * self.line_freq * t)[:, None]
        self._n_done += n
        return bg + alpha * self.alpha_weights[None, :] + line


def ssvep_response(
    t: NDArray[np.float64],
    freq: float,
    phase: float = 0.0,
    amplitudes: tuple[float, ...] = (2.0, 1.0, 0.5),
    latency: float = 0.14,
    harmonic_phases: tuple[float, ...] | None = None,
) -> NDArray[np.float64]:
    """Return a steady-state visual evoked response.

    Parameters
    ----------
    t : ndarray, shape (n_times,)
        Time since stimulus onset, s.
    freq : float
        Stimulus frequency, Hz.
    phase : float
        Stimulus phase, radians (JFPM coding).
    amplitudes : tuple of float
        Amplitude of the fundamental and each harmonic, µV.
    latency : float
        Visual pathway delay, s; the response starts after it.
    harmonic_phases : tuple of float | None
        Extra per-harmonic phase (a subject's signature), radians.

    Returns
    -------
    ndarray, shape (n_times,)
        The response, zero before ``latency``.
    """
    t = np.asarray(t, float)
    out = np.zeros_like(t)
    on = t >= latency
    tt = t[on] - latency
    hp = harmonic_phases or (0.0,) * len(amplitudes)
    for h, amp in enumerate(amplitudes, start=1):
        out[on] += amp * np.sin(2 * np.pi * h * freq * tt + h * phase + hp[h - 1])
    # A 100 ms ramp so the onset is not a step.
    ramp = np.clip(tt / 0.1, 0.0, 1.0)
    out[on] *= ramp
    return out


def erp_template(
    sfreq: float, duration: float = 0.8, p300_amp: float = 5.0, latency: float = 0.35
) -> NDArray[np.float64]:
    """Return a target ERP waveform: N1, P2, N2 and a P300.

    Parameters
    ----------
    sfreq : float
        Sampling rate, Hz.
    duration : float
        Length of the template, s.
    p300_amp : float
        P300 peak amplitude, µV.
    latency : float
        P300 peak latency, s.

    Returns
    -------
    ndarray, shape (n_times,)
        The waveform from stimulus onset.
    """
    t = np.arange(int(round(duration * sfreq))) / sfreq

    def bump(center: float, width: float, amp: float) -> NDArray[np.float64]:
        return amp * np.exp(-0.5 * ((t - center) / width) ** 2)

    return (
        bump(0.10, 0.02, -1.5)
        + bump(0.18, 0.03, 1.5)
        + bump(0.25, 0.03, -1.0)
        + bump(latency, 0.07, p300_amp)
    )


def emg_burst(n_times: int, sfreq: float, rng: np.random.Generator, rms: float = 50.0) -> NDArray[np.float64]:
    """Return one surface-EMG burst: band-limited noise under a smooth envelope.

    Parameters
    ----------
    n_times : int
        Burst length in samples.
    sfreq : float
        Sampling rate, Hz.
    rng : numpy.random.Generator
        Source of randomness.
    rms : float
        RMS amplitude during the plateau, µV.

    Returns
    -------
    ndarray, shape (n_times,)
        The burst.
    """
    nyq = sfreq / 2.0
    hi = min(150.0, nyq * 0.9) / nyq
    sos = signal.butter(4, [20.0 / nyq, hi], btype="bandpass", output="sos")
    noise = signal.sosfilt(sos, rng.standard_normal(n_times + 200))[200:]
    noise /= max(float(np.std(noise)), 1e-12)
    ramp = max(1, min(n_times // 5, int(0.03 * sfreq)))
    env = np.ones(n_times)
    env[:ramp] = np.linspace(0.0, 1.0, ramp)
    env[-ramp:] = np.minimum(env[-ramp:], np.linspace(1.0, 0.0, ramp))
    return rms * noise * env


def blink_waveform(sfreq: float, amplitude: float = 150.0, duration: float = 0.3) -> NDArray[np.float64]:
    """Return an eye-blink artefact as seen on a frontal channel.

    Parameters
    ----------
    sfreq : float
        Sampling rate, Hz.
    amplitude : float
        Peak amplitude, µV.
    duration : float
        Blink duration, s.

    Returns
    -------
    ndarray, shape (n_times,)
        A smooth positive deflection.
    """
    n = max(3, int(round(duration * sfreq)))
    x = np.linspace(0.0, np.pi, n)
    return amplitude * np.sin(x) ** 2
