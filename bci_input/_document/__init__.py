"""Private implementation of :mod:`bci_input.document` (split by responsibility)."""
