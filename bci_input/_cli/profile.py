"""``bci-input profile``: list, show, export, import and delete per-patient profiles."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from .._errors import ConfigError


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``profile`` and its actions."""
    p = subparsers.add_parser(
        "profile",
        help="list, show, export, import or delete patient profiles",
        description=(
            "Manage the per-patient profiles that 'bci-input calibrate' writes. 'export' packs one profile "
            "into a single .zip file (JSON and .npz only, no pickle) to move it to another computer; "
            "'import' checks the archive before anything is written."
        ),
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("list", help="list the profiles").set_defaults(func=_list)
    show = actions.add_parser("show", help="show a profile's channels and calibrated paradigms")
    show.add_argument("name")
    show.set_defaults(func=_show)
    exp = actions.add_parser("export", help="write a profile to one .zip file")
    exp.add_argument("name")
    exp.add_argument("out", help="the .zip file to write")
    exp.set_defaults(func=_export)
    imp = actions.add_parser("import", help="add a profile from a .zip file written by 'export'")
    imp.add_argument("archive")
    imp.add_argument("--name", default=None, help="store it under another name")
    imp.add_argument("--overwrite", action="store_true", help="replace a profile of the same name")
    imp.set_defaults(func=_import)
    rm = actions.add_parser("delete", help="delete a profile")
    rm.add_argument("name")
    rm.add_argument("--yes", action="store_true", help="required: confirms the deletion")
    rm.set_defaults(func=_delete)


def _list(args: argparse.Namespace) -> int:
    from ..calibration import list_profiles, profiles_dir

    names = list_profiles()
    if not names:
        print(f"No profiles in {profiles_dir()}. Create one with 'bci-input calibrate'.")
    for name in names:
        print(name)
    return 0


def _show(args: argparse.Namespace) -> int:
    from ..calibration import load_profile

    prof = load_profile(args.name)
    info = prof.info
    print(f"Profile {prof.name} ({prof.path})")
    print(f"  board: {prof.meta.get('board', 'unknown')}, {info.n_channels} channels at {info.sfreq:g} Hz: "
          f"{', '.join(info.ch_names)}")
    for paradigm in prof.paradigms:
        entry = prof.paradigm(paradigm)
        summary = {k: v for k, v in entry.items() if isinstance(v, (int, float, str)) and not isinstance(v, bool)}
        print(f"  {paradigm}: {json.dumps(summary, sort_keys=True)}")
    if not prof.paradigms:
        print("  no paradigm calibrated yet")
    return 0


def _export(args: argparse.Namespace) -> int:
    from ..calibration import export_profile

    out = Path(args.out)
    if out.suffix.lower() != ".zip":
        raise ConfigError(f"The export file must end in .zip, got {out.name}.")
    path = export_profile(args.name, out)
    print(f"Exported profile {args.name} to {path}")
    return 0


def _import(args: argparse.Namespace) -> int:
    from ..calibration import import_profile

    prof = import_profile(Path(args.archive), name=args.name, overwrite=args.overwrite)
    print(f"Imported profile {prof.name} ({', '.join(prof.paradigms) or 'no paradigm'}) into {prof.path}")
    return 0


def _delete(args: argparse.Namespace) -> int:
    from ..calibration import delete_profile, recordings_dir

    if not args.yes:
        raise ConfigError(f"Deleting profile {args.name!r} cannot be undone; add --yes to confirm.")
    folder = delete_profile(args.name)
    print(f"Deleted profile {args.name} ({folder})")
    kept = recordings_dir(args.name)
    if kept.is_dir() and any(kept.iterdir()):
        print(f"Its calibration recordings are kept in {kept}")
    return 0
