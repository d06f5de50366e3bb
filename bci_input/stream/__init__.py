"""Streaming signal processing: stateful filters, re-referencing, windows and epochs."""
