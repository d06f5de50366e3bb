"""On-screen stimuli for a live SSVEP or P300 calibration, driven by the session's cues.

The calibration session (:class:`bci_input.calibration.CalibrationSession`) runs on its own thread: it
reads the source, emits each :class:`~bci_input.calibration.Cue` when its time comes in the data, and writes
the cue's marker right after. This widget turns those cues into what the patient looks at, with the app's
own stimulus widgets:

- **SSVEP.** One target per class, each with the class's frequency and phase from the protocol. At ``cue``
  the target to look at is outlined and every target stays steady; at ``stim`` all targets flicker, with
  frame 0 at that moment (the phase restarts, so every trial starts in phase); at ``rest`` they stop.
- **P300.** One target per item. At ``cue`` the item to count is outlined; each ``flash`` cue intensifies
  its item for :data:`FLASH_S` seconds.

The marker goes into the data when the session thread handles the cue; the picture changes when the GUI
thread receives it, a few milliseconds to one chunk later. That lag is the same for every trial, so trained
templates and ERP epochs stay consistent; it is the usual software-marker limitation (a photodiode on the
screen measures it exactly).
"""

from __future__ import annotations

from typing import Any

from PyQt6.QtCore import QTimer
from PyQt6.QtWidgets import QVBoxLayout, QWidget

from bci_input.settings import UiSettings
from bci_input.speller import Target

from ._flicker import FlickerGrid
from ._keyboards import P300Grid

__all__ = ["CalibrationStimulus", "FLASH_S"]

#: How long a P300 flash stays on, in seconds.
FLASH_S = 0.1


class CalibrationStimulus(QWidget):
    """The flickering (SSVEP) or flashing (P300) targets of a live calibration; hidden for other paradigms.

    Parameters
    ----------
    ui : UiSettings | None
        Colours and target size (the ``[ui]`` settings).
    parent : QWidget | None
        Parent widget.
    """

    def __init__(self, ui: UiSettings | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ui = ui or UiSettings()
        self.paradigm = ""
        self.grid: FlickerGrid | P300Grid | None = None
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._unflash = QTimer(self)
        self._unflash.setSingleShot(True)
        self._unflash.timeout.connect(self._end_flash)
        #: Cues presented so far (for tests and diagnostics).
        self.n_cues = 0
        self.setVisible(False)

    def configure(self, spec: Any) -> None:
        """Build the targets of ``spec`` (a :class:`~bci_input.calibration.ParadigmSpec`)."""
        self.stop()
        if self.grid is not None:
            self._layout.removeWidget(self.grid)
            self.grid.deleteLater()
            self.grid = None
        self.paradigm = str(spec.name)
        if self.paradigm == "ssvep":
            phases = tuple(spec.phases) if spec.phases else (0.0,) * len(spec.freqs)
            # Labelled with the frequency (the cue text names it, "Look at the 8.2 Hz target"), short enough
            # for 40 targets; the cued one is also outlined.
            targets = [Target(f"cal:{i}", f"{f:g}", "char", str(name), float(f), float(ph))
                       for i, (name, f, ph) in enumerate(zip(spec.classes, spec.freqs, phases, strict=True))]
            grid: FlickerGrid | P300Grid = FlickerGrid(self.ui, parent=self)
        elif self.paradigm == "p300":
            targets = [Target(f"cal:{i}", str(i + 1), "char", str(i + 1)) for i in range(int(spec.n_items))]
            grid = P300Grid(self.ui, parent=self)
        else:
            self.setVisible(False)
            return
        grid.interactive = False
        grid.grid_columns = len(targets) if len(targets) <= 8 else 8  # the speller's 5 x 8 grid for 40 codes
        grid.set_targets(targets)
        self.grid = grid
        self._layout.addWidget(grid)
        self.setVisible(True)

    def on_cue(self, cue: Any) -> None:
        """Present one cue (GUI thread)."""
        grid = self.grid
        if grid is None:
            return
        self.n_cues += 1
        kind = cue.kind
        if kind == "cue":
            self._stop_stimulus()
            target = cue.label if cue.label is not None else None
            grid.selected_id = None if target is None else f"cal:{int(target)}"
            grid.update()
        elif kind == "stim" and isinstance(grid, FlickerGrid):
            if cue.label is not None:
                grid.selected_id = f"cal:{int(cue.label)}"
            grid.start()  # frame 0 now: every trial starts in phase
        elif kind == "flash" and isinstance(grid, P300Grid) and cue.item is not None:
            grid.flash([f"cal:{int(cue.item)}"])
            self._unflash.start(int(FLASH_S * 1000))
        elif kind == "rest":
            self._stop_stimulus()
            grid.selected_id = None
            grid.update()

    @property
    def flickering(self) -> bool:
        """Whether the SSVEP targets flicker now."""
        return isinstance(self.grid, FlickerGrid) and self.grid.clock.running

    def _end_flash(self) -> None:
        if isinstance(self.grid, P300Grid):
            self.grid.unflash()

    def _stop_stimulus(self) -> None:
        self._unflash.stop()
        if isinstance(self.grid, FlickerGrid):
            self.grid.stop()
        elif isinstance(self.grid, P300Grid) and self.grid.flashing:
            self.grid.unflash()

    def stop(self) -> None:
        """Stop every flicker and flash (the session ended or was stopped)."""
        self._stop_stimulus()
        if self.grid is not None:
            self.grid.selected_id = None
            self.grid.update()
