"""The ``bci-input`` command line.

Every subcommand lives in its own module in :mod:`bci_input._cli`. Such a
module defines ``add_parser(subparsers)`` and ``run(args) -> int``. The modules
import heavy or layered dependencies (Qt, BrainFlow, torch) lazily, inside
``run``, so ``bci-input --help`` stays fast and the core never imports Qt.

A :class:`~bci_input.BciInputError` ends the command with exit code 2 and a
one-line message; ``--verbose`` adds the traceback and debug logging.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sys
from collections.abc import Sequence
from typing import NoReturn

from . import _cli
from ._errors import BciInputError

__all__ = ["main", "build_parser"]

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USER_ERROR = 2


class _Parser(argparse.ArgumentParser):
    """Argument parser whose usage errors exit with code 2 and one line."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USER_ERROR, f"bci-input: error: {message} (see '{self.prog} --help')\n")


def _subcommand_modules() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(_cli.__path__) if not m.name.startswith("_"))


def build_parser() -> argparse.ArgumentParser:
    """Build the top-level parser with every subcommand."""
    from . import __version__

    parser = _Parser(
        prog="bci-input",
        description="Hands-free document writing with EEG, EMG and a local language model.",
    )
    parser.add_argument("--version", action="version", version=f"bci-input {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging and full tracebacks")
    parser.add_argument("--config", metavar="TOML", help="settings file (see README, 'Configuration')")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in _subcommand_modules():
        module = importlib.import_module(f"{_cli.__name__}.{name}")
        module.add_parser(sub)
    return parser


def _configure_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s" if verbose else "%(levelname)s: %(message)s",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code.

    Parameters
    ----------
    argv : sequence of str | None
        Arguments without the program name; ``None`` reads ``sys.argv``.

    Returns
    -------
    int
        0 on success, 2 on a user error, 1 on an unexpected failure.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    _configure_logging(args.verbose)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USER_ERROR
    try:
        from ._cli._common import cli_settings

        # A bad --config file is a user error for every command; the flags given override its settings.
        args.settings = cli_settings(args)
        return int(args.func(args) or 0)
    except BciInputError as exc:
        if args.verbose:
            logging.getLogger(__name__).exception("user error")
        print(f"bci-input: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("bci-input: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # an unexpected bug: say so in one line unless --verbose
        if args.verbose:
            raise
        print(
            f"bci-input: internal error: {type(exc).__name__}: {exc}. Re-run with --verbose for details.",
            file=sys.stderr,
        )
        return EXIT_FAILURE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
