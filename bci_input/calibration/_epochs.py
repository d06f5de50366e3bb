"""Epoching, artefact rejection and the minimum data check of a calibration recording.

:func:`extract_epochs` cuts epochs at the markers, :func:`reject_artifacts` drops the
epochs with NaNs, flat channels or excessive peak-to-peak amplitude, and
:func:`check_minimum_data` says plainly how many more clean trials are needed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._errors import ConfigError
from ._protocol import IDLE_CODE, P300_CUE_OFFSET, ParadigmSpec

__all__ = [
    "CalibrationEpochs", "DataCheck", "filter_continuous", "extract_epochs", "reject_artifacts", "check_minimum_data",
]

log = logging.getLogger(__name__)


@dataclass
class CalibrationEpochs:
    """Epochs cut at the stimulus markers.

    Parameters
    ----------
    X : ndarray, shape (n_epochs, n_times, n_channels)
        Epoch data, µV, float32.
    y : ndarray, shape (n_epochs,)
        Class index of each epoch.
    onsets : ndarray, shape (n_epochs,)
        Onset of each epoch in the recording, s.
    sfreq : float
        Sampling rate, Hz.
    tmin : float
        Time of the first sample relative to the marker, s.
    groups : ndarray, shape (n_epochs,)
        Trial index of each epoch (P300: all flashes of one cued trial share it).
    items : ndarray, shape (n_epochs,)
        P300: flashed item of each epoch (``-1`` elsewhere).
    """

    X: NDArray[np.float32]
    y: NDArray[np.int64]
    onsets: NDArray[np.float64]
    sfreq: float
    tmin: float
    groups: NDArray[np.int64]
    items: NDArray[np.int64]

    def __len__(self) -> int:
        return int(self.X.shape[0])

    def subset(self, mask: NDArray[np.bool_]) -> CalibrationEpochs:
        """Return the epochs where ``mask`` is true."""
        return CalibrationEpochs(self.X[mask], self.y[mask], self.onsets[mask], self.sfreq, self.tmin,
                                 self.groups[mask], self.items[mask])

    @staticmethod
    def concatenate(parts: list[CalibrationEpochs]) -> CalibrationEpochs:
        """Join epochs from several sessions (trial groups are renumbered to stay distinct)."""
        if not parts:
            raise ConfigError("No epochs to concatenate.")
        groups, offset = [], 0
        for p in parts:
            groups.append(p.groups + offset)
            offset += int(p.groups.max()) + 1 if len(p) else 0
        return CalibrationEpochs(
            np.concatenate([p.X for p in parts]).astype(np.float32), np.concatenate([p.y for p in parts]),
            np.concatenate([p.onsets for p in parts]), parts[0].sfreq, parts[0].tmin, np.concatenate(groups),
            np.concatenate([p.items for p in parts]),
        )


def filter_continuous(data: NDArray[Any], sfreq: float, l_freq: float | None, h_freq: float | None,
                      line_freq: float | None = None) -> NDArray[Any]:
    """Filter a continuous recording exactly as the engine filters it online.

    The stream's causal Butterworth filters (:mod:`bci_input.stream`, order 4, steady-state start)
    are run over the whole recording, so epochs carry the same phase delays as the windows the
    decoder will see live (TRCA templates depend on the phase).

    Parameters
    ----------
    data : ndarray, shape (n_times, n_channels)
        Signal, µV.
    sfreq : float
        Sampling rate, Hz.
    l_freq, h_freq : float | None
        Pass band edges, Hz (``None`` = open); with both ``None`` only the mean is removed.
    line_freq : float | None
        Mains frequency notched first (the stream's :class:`~bci_input.stream.Notch`), Hz.

    Returns
    -------
    ndarray, shape (n_times, n_channels)
    """
    from ..stream import signal_chain

    x = np.asarray(data, np.float64)
    nan = ~np.isfinite(x)
    x = np.where(nan, 0.0, x)
    x = x - x.mean(axis=0, keepdims=True) if x.shape[0] else x
    for filt in signal_chain(sfreq, l_freq, h_freq, line_freq):  # the live chain, run on the recording
        x = filt.process_array(x)
    return np.where(nan, np.nan, x)


def extract_epochs(
    spec: ParadigmSpec, data: NDArray[Any], sfreq: float, events: list[tuple[float, int]] | NDArray[Any],
    *, filtered: bool = False,
) -> CalibrationEpochs:
    """Cut epochs at the stimulus markers of a recording.

    Parameters
    ----------
    spec : ParadigmSpec
        The paradigm (codes, epoch window, filter band).
    data : ndarray, shape (n_times, n_channels)
        The recording, µV, sample 0 at time 0.
    sfreq : float
        Sampling rate, Hz.
    events : sequence of (onset_s, code)
        Markers; onsets in seconds from the first sample.
    filtered : bool
        ``True`` if ``data`` is already band-passed.

    Returns
    -------
    CalibrationEpochs
        One epoch per stimulus marker whose window lies inside the recording.
    """
    x = data if filtered else filter_continuous(data, sfreq, spec.l_freq, spec.h_freq, spec.line_freq)
    n_s = int(round((spec.tmax - spec.tmin) * sfreq))
    off = int(round(spec.tmin * sfreq))
    Xs: list[NDArray[Any]] = []
    ys: list[int] = []
    onsets: list[float] = []
    groups: list[int] = []
    items: list[int] = []
    trial, cued = -1, None
    code_to_label = {c: i for i, c in enumerate(spec.codes)}
    for onset, code in events:
        code = int(code)
        if spec.name == "p300" and spec.n_items == 0:  # oddball file: 2 = target, 1 = non-target
            if code not in (1, 2):
                continue
            label, item = int(code == 2), -1
            trial = len(ys) // 10  # blocks of 10 consecutive flashes stay in one CV fold
        elif spec.name == "p300":
            if code >= P300_CUE_OFFSET:
                trial, cued = trial + 1, code - P300_CUE_OFFSET
                continue
            if code == IDLE_CODE:  # the look-away block: its flashes are not training epochs
                cued = None
                continue
            if cued is None or not 1 <= code <= spec.n_items:
                continue
            label, item = int(code - 1 == cued), code - 1
        else:
            if code not in code_to_label:
                continue
            trial += 1
            label, item = code_to_label[code], -1
        start = int(round(float(onset) * sfreq)) + off
        if start < 0 or start + n_s > x.shape[0]:
            continue
        Xs.append(x[start:start + n_s])
        ys.append(label)
        onsets.append(float(onset))
        groups.append(trial)
        items.append(item)
    n_ch = data.shape[1]
    X = np.asarray(Xs, np.float32).reshape(len(Xs), n_s, n_ch)
    return CalibrationEpochs(X, np.asarray(ys, np.int64), np.asarray(onsets, float), float(sfreq), spec.tmin,
                  np.asarray(groups, np.int64), np.asarray(items, np.int64))


def reject_artifacts(epochs: CalibrationEpochs, spec: ParadigmSpec) -> tuple[CalibrationEpochs, dict[str, int]]:
    """Drop epochs with NaN/inf samples, flat channels or excessive peak-to-peak amplitude.

    Parameters
    ----------
    epochs : CalibrationEpochs
        Epochs to check.
    spec : ParadigmSpec
        Holds ``reject_ptp_uv`` and ``flat_uv``.

    Returns
    -------
    clean : CalibrationEpochs
        The epochs kept.
    counts : dict
        Number of epochs dropped for ``'nan'``, ``'flat'`` and ``'ptp'`` (each epoch counted once);
        ``'relative_ptp_limit': 1`` when most epochs exceeded the absolute limit, so outliers beyond
        5x the median peak-to-peak were rejected instead (unusual amplitude scale).
    """
    X = epochs.X
    bad_nan = ~np.isfinite(X).all(axis=(1, 2))
    Xf = np.nan_to_num(X)
    ptp = Xf.max(axis=1) - Xf.min(axis=1)
    bad_flat = ~bad_nan & (ptp < spec.flat_uv).any(axis=1)
    bad_ptp = np.zeros(len(epochs), bool)
    relative = False
    if spec.reject_ptp_uv is not None and len(epochs):
        usable = ~bad_nan & ~bad_flat
        bad_ptp = usable & (ptp > spec.reject_ptp_uv).any(axis=1)
        if bad_ptp.sum() > 0.5 * max(1, usable.sum()):
            # Most epochs exceed the absolute limit: the amplitude scale is unusual (units, amplifier gain).
            # Fall back to rejecting outliers: more than 5x the median peak-to-peak of the channel.
            relative = True
            med = np.median(ptp[usable], axis=0) if usable.any() else np.zeros(ptp.shape[1])
            bad_ptp = usable & (ptp > 5.0 * med[None, :]).any(axis=1)
            log.warning("Most epochs exceed %g µV peak-to-peak; rejecting relative outliers (>5x median) instead.",
                        spec.reject_ptp_uv)
    keep = ~(bad_nan | bad_flat | bad_ptp)
    counts = {"nan": int(bad_nan.sum()), "flat": int(bad_flat.sum()), "ptp": int(bad_ptp.sum())}
    if relative:
        counts["relative_ptp_limit"] = 1
    return epochs.subset(keep), counts


@dataclass(frozen=True)
class DataCheck:
    """Result of the minimum data check.

    Parameters
    ----------
    ok : bool
        True when every class has enough clean trials.
    counts : dict of str to int
        Clean trials per class name.
    needed : dict of str to int
        More clean trials needed per class name (0 when enough).
    rejected : dict of str to int
        Epochs dropped per reason.
    message : str
        A plain-language summary for the clinician.
    """

    ok: bool
    counts: dict[str, int]
    needed: dict[str, int]
    rejected: dict[str, int]
    message: str


def check_minimum_data(
    clean: CalibrationEpochs, spec: ParadigmSpec, rejected: dict[str, int] | None = None
) -> DataCheck:
    """Check that every class has enough clean trials, and say how many more are needed.

    Parameters
    ----------
    clean : CalibrationEpochs
        Epochs left after artefact rejection.
    spec : ParadigmSpec
        Holds ``min_trials_per_class``.
    rejected : dict | None
        Output of :func:`reject_artifacts`, reported in the message.

    Returns
    -------
    DataCheck
    """
    rejected = dict(rejected or {})
    counts = {name: int((clean.y == i).sum()) for i, name in enumerate(spec.classes)}
    need = spec.min_trials_per_class
    if spec.name == "p300":  # targets are rare: require the minimum on the target class, 3x on non-targets
        per = {"non-target": 3 * need, "target": need}
    else:
        per = {name: need for name in spec.classes}
    needed = {name: max(0, per[name] - counts[name]) for name in spec.classes}
    relative = bool(rejected.pop("relative_ptp_limit", 0))
    n_rej = sum(rejected.values())
    rej_txt = ""
    if n_rej:
        parts = [f"{v} {k}" for k, v in rejected.items() if v]
        rej_txt = f" {n_rej} epoch(s) were rejected as artefacts ({', '.join(parts)})."
    if relative:
        rej_txt += (f" Most epochs exceeded {spec.reject_ptp_uv:g} µV peak-to-peak, so the amplitude scale looks "
                    "unusual (check the units and gain); outliers above 5x the median were rejected instead.")
    if all(v == 0 for v in needed.values()):
        msg = "Enough clean trials: " + ", ".join(f"{k} {v}" for k, v in counts.items()) + "." + rej_txt
        return DataCheck(True, counts, needed, rejected, msg)
    short = ", ".join(f"{v} more '{k}'" for k, v in needed.items() if v)
    unit = "flash epoch(s), i.e. more cued trials" if spec.name == "p300" else "trial(s)"
    msg = (
        f"Not enough clean trials to calibrate {spec.name}: have "
        + ", ".join(f"{k} {v}" for k, v in counts.items())
        + f"; need at least {need} per class. Record {short} {unit} (a top-up session adds to these)."
        + rej_txt
    )
    return DataCheck(False, counts, needed, rejected, msg)
