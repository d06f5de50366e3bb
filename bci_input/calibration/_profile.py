"""Per-patient profiles: calibration results stored as JSON + ``.npz``, never pickle.

A profile lives in ``<user data dir>/profiles/<name>/``:

- ``profile.json``: schema version, dates, board, channel map, per-paradigm settings,
  thresholds, recommended stopping threshold and window, metrics, UI settings;
- ``models.npz``: arrays (training epochs for top-up recalibration, templates), read with
  ``allow_pickle=False``;
- ``decoders/<paradigm>...``: each trained decoder, written by
  :func:`bci_input.decoding.save_decoder` (JSON parameters + ``.npz`` arrays).

Saving, loading, listing and deleting are in :mod:`bci_input.calibration._profile_io`; the store's
layout (and the profiles' calibration recordings, ``<user data dir>/recordings/<name>/``) in
:mod:`bci_input.calibration._store`.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._errors import ProfileError
from .._types import StreamInfo
from ._schema import CALIBRATION_PARADIGMS, SCHEMA_VERSION, check_name, validate_profile_dict

__all__ = ["Profile", "to_jsonable"]

_JSON = "profile.json"
_NPZ = "models.npz"
_DECODERS = "decoders"
_SEP = "__"


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat()


def to_jsonable(value: Any) -> Any:
    """Convert numpy scalars/arrays and tuples to plain JSON types, recursively.

    Parameters
    ----------
    value : object
        Nested dicts/lists of numbers, strings, numpy values.

    Returns
    -------
    object
        The same structure made of ``dict``, ``list``, ``str``, ``int``, ``float``, ``bool``, ``None``.
    """
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return to_jsonable(value.tolist())
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        f = float(value)
        return f if np.isfinite(f) else None
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


@dataclass
class Profile:
    """A patient's calibration results.

    Parameters
    ----------
    meta : dict
        The content of ``profile.json`` (see :mod:`bci_input.calibration._schema`).
    arrays : dict of str to ndarray
        Arrays stored in ``models.npz``, keyed ``'<paradigm>__<name>'``.
    decoders : dict of str to estimator
        Trained decoders per paradigm held in memory (saved with ``save_decoder``).
    path : Path | None
        The folder the profile was loaded from, if any.
    """

    meta: dict[str, Any]
    arrays: dict[str, NDArray[Any]] = field(default_factory=dict)
    decoders: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None

    @classmethod
    def new(cls, name: str, info: StreamInfo, board: str = "unknown") -> Profile:
        """Create an empty profile for one board and channel layout.

        Parameters
        ----------
        name : str
            Profile name (the patient's pseudonym).
        info : StreamInfo
            Channel names, types and sampling rate of the headset.
        board : str
            Board name, as in ``--board``.

        Returns
        -------
        Profile
        """
        now = _now()
        meta = {
            "schema_version": SCHEMA_VERSION,
            "name": check_name(name),
            "created": now,
            "updated": now,
            "board": str(board),
            "channels": {"names": list(info.ch_names), "types": list(info.ch_types), "sfreq": float(info.sfreq)},
            "paradigms": {},
            # Kept empty, so older versions still read the file: a person's display settings live in the
            # profile's settings file (bci_input.calibration._preferences), which migrates an old "ui" here.
            "ui": {},
        }
        from .. import __version__

        meta["software_version"] = str(__version__)
        validate_profile_dict(meta)
        return cls(meta)

    @property
    def name(self) -> str:
        """The profile's name."""
        return str(self.meta["name"])

    @property
    def info(self) -> StreamInfo:
        """The channel map as a :class:`StreamInfo`."""
        ch = self.meta["channels"]
        return StreamInfo(tuple(ch["names"]), tuple(ch["types"]), float(ch["sfreq"]), name=self.meta["board"])

    @property
    def paradigms(self) -> list[str]:
        """Paradigms this profile holds a calibration for."""
        return list(self.meta["paradigms"])

    def paradigm(self, paradigm: str) -> dict[str, Any]:
        """Return the stored calibration entry of one paradigm.

        Raises
        ------
        ProfileError
            If the profile has no calibration for ``paradigm``.
        """
        try:
            return self.meta["paradigms"][paradigm]
        except KeyError:
            have = ", ".join(self.paradigms) or "none"
            raise ProfileError(
                f"Profile {self.name!r} has no {paradigm} calibration (it has: {have}). "
                f"Run 'bci-input calibrate --paradigm {paradigm} --profile {self.name}'."
            ) from None

    def set_paradigm(
        self,
        paradigm: str,
        *,
        settings: dict[str, Any],
        thresholds: dict[str, Any] | None = None,
        stopping_threshold: float | None = None,
        window_s: float | None = None,
        metrics: dict[str, Any] | None = None,
        n_trials: int = 0,
        decoder: Any = None,
        arrays: dict[str, NDArray[Any]] | None = None,
        sessions: list[dict[str, Any]] | None = None,
    ) -> None:
        """Store (or replace) the calibration of one paradigm.

        Parameters
        ----------
        paradigm : str
            One of ``ssvep``, ``p300``, ``emg``, ``blink``, ``mi``.
        settings : dict
            Paradigm settings (frequencies, epoch window, cue timing...).
        thresholds : dict | None
            Switch thresholds (EMG/blink), in µV.
        stopping_threshold : float | None
            Recommended posterior threshold for dynamic stopping, in (0, 1).
        window_s : float | None
            Recommended decision window, s.
        metrics : dict | None
            Cross-validated results (accuracy, CI, confusion matrix, ITR...).
        n_trials : int
            Number of clean trials the decoder was trained on.
        decoder : estimator | None
            The trained decoder; saved with ``save_decoder``.
        arrays : dict of str to ndarray | None
            Arrays for this paradigm (e.g. ``{'X': epochs, 'y': labels}`` for top-up recalibration).
        sessions : list of dict | None
            Descriptions of the recording sessions used (dates, files, trial counts).
        """
        if paradigm not in CALIBRATION_PARADIGMS:
            raise ProfileError(
                f"Invalid paradigm {paradigm!r}. Allowed values are: {', '.join(CALIBRATION_PARADIGMS)}.")
        entry: dict[str, Any] = {
            "settings": to_jsonable(settings),
            "thresholds": to_jsonable(thresholds or {}),
            "stopping_threshold": None if stopping_threshold is None else float(stopping_threshold),
            "window_s": None if window_s is None else float(window_s),
            "metrics": to_jsonable(metrics or {}),
            "decoder": paradigm if decoder is not None else None,
            "trained": _now(),
            "n_trials": int(n_trials),
        }
        if sessions is not None:
            entry["sessions"] = to_jsonable(sessions)
        self.meta["paradigms"][paradigm] = entry
        for key in [k for k in self.arrays if k.startswith(paradigm + _SEP)]:
            del self.arrays[key]
        for key, arr in (arrays or {}).items():
            a = np.asarray(arr)
            if a.dtype == object:
                raise ProfileError(f"Array {key!r} has dtype object; only numeric/string arrays can be stored.")
            self.arrays[f"{paradigm}{_SEP}{key}"] = a
        self.decoders.pop(paradigm, None)
        if decoder is not None:
            self.decoders[paradigm] = decoder
        self.meta["updated"] = _now()
        validate_profile_dict(self.meta)

    def set_idle(self, paradigm: str, detector: Any) -> None:
        """Store the no-control detector of a calibrated paradigm (``None`` removes it).

        Parameters
        ----------
        paradigm : str
            ``ssvep`` or ``p300`` (already calibrated: :meth:`set_paradigm` first).
        detector : IdleDetector | None
            The detector fitted on the rest blocks, with its operating point (stored in ``profile.json``).
        """
        entry = self.paradigm(paradigm)
        entry["idle"] = None if detector is None else to_jsonable(detector.to_dict())
        validate_profile_dict(self.meta)

    def idle_detector(self, paradigm: str) -> Any:
        """Return the paradigm's :class:`~bci_input.decoding.IdleDetector`, or ``None`` if it has none.

        A profile saved before the no-control state has none: its engine then selects on the posterior
        threshold alone (and, like every engine, never forces a selection at a time limit).

        Raises
        ------
        ProfileError
            If the stored detector is invalid.
        """
        entry = self.meta["paradigms"].get(paradigm)
        if not entry or not entry.get("idle"):
            return None
        from ..decoding import IdleDetector

        return IdleDetector.from_dict(entry["idle"], f"profile {self.name!r} ({paradigm})")

    def paradigm_arrays(self, paradigm: str) -> dict[str, NDArray[Any]]:
        """Return the arrays stored for one paradigm, without the key prefix."""
        pre = paradigm + _SEP
        return {k[len(pre):]: v for k, v in self.arrays.items() if k.startswith(pre)}

    def decoder(self, paradigm: str) -> Any:
        """Return the trained decoder of one paradigm (loaded with ``load_decoder`` on first use).

        Raises
        ------
        ProfileError
            If there is no decoder for ``paradigm`` or it cannot be loaded.
        """
        if paradigm in self.decoders:
            return self.decoders[paradigm]
        entry = self.paradigm(paradigm)
        if entry["decoder"] is None:
            raise ProfileError(f"Profile {self.name!r} has no trained decoder for {paradigm} (thresholds only).")
        if self.path is None:
            raise ProfileError(f"Profile {self.name!r} has not been saved; its {paradigm} decoder is missing.")
        from ..decoding import load_decoder

        try:
            est = load_decoder(_decoder_path(self.path, entry["decoder"]))
        except ProfileError:
            raise
        except Exception as exc:
            raise ProfileError(
                f"Profile {self.name!r}: the {paradigm} decoder could not be loaded ({exc}). The profile is corrupt; "
                "recalibrate or import a good copy."
            ) from None
        self.decoders[paradigm] = est
        return est

    def check_channels(self, info: StreamInfo) -> None:
        """Refuse a headset whose channel layout differs from the profile's.

        Parameters
        ----------
        info : StreamInfo
            The connected source's channels.

        Raises
        ------
        ProfileError
            Naming the differences (names, order, types or sampling rate).
        """
        ch = self.meta["channels"]
        problems = []
        if list(info.ch_names) != list(ch["names"]):
            problems.append(f"channels {list(info.ch_names)} instead of {list(ch['names'])}")
        elif list(info.ch_types) != list(ch["types"]):
            problems.append(f"channel types {list(info.ch_types)} instead of {list(ch['types'])}")
        if abs(float(info.sfreq) - float(ch["sfreq"])) > 1e-6:
            problems.append(f"sampling rate {info.sfreq:g} Hz instead of {float(ch['sfreq']):g} Hz")
        if problems:
            raise ProfileError(
                f"Profile {self.name!r} was calibrated on {self.meta['board']} with a different channel layout: "
                f"the connected source has {'; '.join(problems)}. Use the same headset montage, or run a new "
                "calibration for this layout."
            )


def _decoder_path(folder: Path, name: str) -> Path:
    return folder / _DECODERS / name
