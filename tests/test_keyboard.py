"""The keyboard of formal writing: every character reachable, automatic capitals, shift, caps lock, numbers page."""

from __future__ import annotations

import numpy as np
import pytest

from bci_input.document import Document
from bci_input.language import ALPHABET, WordFreqModel
from bci_input.language._types import ACCENTED_CAPITALS, MAIN_SYMBOLS, SYMBOLS
from bci_input.simulation._typist import Typist
from bci_input.speller import Speller
from bci_input.speller._keyboard import check_text
from bci_input.speller._pages import main_prior, main_targets


class _Body:
    """The typist's body: nothing to attend or press in a selection-by-selection test."""

    def attend(self, target_id: str | None) -> None:
        pass

    def press(self, *args: object, **kwargs: object) -> None:
        pass


def _write(sp: Speller, text: str, limit: int = 400) -> int:
    """Let the typist write ``text`` after what the document holds; return the selections it took."""
    doc = sp.document
    target = doc.text + text
    typist = Typist(target, _Body(), np.random.default_rng(0), use_suggestions=False)
    n = 0
    while doc.text != target:
        tid = typist.plan(sp.layout, doc.text, doc.revision)
        assert tid is not None and sp.select(tid), (tid, doc.text, sp.layout.page)
        n += 1
        assert n < limit, doc.text
    return n


def _chars(sp: Speller) -> set[str]:
    return {t.value for t in sp.layout.targets if t.kind == "char"}


def test_main_page_keeps_the_common_symbols_one_selection_away() -> None:
    sp = Speller(Document("well "), None, "ssvep")
    lay = sp.layout
    assert lay.n_targets == 40 and len({t.freq for t in lay.targets}) == 40
    assert set(MAIN_SYMBOLS) <= _chars(sp)
    for key in ("cmd:delete_char", "cmd:shift", "cmd:numbers_page", "cmd:menu"):
        assert lay.get(key) is not None, key


@pytest.mark.parametrize("paradigm", ["ssvep", "p300", "scan"])
def test_every_character_is_reachable_from_the_main_page(paradigm: str) -> None:
    for ch in ALPHABET:
        sp = Speller(Document("So "), None, paradigm)
        n = _write(sp, ch)
        assert sp.document.text == "So " + ch
        # one selection for the main symbols, two for a capital, a number or a mark, three for an accented
        # letter, four for an accented capital in mid-sentence
        assert n <= (4 if ch in ACCENTED_CAPITALS else 3), (ch, n)
        if ch in MAIN_SYMBOLS:
            assert n == 1, ch


def test_automatic_capitals_and_their_override() -> None:
    doc = Document()
    sp = Speller(doc, None, "ssvep")
    assert sp.case == "auto" and "A" in _chars(sp) and "a" not in _chars(sp)
    assert sp.layout.get("char:A").label == "A" and sp.layout.get("cmd:shift").label.endswith("lower")
    sp.select("char:W")
    assert sp.case == "lower" and "w" in _chars(sp)
    for before in ("Yes. ", "Why? ", "Go! ", "Dear Anna,\n"):
        assert Speller(Document(before), None, "ssvep").case == "auto", before
    for before in ("e.g", "Yes.", "well ", "3.5 "):
        assert Speller(Document(before), None, "ssvep").case == "lower", before
    # the override: one selection writes the next letter in lower case, then capitals come back at a sentence end
    doc = Document("See p. ")
    sp = Speller(doc, None, "ssvep")
    assert sp.select("cmd:shift") == ["lower_once"]
    assert sp.case == "lower"
    sp.select("char:a")
    assert doc.text == "See p. a" and sp.case == "lower"
    assert _write(sp, ". Then") == 6
    assert doc.text == "See p. a. Then"
    # without automatic capitals the letters stay lower case
    assert Speller(Document(), None, "ssvep", auto_capitals=False).case == "lower"


def test_shift_writes_one_capital_and_caps_lock_a_run() -> None:
    doc = Document("the ")
    sp = Speller(doc, None, "ssvep")
    assert sp.select("cmd:shift") == ["shift"]
    assert sp.layout.get("char:E") is not None and "caps" in sp.layout.get("cmd:shift").label
    sp.select("char:E")
    sp.select("char:u")  # shift lasts one letter
    assert doc.text == "the Eu"
    sp.select("char:space")
    assert sp.select("cmd:shift") == ["shift"] and sp.select("cmd:shift") == ["caps_lock"]
    for ch in "NATO":
        sp.select(f"char:{ch}")
    sp.select("char:space")
    sp.select("char:X")  # caps lock lasts over spaces
    assert doc.text == "the Eu NATO X" and sp.case == "caps"
    assert sp.select("cmd:shift") == ["caps_off"]
    sp.select("char:y")
    assert doc.text == "the Eu NATO Xy"
    # the typist turns caps lock on for a run of three capitals or more
    assert _write(sp, " UNESCO") == 1 + 2 + 6


def test_numbers_page_stays_for_a_number_and_its_marks() -> None:
    doc = Document("Article ")
    sp = Speller(doc, None, "ssvep")
    sp.select("cmd:numbers_page")
    assert sp.layout.page == "numbers"
    for ch in "3(2):":
        sp.select(f"char:{ch}")
        assert sp.layout.page == "numbers", ch
    sp.select("char:space")  # a space returns to the letters
    assert sp.layout.page == "main" and doc.text == "Article 3(2): "
    # "in", space, 123, "2026", ",", space (back to the letters), 123, "109"
    assert _write(sp, "in 2026, 109") == 2 + 1 + 1 + 4 + 1 + 1 + 1 + 3
    assert sp.layout.page == "numbers"
    sp.select("cmd:letters_page")
    assert sp.layout.page == "main"
    # an accented letter: from the numbers page, one page deeper; the letters come back after one
    sp.select("cmd:numbers_page")
    sp.select("cmd:accents_page")
    sp.select("char:é")
    assert doc.text.endswith("é") and sp.layout.page == "main"


def test_new_line_on_the_numbers_page_starts_a_capital_line() -> None:
    doc = Document("Dear Sir,")
    sp = Speller(doc, None, "p300")
    assert _write(sp, "\nThank") == 2 + 5
    assert doc.text == "Dear Sir,\nThank"


def test_prior_follows_the_case_and_the_pages() -> None:
    dist = {s: 0.0 for s in SYMBOLS}
    dist.update({"T": 0.5, "t": 0.1, "2": 0.3, " ": 0.1})
    lower = main_targets(case="lower")
    p = main_prior(lower, dist, [], [], "", case="lower")
    ids = [t.id for t in lower]
    assert abs(p.sum() - 1) < 1e-9
    # mid-sentence a likely capital goes to the shift key, a likely digit to the numbers page
    assert p[ids.index("cmd:shift")] > p[ids.index("char:t")] > p[ids.index("char:q")]
    assert p[ids.index("cmd:numbers_page")] > p[ids.index("char:t")]
    auto = main_targets(case="auto")
    pa = main_prior(auto, dist, [], [], "", case="auto")
    ida = [t.id for t in auto]
    # at a sentence start the capital goes to the letter, the lower-case mass to the override key
    assert pa[ida.index("char:T")] > 0.4 and 0.05 < pa[ida.index("cmd:shift")] < pa[ida.index("char:T")]
    # a backend without capitals says nothing about case: the letter target keeps both cases' mass
    case_blind = {s: 0.0 for s in SYMBOLS} | {"t": 0.9, " ": 0.1}
    pb = main_prior(auto, case_blind, [], [], "", case="auto")
    assert pb[ida.index("char:T")] > 0.7 and pb[ida.index("cmd:shift")] < 0.05
    # after the override the case is chosen: the lower-case letter gets both cases' mass, shift none of it
    pc = main_prior(lower, dist, [], [], "", case="lower", case_chosen=True)
    assert pc[ids.index("char:t")] > 0.4 and pc[ids.index("cmd:shift")] < 0.05


def test_words_follow_the_case() -> None:
    doc = Document("It is. Tha")
    sp = Speller(doc, WordFreqModel(), "ssvep")
    words = [t.value for t in sp.layout.targets if t.kind == "word" and t.value]
    assert words and all(w.startswith("Tha") for w in words), words
    doc = Document("It is the ")
    sp = Speller(doc, WordFreqModel(), "ssvep")
    sp.select("cmd:shift")
    sp.select("cmd:shift")
    sp.select("char:E")
    words = [t.value for t in sp.layout.targets if t.kind == "word" and t.value]
    assert all(w == w.upper() for w in words), words


def test_text_outside_the_alphabet_is_refused_naming_the_characters() -> None:
    from bci_input._errors import ConfigError

    assert check_text('Amendment 12: "€100".\r\nOK') == 'Amendment 12: "€100".\nOK'
    with pytest.raises(ConfigError, match=r"'✓' \(U\+2713\).*'\\t' \(U\+0009\)"):
        check_text("done ✓\tnext")
