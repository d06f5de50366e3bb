"""Calibration protocols: cue sequences, epoching, artefact rejection and the minimum data check.

Each paradigm has a :class:`ParadigmSpec` (classes, marker codes, cue timing, epoch window,
artefact limits). :func:`make_cue_plan` turns it into a balanced, seeded sequence of cues
with rests; the session writes a marker at each stimulus onset. After recording,
:func:`extract_epochs` cuts epochs at the markers, :func:`reject_artifacts` drops the
epochs with NaNs, flat channels or excessive peak-to-peak amplitude, and
:func:`check_minimum_data` says plainly how many more clean trials are needed.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._errors import ConfigError, check_option

__all__ = [
    "ParadigmSpec",
    "check_live_stimuli",
    "Cue",
    "Epochs",
    "DataCheck",
    "PARADIGM_SPECS",
    "get_spec",
    "jfpm_codes",
    "make_cue_plan",
    "extract_epochs",
    "reject_artifacts",
    "check_minimum_data",
    "P300_CUE_OFFSET",
]

log = logging.getLogger(__name__)

#: Marker code of a P300 cue is ``P300_CUE_OFFSET + target item``; flashes are ``1 + item``.
P300_CUE_OFFSET = 100


@dataclass(frozen=True)
class ParadigmSpec:
    """How one paradigm is calibrated.

    Parameters
    ----------
    name : str
        Paradigm name.
    classes : tuple of str
        Class names shown to the patient, in label order.
    codes : tuple of int
        Marker code of each class's stimulus onset.
    cue_s : float
        Duration of the cue before the stimulus, s.
    stim_s : float
        Duration of the stimulus / task period, s.
    rest_s : float
        Rest after each trial, s.
    tmin, tmax : float
        Epoch window relative to the onset marker, s.
    win_start_s : float
        Start of the decoding window relative to the onset marker, s (skips the build-up of
        the response); windows of the accuracy-vs-length sweep start here.
    l_freq, h_freq : float | None
        Band-pass applied before epoching (``None`` = no filter on that side), Hz.
    line_freq : float | None
        Mains frequency to notch before the band-pass (``None``: no notch), Hz.
    reject_ptp_uv : float | None
        Reject an epoch whose peak-to-peak amplitude exceeds this on any channel, µV.
    flat_uv : float
        Reject an epoch with a channel whose peak-to-peak amplitude is below this, µV.
    min_trials_per_class : int
        Clean trials needed per class to train and evaluate.
    default_trials_per_class : int
        Trials per class in a default session.
    freqs : tuple of float
        SSVEP stimulus frequencies, Hz (one per class).
    phases : tuple of float
        SSVEP stimulus phases, rad (one per class).
    n_items : int
        P300: items flashed in each repetition.
    n_repetitions : int
        P300: flashes of every item per trial.
    soa_s : float
        P300: stimulus onset asynchrony, s.
    """

    name: str
    classes: tuple[str, ...]
    codes: tuple[int, ...]
    cue_s: float = 1.0
    stim_s: float = 4.0
    rest_s: float = 1.0
    tmin: float = 0.0
    tmax: float = 4.0
    win_start_s: float = 0.0
    l_freq: float | None = 1.0
    h_freq: float | None = 45.0
    line_freq: float | None = None
    reject_ptp_uv: float | None = 200.0
    flat_uv: float = 0.1
    min_trials_per_class: int = 5
    default_trials_per_class: int = 10
    freqs: tuple[float, ...] = ()
    phases: tuple[float, ...] = ()
    n_items: int = 0
    n_repetitions: int = 0
    soa_s: float = 0.25
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.classes) != len(self.codes) or len(self.classes) < 2:
            raise ConfigError(f"Paradigm {self.name!r} needs at least 2 classes with one marker code each.")
        if self.freqs and len(self.freqs) != len(self.classes):
            raise ConfigError(f"SSVEP needs one frequency per class: {len(self.freqs)} for {len(self.classes)}.")
        if not self.tmax > self.tmin:
            raise ConfigError(f"Epoch window must have tmax > tmin, got ({self.tmin}, {self.tmax}).")
        if not self.tmin <= self.win_start_s < self.tmax:
            raise ConfigError(f"The decoding window start {self.win_start_s} s must lie in the epoch "
                              f"({self.tmin}, {self.tmax}) s.")

    @property
    def n_classes(self) -> int:
        """Number of classes."""
        return len(self.classes)

    def settings_dict(self) -> dict[str, Any]:
        """Return the spec as a JSON-friendly dict (stored in the profile)."""
        d = dataclasses.asdict(self)
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in d.items()}

    @classmethod
    def from_settings(cls, d: dict[str, Any]) -> ParadigmSpec:
        """Rebuild a spec from :meth:`settings_dict` output (e.g. read from a profile)."""
        names = {f.name for f in dataclasses.fields(cls)}
        kw: dict[str, Any] = {k: (tuple(v) if isinstance(v, list) else v) for k, v in d.items() if k in names}
        return cls(**kw)

    def trial_s(self) -> float:
        """Duration of one trial including cue and rest, s."""
        if self.name == "p300":
            return self.cue_s + self.n_items * self.n_repetitions * self.soa_s + 1.0 + self.rest_s
        return self.cue_s + self.stim_s + self.rest_s


#: Placeholder SSVEP frequencies of the static table; :func:`get_spec` uses the speller's JFPM codes.
_SSVEP_PLACEHOLDER = (8.0, 11.0, 13.0, 15.0)

PARADIGM_SPECS: dict[str, ParadigmSpec] = {
    "ssvep": ParadigmSpec(
        "ssvep", tuple(f"{f:g} Hz" for f in _SSVEP_PLACEHOLDER), (1, 2, 3, 4), cue_s=1.0, stim_s=3.0, rest_s=0.5,
        tmin=0.0, tmax=3.0, win_start_s=0.14, l_freq=6.0, h_freq=45.0, reject_ptp_uv=250.0, min_trials_per_class=4,
        default_trials_per_class=5, freqs=_SSVEP_PLACEHOLDER, phases=tuple(0.5 * np.pi * i for i in range(4)),
    ),
    "p300": ParadigmSpec(
        "p300", ("non-target", "target"), (1, 2), cue_s=1.0, stim_s=0.8, rest_s=1.0, tmin=0.0, tmax=0.8,
        l_freq=1.0, h_freq=20.0, reject_ptp_uv=150.0, min_trials_per_class=30, default_trials_per_class=10,
        n_items=6, n_repetitions=8, soa_s=0.25,
    ),
    "emg": ParadigmSpec(
        "emg", ("rest", "clench"), (1, 2), cue_s=1.0, stim_s=2.0, rest_s=1.0, tmin=0.0, tmax=2.0,
        l_freq=None, h_freq=None, reject_ptp_uv=None, min_trials_per_class=5, default_trials_per_class=10,
    ),
    "blink": ParadigmSpec(
        "blink", ("rest", "double blink"), (1, 2), cue_s=1.0, stim_s=2.0, rest_s=1.0, tmin=0.0, tmax=2.0,
        l_freq=None, h_freq=None, reject_ptp_uv=None, min_trials_per_class=5, default_trials_per_class=10,
    ),
    "mi": ParadigmSpec(
        "mi", ("left hand", "right hand"), (1, 2), cue_s=1.0, stim_s=4.0, rest_s=2.0, tmin=0.5, tmax=3.5,
        win_start_s=0.5, l_freq=8.0, h_freq=30.0, reject_ptp_uv=200.0, min_trials_per_class=10,
        default_trials_per_class=20,
    ),
}


def jfpm_codes(n_targets: int) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Return the frequencies and phases of the speller's first ``n_targets`` JFPM targets.

    Returns
    -------
    freqs, phases : tuple of float
        Hz and radians, as the speller's flicker uses them.
    """
    from ..speller._targets import MAX_SSVEP_TARGETS, jfpm_code

    if not 2 <= n_targets <= MAX_SSVEP_TARGETS:
        raise ConfigError(f"Invalid number of SSVEP targets: {n_targets}. Allowed values are 2-{MAX_SSVEP_TARGETS}.")
    codes = [jfpm_code(i) for i in range(n_targets)]
    return tuple(c[0] for c in codes), tuple(c[1] for c in codes)


def get_spec(paradigm: str, *, n_targets: int = 40, **changes: Any) -> ParadigmSpec:
    """Return the default spec of a paradigm, with optional changes.

    Parameters
    ----------
    paradigm : str
        One of ``ssvep``, ``p300``, ``emg``, ``blink``, ``mi``.
    n_targets : int
        SSVEP: calibrate the speller's first ``n_targets`` JFPM targets (8.0 Hz + 0.2 Hz steps),
        unless ``freqs`` is given.
    **changes
        Fields to override (e.g. ``freqs=(13.0, 17.0, 21.0)``); for SSVEP, new ``freqs``
        also set the class names, codes and (unless given) zero phases.

    Returns
    -------
    ParadigmSpec
    """
    check_option("paradigm", paradigm, PARADIGM_SPECS)
    spec = PARADIGM_SPECS[paradigm]
    if paradigm == "ssvep":
        if "freqs" not in changes:
            changes["freqs"], jphases = jfpm_codes(n_targets)
            changes.setdefault("phases", jphases)
        freqs = tuple(float(f) for f in changes["freqs"])
        changes.setdefault("classes", tuple(f"{f:g} Hz" for f in freqs))
        changes.setdefault("codes", tuple(range(1, len(freqs) + 1)))
        changes.setdefault("phases", (0.0,) * len(freqs))
        changes["freqs"] = freqs
        changes["phases"] = tuple(float(p) for p in changes["phases"])
    return dataclasses.replace(spec, **changes)


@dataclass(frozen=True)
class Cue:
    """One step of the calibration timeline.

    Parameters
    ----------
    kind : str
        ``'cue'`` (show the instruction), ``'stim'`` (stimulus onset: a marker is written),
        ``'flash'`` (P300 flash of ``item``), ``'rest'``.
    start_s : float
        Time from the session start, s.
    duration_s : float
        Duration, s.
    label : int | None
        Class index (``'cue'``/``'stim'``) or the cued target item (P300).
    code : int | None
        Marker code written at the onset, if any.
    text : str
        Instruction shown to the patient.
    item : int | None
        P300: the flashed item.
    trial : int
        Trial index.
    """

    kind: str
    start_s: float
    duration_s: float
    label: int | None = None
    code: int | None = None
    text: str = ""
    item: int | None = None
    trial: int = 0


def make_cue_plan(spec: ParadigmSpec, trials_per_class: int, seed: int = 0) -> list[Cue]:
    """Return a balanced, seeded-shuffled timeline of cues, stimuli and rests.

    Parameters
    ----------
    spec : ParadigmSpec
        The paradigm.
    trials_per_class : int
        Trials of each class (P300: trials per cued item are spread evenly over items).
    seed : int
        Seed of the shuffle.

    Returns
    -------
    list of Cue
        In time order; ``Cue.start_s`` counts from the start of the session.
    """
    if trials_per_class < 1:
        raise ConfigError(f"Invalid number of trials: {trials_per_class}. It must be at least 1.")
    rng = np.random.default_rng(seed)
    plan: list[Cue] = []
    t = 2.0  # settle time before the first cue
    if spec.name == "p300":
        n_trials = trials_per_class
        targets = np.resize(np.arange(spec.n_items), n_trials)
        rng.shuffle(targets)
        for i, tgt_np in enumerate(targets):
            tgt = int(tgt_np)
            plan.append(Cue("cue", t, spec.cue_s, tgt, P300_CUE_OFFSET + tgt, f"Count the flashes of item {tgt + 1}",
                            trial=i))
            t += spec.cue_s
            for _ in range(spec.n_repetitions):
                for item in rng.permutation(spec.n_items):
                    plan.append(Cue("flash", t, spec.soa_s, tgt, 1 + int(item), "", int(item), trial=i))
                    t += spec.soa_s
            t += 1.0
            plan.append(Cue("rest", t, spec.rest_s, None, None, "Rest", trial=i))
            t += spec.rest_s
        return plan
    labels = np.repeat(np.arange(spec.n_classes), trials_per_class)
    rng.shuffle(labels)
    for i, lab_np in enumerate(labels):
        lab = int(lab_np)
        name = spec.classes[lab]
        text = {"ssvep": f"Look at the {name} target", "emg": "Clench and hold until the cue ends" if lab else "Relax",
                "blink": "Blink twice" if lab else "Relax, do not blink",
                "mi": f"Imagine moving your {name}"}[spec.name]
        plan.append(Cue("cue", t, spec.cue_s, lab, None, text, trial=i))
        t += spec.cue_s
        plan.append(Cue("stim", t, spec.stim_s, lab, spec.codes[lab], text, trial=i))
        t += spec.stim_s
        plan.append(Cue("rest", t, spec.rest_s, None, None, "Rest", trial=i))
        t += spec.rest_s
    return plan


@dataclass
class Epochs:
    """Epochs cut at the stimulus markers.

    Parameters
    ----------
    X : ndarray, shape (n_epochs, n_times, n_channels)
        Epoch data, µV, float32.
    y : ndarray, shape (n_epochs,)
        Class index of each epoch.
    onsets : ndarray, shape (n_epochs,)
        Onset of each epoch in the recording, s.
    sfreq : float
        Sampling rate, Hz.
    tmin : float
        Time of the first sample relative to the marker, s.
    groups : ndarray, shape (n_epochs,)
        Trial index of each epoch (P300: all flashes of one cued trial share it).
    items : ndarray, shape (n_epochs,)
        P300: flashed item of each epoch (``-1`` elsewhere).
    """

    X: NDArray[np.float32]
    y: NDArray[np.int64]
    onsets: NDArray[np.float64]
    sfreq: float
    tmin: float
    groups: NDArray[np.int64]
    items: NDArray[np.int64]

    def __len__(self) -> int:
        return int(self.X.shape[0])

    def subset(self, mask: NDArray[np.bool_]) -> Epochs:
        """Return the epochs where ``mask`` is true."""
        return Epochs(self.X[mask], self.y[mask], self.onsets[mask], self.sfreq, self.tmin, self.groups[mask],
                      self.items[mask])

    @staticmethod
    def concatenate(parts: list[Epochs]) -> Epochs:
        """Join epochs from several sessions (trial groups are renumbered to stay distinct)."""
        if not parts:
            raise ConfigError("No epochs to concatenate.")
        groups, offset = [], 0
        for p in parts:
            groups.append(p.groups + offset)
            offset += int(p.groups.max()) + 1 if len(p) else 0
        return Epochs(
            np.concatenate([p.X for p in parts]).astype(np.float32), np.concatenate([p.y for p in parts]),
            np.concatenate([p.onsets for p in parts]), parts[0].sfreq, parts[0].tmin, np.concatenate(groups),
            np.concatenate([p.items for p in parts]),
        )


def filter_continuous(data: NDArray[Any], sfreq: float, l_freq: float | None, h_freq: float | None,
                      line_freq: float | None = None) -> NDArray[Any]:
    """Filter a continuous recording exactly as the engine filters it online.

    The stream's causal Butterworth filters (:mod:`bci_input.stream`, order 4, steady-state start)
    are run over the whole recording, so epochs carry the same phase delays as the windows the
    decoder will see live (TRCA templates depend on the phase).

    Parameters
    ----------
    data : ndarray, shape (n_times, n_channels)
        Signal, µV.
    sfreq : float
        Sampling rate, Hz.
    l_freq, h_freq : float | None
        Pass band edges, Hz (``None`` = open); with both ``None`` only the mean is removed.
    line_freq : float | None
        Mains frequency notched first (the stream's :class:`~bci_input.stream.Notch`), Hz.

    Returns
    -------
    ndarray, shape (n_times, n_channels)
    """
    from ..stream import BandPass, HighPass, LowPass, Notch

    x = np.asarray(data, np.float64)
    nan = ~np.isfinite(x)
    x = np.where(nan, 0.0, x)
    x = x - x.mean(axis=0, keepdims=True) if x.shape[0] else x
    if line_freq is not None and line_freq < sfreq / 2:
        x = Notch(sfreq, line_freq).process_array(x)
    hi = h_freq if h_freq is not None and h_freq < sfreq / 2 * 0.95 else None
    if l_freq is not None and hi is not None:
        filt: Any = BandPass(sfreq, l_freq, hi)
    elif l_freq is not None:
        filt = HighPass(sfreq, l_freq)
    elif hi is not None:
        filt = LowPass(sfreq, hi)
    else:
        return np.where(nan, np.nan, x)
    return np.where(nan, np.nan, filt.process_array(x))


def extract_epochs(
    spec: ParadigmSpec, data: NDArray[Any], sfreq: float, events: list[tuple[float, int]] | NDArray[Any],
    *, filtered: bool = False,
) -> Epochs:
    """Cut epochs at the stimulus markers of a recording.

    Parameters
    ----------
    spec : ParadigmSpec
        The paradigm (codes, epoch window, filter band).
    data : ndarray, shape (n_times, n_channels)
        The recording, µV, sample 0 at time 0.
    sfreq : float
        Sampling rate, Hz.
    events : sequence of (onset_s, code)
        Markers; onsets in seconds from the first sample.
    filtered : bool
        ``True`` if ``data`` is already band-passed.

    Returns
    -------
    Epochs
        One epoch per stimulus marker whose window lies inside the recording.
    """
    x = data if filtered else filter_continuous(data, sfreq, spec.l_freq, spec.h_freq, spec.line_freq)
    n_s = int(round((spec.tmax - spec.tmin) * sfreq))
    off = int(round(spec.tmin * sfreq))
    Xs: list[NDArray[Any]] = []
    ys: list[int] = []
    onsets: list[float] = []
    groups: list[int] = []
    items: list[int] = []
    trial, cued = -1, None
    code_to_label = {c: i for i, c in enumerate(spec.codes)}
    for onset, code in events:
        code = int(code)
        if spec.name == "p300" and spec.n_items == 0:  # oddball file: 2 = target, 1 = non-target
            if code not in (1, 2):
                continue
            label, item = int(code == 2), -1
            trial = len(ys) // 10  # blocks of 10 consecutive flashes stay in one CV fold
        elif spec.name == "p300":
            if code >= P300_CUE_OFFSET:
                trial, cued = trial + 1, code - P300_CUE_OFFSET
                continue
            if cued is None or not 1 <= code <= spec.n_items:
                continue
            label, item = int(code - 1 == cued), code - 1
        else:
            if code not in code_to_label:
                continue
            trial += 1
            label, item = code_to_label[code], -1
        start = int(round(float(onset) * sfreq)) + off
        if start < 0 or start + n_s > x.shape[0]:
            continue
        Xs.append(x[start:start + n_s])
        ys.append(label)
        onsets.append(float(onset))
        groups.append(trial)
        items.append(item)
    n_ch = data.shape[1]
    X = np.asarray(Xs, np.float32).reshape(len(Xs), n_s, n_ch)
    return Epochs(X, np.asarray(ys, np.int64), np.asarray(onsets, float), float(sfreq), spec.tmin,
                  np.asarray(groups, np.int64), np.asarray(items, np.int64))


def reject_artifacts(epochs: Epochs, spec: ParadigmSpec) -> tuple[Epochs, dict[str, int]]:
    """Drop epochs with NaN/inf samples, flat channels or excessive peak-to-peak amplitude.

    Parameters
    ----------
    epochs : Epochs
        Epochs to check.
    spec : ParadigmSpec
        Holds ``reject_ptp_uv`` and ``flat_uv``.

    Returns
    -------
    clean : Epochs
        The epochs kept.
    counts : dict
        Number of epochs dropped for ``'nan'``, ``'flat'`` and ``'ptp'`` (each epoch counted once);
        ``'relative_ptp_limit': 1`` when most epochs exceeded the absolute limit, so outliers beyond
        5x the median peak-to-peak were rejected instead (unusual amplitude scale).
    """
    X = epochs.X
    bad_nan = ~np.isfinite(X).all(axis=(1, 2))
    Xf = np.nan_to_num(X)
    ptp = Xf.max(axis=1) - Xf.min(axis=1)
    bad_flat = ~bad_nan & (ptp < spec.flat_uv).any(axis=1)
    bad_ptp = np.zeros(len(epochs), bool)
    relative = False
    if spec.reject_ptp_uv is not None and len(epochs):
        usable = ~bad_nan & ~bad_flat
        bad_ptp = usable & (ptp > spec.reject_ptp_uv).any(axis=1)
        if bad_ptp.sum() > 0.5 * max(1, usable.sum()):
            # Most epochs exceed the absolute limit: the amplitude scale is unusual (units, amplifier gain).
            # Fall back to rejecting outliers: more than 5x the median peak-to-peak of the channel.
            relative = True
            med = np.median(ptp[usable], axis=0) if usable.any() else np.zeros(ptp.shape[1])
            bad_ptp = usable & (ptp > 5.0 * med[None, :]).any(axis=1)
            log.warning("Most epochs exceed %g µV peak-to-peak; rejecting relative outliers (>5x median) instead.",
                        spec.reject_ptp_uv)
    keep = ~(bad_nan | bad_flat | bad_ptp)
    counts = {"nan": int(bad_nan.sum()), "flat": int(bad_flat.sum()), "ptp": int(bad_ptp.sum())}
    if relative:
        counts["relative_ptp_limit"] = 1
    return epochs.subset(keep), counts


@dataclass(frozen=True)
class DataCheck:
    """Result of the minimum data check.

    Parameters
    ----------
    ok : bool
        True when every class has enough clean trials.
    counts : dict of str to int
        Clean trials per class name.
    needed : dict of str to int
        More clean trials needed per class name (0 when enough).
    rejected : dict of str to int
        Epochs dropped per reason.
    message : str
        A plain-language summary for the clinician.
    """

    ok: bool
    counts: dict[str, int]
    needed: dict[str, int]
    rejected: dict[str, int]
    message: str


def check_minimum_data(clean: Epochs, spec: ParadigmSpec, rejected: dict[str, int] | None = None) -> DataCheck:
    """Check that every class has enough clean trials, and say how many more are needed.

    Parameters
    ----------
    clean : Epochs
        Epochs left after artefact rejection.
    spec : ParadigmSpec
        Holds ``min_trials_per_class``.
    rejected : dict | None
        Output of :func:`reject_artifacts`, reported in the message.

    Returns
    -------
    DataCheck
    """
    rejected = dict(rejected or {})
    counts = {name: int((clean.y == i).sum()) for i, name in enumerate(spec.classes)}
    need = spec.min_trials_per_class
    if spec.name == "p300":  # targets are rare: require the minimum on the target class, 3x on non-targets
        per = {"non-target": 3 * need, "target": need}
    else:
        per = {name: need for name in spec.classes}
    needed = {name: max(0, per[name] - counts[name]) for name in spec.classes}
    relative = bool(rejected.pop("relative_ptp_limit", 0))
    n_rej = sum(rejected.values())
    rej_txt = ""
    if n_rej:
        parts = [f"{v} {k}" for k, v in rejected.items() if v]
        rej_txt = f" {n_rej} epoch(s) were rejected as artefacts ({', '.join(parts)})."
    if relative:
        rej_txt += (f" Most epochs exceeded {spec.reject_ptp_uv:g} µV peak-to-peak, so the amplitude scale looks "
                    "unusual (check the units and gain); outliers above 5x the median were rejected instead.")
    if all(v == 0 for v in needed.values()):
        msg = "Enough clean trials: " + ", ".join(f"{k} {v}" for k, v in counts.items()) + "." + rej_txt
        return DataCheck(True, counts, needed, rejected, msg)
    short = ", ".join(f"{v} more '{k}'" for k, v in needed.items() if v)
    unit = "flash epoch(s), i.e. more cued trials" if spec.name == "p300" else "trial(s)"
    msg = (
        f"Not enough clean trials to calibrate {spec.name}: have "
        + ", ".join(f"{k} {v}" for k, v in counts.items())
        + f"; need at least {need} per class. Record {short} {unit} (a top-up session adds to these)."
        + rej_txt
    )
    return DataCheck(False, counts, needed, rejected, msg)


#: Paradigms whose live calibration needs flickering or flashing targets on screen.
VISUAL_PARADIGMS = ("ssvep", "p300")


def check_live_stimuli(paradigm: str, simulated: bool) -> None:
    """Refuse a command-line calibration that would need on-screen stimuli.

    EMG, blink and motor-imagery cues are instructions (printed text); SSVEP and P300 need flickering or
    flashing targets, which the command line cannot draw. The app's calibration wizard draws them. A
    simulated participant follows the cues without them.

    Parameters
    ----------
    paradigm : str
        The paradigm to calibrate.
    simulated : bool
        True when the source is the simulated participant.

    Raises
    ------
    ConfigError
        For SSVEP or P300 on a real headset, with what to do instead.
    """
    if paradigm in VISUAL_PARADIGMS and not simulated:
        raise ConfigError(
            f"{paradigm.upper()} calibration on a headset needs flickering or flashing targets, which the command "
            "line cannot draw. Use the app's calibration wizard (bci-input app, Session > Calibrate...), which "
            "draws them, or train from a recording ('bci-input calibrate --from-recording FILE'). EMG, blink and "
            "motor-imagery calibration work here."
        )
