"""Argument helpers shared by subcommands."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from .._errors import ConfigError

__all__ = ["add_board_arguments", "add_data_dir_argument", "resolve_data_dir", "load_cli_settings"]


def add_board_arguments(parser: argparse.ArgumentParser, default: str = "synthetic") -> None:
    """Add ``--board`` and BrainFlow's connection parameters to ``parser``.

    An option left out takes its value from the ``[acquisition]`` settings (``--config``), then ``default``
    for the board; :func:`apply_acquisition_settings` fills them in before the command runs.
    """
    g = parser.add_argument_group("board")
    g.add_argument(
        "--board", default=None,
        help=f"board name (see 'bci-input boards'); default: [acquisition] board in --config, else {default}",
    )
    parser.set_defaults(_board_default=default)
    g.add_argument("--serial-port", default="", help="serial port, e.g. /dev/ttyUSB0 or COM3")
    g.add_argument("--mac-address", default="", help="Bluetooth MAC address")
    g.add_argument("--ip-address", default="", help="IP address (WiFi boards)")
    g.add_argument("--ip-port", type=int, default=0, help="IP port (WiFi boards)")
    g.add_argument("--serial-number", default="", help="device serial number (Muse, Unicorn, BrainBit...)")
    g.add_argument("--timeout", type=int, default=0, help="discovery timeout in seconds")
    g.add_argument("--other-info", default="", help="board-specific extra parameter")


def add_data_dir_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--data-dir`` (the real recordings folder) to ``parser``."""
    parser.add_argument(
        "--data-dir",
        default=None,
        help="folder with the real recordings (default: $BCI_INPUT_DATA or ../shared/data)",
    )


def resolve_data_dir(value: str | None) -> Path:
    """Return the recordings folder from ``--data-dir``, ``$BCI_INPUT_DATA`` or ``../shared/data``.

    Raises
    ------
    ConfigError
        If the folder does not exist.
    """
    from .._paths import default_data_dir

    path = Path(value) if value else default_data_dir()
    if path is None or not Path(path).is_dir():
        raise ConfigError(
            f"Recordings folder not found: {path}. Pass --data-dir DIR or set BCI_INPUT_DATA."
        )
    return Path(path)


def load_cli_settings(args: argparse.Namespace):  # noqa: ANN201 - returns Settings
    """Load the settings named by the global ``--config`` option (or the defaults)."""
    from ..settings import load_settings

    return load_settings(getattr(args, "config", None) or os.environ.get("BCI_INPUT_CONFIG") or None)


def apply_acquisition_settings(args: argparse.Namespace, settings: Any) -> None:
    """Fill the board options the user left out from the ``[acquisition]`` settings.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed options of a command that called :func:`add_board_arguments`.
    settings : Settings
        The loaded settings.
    """
    from ..settings import AcquisitionSettings
    from ._acquire import BOARD_KEYS

    if not hasattr(args, "_board_default"):
        return
    acq = settings.acquisition
    if args.board is None:
        args.board = acq.board if acq.board != AcquisitionSettings.board else args._board_default
    for key in BOARD_KEYS:
        if not getattr(args, key, None):
            setattr(args, key, getattr(acq, key))
