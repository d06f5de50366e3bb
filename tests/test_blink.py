from __future__ import annotations

import numpy as np
import pytest

from bci_input.decoding import BlinkSwitch, EmgSwitch, load_decoder, save_decoder
from bci_input.simulation._signals import BackgroundEEG, blink_waveform, emg_burst

FS = 250.0


def _frontal_eeg(blinks: list[float], total_s: float, seed: int = 0) -> np.ndarray:
    """Two frontal channels of 1/f EEG with 150 µV blinks (0.3 s) starting at the given times."""
    rng = np.random.default_rng(seed)
    x = BackgroundEEG(2, FS, rng, rms=10.0, alpha_amp=4.0).generate(int(total_s * FS))
    w = blink_waveform(FS, amplitude=150.0, duration=0.3)
    for t in blinks:
        i = int(t * FS)
        x[i : i + len(w)] += w[:, None] * np.array([1.0, 0.9])
    return x + np.array([3000.0, -2000.0])  # DC offsets, as on a real amplifier


def _calibrated() -> BlinkSwitch:
    sw = BlinkSwitch(sfreq=FS)
    rest = _frontal_eeg([], 8.0, seed=1)
    active = _frontal_eeg([1.0, 2.5, 4.0, 5.5, 7.0], 8.0, seed=2)
    return sw.calibrate(rest, active)


def test_spontaneous_single_blinks_are_not_double_blinks() -> None:
    # singles at 2 s and 8 s (spontaneous), a voluntary double at 5.0 + 5.5 s
    x = _frontal_eeg([2.0, 5.0, 5.5, 8.0], 11.0, seed=3)
    events = _calibrated().process_array(x)
    assert [e.kind for e in events] == ["blink", "double_blink", "blink"]
    assert events[1].onset == pytest.approx(5.0, abs=0.15)
    assert events[0].onset == pytest.approx(2.0, abs=0.15)


def test_no_events_in_clean_eeg_and_persistence(tmp_path) -> None:  # noqa: ANN001
    sw = _calibrated()
    assert sw.rest_level_ < sw.threshold_ < sw.active_level_
    assert sw.process_array(_frontal_eeg([], 30.0, seed=4)) == []
    save_decoder(sw, tmp_path / "blink")
    back = load_decoder(tmp_path / "blink")
    assert isinstance(back, BlinkSwitch) and back.threshold_ == sw.threshold_
    x = _frontal_eeg([2.0, 2.6], 5.0, seed=5)
    assert [e.kind for e in back.process_array(x)] == ["double_blink"]


def test_jaw_clench_on_eeg_ignores_blinks() -> None:
    rng = np.random.default_rng(6)
    x = _frontal_eeg([1.0, 3.0], 8.0, seed=6)
    i0, i1 = int(5.0 * FS), int(5.4 * FS)
    for c in range(2):
        x[i0:i1, c] += emg_burst(i1 - i0, FS, rng, rms=40.0)
    jaw = EmgSwitch(sfreq=FS, highpass=30.0, notch=(50.0, 60.0))
    clench = _frontal_eeg([], 3.0, seed=8)
    clench[:, 0] += emg_burst(len(clench), FS, rng, rms=40.0)
    clench[:, 1] += emg_burst(len(clench), FS, rng, rms=40.0)
    jaw.calibrate(_frontal_eeg([2.0], 6.0, seed=7), clench)
    events = jaw.process_array(x)
    assert [e.kind for e in events] == ["clench"]
    assert events[0].onset == pytest.approx(5.0, abs=0.15)


@pytest.mark.data
def test_openbci_episodes_are_found_where_the_readme_says(data_dir) -> None:  # noqa: ANN001
    """Data README: blinks about 0-18 s and 76-89 s, jaw clenches about 0-20 s and 80-90 s,
    eyes-closed alpha about 30-70 s (no blinks or clenches expected there)."""
    from bci_input.evaluation._openbci_blinks_jaw import detect_events

    expected = {"blink_switch": [(0.0, 18.0), (76.0, 89.0)], "jaw_switch": [(0.0, 20.0), (80.0, 90.0)]}
    alpha = (30.0, 70.0)
    for method, periods in expected.items():
        events, _, _ = detect_events(data_dir, method)
        onsets = np.array([e.onset for e in events])
        for a, b in periods:
            assert np.sum((onsets >= a) & (onsets < b)) >= 1, f"{method}: nothing found in {a}-{b} s"
        in_alpha = np.sum((onsets >= alpha[0]) & (onsets < alpha[1]))
        assert in_alpha <= 1, f"{method}: {in_alpha} events during eyes-closed alpha"
        # most events fall inside the expected periods (a stray one, e.g. a blink at 25 s, is allowed)
        inside = sum(np.sum((onsets >= a) & (onsets < b)) for a, b in periods)
        assert inside >= 0.8 * len(onsets)
