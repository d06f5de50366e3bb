"""Shared machinery of the threshold switches (EMG clench, blink): events and a burst state machine.

A switch turns a one-dimensional envelope into discrete events. A burst starts when the
envelope reaches the ``on`` level and ends once it has stayed below the ``off`` level
(hysteresis) for ``min_off_s``. Short bursts are held for ``double_window_s`` to see
whether a second one follows (a double); bursts lasting ``long_s`` are reported while
still going on; after every event, new bursts are ignored for ``refractory_s``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._errors import ConfigError

__all__ = ["SwitchEvent", "BurstMachine"]


@dataclass(frozen=True)
class SwitchEvent:
    """One decoded switch activation.

    Parameters
    ----------
    kind : str
        ``"clench"``, ``"double_clench"``, ``"long_clench"`` (EMG) or ``"blink"``, ``"double_blink"``.
    onset : float
        Time (s, source clock) when the (first) burst crossed the threshold.
    offset : float
        Time when the (last) burst ended; for a long clench, the time it was reported
        (the muscle may still be active).
    strength : float
        Peak envelope divided by the on-threshold (>= 1).
    decided_at : float
        Time of the sample at which the event was decided (latency = decided_at - onset).
    """

    kind: str
    onset: float
    offset: float
    strength: float
    decided_at: float = math.nan


class BurstMachine:
    """Per-sample hysteresis state machine shared by the switches.

    Parameters
    ----------
    single, double, long : str | None
        Event kinds for a short burst, two short bursts, and a burst lasting ``long_s``
        (None: a long burst is ignored, e.g. an eye closure for the blink switch).
    min_duration_s, max_short_s : float
        A burst shorter than ``min_duration_s`` is noise; a short burst must end within
        ``max_short_s`` (bursts between ``max_short_s`` and ``long_s`` are ignored).
    long_s, double_window_s, refractory_s, min_off_s : float
        See the module docstring. ``double_window_s <= 0`` reports singles at once.
    """

    def __init__(
        self,
        single: str,
        double: str | None,
        long: str | None,
        *,
        min_duration_s: float,
        max_short_s: float,
        long_s: float,
        double_window_s: float,
        refractory_s: float,
        min_off_s: float,
    ) -> None:
        for name, v in (("min_duration_s", min_duration_s), ("long_s", long_s), ("refractory_s", refractory_s),
                        ("min_off_s", min_off_s), ("max_short_s", max_short_s)):
            if not (v >= 0 and np.isfinite(v)):
                raise ConfigError(f"{name} must be a finite number >= 0, got {v!r}.")
        if long_s <= min_duration_s:
            raise ConfigError(f"long_s ({long_s}) must be longer than min_duration_s ({min_duration_s}).")
        self.kinds = (single, double, long)
        self.min_duration_s = float(min_duration_s)
        self.max_short_s = float(min(max_short_s, long_s))
        self.long_s = float(long_s)
        self.double_window_s = float(double_window_s)
        self.refractory_s = float(refractory_s)
        self.min_off_s = float(min_off_s)
        self.reset()

    def reset(self) -> None:
        """Forget any burst in progress and any pending event."""
        self.active = False
        self.onset = 0.0
        self.peak = 0.0
        self.below_since: float | None = None
        self.long_sent = False
        self.pending: tuple[float, float, float] | None = None  # (onset, offset, peak)
        self.refractory_until = -math.inf

    def _emit(self, out: list[SwitchEvent], kind: str | None, on: float, off: float, peak: float,
              t: float, level: float) -> None:
        if kind is None:
            return
        out.append(SwitchEvent(kind, on, off, float(peak / level), t))
        self.refractory_until = max(self.refractory_until, t + self.refractory_s)

    def _end_burst(self, out: list[SwitchEvent], off: float, t: float, level: float) -> None:
        single, double, _ = self.kinds
        dur = off - self.onset
        self.active = False
        if self.long_sent:
            self.refractory_until = max(self.refractory_until, off + self.refractory_s)
            return
        if dur < self.min_duration_s or dur > self.max_short_s:
            return
        if self.pending is not None and double is not None:
            p_on, _, p_peak = self.pending
            self.pending = None
            self._emit(out, double, p_on, off, max(p_peak, self.peak), t, level)
        elif self.double_window_s <= 0 or double is None:
            self._emit(out, single, self.onset, off, self.peak, t, level)
        else:
            self.pending = (self.onset, off, self.peak)

    def step(self, times: NDArray[np.float64], env: NDArray[np.float64], on: float, off: float) -> list[SwitchEvent]:
        """Run the machine over consecutive envelope samples.

        Parameters
        ----------
        times : ndarray, shape (n_times,)
            Sample times, s.
        env : ndarray, shape (n_times,)
            Envelope.
        on, off : float
            Hysteresis levels (``off <= on``).

        Returns
        -------
        list of SwitchEvent
            Events decided within these samples, in time order.
        """
        out: list[SwitchEvent] = []
        single, _, long = self.kinds
        above = env >= on
        below = env < off
        for i in range(len(env)):
            t = float(times[i])
            if self.active:
                e = float(env[i])
                if e > self.peak:
                    self.peak = e
                if below[i]:
                    if self.below_since is None:
                        self.below_since = t
                    if t - self.below_since >= self.min_off_s:
                        self._end_burst(out, self.below_since, t, on)
                else:
                    self.below_since = None
                if self.active and not self.long_sent and long is not None and t - self.onset >= self.long_s:
                    if self.pending is not None:  # a short clench just before this long one
                        p_on, p_off, p_peak = self.pending
                        self.pending = None
                        self._emit(out, single, p_on, p_off, p_peak, t, on)
                    self._emit(out, long, self.onset, t, self.peak, t, on)
                    self.long_sent = True
            elif above[i] and t >= self.refractory_until:
                self.active, self.onset, self.peak = True, t, float(env[i])
                self.below_since, self.long_sent = None, False
            if self.pending is not None and not self.active and t - self.pending[1] > self.double_window_s:
                p_on, p_off, p_peak = self.pending
                self.pending = None
                self._emit(out, single, p_on, p_off, p_peak, t, on)
        return out

    def state(self) -> dict[str, Any]:
        """Return a JSON-friendly snapshot (for debugging and status displays)."""
        return {"active": self.active, "pending": self.pending is not None, "refractory_until": self.refractory_until}
