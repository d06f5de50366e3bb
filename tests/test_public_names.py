"""Each public name of the core has one meaning: two packages never export different objects under one name."""

import importlib
import pkgutil

import bci_input


def _public_modules() -> list[str]:
    """Return the core's public packages and modules (no leading underscore), Qt-free ones only."""
    names = []
    for info in pkgutil.iter_modules(bci_input.__path__, "bci_input."):
        short = info.name.rpartition(".")[2]
        if not short.startswith("_") and short not in ("ui", "hardware", "cli"):
            names.append(info.name)
    return names


def test_no_two_core_packages_export_different_objects_under_one_name() -> None:
    seen: dict[str, dict[int, str]] = {}
    for name in _public_modules():
        module = importlib.import_module(name)
        for attr in getattr(module, "__all__", ()):
            obj = getattr(module, attr)
            if isinstance(obj, (str, int, float, bool)):  # a scalar constant is its value
                continue
            seen.setdefault(attr, {}).setdefault(id(obj), name)
    clashes = {attr: sorted(owners.values()) for attr, owners in seen.items() if len(owners) > 1}
    assert not clashes, f"one name, several meanings: {clashes}"
