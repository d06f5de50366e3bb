"""The no-control state: a null model of the decoder's evidence, fitted on rest, and its operating point.

A person who reads, rests or looks away must type nothing. The engine never forces a selection at a
time limit; on top of the posterior threshold it asks an :class:`IdleDetector` whether the evidence is
stronger than what looking at nothing produces.

Two questions are answered apart (:func:`decide`). *Which target*: the posterior, the language-model prior
times the evidence, must reach the stopping threshold. *Is anyone attending*: the leading target's own
log-likelihood ratio against looking at nothing, ``LLR_i``, without the prior, must reach ``operating_point``
nats. Before, the second question used ``log sum_i prior_i exp(LLR_i)``: a confident prior lent a likely
letter its evidence at rest, so the operating point had to be high and every selection paid for it.

- **SSVEP**: each class score of a window (the decoder's ``decision_function``, or its log-probabilities)
  is Gaussian: at rest every class follows the rest Gaussian; when target ``i`` is attended its own score
  follows the target Gaussian. ``LLR_i = log N(s_i; target) - log N(s_i; rest)``. Calibration fits both
  Gaussians per window length, from rest windows and from cued windows. A trial's windows grow from one
  onset, so only the newest window counts (the shorter ones are inside it); trials that end undecided pass
  their last window's ``LLR_i`` on to the next trial, summed and floored at 0 (a CUSUM per target).
- **P300**: the rest flash scores get a Gaussian of their own. ``LLR_i`` is candidate ``i``'s usual flash
  log-likelihood plus, for every flash, ``log N(s; non-target) - log N(s; rest)``.

An *engaged* state keeps the bar at ``engaged_point`` for ``engaged_s`` seconds after a selection (the person
is probably still writing) and at ``operating_point`` after a quiet spell: SSVEP ships 8 nats for 8 s after
a selection and 12 nats otherwise, P300 7 nats throughout (BENCHMARKS.md "No-control state").
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._checks import check_number
from .._errors import ConfigError, ProfileError, check_option

__all__ = ["IdleDetector", "fit_ssvep_idle", "fit_p300_idle", "ssvep_scores", "decide",
           "IDLE_KINDS", "DEFAULT_OPERATING_POINT", "DEFAULT_ENGAGED", "RULE"]

#: Paradigms with an idle detector.
IDLE_KINDS = ("ssvep", "p300")

#: Default operating points: nats of the leading target's own evidence against looking at nothing (chosen
#: on the simulated participant, see BENCHMARKS.md "No-control state").
DEFAULT_OPERATING_POINT = {"ssvep": 12.0, "p300": 7.0}

#: Default engaged state: (seconds after a selection, the bar meanwhile in nats); (0, 0) is none.
DEFAULT_ENGAGED: dict[str, tuple[float, float]] = {"ssvep": (8.0, 8.0), "p300": (0.0, 0.0)}

#: The statistic an operating point applies to, stored with the detector. Profiles without it hold an
#: operating point on the prior-weighted Bayes factor: they load with today's default instead.
RULE = "target-llr"


def ssvep_scores(decoder: Any, X: NDArray[np.floating]) -> NDArray[np.float64]:
    """Return the class scores the SSVEP idle detector models: ``decision_function``, else log-probabilities.

    Parameters
    ----------
    decoder : estimator
        A fitted SSVEP decoder.
    X : ndarray, shape (n_windows, n_times, n_channels)
        Windows.

    Returns
    -------
    ndarray, shape (n_windows, n_classes)
    """
    if hasattr(decoder, "decision_function"):
        return np.asarray(decoder.decision_function(X), float)
    return np.log(np.clip(np.asarray(decoder.predict_proba(X), float), 1e-12, None))


def decide(llr: ArrayLike, prior: ArrayLike | None, threshold: float, bar: float
           ) -> tuple[int | None, NDArray[np.float64], float]:
    """Return the engine's choice from each target's evidence against looking at nothing.

    Two questions, answered apart. *Which target*: the posterior of the targets, the language-model prior
    times ``exp(llr)``, must reach ``threshold``. *Is anyone attending*: the leading target's own log-likelihood
    ratio against looking at nothing, without the prior, must reach ``bar`` nats. A confident prior can make a
    likely letter win the first question at rest; it lends nothing to the second.

    Parameters
    ----------
    llr : array-like, shape (n_targets,)
        Each target's log-likelihood ratio of "this target is attended" against "nothing is" (evidence carried
        over from earlier undecided trials included).
    prior : array-like, shape (n_targets,) | None
        The language-model prior over the targets; ``None`` is uniform.
    threshold : float
        Posterior probability a selection needs.
    bar : float
        Nats of the leading target's own evidence a selection needs (the operating point).

    Returns
    -------
    decided : int | None
        The selected target, or ``None`` (keep looking).
    posterior : ndarray, shape (n_targets,)
    evidence : float
        The leading target's log-likelihood ratio against looking at nothing, nats.
    """
    x = np.asarray(llr, float)
    if prior is None:
        lp = np.zeros(x.shape)
    else:
        with np.errstate(divide="ignore"):
            lp = np.log(np.asarray(prior, float)[: len(x)])
    z = lp + x
    z = z - np.max(z)
    post = np.exp(z)
    post /= post.sum()
    lead = int(np.argmax(post))
    ev = float(x[lead])
    return (lead if post[lead] >= threshold and ev >= bar else None), post, ev


def _log_normal(s: float, mean: float, std: float) -> float:
    return float(-np.log(std) - 0.5 * ((s - mean) / std) ** 2)


@dataclass(frozen=True)
class IdleDetector:
    """A fitted null model of looking at nothing, and the operating point a selection must pass.

    Parameters
    ----------
    kind : str
        ``'ssvep'`` or ``'p300'``.
    operating_point : float
        Nats of the leading target's own log-likelihood ratio against "nothing is attended" a selection
        needs. Higher means fewer false selections and slower selections.
    lengths_s : tuple of float
        SSVEP: the window lengths the rest statistics were measured at, s (ascending).
    mean, std : tuple of float
        SSVEP: mean and standard deviation of a class score at rest, at each length; P300: one value each,
        the Gaussian of rest flash scores.
    target_mean, target_std : tuple of float
        SSVEP: mean and standard deviation of the attended class's score, at each length.
    n_rest : int
        Rest windows (SSVEP) or rest flashes (P300) the model was fitted on.
    engaged_s : float
        Seconds after a selection during which ``engaged_point`` is the bar (0: no engaged state).
    engaged_point : float
        The bar while engaged, nats.
    """

    kind: str
    operating_point: float
    lengths_s: tuple[float, ...] = ()
    mean: tuple[float, ...] = ()
    std: tuple[float, ...] = ()
    n_rest: int = 0
    target_mean: tuple[float, ...] = ()
    target_std: tuple[float, ...] = ()
    engaged_s: float = 0.0
    engaged_point: float = 0.0

    def __post_init__(self) -> None:
        check_option("kind", self.kind, IDLE_KINDS)
        for name in ("operating_point", "engaged_point"):
            check_number(name, getattr(self, name), low=-50.0, high=50.0, where="the idle detector",
                         error=ConfigError)
        check_number("engaged_s", self.engaged_s, low=0.0, high=600.0, where="the idle detector", error=ConfigError)
        if len(self.mean) != len(self.std) or not self.mean:
            raise ConfigError("The idle detector needs one mean and one standard deviation per length.")
        if self.kind == "ssvep" and not (len(self.lengths_s) == len(self.mean) == len(self.target_mean)
                                         == len(self.target_std)):
            raise ConfigError("The SSVEP idle detector needs a rest and a target mean and standard deviation per "
                              "window length.")
        if self.kind == "p300" and len(self.mean) != 1:
            raise ConfigError("The P300 idle detector holds one rest-score mean and standard deviation.")
        for v in (*self.mean, *self.lengths_s, *self.target_mean):
            check_number("idle detector value", v, low=-1e6, high=1e6, where="the idle detector", error=ConfigError)
        for v in (*self.std, *self.target_std):
            check_number("idle detector std", v, low=0.0, high=1e6, low_inclusive=False, where="the idle detector",
                         error=ConfigError)

    def with_operating_point(self, operating_point: float, engaged_s: float | None = None,
                             engaged_point: float | None = None) -> IdleDetector:
        """Return a copy with another operating point (and engaged state, if given)."""
        return replace(self, operating_point=float(operating_point),
                       engaged_s=self.engaged_s if engaged_s is None else float(engaged_s),
                       engaged_point=self.engaged_point if engaged_point is None else float(engaged_point))

    def bar(self, since_selection_s: float) -> float:
        """Return the nats a selection needs, ``since_selection_s`` seconds after the last selection."""
        return self.engaged_point if since_selection_s <= self.engaged_s else self.operating_point

    # ------------------------------------------------------------------ SSVEP
    def ssvep_llr(self, scores: ArrayLike, length_s: float) -> NDArray[np.float64]:
        """Return each class's log-likelihood ratio against looking at nothing, for one window.

        Parameters
        ----------
        scores : array-like, shape (n_classes,)
            The window's class scores (:func:`ssvep_scores`).
        length_s : float
            The window's length, s; the Gaussians of the longest fitted length not above it are used.
        """
        k = int(np.searchsorted(np.asarray(self.lengths_s), length_s + 1e-6, side="right")) - 1
        k = min(max(k, 0), len(self.lengths_s) - 1)
        s = np.asarray(scores, float)
        mr, sr, mt, st = self.mean[k], self.std[k], self.target_mean[k], self.target_std[k]
        return np.log(sr / st) - 0.5 * ((s - mt) / st) ** 2 + 0.5 * ((s - mr) / sr) ** 2

    def ssvep_decide(self, scores: ArrayLike, length_s: float, prior: ArrayLike | None, threshold: float, *,
                     carry: ArrayLike | None = None, since_selection_s: float = np.inf
                     ) -> tuple[int | None, NDArray[np.float64], float, NDArray[np.float64]]:
        """Return the engine's SSVEP decision on one window (the rule of :func:`decide`).

        Parameters
        ----------
        scores : array-like, shape (n_classes,)
            The window's class scores (:func:`ssvep_scores`); the first ``n_targets`` are the layout's targets.
        length_s : float
            The window's length, s.
        prior : array-like, shape (n_targets,) | None
            The language-model prior over the layout's targets (``None``: uniform over all classes).
        threshold : float
            Posterior probability a selection needs.
        carry : array-like, shape (n_targets,) | None
            Evidence carried over from earlier undecided trials (see the module docstring).
        since_selection_s : float
            Seconds since the last selection (the engaged state); default: long ago.

        Returns
        -------
        decided : int | None
        posterior : ndarray, shape (n_targets,)
        evidence : float
            The leading target's own log-likelihood ratio against looking at nothing, nats.
        llr : ndarray, shape (n_targets,)
            This window's log-likelihood ratios (without the carry): what an undecided trial carries on.
        """
        s = np.asarray(scores, float)
        if prior is not None:
            s = s[: len(np.asarray(prior))]
        llr = self.ssvep_llr(s, length_s)
        total = llr if carry is None else llr + np.asarray(carry, float)
        decided, post, ev = decide(total, prior, threshold, self.bar(since_selection_s))
        return decided, post, ev, llr

    # ------------------------------------------------------------------- P300
    def p300_null_term(self, score: float, nontarget_mean: float, nontarget_std: float) -> float:
        """Return ``log N(s; non-target) - log N(s; rest)`` for one flash score.

        Add it, for every flash, to each candidate's flash log-likelihood to get its log-likelihood
        ratio against "nothing is attended".
        """
        return _log_normal(score, nontarget_mean, nontarget_std) - _log_normal(score, self.mean[0], self.std[0])


    # ------------------------------------------------------------ persistence
    def to_dict(self) -> dict[str, Any]:
        """Return the detector as plain JSON types (stored in the profile's ``profile.json``)."""
        return {"kind": self.kind, "operating_point": float(self.operating_point),
                "lengths_s": [float(v) for v in self.lengths_s], "mean": [float(v) for v in self.mean],
                "std": [float(v) for v in self.std], "n_rest": int(self.n_rest),
                "target_mean": [float(v) for v in self.target_mean], "target_std": [float(v) for v in self.target_std],
                "rule": RULE, "engaged_s": float(self.engaged_s), "engaged_point": float(self.engaged_point)}

    @classmethod
    def from_dict(cls, d: Any, where: str = "the profile") -> IdleDetector:
        """Build a detector from :meth:`to_dict` output, checking every value once.

        A detector stored before :data:`RULE` (its operating point was on the prior-weighted Bayes factor)
        gets today's :data:`DEFAULT_OPERATING_POINT` and :data:`DEFAULT_ENGAGED` of its paradigm.

        Raises
        ------
        ProfileError
            If a field is missing, of the wrong type, not finite or out of bounds.
        """
        try:
            if not isinstance(d, dict):
                raise ConfigError("it is not an object")
            lists = {k: d.get(k, []) for k in ("lengths_s", "mean", "std", "target_mean", "target_std")}
            if not all(isinstance(v, list) and len(v) <= 1000 for v in lists.values()):
                raise ConfigError("lengths_s, mean, std, target_mean and target_std must be lists of at most 1000 "
                                  "numbers")
            n_rest = check_number("n_rest", d.get("n_rest", 0), low=0, high=1e9, integer=True, error=ConfigError)
            kind, op = str(d.get("kind")), d.get("operating_point")
            engaged = (d.get("engaged_s", 0.0), d.get("engaged_point", 0.0))
            if d.get("rule") is None:  # the old statistic's operating point means nothing here
                op = DEFAULT_OPERATING_POINT.get(kind, op)
                engaged = DEFAULT_ENGAGED.get(kind, engaged)
            elif d.get("rule") != RULE:
                raise ConfigError(f"its rule {d.get('rule')!r} is unknown (this version knows {RULE!r})")
            return cls(kind, op,  # type: ignore[arg-type]
                       tuple(lists["lengths_s"]), tuple(lists["mean"]), tuple(lists["std"]), int(n_rest),
                       tuple(lists["target_mean"]), tuple(lists["target_std"]), *engaged)
        except ConfigError as exc:
            raise ProfileError(f"The idle detector in {where} is invalid: {exc}. Recalibrate to fit a new one."
                               ) from None


def fit_ssvep_idle(decoder: Any, rest: NDArray[np.floating], cued: NDArray[np.floating], labels: ArrayLike,
                   sfreq: float, lengths_s: ArrayLike, *, operating_point: float = DEFAULT_OPERATING_POINT["ssvep"],
                   hop_s: float = 0.25) -> IdleDetector:
    """Fit the SSVEP idle detector on a rest recording and on cued trials.

    Parameters
    ----------
    decoder : estimator
        The fitted SSVEP decoder (``decision_function`` or ``predict_proba`` on windows
        (n_windows, n_times, n_channels)); its class ``k`` is column ``k``.
    rest : ndarray, shape (n_times, n_channels)
        Filtered rest signal (looking away, reading, resting), the decoder's channels, µV.
    cued : ndarray, shape (n_trials, n_times, n_channels)
        Filtered cued trials from the window start (stimulus onset plus latency), at least the longest length.
        Trials the decoder was not fitted on give an unbiased target Gaussian.
    labels : array-like of int, shape (n_trials,)
        Column of the attended class of each cued trial.
    sfreq : float
        Sampling rate, Hz.
    lengths_s : array-like of float
        The window lengths the engine decides on, s.
    operating_point : float
        Nats of evidence against looking at nothing a selection needs.
    hop_s : float
        Step between successive rest windows, s.

    Returns
    -------
    IdleDetector
    """
    x = np.asarray(rest, np.float64)
    c = np.asarray(cued, np.float64)
    y = np.asarray(labels, int)
    if c.ndim != 3 or len(c) != len(y) or len(y) < 5:
        raise ConfigError(f"The idle detector needs at least 5 cued trials with one label each, got {len(y)}.")
    lengths = sorted(float(v) for v in np.atleast_1d(np.asarray(lengths_s, float)))
    hop = max(1, int(round(hop_s * sfreq)))
    stats: list[tuple[float, float, float, float]] = []
    n_min = 0
    for length in lengths:
        n = int(round(length * sfreq))
        starts = range(0, x.shape[0] - n + 1, hop)
        if len(starts) < 10:
            raise ConfigError(f"The rest recording ({x.shape[0] / sfreq:.1f} s) is too short to fit the idle "
                              f"detector at {length:g} s windows: at least {(n + 9 * hop) / sfreq:.1f} s are needed.")
        if c.shape[1] < n:
            raise ConfigError(f"The cued trials ({c.shape[1] / sfreq:.2f} s) are shorter than the {length:g} s window.")
        rest_scores = ssvep_scores(decoder, np.stack([x[s : s + n] for s in starts]))
        att = ssvep_scores(decoder, c[:, :n])[np.arange(len(y)), y]
        stats.append((float(rest_scores.mean()), max(float(rest_scores.std()), 1e-6),
                      float(att.mean()), max(float(att.std(ddof=1)), 1e-6)))
        n_min = len(starts) if not n_min else min(n_min, len(starts))
    mr, sr, mt, st = (tuple(v) for v in zip(*stats, strict=True))
    es, ep = DEFAULT_ENGAGED["ssvep"]
    return IdleDetector("ssvep", float(operating_point), tuple(lengths), mr, sr, n_min, mt, st, es, ep)


def fit_p300_idle(rest_scores: ArrayLike, *, operating_point: float = DEFAULT_OPERATING_POINT["p300"]
                  ) -> IdleDetector:
    """Fit the P300 idle detector on the decoder's scores of flashes seen while looking away.

    Parameters
    ----------
    rest_scores : array-like, shape (n_flashes,)
        ``decision_function`` of epochs after flashes the person did not attend to (rest blocks).
    operating_point : float
        Nats of evidence against "nothing is attended" a candidate must reach.

    Returns
    -------
    IdleDetector
    """
    s = np.asarray(rest_scores, float).ravel()
    if s.size < 10 or not np.all(np.isfinite(s)):
        raise ConfigError(f"The idle detector needs at least 10 finite rest flash scores, got {s.size}.")
    es, ep = DEFAULT_ENGAGED["p300"]
    return IdleDetector("p300", float(operating_point), (), (float(s.mean()),), (max(float(s.std(ddof=1)), 1e-6),),
                        int(s.size), engaged_s=es, engaged_point=ep)
