"""Benchmark ``decoders-ssvep``: every SSVEP method on SSVEPExo (dev and eval) and Muse SSVEP (eval).

Writes the section ``decoders-ssvep`` of ``BENCHMARKS.md``. Hyper-parameters were fixed on the dev
split; eval figures are written as they come out. Loaded recordings and per-subject results are
cached in memory, so the variant without the excluded sessions only re-runs the affected subjects.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .._bench_report import machine_line, markdown_table, write_section
from ._ssvep_methods import SSVEP_METHODS, TRAINING_FREE

__all__ = ["run_bench", "CALIBRATED_WINNER"]

log = logging.getLogger(__name__)

WINDOWS: tuple[float, ...] = (1.0, 2.0, 3.0)
#: The calibrated method chosen on dev (3 classes, 2 s) before eval was run.
CALIBRATED_WINNER = "fbcca_lr"


def _cell(res: dict[str, Any]) -> str:
    acc = res["summary"]["accuracy"]
    itr = res["summary"]["itr_bits_min"]["mean"]
    return f"{acc['mean']:.3f} ± {acc['std']:.3f} ({itr:.1f})"


def _table(results: dict[tuple, dict[str, Any]], methods: Sequence[str], splits: Sequence[str], key: tuple) -> str:
    header = ["method"] + [f"{s} {w:g} s" for s in splits for w in WINDOWS]
    rows = []
    for m in methods:
        row: list[object] = [m + (" (training-free)" if m in TRAINING_FREE else "")]
        for s in splits:
            for w in WINDOWS:
                res = results.get((m, s, w, *key))
                row.append(_cell(res) if res else "—")
        rows.append(row)
    return markdown_table(header, rows)


#: Methods that score at chance on SSVEPExo (free-running LEDs, no phase locking): their 1 s and 3 s
#: figures are measured last.
_LOW_PRIORITY = frozenset({"trca", "fbtrca", "etrca", "fbetrca"})


def _plan(methods: Sequence[str], splits: Sequence[str]) -> list[tuple[str, int, bool, float, tuple[str, ...]]]:
    """Return the configurations in priority order: 2 s first, then the other windows, then the variants."""
    main = tuple(m for m in methods if m not in _LOW_PRIORITY)
    low = tuple(m for m in methods if m in _LOW_PRIORITY)
    plan: list[tuple[str, int, bool, float, tuple[str, ...]]] = []
    for classes in (3, 4):
        for split in splits:
            plan.append((split, classes, True, 2.0, tuple(methods)))
    for w in (1.0, 3.0):
        for classes in (3, 4):
            for split in splits:
                plan.append((split, classes, True, w, main))
    for w in (2.0, 1.0, 3.0):  # cheap: only subjects with an excluded session are re-run
        for classes in (3, 4):
            for split in splits:
                plan.append((split, classes, False, w, main if w != 2.0 else tuple(methods)))
    if low:
        for w in (1.0, 3.0):
            for incl in (True, False):
                for classes in (3, 4):
                    for split in splits:
                        plan.append((split, classes, incl, w, low))
    return plan


def run_bench(
    out: Path,
    data_dir: str | Path | None = None,
    methods: Sequence[str] | None = None,
    splits: Sequence[str] = ("dev", "eval"),
    time_budget_s: float | None = None,
) -> None:
    """Evaluate every SSVEP method and write the ``decoders-ssvep`` section.

    The section is rewritten after every configuration, so an interrupted run keeps what it measured.

    Parameters
    ----------
    out : Path
        The benchmarks file (``BENCHMARKS.md``).
    data_dir : path-like | None
        The recordings folder (default ``$BCI_INPUT_DATA`` or ``../shared/data``).
    methods : sequence of str | None
        Subset of methods (default: all).
    splits : sequence of str
        Splits of SSVEPExo to run.
    time_budget_s : float | None
        Stop starting new configurations after this many seconds (the table shows what is missing).
    """
    from threadpoolctl import threadpool_limits

    from . import _muse_ssvep, _ssvep_exo

    methods = tuple(methods or SSVEP_METHODS)
    t0 = time.perf_counter()
    results: dict[tuple, dict[str, Any]] = {}
    muse: dict[tuple, dict[str, Any]] = {}
    plan = _plan(methods, splits)
    done = 0

    def flush(note: str = "") -> None:
        md = _markdown(results, muse, methods, splits, time.perf_counter() - t0)
        write_section("decoders-ssvep", md + note, out)

    with threadpool_limits(limits=1):
        for split, classes, incl, w, todo in plan:
            if time_budget_s is not None and time.perf_counter() - t0 > time_budget_s:
                break
            for m in todo:
                res = _ssvep_exo.evaluate(split, m, w, data_dir, classes=classes, include_excluded=incl)
                results[(m, split, w, classes, incl)] = res
                print(f"[decoders-ssvep] ssvep_exo {split} {classes} cls {w:g} s "
                      f"{'all' if incl else 'clean'} {m}: {_cell(res)}", flush=True)
            done += 1
            flush()
        if time_budget_s is None or time.perf_counter() - t0 <= time_budget_s:
            try:
                for w in WINDOWS:
                    for m in methods:
                        muse[(m, "eval", w)] = _muse_ssvep.evaluate("eval", m, w, data_dir)
                        print(f"[decoders-ssvep] muse_ssvep eval {w:g} s {m}: {_cell(muse[(m, 'eval', w)])}",
                              flush=True)
            except Exception as exc:  # the Muse folder is optional; say so in the section
                log.warning("muse_ssvep skipped: %s", exc)
    note = ""
    if done < len(plan) or not muse:
        note = (
            f"\n\nIncomplete run: {done} of {len(plan)} SSVEPExo configurations"
            f"{'' if muse else ' and no Muse SSVEP figures'} (time budget); '—' = not measured.\n"
        )
    flush(note)


def _markdown(
    results: dict[tuple, dict[str, Any]],
    muse: dict[tuple, dict[str, Any]],
    methods: Sequence[str],
    splits: Sequence[str],
    elapsed: float,
) -> str:
    md = [
        "## SSVEP decoders (`decoders-ssvep`)",
        "",
        machine_line() + f" Whole benchmark: {elapsed / 60:.1f} min, one BLAS thread.",
        "",
        "`bci-input evaluate --dataset ssvep_exo --split {dev,eval} --method M --window W --classes {3,4}`."
        " Within-subject leave-one-session-out; test window starts 1 s after the trial onset; decision time = "
        "1 s + window; ITR (Wolpaw, bits/min, in brackets) adds a 0.5 s gaze shift. Cells: accuracy mean ± std "
        "over subjects (ITR). dev = subject01-08 (hyper-parameters fixed here), eval = subject09-12 (reported "
        "as it came out). Plain CCA is the reference.",
        "",
    ]
    for classes, title in ((3, "3 classes (13/17/21 Hz)"), (4, "4 classes (rest + 13/17/21 Hz)")):
        for incl, what in ((True, "all sessions"), (False, "without the sessions excluded by the dataset's authors")):
            md += [f"### SSVEPExo, {title}, {what}", "", _table(results, methods, splits, (classes, incl)), ""]
    dev = {m: results.get((m, "dev", 2.0, 3, True)) for m in methods}
    dev_c, dev_w = dev.get("cca"), dev.get(CALIBRATED_WINNER)
    if dev_c and dev_w:
        ev_w = results.get((CALIBRATED_WINNER, "eval", 2.0, 3, True))
        ev_c = results.get(("cca", "eval", 2.0, 3, True))
        line = (
            f"Done criterion (3 classes, 2 s, all sessions): on dev, `{CALIBRATED_WINNER}` "
            f"{dev_w['summary']['accuracy']['mean']:.3f} vs CCA "
            f"{dev_c['summary']['accuracy']['mean']:.3f}"
        )
        if ev_w and ev_c:
            line += (
                f"; on eval, `{CALIBRATED_WINNER}` {ev_w['summary']['accuracy']['mean']:.3f} vs CCA "
                f"{ev_c['summary']['accuracy']['mean']:.3f}."
            )
        md += [line, ""]
    if muse:
        header = ["method"] + [f"eval {w:g} s" for w in WINDOWS]
        rows: list[list[object]] = [[m, *(_cell(muse[(m, "eval", w)]) for w in WINDOWS)] for m in methods]
        md += [
            "### Muse SSVEP (20 vs 30 Hz, TP9/AF7/AF8/TP10), eval only: cross-device check",
            "",
            "Same methods and dev-fixed hyper-parameters; window starts min(0.5, 3 - W) s after the marker; "
            "leave-one-session-out, or CV grouped by run for single-session subjects.",
            "",
            markdown_table(header, rows),
        ]
    return "\n".join(md)
