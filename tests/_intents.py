"""Drive the app by decoded intents only, and catch anything that needs a pointer, a key or a modal answer.

- :func:`send` delivers an intent from another thread into the bridge, exactly where the engine delivers it.
- :class:`HandsFreeGuard` records every mouse, key, wheel and input-method event the whole application sees
  and every modal window that opens; :meth:`HandsFreeGuard.self_check` proves both detectors work.
"""

from __future__ import annotations

import threading
from typing import Any

from PyQt6.QtCore import QEvent, QObject, QPoint, Qt, QTimer
from PyQt6.QtTest import QTest
from PyQt6.QtWidgets import QApplication, QDialog

from bci_input._types import Intent, IntentKind, Modality

INPUT_EVENTS = {QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease, QEvent.Type.MouseButtonDblClick,
                QEvent.Type.KeyPress, QEvent.Type.KeyRelease, QEvent.Type.Wheel, QEvent.Type.InputMethod}


class HandsFreeGuard(QObject):
    """Record pointer/key events application-wide and every modal window (checked every 20 ms).

    Parameters
    ----------
    ctrl : AppController | None
        Dialogs open through its dialog host have an intent path (the menu closes them): they are not recorded.
    """

    def __init__(self, ctrl: Any = None) -> None:
        super().__init__()
        self.ctrl = ctrl
        self.seen: list[str] = []
        self.modals: list[str] = []
        self._timer = QTimer(self)
        self._timer.setInterval(20)
        self._timer.timeout.connect(self._check_modal)

    def install(self) -> HandsFreeGuard:
        """Start watching the whole application."""
        QApplication.instance().installEventFilter(self)
        self._timer.start()
        return self

    def remove(self) -> None:
        """Stop watching."""
        self._timer.stop()
        QApplication.instance().removeEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() in INPUT_EVENTS:
            self.seen.append(f"{event.type().name} on {type(obj).__name__}")
        return False

    def _check_modal(self) -> None:
        modal = QApplication.activeModalWidget()
        hosted = self.ctrl.dialogs.open_dialogs if self.ctrl is not None else []
        if modal is not None and modal not in hosted:
            self.modals.append(f"{type(modal).__name__} {modal.windowTitle()!r}")
            modal.close()  # a modal the test did not expect: record it and let the test fail instead of hang

    def self_check(self, qtbot: Any, widget: Any) -> None:
        """Prove the detectors work: a synthetic click and an application-modal dialog are both seen."""
        QTest.mouseClick(widget, Qt.MouseButton.LeftButton, pos=QPoint(5, 5))
        assert any("MouseButtonPress" in s for s in self.seen), f"the click was not seen: {self.seen}"
        probe = QDialog()
        probe.setWindowTitle("probe")
        probe.setModal(True)
        probe.show()
        qtbot.waitUntil(lambda: any("probe" in m for m in self.modals), timeout=60_000)
        probe.deleteLater()
        self.seen.clear()
        self.modals.clear()


def send(qtbot: Any, ctrl: Any, intent: Intent) -> None:
    """Deliver ``intent`` from another thread, as the engine does, and wait until the GUI thread handled it."""
    before = ctrl.intents_handled
    t = threading.Thread(target=ctrl.bridge.on_intent, args=(intent,))
    t.start()
    t.join(60)
    qtbot.waitUntil(lambda: ctrl.intents_handled == before + 1, timeout=60_000)


def select(qtbot: Any, ctrl: Any, target_id: str) -> None:
    """Select a target of the current layout by its id (an SSVEP decision)."""
    send(qtbot, ctrl, Intent(IntentKind.SELECT, target_id, confidence=0.95, modality=Modality.SSVEP))


def menu(qtbot: Any, ctrl: Any, name: str) -> None:
    """Open the command menu and select command ``name`` on it (it must be offered there)."""
    select(qtbot, ctrl, "cmd:menu")
    ids = [t.id for t in ctrl.speller.layout.targets]
    assert f"cmd:{name}" in ids, f"{name!r} is not on the command menu: {ids}"
    select(qtbot, ctrl, f"cmd:{name}")
