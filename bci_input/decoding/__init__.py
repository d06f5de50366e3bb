"""Intent decoders (scikit-learn estimators) for SSVEP, ERP/P300, EMG, blink and motor imagery."""
