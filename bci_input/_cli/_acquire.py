"""Run a source on an acquisition thread and hand its chunks to a command (record, stream, replay, quality)."""

from __future__ import annotations

import argparse
import threading
import time
from collections.abc import Callable

from .._errors import DeviceError
from .._types import Chunk, Source
from ._common import BOARD_FLAGS as BOARD_KEYS


def open_board(args: argparse.Namespace) -> Source:
    """Open the board named by ``add_board_arguments`` options, with BrainFlow's logger set by ``--verbose``."""
    from ..hardware import open_source, set_brainflow_logging

    set_brainflow_logging(bool(getattr(args, "verbose", False)))
    acq = args.settings.acquisition
    return open_source(board=acq.board, **{k: getattr(acq, k) for k in BOARD_KEYS})


def pump(
    source: Source,
    on_chunk: Callable[[Chunk], None],
    *,
    max_samples: int | None = None,
    duration: float | None = None,
    tick: Callable[[], None] | None = None,
) -> int:
    """Acquire from a started ``source`` until ``max_samples``, ``duration`` (s), the end of a file, or Ctrl-C.

    Stalls and reconnections are printed; a source that cannot be reconnected raises :class:`DeviceError`.

    Returns
    -------
    int
        Number of samples handed to ``on_chunk``.
    """
    from ..acquisition import AcquisitionThread

    failure: list[BaseException] = []
    wake = threading.Event()

    def on_error(exc: BaseException) -> None:
        failure.append(exc)
        wake.set()

    def on_status(status: object) -> None:
        if getattr(status, "state", "") in ("stalled", "recovered", "failed"):
            print(f"bci-input: {getattr(status, 'message', '')}", flush=True)

    thread = AcquisitionThread(source, on_error=on_error, on_status=on_status)
    n = 0
    end = time.monotonic() + duration if duration is not None else float("inf")
    thread.start()
    try:
        while (max_samples is None or n < max_samples) and time.monotonic() < end:
            if thread.state == "failed":
                raise DeviceError(f"Acquisition stopped: {failure[-1] if failure else 'the source failed'}")
            if tick is not None:
                tick()
            left = None if max_samples is None else max_samples - n
            chunk = thread.buffer.read(max_samples=left)
            if chunk.n_times:
                on_chunk(chunk)
                n += chunk.n_times
            elif getattr(source, "finished", False):
                break
            else:
                wake.wait(0.02)
    except KeyboardInterrupt:
        print("bci-input: stopped by Ctrl-C", flush=True)
    finally:
        thread.stop()
    return n
