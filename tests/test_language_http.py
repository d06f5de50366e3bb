"""HTTP backend against a real OpenAI-compatible server process on loopback; degradation to the fallback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from _openai_server import serve

from bci_input.language import HttpModel, WordFreqModel, load_language_model
from bci_input.language._http import validate_url
from bci_input.settings import LanguageSettings


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    yield from serve("--api-key", "s3cret")


def _stats(url: str) -> dict:
    import json
    import urllib.request

    with urllib.request.urlopen(url + "/_stats", timeout=60) as r:
        return json.loads(r.read())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_http_backend_end_to_end(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BCI_TEST_LLM_KEY", "s3cret")
    notices: list[str] = []
    s = LanguageSettings(backend="http", endpoint_url=server, endpoint_model="wf", api_key_env="BCI_TEST_LLM_KEY")
    model = load_language_model(s, on_notice=notices.append)
    assert isinstance(model, HttpModel) and not notices
    before = _stats(server)
    words = model.complete_word("Dear Sarah, ", "th", k=5, revision=3)
    assert words.revision == 3 and words.backend.startswith("http")
    assert words.value[0][0] == "the" and all(w.startswith("th") for w, _ in words.value)
    dist = model.next_symbols("Dear Sarah, thank you for t").value
    assert abs(sum(dist.values()) - 1) < 1e-9 and max(dist, key=dist.get) == "h"
    phrases = model.complete_phrase("Dear Sarah, ", k=3).value
    assert phrases and all(len(p.split()) >= 2 for p, _ in phrases)
    abbrev = model.expand_abbreviation("tiw", "", k=3).value
    assert abbrev and all("".join(w[0] for w in t.lower().split()) == "tiw" for t, _ in abbrev)
    rewrites = model.rewrite("I can't come, thanks", "formal", k=3).value
    assert any("Many thanks." in r.text for r in rewrites)  # a sampled answer of the server reached us
    after = _stats(server)
    assert after["/v1/completions"] > before.get("/v1/completions", 0)
    assert after["/v1/chat/completions"] >= 1
    assert after["auth_bad"] == 0 and after["auth_ok"] > before["auth_ok"]


def test_wrong_api_key_degrades_with_notice(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BCI_TEST_LLM_KEY", "wrong")
    notices: list[str] = []
    s = LanguageSettings(backend="http", endpoint_url=server, api_key_env="BCI_TEST_LLM_KEY", retries=0)
    model = load_language_model(s, on_notice=notices.append)
    assert isinstance(model, WordFreqModel)
    assert notices and "401" in notices[0] and "wrong" not in notices[0]


def test_unreachable_endpoint_degrades_to_fallback() -> None:
    notices: list[str] = []
    url = f"http://127.0.0.1:{_free_port()}/v1"
    s = LanguageSettings(backend="http", endpoint_url=url, timeout_s=2.0, retries=0)
    model = load_language_model(s, on_notice=notices.append)
    assert isinstance(model, WordFreqModel)
    assert len(notices) == 1 and url in notices[0] and "unreachable" in notices[0]
    assert model.complete_word("", "he", 3).value


def test_server_dying_mid_session_falls_back_per_call() -> None:
    url = f"http://127.0.0.1:{_free_port()}/v1"
    notices: list[str] = []
    now = [0.0]
    model = HttpModel(url, timeout_s=1.0, retries=1, on_notice=notices.append, clock=lambda: now[0])
    ans = model.complete_word("Hello ", "wo", 3)
    assert ans.backend == "wordfreq" and ans.value[0][0].startswith("wo")
    assert len(notices) == 1 and "failed" in notices[0]
    n = model.requests
    model.next_symbols("Hello wo")  # within retry_after_s: no new request, no new notice
    assert model.requests == n and len(notices) == 1
    now[0] = 31.0
    model.next_symbols("Hello wo")
    assert model.requests > n and len(notices) == 2


@pytest.mark.parametrize("bad", ["ftp://host/v1", "file:///etc/passwd", "localhost:8080", "http://"])
def test_url_validation(bad: str) -> None:
    with pytest.raises(ValueError, match="endpoint_url"):
        validate_url(bad)
    assert validate_url("http://127.0.0.1:8080") == "http://127.0.0.1:8080/v1"
    assert validate_url("https://example.org/v1/") == "https://example.org/v1"


def test_server_errors_are_retried_until_one_succeeds() -> None:
    # An overloaded server answers 503 twice; with retries=2 the third attempt answers, no fallback, no notice.
    for url in serve("--fail-first", "2"):
        notices: list[str] = []
        # The server answers at once; the generous client timeout keeps a loaded machine from turning that into a
        # timeout (and a fallback).
        model = HttpModel(url, timeout_s=60.0, retries=2, on_notice=notices.append)
        ans = model.complete_word("Dear Sarah, ", "th", 3)
        assert ans.backend.startswith("http") and ans.value[0][0] == "the"
        assert not notices and model.requests == 3
        assert _stats(url)["failed"] == 2


def test_too_few_retries_fall_back_with_a_notice() -> None:
    for url in serve("--fail-first", "5"):
        notices: list[str] = []
        model = HttpModel(url, timeout_s=60.0, retries=1, on_notice=notices.append)
        ans = model.complete_word("Dear Sarah, ", "th", 3)
        assert ans.backend == "wordfreq" and ans.value
        assert len(notices) == 1 and "503" in notices[0] and model.requests == 2


def test_a_server_slower_than_the_timeout_falls_back_with_a_notice() -> None:
    for url in serve("--delay", "600"):  # a server that would answer in 10 minutes
        notices: list[str] = []
        model = HttpModel(url, timeout_s=0.5, retries=0, on_notice=notices.append)
        t0 = time.monotonic()
        ans = model.complete_word("Hello ", "wo", 3)
        assert time.monotonic() - t0 < 300  # the timeout, not the server, decided (however loaded the machine)
        assert ans.backend == "wordfreq" and ans.value[0][0].startswith("wo")
        assert len(notices) == 1 and ("timeout" in notices[0].lower() or "timed out" in notices[0])


def test_api_key_never_reaches_logs_notices_or_output(tmp_path: Path) -> None:
    """The key named by ``api_key_env`` is sent to the server and nowhere else, even with --verbose."""
    secret = "sk-test-5f1c9e0d7b"
    config = tmp_path / "settings.toml"
    urls = {}
    outputs = []
    for label, args in (("right", ("--api-key", secret)), ("wrong", ("--api-key", "other")),
                        ("failing", ("--api-key", secret, "--fail-first", "99"))):
        gen = serve(*args)
        urls[label] = next(gen)
        config.write_text(
            f'[language]\nbackend = "http"\nendpoint_url = "{urls[label]}"\nendpoint_model = "wf"\n'
            'api_key_env = "BCI_TEST_LLM_KEY"\nretries = 1\ntimeout_s = 3.0\n'
        )
        try:
            proc = subprocess.run(
                [sys.executable, "-m", "bci_input.cli", "--verbose", "--config", str(config),
                 "lm", "complete", "Dear Sarah, th", "--rewrite", "formal"],
                env=dict(os.environ, BCI_TEST_LLM_KEY=secret), capture_output=True, text=True, timeout=120,
                check=False,
            )
        finally:
            gen.close()
        assert proc.returncode == 0, proc.stderr[-2000:]
        outputs.append((label, proc.stdout + proc.stderr))
    right, wrong, failing = (text for _, text in outputs)
    assert f"DEBUG bci_input.language._http_client: POST {urls['right']}/completions (attempt" in right  # logged
    assert "401" in wrong and "HTTP 5" in failing  # the failures were logged or announced
    for label, text in outputs:
        assert secret not in text, f"the API key leaked into the {label} run's output"


def test_http_backend_covers_the_alphabet_and_answers_in_case(server: str) -> None:
    from bci_input.language import SYMBOLS
    from bci_input.language._types import CAPITALS, DIGITS

    model = HttpModel(server, api_key="s3cret", timeout_s=60.0)
    for text in ("", "Dear Sarah. ", "Dear Sarah, thank you for t", "Article 3(", "I paid €", "the EU", "Hello,"):
        dist = model.next_symbols(text).value
        assert set(dist) == set(SYMBOLS) and abs(sum(dist.values()) - 1) < 1e-9 and min(dist.values()) > 0
    assert model.next_symbols("Hello").backend.startswith("http")
    assert sum(model.next_symbols("Dear Sarah. ").value[c] for c in CAPITALS) > 0.7
    assert sum(model.next_symbols("Dear Sarah, thank you and ").value[c] for c in CAPITALS) < 0.2
    # The test server predicts words only: after a digit its tokens say "space"; the rules keep digits likely.
    assert sum(model.next_symbols("Amendment 1").value[c] for c in DIGITS) > 0.05

    def words(context: str, prefix: str) -> list[str]:
        ans = model.complete_word(context + prefix, prefix, 5)
        assert ans.backend.startswith("http")
        return [w for w, _ in ans.value]

    assert words("Dear Sarah. ", "")[0] == "The"  # the server's own token is " The"
    assert words("Dear Sarah, ", "th")[0] == "the"
    assert "Thursday" in words("We meet on ", "thu")
    assert words("rules of the ", "EU")[0] == "EU" and all(w.isupper() for w in words("rules of the ", "EU"))
    assert "Article" in words("see ", "Art") and all(w[0].isupper() for w in words("see ", "Art"))
    phrases = model.complete_phrase("Dear Sarah. ", k=3).value
    assert phrases and all(p[0].isupper() for p, _ in phrases)
    mid = model.expand_abbreviation("tiw", "Dear Sarah, ", k=3).value
    assert mid and all(t[0].islower() for t, _ in mid)


def test_rewrites_through_http_are_cleaned_filtered_and_one_request_per_sample_when_n_is_ignored() -> None:
    for url in serve("--ignore-n"):
        model = load_language_model(LanguageSettings(backend="http", endpoint_url=url))
        before = _stats(url).get("/v1/chat/completions", 0)
        texts = [r.text for r in model.rewrite("I can't come, thanks", "formal", k=3).value]
        # The server answered one choice per request: the backend asked once per sample.
        assert _stats(url)["/v1/chat/completions"] - before == 3
        assert any(t.endswith("Many thanks.") for t in texts) and any(t.endswith("Best wishes.") for t in texts)
        # No meta text, no placeholder, no invented name, never the input again.
        assert all("Sure" not in t and "[" not in t and "Smith" not in t for t in texts), texts
        assert all(t.casefold() != "i can't come, thanks" for t in texts)


def test_http_abbreviation_drops_copies_of_the_prompts_examples(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BCI_TEST_LLM_KEY", "s3cret")
    model = load_language_model(LanguageSettings(backend="http", endpoint_url=server, api_key_env="BCI_TEST_LLM_KEY"))
    got = [t for t, _ in model.expand_abbreviation("cwtt", "", k=3).value]
    # The server's first sample copies the prompt's "I will be there later": it is never shown.
    assert got and all("".join(w[0] for w in t.lower().split()) == "cwtt" for t in got)
    assert "i will be there later" not in {t.lower() for t in got}
