"""Matplotlib figures of the calibration report (Agg backend, no display needed)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._types import StreamInfo
from ._epochs import CalibrationEpochs
from ._protocol import ParadigmSpec

__all__ = [
    "fig_quality",
    "fig_raw_snippet",
    "fig_psd_snr",
    "fig_erp",
    "fig_erp_topomap",
    "fig_envelope",
    "fig_confusion",
    "fig_window_sweep",
    "fig_stopping",
]


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


_COLORS = {"ok": "#2e7d32", "warn": "#f9a825", "bad": "#c62828"}


def fig_quality(quality: dict[str, Any]) -> Any:
    """Bar chart of per-channel RMS coloured by quality status."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7, 2.8), layout="constrained")
    names = quality["channels"]
    ax.bar(range(len(names)), quality["rms_uv"], color=[_COLORS[s] for s in quality["status"]])
    ax.set_xticks(range(len(names)), names, rotation=45 if len(names) > 10 else 0)
    ax.set_ylabel("RMS (µV, >1 Hz)")
    ax.set_title("Signal quality per channel (green ok, yellow warning, red bad)")
    return fig


def fig_raw_snippet(data: NDArray[Any], info: StreamInfo, events: list[tuple[float, int]], start_s: float,
                    length_s: float = 8.0) -> Any:
    """Stacked traces of every channel over a few seconds, with the markers.

    Parameters
    ----------
    data : ndarray, shape (n_times, n_channels)
        Filtered (high-passed) recording, µV.
    info : StreamInfo
        Channels.
    events : list of (float, int)
        Markers, ``(onset_s, code)``.
    start_s, length_s : float
        The snippet, s.
    """
    plt = _plt()
    sf = info.sfreq
    i0 = int(start_s * sf)
    seg = np.asarray(data[i0:i0 + int(length_s * sf)], float)
    t = start_s + np.arange(seg.shape[0]) / sf
    spread = float(np.nanpercentile(np.abs(seg), 98)) * 2 + 1e-6 if seg.size else 1.0
    fig, ax = plt.subplots(figsize=(9, 0.45 * info.n_channels + 1.5), layout="constrained")
    for c in range(seg.shape[1]):
        ax.plot(t, seg[:, c] - c * spread, lw=0.6, color="k")
    for on, code in events:
        if start_s <= on <= start_s + length_s:
            ax.axvline(on, color="tab:red", lw=0.8, alpha=0.7)
            ax.text(on, spread * 0.6, str(code), color="tab:red", fontsize=7, ha="center")
    ax.set_yticks([-c * spread for c in range(seg.shape[1])], info.ch_names)
    ax.set_xlabel("time (s)")
    ax.set_title(f"Raw data ({start_s:.0f}-{start_s + length_s:.0f} s, filtered; scale {spread:.0f} µV/row)")
    return fig


def snr_spectrum(psd: NDArray[Any], n_neighbors: int = 3, skip: int = 1) -> NDArray[np.float64]:
    """Return the SNR spectrum: power at each bin / mean power of neighbouring bins.

    Parameters
    ----------
    psd : ndarray, shape (n_freqs, ...)
        Power spectral density.
    n_neighbors : int
        Bins on each side used as noise.
    skip : int
        Bins next to the centre left out.

    Returns
    -------
    ndarray, shape (n_freqs, ...)
    """
    n = psd.shape[0]
    out = np.full(psd.shape, np.nan)
    for i in range(n):
        idx = [j for j in range(i - skip - n_neighbors, i + skip + n_neighbors + 1)
               if 0 <= j < n and abs(j - i) > skip]
        if idx:
            out[i] = psd[i] / np.maximum(psd[idx].mean(axis=0), 1e-20)
    return out


def fig_psd_snr(epochs: CalibrationEpochs, spec: ParadigmSpec, info: StreamInfo) -> tuple[Any, dict[str, float]]:
    """PSD and SNR spectrum of the stimulus epochs, with the stimulus frequencies marked.

    Returns
    -------
    fig : Figure
    snr_at : dict
        SNR (averaged over channels) at each stimulus frequency, for trials of that target.
    """
    from scipy import signal

    plt = _plt()
    sf = epochs.sfreq
    i0 = max(0, int(round((spec.win_start_s - epochs.tmin) * sf)))
    X = epochs.X[:, i0:].astype(float)
    nper = X.shape[1]
    f, p = signal.periodogram(X, fs=sf, axis=1, window="hann")  # (n_ep, n_f, n_ch)
    lo = max(2.0, (spec.l_freq or 0.0) + 1.0)
    keep = (f >= lo) & (f <= min(60.0, sf / 2 - 1))
    f, p = f[keep], p[:, keep]
    n_panels = 3 if spec.freqs else 1
    fig, axes = plt.subplots(n_panels, 1, figsize=(9, 2.6 * n_panels + 0.6), layout="constrained", squeeze=False)
    axes = axes[:, 0]
    axes[0].semilogy(f, p.mean(axis=(0, 2)), color="k", lw=0.8)
    axes[0].set_ylabel("PSD (µV²/Hz)")
    axes[0].set_xlabel("frequency (Hz)")
    axes[0].set_title(f"Power spectrum of the task epochs ({nper / sf:.1f} s each, mean over epochs and channels)")
    snr_at: dict[str, float] = {}
    if not spec.freqs:
        return fig, snr_at
    cmap = plt.get_cmap("tab10")
    own: list[float] = []
    other: list[float] = []
    for k, fr in enumerate(spec.freqs):
        sel = epochs.y == k
        if not sel.any():
            own.append(np.nan)
            other.append(np.nan)
            continue
        j = int(np.argmin(np.abs(f - fr)))
        snr = snr_spectrum(p[sel].mean(axis=0)).mean(axis=1)
        snr_o = snr_spectrum(p[~sel].mean(axis=0)).mean(axis=1) if (~sel).any() else np.full_like(snr, np.nan)
        own.append(float(snr[j]))
        other.append(float(snr_o[j]))
        snr_at[f"{fr:g}"] = float(snr[j])
        if k < 5:
            axes[1].plot(f, snr, lw=0.8, color=cmap(k), label=f"looking at {fr:g} Hz")
            for h in (1, 2):
                axes[1].axvline(h * fr, color=cmap(k), ls="--" if h == 1 else ":", lw=0.8)
    axes[1].set_ylabel("SNR (bin / neighbours)")
    axes[1].set_xlabel("frequency (Hz)")
    axes[1].set_title("SNR spectrum (first targets; dashed: stimulus frequency, dotted: 2nd harmonic)")
    axes[1].legend(fontsize=7, ncols=2)
    x = np.arange(len(spec.freqs))
    axes[2].plot(x, own, "o", color="tab:red", label="when attended")
    axes[2].plot(x, other, "x", color="gray", label="when another target is attended")
    axes[2].axhline(1.0, color="k", lw=0.5)
    step = max(1, len(x) // 20)
    axes[2].set_xticks(x[::step], [f"{spec.freqs[i]:g}" for i in x[::step]], fontsize=7)
    axes[2].set_xlabel("stimulus frequency (Hz)")
    axes[2].set_ylabel("SNR at the frequency")
    axes[2].set_title("SSVEP SNR at each stimulus frequency")
    axes[2].legend(fontsize=7)
    return fig, snr_at


def fig_erp(epochs: CalibrationEpochs, info: StreamInfo) -> Any:
    """Average waveforms, target against non-target, one panel per channel (max 8)."""
    plt = _plt()
    t = epochs.tmin + np.arange(epochs.X.shape[1]) / epochs.sfreq
    chans = list(range(min(8, info.n_channels)))
    ncol = min(4, len(chans))
    nrow = int(np.ceil(len(chans) / ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(2.6 * ncol, 2.2 * nrow), layout="constrained", squeeze=False,
                             sharey=True)
    tgt, non = epochs.X[epochs.y == 1], epochs.X[epochs.y == 0]
    for a, c in zip(axes.flat, chans, strict=False):
        for arr, col, lab in ((tgt, "tab:red", "target"), (non, "tab:blue", "non-target")):
            if len(arr):
                m = arr[:, :, c].mean(0)
                se = arr[:, :, c].std(0) / np.sqrt(len(arr))
                a.plot(t, m, color=col, lw=1, label=f"{lab} (n={len(arr)})")
                a.fill_between(t, m - se, m + se, color=col, alpha=0.2)
        a.axvline(0, color="k", lw=0.5)
        a.set_title(info.ch_names[c], fontsize=9)
        a.set_xlabel("s", fontsize=8)
    for a in list(axes.flat)[len(chans):]:
        a.axis("off")
    axes[0, 0].set_ylabel("µV")
    axes[0, 0].legend(fontsize=6)
    return fig


def fig_erp_topomap(epochs: CalibrationEpochs, info: StreamInfo) -> Any | None:
    """Topography of the target minus non-target difference at its peak, if positions are known."""
    import mne

    eeg = [i for i, t in enumerate(info.ch_types) if t == "eeg"]
    if len(eeg) < 4:
        return None
    names = [info.ch_names[i] for i in eeg]
    minfo = mne.create_info(names, info.sfreq, "eeg")
    montage = mne.channels.make_standard_montage("colin27_1005")
    known = {n.lower() for n in montage.ch_names}
    if sum(n.lower() in known for n in names) < len(names):
        return None
    minfo.set_montage(montage, match_case=False, on_missing="ignore")
    diff = epochs.X[epochs.y == 1][:, :, eeg].mean(0) - epochs.X[epochs.y == 0][:, :, eeg].mean(0)
    t = epochs.tmin + np.arange(diff.shape[0]) / epochs.sfreq
    win = (t >= 0.25) & (t <= 0.6)
    i = int(np.flatnonzero(win)[np.argmax(np.abs(diff[win]).mean(1))]) if win.any() else int(np.argmax(diff.std(1)))
    plt = _plt()
    fig, ax = plt.subplots(figsize=(3.6, 3.4), layout="constrained")
    im, _ = mne.viz.plot_topomap(diff[i], minfo, axes=ax, show=False)
    fig.colorbar(im, ax=ax, label="µV")
    ax.set_title(f"Target - non-target at {t[i] * 1000:.0f} ms")
    return fig


def fig_envelope(env: NDArray[Any], sfreq: float, events: list[tuple[float, int]], spec: ParadigmSpec,
                 on_uv: float | None, off_uv: float | None = None) -> Any:
    """Signal envelope over the session with the chosen threshold and the press cue periods shaded.

    For the pattern EMG switch (a spec with other-movement trials) the envelope is the press probability.
    """
    plt = _plt()
    t = np.arange(len(env)) / sfreq
    fig, ax = plt.subplots(figsize=(9, 2.8), layout="constrained")
    pattern = spec.name == "emg" and spec.n_classes == 3
    unit, fmt = ("press probability", ".2f") if pattern else ("µV", ".1f")
    ax.plot(t, env, color="k", lw=0.6, label="press probability" if pattern else "envelope")
    active = spec.codes[1]
    for on, code in events:
        if code == active:
            ax.axvspan(on, on + spec.stim_s, color="tab:orange", alpha=0.15, lw=0)
    suffix = "" if pattern else " µV"
    if on_uv is not None:
        ax.axhline(on_uv, color="tab:red", lw=1.2, label=f"threshold {on_uv:{fmt}}{suffix}")
    if off_uv is not None:
        ax.axhline(off_uv, color="tab:red", lw=0.8, ls="--", label=f"release {off_uv:{fmt}}{suffix}")
    ax.set_xlabel("time (s)")
    ax.set_ylabel(unit)
    ax.set_title(f"{spec.name.upper()} envelope (orange: '{spec.classes[1]}' cues)")
    ax.legend(fontsize=7, loc="upper right")
    return fig


def fig_confusion(confusion: list[list[int]], labels: list[str]) -> Any:
    """Confusion matrix with counts and row percentages."""
    plt = _plt()
    cm = np.asarray(confusion, float)
    rows = cm / np.maximum(cm.sum(1, keepdims=True), 1)
    n = len(labels)
    size = min(9.0, max(4.8, 2.0 + 0.5 * n))
    fig, ax = plt.subplots(figsize=(size, size * 0.85), layout="constrained")
    im = ax.imshow(rows, vmin=0, vmax=1, cmap="Blues")
    if n <= 12:
        for i in range(n):
            for j in range(n):
                ax.text(j, i, f"{int(cm[i, j])}", ha="center", va="center",
                        color="white" if rows[i, j] > 0.5 else "black", fontsize=8)
    ax.set_xticks(range(n), labels, rotation=45 if n > 4 else 0, fontsize=7 if n > 12 else 9)
    ax.set_yticks(range(n), labels, fontsize=7 if n > 12 else 9)
    ax.set_xlabel("decoded")
    ax.set_ylabel("cued")
    fig.colorbar(im, ax=ax, label="fraction of row")
    ax.set_title("Cross-validated confusion matrix")
    return fig


def fig_window_sweep(metrics: dict[str, Any], xlabel: str = "window length (s)") -> Any:
    """Accuracy (with Wilson CI and chance) and ITR against window length."""
    from ._stats import wilson_interval

    plt = _plt()
    sweep = metrics["sweep"]
    w = np.array([s["window_s"] for s in sweep])
    acc = np.array([s["accuracy"] for s in sweep])
    n = metrics["n_trials"]
    ci = np.array([wilson_interval(int(round(a * n)), n) for a in acc])
    fig, ax = plt.subplots(figsize=(7, 3.6), layout="constrained")
    ax.plot(w, acc, "o-", color="tab:blue", label="accuracy (CV)")
    ax.fill_between(w, ci[:, 0], ci[:, 1], color="tab:blue", alpha=0.15, label="95 % CI")
    ax.axhline(metrics["chance"], color="gray", ls=":", label="chance")
    ax.axhline(metrics["chance_significant"], color="gray", ls="--", label="p < 0.05 above chance")
    if metrics.get("recommended_window_s") is not None:
        ax.axvline(metrics["recommended_window_s"], color="tab:green", lw=1, label="recommended")
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("accuracy")
    ax2 = ax.twinx()
    ax2.plot(w, [s["itr_bits_per_min"] for s in sweep], "s--", color="tab:purple", label="ITR")
    ax2.set_ylabel("ITR (bits/min)", color="tab:purple")
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, fontsize=7, loc="lower right")
    ax.set_title("Accuracy and ITR against window length")
    return fig


def fig_stopping(rows: list[dict[str, float]], chosen: float | None) -> Any:
    """Accuracy and mean decision time against the dynamic-stopping threshold."""
    plt = _plt()
    thr = [r["threshold"] for r in rows]
    fig, ax = plt.subplots(figsize=(7, 3.2), layout="constrained")
    ax.plot(thr, [r["accuracy"] for r in rows], "o-", label="accuracy")
    ax.set_ylabel("accuracy")
    ax.set_xlabel("posterior threshold")
    ax2 = ax.twinx()
    ax2.plot(thr, [r["mean_time_s"] for r in rows], "s--", color="tab:orange", label="mean decision time")
    ax2.set_ylabel("mean decision time (s)", color="tab:orange")
    if chosen is not None:
        ax.axvline(chosen, color="tab:green", label="recommended")
    ax.legend(fontsize=7, loc="lower left")
    ax.set_title("Dynamic stopping: accuracy and speed against the threshold (replayed CV evidence)")
    return fig
