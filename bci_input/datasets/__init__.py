"""Readers for the real recordings (SSVEPExo, Muse P300/SSVEP, Myo EMG, OpenBCI, EEGBCI).

Each reader returns signals in µV as (n_times, n_channels) arrays. The folder defaults to
``$BCI_INPUT_DATA`` or ``../shared/data``; pass ``data_dir`` to read elsewhere.
"""

from ._ssvep_exo import (
    SSVEP_EXO_EXCLUDED,
    SSVEP_EXO_FREQS,
    SSVEP_EXO_SPLITS,
    SsvepRecording,
    load_ssvep_exo,
    ssvep_exo_sessions,
    ssvep_exo_subjects,
)

__all__ = [
    # SSVEPExo
    "SsvepRecording",
    "SSVEP_EXO_FREQS",
    "SSVEP_EXO_EXCLUDED",
    "SSVEP_EXO_SPLITS",
    "ssvep_exo_subjects",
    "ssvep_exo_sessions",
    "load_ssvep_exo",
]
