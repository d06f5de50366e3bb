"""Every dialog of the app opens through here: never modal-blocking, always closable by an intent.

A dialog is opened with :meth:`QDialog.open` (no nested event loop, so the engine's intents keep arriving) and
registered. While one is open, the command menu offers ``close_dialog``, which rejects the newest one; the person
is never left behind a window that only a mouse can close.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

__all__ = ["DIALOG_COMMANDS", "DialogHost"]

#: Menu commands of the dialog host (shown while a dialog is open).
DIALOG_COMMANDS = ("close_dialog",)


class DialogHost:
    """Open dialogs without blocking and close them by intents.

    Parameters
    ----------
    on_change : callable()
        Called when a dialog opens or closes (the controller updates the command menu).
    """

    def __init__(self, on_change: Callable[[], None]) -> None:
        self.on_change = on_change
        self.open_dialogs: list[Any] = []

    def show(self, dialog: Any, on_accepted: Callable[[Any], None] | None = None) -> Any:
        """Open ``dialog`` (a QDialog) without a nested event loop; ``on_accepted(dialog)`` runs on OK.

        Returns
        -------
        QDialog
            ``dialog``, open.
        """
        if on_accepted is not None:
            dialog.accepted.connect(lambda: on_accepted(dialog))
        dialog.finished.connect(lambda _code: self._closed(dialog))
        self.open_dialogs.append(dialog)
        dialog.open()
        self.on_change()
        return dialog

    def commands(self) -> tuple[str, ...]:
        """Return the dialog commands the menu offers now."""
        return DIALOG_COMMANDS if self.open_dialogs else ()

    def close_newest(self) -> str:
        """Reject (cancel) the newest open dialog; return its title ('' if none was open)."""
        if not self.open_dialogs:
            return ""
        dialog = self.open_dialogs[-1]
        title = str(dialog.windowTitle())
        dialog.reject()
        log.info("dialog %r closed by an intent", title)
        return title

    def _closed(self, dialog: Any) -> None:
        if dialog in self.open_dialogs:
            self.open_dialogs.remove(dialog)
            self.on_change()
