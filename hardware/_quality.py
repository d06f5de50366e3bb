"""Signal quality (re-exported from the core :mod:`bci_input.quality`, so the app and calibration share it)."""

from bci_input.quality import ChannelQuality, QualityThresholds, SignalQuality, assess_quality, format_quality_table

__all__ = ["ChannelQuality", "QualityThresholds", "SignalQuality", "assess_quality", "format_quality_table"]
