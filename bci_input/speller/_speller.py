"""The speller: turns intents into document edits and keeps the keyboard layout up to date."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .._errors import BciInputError, check_option
from .._types import Intent, IntentKind, Modality
from ..document import (
    ClearSelection,
    DeleteBackward,
    DeleteWordBackward,
    Document,
    InsertText,
    NewLine,
    ReplaceRange,
    SelectParagraph,
    SelectPreviousSentence,
    export_text,
)
from ..language import MAIN_SYMBOLS, LanguageRequest, RewriteText
from ..language import REWRITE_PRESETS as _PRESETS
from ._keyboard import TYPING_PAGES
from ._language_state import LanguageState
from ._lm import SpellerLM
from ._pages import (
    APP_MENU_COMMANDS,
    MENU_COMMANDS,
    command_page,
    finish_layout,
    main_prior,
    main_targets,
    typing_targets,
)
from ._targets import PARADIGMS, Layout, Target, char_label
from ._typing import TypingState, current_prefix

__all__ = ["Speller", "REWRITE_INSTRUCTIONS", "current_prefix"]

log = logging.getLogger(__name__)

REWRITE_INSTRUCTIONS: tuple[str, ...] = tuple(_PRESETS)
#: Menu commands that edit the text: the keyboard returns to the letters after them.
_EDITING_COMMANDS = ("undo", "redo", "delete_word", "new_line")

_SCAN_BACK = Target("scan:back", "← back", "command", "back")
#: Value of the instruction target that opens the free-text instruction page.
FREE_TEXT = "free_text"


class Speller(TypingState, LanguageState):
    """Turn intents into document edits; expose the current keyboard as a :class:`Layout`.

    A plain object used on one thread (the GUI thread in the app, the main loop
    headless). With ``lm_mode='sync'`` it asks the language model itself after
    each change (cached); with ``'async'`` it calls ``request_language(request,
    revision)`` and waits for :meth:`on_language_answer`.

    Parameters
    ----------
    document : Document
        The document it edits.
    language_model : LanguageModel | None
        Source of the prior and of suggestions; ``None`` for no language model.
    paradigm : str
        ``'ssvep'``, ``'p300'`` or ``'scan'``.
    lm_mode : str
        ``'sync'`` or ``'async'``.
    request_language : callable | None
        Async mode: called as ``request_language(request, revision)`` with a typed request of
        :mod:`bci_input.language` (:class:`~bci_input.language.NextSymbols`, ``CompleteWord``, ``CompletePhrase``,
        ``ExpandAbbreviation``, ``RewriteText``).
    on_layout : callable(Layout) | None
        Called whenever the layout changes.
    hooks : dict[str, callable(Speller)] | None
        Override commands such as ``'save'`` and ``'export'`` (the app opens dialogs).
    documents_dir : str | Path | None
        Where ``save`` / ``export`` write when the document has no path.
    confirm : str
        ``'none'``: a selection commits at once. ``'emg'``: an EEG selection waits
        for a confirming switch (CONFIRM intent); CANCEL or UNDO drops it.
    max_scan_groups : int
        Most groups per scan level.
    k_rewrites : int
        Rewrite candidates to request.
    lm : SpellerLM | None
        A cached model wrapper to share between spellers (overrides ``language_model``).
    p300_mode : str
        ``'grid'`` (rows and columns of a 5x8 grid flash) or ``'rsvp'`` (one target at a time
        in the centre, rapid serial visual presentation).
    auto_capitals : bool
        Letters write capitals by themselves at the start of the document, of a sentence and of a line.
    """

    def __init__(
        self,
        document: Document,
        language_model: Any | None = None,
        paradigm: str = "ssvep",
        *,
        lm_mode: str = "sync",
        request_language: Callable[[LanguageRequest, int], None] | None = None,
        on_layout: Callable[[Layout], None] | None = None,
        hooks: dict[str, Callable[[Speller], None]] | None = None,
        documents_dir: str | Path | None = None,
        confirm: str = "none",
        max_scan_groups: int = 8,
        k_rewrites: int = 3,
        lm: SpellerLM | None = None,
        p300_mode: str = "grid",
        auto_capitals: bool = True,
    ) -> None:
        check_option("paradigm", paradigm, PARADIGMS)
        check_option("lm_mode", lm_mode, ("sync", "async"))
        check_option("confirm", confirm, ("none", "emg"))
        check_option("p300_mode", p300_mode, ("grid", "rsvp"))
        self.p300_mode = p300_mode
        self.auto_capitals = auto_capitals
        self.document = document
        self._init_typing()
        self.paradigm = paradigm
        self.lm = lm if lm is not None else SpellerLM(language_model)
        self.lm_mode = lm_mode
        self.request_language = request_language
        self.on_layout = on_layout
        self.hooks = dict(hooks or {})
        self.documents_dir = Path(documents_dir) if documents_dir else None
        self.confirm = confirm
        self.max_scan_groups = max_scan_groups
        self.k_rewrites = k_rewrites
        self.page = "main"
        self.paused = False
        self.pending: Target | None = None
        self.n_selections = 0
        self.messages: list[str] = []
        #: The free-text rewrite instruction being spelled (page ``rewrite_freetext``).
        self.instruction = ""
        self._scan_subset: list[int] | None = None
        self._init_language()
        self._layout: Layout | None = None

    # ------------------------------------------------------------------ layout
    @property
    def layout(self) -> Layout:
        """The current keyboard: targets, prior and groups."""
        if self._layout is None:
            self._layout = self._build()
        return self._layout

    def refresh(self) -> None:
        """Rebuild the layout now (for example after the host changed :attr:`hooks`) and report it."""
        self._invalidate(scan_reset=False)

    def _invalidate(self, *, scan_reset: bool = True) -> None:
        if scan_reset:
            self._scan_subset = None
        self._layout = None
        if self.on_layout is not None:
            self.on_layout(self.layout)

    def _context(self) -> tuple[str, str]:
        before = self.document.text_before_cursor()
        prefix = current_prefix(before)
        return before, prefix

    def _build(self) -> Layout:
        rev = self.document.revision
        cols = 8
        if self.paused:
            return Layout(self.paradigm, (), np.zeros(0), page="paused", revision=rev)
        extra: dict[str, object] | None = None
        if self.page == "main":
            self._refresh_language()
            prefix = self._context()[1]
            case = self.case
            words = self._words[:4]
            phrases = self._phrases[:1]
            abbrev = self._abbrevs[0] if self._abbrevs and self._abbrev_for == prefix else None
            targets = main_targets([w for w, _ in words], [p for p, _ in phrases],
                                   (prefix, abbrev[0]) if abbrev else None, case=case)
            prior = main_prior(targets, self._symbols, words, phrases, prefix, abbrev[1] if abbrev else 0.0,
                               case=case, case_chosen=self.lower_once)
            extra = {"case": case}
        elif self.page in TYPING_PAGES:
            self._refresh_language(suggestions=False)
            case = self.case
            targets = typing_targets(self.page, case)
            prior = main_prior(targets, self._symbols, (), (), "", case=case, page=self.page,
                               case_chosen=self.lower_once)
            extra = {"case": case}
        else:
            targets = self._page_targets()
            enabled = np.array([t.enabled for t in targets], float)
            if self.page == "rewrite_select" and self.document.selection is None:
                enabled[[i for i, t in enumerate(targets) if t.value == "rewrite_next"]] = 0.0
            if self.page == "rewrite_freetext" and not self.instruction.strip():
                enabled[[i for i, t in enumerate(targets) if t.value == "rewrite_go"]] = 0.0
            prior = np.where(enabled > 0, 1.0, 1e-9)
            cols = 4
        if self.paradigm == "scan":
            targets = (*targets, _SCAN_BACK)
            prior = np.append(prior, 1e-3)
        return finish_layout(
            self.paradigm, targets, prior, page=self.page, revision=rev, columns=cols,
            scan_subset=self._scan_subset, max_groups=self.max_scan_groups, p300_mode=self.p300_mode,
            extra={"instruction": self.instruction} if self.page == "rewrite_freetext" else extra,
        )

    def _page_targets(self) -> tuple[Target, ...]:
        if self.page == "menu":
            return command_page(MENU_COMMANDS + tuple(n for n in APP_MENU_COMMANDS if n in self.hooks))
        if self.page == "rewrite_select":
            return command_page(("select_sentence", "select_paragraph", "rewrite_next", "cancel"))
        if self.page == "rewrite_instruction":
            extra = [Target(f"instr:{k}", k.replace("_", " "), "instruction", k) for k in REWRITE_INSTRUCTIONS]
            extra.append(Target(f"instr:{FREE_TEXT}", "free text…", "instruction", FREE_TEXT))
            return command_page(("cancel",), extra)
        if self.page == "rewrite_freetext":  # spell the instruction with the letters
            chars = [Target(f"char:{'space' if c == ' ' else c}", char_label(c), "char", c) for c in MAIN_SYMBOLS]
            return command_page(("delete_char", "rewrite_go", "cancel"), chars)
        if self.page in ("rewrite_candidates", "rewrite_wait"):
            extra = [
                Target(f"rewrite:{i}", r.text, "rewrite", r.text, diff=r.diff)
                for i, r in enumerate(self._rewrites)
            ]
            return command_page(("reject",), extra)
        if self.page == "confirm" and self.pending is not None:
            return command_page(("cancel",), [self.pending])
        return command_page(("back",))

    # ------------------------------------------------------------------ intents
    def handle(self, intent: Intent) -> list[str]:
        """Apply one intent; return the names of the actions applied (empty if it was ignored).

        Parameters
        ----------
        intent : Intent
            SELECT (payload: a target id, or a tuple of target ids for a scan
            group), UNDO, CONFIRM, CANCEL, PAUSE, WAKE or COMMAND (payload: a
            command name).
        """
        kind = IntentKind(intent.kind)
        if self.paused:
            if kind == IntentKind.WAKE:
                self.paused = False
                self.page = "main"
                self._invalidate()
                return ["wake"]
            return []
        if kind == IntentKind.WAKE:
            return []
        if kind == IntentKind.PAUSE:
            return self._command("pause")
        if kind == IntentKind.UNDO:
            if self.page == "rewrite_freetext":  # undo takes back the last letter of the instruction
                return self._command("delete_char")
            if self.pending is not None:  # the EMG "no" to an unconfirmed EEG selection
                self.pending = None
                self.page = "main"
                self._invalidate()
                return ["cancel"]
            return self._command("undo")
        if kind == IntentKind.CANCEL:
            if self.pending is not None or self.page != "main" or self._scan_subset is not None:
                self.pending = None
                self.page = "main"
                self._invalidate()
                return ["cancel"]
            return []
        if kind == IntentKind.CONFIRM:
            if self.pending is None:
                return []
            target, self.pending = self.pending, None
            self.page = "main"
            return self._act(target)
        if kind == IntentKind.COMMAND:
            return self._command(str(intent.payload))
        if kind != IntentKind.SELECT:
            return []
        payload = intent.payload
        if isinstance(payload, (tuple, list)):
            if len(payload) > 1:
                lay = self.layout
                self._scan_subset = [lay.index(tid) for tid in payload]
                self._layout = None
                if self.on_layout is not None:
                    self.on_layout(self.layout)
                return ["scan_descend"]
            if not payload:
                return []
            payload = payload[0]
        found = self.layout.get(str(payload))
        if found is None:
            log.warning("ignoring selection of %r: not on the %s page", payload, self.page)
            return []
        target = found
        if not target.enabled:
            return []
        self.n_selections += 1
        if (
            self.confirm == "emg"
            and intent.modality not in ("emg", "keyboard")
            and self.page == "main"
            and target.kind != "command"
        ):
            self.pending = target
            self.page = "confirm"
            self._invalidate()
            return ["pending"]
        return self._act(target)

    def select(self, target_id: str) -> list[str]:
        """Select a target by id (a convenience for keyboards and tests)."""
        return self.handle(Intent(IntentKind.SELECT, target_id, modality=Modality.KEYBOARD))

    def _act(self, t: Target) -> list[str]:
        doc = self.document
        if t.kind == "char" and self.page == "rewrite_freetext":
            self.instruction += t.value
            self._invalidate()
            return ["instruction_char"]
        if t.kind == "instruction" and t.value == FREE_TEXT:
            self.instruction = ""
            self.page = "rewrite_freetext"
            self._invalidate()
            return ["free_text"]
        if t.kind == "char":
            doc.apply(NewLine() if t.value == "\n" else InsertText(t.value))
            self._page_after_char(t.value)
            out = ["insert_char"]
        elif t.kind in ("word", "abbrev"):  # the letters typed so far give way to the word or the expansion
            prefix = current_prefix(doc.text_before_cursor())
            doc.apply(ReplaceRange(doc.cursor - len(prefix), doc.cursor, t.value + " "))
            out = ["insert_word" if t.kind == "word" else "expand_abbreviation"]
        elif t.kind == "phrase":
            return self._command("accept_suggestion", phrase=t.value)
        elif t.kind == "instruction":
            return self._request_rewrite(t.value)
        elif t.kind == "rewrite":
            sel = doc.selection
            if sel is None:
                self.page = "main"
                self._invalidate()
                return ["reject"]
            doc.apply(ReplaceRange(sel[0], sel[1], t.value))
            self.page = "main"
            out = ["accept_rewrite"]
        elif t.kind == "command":
            return self._command(t.value)
        else:  # pragma: no cover - kinds are validated by Target
            return []
        self._invalidate()
        return out

    def _request_rewrite(self, instruction: str) -> list[str]:
        text = self.document.selected_text
        if self.lm_mode == "async":
            self._rewrites = []
            self.page = "rewrite_wait"
            if self.request_language is not None:
                self.request_language(RewriteText(text, instruction, self.k_rewrites), self.document.revision)
        else:
            self._rewrites, self.last_lm_latency = self.lm.rewrite(text, instruction, self.k_rewrites)
            self.page = "rewrite_candidates"
        self._invalidate()
        return ["rewrite_request"]

    def _command(self, name: str, phrase: str | None = None) -> list[str]:  # noqa: C901 - a flat dispatch table
        doc = self.document
        if name in self.hooks:
            self.hooks[name](self)
            self._invalidate()
            return [name]
        if self.page == "rewrite_freetext" and name in ("delete_char", "rewrite_go"):
            if name == "rewrite_go":
                instruction = " ".join(self.instruction.split())
                return self._request_rewrite(instruction) if instruction else []
            if not self.instruction:
                return []
            self.instruction = self.instruction[:-1]
            self._invalidate()
            return ["instruction_delete"]
        if name == "shift":
            out = self._press_shift()
            self._invalidate()
            return [out]
        if name in ("letters_page", "numbers_page", "accents_page"):
            self._open_page(name)
            self._invalidate()
            return [name]
        if name == "delete_char":
            doc.apply(DeleteBackward())
        elif name == "delete_word":
            doc.apply(DeleteWordBackward())
        elif name == "undo":
            if not doc.undo():
                return []
        elif name == "redo":
            if not doc.redo():
                return []
        elif name == "new_line":
            doc.apply(NewLine())
        elif name == "accept_suggestion":
            text = phrase if phrase is not None else (self._phrases[0][0] if self._phrases else "")
            if not text:
                return []
            before = doc.text_before_cursor()
            if before and not before.endswith((" ", "\n")) and not text.startswith((",", ".", "?", "'")):
                text = " " + text
            doc.apply(InsertText(text + " "))
            self.page = "main"
        elif name == "menu":
            self.page = "menu"
        elif name in ("back", "cancel", "reject"):
            if name != "back" or self._scan_subset is None:
                self.page = "main"
                self.pending = None
        elif name == "rewrite_menu":
            self.page = "rewrite_select"
        elif name == "select_sentence":
            doc.apply(SelectPreviousSentence())
        elif name == "select_paragraph":
            doc.apply(SelectParagraph())
        elif name == "rewrite_next":
            if doc.selection is None:
                return []
            self.page = "rewrite_instruction"
        elif name == "pause":
            self.paused = True
        elif name == "save":
            self._save()
        elif name == "export":
            self._export()
        elif name == "wake":
            return []
        else:
            return []
        if name in ("cancel", "reject") and doc.selection is not None:
            doc.apply(ClearSelection())
        if name in _EDITING_COMMANDS and self.page == "menu":
            self.page = "main"
        self._invalidate()
        return [name]

    def _default_path(self, suffix: str) -> Path:
        if self.document.path is not None:
            return self.document.path.with_suffix(suffix)
        from .._paths import default_data_dir  # noqa: F401 - keeps the import graph explicit

        folder = self.documents_dir or Path.home() / "Documents" / "bci-input"
        folder.mkdir(parents=True, exist_ok=True)
        return folder / (time.strftime("document-%Y%m%d-%H%M%S") + suffix)

    def _save(self) -> None:
        try:
            path = self.document.path or self._default_path(".txt")
            self.document.save(path)
            self.messages.append(f"Saved {path}")
        except (BciInputError, OSError) as exc:
            self.messages.append(f"Save failed: {exc}")
            log.warning("save failed: %s", exc)

    def _export(self) -> None:
        try:
            path = export_text(self.document.text, self._default_path(".md"))
            self.messages.append(f"Exported {path}")
        except (BciInputError, OSError) as exc:
            self.messages.append(f"Export failed: {exc}")
            log.warning("export failed: %s", exc)
