"""The result of ``bci-input evaluate``: per-subject rows plus mean ± std, as a JSON-ready dict.

Schema ``bci-input-evaluation/1`` (documented in ``docs/decoding.md``)::

    {
      "schema": "bci-input-evaluation/1",
      "dataset": "ssvep_exo", "split": "dev", "method": "riemann", "window_s": 2.0,
      "protocol": "within-subject leave-one-session-out",
      "options": {"classes": 3, "include_excluded": true, ...},
      "n_classes": 3,
      "subjects": [
        {"subject": "subject01", "n_train": 72, "n_test": 48, "n_folds": 2, "protocol": "...",
         "accuracy": 0.9, "balanced_accuracy": 0.9, "roc_auc": 0.97, "itr_bits_min": 12.1,
         "decision_time_s": 3.0, "compute_ms": 4.2},
        ...
      ],
      "summary": {"accuracy": {"mean": 0.85, "std": 0.07}, ...},
      "created": "2026-01-01T10:00:00+00:00", "bci_input_version": "0.1.0", "elapsed_s": 12.3
    }

Metrics that do not apply are ``null`` (NaN in Python). ``std`` is the sample standard deviation over
subjects (0 with one subject).
"""

from __future__ import annotations

import datetime as _dt
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .._errors import DataFormatError

__all__ = ["SCHEMA", "METRICS", "subject_row", "make_result", "format_table", "validate_result", "write_json"]

SCHEMA = "bci-input-evaluation/1"

#: Metrics of every subject row, in table order.
METRICS: tuple[str, ...] = (
    "accuracy",
    "balanced_accuracy",
    "roc_auc",
    "itr_bits_min",
    "decision_time_s",
    "compute_ms",
)


def subject_row(
    subject: str, metrics: dict[str, float], *, n_train: int, n_test: int, n_folds: int, protocol: str
) -> dict[str, Any]:
    """Build one per-subject row.

    Parameters
    ----------
    subject : str
        Subject id.
    metrics : dict
        Values for every name in :data:`METRICS` (missing ones become NaN).
    n_train, n_test : int
        Windows used for training (per fold, mean) and for testing (all folds).
    n_folds : int
        Number of folds.
    protocol : str
        How this subject was split (e.g. ``'leave-one-session-out'``).

    Returns
    -------
    dict
    """
    row: dict[str, Any] = {
        "subject": subject,
        "n_train": int(n_train),
        "n_test": int(n_test),
        "n_folds": int(n_folds),
        "protocol": protocol,
    }
    for k in METRICS:
        row[k] = float(metrics.get(k, float("nan")))
    return row


def make_result(
    *,
    dataset: str,
    split: str,
    method: str,
    window_s: float,
    n_classes: int,
    protocol: str,
    rows: Sequence[dict[str, Any]],
    options: dict[str, Any] | None = None,
    elapsed_s: float | None = None,
) -> dict[str, Any]:
    """Assemble a result with its mean ± std summary.

    Parameters
    ----------
    dataset, split, method : str
        What was evaluated.
    window_s : float
        Decoding window, s.
    n_classes : int
        Number of classes decoded.
    protocol : str
        Overall protocol description.
    rows : sequence of dict
        From :func:`subject_row`.
    options : dict | None
        Other settings (JSON-serialisable).
    elapsed_s : float | None
        Wall time of the whole evaluation.

    Returns
    -------
    dict
    """
    from .. import __version__

    summary: dict[str, dict[str, float]] = {}
    for k in METRICS:
        vals = np.array([r[k] for r in rows], float)
        vals = vals[np.isfinite(vals)]
        mean = float(vals.mean()) if vals.size else float("nan")
        std = float(vals.std(ddof=1)) if vals.size > 1 else (0.0 if vals.size else float("nan"))
        summary[k] = {"mean": mean, "std": std}
    return {
        "schema": SCHEMA,
        "dataset": dataset,
        "split": split,
        "method": method,
        "window_s": float(window_s),
        "n_classes": int(n_classes),
        "protocol": protocol,
        "options": dict(options or {}),
        "subjects": list(rows),
        "summary": summary,
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "bci_input_version": __version__,
        "elapsed_s": None if elapsed_s is None else float(elapsed_s),
    }


def validate_result(result: dict[str, Any]) -> None:
    """Raise :class:`DataFormatError` unless ``result`` follows the schema."""
    need = {"schema", "dataset", "split", "method", "window_s", "n_classes", "protocol", "subjects", "summary"}
    missing = sorted(need - set(result))
    if missing or result.get("schema") != SCHEMA:
        raise DataFormatError(f"Not a {SCHEMA} result: missing {missing} or wrong schema {result.get('schema')!r}.")
    for row in result["subjects"]:
        lack = [k for k in ("subject", *METRICS) if k not in row]
        if lack:
            raise DataFormatError(f"Subject row {row.get('subject')!r} lacks {lack}.")
    for k in METRICS:
        if set(result["summary"].get(k, {})) != {"mean", "std"}:
            raise DataFormatError(f"Summary of {k!r} must have 'mean' and 'std'.")


def _fmt(v: float, digits: int = 3) -> str:
    return "—" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.{digits}f}"


def format_table(result: dict[str, Any]) -> str:
    """Return a plain-text table: one line per subject, then mean ± std.

    Parameters
    ----------
    result : dict
        From :func:`make_result`.

    Returns
    -------
    str
    """
    head = ["subject", "n_test", "acc", "bal_acc", "auc", "itr_b/min", "t_dec_s", "ms/dec"]
    lines = [
        f"{result['dataset']} | split {result['split']} | method {result['method']} | window {result['window_s']:g} s"
        f" | {result['n_classes']} classes | {result['protocol']}",
        "  ".join(f"{h:>10}" for h in head),
    ]
    for r in result["subjects"]:
        vals = [r["subject"], str(r["n_test"])] + [
            _fmt(r[k], 2 if k in ("itr_bits_min", "compute_ms", "decision_time_s") else 3) for k in METRICS
        ]
        lines.append("  ".join(f"{v:>10}" for v in vals))
    s = result["summary"]
    lines.append(
        "mean ± std: "
        + ", ".join(f"{k} {_fmt(s[k]['mean'])} ± {_fmt(s[k]['std'])}" for k in METRICS)
    )
    return "\n".join(lines)


def _clean(obj: Any) -> Any:
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    if isinstance(obj, np.generic):
        return _clean(obj.item())
    return obj


def write_json(result: dict[str, Any], path: str | Path) -> Path:
    """Write ``result`` as strict JSON (NaN becomes ``null``).

    Parameters
    ----------
    result : dict
        From :func:`make_result`.
    path : path-like
        Output file.

    Returns
    -------
    Path
    """
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(json.dumps(_clean(result), indent=2, allow_nan=False) + "\n", encoding="utf-8")
    return p
