"""A socket guard for privacy tests: refuse and record every connection to a non-loopback address.

Imported at the start of a subprocess (``python -c "import _netguard; ..."``) so it sees the program's
real start-up, with no offline environment variables set by the test suite. A ``sitecustomize.py`` that
imports it puts every Python process of a program under the guard, child processes included; with
``BCI_NETGUARD_LOG`` set, each refused attempt is also appended to that file, so the parent test sees what
its children tried.
"""

from __future__ import annotations

import ipaddress
import os
import socket

ATTEMPTS: list[str] = []
_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo


def _is_local(address: object) -> bool:
    if isinstance(address, str):  # AF_UNIX path
        return True
    host = address[0] if isinstance(address, tuple) else address
    if host in ("localhost", "", None):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _record(what: str) -> None:
    ATTEMPTS.append(what)
    path = os.environ.get("BCI_NETGUARD_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(f"{os.getpid()} {what}\n")


def _guarded_connect(self: socket.socket, address: object) -> None:
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address):
        _record(f"connect {address!r}")
        raise ConnectionRefusedError(f"network guard: connection to {address!r} refused")
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: object) -> int:
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address):
        _record(f"connect_ex {address!r}")
        return 111
    return _real_connect_ex(self, address)


def _guarded_getaddrinfo(host, *args, **kwargs):  # noqa: ANN001, ANN202
    if host not in (None, "localhost") and not _is_local((host,)):
        _record(f"resolve {host!r}")
        raise socket.gaierror(f"network guard: name resolution of {host!r} refused")
    return _real_getaddrinfo(host, *args, **kwargs)


socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
socket.getaddrinfo = _guarded_getaddrinfo
