"""Language layer: protocol, word-frequency model, worker, rules (fast, no LLM)."""

from __future__ import annotations

import threading

import pytest

from bci_input._errors import ConfigError
from bci_input.language import (
    ALPHABET,
    BACKSPACE,
    KINDS,
    MAIN_SYMBOLS,
    REQUESTS,
    REWRITE_PRESETS,
    SYMBOLS,
    Answer,
    CompletePhrase,
    CompleteWord,
    ExpandAbbreviation,
    LanguageModel,
    LanguageWorker,
    NextSymbols,
    RewriteText,
    WordFreqModel,
    ask,
    load_language_model,
    split_context,
    word_diff,
)
from bci_input.language._requests import answer_from_json, answer_to_json, request_from_json, request_to_json
from bci_input.language._types import CAPITALS, DIGITS, LETTERS
from bci_input.settings import LanguageSettings


@pytest.fixture(scope="module")
def wf() -> WordFreqModel:
    return WordFreqModel()


def test_symbols_alphabet() -> None:
    assert len(SYMBOLS) == len(set(SYMBOLS)) == len(ALPHABET) + 1 and SYMBOLS[-1] == BACKSPACE
    assert SYMBOLS[:26] == tuple("abcdefghijklmnopqrstuvwxyz") and SYMBOLS[:31] == MAIN_SYMBOLS
    assert {" ", ".", ",", "?", "'", BACKSPACE} <= set(SYMBOLS)
    assert set("ABCZ0123456789;:!\"()-–/&%€$£§@#\néèàçôüöäßÉÜ") <= set(SYMBOLS)


def _check_distribution(dist: dict[str, float]) -> None:
    assert list(dist) == list(SYMBOLS) or set(dist) == set(SYMBOLS)
    assert abs(sum(dist.values()) - 1.0) < 1e-9
    assert min(dist.values()) > 0


@pytest.mark.parametrize("model", ["wordfreq", "none"])
@pytest.mark.parametrize(
    "text", ["", "Dear Sir,\n", "Article 3(", "I paid €", "the EU", "on Th", "café", "Hello. ", "see (2", "x"]
)
def test_every_backend_without_a_model_covers_the_whole_alphabet(model: str, text: str) -> None:
    _check_distribution(load_language_model(LanguageSettings(backend=model)).next_symbols(text).value)


def test_wordfreq_capitals_digits_and_marks_get_the_mass_the_context_calls_for(wf: WordFreqModel) -> None:
    def cap(d: dict[str, float]) -> float:
        return sum(d[c] for c in CAPITALS)

    start, mid = wf.next_symbols("It rained. ").value, wf.next_symbols("It rained and ").value
    assert cap(start) > 0.8 and cap(mid) < 0.1
    assert cap(wf.next_symbols("").value) > 0.8 and cap(wf.next_symbols("Dear Sir,\n").value) > 0.8
    assert cap(wf.next_symbols("Dr. ").value) < 0.1  # an abbreviation does not end the sentence
    # Inside an acronym, capitals; inside a capitalised word, lower case.
    assert cap(wf.next_symbols("rules of the EU").value) > 0.5 and cap(wf.next_symbols("the Thu").value) < 0.05
    # After a digit or a currency sign, digits; after "Hello," a space.
    digits = wf.next_symbols("Amendment 1").value
    assert sum(digits[c] for c in DIGITS) > 0.4 and sum(digits[c] for c in LETTERS) < 0.1
    assert sum(wf.next_symbols("I paid €").value[c] for c in DIGITS) > 0.5
    # Digits and the marks of formal text keep a small mass where a word starts; the line break too.
    mid_start = wf.next_symbols("It rained and ").value
    assert 0.005 < sum(mid_start[c] for c in DIGITS) < 0.1 and mid_start['"'] > 1e-3 and mid_start["\n"] > 1e-3
    assert max(wf.next_symbols("Hello,").value.items(), key=lambda kv: kv[1])[0] == " "


def test_wordfreq_suggestions_come_in_the_case_the_context_calls_for(wf: WordFreqModel) -> None:
    def words(context: str, prefix: str) -> list[str]:
        return [w for w, _ in wf.complete_word(context + prefix, prefix, 5).value]

    assert words("It rained. ", "")[0] == "The" and words("", "Th")[0] == "Thank" and words("", "")[0][0].isupper()
    assert words("It rained and ", "th")[0] == "the"
    assert "Thursday" in words("We meet on ", "thu")  # a day keeps its capital
    # Typed in capitals mid-sentence: acronyms first, every suggestion in capitals.
    assert words("in the ", "EU")[0] == "EU" and all(w.isupper() for w in words("in the ", "EU"))
    assert "NATO" in words("member of ", "NAT") and all(w.isupper() for w in words("the ", "NAT"))
    assert "EU" in words("rules of the ", "eu") and "European" in words("rules of the ", "E")
    assert all(w[0].isupper() for w in words("see ", "Art")) and "Article" in words("see ", "Art")
    assert "I" in words("and then ", "i") and "in" in words("and then ", "i")
    assert words('Text proposed by the Commission: "', "")[0][0].isupper()  # a quotation starts a sentence
    assert words('as the Commission said in "', "")[0][0].islower()
    # A lower-case letter at a sentence start overrides the automatic capital.
    assert words("It rained. ", "th")[0] == "the"
    mid = wf.expand_abbreviation("tyvm", "Hi Anna, I got the flowers, ").value
    first = wf.expand_abbreviation("tyvm", "").value
    assert mid and first and mid[0][0][0].islower() and first[0][0][0].isupper()


def test_wordfreq_is_a_language_model(wf: WordFreqModel) -> None:
    assert isinstance(wf, LanguageModel)
    ans = wf.complete_word("Dear Sarah, ", "th", k=5, revision=7)
    assert isinstance(ans, Answer) and ans.revision == 7 and ans.backend == "wordfreq"
    words = [w for w, _ in ans.value]
    assert words[0] == "the" and len(words) == 5
    assert all(w.startswith("th") for w in words)
    probs = [p for _, p in ans.value]
    assert probs == sorted(probs, reverse=True) and 0 < sum(probs) <= 1.0 + 1e-9


@pytest.mark.parametrize("text", ["", "Hello wor", "I think", "Hello,", "zzqx", "don"])
def test_next_symbols_is_a_distribution(wf: WordFreqModel, text: str) -> None:
    dist = wf.next_symbols(text).value
    assert set(dist) == set(SYMBOLS)
    assert abs(sum(dist.values()) - 1.0) < 1e-9
    assert min(dist.values()) > 0


def test_next_symbols_follows_the_prefix(wf: WordFreqModel) -> None:
    dist = wf.next_symbols("Hello wor").value
    best = max(dist, key=dist.get)
    assert best in {"l", "k", "r", "d"}
    assert dist["q"] < 0.01
    after_punct = wf.next_symbols("Hello,").value
    assert max(after_punct, key=after_punct.get) == " "
    # A prefix no word starts with makes a deletion likely.
    assert wf.next_symbols("zzqx").value[BACKSPACE] > wf.next_symbols("the").value[BACKSPACE]


def test_split_context() -> None:
    assert split_context("Dear Sarah, thank yo") == ("Dear Sarah, thank ", "yo")
    assert split_context("Hello ") == ("Hello ", "")
    assert split_context("I don'") == ("I ", "don'")
    assert split_context("") == ("", "")


def test_rule_rewrites_and_diff(wf: WordFreqModel) -> None:
    ans = wf.rewrite("i dont think  we can come tomorow", "fix_grammar")
    assert ans.value and ans.value[0].text == "I don't think we can come tomorrow."
    tags = {t for t, _, _ in ans.value[0].diff}
    assert "replace" in tags and "equal" in tags
    assert "[-i dont-]{+I don't+} think" in ans.value[0].diff_text
    formal = wf.rewrite("I can't come, thanks", "formal").value[0].text
    assert "cannot" in formal and "thank you" in formal
    assert set(REWRITE_PRESETS) == {"fix_grammar", "formal", "shorter", "polite", "continue"}
    assert word_diff("a b c", "a x c") == (("equal", "a", "a"), ("replace", "b", "x"), ("equal", "c", "c"))


def test_load_wordfreq_and_none_backends() -> None:
    assert load_language_model(LanguageSettings(backend="wordfreq")).name == "wordfreq"
    none = load_language_model(LanguageSettings(backend="none"))
    assert none.complete_word("", "a").value == []
    assert abs(sum(none.next_symbols("").value.values()) - 1) < 1e-9


class _GatedModel(WordFreqModel):
    """The real word-frequency model, held at a gate so the test controls when an answer is computed."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.started = threading.Event()

    def complete_word(self, context, prefix, k=5, *, revision=0, cancel=None):  # type: ignore[override]
        self.started.set()
        self.gate.wait(60)
        self.started.clear()
        return super().complete_word(context, prefix, k, revision=revision, cancel=cancel)


def test_worker_drops_stale_answers() -> None:
    model = _GatedModel()
    answers: list[Answer] = []
    errors: list[Exception] = []
    worker = LanguageWorker(model, answers.append, errors.append, debounce_s=0.0)
    try:
        worker.request(CompleteWord("", "he", 3), 1)
        assert model.started.wait(60)
        # While revision 1 computes, the document moves on.
        worker.request(CompleteWord("", "hel", 3), 2)
        model.gate.set()
        assert worker.wait_idle(60)
    finally:
        worker.stop(timeout=60)  # joins as soon as the thread ends
    assert not errors
    assert [a.revision for a in answers] == [2]
    assert answers[0].kind == "complete_word"
    assert all(w.startswith("hel") for w, _ in answers[0].value)
    assert worker.dropped == 1
    assert not worker.is_alive


class _FailingWordsModel(WordFreqModel):
    """The real word-frequency model whose word completion fails."""

    def complete_word(self, context, prefix, k=5, *, revision=0, cancel=None):  # type: ignore[override]
        raise TypeError("no words today")


def test_worker_reports_errors() -> None:
    answers: list[Answer] = []
    errors: list[Exception] = []
    worker = LanguageWorker(_FailingWordsModel(), answers.append, errors.append, debounce_s=0.0)
    try:
        worker.request(CompleteWord("", "a"), 1)
        assert worker.wait_idle(60)
        worker.request(NextSymbols("Hi"), 2)
        assert worker.wait_idle(60)
    finally:
        worker.stop()
    assert len(errors) == 1 and isinstance(errors[0], TypeError)
    assert [a.kind for a in answers] == ["next_symbols"]


def test_worker_rejects_unknown_kind() -> None:
    worker = LanguageWorker(WordFreqModel(), lambda a: None, lambda e: None)
    try:
        with pytest.raises(ConfigError, match="Use one of: next_symbols, complete_word"):
            worker.request("summarise", 1)  # type: ignore[arg-type]
    finally:
        worker.stop()


def test_every_request_kind_is_a_model_method_and_crosses_json(wf: WordFreqModel) -> None:
    import json

    requests = [NextSymbols("Dear Sa"), CompleteWord("Thank you for your ", "he", 3), CompletePhrase("Thank you", 2),
                ExpandAbbreviation("ty", "", 2), RewriteText("i has a cat", "fix_grammar", 2)]
    assert KINDS == tuple(REQUESTS) == tuple(r.kind for r in requests)
    for request in requests:
        assert callable(getattr(LanguageModel, request.kind))
        assert request_from_json(json.loads(json.dumps(request_to_json(request)))) == request
        answer = ask(wf, request, revision=7)
        assert answer.kind == request.kind and answer.revision == 7
        assert answer_from_json(json.loads(json.dumps(answer_to_json(answer)))) == answer
    rewrites = ask(wf, requests[-1]).value
    assert rewrites and all(r.diff for r in rewrites)  # type: ignore[union-attr]
    with pytest.raises(ConfigError, match="Unknown language request kind 'summarise'"):
        request_from_json({"kind": "summarise", "text": "x"})


def test_word_lists_are_cached_on_disk_and_a_damaged_cache_is_rebuilt(tmp_path) -> None:
    import sys

    import numpy as np

    from bci_input.language._vocab import Vocabulary

    base = Vocabulary.from_wordfreq(n_words=2000, cache_dir=tmp_path)
    ext = base.extended(["zanzibar", "qwxyz", "the"], cache_dir=tmp_path)
    assert "zanzibar" in ext and "qwxyz" not in ext and len(ext) == len(base) + 1
    files = sorted(p.name for p in tmp_path.glob("*.npz"))
    assert len(files) == 2 and any("extended" in f for f in files)
    extended_file = next(tmp_path.glob("*extended*.npz"))
    with np.load(extended_file, allow_pickle=False) as z:
        assert "zanzibar" in z["words"].tolist()
    # A later start reads the file: the same words, even with wordfreq made unimportable.
    saved = sys.modules.get("wordfreq")
    sys.modules["wordfreq"] = None  # type: ignore[assignment]
    try:
        again = base.extended(["the", "qwxyz", "zanzibar"], cache_dir=tmp_path)
    finally:
        if saved is None:
            del sys.modules["wordfreq"]
        else:
            sys.modules["wordfreq"] = saved
    assert again.words == ext.words and np.array_equal(again.freq, ext.freq)
    # Another token list gets its own file; a truncated file is rebuilt instead of failing.
    assert base.extended(["zanzibar", "kyoto"], cache_dir=tmp_path).words != ext.words
    extended_file.write_bytes(extended_file.read_bytes()[:50])
    assert base.extended(["zanzibar", "qwxyz", "the"], cache_dir=tmp_path).words == ext.words
    with np.load(extended_file, allow_pickle=False) as z:
        assert len(z["words"]) == len(ext)
