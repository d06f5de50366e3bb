"""WrappedSource: the delegating base of the fault-injecting source, the soak's gap counter and test gates."""

from __future__ import annotations

from bci_input import WrappedSource
from bci_input._cli._soak import _GapCounter
from bci_input.faults import Fault, FaultInjectingSource
from bci_input.simulation import SimulatedParticipant


def test_a_wrapper_passes_every_call_through_to_its_base() -> None:
    part = SimulatedParticipant(seed=5)
    counter = _GapCounter(part)
    assert isinstance(counter, WrappedSource) and counter.info is part.info
    with counter:
        n = 0
        while n < part.sfreq:
            chunk = counter.read(timeout=1.0)
            n += chunk.n_times if chunk is not None else 0
        counter.insert_marker(7)
        marked = []
        while not marked:
            chunk = counter.read(timeout=1.0)
            marked = [code for _, code in chunk.markers] if chunk is not None else []
        assert part._running
    assert marked == [7] and counter.n_samples >= part.sfreq
    assert not part._running  # stop reached the base


def test_fault_injection_keeps_the_wrapped_sources_markers() -> None:
    part = SimulatedParticipant(seed=6)
    src = FaultInjectingSource(part, [Fault("nan", start_s=100.0, duration_s=1.0)])
    assert isinstance(src, WrappedSource) and src.base is part and src.info is part.info
    with src:
        src.insert_marker(3)
        marked = []
        while not marked:
            chunk = src.read(timeout=1.0)
            marked = [code for _, code in chunk.markers] if chunk is not None else []
    assert marked == [3]
