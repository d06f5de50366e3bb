"""Export a document to PDF with Qt's own document printing (QTextDocument + QPdfWriter)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from PyQt6.QtCore import QMarginsF
from PyQt6.QtGui import QFont, QPageLayout, QPageSize, QPdfWriter, QTextDocument

from bci_input._errors import StorageError

__all__ = ["export_pdf"]


def export_pdf(text: str, path: str | Path, *, title: str = "", font_size: int = 12) -> Path:
    """Write ``text`` to a PDF file (A4, 20 mm margins), atomically.

    Parameters
    ----------
    text : str
        Plain text; blank lines separate paragraphs.
    path : str | Path
        Destination ``.pdf`` file.
    title : str
        PDF metadata title.
    font_size : int
        Body font size in points.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    StorageError
        If the file cannot be written.
    """
    dest = Path(path)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
        os.close(fd)
    except OSError as exc:
        raise StorageError(f"Cannot write PDF to {dest.parent}: {exc.strerror}. Choose a writable folder.") from None
    try:
        writer = QPdfWriter(tmp)
        writer.setTitle(title or dest.stem)
        writer.setCreator("bci-input")
        writer.setResolution(300)
        writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                                         QMarginsF(20, 20, 20, 20), QPageLayout.Unit.Millimeter))
        doc = QTextDocument()
        font = QFont("DejaVu Serif")
        font.setPointSize(font_size)
        doc.setDefaultFont(font)
        doc.setPlainText(text)
        doc.print(writer)
        del writer  # finishes the file
        if not Path(tmp).stat().st_size:
            raise StorageError(f"Qt wrote an empty PDF for {dest}.")
        os.replace(tmp, dest)
    except OSError as exc:
        raise StorageError(f"Cannot write PDF {dest}: {exc.strerror}.") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return dest
