"""A structural check of FIF files before MNE reads them.

MNE walks the chain of FIF tag headers when a file's tag directory is missing or
damaged. A corrupt ``next`` pointer that points backwards makes that walk loop
forever, which would freeze the app or the CLI on a damaged recording. This
check walks the same chain with the rules MNE uses and refuses a chain that does
not move strictly forward inside the file.
"""

from __future__ import annotations

import struct
from pathlib import Path

from ._errors import DataFormatError

_HEADER = struct.Struct(">iIii")  # kind, type, size, next: the FIF tag header
_NEXT_SEQ = 0  # the next tag follows this one directly
_MAX_TAGS = 10_000_000


def check_fif_chain(path: str | Path) -> None:
    """Refuse a FIF file whose chain of tag headers would not end.

    Parameters
    ----------
    path : path-like
        The ``.fif`` file.

    Raises
    ------
    DataFormatError
        When a tag points backwards, past the end of the file, or has a negative size.
    """
    path = Path(path)
    try:
        with path.open("rb") as fid:
            fid.seek(0, 2)
            size = fid.tell()
            pos = 0
            for _ in range(_MAX_TAGS):
                fid.seek(pos)
                raw = fid.read(_HEADER.size)
                if len(raw) < _HEADER.size:
                    return  # MNE stops at a truncated header too
                _kind, _type, tag_size, nxt = _HEADER.unpack(raw)
                if tag_size < 0:
                    raise DataFormatError(f"{path} is damaged: a FIF tag at byte {pos} has a negative size.")
                if nxt == _NEXT_SEQ:
                    new = pos + _HEADER.size + tag_size
                elif nxt > 0:
                    new = nxt
                else:
                    return  # the last tag
                if new <= pos or new > size:
                    raise DataFormatError(
                        f"{path} is damaged: the FIF tag at byte {pos} points to byte {new} "
                        f"(the file has {size} bytes). Is the file complete?"
                    )
                pos = new
    except OSError as exc:
        raise DataFormatError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    raise DataFormatError(f"{path} has more than {_MAX_TAGS} FIF tags; it is not a recording this app can read.")
