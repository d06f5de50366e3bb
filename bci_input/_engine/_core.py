"""The engine: source -> processors -> decoder -> dynamic stopping -> intents, on its own thread."""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .._errors import ConfigError, check_option
from .._types import Chunk, Intent, IntentKind, Modality, Source
from ..acquisition import AcquisitionStatus, AcquisitionThread, RingBuffer
from ..decoding import SwitchEvent
from ..faults import GuardReport, SignalGuard
from ..speller import PARADIGMS, Layout
from ._buffer import SampleBuffer
from ._config import EngineCallbacks, EngineConfig
from ._policies import P300Policy, ScanPolicy, SsvepPolicy

__all__ = ["Engine"]

log = logging.getLogger(__name__)


class Engine:
    """Run acquisition, filters, decoding and dynamic stopping; report intents through callbacks.

    The same object serves the Qt app (:meth:`start` runs it on its own thread)
    and headless runs (:meth:`feed` processes one chunk on the caller's thread,
    so a simulated source can run faster than real time on recorded time).
    Every schedule (trial onsets, flashes, scan steps) follows the source's
    timestamps, never the wall clock.

    Parameters
    ----------
    source : Source
        Where samples come from (started by the caller, or by :meth:`start`).
    decoder : estimator | callable | None
        SSVEP: an estimator with ``predict_proba`` whose columns follow the
        layout's JFPM codes, or ``factory(layout) -> estimator``, or ``None``
        for training-free FBCCA built per layout. P300: a fitted estimator with
        ``decision_function`` on epochs (n_epochs, n_times, n_eeg). Scan: unused.
    paradigm : str
        ``'ssvep'``, ``'p300'`` or ``'scan'``.
    callbacks : EngineCallbacks | None
        Plain callables, called on the engine thread.
    clock : callable() -> float
        Wall clock used only to measure decoder latency.
    config : EngineConfig | None
        Timing and thresholds.
    processors : sequence
        Streaming processors with ``process(chunk) -> chunk`` and ``reset()``, applied in order.
    switches : sequence
        Switch detectors (``EmgSwitch``/``BlinkSwitch``-like: ``process(chunk) -> list of events``
        with ``kind`` and ``onset``); switch 0 is the primary one. Used in every paradigm for
        the undo gesture (double clench) and pause/wake (long clench).
    eeg_picks : sequence of int | None
        Channels given to the SSVEP/P300 decoder (default: every ``eeg`` channel).
    p300_stats : P300Decoder | mapping | array-like of 4 floats | None
        Gaussian model of the P300 decoder's scores for
        :func:`~bci_input.decoding.flash_log_likelihoods`; ``None`` uses the
        fitted decoder's ``score_stats_``.
    seed : int
        Seed of the flash order.
    idle : IdleDetector | None
        The no-control detector of the paradigm (:class:`~bci_input.decoding.IdleDetector`, fitted on
        rest at calibration). A selection must pass it as well as the posterior threshold. ``None``:
        only the posterior threshold gates selections; either way nothing is forced at a time limit.
    """

    def __init__(
        self,
        source: Source,
        decoder: Any = None,
        paradigm: str = "ssvep",
        callbacks: EngineCallbacks | None = None,
        *,
        clock: Callable[[], float] = time.perf_counter,
        config: EngineConfig | None = None,
        processors: Sequence[Any] = (),
        switches: Sequence[Any] = (),
        eeg_picks: Sequence[int] | None = None,
        p300_stats: Any = None,
        seed: int = 0,
        idle: Any = None,
    ) -> None:
        check_option("paradigm", paradigm, PARADIGMS)
        self.source = source
        self.decoder = decoder
        self.paradigm = paradigm
        self.callbacks = callbacks or EngineCallbacks()
        self.clock = clock
        self.config = config or EngineConfig()
        self.processors = list(processors)
        self.switches = list(switches)
        info = source.info
        self.sfreq = float(info.sfreq)
        self.eeg_picks = list(eeg_picks) if eeg_picks is not None else info.picks("eeg")
        if not self.eeg_picks and paradigm != "scan":
            raise ConfigError(f"Source {info.name!r} has no EEG channels; the {paradigm} paradigm needs some.")
        self.p300_stats = p300_stats
        self.seed = seed
        if idle is not None and getattr(idle, "kind", paradigm) != paradigm:
            raise ConfigError(f"The idle detector is for {idle.kind!r} but the engine runs {paradigm!r}.")
        self.idle = idle
        #: Trials that ended without enough evidence and restarted (the no-control state).
        self.n_idle_restarts = 0
        if paradigm == "p300" and (decoder is None or not hasattr(decoder, "decision_function")):
            raise ConfigError("The p300 paradigm needs a fitted decoder with decision_function (a P300Decoder).")
        self.buffer = SampleBuffer(info.n_channels, self.sfreq)
        policy_cls = {"ssvep": SsvepPolicy, "p300": P300Policy, "scan": ScanPolicy}[paradigm]
        self.policy = policy_cls(self)
        self.paused = False
        self.decoder_latency = 0.0
        self.n_samples = 0
        self.n_intents = 0
        self._lock = threading.Lock()
        self._new_layout: Layout | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._started_source = False
        self.error: str | None = None
        self.guard = SignalGuard(info)
        #: Reasons decoding is suspended (bad signal, device stalled); empty when decoding runs.
        self.faults: tuple[str, ...] = ()
        self.n_fault_chunks = 0
        self._device_fault = ""
        self.acquisition: AcquisitionThread | None = None

    # ------------------------------------------------------------------ control
    @property
    def now(self) -> float:
        """Source time of the end of the data processed so far (``-inf`` before any data)."""
        return self.buffer.t_end

    @property
    def layout(self) -> Layout | None:
        """The layout in use."""
        return self.policy.layout

    def set_layout(self, layout: Layout) -> None:
        """Use ``layout`` from the next chunk on (thread-safe)."""
        if layout.paradigm != self.paradigm:
            raise ConfigError(f"Layout is for {layout.paradigm!r} but the engine runs {self.paradigm!r}.")
        with self._lock:
            self._new_layout = layout

    def pause(self) -> None:
        """Stop presenting and deciding (data is still read, so the device stays healthy)."""
        self.paused = True
        self.policy.abort(self.now)

    def resume(self) -> None:
        """Present and decide again."""
        self.paused = False

    def start(self, *, start_source: bool = True) -> None:
        """Run on worker threads until :meth:`stop`.

        An :class:`~bci_input.acquisition.AcquisitionThread` reads the source into a ring buffer
        (detecting stalls and reconnecting with back-off); the engine thread consumes the buffer.

        Parameters
        ----------
        start_source : bool
            Also call ``source.start()`` (and ``source.stop()`` on :meth:`stop`).
        """
        if self._thread is not None:
            raise ConfigError("Engine is already running.")
        if start_source:
            self.source.start()
            self._started_source = True
        self._stop.clear()
        ring = RingBuffer(self.source.info.n_channels, int(30 * self.sfreq))
        self.acquisition = AcquisitionThread(
            self.source,
            ring,
            on_error=lambda exc: self._error(f"Device error: {exc}. Decoding is paused while it reconnects."),
            on_status=self._on_acquisition_status,
        )
        self.acquisition.start()
        self._thread = threading.Thread(target=self._run, name="bci-engine", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the worker threads (join with ``timeout``) and the source if :meth:`start` started it."""
        self._stop.set()
        if self.acquisition is not None:
            self.acquisition.stop(timeout)
            self.acquisition = None
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.error("engine thread did not stop within %.1f s", timeout)
            self._thread = None
        if self._started_source:
            self._started_source = False
            try:
                self.source.stop()
            except Exception as exc:  # reported, not swallowed
                self._error(f"Stopping the source failed: {exc}")

    @property
    def running(self) -> bool:
        """Whether the worker thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        acq = self.acquisition
        assert acq is not None
        try:
            while not self._stop.is_set():
                chunk = acq.buffer.read()
                if chunk.n_times:
                    self.feed(chunk)
                else:
                    self._stop.wait(0.01)
                if acq.state == "failed":
                    self._error(
                        "The device stopped delivering data and could not be reconnected. "
                        "Check its power and connection, then restart the session. Your text is kept."
                    )
                    return
        except Exception as exc:
            log.debug("engine worker failed:\n%s", traceback.format_exc())
            self._error(f"Engine stopped: {type(exc).__name__}: {exc}")

    def _on_acquisition_status(self, status: AcquisitionStatus) -> None:
        """Suspend decoding while the device is stalled or reconnecting (acquisition thread)."""
        if status.state in ("stalled", "reconnecting"):
            self._device_fault = status.message
        elif status.state in ("recovered", "running"):
            self._device_fault = ""
        self.report_status({"type": "device", "state": status.state, "message": status.message})

    # --------------------------------------------------------------- processing
    def feed(self, chunk: Chunk) -> None:
        """Process one chunk on the calling thread: filter, buffer, switches, schedule, decode.

        Parameters
        ----------
        chunk : Chunk
            New samples from the source, shape (n_times, n_channels).
        """
        with self._lock:
            new, self._new_layout = self._new_layout, None
        t_start = float(chunk.timestamps[0]) if chunk.n_times else self.now
        if new is not None:
            self.policy.set_layout(new, max(self.now, t_start) if np.isfinite(self.now) else t_start)
        if not self._signal_ok(self.guard.check(chunk), t_start):
            return
        raw = chunk
        for proc in self.processors:
            chunk = proc.process(chunk)
        self.buffer.append(chunk)
        self.n_samples += chunk.n_times
        for t, code in chunk.markers:
            self.policy.on_marker(t, code)
        for which, sw in enumerate(self.switches):  # switches see the raw (full-band) signal
            for ev in sw.process(raw):
                self._on_switch(which, ev)
        if not self.paused:
            self.policy.tick(self.now)

    def _signal_ok(self, report: GuardReport, t_start: float) -> bool:
        """Gate decoding on the signal guard; return False when this chunk must not be processed.

        Garbage (NaN, widespread saturation) never reaches the filters, whose state it would
        poison, nor a decoder or a switch. A gap (dropped samples, clock jump) aborts the running
        trial, so no decision uses a window that spans it.
        """
        t = self.now if np.isfinite(self.now) else t_start
        if report.gap:
            self.policy.abort(t)
        faults = tuple(report.reasons) + ((self._device_fault,) if self._device_fault else ())
        if faults != self.faults:
            if faults and not self.faults:
                self.policy.abort(t)
                log.warning("Decoding suspended: %s", "; ".join(faults))
            elif not faults:
                log.info("Decoding resumed: the signal is clean again.")
            self.faults = faults
            self.report_status({"type": "signal", "ok": not faults, "faults": list(faults)})
        if report.ok and not self._device_fault:
            return True
        self.n_fault_chunks += 1
        for proc in self.processors:  # restart the filters from clean data afterwards
            proc.reset()
        for sw in self.switches:
            if hasattr(sw, "reset"):
                sw.reset()
        return False

    def _on_switch(self, which: int, ev: SwitchEvent) -> None:
        kind = ev.kind
        onset = float(ev.onset)
        modality = Modality.BLINK if "blink" in kind else Modality.EMG
        lay = self.policy.layout
        if kind in ("long_clench", "long_blink"):
            k = IntentKind.WAKE if (self.paused or (lay is not None and lay.page == "paused")) else IntentKind.PAUSE
            self.emit_intent(Intent(k, None, 1.0, onset, self.now, modality))
            return
        if kind == "blink":  # a lone blink is usually spontaneous: never a command
            return
        if kind == "double_clench" or (kind == "double_blink" and self.paradigm != "scan"):
            self.emit_intent(Intent(IntentKind.UNDO, None, 1.0, onset, self.now, modality))
            return
        # In scanning, a deliberate double blink is the blink switch's press (undo stays a target).
        if self.paused:
            return
        if self.paradigm == "scan":
            self.policy.on_switch(which, onset, self.now)  # type: ignore[attr-defined]
        elif lay is not None and lay.page == "confirm":
            self.emit_intent(Intent(IntentKind.CONFIRM, None, 1.0, onset, self.now, modality))

    # ----------------------------------------------------------------- reports
    def insert_marker(self, code: int) -> None:
        """Put stimulus marker ``code`` into the source's data stream."""
        self.source.insert_marker(code)

    def emit_intent(self, intent: Intent) -> None:
        """Count and report a decided intent."""
        self.n_intents += 1
        cb = self.callbacks.on_intent
        if cb is not None:
            cb(intent)

    def emit_stimulus(self, event: dict[str, Any]) -> None:
        """Report a stimulus event (what the UI presents)."""
        cb = self.callbacks.on_stimulus
        if cb is not None:
            cb(event)

    def report_status(self, status: dict[str, Any]) -> None:
        """Report the decoding state, with the decoder latency and the paradigm."""
        cb = self.callbacks.on_status
        if cb is not None:
            status.setdefault("decoder_latency_s", self.decoder_latency)
            status.setdefault("paradigm", self.paradigm)
            cb(status)

    def _error(self, message: str) -> None:
        self.error = message
        log.error("%s", message)
        cb = self.callbacks.on_error
        if cb is not None:
            cb(message)
