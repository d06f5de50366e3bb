"""The calibration report: one HTML file (``mne.Report``), plus a PDF where Chromium is available.

Sections, in order: session details; signal quality per channel; raw data snippets; PSD
with the SSVEP SNR spectrum; ERP target vs non-target (with topography where channel
positions are known); EMG/blink envelope with the chosen threshold; confusion matrix;
accuracy against window length; ITR (and dynamic stopping); recommendations. A section
that does not apply to the paradigm says so instead of disappearing.
"""

from __future__ import annotations

import datetime as _dt
import html
import logging
import shutil
import subprocess
from pathlib import Path
from typing import Any

from .._errors import StorageError
from ._epochs import filter_continuous
from ._quality import assess_quality
from ._session import CalibrationRecording
from ._train import CalibrationResult

__all__ = ["SECTIONS", "build_report", "html_to_pdf", "find_chromium"]

log = logging.getLogger(__name__)

#: Section titles, in report order (tests check each is present).
SECTIONS = (
    "Session details",
    "Signal quality",
    "Raw data",
    "PSD and SSVEP SNR",
    "ERP target vs non-target",
    "EMG / blink envelope",
    "Confusion matrix",
    "Accuracy vs window length",
    "ITR",
    "Recommendations",
)


def _table(rows: list[tuple[str, Any]]) -> str:
    cells = "".join(f"<tr><th style='text-align:left;padding-right:1em'>{html.escape(str(k))}</th>"
                    f"<td>{html.escape(str(v))}</td></tr>" for k, v in rows)
    return f"<table class='table table-sm'>{cells}</table>"


def _na(text: str) -> str:
    return f"<p><em>Not applicable: {html.escape(text)}</em></p>"


def _pct(x: float) -> str:
    return f"{100 * x:.1f} %"


def build_report(
    result: CalibrationResult, recording: CalibrationRecording, out: Path, *, profile: str = "", board: str = "",
    details: dict[str, Any] | None = None, pdf: bool = True,
) -> tuple[Path, Path | None]:
    """Write the calibration report.

    Parameters
    ----------
    result : CalibrationResult
        The trained, cross-validated calibration.
    recording : CalibrationRecording
        The session's recording (continuous data and markers).
    out : Path
        The HTML file to write.
    profile, board : str
        Shown in the session details.
    details : dict | None
        More ``label: value`` rows for the session details.
    pdf : bool
        Also print a PDF next to the HTML with headless Chromium, if installed.

    Returns
    -------
    html_path : Path
    pdf_path : Path | None
        ``None`` when no PDF could be made (the reason is logged).
    """
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt
    import mne

    from . import _figures as F

    spec, m, info = result.spec, result.metrics, recording.info
    out = Path(out)
    rep = mne.Report(title=f"bci-input calibration: {spec.name.upper()} - {profile or 'no profile'}", verbose=False)

    def add_fig(fig: Any, title: str, caption: str = "") -> None:
        rep.add_figure(fig, title=title, caption=caption or None, section=title)
        plt.close(fig)

    def add_html(body: str, title: str) -> None:
        rep.add_html(f"<div>{body}</div>", title=title, section=title)

    # 1. Session details
    dur = recording.data.shape[0] / info.sfreq
    rows = [
        ("Profile", profile or "-"), ("Paradigm", spec.name), ("Classes", ", ".join(spec.classes)),
        ("Board", board or info.name), ("Channels", ", ".join(info.ch_names)),
        ("Sampling rate", f"{info.sfreq:g} Hz"), ("Recording length", f"{dur:.0f} s"),
        ("Recording file", str(recording.path) if recording.path else "(in memory)"),
        ("Markers", len(recording.events)), ("Clean trials per class", result.check.counts),
        ("Rejected epochs", result.check.rejected), ("Decoder", result.method),
        ("Cross-validation", m.get("cv", "-")), ("Report made", _dt.datetime.now().strftime("%Y-%m-%d %H:%M")),
    ]
    rows += list((details or {}).items())
    add_html(_table(rows) + f"<p>{html.escape(result.check.message)}</p>", SECTIONS[0])

    # 2. Signal quality
    q = assess_quality(recording.data, info)
    qrows = "".join(
        f"<tr><td>{html.escape(n)}</td><td>{r:.1f}</td><td style='color:{F._COLORS[s]}'>{s}</td>"
        f"<td>{html.escape(why)}</td></tr>"
        for n, r, s, why in zip(q["channels"], q["rms_uv"], q["status"], q["reason"], strict=True)
    )
    add_fig(F.fig_quality(q), SECTIONS[1])
    rep.add_html(f"<table class='table table-sm'><tr><th>channel</th><th>RMS µV</th><th>status</th><th>note</th>"
                 f"</tr>{qrows}</table>", title="Signal quality table", section=SECTIONS[1])

    # 3. Raw data snippets
    filt = filter_continuous(recording.data, info.sfreq, 1.0 if spec.name != "emg" else 20.0, None)
    first = next((on for on, c in recording.events if c in spec.codes), 0.0)
    for k, start in enumerate([max(0.0, first - 1.0), max(0.0, dur / 2)]):
        add_fig(F.fig_raw_snippet(filt, info, recording.events, start), SECTIONS[2] if k == 0 else f"Raw data {k + 1}")

    # 4. PSD + SNR
    if spec.name == "ssvep":
        fig, snr_at = F.fig_psd_snr(result.epochs, spec, info)
        add_fig(fig, SECTIONS[3], "SNR at the stimulus frequency (attended trials): " +
                ", ".join(f"{f} Hz: {v:.1f}" for f, v in snr_at.items()))
    else:
        fig, _ = F.fig_psd_snr(result.epochs, spec, info)
        add_fig(fig, SECTIONS[3], "No flicker frequencies in this paradigm; the PSD of the task epochs is shown.")

    # 5. ERP
    if spec.name == "p300":
        add_fig(F.fig_erp(result.epochs, info), SECTIONS[4])
        topo = F.fig_erp_topomap(result.epochs, info)
        if topo is not None:
            add_fig(topo, "ERP topography")
        else:
            add_html(_na("no standard 10-05 positions for these channels (or fewer than 4 EEG channels), so no "
                         "topography"), "ERP topography")
    else:
        add_html(_na(f"{spec.name} calibration has no target/non-target flashes."), SECTIONS[4])

    # 6. Envelope
    if spec.name in ("emg", "blink"):
        from ._train_switch import session_envelope

        env = session_envelope(recording.data, info, spec, result.decoder)
        th = result.thresholds
        on, off = th.get("on_uv", th.get("on_probability")), th.get("off_uv", th.get("off_probability"))
        add_fig(F.fig_envelope(env, info.sfreq, recording.events, spec, on, off),
                SECTIONS[5], "Thresholds: " + ", ".join(f"{k} = {v:.1f}" for k, v in th.items()))
    else:
        add_html(_na(f"{spec.name} calibration does not use a switch threshold."), SECTIONS[5])

    # 7. Confusion matrix
    labels = list(m.get("labels") or spec.classes)
    add_fig(F.fig_confusion(m["confusion"], labels), SECTIONS[6],
            f"Accuracy {_pct(m['accuracy'])}, 95 % CI {_pct(m['ci95'][0])}-{_pct(m['ci95'][1])}, "
            f"n = {m['n_trials']}; chance {_pct(m['chance'])}, significance threshold "
            f"{_pct(m['chance_significant'])} (binomial, p < 0.05, Combrisson & Jerbi 2015).")

    # 8. Accuracy vs window
    if m.get("sweep"):
        xl = "flash repetitions" if spec.name == "p300" else "window length (s)"
        add_fig(F.fig_window_sweep(m, xl), SECTIONS[7])
    else:
        why = ("a switch is not decoded in fixed windows" if spec.name in ("emg", "blink") else
               "this recording has no cued selections to sweep (flash-level evaluation only)")
        add_html(_na(why), SECTIONS[7])

    # 9. ITR
    itr_rows = [("ITR at the recommended setting", f"{m.get('itr_bits_per_min', 0.0):.2f} bits/min"),
                ("Bits per selection", f"{m.get('itr_bits_per_trial', 0.0):.3f}"),
                ("Selection overhead assumed", "0.5 s (gaze shift)"),
                ("Recommended window", f"{m['recommended_window_s']:g} s" if m.get("recommended_window_s") else "-"),
                ("Recommended stopping threshold", m.get("recommended_stopping_threshold") or "-")]
    add_html(_table(itr_rows), SECTIONS[8])
    if m.get("stopping_sweep"):
        add_fig(F.fig_stopping(m["stopping_sweep"], m.get("recommended_stopping_threshold")), "Dynamic stopping")

    # 10. Recommendations
    recs = "".join(f"<li>{html.escape(r)}</li>" for r in result.recommendations)
    add_html(f"<ul>{recs}</ul>", SECTIONS[9])

    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        rep.save(out, open_browser=False, overwrite=True, verbose=False)
    except OSError as exc:
        raise StorageError(f"Cannot write the report {out}: {exc.strerror or exc}.") from None
    pdf_path = html_to_pdf(out) if pdf else None
    return out, pdf_path


def find_chromium() -> str | None:
    """Return the path of a Chromium/Chrome executable, or ``None``."""
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"):
        p = shutil.which(name)
        if p:
            return p
    return None


def _chromium_flags() -> list[str]:
    return ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage"]


def html_to_pdf(html_path: Path, pdf_path: Path | None = None, timeout_s: float = 120.0) -> Path | None:
    """Print an HTML file to PDF with headless Chromium.

    Parameters
    ----------
    html_path : Path
        The report.
    pdf_path : Path | None
        Output; default next to the HTML with a ``.pdf`` suffix.
    timeout_s : float
        Give up after this long.

    Returns
    -------
    Path | None
        The PDF, or ``None`` if Chromium is not installed or failed (logged as a warning).
    """
    exe = find_chromium()
    pdf_path = Path(pdf_path) if pdf_path else Path(html_path).with_suffix(".pdf")
    if exe is None:
        log.warning("No PDF: Chromium is not installed (e.g. 'apt-get install chromium'); the HTML report is "
                    "complete and can be printed from a browser.")
        return None
    cmd = [exe, *_chromium_flags(), "--no-pdf-header-footer", f"--print-to-pdf={pdf_path}",
           Path(html_path).resolve().as_uri()]
    try:
        subprocess.run(cmd, check=True, capture_output=True, timeout=timeout_s)
    except (subprocess.SubprocessError, OSError) as exc:
        log.warning("No PDF: Chromium failed (%s); the HTML report is complete.", exc)
        return None
    if not pdf_path.exists() or pdf_path.stat().st_size == 0:
        log.warning("No PDF: Chromium wrote nothing.")
        return None
    return pdf_path


def screenshot(html_path: Path, png_path: Path, width: int = 1280, height: int = 4000, timeout_s: float = 120.0
               ) -> Path | None:
    """Render an HTML file to a PNG with headless Chromium (to check a report by eye)."""
    exe = find_chromium()
    if exe is None:
        return None
    cmd = [exe, *_chromium_flags(), f"--window-size={width},{height}", f"--screenshot={png_path}",
           "--hide-scrollbars", Path(html_path).resolve().as_uri()]
    try:
        subprocess.run(cmd, check=True, capture_output=True, timeout=timeout_s)
    except (subprocess.SubprocessError, OSError) as exc:
        log.warning("Screenshot failed: %s", exc)
        return None
    return png_path if Path(png_path).exists() else None


