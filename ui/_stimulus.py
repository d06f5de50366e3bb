"""Turn the engine's stimulus events into what the keyboards show.

The engine drives the schedule (trial onsets, P300 flashes, scan steps) and reports each event through
``on_stimulus``; the bridge delivers it here on the GUI thread. An event is a mapping with a ``type``
(``ssvep_on``, ``ssvep_off``, ``flash``, ``highlight``, ``highlight_off``) and the affected target ids
(``targets``) or ``group`` indices into the current layout. Without an engine (previews, screenshots),
:meth:`StimulusPresenter.start` runs a local preview schedule so that every mode shows what it looks like.
"""

from __future__ import annotations

import logging
from typing import Any

from PyQt6.QtCore import QObject, QTimer

from .bridge import EngineBridge, connect_queued

log = logging.getLogger(__name__)

__all__ = ["StimulusPresenter", "event_field", "FLASH_MS"]

#: How long a P300 flash stays on screen, in milliseconds.
FLASH_MS = 100


def event_field(event: Any, name: str, default: Any = None) -> Any:
    """Read ``name`` from a mapping or an attribute of ``event``."""
    if isinstance(event, dict):
        return event.get(name, default)
    return getattr(event, name, default)


class StimulusPresenter(QObject):
    """Shows stimulus events on the current keyboard.

    Parameters
    ----------
    window : MainWindow
        Holds the three keyboards.
    bridge : EngineBridge
        Delivers the engine's events (queued, GUI thread).
    """

    def __init__(self, window: Any, bridge: EngineBridge) -> None:
        super().__init__(window)
        self.window = window
        self.layout: Any = None
        self.preview = False
        self.n_events = 0
        self._k = 0
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._preview_step)
        self._unflash = QTimer(self)
        self._unflash.setSingleShot(True)
        self._unflash.timeout.connect(window.p300.unflash)
        connect_queued(bridge.stimulus, self.on_event)

    def layout_changed(self, layout: Any) -> None:
        """Remember the layout the engine's group indices refer to."""
        self.layout = layout
        self._k = 0

    def _ids(self, event: Any) -> tuple[Any, ...]:
        ids = event_field(event, "targets")
        if ids is not None:
            return tuple(ids)
        group = event_field(event, "group")
        targets = getattr(self.layout, "targets", ()) if self.layout is not None else ()
        if group is None:
            return ()
        return tuple(targets[i].id for i in group if 0 <= int(i) < len(targets))

    def on_event(self, event: Any) -> None:
        """Show one engine stimulus event."""
        self.n_events += 1
        kind = str(event_field(event, "type", ""))
        w = self.window
        if kind == "ssvep_on":
            w.flicker.start()  # frame 0 is the trial onset (JFPM phases are relative to it)
        elif kind == "ssvep_off":
            w.flicker.stop()
        elif kind == "flash":
            w.p300.flash(self._ids(event))
            self._unflash.start(FLASH_MS)
        elif kind == "highlight":
            w.scan.highlight(self._ids(event))
        elif kind == "highlight_off":
            w.scan.clear_highlight()
        else:
            log.debug("unknown stimulus event %r", kind)

    def start(self, paradigm: str, preview: bool = False) -> None:
        """Start the stimulus of ``paradigm``; ``preview`` runs a local schedule (no engine)."""
        self.stop()
        if paradigm == "ssvep" and preview:
            self.window.flicker.start()
        self.preview = preview
        if preview and paradigm in ("p300", "scan"):
            step = 0.175 if paradigm == "p300" else self.window.settings.speller.scan_step_s
            self._timer.start(int(step * 1000))
            self._preview_step()

    def stop(self) -> None:
        """Stop the flicker and any preview schedule."""
        self._timer.stop()
        self._unflash.stop()
        self.window.flicker.stop()

    def _preview_step(self) -> None:
        groups = getattr(self.layout, "groups", None) or ()
        if not groups:
            return
        g = groups[self._k % len(groups)]
        self._k += 1
        if self.window.paradigm == "p300":
            self.on_event({"type": "flash", "group": g})
        else:
            self.on_event({"type": "highlight", "group": g})
