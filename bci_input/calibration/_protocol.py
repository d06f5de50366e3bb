"""Calibration protocols: what each paradigm presents, and the cue sequence of a session.

Each paradigm has a :class:`ParadigmSpec` (classes, marker codes, cue timing, epoch window,
artefact limits). :func:`make_cue_plan` turns it into a balanced, seeded sequence of cues
with rests; the session writes a marker at each stimulus onset. What happens to the recording
afterwards (epochs, artefact rejection, the minimum data check) is in :mod:`._epochs`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._engine._config import EngineConfig
from .._errors import ConfigError, check_option
from ..stream import LIVE_BANDS

__all__ = [
    "ParadigmSpec",
    "check_live_stimuli",
    "Cue",
    "PARADIGM_SPECS",
    "get_spec",
    "live_spec",
    "jfpm_codes",
    "make_cue_plan",
    "P300_CUE_OFFSET",
    "IDLE_CODE",
    "IDLE_TEXT",
    "EMG_PATTERN_CLASSES",
    "EMG_OTHER_TEXT",
]

#: Marker code of a P300 cue is ``P300_CUE_OFFSET + target item``; flashes are ``1 + item``.
P300_CUE_OFFSET = 100
#: Marker code of the look-away block (SSVEP: its stimulus onset; P300: its cue), from which the idle
#: detector is fitted.
IDLE_CODE = 99
#: What the patient is asked during the look-away block.
IDLE_TEXT = "Look away from the targets: rest, read or think. Do not follow or count anything."
#: Classes of the EMG calibration of the pattern switch (a multichannel armband): rest, the press gesture, and the
#: other movements the person makes without meaning a press.
EMG_PATTERN_CLASSES = ("rest", "clench", "other movements")
#: What the patient is asked during an "other movements" trial.
EMG_OTHER_TEXT = "Move your hand and wrist as you do in daily life, but do not clench"


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
        the response); windows of the accuracy-vs-length sweep start here. Live SSVEP decoding
        skips the same (``EngineConfig.latency_s``).
    step_s : float
        Step of the accuracy-vs-length sweep, s: the windows are ``step_s, 2 step_s, ...`` long, as
        the live engine grows them (``EngineConfig.step_s``).
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
    idle_s : float
        SSVEP/P300: length of the look-away block at the end of the session (the stimuli run, the patient
        attends none of them), from which the no-control detector is fitted, s; 0 records none.
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
    step_s: float = EngineConfig.step_s
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
    idle_s: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.classes) != len(self.codes) or len(self.classes) < 2:
            raise ConfigError(f"Paradigm {self.name!r} needs at least 2 classes with one marker code each.")
        if self.freqs and len(self.freqs) != len(self.classes):
            raise ConfigError(f"SSVEP needs one frequency per class: {len(self.freqs)} for {len(self.classes)}.")
        if not self.tmax > self.tmin:
            raise ConfigError(f"Epoch window must have tmax > tmin, got ({self.tmin}, {self.tmax}).")
        if not 0.0 < self.step_s <= 60.0:
            raise ConfigError(f"Invalid value for 'step_s': {self.step_s}. It must be in (0, 60] s.")
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
        tmin=0.0, tmax=3.0, win_start_s=EngineConfig.latency_s, l_freq=LIVE_BANDS["ssvep"][0],
        h_freq=LIVE_BANDS["ssvep"][1],
        reject_ptp_uv=250.0, min_trials_per_class=4, default_trials_per_class=5, freqs=_SSVEP_PLACEHOLDER,
        phases=tuple(0.5 * np.pi * i for i in range(4)), idle_s=20.0,
    ),
    "p300": ParadigmSpec(
        "p300", ("non-target", "target"), (1, 2), cue_s=1.0, stim_s=0.8, rest_s=1.0, tmin=0.0,
        tmax=EngineConfig.epoch_s,
        l_freq=LIVE_BANDS["p300"][0], h_freq=LIVE_BANDS["p300"][1], reject_ptp_uv=150.0, min_trials_per_class=30,
        default_trials_per_class=10, n_items=6, n_repetitions=8, soa_s=EngineConfig.soa_s, idle_s=20.0,
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


def live_spec(paradigm: str, line_freq: float | None, **kwargs: Any) -> ParadigmSpec:
    """Return :func:`get_spec` for a calibration on a live headset with mains at ``line_freq``.

    The EEG paradigms the engine filters (:data:`~bci_input.stream.LIVE_BANDS`) are notched at ``line_freq``
    like the live chain; the switches (EMG, blink) and motor imagery keep their raw signal.
    """
    if paradigm in LIVE_BANDS:
        kwargs["line_freq"] = line_freq
    return get_spec(paradigm, **kwargs)


def get_spec(paradigm: str, *, n_targets: int = 40, other_movements: bool = False, **changes: Any) -> ParadigmSpec:
    """Return the default spec of a paradigm, with optional changes.

    Parameters
    ----------
    paradigm : str
        One of ``ssvep``, ``p300``, ``emg``, ``blink``, ``mi``.
    n_targets : int
        SSVEP: calibrate the speller's first ``n_targets`` JFPM targets (8.0 Hz + 0.2 Hz steps),
        unless ``freqs`` is given.
    other_movements : bool
        EMG: also cue "other movements" trials (:data:`EMG_PATTERN_CLASSES`), from which the pattern switch of a
        multichannel armband learns what is not a press.
    **changes
        Fields to override (e.g. ``freqs=(13.0, 17.0, 21.0)``); for SSVEP, new ``freqs``
        also set the class names, codes and (unless given) zero phases.

    Returns
    -------
    ParadigmSpec
    """
    check_option("paradigm", paradigm, PARADIGM_SPECS)
    spec = PARADIGM_SPECS[paradigm]
    if other_movements:
        if paradigm != "emg":
            raise ConfigError(f"Other-movement trials are an EMG calibration; {paradigm!r} has none.")
        changes.setdefault("classes", EMG_PATTERN_CLASSES)
        changes.setdefault("codes", (1, 2, 3))
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
        if spec.idle_s > 0:  # the look-away block: flashes nobody attends
            plan.append(Cue("cue", t, spec.cue_s, None, IDLE_CODE, IDLE_TEXT, trial=-1))
            t += spec.cue_s
            for _ in range(max(1, int(np.ceil(spec.idle_s / (spec.n_items * spec.soa_s))))):
                for item in rng.permutation(spec.n_items):
                    plan.append(Cue("flash", t, spec.soa_s, None, 1 + int(item), "", int(item), trial=-1))
                    t += spec.soa_s
            t += 1.0
            plan.append(Cue("rest", t, spec.rest_s, None, None, "Rest", trial=-1))
        return plan
    labels = np.repeat(np.arange(spec.n_classes), trials_per_class)
    rng.shuffle(labels)
    for i, lab_np in enumerate(labels):
        lab = int(lab_np)
        name = spec.classes[lab]
        text = {"ssvep": f"Look at the {name} target",
                "emg": ("Relax", "Clench and hold until the cue ends", EMG_OTHER_TEXT)[min(lab, 2)],
                "blink": "Blink twice" if lab else "Relax, do not blink",
                "mi": f"Imagine moving your {name}"}[spec.name]
        plan.append(Cue("cue", t, spec.cue_s, lab, None, text, trial=i))
        t += spec.cue_s
        plan.append(Cue("stim", t, spec.stim_s, lab, spec.codes[lab], text, trial=i))
        t += spec.stim_s
        plan.append(Cue("rest", t, spec.rest_s, None, None, "Rest", trial=i))
        t += spec.rest_s
    if spec.name == "ssvep" and spec.idle_s > 0:  # the look-away block: every target flickers, none attended
        plan.append(Cue("cue", t, spec.cue_s, None, None, IDLE_TEXT, trial=-1))
        t += spec.cue_s
        plan.append(Cue("stim", t, spec.idle_s, None, IDLE_CODE, IDLE_TEXT, trial=-1))
        t += spec.idle_s
        plan.append(Cue("rest", t, spec.rest_s, None, None, "Rest", trial=-1))
    return plan


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
