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


#: Numbers at the edges, as they are written in JSON, TOML or CSV text: not finite, huge, tiny, negative, zero,
#: and 5,000-digit integers (Python refuses to convert more than 4,300 digits).
NUMERIC_EXTREMES = ["NaN", "Infinity", "-Infinity", "1e300", "-1e300", "1e400", "-1e400", "9" * 5000, "-" + "9" * 5000,
                    "-1", "0", "-0.0", "1e-300"]


def tenths(data: bytes) -> list[bytes]:
    """Return ``data`` truncated at every tenth of its length (0/10 ... 9/10)."""
    return [data[: len(data) * i // 10] for i in range(10)]


def assert_one_line_error(err: str, *names: str) -> str:
    """Check a CLI's stderr: one ``bci-input: error:`` line, no traceback, naming each of ``names``."""
    lines = err.strip().splitlines()
    assert len(lines) == 1, f"expected one line, got:\n{err}"
    assert lines[0].startswith("bci-input: error: "), lines[0]
    assert "Traceback" not in err and "internal error" not in err, err
    for name in names:
        assert name in lines[0], f"{name!r} not named in: {lines[0]}"
    return lines[0]
