"""Rewrite benchmark: does a person accept the rewrites and expansions a model offers? (``bci-input lm rewrite-bench``).

A dev set (``bci_input/data/rewrite_dev.jsonl``, written for this benchmark) holds one JSON object per line::

    {"id", "instruction", "input", "must_contain", "must_not_contain", "must_contain_case",
     "min_len_ratio", "max_len_ratio", "references", "context"?}

``instruction`` is a preset key of :data:`~bci_input.language.REWRITE_PRESETS`, free text (an instruction the
person wrote), or ``"abbreviation"`` (``input`` then holds word initials and ``context`` the text before them).

A candidate is **accepted** when it passes every rule of :func:`check_candidate` (a failed rule is named):

- ``empty``: it has some text.
- ``echo``: it is not the input again, nor the input with only case or whitespace changed.
- ``meta``: it is one clean rewrite: no preamble or comment ("Sure", "Here is", "The corrected text:",
  "I hope this helps"), no placeholder in square brackets ("[Recipient's Name]"), no extra lines when the input
  has none, not wrapped in quotes.
- ``must_contain``: it keeps the facts: every entry occurs (case-insensitive, whole words; ``a|b`` means either).
- ``must_contain_case``: every entry occurs exactly, case included (a month, a name).
- ``must_not_contain``: it fixes what was asked: none of these entries (the error, the slang) is left.
- ``invented``: it invents no number, and no capitalised name, weekday or month, absent from the input, the
  context, the instruction and the references.
- ``length``: ``min_len_ratio <= len(candidate) / len(input) <= max_len_ratio`` (characters), when given.
- ``continuation`` (``continue`` only): it starts with the input and adds exactly one sentence.
- ``initials`` (``abbreviation`` only): one word per initial, each starting with its letter.

An item is accepted at k when one of the first k candidates (best first, as the user sees them) is accepted.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np

from .._errors import ConfigError
from ..settings import LanguageSettings
from ._prompts import invented
from ._types import REWRITE_PRESETS, LanguageModel

__all__ = [
    "RewriteItem",
    "ABBREVIATION",
    "check_candidate",
    "default_set_path",
    "load_items",
    "load_candidates",
    "generate_candidates",
    "score",
    "format_report",
    "format_markdown",
    "run_bench",
]

log = logging.getLogger(__name__)

#: The ``instruction`` of abbreviation-expansion items.
ABBREVIATION = "abbreviation"
#: Row of free-text instructions in the report.
FREE = "free text"
#: The rows of the report, in order.
GROUPS: tuple[str, ...] = (*REWRITE_PRESETS, FREE, ABBREVIATION)
#: The four presets the issue's figures were measured on.
CORE_PRESETS: tuple[str, ...] = ("fix_grammar", "formal", "shorter", "polite")

_KEYS = ("id", "instruction", "input")
_META_START = re.compile(
    r"^\W*(sure|certainly|absolutely|of course[,!.]|okay|ok[,!.]|here is|here's|here are|below is|"
    r"(the |a |your |my )?(rewritten|corrected|revised|edited|improved|polite|formal|shorter|simplified|new)"
    r"( \w+)? ?(text|version|sentence|message|rewrite)\b\s*(:|is\b|would\b|could\b|reads\b)|"
    r"(rewrite|correction|answer|output|text|original)\s*:)",
    re.I,
)
_META_ANY = re.compile(
    r"\[[^\]]*\]|\bas an ai\b|\bi hope this helps\b|\brewritten (text|version)\b|\bcorrected (text|version)\b|"
    r"\boriginal (text|sentence)\b|\bnote:|\blet me know if you (need|want|would like) (any )?(more|further|other)",
    re.I,
)


@dataclass(frozen=True)
class RewriteItem:
    """One dev-set item (see the module docstring for the fields)."""

    id: str
    instruction: str
    input: str
    must_contain: tuple[str, ...] = ()
    must_not_contain: tuple[str, ...] = ()
    must_contain_case: tuple[str, ...] = ()
    min_len_ratio: float | None = None
    max_len_ratio: float | None = None
    references: tuple[str, ...] = ()
    context: str = ""

    @property
    def group(self) -> str:
        """Return the report row: the preset key, ``"abbreviation"`` or ``"free text"``."""
        if self.instruction in REWRITE_PRESETS or self.instruction == ABBREVIATION:
            return self.instruction
        return FREE


def default_set_path() -> Path:
    """Return the path of the bundled dev set ``bci_input/data/rewrite_dev.jsonl``."""
    return Path(str(files("bci_input").joinpath("data/rewrite_dev.jsonl")))


def _read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Cannot read {path}: {exc}. Give a UTF-8 JSONL file.") from None
    rows = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path}, line {n}: not valid JSON ({exc.msg}). Give one JSON object per line.") from None
        if not isinstance(row, dict):
            raise ConfigError(f"{path}, line {n}: expected a JSON object, got {type(row).__name__}.")
        rows.append(row)
    if not rows:
        raise ConfigError(f"{path} holds no items. Give one JSON object per line.")
    return rows


def _strings(row: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    v = row.get(key) or []
    if not isinstance(v, list) or not all(isinstance(s, str) and s.strip() for s in v):
        raise ConfigError(f"{where}: '{key}' must be a list of non-empty strings, got {v!r}.")
    return tuple(v)


def _ratio(row: dict[str, Any], key: str, where: str) -> float | None:
    v = row.get(key)
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int | float) or not (0.0 < float(v) <= 100.0):
        raise ConfigError(f"{where}: '{key}' must be a number in (0, 100] or null, got {v!r}.")
    return float(v)


def item_from_dict(row: dict[str, Any], where: str = "item") -> RewriteItem:
    """Validate one dev-set row and return it as a :class:`RewriteItem` (:class:`ConfigError` if invalid)."""
    for key in _KEYS:
        if not isinstance(row.get(key), str) or not row[key].strip():
            raise ConfigError(f"{where}: '{key}' must be a non-empty string. Each item needs {', '.join(_KEYS)}.")
    ctx = row.get("context", "")
    if not isinstance(ctx, str):
        raise ConfigError(f"{where}: 'context' must be a string, got {ctx!r}.")
    return RewriteItem(
        id=row["id"], instruction=row["instruction"].strip(), input=row["input"],
        must_contain=_strings(row, "must_contain", where), must_not_contain=_strings(row, "must_not_contain", where),
        must_contain_case=_strings(row, "must_contain_case", where),
        min_len_ratio=_ratio(row, "min_len_ratio", where), max_len_ratio=_ratio(row, "max_len_ratio", where),
        references=_strings(row, "references", where), context=ctx,
    )


def load_items(path: str | Path | None = None) -> list[RewriteItem]:
    """Load and validate a dev set (default: the bundled one).

    Raises
    ------
    ConfigError
        If the file cannot be read, a line is not a valid item, or two items share an id.
    """
    p = path if path is not None else default_set_path()
    items = [item_from_dict(row, f"{p}, item {n}") for n, row in enumerate(_read_jsonl(p), 1)]
    ids = [it.id for it in items]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise ConfigError(f"{p}: duplicate item ids: {', '.join(dup)}. Each id must be unique.")
    return items


def is_candidates_file(path: str | Path) -> bool:
    """Return True if the first row of the JSONL file holds ``candidates`` (the ``--out`` schema)."""
    return "candidates" in _read_jsonl(path)[0]


def load_candidates(path: str | Path, items: Sequence[RewriteItem]) -> list[dict[str, Any]]:
    """Load a candidates file (``{"id", "instruction", "candidates", "latency_s"}`` per line) for ``items``.

    Raises
    ------
    ConfigError
        If a row is malformed or names an id absent from ``items``.
    """
    known = {it.id for it in items}
    out = []
    for n, row in enumerate(_read_jsonl(path), 1):
        where = f"{path}, line {n}"
        if row.get("id") not in known:
            raise ConfigError(f"{where}: unknown item id {row.get('id')!r}. Ids must come from the dev set.")
        cands = row.get("candidates")
        if not isinstance(cands, list) or not all(isinstance(c, str) for c in cands):
            raise ConfigError(f"{where}: 'candidates' must be a list of strings, got {cands!r}.")
        lat = row.get("latency_s")
        if lat is not None and (isinstance(lat, bool) or not isinstance(lat, int | float) or not 0 <= lat < 1e5):
            raise ConfigError(f"{where}: 'latency_s' must be a number of seconds >= 0 or null, got {lat!r}.")
        out.append({"id": row["id"], "candidates": cands, "latency_s": None if lat is None else float(lat)})
    return out


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def _contains(text: str, entry: str, *, case: bool = False) -> bool:
    """Whole-word match of one entry (``a|b`` alternatives), case-insensitive unless ``case``."""
    for alt in entry.split("|"):
        alt = " ".join(alt.split())
        if not alt:
            continue
        pat = re.escape(alt).replace(r"\ ", r"\s+")
        if alt[0].isalnum():
            pat = r"(?<![\w'])" + pat
        if alt[-1].isalnum():
            pat += r"(?![\w])"
        if re.search(pat, text, 0 if case else re.I):
            return True
    return False


def _sentence_ends(text: str) -> int:
    return len(re.findall(r"[.!?]+(?=\s|$)", text.strip()))


def check_candidate(item: RewriteItem, candidate: str) -> list[str]:
    """Return the names of the acceptance rules ``candidate`` fails (empty: accepted); see the module docstring."""
    c = candidate.strip()
    if not c:
        return ["empty"]
    failed: list[str] = []
    if _norm(c) == _norm(item.input):
        failed.append("echo")
    one_line = "\n" not in item.input.strip()
    quoted = len(c) >= 2 and c[0] in "\"“'" and c[-1] in "\"”'" and not item.input.strip().startswith(c[0])
    if _META_START.search(c) or _META_ANY.search(c) or (one_line and "\n" in c) or quoted:
        failed.append("meta")
    if not all(_contains(c, e) for e in item.must_contain):
        failed.append("must_contain")
    if not all(_contains(c, e, case=True) for e in item.must_contain_case):
        failed.append("must_contain_case")
    if any(_contains(c, e) for e in item.must_not_contain):
        failed.append("must_not_contain")
    sources = [item.input, item.context, *item.references]
    if item.group == FREE:
        sources.append(item.instruction)
    if invented(c, sources):
        failed.append("invented")
    if item.instruction != ABBREVIATION:
        ratio = len(c) / max(1, len(item.input.strip()))
        if (item.min_len_ratio is not None and ratio < item.min_len_ratio) or (
            item.max_len_ratio is not None and ratio > item.max_len_ratio
        ):
            failed.append("length")
    if item.instruction == "continue":
        head = _norm(item.input)
        if not _norm(c).startswith(head) or _sentence_ends(c[len(item.input.strip()):]) != 1:
            failed.append("continuation")
    if item.instruction == ABBREVIATION:
        letters = [ch for ch in item.input.casefold() if ch.isalpha()]
        words = [w for w in re.split(r"\s+", re.sub(r"[^\w\s']", " ", c)) if w]
        if len(words) != len(letters) or any(w[0].casefold() != ch for w, ch in zip(words, letters, strict=False)):
            failed.append("initials")
    return failed


def generate_candidates(
    model: LanguageModel, items: Sequence[RewriteItem], k: int = 3, progress: Callable[[str], None] | None = None
) -> list[dict[str, Any]]:
    """Ask ``model`` for each item's candidates, exactly as the app does (``rewrite`` / ``expand_abbreviation``).

    Returns
    -------
    list of dict
        ``{"id", "instruction", "candidates": [best first], "latency_s"}`` per item.
    """
    rows = []
    for n, it in enumerate(items, 1):
        t0 = time.perf_counter()
        if it.instruction == ABBREVIATION:
            cands = [t for t, _ in model.expand_abbreviation(it.input, it.context, k).value]
        else:
            cands = [r.text for r in model.rewrite(it.input, it.instruction, k).value]
        lat = time.perf_counter() - t0
        rows.append({"id": it.id, "instruction": it.instruction, "candidates": cands[:k], "latency_s": round(lat, 4)})
        if progress is not None and n % 10 == 0:
            progress(f"  {n}/{len(items)} items")
    return rows


def score(items: Sequence[RewriteItem], rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Score candidate rows against their items.

    Returns
    -------
    dict
        ``groups``: row name -> ``{"n", "acc1", "acc3", "p50_s", "p95_s"}`` for every group present, plus
        ``"presets (4)"`` (fix_grammar, formal, shorter, polite) and ``"all rewrites"`` (every group but
        abbreviation); ``failures``: rule name -> number of shown candidates failing it; ``n_candidates``.
    """
    by_id = {it.id: it for it in items}
    per: list[tuple[str, bool, bool, float | None]] = []
    failures: dict[str, int] = {}
    n_cands = 0
    for row in rows:
        it = by_id[row["id"]]
        ok = []
        for c in row["candidates"][:3]:
            failed = check_candidate(it, c)
            n_cands += 1
            for f in failed:
                failures[f] = failures.get(f, 0) + 1
            ok.append(not failed)
        per.append((it.group, bool(ok[:1] and ok[0]), any(ok), row.get("latency_s")))

    def summary(sel: list[tuple[str, bool, bool, float | None]]) -> dict[str, float]:
        lat = [x[3] for x in sel if x[3] is not None]
        return {
            "n": len(sel),
            "acc1": float(np.mean([x[1] for x in sel])),
            "acc3": float(np.mean([x[2] for x in sel])),
            "p50_s": float(np.percentile(lat, 50)) if lat else float("nan"),
            "p95_s": float(np.percentile(lat, 95)) if lat else float("nan"),
        }

    groups: dict[str, dict[str, float]] = {}
    for g in GROUPS:
        sel = [x for x in per if x[0] == g]
        if sel:
            groups[g] = summary(sel)
    core = [x for x in per if x[0] in CORE_PRESETS]
    if core:
        groups["presets (4)"] = summary(core)
    rewrites = [x for x in per if x[0] != ABBREVIATION]
    if rewrites:
        groups["all rewrites"] = summary(rewrites)
    return {"groups": groups, "failures": dict(sorted(failures.items())), "n_candidates": n_cands}


def format_report(label: str, result: dict[str, Any]) -> str:
    """Return the plain-text report printed by the command."""
    lines = [f"{label}: acceptance and latency per instruction"]
    for g, s in result["groups"].items():
        lines.append(
            f"  {g:<14} n={s['n']:<3} acc@1 {s['acc1']:.2f}  acc@3 {s['acc3']:.2f}  "
            f"latency p50 {s['p50_s']:.2f} s  p95 {s['p95_s']:.2f} s"
        )
    fails = ", ".join(f"{k} {v}" for k, v in result["failures"].items()) or "none"
    lines.append(f"  failed rules over {result['n_candidates']} shown candidates: {fails}")
    return "\n".join(lines)


def format_markdown(label: str, result: dict[str, Any], set_name: str) -> str:
    """Return the BENCHMARKS.md section for one model (its own ``##`` heading)."""
    from .._bench_report import machine_line, markdown_table

    rows = [
        [g, s["n"], s["acc1"], s["acc3"], f"{s['p50_s']:.2f} / {s['p95_s']:.2f}"] for g, s in result["groups"].items()
    ]
    fails = ", ".join(f"{k} {v}" for k, v in result["failures"].items()) or "none"
    return (
        f"## Rewrite benchmark: {label}\n\n"
        f"Made by `bci-input lm rewrite-bench` (or `bci-input bench rewrite`) on {set_name}. {machine_line()}\n"
        "Acceptance rules: docs/language.md (keeps the facts, fixes what was asked, invents no name or number, one "
        "clean rewrite, length bounds, never the input again). acc@k: an accepted candidate among the first k "
        "shown.\n\n"
        + markdown_table(["instruction", "items", "acc@1", "acc@3", "latency p50 / p95 (s)"], rows)
        + f"\nFailed rules over the {result['n_candidates']} candidates shown: {fails}.\n"
        + f"\nMachine load (1-min load average) when the run ended: {os.getloadavg()[0]:.1f} on {os.cpu_count()} "
        "cores; latencies scale with it.\n"
    )


def format_summary(runs: Sequence[tuple[str, dict[str, Any]]]) -> str:
    """Return the side-by-side table of several models' results (section ``rewrite-summary``)."""
    from .._bench_report import machine_line, markdown_table

    def cell(r: dict[str, Any], group: str, key: str) -> str:
        g = r["groups"].get(group)
        return "" if g is None else f"{g[key]:.2f}"

    rows: list[list[object]] = [
        [label, f"{cell(r, 'presets (4)', 'acc1')} / {cell(r, 'presets (4)', 'acc3')}",
         cell(r, "fix_grammar", "acc3"), f"{cell(r, 'all rewrites', 'acc1')} / {cell(r, 'all rewrites', 'acc3')}",
         cell(r, "abbreviation", "acc3"),
         f"{cell(r, 'presets (4)', 'p50_s')} / {cell(r, 'presets (4)', 'p95_s')}",
         f"{cell(r, 'all rewrites', 'p50_s')} / {cell(r, 'all rewrites', 'p95_s')}",
         str(r["failures"].get("invented", 0))]
        for label, r in runs
    ]
    return (
        "## Rewrite benchmark: the models side by side\n\n"
        f"The dev set `bci_input/data/rewrite_dev.jsonl`, each model's own section below. {machine_line()}\n"
        "Targets (issue 15): presets acc@3 >= 0.80 and acc@1 >= 0.55, fix grammar acc@3 >= 0.90, rewrite p95 <= 5 s, "
        "no invented name or number.\n\n"
        + markdown_table(["model", "presets acc@1 / @3", "fix grammar @3", "all rewrites acc@1 / @3",
                          "abbreviation @3", "presets p50 / p95 (s)", "all rewrites p50 / p95 (s)",
                          "invented (shown)"], rows)
    )


def _slug(settings: LanguageSettings) -> str:
    """Return the section name of a compared model: ``default``, ``light-transformers``, ``qwen2.5-coder-1.5b``."""
    if not settings.model:
        return "default"
    return settings.model + (f"-{settings.engine}" if settings.engine != "auto" else "")


def run_bench(out: Path) -> None:
    """Run the dev set with each compared model (:func:`._bench.compared_settings`) and wordfreq; one section each."""
    from .._bench_report import write_section
    from ._bench import compared_settings
    from ._factory import load_language_model
    from ._wordfreq import WordFreqModel

    items = load_items()
    set_name = f"the bundled dev set `bci_input/data/rewrite_dev.jsonl` ({len(items)} items)"
    runs: list[tuple[str, LanguageSettings | None]] = [(_slug(s), s) for s in compared_settings(rewrites=True)]
    summary: list[tuple[str, dict[str, Any]]] = []
    for slug, settings in [*runs, ("wordfreq", None)]:
        model = load_language_model(settings, on_notice=print) if settings is not None else WordFreqModel()
        rows = generate_candidates(model, items, progress=print)
        result = score(items, rows)
        label = f"{slug} ({model.name})"
        print(format_report(label, result), flush=True)
        write_section(f"rewrite-{slug}", format_markdown(label, result, set_name), out)
        summary.append((label, result))
        write_section("rewrite-summary", format_summary(summary), out)
