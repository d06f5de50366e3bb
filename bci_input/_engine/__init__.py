"""Private implementation of :mod:`bci_input.engine`."""
