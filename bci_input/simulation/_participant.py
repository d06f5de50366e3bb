"""The simulated participant: a Source whose EEG/EMG respond to what it attends."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._errors import ConfigError, check_option
from .._types import Chunk, Source, StreamInfo
from ._signals import BackgroundEEG, blink_waveform, emg_burst, erp_template, ssvep_response

__all__ = [
    "SimulatedParticipant",
    "SubjectParams",
    "EEG_CHANNELS",
    "EMG_CHANNELS",
    "DEFAULT_SNR",
    "load_replay_trials",
    "REPLAY_CHANNELS",
]

log = logging.getLogger(__name__)

EEG_CHANNELS = ("Fp1", "Fz", "Cz", "Pz", "PO7", "PO3", "POz", "PO4", "PO8", "O1", "Oz", "O2")
EMG_CHANNELS = ("EMG1", "EMG2")
#: SSVEP fundamental amplitude on Oz relative to the background RMS, calibrated so that CCA on
#: simulated 2 s windows scores what it scores on ssvep_exo dev (see docs/speller.md): 0.746 against 0.743 over
#: 1200 trials of 40 simulated subjects (0.23, from 60 trials of 3 subjects, scores 0.701 there).
DEFAULT_SNR = 0.245
#: The default before that calibration (60 trials of 3 simulated subjects); earlier benchmark figures used it.
EARLIER_SNR = 0.23

_W = {
    "ssvep": dict(zip(EEG_CHANNELS, (0.0, 0.05, 0.1, 0.3, 0.5, 0.65, 0.8, 0.65, 0.5, 0.85, 1.0, 0.85), strict=True)),
    "p300": dict(zip(EEG_CHANNELS, (0.2, 0.5, 0.9, 1.0, 0.4, 0.6, 0.7, 0.6, 0.4, 0.4, 0.4, 0.4), strict=True)),
    "visual": dict(zip(EEG_CHANNELS, (0.0, 0.1, 0.2, 0.4, 0.7, 0.6, 0.7, 0.6, 0.7, 0.9, 1.0, 0.9), strict=True)),
    "blink": dict(zip(EEG_CHANNELS, (1.0, 0.4, 0.15, 0.05, 0, 0, 0, 0, 0, 0, 0, 0), strict=True)),
    "alpha": dict(zip(EEG_CHANNELS, (0.3, 0.3, 0.5, 0.8, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0), strict=True)),
}


@dataclass(frozen=True)
class SubjectParams:
    """A simulated subject's signature (drawn from the seed).

    Parameters
    ----------
    harmonic_amps : tuple of float
        SSVEP amplitude of each harmonic relative to the fundamental.
    harmonic_phases : tuple of float
        Extra phase of each harmonic, radians.
    latency : float
        SSVEP visual latency, s.
    p300_amp : float
        P300 amplitude, µV.
    p300_latency : float
        P300 peak latency, s.
    """

    harmonic_amps: tuple[float, ...]
    harmonic_phases: tuple[float, ...]
    latency: float
    p300_amp: float
    p300_latency: float

    @classmethod
    def draw(cls, rng: np.random.Generator) -> SubjectParams:
        """Draw a plausible subject."""
        amps = np.array([1.0, 0.55, 0.3]) * np.exp(rng.normal(0, 0.2, 3))
        amps /= amps[0]
        return cls(
            tuple(float(a) for a in amps),
            tuple(float(p) for p in rng.uniform(0, 2 * np.pi, 3)),
            float(rng.uniform(0.12, 0.16)),
            float(rng.uniform(6.0, 9.0)),
            float(rng.uniform(0.3, 0.4)),
        )


class SimulatedParticipant(Source):
    """A Source rendering realistic EEG and EMG from a participant who attends targets.

    Background: 1/f EEG, alpha, line noise (:class:`BackgroundEEG`) and
    spontaneous blinks. Responses follow the engine's stimulus events (pass
    them to :meth:`on_stimulus`): SSVEP harmonics at the attended target's JFPM
    frequency and phase (phase-locked to the trial onset), a P300 for flashes of
    a group holding the attended target (a small visual response for the
    others), and EMG bursts for switch presses (:meth:`press`).

    With ``base`` the participant rides along on another source (for example
    the BrainFlow synthetic board): its responses are added to the base's
    samples and markers go to the base.

    Parameters
    ----------
    sfreq : float
        Sampling rate, Hz (ignored with ``base``).
    snr : float
        SSVEP fundamental amplitude on Oz divided by the background RMS.
    seed : int
        Seed of every random draw (background, subject, blinks, EMG).
    chunk_s : float
        Seconds per chunk returned by :meth:`read`.
    realtime : bool
        Pace :meth:`read` with the wall clock (app, demo); ``False`` returns
        data at once, so headless runs go faster than real time.
    base : Source | None
        Ride along on this source's samples.
    background_rms : float
        RMS of the 1/f background, µV.
    blink_rate : float
        Spontaneous blinks per second.
    p300_scale : float
        Multiplies the subject's P300 amplitude.
    emg_rms : float
        RMS of an EMG burst, µV.
    line_freq : float
        Mains frequency, Hz.
    replay : dict[float, list of ndarray (n_times, n_replay_channels)] | None
        Replay mode: real recorded trials per stimulus frequency (see
        :func:`load_replay_trials`). While a target with one of these
        frequencies is attended during an SSVEP trial, a random recorded trial
        of that class replaces the ``replay_channels`` from the trial onset.
    replay_channels : tuple of str
        The channels the recorded trials hold (names of this participant's channels).
    clock : callable() -> float
        Wall clock for ``realtime`` pacing.
    """

    def __init__(
        self,
        *,
        sfreq: float = 256.0,
        snr: float = DEFAULT_SNR,
        seed: int = 0,
        chunk_s: float = 0.125,
        realtime: bool = False,
        base: Source | None = None,
        background_rms: float = 10.0,
        blink_rate: float = 0.1,
        p300_scale: float = 1.0,
        emg_rms: float = 60.0,
        line_freq: float = 50.0,
        replay: dict[float, list[NDArray[np.floating]]] | None = None,
        replay_channels: tuple[str, ...] = (),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if snr < 0:
            raise ConfigError(f"snr must be non-negative, got {snr}.")
        self.rng = np.random.default_rng(seed)
        self.subject = SubjectParams.draw(np.random.default_rng(seed + 1000))
        self.snr = float(snr)
        self.base = base
        self.realtime = realtime
        self.clock = clock
        self.blink_rate = float(blink_rate)
        self.p300_scale = float(p300_scale)
        self.emg_rms = float(emg_rms)
        self.background_rms = float(background_rms)
        if base is None:
            self.info = StreamInfo(
                EEG_CHANNELS + EMG_CHANNELS, ("eeg",) * len(EEG_CHANNELS) + ("emg",) * len(EMG_CHANNELS),
                float(sfreq), "simulated participant",
            )
            self.eeg_picks = list(range(len(EEG_CHANNELS)))
            self.emg_picks = [len(EEG_CHANNELS) + i for i in range(len(EMG_CHANNELS))]
            alpha_w = np.array([_W["alpha"][c] for c in EEG_CHANNELS])
            self._bg = BackgroundEEG(len(EEG_CHANNELS), float(sfreq), self.rng, rms=background_rms,
                                     alpha_weights=alpha_w, line_freq=line_freq)
        else:
            binfo = base.info
            self.info = StreamInfo(binfo.ch_names, binfo.ch_types, binfo.sfreq, f"{binfo.name} + simulated participant")
            eeg = binfo.picks("eeg")
            emg = binfo.picks("emg")
            if len(eeg) < 4:
                raise ConfigError(f"Source {binfo.name!r} has {len(eeg)} EEG channels; riding along needs at least 4.")
            # No EMG channels: jaw clenches show up strongest on frontal/temporal electrodes, the first ones here.
            self.emg_picks = emg[:2] if emg else eeg[:2]
            self.eeg_picks = [i for i in eeg if i not in self.emg_picks]
            self._bg = None  # type: ignore[assignment]
        self.sfreq = float(self.info.sfreq)
        occipital = [i for i in self.eeg_picks if self.info.ch_names[i].upper().startswith(("O", "PO", "P"))]
        #: Channels an SSVEP/P300 decoder should use (occipito-parietal ones when the montage names them).
        self.decoder_picks = occipital if len(occipital) >= 3 and base is not None else list(self.eeg_picks)
        self.chunk = max(1, int(round(chunk_s * self.sfreq)))
        self._weights = self._spatial_weights()
        self._bg_cache = np.zeros((0, len(self.eeg_picks)))
        self.replay = {float(f): [np.asarray(x, float) for x in v] for f, v in (replay or {}).items()}
        if self.replay:
            missing = [c for c in replay_channels if c not in self.info.ch_names]
            if missing or not replay_channels:
                raise ConfigError(f"replay_channels must name channels of this participant; missing {missing}.")
        self._replay_picks = [self.info.ch_names.index(c) for c in replay_channels]
        self._replay_trial: NDArray[np.float64] | None = None
        self._n = 0
        self._t0 = 0.0
        self._markers: list[int] = []
        self._adds: list[tuple[int, NDArray[np.float64]]] = []
        self._attended: str | None = None
        self._codes: dict[str, tuple[float, float]] = {}
        self._ssvep_onset: int | None = None
        self._running = False
        self._wall0 = 0.0
        self.n_presses = 0

    # ----------------------------------------------------------------- state
    def _spatial_weights(self) -> dict[str, NDArray[np.float64]]:
        n = self.info.n_channels
        out = {}
        for key, table in _W.items():
            w = np.zeros(n)
            if self.base is None:
                for i, name in enumerate(EEG_CHANNELS):
                    w[i] = table[name]
            else:  # another montage: use its 10-20 names when they are there
                picks = self.eeg_picks
                names = [self.info.ch_names[i] for i in picks]
                for j, i in enumerate(picks):
                    w[i] = table.get(names[j], 0.0)
                if not w.any():  # unknown names: strongest on the last (occipital-like) channels
                    ramp = np.linspace(0.4, 1.0, len(picks))
                    w[picks] = ramp if key != "blink" else ramp[::-1]
            out[key] = w
        return out

    @property
    def now(self) -> float:
        """Time of the next sample to be generated, s (source clock)."""
        return self._t0 + self._n / self.sfreq

    @property
    def attended(self) -> str | None:
        """The target id being attended (``None``: looking at nothing in particular)."""
        return self._attended

    def attend(self, target_id: str | None) -> None:
        """Look at the target ``target_id`` (or at nothing)."""
        self._attended = target_id

    def on_stimulus(self, event: dict[str, Any]) -> None:
        """React to a stimulus event from the engine (``ssvep_on``, ``ssvep_off``, ``flash``)."""
        kind = event.get("type")
        if kind == "ssvep_on":
            layout = event.get("layout")
            if layout is not None:
                self._codes = {t.id: (t.freq, t.phase or 0.0) for t in layout.targets if t.freq is not None}
            self._ssvep_onset = self._n
            self._replay_trial = None
        elif kind == "ssvep_off":
            self._ssvep_onset = None
            self._replay_trial = None
        elif kind == "flash":
            targets = event.get("targets", ())
            self._add_erp(self._attended in targets)

    def _add_erp(self, is_target: bool) -> None:
        subj = self.subject
        tpl = erp_template(self.sfreq, 0.8, p300_amp=0.0, latency=subj.p300_latency) * 0.5
        w = np.outer(tpl, self._weights["visual"])
        if is_target:
            p3 = erp_template(self.sfreq, 0.8, p300_amp=subj.p300_amp * self.p300_scale, latency=subj.p300_latency)
            p3 = p3 - erp_template(self.sfreq, 0.8, p300_amp=0.0, latency=subj.p300_latency)
            w = w + np.outer(p3, self._weights["p300"])
        self._adds.append((self._n, w))

    def press(self, kind: str = "clench", switch: int = 0, delay_s: float = 0.0) -> None:
        """Contract a muscle after ``delay_s``: a switch press seen on EMG channel ``switch``.

        Parameters
        ----------
        kind : str
            ``'clench'`` (0.3 s), ``'double_clench'`` (two 0.2 s bursts) or ``'long_clench'`` (1.3 s).
        switch : int
            0 or 1: which EMG channel (two-switch preset uses both).
        delay_s : float
            Reaction time before the burst starts.
        """
        check_option("press kind", kind, ("clench", "double_clench", "long_clench"))
        ch = self.emg_picks[min(switch, len(self.emg_picks) - 1)]
        start = self._n + int(round(delay_s * self.sfreq))
        parts = {"clench": [(0.0, 0.3)], "double_clench": [(0.0, 0.25), (0.6, 0.25)], "long_clench": [(0.0, 1.3)]}[kind]
        for off, dur in parts:
            n = int(round(dur * self.sfreq))
            w = np.zeros((n, self.info.n_channels))
            w[:, ch] = emg_burst(n, self.sfreq, self.rng, rms=self.emg_rms)
            self._adds.append((start + int(round(off * self.sfreq)), w))
        self.n_presses += 1

    def blink(self, n: int = 2, delay_s: float = 0.0, gap_s: float = 0.45) -> None:
        """Blink ``n`` times on purpose after ``delay_s`` (a double blink is the blink switch's command).

        Parameters
        ----------
        n : int
            Number of blinks (1 to 3).
        delay_s : float
            Reaction time before the first blink.
        gap_s : float
            Onset-to-onset interval between blinks.
        """
        if not 1 <= int(n) <= 3:
            raise ConfigError(f"Invalid number of blinks: {n}. It must be 1, 2 or 3.")
        wave = np.outer(blink_waveform(self.sfreq), self._weights["blink"])
        start = self._n + int(round(delay_s * self.sfreq))
        for k in range(int(n)):
            self._adds.append((start + int(round(k * gap_s * self.sfreq)), wave))

    # ---------------------------------------------------------------- Source
    def start(self) -> None:
        """Start streaming (and the base source)."""
        if self.base is not None:
            self.base.start()
        self._running = True
        self._wall0 = self.clock()

    def stop(self) -> None:
        """Stop streaming (and the base source). Safe to call twice."""
        if self.base is not None and self._running:
            self.base.stop()
        self._running = False

    def insert_marker(self, code: int) -> None:
        """Stamp ``code`` on the next sample (on the base source when riding along)."""
        if self.base is not None:
            self.base.insert_marker(code)
        else:
            self._markers.append(int(code))

    def read(self, timeout: float = 0.1) -> Chunk | None:
        """Return the next chunk (at once, or paced by the wall clock with ``realtime``)."""
        if self.base is not None:
            chunk = self.base.read(timeout)
            if chunk is None or chunk.n_times == 0:
                return chunk
            if self._n == 0:
                self._t0 = float(chunk.timestamps[0])
            data = chunk.data.astype(np.float64) + self._render(chunk.n_times, eeg_bg=False)
            return Chunk(data.astype(np.float32), chunk.timestamps, chunk.markers)
        n = self.chunk
        if self.realtime:
            due = (self.clock() - self._wall0) * self.sfreq - self._n
            if due < n:
                wait = (n - due) / self.sfreq
                if wait > timeout:
                    time.sleep(max(0.0, timeout))
                    return None
                time.sleep(wait)
        ts = self._t0 + (self._n + np.arange(n)) / self.sfreq
        markers = tuple((float(ts[0]), c) for c in self._markers)
        self._markers.clear()
        data = self._render(n, eeg_bg=True)
        return Chunk(data.astype(np.float32), ts, markers)

    def _render(self, n: int, *, eeg_bg: bool) -> NDArray[np.float64]:
        nch = self.info.n_channels
        out = np.zeros((n, nch))
        if eeg_bg and self._bg is not None:
            if len(self._bg_cache) < n:  # generate the background in blocks: far fewer filter calls
                self._bg_cache = np.concatenate([self._bg_cache, self._bg.generate(max(n, 512))])
            out[:, self.eeg_picks] = self._bg_cache[:n]
            self._bg_cache = self._bg_cache[n:]
            out[:, self.emg_picks] = 2.0 * self.rng.standard_normal((n, len(self.emg_picks)))
        # spontaneous blinks
        if self.blink_rate > 0 and self.rng.random() < self.blink_rate * n / self.sfreq:
            self._adds.append((self._n, np.outer(blink_waveform(self.sfreq), self._weights["blink"])))
        # replay: a real recorded trial of the attended class replaces the recorded channels
        replayed = False
        if self._ssvep_onset is not None and self._attended in self._codes and self.replay:
            f = self._codes[self._attended][0]
            match = [k for k in self.replay if abs(k - f) < 0.05]
            if match:
                if self._replay_trial is None:
                    trials = self.replay[match[0]]
                    self._replay_trial = trials[int(self.rng.integers(len(trials)))]
                a = self._n - self._ssvep_onset
                seg = self._replay_trial[a : a + n]
                out[: len(seg), self._replay_picks] = seg
                replayed = True
        # SSVEP of the attended target, phase-locked to the trial onset
        if not replayed and self._ssvep_onset is not None and self._attended in self._codes and self.snr > 0:
            f, ph = self._codes[self._attended]
            t = (self._n - self._ssvep_onset + np.arange(n)) / self.sfreq
            s = self.subject
            amp = self.snr * self.background_rms
            resp = ssvep_response(t, f, ph, tuple(amp * a for a in s.harmonic_amps), s.latency, s.harmonic_phases)
            out += np.outer(resp, self._weights["ssvep"])
        # scheduled additive waveforms (ERPs, blinks, EMG bursts)
        keep = []
        for start, w in self._adds:
            a, b = max(start, self._n), min(start + len(w), self._n + n)
            if b > a:
                out[a - self._n : b - self._n] += w[a - start : b - start]
            if start + len(w) > self._n + n:
                keep.append((start, w))
        self._adds = keep
        self._n += n
        return out


#: ssvep_exo's channels (all present in the simulated montage).
REPLAY_CHANNELS = ("Oz", "O1", "O2", "PO3", "POz", "PO7", "PO8", "PO4")


def load_replay_trials(
    data_dir: Any = None, split: str = "dev", subjects: tuple[str, ...] | None = None, max_sessions: int | None = None
) -> dict[float, list[NDArray[np.float64]]]:
    """Read real SSVEPExo flicker trials (13, 17, 21 Hz) for the participant's replay mode.

    Each trial runs from its onset for the full 5 s, band-limited by subtracting its mean
    (the recording's DC offset); rest trials are left out.

    Parameters
    ----------
    data_dir : path-like | None
        The recordings folder.
    split : str
        ``'dev'`` or ``'eval'``.
    subjects : tuple of str | None
        Subjects to use (default: all of the split).
    max_sessions : int | None
        Sessions per subject (default all).

    Returns
    -------
    dict[float, list of ndarray (n_times, 8)]
        Trials per stimulus frequency, channels in :data:`REPLAY_CHANNELS` order, µV.
    """
    from ..datasets._ssvep_exo import load_ssvep_exo, ssvep_exo_sessions, ssvep_exo_subjects

    out: dict[float, list[NDArray[np.float64]]] = {}
    for subj in subjects or tuple(ssvep_exo_subjects(split, data_dir)):
        sessions = ssvep_exo_sessions(subj, data_dir, include_excluded=False)
        for sess in sessions[:max_sessions]:
            rec = load_ssvep_exo(subj, sess, data_dir)
            picks = [rec.ch_names.index(c) for c in REPLAY_CHANNELS]
            X, y = rec.epochs(0.0, rec.trial_s)
            for x, lab in zip(X, y, strict=True):
                if lab >= 0:
                    trial = x[:, picks].astype(float)
                    out.setdefault(float(rec.freqs[lab]), []).append(trial - trial.mean(axis=0))
    return out
