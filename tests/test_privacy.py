"""Nothing leaves the machine unless the user configures an endpoint.

Each check runs in a fresh interpreter with a socket guard installed first and with the offline switches
(HF_HUB_OFFLINE, TRANSFORMERS_OFFLINE) removed, so it sees what the default program really does.
"""

from __future__ import annotations

import json
import os
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
