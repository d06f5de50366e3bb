"""Route ``evaluate(dataset, ...)`` to ``bci_input.evaluation._<dataset>.evaluate``."""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType
from typing import Any

from .._errors import ConfigError, check_option

__all__ = ["DATASETS", "evaluate", "dataset_methods", "dataset_module"]

#: Dataset name -> module with ``METHODS``, ``OPTIONS``, ``DEFAULT_WINDOW`` and ``evaluate(split, method, ...)``.
DATASETS: dict[str, str] = {
    "ssvep_exo": "bci_input.evaluation._ssvep_exo",
    "muse_ssvep": "bci_input.evaluation._muse_ssvep",
    "muse_p300": "bci_input.evaluation._muse_p300",
    "myo_emg": "bci_input.evaluation._myo_emg",
    "openbci_blinks_jaw": "bci_input.evaluation._openbci_blinks_jaw",
    "eegbci": "bci_input.evaluation._eegbci",
}


def dataset_module(dataset: str) -> ModuleType:
    """Return the evaluation module of ``dataset`` (a :class:`ConfigError` lists the known datasets)."""
    check_option("dataset", dataset, list(DATASETS))
    try:
        return importlib.import_module(DATASETS[dataset])
    except ModuleNotFoundError as exc:
        if exc.name == DATASETS[dataset]:
            raise ConfigError(f"The evaluation of dataset {dataset!r} is not available in this version.") from exc
        raise


def dataset_methods(dataset: str) -> tuple[str, ...]:
    """Return the method names accepted for ``dataset``."""
    return tuple(dataset_module(dataset).METHODS)


def evaluate(
    dataset: str,
    split: str,
    method: str,
    window: float | None = None,
    data_dir: str | Path | None = None,
    **options: Any,
) -> dict[str, Any]:
    """Evaluate ``method`` on ``dataset``/``split`` and return a ``bci-input-evaluation/1`` result.

    Parameters
    ----------
    dataset : str
        One of :data:`DATASETS`.
    split : str
        ``'dev'`` or ``'eval'``.
    method : str
        A method of that dataset (see :func:`dataset_methods`), or ``'default'``: the one the app ships for
        the dataset's paradigm (the module's ``DEFAULT_METHOD``).
    window : float | None
        Decoding window, s (None: the dataset's default).
    data_dir : path-like | None
        The recordings folder.
    **options
        Dataset-specific options (e.g. ``classes=3`` for ssvep_exo); None values are ignored.

    Returns
    -------
    dict
        See :mod:`bci_input.evaluation._schema`.
    """
    module = dataset_module(dataset)
    methods = tuple(module.METHODS)
    if method == "default":  # what the app ships for this dataset's paradigm
        method = str(module.DEFAULT_METHOD)
    if method not in methods:
        raise ConfigError(
            f"Invalid method for dataset {dataset!r}: {method!r}. Allowed values are: default, {', '.join(methods)}."
        )
    given = {k: v for k, v in options.items() if v is not None}
    allowed = tuple(getattr(module, "OPTIONS", ()))
    unknown = sorted(set(given) - set(allowed))
    if unknown:
        raise ConfigError(
            f"Option(s) {', '.join(unknown)} do not apply to dataset {dataset!r}. "
            f"Allowed options are: {', '.join(allowed) or 'none'}."
        )
    # Small matrices: one BLAS thread is many times faster than several fighting over 2 cores.
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return module.evaluate(split, method, window, data_dir, **given)
