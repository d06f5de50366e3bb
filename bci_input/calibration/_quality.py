"""Per-channel signal quality for the calibration display and report (wraps :mod:`bci_input.quality`)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._types import StreamInfo

__all__ = ["assess_quality"]


def assess_quality(window: NDArray[Any], info: StreamInfo) -> dict[str, Any]:
    """Rate each channel of a block of samples as ``ok``, ``warn`` or ``bad``.

    Parameters
    ----------
    window : ndarray, shape (n_times, n_channels)
        Samples, µV.
    info : StreamInfo
        Channel names, types and rate.

    Returns
    -------
    dict
        Lists with one entry per channel: ``channels`` (names), ``rms_uv``, ``line_ratio``
        (largest 50/60 Hz power fraction), ``status`` and ``reason``; this plain form is what
        the wizard's ``on_quality`` callback receives.
    """
    from ..quality import assess_quality as _assess

    rows = _assess(np.asarray(window), info)
    return {
        "channels": [q.name for q in rows],
        "rms_uv": [q.rms_uv for q in rows],
        "line_ratio": [max(q.line_50, q.line_60) for q in rows],
        "status": [q.status for q in rows],
        "reason": ["; ".join(q.reasons) for q in rows],
    }
