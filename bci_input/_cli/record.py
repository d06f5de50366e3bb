"""``bci-input record``: record a board to disk (BrainFlow CSV while acquiring), then convert to FIF/EDF/BDF."""

from __future__ import annotations

import argparse
import contextlib
import time
from pathlib import Path

from .._errors import ConfigError, StorageError, check_option
from ._common import add_board_arguments

FORMATS = ("fif", "bdf", "edf", "csv")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``record``."""
    p = subparsers.add_parser(
        "record",
        help="record a board to FIF, BDF, EDF or BrainFlow CSV",
        description=(
            "Record from a board. Samples stream to a BrainFlow CSV (plus .events.tsv and .json sidecars) "
            "while acquiring, so an interrupted recording stays readable; at the end the CSV is converted "
            "to the output format (markers become annotations)."
        ),
    )
    add_board_arguments(p)
    p.add_argument("--duration", type=float, required=True, help="seconds to record")
    p.add_argument("--out", required=True, help="output file (rec.fif, rec.bdf, rec.edf or rec.csv)")
    p.add_argument("--format", choices=FORMATS, default=None, help="output format (default: from --out)")
    p.add_argument(
        "--marker-every", type=float, default=0.0, metavar="SECONDS", help="stamp test markers 1, 2, 3... this often"
    )
    p.set_defaults(func=run)


def output_paths(out: str, fmt: str | None) -> tuple[Path, str, Path]:
    """Return (output path, format, CSV path) for ``--out`` and ``--format``."""
    path = Path(out)
    ext = path.suffix.lower().lstrip(".")
    if fmt is None:
        if ext not in FORMATS:
            raise ConfigError(
                f"Cannot tell the format of {path.name!r}. Use an extension or --format; "
                f"allowed values are: {', '.join(FORMATS)}."
            )
        fmt = ext
    check_option("format", fmt, FORMATS)
    if ext in FORMATS and ext != fmt:
        raise ConfigError(f"--out {path.name!r} does not match --format {fmt}; use a .{fmt} file name.")
    csv_path = path if fmt == "csv" else path.with_suffix(".csv")
    return path, fmt, csv_path


def run(args: argparse.Namespace) -> int:
    """Record ``--duration`` seconds and write ``--out``."""
    from ..recording import Recorder, export_recording
    from ._acquire import open_board, pump

    if args.duration <= 0:
        raise ConfigError(f"Invalid value for '--duration': {args.duration}. It must be positive.")
    if args.marker_every < 0:
        raise ConfigError(f"Invalid value for '--marker-every': {args.marker_every}. It must be >= 0.")
    out, fmt, csv_path = output_paths(args.out, args.format)
    source = open_board(args)
    layout = getattr(source, "layout", None)
    target = int(round(args.duration * source.info.sfreq))
    recorder = Recorder(
        csv_path,
        source.info,
        layout=getattr(layout, "csv", None),
        board_id=getattr(source, "board_id", None),
    )
    n_markers = 0
    next_marker = [float("inf")]

    def tick() -> None:
        nonlocal n_markers
        if time.monotonic() >= next_marker[0]:
            n_markers += 1
            source.insert_marker(n_markers)
            next_marker[0] += args.marker_every

    try:
        with source:
            if args.marker_every:
                next_marker[0] = time.monotonic() + args.marker_every
            pump(source, recorder.write, max_samples=target, tick=tick)
    except StorageError as exc:  # a full disk: stop, keep what reached the file, exit 2
        kept = recorder.duration_s
        with contextlib.suppress(StorageError):
            recorder.close()
        raise StorageError(f"{exc} Recording stopped; the {kept:.2f} s written before are kept in {csv_path}.") from exc
    except BaseException:
        with contextlib.suppress(StorageError):
            recorder.close()
        raise
    recorder.close()
    print(
        f"Recorded {recorder.duration_s:.2f} s ({recorder.n_samples} samples, {source.info.n_channels} channels, "
        f"{recorder.n_events} markers) from {source.info.name} to {csv_path}",
        flush=True,
    )
    if fmt != "csv":
        export_recording(csv_path, out, fmt)
        print(f"Wrote {out}", flush=True)
    return 0
