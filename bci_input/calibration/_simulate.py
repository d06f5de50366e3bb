"""Drive a :class:`~bci_input.simulation.SimulatedParticipant` through a calibration plan.

The participant is an ordinary :class:`~bci_input.Source`; this module only turns the
session's cues into what a cooperative patient does: look at the cued SSVEP target, count
the cued P300 item's flashes, clench on the EMG cue. The session runs on recorded time,
so a simulated calibration takes seconds instead of minutes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._errors import ConfigError
from ._protocol import Cue, ParadigmSpec

__all__ = ["participant_cue_handler", "SIMULATED_PARADIGMS", "ssvep_layout"]

#: Paradigms the simulated participant can perform.
SIMULATED_PARADIGMS = ("ssvep", "p300", "emg", "blink")


def ssvep_layout(spec: ParadigmSpec) -> Any:
    """Return a speller :class:`~bci_input.speller.Layout` of the spec's flickering targets."""
    from ..speller import Layout, Target

    targets = tuple(
        Target(f"cal:{k}", spec.classes[k], "char", "x", float(f), float(ph))
        for k, (f, ph) in enumerate(zip(spec.freqs, spec.phases, strict=True))
    )
    return Layout("ssvep", targets, np.full(len(targets), 1.0 / len(targets)))


def participant_cue_handler(participant: Any, spec: ParadigmSpec, *, miss_rate: float = 0.0, seed: int = 0
                            ) -> Callable[[Cue], None]:
    """Return an ``on_cue`` callback that makes a simulated participant follow the cues.

    Parameters
    ----------
    participant : SimulatedParticipant
        The source being recorded.
    spec : ParadigmSpec
        The paradigm.
    miss_rate : float
        Fraction of cues the participant does not follow (inattention), in [0, 1).
    seed : int
        Seed of the inattention draws.

    Returns
    -------
    callable(Cue)
    """
    if spec.name not in SIMULATED_PARADIGMS:
        raise ConfigError(
            f"The simulated participant cannot perform {spec.name!r} calibration. Allowed values are: "
            f"{', '.join(SIMULATED_PARADIGMS)}; use --from-recording for the others."
        )
    rng = np.random.default_rng(seed)
    layout = ssvep_layout(spec) if spec.name == "ssvep" else None

    def on_cue(cue: Cue) -> None:
        if spec.name == "ssvep":
            if cue.kind == "cue":
                participant.attend(None if rng.random() < miss_rate else f"cal:{cue.label}")
            elif cue.kind == "stim":
                participant.on_stimulus({"type": "ssvep_on", "layout": layout})
            elif cue.kind == "rest":
                participant.on_stimulus({"type": "ssvep_off"})
                participant.attend(None)
        elif spec.name == "p300":
            if cue.kind == "cue":
                participant.attend(None if rng.random() < miss_rate else f"item:{cue.label}")
            elif cue.kind == "flash":
                participant.on_stimulus({"type": "flash", "targets": (f"item:{cue.item}",)})
            elif cue.kind == "rest":
                participant.attend(None)
        elif spec.name == "emg":
            if cue.kind == "stim" and cue.label == 1 and rng.random() >= miss_rate:
                participant.press("long_clench", delay_s=float(rng.uniform(0.25, 0.5)))
            elif cue.kind == "stim" and cue.label == 2:  # another movement: the other EMG channel's muscle
                participant.press("long_clench", 1, delay_s=float(rng.uniform(0.25, 0.5)))
        elif spec.name == "blink":  # "Blink twice"; spontaneous blinks still happen during rest trials
            if cue.kind == "stim" and cue.label == 1 and rng.random() >= miss_rate:
                participant.blink(2, delay_s=float(rng.uniform(0.3, 0.6)), gap_s=float(rng.uniform(0.4, 0.55)))

    return on_cue
