"""Lab Streaming Layer: an inlet :class:`~bci_input.Source` and an outlet for chunks and markers.

BrainFlow has no LSL output, so :class:`LslOutlet` bridges any source to LSL with pylsl: one
float32 stream with the channels (labels, types and units in the stream's XML description, the
XDF convention LabRecorder, OpenViBE and BCI2000 read) and one int32 ``Markers`` stream named
``<name>-markers``. :class:`LslInletSource` reads any EEG stream and, if present, its marker stream.

Published streams stay on this computer unless the scope is ``"network"`` (see :mod:`._lsl_scope`).
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from typing import Any

import numpy as np

from bci_input._errors import ConfigError, DeviceError, StreamNotFoundError
from bci_input._types import CHANNEL_TYPES, Chunk, Source, StreamInfo

__all__ = ["LslInletSource", "LslOutlet", "MARKER_SUFFIX"]

log = logging.getLogger(__name__)

#: Name suffix of the marker stream that accompanies a data stream.
MARKER_SUFFIX = "-markers"
_UNITS_TO_UV = {"microvolts": 1.0, "uv": 1.0, "µv": 1.0, "volts": 1e6, "v": 1e6, "millivolts": 1e3, "mv": 1e3}


def _pylsl(scope: str | None = None) -> Any:
    from ._lsl_scope import start_lsl

    return start_lsl(scope)


class LslOutlet:
    """Publish chunks and markers on LSL so LabRecorder, OpenViBE or BCI2000 can listen.

    Parameters
    ----------
    info : StreamInfo
        Channels and rate of the chunks that will be pushed.
    name : str
        LSL stream name; the marker stream is ``name + '-markers'``.
    stream_type : str
        LSL content type of the data stream.
    source_id : str | None
        Unique id that lets receivers reconnect to this stream after a restart.
    markers : bool
        Also create the marker stream.
    scope : {"machine", "network"}
        ``machine`` (default): the streams can be found from this computer only; ``network``: from the local
        network too (see :mod:`._lsl_scope`).
    """

    def __init__(
        self,
        info: StreamInfo,
        name: str = "bci-input",
        *,
        stream_type: str = "EEG",
        source_id: str | None = None,
        markers: bool = True,
        scope: str = "machine",
    ) -> None:
        pylsl = _pylsl(scope)
        if not name:
            raise ConfigError("The LSL stream name must not be empty (use --name).")
        self.info = info
        self.name = name
        self._pylsl = pylsl
        sid = source_id or f"bci-input-{name}"
        sinfo = pylsl.StreamInfo(name, stream_type, info.n_channels, info.sfreq, pylsl.cf_float32, sid)
        chans = sinfo.desc().append_child("channels")
        for ch_name, ch_type in zip(info.ch_names, info.ch_types, strict=True):
            c = chans.append_child("channel")
            c.append_child_value("label", ch_name)
            c.append_child_value("type", ch_type.upper())
            c.append_child_value("unit", "microvolts" if ch_type in ("eeg", "emg", "eog", "ecg") else "")
        sinfo.desc().append_child("acquisition").append_child_value("manufacturer", "bci-input")
        self._outlet = pylsl.StreamOutlet(sinfo)
        self._markers = None
        if markers:
            mname = name + MARKER_SUFFIX
            minfo = pylsl.StreamInfo(mname, "Markers", 1, pylsl.IRREGULAR_RATE, pylsl.cf_int32, sid + "-m")
            self._markers = pylsl.StreamOutlet(minfo)
        self._offset: float | None = None
        self.n_pushed = 0
        self.n_markers = 0

    def _lsl_time(self, ts: np.ndarray) -> np.ndarray:
        if self._offset is None:  # map the source clock onto LSL's local_clock once, keeping sample spacing
            self._offset = float(ts[-1]) - self._pylsl.local_clock()
        return np.asarray(ts, np.float64) - self._offset

    def push_chunk(self, chunk: Chunk) -> None:
        """Publish a chunk (n_times, n_channels) with per-sample timestamps, and its markers."""
        if chunk.n_channels != self.info.n_channels:
            raise ConfigError(
                f"The LSL outlet has {self.info.n_channels} channels, got a chunk with {chunk.n_channels}."
            )
        if chunk.n_times == 0:
            return
        ts = self._lsl_time(chunk.timestamps)
        if self._markers is not None:  # markers first, so a receiver has them when their samples arrive
            for t, code in chunk.markers:
                self.push_marker(code, float(t - self._offset))  # type: ignore[operator]
        self._outlet.push_chunk(np.ascontiguousarray(chunk.data, np.float32), ts.tolist())
        self.n_pushed += chunk.n_times

    def push_marker(self, code: int, lsl_timestamp: float | None = None) -> None:
        """Publish one marker, stamped with an LSL time (default: now)."""
        if self._markers is None:
            raise ConfigError("This LSL outlet was created without a marker stream (markers=False).")
        t = self._pylsl.local_clock() if lsl_timestamp is None else float(lsl_timestamp)
        self._markers.push_sample([int(code)], t)
        self.n_markers += 1

    def have_consumers(self) -> bool:
        """Return True if some inlet is connected to the data stream."""
        return bool(self._outlet.have_consumers())

    def close(self) -> None:
        """Withdraw the streams from the network. Safe to call twice."""
        self._outlet = None
        self._markers = None

    def __enter__(self) -> LslOutlet:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _channels_from_desc(sinfo: Any) -> tuple[list[str], list[str], np.ndarray]:
    n = sinfo.channel_count()
    names, types, scale = [], [], []
    ch = sinfo.desc().child("channels").child("channel")
    for i in range(n):
        label = ch.child_value("label") if not ch.empty() else ""
        typ = (ch.child_value("type") if not ch.empty() else "") or sinfo.type()
        unit = (ch.child_value("unit") if not ch.empty() else "").strip().lower()
        typ = typ.strip().lower()
        typ = typ if typ in CHANNEL_TYPES else ("eeg" if typ in ("", "eeg") else "misc")
        names.append(label or f"ch{i + 1}")
        types.append(typ)
        scale.append(_UNITS_TO_UV.get(unit, 1.0) if typ in ("eeg", "emg", "eog", "ecg") else 1.0)
        ch = ch.next_sibling() if not ch.empty() else ch
    return names, types, np.asarray(scale, np.float32)


class LslInletSource(Source):
    """Read an LSL EEG stream (and its marker stream) as a :class:`~bci_input.Source`.

    Parameters
    ----------
    name : str | None
        Stream name to look for; ``None`` takes the first stream of ``stream_type``.
    stream_type : str
        LSL content type to look for.
    timeout : float
        Seconds to look for the stream before raising :class:`StreamNotFoundError`.
    marker_name : str | None
        Marker stream name; default ``<name>-markers`` if such a stream exists.
    marker_timeout : float
        Seconds to look for the marker stream (it is optional unless ``marker_name`` is given).
    marker_latency : float
        With a marker stream, each sample is held back this many seconds after it arrived, so a marker that
        travels on its own connection still finds its sample. Counted from arrival, not from the sample's
        timestamp, so it also holds for a sender whose clock differs or that replays faster than real time.
    scope : {"machine", "network"} | None
        Set when this process also publishes (``lsl_outlet``), so liblsl starts with that scope; None keeps
        liblsl's defaults (streams from other computers are found).

    Raises
    ------
    StreamNotFoundError
        If no matching stream appears within ``timeout`` (the stream is looked up on construction).
    """

    def __init__(
        self,
        name: str | None = None,
        *,
        stream_type: str = "EEG",
        timeout: float = 5.0,
        marker_name: str | None = None,
        marker_timeout: float = 1.0,
        marker_latency: float = 0.1,
        scope: str | None = None,
    ) -> None:
        self._pylsl = _pylsl(scope)
        self.marker_latency = float(marker_latency)
        self._held_data = np.zeros((0, 0), np.float32)
        self._held_ts = np.zeros(0, np.float64)
        self._held_arrival = np.zeros(0, np.float64)
        self.name = name
        self.stream_type = stream_type
        self.timeout = float(timeout)
        self.marker_name = marker_name
        self.marker_timeout = float(marker_timeout)
        self._source_id: str | None = None
        self._stream = self._resolve()
        self._inlet: Any = self._make_inlet(self._stream)
        try:  # the resolved info has no XML description; the inlet fetches the full one
            self._stream = self._inlet.info(timeout=self.timeout)
        except Exception as exc:  # pylsl raises TimeoutError / LostError
            raise StreamNotFoundError(
                f"The LSL stream {self._stream.name()!r} did not answer within {self.timeout:g} s ({exc})."
            ) from exc
        names, types, self._scale = _channels_from_desc(self._stream)
        sfreq = self._stream.nominal_srate()
        if not sfreq > 0:
            raise ConfigError(f"LSL stream {self._stream.name()!r} has an irregular rate; bci-input needs EEG samples.")
        self.info = StreamInfo(tuple(names), tuple(types), float(sfreq), f"LSL {self._stream.name()}")
        self._marker_inlet: Any = None
        self._open = False
        self._pending: list[tuple[float, int]] = []
        self._lock = threading.Lock()
        self._fresh = True
        self._last_ts = -np.inf

    def _find(self, pred: str, timeout: float) -> list[Any]:
        # A ContinuousResolver keeps our deadline; liblsl's one-shot resolve can overrun it by ~5 s.
        resolver = self._pylsl.ContinuousResolver(pred=pred)
        deadline = time.monotonic() + timeout
        try:
            while True:
                found = list(resolver.results())
                if found or time.monotonic() >= deadline:
                    return found
                time.sleep(0.02)
        finally:
            del resolver

    def _resolve(self) -> Any:
        parts = [f"type='{self.stream_type}'"] if self.stream_type else []
        if self.name:
            parts.append(f"name='{self.name}'")
        if self._source_id:  # reconnect to the very same stream
            parts = [f"source_id='{self._source_id}'"]
        found = self._find(" and ".join(parts) or "true()", self.timeout)
        if not found:
            what = f"named {self.name!r}" if self.name else f"of type {self.stream_type!r}"
            raise StreamNotFoundError(
                f"No LSL stream {what} found within {self.timeout:g} s. Check that the sender is running "
                "(e.g. 'bci-input stream --lsl') on this machine or network and that a firewall does not block LSL."
            )
        self._source_id = found[0].source_id() or None
        return found[0]

    def _resolve_markers(self) -> Any:
        name = self.marker_name or f"{self._stream.name()}{MARKER_SUFFIX}"
        found = self._find(f"name='{name}' and type='Markers'", self.marker_timeout)
        if found:
            return found[0]
        if self.marker_name:
            raise StreamNotFoundError(f"No LSL marker stream named {name!r} found within {self.marker_timeout:g} s.")
        log.info("No LSL marker stream %r; markers come only from insert_marker().", name)
        return None

    def _make_inlet(self, stream: Any, max_buflen: int = 60) -> Any:
        # A stream from another computer needs LSL's clock synchronisation. One from this computer already
        # shares our clock: the synchronisation would only add its estimation noise, separately for the data
        # and the marker inlet (tens of ms apart on a busy machine), and move markers off their samples.
        same_host = stream.hostname() == socket.gethostname()
        flags = 0 if same_host else self._pylsl.proc_clocksync
        return self._pylsl.StreamInlet(stream, max_buflen=max_buflen, processing_flags=flags)

    def start(self) -> None:
        """Open the inlets (re-resolving the stream by its source id after a stop)."""
        if self._open:
            return
        if not self._fresh:  # after a stop (e.g. a reconnection): find the same stream again
            self._inlet = self._make_inlet(self._resolve())
        self._fresh = False
        m = self._resolve_markers()
        if m is not None:
            self._marker_inlet = self._make_inlet(m)
            self._marker_inlet.open_stream(timeout=self.timeout)
        self._inlet.open_stream(timeout=self.timeout)
        self._open = True

    def stop(self) -> None:
        """Close the inlets. Safe to call twice."""
        if not self._open:
            return
        self._open = False
        for inlet in (self._inlet, self._marker_inlet):
            if inlet is not None:
                inlet.close_stream()
        self._marker_inlet = None
        self._held_data = np.zeros((0, 0), np.float32)
        self._held_ts = np.zeros(0, np.float64)
        self._held_arrival = np.zeros(0, np.float64)

    def read(self, timeout: float = 0.1) -> Chunk | None:
        """Pull the samples that arrived, waiting up to ``timeout`` seconds for the first one.

        Returns
        -------
        Chunk | None
            Shape (n_times, n_channels) µV; markers from the marker stream on their nearest sample.
        """
        if not self._open:
            raise DeviceError(f"{self.info.name} is not open; call start() first.")
        deadline = time.monotonic() + max(float(timeout), 0.0)
        wait = float(timeout)
        while True:
            data, ts = self._inlet.pull_chunk(timeout=wait, max_samples=4096, min_samples=1, as_numpy=True)
            self._pull_markers()
            if ts is not None and len(ts):
                data = np.asarray(data, np.float32).reshape(len(ts), -1) * self._scale
                arrival = np.full(len(ts), self._pylsl.local_clock())
                if self._held_ts.size:
                    data = np.concatenate([self._held_data, data])
                    ts = np.concatenate([self._held_ts, ts])
                    arrival = np.concatenate([self._held_arrival, arrival])
                self._held_data, self._held_ts, self._held_arrival = data, np.asarray(ts, np.float64), arrival
            if not self._held_ts.size:
                return None
            n = self._releasable()
            if n:
                return self._release(n)
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            wait = min(left, 0.01)

    def _releasable(self) -> int:
        """Return how many held samples are old enough for their markers to have arrived."""
        if self._marker_inlet is None or self.marker_latency <= 0:
            return int(self._held_ts.size)
        now = self._pylsl.local_clock()
        return int(np.searchsorted(self._held_arrival, now - self.marker_latency, side="right"))

    def _release(self, n: int) -> Chunk:
        data, ts = self._held_data[:n], self._held_ts[:n]
        self._held_data, self._held_ts = self._held_data[n:], self._held_ts[n:]
        self._held_arrival = self._held_arrival[n:]
        chunk = Chunk(data, ts, self._attach_markers(ts))
        self._last_ts = float(ts[-1])
        return chunk

    def _pull_markers(self) -> None:
        if self._marker_inlet is None:
            return
        values, mts = self._marker_inlet.pull_chunk(timeout=0.0)
        with self._lock:
            for v, t in zip(values or [], mts or [], strict=False):
                try:
                    self._pending.append((float(t), int(float(v[0]))))
                except (TypeError, ValueError):
                    log.warning("Ignoring non-numeric LSL marker %r.", v)

    def _attach_markers(self, ts: np.ndarray) -> tuple[tuple[float, int], ...]:
        half = 0.5 / self.info.sfreq
        out, keep = [], []
        with self._lock:
            for t, code in sorted(self._pending):
                if t <= ts[-1] + half:  # belongs to a sample of this chunk (or an earlier one)
                    if t < self._last_ts - half:
                        log.warning("LSL marker %d arrived after its sample; stamped on the next sample.", code)
                    i = int(np.argmin(np.abs(ts - t)))
                    out.append((float(ts[i]), code))
                else:
                    keep.append((t, code))
            self._pending = keep
        return tuple(out)

    def insert_marker(self, code: int) -> None:
        """Stamp ``code`` on the sample nearest to now (LSL time)."""
        if int(code) <= 0:
            raise ConfigError(f"Invalid marker code {code!r}: markers must be positive integers.")
        with self._lock:
            self._pending.append((self._pylsl.local_clock(), int(code)))


class LslTeeSource(Source):
    """Pass another source through unchanged while publishing it (and its markers) on LSL.

    This is how the app and the engine share their live stream with LabRecorder, OpenViBE or
    BCI2000 (the ``lsl_outlet`` setting). The outlet is created when the source starts and
    withdrawn when it stops; a stable ``source_id`` lets receivers reconnect after a restart.

    Parameters
    ----------
    source : Source
        The source to read from.
    name : str
        LSL stream name; the marker stream is ``name + '-markers'``.
    scope : {"machine", "network"}
        Where the outlet can be found: this computer only (default) or the local network.
    """

    def __init__(self, source: Source, name: str = "bci-input", *, scope: str = "machine") -> None:
        if not name:
            raise ConfigError("The LSL outlet name must not be empty.")
        self.source = source
        self.name = name
        self.scope = scope
        self.info = source.info
        self.outlet: LslOutlet | None = None

    def start(self) -> None:
        """Start the wrapped source, then open the outlet."""
        self.source.start()
        self.info = self.source.info
        if self.outlet is None:
            self.outlet = LslOutlet(self.info, self.name, scope=self.scope)

    def stop(self) -> None:
        """Stop the wrapped source and withdraw the outlet. Safe to call twice."""
        try:
            self.source.stop()
        finally:
            if self.outlet is not None:
                self.outlet.close()
                self.outlet = None

    def read(self, timeout: float = 0.1) -> Chunk | None:
        """Read from the wrapped source and publish what arrived."""
        chunk = self.source.read(timeout)
        if chunk is not None and self.outlet is not None:
            self.outlet.push_chunk(chunk)
        return chunk

    def insert_marker(self, code: int) -> None:
        """Stamp a marker on the wrapped source; it is published with its sample."""
        self.source.insert_marker(code)
