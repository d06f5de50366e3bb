"""Targets, layouts and JFPM stimulus codes."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from .._errors import ConfigError, check_option
from ..language import WordDiff

__all__ = [
    "Target",
    "Layout",
    "TARGET_KINDS",
    "PARADIGMS",
    "COMMANDS",
    "jfpm_code",
    "char_label",
    "MAX_SSVEP_TARGETS",
]

#: Kinds of targets.
TARGET_KINDS = ("char", "word", "phrase", "abbrev", "command", "rewrite", "instruction")
#: Interaction paradigms.
PARADIGMS = ("ssvep", "p300", "scan")
#: Command names a target of kind ``'command'`` may carry as its value.
COMMANDS = (
    "delete_char",
    "delete_word",
    "undo",
    "redo",
    "accept_suggestion",
    "rewrite_menu",
    "new_line",
    "save",
    "export",
    "pause",
    "wake",
    "menu",
    "back",
    "select_sentence",
    "select_paragraph",
    "rewrite_next",
    "reject",
    "cancel",
    "new_document",
    "open_recent",
    "read_back",
    "accept_word",
    "rewrite_go",
    "recovery_keep",
    "recovery_open",
    "recovery_discard",
    "close_dialog",
    "shift",
    "numbers_page",
    "letters_page",
    "accents_page",
)
#: Most targets an SSVEP page holds (JFPM 8.0-15.8 Hz in 0.2 Hz steps).
MAX_SSVEP_TARGETS = 40


def jfpm_code(index: int, *, f0: float = 8.0, df: float = 0.2, dphi: float = 0.35 * math.pi) -> tuple[float, float]:
    """Return the (frequency Hz, phase rad) of JFPM target ``index``.

    Parameters
    ----------
    index : int
        Target index, 0-39.
    f0, df : float
        First frequency and frequency step, Hz.
    dphi : float
        Phase step, radians.

    Returns
    -------
    tuple of float
        ``(f0 + index * df, (index * dphi) mod 2π)``.
    """
    if not 0 <= index < MAX_SSVEP_TARGETS:
        raise ConfigError(f"JFPM target index must be in 0..{MAX_SSVEP_TARGETS - 1}, got {index}.")
    return round(f0 + index * df, 6), float((index * dphi) % (2 * math.pi))


def char_label(ch: str) -> str:
    """Return the display label of a speller symbol (``'␣'`` for space)."""
    return {" ": "␣", "\n": "⏎"}.get(ch, ch)


@dataclass(frozen=True)
class Target:
    """One selectable thing on the keyboard.

    Parameters
    ----------
    id : str
        Stable identifier (``'char:a'``, ``'word:0'``, ``'cmd:undo'``).
    label : str
        What the keyboard shows.
    kind : str
        One of :data:`TARGET_KINDS`.
    value : str
        What selecting it does: the character, the word, the phrase, the command
        name, the rewrite candidate's text or the instruction preset.
    freq : float | None
        SSVEP flicker frequency, Hz.
    phase : float | None
        SSVEP flicker phase, radians.
    detail : str
        Extra text: the typed initials an abbreviation expansion is for.
    diff : WordDiff
        A rewrite candidate's word diff against the selected text, as the language model computed it
        (:attr:`~bci_input.language.Rewrite.diff`); empty for other targets.
    """

    id: str
    label: str
    kind: str
    value: str
    freq: float | None = None
    phase: float | None = None
    detail: str = ""
    diff: WordDiff = ()

    def __post_init__(self) -> None:
        check_option("target kind", self.kind, TARGET_KINDS)
        if self.kind == "command":
            check_option("command", self.value, COMMANDS)

    @property
    def enabled(self) -> bool:
        """Whether the target does something (an empty suggestion slot does not)."""
        return self.kind in ("char", "command") or bool(self.value)


@dataclass(frozen=True)
class Layout:
    """What the keyboard shows now, with the language-model prior.

    Parameters
    ----------
    paradigm : str
        ``'ssvep'``, ``'p300'`` or ``'scan'``.
    targets : tuple of Target
        The targets, in display order.
    prior : ndarray, shape (n_targets,)
        Prior probability of each target being the user's next choice (sums to 1).
    groups : tuple of tuple of int | None
        P300: the flash groups (rows and columns) as target indices. Scan: the
        groups scanned at the current level, in scan order.
    page : str
        Which page this is (``'main'``, ``'menu'``, ``'rewrite_select'``,
        ``'rewrite_instruction'``, ``'rewrite_candidates'``, ``'paused'``, ``'confirm'``).
    revision : int
        Document revision the layout was built for.
    columns : int
        Grid columns for display.
    """

    paradigm: str
    targets: tuple[Target, ...]
    prior: NDArray[np.float64]
    groups: tuple[tuple[int, ...], ...] | None = None
    page: str = "main"
    revision: int = 0
    columns: int = 8
    extra: dict[str, object] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        check_option("paradigm", self.paradigm, PARADIGMS)
        object.__setattr__(self, "targets", tuple(self.targets))
        prior = np.asarray(self.prior, dtype=np.float64)
        if prior.shape != (len(self.targets),):
            raise ConfigError(f"Layout prior must have shape ({len(self.targets)},), got {prior.shape}.")
        if len(self.targets) and (np.any(prior < 0) or not np.isfinite(prior).all() or prior.sum() <= 0):
            raise ConfigError("Layout prior must be finite, non-negative and not all zero.")
        if len(self.targets):
            prior = prior / prior.sum()
        object.__setattr__(self, "prior", prior)
        if self.groups is not None:
            groups = tuple(tuple(int(i) for i in g) for g in self.groups)
            for g in groups:
                for i in g:
                    if not 0 <= i < len(self.targets):
                        raise ConfigError(f"Layout group index {i} is outside 0..{len(self.targets) - 1}.")
            object.__setattr__(self, "groups", groups)
        ids = [t.id for t in self.targets]
        if len(set(ids)) != len(ids):
            raise ConfigError("Layout target ids must be unique.")

    @property
    def n_targets(self) -> int:
        """Number of targets."""
        return len(self.targets)

    def index(self, target_id: str) -> int:
        """Return the index of the target with ``target_id``.

        Raises
        ------
        ConfigError
            If no target has that id.
        """
        for i, t in enumerate(self.targets):
            if t.id == target_id:
                return i
        raise ConfigError(f"No target {target_id!r} on the {self.page!r} page.")

    def get(self, target_id: str) -> Target | None:
        """Return the target with ``target_id`` or ``None``."""
        for t in self.targets:
            if t.id == target_id:
                return t
        return None

    @property
    def freqs(self) -> list[float]:
        """SSVEP frequencies of the targets, Hz (``nan`` where a target has none)."""
        return [t.freq if t.freq is not None else float("nan") for t in self.targets]

    @property
    def phases(self) -> list[float]:
        """SSVEP phases of the targets, radians (0 where a target has none)."""
        return [t.phase if t.phase is not None else 0.0 for t in self.targets]
