"""Continuous autosave with version history, failure reporting and crash recovery.

Every :class:`Autosaver` writes under its own session id: ``<name>.<session>.<seq>.autosave.json``. Pruning
touches only that session's files, so a second run (or an app started with ``--open``) never deletes the text
of a session that crashed. Files from before sessions existed (``<name>.<seq>.autosave.json``) are read as one
session with an empty id: they are recoverable and are never pruned by a new session.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .._errors import ConfigError, StorageError
from ._storage import atomic_write_text

if TYPE_CHECKING:
    from ._model import Document

__all__ = ["Autosaver", "AutosaveVersion", "find_recoverable", "discard_versions", "new_session_id"]

log = logging.getLogger(__name__)

_FORMAT = "bci-input-autosave"
_SESSION = r"\d{8}T\d{6}-[0-9a-f]{8}"
_NAME_RE = re.compile(rf"^(?P<name>.+?)(?:\.(?P<session>{_SESSION}))?\.(?P<seq>\d{{6}})\.autosave\.json$")


def new_session_id(clock: Callable[[], float] = time.time) -> str:
    """Return a fresh autosave session id: the start time and 8 random hex digits (``20261206T134012-1f2e3d4c``)."""
    import secrets

    return time.strftime("%Y%m%dT%H%M%S", time.gmtime(clock())) + "-" + secrets.token_hex(4)


@dataclass(frozen=True)
class AutosaveVersion:
    """One autosaved version of a document.

    Parameters
    ----------
    path : Path
        The autosave file.
    name : str
        The document's autosave name.
    seq : int
        Sequence number (higher is newer).
    text : str
        The document text.
    cursor : int
        The cursor position.
    revision : int
        The document revision it was taken at.
    saved_at : float
        Wall-clock time of the snapshot (seconds since the epoch).
    document_path : str
        The document's own file ('' if it was never saved).
    session : str
        The session that wrote it ('' for files from before sessions existed).
    """

    path: Path
    name: str
    seq: int
    text: str
    cursor: int
    revision: int
    saved_at: float
    document_path: str
    session: str = ""


@dataclass(frozen=True)
class _Snapshot:
    text: str
    cursor: int
    revision: int
    saved_at: float
    document_path: str


class Autosaver:
    """Write the document after every committed change, keeping this session's last ``keep`` versions.

    Call :meth:`notify` (or :meth:`attach` once) from the thread that owns the
    document; it only takes a snapshot. A small worker thread writes it
    atomically. If writing fails (full disk, read-only folder), ``on_error`` is
    called with a message, the text stays in memory and the write is retried
    every ``retry_s`` seconds and on every later change, until it succeeds.

    Parameters
    ----------
    directory : str | Path
        Folder for the autosave files (created if missing).
    name : str
        Base name of the files: ``<name>.<session>.<seq>.autosave.json``.
    keep : int
        Number of versions kept for this session (other sessions' files are never pruned).
    on_error : callable(str) | None
        Called (on the worker thread) when a write fails.
    on_saved : callable(Path) | None
        Called (on the worker thread) after each successful write.
    retry_s : float
        Seconds between retries after a failure.
    threaded : bool
        ``False`` writes synchronously inside :meth:`notify` (tests, headless runs).
    clock : callable() -> float
        Wall clock for the ``saved_at`` stamp.
    session : str | None
        Session id (from :func:`new_session_id`); a new one by default.
    """

    def __init__(
        self,
        directory: str | Path,
        *,
        name: str = "document",
        keep: int = 10,
        on_error: Callable[[str], None] | None = None,
        on_saved: Callable[[Path], None] | None = None,
        retry_s: float = 2.0,
        threaded: bool = True,
        clock: Callable[[], float] = time.time,
        session: str | None = None,
    ) -> None:
        if keep < 1:
            raise ConfigError(f"Autosaver keep must be at least 1, got {keep}.")
        if not re.fullmatch(r"[\w.-]+", name):
            raise ConfigError(f"Invalid autosave name {name!r}: use letters, digits, '.', '_' or '-'.")
        if session is not None and not re.fullmatch(_SESSION, session):
            raise ConfigError(f"Invalid autosave session {session!r}: use new_session_id().")
        self.directory = Path(directory)
        self.name = name
        self.session = session if session is not None else new_session_id(clock)
        self.keep = int(keep)
        self.on_error = on_error
        self.on_saved = on_saved
        self.retry_s = float(retry_s)
        self.clock = clock
        self.last_error: str | None = None
        self.n_written = 0
        self._seq = max((v for v in self._existing_seqs()), default=0)
        self._pending: _Snapshot | None = None
        self._cv = threading.Condition()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if threaded:
            self._thread = threading.Thread(target=self._run, name="autosave", daemon=True)
            self._thread.start()

    # ------------------------------------------------------------------ API
    @property
    def pending(self) -> bool:
        """Whether a change is waiting to be written (for example after a failure)."""
        with self._cv:
            return self._pending is not None

    def attach(self, doc: Document) -> Callable[[], None]:
        """Autosave ``doc`` after each of its changes; return a function that detaches."""
        return doc.subscribe(self.notify)

    def notify(self, doc: Document) -> None:
        """Take a snapshot of ``doc`` and schedule it for writing."""
        snap = _Snapshot(doc.text, doc.cursor, doc.revision, self.clock(), str(doc.path or ""))
        with self._cv:
            self._pending = snap
            self._cv.notify_all()
        if self._thread is None:
            self._write_pending()

    def flush(self, timeout: float = 5.0) -> bool:
        """Write what is pending now; return ``True`` if nothing is left pending.

        Parameters
        ----------
        timeout : float
            Seconds to wait for the worker.
        """
        if self._thread is None:
            self._write_pending()
            return not self.pending
        deadline = time.monotonic() + timeout
        with self._cv:
            start_failures = self._failures
            self._flush_requested = True
            self._cv.notify_all()
            while self._pending is not None and self._failures == start_failures:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cv.wait(remaining)
            return self._pending is None

    def close(self, timeout: float = 5.0) -> None:
        """Write the pending change (best effort) and stop the worker."""
        if self._thread is not None:
            self.flush(timeout)
            self._stop.set()
            with self._cv:
                self._cv.notify_all()
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.error("autosave worker did not stop within %.1f s", timeout)
            self._thread = None
        else:
            self._write_pending()

    def versions(self) -> list[AutosaveVersion]:
        """Return this session's readable versions, newest first."""
        return [v for v in _read_versions(self.directory) if (v.name, v.session) == (self.name, self.session)]

    def discard(self) -> int:
        """Remove this session's versions (after :meth:`close`, when its text is saved); return how many."""
        return _remove(self.directory, self.name, self.session)

    # ------------------------------------------------------------ internals
    _failures = 0
    _flush_requested = False

    def _existing_seqs(self) -> list[int]:
        if not self.directory.is_dir():
            return []
        out = []
        for p in self.directory.iterdir():
            m = _NAME_RE.match(p.name)
            if m and m.group("name") == self.name and (m.group("session") or "") == self.session:
                out.append(int(m.group("seq")))
        return out

    def _file(self, seq: int) -> Path:
        return self.directory / f"{self.name}.{self.session}.{seq:06d}.autosave.json"

    def _run(self) -> None:
        while not self._stop.is_set():
            with self._cv:
                failing = self.last_error is not None and self._pending is not None
                if self._pending is None or (failing and not self._flush_requested):
                    self._cv.wait(self.retry_s if failing else None)
                self._flush_requested = False
            if self._stop.is_set():
                break
            self._write_pending()

    def _write_pending(self) -> None:
        with self._cv:
            snap = self._pending
        if snap is None:
            return
        try:
            path = self._write(snap)
        except StorageError as exc:
            msg = str(exc)
            log.warning("autosave failed: %s", msg)
            if self.on_error is not None:  # before waking flush(), so callers see the report
                self.on_error(msg)
            with self._cv:
                self.last_error = msg
                self._failures += 1
                self._cv.notify_all()
            return
        with self._cv:
            if self._pending is snap:
                self._pending = None
            self.last_error = None
            self.n_written += 1
            self._cv.notify_all()
        if self.on_saved is not None:
            self.on_saved(path)

    def _write(self, snap: _Snapshot) -> Path:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"Cannot create autosave folder {self.directory}: {exc.strerror or exc}.") from exc
        self._seq += 1
        path = self._file(self._seq)
        payload = {
            "format": _FORMAT,
            "version": 2,
            "session": self.session,
            "text": snap.text,
            "cursor": snap.cursor,
            "revision": snap.revision,
            "saved_at": snap.saved_at,
            "document_path": snap.document_path,
        }
        try:
            atomic_write_text(path, json.dumps(payload, ensure_ascii=False))
        except StorageError:
            self._seq -= 1
            raise
        self._prune()
        return path

    def _prune(self) -> None:
        seqs = sorted(self._existing_seqs())
        for seq in seqs[: max(0, len(seqs) - self.keep)]:
            try:
                self._file(seq).unlink()
            except OSError as exc:
                log.warning("could not remove old autosave %d: %s", seq, exc)


def _read_versions(directory: Path) -> list[AutosaveVersion]:
    out: list[AutosaveVersion] = []
    if not directory.is_dir():
        return out
    for p in directory.iterdir():
        m = _NAME_RE.match(p.name)
        if not m:
            continue
        try:
            d = json.loads(p.read_text(encoding="utf-8"))
            if not isinstance(d, dict) or d.get("format") != _FORMAT or not isinstance(d.get("text"), str):
                raise ValueError("not an autosave file")
            out.append(
                AutosaveVersion(
                    p, m.group("name"), int(m.group("seq")), d["text"], int(d.get("cursor", len(d["text"]))),
                    int(d.get("revision", 0)), float(d.get("saved_at", 0.0)), str(d.get("document_path", "")),
                    m.group("session") or "",
                )
            )
        # A corrupt version is skipped; the others still count.
        except (OSError, ValueError, TypeError, OverflowError, RecursionError) as exc:
            log.warning("skipping unreadable autosave %s: %s", p, exc)
    out.sort(key=lambda v: (v.saved_at, v.seq), reverse=True)
    return out


def find_recoverable(directory: str | Path, *, include_saved: bool = False) -> list[AutosaveVersion]:
    """Return autosaved versions holding text that is not in the document's own file, newest first.

    After a crash, open ``find_recoverable(dir)[0]``. One entry is returned per
    autosave session (its newest readable version). Corrupt files are skipped.

    Parameters
    ----------
    directory : str | Path
        The autosave folder.
    include_saved : bool
        Also return versions whose text equals the saved document file.

    Returns
    -------
    list of AutosaveVersion
    """
    newest: dict[tuple[str, str], AutosaveVersion] = {}
    for v in _read_versions(Path(directory)):
        if (v.name, v.session) not in newest:
            newest[v.name, v.session] = v
    out = []
    for v in newest.values():
        if not include_saved and v.document_path:
            try:
                if Path(v.document_path).read_text(encoding="utf-8") == v.text:
                    continue
            except (OSError, UnicodeDecodeError):
                pass
        out.append(v)
    return out


def discard_versions(version: AutosaveVersion) -> int:
    """Remove every version of ``version``'s session (the person discarded or saved that text); return how many.

    Parameters
    ----------
    version : AutosaveVersion
        Any version of the session to remove.

    Returns
    -------
    int
        The number of files removed.
    """
    return _remove(version.path.parent, version.name, version.session)


def _remove(directory: Path, name: str, session: str) -> int:
    n = 0
    if not directory.is_dir():
        return 0
    for p in directory.iterdir():
        m = _NAME_RE.match(p.name)
        if m and m.group("name") == name and (m.group("session") or "") == session:
            try:
                p.unlink()
                n += 1
            except OSError as exc:
                log.warning("could not remove autosave %s: %s", p, exc)
    return n
