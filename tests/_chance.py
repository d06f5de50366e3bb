"""Bounds that a decoder at chance fails: the smallest count of correct trials a binomial null rejects."""

from __future__ import annotations

from scipy.stats import binom

__all__ = ["min_correct", "chance_p"]


def min_correct(n: int, p_chance: float, alpha: float = 0.01) -> int:
    """Return the smallest number of correct trials out of ``n`` that chance reaches with probability < ``alpha``.

    Parameters
    ----------
    n : int
        Trials actually scored.
    p_chance : float
        Probability of a correct trial by guessing (1 / number of classes).
    alpha : float
        Significance level.
    """
    for k in range(n + 1):
        if binom.sf(k - 1, n, p_chance) < alpha:
            return k
    raise AssertionError(f"{n} trials cannot beat chance {p_chance:.3f} at p < {alpha}: the test needs more trials")


def chance_p(k: int, n: int, p_chance: float) -> float:
    """Return the probability that guessing gets at least ``k`` of ``n`` trials right."""
    return float(binom.sf(k - 1, n, p_chance))
