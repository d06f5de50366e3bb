"""Fit the no-control (idle) detector from a calibration recording's look-away block."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from .._types import StreamInfo
from ._epochs import CalibrationEpochs, filter_continuous
from ._protocol import IDLE_CODE, ParadigmSpec

__all__ = ["fit_idle_from_recording"]

log = logging.getLogger(__name__)


def _decoder_picks(info: StreamInfo | None, n_channels: int) -> list[int]:
    if info is not None and 0 < len(info.picks("eeg")) < info.n_channels:
        return list(info.picks("eeg"))
    return list(range(n_channels))


def fit_idle_from_recording(
    spec: ParadigmSpec, data: Any, sfreq: float, events: Any, decoder: Any, epochs: CalibrationEpochs, *,
    info: StreamInfo | None = None, max_window_s: float | None = None,
) -> Any:
    """Return the idle detector fitted on the look-away block of a calibration recording, or ``None``.

    Parameters
    ----------
    spec : ParadigmSpec
        The paradigm (``ssvep`` or ``p300``, with ``idle_s > 0``).
    data : ndarray, shape (n_times, n_channels)
        The raw recording, µV.
    sfreq : float
        Sampling rate, Hz.
    events : sequence of (onset_s, code)
        The recording's markers; the look-away block starts at :data:`IDLE_CODE`.
    decoder : estimator
        The trained decoder.
    epochs : CalibrationEpochs
        The clean cued epochs the decoder was trained on (SSVEP: the attended-class Gaussians).
    info : StreamInfo | None
        Channels (the decoder sees the EEG channels only).
    max_window_s : float | None
        SSVEP: the longest decision window the engine will use, s.

    Returns
    -------
    IdleDetector | None
        ``None`` when the recording has no look-away block (an older protocol) or the paradigm has no detector.
    """
    from ..decoding._idle import fit_p300_idle, fit_ssvep_idle

    onsets = [float(t) for t, c in events if int(c) == IDLE_CODE]
    if spec.name not in ("ssvep", "p300") or not onsets or decoder is None:
        return None
    t0 = onsets[-1]
    raw = np.asarray(data, np.float64)
    picks = _decoder_picks(info, raw.shape[1])
    x = filter_continuous(raw, sfreq, spec.l_freq, spec.h_freq, spec.line_freq)[:, picks]
    if spec.name == "ssvep":
        a = int(round((t0 + spec.win_start_s) * sfreq))
        rest = x[a : int(round((t0 + spec.idle_s) * sfreq))]
        off = int(round((spec.win_start_s - spec.tmin) * sfreq))
        cued = np.asarray(epochs.X, np.float64)[:, off:, :][:, :, picks]
        cols = np.searchsorted(np.asarray(decoder.classes_), epochs.y)
        longest = cued.shape[1] / sfreq if max_window_s is None else min(max_window_s, cued.shape[1] / sfreq)
        lengths = [0.5 * k for k in range(1, 41) if 0.5 * k <= longest + 1e-9]
        det = fit_ssvep_idle(decoder, rest, cued, cols, sfreq, lengths)
    else:
        n_s = int(round((spec.tmax - spec.tmin) * sfreq))
        starts = [int(round((float(t) + spec.tmin) * sfreq)) for t, c in events
                  if float(t) > t0 and 1 <= int(c) <= spec.n_items]
        X = np.stack([x[s : s + n_s] for s in starts if 0 <= s and s + n_s <= x.shape[0]])
        det = fit_p300_idle(np.ravel(decoder.decision_function(X)))
    log.info("idle detector fitted on %d rest %s at operating point %g", det.n_rest,
             "windows" if spec.name == "ssvep" else "flashes", det.operating_point)
    return det
