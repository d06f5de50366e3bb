"""Streaming signal processing: stateful filters, re-referencing, windows and epochs.

Processors take and return :class:`~bci_input.Chunk` objects (``process(chunk) -> chunk``) and keep
their state between calls (``reset()`` forgets it). Extractors turn chunks into windows or epochs.
"""

from ._filters import (
    BandPass,
    CommonAverageReference,
    HighPass,
    LowPass,
    Notch,
    Pipeline,
    Processor,
    SosFilter,
    default_eeg_pipeline,
)
from ._live import LIVE_BANDS, live_processors, signal_chain
from ._windows import EpochExtractor, Epochs, SlidingWindow, Windows

__all__ = [
    "Processor",
    "SosFilter",
    "BandPass",
    "HighPass",
    "LowPass",
    "Notch",
    "CommonAverageReference",
    "Pipeline",
    "default_eeg_pipeline",
    "LIVE_BANDS",
    "live_processors",
    "signal_chain",
    "SlidingWindow",
    "EpochExtractor",
    "Windows",
    "Epochs",
]
