"""The http backend against a real ``llama_cpp.server`` (llama-cpp-python's OpenAI-compatible server).

The server runs on loopback with the bundled SmolLM2-135M GGUF, on a free port, and is stopped at teardown.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest

from bci_input.language import HttpModel, load_language_model
from bci_input.language._loader import bundled_gguf
from bci_input.settings import LanguageSettings

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def llama_server() -> Iterator[str]:
    port = _free_port()
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(bundled_gguf()), "--host", "127.0.0.1",
           "--port", str(port), "--n_ctx", "2048", "--n_threads", "1", "--n_threads_batch", "1", "--verbose", "False"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    ready = threading.Event()
    lines: list[str] = []

    def drain() -> None:  # uvicorn says when it listens; the rest is read so that the pipe never fills
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append(line)
            if "Uvicorn running on" in line:
                ready.set()
        ready.set()  # the process ended

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        assert ready.wait(300) and proc.poll() is None, "llama_cpp.server did not start:\n" + "".join(lines[-20:])
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        proc.terminate()
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(60)
        reader.join(60)
        if proc.stderr is not None:
            proc.stderr.close()


def test_word_suggestions_and_a_rewrite_through_a_real_llama_cpp_server(llama_server: str) -> None:
    notices: list[str] = []
    settings = LanguageSettings(backend="http", endpoint_url=llama_server, timeout_s=30.0)
    model = load_language_model(settings, on_notice=notices.append)
    assert isinstance(model, HttpModel) and not notices
    # llama_cpp.server gives any number of top tokens on /v1/completions and has no native /completion.
    assert model.top_k == 100 and model.client.native is None
    assert model.client.speed.rate() is not None  # the connect probe measured its speed

    words = model.complete_word("Dear Sarah, thank you for your ", "", 5)
    assert words.backend.startswith("http") and len(words.value) == 5, words
    assert all(w.isalpha() for w, _ in words.value) and len(next(iter(model._dists.values())).keys) > 20
    typed = model.complete_word("Dear Sarah, thank you for your he", "he", 5)
    assert typed.backend.startswith("http") and typed.value and all(w.startswith("he") for w, _ in typed.value)
    dist = model.next_symbols("Dear Sarah, thank you for your h").value
    assert abs(sum(dist.values()) - 1) < 1e-9 and max(dist, key=dist.get) in "aeiou"

    # llama_cpp.server answers one choice whatever `n` asks: the backend asks once per sample.
    n = model.requests
    text = "i has a question about the meeting tomorrow."
    rewrites = model.rewrite(text, "fix_grammar", k=3)
    assert rewrites.backend.startswith("http") and model.requests - n == 3 and not notices
    shown = [r.text for r in rewrites.value]
    assert shown and all(t.casefold().split() != text.casefold().split() for t in shown)
    assert all("here is" not in t.lower() and "[" not in t for t in shown), shown
