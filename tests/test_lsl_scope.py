"""LSL stays on this computer by default: ``stream --lsl`` and the app's outlet announce nothing to the network.

Each check runs ``bci-input stream --lsl`` in a fresh process WITHOUT the test suite's ``LSLAPICFG``, so it
sees what the program does on its own, and inspects that process's sockets while it streams.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil

#: liblsl's discovery port (``[ports] MulticastPort``) and its default multicast groups (site, link) as they
#: appear in /proc/net/igmp (little-endian hex).
MULTICAST_PORT = 16571
LSL_GROUPS = {"D7ACFFEF": "239.255.172.215", "B70000E0": "224.0.0.183"}


@contextmanager
def _streaming(tmp_path: Path, *extra: str) -> Iterator[tuple[subprocess.Popen, str]]:
    env = {k: v for k, v in os.environ.items() if k != "LSLAPICFG"}
    env["BCI_INPUT_HOME"] = str(tmp_path / "home")
    args = [sys.executable, "-m", "bci_input.cli", "stream", "--lsl", "--board", "synthetic", "--duration", "30",
            *extra]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = proc.stdout.readline() if proc.stdout else ""  # printed once both outlets exist
        assert line.startswith("Streaming"), line + (proc.stderr.read() if proc.stderr else "")
        yield proc, line
    finally:
        proc.kill()
        proc.communicate(timeout=60)


def _sockets(pid: int) -> list[tuple[str, int, int]]:
    return [(c.laddr.ip, c.laddr.port, c.family) for c in psutil.Process(pid).net_connections(kind="inet")]


def _lsl_groups_joined() -> set[str]:
    text = Path("/proc/net/igmp").read_text() if Path("/proc/net/igmp").exists() else ""
    return {LSL_GROUPS[g] for g in LSL_GROUPS if g in text}


def test_default_stream_is_announced_on_this_computer_only(tmp_path: Path) -> None:
    before = _lsl_groups_joined()
    with _streaming(tmp_path) as (proc, line):
        socks = _sockets(proc.pid)
        joined = _lsl_groups_joined() - before
    assert "announced on this computer only" in line
    discovery = [ip for ip, port, _ in socks if port == MULTICAST_PORT]
    assert discovery and set(discovery) == {"127.0.0.1"}, socks  # answers discovery on loopback only
    assert not [s for s in socks if s[2] == socket.AF_INET6], socks  # no IPv6 socket (liblsl's default binds ::)
    assert not joined, f"joined the LSL multicast groups {joined}"
    cfg = tmp_path / "home" / "cache" / "lsl" / "lsl_api.cfg"
    text = cfg.read_text()
    assert "ResolveScope = machine" in text and "TTLOverride = 0" in text and "IPv6 = disable" in text


def test_network_scope_is_an_explicit_choice_and_is_said(tmp_path: Path) -> None:
    with _streaming(tmp_path, "--lsl-network") as (proc, line):
        socks = _sockets(proc.pid)
    assert "announced to the local network" in line
    discovery = {ip for ip, port, _ in socks if port == MULTICAST_PORT}
    assert "0.0.0.0" in discovery or "::" in discovery, socks  # liblsl's defaults: every interface


def test_network_scope_from_the_settings_warns_on_stderr(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "LSLAPICFG"}
    env["BCI_INPUT_HOME"] = str(tmp_path / "home")
    (tmp_path / "s.toml").write_text('[acquisition]\nlsl_scope = "network"\n', encoding="utf-8")
    out = subprocess.run(
        [sys.executable, "-m", "bci_input.cli", "--config", str(tmp_path / "s.toml"), "stream", "--lsl",
         "--board", "synthetic", "--duration", "0.5"],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "announced to the local network" in out.stdout
    warnings = [ln for ln in out.stderr.splitlines() if "published to the local network" in ln]
    assert len(warnings) == 1, out.stderr[-2000:]


def test_user_lslapicfg_is_respected(tmp_path: Path) -> None:
    """A configuration the user chose (LSLAPICFG) is used as it is; nothing is written over it."""
    code = (
        "import os; from bci_input.hardware._lsl_scope import start_lsl, lsl_scope_in_use; start_lsl('machine'); "
        "print(lsl_scope_in_use(), os.environ['LSLAPICFG'])"
    )
    env = dict(os.environ, BCI_INPUT_HOME=str(tmp_path / "home"))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60,
                         check=True)
    assert out.stdout.split() == ["user", os.environ["LSLAPICFG"]]
    assert not (tmp_path / "home" / "cache" / "lsl").exists()
