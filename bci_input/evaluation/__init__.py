"""Offline evaluation protocols and metrics (accuracy, ITR, decision time).

``evaluate(dataset, split, method, window, data_dir, **options)`` returns a result dict of schema
``bci-input-evaluation/1`` (per-subject rows plus mean ± std); see ``docs/decoding.md``.
"""

from ._dispatch import DATASETS, dataset_methods, evaluate
from ._metrics import GAZE_SHIFT_S, classification_metrics, itr_bits_per_min, time_per_decision_ms, wolpaw_bits
from ._schema import METRICS, SCHEMA, format_table, make_result, subject_row, validate_result, write_json

__all__ = [
    "evaluate",
    "DATASETS",
    "dataset_methods",
    # metrics
    "GAZE_SHIFT_S",
    "wolpaw_bits",
    "itr_bits_per_min",
    "classification_metrics",
    "time_per_decision_ms",
    # result schema
    "SCHEMA",
    "METRICS",
    "subject_row",
    "make_result",
    "validate_result",
    "format_table",
    "write_json",
]
