"""Save and load fitted decoders in safe formats: JSON for parameters, ``.npz`` for arrays.

A saved decoder is either a folder holding ``decoder.json`` and ``arrays.npz``, or a
pair of files ``<name>.json`` + ``<name>.npz`` (pass a path ending in ``.json`` or
``.npz``). Nothing is ever unpickled: arrays are read with ``allow_pickle=False``
and classes are looked up in a whitelist registry, so a shared model file cannot
run code.

The JSON tree encodes values as follows (``"__x__"`` keys are reserved):

- ``None``, bool, int, float, str: themselves (NaN and infinity as JSON extensions);
- lists: JSON lists; tuples: ``{"__tuple__": [...]}``; dicts: ``{"__dict__": {...}}``;
- numpy arrays: ``{"__ndarray__": "a3"}``, the key of the array in the ``.npz`` file;
- numpy scalars: ``{"__npscalar__": value, "dtype": "float32"}``;
- estimators: ``{"__estimator__": {"class": "module:Class", "params": {...}, "state": {...}}}``,
  where ``params`` is ``get_params(deep=False)`` and ``state`` holds every other attribute
  (the fitted ones). Loading calls ``Class(**params)`` and then sets the state.
"""

from __future__ import annotations

import importlib
import json
import logging
import pkgutil
import zipfile
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from .._errors import ConfigError, DataFormatError, ModelLoadError, StorageError

__all__ = ["save_decoder", "load_decoder", "register_decoder", "registered_decoders"]

log = logging.getLogger(__name__)

FORMAT = "bci-input-decoder"
FORMAT_VERSION = 1

T = TypeVar("T", bound=type)

#: Third-party estimators that may be nested in a saved decoder. They are imported only
#: when a file names them; the strings are fixed here, never taken from a file.
_THIRD_PARTY: frozenset[str] = frozenset(
    {
        "sklearn.discriminant_analysis:LinearDiscriminantAnalysis",
        "sklearn.preprocessing:StandardScaler",
        "sklearn.linear_model:LogisticRegression",
        "sklearn.pipeline:Pipeline",
        "sklearn.decomposition:PCA",
        "sklearn.covariance:LedoitWolf",
        "sklearn.covariance:OAS",
        "pyriemann.estimation:Covariances",
        "pyriemann.estimation:XdawnCovariances",
        "pyriemann.estimation:Shrinkage",
        "pyriemann.tangentspace:TangentSpace",
        "pyriemann.classification:MDM",
        "pyriemann.classification:FgMDM",
        "pyriemann.spatialfilters:Xdawn",
        "pyriemann.spatialfilters:CSP",
        "mne.decoding:CSP",
    }
)

_REGISTRY: dict[str, type] = {}


def _key(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def _saved_name(cls: type) -> str | None:
    """Return the name under which ``cls`` is saved, or None if it is not allowed."""
    key = _key(cls)
    if key in _REGISTRY:
        return key
    top = cls.__module__.partition(".")[0]
    for name in _THIRD_PARTY:  # public import path of a whitelisted third-party class
        module, _, attr = name.partition(":")
        if attr == cls.__qualname__ and module.partition(".")[0] == top:
            try:
                if getattr(importlib.import_module(module), attr) is cls:
                    return name
            except (ImportError, AttributeError):
                continue
    return None


def register_decoder(cls: T) -> T:
    """Allow ``cls`` to be saved and loaded (class decorator).

    Parameters
    ----------
    cls : type
        A scikit-learn compatible estimator class (``get_params`` and ``__init__`` keywords).

    Returns
    -------
    type
        ``cls`` unchanged.
    """
    if not isinstance(cls, type) or not hasattr(cls, "get_params"):
        raise ConfigError(f"register_decoder expects an estimator class with get_params, got {cls!r}.")
    _REGISTRY[_key(cls)] = cls
    return cls


def registered_decoders() -> list[str]:
    """Return the names (``module:Class``) of every class that may appear in a saved decoder."""
    return sorted(set(_REGISTRY) | _THIRD_PARTY)


def _resolve(name: object) -> type:
    if not isinstance(name, str):
        raise DataFormatError(f"Saved decoder names its class with {name!r}; expected a 'module:Class' string.")
    if name in _REGISTRY:
        return _REGISTRY[name]
    if name in _THIRD_PARTY:
        module, _, attr = name.partition(":")
        try:
            cls = getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError) as exc:
            raise ModelLoadError(
                f"Saved decoder needs {name}, which is not available in this installation ({exc}). "
                "Install the same versions of scikit-learn/pyriemann as the machine that saved it."
            ) from exc
        if not isinstance(cls, type):  # pragma: no cover - fixed whitelist
            raise ModelLoadError(f"{name} is not a class.")
        return cls
    if name.startswith("bci_input.decoding."):
        # A project class whose module was not imported yet: importing our own package is safe.
        module = name.partition(":")[0]
        if module in _decoding_modules():
            importlib.import_module(module)
        if name in _REGISTRY:
            return _REGISTRY[name]
    raise ModelLoadError(
        f"Saved decoder uses the class {name!r}, which is not in the whitelist of loadable decoders. "
        f"Allowed classes are: {', '.join(registered_decoders())}."
    )


def _decoding_modules() -> frozenset[str]:
    """Return the dotted names of the modules of ``bci_input.decoding`` (the only ones a saved name may import)."""
    folder = str(Path(__file__).parent)
    return frozenset(f"{__package__}.{m.name}" for m in pkgutil.iter_modules([folder]))


class _Encoder:
    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}

    def value(self, v: Any, where: str) -> Any:
        if v is None or isinstance(v, bool | int | float | str):
            return v
        if isinstance(v, np.ndarray):
            arr = v
            obj = False
            if arr.dtype == object:
                if not all(isinstance(x, str) for x in arr.ravel()):
                    raise ConfigError(f"Cannot save {where}: an object array that does not hold only strings.")
                arr, obj = arr.astype(str), True
            if arr.dtype.kind not in "biufcUS":
                raise ConfigError(f"Cannot save {where}: arrays of dtype {arr.dtype} are not supported.")
            key = f"a{len(self.arrays)}"
            self.arrays[key] = arr
            out: dict[str, Any] = {"__ndarray__": key}
            if obj:
                out["object"] = True
            return out
        if isinstance(v, np.generic):
            if v.dtype.kind not in "biufU":
                raise ConfigError(f"Cannot save {where}: numpy scalar of dtype {v.dtype}.")
            return {"__npscalar__": v.item(), "dtype": v.dtype.str}
        if isinstance(v, list):
            return [self.value(x, f"{where}[{i}]") for i, x in enumerate(v)]
        if isinstance(v, tuple):
            return {"__tuple__": [self.value(x, f"{where}[{i}]") for i, x in enumerate(v)]}
        if isinstance(v, dict):
            bad = [k for k in v if not isinstance(k, str)]
            if bad:
                raise ConfigError(f"Cannot save {where}: dictionary keys must be strings, got {bad[0]!r}.")
            return {"__dict__": {k: self.value(x, f"{where}.{k}") for k, x in v.items()}}
        if hasattr(v, "get_params") and not isinstance(v, type):
            return {"__estimator__": self.estimator(v, where)}
        raise ConfigError(
            f"Cannot save {where}: values of type {type(v).__name__} are not supported "
            "(only numbers, strings, lists, tuples, dicts, numpy arrays and registered estimators)."
        )

    def estimator(self, est: Any, where: str) -> dict[str, Any]:
        cls = type(est)
        name = _saved_name(cls)
        if name is None:
            raise ConfigError(
                f"Cannot save {where}: class {_key(cls)} is not registered. Decorate it with "
                "bci_input.decoding.register_decoder."
            )
        params = est.get_params(deep=False)
        state = {k: v for k, v in vars(est).items() if k not in params}
        return {
            "class": name,
            "params": {k: self.value(v, f"{where}.{k}") for k, v in params.items()},
            "state": {k: self.value(v, f"{where}.{k}") for k, v in state.items()},
        }


class _Decoder:
    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        self.arrays = arrays

    def value(self, v: Any) -> Any:
        if v is None or isinstance(v, bool | int | float | str):
            return v
        if isinstance(v, list):
            return [self.value(x) for x in v]
        if not isinstance(v, dict) or len(v) == 0:
            raise DataFormatError(f"Saved decoder holds an unexpected JSON value {v!r}.")
        if "__ndarray__" in v:
            key = v["__ndarray__"]
            if key not in self.arrays:
                raise DataFormatError(f"Saved decoder refers to array {key!r}, which is missing from the .npz file.")
            arr = self.arrays[key]
            return arr.astype(object) if v.get("object") else arr
        if "__npscalar__" in v:
            try:
                return np.dtype(v["dtype"]).type(v["__npscalar__"])
            except (TypeError, ValueError, KeyError) as exc:
                raise DataFormatError(f"Saved decoder holds a malformed numpy scalar {v!r}.") from exc
        if "__tuple__" in v:
            return tuple(self.value(x) for x in v["__tuple__"])
        if "__dict__" in v:
            return {k: self.value(x) for k, x in v["__dict__"].items()}
        if "__estimator__" in v:
            return self.estimator(v["__estimator__"])
        raise DataFormatError(f"Saved decoder holds an unknown JSON object with keys {sorted(v)}.")

    def estimator(self, d: Any) -> Any:
        if not isinstance(d, dict) or not {"class", "params", "state"} <= set(d):
            raise DataFormatError("Saved decoder has an estimator entry without 'class', 'params' and 'state'.")
        cls = _resolve(d["class"])
        params = {k: self.value(v) for k, v in d["params"].items()}
        try:
            est = cls(**params)
        except TypeError as exc:
            raise ModelLoadError(
                f"Cannot rebuild {d['class']} with the saved parameters ({exc}); the file was probably written "
                "by another version of the software."
            ) from exc
        for k, v in d["state"].items():
            setattr(est, k, self.value(v))
        return est


def _paths(path: str | Path) -> tuple[Path, Path]:
    p = Path(path)
    if p.suffix in (".json", ".npz"):
        return p.with_suffix(".json"), p.with_suffix(".npz")
    return p / "decoder.json", p / "arrays.npz"


def save_decoder(est: Any, path: str | Path) -> Path:
    """Save a (fitted or unfitted) decoder.

    Parameters
    ----------
    est : estimator
        An instance of a registered class (see :func:`register_decoder`); nested estimators
        must be registered or whitelisted too.
    path : path-like
        A folder (created if needed) or a file name ending in ``.json``/``.npz`` for a pair of files.

    Returns
    -------
    Path
        The JSON file written.

    Raises
    ------
    ConfigError
        If the decoder holds a class or value that cannot be saved safely.
    StorageError
        If writing fails.
    """
    enc = _Encoder()
    tree = enc.estimator(est, type(est).__name__)
    import sklearn

    sk_version = sklearn.__version__
    from .. import __version__

    doc = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "bci_input_version": __version__,
        "sklearn_version": sk_version,
        "estimator": tree,
    }
    jpath, npath = _paths(path)
    try:
        jpath.parent.mkdir(parents=True, exist_ok=True)
        tmp_n = npath.with_name(npath.name + ".tmp.npz")
        np.savez(tmp_n, **enc.arrays)  # type: ignore[arg-type]
        tmp_j = jpath.with_name(jpath.name + ".tmp")
        tmp_j.write_text(json.dumps(doc, indent=1), encoding="utf-8")
        tmp_n.replace(npath)
        tmp_j.replace(jpath)
    except OSError as exc:
        raise StorageError(f"Could not save the decoder to {jpath.parent}: {exc}") from exc
    log.debug("saved %s to %s", type(est).__name__, jpath)
    return jpath


def load_decoder(path: str | Path) -> Any:
    """Load a decoder saved by :func:`save_decoder`.

    Parameters
    ----------
    path : path-like
        The folder, or the ``.json``/``.npz`` file of a pair.

    Returns
    -------
    estimator
        The decoder, with its fitted attributes restored.

    Raises
    ------
    DataFormatError
        If a file is missing, truncated or malformed.
    ModelLoadError
        If the file names a class outside the whitelist, or cannot be rebuilt.
    """
    jpath, npath = _paths(path)
    if not jpath.is_file() or not npath.is_file():
        raise DataFormatError(
            f"No saved decoder at {path}: expected both {jpath.name} and {npath.name}."
        )
    try:
        doc = json.loads(jpath.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataFormatError(f"Decoder file {jpath} is not valid JSON ({exc}); it may be truncated.") from exc
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise DataFormatError(f"{jpath} is not a bci-input decoder file (missing 'format': '{FORMAT}').")
    if doc.get("version") != FORMAT_VERSION:
        raise ModelLoadError(
            f"{jpath} has decoder format version {doc.get('version')!r}; this software reads version "
            f"{FORMAT_VERSION}. Re-run the calibration to make a new model."
        )
    try:
        with open(npath, "rb") as fh, np.load(fh, allow_pickle=False) as z:  # closed even if np.load fails
            arrays = {k: z[k] for k in z.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise DataFormatError(f"Decoder arrays {npath} are unreadable or unsafe ({exc}).") from exc
    return _Decoder(arrays).value({"__estimator__": doc.get("estimator")})
