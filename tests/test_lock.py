"""The lock: every package pinned with hashes, torch's CPU build, no local paths, and agreement with pyproject."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCKS = ("requirements.lock", "requirements-model.lock")
INPUTS = ("pyproject.toml", "requirements.in", "requirements-model.in", *LOCKS)


def _entries(text):
    """Map each pinned requirement to its block of lines (the pin, its hashes, its comments)."""
    blocks, current = {}, None
    for line in text.splitlines():
        if line and not line[0].isspace() and not line.startswith("#"):
            current = line.split(" ")[0]
            blocks[current] = []
        elif current is not None:
            blocks[current].append(line)
    return blocks


def test_every_locked_package_is_pinned_with_a_hash_and_torch_is_the_cpu_build():
    for name in LOCKS:
        text = (ROOT / name).read_text()
        assert "file://" not in text and "/opt/" not in text, f"{name} names a local path"
        assert not re.search(r"^\s*--(extra-)?index-url|^\s*--find-links", text, re.M), f"{name} names an index"
        entries = _entries(text)
        assert entries, name
        for pin, lines in entries.items():
            assert re.fullmatch(r"[A-Za-z0-9._-]+==[^=\s]+", pin), f"{name}: {pin} is not an exact pin"
            assert any("--hash=sha256:" in line for line in lines), f"{name}: {pin} has no hash"
    main = _entries((ROOT / "requirements.lock").read_text())
    assert "torch==2.13.0+cpu" in main
    assert not [p for p in main if p.startswith(("nvidia-", "triton=="))], "the lock pulls CUDA packages"


def _check(folder):
    return subprocess.run(
        [sys.executable, str(folder / ".ci" / "check_lock.py")], capture_output=True, text=True, timeout=60
    )


def test_lock_check_fails_in_one_line_when_pyproject_and_the_lock_disagree(tmp_path):
    (tmp_path / ".ci").mkdir()
    shutil.copy(ROOT / ".ci" / "check_lock.py", tmp_path / ".ci")
    for name in INPUTS:
        shutil.copy(ROOT / name, tmp_path)
    agreed = _check(tmp_path)
    assert agreed.returncode == 0 and agreed.stdout == "" and agreed.stderr == ""

    pyproject = tmp_path / "pyproject.toml"
    original = pyproject.read_text()
    pyproject.write_text(original.replace('dependencies = [\n', 'dependencies = [\n    "six>=1.16",\n', 1))
    added = _check(tmp_path)
    assert added.returncode == 1 and added.stderr == ""
    assert added.stdout.count("\n") == 1 and "six" in added.stdout and "make lock" in added.stdout

    pyproject.write_text(re.sub(r'"transformers>=[^"]+"', '"transformers>=99"', original))
    raised = _check(tmp_path)
    assert raised.returncode == 1 and "transformers==" in raised.stdout and ">=99" in raised.stdout
