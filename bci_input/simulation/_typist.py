"""The participant's intentions: follow a target text, use suggestions, correct errors like a user."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._document._model import word_start_before
from ..speller import Layout
from ..speller._keyboard import TYPING_PAGES, page_of
from ..speller._speller import current_prefix

__all__ = ["Typist"]

#: Capitals in a row from which the typist turns caps lock on instead of pressing shift for each.
CAPS_RUN = 3


class Typist:
    """Decide which target to attend next to turn the document into ``target_text``.

    The typist looks at the document like a user: if it ends with a mistake it
    selects delete (a word-delete when a whole wrong word can go, or the EMG
    undo gesture when the last selection caused the error and an EMG switch is
    available); otherwise it picks a suggestion that continues the target text
    exactly, or else the next character. Errors are not invented here: they
    come from the decoder misreading the simulated signals. A user with the EMG
    gestures who finds the speller paused (a pause they did not mean) wakes it
    with a long clench.

    Parameters
    ----------
    target_text : str
        The text to write (any characters of :data:`~bci_input.language.ALPHABET`); the typist presses shift,
        caps lock, the lower-case override and the page keys it needs to write it exactly.
    participant : SimulatedParticipant
        Its body: what it attends and its switch presses.
    rng : numpy.random.Generator
        Reaction-time jitter.
    use_suggestions : bool
        Select word and phrase suggestions that fit.
    undo_gesture : bool
        Correct a wrong last selection with the EMG undo gesture (double clench).
    switch_preset : str
        Scanning: ``'one-switch'`` or ``'two-switch'``.
    reaction_s : tuple of float
        Range of reaction times to a highlight, s.
    """

    def __init__(self, target_text: str, participant: Any, rng: np.random.Generator, *, use_suggestions: bool = True,
                 undo_gesture: bool = False, switch_preset: str = "one-switch",
                 reaction_s: tuple[float, float] = (0.25, 0.4)) -> None:
        self.target = target_text
        self.p = participant
        self.rng = rng
        self.use_suggestions = use_suggestions
        self.undo_gesture = undo_gesture
        self.switch_preset = switch_preset
        self.reaction_s = reaction_s
        self.desired: str | None = None
        self.layout: Layout | None = None
        self.last_text_before: str | None = None
        self.n_gestures = 0
        self._gesture_at_revision = -1
        self._menu_goal: str | None = None  # the menu command to select once the menu is open
        self._wake_until = -np.inf  # a long clench to wake the paused speller is on its way until then

    def done(self, text: str) -> bool:
        """Whether ``text`` is the target."""
        return text == self.target

    def plan(self, layout: Layout, text: str, revision: int = 0) -> str | None:
        """Choose the next target for ``layout`` given the document ``text``; attend it and return its id."""
        self.layout = layout
        self.desired = self._choose(layout, text, revision)
        self.p.attend(self.desired)
        return self.desired

    def tick(self, text: str) -> None:
        """Wake a paused speller with a long clench, again every few seconds while it stays paused."""
        if self.layout is None or self.layout.page != "paused" or not self.undo_gesture or text == self.target \
                or self.p.now < self._wake_until:
            return
        delay = float(self.rng.uniform(*self.reaction_s))
        self._wake_until = self.p.now + delay + 3.0  # the 1.3 s clench, the speller's answer, a look
        self.p.press("long_clench", 0, delay_s=delay)
        self.n_gestures += 1

    def _choose(self, layout: Layout, text: str, revision: int) -> str | None:
        tgt = self.target
        if layout.page == "paused":
            self.tick(text)
            return None
        if layout.n_targets == 0 or text == tgt:
            return None
        ids = {t.id for t in layout.targets}
        goal, self._menu_goal = self._menu_goal, None
        if layout.page == "menu" and goal in ids:
            return self._in_scan(layout, goal)
        if layout.page not in TYPING_PAGES:
            for cid in ("cmd:back", "cmd:cancel", "cmd:reject"):
                if cid in ids:
                    return self._in_scan(layout, cid)
            return None
        common = 0
        for a, b in zip(text, tgt, strict=False):
            if a != b:
                break
            common += 1
        if common < len(text):  # the text ends with a mistake
            if self.undo_gesture and self.last_text_before is not None and tgt.startswith(self.last_text_before) \
                    and self._gesture_at_revision != revision:
                self._gesture_at_revision = revision
                self.p.press("double_clench", 0, delay_s=float(self.rng.uniform(*self.reaction_s)))
                self.n_gestures += 1
                return None
            wrong = len(text) - common
            if "cmd:delete_word" in ids and wrong >= 3 and word_start_before(text, len(text)) >= common:
                return self._in_scan(layout, "cmd:delete_word")
            if wrong >= 3 and "cmd:menu" in ids:  # undo or delete the word from the menu: two selections
                if self.last_text_before is not None and tgt.startswith(self.last_text_before) \
                        and len(self.last_text_before) >= common - 2:
                    self._menu_goal = "cmd:undo"
                elif wrong >= 4 and word_start_before(text, len(text)) >= common:
                    self._menu_goal = "cmd:delete_word"
                if self._menu_goal is not None:
                    return self._in_scan(layout, "cmd:menu")
            return self._in_scan(layout, "cmd:delete_char")
        need = tgt[len(text):]
        if self.use_suggestions and layout.page == "main":
            best, gain = None, 1
            prefix = current_prefix(text)
            for t in layout.targets:
                if not t.value:
                    continue
                if t.kind == "word":
                    new = text[: len(text) - len(prefix)] + t.value + " "
                elif t.kind == "phrase":
                    ins = t.value
                    if text and not text.endswith(" ") and not ins.startswith((",", ".", "?", "'")):
                        ins = " " + ins
                    new = text + ins + " "
                else:
                    continue
                ok = tgt.startswith(new)  # a suggestion that overshoots the target would need deleting
                if ok and len(new) - len(text) > gain:
                    best, gain = t.id, len(new) - len(text)
            if best is not None:
                return self._in_scan(layout, best)
        return self._in_scan(layout, self._key_for(layout, need))

    @staticmethod
    def _key_for(layout: Layout, need: str) -> str:
        """Return the target that writes ``need[0]``, or the case or page key that leads to it."""
        ch = need[0]
        tid = f"char:{'space' if ch == ' ' else ch}"
        case = str(layout.extra.get("case", "lower"))
        if layout.get(tid) is not None:
            run = next((k for k, c in enumerate(need) if not c.isupper()), len(need))
            if case == "shift" and run >= CAPS_RUN and layout.get("cmd:shift") is not None:
                return "cmd:shift"  # a run of capitals (an acronym): caps lock
            return tid
        page = page_of(ch)
        if page == layout.page:  # the letter is here in the other case
            return "cmd:shift"
        if layout.page == "main" or page == "numbers":
            return "cmd:numbers_page"
        return "cmd:accents_page" if page == "accents" else "cmd:letters_page"

    def _in_scan(self, layout: Layout, tid: str) -> str:
        """Return ``tid``, or the scan back target when ``tid`` is not in the current scan level."""
        if layout.paradigm == "scan" and layout.groups is not None:
            try:
                idx = layout.index(tid)
            except Exception:
                return tid
            if not any(idx in g for g in layout.groups) and layout.get("scan:back") is not None:
                return "scan:back"
        return tid

    def on_stimulus(self, event: dict[str, Any]) -> None:
        """Press the switch when the wanted target is highlighted (two-switch: step past the others)."""
        if event.get("type") != "highlight" or self.desired is None:
            return
        delay = float(self.rng.uniform(*self.reaction_s))
        if self.desired in event.get("targets", ()):
            self.p.press("clench", 1 if self.switch_preset == "two-switch" else 0, delay_s=delay)
        elif self.switch_preset == "two-switch":
            self.p.press("clench", 0, delay_s=delay)
