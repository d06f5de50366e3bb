"""One check for every number read from a file, a profile or a config.

Each value is checked once, at the boundary, before anything is allocated from it: it must be a real number
(not a bool, not NaN, not infinite), of the right kind (integer where a count or a code is meant) and within
the physical bounds the caller gives. The error names the key and the file it came from, and says what is
allowed, so the CLI can print it as one line.
"""

from __future__ import annotations

import math
from numbers import Integral, Real

from ._errors import BciInputError, DataFormatError

__all__ = ["check_number", "INT32_MIN", "INT32_MAX", "SFREQ_MAX", "CHANNELS_MAX"]

INT32_MIN = -(2**31)
INT32_MAX = 2**31 - 1
#: The highest sampling rate any supported acquisition device delivers, in Hz, with headroom.
SFREQ_MAX = 100_000.0
#: The most channels a recording or a stream may declare.
CHANNELS_MAX = 4096


def check_number(
    name: str,
    value: object,
    *,
    low: float | None = None,
    high: float | None = None,
    integer: bool = False,
    low_inclusive: bool = True,
    where: str | None = None,
    error: type[BciInputError] = DataFormatError,
) -> float | int:
    """Return ``value`` if it is a finite number within ``[low, high]``; raise ``error`` otherwise.

    Parameters
    ----------
    name : str
        The key as the user knows it (``'sfreq'``, ``'speller.dwell_s'``).
    value : object
        The value read. Strings are not converted: the reader decides the type.
    low, high : float | None
        Inclusive bounds; None leaves that side open.
    integer : bool
        Require an integral value (a count, an event code). Integral floats such as ``3.0`` are accepted
        and returned as int.
    low_inclusive : bool
        If False, ``low`` itself is refused (``sfreq`` must be above 0, not 0).
    where : str | None
        The file or section the value came from; named in the message.
    error : type of BciInputError
        The exception raised (:class:`DataFormatError` for files, ``ConfigError`` for settings).

    Returns
    -------
    float | int
        The value, as ``int`` when ``integer`` is set.
    """
    at = f" in {where}" if where else ""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise error(f"Invalid value for {name!r}{at}: {_short(value)}. It must be a number.")
    if isinstance(value, Integral):
        number: float | int = int(value)
    else:
        number = float(value)
        if not math.isfinite(number):
            raise error(f"Invalid value for {name!r}{at}: {_short(value)}. It must be a finite number.")
    if integer and not isinstance(number, int):
        if not float(number).is_integer():
            raise error(f"Invalid value for {name!r}{at}: {_short(value)}. It must be a whole number.")
        number = int(number)
    too_low = low is not None and (number < low if low_inclusive else number <= low)
    too_high = high is not None and number > high
    if too_low or too_high:
        lo = "-inf" if low is None else _short(low)
        hi = "inf" if high is None else _short(high)
        bracket = "[" if low_inclusive else "("
        raise error(f"Invalid value for {name!r}{at}: {_short(value)}. Allowed range is {bracket}{lo}, {hi}].")
    return number


def _short(value: object) -> str:
    """Return ``repr(value)`` cut to 40 characters (a 5,000-digit integer must not flood the message)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 128:
        return f"an integer of about {int(value.bit_length() * 0.30103) + 1} digits"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
