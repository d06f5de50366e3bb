"""Shared pieces of the property-based (hypothesis) tests of every file loader."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from bci_input import BciInputError

#: Nasty values spliced into one field of a text table.
NASTY_FIELDS = [b"nan", b"inf", b"-inf", b"1e400", b"", b"9" * 400, b"\xff\xfe", b"0x10", b"\x00", b"1e19"]


def fuzz_settings(max_examples: int = 40) -> settings:
    """Deterministic hypothesis settings (the same examples on every CI run), no per-example deadline."""
    return settings(
        deadline=None,
        max_examples=max_examples,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


def expect_clean(fn: Callable[[], Any]) -> Any:
    """Call ``fn``; it may return or raise a BciInputError with a message, nothing else."""
    try:
        return fn()
    except BciInputError as exc:
        assert str(exc).strip(), f"{type(exc).__name__} without a message"
        return None


@st.composite
def mutated(draw: st.DrawFn, valid: bytes, table: bool = False) -> bytes:
    """Truncate, corrupt, insert bytes into ``valid``, empty it or replace it by random bytes.

    With ``table=True`` (comma- or tab-separated text) also splice a nasty value into one field, or
    duplicate a line with one value too many.
    """
    kinds = ["truncate", "flip", "insert", "empty", "random"] + (["token", "duplicate"] if table else [])
    kind = draw(st.sampled_from(kinds))
    n = len(valid)
    if kind == "truncate":
        return valid[: draw(st.integers(0, max(n - 1, 0)))]
    if kind == "flip":
        b = bytearray(valid)
        for _ in range(draw(st.integers(1, 8))):
            b[draw(st.integers(0, n - 1))] = draw(st.integers(0, 255))
        return bytes(b)
    if kind == "insert":
        at = draw(st.integers(0, n))
        return valid[:at] + draw(st.binary(min_size=1, max_size=40)) + valid[at:]
    if kind == "empty":
        return b""
    if kind == "random":
        return draw(st.binary(max_size=300))
    sep = b"\t" if b"\t" in valid else b","
    if kind == "token":
        fields = valid.split(sep)
        fields[draw(st.integers(0, len(fields) - 1))] = draw(st.sampled_from(NASTY_FIELDS))
        return sep.join(fields)
    lines = valid.split(b"\n")
    i = draw(st.integers(0, len(lines) - 1))
    lines.insert(i, lines[i] + sep + b"1.0")  # a line with one value too many
    return b"\n".join(lines)
