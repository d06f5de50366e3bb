"""The desktop app (PyQt6 + pyqtgraph): a thin view over the engine, the speller and the document.

Start it with ``bci-input app``; from Python::

    from bci_input.ui import AppOptions, run_app
    run_app(AppOptions(board="simulated", mode="ssvep"))

See ``docs/app.md``. Importing this package imports PyQt6; the core never does.
"""

from ._app import AppOptions, AppShell, build_app, has_display, run_app
from ._controller import APP_COMMANDS, AppController
from ._editor import DocumentView
from ._export import export_pdf
from ._flicker import FlickerGrid, FrameClock, frame_stats, luminance
from ._grid import TargetGrid
from ._keyboards import P300Grid, ScanKeyboard
from ._scope import ScopeWindow
from ._scope_process import ScopeProcess
from ._status import StatusPanel
from ._window import MainWindow
from .bridge import EngineBridge, connect_queued

__all__ = [
    "AppOptions",
    "AppShell",
    "build_app",
    "run_app",
    "has_display",
    "AppController",
    "APP_COMMANDS",
    "MainWindow",
    "DocumentView",
    "TargetGrid",
    "FlickerGrid",
    "P300Grid",
    "ScanKeyboard",
    "FrameClock",
    "frame_stats",
    "luminance",
    "StatusPanel",
    "ScopeWindow",
    "ScopeProcess",
    "export_pdf",
    "EngineBridge",
    "connect_queued",
]
