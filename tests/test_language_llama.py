"""The llama.cpp engine on real GGUF files, and the packaged models' assembly from their part packages."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import pytest

from bci_input._errors import ModelLoadError
from bci_input.language import _packages, load_language_model
from bci_input.language._factory import load_local, resolve_model
from bci_input.language._llama import SeqCache, softmax
from bci_input.language._llama_model import LlamaCppModel
from bci_input.language._loader import bundled_gguf
from bci_input.language._local import LocalModel
from bci_input.language._split import SplitModel
from bci_input.settings import LanguageSettings


@pytest.fixture(scope="module")
def light_llama(model_cache: Path) -> LlamaCppModel:
    """The bundled SmolLM2 GGUF on llama.cpp."""
    return LlamaCppModel.load_file(bundled_gguf(), LanguageSettings(threads=1), cache_dir=model_cache)


# ----------------------------------------------------------------- assembly of split packages


def _make_parts(root: Path, name: str, chunks: list[bytes]) -> tuple[str, ...]:
    """Write part packages laid out as the registry's (``<pkg>/data/partNN.bin``) on a real sys.path folder."""
    names = []
    for i, chunk in enumerate(chunks, 1):
        pkg = root / f"{name}_part{i}"
        (pkg / "data").mkdir(parents=True)
        (pkg / "__init__.py").write_text("")
        (pkg / "data" / f"part{i:02d}.bin").write_bytes(chunk)
        names.append(pkg.name)
    return tuple(names)


def _model(name: str, parts: tuple[str, ...], data: bytes) -> _packages.PackagedModel:
    return _packages.PackagedModel(name, f"Test {name}", f"{name}.gguf", parts, hashlib.sha256(data).hexdigest(),
                                   len(data), 1, "Apache-2.0")


def test_parts_join_once_into_a_verified_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    chunks = [os.urandom(3000), os.urandom(2000), os.urandom(10)]
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    model = _model("joined", _make_parts(tmp_path / "site", "joined", chunks), b"".join(chunks))
    monkeypatch.setitem(_packages.PACKAGED_MODELS, model.key, model)
    out = _packages.model_file(model.key, tmp_path / "models")
    assert out.read_bytes() == b"".join(chunks)
    stamp = out.stat().st_mtime_ns
    assert _packages.model_file(model.key, tmp_path / "models").stat().st_mtime_ns == stamp  # not joined again
    # A damaged file (truncated on disk) is joined again, not trusted.
    out.write_bytes(b"short")
    assert _packages.model_file(model.key, tmp_path / "models").read_bytes() == b"".join(chunks)


def test_a_wrong_or_missing_part_is_refused_with_a_clear_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    good = [b"a" * 100, b"b" * 100]
    parts = _make_parts(tmp_path / "site", "bad", [good[0], b"X" * 100])
    model = _model("bad", parts, b"".join(good))
    monkeypatch.setitem(_packages.PACKAGED_MODELS, model.key, model)
    with pytest.raises(ModelLoadError, match="do not join into the expected file"):
        _packages.model_file(model.key, tmp_path / "models")
    assert not list((tmp_path / "models").glob("bad.gguf*"))  # nothing half-written is left
    missing = _model("gone", ("gone_part1", "gone_part2"), b"x")
    monkeypatch.setitem(_packages.PACKAGED_MODELS, missing.key, missing)
    with pytest.raises(ModelLoadError, match=r"2 of its 2 parts are missing \(first: gone-part1\).*make setup"):
        _packages.model_file(missing.key, tmp_path / "models")


def test_a_full_disk_is_named_before_anything_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tiny_disk: Path
) -> None:
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    chunks = [os.urandom(200_000)]
    model = _model("big", _make_parts(tmp_path / "site", "big", chunks), chunks[0])
    monkeypatch.setitem(_packages.PACKAGED_MODELS, model.key, model)
    with pytest.raises(ModelLoadError, match=r"Not enough free disk space.*model = \"light\""):
        _packages.model_file(model.key, tiny_disk)


@pytest.mark.llm
@pytest.mark.slow
def test_the_installed_default_model_is_the_genuine_file(model_cache: Path) -> None:
    """The locked part packages join into the file whose hash and GGUF header the docs state."""
    from gguf import GGUFReader

    key = _packages.DEFAULT_MODEL
    path = _packages.model_file(key, model_cache)
    assert path.stat().st_size == _packages.PACKAGED_MODELS[key].size
    fields = GGUFReader(str(path)).fields
    assert fields["general.architecture"].contents() == "qwen2"
    assert "Instruct" in fields["general.name"].contents()


# ----------------------------------------------------------------- the engine


@pytest.mark.llm
@pytest.mark.slow
def test_llama_cpp_and_transformers_agree_on_the_same_model(light_llama: LlamaCppModel, model_cache: Path) -> None:
    """Both engines run the bundled GGUF: the next-token distributions match closely (Q4_1 against its fp32)."""
    torch_model = LocalModel.load(LanguageSettings(threads=1), cache_dir=model_cache)
    for text in ("Dear Dr Patel,\n\nThank you for", "The meeting is on"):
        a = light_llama.next_token_probs(light_llama.context_ids(text))
        b = torch_model.next_token_probs(torch_model.context_ids(text))
        assert a is not None and b is not None
        top_a, top_b = np.argsort(-a)[:5], np.argsort(-b)[:5]
        assert top_a[0] == top_b[0]
        assert len(set(top_a) & set(top_b)) >= 3
        assert 0.5 * np.abs(a - b).sum() < 0.25  # total variation distance


@pytest.mark.llm
@pytest.mark.slow
def test_prefix_reuse_and_generation_rows_give_the_logits_of_a_fresh_pass(light_llama: LlamaCppModel) -> None:
    """Typing on (sequence 0 reused), branching rows and reordering them change no logit."""
    m, e = light_llama, light_llama.engine
    first = m.context_ids("I would like to ask")
    m.next_token_probs(first)
    longer = m.context_ids("I would like to ask you about the")
    reused = m.next_token_probs(longer)
    scratch = e.take(1)[0]
    fresh = softmax(e.extend(scratch, 0, longer)[0])
    e.give([scratch])
    assert reused is not None and np.abs(reused - fresh).max() < 1e-4
    probs, rows = m.cache_for(longer)
    assert isinstance(rows, SeqCache) and probs is not None
    rows.repeat(3)
    a, b, c = m.encode(" bill")[0], m.encode(" rent")[0], m.encode(" car")[0]
    step = rows.step([a, b, c])
    rows.reorder([2, 0])  # row 0 is now "... car", row 1 "... bill"
    nxt = rows.step([a, a])
    rows.close()
    scratch = e.take(1)[0]
    for row, toks in ((0, [c, a]), (1, [a, a])):
        e.cut(scratch, 0)
        want = softmax(e.extend(scratch, 0, longer + toks)[0])
        # llama.cpp's sums depend a little on where a row's cells lie in the shared cache (freed cells are
        # reused), so the rows agree with a fresh pass closely, not bit for bit.
        assert set(np.argsort(-nxt[row])[:3]) == set(np.argsort(-want)[:3])
        assert 0.5 * np.abs(nxt[row] - want).sum() < 0.05
    e.give([scratch])
    assert step.shape == (3, e.n_vocab) and np.allclose(step.sum(axis=1), 1.0)
    assert e.free_rows == e.max_rows  # every scratch sequence was given back


@pytest.mark.llm
@pytest.mark.slow
def test_every_kind_of_suggestion_runs_on_llama_cpp(light_llama: LlamaCppModel) -> None:
    m = light_llama
    sym = m.next_symbols("Thank you very much for your he").value
    assert abs(sum(sym.values()) - 1.0) < 1e-6 and max(sym, key=sym.__getitem__) == "l"
    words = [w for w, _ in m.complete_word("Thank you very much for your ", "he", k=5).value]
    assert "help" in words
    phrases = m.complete_phrase("Hi Anna, I got the flowers, thank you so ", k=3).value
    assert phrases and all(2 <= len(p.split()) <= 6 for p, _ in phrases)
    abbrev = [t for t, _ in m.expand_abbreviation("tyvm", "Hi Anna, I got the flowers, ", k=3).value]
    assert "thank you very much" in abbrev
    fixed = m.rewrite("i dont think we can come tomorow", "fix_grammar", k=3).value
    assert fixed and all(r.text.casefold() != "i dont think we can come tomorow" for r in fixed)
    assert any("tomorrow" in r.text for r in fixed)
    # Sampling is seeded: the same request gives the same candidates.
    again = m.rewrite("i dont think we can come tomorow", "fix_grammar", k=3).value
    assert [r.text for r in again] == [r.text for r in fixed]


@pytest.mark.llm
@pytest.mark.slow
def test_engine_setting_picks_the_engine(model_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BCI_INPUT_MODEL_CACHE", str(model_cache))
    on_llama = load_local(LanguageSettings(model="light", threads=1))
    on_torch = load_local(LanguageSettings(model="light", engine="transformers", threads=1))
    assert isinstance(on_llama, LlamaCppModel) and on_llama.name == "llama.cpp:SmolLM2-135M-Instruct"
    assert type(on_torch) is LocalModel and on_torch.name == "local:SmolLM2-135M-Instruct"


@pytest.mark.llm
@pytest.mark.slow
def test_the_default_set_up_rewrites_with_the_larger_model(model_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Typing is answered by the 0.5B model, rewrites and abbreviations by the 1.5B; one setting changes it."""
    monkeypatch.setenv("BCI_INPUT_MODEL_CACHE", str(model_cache))
    model = load_language_model(LanguageSettings(threads=1))
    assert isinstance(model, SplitModel)
    assert model.complete_word("Thank you for your ", "he", 3).backend.startswith("llama.cpp:Qwen2.5-Coder-0.5B")
    assert model.rewrite("i has a cat.", "fix_grammar", 1).backend.startswith("llama.cpp:Qwen2.5-Coder-1.5B")
    assert model.expand_abbreviation("tyvm", "", 1).backend.startswith("llama.cpp:Qwen2.5-Coder-1.5B")
    single = load_language_model(LanguageSettings(threads=1, rewrite_model=""))
    assert isinstance(single, LlamaCppModel) and "1.5B" not in single.name
    notices: list[str] = []
    missing = load_language_model(LanguageSettings(threads=1, rewrite_model="/nowhere/model.gguf"),
                                  on_notice=notices.append)
    assert isinstance(missing, LlamaCppModel)  # the typing model rewrites, and the person is told why
    assert any("rewrite model could not be loaded" in n and "model.gguf" in n for n in notices), notices


def test_engine_and_model_settings_are_checked(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="engine"):
        LanguageSettings(engine="vllm").validate()
    hf = tmp_path / "hf-model"
    hf.mkdir()
    with pytest.raises(ModelLoadError, match="llama.cpp engine runs GGUF files"):
        load_local(LanguageSettings(model=str(hf), engine="llama.cpp"))
    with pytest.raises(ModelLoadError, match="does not exist"):
        load_local(LanguageSettings(model=str(tmp_path / "none.gguf")))
    assert resolve_model("light")[0] == bundled_gguf()


@pytest.mark.llm
@pytest.mark.slow
def test_a_damaged_gguf_file_gives_a_clear_error(tmp_path: Path, model_cache: Path) -> None:
    bad = tmp_path / "broken.gguf"
    bad.write_bytes(bundled_gguf().read_bytes()[: 1 << 20])  # the header and the start of the tensors only
    with pytest.raises(ModelLoadError, match="broken.gguf"):
        LlamaCppModel.load_file(bad, cache_dir=model_cache)
