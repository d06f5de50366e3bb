from __future__ import annotations

import numpy as np
import pytest

from bci_input.decoding import MotorImageryDecoder, csp_filters, load_decoder, save_decoder
from bci_input.simulation._signals import BackgroundEEG

FS = 160.0


def _mi_trials(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """8-channel EEG; class 0 carries extra 10-14 Hz power on channel 2, class 1 on channel 5
    (event-related desynchronisation of the other hemisphere)."""
    from scipy import signal

    rng = np.random.default_rng(seed)
    n_t = int(2 * FS)
    bg = BackgroundEEG(8, FS, rng, rms=6.0, alpha_amp=2.0)
    sos = signal.butter(4, [10.0, 14.0], "bandpass", fs=FS, output="sos")
    X, y = [], []
    for i in range(n):
        label = i % 2
        x = bg.generate(n_t)
        mu = signal.sosfilt(sos, rng.standard_normal(n_t)) * 25.0
        x[:, 2 if label == 0 else 5] += mu
        X.append(x)
        y.append(label)
    return np.asarray(X), np.asarray(y)


def test_csp_recovers_the_discriminative_channels() -> None:
    X, y = _mi_trials(80, seed=0)
    W = csp_filters(X, y, np.array([0, 1]), 2)
    # the two most discriminative filters load mostly on channels 2 and 5
    top = {int(np.argmax(np.abs(W[:, k]))) for k in range(2)}
    assert top == {2, 5}


def test_mi_decoder_synthetic_accuracy_and_persistence(tmp_path) -> None:  # noqa: ANN001
    X, y = _mi_trials(80, seed=1)
    Xt, yt = _mi_trials(60, seed=2)
    dec = MotorImageryDecoder(sfreq=FS).fit(X, y)
    assert dec.score(Xt, yt) > 0.9
    np.testing.assert_allclose(dec.predict_proba(Xt).sum(1), 1.0)
    save_decoder(dec, tmp_path / "mi.npz")
    back = load_decoder(tmp_path / "mi.npz")
    np.testing.assert_allclose(back.decision_function(Xt), dec.decision_function(Xt))
    with pytest.raises(ValueError, match="Only binary"):
        MotorImageryDecoder().fit(np.concatenate([X, X[:10]]), np.r_[y, np.full(10, 2)])


@pytest.mark.data
def test_mi_on_real_eegbci_dev(data_dir) -> None:  # noqa: ANN001
    from bci_input.datasets import load_eegbci_epochs

    X, y, run, sf = load_eegbci_epochs(data_dir, (6, 10), tmin=0.5, tmax=2.5)
    assert X.shape[1:] == (320, 21) and sf == 160.0
    dec = MotorImageryDecoder(sfreq=sf).fit(X[run == 6], y[run == 6])
    assert dec.score(X[run == 10], y[run == 10]) >= 0.75  # hands vs feet, measured 0.93
