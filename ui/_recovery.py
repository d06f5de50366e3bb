"""Crash recovery without hands: recovered text opens by itself, a line says where it came from, intents decide.

At start the app looks for autosaved text of earlier sessions that is not in its document's file (a crash, or a
quit without saving). The newest opens as the document, unless ``--open FILE`` asked for another file: then FILE
opens and the line offers the recovered text. Nothing is modal. The person answers from the command menu:

- ``recovery_keep``: keep the recovered text (it is autosaved by this session first, then the old session's
  versions are removed);
- ``recovery_open``: switch to recovered text that is not open yet (the current document is saved first, as for
  a new document);
- ``recovery_discard``: remove the old session's versions (and close the recovered text if it is open).

Saving the document that holds the recovered text also settles it. Until one of these, the old session's
versions stay on disk, whatever this session writes.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from bci_input.document import AutosaveVersion, Document, discard_versions, find_recoverable

log = logging.getLogger(__name__)

__all__ = ["RECOVERY_COMMANDS", "RecoveryOffer", "recoverable_texts", "open_with_recovery"]

#: Menu commands of the recovery line (shown on the command menu while an offer is pending).
RECOVERY_COMMANDS = ("recovery_keep", "recovery_open", "recovery_discard")


def recoverable_texts(autosave_dir: Path) -> list[AutosaveVersion]:
    """Return the newest version of each earlier session whose text is not blank and not saved, newest first."""
    return [v for v in find_recoverable(autosave_dir) if v.text.strip()]


def _same_file(a: str | Path | None, b: str | Path | None) -> bool:
    if not a or not b:
        return False
    try:
        return Path(a).resolve() == Path(b).resolve()
    except OSError:
        return False


def _recovered_document(v: AutosaveVersion, path: str | Path | None) -> Document:
    doc = Document(v.text, path=path)
    doc.saved_revision = -1  # the text is not in the file: saving, new document and quit treat it as unsaved
    return doc


def open_with_recovery(found: list[AutosaveVersion], open_path: str | None) -> tuple[Document | None, list[Any]]:
    """Choose the document to open at start and the recovery offers.

    Parameters
    ----------
    found : list of AutosaveVersion
        From :func:`recoverable_texts`, newest first.
    open_path : str | None
        The file the app was asked to open (``--open``).

    Returns
    -------
    tuple
        ``(document, offers)``: the document (``None``: a new one) and ``[(version, opened), ...]``; the first
        offer is the open one when ``opened`` is true.
    """
    offers: list[Any] = [(v, False) for v in found]
    if open_path is None:
        if not found:
            return None, offers
        v = found[0]
        offers[0] = (v, True)
        return _recovered_document(v, v.document_path or None), offers
    for i, v in enumerate(found):  # unsaved changes of the very file asked for: open them
        if _same_file(v.document_path, open_path):
            offers.insert(0, (offers.pop(i)[0], True))
            return _recovered_document(v, open_path), offers
    return Document.load(open_path), offers


class RecoveryOffer:
    """The recovery line and its commands, for one app session.

    Parameters
    ----------
    controller : AppController
        The app controller (its window shows the line; its document holds the recovered text).
    offers : list of (AutosaveVersion, bool)
        From :func:`open_with_recovery`.
    document : Document | None
        The document the app opens with (it holds the first offer's text when that offer is opened).
    """

    def __init__(self, controller: Any, offers: list[Any], document: Document | None = None) -> None:
        self.controller = controller
        self.offers: list[AutosaveVersion] = [v for v, _ in offers]
        # The document that holds the first offer's text. Once the person switches to another document (open
        # recent, new document), the offer is "not open" again: keeping it could never adopt the wrong text.
        self._holder: Document | None = document if offers and offers[0][1] else None
        #: What each settled offer became: ``(session, 'kept' | 'discarded' | 'saved')``.
        self.settled: list[tuple[str, str]] = []

    @property
    def current(self) -> tuple[AutosaveVersion, bool] | None:
        """The offer the line shows: ``(version, opened)``, or ``None``."""
        if not self.offers:
            return None
        opened = self._holder is not None and self._holder is self.controller.document
        return self.offers[0], opened

    def commands(self) -> tuple[str, ...]:
        """Return the recovery commands the menu offers now."""
        cur = self.current
        if cur is None:
            return ()
        return ("recovery_keep", "recovery_discard") if cur[1] else ("recovery_open", "recovery_discard")

    def line(self) -> str:
        """Return the line shown above the document ('' when nothing is pending)."""
        cur = self.current
        if cur is None:
            return ""
        v, opened = cur
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(v.saved_at))
        doc = f"of {v.document_path}" if v.document_path else "of an unsaved document"
        src = f"autosave {v.path}"
        more = f" ({len(self.offers) - 1} more after this)" if len(self.offers) > 1 else ""
        if opened:
            return (f"Recovered text {doc}, autosaved {when} ({src}). "
                    f"Menu: ✓ keep recovered, or ✗ discard recovered{more}.")
        return (f"Unsaved text {doc} found, autosaved {when} ({src}, {len(v.text)} characters). "
                f"Menu: ⟲ open recovered, or ✗ discard recovered{more}.")

    # ------------------------------------------------------------------ commands
    def keep(self) -> str:
        """Keep the open recovered text: this session autosaves it, then the old session's versions go."""
        cur = self.current
        if cur is None or not cur[1]:
            return ""
        v = cur[0]
        saver = self.controller.autosaver
        if saver is not None:
            saver.notify(self.controller.document)
            if not saver.flush():  # a full disk: the old versions are the only copy on disk, so they stay
                self.controller.window.show_message(
                    "Recovered text kept open, but it could not be autosaved yet; its old versions stay.", warn=True)
                return ""
        self._settle(v, "kept")
        return v.session

    def open(self) -> str:
        """Open recovered text that is not open yet (the current document is saved first if it changed)."""
        cur = self.current
        if cur is None or cur[1]:
            return ""
        v = cur[0]
        ctrl = self.controller
        if ctrl.document.modified or (ctrl.document.path is None and ctrl.document.text):
            ctrl.cmd_save()  # raises on a full disk: the hook shows it and nothing switches
        self._holder = _recovered_document(v, v.document_path or None)
        ctrl.open_document(self._holder)
        return v.session

    def discard(self) -> str:
        """Remove the old session's versions; recovered text that is open is replaced by the document before it."""
        cur = self.current
        if cur is None:
            return ""
        v, opened = cur
        self._settle(v, "discarded")
        if opened:
            ctrl = self.controller
            path = ctrl.open_path
            ctrl.open_document(Document.load(path) if path is not None and Path(path).exists() else Document())
        return v.session

    def saved(self, document: Document) -> None:
        """Settle the open recovered text: ``document`` was saved, so its file holds the text now."""
        cur = self.current
        if cur is not None and cur[1] and document is self.controller.document:
            self._settle(cur[0], "saved")

    def _settle(self, v: AutosaveVersion, how: str) -> None:
        n = discard_versions(v)
        log.info("recovered text of session %r %s; %d old version(s) removed", v.session, how, n)
        self.offers.pop(0)
        self._holder = None
        self.settled.append((v.session, how))
