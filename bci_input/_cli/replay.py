"""``bci-input replay``: play a recording back in real time (or faster), optionally on LSL."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from .._errors import ConfigError
from .._types import Chunk, Source


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``replay``."""
    p = subparsers.add_parser(
        "replay",
        help="replay a recording (BrainFlow CSV, FIF, EDF, BDF), optionally to LSL",
        description=(
            "Replay a recording paced in real time (times --speed). A CSV recorded from a BrainFlow board at "
            "--speed 1 goes through BrainFlow's own playback board; markers come from the .events.tsv sidecar "
            "or the file's annotations."
        ),
    )
    p.add_argument("file", metavar="FILE", help="recording: .csv (with sidecars), .fif, .edf, .bdf")
    p.add_argument(
        "--speed",
        default="1",
        metavar="FACTOR|max",
        help="playback speed factor above 0, at most 1000 (default 1 = real time); 'max' replays as fast as "
        "possible and ends at the end of the file",
    )
    p.add_argument("--lsl", action="store_true", help="publish the replay on Lab Streaming Layer")
    p.add_argument("--lsl-network", action="store_true",
                   help="announce the LSL stream to the local network (default: this computer only)")
    p.add_argument("--name", default="bci-input-replay", help="LSL stream name (default %(default)s)")
    p.add_argument("--board", default=None, help="board of a plain BrainFlow CSV that has no .json sidecar")
    p.add_argument("--loop", action="store_true", help="start again at the end (until Ctrl-C)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Replay ``FILE`` to the end (or until Ctrl-C)."""
    from ..hardware import SPEED_MAX, LslOutlet, check_speed, open_playback, set_brainflow_logging
    from ._acquire import pump

    speed = check_speed(args.speed)
    if speed == SPEED_MAX and args.loop:
        raise ConfigError(f"--speed {SPEED_MAX} cannot be combined with --loop: the replay would never end.")
    set_brainflow_logging(bool(getattr(args, "verbose", False)))
    source = open_playback(args.file, speed=speed, loop=args.loop, board=args.board)
    markers = [0]
    outlet = None
    if args.lsl:
        from ._common import load_cli_settings

        scope = "network" if args.lsl_network else load_cli_settings(args).acquisition.lsl_scope
        outlet = LslOutlet(source.info, args.name, scope=scope)

    def on_chunk(chunk: object) -> None:
        markers[0] += len(getattr(chunk, "markers", ()))
        if outlet is not None:
            outlet.push_chunk(chunk)  # type: ignore[arg-type]

    where = f" to LSL as '{args.name}'" if outlet is not None else ""
    shown = "as fast as possible" if speed == SPEED_MAX else f"speed {speed:g}"
    print(f"Replaying {args.file} ({source.info.n_channels} channels at {source.info.sfreq:g} Hz, "
          f"{shown}){where}.", flush=True)
    try:
        with source:
            n = _drain(source, on_chunk) if speed == SPEED_MAX else pump(source, on_chunk)
    finally:
        if outlet is not None:
            outlet.close()
    print(f"Replayed {n} samples ({n / source.info.sfreq:.2f} s of recording) with {markers[0]} markers.", flush=True)
    return 0


def _drain(source: Source, on_chunk: Callable[[Chunk], None]) -> int:
    """Read an unpaced playback on this thread until the file ends (nothing is buffered, so nothing is dropped)."""
    n = 0
    try:
        while not getattr(source, "finished", True):
            chunk = source.read(0.0)
            if chunk is None:
                break
            on_chunk(chunk)
            n += chunk.n_times
    except KeyboardInterrupt:
        print("bci-input: stopped by Ctrl-C", flush=True)
    return n
