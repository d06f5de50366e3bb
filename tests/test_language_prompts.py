"""Shared rewrite prompts, clean-up, filters and ranking (local and http backends)."""

from __future__ import annotations

import re

import pytest

from bci_input.language import REWRITE_PRESETS
from bci_input.language import _rewrite_bench as rb
from bci_input.language._prompts import FEW_SHOT, clean_reply, continuation, rank, rewrite_messages

TEXT = "hey, can you fix the heating, it's been broken for a week."


@pytest.mark.parametrize(
    ("reply", "want"),
    [
        ("Sure, here is the formal version:\n\nCould you repair the heating?", "Could you repair the heating?"),
        ("Certainly! Could you repair the heating?", "Could you repair the heating?"),
        ('The rewritten text: "Could you repair the heating?"', "Could you repair the heating?"),
        ("Could you repair the heating? I hope this helps!", "Could you repair the heating?"),
        ("Dear [Recipient's Name],\n\nCould you repair the heating?\n\nBest regards,\n[Your Name]",
         "Could you repair the heating?"),
        ("could you repair the heating?\nThis version is more formal.", "Could you repair the heating?"),
        ("Please see [attached] file.", ""),
    ],
)
def test_clean_reply_strips_meta_text(reply: str, want: str) -> None:
    assert clean_reply(reply, "Hey, fix the heating.") == want


def test_continuation_adds_one_sentence() -> None:
    assert continuation("I like it.", " It is nice. And more.") == "I like it. It is nice."
    assert continuation("I like it.", "I like it. It is nice.") == "I like it. It is nice."
    assert continuation("I like it.", "   ") == ""


def test_rank_orders_by_score_and_drops_echoes_inventions_and_duplicates() -> None:
    scored = [
        ("Hey, can you fix the heating, it's been  broken for a week.", 0.0),  # the input, case and space changed
        ("Dear Dr. Smith, could you fix the heating? It has been broken for a week.", -0.1),  # invented name
        ("Could you fix the heating? It has been broken for 10 days.", -0.2),  # invented number
        ("Could you fix the heating? It has been broken for a week.", -2.0),
        ("Please repair the heating; it has been broken for a week.", -1.0),
        ("please repair the heating; it has been broken for a week.", -0.5),  # a duplicate up to case
    ]
    got = [r.text for r in rank(TEXT, "formal", scored, 3)]
    assert got == ["please repair the heating; it has been broken for a week.",
                   "Could you fix the heating? It has been broken for a week."]
    # A free-text instruction may bring its own names.
    assert rank("The tickets are booked.", "Add a greeting for Maria.", [("Hi Maria, the tickets are booked.", 0)], 3)


def test_every_instruction_has_its_own_few_shot_prompt_outside_the_dev_set() -> None:
    inputs = {it.input for it in rb.load_items()}
    for key in REWRITE_PRESETS:
        msgs = rewrite_messages("The text.", key)
        assert msgs[0]["role"] == "system" and msgs[-1]["content"].endswith("Text: The text.")
        assert [m["role"] for m in msgs[1:-1]] == ["user", "assistant"] * len(FEW_SHOT[key])
        assert not {a for a, _ in FEW_SHOT[key]} & inputs
    free = rewrite_messages("The text.", "Make it rhyme.")
    assert free[-1]["content"] == "Make it rhyme.\n\nText: The text." and len(free) == 4


@pytest.mark.llm
@pytest.mark.slow
def test_bundled_model_rewrites_are_ranked_clean_and_deterministic() -> None:
    from bci_input.language import load_language_model

    model = load_language_model()
    text = "i has an appointment with the doctor on tuesday and i cant come to work."
    first = [r.text for r in model.rewrite(text, "fix_grammar", 3).value]
    again = [r.text for r in model.rewrite(text, "fix_grammar", 3).value]
    assert first and first == again  # fixed seed
    for t in first:
        assert " ".join(t.split()).casefold() != text.casefold()
        assert "invented" not in rb.check_candidate(rb.RewriteItem("x", "fix_grammar", text), t)
        assert not re.match(r"\W*(sure|here|certainly)\b", t, re.I) and "[" not in t
