"""The app shows when the language server fails and word frequencies answer, and when the server is back.

Real Qt widgets (offscreen), the real :class:`HttpModel` and the loopback test server made slow, then well.
"""

from __future__ import annotations

from _openai_server import control, serve
from bci_input.ui._app import AppOptions, build_app

from bci_input._types import Intent, IntentKind
from bci_input.language import HttpModel


def test_status_bar_shows_the_fallback_while_the_server_is_slow_and_clears_when_it_is_back(qtbot) -> None:
    gen = serve()
    url = next(gen)
    now = [0.0]
    try:
        window, ctrl = build_app(AppOptions(board="none", lm="none"))
        qtbot.addWidget(window)
        model = HttpModel(url, timeout_s=0.5, retries=0, clock=lambda: now[0])
        model.probe(timeout_s=60.0)
        ctrl.set_language_model(model)
        llm = window.status.llm
        qtbot.waitUntil(lambda: llm.text().startswith("LLM: http:"), timeout=60_000)  # the server answered
        assert llm.styleSheet() == ""

        control(url, delay=600)  # the server stops answering in time
        ctrl.handle_intent(Intent(IntentKind.SELECT, "char:D"))
        qtbot.waitUntil(lambda: "word frequencies" in llm.text(), timeout=60_000)
        assert llm.text() == "LLM: ⚠ word frequencies — language server too slow, retrying"
        assert window.theme.bad.name() in llm.styleSheet() and "timed out" in llm.toolTip()
        assert "failed" in window.message.text() and url in window.message.text()
        ctrl.handle_intent(Intent(IntentKind.SELECT, "char:e"))  # answers keep coming, from word frequencies
        qtbot.waitUntil(lambda: any(t.kind == "word" for t in ctrl.speller.layout.targets), timeout=60_000)
        assert "word frequencies" in llm.text()

        control(url, delay=0)  # well again; asked once retry_after_s has passed
        now[0] = 31.0
        ctrl.handle_intent(Intent(IntentKind.SELECT, "char:a"))
        qtbot.waitUntil(lambda: llm.text().startswith("LLM: http:"), timeout=60_000)
        assert llm.styleSheet() == "" and "answers again" in window.message.text()
        window.close()
    finally:
        gen.close()
