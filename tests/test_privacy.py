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


def _run_program(
    args: list[str], tmp_path: Path, timeout: float = 300, *, returncode: int = 0, env_extra: dict | None = None,
) -> tuple[list[str], list[str] | None, str]:
    """Run ``python ARGS`` with every Python process under the socket guard, and under strace if usable.

    Returns the attempts the guard refused (in any process), the non-loopback addresses that native code
    connected or sent to (from strace; None without strace: see :func:`_require_strace`), and the program's
    output.
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
    env.update(env_extra or {})
    cmd = [sys.executable, *args]
    traced = _strace_usable()
    if traced:
        cmd = ["strace", "-f", "-qq", "-e", "trace=connect,sendto,sendmsg", "-e", "signal=none",
               "-o", str(trace), *cmd]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    assert proc.returncode == returncode, proc.stdout[-1500:] + proc.stderr[-3000:]
    attempts = log.read_text().splitlines() if log.exists() else []
    if not traced:
        return attempts, None, proc.stdout + proc.stderr
    native = []
    for line in trace.read_text().splitlines():
        for m in _REMOTE.finditer(line):
            addr = ipaddress.ip_address(m.group(1) or m.group(2))
            if not (addr.is_loopback or addr.is_unspecified):
                native.append(line.strip())
    return attempts, native, proc.stdout + proc.stderr


def _require_strace(native: list[str] | None) -> list[str]:
    """Return the native-code findings, or skip (with the reason) when strace could not watch the program.

    Called after the socket guard's own assertions, so those always run.
    """
    if native is None:
        pytest.skip("strace not installed (or not permitted here): the Python socket guard passed, but network "
                    "use by native code (liblsl, BrainFlow, torch) was not checked")
    return native


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
    assert any("203.0.113.2" in n for n in _require_strace(native)), native


@pytest.mark.slow
@pytest.mark.llm
def test_default_demo_session_makes_no_network_connection(tmp_path):
    attempts, native, out = _run_program(
        ["-m", "bci_input.cli", "demo", "--duration", "20", "--paradigm", "ssvep", "--lm", "bundled"], tmp_path
    )
    assert attempts == [], f"network access attempted: {attempts}"
    assert "[demo] language model: llama.cpp:Qwen2.5-Coder-0.5B" in out, out[-2000:]  # the real default model ran
    assert "[demo] final text" in out
    assert _require_strace(native) == [], f"native code reached the network: {native}"


@pytest.mark.slow
@pytest.mark.llm
def test_default_app_session_makes_no_network_connection(tmp_path):
    shot = tmp_path / "app.png"
    attempts, native, out = _run_program(
        ["-m", "bci_input.cli", "app", "--screenshot", str(shot), "--quit-after", "30"], tmp_path
    )
    assert attempts == [], f"network access attempted: {attempts}"
    assert shot.stat().st_size > 10_000, out[-2000:]
    assert _require_strace(native) == [], f"native code reached the network: {native}"


# ------------------------------------------------------------------ a Hugging Face model id: offline by default

HUB_ID = "HuggingFaceTB/SmolLM2-360M-Instruct"


@pytest.mark.slow
@pytest.mark.parametrize(
    "command",
    [["lm", "complete", "hello wor"], ["lm", "bench", "--phrase-words", "0"],
     ["app", "--board", "none", "--quit-after", "20"]],
    ids=["lm-complete", "lm-bench", "app"],
)
def test_hub_id_not_fetched_goes_nowhere_and_says_how_to_fetch(tmp_path, command):
    """A hub id that was never fetched: no DNS lookup, no connection, exit 2 with the fetch command."""
    cfg = tmp_path / "s.toml"
    cfg.write_text(f'[language]\nmodel = "{HUB_ID}"\n', encoding="utf-8")
    attempts, native, out = _run_program(
        ["-m", "bci_input.cli", "--config", str(cfg), *command], tmp_path, returncode=2,
        env_extra={"HF_HOME": str(tmp_path / "hf")},  # an empty Hugging Face cache
    )
    assert attempts == [], f"network access attempted: {attempts}"
    errors = [ln for ln in out.splitlines() if ln.startswith("bci-input: error:")]
    assert len(errors) == 1 and f"bci-input lm fetch {HUB_ID}" in errors[0], out[-2000:]
    assert _require_strace(native) == [], f"native code reached the network: {native}"


def test_only_lm_fetch_goes_online(tmp_path):
    """Fetching is the explicit step that contacts huggingface.co (refused here by the guard: exit 2)."""
    attempts, _, out = _run_program(
        ["-m", "bci_input.cli", "lm", "fetch", HUB_ID], tmp_path, returncode=2,
        env_extra={"HF_HOME": str(tmp_path / "hf")},
    )
    assert any("huggingface.co" in a for a in attempts), attempts
    assert "Cannot download" in out and HUB_ID in out


def _hub_cache_with(model_dir: Path, hf_home: Path, repo_id: str) -> None:
    """Lay out ``model_dir`` as a fetched snapshot in a Hugging Face cache (what ``lm fetch`` leaves behind)."""
    repo = hf_home / "hub" / ("models--" + repo_id.replace("/", "--"))
    commit = "0" * 40
    snap = repo / "snapshots" / commit
    snap.mkdir(parents=True)
    for f in model_dir.iterdir():
        if f.is_file() and not f.name.startswith("bci_input"):
            (snap / f.name).symlink_to(f)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)


@pytest.mark.slow
@pytest.mark.llm
def test_fetched_hub_id_loads_with_no_network_access(tmp_path):
    from conftest import MODEL_CACHE

    from bci_input.language._loader import BUNDLED_NAME

    converted = Path(MODEL_CACHE) / BUNDLED_NAME
    if not (converted / "model.safetensors").is_file():
        pytest.skip(f"the converted bundled model is not cached in {MODEL_CACHE} (run the llm tests once)")
    repo_id = "HuggingFaceTB/SmolLM2-135M-Instruct"
    _hub_cache_with(converted, tmp_path / "hf", repo_id)
    cfg = tmp_path / "s.toml"
    cfg.write_text(f'[language]\nmodel = "{repo_id}"\nthreads = 1\n', encoding="utf-8")
    attempts, native, out = _run_program(
        ["-m", "bci_input.cli", "--config", str(cfg), "lm", "complete", "Thank you for your he", "-k", "3"],
        tmp_path, env_extra={"HF_HOME": str(tmp_path / "hf"), "BCI_INPUT_MODEL_CACHE": MODEL_CACHE},
    )
    assert attempts == [], f"network access attempted: {attempts}"
    assert "model: local:SmolLM2-135M-Instruct" in out, out[-2000:]
    assert _require_strace(native) == [], f"native code reached the network: {native}"
