"""Core data types shared by every layer: chunks, stream descriptions, sources, intents."""

from __future__ import annotations

import abc
import enum
import types
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from ._errors import ConfigError

__all__ = [
    "Chunk",
    "StreamInfo",
    "Source",
    "WrappedSource",
    "Intent",
    "IntentKind",
    "Modality",
    "CHANNEL_TYPES",
    "CALIBRATION_PARADIGMS",
]

#: Channel types understood across the project (MNE names).
CHANNEL_TYPES = ("eeg", "emg", "eog", "misc", "stim", "resp", "ecg", "bio")

#: Paradigms a profile can hold a calibration for (``bci-input calibrate --paradigm``). The speller's own
#: paradigms, ``ssvep``/``p300``/``scan``, are :data:`bci_input.speller.PARADIGMS`.
CALIBRATION_PARADIGMS = ("ssvep", "p300", "emg", "blink", "mi")


@dataclass(frozen=True)
class Chunk:
    """A block of consecutive samples from one source.

    This is the only array layout in the core.

    Parameters
    ----------
    data : ndarray, shape (n_times, n_channels)
        Samples as float32, in µV for EEG/EMG/EOG channels.
    timestamps : ndarray, shape (n_times,)
        Sample times in seconds (float64) on the source's clock.
    markers : tuple of (float, int)
        Stimulus events as ``(timestamp, code)``. The timestamp equals the
        timestamp of the sample the event belongs to.
    """

    data: NDArray[np.float32]
    timestamps: NDArray[np.float64]
    markers: tuple[tuple[float, int], ...] = ()

    def __post_init__(self) -> None:
        data = np.asarray(self.data, dtype=np.float32)
        ts = np.asarray(self.timestamps, dtype=np.float64)
        if data.ndim != 2:
            raise ConfigError(f"Chunk data must be 2-D (n_times, n_channels), got shape {data.shape}.")
        if ts.shape != (data.shape[0],):
            raise ConfigError(
                f"Chunk timestamps must have shape ({data.shape[0]},) to match data, got {ts.shape}."
            )
        object.__setattr__(self, "data", data)
        object.__setattr__(self, "timestamps", ts)
        object.__setattr__(self, "markers", tuple((float(t), int(c)) for t, c in self.markers))

    @property
    def n_times(self) -> int:
        """Number of samples in the chunk."""
        return int(self.data.shape[0])

    @property
    def n_channels(self) -> int:
        """Number of channels in the chunk."""
        return int(self.data.shape[1])

    @classmethod
    def empty(cls, n_channels: int) -> Chunk:
        """Return a chunk with no samples and ``n_channels`` channels."""
        return cls(np.zeros((0, n_channels), np.float32), np.zeros(0, np.float64))

    @classmethod
    def concatenate(cls, chunks: Sequence[Chunk]) -> Chunk:
        """Join consecutive chunks into one.

        Parameters
        ----------
        chunks : sequence of Chunk
            Chunks with the same number of channels, in time order.

        Returns
        -------
        Chunk
            One chunk holding every sample and marker.
        """
        if not chunks:
            raise ConfigError("Cannot concatenate an empty list of chunks.")
        data = np.concatenate([c.data for c in chunks], axis=0)
        ts = np.concatenate([c.timestamps for c in chunks])
        markers = tuple(m for c in chunks for m in c.markers)
        return cls(data, ts, markers)


@dataclass(frozen=True)
class StreamInfo:
    """Description of a source's channels.

    Parameters
    ----------
    ch_names : tuple of str
        Channel names, in column order of :attr:`Chunk.data`.
    ch_types : tuple of str
        MNE channel types (``'eeg'``, ``'emg'``, ``'eog'``, ``'misc'``), one per channel.
    sfreq : float
        Nominal sampling rate in Hz.
    name : str
        Human-readable name of the source (``'BrainFlow synthetic'``).
    """

    ch_names: tuple[str, ...]
    ch_types: tuple[str, ...]
    sfreq: float
    name: str = "source"

    def __post_init__(self) -> None:
        object.__setattr__(self, "ch_names", tuple(self.ch_names))
        object.__setattr__(self, "ch_types", tuple(self.ch_types))
        if len(self.ch_names) != len(self.ch_types):
            raise ConfigError(
                f"StreamInfo has {len(self.ch_names)} channel names but {len(self.ch_types)} types."
            )
        if not self.sfreq > 0:
            raise ConfigError(f"Sampling rate must be positive, got {self.sfreq!r}.")
        for t in self.ch_types:
            if t not in CHANNEL_TYPES:
                raise ConfigError(
                    f"Invalid channel type {t!r}. Allowed values are: {', '.join(CHANNEL_TYPES)}."
                )

    @property
    def n_channels(self) -> int:
        """Number of channels."""
        return len(self.ch_names)

    def picks(self, ch_type: str) -> list[int]:
        """Return the column indices of channels of one type."""
        return [i for i, t in enumerate(self.ch_types) if t == ch_type]


class Source(abc.ABC):
    """A stream of samples: a BrainFlow board, a playback file, an LSL inlet, a simulation.

    Subclasses implement :meth:`start`, :meth:`stop`, :meth:`read` and
    :meth:`insert_marker`, and set :attr:`info`. A source is a context manager:
    ``with source:`` starts it and always stops it.
    """

    info: StreamInfo

    @abc.abstractmethod
    def start(self) -> None:
        """Open the device (if needed) and start streaming."""

    @abc.abstractmethod
    def stop(self) -> None:
        """Stop streaming and release the device. Safe to call twice."""

    @abc.abstractmethod
    def read(self, timeout: float = 0.1) -> Chunk | None:
        """Return the samples that arrived since the last call.

        Parameters
        ----------
        timeout : float
            Seconds to wait for at least one sample.

        Returns
        -------
        Chunk | None
            The new samples, or ``None`` if none arrived within ``timeout``.
        """

    @abc.abstractmethod
    def insert_marker(self, code: int) -> None:
        """Stamp a stimulus event onto the sample being acquired now.

        Parameters
        ----------
        code : int
            Positive event code.
        """

    def __enter__(self) -> Source:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: types.TracebackType | None,
    ) -> None:
        self.stop()


class WrappedSource(Source):
    """A source that passes another one through: every call goes to ``base``.

    Subclasses override what they change (usually :meth:`read`): fault injection, counting, gating.

    Parameters
    ----------
    base : Source
        The wrapped source; its :attr:`info` is this source's.
    """

    def __init__(self, base: Source) -> None:
        self.base = base
        self.info = base.info

    def start(self) -> None:
        """Start the wrapped source."""
        self.base.start()

    def stop(self) -> None:
        """Stop the wrapped source."""
        self.base.stop()

    def read(self, timeout: float = 0.1) -> Chunk | None:
        """Read from the wrapped source."""
        return self.base.read(timeout)

    def insert_marker(self, code: int) -> None:
        """Stamp a marker on the wrapped source."""
        self.base.insert_marker(code)


class IntentKind(enum.StrEnum):
    """What a decoded intent asks for."""

    SELECT = "select"
    SWITCH = "switch"
    STEP = "step"
    UNDO = "undo"
    CONFIRM = "confirm"
    CANCEL = "cancel"
    WAKE = "wake"
    PAUSE = "pause"
    COMMAND = "command"


class Modality(enum.StrEnum):
    """The signal an intent was decoded from."""

    SSVEP = "ssvep"
    P300 = "p300"
    EMG = "emg"
    BLINK = "blink"
    MI = "mi"
    SIMULATED = "simulated"
    KEYBOARD = "keyboard"


@dataclass(frozen=True)
class Intent:
    """A decision decoded from the user's signals.

    Parameters
    ----------
    kind : IntentKind
        What the user asked for.
    payload : object
        Kind-specific detail: the selected target id, a command name, ...
    confidence : float
        Posterior probability of the decision, in [0, 1].
    onset : float
        Time (s, source clock) when the evidence for this decision started.
    decided_at : float
        Time (s, source clock) when the decision was made.
    modality : Modality
        The signal it was decoded from.
    """

    kind: IntentKind
    payload: object = None
    confidence: float = 1.0
    onset: float = 0.0
    decided_at: float = 0.0
    modality: Modality = Modality.SIMULATED
    extra: dict[str, object] = field(default_factory=dict, compare=False)
