"""HTTP backend: timeouts sized to the server's speed, more than 20 top tokens, and the notices of its state.

Every test runs the real :class:`HttpModel` against the loopback test server (``tests/_openai_server.py``).
"""

from __future__ import annotations

import math

import pytest
from _openai_server import control, serve, stats

from bci_input.language import HttpModel, load_language_model
from bci_input.language._http import server_notice
from bci_input.language._http_speed import CEILING_S, ServerSpeed
from bci_input.language._http_wire import native_url, token_counts, top_tokens
from bci_input.settings import LanguageSettings

TEXT = "I can't come to the meeting tomorrow, thanks"


# ----------------------------------------------------------------------------- the speed model


def test_one_token_requests_keep_the_floor_and_long_ones_get_the_time_their_tokens_need() -> None:
    speed = ServerSpeed(floor_s=2.0)
    assert speed.timeout(50, 200) == 2.0  # nothing measured: the user's timeout_s
    for p, t in ((8, 0.2), (40, 0.3), (1500, 0.25)):  # word prediction; the long document's prompt was cached
        speed.observe(p, 1, t)
    assert speed.timeout(16, 1) == 2.0  # 2 x the slowest (0.3 s) is below the floor: a hung server is noticed in 2 s
    # No generating reply yet: the one-token replies' slowest rate stands in (0.2 s for 1 + 8/8 units).
    assert speed.rate() == pytest.approx(0.2 / 2)
    for p, c, t in ((400, 60, 5.5), (300, 20, 2.5)):  # rewrites: 5.5 s for 60 + 400/8 units, 2.5 s for 57.5
        speed.observe(p, c, t)
    assert speed.rate() == pytest.approx(5.5 / 110)  # the slowest generating reply sets the rate
    assert speed.timeout(400, 224) == pytest.approx(2 * 5.5 / 110 * (224 + 50))  # a long rewrite gets ~27 s
    assert speed.timeout(16, 1) == 2.0  # and word prediction still keeps the floor
    speed.observe(10, 500, 1e5)
    assert speed.timeout(400, 10_000) == CEILING_S


def test_a_slow_one_token_reply_raises_the_timeout_of_the_next_ones() -> None:
    speed = ServerSpeed(floor_s=1.0)
    for t in (0.1, 3.0, 0.2):
        speed.observe(20, 1, t)
    assert speed.timeout(20, 1) == 6.0  # twice the slowest of the recent ones


# ----------------------------------------------------------------------------- what servers send


def test_top_tokens_read_every_shape_servers_send() -> None:
    legacy = {"choices": [{"logprobs": {"top_logprobs": [{" the": -0.5, " a": -1.0}]}}]}
    chat = {"choices": [{"logprobs": {"content": [{"token": " the", "logprob": -0.5,
                                                    "top_logprobs": [{"token": " the", "logprob": -0.5}]}]}}]}
    native = {"completion_probabilities": [{"token": " the", "logprob": -0.5,
                                            "top_logprobs": [{"token": " the", "logprob": -0.5}]}]}
    post = {"completion_probabilities": [{"token": " the", "prob": 0.6, "top_probs": [{"token": " the", "prob": 0.6}]}]}
    old = {"completion_probabilities": [{"content": " the", "probs": [{"tok_str": " the", "prob": 0.6}]}]}
    assert top_tokens(legacy) == {" the": -0.5, " a": -1.0}
    assert top_tokens(chat) == {" the": -0.5} == top_tokens(native)
    assert top_tokens(post) == {" the": pytest.approx(math.log(0.6))} == top_tokens(old)
    assert top_tokens({"choices": [{"text": "x"}]}) == {}
    assert native_url("http://127.0.0.1:8080/v1") == "http://127.0.0.1:8080/completion"
    assert native_url("http://127.0.0.1:8080/api") is None
    assert token_counts({"usage": {"prompt_tokens": 7, "completion_tokens": 3}}, "x", "y") == (7, 3)
    assert token_counts({"tokens_evaluated": 9, "tokens_predicted": 1}, "x", "y") == (9, 1)
    assert token_counts({}, "x" * 40, "y" * 8) == (10, 2)


# ----------------------------------------------------------------------------- sized timeouts, end to end


def test_a_long_rewrite_of_a_slow_server_is_not_cut_while_one_token_requests_keep_the_floor() -> None:
    # 0.05 s per generated token: a rewrite of about 15 words takes ~0.75 s, longer than timeout_s = 0.5 s.
    for url in serve("--token-delay", "0.05", "--ignore-n"):
        notices: list[str] = []
        model = load_language_model(LanguageSettings(backend="http", endpoint_url=url, timeout_s=0.5, retries=0),
                                    on_notice=notices.append)
        assert isinstance(model, HttpModel)
        assert model.client.speed.observations >= 2  # the connect probe measured the server
        long = model.request_timeout("x" * 1600, 84)
        assert long > 4 * 0.5 and model.request_timeout("Hello", 1) < long / 4
        before = stats(url).get("/v1/chat/completions", 0)
        texts = [r.text for r in model.rewrite(TEXT, "formal", k=2).value]
        assert stats(url)["/v1/chat/completions"] - before == 2  # both samples answered, none was cut
        assert not notices and any("Many thanks." in t or "Thanks again." in t for t in texts), (notices, texts)


def test_the_same_rewrite_is_cut_by_a_fixed_timeout() -> None:
    # What the sizing fixes: without a measured speed, every request has timeout_s (the old behaviour).
    for url in serve("--token-delay", "0.05", "--ignore-n"):
        notices: list[str] = []
        model = HttpModel(url, timeout_s=0.5, retries=0, on_notice=notices.append)
        model.rewrite(TEXT, "formal", k=2)
        assert len(notices) == 1 and "timed out" in notices[0]


def test_a_server_that_stops_answering_is_noticed_with_the_floor_then_announced_back() -> None:
    gen = serve()
    url = next(gen)
    notices: list[str] = []
    now = [0.0]
    try:
        model = HttpModel(url, timeout_s=0.5, retries=0, on_notice=notices.append, clock=lambda: now[0])
        model.probe(timeout_s=60.0)
        assert model.complete_word("Dear Sarah, ", "th", 3).backend.startswith("http") and not notices
        control(url, delay=600)  # the server hangs
        ans = model.complete_word("Dear Sarah, thank you ", "", 3)
        assert ans.backend == "wordfreq" and len(notices) == 1
        down = server_notice(notices[0])
        assert down is not None and not down.up and down.url == url and "timed out" in down.reason
        control(url, delay=0)  # well again; the client waits retry_after_s before it asks
        assert model.complete_word("Dear Sarah, thank you f", "f", 3).backend == "wordfreq" and len(notices) == 1
        now[0] = 31.0
        assert model.complete_word("Dear Sarah, thank you f", "f", 3).backend.startswith("http")
        back = server_notice(notices[-1])
        assert len(notices) == 2 and back is not None and back.up and back.url == url
        assert server_notice("The language model could not be loaded: x.") is None
    finally:
        gen.close()


def test_cancelling_a_rewrite_ends_its_wait_at_once_despite_its_long_timeout() -> None:
    import threading

    for url in serve("--ignore-n"):
        model = HttpModel(url, timeout_s=300.0, retries=0)  # a timeout far longer than the test may take
        control(url, delay=600)  # the server hangs
        cancel = threading.Event()
        answers: list = []

        def rewrite(model: HttpModel = model, cancel: threading.Event = cancel, answers: list = answers) -> None:
            answers.append(model.rewrite(TEXT, "formal", k=2, cancel=cancel))

        worker = threading.Thread(target=rewrite)
        received = stats(url).get("received", 0)
        worker.start()
        while stats(url).get("received", 0) == received:  # until the request is with the server
            assert worker.is_alive()
        cancel.set()
        worker.join(60)
        assert not worker.is_alive() and answers[0].cancelled  # not the 300 s of the timeout
        control(url, delay=0)


# ----------------------------------------------------------------------------- more than 20 top tokens


def _key_count(model: HttpModel, context: str) -> int:
    model.complete_word(context, "", 5)
    return max(len(n.keys) for n in model._dists.values())


def test_word_prediction_asks_for_100_top_tokens_where_the_server_gives_them() -> None:
    for url in serve():  # like llama_cpp.server: any number of logprobs
        model = load_language_model(LanguageSettings(backend="http", endpoint_url=url))
        assert isinstance(model, HttpModel) and model.top_k == 100 and model.client.native is None
        assert _key_count(model, "Dear Sarah, thank you for ") > 20
        assert stats(url)["logprobs_asked"] == 100


def test_word_prediction_falls_back_to_20_top_tokens_where_the_server_refuses_more() -> None:
    for url in serve("--max-logprobs", "20"):  # like vLLM
        model = load_language_model(LanguageSettings(backend="http", endpoint_url=url))
        assert isinstance(model, HttpModel) and model.top_k == 20
        assert 0 < _key_count(model, "Dear Sarah, thank you for ") <= 20
        assert stats(url)["logprobs_asked"] == 20 and stats(url)["/v1/completions"] >= 2


def test_word_prediction_uses_llama_cpps_native_completion_with_n_probs() -> None:
    for url in serve("--native"):
        model = load_language_model(LanguageSettings(backend="http", endpoint_url=url))
        assert isinstance(model, HttpModel) and model.top_k == 100 and model.client.native is not None
        before = stats(url).get("/completion", 0)
        words = model.complete_word("Dear Sarah, ", "th", 5)
        assert words.backend.startswith("http") and words.value[0][0] == "the"
        assert stats(url)["/completion"] == before + 1 and _key_count(model, "Dear Sarah, thank you for ") > 20
