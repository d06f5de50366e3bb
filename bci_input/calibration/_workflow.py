"""Glue between sessions, results and profiles: store a calibration, merge a top-up session."""

from __future__ import annotations

import datetime as _dt
import logging
from pathlib import Path
from typing import Any

import numpy as np

from .._errors import ProfileError
from .._types import StreamInfo
from ._epochs import CalibrationEpochs
from ._profile import Profile
from ._profile_io import load_profile, save_profile
from ._protocol import ParadigmSpec
from ._train import CalibrationResult

__all__ = ["store_result", "previous_epochs", "open_or_create_profile", "engine_settings"]

log = logging.getLogger(__name__)

#: Keys of the epochs kept in the profile for top-up recalibration.
_EPOCH_KEYS = ("X", "y", "groups", "items", "onsets")


def open_or_create_profile(name: str, info: StreamInfo, board: str, root: Path | None = None) -> Profile:
    """Load profile ``name`` (refusing another channel layout) or create a new one.

    Parameters
    ----------
    name : str
        Profile name.
    info : StreamInfo
        Channels of the source being calibrated.
    board : str
        Board name.
    root : Path | None
        Profiles folder.

    Returns
    -------
    Profile
    """
    from ._profile_io import list_profiles
    from ._store import check_free_name, open_store

    if name in list_profiles(root):
        return load_profile(name, root, info=info)
    check_free_name(name, open_store(root))  # refused before the session, not after it
    return Profile.new(name, info, board=board)


def previous_epochs(profile: Profile, spec: ParadigmSpec) -> CalibrationEpochs | None:
    """Return the epochs stored with an earlier calibration of the same protocol, for a top-up.

    Raises
    ------
    ProfileError
        If the earlier calibration used another protocol (classes, frequencies or epoch window).
    """
    if spec.name not in profile.paradigms:
        return None
    arr = profile.paradigm_arrays(spec.name)
    if not all(k in arr for k in _EPOCH_KEYS):
        return None
    old = ParadigmSpec.from_settings(profile.paradigm(spec.name)["settings"])
    same = (old.classes == spec.classes and tuple(old.freqs) == tuple(spec.freqs) and old.tmin == spec.tmin
            and old.tmax == spec.tmax and old.codes == spec.codes)
    if not same:
        raise ProfileError(
            f"Profile {profile.name!r} holds a {spec.name} calibration with another protocol (classes, frequencies "
            "or epoch window); a top-up must use the same protocol. Run a full calibration instead."
        )
    sfreq = float(profile.meta["channels"]["sfreq"])
    return CalibrationEpochs(arr["X"].astype(np.float32), arr["y"].astype(np.int64), arr["onsets"].astype(float), sfreq,
                  spec.tmin, arr["groups"].astype(np.int64), arr["items"].astype(np.int64))


def store_result(
    profile: Profile, result: CalibrationResult, *, session: dict[str, Any] | None = None, save: bool = True,
    root: Path | None = None,
) -> Profile:
    """Put a calibration result into a profile (decoder, thresholds, metrics, epochs) and save it.

    Parameters
    ----------
    profile : Profile
        The patient's profile.
    result : CalibrationResult
        The trained calibration.
    session : dict | None
        Description of the session (date, file, trials), appended to the paradigm's history.
    save : bool
        Write the profile to disk.
    root : Path | None
        Profiles folder.

    Returns
    -------
    Profile
    """
    sessions: list[dict[str, Any]] = []
    if result.paradigm in profile.paradigms:
        sessions = list(profile.paradigm(result.paradigm).get("sessions", []))
    entry = {"date": _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat(), **(session or {})}
    sessions.append(entry)
    ep = result.epochs
    metrics = {k: v for k, v in result.metrics.items()}
    metrics["recommendations"] = list(result.recommendations)
    decoder = result.decoder if hasattr(result.decoder, "get_params") else None
    profile.set_paradigm(
        result.paradigm,
        settings={**result.spec.settings_dict(), "method": result.method},
        thresholds=result.thresholds,
        stopping_threshold=result.stopping_threshold,
        window_s=result.window_s,
        metrics=metrics,
        n_trials=len(ep),
        decoder=decoder,
        arrays={"X": ep.X, "y": ep.y, "groups": ep.groups, "items": ep.items, "onsets": ep.onsets},
        sessions=sessions,
    )
    if result.idle is not None:
        profile.set_idle(result.paradigm, result.idle)
    if save:
        save_profile(profile, root)
    return profile


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def engine_settings(profile: Profile, paradigm: str) -> dict[str, Any]:
    """Return the :class:`~bci_input.engine.EngineConfig` fields a profile recommends for a paradigm.

    Parameters
    ----------
    profile : Profile
        A calibrated profile.
    paradigm : str
        ``ssvep`` or ``p300``.

    Returns
    -------
    dict
        ``stopping_threshold`` (dynamic stopping), and ``max_window_s`` (SSVEP) or ``max_repetitions``
        (P300), for the calibrations that recommend them; and the timing the calibration trained with, so
        live decoding uses the same: SSVEP ``latency_s`` (the spec's ``win_start_s``) and ``step_s``, P300
        ``epoch_s`` (``tmax - tmin``) and ``soa_s``. A key an older profile does not store is left out (the
        engine's default, which older calibrations used). Pass them as ``EngineConfig(**settings)``.
    """
    entry = profile.paradigm(paradigm)
    spec = entry["settings"]
    out: dict[str, Any] = {}
    if entry["stopping_threshold"] is not None:
        out["stopping_threshold"] = float(entry["stopping_threshold"])
    if paradigm == "ssvep" and entry["window_s"] is not None:
        out["max_window_s"] = float(entry["window_s"])
    if paradigm == "ssvep":
        out.update({key: float(spec[name]) for key, name in (("latency_s", "win_start_s"), ("step_s", "step_s"))
                    if _number(spec.get(name))})
    if paradigm == "p300":
        if _number(spec.get("tmax")) and _number(spec.get("tmin")):
            out["epoch_s"] = float(spec["tmax"]) - float(spec["tmin"])
        if _number(spec.get("soa_s")):
            out["soa_s"] = float(spec["soa_s"])
    reps = entry["metrics"].get("recommended_repetitions")
    if paradigm == "p300" and reps:
        out["max_repetitions"] = int(reps)
    return out
