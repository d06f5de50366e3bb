"""The app controller: wires the Document, the Speller, the language worker, the autosaver and the engine.

Runs on the GUI thread. Every other thread reaches it only through :class:`~bci_input.ui.bridge.EngineBridge`
signals (queued). It owns no decoding logic: intents come decoded from the engine, the speller turns them
into document edits, and this class only shows the result and performs the app-level commands (save,
export to .txt/.md/.pdf, new document, open recent, read back).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PyQt6.QtCore import QObject, QTimer, pyqtSignal

from bci_input._errors import BciInputError
from bci_input._types import Intent, IntentKind, Modality
from bci_input.document import Autosaver, Document
from bci_input.language import LanguageAnswer, LanguageModel, LanguageRequest, LanguageWorker
from bci_input.settings import Settings
from bci_input.speller import Layout, Speller, SpellerLM

from ._commands import AppCommands
from ._dialog_host import DIALOG_COMMANDS, DialogHost
from ._recovery import RECOVERY_COMMANDS, RecoveryOffer
from ._stimulus import StimulusPresenter
from .bridge import EngineBridge, connect_queued

log = logging.getLogger(__name__)

#: Status line while no target stands out (the no-control state: a trial ended and nothing was selected).
WAITING_TEXT = "waiting: look at a target to select it; looking away types nothing"

__all__ = ["AppController", "APP_COMMANDS"]

#: Commands the app performs itself (registered as speller hooks).
APP_COMMANDS = ("save", "export", "new_document", "open_recent", "read_back", "accept_word")


class AppController(QObject, AppCommands):
    """Glue between the session objects and the :class:`~bci_input.ui._window.MainWindow`.

    Parameters
    ----------
    window : MainWindow
        The view.
    document : Document | None
        The document to edit (a new one by default).
    language_model : LanguageModel | None
        A ready model, or ``None`` to run without one until :meth:`load_language_model_async` delivers it.
    paradigm : str
        ``'ssvep'``, ``'p300'`` or ``'scan'``.
    documents_dir : Path
        Where save and export write.
    autosave_dir : Path | None
        Folder of the autosaver (``None``: no autosave).
    settings : Settings | None
        The session settings (the dwell after a selection is ``speller.dwell_s``).
    engine_factory : callable(EngineBridge) -> Engine | None
        Builds the engine with the bridge's callbacks (``None``: intents are injected, e.g. by tests).
    participant : SimulatedParticipant | None
        The simulated participant (developer mode clicks make it attend a target).
    board_name : str
        Shown in the status bar.
    autosave_keep : int
        Autosave versions kept per document.
    confirm : str
        ``'emg'``: an EEG selection of a letter or word waits for an EMG clench (CONFIRM) and a double
        clench drops it (the ``[speller] confirm`` setting); ``'none'``: selections act at once.
    recovery : list of (AutosaveVersion, bool) | None
        Recovered text of earlier sessions (from :func:`~bci_input.ui._recovery.open_with_recovery`): a line
        says where it came from and the command menu keeps, opens or discards it.
    open_path : str | None
        The file the app was opened with (reopened when open recovered text is discarded).
    """

    document_changed = pyqtSignal()
    command_done = pyqtSignal(str, object)

    def __init__(self, window: Any, *, document: Document | None = None,
                 language_model: LanguageModel | None = None,
                 paradigm: str = "ssvep", documents_dir: Path, autosave_dir: Path | None = None,
                 settings: Settings | None = None,
                 engine_factory: Callable[[EngineBridge], Any] | None = None,
                 participant: Any = None, board_name: str = "none", autosave_keep: int = 10,
                 confirm: str = "none", recovery: list[Any] | None = None, open_path: str | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.settings = settings or Settings()
        self.paradigm = paradigm
        self.confirm = confirm
        self.documents_dir = Path(documents_dir)
        self.participant = participant
        self.board_name = board_name
        self.bridge = EngineBridge(self)
        self.worker: LanguageWorker | None = None
        self.engine: Any = None
        self.autosaver: Autosaver | None = None
        self.last_export: dict[str, Path] = {}
        self.intents_handled = 0
        #: A trial ended with nothing selected (the no-control state) and no selection came since.
        self.waiting = False
        self._closed = False
        self._loader: threading.Thread | None = None
        self._learners: list[threading.Thread] = []
        self._learned_text = ""
        self._tts: Any = None
        self._unsubscribe: Callable[[], None] | None = None
        self._dwell = QTimer(self)
        self._dwell.setSingleShot(True)
        self._dwell.timeout.connect(self._clear_selected)
        self.stimulus = StimulusPresenter(window, self.bridge)
        self._quality = QTimer(self)
        self._quality.setInterval(2000)
        self._quality.timeout.connect(self.update_quality)

        connect_queued(self.bridge.intent, self.handle_intent)
        connect_queued(self.bridge.language_answer, self._on_language_answer)
        connect_queued(self.bridge.error, self._on_error)
        connect_queued(self.bridge.notice, self._on_notice)
        connect_queued(self.bridge.status, self._on_status)
        connect_queued(self.bridge.autosaved, lambda p: self.window.status.set_autosave(True))
        connect_queued(self.bridge.autosave_failed, lambda m: self.window.status.set_autosave(False, m))
        connect_queued(self.bridge.model_loaded, self.set_language_model)
        for kb in window.keyboards():
            kb.target_clicked.connect(self._on_target_clicked)
        window.closing.connect(self.shutdown)
        window.developer_toggled.connect(self._on_developer)

        if autosave_dir is not None:
            self.autosaver = Autosaver(autosave_dir, keep=autosave_keep, on_error=self.bridge.on_autosave_failed,
                                       on_saved=self.bridge.on_autosaved)
        self.model: LanguageModel | None = None
        self.speller: Speller
        self.open_path = open_path
        self.recovery = RecoveryOffer(self, recovery or [], document)
        self.dialogs = DialogHost(self._sync_menu)
        self._open_document(document or Document())
        self.set_language_model(language_model)
        window.status.set_board(board_name, "not started" if engine_factory else "preview, no signal")
        if engine_factory is not None:
            self.engine = engine_factory(self.bridge)
            self.engine.set_layout(self.speller.layout)

    # ------------------------------------------------------------------ session
    def _open_document(self, document: Document) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        self.document = document
        self._learned_text = document.text  # the personal vocabulary learns what is written from now on
        unsubs = [document.subscribe(lambda _d: self.document_changed.emit())]
        if self.autosaver is not None:
            unsubs.append(self.autosaver.attach(document))
        self._unsubscribe = lambda: [u() for u in unsubs]  # type: ignore[func-returns-value]
        hooks = {name: self._hook(name) for name in APP_COMMANDS + self.recovery.commands() + self.dialogs.commands()}
        self.speller = Speller(document, None, self.paradigm, lm_mode="async", request_language=self._request,
                               on_layout=self._on_layout, hooks=hooks, documents_dir=self.documents_dir,
                               confirm=self.confirm)
        if self.model is not None:
            self.speller.lm = SpellerLM(self.model)
        self.window.show_recovery(self.recovery.line())
        self._refresh()

    def open_document(self, document: Document) -> None:
        """Edit ``document`` from now on (autosaved by this session, a new speller on the main page)."""
        self._open_document(document)

    def show_dialog(self, dialog: Any, on_accepted: Callable[[Any], None] | None = None) -> Any:
        """Open ``dialog`` without blocking; the command menu offers to close it by an intent."""
        return self.dialogs.show(dialog, on_accepted)

    def _sync_menu(self) -> None:
        """Offer on the menu exactly the recovery and dialog commands that apply now; update the recovery line."""
        if self._closed:
            return
        for name in RECOVERY_COMMANDS + DIALOG_COMMANDS:
            self.speller.hooks.pop(name, None)
        for name in self.recovery.commands() + self.dialogs.commands():
            self.speller.hooks[name] = self._hook(name)
        self.window.show_recovery(self.recovery.line())
        self.speller.refresh()

    def set_language_model(self, model: LanguageModel | None) -> None:
        """Use ``model`` (from now on) for suggestions and the prior; starts its worker thread."""
        if self._closed or model is None:
            if model is None:
                self.window.status.set_llm("none")
            return
        if self.worker is not None:
            self.worker.stop()
        self._close_model()
        self.model = model
        self.window.status.set_llm_fallback(None)
        for notice in getattr(model, "notices", ()):
            self.window.show_message(notice, warn=True)
        if hasattr(model, "on_notice"):  # the model's process reports later notices (an endpoint failing)
            model.on_notice = self.bridge.on_notice
        self.worker = LanguageWorker(model, self.bridge.on_language_answer, self.bridge.on_error, debounce_s=0.03)
        self.speller.lm = SpellerLM(model)
        self.window.status.set_llm(str(getattr(model, "name", "model")))
        self._relayout_language()

    def _on_notice(self, message: str) -> None:
        """Show a notice; one about the language server also sets the status bar (fallen back, or back)."""
        from bci_input.language import server_notice

        state = server_notice(message)
        if state is not None:
            self.window.status.set_llm_fallback(None if state.up else state.reason)
        self.window.show_message(message, warn=state is not None and not state.up)

    def _close_model(self) -> None:
        close = getattr(self.model, "close", None)
        if callable(close):
            close()

    def load_language_model_async(self, loader: Callable[[], LanguageModel], name: str = "bundled") -> None:
        """Load a model on a worker thread; the status bar says "loading model…" meanwhile."""
        self.window.status.set_llm(name, loading=True)

        def run() -> None:
            try:
                model = loader()
            except Exception as exc:  # reaches the UI, never swallowed
                log.exception("language model failed to load")
                self.bridge.on_error(f"Language model failed to load: {exc}")
                return
            if self._closed:  # the app closed while the model loaded: release it
                close = getattr(model, "close", None)
                if callable(close):
                    close()
                return
            self.bridge.on_model_loaded(model)

        self._loader = threading.Thread(target=run, name="model-loader", daemon=True)
        self._loader.start()

    def start(self) -> None:
        """Start the engine (its thread and the source); without one, preview the stimulus."""
        if self.engine is not None:
            try:
                self.engine.start()
            except BciInputError as exc:
                self.engine = None
                self.window.status.set_board(self.board_name, "fault: cannot start")
                self.window.show_message(f"⚠ {exc}", warn=True)
                self.stimulus.start(self.paradigm, preview=True)
                return
            self.window.status.set_board(self.board_name, "streaming")
            self.stimulus.start(self.paradigm)
            self._quality.start()
        else:
            self.stimulus.start(self.paradigm, preview=True)

    def reconfigure(self, paradigm: str, engine_factory: Callable[[EngineBridge], Any] | None,
                    participant: Any = None, board_name: str = "none") -> None:
        """Switch paradigm and/or signal source in place, keeping the document and the language model."""
        self.stimulus.stop()
        if self.engine is not None:
            self.engine.stop()
            self.engine = None
        self.paradigm = paradigm
        self.participant = participant
        self.board_name = board_name
        self.window.set_paradigm(paradigm)
        self._open_document(self.document)
        self.window.status.set_board(board_name, "not started" if engine_factory else "preview, no signal")
        if engine_factory is not None:
            self.engine = engine_factory(self.bridge)
            self.engine.set_layout(self.speller.layout)
        self.start()

    def scope_provider(self) -> Any:
        """Return the latest samples for the scope: ``(data (n_times, n_channels), sfreq, names)`` or ``None``."""
        eng = self.engine
        if eng is None:
            return None
        data = eng.buffer.data  # replaced (never mutated) by the engine thread: a consistent snapshot
        if not len(data):
            return None
        return data, eng.sfreq, eng.source.info.ch_names

    def shutdown(self) -> None:
        """Stop every thread (engine, language worker, autosave, model loader); safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self.bridge.close()
        for kb in self.window.keyboards():
            try:
                kb.target_clicked.disconnect(self._on_target_clicked)
            except TypeError:
                pass
        self._dwell.stop()
        self._quality.stop()
        self.stimulus.stop()
        if self.engine is not None:
            try:
                self.engine.stop()
            except Exception:
                log.exception("engine stop failed")
        if self.worker is not None:
            self.worker.stop(timeout=5.0)
        for t in self._learners:
            t.join(timeout=5.0)  # the personal vocabulary is written before the model ends
        self._close_model()
        if self.autosaver is not None:
            self.autosaver.close()
            if self._saved_to_file():  # the file holds the text: this session's versions are not needed
                self.autosaver.discard()
        if self._loader is not None:
            self._loader.join(timeout=2.0)  # a model still loading is a daemon thread: it cannot block the exit
            if self._loader.is_alive():
                log.info("the language model was still loading at exit; its thread ends with the process")
        if self._unsubscribe is not None:
            self._unsubscribe()

    # ------------------------------------------------------------------ intents
    def handle_intent(self, intent: Intent) -> list[str]:
        """Apply one decoded intent (GUI thread): speller → document → view."""
        if self._closed:
            return []
        target = self.speller.layout.get(str(intent.payload)) if intent.kind == IntentKind.SELECT else None
        names = self.speller.handle(intent)
        self.intents_handled += 1
        self.waiting = False
        label = getattr(target, "label", None) or (str(intent.payload) if intent.payload is not None else intent.kind)
        self.window.status.set_confidence(str(label), float(intent.confidence))
        if intent.kind == IntentKind.SELECT and not isinstance(intent.payload, (tuple, list)):
            self.window.keyboard.selected_id = intent.payload
            self.window.keyboard.invalidate()
            self._dwell.start(int(self.settings.speller.dwell_s * 1000) or 1)
        self._show_messages()
        self._refresh()
        self.window.status.set_state("paused — wake gesture resumes" if self.speller.paused else "", warn=True)
        return names

    def _clear_selected(self) -> None:
        self.window.keyboard.selected_id = None
        self.window.keyboard.update()

    def _on_target_clicked(self, target_id: str) -> None:
        if self.participant is not None:
            self.participant.attend(target_id)
            if self.engine is not None:
                self.engine.resume()
            self.window.show_message(f"Simulated participant attends {target_id!r}")
        elif self.window.dev_action.isChecked():
            self.handle_intent(Intent(IntentKind.SELECT, target_id, modality=Modality.KEYBOARD))

    def _on_developer(self, on: bool) -> None:
        self.window.set_developer_hint(on)
        for kb in self.window.keyboards():
            kb.interactive = on

    # ------------------------------------------------------------------ language
    def _request(self, request: LanguageRequest, revision: int) -> None:
        if self.worker is not None and not self._closed:
            self.worker.request(request, revision)

    def _on_language_answer(self, answer: LanguageAnswer) -> None:
        if self._closed:
            return
        self.speller.on_language_answer(answer)
        self.window.status.set_llm(answer.backend, answer.latency_s)
        self._refresh()

    def _relayout_language(self) -> None:
        # A new model: ask it about the current text (the speller refreshes when its revision marker changes).
        self.speller._lm_revision = -1  # noqa: SLF001 - until Speller exposes a public refresh
        self.speller._layout = None  # noqa: SLF001
        self._on_layout(self.speller.layout)

    # ------------------------------------------------------------------ view
    def _on_layout(self, layout: Layout) -> None:
        if self._closed:
            return
        if layout is not self.speller.layout:  # the last refresh of a speller a command has just replaced
            layout = self.speller.layout
        if self.engine is not None:
            self.engine.set_layout(layout)
        self.window.show_layout(layout, self.document.selected_text)
        self.stimulus.layout_changed(layout)

    def ghost_text(self) -> str:
        """Return the language model's proposed continuation shown in grey at the cursor."""
        lay = self.speller.layout
        if getattr(lay, "page", "main") != "main":
            return ""
        phrase = next((t.value for t in lay.targets if t.kind == "phrase" and t.value), "")
        if not phrase:
            return ""
        before = self.document.text_before_cursor()
        return phrase if not before or before.endswith((" ", "\n")) else " " + phrase

    def _refresh(self) -> None:
        d = self.document
        self.window.show_document(d.text, d.cursor, d.selection, self.ghost_text())
        self.window.show_layout(self.speller.layout, d.selected_text)

    def _show_messages(self) -> None:
        while self.speller.messages:
            msg = self.speller.messages.pop(0)
            self.window.show_message(msg, warn="failed" in msg.lower())

    def _on_status(self, status: dict[str, Any]) -> None:
        st = self.window.status
        if status.get("state") == "waiting":  # a trial ended with nothing selected: say so until a selection
            self.waiting = True
        if "best" in status and not self.speller.paused:
            best = f"best {float(status['best']):.0%}"
            st.set_state(f"{WAITING_TEXT} ({best})" if self.waiting else best)
        elif self.waiting and not self.speller.paused:
            st.set_state(WAITING_TEXT)
        if "connection" in status:
            st.set_board(str(status.get("board", self.board_name)), str(status["connection"]))
        if "quality" in status:
            q = status["quality"]
            if isinstance(q, dict):
                q = list(q.items())
            st.set_quality([(str(n), str(lv)) for n, lv in q])
        if "llm_latency_s" in status:
            st.set_llm(str(status.get("llm_backend", "")), float(status["llm_latency_s"]))
        if status.get("type") == "device":  # the acquisition thread: stalled, reconnecting, recovered, failed
            state = str(status.get("state", ""))
            shown = {"running": "streaming", "recovered": "streaming"}.get(state, f"fault: {state}")
            st.set_board(self.board_name, shown if state in ("running", "recovered") else
                         f"{shown} — {status.get('message', '')}".rstrip(" —"))
        if status.get("type") == "signal":  # decoding suspended on NaN, saturation, flat line or a gap
            faults = [str(f) for f in status.get("faults", ())]
            if faults:
                st.set_state("decoding paused: " + "; ".join(faults) + " (text is safe)", warn=True)
            else:
                st.set_state("decoding resumed")

    def update_quality(self) -> None:
        """Rate each channel on the last 2 s the engine holds and show it in the status bar."""
        eng = self.engine
        if eng is None or self._closed:
            return
        data = eng.buffer.data
        n = int(2 * eng.sfreq)
        if len(data) < n:
            return
        from bci_input.quality import assess_quality

        try:
            rated = assess_quality(data[-n:], eng.source.info)
        except BciInputError as exc:
            log.debug("quality check skipped: %s", exc)
            return
        self.window.status.set_quality([(q.name, q.status) for q in rated])

    def _on_error(self, message: str) -> None:
        log.error("%s", message)
        if message.startswith("Engine stopped"):
            self.window.status.set_board(self.board_name, "fault: stopped")
        self.window.show_message(f"⚠ {message}", warn=True)
