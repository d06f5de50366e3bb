"""The speller: targets, Bayesian fusion with the language-model prior, dynamic stopping, scanning."""

from ._fusion import expected_scan_steps, fuse, log_fuse, make_stopping, scan_groups
from ._lm import SpellerLM, normalise_text
from ._pages import grid_groups
from ._speller import REWRITE_INSTRUCTIONS, Speller
from ._targets import COMMANDS, MAX_SSVEP_TARGETS, PARADIGMS, TARGET_KINDS, Layout, Target, jfpm_code

__all__ = [
    "Target",
    "Layout",
    "Speller",
    "SpellerLM",
    "fuse",
    "log_fuse",
    "make_stopping",
    "scan_groups",
    "expected_scan_steps",
    "grid_groups",
    "jfpm_code",
    "normalise_text",
    "COMMANDS",
    "PARADIGMS",
    "TARGET_KINDS",
    "MAX_SSVEP_TARGETS",
    "REWRITE_INSTRUCTIONS",
]
