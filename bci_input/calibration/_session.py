"""A UI-agnostic calibration session: cues, recording, live quality, training, result.

:class:`CalibrationSession` runs the cue plan against a :class:`~bci_input.Source`. The
timeline advances with the *recorded* samples (sample count / sampling rate), so a real
headset runs it in real time and a simulated participant runs it as fast as it renders
samples. At each stimulus onset the session calls ``on_cue`` (the wizard shows the cue or
flicker; a simulation makes its participant attend) and writes the marker through
``source.insert_marker``. Every chunk is written to disk by the acquisition layer's
recorder. Then the epochs are cut, cleaned, checked, and the decoder is trained and
cross-validated off the caller's thread if :meth:`CalibrationSession.start` is used.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._errors import BciInputError, DeviceError
from .._types import Chunk, Source, StreamInfo
from ._epochs import CalibrationEpochs, extract_epochs, reject_artifacts
from ._protocol import Cue, ParadigmSpec, make_cue_plan
from ._train import CalibrationResult, train_calibration

__all__ = ["SessionCallbacks", "CalibrationSession", "CalibrationRecording", "markers_to_events", "channel_quality"]

log = logging.getLogger(__name__)


@dataclass
class SessionCallbacks:
    """Plain callables a UI (or the CLI) passes to follow a session. All are optional.

    Parameters
    ----------
    on_cue : callable(Cue)
        A cue, stimulus onset, flash or rest starts now. Called on the session's thread.
    on_progress : callable(str, float)
        Phase text (``'recording'``, ``'training'``...) and overall fraction in [0, 1].
    on_quality : callable(dict)
        Live signal quality: ``{'channels': [...], 'rms_uv': [...], 'status': ['ok'|'warn'|'bad', ...]}``.
    on_result : callable(CalibrationResult)
        The trained, cross-validated result.
    on_error : callable(str)
        A message for an error that ended the session.
    """

    on_cue: Callable[[Cue], None] | None = None
    on_progress: Callable[[str, float], None] | None = None
    on_quality: Callable[[dict[str, Any]], None] | None = None
    on_result: Callable[[CalibrationResult], None] | None = None
    on_error: Callable[[str], None] | None = None


@dataclass
class CalibrationRecording:
    """A calibration recording held in memory.

    Parameters
    ----------
    data : ndarray, shape (n_times, n_channels)
        Samples, µV.
    timestamps : ndarray, shape (n_times,)
        Sample times, s.
    info : StreamInfo
        Channels.
    events : list of (float, int)
        ``(onset_s, code)``, onset in seconds from the first sample.
    path : Path | None
        The file it was recorded to, if any.
    """

    data: NDArray[np.float32]
    timestamps: NDArray[np.float64]
    info: StreamInfo
    events: list[tuple[float, int]]
    path: Path | None = None


def markers_to_events(timestamps: NDArray[np.float64], markers: list[tuple[float, int]], sfreq: float
                      ) -> list[tuple[float, int]]:
    """Convert ``(timestamp, code)`` markers to ``(onset_s, code)`` from the first sample.

    Parameters
    ----------
    timestamps : ndarray, shape (n_times,)
        Sample times of the recording.
    markers : list of (float, int)
        Markers on the same clock.
    sfreq : float
        Sampling rate, Hz.

    Returns
    -------
    list of (float, int)
    """
    if len(timestamps) == 0:
        return []
    idx = np.searchsorted(timestamps, [t for t, _ in markers], side="left")
    return [(float(i) / sfreq, int(c)) for i, (_, c) in zip(idx, markers, strict=True)]


def channel_quality(window: NDArray[Any], info: StreamInfo) -> dict[str, Any]:
    """Summarise per-channel signal quality of a recent window (for the live display).

    Uses the acquisition layer's quality assessment when available.

    Parameters
    ----------
    window : ndarray, shape (n_times, n_channels)
        Recent samples, µV.
    info : StreamInfo
        Channels.

    Returns
    -------
    dict
        ``channels``, ``rms_uv``, ``status`` (one of ``ok``/``warn``/``bad`` per channel).
    """
    from ._quality import assess_quality

    return assess_quality(window, info)


class CalibrationSession:
    """Run one calibration: cue plan, recording, artefact rejection, training, evaluation.

    Parameters
    ----------
    source : Source
        The signal source (a headset or a simulated participant). Started and stopped here.
    spec : ParadigmSpec
        The paradigm's protocol.
    trials_per_class : int
        Trials per class (P300: cued trials).
    seed : int
        Seed of the cue shuffle and of cross-validation.
    record_path : Path | None
        CSV file to record to (with its events sidecar), via the recorder.
    callbacks : SessionCallbacks | None
        Progress, cues, live quality, result and error callbacks.
    method : str | None
        Decoding method (default the paradigm's first).
    quality_every_s : float
        How often ``on_quality`` is called, in recorded seconds.
    previous : CalibrationEpochs | None
        Epochs of earlier sessions to merge with (top-up recalibration).
    """

    def __init__(
        self, source: Source, spec: ParadigmSpec, *, trials_per_class: int | None = None, seed: int = 0,
        record_path: Path | None = None, callbacks: SessionCallbacks | None = None, method: str | None = None,
        quality_every_s: float = 1.0, previous: CalibrationEpochs | None = None,
    ) -> None:
        self.source = source
        self.spec = spec
        self.trials_per_class = int(trials_per_class or spec.default_trials_per_class)
        self.seed = int(seed)
        self.record_path = Path(record_path) if record_path is not None else None
        self.callbacks = callbacks or SessionCallbacks()
        self.method = method
        self.quality_every_s = float(quality_every_s)
        self.previous = previous
        self.plan: list[Cue] = make_cue_plan(spec, self.trials_per_class, seed)
        self.duration_s = self.plan[-1].start_s + self.plan[-1].duration_s + 0.5
        self.recording: CalibrationRecording | None = None
        self.result: CalibrationResult | None = None
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ---- running -------------------------------------------------------------------------
    def _progress(self, text: str, frac: float) -> None:
        if self.callbacks.on_progress:
            self.callbacks.on_progress(text, float(np.clip(frac, 0.0, 1.0)))

    def record(self) -> CalibrationRecording:
        """Run the cue plan and record it. Blocks until the plan ends or :meth:`stop` is called.

        Returns
        -------
        CalibrationRecording
        """
        info = self.source.info
        sf = float(info.sfreq)
        chunks: list[Chunk] = []
        n_done, i_cue, next_q = 0, 0, self.quality_every_s
        recorder = self._open_recorder(info)
        try:
            with self.source:
                empty = 0
                while n_done / sf < self.duration_s and not self._stop.is_set():
                    chunk = self.source.read(timeout=1.0)
                    if chunk is None or chunk.n_times == 0:
                        empty += 1
                        if empty > 10:
                            raise DeviceError(f"The source {info.name!r} delivered no data for 10 s; check the "
                                              "headset connection and try again.")
                        continue
                    empty = 0
                    chunks.append(chunk)
                    if recorder is not None:
                        recorder.write(chunk)
                    n_done += chunk.n_times
                    t = n_done / sf
                    while i_cue < len(self.plan) and self.plan[i_cue].start_s <= t:
                        cue = self.plan[i_cue]
                        if self.callbacks.on_cue:
                            self.callbacks.on_cue(cue)
                        if cue.code is not None:
                            self.source.insert_marker(int(cue.code))
                        i_cue += 1
                    if t >= next_q and self.callbacks.on_quality:
                        recent = np.concatenate([c.data for c in chunks[-64:]])[-int(2 * sf):]
                        self.callbacks.on_quality(channel_quality(recent, info))
                        next_q += self.quality_every_s
                    self._progress("recording", 0.8 * t / self.duration_s)
                # Read what is left so the last markers are in the data.
                tail = self.source.read(timeout=0.2)
                if tail is not None and tail.n_times:
                    chunks.append(tail)
                    if recorder is not None:
                        recorder.write(tail)
        finally:
            if recorder is not None:
                recorder.close()
        if not chunks:
            raise DeviceError(f"No data was recorded from {info.name!r}.")
        whole = Chunk.concatenate(chunks)
        events = markers_to_events(whole.timestamps, list(whole.markers), sf)
        self.recording = CalibrationRecording(whole.data, whole.timestamps, info, events, self.record_path)
        return self.recording

    def _open_recorder(self, info: StreamInfo) -> Any:
        if self.record_path is None:
            return None
        from ..recording import Recorder

        self.record_path.parent.mkdir(parents=True, exist_ok=True)
        return Recorder(self.record_path, info)

    def train(self, recording: CalibrationRecording | None = None) -> CalibrationResult:
        """Cut, clean, check and train on the recording (merged with ``previous`` epochs).

        Returns
        -------
        CalibrationResult

        Raises
        ------
        ConfigError
            If there are not enough clean trials (the message says how many more are needed).
        """
        rec = recording or self.recording
        if rec is None:
            raise BciInputError("Nothing recorded yet: call record() first.")
        self._progress("cutting epochs", 0.8)
        epochs = extract_epochs(self.spec, rec.data, rec.info.sfreq, rec.events)
        clean, rejected = reject_artifacts(epochs, self.spec)
        if self.previous is not None and len(self.previous):
            clean = CalibrationEpochs.concatenate([self.previous, clean])
        result = train_calibration(clean, self.spec, method=self.method, seed=self.seed, rejected=rejected,
                                   progress=lambda s, f: self._progress(s, 0.8 + 0.2 * f), info=rec.info)
        from ._idle_fit import fit_idle_from_recording

        result.idle = fit_idle_from_recording(self.spec, rec.data, rec.info.sfreq, rec.events, result.decoder,
                                              result.epochs, info=rec.info, max_window_s=result.window_s)
        self.result = result
        return result

    def run(self) -> CalibrationResult:
        """Record, then train. Blocking; reports through the callbacks.

        Returns
        -------
        CalibrationResult
        """
        self.record()
        if self._stop.is_set():
            raise BciInputError("Calibration was stopped before the end; nothing was trained.")
        result = self.train()
        if self.callbacks.on_result:
            self.callbacks.on_result(result)
        return result

    # ---- threaded use (the wizard) -----------------------------------------------------------
    def start(self) -> None:
        """Run :meth:`run` on a worker thread; errors reach ``on_error`` (never swallowed)."""
        if self._thread is not None and self._thread.is_alive():
            raise BciInputError("This calibration session is already running.")
        self._stop.clear()

        def work() -> None:
            try:
                self.run()
            except BaseException as exc:  # reported to the UI, and kept for join()
                self.error = exc
                log.exception("calibration session failed")
                if self.callbacks.on_error:
                    self.callbacks.on_error(str(exc) if isinstance(exc, BciInputError) else
                                            f"{type(exc).__name__}: {exc}")

        self._thread = threading.Thread(target=work, name="calibration", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the session to stop and wait up to ``timeout`` seconds for its thread."""
        self._stop.set()
        self.join(timeout)

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the worker thread; return True if it has finished."""
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()
