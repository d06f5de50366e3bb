from __future__ import annotations

import numpy as np
import pytest

from bci_input._errors import ConfigError, DataFormatError
from bci_input.datasets import (
    OPENBCI_BLINKS_JAW_EXPECTED,
    myo_episodes,
    read_muse_csv,
    read_myo_file,
    read_openbci_txt,
)


def test_muse_csv_reader_handles_both_marker_names(tmp_path) -> None:  # noqa: ANN001
    rows = "\n".join(f"{1000 + i / 256:.4f},{i},{-i},{2 * i},0.5,9,{2 if i == 3 else (1 if i == 5 else 0)}"
                     for i in range(8))
    for marker in ("Marker0", "Marker"):
        p = tmp_path / f"{marker}.csv"
        p.write_text(f"timestamps,TP9,AF7,AF8,TP10,Right AUX,{marker}\n{rows}\n")
        rec = read_muse_csv(p)
        assert rec.data.shape == (8, 4) and rec.data.dtype == np.float32
        np.testing.assert_array_equal(rec.events, [[3, 2], [5, 1]])
        assert rec.data[3, 1] == -3.0 and rec.ch_names == ("TP9", "AF7", "AF8", "TP10")
    bad = tmp_path / "bad.csv"
    bad.write_text("timestamps,TP9,AF7\n1,2,3\n")
    with pytest.raises(DataFormatError, match="Marker0 or Marker"):
        read_muse_csv(bad)


def test_myo_reader_and_episodes(tmp_path) -> None:  # noqa: ANN001
    lab = [0] * 3 + [7] * 4 + [0] * 2
    p = tmp_path / "7.txt"
    p.write_text("\n".join(",".join(["1"] * 8 + [str(v)]) for v in lab) + "\n")
    data, labels = read_myo_file(p)
    assert data.shape == (9, 8)
    assert myo_episodes(labels) == [(0, 3, 0), (3, 7, 7), (7, 9, 0)]
    p.write_text("1,2,3\n")
    with pytest.raises(DataFormatError, match="8 EMG values"):
        read_myo_file(p)


def test_openbci_reader(tmp_path) -> None:  # noqa: ANN001
    p = tmp_path / "OpenBCI-RAW.txt"
    head = "%OpenBCI Raw EXG Data\n%Number of channels = 2\n%Sample Rate = 250 Hz\n"
    cols = "Sample Index, EXG Channel 0, EXG Channel 1, Accel Channel 0\n"
    p.write_text(head + cols + "0, 100.5, -3.0, 0.1\n1, 101.5, -4.0, 0.1\n")
    rec = read_openbci_txt(p)
    assert rec.sfreq == 250.0 and rec.ch_names == ("EXG Channel 0", "EXG Channel 1")
    np.testing.assert_allclose(rec.data, [[100.5, -3.0], [101.5, -4.0]])
    np.testing.assert_allclose(rec.timestamps, [0.0, 0.004])
    p.write_text(cols + "0, 1, 2, 3\n")
    with pytest.raises(DataFormatError, match="Sample Rate"):
        read_openbci_txt(p)


def test_split_names_are_checked(tmp_path) -> None:  # noqa: ANN001
    from bci_input.datasets import eegbci_runs, muse_p300_files, myo_sessions

    with pytest.raises(ConfigError, match="Allowed values are: dev, eval"):
        muse_p300_files(tmp_path, "test")
    with pytest.raises(ConfigError, match="split"):
        myo_sessions(tmp_path, "train")
    assert eegbci_runs("left_right", "eval") == (12,)
    with pytest.raises(DataFormatError):
        myo_sessions(tmp_path, "dev")


@pytest.mark.data
def test_real_readers(data_dir) -> None:  # noqa: ANN001
    from bci_input.datasets import (
        load_muse_p300_epochs,
        myo_sessions,
        openbci_blinks_jaw_path,
        read_eegbci_run,
    )

    X, y, run, sess = load_muse_p300_epochs(data_dir, "eval")
    assert X.shape[1:] == (205, 4) and set(sess) == {3}
    assert 0.1 < y.mean() < 0.2  # targets p ≈ 0.15
    sessions = myo_sessions(data_dir, "eval")
    assert {s.participant for s in sessions} == {"54321", "78945"} and len(sessions) == 6
    data, labels = read_myo_file(sessions[0].file(7))
    eps = myo_episodes(labels)
    assert [e[2] for e in eps] == [0, 7] * 6  # alternating rest / fist, 5 s each
    assert all(900 <= b - a <= 1100 for a, b, _ in eps[:-1])
    rec = read_openbci_txt(openbci_blinks_jaw_path(data_dir))
    assert rec.data.shape[1] == 8 and rec.sfreq == 250.0
    assert rec.timestamps[-1] >= OPENBCI_BLINKS_JAW_EXPECTED["jaw"][-1][1] - 1.0
    raw = read_eegbci_run(data_dir, 4)
    assert raw.info["sfreq"] == 160.0 and "C3" in raw.ch_names and len(raw.ch_names) == 64


@pytest.mark.data
def test_evaluate_cli_for_switch_datasets(data_dir, tmp_path, capsys) -> None:  # noqa: ANN001
    import json

    from bci_input.cli import main
    from bci_input.evaluation import evaluate, validate_result

    res = evaluate("openbci_blinks_jaw", "dev", "jaw_switch", data_dir=data_dir)
    validate_result(res)
    assert res["subjects"][0]["events_in_alpha"] == 0
    out = tmp_path / "myo.json"
    rc = main(["evaluate", "--dataset", "myo_emg", "--split", "dev", "--method", "switch",
               "--data-dir", str(data_dir), "--json", str(out)])
    assert rc == 0
    assert "myo_emg" in capsys.readouterr().out
    doc = json.loads(out.read_text())
    validate_result(doc)
    assert doc["switch_summary"]["detection_rate"] >= 0.95
    assert len(doc["subjects"]) == 3
