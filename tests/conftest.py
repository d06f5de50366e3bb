"""Shared test configuration.

- Qt runs offscreen.
- liblsl reads a loopback-only configuration, so tests never reach the network.
- ``BCI_INPUT_HOME`` points at a temporary folder, so tests never touch the user's data or cache.
- ``data_dir`` yields the real recordings folder, or skips the test with a clear message; a test that uses it
  must be marked ``@pytest.mark.data`` (collection refuses it otherwise).
- ``tiny_disk`` mounts a real 64 KiB tmpfs for full-disk tests.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["LSLAPICFG"] = str(HERE / "lsl_api.cfg")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
MODEL_CACHE = os.environ.get("BCI_INPUT_TEST_MODEL_CACHE") or str(HERE.parent / ".venv" / "model-cache-tests")


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Give every test a private user-data and cache folder."""
    home = tmp_path_factory.mktemp("bci_home")
    monkeypatch.setenv("BCI_INPUT_HOME", str(home))
    # Converted model weights are expensive to rebuild (30-40 s); share them across tests and runs.
    monkeypatch.setenv("BCI_INPUT_MODEL_CACHE", MODEL_CACHE)
    return home


@pytest.fixture(scope="session")
def model_cache() -> Path:
    """Converted and assembled models, shared by every test of the run and kept between runs."""
    return Path(MODEL_CACHE)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """Return the folder of real recordings, or skip the test."""
    from bci_input._paths import default_data_dir

    path = default_data_dir()
    if path is None or not path.is_dir():
        pytest.skip("real recordings not found: set BCI_INPUT_DATA or place them in ../shared/data")
    return path


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """Mount a real 64 KiB tmpfs for full-disk tests (skips where mounting is not allowed)."""
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    cmd = ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mnt)]
    proc = subprocess.run(cmd, capture_output=True, check=False)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.decode(errors='replace').strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Refuse a test that reads the real recordings (the ``data_dir`` fixture) without ``@pytest.mark.data``."""
    unmarked = [item.nodeid for item in items
                if "data_dir" in getattr(item, "fixturenames", ()) and item.get_closest_marker("data") is None]
    if unmarked:
        raise pytest.UsageError("Tests that use the real recordings must be marked @pytest.mark.data: "
                                + ", ".join(unmarked))
