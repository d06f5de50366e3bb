"""``bci-input stream``: publish a board (and its markers) on Lab Streaming Layer until Ctrl-C."""

from __future__ import annotations

import argparse

from .._errors import ConfigError
from ._common import add_board_arguments


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``stream``."""
    p = subparsers.add_parser(
        "stream",
        help="publish a board on LSL (for LabRecorder, OpenViBE, BCI2000)",
        description=(
            "Publish a board's samples as an LSL stream (type EEG, µV, channel labels and types in the "
            "description) and its markers as NAME-markers (type Markers, int32), until Ctrl-C."
        ),
    )
    add_board_arguments(p)
    p.add_argument("--lsl", action="store_true", help="publish on Lab Streaming Layer (required for now)")
    p.add_argument("--lsl-network", action="store_true",
                   help="let every computer on the local network find and receive the stream (default: this "
                        "computer only; also [acquisition] lsl_scope = \"network\")")
    p.add_argument("--name", default="bci-input", help="LSL stream name (default %(default)s)")
    p.add_argument("--duration", type=float, default=None, help="stop after this many seconds (default: Ctrl-C)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Stream until Ctrl-C or ``--duration``."""
    from ..hardware import LslOutlet
    from ._acquire import open_board, pump
    from ._common import load_cli_settings

    if not args.lsl:
        raise ConfigError("Nothing to stream to. Add --lsl to publish on Lab Streaming Layer.")
    if args.duration is not None and args.duration <= 0:
        raise ConfigError(f"Invalid value for '--duration': {args.duration}. It must be positive.")
    scope = "network" if args.lsl_network else load_cli_settings(args).acquisition.lsl_scope
    source = open_board(args)
    with LslOutlet(source.info, args.name, scope=scope) as outlet, source:
        where = "to the local network" if scope == "network" else "on this computer only"
        print(
            f"Streaming {source.info.name} ({source.info.n_channels} channels at {source.info.sfreq:g} Hz) to LSL "
            f"as '{args.name}' and '{args.name}-markers', announced {where}. Press Ctrl-C to stop.",
            flush=True,
        )
        n = pump(source, outlet.push_chunk, duration=args.duration)
    print(f"Sent {n} samples ({n / source.info.sfreq:.1f} s) and {outlet.n_markers} markers.", flush=True)
    return 0
