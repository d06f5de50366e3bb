"""Readers for the real recordings (SSVEPExo, Muse P300/SSVEP, Myo EMG, OpenBCI, EEGBCI).

Each reader returns signals in µV as (n_times, n_channels) arrays. The folder defaults to
``$BCI_INPUT_DATA`` or ``../shared/data``; pass ``data_dir`` to read elsewhere.
"""

from ._eegbci import EEGBCI_SPLITS, EEGBCI_TASKS, eegbci_runs, load_eegbci_epochs, read_eegbci_run
from ._muse_p300 import (
    MUSE_EEG_CHANNELS,
    MUSE_P300_SPLITS,
    MUSE_SFREQ,
    MuseRecording,
    load_muse_p300_epochs,
    muse_p300_files,
    muse_p300_soa,
    read_muse_csv,
)
from ._muse_ssvep import MUSE_SSVEP_CHANNELS, MUSE_SSVEP_FREQS, load_muse_ssvep, muse_ssvep_runs, muse_ssvep_subjects
from ._myo_emg import (
    MYO_GESTURES,
    MYO_SFREQ,
    MYO_SPLITS,
    MyoSession,
    load_myo_windows,
    myo_episodes,
    myo_sessions,
    myo_switch_segments,
    read_myo_file,
)
from ._openbci import OPENBCI_BLINKS_JAW_EXPECTED, OpenBciRecording, openbci_blinks_jaw_path, read_openbci_txt
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
    # Muse (P300 and SSVEP CSV)
    "MuseRecording",
    "MUSE_SFREQ",
    "MUSE_EEG_CHANNELS",
    "MUSE_P300_SPLITS",
    "read_muse_csv",
    "muse_p300_files",
    "load_muse_p300_epochs",
    "muse_p300_soa",
    "MUSE_SSVEP_FREQS",
    "MUSE_SSVEP_CHANNELS",
    "muse_ssvep_subjects",
    "muse_ssvep_runs",
    "load_muse_ssvep",
    # Myo EMG
    "MyoSession",
    "MYO_SFREQ",
    "MYO_GESTURES",
    "MYO_SPLITS",
    "read_myo_file",
    "myo_sessions",
    "myo_episodes",
    "load_myo_windows",
    "myo_switch_segments",
    # OpenBCI GUI text
    "OpenBciRecording",
    "OPENBCI_BLINKS_JAW_EXPECTED",
    "read_openbci_txt",
    "openbci_blinks_jaw_path",
    # EEGBCI motor imagery
    "EEGBCI_TASKS",
    "EEGBCI_SPLITS",
    "eegbci_runs",
    "read_eegbci_run",
    "load_eegbci_epochs",
]
