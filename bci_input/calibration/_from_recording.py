"""Train a calibration from an existing recording with events.

Understood inputs:

- a bci-input recording (``.csv`` written by the recorder, with its ``.events.tsv`` and
  ``.json`` sidecars; a ``<stem>.calibration.json`` written by a calibration session
  restores the exact protocol);
- an SSVEPExo session (``record-[...]_raw.fif`` next to its ``-eve.fif``), read with the
  project's dataset reader: 13/17/21 Hz, rest trials left out, window 1-3 s after onset;
- any other ``.fif`` / ``.edf`` / ``.bdf`` file with annotations or a stim channel (codes
  used as they are; EEGBCI motor imagery annotations T1/T2 become left/right);
- a Muse CSV (``Marker0``/``Marker`` column: 2 = target, 1 = non-target) for P300.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np

from .._errors import BciInputError, ConfigError, DataFormatError
from .._fif import check_fif_chain
from .._rawfile import check_event_codes, read_raw_checked
from .._types import StreamInfo
from ._protocol import ParadigmSpec, get_spec
from ._session import CalibrationRecording

__all__ = ["load_calibration_recording", "spec_sidecar", "write_spec_sidecar"]

log = logging.getLogger(__name__)


def spec_sidecar(csv_path: Path) -> Path:
    """Return the path of the protocol sidecar of a recording: ``<stem>.calibration.json``."""
    p = Path(csv_path)
    return p.with_name(p.stem + ".calibration.json")


def write_spec_sidecar(csv_path: Path, spec: ParadigmSpec, extra: dict[str, Any] | None = None) -> Path:
    """Write the protocol of a calibration recording next to it (so it can be retrained exactly)."""
    out = spec_sidecar(csv_path)
    out.write_text(json.dumps({"spec": spec.settings_dict(), **(extra or {})}, indent=2), encoding="utf-8")
    return out


def _is_ssvep_exo(path: Path) -> bool:
    return path.name.endswith("_raw.fif") and path.parent.name.startswith("subject") and (
        path.with_name(path.name[: -len("_raw.fif")] + "-eve.fif").exists()
    )


def _load_ssvep_exo(path: Path, paradigm: str) -> tuple[CalibrationRecording, ParadigmSpec, dict[str, Any]]:
    from ..datasets._ssvep_exo import load_ssvep_exo

    if paradigm != "ssvep":
        raise ConfigError(f"{path.name} is an SSVEPExo recording; use --paradigm ssvep (got {paradigm!r}).")
    subject, session = path.parent.name, path.name[: -len("_raw.fif")]
    rec = load_ssvep_exo(subject, session, path.parent.parent.parent)
    keep = rec.labels >= 0
    events = [(float(o) / rec.sfreq, int(lab) + 1) for o, lab in zip(rec.onsets[keep], rec.labels[keep], strict=True)]
    info = StreamInfo(rec.ch_names, ("eeg",) * len(rec.ch_names), rec.sfreq, name="g.Mobilab+ (SSVEPExo)")
    spec = get_spec("ssvep", freqs=rec.freqs, phases=(0.0,) * len(rec.freqs), tmin=0.0, tmax=rec.trial_s,
                    win_start_s=1.0, cue_s=0.0, stim_s=rec.trial_s, rest_s=0.0, l_freq=3.0, h_freq=90.0,
                    line_freq=50.0)  # the preprocessing of 'bci-input evaluate' on this dataset
    details = {"dataset": "SSVEPExo", "subject": subject, "session": session,
               "rest trials": int((~keep).sum()), "excluded by dataset authors": rec.excluded}
    return CalibrationRecording(rec.data, np.arange(len(rec.data)) / rec.sfreq, info, events, path), spec, details


def _load_bci_csv(path: Path, paradigm: str) -> tuple[CalibrationRecording, ParadigmSpec, dict[str, Any]]:
    from ..recording import read_recording

    rec = read_recording(path)
    events = [(float(s) / rec.info.sfreq, int(c)) for s, c in np.asarray(rec.events).reshape(-1, 2)]
    side = spec_sidecar(path)
    if side.exists():
        try:
            spec = ParadigmSpec.from_settings(json.loads(side.read_text(encoding="utf-8"))["spec"])
        except (ValueError, KeyError, TypeError, AttributeError, OverflowError, RecursionError) as exc:
            raise DataFormatError(f"Calibration sidecar {side} is malformed ({exc}).") from None
        if spec.name != paradigm:
            raise ConfigError(f"{path.name} is a {spec.name} calibration recording; use --paradigm {spec.name}.")
    else:
        spec = get_spec(paradigm)
    data = np.asarray(rec.data, np.float32)
    return CalibrationRecording(data, np.asarray(rec.timestamps), rec.info, events, path), spec, {"file": str(path)}


def _load_muse(path: Path, paradigm: str) -> tuple[CalibrationRecording, ParadigmSpec, dict[str, Any]]:
    from ..datasets._muse_p300 import read_muse_csv

    if paradigm != "p300":
        raise ConfigError(f"{path.name} is a Muse oddball recording; use --paradigm p300.")
    m = read_muse_csv(path)
    info = StreamInfo(m.ch_names, ("eeg",) * len(m.ch_names), m.sfreq, name="Muse")
    events = [(float(s) / m.sfreq, int(c)) for s, c in m.events]
    spec = get_spec("p300", n_items=0)
    details = {"dataset": "Muse P300", "file": path.name}
    return CalibrationRecording(m.data, m.timestamps, info, events, path), spec, details


def _load_mne(path: Path, paradigm: str) -> tuple[CalibrationRecording, ParadigmSpec, dict[str, Any]]:
    import warnings

    try:
        with warnings.catch_warnings(), np.errstate(over="ignore", invalid="ignore"):
            warnings.simplefilter("ignore")
            return _read_mne(path, paradigm)
    except BciInputError:
        raise
    except Exception as exc:  # a damaged file can also fail after reading (channel type codes, events, values)
        raise DataFormatError(f"Cannot read {path}: {exc or type(exc).__name__}. Is it a complete file?") from None


def _read_mne(path: Path, paradigm: str) -> tuple[CalibrationRecording, ParadigmSpec, dict[str, Any]]:
    import mne

    suffix = path.suffix.lower()
    raw = read_raw_checked(path)  # header numbers checked; a truncated EDF/BDF is refused
    mne.datasets.eegbci.standardize(raw)
    spec = get_spec(paradigm)
    mapping: dict[str, int] | None = None
    descs = set(raw.annotations.description) if raw.annotations is not None else set()
    if paradigm == "mi" and {"T1", "T2"} <= descs:
        mapping = {"T1": 1, "T2": 2}
    eve_path = path.with_name(path.name.replace("_raw.fif", "-eve.fif"))
    if suffix == ".fif" and eve_path.exists() and eve_path != path:
        check_fif_chain(eve_path)
        ev = mne.read_events(eve_path, verbose="error")
        ev[:, 0] -= raw.first_samp
    elif descs:
        ev, _ = mne.events_from_annotations(raw, event_id=mapping, verbose="error")
    else:
        try:
            ev = mne.find_events(raw, verbose="error") - [raw.first_samp, 0, 0]
        except ValueError:
            raise DataFormatError(f"{path.name} has no events (no annotations, no stim channel).") from None
    picks = mne.pick_types(raw.info, eeg=True, emg=True, eog=True, misc=False, exclude=())
    sf = float(raw.info["sfreq"])
    data = (raw.get_data(picks=picks).T * 1e6).astype(np.float32)
    types = [raw.get_channel_types(picks=[i])[0] for i in picks]
    info = StreamInfo(tuple(raw.ch_names[i] for i in picks), tuple(types), sf, name=path.name)
    codes = check_event_codes(ev[:, 2], eve_path if suffix == ".fif" and eve_path.exists() else path)
    events = [(float(s) / sf, int(c)) for s, c in zip(ev[:, 0], codes, strict=True)]
    return CalibrationRecording(data, np.arange(len(data)) / sf, info, events, path), spec, {"file": path.name}


def load_calibration_recording(path: Path, paradigm: str) -> tuple[CalibrationRecording, ParadigmSpec, dict[str, Any]]:
    """Read a recording with events for training a calibration.

    Parameters
    ----------
    path : Path
        The recording (see the module docstring for the formats).
    paradigm : str
        The paradigm to calibrate.

    Returns
    -------
    recording : CalibrationRecording
        Data (n_times, n_channels) in µV with ``(onset_s, code)`` events.
    spec : ParadigmSpec
        The protocol matching the file's event codes.
    details : dict
        Facts about the file, for the report.

    Raises
    ------
    DataFormatError
        If the file is missing or cannot be read.
    """
    path = Path(path)
    if not path.is_file():
        raise DataFormatError(f"Recording not found: {path}. Give a .csv, .fif, .edf or .bdf file with events.")
    suffix = path.suffix.lower()
    if suffix == ".fif" and _is_ssvep_exo(path):
        return _load_ssvep_exo(path, paradigm)
    if suffix == ".csv":
        with path.open(encoding="utf-8", errors="replace") as fh:
            head = fh.readline()
        if "TP9" in head and "Marker" in head:
            return _load_muse(path, paradigm)
        return _load_bci_csv(path, paradigm)
    if suffix in (".fif", ".edf", ".bdf"):
        return _load_mne(path, paradigm)
    raise DataFormatError(f"Unsupported recording format {suffix!r}. Allowed formats are: .csv, .fif, .edf, .bdf.")
