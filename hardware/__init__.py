"""Hardware layer: BrainFlow boards, playback files, LSL inlet/outlet, signal quality.

Nothing here imports Qt. Every source implements :class:`bci_input.Source` and
delivers :class:`bci_input.Chunk` objects in the core's (n_times, n_channels) µV layout.
"""

from ._boards import (
    CONNECTION_PARAMETERS,
    BoardLayout,
    board_descriptor,
    board_layout,
    board_name,
    board_names,
    connection_parameters,
    explain_brainflow_error,
    resolve_board,
    set_brainflow_logging,
)
from ._brainflow import BrainFlowSource
from ._factory import open_source
from ._lsl import MARKER_SUFFIX, LslInletSource, LslOutlet
from ._playback import PLAYBACK_SUFFIXES, BrainFlowPlaybackSource, PlaybackSource, load_playback_file, open_playback
from ._quality import ChannelQuality, QualityThresholds, SignalQuality, assess_quality, format_quality_table

__all__ = [
    "BrainFlowPlaybackSource",
    "BrainFlowSource",
    "ChannelQuality",
    "LslInletSource",
    "LslOutlet",
    "MARKER_SUFFIX",
    "QualityThresholds",
    "SignalQuality",
    "assess_quality",
    "format_quality_table",
    "PLAYBACK_SUFFIXES",
    "PlaybackSource",
    "load_playback_file",
    "open_playback",
    "BoardLayout",
    "CONNECTION_PARAMETERS",
    "board_descriptor",
    "board_layout",
    "board_name",
    "board_names",
    "connection_parameters",
    "explain_brainflow_error",
    "open_source",
    "resolve_board",
    "set_brainflow_logging",
]
