"""The P300 flash grid and the switch-scanning keyboard.

Both are driven by the engine's stimulus events (which the bridge delivers on the GUI thread): the engine
decides *what* flashes or is highlighted and *when*; these widgets only show it and report the time it
reached the screen.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from PyQt6.QtCore import pyqtSignal
from PyQt6.QtGui import QColor

from ._grid import TargetGrid

__all__ = ["P300Grid", "ScanKeyboard"]


class P300Grid(TargetGrid):
    """Targets flash in groups (rows, columns or pseudo-random sets); the user counts the flashes.

    Signals
    -------
    flashed(object, float)
        The ids flashed (a tuple) and the ``time.perf_counter()`` at which the frame was painted.
    """

    flashed = pyqtSignal(object, float)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.flashing: frozenset[Any] = frozenset()
        self.n_flashes = 0

    def flash(self, ids: Iterable[Any]) -> None:
        """Intensify the targets ``ids`` now (paints synchronously so the onset time is exact)."""
        self.flashing = frozenset(ids)
        self.n_flashes += 1
        self.repaint()
        self.flashed.emit(tuple(self.flashing), time.perf_counter())

    def unflash(self) -> None:
        """Return every target to its resting colour."""
        self.flashing = frozenset()
        self.repaint()

    def cell_colors(self) -> list[QColor]:
        """Flashed cells take the stimulus colour; the others stay dim."""
        on, off = self.theme.stim_on, self.theme.stim_off
        return [on if t.id in self.flashing else off for t in self.targets]


class ScanKeyboard(TargetGrid):
    """Switch scanning: the highlighted group is selected by the next switch event.

    The engine chooses the scan order and group sizes from the language model (likely symbols first);
    this widget only shows the current group.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.highlighted: frozenset[Any] = frozenset()
        self.n_steps = 0

    def highlight(self, ids: Iterable[Any]) -> None:
        """Highlight the group ``ids`` (the scan's current step)."""
        self.highlighted = frozenset(ids)
        self.n_steps += 1
        self.update()

    def clear_highlight(self) -> None:
        """Remove the highlight."""
        self.highlighted = frozenset()
        self.update()

    def cell_colors(self) -> list[QColor]:
        """Highlighted cells are tinted with the highlight colour."""
        hl = QColor(self.theme.highlight)
        hl = QColor(int(hl.red() * 0.55), int(hl.green() * 0.55), int(hl.blue() * 0.2))
        off = self.theme.stim_off
        return [hl if t.id in self.highlighted else off for t in self.targets]

    def emphasised(self) -> list[int]:
        """Outline every highlighted cell (and the last selection)."""
        out = [i for i, t in enumerate(self.targets) if t.id in self.highlighted]
        return out + super().emphasised()
