from __future__ import annotations

import json

import pytest

from bci_input.cli import main
from bci_input.evaluation import validate_result
from bci_input.evaluation._ssvep_exo import evaluate_subject


@pytest.fixture(autouse=True)
def _one_blas_thread():
    """Small matrices: one BLAS thread is much faster than several on a shared 2-core machine."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield


@pytest.mark.slow
@pytest.mark.data
def test_cca_on_one_real_subject(data_dir):
    from bci_input.datasets import ssvep_exo_sessions

    root = str(data_dir / "ssvep_exo")
    sessions = tuple(ssvep_exo_sessions("subject04", root))
    row = evaluate_subject(root, "subject04", sessions, "cca", 2.0, 3, 1.0)
    assert row["n_test"] == 48 and row["n_folds"] == 2
    assert row["accuracy"] > 0.6  # well above the 1/3 chance on this subject
    assert row["decision_time_s"] == pytest.approx(3.0)
    assert row["itr_bits_min"] > 0 and row["compute_ms"] > 0


@pytest.mark.data
def test_cli_json_on_one_eval_subject(data_dir, tmp_path, capsys):
    # the eval split is only read here to check the output format, with the reference method

    one = tmp_path / "ssvep_exo" / "subject09"
    one.mkdir(parents=True)
    for f in (data_dir / "ssvep_exo" / "subject09").iterdir():
        (one / f.name).symlink_to(f)
    out = tmp_path / "r.json"
    code = main(["evaluate", "--dataset", "ssvep_exo", "--split", "eval", "--method", "cca", "--window", "1",
                 "--classes", "4", "--data-dir", str(tmp_path), "--json", str(out)])
    assert code == 0
    text = capsys.readouterr().out
    assert "subject09" in text and "mean ± std" in text
    res = json.loads(out.read_text())
    validate_result(res)
    assert res["n_classes"] == 4 and [r["subject"] for r in res["subjects"]] == ["subject09"]


@pytest.mark.slow
@pytest.mark.data
def test_calibrated_fbcca_beats_cca_on_one_dev_subject(data_dir):
    from bci_input.datasets import ssvep_exo_sessions

    root = str(data_dir / "ssvep_exo")
    sessions = tuple(ssvep_exo_sessions("subject06", root))
    cca = evaluate_subject(root, "subject06", sessions, "cca", 2.0, 3, 1.0)
    fblr = evaluate_subject(root, "subject06", sessions, "fbcca_lr", 2.0, 3, 1.0)
    assert fblr["accuracy"] > cca["accuracy"] + 0.1
    assert fblr["roc_auc"] > 0.9
