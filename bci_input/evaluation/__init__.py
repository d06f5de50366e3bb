"""Offline evaluation protocols and metrics (accuracy, ITR, decision time)."""
