"""Build the keyboard pages (layouts) and their language-model priors."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from ._fusion import scan_groups
from ._lm import SYMBOLS
from ._targets import Layout, Target, char_label, jfpm_code

__all__ = [
    "main_targets",
    "main_prior",
    "command_page",
    "grid_groups",
    "finish_layout",
    "MENU_COMMANDS",
    "APP_MENU_COMMANDS",
    "N_WORD_SLOTS",
    "N_PHRASE_SLOTS",
    "UNIFORM_MIX",
]

#: Word-suggestion slots on the main page.
N_WORD_SLOTS = 4
#: Phrase-suggestion slots on the main page.
N_PHRASE_SLOTS = 1
#: Share of prior mass spread uniformly so that a wrong language model can always be overruled.
UNIFORM_MIX = 0.05
MAIN_COMMANDS = ("delete_char", "delete_word", "undo", "menu")
MENU_COMMANDS = (
    "back", "undo", "redo", "delete_word", "accept_suggestion", "rewrite_menu", "new_line", "save", "export", "pause",
)
_COMMAND_LABELS = {
    "delete_char": "⌫", "delete_word": "⌫ word", "undo": "↶ undo", "redo": "↷ redo", "menu": "☰ menu",
    "back": "← back", "accept_suggestion": "✓ accept", "rewrite_menu": "✎ rewrite", "new_line": "⏎ line",
    "save": "save", "export": "⇪ export", "pause": "‖ pause", "wake": "wake", "select_sentence": "◀ sentence",
    "select_paragraph": "¶ paragraph", "rewrite_next": "→ next", "reject": "✗ reject", "cancel": "✗ cancel",
    "new_document": "+ new doc", "open_recent": "⟲ recent", "read_back": "read aloud", "accept_word": "→ word",
    "rewrite_go": "✓ rewrite", "recovery_keep": "✓ keep recovered", "recovery_open": "⟲ open recovered",
    "recovery_discard": "✗ discard recovered", "close_dialog": "✗ close dialog",
}
#: Menu commands that the host application performs (shown when the speller has a hook for them).
APP_MENU_COMMANDS = (
    "accept_word", "new_document", "open_recent", "read_back", "recovery_keep", "recovery_open", "recovery_discard",
    "close_dialog",
)
#: Small fixed prior mass of command targets on the main page.
_COMMAND_PRIOR = {"delete_char": 0.03, "delete_word": 0.005, "undo": 0.01, "menu": 0.004}


def _coded(i: int, tid: str, label: str, kind: str, value: str, detail: str = "") -> Target:
    f, ph = jfpm_code(i % 40)
    return Target(tid, label, kind, value, f, ph, detail)


def command_target(i: int, name: str) -> Target:
    """Return the target for command ``name`` with JFPM code ``i``."""
    return _coded(i, f"cmd:{name}", _COMMAND_LABELS.get(name, name), "command", name)


def main_targets(
    words: Sequence[str] = (), phrases: Sequence[str] = (), abbrev: tuple[str, str] | None = None
) -> tuple[Target, ...]:
    """Return the 40 main-page targets: symbols, word and phrase slots, commands.

    Parameters
    ----------
    words : sequence of str
        Word suggestions (at most :data:`N_WORD_SLOTS`; empty slots stay disabled).
    phrases : sequence of str
        Phrase suggestions (at most :data:`N_PHRASE_SLOTS`).
    abbrev : (initials, expansion) | None
        An abbreviation expansion of the letters being typed; it takes the first phrase slot (an ``abbrev``
        target that replaces the initials with the expansion).
    """
    out: list[Target] = []
    for ch in SYMBOLS:
        out.append(_coded(len(out), f"char:{'space' if ch == ' ' else ch}", char_label(ch), "char", ch))
    for k in range(N_WORD_SLOTS):
        w = words[k] if k < len(words) else ""
        out.append(_coded(len(out), f"word:{k}", w, "word", w))
    for k in range(N_PHRASE_SLOTS):
        if k == 0 and abbrev is not None and abbrev[1]:
            initials, expansion = abbrev
            out.append(_coded(len(out), f"phrase:{k}", f"{expansion}  ⟵ {initials}", "abbrev", expansion, initials))
            continue
        ph = phrases[k] if k < len(phrases) else ""
        out.append(_coded(len(out), f"phrase:{k}", ph + " …" if ph else "", "phrase", ph))
    for name in MAIN_COMMANDS:
        out.append(command_target(len(out), name))
    return tuple(out)


def main_prior(
    targets: Sequence[Target],
    symbol_probs: dict[str, float] | None,
    words: Sequence[tuple[str, float]],
    phrases: Sequence[tuple[str, float]],
    prefix: str,
    abbrev_prob: float = 0.0,
) -> NDArray[np.float64]:
    """Return the prior over main-page targets.

    A word suggestion ``w`` gets its completion probability; that mass is taken
    from the character that ``w`` continues with (the user picks the word
    instead of typing that character). Commands get small fixed masses, and
    :data:`UNIFORM_MIX` of the mass is spread over every enabled target.

    Parameters
    ----------
    targets : sequence of Target
        Main-page targets from :func:`main_targets`.
    symbol_probs : dict | None
        Next-symbol distribution (``None``: uniform, no language model).
    words : sequence of (str, float)
        Word completions shown, with probabilities.
    phrases : sequence of (str, float)
        Phrase completions shown, with probabilities.
    prefix : str
        The partial word before the cursor.
    abbrev_prob : float
        Confidence of the abbreviation expansion shown (its share among the model's expansions).

    Returns
    -------
    ndarray, shape (n_targets,)
    """
    n = len(targets)
    p = np.zeros(n)
    sym = symbol_probs or {s: 1.0 / len(SYMBOLS) for s in SYMBOLS}
    total_sym = sum(float(sym.get(s, 0.0)) for s in SYMBOLS) or 1.0
    char_idx = {t.value: i for i, t in enumerate(targets) if t.kind == "char"}
    for ch, i in char_idx.items():
        p[i] = float(sym.get(ch, 0.0)) / total_sym
    cmd_mass = 0.0
    for i, t in enumerate(targets):
        if t.kind == "command":
            p[i] = _COMMAND_PRIOR.get(t.value, 0.004)
            cmd_mass += p[i]
    char_share = 1.0 - cmd_mass
    for i in char_idx.values():
        p[i] *= char_share
    word_probs = dict(words)
    for i, t in enumerate(targets):
        if t.kind == "word" and t.value:
            pw = float(word_probs.get(t.value, 0.0))
            nxt = t.value[len(prefix)] if len(t.value) > len(prefix) else " "
            ci = char_idx.get(nxt)
            avail = p[ci] * 0.9 if ci is not None else 0.0
            moved = min(pw * char_share, avail)
            if ci is not None:
                p[ci] -= moved
            p[i] = moved
        elif t.kind == "phrase" and t.value:
            pp = float(dict(phrases).get(t.value, 0.0))
            p[i] = 0.3 * pp * char_share
        elif t.kind == "abbrev" and t.value:
            # No word starts with the typed letters, so the letter distribution after them is a poor guide:
            # the expansion gets a share of its own confidence.
            p[i] = 0.5 * float(abbrev_prob) * char_share
    enabled = np.array([t.enabled for t in targets], bool)
    p[~enabled] = 0.0
    p = p / p.sum()
    mix = np.where(enabled, 1.0 / max(1, int(enabled.sum())), 0.0)
    p = (1.0 - UNIFORM_MIX) * p + UNIFORM_MIX * mix
    p[~enabled] = 1e-9
    return p / p.sum()


def command_page(names: Sequence[str], extra: Sequence[Target] = ()) -> tuple[Target, ...]:
    """Return a page of ``extra`` targets followed by command targets (JFPM-coded in order)."""
    out = [_coded(i, t.id, t.label, t.kind, t.value, t.detail) for i, t in enumerate(extra)]
    for name in names:
        out.append(command_target(len(out), name))
    return tuple(out)


def grid_groups(n_targets: int, columns: int) -> tuple[tuple[int, ...], ...]:
    """Return P300 flash groups: every row, then every column, of a grid.

    Parameters
    ----------
    n_targets : int
        Number of targets, laid out row by row.
    columns : int
        Grid width.
    """
    rows = [tuple(range(r, min(r + columns, n_targets))) for r in range(0, n_targets, columns)]
    cols = [tuple(range(c, n_targets, columns)) for c in range(min(columns, n_targets))]
    return tuple(g for g in rows + cols if g)


def finish_layout(
    paradigm: str,
    targets: tuple[Target, ...],
    prior: NDArray[np.float64],
    *,
    page: str,
    revision: int,
    columns: int,
    scan_subset: Sequence[int] | None = None,
    max_groups: int = 8,
    p300_mode: str = "grid",
    extra: dict[str, object] | None = None,
) -> Layout:
    """Attach paradigm-specific groups (P300 rows/columns or RSVP singletons, scan groups) and build the layout."""
    groups: tuple[tuple[int, ...], ...] | None = None
    enabled = [i for i, t in enumerate(targets) if t.enabled]
    if paradigm == "p300" and p300_mode == "rsvp":  # one target at a time, most likely first
        groups = tuple((i,) for i in sorted(enabled, key=lambda i: -prior[i]))
    elif paradigm == "p300":
        groups = grid_groups(len(targets), columns)
    elif paradigm == "scan":
        subset = [i for i in (scan_subset if scan_subset is not None else enabled) if targets[i].enabled]
        back = [i for i, t in enumerate(targets) if t.id == "scan:back"]
        subset = [i for i in subset if i not in back]
        groups = tuple(scan_groups(prior, subset, max_groups=max_groups))
        if scan_subset is not None and back:
            groups = groups + ((back[0],),)
    return Layout(
        paradigm, targets, prior, groups=groups, page=page, revision=revision, columns=columns,
        extra={"sub_level": scan_subset is not None, **(extra or {})},
    )
