"""``bci-input quality``: per-channel signal-quality table (flat, railing, 50/60 Hz, RMS) for a board."""

from __future__ import annotations

import argparse

from .._errors import ConfigError
from ._common import add_board_arguments


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``quality``."""
    p = subparsers.add_parser(
        "quality",
        help="check electrode signal quality (ok / warn / bad per channel)",
        description=(
            "Acquire for --duration seconds and rate each channel: flat line, railing/saturation, "
            "50 and 60 Hz line-noise power, and RMS, as ok / warn / bad with the reason."
        ),
    )
    add_board_arguments(p)
    p.add_argument("--duration", type=float, default=5.0, help="seconds to acquire (default %(default)s)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the quality table; exit 0 (the table says which channels need attention)."""
    from ..quality import SignalQuality, format_quality_table
    from ._acquire import open_board, pump

    if args.duration < 1.0:
        raise ConfigError(f"Invalid value for '--duration': {args.duration}. Use at least 1 second.")
    source = open_board(args)
    quality = SignalQuality(source.info, window_s=args.duration)
    with source:
        pump(source, quality.update, max_samples=int(round(args.duration * source.info.sfreq)))
    print(f"Signal quality of {source.info.name} over {quality.n_samples / source.info.sfreq:.1f} s:")
    print(format_quality_table(quality.report()))
    return 0
