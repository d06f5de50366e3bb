"""Short closed-loop runs: the simulated participant writes a text with the real engine, speller and document."""

from __future__ import annotations

import pytest
from _chance import min_correct

from bci_input.engine import EngineConfig
from bci_input.language import WordFreqModel
from bci_input.simulation import edit_distance, run_closed_loop, wolpaw_itr

#: chars/min bounds, half of what these runs measured when the bounds were set (SSVEP 32.0, P300 0.7 for this weak
#: simulated P300 responder, scan 11.4): a 2x margin. A decoder at chance never completes the text, and the
#: selection-accuracy bound below fails it with p < 0.01.
SSVEP_CPM_BOUND = 16.0
P300_CPM_BOUND = 0.35
SCAN_CPM_BOUND = 5.7


def _beyond_chance(r, n_targets: int) -> None:  # noqa: ANN001
    """Selections right more often than guessing 1 of ``n_targets`` manages with p < 0.01, on the run's own count."""
    n_correct = round(r.selection_accuracy * r.n_selections)
    assert n_correct >= min_correct(r.n_selections, 1 / n_targets), (n_correct, r.n_selections)


def test_edit_distance_and_itr():
    assert edit_distance("kitten", "sitting") == 3
    assert edit_distance("", "abc") == 3
    assert wolpaw_itr(2, 1.0, 60.0) == pytest.approx(1.0)
    assert wolpaw_itr(4, 0.25, 1.0) == pytest.approx(0.0, abs=1e-9)  # chance level carries no information


@pytest.mark.slow
def test_ssvep_closed_loop_writes_the_text():
    # A strong SSVEP and a short calibration keep this test quick; the benchmark uses the calibrated SNR.
    r = run_closed_loop("hi you", "ssvep", language_model=WordFreqModel(), seed=1, max_minutes=3,
                        calibration_blocks=2, snr=0.6)
    print(f"ssvep: {r.chars_per_min:.1f} chars/min, {r.n_selections} selections, accuracy {r.selection_accuracy:.2f}")
    assert r.final_text == "hi you" and r.completed
    _beyond_chance(r, n_targets=40)
    assert r.chars_per_min >= SSVEP_CPM_BOUND
    assert r.decoder_ms_mean > 0


@pytest.mark.slow
def test_p300_closed_loop_writes_the_text():
    r = run_closed_loop("hi", "p300", seed=2, max_minutes=8)
    print(f"p300: {r.chars_per_min:.1f} chars/min, {r.n_selections} selections, accuracy {r.selection_accuracy:.2f}")
    assert r.final_text == "hi" and r.completed
    assert r.edit_distance == 0
    _beyond_chance(r, n_targets=40)
    assert r.chars_per_min >= P300_CPM_BOUND
    assert r.decoder_ms_mean > 0  # the deciding flash's work is measured (BENCHMARKS reports it)


@pytest.mark.slow
def test_one_switch_scan_writes_a_sentence():
    r = run_closed_loop("yes please.", "scan", seed=3, max_minutes=6, language_model=WordFreqModel())
    print(f"scan: {r.chars_per_min:.1f} chars/min, {r.n_selections} selections")
    assert r.final_text == "yes please." and r.completed
    assert r.paradigm == "scan (one-switch)" and r.chars_per_min >= SCAN_CPM_BOUND


@pytest.mark.slow
def test_two_switch_scan_writes_the_text():
    r = run_closed_loop("ok", "scan", seed=4, max_minutes=3, config=EngineConfig(switch_preset="two-switch"))
    assert r.final_text == "ok" and r.completed


def test_simulate_cli_reports_figures_and_writes_json(tmp_path, capsys):
    import json

    from bci_input.cli import main

    out = tmp_path / "r.json"
    rc = main(["simulate", "--paradigm", "scan", "--lm", "none", "--text", "Hi!", "--json", str(out)])
    assert rc == 0
    text = capsys.readouterr().out
    assert "chars/min" in text and "'Hi!'" in text
    d = json.loads(out.read_text())
    assert d["final_text"] == "Hi!" and d["completed"] and d["chars_per_min"] > 0  # written exactly
    assert main(["simulate", "--paradigm", "mouse", "--text", "x"]) == 2


def test_simulate_refuses_characters_outside_the_alphabet_naming_them(capsys):
    from bci_input.cli import main

    assert main(["simulate", "--lm", "none", "--text", "naïve ✓ plan\tB"]) == 2
    err = capsys.readouterr().err
    assert "'✓' (U+2713)" in err and "'\\t' (U+0009)" in err and "ï" not in err.split("Allowed")[0]
    assert len(err.strip().splitlines()) == 1


@pytest.mark.slow
def test_ssvep_closed_loop_writes_formal_text_exactly():
    text = 'See Art. 3(2): "€5", NATO – é.'
    r = run_closed_loop(text, "ssvep", seed=1, max_minutes=8, calibration_blocks=2, snr=0.6)
    assert r.final_text == text and r.completed


@pytest.mark.slow
def test_headless_demo_types_on_the_synthetic_board(capsys):
    from bci_input.cli import main

    assert main(["demo", "--duration", "20", "--text", "The"]) == 0
    out = capsys.readouterr().out
    assert "BrainFlow synthetic board" in out
    assert "[demo] T|" in out  # the text grows while the session runs
    assert "[demo] final text" in out
