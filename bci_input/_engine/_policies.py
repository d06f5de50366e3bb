"""Paradigm policies: what is presented, how evidence updates beliefs, when to commit."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from .._types import Intent, IntentKind, Modality
from ..decoding._idle import decide, ssvep_scores
from ..speller._fusion import make_stopping
from ._host import PolicyHost

if TYPE_CHECKING:
    from ..speller import Layout

__all__ = ["SsvepPolicy", "P300Policy", "ScanPolicy", "MARKER_SSVEP", "MARKER_FLASH", "MARKER_HIGHLIGHT"]

log = logging.getLogger(__name__)

#: Marker codes: SSVEP trial onset, P300 flash of group k (``MARKER_FLASH + k``), scan highlight of group k.
MARKER_SSVEP = 1
MARKER_FLASH = 10
MARKER_HIGHLIGHT = 100


class _Policy:
    modality = Modality.SIMULATED

    def __init__(self, engine: PolicyHost) -> None:
        self.e = engine
        self.cfg = engine.config
        self.layout: Layout | None = None
        self.next_at = -np.inf  # earliest time for the next trial
        self.waiting_since: float | None = None
        self.last_selection = -np.inf  # when the last selection was made (the idle detector's engaged state)

    def bar(self, t: float) -> float:
        """Return the nats of evidence against looking at nothing a selection needs at ``t``."""
        assert self.e.idle is not None
        return float(self.e.idle.bar(t - self.last_selection))

    def set_layout(self, layout: Layout, t: float) -> None:
        same = self.layout is not None and [x.id for x in self.layout.targets] == [x.id for x in layout.targets]
        self.layout = layout
        if self.waiting_since is not None:
            self.waiting_since = None
            self.abort(t)
        elif not same:
            self.abort(t)

    def abort(self, t: float) -> None:
        """Stop the current trial (targets changed)."""

    def on_marker(self, t: float, code: int) -> None:
        """Note a stimulus marker seen in the data."""

    def tick(self, t: float) -> None:
        """Advance the schedule and decode what is due, at source time ``t``."""

    def decided(self, t: float) -> None:
        self.waiting_since = t

    def waiting(self, t: float) -> None:
        """End a trial without enough evidence: select nothing, report waiting, start again."""
        self.e.n_idle_restarts += 1
        self.e.report_status({"state": "waiting", "t": t})

    def ready(self, t: float) -> bool:
        if self.layout is None or self.e.paused:
            return False
        if self.waiting_since is not None:
            if t - self.waiting_since < self.cfg.await_layout_s:
                return False
            self.waiting_since = None
            self.next_at = t
        return t >= self.next_at

    def emit(self, target_index: int, post: NDArray[np.float64], onset: float, t: float, **extra: Any) -> None:
        assert self.layout is not None
        tgt = self.layout.targets[target_index]
        intent = Intent(
            IntentKind.SELECT, tgt.id, float(post[target_index]), onset, t, self.modality,
            extra={"posterior": post, "revision": self.layout.revision, **extra},
        )
        self.decided(t)
        self.last_selection = t
        self.next_at = t + self.cfg.gaze_s
        self.e.emit_intent(intent)


class SsvepPolicy(_Policy):
    """All targets flicker; a growing stimulus-locked window is decoded every ``step_s``."""

    modality = Modality.SSVEP

    def __init__(self, engine: PolicyHost) -> None:
        super().__init__(engine)
        self.onset: float | None = None
        self.marker_sent = False
        self.k = 0
        self._decoders: dict[tuple[float, ...], Any] = {}
        #: Idle detector on: each target's evidence carried over from trials that ended undecided, as a
        #: CUSUM (summed log-likelihood ratios against looking at nothing, floored at 0), so a person who
        #: keeps looking at a target is selected on the next trial while rest never builds up evidence.
        self.carry: NDArray[np.float64] | None = None

    def abort(self, t: float) -> None:
        self.carry = None
        if self.onset is not None or self.marker_sent:
            self.e.emit_stimulus({"type": "ssvep_off", "t": t})
        self.onset = None
        self.marker_sent = False
        self.next_at = max(self.next_at, t + self.cfg.gaze_s)

    def on_marker(self, t: float, code: int) -> None:
        if code == MARKER_SSVEP and self.marker_sent and self.onset is None:
            self.onset = t
            self.k = 0

    def _decoder(self, layout: Layout) -> Any:
        dec = self.e.decoder
        if dec is not None and hasattr(dec, "predict_proba"):
            return dec
        key = tuple(layout.freqs) + tuple(layout.phases)
        if key not in self._decoders:
            if dec is not None:
                self._decoders[key] = dec(layout)
            else:
                from ..decoding import FBCCA

                freqs = [f if np.isfinite(f) else 8.0 for f in layout.freqs]
                self._decoders[key] = FBCCA(
                    sfreq=self.e.sfreq, freqs=freqs, phases=layout.phases
                ).fit_targets(len(self.e.eeg_picks))
        return self._decoders[key]

    def tick(self, t: float) -> None:
        lay = self.layout
        if lay is None or lay.n_targets == 0:
            return
        if not self.marker_sent:
            if self.ready(t):
                self.e.insert_marker(MARKER_SSVEP)
                self.marker_sent = True
                self.e.emit_stimulus({"type": "ssvep_on", "t": t, "layout": lay})
            return
        if self.onset is None:
            return
        cfg = self.cfg
        start = self.onset + cfg.latency_s
        while True:
            length = cfg.min_window_s + self.k * cfg.step_s
            if start + length > self.e.buffer.t_end + 1e-9:
                return
            n = int(round(length * self.e.sfreq))
            win = self.e.buffer.window(start, n)
            if win is None:
                return
            self.k += 1
            t0 = time.perf_counter()
            dec, x = self._decoder(lay), win[None, :, self.e.eeg_picks]
            idle = self.e.idle
            scores = None
            if idle is not None:
                scores = ssvep_scores(dec, x)
                proba = np.asarray(dec.proba_from_scores(scores, n)[0] if hasattr(dec, "proba_from_scores")
                                   else dec.predict_proba(x)[0], float)
            else:
                proba = np.asarray(dec.predict_proba(x)[0], float)
            self.e.decoder_latency = time.perf_counter() - t0
            p = proba[: lay.n_targets] if proba.shape[0] >= lay.n_targets else np.resize(proba, lay.n_targets)
            p = np.clip(p / p.sum(), 1e-12, None)
            stop = make_stopping(lay.n_targets, cfg.stopping_threshold, None, lay.prior)
            post = stop.update(np.log(p))
            decided = stop.decided
            t_dec = start + length
            status: dict[str, Any] = {"state": "ssvep", "window_s": length, "best": float(post.max()), "t": t_dec}
            llr = None
            if idle is not None and scores is not None:
                if self.carry is None or self.carry.shape != (lay.n_targets,):
                    self.carry = np.zeros(lay.n_targets)
                # which target: the posterior of the carried and current evidence with the prior; is anyone
                # attending: the leading target's own evidence, without the prior
                decided, post, ev, llr = idle.ssvep_decide(scores[0][: lay.n_targets], length, lay.prior,
                                                           cfg.stopping_threshold, carry=self.carry,
                                                           since_selection_s=t_dec - self.last_selection)
                status["idle_evidence"] = ev
                status["best"] = float(post.max())
            self.e.report_status(status)
            if decided is None and length + 1e-9 >= cfg.max_window_s:
                if not cfg.forced_decision:
                    if llr is not None and self.carry is not None:
                        self.carry = np.maximum(self.carry + llr, 0.0)
                    self.e.emit_stimulus({"type": "ssvep_off", "t": t_dec})
                    self.onset = None
                    self.marker_sent = False
                    self.next_at = t_dec
                    self.waiting(t_dec)
                    return
                decided = int(np.argmax(post))
            if decided is not None:
                self.e.emit_stimulus({"type": "ssvep_off", "t": t_dec})
                self.onset = None
                self.marker_sent = False
                self.carry = None
                self.emit(decided, post, start, t_dec, window_s=length, n_steps=self.k)
                return


def _nontarget_stats(stats: Any) -> tuple[float, float]:
    from ..decoding._erp import _stats_from

    m0, s0, _, _ = _stats_from(stats)
    return float(m0), float(s0)


def _flash_loglik(score: float, group: tuple[int, ...], n: int, stats: Any) -> NDArray[np.float64]:
    from ..decoding import flash_log_likelihoods

    return np.asarray(flash_log_likelihoods([score], [group], n, stats), float)


class P300Policy(_Policy):
    """Groups flash in random order; each flash's epoch score updates the posterior."""

    modality = Modality.P300

    def __init__(self, engine: PolicyHost) -> None:
        super().__init__(engine)
        self.rng = np.random.default_rng(engine.seed)
        self.order: list[int] = []
        self.next_flash = -np.inf
        self.pending: list[tuple[int, float]] = []  # (group, marker time) awaiting its epoch
        self.sent: list[int] = []
        self.loglik: NDArray[np.float64] | None = None
        self.n_flashes = 0
        self.null_ll = 0.0  # sum over flashes of log N(s; non-target) - log N(s; rest)
        #: Evidence carried over from trials that ended undecided: per candidate, its log-likelihood ratio
        #: against looking at nothing, summed and floored at 0 (a CUSUM), so a person who keeps attending a
        #: target is selected in a later trial while rest never builds up evidence.
        self.carry: NDArray[np.float64] | None = None
        self.onset = 0.0
        self.active = False

    def abort(self, t: float) -> None:
        self.active = False
        self.carry = None
        self.pending.clear()
        self.sent.clear()
        self.next_at = max(self.next_at, t + self.cfg.gaze_s)

    def on_marker(self, t: float, code: int) -> None:
        if MARKER_FLASH <= code < MARKER_HIGHLIGHT and self.sent:
            g = self.sent.pop(0)
            self.pending.append((g, t))

    def tick(self, t: float) -> None:
        lay = self.layout
        if lay is None or lay.n_targets == 0 or not lay.groups:
            return
        groups = lay.groups
        if not self.active:
            if not self.ready(t):
                return
            self.active = True
            carry = self.carry if self.carry is not None and self.carry.shape == (lay.n_targets,) else None
            self.loglik = np.zeros(lay.n_targets) if carry is None else carry.copy()
            self.n_flashes = 0
            self.null_ll = 0.0
            self.order = []
            self.next_flash = t
            self.onset = t
        n_groups = len(groups)
        if t >= self.next_flash and self.n_flashes + len(self.pending) + len(self.sent) < (
            self.cfg.max_repetitions * n_groups
        ):
            if not self.order:
                self.order = list(self.rng.permutation(n_groups))
            g = int(self.order.pop(0))
            self.e.insert_marker(MARKER_FLASH + g)
            self.sent.append(g)
            ids = [lay.targets[i].id for i in groups[g]]
            self.e.emit_stimulus({"type": "flash", "t": t, "group": g, "targets": ids})
            self.next_flash = max(self.next_flash + self.cfg.soa_s, t)
        n_ep = int(round(self.cfg.epoch_s * self.e.sfreq))
        while self.pending:
            g, tm = self.pending[0]
            win = self.e.buffer.window(float(tm), n_ep)
            if win is None:
                return
            self.pending.pop(0)
            t0 = time.perf_counter()  # the decision work of this flash: its score, the likelihoods, the rule
            score = float(np.ravel(self.e.decoder.decision_function(win[None, :, self.e.eeg_picks]))[0])
            ll = _flash_loglik(score, groups[g], lay.n_targets, self.e.p300_stats or self.e.decoder)
            assert self.loglik is not None
            self.loglik += ll
            self.n_flashes += 1
            stats = self.e.p300_stats or self.e.decoder
            idle = self.e.idle
            if idle is not None:
                m0, s0 = _nontarget_stats(stats)
                self.null_ll += idle.p300_null_term(score, m0, s0)
            stop = make_stopping(lay.n_targets, self.cfg.stopping_threshold, None, lay.prior)
            post = stop.update(self.loglik)
            reps = self.n_flashes / n_groups
            decided = stop.decided if reps >= self.cfg.min_repetitions else None
            t_dec = float(tm) + self.cfg.epoch_s
            status: dict[str, Any] = {"state": "p300", "flashes": self.n_flashes, "best": float(post.max()),
                                      "t": t_dec}
            if idle is not None:  # the same posterior (null_ll is common to all), and the leading candidate's
                # own evidence against looking at nothing
                chosen, post, ev = decide(self.loglik + self.null_ll, lay.prior, self.cfg.stopping_threshold,
                                          self.bar(t_dec))
                status["idle_evidence"] = ev
                status["best"] = float(post.max())
                decided = chosen if reps >= self.cfg.min_repetitions else None
            self.e.decoder_latency = time.perf_counter() - t0
            self.e.report_status(status)
            if decided is None and self.n_flashes >= self.cfg.max_repetitions * n_groups:
                if not self.cfg.forced_decision:
                    assert self.loglik is not None
                    self.carry = np.maximum(self.loglik + self.null_ll, 0.0)
                    self.active = False
                    self.pending.clear()
                    self.sent.clear()
                    self.next_at = t_dec
                    self.waiting(t_dec)
                    return
                decided = int(np.argmax(post))
            if decided is not None:
                self.active = False
                self.carry = None
                self.pending.clear()
                self.sent.clear()
                self.emit(decided, post, self.onset, t_dec, n_flashes=self.n_flashes)
                return


class ScanPolicy(_Policy):
    """Groups are highlighted in turn; a switch selects the highlighted group (EMG or blink)."""

    modality = Modality.EMG

    def __init__(self, engine: PolicyHost) -> None:
        super().__init__(engine)
        self.index = -1
        self.changes: list[tuple[float, int]] = []  # (time, index) of highlight changes
        self.next_step = -np.inf
        self.steps = 0

    def abort(self, t: float) -> None:
        self.index = -1
        self.changes.clear()
        self.steps = 0
        self.next_at = max(self.next_at, t + self.cfg.gaze_s)

    def on_marker(self, t: float, code: int) -> None:
        pass

    def _highlight(self, t: float, index: int) -> None:
        assert self.layout is not None and self.layout.groups is not None
        self.index = index
        self.changes.append((t, index))
        self.changes = self.changes[-16:]
        self.steps += 1
        g = self.layout.groups[index]
        self.e.insert_marker(MARKER_HIGHLIGHT + index)
        self.e.emit_stimulus(
            {"type": "highlight", "t": t, "index": index, "targets": [self.layout.targets[i].id for i in g]}
        )

    def tick(self, t: float) -> None:
        lay = self.layout
        if lay is None or not lay.groups:
            return
        n = len(lay.groups)
        if self.index < 0:
            if self.ready(t):
                self._highlight(t, 0)
                self.next_step = t + self.cfg.scan_step_s
            return
        if self.cfg.switch_preset == "one-switch" and t >= self.next_step:
            if self.steps >= self.cfg.max_scan_cycles * n and lay.extra.get("sub_level", False):
                self.e.emit_intent(Intent(IntentKind.CANCEL, None, 1.0, t, t, Modality.EMG))
                self.decided(t)
                return
            self._highlight(self.next_step, (self.index + 1) % n)
            self.next_step += self.cfg.scan_step_s

    def index_at(self, t: float) -> int:
        idx = self.index
        for tc, i in self.changes:
            if tc <= t + 1e-9:
                idx = i
        return idx

    def on_switch(self, which: int, onset: float, t: float) -> None:
        lay = self.layout
        if lay is None or not lay.groups or self.index < 0:
            return
        if self.cfg.switch_preset == "two-switch" and which == 0:
            self._highlight(t, (self.index + 1) % len(lay.groups))
            return
        idx = self.index_at(onset) if self.cfg.switch_preset == "one-switch" else self.index
        if idx < 0:
            return
        ids = tuple(lay.targets[i].id for i in lay.groups[idx])
        post = np.zeros(lay.n_targets)
        post[list(lay.groups[idx])] = 1.0 / len(lay.groups[idx])
        intent = Intent(IntentKind.SELECT, ids if len(ids) > 1 else ids[0], 1.0, onset, t, Modality.EMG,
                        extra={"group": idx, "revision": lay.revision})
        self.index = -1
        self.changes.clear()
        self.steps = 0
        self.decided(t)
        self.next_at = t + 0.3
        self.e.emit_stimulus({"type": "highlight_off", "t": t})
        self.e.emit_intent(intent)
