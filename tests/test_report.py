"""The calibration report: every section present, figures embedded, PDF via headless Chromium."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bci_input.calibration import SECTIONS, CalibrationSession, SessionCallbacks, build_report, get_spec
from bci_input.calibration import participant_cue_handler as handler
from bci_input.calibration._report import find_chromium
from bci_input.simulation import SimulatedParticipant


def _run(paradigm: str, trials: int, **kw):
    sim = SimulatedParticipant(seed=2, snr=0.8)
    spec = get_spec(paradigm, **kw)
    s = CalibrationSession(sim, spec, trials_per_class=trials, callbacks=SessionCallbacks(on_cue=handler(sim, spec)))
    return s.run(), s.recording


def _sections(html: str) -> list[str]:
    return [t for t in SECTIONS if f">{t}<" not in html]


@pytest.mark.slow
def test_ssvep_report_has_every_section(tmp_path: Path) -> None:
    result, rec = _run("ssvep", 4, n_targets=3)
    out, pdf = build_report(result, rec, tmp_path / "r.html", profile="p-1", board="simulated", pdf=False)
    html = out.read_text(encoding="utf-8")
    assert pdf is None
    assert _sections(html) == []
    assert "SNR at the stimulus frequency" in html
    assert "Not applicable: ssvep calibration has no target/non-target flashes." in html
    assert len(re.findall(r"<img ", html)) >= 7  # quality, 2 raw, PSD/SNR, confusion, sweep, stopping
    assert f"{100 * result.metrics['accuracy']:.1f} %" in html
    assert "p-1" in html and "Combrisson" in html


@pytest.mark.slow
def test_p300_report_shows_erp_and_topography(tmp_path: Path) -> None:
    result, rec = _run("p300", 8, n_repetitions=5)
    out, _ = build_report(result, rec, tmp_path / "p.html", pdf=False)
    html = out.read_text(encoding="utf-8")
    assert _sections(html) == []
    assert ">ERP topography<" in html and "Not applicable: no standard" not in html
    assert "Not applicable: p300 calibration does not use a switch threshold." in html


@pytest.mark.slow
@pytest.mark.skipif(find_chromium() is None, reason="Chromium is not installed (apt-get install chromium)")
def test_emg_report_prints_to_pdf(tmp_path: Path) -> None:
    result, rec = _run("emg", 5)
    out, pdf = build_report(result, rec, tmp_path / "e.html", pdf=True)
    html = out.read_text(encoding="utf-8")
    assert _sections(html) == []
    assert "threshold" in html and "on_uv" in html
    assert pdf is not None and pdf.read_bytes()[:5] == b"%PDF-"


@pytest.mark.slow
@pytest.mark.skipif(find_chromium() is None, reason="Chromium is not installed (apt-get install chromium)")
def test_report_renders_in_headless_chromium(tmp_path: Path) -> None:
    """A browser opens the report: the rendered page has every section and its figures, and is not blank."""
    import subprocess

    import numpy as np
    from PIL import Image

    from bci_input.calibration._report import _chromium_flags

    result, rec = _run("ssvep", 4, n_targets=3)
    out, _ = build_report(result, rec, tmp_path / "r.html", profile="p-2", board="simulated", pdf=False)
    url = out.resolve().as_uri()
    dom = subprocess.run([find_chromium(), *_chromium_flags(), "--dump-dom", url],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    assert [t for t in SECTIONS if t not in dom] == []
    assert len(re.findall(r"<img ", dom)) >= 7 and "p-2" in dom
    shot = tmp_path / "r.png"
    subprocess.run([find_chromium(), *_chromium_flags(), "--hide-scrollbars", "--window-size=1200,1600",
                    f"--screenshot={shot}", url], capture_output=True, timeout=120, check=True)
    pixels = np.asarray(Image.open(shot).convert("L"), dtype=float)
    assert pixels.shape == (1600, 1200) and pixels.std() > 20  # text and figures, not an empty page
