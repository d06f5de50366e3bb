"""The session engine: source -> processors -> decoder -> speller -> document.

:class:`Engine` runs filters, decoders and dynamic stopping (on its own thread
in the app, on the caller's thread headless) and reports through plain
callbacks. :func:`run_closed_loop` wires an engine, a speller, a document and a
simulated participant together and runs faster than real time on recorded time.
"""

from typing import Any

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
    "run_closed_loop",
]


def run_closed_loop(*args: Any, **kwargs: Any) -> Any:
    """Wire an engine, a speller, a document and a simulated participant and let it write a text.

    Same as :func:`bci_input.simulation.run_closed_loop` (imported lazily to keep the layers apart).
    """
    from .simulation import run_closed_loop as _run

    return _run(*args, **kwargs)
