"""``bci-input boards``: every BrainFlow board with its id, rate, channels and connection parameters."""

from __future__ import annotations

import argparse


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``boards``."""
    p = subparsers.add_parser(
        "boards",
        help="list supported boards and their connection parameters",
        description="List every board BrainFlow supports (read from BrainFlow's BoardIds), with its parameters.",
    )
    p.add_argument("--markdown", action="store_true", help="print a Markdown table (for the documentation)")
    p.set_defaults(func=run)


def board_rows() -> list[tuple[str, str, str, str, str, str]]:
    """Return one row per board: name, id, rate, channel counts, required and optional parameters."""
    from ..hardware import CONNECTION_PARAMETERS, board_descriptor, board_names, connection_parameters

    rows = []
    for name, bid in board_names().items():
        try:
            d = board_descriptor(bid)
        except Exception:  # a board without a default preset
            d = {}
        if "sampling_rate" in d:
            eeg = set(d.get("eeg_channels", []))
            counts = [f"{len(eeg)} eeg"] if eeg else []
            for key, label in (("emg_channels", "emg"), ("eog_channels", "eog")):
                extra = [r for r in d.get(key, []) if r not in eeg]
                if extra:
                    counts.append(f"{len(extra)} {label}")
            if d.get("accel_channels"):
                counts.append(f"{len(d['accel_channels'])} accel")
            rate, chans = f"{d['sampling_rate']}", ", ".join(counts) or "-"
        else:
            rate, chans = "-", "(replays/relays another board)"
        req, opt = connection_parameters(name)
        fmt = lambda ps: " ".join(CONNECTION_PARAMETERS.get(p, p) for p in ps) or "-"  # noqa: E731
        rows.append((name, str(bid), rate, chans, fmt(req), fmt(opt)))
    return rows


def run(args: argparse.Namespace) -> int:
    """Print the board table."""
    from .._bench_report import markdown_table

    header = ("board", "id", "Hz", "channels", "required", "optional")
    rows = board_rows()
    if args.markdown:
        print(markdown_table(list(header), [list(r) for r in rows]))
        return 0
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()  # noqa: E731
    print(line(header))
    print(line(["-" * w for w in widths]))
    for r in rows:
        print(line(r))
    print(f"{len(rows)} boards. Use them with --board NAME; 'playback' (bci-input replay) and 'lsl' are also sources.")
    return 0
