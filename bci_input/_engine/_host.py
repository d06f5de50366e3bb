"""What a paradigm policy needs from the engine that runs it."""

from __future__ import annotations

from typing import Any, Protocol

from .._types import Intent
from ._buffer import SampleBuffer
from ._config import EngineConfig

__all__ = ["PolicyHost"]


class PolicyHost(Protocol):
    """The engine as its policies see it: timing, the samples, the decoder, and where reports go."""

    config: EngineConfig
    sfreq: float
    eeg_picks: list[int]
    buffer: SampleBuffer
    decoder: Any
    p300_stats: Any
    idle: Any
    n_idle_restarts: int
    paused: bool
    decoder_latency: float
    seed: int

    def insert_marker(self, code: int) -> None:
        """Put a stimulus marker into the data stream."""

    def emit_intent(self, intent: Intent) -> None:
        """Report a decided intent."""

    def emit_stimulus(self, event: dict[str, Any]) -> None:
        """Ask the UI to present (or stop presenting) a stimulus."""

    def report_status(self, status: dict[str, Any]) -> None:
        """Report the decoding state (for the UI's status line)."""
