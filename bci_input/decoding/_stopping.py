"""Dynamic stopping: accumulate evidence until the posterior passes a threshold.

Each step (a window of SSVEP, a round of P300 flashes, ...) contributes a
log-likelihood per class. :class:`DynamicStopping` multiplies the prior by the
likelihoods in log space, normalises, and declares a decision as soon as one class
reaches ``threshold`` or ``max_steps`` steps have been seen.
:func:`sweep_stopping_threshold` replays recorded per-step log-likelihoods offline to
trade accuracy against decision time.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._errors import ConfigError

__all__ = ["DynamicStopping", "sweep_stopping_threshold", "StoppingResult"]

log = logging.getLogger(__name__)


def _log_prior(prior: ArrayLike | None, n_classes: int) -> NDArray[np.float64]:
    if prior is None:
        return np.full(n_classes, -np.log(n_classes))
    p = np.asarray(prior, dtype=float)
    if p.shape != (n_classes,):
        raise ConfigError(f"prior must have shape ({n_classes},), got {p.shape}.")
    if not np.all(np.isfinite(p)) or np.any(p < 0) or p.sum() <= 0:
        raise ConfigError("prior must hold finite, non-negative probabilities with a positive sum.")
    with np.errstate(divide="ignore"):
        lp = np.log(p / p.sum())
    return lp


def _normalise_log(lp: NDArray[np.float64]) -> NDArray[np.float64]:
    m = np.max(lp)
    if not np.isfinite(m):
        raise ConfigError("Every class has zero probability: the prior and the evidence contradict each other.")
    return lp - (m + np.log(np.sum(np.exp(lp - m))))


class DynamicStopping:
    """Bayesian evidence accumulation with a posterior threshold and a step limit.

    The posterior after ``k`` steps is ``normalise(prior * prod_i exp(loglik_i))``,
    computed in log space so that long runs of confident evidence cannot underflow.

    Parameters
    ----------
    n_classes : int
        Number of candidates (targets), at least 2.
    threshold : float
        Posterior probability in (0, 1] at which the best class is decided.
    max_steps : int | None
        Decide the best class after this many steps even below the threshold.
        None means no limit.
    prior : array-like, shape (n_classes,) | None
        Prior probabilities (for example the language model's); normalised. None is uniform.

    Attributes
    ----------
    log_posterior : ndarray, shape (n_classes,)
        The current normalised log posterior.
    n_steps : int
        Number of :meth:`update` calls since the last reset.
    """

    def __init__(
        self,
        n_classes: int,
        threshold: float = 0.9,
        max_steps: int | None = None,
        prior: ArrayLike | None = None,
    ) -> None:
        if int(n_classes) != n_classes or n_classes < 2:
            raise ConfigError(f"n_classes must be an integer >= 2, got {n_classes!r}.")
        if not 0.0 < float(threshold) <= 1.0:
            raise ConfigError(f"threshold must be in (0, 1], got {threshold!r}.")
        if max_steps is not None and (int(max_steps) != max_steps or max_steps < 1):
            raise ConfigError(f"max_steps must be a positive integer or None, got {max_steps!r}.")
        self.n_classes = int(n_classes)
        self.threshold = float(threshold)
        self.max_steps = None if max_steps is None else int(max_steps)
        self._prior = prior
        self.reset(prior)

    def reset(self, prior: ArrayLike | None = None) -> None:
        """Forget the evidence and start again from ``prior``.

        Parameters
        ----------
        prior : array-like, shape (n_classes,) | None
            The new prior; None means uniform.
        """
        self.log_posterior = _normalise_log(_log_prior(prior, self.n_classes))
        self.n_steps = 0

    @property
    def posterior(self) -> NDArray[np.float64]:
        """ndarray, shape (n_classes,): the current posterior probabilities (sum to 1)."""
        return np.exp(self.log_posterior)

    def update(self, log_likelihood: ArrayLike) -> NDArray[np.float64]:
        """Add one step of evidence.

        Parameters
        ----------
        log_likelihood : array-like, shape (n_classes,)
            Log-likelihood of the step's data under each class (any additive constant is fine;
            ``-inf`` rules a class out). Log-probabilities from ``predict_proba`` work too.

        Returns
        -------
        ndarray, shape (n_classes,)
            The updated posterior.
        """
        ll = np.asarray(log_likelihood, dtype=float)
        if ll.shape != (self.n_classes,):
            raise ConfigError(f"log_likelihood must have shape ({self.n_classes},), got {ll.shape}.")
        if np.any(np.isnan(ll)) or np.any(ll == np.inf):
            raise ConfigError("log_likelihood must not contain NaN or +inf.")
        self.log_posterior = _normalise_log(self.log_posterior + ll)
        self.n_steps += 1
        return self.posterior

    @property
    def confidence(self) -> float:
        """float: the largest posterior probability."""
        return float(np.exp(np.max(self.log_posterior)))

    @property
    def decided(self) -> int | None:
        """Index of the decided class, or None while the evidence is still insufficient.

        A class is decided once its posterior reaches ``threshold``, or, after ``max_steps``
        steps, the best class is decided whatever its posterior. Before any step nothing is
        decided, even under a confident prior.
        """
        if self.n_steps == 0:
            return None
        best = int(np.argmax(self.log_posterior))
        if self.log_posterior[best] >= np.log(self.threshold) - 1e-12:
            return best
        if self.max_steps is not None and self.n_steps >= self.max_steps:
            return best
        return None


class StoppingResult(dict):  # type: ignore[type-arg]
    """One row of a threshold sweep (a plain ``dict`` with documented keys).

    Keys: ``threshold``, ``accuracy``, ``mean_steps``, ``mean_time_s``, ``itr_bits_per_min``,
    ``forced`` (fraction of trials decided by the step limit or the end of the data).
    """


def _wolpaw_bits(n_classes: int, p: float) -> float:
    """Return Wolpaw bits per decision (0 when accuracy is at or below chance)."""
    n = n_classes
    if p <= 1.0 / n:
        return 0.0
    bits = np.log2(n) + p * np.log2(p)
    if p < 1.0:
        bits += (1 - p) * np.log2((1 - p) / (n - 1))
    return float(bits)


def sweep_stopping_threshold(
    log_likelihoods: Sequence[ArrayLike],
    y_true: ArrayLike,
    thresholds: ArrayLike = (0.5, 0.7, 0.8, 0.9, 0.95, 0.99),
    *,
    step_s: float = 1.0,
    overhead_s: float = 0.0,
    max_steps: int | None = None,
    priors: Sequence[ArrayLike | None] | None = None,
) -> list[StoppingResult]:
    """Replay per-step evidence offline and report accuracy vs decision time per threshold.

    Parameters
    ----------
    log_likelihoods : sequence of array-like, each shape (n_steps_i, n_classes)
        For each trial, the log-likelihood of every step in time order.
    y_true : array-like of int, shape (n_trials,)
        The true class index of each trial.
    thresholds : array-like of float
        Posterior thresholds to try.
    step_s : float
        Duration of one step in seconds (a window hop, or one flash round).
    overhead_s : float
        Fixed time added to every decision (for example a 0.5 s gaze shift), used in the ITR.
    max_steps : int | None
        Step limit; when a trial's data run out first, its best class is taken there.
    priors : sequence of (array-like | None) | None
        Optional prior per trial.

    Returns
    -------
    list of StoppingResult
        One dict per threshold with keys ``threshold``, ``accuracy``, ``mean_steps``,
        ``mean_time_s`` (steps * step_s), ``itr_bits_per_min`` (Wolpaw, with ``overhead_s``)
        and ``forced``.
    """
    trials = [np.atleast_2d(np.asarray(t, dtype=float)) for t in log_likelihoods]
    y = np.asarray(y_true, dtype=int)
    if len(trials) == 0 or y.shape != (len(trials),):
        raise ConfigError(f"Need one true label per trial: {len(trials)} trials, labels of shape {y.shape}.")
    n_classes = trials[0].shape[1]
    if any(t.shape[1] != n_classes or t.shape[0] == 0 for t in trials):
        raise ConfigError("Every trial needs at least one step and the same number of classes.")
    if priors is not None and len(priors) != len(trials):
        raise ConfigError(f"priors has {len(priors)} entries for {len(trials)} trials.")
    rows: list[StoppingResult] = []
    for thr in np.atleast_1d(np.asarray(thresholds, dtype=float)):
        correct = steps = forced = 0
        for i, t in enumerate(trials):
            ds = DynamicStopping(n_classes, float(thr), max_steps, None if priors is None else priors[i])
            decision = None
            for step in t:
                ds.update(step)
                decision = ds.decided
                if decision is not None:
                    break
            if decision is None or ds.confidence < thr:
                forced += 1
                decision = int(np.argmax(ds.log_posterior))
            correct += int(decision == y[i])
            steps += ds.n_steps
        n = len(trials)
        acc = correct / n
        mean_steps = steps / n
        mean_time = mean_steps * step_s
        per_min = 60.0 / (mean_time + overhead_s) if mean_time + overhead_s > 0 else 0.0
        rows.append(
            StoppingResult(
                threshold=float(thr),
                accuracy=acc,
                mean_steps=mean_steps,
                mean_time_s=mean_time,
                itr_bits_per_min=_wolpaw_bits(n_classes, acc) * per_min,
                forced=forced / n,
            )
        )
    return rows
