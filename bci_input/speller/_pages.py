"""Build the keyboard pages (layouts) and their language-model priors."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from ..language._types import ALPHABET, WordDiff
from ._fusion import scan_groups
from ._keyboard import SHIFT_LABELS, is_letter, page_chars, page_of, shown
from ._targets import Layout, Target, char_label, jfpm_code

__all__ = [
    "main_targets",
    "main_prior",
    "typing_targets",
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
#: Commands of the main page: delete, shift / caps lock / lower case, the numbers page, the command menu.
MAIN_COMMANDS = ("delete_char", "shift", "numbers_page", "menu")
#: Commands of the numbers page and of the accented-letter page.
NUMBERS_COMMANDS = ("delete_char", "letters_page", "accents_page")
ACCENTS_COMMANDS = ("delete_char", "shift", "letters_page", "numbers_page")
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
    "numbers_page": "123 ;!", "letters_page": "abc", "accents_page": "é ß", "shift": "⇧ shift",
}
#: Menu commands that the host application performs (shown when the speller has a hook for them).
APP_MENU_COMMANDS = (
    "accept_word", "new_document", "open_recent", "read_back", "recovery_keep", "recovery_open", "recovery_discard",
    "close_dialog",
)
#: Small fixed prior mass of command targets on the main page.
_COMMAND_PRIOR = {"delete_char": 0.03, "delete_word": 0.005, "undo": 0.01, "menu": 0.004}
#: Least prior mass of the case and page keys (a language model may give their characters none).
_KEY_FLOOR = 0.004


def _coded(i: int, tid: str, label: str, kind: str, value: str, detail: str = "", diff: WordDiff = ()) -> Target:
    f, ph = jfpm_code(i % 40)
    return Target(tid, label, kind, value, f, ph, detail, diff)


def command_target(i: int, name: str, case: str = "lower") -> Target:
    """Return the target for command ``name`` with JFPM code ``i`` (the shift key's label follows ``case``)."""
    label = SHIFT_LABELS[case] if name == "shift" else _COMMAND_LABELS.get(name, name)
    return _coded(i, f"cmd:{name}", label, "command", name)


def _char_target(i: int, ch: str) -> Target:
    return _coded(i, f"char:{'space' if ch == ' ' else ch}", char_label(ch), "char", ch)


def typing_targets(page: str, case: str = "lower") -> tuple[Target, ...]:
    """Return the targets of the numbers page or the accented-letter page.

    Parameters
    ----------
    page : str
        ``'numbers'`` or ``'accents'``.
    case : str
        Case state (see :data:`~bci_input.speller._keyboard.CASE_STATES`): letters show capitals unless ``'lower'``.
    """
    capital = case != "lower"
    out = [_char_target(k, shown(ch, capital)) for k, ch in enumerate(page_chars(page))]
    for name in NUMBERS_COMMANDS if page == "numbers" else ACCENTS_COMMANDS:
        out.append(command_target(len(out), name, case))
    return tuple(out)


def main_targets(
    words: Sequence[str] = (), phrases: Sequence[str] = (), abbrev: tuple[str, str] | None = None,
    case: str = "lower",
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
    case : str
        Case state: the letter targets write capitals unless ``'lower'``; the shift key's label follows it.
    """
    out: list[Target] = []
    for ch in page_chars("main"):
        out.append(_char_target(len(out), shown(ch, case != "lower")))
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
        out.append(command_target(len(out), name, case))
    return tuple(out)


_PAGE_OF = {c: page_of(c) for c in ALPHABET}
_PAGE_KEYS = ("numbers_page", "letters_page", "accents_page")
#: Pages each page key leads to (from the numbers page's key, the accented letters are one page further).
_REACH = {
    ("main", "numbers_page"): ("numbers", "accents"), ("numbers", "letters_page"): ("main",),
    ("numbers", "accents_page"): ("accents",), ("accents", "letters_page"): ("main",),
    ("accents", "numbers_page"): ("numbers",),
}


def _page_key_mass(t: Target, q: dict[str, float], page: str, on_page: set[str]) -> float:
    """Probability that the next character needs the page key ``t`` first."""
    reach = _REACH.get((page, t.value), ())
    return sum(v for c, v in q.items() if _PAGE_OF[c] in reach and c.lower() not in on_page and c not in on_page)


def main_prior(
    targets: Sequence[Target],
    symbol_probs: dict[str, float] | None,
    words: Sequence[tuple[str, float]],
    phrases: Sequence[tuple[str, float]],
    prefix: str,
    abbrev_prob: float = 0.0,
    *,
    case: str = "lower",
    page: str = "main",
    case_chosen: bool = False,
) -> NDArray[np.float64]:
    """Return the prior over the targets of a typing page (main, numbers or accented letters).

    A character target gets the next-symbol probability of what it writes; in a capital case state a letter
    target gets the mass of both cases (the case is already chosen). The shift key gets the mass of the
    capitals its letters would write, a page key the mass of the characters it leads to. A word suggestion
    ``w`` gets its completion probability; that mass is taken from the character that ``w`` continues with
    (the user picks the word instead of typing that character). Commands get small fixed masses, and
    :data:`UNIFORM_MIX` of the mass is spread over every enabled target.

    Parameters
    ----------
    targets : sequence of Target
        Targets from :func:`main_targets` or :func:`typing_targets`.
    symbol_probs : dict | None
        Next-symbol distribution over :data:`~bci_input.language.SYMBOLS` (``None``: uniform, no language
        model). Keys it lacks get no mass; the rest is renormalised over what the page can reach.
    words : sequence of (str, float)
        Word completions shown, with probabilities.
    phrases : sequence of (str, float)
        Phrase completions shown, with probabilities.
    prefix : str
        The partial word before the cursor.
    abbrev_prob : float
        Confidence of the abbreviation expansion shown (its share among the model's expansions).
    case : str
        Case state of the page (``'lower'``, ``'shift'``, ``'caps'``, ``'auto'``).
    page : str
        ``'main'``, ``'numbers'`` or ``'accents'``.
    case_chosen : bool
        The user chose lower case where a capital was due (the override): letters get both cases' mass.

    Returns
    -------
    ndarray, shape (n_targets,)
    """
    n = len(targets)
    p = np.zeros(n)
    char_idx = {t.value: i for i, t in enumerate(targets) if t.kind == "char"}
    keys = [i for i, t in enumerate(targets) if t.kind == "command" and (t.value == "shift" or t.value in _PAGE_KEYS)]
    if symbol_probs is None:
        for i in (*char_idx.values(), *keys):
            p[i] = 1.0
    else:
        q = {c: max(0.0, float(symbol_probs.get(c, 0.0))) for c in ALPHABET}
        on_page = {t.value.lower() for t in targets if t.kind == "char"} | set(char_idx)
        bases = {c for c in on_page if is_letter(c) and c == c.lower()}
        upper = sum(q.get(c.upper(), 0.0) for c in bases)
        lower = sum(q.get(c, 0.0) for c in bases)
        # At a sentence start a model that knows case (more mass on capitals) gives the lower-case override its
        # lower-case mass; one that does not says nothing about case, and its letters keep both cases' mass.
        override = case == "auto" and not case_chosen and upper >= lower
        for ch, i in char_idx.items():
            if not is_letter(ch):
                p[i] = q.get(ch, 0.0)
            elif override:
                p[i] = q.get(ch.upper(), 0.0)
            elif case != "lower" or case_chosen:  # the case is chosen: the letter is what is asked
                p[i] = q.get(ch.upper(), 0.0) + q.get(ch.lower(), 0.0)
            else:
                p[i] = q.get(ch, 0.0)
        for i in keys:
            if targets[i].value != "shift":
                p[i] = _page_key_mass(targets[i], q, page, on_page)
            elif override:
                p[i] = lower
            elif case == "lower" and not case_chosen:
                p[i] = upper

    total = p.sum()
    p = p / total if total > 0 else np.where(p == 0, 0.0, p)
    for i in keys:
        p[i] = max(p[i], _KEY_FLOOR)
    p = p / p.sum() if p.sum() > 0 else p
    cmd_mass = 0.0
    for i, t in enumerate(targets):
        if t.kind == "command" and i not in keys:
            p[i] = _COMMAND_PRIOR.get(t.value, 0.004)
            cmd_mass += p[i]
    char_share = 1.0 - cmd_mass
    for i in (*char_idx.values(), *keys):
        p[i] *= char_share
    word_probs = dict(words)
    for i, t in enumerate(targets):
        if t.kind == "word" and t.value:
            pw = float(word_probs.get(t.value, 0.0))
            nxt = t.value[len(prefix)] if len(t.value) > len(prefix) else " "
            ci = char_idx.get(nxt, char_idx.get(nxt.swapcase()))
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
    out = [_coded(i, t.id, t.label, t.kind, t.value, t.detail, t.diff) for i, t in enumerate(extra)]
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
