"""``bci-input app``: the desktop app (PyQt6)."""

from __future__ import annotations

import argparse

from ..language._choice import LM_CHOICES
from ._common import add_board_arguments, load_cli_settings


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``app`` subcommand."""
    p = sub.add_parser("app", help="open the desktop app (write and edit hands-free)",
                       description="Open the desktop app. Without a display, use 'bci-input demo'.")
    add_board_arguments(p, default="synthetic")
    p.add_argument("--profile", default="default", help="user profile (accessibility settings, calibration)")
    p.add_argument("--mode", choices=("ssvep", "p300", "scan"), default=None,
                   help="interaction mode (default: the settings' speller.paradigm)")
    p.add_argument("--lm", choices=LM_CHOICES, default=None,
                   help="language model: bundled (the default Qwen2.5-Coder-0.5B), light (SmolLM2-135M), wordfreq "
                   "or none (default: the settings' language.backend)")
    p.add_argument("--open", dest="open_path", metavar="FILE", default=None, help="open a text document")
    p.add_argument("--scope", action="store_true", help="open the live signal scope window")
    dev = p.add_mutually_exclusive_group()
    dev.add_argument("--developer", dest="developer", action="store_true", default=None,
                     help="developer mode: clicking a target makes the simulated participant attend it")
    dev.add_argument("--no-developer", dest="developer", action="store_false")
    p.add_argument("--screenshot", metavar="PNG", default=None,
                   help="render offscreen and save a PNG of the window (with --quit-after)")
    p.add_argument("--quit-after", type=float, default=None, metavar="SECONDS",
                   help="close the app after this many seconds (default 3 with --screenshot)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the app."""
    quit_after = args.quit_after if args.quit_after is not None else (3.0 if args.screenshot else None)
    from ..ui._app import AppOptions, run_app

    return run_app(AppOptions(
        profile=args.profile, lm=args.lm, open_path=args.open_path, screenshot=args.screenshot,
        quit_after=quit_after, developer=args.developer, settings=load_cli_settings(args),
    ))
