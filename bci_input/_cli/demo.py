"""``bci-input demo``: a short headless live session on the BrainFlow synthetic board with a simulated participant."""

from __future__ import annotations

import argparse
import logging

from .._errors import BciInputError, ConfigError, check_option
from ._common import load_cli_settings

log = logging.getLogger(__name__)


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``demo`` subcommand."""
    p = sub.add_parser(
        "demo",
        help="headless live demo: a simulated participant types on the BrainFlow synthetic board",
        description="Run a short live session in real time: the simulated participant rides on the BrainFlow "
        "synthetic board's stream, the engine decodes its switch presses (or SSVEP) and the text is printed as it "
        "grows. This is what 'make run' does without a display.",
    )
    p.add_argument("--duration", type=float, default=60.0, help="seconds to run (default %(default)s)")
    p.add_argument("--paradigm", default="scan", help="scan (EMG switch, default) or ssvep (training-free CCA)")
    p.add_argument("--text", default="Hello, how are you?", help="what the participant writes")
    p.add_argument("--lm", default="wordfreq", help="language model: wordfreq (default), bundled or none")
    p.add_argument("--board", default="synthetic", help="synthetic (BrainFlow, default) or simulated")
    p.add_argument("--seed", type=int, default=0, help="random seed")
    p.add_argument("--autosave", metavar="DIR", default=None, help="autosave the document into DIR after every change")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the demo and print the growing text."""
    from ..engine import EngineConfig
    from ..simulation import run_closed_loop
    from ..speller import normalise_text
    from .simulate import load_model, open_base_source

    check_option("paradigm", args.paradigm, ("scan", "ssvep"))
    if not 5.0 <= args.duration <= 3600.0:
        raise ConfigError(f"--duration must be between 5 and 3600 seconds, got {args.duration}.")
    text = normalise_text(args.text)
    if not text:
        raise ConfigError("--text is empty.")
    model = load_model(args.lm, args)
    try:
        base = open_base_source(args.board, args)
    except BciInputError as exc:
        print(f"[demo] BrainFlow synthetic board unavailable ({exc}); using the standalone simulated participant.")
        base = None
    where = "BrainFlow synthetic board + simulated participant" if base is not None else "simulated participant"
    print(f"[demo] {args.paradigm} on the {where}, {args.duration:.0f} s, target {text!r}", flush=True)
    print(f"[demo] language model: {model.name if model is not None else 'none'}", flush=True)
    if args.paradigm == "ssvep":
        print("[demo] SSVEP uses training-free CCA and a strong simulated response (no calibration in a demo).")
    print("[demo] calibrating the switches (rest, then a held clench) ...", flush=True)

    def show(t: float, current: str) -> None:
        print(f"[demo] {current}|", flush=True)

    document, saver = None, None
    if args.autosave:
        from ..document import Autosaver, Document

        document = Document()
        saver = Autosaver(args.autosave, name="demo", on_error=lambda msg: print(f"[demo] autosave: {msg}", flush=True))
        saver.attach(document)
    calib_s = 6.0
    try:
        result = run_closed_loop(
            text,
            args.paradigm,
            language_model=model,
            seed=args.seed,
            max_minutes=max(0.05, (args.duration - calib_s) / 60.0),
            config=EngineConfig(),
            base_source=base,
            realtime=True,
            charge_lm_latency=False,
            on_text=show,
            ssvep_decoder="cca",
            document=document,
            line_freq=load_cli_settings(args).acquisition.line_freq,
            **({"snr": 0.8} if args.paradigm == "ssvep" else {}),
        )
    finally:
        if saver is not None:
            saver.close()
    print(
        f"[demo] final text {result.final_text!r} after {result.duration_s:.0f} s: "
        f"{result.chars_per_min:.1f} chars/min, {result.n_selections} selections, "
        f"accuracy {result.selection_accuracy:.2f}",
        flush=True,
    )
    return 0
