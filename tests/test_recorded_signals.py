"""``bci-input simulate --signals recorded``: the real engine, speller and document driven by real eval recordings."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bci_input._engine._buffer import SampleBuffer
from bci_input.cli import main
from bci_input.datasets import muse_p300_soa
from bci_input.simulation import recorded_setup


@pytest.mark.data
def test_recorded_p300_types_exactly(data_dir: Path, tmp_path: Path) -> None:
    """Every decoded flash is a real muse_p300 session-3 epoch; the decoder, trained on sessions 1-2, types 'hi'."""
    out = tmp_path / "p300.json"
    rc = main(["simulate", "--paradigm", "p300", "--signals", "recorded", "--data-dir", str(data_dir), "--lm", "none",
               "--text", "hi", "--max-minutes", "10", "--json", str(out)])
    assert rc == 0
    r = json.loads(out.read_text(encoding="utf-8"))
    assert r["signals"] == "recorded"
    assert r["final_text"] == "hi" and r["completed"] is True
    rec = r["recording"]
    assert rec["dataset"] == "muse_p300" and rec["decoder"] == "xdawncov_ts_lr"
    served = rec["target_epochs_served"] + rec["nontarget_epochs_served"]
    # A 40-item grid flashes 5 rows and 8 columns: the attended item is in 2 of 13 flashes.
    assert 0.08 < rec["target_epochs_served"] / served < 0.25
    assert 0 < r["chars_per_min"] and r["selection_accuracy"] > 0.5
    # Flashes come at the recording's own pace (mean dev onset asynchrony), closer than the 0.8 s epoch.
    soa = float(np.mean(muse_p300_soa(data_dir, "dev")))
    assert rec["soa_s"] == pytest.approx(soa, abs=1e-3) and 0.5 < rec["soa_s"] < 0.7
    assert rec["overlapping_flashes"] > 0.9 * served


@pytest.mark.data
def test_recorded_p300_flash_windows_are_whole_recorded_epochs(data_dir: Path) -> None:
    """Two flashes 0.625 s apart: the engine's window of each is the whole epoch served for it, not the stream's."""
    setup = recorded_setup("p300", data_dir, seed=3)
    part, buf = setup.participant, setup.buffer
    assert buf is part.engine_buffer
    plain = SampleBuffer(part.info.n_channels, part.sfreq)
    n_ep = int(round(setup.config.epoch_s * part.sfreq))
    part.attend("char:a")
    flashes = []
    for k in range(12):  # 1.5 s of 0.125 s chunks; flashes at 0 s (target) and 0.625 s (non-target)
        if k in (0, 5):
            flashes.append(part.now)
            part.on_stimulus({"type": "flash", "targets": ("char:a",) if k == 0 else ("char:b",)})
        chunk = part.read()
        buf.append(chunk)
        plain.append(chunk)
    first, second = (part.engine_buffer.epochs[int(round(t * part.sfreq))] for t in flashes)
    assert np.array_equal(buf.window(flashes[0], n_ep), first[:n_ep])
    assert np.array_equal(buf.window(flashes[1], n_ep), second[:n_ep])
    # The one stream holds the second epoch over the first one's tail: its window is not a recorded epoch.
    assert not np.array_equal(plain.window(flashes[0], n_ep), first[:n_ep])
    assert part.served()["target_epochs_served"] == 1 and part.served()["overlapping_flashes"] == 1


@pytest.mark.data
def test_recorded_scan_types_exactly(data_dir: Path, tmp_path: Path) -> None:
    """The pattern switch, calibrated on eval participant 54321's session 1, types 'yes' from sessions 2-3's EMG.

    Between presses the switch sees the real rest and the six other gestures; each press is a slice of a real fist.
    Bound: the text comes out exact within 2 recorded minutes. Measured: 35 s; the amplitude switch calibrated on
    the same session needs 284 s (the other gestures read as presses and long clenches that pause the speller).
    """
    out = tmp_path / "scan.json"
    rc = main(["simulate", "--paradigm", "scan", "--signals", "recorded", "--data-dir", str(data_dir), "--lm", "none",
               "--text", "yes", "--max-minutes", "2", "--json", str(out)])
    assert rc == 0
    r = json.loads(out.read_text(encoding="utf-8"))
    rec = r["recording"]
    assert r["signals"] == "recorded" and rec["dataset"] == "myo_emg" and rec["switch"] == "EmgPatternSwitch"
    assert rec["participant"] == "54321" and rec["eval_other_episodes"] > 0
    assert rec["presses"] > 0 and rec["fist_slices_served"] >= rec["presses"]
    assert r["final_text"] == "yes" and r["completed"] is True and r["selection_accuracy"] >= 0.8


def test_recorded_without_recordings_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """No recordings: exit 2 with one line naming the folder and how to set it."""
    for args in (["--data-dir", str(tmp_path / "absent")], ["--data-dir", str(tmp_path)]):
        assert main(["simulate", "--paradigm", "p300", "--signals", "recorded", "--text", "hi", *args]) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1
        assert str(tmp_path) in err and "--data-dir" in err and "BCI_INPUT_DATA" in err


def test_recorded_ssvep_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """ssvep_exo's 3 flicker frequencies cannot drive the 40-target layout: exit 2, one line."""
    assert main(["simulate", "--paradigm", "ssvep", "--signals", "recorded", "--text", "hi",
                 "--data-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "3 flicker frequencies" in err
