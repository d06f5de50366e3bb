from __future__ import annotations

import numpy as np
import pytest

from bci_input import DataFormatError
from bci_input.datasets import (
    SSVEP_EXO_EXCLUDED,
    SSVEP_EXO_FREQS,
    load_ssvep_exo,
    ssvep_exo_sessions,
    ssvep_exo_subjects,
)


@pytest.mark.data
def test_splits_and_excluded_listing(data_dir):
    dev = ssvep_exo_subjects("dev", data_dir)
    ev = ssvep_exo_subjects("eval", data_dir)
    assert dev == [f"subject{i:02d}" for i in range(1, 9)]
    assert ev == [f"subject{i:02d}" for i in range(9, 13)]
    s8 = ssvep_exo_sessions("subject08", data_dir)
    s8_clean = ssvep_exo_sessions("subject08", data_dir, include_excluded=False)
    assert set(s8) - set(s8_clean) <= {s for subj, s in SSVEP_EXO_EXCLUDED if subj == "subject08"}
    assert all(("subject08", s) not in SSVEP_EXO_EXCLUDED for s in s8_clean)


@pytest.mark.data
def test_read_one_session_in_microvolts(data_dir):
    ses = ssvep_exo_sessions("subject01", data_dir)[0]
    rec = load_ssvep_exo("subject01", ses, data_dir)
    assert rec.sfreq == 256.0 and rec.ch_names[0] == "Oz" and rec.data.shape[1] == 8
    assert rec.data.dtype == np.float32
    # volts * 1e6: the raw signal with its electrode offsets is in the hundreds/thousands of µV, not 1e-3
    assert 10.0 < float(np.median(np.abs(rec.data))) < 1e5
    assert sorted(np.unique(rec.labels, return_counts=True)[1].tolist()) == [8, 8, 8, 8]
    assert set(rec.labels.tolist()) == {-1, 0, 1, 2} and rec.freqs == SSVEP_EXO_FREQS
    X, y = rec.epochs(1.0, 3.0)
    assert X.shape == (32, 512, 8) and len(y) == 32


def test_missing_folder_is_explained(tmp_path):
    with pytest.raises(DataFormatError, match="ssvep_exo"):
        ssvep_exo_subjects("dev", tmp_path / "nowhere")


@pytest.mark.data
def test_muse_ssvep_run(data_dir):
    from bci_input.datasets import MUSE_SSVEP_FREQS, load_muse_ssvep, muse_ssvep_runs, muse_ssvep_subjects

    assert muse_ssvep_subjects(data_dir) == ["subject1", "subject3", "subject4"]
    runs = muse_ssvep_runs("subject3", data_dir)
    assert {s for s, _ in runs} == {"session1", "session2", "session3"}
    rec = load_muse_ssvep("subject3", *runs[0], data_dir)
    assert rec.ch_names == ("TP9", "AF7", "AF8", "TP10") and rec.sfreq == 256.0
    assert rec.freqs == MUSE_SSVEP_FREQS and set(rec.labels.tolist()) == {0, 1}
    assert len(rec.onsets) == len(rec.labels) > 10
    # trials are about 3.6 s apart
    assert 3.0 < np.median(np.diff(rec.onsets)) / rec.sfreq < 4.5
