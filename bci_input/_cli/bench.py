"""``bci-input bench``: run the benchmarks and write their figures to BENCHMARKS.md."""

from __future__ import annotations

import argparse
import importlib
import logging
import time
from pathlib import Path

from .._errors import ConfigError, check_option

log = logging.getLogger(__name__)

#: Benchmark name -> module that defines ``run_bench(out: Path) -> None``.
BENCHMARKS: dict[str, str] = {
    "decoders-ssvep": "bci_input.evaluation._bench",
    "decoders-other": "bci_input.evaluation._bench_other",
    "emg-switch": "bci_input.evaluation._bench_switch",
    "language": "bci_input.language._bench",
    "rewrite": "bci_input.language._rewrite_bench",
    "closed-loop": "bci_input.simulation._bench",
    "closed-loop-recorded": "bci_input.simulation._bench_recorded",
    "idle": "bci_input.simulation._bench_idle",
    "idle-recorded": "bci_input.evaluation._bench_idle_recorded",
    "calibration": "bci_input.calibration._bench",
    "flicker": "bci_input.ui._bench_flicker",
    "soak": "bci_input._cli._soak",
}

#: What ``bench all`` runs (the soak takes an hour and runs alone, via ``make soak``).
ALL = ("decoders-ssvep", "decoders-other", "emg-switch", "language", "rewrite", "closed-loop", "closed-loop-recorded",
       "idle", "idle-recorded", "calibration", "flicker")


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``bench`` subcommand."""
    p = sub.add_parser("bench", help="run benchmarks and write BENCHMARKS.md")
    p.add_argument("names", nargs="+", metavar="NAME", help=f"'all' or any of: {', '.join(BENCHMARKS)}")
    p.add_argument("--out", default="BENCHMARKS.md", help="file to write (default %(default)s)")
    p.add_argument("--keep-going", action="store_true", help="run the remaining benchmarks after a failure")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the named benchmarks in order."""
    names: list[str] = []
    for name in args.names:
        if name == "all":
            names.extend(ALL)
        else:
            check_option("benchmark", name, ["all", *BENCHMARKS])
            names.append(name)
    out = Path(args.out)
    failed: list[str] = []
    for name in names:
        module = importlib.import_module(BENCHMARKS[name])
        print(f"[bench] {name} ...", flush=True)
        t0 = time.perf_counter()
        try:
            module.run_bench(out)
        except Exception as exc:
            if not args.keep_going:
                raise
            log.exception("benchmark %s failed", name)
            print(f"[bench] {name} FAILED: {type(exc).__name__}: {exc}", flush=True)
            failed.append(name)
            continue
        print(f"[bench] {name} done in {time.perf_counter() - t0:.0f} s -> {out}", flush=True)
    if failed:
        raise ConfigError(f"Benchmarks failed: {', '.join(failed)}. See the log above.")
    return 0
