"""Check that requirements.lock holds every package pyproject.toml asks for, at an allowed version.

Prints one line and exits 1 when they disagree (a dependency added, removed or re-bounded in pyproject.toml
without `make lock`); prints nothing and exits 0 when they agree. Run by `make setup` before the project is
installed, so CI fails here rather than on an import error.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)")


def _pins(path: Path) -> dict[str, Version]:
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = PIN.match(line)
        if match:
            pins[canonicalize_name(match[1])] = Version(match[2])
    return pins


def _wanted() -> list[tuple[str, Requirement]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = [("pyproject.toml", Requirement(r)) for r in project["dependencies"]]
    wanted += [("pyproject.toml [dev]", Requirement(r)) for r in project["optional-dependencies"]["dev"]]
    for name in ("requirements.in", "requirements-model.in"):
        for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                wanted.append((name, Requirement(line)))
    return wanted


def main() -> int:
    """Compare the lock with its inputs; print one line per disagreement."""
    pins = _pins(ROOT / "requirements.lock") | _pins(ROOT / "requirements-model.lock")
    problems = []
    for origin, req in _wanted():
        if req.marker is not None and not req.marker.evaluate():
            continue
        pinned = pins.get(canonicalize_name(req.name))
        if pinned is None:
            problems.append(f"{req.name} ({origin}) is not in the lock")
        elif not req.specifier.contains(pinned, prereleases=True):
            problems.append(f"{req.name}=={pinned} in the lock does not satisfy {req} ({origin})")
    if problems:
        print("pyproject.toml and requirements.lock disagree: " + "; ".join(problems) + ". Run `make lock`.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
