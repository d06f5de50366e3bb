"""Where LSL streams published by this process can be found: this computer (default) or the local network.

liblsl reads its configuration once, from the file named by the ``LSLAPICFG`` environment variable, when the
library first starts in a process. With its defaults an outlet answers discovery queries on every interface
(0.0.0.0 and ::) and joins multicast groups with a TTL of 24, so every computer on the local network can find
and receive a patient's brain signals. Before pylsl is first imported, :func:`start_lsl` therefore writes a
loopback configuration to the user cache folder and points ``LSLAPICFG`` at it, unless

- the scope is ``"network"`` (``[acquisition] lsl_scope = "network"`` or ``stream --lsl-network``): liblsl's
  own defaults, the stream is announced to the local network; or
- the user set ``LSLAPICFG`` already: their file is used as it is.

A process that only reads LSL streams (an inlet, no outlet) keeps liblsl's defaults, so a headset streaming from
another computer is still found; an outlet started later in that process is refused rather than published to
the network.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from bci_input._errors import ConfigError, DeviceError, check_option

__all__ = ["LOOPBACK_CONFIG", "SCOPES", "start_lsl", "lsl_scope_in_use", "network_notice"]

log = logging.getLogger(__name__)

SCOPES = ("machine", "network")

#: liblsl configuration that keeps discovery on this computer: IPv4 loopback only, no multicast beyond it.
LOOPBACK_CONFIG = """\
; Written by bci-input: LSL streams stay on this computer (acquisition.lsl_scope = "machine").
[ports]
IPv6 = disable

[multicast]
ResolveScope = machine
ListenAddress = 127.0.0.1
AddressesOverride = {127.0.0.1}
Interfaces = {127.0.0.1}
TTLOverride = 0

[lab]
KnownPeers = {127.0.0.1}
"""

#: How liblsl was started in this process: None (not yet), "machine", "network", "user" (their LSLAPICFG)
#: or "inlet" (liblsl's defaults, started by a reader that asked for no scope).
_started: str | None = None


def network_notice() -> str:
    """Return the sentence shown when streams are published to the local network."""
    return ("LSL streams are published to the local network (acquisition.lsl_scope = \"network\"): any computer "
            "on this network can find and receive the signals.")


def lsl_scope_in_use() -> str | None:
    """Return how liblsl was started in this process (``machine``, ``network``, ``user``, ``inlet``) or None."""
    return _started


def _write_loopback_config() -> str:
    from bci_input.settings import user_cache_dir

    folder = user_cache_dir() / "lsl"
    path = folder / "lsl_api.cfg"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.read_text(encoding="utf-8") != LOOPBACK_CONFIG:
            tmp = path.with_name(f"{path.name}.tmp{os.getpid()}")
            tmp.write_text(LOOPBACK_CONFIG, encoding="utf-8")
            os.replace(tmp, path)
    except OSError as exc:
        raise DeviceError(
            f"Cannot write the loopback LSL configuration {path}: {exc.strerror}. LSL is not started, so nothing "
            "is published to the network; free the cache folder or set LSLAPICFG to a configuration file."
        ) from None
    return str(path)


def start_lsl(scope: str | None) -> Any:
    """Configure liblsl for ``scope`` before its first use in this process, and return the pylsl module.

    Parameters
    ----------
    scope : {"machine", "network"} | None
        ``machine`` keeps published streams on this computer, ``network`` announces them to the local
        network. None (a reader only) keeps liblsl's defaults if LSL is not started yet.

    Returns
    -------
    module
        pylsl.

    Raises
    ------
    ConfigError
        If an outlet asks for a scope other than the one liblsl was already started with in this process.
    DeviceError
        If pylsl cannot be loaded or the loopback configuration cannot be written.
    """
    global _started
    if scope is not None:
        check_option("acquisition.lsl_scope", scope, SCOPES)
    if _started is None:
        if os.environ.get("LSLAPICFG"):
            _started = "user"
        elif scope == "machine":
            os.environ["LSLAPICFG"] = _write_loopback_config()
            _started = "machine"
        elif scope == "network":
            _started = "network"
        else:
            _started = "inlet"
        if _started == "network":
            log.warning("%s", network_notice())
    elif scope is not None and _started != "user":
        started = "machine" if _started == "machine" else "network"
        if started != scope:
            raise ConfigError(
                f"LSL was already started in this process with the {started!r} scope, and liblsl cannot change it "
                f"while running, so a stream cannot be published with the {scope!r} scope now. Use one "
                "acquisition.lsl_scope for the whole session, or publish from a separate process."
            )
    try:
        import pylsl
    except (ImportError, RuntimeError) as exc:  # pragma: no cover - pylsl is a dependency
        raise DeviceError(f"LSL is not available ({exc}). Install pylsl: pip install pylsl.") from exc
    return pylsl
