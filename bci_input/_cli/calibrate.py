"""``bci-input calibrate``: run a calibration (headset or simulated) or train from a recording.

Examples::

    bci-input calibrate --paradigm ssvep --profile patient-01 --simulated --report cal.html
    bci-input calibrate --paradigm emg --profile patient-01 --board cyton --serial-port /dev/ttyUSB0
    bci-input calibrate --paradigm ssvep --profile exo-s01 --from-recording 'subject01/record-[...]_raw.fif'
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from .._errors import ConfigError
from .._types import CALIBRATION_PARADIGMS
from ._common import add_board_arguments, load_cli_settings


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``calibrate`` subcommand."""
    p = sub.add_parser("calibrate", help="calibrate a paradigm for a patient profile (session, training, report)",
                       description="Record a cued calibration session (or read a recording), train and "
                                   "cross-validate the decoder, store it in a profile and write a report.")
    p.add_argument("--paradigm", required=True, choices=CALIBRATION_PARADIGMS, help="what to calibrate")
    p.add_argument("--profile", required=True, metavar="NAME", help="patient profile to create or update")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--simulated", action="store_true", help="use the simulated participant (runs on recorded time)")
    src.add_argument("--from-recording", metavar="FILE", nargs="+",
                     help="train from recordings with events (.csv/.fif/.edf/.bdf); several files are merged")
    add_board_arguments(p, default="synthetic")
    p.add_argument("--trials", type=int, default=None, metavar="N",
                   help="trials per class (P300: cued trials); default depends on the paradigm")
    p.add_argument("--targets", type=int, default=40, metavar="N",
                   help="SSVEP: calibrate the speller's first N JFPM targets (default %(default)s)")
    p.add_argument("--method", default=None, help="decoder (SSVEP: etrca, trca, fbcca, cca, riemann; EMG: switch, "
                   "the amplitude switch, or pattern_switch, which also cues other-movement trials and needs an "
                   "armband of 2 or more EMG channels)")
    p.add_argument("--window", type=float, default=None, metavar="S",
                   help="evaluate only this window length (s) instead of sweeping")
    p.add_argument("--folds", type=int, default=5, help="cross-validation folds (default %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="seed of the cue order and CV folds")
    p.add_argument("--snr", type=float, default=None, help="simulated participant's SSVEP SNR")
    p.add_argument("--top-up", action="store_true", help="merge with the epochs of the profile's earlier calibration")
    p.add_argument("--record", metavar="CSV", default=None, help="where to record the session (default: "
                   "recordings/<profile>/ in the user data folder)")
    p.add_argument("--report", metavar="OUT.html", default=None, help="write the HTML report (and a PDF if possible)")
    p.add_argument("--no-pdf", action="store_true", help="do not try to print the report to PDF")
    p.add_argument("--no-save", action="store_true", help="do not store the result in the profile")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


class _Bar:
    """Plain-text progress bar on stderr."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.last = (-1, "")

    def __call__(self, text: str, frac: float) -> None:
        if self.quiet:
            return
        pct = int(frac * 100)
        if (pct, text) == self.last:
            return
        self.last = (pct, text)
        bar = "#" * (pct // 4) + "-" * (25 - pct // 4)
        sys.stderr.write(f"\r[{bar}] {pct:3d}% {text[:50]:<50}")
        if frac >= 1.0:
            sys.stderr.write("\n")
        sys.stderr.flush()


def _make_source(args: argparse.Namespace, spec: Any) -> tuple[Any, Any, str]:
    """Return (source, on_cue, board name)."""
    if args.simulated:
        from ..calibration._simulate import participant_cue_handler
        from ..simulation import SimulatedParticipant

        kw = {} if args.snr is None else {"snr": args.snr}
        sim = SimulatedParticipant(seed=args.seed, **kw)
        return sim, participant_cue_handler(sim, spec, seed=args.seed), "simulated"
    from ..calibration._protocol import check_live_stimuli
    from ..hardware import open_source

    check_live_stimuli(spec.name, simulated=False)
    settings = load_cli_settings(args)
    src = open_source(settings.acquisition)
    return src, _print_cue, settings.acquisition.board


def _print_cue(cue: Any) -> None:
    """Show each instruction (EMG, blink, motor imagery) on its own line; the patient or clinician reads it."""
    if cue.kind == "cue" and cue.text:
        sys.stderr.write(f"\n>>> {cue.text}\n")
        sys.stderr.flush()


def run(args: argparse.Namespace) -> int:
    """Run the calibration and print its summary."""
    from ..calibration import _from_recording as fr
    from ..calibration._epochs import extract_epochs, reject_artifacts
    from ..calibration._profile_io import recordings_dir
    from ..calibration._protocol import live_spec
    from ..calibration._schema import check_name
    from ..calibration._session import CalibrationSession, SessionCallbacks
    from ..calibration._train import train_calibration
    from ..calibration._workflow import open_or_create_profile, previous_epochs, store_result

    check_name(args.profile)
    if args.trials is not None and args.trials < 1:
        raise ConfigError(f"Invalid value for '--trials': {args.trials}. It must be at least 1.")
    bar = _Bar(args.quiet)
    t0 = time.perf_counter()
    details: dict[str, Any] = {}
    if args.from_recording:
        from ..calibration._epochs import CalibrationEpochs

        parts: list[Any] = []
        rejected: dict[str, int] = {}
        for i, f in enumerate(args.from_recording):
            bar(f"reading {Path(f).name}", 0.1 * i / len(args.from_recording))
            rec_i, spec_i, det_i = fr.load_calibration_recording(Path(f), args.paradigm)
            if i == 0:
                recording, spec, details = rec_i, spec_i, det_i
            elif rec_i.info.ch_names != recording.info.ch_names or rec_i.info.sfreq != recording.info.sfreq:
                raise ConfigError(f"{Path(f).name} has other channels or another sampling rate than "
                                  f"{Path(args.from_recording[0]).name}; merge only recordings of one montage.")
            clean_i, rej_i = reject_artifacts(extract_epochs(spec, rec_i.data, rec_i.info.sfreq, rec_i.events), spec)
            parts.append(clean_i)
            rejected = {k: rejected.get(k, 0) + v for k, v in rej_i.items()}
        if len(parts) > 1:
            details = {**details, "files": ", ".join(Path(f).name for f in args.from_recording)}
        profile = open_or_create_profile(args.profile, recording.info, recording.info.name)
        board = recording.info.name
        clean = CalibrationEpochs.concatenate(parts)
        if args.top_up:
            prev = previous_epochs(profile, spec)
            if prev is not None:
                clean = CalibrationEpochs.concatenate([prev, clean])
        result = train_calibration(clean, spec, method=args.method, n_folds=args.folds, seed=args.seed,
                                   rejected=rejected, window_s=args.window,
                                   progress=lambda s, f: bar(s, 0.1 + 0.9 * f), info=recording.info)
    else:
        line_freq = load_cli_settings(args).acquisition.line_freq
        kw: dict[str, Any] = {"n_targets": args.targets} if args.paradigm == "ssvep" else {}
        if args.paradigm == "emg" and args.method == "pattern_switch":
            kw["other_movements"] = True  # the pattern switch learns what is not a press from these trials
        spec = live_spec(args.paradigm, line_freq, **kw)
        source, on_cue, board = _make_source(args, spec)
        profile = open_or_create_profile(args.profile, source.info, board)
        prev = previous_epochs(profile, spec) if args.top_up else None
        stamp = time.strftime("%Y%m%d-%H%M%S")
        record = Path(args.record) if args.record else (
            recordings_dir(args.profile) / f"{args.profile}-{args.paradigm}-{stamp}.csv")
        cbs = SessionCallbacks(on_cue=on_cue, on_progress=bar)
        session = CalibrationSession(source, spec, trials_per_class=args.trials, seed=args.seed, record_path=record,
                                     callbacks=cbs, method=args.method, previous=prev)
        how = " (simulated, faster than real time)" if args.simulated else ""
        print(f"Calibrating {args.paradigm} for {args.profile!r} on {board}: {len(session.plan)} cues, "
              f"{session.duration_s:.0f} s of recording{how}.", file=sys.stderr)
        result = session.run()
        assert session.recording is not None
        recording = session.recording
        fr.write_spec_sidecar(record, spec, {"profile": args.profile, "board": board})
        details = {"recording": str(record), "trials per class requested": session.trials_per_class,
                   "top-up merged epochs": 0 if prev is None else len(prev)}
    m = result.metrics
    if not args.no_save:
        store_result(profile, result, session={"board": board, **{k: str(v) for k, v in details.items()}})
    lo, hi = m["ci95"]
    print(f"{args.paradigm} / {result.method}: accuracy {m['accuracy']:.3f} (95% CI {lo:.3f}-{hi:.3f}, "
          f"n={m['n_trials']}), chance {m['chance']:.3f} (significant above {m['chance_significant']:.3f}), "
          f"ITR {m.get('itr_bits_per_min', 0.0):.1f} bits/min")
    if result.window_s is not None:
        print(f"recommended window {result.window_s:g} s, stopping threshold {result.stopping_threshold}")
    for k, v in result.thresholds.items():
        print(f"threshold {k} = {v:.2f}")
    for r in result.recommendations:
        print(f"- {r}")
    if not args.no_save:
        print(f"profile saved: {profile.path}")
    if args.report:
        from ..calibration._report import build_report

        bar("writing the report", 0.99)
        html, pdf = build_report(result, recording, Path(args.report), profile=args.profile, board=board,
                                 details=details, pdf=not args.no_pdf)
        bar("done", 1.0)
        print(f"report: {html}" + (f" (PDF: {pdf})" if pdf else " (no PDF: Chromium not available)"
                                   if not args.no_pdf else ""))
    print(f"done in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return 0
