"""The session engine: source -> processors -> decoder -> speller -> document.

:class:`Engine` runs filters, decoders and dynamic stopping (on its own thread
in the app, on the caller's thread headless) and reports through plain
callbacks. :func:`bci_input.simulation.run_closed_loop` wires an engine, a speller, a document and a
simulated participant together and runs faster than real time on recorded time.
"""

from ._engine._config import SWITCH_PRESETS, EngineCallbacks, EngineConfig
from ._engine._core import Engine
from ._engine._policies import MARKER_FLASH, MARKER_HIGHLIGHT, MARKER_SSVEP

__all__ = [
    "Engine",
    "EngineConfig",
    "EngineCallbacks",
    "SWITCH_PRESETS",
    "MARKER_SSVEP",
    "MARKER_FLASH",
    "MARKER_HIGHLIGHT",
]
