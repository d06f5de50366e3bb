"""bci-input: hands-free document writing with EEG, EMG and a local language model.

The core package holds types, streaming processing, decoders, the language
layer, the speller, the document model, calibration and simulation. It never
imports Qt, BrainFlow or LSL; those live in :mod:`bci_input.hardware` and
:mod:`bci_input.ui`.
"""

from ._errors import (
    BciInputError,
    ConfigError,
    DataFormatError,
    DeviceError,
    ModelLoadError,
    ProfileError,
    StorageError,
    StreamNotFoundError,
)
from ._types import Chunk, Intent, IntentKind, Modality, Source, StreamInfo, WrappedSource

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "BciInputError",
    "ConfigError",
    "DataFormatError",
    "DeviceError",
    "ModelLoadError",
    "ProfileError",
    "StorageError",
    "StreamNotFoundError",
    "Chunk",
    "Intent",
    "IntentKind",
    "Modality",
    "Source",
    "WrappedSource",
    "StreamInfo",
]
