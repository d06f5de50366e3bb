"""``bci-input evaluate``: offline evaluation of a decoder on the real recordings."""

from __future__ import annotations

import argparse

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
    add_data_dir_argument(p)
    p.add_argument("--json", metavar="OUT", default=None, help="also write the result as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the evaluation and print the table."""
    from ..evaluation import evaluate, format_table, write_json

    data_dir = resolve_data_dir(args.data_dir)
    options = {"classes": args.classes}
    if args.exclude_sessions:
        options["include_excluded"] = False
    result = evaluate(args.dataset, args.split, args.method, args.window, data_dir, **options)
    print(format_table(result))
    if args.json:
        path = write_json(result, args.json)
        print(f"wrote {path}")
    return 0
