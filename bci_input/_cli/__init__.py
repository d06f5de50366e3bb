"""Subcommands of ``bci-input``: one module each, discovered automatically.

Each module defines ``add_parser(subparsers)``, which adds its parser and sets
``func`` with ``parser.set_defaults(func=run)``, and ``run(args) -> int``.
Imports of Qt, BrainFlow, LSL and torch happen inside ``run``.
"""
