"""Text leaves the machine only by choice, and the person is told where it goes.

- ``--lm bundled`` always means the bundled model, never a configured endpoint.
- An endpoint on another computer is announced once (CLI: stderr; app: the notice line).
- Plain ``http://`` to another computer needs ``language.allow_insecure_http = true``; loopback needs nothing.

The servers are real OpenAI-compatible server processes (``tests/_openai_server.py``). "Another computer" is
played by this machine's own non-loopback address, which the program cannot tell from a remote host.
"""

from __future__ import annotations

import ipaddress
import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from _openai_server import serve

from bci_input.cli import main

DESTINATION = "leaves this computer"


def _lan_address() -> str | None:
    for addrs in psutil.net_if_addrs().values():
        for a in addrs:
            if a.family.name == "AF_INET" and not ipaddress.ip_address(a.address).is_loopback:
                return a.address
    return None


@pytest.fixture(scope="module")
def loopback_server() -> Iterator[str]:
    yield from serve()


@pytest.fixture(scope="module")
def lan_server() -> Iterator[str]:
    host = _lan_address()
    if host is None:
        pytest.skip("this machine has no non-loopback IPv4 address to stand in for another computer")
    yield from serve(host=host)


def _requests(url: str) -> int:
    """Return how many requests the server has answered (every one passes its API-key check)."""
    with urllib.request.urlopen(url + "/_stats", timeout=5) as r:  # noqa: S310 - the test's own server
        stats = json.loads(r.read())
    return int(stats["auth_ok"] + stats["auth_bad"])


def _config(tmp_path: Path, text: str) -> str:
    p = tmp_path / "s.toml"
    p.write_text(text, encoding="utf-8")
    return str(p)


def test_plain_http_to_another_computer_needs_the_opt_in(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # 203.0.113.1 is a documentation address: the refusal happens before any connection is tried.
    rc = main(["lm", "complete", "hello wor", "--backend", "http", "--url", "http://203.0.113.1:8080/v1"])
    err = capsys.readouterr().err
    assert rc == 2 and len(err.strip().splitlines()) == 1, err
    assert "language.allow_insecure_http" in err and "203.0.113.1" in err
    cfg = _config(tmp_path, '[language]\nbackend = "http"\nendpoint_url = "http://203.0.113.1/v1"\n')
    assert main(["--config", cfg, "profile", "list"]) == 2  # the same rule holds for a settings file
    assert "language.allow_insecure_http" in capsys.readouterr().err


def test_loopback_endpoint_needs_no_opt_in_and_is_not_announced(
    loopback_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for url in (loopback_server, loopback_server.replace("127.0.0.1", "localhost")):
        rc = main(["lm", "complete", "hello wor", "-k", "3", "--backend", "http", "--url", url])
        out = capsys.readouterr()
        assert rc == 0, out.err
        assert "model: http:" in out.out and DESTINATION not in out.out + out.err


def test_endpoint_on_another_computer_is_announced_once(
    lan_server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    host = lan_server.split("//")[1].split(":")[0]
    cfg = _config(tmp_path, f'[language]\nbackend = "http"\nendpoint_url = "{lan_server}"\n'
                            "allow_insecure_http = true\nretries = 0\n")
    rc = main(["--config", cfg, "lm", "complete", "hello wor", "-k", "3"])
    out = capsys.readouterr()
    assert rc == 0, out.err
    assert "model: http:" in out.out and _requests(lan_server) > 1  # the server answered
    said = [ln for ln in out.err.splitlines() if DESTINATION in ln]
    assert len(said) == 1 and host in said[0], out.err
    assert DESTINATION not in out.out


@pytest.mark.slow
@pytest.mark.llm
def test_lm_bundled_never_uses_a_configured_endpoint(loopback_server: str, tmp_path: Path) -> None:
    import argparse

    from bci_input._cli.simulate import load_model

    cfg = _config(tmp_path, f'[language]\nbackend = "http"\nendpoint_url = "{loopback_server}"\nthreads = 1\n')
    before = _requests(loopback_server)
    model = load_model("bundled", argparse.Namespace(config=cfg))
    assert model.name.startswith("llama.cpp:Qwen2.5-Coder-0.5B"), model.name  # the default model, not the endpoint
    assert _requests(loopback_server) == before


def test_app_lm_bundled_means_the_bundled_model_and_its_default_follows_the_settings() -> None:
    from bci_input.ui._session import language_loader

    from bci_input.language._loader import ModelNotFetchedError
    from bci_input.settings import LanguageSettings, Settings

    http = Settings(language=LanguageSettings(backend="http", endpoint_url="https://203.0.113.1/v1"))
    _, name, immediate = language_loader(http, "bundled")
    assert name == "Qwen2.5-Coder-0.5B" and not immediate
    assert language_loader(http, "light")[1] == "SmolLM2"
    assert language_loader(http, None)[1] == "http"
    hub = Settings(language=LanguageSettings(model="bci-input-tests/never-fetched"))  # in no cache anywhere
    with pytest.raises(ModelNotFetchedError, match="bci-input lm fetch bci-input-tests/never-fetched"):
        language_loader(hub, None)
    assert language_loader(hub, "bundled")[1] == "Qwen2.5-Coder-0.5B"


@pytest.mark.slow
def test_app_shows_where_the_text_goes(lan_server: str, qtbot) -> None:
    from bci_input.ui._app import AppOptions, build_app

    from bci_input.settings import LanguageSettings, Settings

    lang = LanguageSettings(backend="http", endpoint_url=lan_server, allow_insecure_http=True, retries=0)
    window, ctrl = build_app(AppOptions(board="none", settings=Settings(language=lang)))
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: ctrl.model is not None, timeout=60000)
    host = lan_server.split("//")[1].split(":")[0]
    qtbot.waitUntil(lambda: DESTINATION in window.message.text(), timeout=10000)
    assert host in window.message.text()
    window.close()


def test_app_status_says_when_lsl_reaches_the_network(tmp_path: Path) -> None:
    import numpy as np
    from bci_input.ui._session import build_engine_factory

    from bci_input._types import Chunk, StreamInfo
    from bci_input.recording import Recorder
    from bci_input.settings import AcquisitionSettings, Settings

    info = StreamInfo(("C3", "C4"), ("eeg", "eeg"), 100.0)
    with Recorder(tmp_path / "r.csv", info) as rec:
        rec.write(Chunk(np.zeros((200, 2), np.float32), 1000 + np.arange(200) / 100.0))
    labels = {}
    for scope in ("machine", "network"):
        acq = AcquisitionSettings(board="playback", playback_file=str(tmp_path / "r.csv"), lsl_outlet=True,
                                  lsl_scope=scope)
        labels[scope] = build_engine_factory(Settings(acquisition=acq), "playback", "ssvep", "default")[2]
    assert "local network" in labels["network"] and "local network" not in labels["machine"]
    assert "this computer only" in labels["machine"]
