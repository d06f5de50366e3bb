"""Simulated participant and realistic synthetic signals.

:class:`SimulatedParticipant` is a :class:`~bci_input.Source` whose EEG and EMG
respond to what it attends; :func:`run_closed_loop` lets it write a text with
the real engine, speller and document, faster than real time.
"""

from ._closed_loop import ClosedLoopResult, calibrate_decoder, edit_distance, run_closed_loop, wolpaw_itr
from ._participant import (
    DEFAULT_SNR,
    EEG_CHANNELS,
    EMG_CHANNELS,
    REPLAY_CHANNELS,
    SimulatedParticipant,
    SubjectParams,
    load_replay_trials,
)
from ._recorded import SSVEP_RECORDED_REASON, RecordedSetup, recorded_setup
from ._typist import Typist

__all__ = [
    "SimulatedParticipant",
    "SubjectParams",
    "Typist",
    "run_closed_loop",
    "calibrate_decoder",
    "ClosedLoopResult",
    "edit_distance",
    "wolpaw_itr",
    "DEFAULT_SNR",
    "EEG_CHANNELS",
    "EMG_CHANNELS",
    "REPLAY_CHANNELS",
    "load_replay_trials",
    "recorded_setup",
    "RecordedSetup",
    "SSVEP_RECORDED_REASON",
]
