from __future__ import annotations

from bci_input.evaluation import make_result, subject_row
from bci_input.evaluation._bench import CALIBRATED_WINNER, WINDOWS, _markdown, _plan


def _res(acc):
    rows = [subject_row("s", {"accuracy": acc, "itr_bits_min": 10.0}, n_train=1, n_test=1, n_folds=2, protocol="x")]
    return make_result(dataset="ssvep_exo", split="dev", method="m", window_s=2.0, n_classes=3, protocol="p",
                       rows=rows)


def test_plan_puts_two_seconds_first_and_covers_everything():
    plan = _plan(("cca", "trca"), ("dev", "eval"))
    assert plan[0] == ("dev", 3, True, 2.0, ("cca", "trca"))
    cells = {(split, c, incl, w, m) for split, c, incl, w, ms in plan for m in ms}
    assert len(cells) == len(WINDOWS) * 2 * 2 * 2 * 2  # every method, split, classes, variant and window
    assert sum(len(ms) for *_, ms in plan) == len(cells)


def test_markdown_has_reference_and_criterion_and_dashes():
    results = {
        ("cca", "dev", 2.0, 3, True): _res(0.75),
        (CALIBRATED_WINNER, "dev", 2.0, 3, True): _res(0.85),
        ("cca", "eval", 2.0, 3, True): _res(0.7),
        (CALIBRATED_WINNER, "eval", 2.0, 3, True): _res(0.8),
    }
    md = _markdown(results, {}, ("cca", CALIBRATED_WINNER), ("dev", "eval"), 60.0)
    assert md.startswith("## SSVEP decoders")
    assert "0.750 ± 0.000 (10.0)" in md and "—" in md
    assert f"on dev, `{CALIBRATED_WINNER}` 0.850 vs CCA 0.750; on eval, `{CALIBRATED_WINNER}` 0.800 vs CCA 0.700" in md
    assert "without the sessions excluded" in md
