"""Simulated participant and realistic synthetic signals."""
