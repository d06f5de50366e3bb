"""The no-control state on real ssvep_exo trials: rest and flicker trials through the engine's own SSVEP rule."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _chance import min_correct

from bci_input.cli import main
from bci_input.evaluation._ssvep_idle import METHOD


def _one_subject(data_dir: Path, tmp_path: Path, subject: str) -> Path:
    one = tmp_path / "ssvep_exo" / subject
    one.mkdir(parents=True)
    for f in (data_dir / "ssvep_exo" / subject).iterdir():
        (one / f.name).symlink_to(f)
    return tmp_path


@pytest.mark.data
def test_idle_cli_replays_dev_trials_through_the_engine_rule(data_dir: Path, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """subject01 (dev, 2 sessions): before the no-control state every rest trial typed; the detector selects
    far better than chance on the flicker trials and types less at rest."""
    root = _one_subject(data_dir, tmp_path, "subject01")
    out = tmp_path / "idle.json"
    assert main(["evaluate", "--dataset", "ssvep_exo", "--split", "dev", "--method", "default", "--idle",
                 "--data-dir", str(root), "--json", str(out)]) == 0
    assert "false sel./min at rest" in capsys.readouterr().out
    res = json.loads(out.read_text(encoding="utf-8"))
    assert res["subjects"] == ["subject01"] and res["method"] == METHOD == "fbcca"
    rows = {r["setting"]: r for r in res["rows"]}
    forced = rows["no detector, best target forced at the limit (before)"]
    # 2 sessions x 8 rest trials, each tested once (leave one session out); the forced rule types on every one.
    assert forced["rest_trials"] == 16 and forced["false_selections"] == 16
    assert forced["selections"] == forced["attended_trials"] == 48
    at0 = rows["detector at 0 nats"]
    # Measured 34 of 35 right; chance (1/3) reaches the bound with p < 0.01.
    assert at0["selections"] >= 25 and at0["correct"] >= min_correct(at0["selections"], 1 / 3)
    strict = rows["detector at 10 nats"]  # measured 0 false selections, 22 of 22 selections right
    assert strict["correct"] >= min_correct(strict["selections"], 1 / 3) and strict["selections"] >= 15
    assert strict["false_selections"] < forced["false_selections"] // 2
    assert strict["false_selections_per_min"] < forced["false_selections_per_min"] / 2


def test_idle_needs_ssvep_exo(capsys: pytest.CaptureFixture[str]) -> None:
    """--idle on a dataset without rest trials: exit 2, one line."""
    assert main(["evaluate", "--dataset", "muse_p300", "--split", "dev", "--method", "default", "--idle"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "ssvep_exo" in err
