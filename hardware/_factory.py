"""``open_source``: build the right :class:`~bci_input.Source` from settings or keyword arguments."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bci_input._errors import ConfigError
from bci_input._types import Source
from bci_input.settings import AcquisitionSettings

__all__ = ["open_source"]

_BOARD_KEYS = ("serial_port", "mac_address", "ip_address", "ip_port", "serial_number", "timeout", "other_info")


def open_source(
    settings: AcquisitionSettings | None = None,
    *,
    speed: float = 1.0,
    clock: Callable[[], float] | None = None,
    sleep: Callable[[float], None] | None = None,
    **kwargs: Any,
) -> Source:
    """Return a (not yet started) source for a BrainFlow board, a playback file or an LSL stream.

    Parameters
    ----------
    settings : AcquisitionSettings | None
        The ``[acquisition]`` settings; keyword arguments override its fields.
    speed : float
        Playback speed factor (playback files only).
    clock, sleep : callable | None
        Injected monotonic clock and matching sleep for paced playback (tests).
    **kwargs
        Any :class:`~bci_input.settings.AcquisitionSettings` field: ``board``, ``serial_port``, ...,
        ``playback_file``, ``lsl_stream_name``, ``lsl_marker_name``, ``lsl_outlet``, ``lsl_scope``.

    Returns
    -------
    Source
        ``BrainFlowSource`` for a board name, a playback source when ``board='playback'`` or
        ``playback_file`` is set, ``LslInletSource`` when ``board='lsl'`` or ``lsl_stream_name`` is set;
        wrapped in ``LslTeeSource`` (the live stream published on LSL) when ``lsl_outlet`` is true.

    Raises
    ------
    ConfigError
        For an unknown board name (the message lists the allowed names) or an unknown keyword.
    """
    import dataclasses

    base = settings or AcquisitionSettings()
    fields = {f.name for f in dataclasses.fields(AcquisitionSettings)}
    unknown = sorted(set(kwargs) - fields)
    if unknown:
        raise ConfigError(
            f"Unknown acquisition option(s) {', '.join(unknown)}. Allowed values are: {', '.join(sorted(fields))}."
        )
    s = dataclasses.replace(base, **kwargs)
    s.validate()
    board = str(s.board).strip().lower()
    if board == "playback" or (s.playback_file and board in ("synthetic", "playback", "")):
        from ._playback import open_playback

        if not s.playback_file:
            raise ConfigError(
                "The 'playback' board needs a file: set 'playback_file' (or use 'bci-input replay FILE')."
            )
        source: Source = open_playback(s.playback_file, speed=speed, clock=clock, sleep=sleep)
    elif board == "lsl" or s.lsl_stream_name:
        from ._lsl import LslInletSource

        source = LslInletSource(
            name=s.lsl_stream_name or None, timeout=float(s.timeout or 5.0), marker_name=s.lsl_marker_name or None,
            scope=s.lsl_scope if s.lsl_outlet else None,  # one liblsl start for the inlet and the outlet
        )
    else:
        from ._brainflow import BrainFlowSource

        source = BrainFlowSource(board, **{k: getattr(s, k) for k in _BOARD_KEYS})
    if s.lsl_outlet:
        from ._lsl import LslTeeSource

        source = LslTeeSource(source, s.lsl_outlet_name, scope=s.lsl_scope)
    return source
