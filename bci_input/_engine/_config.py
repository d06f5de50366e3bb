"""Engine configuration and callbacks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .._checks import check_number
from .._errors import ConfigError, check_option
from .._types import Intent

__all__ = ["EngineConfig", "EngineCallbacks", "SWITCH_PRESETS"]

#: Switch presets for scanning.
SWITCH_PRESETS = ("one-switch", "two-switch")

#: Physical bounds of every numeric field: (low, high, integer, low_inclusive).
_BOUNDS: dict[str, tuple[float, float, bool, bool]] = {
    "stopping_threshold": (0.0, 1.0, False, False),
    "step_s": (0.0, 60.0, False, False),
    "min_window_s": (0.0, 60.0, False, False),
    "max_window_s": (0.0, 60.0, False, False),
    "gaze_s": (0.0, 60.0, False, True),
    "latency_s": (0.0, 5.0, False, True),
    "soa_s": (0.0, 10.0, False, False),
    "epoch_s": (0.0, 10.0, False, False),
    "max_repetitions": (1, 1000, True, True),
    "min_repetitions": (0, 1000, True, True),
    "scan_step_s": (0.0, 60.0, False, False),
    "await_layout_s": (0.0, 600.0, False, True),
    "max_scan_cycles": (1, 1000, True, True),
}


@dataclass(frozen=True)
class EngineConfig:
    """Timing and decision parameters of the engine (seconds on the source clock).

    Parameters
    ----------
    stopping_threshold : float
        Posterior probability at which a target is selected (dynamic stopping); the same name as
        ``speller.stopping_threshold`` in the settings and ``stopping_threshold`` in a profile.
    step_s : float
        SSVEP: seconds between decisions while a trial grows (a profile's SSVEP calibration carries its own).
    min_window_s, max_window_s : float
        SSVEP: shortest window decided on, and the longest: a trial that reaches it undecided restarts.
    gaze_s : float
        Pause between a selection and the next trial (the user finds the next target).
    latency_s : float
        Visual pathway delay skipped at the start of each SSVEP window (a profile's SSVEP calibration
        carries the one it trained with, its ``win_start_s``).
    soa_s : float
        P300: stimulus onset asynchrony between flashes.
    epoch_s : float
        P300: epoch length after each flash (a profile's P300 calibration carries the one it trained with).
    max_repetitions : int
        P300: repetitions (every group flashed once) after which an undecided trial restarts.
    min_repetitions : int
        P300: repetitions before a decision may be made.
    scan_step_s : float
        Scanning: seconds each group stays highlighted (one-switch auto-advance).
    switch_preset : str
        ``'one-switch'`` (auto-advance, switch selects) or ``'two-switch'`` (switch 1 steps, switch 2 selects).
    await_layout_s : float
        After a selection, wait this long for a new layout before starting with the old one.
    max_scan_cycles : int
        Scanning: full cycles of a sub-level without a selection before returning to the top level.
    forced_decision : bool
        Take the best target anyway when an SSVEP window reaches ``max_window_s`` or a P300 trial
        ``max_repetitions``. Off by default: without enough evidence nothing is selected and the trial
        restarts quietly (the no-control state). On only reproduces the old behaviour for comparisons.
    """

    stopping_threshold: float = 0.9
    step_s: float = 0.5
    min_window_s: float = 0.5
    max_window_s: float = 4.0
    gaze_s: float = 0.5
    latency_s: float = 0.14
    soa_s: float = 0.25
    epoch_s: float = 0.8
    max_repetitions: int = 8
    min_repetitions: int = 1
    scan_step_s: float = 1.0
    switch_preset: str = "one-switch"
    await_layout_s: float = 2.0
    max_scan_cycles: int = 2
    forced_decision: bool = False

    def __post_init__(self) -> None:
        check_option("switch_preset", self.switch_preset, SWITCH_PRESETS)
        for name, (low, high, integer, low_inclusive) in _BOUNDS.items():
            check_number(name, getattr(self, name), low=low, high=high, integer=integer,
                         low_inclusive=low_inclusive, where="the engine configuration", error=ConfigError)
        if self.max_window_s < self.min_window_s:
            raise ConfigError("max_window_s must be at least min_window_s.")
        if self.max_repetitions < max(1, self.min_repetitions):
            raise ConfigError("max_repetitions must be at least min_repetitions (and at least 1).")

    @classmethod
    def from_settings(cls, speller: Any, **overrides: Any) -> EngineConfig:
        """Build from :class:`bci_input.settings.SpellerSettings` (threshold, window, scan step, preset)."""
        kw: dict[str, Any] = {
            "stopping_threshold": speller.stopping_threshold,
            "max_window_s": speller.max_window_s,
            "scan_step_s": speller.scan_step_s,
            "switch_preset": speller.switch_preset,
        }
        kw.update(overrides)
        return cls(**kw)


@dataclass
class EngineCallbacks:
    """Plain callables the engine reports through (called on the engine thread).

    Parameters
    ----------
    on_intent : callable(Intent) | None
        A decision.
    on_stimulus : callable(dict) | None
        A stimulus event: ``{'type': 'ssvep_on'|'ssvep_off'|'flash'|'highlight', 't': float, ...}``.
    on_status : callable(dict) | None
        Progress: state, best posterior, window length, samples processed, decoder latency.
    on_error : callable(str) | None
        A worker exception, as a message; the engine stops.
    """

    on_intent: Callable[[Intent], None] | None = None
    on_stimulus: Callable[[dict[str, Any]], None] | None = None
    on_status: Callable[[dict[str, Any]], None] | None = None
    on_error: Callable[[str], None] | None = None
