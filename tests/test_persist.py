from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from bci_input import ConfigError, DataFormatError, ModelLoadError
from bci_input.decoding import load_decoder, register_decoder, registered_decoders, save_decoder


@register_decoder
class _Toy(ClassifierMixin, BaseEstimator):
    def __init__(self, inner=None, bands=((6.0, 90.0),), scale: float = 1.0):
        self.inner = inner
        self.bands = bands
        self.scale = scale

    def fit(self, X, y):
        self.inner_ = LogisticRegression().fit(X * self.scale, y)
        self.classes_ = self.inner_.classes_
        self.table_ = {"n": np.int64(3), "names": ("a", "b")}
        return self

    def predict_proba(self, X):
        return self.inner_.predict_proba(X * self.scale)


class _Unregistered(BaseEstimator):
    def __init__(self, a: int = 1):
        self.a = a


def _data(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((60, 5))
    y = np.array(["left", "right", "rest"])[rng.integers(0, 3, 60)]
    X[y == "left", 0] += 2.0
    return X, y


@pytest.mark.parametrize("suffix", ["", ".json", ".npz"])
def test_roundtrip_nested_pipeline(tmp_path, suffix):
    X, y = _data()
    est = _Toy(inner=make_pipeline(StandardScaler(), LinearDiscriminantAnalysis()), scale=2.0).fit(X, y)
    target = tmp_path / ("model" + suffix)
    jpath = save_decoder(est, target)
    assert jpath.is_file()
    back = load_decoder(target)
    assert type(back) is _Toy
    assert back.get_params()["scale"] == 2.0
    assert back.bands == ((6.0, 90.0),)
    np.testing.assert_array_equal(back.classes_, est.classes_)
    np.testing.assert_allclose(back.predict_proba(X), est.predict_proba(X))
    assert back.table_["n"] == 3 and back.table_["n"].dtype == np.int64
    assert back.table_["names"] == ("a", "b")
    # the unfitted nested pipeline survives too
    assert [name for name, _ in back.inner.steps] == ["standardscaler", "lineardiscriminantanalysis"]


def test_fitted_sklearn_pipeline_roundtrip(tmp_path):
    X, y = _data(1)
    pipe = make_pipeline(StandardScaler(), LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto")).fit(X, y)
    save_decoder(pipe, tmp_path / "p")
    back = load_decoder(tmp_path / "p")
    np.testing.assert_allclose(back.predict_proba(X), pipe.predict_proba(X))


def test_no_pickle_in_npz(tmp_path):
    X, y = _data()
    save_decoder(_Toy().fit(X, y), tmp_path / "m")
    with np.load(tmp_path / "m" / "arrays.npz", allow_pickle=False) as z:
        assert all(z[k].dtype != object for k in z.files)


def test_unregistered_class_cannot_be_saved(tmp_path):
    with pytest.raises(ConfigError, match="not registered"):
        save_decoder(_Unregistered(), tmp_path / "u")


def test_unknown_class_in_file_is_refused(tmp_path):
    X, y = _data()
    save_decoder(_Toy().fit(X, y), tmp_path / "m")
    jpath = tmp_path / "m" / "decoder.json"
    doc = json.loads(jpath.read_text())
    doc["estimator"]["class"] = "os:system"
    jpath.write_text(json.dumps(doc))
    with pytest.raises(ModelLoadError, match="whitelist"):
        load_decoder(tmp_path / "m")


def test_corrupt_and_missing_files(tmp_path):
    with pytest.raises(DataFormatError, match="No saved decoder"):
        load_decoder(tmp_path / "nothing")
    X, y = _data()
    save_decoder(_Toy().fit(X, y), tmp_path / "m")
    jpath = tmp_path / "m" / "decoder.json"
    text = jpath.read_text()
    jpath.write_text(text[: len(text) // 2])
    with pytest.raises(DataFormatError, match="not valid JSON"):
        load_decoder(tmp_path / "m")
    jpath.write_text(text)
    (tmp_path / "m" / "arrays.npz").write_bytes(b"garbage")
    with pytest.raises(DataFormatError, match="unreadable"):
        load_decoder(tmp_path / "m")
    jpath.write_text(json.dumps({"hello": 1}))
    with pytest.raises(DataFormatError, match="not a bci-input decoder"):
        load_decoder(tmp_path / "m")


def test_object_array_in_npz_is_refused(tmp_path):
    X, y = _data()
    save_decoder(_Toy().fit(X, y), tmp_path / "m")
    np.savez(tmp_path / "m" / "arrays.npz", a0=np.array([{"x": 1}], dtype=object))
    with pytest.raises(DataFormatError):
        load_decoder(tmp_path / "m")


def test_registry_lists_whitelist():
    names = registered_decoders()
    assert "sklearn.discriminant_analysis:LinearDiscriminantAnalysis" in names
    assert any(n.endswith(":_Toy") for n in names)
