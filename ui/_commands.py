"""The app-level commands of the controller: save, export, new document, open recent, read back, recovery.

They run as speller hooks (each command target ``name`` calls ``cmd_<name>``) on the GUI thread. A failure
(full disk, unreadable file) is shown as a message; the text stays open.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bci_input._errors import BciInputError
from bci_input.document import Document, export_text
from bci_input.language import LanguageModel
from bci_input.speller import Speller

from ._export import export_pdf
from .bridge import EngineBridge

log = logging.getLogger(__name__)

__all__ = ["AppCommands"]


class AppCommands:
    """Mixin of :class:`~bci_input.ui._controller.AppController`: the commands it performs itself."""

    document: Document
    documents_dir: Path
    window: Any
    model: LanguageModel | None
    bridge: EngineBridge
    speller: Speller
    recovery: Any
    dialogs: Any
    command_done: Any
    last_export: dict[str, Path]
    _learners: list[threading.Thread]
    _learned_text: str
    _tts: Any
    _open_document: Callable[[Document], None]
    _sync_menu: Callable[[], None]
    ghost_text: Callable[[], str]

    def _hook(self, name: str) -> Callable[[Speller], None]:
        def run(_speller: Speller) -> None:
            try:
                result = getattr(self, f"cmd_{name}")()
            except (BciInputError, OSError) as exc:
                self.window.show_message(f"{name.replace('_', ' ')} failed: {exc}", warn=True)
                log.warning("%s failed: %s", name, exc)
                return
            self.command_done.emit(name, result)

        return run

    def _stem(self) -> Path:
        if self.document.path is not None:
            return self.document.path.with_suffix("")
        self.documents_dir.mkdir(parents=True, exist_ok=True)
        return self.documents_dir / time.strftime("document-%Y%m%d-%H%M%S")

    def cmd_accept_word(self) -> str:
        """Accept the first word of the ghost text (word-by-word acceptance of the continuation)."""
        import re

        from bci_input.document import InsertText

        m = re.match(r"\s*\S+", self.ghost_text())
        if m is None:
            return ""
        self.document.apply(InsertText(m.group(0) + " "))
        return m.group(0)

    def cmd_save(self) -> Path:
        """Save the document (as ``.txt`` in the documents folder if it has no path yet)."""
        path = self.document.save(self.document.path or self._stem().with_suffix(".txt"))
        self._remember(path)
        self.recovery.saved(self.document)
        self._sync_menu()
        self.window.show_message(f"Saved {path}")
        self._learn(self.document.text)
        return path

    def _learn(self, text: str) -> None:
        """Teach the personal vocabulary (when enabled) the words added since it last learnt this document.

        It runs on a short-lived thread: the model process may be busy with a suggestion.
        """
        learn = getattr(self.model, "learn", None)
        if not callable(learn) or text == self._learned_text:
            return
        # Never wait here (GUI thread): the model process may be busy for seconds. Two updates in flight
        # cover disjoint additions, so their order does not matter.
        self._learners = [t for t in self._learners if t.is_alive()]
        previous, self._learned_text = self._learned_text, text

        def run() -> None:
            try:
                n = learn(text, previous=previous)
                log.info("personal vocabulary: %d new word(s) learnt", n)
            except Exception as exc:  # the document is saved; only the vocabulary update failed
                log.warning("personal vocabulary not updated: %s", exc)
                self.bridge.on_notice(f"Personal vocabulary not updated: {exc}")

        learner = threading.Thread(target=run, name="learn-vocabulary", daemon=True)
        learner.start()
        self._learners.append(learner)

    def cmd_export(self) -> dict[str, Path]:
        """Export the document to ``.txt``, ``.md`` and ``.pdf`` side by side."""
        stem = self._stem()
        out = {"txt": export_text(self.document.text, stem.with_suffix(".txt")),
               "md": export_text(self.document.text, stem.with_suffix(".md")),
               "pdf": export_pdf(self.document.text, stem.with_suffix(".pdf"), title=stem.name)}
        self.last_export = out
        self._remember(out["txt"])
        self.window.show_message(f"Exported {out['pdf']} (+ .txt, .md)")
        return out

    def _saved_to_file(self) -> bool:
        d = self.document
        if d.path is None or d.modified:
            return False
        try:
            return d.path.read_text(encoding="utf-8") == d.text
        except (OSError, UnicodeDecodeError):
            return False

    def cmd_recovery_keep(self) -> str:
        """Keep the recovered text that is open (this session autosaves it; the old versions are removed)."""
        return self._recovery_command(self.recovery.keep)

    def cmd_recovery_open(self) -> str:
        """Open the recovered text the line offers (the current document is saved first if it changed)."""
        return self._recovery_command(self.recovery.open)

    def cmd_recovery_discard(self) -> str:
        """Discard the recovered text the line offers (its autosaved versions are removed)."""
        return self._recovery_command(self.recovery.discard)

    def _recovery_command(self, action: Callable[[], str]) -> str:
        session = action()
        self.speller.page = "main"
        self._sync_menu()
        return session

    def cmd_close_dialog(self) -> str:
        """Close (cancel) the newest open dialog."""
        title = self.dialogs.close_newest()
        self.speller.page = "main"
        self._sync_menu()
        return title

    def cmd_new_document(self) -> Document:
        """Save the current document (into the documents folder if it has no path yet), then start an empty one."""
        if self.document.modified or (self.document.path is None and self.document.text):
            self.cmd_save()  # raises on a full disk: the hook shows the error and the text stays open
        self._open_document(Document())
        self.window.show_message("New document")
        return self.document

    def cmd_open_recent(self) -> Path | None:
        """Open the most recent saved document other than the current one."""
        current = self.document.path.resolve() if self.document.path else None
        for p in self.recent_documents():
            if p.exists() and p.resolve() != current:
                self._open_document(Document.load(p))
                self.window.show_message(f"Opened {p}")
                return p
        self.window.show_message("No recent document to open")
        return None

    def cmd_read_back(self) -> bool:
        """Read the selection (or the last sentence) aloud with the platform's text-to-speech, if any."""
        text = self.document.selected_text or self.document.text[-400:]
        try:
            from PyQt6.QtTextToSpeech import QTextToSpeech
        except ImportError:
            self.window.show_message("Read back: no text-to-speech on this system")
            return False
        if self._tts is None:
            parent: Any = self  # the controller (a QObject) owns it
            self._tts = QTextToSpeech(parent)
        self._tts.say(text)
        self.window.show_message("Reading back…")
        return True

    def _recent_file(self) -> Path:
        from bci_input.settings import user_data_dir

        return user_data_dir() / "recent_documents.json"

    def recent_documents(self) -> list[Path]:
        """Return recently saved or exported documents, newest first."""
        try:
            data = json.loads(self._recent_file().read_text(encoding="utf-8"))
            return [Path(p) for p in data if isinstance(p, str)]
        except (OSError, json.JSONDecodeError, TypeError):
            return []

    def _remember(self, path: Path) -> None:
        from bci_input.document import atomic_write_text

        items = [str(path)] + [str(p) for p in self.recent_documents() if str(p) != str(path)]
        try:
            self._recent_file().parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(self._recent_file(), json.dumps(items[:10]))
        except (OSError, BciInputError) as exc:
            log.warning("cannot update the recent documents list: %s", exc)
