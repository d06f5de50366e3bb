"""Nothing leaves the machine unless the user configures an endpoint.

Each check runs in a fresh interpreter with a socket guard installed first and with the offline switches
(HF_HUB_OFFLINE, TRANSFORMERS_OFFLINE) removed, so it sees what the default program really does.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def _run_guarded(code: str, tmp_path: Path, timeout: float = 300) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    env["PYTHONPATH"] = str(HERE) + os.pathsep + env.get("PYTHONPATH", "")
    env["BCI_INPUT_HOME"] = str(tmp_path / "home")
    script = "import _netguard, json\n" + textwrap.dedent(code) + (
        "\nprint('RESULT=' + json.dumps({'attempts': _netguard.ATTEMPTS, 'out': OUT}))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = [x for x in proc.stdout.splitlines() if x.startswith("RESULT=")][-1]
    return json.loads(line[len("RESULT="):])


def test_guard_catches_a_remote_connection(tmp_path):
    # 203.0.113.1 is a documentation address; the guard refuses it before any packet is sent.
    result = _run_guarded(
        """
        import socket
        s = socket.socket()
        try:
            s.connect(("203.0.113.1", 443))
            OUT = "connected"
        except ConnectionRefusedError:
            OUT = "refused"
        """,
        tmp_path,
    )
    assert result["out"] == "refused" and result["attempts"]


@pytest.mark.slow
@pytest.mark.llm
def test_default_language_model_makes_no_network_connection(tmp_path):
    result = _run_guarded(
        """
        from bci_input.language import load_language_model
        notices = []
        lm = load_language_model(on_notice=notices.append)
        words = lm.complete_word("Thank you for your ", "he", k=3).value
        OUT = {"name": lm.name, "words": [w for w, _ in words], "notices": notices}
        """,
        tmp_path,
    )
    assert result["attempts"] == [], f"network access attempted: {result['attempts']}"
    assert "wordfreq" not in result["out"]["name"].lower(), result["out"]  # the real model loaded
    assert result["out"]["words"]


def test_unconfigured_http_backend_is_never_used(tmp_path):
    result = _run_guarded(
        """
        from bci_input.settings import load_settings
        s = load_settings()
        OUT = {"backend": s.language.backend, "url": s.language.endpoint_url}
        """,
        tmp_path,
    )
    assert result["out"] == {"backend": "local", "url": ""}
    assert result["attempts"] == []


# ------------------------------------------------------------------ whole programs, child processes included

_REMOTE = re.compile(r'inet_addr\("([\d.]+)"\)|inet_pton\(AF_INET6, "([0-9a-fA-F:.]+)"')


def _strace_usable() -> bool:
    if shutil.which("strace") is None:
        return False
    probe = subprocess.run(["strace", "-f", "-qq", "-e", "trace=connect", "-o", os.devnull, "true"],
                           capture_output=True, check=False)
    return probe.returncode == 0


def _run_program(args: list[str], tmp_path: Path, timeout: float = 300) -> tuple[list[str], list[str], str]:
    """Run ``python ARGS`` with every Python process under the socket guard, and under strace if usable.

    Returns the attempts the guard refused (in any process), the non-loopback addresses that native code
    connected or sent to (from strace; empty without it), and the program's output.
    """
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text("import _netguard  # noqa: F401\n")
    log = tmp_path / "attempts.log"
    trace = tmp_path / "strace.txt"
    drop = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "LSLAPICFG")  # see what the program does on its own
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["PYTHONPATH"] = os.pathsep.join([str(site), str(HERE), env.get("PYTHONPATH", "")])
    env["BCI_NETGUARD_LOG"] = str(log)
    env["BCI_INPUT_HOME"] = str(tmp_path / "home")
    env["QT_QPA_PLATFORM"] = "offscreen"
    cmd = [sys.executable, *args]
    if _strace_usable():
        cmd = ["strace", "-f", "-qq", "-e", "trace=connect,sendto,sendmsg", "-e", "signal=none",
               "-o", str(trace), *cmd]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    assert proc.returncode == 0, proc.stdout[-1500:] + proc.stderr[-3000:]
    attempts = log.read_text().splitlines() if log.exists() else []
    native = []
    for line in trace.read_text().splitlines() if trace.exists() else []:
        for m in _REMOTE.finditer(line):
            addr = ipaddress.ip_address(m.group(1) or m.group(2))
            if not (addr.is_loopback or addr.is_unspecified):
                native.append(line.strip())
    return attempts, native, proc.stdout + proc.stderr


def test_guard_sees_child_processes_and_native_code(tmp_path):
    # A multiprocessing child connects through Python (the guard refuses it); the parent connects through
    # libc directly, which only strace sees. 203.0.113.1 is a documentation address.
    script = tmp_path / "probe.py"
    script.write_text(textwrap.dedent(
        """
        import ctypes, multiprocessing as mp, socket, struct

        def child():
            try:
                socket.create_connection(("203.0.113.1", 443), timeout=0.2)
            except OSError:
                pass

        if __name__ == "__main__":
            p = mp.get_context("spawn").Process(target=child)
            p.start(); p.join()
            s = socket.socket(); s.setblocking(False)
            addr = struct.pack("=HH4s8x", socket.AF_INET, socket.htons(9), socket.inet_aton("203.0.113.2"))
            ctypes.CDLL(None, use_errno=True).connect(s.fileno(), addr, len(addr))
        """
    ))
    attempts, native, _ = _run_program([str(script)], tmp_path)
    assert any("203.0.113.1" in a for a in attempts), attempts
    if _strace_usable():
        assert any("203.0.113.2" in n for n in native), native


@pytest.mark.slow
@pytest.mark.llm
def test_default_demo_session_makes_no_network_connection(tmp_path):
    attempts, native, out = _run_program(
        ["-m", "bci_input.cli", "demo", "--duration", "20", "--paradigm", "ssvep", "--lm", "bundled"], tmp_path
    )
    assert attempts == [] and native == [], f"network access attempted: {attempts + native}"
    assert "[demo] language model: local:SmolLM2" in out, out[-2000:]  # the real model ran
    assert "[demo] final text" in out


@pytest.mark.slow
@pytest.mark.llm
def test_default_app_session_makes_no_network_connection(tmp_path):
    shot = tmp_path / "app.png"
    attempts, native, out = _run_program(
        ["-m", "bci_input.cli", "app", "--screenshot", str(shot), "--quit-after", "30"], tmp_path
    )
    assert attempts == [] and native == [], f"network access attempted: {attempts + native}"
    assert shot.stat().st_size > 10_000, out[-2000:]
