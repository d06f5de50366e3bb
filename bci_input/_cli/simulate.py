"""``bci-input simulate``: a simulated participant writes a text; report chars/min, accuracy, ITR."""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path
from typing import Any

from .._errors import ConfigError, DataFormatError, check_option
from ._common import add_data_dir_argument, load_cli_settings, resolve_data_dir

log = logging.getLogger(__name__)



def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``simulate`` subcommand."""
    p = sub.add_parser(
        "simulate",
        help="closed-loop simulation: a simulated participant writes a text (faster than real time)",
        description="Let a simulated participant write a text with the real engine, speller and language model, "
        "on recorded (simulated) time, and report characters per minute, selection accuracy and ITR.",
    )
    p.add_argument("--paradigm", default="ssvep", help="ssvep, p300 or scan (default %(default)s)")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--text", help="the text to write")
    src.add_argument("--text-file", help="a UTF-8 file with the text to write")
    p.add_argument("--lm", default="bundled",
                   help="language model: bundled (the default model), light, wordfreq or none (default %(default)s)")
    p.add_argument("--snr", type=float, default=None, help="SSVEP SNR (default: the value calibrated on ssvep_exo)")
    p.add_argument("--board", default="simulated", help="simulated, or synthetic (ride along on BrainFlow's board)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default %(default)s)")
    p.add_argument("--max-minutes", type=float, default=60.0,
                   help="stop after this much recorded (simulated) time, minutes (default %(default)s)")
    p.add_argument("--switch-preset", default="one-switch", help="scan: one-switch or two-switch")
    p.add_argument("--ssvep-decoder", default="trca",
                   help="ssvep: trca (simulated calibration), fbcca or cca (training-free)")
    p.add_argument("--idle-minutes", type=float, default=0.0,
                   help="first look at nothing for this many (simulated) minutes and count the selections made "
                   "meanwhile; --text is then optional (default %(default)s)")
    p.add_argument("--idle-detector", default="auto",
                   help="auto (fit the no-control detector on a simulated rest block) or none (default %(default)s)")
    p.add_argument("--operating-point", type=float, default=None,
                   help="operating point of the idle detector: nats of the leading target's own evidence against "
                        "looking at nothing (default: the shipped one)")
    p.add_argument("--signals", default="rendered",
                   help="rendered (synthetic signals) or recorded (real eval recordings: p300 plays muse_p300 "
                   "session 3 epochs to a decoder trained on sessions 1-2; scan plays myo_emg eval EMG to the switch "
                   "calibrated on dev; not ssvep) (default %(default)s)")
    add_data_dir_argument(p)
    p.add_argument("--json", dest="json_out", default=None, help="also write the figures to this JSON file")
    p.set_defaults(func=run)


def load_model(name: str, args: argparse.Namespace | None = None) -> Any:
    """Return the language model for ``--lm`` (``None`` for ``none``), with precision and threads from ``args``.

    ``bundled`` always means the default model installed with bci-input, ``light`` the small SmolLM2, whatever
    the settings' backend or model.
    """
    from ..language import load_lm_choice
    from ..settings import LanguageSettings

    settings = LanguageSettings()
    if args is not None and name in ("bundled", "light"):
        from ._common import load_cli_settings

        settings = load_cli_settings(args).language
    return load_lm_choice(name, settings, on_notice=lambda msg: print(f"[lm] {msg}", flush=True))


def read_target_text(args: argparse.Namespace) -> str:
    """Return the text to write from ``--text`` or ``--text-file``, exactly as given (``''`` with only idle minutes).

    A file's final line break is not part of the text. Characters the speller cannot write are refused
    (:class:`~bci_input.ConfigError` naming them, exit 2).
    """
    from ..speller import normalise_text

    if not args.text and not args.text_file:
        if getattr(args, "idle_minutes", 0.0) > 0:
            return ""
        raise ConfigError("Give --text or --text-file (or --idle-minutes N to only look at nothing).")
    if args.text_file:
        try:
            raw = Path(args.text_file).read_text(encoding="utf-8").removesuffix("\n").removesuffix("\r")
        except (OSError, UnicodeDecodeError) as exc:
            raise DataFormatError(f"Cannot read --text-file {args.text_file}: {exc}.") from exc
    else:
        raw = args.text
    text = normalise_text(raw)
    if not text:
        raise ConfigError("The text to write is empty.")
    return text


def open_base_source(board: str, args: argparse.Namespace) -> Any:
    """Return ``None`` for ``simulated`` or an (unstarted) BrainFlow synthetic source to ride along on."""
    check_option("board", board, ("simulated", "synthetic"))
    if board == "simulated":
        return None
    from bci_input.hardware import open_source  # the CLI may build hardware sources

    return open_source(board="synthetic")


def format_result(r: Any) -> str:
    """Return a human-readable summary of a :class:`ClosedLoopResult`."""
    rec = r.recording or {}
    signals = (f"recorded: {rec.get('dataset')} {rec.get('play')}, " + ", ".join(
        f"{k} {v}" for k, v in rec.items() if k not in ("dataset", "play"))) if r.signals == "recorded" else "rendered"
    return "\n".join(
        [
            f"paradigm           {r.paradigm}   lm {r.lm}   snr {r.snr:g}   seed {r.seed}",
            f"signals            {signals}",
            f"final text         {r.final_text!r}",
            f"target             {r.target!r}   edit distance {r.edit_distance}   completed {r.completed}",
            f"recorded time      {r.duration_s:.1f} s   (wall {r.wall_s:.1f} s)",
            f"chars/min          {r.chars_per_min:.2f}   words/min {r.words_per_min:.2f} (5 chars = 1 word)",
            f"selections         {r.n_selections}   accuracy {r.selection_accuracy:.3f}   "
            f"ITR {r.itr_bits_per_min:.1f} bits/min",
            f"keystroke savings  {r.keystroke_savings:.3f}   corrections {r.n_corrections}",
            f"language model     {r.lm_calls} calls, mean {r.lm_latency_mean_s * 1000:.0f} ms, "
            f"{r.lm_time_charged_s:.1f} s charged to the clock",
            f"looking at nothing {r.idle_minutes:g} min: {r.idle_selections} selections "
            f"({r.false_selections_per_min:.2f}/min), text then {r.idle_text!r}; "
            f"{r.idle_restarts} undecided trials restarted; detector {r.idle_detector or 'none'}",
            f"work per decision  speller {r.speller_ms_mean:.2f} ms (p95 {r.speller_ms_p95:.2f})"
            + (f", decoder {r.decoder_ms_mean:.2f} ms (p95 {r.decoder_ms_p95:.2f})" if r.decoder_ms_mean else ""),
        ]
    )


def run(args: argparse.Namespace) -> int:
    """Run one closed-loop simulation and print its figures."""
    from ..engine import EngineConfig
    from ..simulation import DEFAULT_SNR, run_closed_loop

    check_option("paradigm", args.paradigm, ("ssvep", "p300", "scan"))
    check_option("switch-preset", args.switch_preset, ("one-switch", "two-switch"))
    check_option("ssvep-decoder", args.ssvep_decoder, ("trca", "fbcca", "cca"))
    check_option("idle-detector", args.idle_detector, ("auto", "none"))
    check_option("signals", args.signals, ("rendered", "recorded"))
    if not 0 <= args.idle_minutes <= 600:
        raise ConfigError(f"--idle-minutes must be in [0, 600], got {args.idle_minutes}.")
    if args.max_minutes <= 0:
        raise ConfigError(f"--max-minutes must be positive, got {args.max_minutes}.")
    text = read_target_text(args)
    recorded = None
    if args.signals == "recorded":
        from ..simulation import recorded_setup

        if args.board != "simulated":
            raise ConfigError("--signals recorded plays recordings; it cannot ride along on --board synthetic.")
        recorded = recorded_setup(args.paradigm, resolve_data_dir(args.data_dir), seed=args.seed,
                                  config=EngineConfig(switch_preset=args.switch_preset))
    model = load_model(args.lm, args)
    base = open_base_source(args.board, args)
    result = run_closed_loop(
        text,
        args.paradigm,
        language_model=model,
        snr=DEFAULT_SNR if args.snr is None else args.snr,
        seed=args.seed,
        max_minutes=args.max_minutes,
        config=EngineConfig(switch_preset=args.switch_preset),
        base_source=base,
        realtime=base is not None,
        ssvep_decoder=args.ssvep_decoder,
        line_freq=load_cli_settings(args).acquisition.line_freq,
        idle=None if args.idle_detector == "none" else "auto",
        idle_minutes=args.idle_minutes,
        idle_operating_point=args.operating_point,
        recorded=recorded,
    )
    print(format_result(result), flush=True)
    if args.json_out:
        from ..document import atomic_write_text

        d = result.as_dict()
        atomic_write_text(args.json_out, json.dumps(d, indent=2))
    return 0
