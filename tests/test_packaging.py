"""The package layout matches pyproject: every package ships, every core module is under the layer contract."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def _package_dirs():
    mapping = {"bci_input": ROOT / "bci_input", "bci_input.hardware": ROOT / "hardware", "bci_input.ui": ROOT / "ui"}
    found = set()
    for name, folder in mapping.items():
        for init in folder.rglob("__init__.py"):
            rel = init.parent.relative_to(folder)
            parts = [] if str(rel) == "." else list(rel.parts)
            if "__pycache__" in parts:
                continue
            found.add(".".join([name, *parts]))
    return found


def test_every_package_is_listed_for_installation():
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    missing = _package_dirs() - listed
    assert not missing, f"add these to [tool.setuptools] packages in pyproject.toml: {sorted(missing)}"


def test_every_core_module_is_under_the_no_qt_contract():
    contract = PYPROJECT["tool"]["importlinter"]["contracts"][0]
    covered = set(contract["source_modules"])
    core = ROOT / "bci_input"
    exempt = {"bci_input.cli", "bci_input._cli", "bci_input.__init__"}
    missing = []
    for path in core.iterdir():
        if path.name.startswith("__") or path.name == "py.typed":
            continue
        if path.is_dir() and not (path / "__init__.py").exists():
            continue
        if path.is_file() and path.suffix != ".py":
            continue
        mod = "bci_input." + (path.stem if path.is_file() else path.name)
        if mod not in covered and mod not in exempt:
            missing.append(mod)
    assert not missing, f"add these core modules to the first import-linter contract: {sorted(missing)}"
