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
from ._lsl import MARKER_SUFFIX, LslInletSource, LslOutlet, LslTeeSource
from ._playback import (
    PLAYBACK_SUFFIXES,
    SPEED_LIMIT,
    SPEED_MAX,
    BrainFlowPlaybackSource,
    PlaybackSource,
    check_speed,
    load_playback_file,
    open_playback,
)
from ._quality import ChannelQuality, QualityThresholds, SignalQuality, assess_quality, format_quality_table

__all__ = [
    "assess_quality",
    "board_descriptor",
    "board_layout",
    "board_name",
    "board_names",
    "BoardLayout",
    "BrainFlowPlaybackSource",
    "BrainFlowSource",
    "ChannelQuality",
    "CONNECTION_PARAMETERS",
    "connection_parameters",
    "explain_brainflow_error",
    "format_quality_table",
    "load_playback_file",
    "LslInletSource",
    "LslOutlet",
    "LslTeeSource",
    "MARKER_SUFFIX",
    "open_playback",
    "open_source",
    "PLAYBACK_SUFFIXES",
    "PlaybackSource",
    "SPEED_LIMIT",
    "SPEED_MAX",
    "check_speed",
    "QualityThresholds",
    "resolve_board",
    "set_brainflow_logging",
    "SignalQuality",
]
