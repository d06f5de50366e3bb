"""Argument helpers shared by subcommands."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

__all__ = ["add_board_arguments", "add_data_dir_argument", "resolve_data_dir", "load_cli_settings", "cli_settings",
           "FLAG_SETTINGS"]

#: Command-line flags that override a setting: ``{option dest: (section, key)}``. A flag the user left out
#: (``None``, ``""``, ``0`` or ``False``) leaves the setting alone.
FLAG_SETTINGS: dict[str, tuple[str, str]] = {
    "board": ("acquisition", "board"),
    "serial_port": ("acquisition", "serial_port"),
    "mac_address": ("acquisition", "mac_address"),
    "ip_address": ("acquisition", "ip_address"),
    "ip_port": ("acquisition", "ip_port"),
    "serial_number": ("acquisition", "serial_number"),
    "timeout": ("acquisition", "timeout"),
    "other_info": ("acquisition", "other_info"),
    "mode": ("speller", "paradigm"),
    "scope": ("ui", "show_scope"),
}


def add_board_arguments(parser: argparse.ArgumentParser, default: str = "synthetic") -> None:
    """Add ``--board`` and BrainFlow's connection parameters to ``parser``.

    An option left out takes its value from the ``[acquisition]`` settings (``--config``); an option given
    overrides it in :func:`cli_settings`. The command reads them from ``args.settings.acquisition``.
    """
    g = parser.add_argument_group("board")
    g.add_argument(
        "--board", default=None,
        help=f"board name (see 'bci-input boards'); default: [acquisition] board in --config, else {default}",
    )
    parser.set_defaults(_board_flags=True)
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
    from .._paths import recordings_dir

    return recordings_dir(value)


def cli_settings(args: argparse.Namespace) -> Any:
    """Return the command's settings: the ``--config`` file (or ``$BCI_INPUT_CONFIG``), then the flags.

    This is the one place where command-line flags override settings (:data:`FLAG_SETTINGS`); a bad file or
    value raises :class:`~bci_input._errors.ConfigError`.
    """
    from ..settings import load_settings, merge_settings

    settings = load_settings(getattr(args, "config", None) or os.environ.get("BCI_INPUT_CONFIG") or None)
    overrides: dict[str, dict[str, Any]] = {}
    for dest, (section, key) in FLAG_SETTINGS.items():
        if dest in ("board", *BOARD_FLAGS) and not getattr(args, "_board_flags", False):
            continue  # a command's own --board (demo, simulate, replay) is not the headset's
        value = getattr(args, dest, None)
        if value not in (None, "", 0, False):
            overrides.setdefault(section, {})[key] = value
    return merge_settings(settings, overrides) if overrides else settings


#: The connection flags of :func:`add_board_arguments` besides ``--board``.
BOARD_FLAGS = ("serial_port", "mac_address", "ip_address", "ip_port", "serial_number", "timeout", "other_info")


def load_cli_settings(args: argparse.Namespace) -> Any:
    """Return the settings :func:`bci_input.cli.main` resolved for this command (``args.settings``)."""
    settings = getattr(args, "settings", None)
    return settings if settings is not None else cli_settings(args)
