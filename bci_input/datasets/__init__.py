"""Readers for the real recordings (SSVEPExo, Muse P300/SSVEP, Myo EMG, OpenBCI, EEGBCI)."""
