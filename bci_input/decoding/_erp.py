"""ERP / P300 decoding: xDAWN spatial filtering with shrinkage LDA or Riemannian tangent space.

:class:`P300Decoder` classifies single flashes (target vs non-target) and gives per-flash
scores; :func:`flash_log_likelihoods` combines the scores of successive flashes into
per-candidate log-likelihoods, using a Gaussian model of the scores fitted on calibration
data, ready for :class:`~bci_input.decoding.DynamicStopping`.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import linalg
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

from .._errors import ConfigError, check_option
from ._persist import register_decoder
from ._window_checks import validate_windows, validate_windows_fit

__all__ = ["P300Decoder", "flash_log_likelihoods", "xdawn_filters"]

log = logging.getLogger(__name__)

_METHODS = ("xdawncov_ts_lr", "xdawn_lda", "xdawn_ts", "lda")


def xdawn_filters(
    X: NDArray[np.float64], target: NDArray[np.bool_], n_filters: int, reg: float = 1e-3
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Return xDAWN spatial filters that maximise the target ERP's signal-to-signal-plus-noise ratio.

    Solves the generalized eigenproblem ``C_evoked w = lambda C_all w`` (Rivet et al. 2009).

    Parameters
    ----------
    X : ndarray, shape (n_epochs, n_times, n_channels)
        Epochs.
    target : ndarray of bool, shape (n_epochs,)
        Which epochs are target flashes.
    n_filters : int
        Number of filters to keep (at most n_channels).
    reg : float
        Ridge added to the data covariance, as a fraction of its mean eigenvalue.

    Returns
    -------
    filters : ndarray, shape (n_channels, n_filters)
        Spatial filters, best first.
    evoked : ndarray, shape (n_times, n_channels)
        The average target response.
    """
    n_ch = X.shape[2]
    k = int(min(max(1, n_filters), n_ch))
    evoked = X[target].mean(axis=0)
    c_sig = evoked.T @ evoked / len(evoked)
    flat = (X - X.mean(axis=1, keepdims=True)).reshape(-1, n_ch)
    c_all = flat.T @ flat / len(flat)
    c_all += (reg * np.trace(c_all) / n_ch + 1e-12) * np.eye(n_ch)
    c_sig += 1e-12 * np.eye(n_ch)
    _, vecs = linalg.eigh(c_sig, c_all)
    return vecs[:, ::-1][:, :k], evoked


def _decimate(X: NDArray[np.float64], block: int) -> NDArray[np.float64]:
    """Average consecutive blocks of ``block`` samples along axis 1 (the tail is dropped)."""
    if block <= 1:
        return X
    n_bins = max(1, X.shape[1] // block)
    use = min(X.shape[1], n_bins * block)
    return X[:, :use].reshape(X.shape[0], n_bins, -1, X.shape[2]).mean(axis=2)


@register_decoder
class P300Decoder(ClassifierMixin, BaseEstimator):
    """Single-flash target vs non-target classifier for ERP spellers.

    Pipeline: xDAWN spatial filters fitted on the target class, block-averaging down to
    about ``decim_hz``, then either shrinkage LDA on the flattened filtered epoch
    (``"xdawn_lda"``), or xDAWN super-trial covariances mapped to the Riemannian tangent
    space at their geometric mean and classified by shrinkage LDA (``"xdawn_ts"``), or pyRiemann's
    ``XdawnCovariances`` (xDAWN filters of both classes, prototype super-trials, sample covariances
    shrunk by 0.01 % towards their trace) + ``TangentSpace`` + logistic regression with ``C = 0.1``
    (``"xdawncov_ts_lr"``, the default: it leads on muse_p300 dev and eval, see BENCHMARKS.md).
    ``"lda"`` skips xDAWN (the plain vectorised baseline).

    The positive ("target") class is ``classes_[1]`` (the larger label, e.g. 1 of {0, 1}).

    Parameters
    ----------
    sfreq : float
        Sampling rate of the epochs, Hz.
    method : {"xdawncov_ts_lr", "xdawn_lda", "xdawn_ts", "lda"}
        Classifier pipeline.
    n_filters : int
        Number of xDAWN filters (``"xdawncov_ts_lr"`` uses 2 per class, chosen on dev, or 1 with fewer
        than 4 channels, so the super-trial covariances stay full rank).
    decim_hz : float | None
        Target rate after block averaging; None keeps every sample.
    shrinkage : float | "auto"
        LDA covariance shrinkage (``"auto"`` is Ledoit-Wolf).
    n_folds : int
        Folds of the internal cross-validation that fits the Gaussian model of the scores
        used by :func:`flash_log_likelihoods`.
    random_state : int
        Seed of that cross-validation's shuffle.

    Attributes
    ----------
    classes_ : ndarray, shape (2,)
        The labels, non-target first.
    filters_ : ndarray, shape (n_channels, n_filters)
        xDAWN filters (identity for ``"lda"``).
    score_stats_ : ndarray, shape (4,)
        Cross-validated decision scores: non-target mean, non-target std, target mean, target std.
    """

    def __init__(
        self,
        sfreq: float = 256.0,
        method: str = "xdawncov_ts_lr",
        n_filters: int = 4,
        decim_hz: float | None = 32.0,
        shrinkage: float | str = "auto",
        n_folds: int = 5,
        random_state: int = 0,
    ) -> None:
        self.sfreq = sfreq
        self.method = method
        self.n_filters = n_filters
        self.decim_hz = decim_hz
        self.shrinkage = shrinkage
        self.n_folds = n_folds
        self.random_state = random_state

    def _block(self) -> int:
        if self.decim_hz is None:
            return 1
        return max(1, int(round(float(self.sfreq) / float(self.decim_hz))))

    def _fit_core(self, X: NDArray[np.float64], target: NDArray[np.bool_]) -> dict[str, Any]:
        n_ch = X.shape[2]
        if self.method == "xdawncov_ts_lr":
            from pyriemann.estimation import Shrinkage, XdawnCovariances
            from pyriemann.tangentspace import TangentSpace
            from sklearn.linear_model import LogisticRegression
            from sklearn.pipeline import make_pipeline

            nf = max(1, min(2, n_ch // 2))  # 2 per class, chosen on muse_p300 dev (4 was worse there)
            pipe = make_pipeline(XdawnCovariances(nfilter=nf, estimator="scm"), Shrinkage(shrinkage=1e-4),
                                 TangentSpace(metric="riemann"), LogisticRegression(C=0.1, max_iter=1000))
            with warnings.catch_warnings():
                # The tangent point is the iterative Riemannian mean; on epochs without structure it may stop
                # before its tolerance, which leaves a valid (if less central) reference point.
                warnings.filterwarnings("ignore", message="Convergence not reached", category=UserWarning)
                pipe.fit(self._features(X, {}), target.astype(int))
            return {"filters": np.eye(n_ch), "proto": np.zeros((X.shape[1], n_ch)), "lda": pipe}
        if self.method == "lda":
            filters, evoked = np.eye(n_ch), X[target].mean(axis=0)
        else:
            filters, evoked = xdawn_filters(X, target, self.n_filters)
        state: dict[str, Any] = {"filters": filters, "proto": evoked @ filters}
        feats = self._features(X, state, fitting=True)
        lda = LinearDiscriminantAnalysis(solver="lsqr", shrinkage=self.shrinkage)
        lda.fit(feats, target.astype(int))
        state["lda"] = lda
        return state

    def _features(self, X: NDArray[np.float64], state: dict[str, Any], fitting: bool = False) -> NDArray[np.float64]:
        if self.method == "xdawncov_ts_lr":  # pyRiemann's layout: (n_epochs, n_channels, n_times)
            return np.ascontiguousarray(np.transpose(np.asarray(X, np.float64), (0, 2, 1)))
        Xf = np.einsum("ntc,ck->ntk", X, state["filters"])
        if self.method != "xdawn_ts":
            return _decimate(Xf, self._block()).reshape(len(X), -1)
        from pyriemann.geometry.mean import mean_riemann
        from pyriemann.geometry.tangentspace import tangent_space

        proto = np.broadcast_to(state["proto"], Xf.shape)
        st = np.concatenate([proto, Xf], axis=2)  # super-trials (n, t, 2k)
        st = st - st.mean(axis=1, keepdims=True)
        covs = np.einsum("nti,ntj->nij", st, st) / max(1, st.shape[1] - 1)
        dim = covs.shape[1]
        tr = np.trace(covs, axis1=1, axis2=2)[:, None, None] / dim
        covs = 0.95 * covs + 0.05 * tr * np.eye(dim) + 1e-9 * np.eye(dim)
        if fitting:
            state["ref"] = mean_riemann(covs)
        return tangent_space(covs, state["ref"])

    def fit(self, X: ArrayLike, y: ArrayLike) -> P300Decoder:
        """Fit the decoder and the Gaussian model of its cross-validated scores.

        Parameters
        ----------
        X : array-like, shape (n_epochs, n_times, n_channels)
            Flash-locked epochs in µV (band-passed, e.g. 1-20 Hz); 2-D means one channel.
        y : array-like, shape (n_epochs,)
            Two labels; the larger one is the target.

        Returns
        -------
        P300Decoder
            self
        """
        check_option("method", self.method, _METHODS)
        X, y = validate_windows_fit(self, X, y)
        if len(self.classes_) != 2:
            raise ValueError(
                f"Only binary classification is supported. P300Decoder separates target from non-target; "
                f"y has classes {list(self.classes_)}."
            )
        target = y == self.classes_[1]
        state = self._fit_core(X, target)
        self.filters_ = state["filters"]
        self.proto_ = state["proto"]
        self.ref_ = state.get("ref", np.zeros((0, 0)))
        self.lda_ = state["lda"]
        self.score_stats_ = self._cv_score_stats(X, target)
        return self

    def _state(self) -> dict[str, Any]:
        return {"filters": self.filters_, "proto": self.proto_, "ref": self.ref_, "lda": self.lda_}

    def _cv_score_stats(self, X: NDArray[np.float64], target: NDArray[np.bool_]) -> NDArray[np.float64]:
        from sklearn.model_selection import StratifiedKFold

        n_min = int(min(target.sum(), (~target).sum()))
        k = int(min(self.n_folds, n_min))
        scores = np.empty(len(X))
        if k >= 2:
            cv = StratifiedKFold(k, shuffle=True, random_state=self.random_state)
            for tr, te in cv.split(X, target):
                st = self._fit_core(X[tr], target[tr])
                scores[te] = st["lda"].decision_function(self._features(X[te], st))
        else:  # too few epochs to cross-validate: in-sample scores (optimistic)
            scores = self.lda_.decision_function(self._features(X, self._state()))
        t, nt = scores[target], scores[~target]
        floor = 1e-3 * (float(np.std(scores)) + 1e-12)
        return np.array([nt.mean(), max(nt.std(), floor), t.mean(), max(t.std(), floor)])

    def decision_function(self, X: ArrayLike) -> NDArray[np.float64]:
        """Return one score per flash; larger means more target-like.

        Parameters
        ----------
        X : array-like, shape (n_epochs, n_times, n_channels)
            Flash-locked epochs.

        Returns
        -------
        ndarray, shape (n_epochs,)
            LDA decision values (log-odds under the LDA model).
        """
        X = validate_windows(self, X)
        return self.lda_.decision_function(self._features(X, self._state()))

    def predict_proba(self, X: ArrayLike) -> NDArray[np.float64]:
        """Return P(non-target) and P(target) per flash.

        Parameters
        ----------
        X : array-like, shape (n_epochs, n_times, n_channels)
            Flash-locked epochs.

        Returns
        -------
        ndarray, shape (n_epochs, 2)
            Rows sum to 1; columns follow ``classes_``.
        """
        X = validate_windows(self, X)
        return self.lda_.predict_proba(self._features(X, self._state()))

    def predict(self, X: ArrayLike) -> NDArray[Any]:
        """Return the predicted label per flash.

        Parameters
        ----------
        X : array-like, shape (n_epochs, n_times, n_channels)
            Flash-locked epochs.

        Returns
        -------
        ndarray, shape (n_epochs,)
            Labels from ``classes_``.
        """
        scores = self.decision_function(X)
        return self.classes_[(scores > 0).astype(int)]

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.classifier_tags.multi_class = False
        return tags


def _stats_from(decoder_stats: Any) -> tuple[float, float, float, float]:
    if hasattr(decoder_stats, "score_stats_"):
        s = np.asarray(decoder_stats.score_stats_, float)
    elif isinstance(decoder_stats, Mapping):
        keys = ("nontarget_mean", "nontarget_std", "target_mean", "target_std")
        missing = [k for k in keys if k not in decoder_stats]
        if missing:
            raise ConfigError(f"decoder_stats lacks {', '.join(missing)}; needs {', '.join(keys)}.")
        s = np.array([decoder_stats[k] for k in keys], float)
    else:
        s = np.asarray(decoder_stats, float)
    if s.shape != (4,) or not np.all(np.isfinite(s)) or s[1] <= 0 or s[3] <= 0:
        raise ConfigError(
            "decoder_stats must be a fitted P300Decoder, a mapping with nontarget/target mean/std, or "
            "(nontarget_mean, nontarget_std, target_mean, target_std) with positive stds."
        )
    return float(s[0]), float(s[1]), float(s[2]), float(s[3])


def flash_log_likelihoods(
    scores: ArrayLike,
    flash_groups: ArrayLike | Sequence[Iterable[int]],
    n_candidates: int,
    decoder_stats: Any,
) -> NDArray[np.float64]:
    """Combine per-flash scores into per-candidate log-likelihoods.

    Under the hypothesis "candidate c is the attended one", a flash containing c is a target
    flash and every other flash a non-target one. With Gaussian class-conditional score
    densities the log-likelihood, up to a constant shared by all candidates, is
    ``sum over flashes f containing c of log N(s_f; target) - log N(s_f; non-target)``.

    Parameters
    ----------
    scores : array-like, shape (n_flashes,)
        :meth:`P300Decoder.decision_function` of each flash (any number of repetitions).
    flash_groups : array-like of bool, shape (n_flashes, n_candidates), or sequence of iterables of int
        Which candidates each flash highlighted (a row/column of a matrix speller, a single item, ...).
    n_candidates : int
        Number of candidates.
    decoder_stats : P300Decoder | mapping | array-like of 4 floats
        The score model: a fitted decoder (its ``score_stats_``), a mapping with keys
        ``nontarget_mean, nontarget_std, target_mean, target_std``, or those four numbers.

    Returns
    -------
    ndarray, shape (n_candidates,)
        Log-likelihood of each candidate (relative; a candidate never flashed gets 0).
    """
    s = np.asarray(scores, dtype=float).ravel()
    n = int(n_candidates)
    if n < 1:
        raise ConfigError(f"n_candidates must be positive, got {n_candidates!r}.")
    groups = flash_groups
    if isinstance(groups, np.ndarray) and groups.dtype == bool:
        member = groups
    else:
        member = np.zeros((len(s), n), dtype=bool)
        seq: list[Any] = list(groups)  # type: ignore[arg-type]
        if len(seq) != len(s):
            raise ConfigError(f"flash_groups has {len(seq)} entries for {len(s)} scores.")
        for i, g in enumerate(seq):
            idx = np.atleast_1d(np.asarray(list(g) if not np.isscalar(g) else [g], dtype=int))
            if idx.size and (idx.min() < 0 or idx.max() >= n):
                raise ConfigError(f"flash {i} highlights candidate indices {idx.tolist()} outside 0..{n - 1}.")
            member[i, idx] = True
    if member.shape != (len(s), n):
        raise ConfigError(f"flash_groups must have shape ({len(s)}, {n}), got {member.shape}.")
    m0, s0, m1, s1 = _stats_from(decoder_stats)
    llr = (np.log(s0 / s1) - 0.5 * ((s - m1) / s1) ** 2 + 0.5 * ((s - m0) / s0) ** 2)  # (n_flashes,)
    return member.T.astype(float) @ llr
