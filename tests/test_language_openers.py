"""First impression: an empty document offers plausible openers in the word row and the ghost text."""

from __future__ import annotations

import pytest

from bci_input.language import WordFreqModel, load_language_model
from bci_input.language._openers import OPENER_PHRASES, OPENER_WORDS

PLAUSIBLE = {"dear", "i", "thank", "hello", "hi", "please", "my", "we", "could", "good"}


def _check_first_impression(model: object) -> None:
    for context in ("", "\n", "  "):
        words = [w for w, _ in model.complete_word(context, "", 5).value]  # type: ignore[attr-defined]
        assert len(words) == 5 and {w.casefold() for w in words} <= PLAUSIBLE, words
        assert words[:3] == ["Dear", "I", "Thank"]
        phrases = [p for p, _ in model.complete_phrase(context, 3).value]  # type: ignore[attr-defined]
        assert phrases == list(OPENER_PHRASES[:3])
    # A typed first letter narrows the openers; the model's own words follow them.
    words = [w for w, _ in model.complete_word("", "T", 5).value]  # type: ignore[attr-defined]
    assert words[0] == "Thank" and len(words) == 5 and all(w.startswith("T") for w in words)
    probs = [p for _, p in model.complete_word("", "T", 5).value]  # type: ignore[attr-defined]
    assert sum(probs) <= 1.0 + 1e-9 and probs == sorted(probs, reverse=True)
    assert [p for p, _ in model.complete_phrase("Th", 2).value] == ["Thank you for"]  # type: ignore[attr-defined]
    # After the first word the model answers alone.
    later = [w for w, _ in model.complete_word("Dear Sarah, thank you for ", "", 5).value]  # type: ignore
    assert "Dear" not in later


def test_first_impression_with_word_frequencies() -> None:
    _check_first_impression(WordFreqModel())


@pytest.mark.llm
@pytest.mark.slow
def test_first_impression_with_the_default_model() -> None:
    model = load_language_model()
    assert model.name.startswith("llama.cpp:Qwen2.5-Coder-0.5B")  # the model a new user gets
    _check_first_impression(model)


def test_openers_are_distinct() -> None:
    assert len({w.casefold() for w in OPENER_WORDS}) == len(OPENER_WORDS)
    assert len({p.casefold() for p in OPENER_PHRASES}) == len(OPENER_PHRASES)
