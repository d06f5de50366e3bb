"""Offline evaluation on SSVEPExo: within-subject, leave one session out.

Preprocessing is what the live engine does: the continuous recording goes through the streaming
50 Hz notch and a 3-90 Hz band-pass (causal, :mod:`bci_input.stream`). Test windows start ``skip_s``
(1 s) after each trial onset and last ``window`` seconds. Training windows are cut from the training
trials at offsets ``skip_s, skip_s + 0.5, ...`` while they fit inside the 5 s trial (more calibration
windows from the same trials; test trials are never used for training). 4 classes = rest + 13/17/21 Hz,
3 classes = the flickers only.
"""

from __future__ import annotations

import functools
import logging
import time
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._errors import ConfigError, check_option
from ._schema import make_result
from ._ssvep_methods import SSVEP_METHODS
from ._ssvep_protocol import evaluate_recordings

__all__ = ["METHODS", "OPTIONS", "DEFAULT_WINDOW", "evaluate", "evaluate_subject"]

log = logging.getLogger(__name__)

METHODS = SSVEP_METHODS
#: The method calibration trains and the app uses for SSVEP (the calibration's first method).
DEFAULT_METHOD = "fbetrca"
#: Extra options this dataset accepts (besides split, method, window, data_dir).
OPTIONS = ("classes", "include_excluded", "skip_s")
DEFAULT_WINDOW = 2.0
SKIP_S = 1.0
PROTOCOL = "within-subject leave-one-session-out"


@functools.lru_cache(maxsize=48)
def _session(root: str, subject: str, session: str) -> tuple[Any, NDArray[np.float32]]:
    """Load one session and run it through the streaming front end (cached)."""
    from ..datasets._ssvep_exo import load_ssvep_exo
    from ..stream import BandPass, Notch, Pipeline

    rec = load_ssvep_exo(subject, session, root)
    front = Pipeline([Notch(rec.sfreq, 50.0), BandPass(rec.sfreq, 3.0, 90.0)])
    return rec, front.process_array(rec.data).astype(np.float32)


def evaluate_subject(
    root: str, subject: str, sessions: tuple[str, ...], method: str, window: float, classes: int, skip: float
) -> dict[str, Any]:
    """Evaluate one subject and return its row (see :func:`~bci_input.evaluation.subject_row`)."""
    return dict(_evaluate_subject(root, subject, sessions, method, window, classes, skip))


@functools.lru_cache(maxsize=4096)
def _evaluate_subject(
    root: str, subject: str, sessions: tuple[str, ...], method: str, window: float, classes: int, skip: float
) -> dict[str, Any]:
    recs = [_session(root, subject, s) for s in sessions]
    return evaluate_recordings(recs, list(sessions), method, window, classes, skip, subject, "ssvep_exo")


def evaluate(
    split: str,
    method: str,
    window: float | None = None,
    data_dir: str | Path | None = None,
    *,
    classes: int = 4,
    include_excluded: bool = True,
    skip_s: float = SKIP_S,
) -> dict[str, Any]:
    """Evaluate ``method`` on every subject of ``split``.

    Parameters
    ----------
    split : str
        ``'dev'`` (subject01-08) or ``'eval'`` (subject09-12).
    method : str
        One of :data:`METHODS`.
    window : float | None
        Window length, s (default 2; at most ``5 - skip_s``).
    data_dir : path-like | None
        The recordings folder.
    classes : int
        4 (rest + 3 flickers) or 3 (flickers only).
    include_excluded : bool
        Include the sessions the dataset's authors excluded (:data:`SSVEP_EXO_EXCLUDED`).
    skip_s : float
        Start of the test window after the trial onset, s.

    Returns
    -------
    dict
        The result (schema ``bci-input-evaluation/1``).
    """
    from ..datasets._ssvep_exo import _root, ssvep_exo_sessions, ssvep_exo_subjects

    check_option("split", split, ["dev", "eval"])
    check_option("method", method, METHODS)
    check_option("classes", int(classes), [3, 4])
    window = DEFAULT_WINDOW if window is None else float(window)
    if not 0.25 <= window <= 5.0 - skip_s:
        raise ConfigError(f"Invalid window {window} s for ssvep_exo: use 0.25 to {5.0 - skip_s:g} s.")
    t0 = time.perf_counter()
    root = str(_root(data_dir))
    rows = []
    for subject in ssvep_exo_subjects(split, root):
        sessions = tuple(ssvep_exo_sessions(subject, root, include_excluded=include_excluded))
        if not sessions:
            log.warning("%s has no session left; skipped", subject)
            continue
        rows.append(evaluate_subject(root, subject, sessions, method, window, int(classes), float(skip_s)))
    if not rows:
        raise ConfigError(f"No SSVEPExo subject of split {split!r} found under {root}.")
    return make_result(
        dataset="ssvep_exo",
        split=split,
        method=method,
        window_s=window,
        n_classes=int(classes),
        protocol=PROTOCOL,
        rows=rows,
        options={"classes": int(classes), "include_excluded": bool(include_excluded), "skip_s": float(skip_s)},
        elapsed_s=time.perf_counter() - t0,
    )
