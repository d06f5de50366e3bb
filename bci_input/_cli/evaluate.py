"""``bci-input evaluate``: offline evaluation of a decoder on the real recordings."""

from __future__ import annotations

import argparse
from pathlib import Path

from ._common import add_data_dir_argument, resolve_data_dir

DATASET_CHOICES = ("ssvep_exo", "muse_ssvep", "muse_p300", "myo_emg", "openbci_blinks_jaw", "eegbci")


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``evaluate`` subcommand."""
    p = sub.add_parser(
        "evaluate",
        help="evaluate a decoder on real recordings (per subject, mean ± std)",
        description="Fit and test a decoder within subject (leave one session out) and print accuracy, "
        "balanced accuracy, ROC-AUC, Wolpaw ITR (0.5 s gaze shift), decision time and compute time.",
    )
    p.add_argument("--dataset", required=True, choices=DATASET_CHOICES)
    p.add_argument("--split", required=True, choices=("dev", "eval"), help="tune on dev; report on eval")
    p.add_argument("--method", required=True,
                   help="decoder name, or 'default' for the one the app ships for the dataset's paradigm; "
                   "an unknown name lists the allowed ones")
    p.add_argument("--window", type=float, default=None, help="decoding window in seconds (dataset default)")
    p.add_argument("--classes", type=int, choices=(3, 4), default=None, help="ssvep_exo: 4 = rest + 3 flickers")
    p.add_argument(
        "--exclude-sessions",
        action="store_true",
        help="ssvep_exo: leave out the sessions the dataset's authors excluded",
    )
    p.add_argument(
        "--idle",
        action="store_true",
        help="ssvep_exo: replay every trial through the engine's SSVEP rule with the idle detector at several "
        "operating points: false selections per minute during rest trials, accuracy, time per selection and ITR "
        "on the flicker trials ('--method default': the 3-flicker decoder fbcca, chosen on dev)",
    )
    add_data_dir_argument(p)
    p.add_argument("--json", metavar="OUT", default=None, help="also write the result as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the evaluation and print the table."""
    from ..evaluation import evaluate, format_table, write_json

    data_dir = resolve_data_dir(args.data_dir)
    if args.idle:
        return _run_idle(args, data_dir)
    options = {"classes": args.classes}
    if args.exclude_sessions:
        options["include_excluded"] = False
    result = evaluate(args.dataset, args.split, args.method, args.window, data_dir, **options)
    print(format_table(result))
    if args.json:
        path = write_json(result, args.json)
        print(f"wrote {path}")
    return 0


def _run_idle(args: argparse.Namespace, data_dir: str | Path | None) -> int:
    """Run the no-control evaluation on ssvep_exo and print its table."""
    from .._bench_report import markdown_table
    from .._errors import ConfigError
    from ..evaluation import write_json
    from ..evaluation._ssvep_idle import METHOD, evaluate_idle, idle_table
    from ..evaluation._ssvep_methods import SSVEP_METHODS

    if args.dataset != "ssvep_exo":
        raise ConfigError(f"--idle applies to dataset ssvep_exo only (it has rest trials), not {args.dataset!r}.")
    if args.window is not None or args.classes is not None:
        raise ConfigError("--idle uses the engine's growing windows on 3 flicker classes: drop --window and --classes.")
    method = METHOD if args.method == "default" else args.method
    if method not in SSVEP_METHODS:
        raise ConfigError(f"Invalid method for --idle: {method!r}. Allowed values are: default, "
                          f"{', '.join(SSVEP_METHODS)}.")
    result = evaluate_idle(args.split, data_dir, method=method, include_excluded=not args.exclude_sessions)
    header, rows = idle_table([result])
    print(f"ssvep_exo {args.split}, {method}, subjects {', '.join(result['subjects'])}: trials replayed through "
          "the engine's SSVEP rule")
    print(markdown_table(header, rows))
    if args.json:
        print(f"wrote {write_json(result, args.json)}")
    return 0
