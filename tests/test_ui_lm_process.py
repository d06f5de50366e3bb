"""The app's language-model process: cancellation and notices cross the process boundary."""

from __future__ import annotations

import threading
import time

import pytest
from bci_input.ui._lm_process import ProcessLanguageModel
from test_language_http import _serve

from bci_input.settings import LanguageSettings

pytestmark = pytest.mark.slow


@pytest.mark.llm
def test_cancel_reaches_the_bundled_model_in_its_process() -> None:
    model = ProcessLanguageModel(LanguageSettings(threads=1))
    try:
        assert model.name.startswith("local:"), model.name
        text = "i has went to the shop yesterday and buyed three apple for my mother, who were very happy."
        t0 = time.perf_counter()
        full = model.rewrite(text, "continue", k=2, revision=1)
        full_s = time.perf_counter() - t0
        assert not full.cancelled and full.value
        cancel = threading.Event()
        threading.Timer(0.3, cancel.set).start()
        t0 = time.perf_counter()
        cut = model.rewrite(text, "continue", k=2, revision=2, cancel=cancel)
        cut_s = time.perf_counter() - t0
        assert cut.cancelled and cut.revision == 2
        assert model.cancels_sent == 1
        assert cut_s < 0.5 * full_s, f"cancelled call took {cut_s:.2f} s, a full one {full_s:.2f} s"
        # A call cancelled before it starts stops at the model's first check.
        t0 = time.perf_counter()
        early = model.rewrite(text, "continue", k=2, revision=3, cancel=cancel)
        assert early.cancelled and time.perf_counter() - t0 < 0.5 * full_s
        assert model.cancels_sent == 2
        # The process keeps serving after a cancellation.
        again = model.complete_word("Thank you for your ", "he", k=3, revision=4)
        assert not again.cancelled and again.value and again.revision == 4
    finally:
        model.close()
    assert not model._proc.is_alive()


def test_fallback_notices_from_the_child_reach_the_app() -> None:
    for url in _serve("--fail-first", "99"):
        notices: list[str] = []
        settings = LanguageSettings(backend="http", endpoint_url=url, endpoint_model="wf", retries=0,
                                    timeout_s=3.0)
        model = ProcessLanguageModel(settings, on_notice=notices.append)
        try:
            assert model.name.startswith("http") and not model.notices  # GET /models answered: it loaded
            ans = model.complete_word("Dear Sarah, ", "th", k=3, revision=1)
            assert ans.backend == "wordfreq" and ans.value  # this call fell back
            assert len(notices) == 1 and "503" in notices[0] and url in notices[0], notices
        finally:
            model.close()
