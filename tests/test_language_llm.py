"""The real bundled SmolLM2 model (few tests, kept short), and degradation when it cannot load."""

from __future__ import annotations

import json
import os
import socket
import threading
from pathlib import Path

import pytest

from bci_input.language import SYMBOLS, LocalModel, WordFreqModel, _loader, load_language_model
from bci_input.language._llama_model import LlamaCppModel
from bci_input.language._split import SplitModel
from bci_input.settings import LanguageSettings


@pytest.fixture(scope="session")
def local_model(model_cache: Path) -> LocalModel:
    return LocalModel.load(LanguageSettings(threads=1), cache_dir=model_cache)


@pytest.mark.llm
@pytest.mark.slow
def test_default_backend_loads_bundled_model_without_network(
    model_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    attempts: list[object] = []

    def no_network(self: socket.socket, address: object) -> None:
        attempts.append(address)
        raise OSError("network disabled by the test")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setenv("BCI_INPUT_MODEL_CACHE", str(model_cache))
    notices: list[str] = []
    model = load_language_model(LanguageSettings(threads=1), on_notice=notices.append)
    assert isinstance(model, SplitModel), notices  # the default models run on llama.cpp
    assert isinstance(model.typing, LlamaCppModel) and isinstance(model.rewriting, LlamaCppModel)
    assert model.name.startswith("llama.cpp:Qwen2.5-Coder-0.5B-Instruct (Q4_K_M) + Qwen2.5-Coder-1.5B")
    words = model.complete_word("Thank you very much for your ", "he", k=5, revision=9)
    assert words.revision == 9 and words.backend == model.typing.name
    assert "help" in [w for w, _ in words.value]
    assert not attempts


@pytest.mark.llm
@pytest.mark.slow
def test_context_changes_the_completion_and_cache_is_reused(local_model: LocalModel) -> None:
    ctx = "Dear Dr Patel,\n\nI would like to thank you and your team for the care you gave me. Kind "
    top = local_model.complete_word(ctx, "", k=3).value
    assert top[0][0] == "regards"
    wf_top = WordFreqModel().complete_word(ctx, "r", k=3).value
    assert "regards" not in [w for w, _ in wf_top]  # the context, not frequency, found it
    n = local_model.tokens_forwarded
    for prefix in ("r", "re", "reg"):  # letters of the same word: answered from the cache
        assert local_model.complete_word(ctx + prefix, prefix, k=3).value[0][0] == "regards"
    assert local_model.tokens_forwarded == n
    local_model.complete_word(ctx + "regards,\n", "", k=3)
    assert local_model.tokens_forwarded - n <= 3  # only the new tokens ran through the model


@pytest.mark.llm
@pytest.mark.slow
def test_next_symbols_is_a_distribution_over_symbols(local_model: LocalModel) -> None:
    dist = local_model.next_symbols("Thank you very much for your hel").value
    assert set(dist) == set(SYMBOLS) and abs(sum(dist.values()) - 1) < 1e-9 and min(dist.values()) > 0
    assert max(dist, key=dist.get) == "p"
    ended = local_model.next_symbols("I hope you are well. See you soon").value
    assert ended["."] + ended[","] + ended[" "] > 0.5


@pytest.mark.llm
@pytest.mark.slow
def test_capitals_digits_and_marks_get_the_mass_the_context_calls_for(local_model: LocalModel) -> None:
    from bci_input.language._types import CAPITALS, DIGITS

    def dist(text: str) -> dict[str, float]:
        d = local_model.next_symbols(text).value
        assert set(d) == set(SYMBOLS) and abs(sum(d.values()) - 1) < 1e-9 and min(d.values()) > 0
        return d

    def share(d: dict[str, float], chars: tuple[str, ...]) -> float:
        return sum(d[c] for c in chars)

    assert share(dist("Thank you for the flowers. "), CAPITALS) > 0.7
    assert share(dist("Thank you for the flowers and "), CAPITALS) < 0.2
    assert share(dist("The proposal of the EU"), CAPITALS) > share(dist("The proposal of the Eu"), CAPITALS)
    assert share(dist("Amendment 12 to Article 3"), DIGITS) > 0.2  # "3(2)", "32"
    assert share(dist("The fund receives €"), DIGITS) > 0.7
    assert dist("Amendment 12 to Article 3(")["2"] > 0.02


@pytest.mark.llm
@pytest.mark.slow
def test_suggestions_come_in_the_case_the_context_calls_for(local_model: LocalModel) -> None:
    def words(context: str, prefix: str) -> list[str]:
        return [w for w, _ in local_model.complete_word(context + prefix, prefix, k=5).value]

    assert words("We will meet on ", "thu")[0] == "Thursday"
    assert "Friday" in words("The meeting is on ", "")  # a day, with its capital, before any letter
    assert words("Hello. ", "")[0][0].isupper() and words("", "")[0][0].isupper()  # sentence and text start
    assert words("It rained and ", "th")[0] == "the"
    assert words("Please see ", "Art")[0] == "Article"  # a capitalised prefix keeps its capital
    assert "EU" in words("The proposal of the ", "eu")  # the model writes the acronym in capitals
    assert all(w.isupper() for w in words("a member of ", "NAT"))  # a prefix typed in capitals keeps them
    phrases = local_model.complete_phrase("The meeting is on ", k=3).value
    assert any(p[0].isupper() for p, _ in phrases)  # "Friday at", "Wednesday at"


@pytest.mark.llm
@pytest.mark.slow
def test_phrases_abbreviations_and_cancellation(local_model: LocalModel) -> None:
    phrases = local_model.complete_phrase("Hi Anna, I got the flowers, thank you so ", k=3).value
    assert phrases and all(2 <= len(p.split()) <= 6 for p, _ in phrases)
    assert phrases[0][0].startswith("much for")
    abbrev = local_model.expand_abbreviation("tyvm", "Hi Anna, I got the flowers, ", k=3).value
    assert abbrev[0][0] == "thank you very much"  # mid-sentence: no capital
    assert local_model.expand_abbreviation("tyvm", "Hi Anna, I got the flowers. ", k=1).value[0][0][0] == "T"
    cancel = threading.Event()
    cancel.set()
    ans = local_model.complete_phrase("Hi Anna, I got the flowers and ", k=3, revision=4, cancel=cancel)
    assert ans.cancelled and ans.revision == 4 and ans.value == []


@pytest.mark.llm
@pytest.mark.slow
def test_speller_free_text_rewrite_with_the_bundled_model(local_model: LocalModel) -> None:
    from bci_input.document import Document
    from bci_input.speller import Speller

    doc = Document("Dear team, the meeting is moved to friday. bring the reports.")
    sp = Speller(doc, local_model, "scan")
    for t in ("cmd:menu", "cmd:rewrite_menu", "cmd:select_sentence", "cmd:rewrite_next", "instr:free_text"):
        sp.select(t)
    for ch in "ask politely":
        sp.select("char:space" if ch == " " else f"char:{ch}")
    assert sp.select("cmd:rewrite_go") == ["rewrite_request"]
    cands = [t for t in sp.layout.targets if t.kind == "rewrite"]
    assert cands and all(t.value.strip() for t in cands)
    assert sp.select(cands[0].id) == ["accept_rewrite"]
    assert doc.text.startswith("Dear team, the meeting is moved to friday. ") and doc.text.endswith(cands[0].value)


@pytest.mark.llm
@pytest.mark.slow
def test_rewrite_returns_candidates_with_diff(local_model: LocalModel) -> None:
    ans = local_model.rewrite("i dont think we can come tomorow", "fix_grammar", k=2)
    assert ans.value[0].text == "I don't think we can come tomorrow."
    # Identical samples count once: at most k candidates, none repeated, each with its diff.
    assert 1 <= len(ans.value) <= 2 and all(r.diff for r in ans.value)
    assert len({r.text.casefold() for r in ans.value}) == len(ans.value)


def test_missing_model_degrades_to_fallback(tmp_path: Path) -> None:
    notices: list[str] = []
    model = load_language_model(LanguageSettings(model=str(tmp_path / "no-such-model")), on_notice=notices.append)
    assert isinstance(model, WordFreqModel)
    assert len(notices) == 1 and "no-such-model" in notices[0] and "word-frequency" in notices[0]


def test_corrupt_cache_is_detected_and_rebuild_failure_degrades(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A damaged model file (not a GGUF) and a cache whose weights were truncated on disk.
    gguf = tmp_path / "pkg" / "SmolLM2-135M-Instruct.Q4_1.gguf"
    gguf.parent.mkdir()
    gguf.write_bytes(b"not a gguf file")
    cache = tmp_path / "models" / _loader.BUNDLED_NAME
    cache.mkdir(parents=True)
    (cache / "config.json").write_text("{}")
    (cache / "model.safetensors").write_bytes(b"\0" * 10)
    manifest = {"signature": _loader._source_signature(gguf), "files": {"config.json": 2, "model.safetensors": 999}}
    (cache / _loader._MANIFEST).write_text(json.dumps(manifest))
    reason = _loader._check_cache(cache, _loader._source_signature(gguf))
    assert reason == "file model.safetensors is missing or truncated"
    monkeypatch.setattr(_loader, "bundled_gguf", lambda: gguf)
    monkeypatch.setenv("BCI_INPUT_MODEL_CACHE", str(tmp_path / "models"))
    notices: list[str] = []
    model = load_language_model(LanguageSettings(model="light", engine="transformers"), on_notice=notices.append)
    assert isinstance(model, WordFreqModel)
    assert "unusable" in notices[0] and "rebuilding" in notices[0]
    assert "Cannot convert the model" in notices[-1] and "word-frequency" in notices[-1]


@pytest.mark.llm
@pytest.mark.slow
def test_speller_accepts_the_bundled_models_phrase_suggestion(local_model: LocalModel) -> None:
    from bci_input._types import Intent, IntentKind, Modality
    from bci_input.document import Document
    from bci_input.speller import Speller

    doc = Document("Dear Sarah, thank you for ")
    sp = Speller(doc, local_model, "ssvep")
    phrases = [t.value for t in sp.layout.targets if t.kind == "phrase" and t.value]
    assert phrases, "the bundled model proposes a phrase"
    sp.select("cmd:menu")
    assert sp.select("cmd:accept_suggestion") == ["accept_suggestion"]
    assert doc.text == f"Dear Sarah, thank you for {phrases[0]} "
    assert sp.layout.page == "main"
    sp.handle(Intent(IntentKind.UNDO, modality=Modality.EMG))  # one undo takes the whole phrase back
    assert doc.text == "Dear Sarah, thank you for "


@pytest.mark.llm
@pytest.mark.slow
def test_speller_offers_the_bundled_models_abbreviation_expansion(local_model: LocalModel) -> None:
    from bci_input.document import Document, InsertText
    from bci_input.speller import Speller

    doc = Document("Dear Sam, ")
    sp = Speller(doc, local_model, "ssvep")
    for ch in "tyvm":  # no English word starts with "tyvm": the letters are read as word initials
        sp.select(f"char:{ch}")
    slot = sp.layout.get("phrase:0")
    assert slot is not None and slot.kind == "abbrev" and slot.value.lower() == "thank you very much", slot
    lay = sp.layout
    assert lay.prior[lay.index("phrase:0")] > 1.0 / len(lay.targets)  # a confident expansion: a high prior
    assert sp.select("phrase:0") == ["expand_abbreviation"]
    assert doc.text == f"Dear Sam, {slot.value} "
    assert doc.undo() and doc.text == "Dear Sam, tyvm"
    doc.apply(InsertText("e"))  # a letter that no longer makes initials of a phrase the model likes is fine too
    assert sp.layout.get("phrase:0").kind in ("abbrev", "phrase")


@pytest.mark.llm
@pytest.mark.slow
def test_a_hugging_face_model_folder_loads_in_bf16(model_cache: Path, local_model: LocalModel) -> None:
    """``[language] model`` may name any Hugging Face model folder; the converted cache is one, in bf16 here."""
    import torch

    folder = model_cache / "SmolLM2-135M-Instruct"
    assert (folder / "config.json").is_file() and any(folder.glob("*.safetensors"))
    notices: list[str] = []
    model = load_language_model(LanguageSettings(model=str(folder), dtype="bf16", threads=1),
                                on_notice=notices.append)
    assert isinstance(model, LocalModel), notices
    assert model.name == "local:SmolLM2-135M-Instruct"
    assert next(model.model.parameters()).dtype == torch.bfloat16
    assert next(local_model.model.parameters()).dtype == torch.float32
    ctx = "Thank you very much for your "
    bf16 = [w for w, _ in model.complete_word(ctx, "he", k=5).value]
    fp32 = [w for w, _ in local_model.complete_word(ctx, "he", k=5).value]
    assert bf16[0] == fp32[0] == "help" and len(set(bf16) & set(fp32)) >= 3


@pytest.mark.llm
@pytest.mark.slow
def test_simulate_with_the_bundled_model_prints_no_warning(local_model: LocalModel, model_cache: Path) -> None:
    """The user-facing command prints its report and nothing on stderr: no deprecation, no warning, no bars."""
    import subprocess
    import sys

    env = dict(os.environ, BCI_INPUT_MODEL_CACHE=str(model_cache), PYTHONWARNINGS="default")
    command = ["simulate", "--paradigm", "ssvep", "--text", "hello", "--lm", "bundled"]
    proc = subprocess.run(
        [sys.executable, "-m", "bci_input.cli", *command],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    assert "chars/min" in proc.stdout
    assert proc.stderr == "", proc.stderr
