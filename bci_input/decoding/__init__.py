"""Intent decoders (scikit-learn estimators) for SSVEP, ERP/P300, EMG, blink and motor imagery.

Every decoder takes windows ``X`` of shape (n_windows, n_times, n_channels) in µV and is saved
with :func:`save_decoder` / loaded with :func:`load_decoder` (JSON + ``.npz``, never pickle).
"""

from ._blink import BlinkSwitch
from ._emg import EmgSwitch
from ._emg_gestures import EmgGestureClassifier, emg_time_features
from ._emg_pattern import EmgPatternSwitch, emg_moving_features
from ._erp import P300Decoder, flash_log_likelihoods, xdawn_filters
from ._idle import IdleDetector, fit_p300_idle, fit_ssvep_idle
from ._mi import MotorImageryDecoder, csp_filters
from ._persist import load_decoder, register_decoder, registered_decoders, save_decoder
from ._ssvep_cca import CCA, FBCCA
from ._ssvep_common import REST, jfpm_grid, reference_signals
from ._ssvep_fblr import CalibratedFBCCA
from ._ssvep_riemann import RiemannSSVEP
from ._ssvep_trca import TRCA, EnsembleTRCA
from ._stopping import DynamicStopping, sweep_stopping_threshold
from ._switch import SwitchEvent

__all__ = [
    # persistence
    "save_decoder",
    "load_decoder",
    "register_decoder",
    "registered_decoders",
    # SSVEP
    "REST",
    "CCA",
    "FBCCA",
    "TRCA",
    "EnsembleTRCA",
    "RiemannSSVEP",
    "CalibratedFBCCA",
    "jfpm_grid",
    "reference_signals",
    # dynamic stopping
    "DynamicStopping",
    "sweep_stopping_threshold",
    # no-control state
    "IdleDetector",
    "fit_ssvep_idle",
    "fit_p300_idle",
    # ERP / P300
    "P300Decoder",
    "flash_log_likelihoods",
    "xdawn_filters",
    # EMG and blink switches, EMG gestures
    "SwitchEvent",
    "EmgSwitch",
    "EmgPatternSwitch",
    "emg_moving_features",
    "BlinkSwitch",
    "EmgGestureClassifier",
    "emg_time_features",
    # motor imagery
    "MotorImageryDecoder",
    "csp_filters",
]
