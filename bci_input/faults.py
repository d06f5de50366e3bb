"""Detecting bad signal, and injecting faults to prove the detection works.

:class:`SignalGuard` inspects every chunk before it reaches a decoder. It flags
NaN or infinite samples, saturated (railing) channels, timestamp jumps
(dropped samples, clock resets) and reports whether decoding may go on. The
engine pauses decoding while the guard reports a fault, so garbage never turns
into a selection, and discards windows that span a gap.

:class:`FaultInjectingSource` wraps any real :class:`~bci_input.Source` (the
tests wrap BrainFlow's synthetic board) and injects stalls, NaNs, saturation,
disconnections and timestamp jumps on a schedule counted in samples, so tests
need no sleeps.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from ._errors import ConfigError, DeviceError, check_option
from ._types import Chunk, Source, StreamInfo, WrappedSource

__all__ = ["GuardReport", "SignalGuard", "Fault", "FaultInjectingSource", "FAULT_KINDS"]

log = logging.getLogger(__name__)

FAULT_KINDS = ("nan", "saturate", "stall", "disconnect", "time_jump")


@dataclass(frozen=True)
class GuardReport:
    """What :meth:`SignalGuard.check` found in one chunk.

    Parameters
    ----------
    ok : bool
        True when the chunk may be decoded.
    reasons : tuple of str
        Human-readable faults, e.g. ``'NaN samples on 3 channels'``.
    gap : bool
        True when samples are missing before this chunk (windows spanning it must be discarded).
    bad_channels : tuple of int
        Column indices of channels that are NaN or saturated in this chunk.
    """

    ok: bool
    reasons: tuple[str, ...] = ()
    gap: bool = False
    bad_channels: tuple[int, ...] = ()


class SignalGuard:
    """Per-chunk signal checks that gate decoding.

    Parameters
    ----------
    info : StreamInfo
        The stream's channels and rate.
    saturation_uv : float
        Absolute amplitude (µV) at or above which a sample counts as railing.
        BrainFlow's Cyton rails at about 187,500 µV; scalp EEG never exceeds a few hundred µV
        after high-pass filtering, so the default flags amplifier saturation and electrode pops.
    max_bad_fraction : float
        Fraction of channels that may be bad before the whole chunk is refused.
    gap_tolerance : float
        Allowed deviation of the inter-sample interval, in sample periods, before a gap is reported.
    jitter_s : float
        Timestamp jitter always tolerated, in seconds. Boards such as BrainFlow's stamp samples
        per USB/Bluetooth packet from the host clock, so consecutive steps of 10-20 ms are normal;
        a real gap (dropped packets, a clock reset) is larger.
    """

    def __init__(
        self,
        info: StreamInfo,
        *,
        saturation_uv: float = 10_000.0,
        max_bad_fraction: float = 0.25,
        gap_tolerance: float = 1.5,
        jitter_s: float = 0.1,
    ) -> None:
        self.info = info
        self.saturation_uv = float(saturation_uv)
        self.max_bad_fraction = float(max_bad_fraction)
        self.gap_tolerance = float(gap_tolerance)
        self.jitter_s = float(jitter_s)
        self.n_gaps = 0
        self.n_refused = 0
        self._last_ts: float | None = None

    def reset(self) -> None:
        """Forget the last timestamp (after a reconnection)."""
        self._last_ts = None

    def check(self, chunk: Chunk) -> GuardReport:
        """Inspect one chunk.

        Parameters
        ----------
        chunk : Chunk
            Samples of shape (n_times, n_channels).

        Returns
        -------
        GuardReport
            Whether the chunk may be decoded, and why not.
        """
        reasons: list[str] = []
        if chunk.n_times == 0:
            return GuardReport(ok=True)
        data = chunk.data
        finite = np.isfinite(data)
        nan_ch = np.flatnonzero(~finite.all(axis=0))
        with np.errstate(invalid="ignore"):
            sat_ch = np.flatnonzero((np.abs(np.where(finite, data, 0.0)) >= self.saturation_uv).any(axis=0))
        if nan_ch.size:
            reasons.append(f"NaN or infinite samples on {nan_ch.size} channel(s)")
        if sat_ch.size:
            reasons.append(f"saturated (railing) signal on {sat_ch.size} channel(s)")
        bad = tuple(sorted(set(nan_ch.tolist()) | set(sat_ch.tolist())))
        gap = False
        ts = chunk.timestamps
        period = 1.0 / self.info.sfreq
        steps = np.diff(ts) if ts.size > 1 else np.zeros(0)
        if self._last_ts is not None:
            steps = np.concatenate([[ts[0] - self._last_ts], steps])
        max_step = max((1.0 + self.gap_tolerance) * period, self.jitter_s)
        if steps.size and (np.any(steps > max_step) or np.any(steps < -self.jitter_s)):
            gap = True
            self.n_gaps += 1
            worst = float(steps.max()) if np.any(steps > 0) else float(steps.min())
            reasons.append(f"timestamp jump of {worst:+.3f} s (dropped samples or clock reset)")
            log.warning("Timestamp jump of %+.3f s detected in %s", worst, self.info.name)
        self._last_ts = float(ts[-1])
        ok = len(bad) <= self.max_bad_fraction * self.info.n_channels and not nan_ch.size
        if not ok:
            self.n_refused += 1
        return GuardReport(ok=ok, reasons=tuple(reasons), gap=gap, bad_channels=bad)


@dataclass(frozen=True)
class Fault:
    """One scheduled fault.

    Parameters
    ----------
    kind : str
        One of :data:`FAULT_KINDS`.
    start_s : float
        Stream time (seconds of samples delivered so far) when the fault starts.
    duration_s : float
        How long it lasts, in stream time (not used by ``'disconnect'``).
    jump_s : float
        For ``'time_jump'``: seconds added to every later timestamp.
    failed_restarts : int
        For ``'disconnect'``: the device stays unreachable, every read failing, until the source
        is restarted (``stop()`` then ``start()``); this many restarts fail first.
    """

    kind: str
    start_s: float
    duration_s: float = 1.0
    jump_s: float = 5.0
    failed_restarts: int = 0

    def __post_init__(self) -> None:
        check_option("fault kind", self.kind, FAULT_KINDS)
        if self.start_s < 0 or self.duration_s < 0:
            raise ConfigError("Fault start and duration must be non-negative.")


class FaultInjectingSource(WrappedSource):
    """Wrap a real source and inject faults on a schedule counted in samples.

    Parameters
    ----------
    base : Source
        The real source (for example BrainFlow's synthetic board).
    faults : list of Fault
        The schedule.
    """

    def __init__(self, base: Source, faults: list[Fault]) -> None:
        super().__init__(base)
        self.faults = list(faults)
        self._n_delivered = 0
        self._offset = 0.0
        self._disconnected: Fault | None = None
        self._restarts_failed = 0
        self._done_disconnects: set[int] = set()

    @property
    def stream_time(self) -> float:
        """Seconds of samples delivered (or swallowed by a stall) so far."""
        return self._n_delivered / self.info.sfreq

    def start(self) -> None:
        """Start the wrapped source (fails while an injected disconnection asks it to)."""
        fault = self._disconnected
        if fault is not None and self._restarts_failed < fault.failed_restarts:
            self._restarts_failed += 1
            raise DeviceError(f"Injected: {self.info.name} is still unreachable (restart {self._restarts_failed}).")
        self.base.start()
        self._disconnected = None

    def _active(self, kind: str, t: float) -> list[tuple[int, Fault]]:
        return [
            (i, f) for i, f in enumerate(self.faults) if f.kind == kind and f.start_s <= t < f.start_s + f.duration_s
        ]

    def read(self, timeout: float = 0.1) -> Chunk | None:
        """Read from the wrapped source, then apply the faults due now."""
        t = self.stream_time
        for i, f in enumerate(self.faults):
            if f.kind == "disconnect" and f.start_s <= t and i not in self._done_disconnects:
                self._done_disconnects.add(i)
                self._disconnected, self._restarts_failed = f, 0
        if self._disconnected is not None:
            raise DeviceError(f"Injected disconnection of {self.info.name}: no data until it is restarted.")
        chunk = self.base.read(timeout)
        if chunk is None:
            return None
        t0 = self.stream_time
        self._n_delivered += chunk.n_times
        if self._active("stall", t0):
            return None
        data = chunk.data.copy()
        rel = t0 + np.arange(chunk.n_times) / self.info.sfreq
        for f in self.faults:
            in_fault = (rel >= f.start_s) & (rel < f.start_s + f.duration_s)
            if f.kind == "nan":
                data[in_fault] = np.nan
            elif f.kind == "saturate":
                data[in_fault] = 187_500.0
            elif f.kind == "time_jump" and t0 <= f.start_s < self.stream_time:
                self._offset += f.jump_s
        ts = chunk.timestamps + self._offset
        markers = tuple((m_t + self._offset, c) for m_t, c in chunk.markers)
        return Chunk(data, ts, markers)
