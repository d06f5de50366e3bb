"""Clinician calibration: protocols, per-patient profiles and reports."""
