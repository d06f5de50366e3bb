"""Recorded participants: the engine sees real eval-split recordings instead of rendered signals.

P300: every flash the engine decodes is a real muse_p300 session-3 epoch (a target epoch when the flash holds the
attended item, a non-target epoch otherwise), and the decoder is trained on sessions 1 and 2. Scan: the EMG switch
sees real myo_emg eval EMG: rest and the six other gestures between presses, a slice of a real fist contraction for
every press; the multichannel pattern switch (:class:`~bci_input.decoding.EmgPatternSwitch`) is calibrated on the
participant's first session, as the app's calibration would record it, and the sessions played are its other two.
SSVEP cannot be driven by ssvep_exo (:data:`SSVEP_RECORDED_REASON`).

P300 timing: the engine flashes at the recording's own pace, the mean stimulus onset asynchrony of the dev runs'
markers (0.60 s; the oddball protocol drew it from 0.5-0.7 s), so flashes come closer than the 0.8 s epoch, as they
did when the epochs were recorded, and each recorded epoch already holds the responses to its real neighbouring
flashes at the real pace. The engine decodes by flash event, cutting ``epoch_s`` from each flash marker; its sample
buffer (:class:`FlashEpochBuffer`) hands it, for each flash, the whole real epoch served for that flash, although
the windows of neighbouring flashes overlap (the stream itself carries each epoch until the next flash overwrites
its tail). What is not real: whether a neighbour inside an epoch was a target follows the recording's sequence
(about 15 % targets), not the speller's flash order (the attended item is in 2 of 13 flashes of a 40-item grid).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._engine._buffer import SampleBuffer
from .._errors import ConfigError, check_option
from .._types import Chunk, Source, StreamInfo

__all__ = ["RecordedSetup", "RecordedP300Participant", "RecordedEmgParticipant", "recorded_setup",
           "SSVEP_RECORDED_REASON", "RECORDED_PARADIGMS", "FlashEpochBuffer"]

log = logging.getLogger(__name__)

RECORDED_PARADIGMS = ("p300", "scan")
#: Why ``--signals recorded`` refuses SSVEP.
SSVEP_RECORDED_REASON = (
    "--signals recorded supports p300 and scan only: ssvep_exo holds 3 flicker frequencies (13, 17, 21 Hz), "
    "which cannot drive the 40-target SSVEP speller (40 frequency-phase codes); use --signals rendered."
)


def _missing(data_dir: Path, folder: str) -> ConfigError:
    return ConfigError(f"No {folder} recordings in {data_dir / folder}: pass --data-dir DIR or set BCI_INPUT_DATA "
                       f"to the folder that holds {folder}/.")


class _RecordedSource(Source):
    """A headless source of zeros on which recorded segments are written at given samples."""

    def __init__(self, info: StreamInfo, seed: int, chunk_s: float, clock: Callable[[], float]) -> None:
        self.info = info
        self.sfreq = float(info.sfreq)
        self.rng = np.random.default_rng(seed)
        self.chunk = max(1, int(round(chunk_s * self.sfreq)))
        self.clock = clock
        self._n = 0
        self._markers: list[int] = []
        self._writes: list[tuple[int, NDArray[np.float64]]] = []
        self._attended: str | None = None
        self.eeg_picks: list[int] = []
        self.emg_picks: list[int] = []
        self.decoder_picks: list[int] = []

    @property
    def now(self) -> float:
        """Time of the next sample, s (source clock)."""
        return self._n / self.sfreq

    @property
    def attended(self) -> str | None:
        """The target id being attended (``None``: nothing)."""
        return self._attended

    def attend(self, target_id: str | None) -> None:
        """Look at the target ``target_id`` (or at nothing)."""
        self._attended = target_id

    def start(self) -> None:
        """Start streaming."""

    def stop(self) -> None:
        """Stop streaming."""

    def insert_marker(self, code: int) -> None:
        """Stamp ``code`` on the next sample."""
        self._markers.append(int(code))

    def _background(self, n: int) -> NDArray[np.float64]:
        return np.zeros((n, self.info.n_channels))

    def read(self, timeout: float = 0.1) -> Chunk | None:
        """Return the next chunk at once (faster than real time)."""
        n = self.chunk
        ts = (self._n + np.arange(n)) / self.sfreq
        markers = tuple((float(ts[0]), c) for c in self._markers)
        self._markers.clear()
        out = self._background(n)
        keep = []
        for start, w in self._writes:  # recorded segments replace the background where they lie
            a, b = max(start, self._n), min(start + len(w), self._n + n)
            if b > a:
                out[a - self._n : b - self._n] = w[a - start : b - start]
            if start + len(w) > self._n + n:
                keep.append((start, w))
        self._writes = keep
        self._n += n
        return Chunk(out.astype(np.float32), ts, markers)


class _Pool:
    """Draw items of a pool with a fixed seed, without reuse until every item has been drawn once."""

    def __init__(self, n: int, rng: np.random.Generator) -> None:
        self.n = n
        self.rng = rng
        self.order: list[int] = []
        self.n_drawn = 0

    def draw(self) -> int:
        if not self.order:
            self.order = [int(i) for i in self.rng.permutation(self.n)]
        self.n_drawn += 1
        return self.order.pop()


class FlashEpochBuffer(SampleBuffer):
    """The engine's sample buffer for the recorded P300 participant: a flash's window is its whole recorded epoch.

    The engine cuts each flash's epoch from the flash marker (:meth:`window`). When flashes come closer than an
    epoch, one stream cannot hold two overlapping recorded epochs, so the participant registers the epoch it
    served at each flash sample (:meth:`serve`) and a window starting there returns that epoch, once the stream
    has reached the window's end (no earlier than the engine could cut it). Other windows are the stream's.

    Parameters
    ----------
    n_channels : int
        Number of channels.
    sfreq : float
        Sampling rate, Hz.
    """

    def __init__(self, n_channels: int, sfreq: float) -> None:
        super().__init__(n_channels, sfreq)
        self.epochs: dict[int, NDArray[np.float32]] = {}

    def serve(self, sample: int, epoch: NDArray[np.floating]) -> None:
        """Register ``epoch`` (n_times, n_channels) as the recording of the flash at stream sample ``sample``."""
        self.epochs[int(sample)] = np.asarray(epoch, np.float32)
        for old in [k for k in self.epochs if k < sample - self.capacity]:
            del self.epochs[old]

    def window(self, t0: float, n_times: int) -> NDArray[np.float32] | None:
        """Return ``n_times`` samples from ``t0``: the flash's recorded epoch when a flash was served there."""
        win = super().window(t0, n_times)
        epoch = self.epochs.get(int(round(t0 * self.sfreq)))
        if win is None or epoch is None or len(epoch) < n_times:
            return win
        return epoch[:n_times]

    def reset(self) -> None:
        """Forget every sample and served epoch."""
        super().reset()
        self.epochs.clear()


class RecordedP300Participant(_RecordedSource):
    """A participant whose every flash epoch is a real recorded epoch (target or non-target).

    Each flash writes, from the flash's marker sample on, a target epoch when the flash holds the attended
    item and a non-target epoch otherwise, and registers it in :attr:`engine_buffer` (give it to the engine),
    so the engine decodes each flash's whole recorded epoch even when flashes are closer than an epoch. The
    epochs are already band-passed as the decoder's training epochs are, so the engine runs without the live
    filter chain.

    Parameters
    ----------
    targets, nontargets : ndarray, shape (n_epochs, n_times, n_channels)
        Recorded epochs, µV.
    sfreq : float
        Sampling rate, Hz.
    ch_names : tuple of str
        Channel names.
    seed : int
        Seed of the draws.
    chunk_s : float
        Seconds per chunk.
    """

    def __init__(self, targets: NDArray[np.floating], nontargets: NDArray[np.floating], sfreq: float,
                 ch_names: tuple[str, ...], *, seed: int = 0, chunk_s: float = 0.125,
                 clock: Callable[[], float] = time.monotonic) -> None:
        info = StreamInfo(ch_names, ("eeg",) * len(ch_names), float(sfreq), "recorded P300 participant (muse_p300)")
        super().__init__(info, seed, chunk_s, clock)
        self.targets = np.asarray(targets, float)
        self.nontargets = np.asarray(nontargets, float)
        self.eeg_picks = list(range(len(ch_names)))
        self.decoder_picks = list(self.eeg_picks)
        self.pools = {True: _Pool(len(self.targets), self.rng), False: _Pool(len(self.nontargets), self.rng)}
        self._last_end = 0
        self.n_overlaps = 0
        #: The engine's sample buffer: each flash's window is the epoch served for it.
        self.engine_buffer = FlashEpochBuffer(len(ch_names), float(sfreq))

    def press(self, kind: str = "clench", switch: int = 0, delay_s: float = 0.0) -> None:
        """Refuse a press: the recorded P300 participant has no switch."""
        raise ConfigError("The recorded P300 participant has no EMG switch.")

    def on_stimulus(self, event: dict[str, Any]) -> None:
        """Write a recorded epoch from the flash's marker sample on."""
        if event.get("type") != "flash":
            return
        is_target = self._attended is not None and self._attended in event.get("targets", ())
        pool = self.targets if is_target else self.nontargets
        epoch = pool[self.pools[is_target].draw()]
        if self._n < self._last_end:
            self.n_overlaps += 1
        self._last_end = self._n + len(epoch)
        self._writes.append((self._n, epoch))
        self.engine_buffer.serve(self._n, epoch)

    def served(self) -> dict[str, int]:
        """Return the recorded epochs served so far (targets, non-targets) and the flashes closer than an epoch."""
        return {"target_epochs_served": self.pools[True].n_drawn,
                "nontarget_epochs_served": self.pools[False].n_drawn, "overlapping_flashes": self.n_overlaps}


class RecordedEmgParticipant(_RecordedSource):
    """A switch user whose forearm EMG is real: other gestures and rest between presses, a fist for each press.

    Parameters
    ----------
    background : ndarray, shape (n_times, 8)
        Recorded EMG of rest and non-fist gestures, streamed in a loop.
    fists : list of ndarray, shape (n_times, 8)
        Recorded fist contractions; each burst of a press is a slice of one.
    sfreq : float
        Sampling rate, Hz.
    seed : int
        Seed of the draws.
    """

    def __init__(self, background: NDArray[np.floating], fists: list[NDArray[np.floating]], sfreq: float, *,
                 seed: int = 0, chunk_s: float = 0.125, clock: Callable[[], float] = time.monotonic) -> None:
        names = tuple(f"EMG{i + 1}" for i in range(background.shape[1]))
        info = StreamInfo(names, ("emg",) * len(names), float(sfreq), "recorded EMG participant (myo_emg)")
        super().__init__(info, seed, chunk_s, clock)
        self.background = np.asarray(background, float)
        self.fists = [np.asarray(f, float) for f in fists]
        self.emg_picks = list(range(len(names)))
        self.pool = _Pool(len(self.fists), self.rng)
        self._bg_pos = 0
        self.n_presses = 0

    def _background(self, n: int) -> NDArray[np.float64]:
        idx = (self._bg_pos + np.arange(n)) % len(self.background)
        self._bg_pos = int((self._bg_pos + n) % len(self.background))
        return self.background[idx].copy()

    def on_stimulus(self, event: dict[str, Any]) -> None:
        """Ignore stimuli: scanning shows highlights only."""

    def served(self) -> dict[str, int]:
        """Return the presses made and the recorded fist slices served so far."""
        return {"presses": self.n_presses, "fist_slices_served": self.pool.n_drawn}

    def press(self, kind: str = "clench", switch: int = 0, delay_s: float = 0.0) -> None:
        """Contract the fist after ``delay_s``: each burst is a slice of a recorded fist contraction.

        Parameters
        ----------
        kind : str
            ``'clench'`` (0.3 s), ``'double_clench'`` (two 0.25 s bursts) or ``'long_clench'`` (1.3 s).
        switch : int
            Ignored: the armband is one switch.
        delay_s : float
            Reaction time before the burst starts.
        """
        check_option("press kind", kind, ("clench", "double_clench", "long_clench"))
        start = self._n + int(round(delay_s * self.sfreq))
        parts = {"clench": [(0.0, 0.3)], "double_clench": [(0.0, 0.25), (0.6, 0.25)], "long_clench": [(0.0, 1.3)]}[kind]
        for off, dur in parts:
            n = int(round(dur * self.sfreq))
            fist = self.fists[self.pool.draw()]
            a = int(self.rng.integers(0, max(1, len(fist) - n)))
            self._writes.append((start + int(round(off * self.sfreq)), fist[a : a + n]))
        self.n_presses += 1


@dataclass
class RecordedSetup:
    """What a recorded closed-loop run needs: the participant, its decoder or switches, and the engine timing."""

    participant: Any
    decoder: Any = None
    switches: list[Any] = field(default_factory=list)
    processors: list[Any] = field(default_factory=list)
    config: Any = None
    idle: Any = None
    description: dict[str, Any] = field(default_factory=dict)
    #: The engine's sample buffer, when the participant serves windows itself (P300: one epoch per flash).
    buffer: Any = None


def recorded_setup(paradigm: str, data_dir: str | Path, *, seed: int = 0, config: Any = None) -> RecordedSetup:
    """Train on dev and build the recorded participant of eval for ``paradigm`` (``'p300'`` or ``'scan'``).

    Parameters
    ----------
    paradigm : str
        ``'p300'`` or ``'scan'`` (SSVEP raises :class:`~bci_input.ConfigError`, see :data:`SSVEP_RECORDED_REASON`).
    data_dir : path-like
        The recordings folder.
    seed : int
        Seed of the epoch and segment draws.
    config : EngineConfig | None
        Engine timing to start from (P300: ``soa_s`` becomes the recording's mean stimulus onset asynchrony).

    Returns
    -------
    RecordedSetup
    """
    if paradigm == "ssvep":
        raise ConfigError(SSVEP_RECORDED_REASON)
    check_option("paradigm", paradigm, RECORDED_PARADIGMS)
    root = Path(data_dir)
    if paradigm == "p300":
        return _p300_setup(root, seed, config)
    return _scan_setup(root, seed, config)


def _p300_setup(root: Path, seed: int, config: Any) -> RecordedSetup:
    import dataclasses

    from ..datasets import MUSE_EEG_CHANNELS, MUSE_SFREQ, load_muse_p300_epochs, muse_p300_soa
    from ..decoding import P300Decoder, fit_p300_idle
    from ..engine import EngineConfig

    for split in ("session1", "session2", "session3"):
        if not any((root / "muse_p300" / split).glob("*.csv")):
            raise _missing(root, "muse_p300")
    cfg = config or EngineConfig()
    chunk_s = 0.125
    Xd, yd, _, _ = load_muse_p300_epochs(root, "dev", tmax=cfg.epoch_s)
    Xe, ye, _, _ = load_muse_p300_epochs(root, "eval", tmax=cfg.epoch_s)
    # Flash at the recording's own pace (measured on dev): each real epoch holds its neighbours at that pace.
    soa = round(float(np.mean(muse_p300_soa(root, "dev"))), 3)
    cfg = dataclasses.replace(cfg, soa_s=soa)
    dec = P300Decoder(sfreq=MUSE_SFREQ).fit(Xd.astype(np.float64), yd)
    # No-control null model: scores of dev non-target flashes (the nearest recorded stand-in for looking away).
    idle = fit_p300_idle(np.ravel(dec.decision_function(Xd[yd == 0].astype(np.float64))))
    part = RecordedP300Participant(Xe[ye == 1], Xe[ye == 0], MUSE_SFREQ, MUSE_EEG_CHANNELS, seed=seed,
                                   chunk_s=chunk_s)
    desc = {"dataset": "muse_p300", "train": "session1+session2 (dev)", "play": "session3 (eval)",
            "decoder": dec.method, "train_epochs": int(len(yd)), "eval_target_epochs": int((ye == 1).sum()),
            "eval_nontarget_epochs": int((ye == 0).sum()), "soa_s": soa, "soa_from": "mean of the dev markers",
            "epoch_s": cfg.epoch_s}
    log.info("recorded P300: %s", desc)
    return RecordedSetup(part, dec, [], [], cfg, idle, desc, buffer=part.engine_buffer)


#: The eval participant whose EMG drives recorded scanning (the first of ``MYO_SPLITS['eval']``).
SCAN_PARTICIPANT = "54321"


def _myo_segments(root: Path, split: str, participant: str, sessions: tuple[int, ...]) -> tuple[
        list[NDArray[np.float32]], list[NDArray[np.float32]], list[NDArray[np.float32]]]:
    """Return the rest, other-gesture and fist episodes of a participant's sessions (the fist's release dropped)."""
    from ..datasets import myo_sessions, myo_switch_segments

    chosen = [s for s in myo_sessions(root, split) if s.participant == participant and s.session in sessions]
    rest, fist, other = myo_switch_segments(chosen)
    return rest, other, fist


def _scan_setup(root: Path, seed: int, config: Any, participant: str = SCAN_PARTICIPANT) -> RecordedSetup:
    """Calibrate the pattern switch on an eval participant's session 1, play its sessions 2 and 3."""
    from ..datasets import MYO_SFREQ, MYO_SPLITS
    from ..decoding import EmgPatternSwitch
    from ..engine import EngineConfig

    check_option("participant", participant, MYO_SPLITS["eval"])
    if not all(any((root / "myo_emg").glob(f"{participant}-{k}")) for k in (1, 2, 3)):
        raise _missing(root, "myo_emg")
    settle = int(round(0.5 * MYO_SFREQ))  # the first half second of an episode is the movement itself
    # What the app's calibration records: rest, press (fist) and other-movement blocks of the first session.
    rest_c, other_c, fist_c = _myo_segments(root, "eval", participant, (1,))
    switch = EmgPatternSwitch(sfreq=MYO_SFREQ).calibrate(rest_c, fist_c, other_c)
    rest_e, other_e, fist_e = _myo_segments(root, "eval", participant, (2, 3))
    rng = np.random.default_rng(seed + 31)
    background = [(rest_e + other_e)[i] for i in rng.permutation(len(rest_e) + len(other_e))]
    fists = [f[settle : len(f) - settle] for f in fist_e if len(f) > 3 * settle]
    part = RecordedEmgParticipant(np.concatenate(background), fists, MYO_SFREQ, seed=seed)
    desc = {"dataset": "myo_emg", "participant": participant, "switch": "EmgPatternSwitch",
            "calibrated_on": f"{participant} session 1: rest, fist and other-gesture episodes",
            "play": f"{participant} sessions 2-3", "eval_rest_episodes": len(rest_e),
            "eval_other_episodes": len(other_e), "eval_fist_episodes": len(fists)}
    return RecordedSetup(part, None, [switch], [], config or EngineConfig(), None, desc)
