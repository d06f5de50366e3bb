"""The SSVEP methods of ``bci-input evaluate``, with the hyper-parameters fixed on the dev split."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .._errors import ConfigError

__all__ = ["SSVEP_METHODS", "make_ssvep_decoder", "TRAINING_FREE"]


def _factories() -> dict[str, Callable[[float, Sequence[float]], Any]]:
    from ..decoding._ssvep_cca import CCA, FBCCA
    from ..decoding._ssvep_fblr import CalibratedFBCCA
    from ..decoding._ssvep_riemann import RiemannSSVEP
    from ..decoding._ssvep_trca import TRCA, EnsembleTRCA

    return {
        "cca": lambda sf, fr: CCA(sfreq=sf, freqs=tuple(fr), n_harmonics=2),
        "fbcca": lambda sf, fr: FBCCA(sfreq=sf, freqs=tuple(fr)),
        "trca": lambda sf, fr: TRCA(sfreq=sf, freqs=tuple(fr), n_bands=1),
        "fbtrca": lambda sf, fr: TRCA(sfreq=sf, freqs=tuple(fr)),
        "etrca": lambda sf, fr: EnsembleTRCA(sfreq=sf, freqs=tuple(fr), n_bands=1),
        "fbetrca": lambda sf, fr: EnsembleTRCA(sfreq=sf, freqs=tuple(fr)),
        "riemann": lambda sf, fr: RiemannSSVEP(sfreq=sf, freqs=tuple(fr), n_harmonics=2),
        "riemann_mdm": lambda sf, fr: RiemannSSVEP(sfreq=sf, freqs=tuple(fr), n_harmonics=2, classifier="mdm"),
        "fbcca_lr": lambda sf, fr: CalibratedFBCCA(sfreq=sf, freqs=tuple(fr)),
    }


#: Method names accepted by the SSVEP evaluations, in table order (plain CCA is the reference).
SSVEP_METHODS: tuple[str, ...] = (
    "cca",
    "fbcca",
    "trca",
    "fbtrca",
    "etrca",
    "fbetrca",
    "riemann",
    "riemann_mdm",
    "fbcca_lr",
)

#: Methods that need no calibration data (their fit only calibrates the softmax and rest threshold).
TRAINING_FREE: frozenset[str] = frozenset({"cca", "fbcca"})


def make_ssvep_decoder(method: str, sfreq: float, freqs: Sequence[float], dataset: str = "ssvep") -> Any:
    """Return a new, unfitted decoder for ``method``.

    Parameters
    ----------
    method : str
        One of :data:`SSVEP_METHODS`.
    sfreq : float
        Sampling rate, Hz.
    freqs : sequence of float
        Stimulus frequencies, Hz.
    dataset : str
        Name used in the error message.

    Returns
    -------
    estimator
    """
    if method not in SSVEP_METHODS:
        raise ConfigError(
            f"Invalid method for dataset {dataset!r}: {method!r}. Allowed values are: {', '.join(SSVEP_METHODS)}."
        )
    return _factories()[method](float(sfreq), freqs)
