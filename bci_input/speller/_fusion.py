"""Bayesian fusion of the language-model prior with decoder evidence, and scan-group planning."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._errors import ConfigError
from ..decoding import DynamicStopping

__all__ = ["fuse", "log_fuse", "make_stopping", "scan_groups", "expected_scan_steps"]


def log_fuse(log_prior: ArrayLike, log_likelihood: ArrayLike) -> NDArray[np.float64]:
    """Return the normalised posterior from log prior and log likelihood.

    Parameters
    ----------
    log_prior : array-like, shape (n_targets,)
        Log prior (``-inf`` allowed for impossible targets).
    log_likelihood : array-like, shape (n_targets,)
        Log likelihood of the evidence under each target.

    Returns
    -------
    ndarray, shape (n_targets,)
        ``exp(lp + ll) / sum(exp(lp + ll))``, computed stably in log space.
    """
    lp = np.asarray(log_prior, float)
    ll = np.asarray(log_likelihood, float)
    if lp.shape != ll.shape or lp.ndim != 1:
        raise ConfigError(f"Prior and likelihood must be 1-D of the same length, got {lp.shape} and {ll.shape}.")
    z = lp + ll
    m = np.max(z)
    if not np.isfinite(m):
        raise ConfigError("Prior and likelihood leave no target with positive probability.")
    p = np.exp(z - m)
    return p / p.sum()


def fuse(prior: ArrayLike, likelihood: ArrayLike) -> NDArray[np.float64]:
    """Return ``prior * likelihood`` normalised to sum to 1.

    Parameters
    ----------
    prior : array-like, shape (n_targets,)
        Language-model prior (non-negative).
    likelihood : array-like, shape (n_targets,)
        Decoder likelihood of the evidence under each target (non-negative).

    Returns
    -------
    ndarray, shape (n_targets,)
        The posterior.
    """
    with np.errstate(divide="ignore"):
        return log_fuse(np.log(np.asarray(prior, float)), np.log(np.asarray(likelihood, float)))


def make_stopping(
    n_classes: int, threshold: float, max_steps: int | None, prior: ArrayLike | None
) -> DynamicStopping:
    """Return a :class:`~bci_input.decoding.DynamicStopping` over ``n_classes`` targets starting from ``prior``."""
    return DynamicStopping(n_classes, threshold=threshold, max_steps=max_steps, prior=prior)


# --------------------------------------------------------------------------- scanning
class _Planner:
    """Scan plans of one prior over targets sorted most likely first.

    Every candidate group (equal rows, probability-halving groups, singletons then the rest) is a run of that
    order, and so is every group of a sub-level; a group is a ``(start, end)`` slice of it, and sub-level plans
    are memoised per (slice, depth).
    """

    def __init__(self, p: NDArray[np.float64], idx: Sequence[int], max_groups: int) -> None:
        self.order = sorted(idx, key=lambda i: (-p[i], i))
        self.p: list[float] = [float(p[i]) for i in self.order]
        self.max_groups = max_groups
        self.memo: dict[tuple[int, int, int], tuple[list[tuple[int, int]], float]] = {}

    def _equal(self, a: int, b: int) -> list[tuple[int, int]]:
        n = b - a
        k = min(self.max_groups, max(1, math.ceil(math.sqrt(n))))
        size = math.ceil(n / k)
        return [(s, min(s + size, b)) for s in range(a, b, size)]

    def _greedy(self, a: int, b: int, frac: float) -> list[tuple[int, int]]:
        groups: list[tuple[int, int]] = []
        s = a
        while s < b:
            if len(groups) == self.max_groups - 1:
                groups.append((s, b))
                break
            mass = sum(self.p[s:b])
            e, acc = s, 0.0
            while e < b and (e == s or acc < frac * mass):
                acc += self.p[e]
                e += 1
            groups.append((s, e))
            s = e
        return groups

    def cost(self, groups: list[tuple[int, int]], depth: int) -> float:
        p = self.p
        total = sum(p[groups[0][0] : groups[-1][1]]) or 1.0
        c = 0.0
        for pos, (s, e) in enumerate(groups):
            sub = self.plan(s, e, depth + 1)[1] if e - s > 1 else 0.0
            c += sum(p[s:e]) / total * (pos + 1 + sub)
        return c

    def plan(self, a: int, b: int, depth: int) -> tuple[list[tuple[int, int]], float]:
        """Return the cheapest grouping of the slice ``a:b`` and its expected number of scan steps."""
        if b - a <= 1:
            return [(a, b)], 1.0
        key = (a, b, depth)
        if key in self.memo:
            return self.memo[key]
        mg = self.max_groups
        options = [self._equal(a, b)]
        if depth == 0:
            options += [self._greedy(a, b, frac) for frac in (0.4, 0.5, 0.6)]
        elif depth < 3:
            options.append(self._greedy(a, b, 0.5))
        singles = [(a + j, a + j + 1) for j in range(min(mg - 1, b - a))]
        options.append(singles + ([(a + mg - 1, b)] if b - a >= mg else []))
        best, best_c = options[0], math.inf
        for g in options:
            if len(g) == 1:
                continue  # a single group containing everything is not progress
            c = self.cost(g, depth)
            if c < best_c - 1e-12:
                best, best_c = g, c
        self.memo[key] = (best, best_c)
        return best, best_c


def _plan(p: NDArray[np.float64], idx: Sequence[int], max_groups: int, depth: int) -> tuple[list[list[int]], float]:
    planner = _Planner(p, idx, max_groups)
    groups, cost = planner.plan(0, len(planner.order), depth)
    return [planner.order[s:e] for s, e in groups], cost


def expected_scan_steps(
    p: ArrayLike, idx: Sequence[int] | None = None, *, max_groups: int = 8, _depth: int = 0
) -> float:
    """Return the expected number of scan steps to reach a target drawn from ``p``.

    Parameters
    ----------
    p : array-like, shape (n_targets,)
        Probability of each target.
    idx : sequence of int | None
        The targets in play (default all).
    max_groups : int
        Most groups per scan level.

    Returns
    -------
    float
        Expected highlight steps (each selection level counts the highlights up to the chosen group).
    """
    pa = np.asarray(p, float)
    idx = list(range(len(pa))) if idx is None else list(idx)
    if len(idx) <= 1:
        return 1.0
    return _plan(pa, idx, max_groups, _depth)[1]


def scan_groups(prior: ArrayLike, idx: Sequence[int] | None = None, *, max_groups: int = 8) -> list[tuple[int, ...]]:
    """Choose the scan groups of one level, most likely first (Huffman-like).

    Likely targets come first and sit in small groups, so they take fewer steps.
    Candidate partitions (equal row-like groups, probability-halving groups,
    singletons first) are compared by their expected number of scan steps,
    computed recursively, and the cheapest is returned.

    Parameters
    ----------
    prior : array-like, shape (n_targets,)
        Probability of each target.
    idx : sequence of int | None
        The target indices to arrange (default all).
    max_groups : int
        Most groups in one level.

    Returns
    -------
    list of tuple of int
        The groups in scan order; together they hold every index of ``idx`` once.
    """
    p = np.asarray(prior, float)
    idx = list(range(len(p))) if idx is None else list(idx)
    if max_groups < 2:
        raise ConfigError(f"max_groups must be at least 2, got {max_groups}.")
    if not idx:
        return []
    groups, _ = _plan(p, idx, max_groups, 0)
    return [tuple(g) for g in groups]
