"""Intent decoders (scikit-learn estimators) for SSVEP, ERP/P300, EMG, blink and motor imagery.

Every decoder takes windows ``X`` of shape (n_windows, n_times, n_channels) in µV and is saved
with :func:`save_decoder` / loaded with :func:`load_decoder` (JSON + ``.npz``, never pickle).
"""

from ._persist import load_decoder, register_decoder, registered_decoders, save_decoder
from ._stopping import DynamicStopping, sweep_stopping_threshold

__all__ = [
    # persistence
    "save_decoder",
    "load_decoder",
    "register_decoder",
    "registered_decoders",
    # dynamic stopping
    "DynamicStopping",
    "sweep_stopping_threshold",
]
