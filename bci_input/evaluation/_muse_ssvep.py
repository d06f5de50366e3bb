"""Offline evaluation on the Muse SSVEP recordings (eval only: a cross-device check).

Two classes (20 Hz, 30 Hz), 4 temporal/frontal channels, no rest trials. The streaming front end is a
60 Hz notch and a 3-90 Hz band-pass. Test windows start ``skip_s`` (0.5 s, less when the window would
leave the 3 s stimulus) after the marker. Protocol: leave one session out for a subject with several
sessions; for a subject with one session of several runs, grouped CV over runs (at most 6 folds).
The hyper-parameters are the ones fixed on SSVEPExo dev; nothing is tuned here.
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

__all__ = ["METHODS", "OPTIONS", "DEFAULT_WINDOW", "evaluate"]

log = logging.getLogger(__name__)

METHODS = SSVEP_METHODS
#: The method calibration trains and the app uses for SSVEP (the calibration's first method).
DEFAULT_METHOD = "fbetrca"
OPTIONS = ("skip_s",)
DEFAULT_WINDOW = 2.0
SKIP_S = 0.5
PROTOCOL = "within-subject leave-one-session-out (grouped CV over runs for single-session subjects)"


@functools.lru_cache(maxsize=32)
def _run(root: str, subject: str, session: str, run: str) -> tuple[Any, NDArray[np.float32]]:
    from ..datasets._muse_ssvep import load_muse_ssvep
    from ..stream import BandPass, Notch, Pipeline

    rec = load_muse_ssvep(subject, session, run, root)
    front = Pipeline([Notch(rec.sfreq, 60.0), BandPass(rec.sfreq, 3.0, 90.0)])
    return rec, front.process_array(rec.data).astype(np.float32)


@functools.lru_cache(maxsize=1024)
def _subject(root: str, subject: str, method: str, window: float, skip: float) -> dict[str, Any]:
    from ..datasets._muse_ssvep import muse_ssvep_runs

    runs = muse_ssvep_runs(subject, root)
    recs = [_run(root, subject, s, r) for s, r in runs]
    return evaluate_recordings(recs, [s for s, _ in runs], method, window, 3, skip, subject, "muse_ssvep")


def evaluate(
    split: str,
    method: str,
    window: float | None = None,
    data_dir: str | Path | None = None,
    *,
    skip_s: float | None = None,
) -> dict[str, Any]:
    """Evaluate ``method`` on every Muse SSVEP subject (split ``'eval'`` only).

    Parameters
    ----------
    split : str
        Must be ``'eval'``.
    method : str
        One of :data:`METHODS`.
    window : float | None
        Window length, s (default 2, at most 3).
    data_dir : path-like | None
        The recordings folder.
    skip_s : float | None
        Start of the window after the marker, s (default ``min(0.5, 3 - window)``).

    Returns
    -------
    dict
        The result (schema ``bci-input-evaluation/1``).
    """
    from ..datasets._muse_ssvep import _root, muse_ssvep_subjects

    if split == "dev":
        raise ConfigError("Dataset 'muse_ssvep' has no dev split: it is eval only. Use --split eval.")
    check_option("split", split, ["eval"])
    check_option("method", method, METHODS)
    window = DEFAULT_WINDOW if window is None else float(window)
    if not 0.25 <= window <= 3.0:
        raise ConfigError(f"Invalid window {window} s for muse_ssvep: use 0.25 to 3 s (the stimulus lasts 3 s).")
    skip = min(SKIP_S, 3.0 - window) if skip_s is None else float(skip_s)
    t0 = time.perf_counter()
    root = str(_root(data_dir))
    rows = [dict(_subject(root, s, method, window, skip)) for s in muse_ssvep_subjects(root)]
    return make_result(
        dataset="muse_ssvep",
        split=split,
        method=method,
        window_s=window,
        n_classes=2,
        protocol=PROTOCOL,
        rows=rows,
        options={"skip_s": skip},
        elapsed_s=time.perf_counter() - t0,
    )
