"""The app's language-model process: cancellation and notices cross the process boundary."""

from __future__ import annotations

import threading

import pytest
from _openai_server import serve

from bci_input.language import ProcessLanguageModel
from bci_input.settings import LanguageSettings

pytestmark = pytest.mark.slow


class _SetWhileWaiting:
    """A cancel flag that sets itself once the caller has polled it ``polls`` times.

    The model proxy looks at ``cancel`` only between 10 ms waits that brought no answer, so when this flag turns
    on, the call is certainly still running in the model's process: the cancellation lands mid-call on any
    machine, fast or loaded (a timer set for 0.3 s can fire after a fast call ended, or before a slow one began).
    """

    def __init__(self, polls: int) -> None:
        self.polls = polls
        self.seen = 0

    def is_set(self) -> bool:
        self.seen += 1
        return self.seen >= self.polls


def _continuation(answer, text: str) -> str:
    return answer.value[0].text[len(text):] if answer.value else ""


@pytest.mark.llm
def test_cancel_reaches_the_bundled_model_in_its_process() -> None:
    # The light model on transformers: cancellation inside generate() (the llama.cpp engine checks the same
    # Event between its batched steps).
    model = ProcessLanguageModel(LanguageSettings(model="light", engine="transformers", threads=1))
    try:
        assert model.name.startswith("local:"), model.name
        text = "i has went to the shop yesterday and buyed three apple for my mother, who were very happy."
        full = model.rewrite(text, "continue", k=2, revision=1)
        assert not full.cancelled and full.value
        whole = _continuation(full, text)
        # Cancelled mid-call: the model stopped generating (work, not seconds: a loaded machine is slower at both).
        cut = model.rewrite(text, "continue", k=2, revision=2, cancel=_SetWhileWaiting(20))
        assert cut.cancelled and cut.revision == 2
        assert model.cancels_sent == 1
        # Candidates are several samples ranked by the model's score, so the cut call's best need not be a prefix
        # of the full call's best; every continuation it returns is shorter than the full call's longest.
        longest = max(len(r.text) - len(text) for r in full.value)
        assert all(len(r.text) - len(text) < longest for r in cut.value), (cut.value, full.value)
        assert len(_continuation(cut, text)) < max(len(whole), longest)
        # A call cancelled before it starts stops at the model's first check.
        cancel = threading.Event()
        cancel.set()
        early = model.rewrite(text, "continue", k=2, revision=3, cancel=cancel)
        assert early.cancelled and len(_continuation(early, text)) < len(whole)
        assert model.cancels_sent == 2
        # The process keeps serving after a cancellation.
        again = model.complete_word("Thank you for your ", "he", k=3, revision=4)
        assert not again.cancelled and again.value and again.revision == 4
    finally:
        model.close()
    assert not model._proc.is_alive()


def test_fallback_notices_from_the_child_reach_the_app() -> None:
    for url in serve("--fail-first", "99"):
        notices: list[str] = []
        settings = LanguageSettings(backend="http", endpoint_url=url, endpoint_model="wf", retries=0,
                                    timeout_s=60.0)  # the server answers at once; no timeout under load
        model = ProcessLanguageModel(settings, on_notice=notices.append)
        try:
            assert model.name.startswith("http") and not model.notices  # GET /models answered: it loaded
            ans = model.complete_word("Dear Sarah, ", "th", k=3, revision=1)
            assert ans.backend == "wordfreq" and ans.value  # this call fell back
            assert len(notices) == 1 and "503" in notices[0] and url in notices[0], notices
        finally:
            model.close()
