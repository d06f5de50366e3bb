"""Shared test material for recordings: a small valid recording in every format, and FIF header edits."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from bci_input import StreamInfo
from bci_input._types import Chunk
from bci_input.recording import Recorder, export_recording

#: FIF tag kinds edited by the tests.
FIFF_NCHAN = 200
FIFF_SFREQ = 201


def write_good_recordings(folder: Path, info: StreamInfo) -> Path:
    """Write a 3 s recording with a marker in each second, as CSV (+ sidecars), FIF, EDF and BDF, into ``folder``."""
    rng = np.random.default_rng(0)
    n = int(info.sfreq)
    with Recorder(folder / "rec.csv", info) as rec:
        for k in range(3):
            ts = 100.0 + (k * n + np.arange(n)) / info.sfreq
            data = rng.standard_normal((n, len(info.ch_names))).astype(np.float32) * 10
            rec.write(Chunk(data, ts, ((float(ts[5]), k + 1),)))
    for name in ("rec_raw.fif", "rec.edf", "rec.bdf"):
        export_recording(folder / "rec.csv", folder / name)
    return folder


def fif_edit(src: bytes, kind: int, fmt: str, value: float | int) -> bytes:
    """Return the FIF file ``src`` with the value of every tag of ``kind`` packed as ``fmt`` (big-endian)."""
    b = bytearray(src)
    pos = 0
    while pos + 16 <= len(b):
        k, _type, size, nxt = struct.unpack(">iIii", b[pos : pos + 16])
        if k == kind:
            b[pos + 16 : pos + 16 + struct.calcsize(fmt)] = struct.pack(fmt, value)
        if nxt < 0:
            break
        pos = pos + 16 + size if nxt == 0 else nxt
    return bytes(b)


def set_fif_sfreq(src: Path, dst: Path, value: float) -> None:
    """Write ``src`` to ``dst`` with its sampling rate tag (FIFF_SFREQ, float32) set to ``value``."""
    dst.write_bytes(fif_edit(src.read_bytes(), FIFF_SFREQ, ">f", value))
