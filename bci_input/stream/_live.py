"""The live signal chain: one function builds the filters every decoded EEG stream goes through.

The app, the simulator and calibration all build their filters here, so a decoder is trained on data filtered
exactly as it will see it live: a notch at the mains frequency (when it is set), then the paradigm's band.
"""

from __future__ import annotations

from ._filters import BandPass, HighPass, LowPass, Notch, SosFilter

__all__ = ["LIVE_BANDS", "signal_chain", "live_processors"]

#: Band-pass of each decoded EEG paradigm, Hz (calibration's :class:`~bci_input.calibration.ParadigmSpec`
#: defaults use the same bands). Paradigms not listed (scanning) decode switches on the raw signal.
LIVE_BANDS: dict[str, tuple[float, float]] = {"ssvep": (6.0, 45.0), "p300": (1.0, 20.0)}


def signal_chain(sfreq: float, l_freq: float | None, h_freq: float | None,
                 line_freq: float | None = None) -> list[SosFilter]:
    """Return the causal filters for one band: a mains notch (when set), then the band-pass.

    Parameters
    ----------
    sfreq : float
        Sampling rate, Hz.
    l_freq, h_freq : float | None
        Pass-band edges, Hz (``None``: open on that side; ``h_freq`` at or above 0.95 Nyquist is open).
    line_freq : float | None
        Mains frequency (50 or 60 Hz) to notch first; ``None``, or a frequency at or above Nyquist, adds none.

    Returns
    -------
    list of SosFilter
        In order of application (empty when nothing is filtered).
    """
    chain: list[SosFilter] = []
    if line_freq is not None and line_freq < sfreq / 2:
        chain.append(Notch(sfreq, line_freq))
    hi = h_freq if h_freq is not None and h_freq < sfreq / 2 * 0.95 else None
    if l_freq is not None and hi is not None:
        chain.append(BandPass(sfreq, l_freq, hi))
    elif l_freq is not None:
        chain.append(HighPass(sfreq, l_freq))
    elif hi is not None:
        chain.append(LowPass(sfreq, hi))
    return chain


def live_processors(paradigm: str, sfreq: float, line_freq: float | None = None,
                    band: tuple[float | None, float | None] | None = None) -> list[SosFilter]:
    """Return the live processors of ``paradigm`` (for :class:`~bci_input.engine.Engine` ``processors``).

    Parameters
    ----------
    paradigm : str
        ``'ssvep'``, ``'p300'`` or ``'scan'``.
    sfreq : float
        Sampling rate, Hz.
    line_freq : float | None
        ``acquisition.line_freq``: the mains frequency notched first (``None``: no notch).
    band : (float | None, float | None) | None
        The pass band a profile's calibration used (``l_freq``, ``h_freq``); default :data:`LIVE_BANDS`.

    Returns
    -------
    list of SosFilter
        Empty for a paradigm that decodes no EEG band (scanning).
    """
    if band is None:
        if paradigm not in LIVE_BANDS:
            return []
        band = LIVE_BANDS[paradigm]
    return signal_chain(sfreq, band[0], band[1], line_freq)
