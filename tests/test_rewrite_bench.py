"""Rewrite benchmark: the dev set, each acceptance rule, and ``bci-input lm rewrite-bench``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bci_input.cli import main
from bci_input.language import REWRITE_PRESETS
from bci_input.language import _rewrite_bench as rb


@pytest.fixture(scope="module")
def items() -> dict[str, rb.RewriteItem]:
    return {it.id: it for it in rb.load_items()}


def test_dev_set_covers_every_instruction_and_its_references_are_accepted(items: dict[str, rb.RewriteItem]) -> None:
    assert len(items) >= 80
    groups = {it.group for it in items.values()}
    assert groups == {*REWRITE_PRESETS, rb.FREE, rb.ABBREVIATION}
    for it in items.values():
        assert it.references, it.id
        for ref in it.references:
            assert rb.check_candidate(it, ref) == [], (it.id, ref)
        if it.instruction != rb.ABBREVIATION:
            assert "echo" in rb.check_candidate(it, it.input)


@pytest.mark.parametrize(
    ("item_id", "candidate", "rule"),
    [
        ("fix_grammar-01", "", "empty"),
        ("fix_grammar-01", "  I has an appointment with the doctor on tuesday and i cant come to work.  ", "echo"),
        ("formal-01", "HEY, CAN YOU FIX THE HEATING, IT'S BEEN BROKEN FOR A WEEK.", "echo"),
        ("formal-01", "Sure, here is the formal version: Could you repair the heating? It has been broken for a week.",
         "meta"),
        ("formal-01", "Dear [Recipient's Name], could you repair the heating? It has been broken for a week.", "meta"),
        ("formal-01", "Could you repair the heating?\nIt has been broken for a week.", "meta"),
        ("formal-01", '"Could you repair the heating? It has been broken for a week."', "meta"),
        ("formal-01", "Could you repair the heating? It has been broken for some time.", "must_contain"),
        ("fix_grammar-04", "The rent for december has been paid on the 3rd.", "must_contain_case"),
        ("fix_grammar-01", "I has an appointment with the doctor on Tuesday and I can't come to work.",
         "must_not_contain"),
        ("formal-01", "Dear Dr. Smith, could you repair the heating? It has been broken for a week.", "invented"),
        ("formal-01", "Could you repair the heating? It has been broken for a week, since 12 May.", "invented"),
        ("formal-01", "Could you repair the heating? Friday makes a week it has been broken.", "invented"),
        ("shorter-01", "I am writing to you today in order to let you know that I will not be able to attend the "
         "appointment on Thursday, as I said.", "length"),
        ("continue-01", "Dear Anna, thank you for visiting me on Sunday. It was lovely. Come again.", "continuation"),
        ("continue-01", "Thank you for visiting me on Sunday, Anna. It was lovely to see you.", "continuation"),
        ("abbreviation-01", "thank you very much", "initials"),
        ("abbreviation-02", "I will be there later", "initials"),
    ],
)
def test_each_rule_can_fail(items: dict[str, rb.RewriteItem], item_id: str, candidate: str, rule: str) -> None:
    assert rule in rb.check_candidate(items[item_id], candidate)


def test_good_candidates_pass_and_names_from_the_input_are_not_invented(items: dict[str, rb.RewriteItem]) -> None:
    good = "Could you please repair the heating? It has been broken for a week."
    assert rb.check_candidate(items["formal-01"], good) == []
    assert rb.check_candidate(items["free-07"], "Hi Maria, the tickets for the concert are booked!") == []
    assert rb.check_candidate(items["abbreviation-07"], "Could you help me") == []
    assert rb.check_candidate(items["polite-10"], "Please answer my email about the rent.") == []
    assert "meta" in rb.check_candidate(items["polite-10"], "Answer: Please answer my email about the rent.")
    assert rb.invented("Dear Dr. Smith, see you Monday at 5.", ["see you at 5"]) == ["Dr", "Smith", "Monday"]
    assert rb.invented("I'll call Anna. Then I rest.", ["anna will call"]) == []


def test_score_counts_top_1_and_top_3(items: dict[str, rb.RewriteItem]) -> None:
    good = "Could you please repair the heating? It has been broken for a week."
    bad = "Sure! " + good
    rows = [
        {"id": "formal-01", "candidates": [good, bad], "latency_s": 1.0},
        {"id": "formal-02", "candidates": ["gonna be late with the rent this month, sorry.",
                                           "I regret that the rent will be late this month."], "latency_s": 3.0},
        {"id": "formal-03", "candidates": [], "latency_s": None},
    ]
    res = rb.score(list(items.values()), rows)
    f = res["groups"]["formal"]
    assert (f["n"], f["acc1"], f["acc3"]) == (3, pytest.approx(1 / 3), pytest.approx(2 / 3))
    assert f["p50_s"] == pytest.approx(2.0)
    assert res["failures"] == {"echo": 1, "meta": 1, "must_not_contain": 1}
    assert res["n_candidates"] == 4


def _small_set(tmp_path: Path, ids: list[str]) -> Path:
    rows = [json.loads(line) for line in rb.default_set_path().read_text(encoding="utf-8").splitlines()]
    path = tmp_path / "small.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows if r["id"] in ids), encoding="utf-8")
    return path


def test_cli_with_wordfreq_writes_candidates_and_scores_them_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    small = _small_set(tmp_path, ["fix_grammar-01", "polite-01", "polite-05", "abbreviation-01"])
    out, md = tmp_path / "cands.jsonl", tmp_path / "BENCH.md"
    assert main(["lm", "rewrite-bench", "--lm", "wordfreq", "--set", str(small), "--out", str(out),
                 "--markdown", str(md)]) == 0
    printed = capsys.readouterr().out
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["fix_grammar-01", "polite-01", "polite-05", "abbreviation-01"]
    assert all(set(r) == {"id", "instruction", "candidates", "latency_s"} for r in rows)
    assert "polite         n=2" in printed and "acc@3" in printed
    text = md.read_text(encoding="utf-8")
    assert "<!-- BEGIN rewrite-wordfreq -->" in text and "| polite | 2 |" in text
    # The candidates file is scored without a model, to the same figures.
    assert main(["lm", "rewrite-bench", "--set", str(out), "--items", str(small), "--markdown", ""]) == 0
    again = capsys.readouterr().out
    assert again.splitlines()[1:] == printed.splitlines()[1:]


def test_cli_refuses_a_bad_set_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "instruction": "formal"}\n', encoding="utf-8")
    assert main(["lm", "rewrite-bench", "--lm", "wordfreq", "--set", str(bad), "--markdown", ""]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "'input' must be a non-empty string" in err[0]
    cands = tmp_path / "cands.jsonl"
    cands.write_text('{"id": "nope", "instruction": "formal", "candidates": ["x"], "latency_s": 1}\n', encoding="utf-8")
    assert main(["lm", "rewrite-bench", "--set", str(cands), "--markdown", ""]) == 2
    assert "unknown item id 'nope'" in capsys.readouterr().err


@pytest.mark.llm
@pytest.mark.slow
def test_cli_with_the_bundled_model_on_two_items(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    small = _small_set(tmp_path, ["fix_grammar-05", "abbreviation-02"])
    out = tmp_path / "cands.jsonl"
    assert main(["lm", "rewrite-bench", "--lm", "bundled", "--set", str(small), "--out", str(out),
                 "--markdown", str(tmp_path / "B.md")]) == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["fix_grammar-05", "abbreviation-02"]
    assert all(r["candidates"] and r["latency_s"] > 0 for r in rows)
    assert "bundled (llama.cpp:Qwen2.5-Coder-0.5B" in capsys.readouterr().out  # --lm bundled: the default model
    assert "<!-- BEGIN rewrite-bundled -->" in (tmp_path / "B.md").read_text(encoding="utf-8")
