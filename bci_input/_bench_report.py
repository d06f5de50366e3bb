"""Write benchmark figures into sections of ``BENCHMARKS.md``.

Each benchmark owns one section, delimited by HTML comments::

    <!-- BEGIN decoders -->
    ...
    <!-- END decoders -->

:func:`write_section` replaces that section in place (or appends it), so the
benchmarks can run separately and the file keeps every other section.
"""

from __future__ import annotations

import datetime as _dt
import platform
from pathlib import Path

__all__ = ["write_section", "machine_line", "markdown_table"]

_HEADER = (
    "# Benchmarks\n\n"
    "Figures written by `make bench` and the `bci-input ... bench` commands. Each section says how it was made.\n"
    "Decoders: fit and tuned on the dev split only; eval figures are reported as they came out.\n"
)


def machine_line() -> str:
    """Return a one-line description of the machine and date, for a section's header."""
    import os

    return (
        f"Measured {_dt.date.today().isoformat()} on {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}."
    )


def markdown_table(header: list[str], rows: list[list[object]]) -> str:
    """Format a Markdown table.

    Parameters
    ----------
    header : list of str
        Column titles.
    rows : list of list
        Cell values; floats are printed with 3 significant decimals.

    Returns
    -------
    str
        The table, ending with a newline.
    """

    def fmt(v: object) -> str:
        if isinstance(v, float):
            return f"{v:.3f}"
        return str(v)

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(fmt(v) for v in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def write_section(name: str, markdown: str, path: str | Path = "BENCHMARKS.md") -> Path:
    """Replace (or append) the section ``name`` of the benchmarks file.

    Parameters
    ----------
    name : str
        Section id, e.g. ``'decoders'``.
    markdown : str
        The section body, starting with its own ``##`` heading.
    path : path-like
        The benchmarks file.

    Returns
    -------
    Path
        The file written.
    """
    p = Path(path)
    begin, end = f"<!-- BEGIN {name} -->", f"<!-- END {name} -->"
    block = f"{begin}\n{markdown.rstrip()}\n{end}\n"
    text = p.read_text(encoding="utf-8") if p.exists() else _HEADER
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        _, tail = rest.split(end, 1)
        text = head + block + tail.lstrip("\n")
    else:
        text = text.rstrip("\n") + "\n\n" + block
    tmp = p.with_suffix(".md.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(p)
    return p
