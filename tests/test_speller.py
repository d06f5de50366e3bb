from __future__ import annotations

import numpy as np
import pytest

from bci_input._errors import ConfigError
from bci_input._types import Intent, IntentKind, Modality
from bci_input.document import Document, InsertText
from bci_input.speller import (
    Layout,
    Speller,
    Target,
    expected_scan_steps,
    fuse,
    grid_groups,
    jfpm_code,
    log_fuse,
    make_stopping,
    scan_groups,
)


def test_fusion_known_posterior():
    prior = np.array([0.5, 0.3, 0.2])
    lik = np.array([0.1, 0.6, 0.3])
    # 0.05, 0.18, 0.06 -> / 0.29
    np.testing.assert_allclose(fuse(prior, lik), [0.05 / 0.29, 0.18 / 0.29, 0.06 / 0.29])
    np.testing.assert_allclose(log_fuse(np.log(prior), np.log(lik)), fuse(prior, lik))
    # an impossible target stays impossible
    assert fuse([0.0, 1.0], [0.9, 0.1])[0] == 0.0
    with pytest.raises(ConfigError):
        fuse([0.0, 1.0], [1.0, 0.0])


def test_stopping_accumulates_and_decides():
    stop = make_stopping(3, 0.9, None, [0.6, 0.2, 0.2])
    assert stop.decided is None
    stop.update(np.log([0.5, 0.25, 0.25]))
    np.testing.assert_allclose(stop.posterior, fuse([0.6, 0.2, 0.2], [0.5, 0.25, 0.25]))
    assert stop.decided is None  # 0.75
    stop.update(np.log([0.8, 0.1, 0.1]))
    assert stop.decided == 0 and stop.posterior[0] > 0.9
    # a confident prior needs less evidence than a flat one
    flat = make_stopping(3, 0.9, None, None)
    flat.update(np.log([0.5, 0.25, 0.25]))
    flat.update(np.log([0.8, 0.1, 0.1]))
    assert flat.decided is None


def test_jfpm_codes():
    assert jfpm_code(0) == (8.0, 0.0)
    f, ph = jfpm_code(39)
    assert f == pytest.approx(15.8) and ph == pytest.approx((39 * 0.35 * np.pi) % (2 * np.pi))
    with pytest.raises(ConfigError):
        jfpm_code(40)


def test_scan_groups_put_likely_targets_first():
    p = np.array([0.02] * 10 + [0.5, 0.3])
    p = p / p.sum()
    groups = scan_groups(p)
    assert groups[0] == (10,)  # the most likely target alone, first
    assert 11 in groups[1]
    assert sorted(i for g in groups for i in g) == list(range(12))
    # likely targets take fewer expected steps than with a flat prior
    assert expected_scan_steps(p) < expected_scan_steps(np.full(12, 1 / 12))


def test_grid_groups_rows_and_columns():
    g = grid_groups(10, 4)
    assert g[:3] == ((0, 1, 2, 3), (4, 5, 6, 7), (8, 9))
    assert g[3:] == ((0, 4, 8), (1, 5, 9), (2, 6), (3, 7))


def test_layout_validation():
    t = (Target("a", "a", "char", "a"), Target("b", "b", "char", "b"))
    lay = Layout("ssvep", t, [1, 3])
    np.testing.assert_allclose(lay.prior, [0.25, 0.75])
    with pytest.raises(ConfigError):
        Layout("ssvep", t, [1.0])
    with pytest.raises(ConfigError):
        Layout("mouse", t, [1, 1])
    with pytest.raises(ConfigError):
        Target("x", "x", "command", "explode")


def test_speller_main_page_has_40_jfpm_targets_and_uniform_prior_without_lm():
    sp = Speller(Document(), None, "ssvep")
    lay = sp.layout
    assert lay.n_targets == 40
    assert len({t.freq for t in lay.targets}) == 40
    chars = [i for i, t in enumerate(lay.targets) if t.kind == "char"]
    assert np.ptp(lay.prior[chars]) < 1e-12


def test_speller_commands_and_undo_gesture():
    doc = Document()
    sp = Speller(doc, None, "ssvep")
    assert sp.select("cmd:shift") == ["lower_once"]  # no automatic capital for this note
    for ch in "hi yo":
        sp.select("char:space" if ch == " " else f"char:{ch}")
    assert doc.text == "hi yo"
    sp.select("cmd:menu")
    sp.select("cmd:delete_word")
    assert doc.text == "hi " and sp.layout.page == "main"  # an edit from the menu returns to the letters
    # EMG undo gesture reverts the last commit in any mode
    assert sp.handle(Intent(IntentKind.UNDO, modality=Modality.EMG)) == ["undo"]
    assert doc.text == "hi yo"
    sp.select("cmd:delete_char")
    assert doc.text == "hi y"
    sp.select("cmd:menu")
    assert sp.layout.page == "menu"
    sp.select("cmd:redo")  # nothing to redo after a new edit
    sp.select("cmd:undo")
    assert doc.text == "hi yo"


def test_pause_ignores_intents_until_wake():
    doc = Document()
    sp = Speller(doc, None, "ssvep")
    sp.select("cmd:menu")
    sp.select("cmd:pause")
    assert sp.paused and sp.layout.n_targets == 0
    assert sp.handle(Intent(IntentKind.SELECT, "char:a")) == []
    assert sp.handle(Intent(IntentKind.UNDO)) == []
    assert sp.handle(Intent(IntentKind.WAKE)) == ["wake"]
    sp.select("char:A")
    assert doc.text == "A"


def test_rewrite_flow_without_model_rejects_cleanly():
    doc = Document("hello there. me go now")
    sp = Speller(doc, None, "ssvep")
    sp.select("cmd:menu")
    sp.select("cmd:rewrite_menu")
    assert sp.layout.page == "rewrite_select"
    sp.select("cmd:select_sentence")
    assert doc.selected_text == "me go now"
    sp.select("cmd:rewrite_next")
    assert sp.layout.page == "rewrite_instruction"
    sp.select("instr:fix_grammar")
    assert sp.layout.page == "rewrite_candidates"
    sp.select("cmd:reject")
    assert sp.layout.page == "main" and doc.selection is None


def test_hybrid_emg_confirm():
    doc = Document()
    sp = Speller(doc, None, "ssvep", confirm="emg")
    assert sp.handle(Intent(IntentKind.SELECT, "char:A", modality=Modality.SSVEP)) == ["pending"]
    assert doc.text == "" and sp.layout.page == "confirm"
    sp.handle(Intent(IntentKind.CONFIRM, modality=Modality.EMG))
    assert doc.text == "A"
    sp.handle(Intent(IntentKind.SELECT, "char:b", modality=Modality.SSVEP))
    assert sp.handle(Intent(IntentKind.UNDO, modality=Modality.EMG)) == ["cancel"]  # rejects the pending one
    assert doc.text == "A" and sp.layout.page == "main"


def test_scan_descend_and_back():
    doc = Document()
    sp = Speller(doc, None, "scan")
    lay = sp.layout
    first = lay.groups[0]
    assert len(first) > 1
    ids = tuple(lay.targets[i].id for i in first)
    assert sp.handle(Intent(IntentKind.SELECT, ids, modality=Modality.EMG)) == ["scan_descend"]
    sub = sp.layout
    assert sub.groups[-1] == (sub.index("scan:back"),)
    assert sorted(i for g in sub.groups[:-1] for i in g) == sorted(first)
    sp.handle(Intent(IntentKind.SELECT, "scan:back", modality=Modality.EMG))
    assert sp.layout.groups == lay.groups
    doc.apply(InsertText("x"))


def test_language_model_prior_and_suggestions():
    from bci_input.language import WordFreqModel

    doc = Document("thank you for your hel")
    sp = Speller(doc, WordFreqModel(), "ssvep")
    lay = sp.layout
    p = dict(zip([t.id for t in lay.targets], lay.prior, strict=True))
    assert p["char:p"] > 5 * p["char:q"]
    words = [t.value for t in lay.targets if t.kind == "word" and t.value]
    assert words and all(w.startswith("hel") for w in words)
    assert abs(lay.prior.sum() - 1.0) < 1e-9
    wid = next(t.id for t in lay.targets if t.value == words[0])
    sp.select(wid)
    assert doc.text == f"thank you for your {words[0]} "
    sp.handle(Intent(IntentKind.UNDO, modality=Modality.EMG))
    assert doc.text == "thank you for your hel"


def test_async_answers_and_stale_ones_are_dropped():
    from bci_input.language import Answer

    asked = []
    doc = Document("hi ")
    sp = Speller(doc, object(), "ssvep", lm_mode="async",
                 request_language=lambda request, r: asked.append((request.kind, r)))
    _ = sp.layout
    assert {k for k, _ in asked} == {"next_symbols", "complete_word", "complete_phrase"}
    rev = doc.revision
    sp.on_language_answer(Answer([("there", 0.9)], rev, 0.01, "test", kind="complete_word"))
    assert any(t.value == "there" for t in sp.layout.targets)
    sp.select("char:t")
    sp.on_language_answer(Answer([("stale", 0.9)], rev, 0.01, "test", kind="complete_word"))
    assert not any(t.value == "stale" for t in sp.layout.targets)


def test_lm_charge_only_counts_time_that_is_not_hidden():
    from bci_input.engine import EngineConfig
    from bci_input.simulation._closed_loop import lm_charge

    cfg = EngineConfig(gaze_s=0.5, latency_s=0.14, min_window_s=0.5)
    assert lm_charge({"complete_word": 0.01, "next_symbols": 0.5}, cfg) == 0.0
    assert lm_charge({"complete_word": 0.0, "complete_phrase": 0.8}, cfg) == pytest.approx(0.3)
    assert lm_charge({"complete_word": 0.1, "next_symbols": 1.5}, cfg) == pytest.approx(1.6 - 1.14)


def test_rewrite_flow_accepts_a_candidate():
    from bci_input.language import WordFreqModel

    doc = Document("i has a apple")
    sp = Speller(doc, WordFreqModel(), "ssvep")
    sp.select("cmd:menu")
    sp.select("cmd:rewrite_menu")
    sp.select("cmd:select_sentence")
    sp.select("cmd:rewrite_next")
    sp.select("instr:fix_grammar")
    cands = [t for t in sp.layout.targets if t.kind == "rewrite"]
    assert cands, "the rule rewriter offers at least one candidate"
    sp.select(cands[0].id)
    assert doc.text == cands[0].value and sp.layout.page == "main"


def test_p300_rsvp_flashes_single_targets_most_likely_first():
    from bci_input.language import WordFreqModel

    doc = Document("thank you for your hel")
    lay = Speller(doc, WordFreqModel(), "p300", p300_mode="rsvp").layout
    assert all(len(g) == 1 for g in lay.groups)
    order = [g[0] for g in lay.groups]
    assert lay.prior[order[0]] == max(lay.prior[i] for i in order)
    assert sorted(order) == sorted(i for i, t in enumerate(lay.targets) if t.enabled)


@pytest.mark.slow
def test_bundled_model_gives_a_sane_prior_and_suggestions():
    from bci_input.language import load_language_model

    notices = []
    model = load_language_model(on_notice=notices.append)
    assert model.name.startswith("llama.cpp:"), f"the default model did not load: {notices}"
    doc = Document("i would like a cup of co")
    lay = Speller(doc, model, "ssvep").layout
    p = dict(zip([t.id for t in lay.targets], lay.prior, strict=True))
    assert p["char:f"] + p["char:c"] + p["char:l"] + sum(
        lay.prior[i] for i, t in enumerate(lay.targets) if t.kind == "word" and t.value.startswith("co")
    ) > 0.2
    assert p["char:z"] < 0.01


def test_redo_and_new_line_commands():
    # Both are targets on the menu page, reached by selecting "menu" on the main page.
    from bci_input.language import WordFreqModel

    doc = Document("Dear Sarah,")
    sp = Speller(doc, WordFreqModel(), "ssvep")

    def via_menu(name: str) -> list[str]:
        if sp.layout.get(f"cmd:{name}") is None:
            sp.select("cmd:menu")
        return sp.select(f"cmd:{name}")

    assert via_menu("new_line") == ["new_line"]
    assert doc.text == "Dear Sarah,\n"
    if sp.layout.page == "menu":
        sp.select("cmd:back")
    for ch in "Thank":  # a new line starts with a capital by itself
        sp.select(f"char:{ch}")
    via_menu("undo")
    assert doc.text == "Dear Sarah,\nThan"
    assert via_menu("redo") == ["redo"]
    assert doc.text == "Dear Sarah,\nThank"
    assert via_menu("redo") == []  # nothing left to redo


def test_abbreviation_slot_only_when_no_word_starts_with_the_letters() -> None:
    from bci_input.document import Document
    from bci_input.language import WordFreqModel
    from bci_input.speller import Speller

    doc = Document("")
    sp = Speller(doc, WordFreqModel(), "ssvep")
    sp.select("cmd:shift")  # lower case instead of the automatic capital
    for ch in "hel":
        sp.select(f"char:{ch}")
    assert sp.layout.get("phrase:0").kind == "phrase"  # "help", "hello": words, not initials
    assert [t.value for t in sp.layout.targets if t.kind == "word" and t.value]
    doc.apply(__import__("bci_input.document", fromlist=["DeleteWordBackward"]).DeleteWordBackward())
    sp.select("cmd:shift")
    for ch in "tyvm":
        sp.select(f"char:{ch}")
    slot = sp.layout.get("phrase:0")
    assert slot.kind == "abbrev" and slot.enabled and len(slot.value.split()) == 4, slot
    assert "⟵ tyvm" in slot.label
    idx = sp.layout.index("phrase:0")
    assert sp.layout.prior[idx] > 1e-4  # selectable (word frequencies make poor expansions: a small prior)
    assert sp.select("phrase:0") == ["expand_abbreviation"]
    assert doc.text == slot.value + " "


def test_free_text_rewrite_instruction_is_spelled_with_intents() -> None:
    from bci_input._types import Intent, IntentKind, Modality
    from bci_input.document import Document
    from bci_input.language import LanguageRequest, RewriteText
    from bci_input.speller import Speller

    asked: list[LanguageRequest] = []
    doc = Document("I has a cat. It are nice.")
    sp = Speller(doc, None, "ssvep", lm_mode="async", request_language=lambda request, rev: asked.append(request))
    for t in ("cmd:menu", "cmd:rewrite_menu", "cmd:select_sentence", "cmd:rewrite_next"):
        sp.select(t)
    assert sp.layout.get("instr:free_text") is not None
    assert sp.select("instr:free_text") == ["free_text"]
    lay = sp.layout
    assert lay.page == "rewrite_freetext" and lay.extra["instruction"] == ""
    assert len([t for t in lay.targets if t.kind == "char"]) == 31
    assert not lay.get("cmd:rewrite_go").enabled or lay.prior[lay.index("cmd:rewrite_go")] < 1e-6
    assert sp.select("cmd:rewrite_go") == []  # nothing to send yet
    for ch in "make it happier":
        sp.select("char:space" if ch == " " else f"char:{ch}")
    sp.select("char:x")
    sp.handle(Intent(IntentKind.UNDO, modality=Modality.EMG))  # undo takes back a letter of the instruction
    assert sp.layout.extra["instruction"] == "make it happier"
    assert doc.text == "I has a cat. It are nice."  # the document never saw those letters
    assert sp.select("cmd:rewrite_go") == ["rewrite_request"]
    assert asked[-1] == RewriteText("It are nice.", "make it happier", 3)
    assert sp.layout.page == "rewrite_wait"
    sp.select("cmd:reject")
    assert sp.layout.page == "main" and doc.selection is None
