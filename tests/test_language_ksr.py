"""KSR protocol arithmetic on hand-checked examples, and personal vocabulary."""

from __future__ import annotations

import json

import pytest

from bci_input.language import PersonalizedModel, PersonalVocabulary, WordFreqModel
from bci_input.language._ksr import WordTrace, ksr, phrase_match_length, tokenize, trace_words

TEXT = "Hi Tom, see you."


def test_tokenize_splits_punctuation() -> None:
    toks = tokenize('Hi Tom, "see" you. 42')
    assert [(t.lead, t.word, t.trail) for t in toks] == [
        ("", "Hi", ""), ("", "Tom", ","), ('"', "see", '"'), ("", "you", "."), ("42", "", "")
    ]


def test_ksr_by_hand() -> None:
    toks = tokenize(TEXT)
    traces = [
        WordTrace({3: 1, 5: 0}),  # "Hi": found after typing "h" in top 3, at once in top 5
        WordTrace({3: None, 5: None}),  # "Tom,": never suggested
        WordTrace({3: 0, 5: 0}, phrase_len={3: 2, 5: 2}),  # "see": a phrase "see you" is offered
        WordTrace({3: 2, 5: 2}),  # "you.": after "yo"
    ]
    # characters: 3 + 5 + 4 + 5 = 17
    r3 = ksr(toks, traces, 3)
    assert r3["characters"] == 17
    assert r3["keystrokes"] == (1 + 1) + 5 + 1 + (2 + 1 + 1)  # accept costs 1, "." costs 1
    assert r3["ksr"] == pytest.approx(1 - 12 / 17)
    assert ksr(toks, traces, 5)["keystrokes"] == 1 + 5 + 1 + 4
    p3 = ksr(toks, traces, 3, phrases=True)
    assert p3["keystrokes"] == 2 + 5 + (1 + 1)  # phrase "see you" + "."
    assert p3["phrases_accepted"] == 1 and p3["ksr"] == pytest.approx(1 - 9 / 17)


def test_phrase_match_rules() -> None:
    toks = tokenize("thank you, for all your help.")
    assert phrase_match_length("thank you", toks, 0) == 2
    assert phrase_match_length("Thank you", toks, 0) == 0 and phrase_match_length("Thank you", toks, 0, case=False) == 2
    assert phrase_match_length("thank you for", toks, 0) == 0  # "you," carries punctuation inside the phrase
    assert phrase_match_length("for all your help", toks, 2) == 4
    assert phrase_match_length("for", toks, 2) == 0  # one word is not a phrase
    assert phrase_match_length("for all their help", toks, 2) == 0


def test_trace_words_with_a_scripted_predictor() -> None:
    table = {("", 3): ["Hi", "Hello", "Hey"], ("T", 3): ["The", "To", "Tom"]}
    calls: list[tuple[str, str]] = []

    def suggest(context: str, prefix: str, k: int) -> list[str]:
        calls.append((context, prefix))
        return table.get((prefix, k), [])[:k] if prefix in ("", "T") else []

    toks, traces = trace_words("Hi Tom", suggest, ks=(3,))
    assert traces[0].first_hit[3] == 0 and traces[1].first_hit[3] == 1
    assert calls[:2] == [("", ""), ("Hi ", "")] and calls[2] == ("Hi T", "T")  # the prefix as typed
    assert ksr(toks, traces, 3)["keystrokes"] == 1 + 2


def test_ksr_counts_case() -> None:
    # A predictor that knows the words but not their case saves nothing on "Thursday" and "EU".
    def lower(context: str, prefix: str, k: int) -> list[str]:
        return [w for w in ("thursday", "eu", "on", "the") if w.startswith(prefix.lower())][:k]

    def cased(context: str, prefix: str, k: int) -> list[str]:
        return [w for w in ("Thursday", "EU", "on", "the") if w.lower().startswith(prefix.lower())][:k]

    text = "on Thursday the EU"
    toks, low = trace_words(text, lower, ks=(3,))
    _, good = trace_words(text, cased, ks=(3,))
    chars = 3 + 9 + 4 + 3
    assert ksr(toks, low, 3)["characters"] == chars
    assert ksr(toks, low, 3)["keystrokes"] == 1 + 9 + 2 + 3  # "Thursday" and "EU" typed in full; "the" after "t"
    assert ksr(toks, good, 3)["keystrokes"] == 1 + 1 + 2 + 1
    # The lower-case protocol counts the wrong-case suggestions too: the old figure, on the same suggestions.
    assert ksr(toks, low, 3, case=False)["keystrokes"] == 1 + 1 + 2 + 1
    assert ksr(toks, low, 3, case=False)["ksr"] > ksr(toks, low, 3)["ksr"]
    assert phrase_match_length("on thursday", toks, 0) == 0 and phrase_match_length("on Thursday", toks, 0) == 2
    assert phrase_match_length("on thursday", toks, 0, case=False) == 2


def test_wordfreq_baseline_on_the_corpus() -> None:
    from importlib.resources import files

    text = files("bci_input").joinpath("data/ksr_corpus.txt").read_text(encoding="utf-8")
    assert len(text.split()) >= 1000
    wf = WordFreqModel()
    toks, traces = trace_words(text[:3000], lambda c, p, k: [w for w, _ in wf.complete_word(c, p, k).value])
    k3, k5 = ksr(toks, traces, 3)["ksr"], ksr(toks, traces, 5)["ksr"]
    assert 0.3 < k3 < k5 < 0.6  # the known baseline level (about 0.42 / 0.47 on everyday prose)


def test_personal_vocabulary_learns_and_persists(tmp_path) -> None:
    path = tmp_path / "vocab.json"
    model = PersonalizedModel(WordFreqModel(), PersonalVocabulary(path))
    assert "kwabenya" not in [w for w, _ in model.complete_word("Dear ", "kwa", 5).value]
    n = model.learn("Dear Kwabenya, the physio visit with Kwabenya is on Monday. Kwabenya says hello.")
    assert n > 5 and path.exists()
    data = json.loads(path.read_text())
    assert data["schema"] == 1 and data["words"]["kwabenya"] == 3 and "Kwabenya" in data["names"]
    reopened = PersonalizedModel(WordFreqModel(), PersonalVocabulary(path))
    assert reopened.complete_word("Dear ", "kw", 3).value[0][0] == "Kwabenya"  # the case it learnt
    dist = reopened.next_symbols("Dear kwa").value
    plain = WordFreqModel().next_symbols("Dear kwa").value
    assert dist["b"] > 0.25 > 10 * plain["b"] and abs(sum(dist.values()) - 1) < 1e-9
    reopened.vocab.forget("kwabenya")
    assert "kwabenya" not in [w.lower() for w, _ in reopened.complete_word("", "kwa", 5).value]


def test_personal_vocabulary_keeps_the_case_it_learnt(tmp_path) -> None:
    model = PersonalizedModel(WordFreqModel(), PersonalVocabulary(tmp_path / "v.json"))
    model.learn("I saw Dr Okonkwo at the NHS clinic. Okonkwo wrote to the NHS again.")
    assert model.complete_word("I wrote to ", "oko", 3).value[0][0] == "Okonkwo"
    assert model.complete_word("I wrote to the ", "nh", 3).value[0][0] == "NHS"
    dist = model.next_symbols("I wrote to ").value
    assert dist["O"] > dist["o"] and abs(sum(dist.values()) - 1) < 1e-9 and min(dist.values()) > 0


def test_corrupt_personal_vocabulary_starts_empty(tmp_path) -> None:
    path = tmp_path / "vocab.json"
    path.write_text("{not json")
    assert len(PersonalVocabulary(path)) == 0


def test_cli_complete_and_bench_with_wordfreq(tmp_path, capsys) -> None:
    from bci_input.cli import main

    assert main(["lm", "complete", "Dear Sarah, thank you for yo", "--backend", "wordfreq", "--rewrite", "formal"]) == 0
    out = capsys.readouterr().out
    assert "model: wordfreq" in out and "you 0." in out and "rewrites" in out
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("Thank you for your letter. I hope you are well, and the children too.\n" * 3)
    js, md = tmp_path / "out.json", tmp_path / "BENCH.md"
    args = ["lm", "bench", "--corpus", str(corpus), "--backend", "wordfreq", "--k", "3", "--json", str(js)]
    assert main([*args, "--markdown", str(md)]) == 0
    data = json.loads(js.read_text())
    r = data["results"][0]
    assert r["backend"] == "wordfreq" and r["words"] == 42 and 0.2 < r["ksr_word"]["3"] < 0.8
    assert "<!-- BEGIN language -->" in md.read_text() and "KSR word@3" in md.read_text()
    assert main(["lm", "bench", "--corpus", str(tmp_path / "missing.txt"), "--backend", "wordfreq"]) == 2
