from __future__ import annotations

import json
import math

import numpy as np
import pytest

from bci_input import ConfigError, DataFormatError
from bci_input.cli import main
from bci_input.evaluation import (
    METRICS,
    classification_metrics,
    evaluate,
    format_table,
    itr_bits_per_min,
    make_result,
    subject_row,
    validate_result,
    wolpaw_bits,
    write_json,
)


def test_wolpaw_bits_known_values():
    assert wolpaw_bits(2, 1.0) == pytest.approx(1.0)
    assert wolpaw_bits(4, 0.25) == 0.0
    assert wolpaw_bits(4, 0.1) == 0.0  # below chance counts as nothing
    # N=3, P=0.8: log2 3 + 0.8 log2 0.8 + 0.2 log2 0.1
    expected = math.log2(3) + 0.8 * math.log2(0.8) + 0.2 * math.log2(0.1)
    assert wolpaw_bits(3, 0.8) == pytest.approx(expected)
    # bits/min with the 0.5 s gaze shift: 2 s decision -> 2.5 s per selection
    assert itr_bits_per_min(3, 0.8, 2.0) == pytest.approx(expected * 60 / 2.5)


def test_classification_metrics():
    classes = np.array([-1, 0, 1])
    y = np.array([-1, 0, 1, 1])
    proba = np.array([[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.1, 0.2, 0.7], [0.1, 0.6, 0.3]])
    m = classification_metrics(y, proba, classes, decision_time_s=3.0)
    assert m["accuracy"] == pytest.approx(0.75)
    assert m["balanced_accuracy"] == pytest.approx((1 + 1 + 0.5) / 3)
    assert m["roc_auc"] == pytest.approx(1.0)  # each class's own column ranks its trials first (one-vs-rest macro)
    assert m["itr_bits_min"] == pytest.approx(itr_bits_per_min(3, 0.75, 3.0))
    # binary AUC uses the positive column
    m2 = classification_metrics(np.array([0, 1, 1, 0]), np.array([[0.9, 0.1], [0.2, 0.8], [0.4, 0.6], [0.3, 0.7]]),
                                np.array([0, 1]), 1.0)
    assert m2["roc_auc"] == pytest.approx(0.75)  # positives 0.8, 0.6 vs negatives 0.1, 0.7


def _result():
    rows = [
        subject_row("s1", {"accuracy": 0.8, "balanced_accuracy": 0.8, "roc_auc": float("nan")}, n_train=10,
                    n_test=5, n_folds=2, protocol="leave-one-session-out"),
        subject_row("s2", {"accuracy": 0.6, "balanced_accuracy": 0.5}, n_train=10, n_test=5, n_folds=2,
                    protocol="stratified 4-fold CV within the single session"),
    ]
    return make_result(dataset="ssvep_exo", split="dev", method="cca", window_s=2.0, n_classes=3,
                       protocol="within-subject", rows=rows, options={"classes": 3})


def test_result_schema_summary_and_json(tmp_path):
    res = _result()
    validate_result(res)
    assert res["summary"]["accuracy"]["mean"] == pytest.approx(0.7)
    assert res["summary"]["accuracy"]["std"] == pytest.approx(np.std([0.8, 0.6], ddof=1))
    assert math.isnan(res["summary"]["roc_auc"]["mean"])
    text = format_table(res)
    assert "s1" in text and "mean ± std" in text and "0.700 ± 0.141" in text
    path = write_json(res, tmp_path / "r.json")
    back = json.loads(path.read_text())  # strict JSON: NaN written as null
    assert back["subjects"][0]["roc_auc"] is None
    assert set(METRICS) <= set(back["subjects"][1])
    bad = dict(res)
    del bad["summary"]
    with pytest.raises(DataFormatError, match="summary"):
        validate_result(bad)


def test_unknown_method_lists_allowed():
    with pytest.raises(ConfigError, match="Allowed values are: default, cca, fbcca"):
        evaluate("ssvep_exo", "dev", "nope")
    with pytest.raises(ConfigError, match="Allowed values are"):
        evaluate("no_such_dataset", "dev", "cca")


def test_option_not_for_dataset_is_refused():
    with pytest.raises(ConfigError, match="do not apply"):
        evaluate("ssvep_exo", "dev", "cca", colour="red")


def test_cli_unknown_method_exit_code_2(capsys, tmp_path):
    code = main(["evaluate", "--dataset", "ssvep_exo", "--split", "dev", "--method", "magic",
                 "--data-dir", str(tmp_path)])
    assert code == 2
    err = capsys.readouterr().err
    assert "magic" in err and "riemann" in err
