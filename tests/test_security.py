"""Static guarantees: no unsafe deserialisation anywhere in the shipped code."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = [ROOT / "bci_input", ROOT / "hardware", ROOT / "ui"]
UNSAFE = re.compile(
    r"^\s*(import|from)\s+(pickle|cPickle|joblib|dill|cloudpickle|shelve|marshal)\b"
    r"|allow_pickle\s*=\s*True"
    r"|torch\.load\("
    r"|\byaml\.load\("
    r"|(?<![\w.])(eval|exec)\(",  # the builtins; model.eval() and QDialog.exec() are not them
    re.MULTILINE,
)


def _python_files():
    for folder in SHIPPED:
        yield from sorted(folder.rglob("*.py"))


def test_the_pattern_tells_builtins_from_methods():
    for bad in ["x = eval(text)", "exec(code)", "import pickle", "from joblib import load", "torch.load(f)"]:
        assert UNSAFE.search(bad), bad
    for ok in ["model.eval()", "if dlg.exec():", "evaluate(x)", "self.executor(x)"]:
        assert not UNSAFE.search(ok), ok


def test_no_unsafe_deserialisation_in_shipped_code():
    offenders = []
    for path in _python_files():
        for m in UNSAFE.finditer(path.read_text(encoding="utf-8")):
            line = path.read_text(encoding="utf-8")[: m.start()].count("\n") + 1
            offenders.append(f"{path.relative_to(ROOT)}:{line}: {m.group(0).strip()}")
    assert not offenders, "unsafe loading found:\n" + "\n".join(offenders)


def test_every_np_load_forbids_pickle():
    offenders = []
    for path in _python_files():
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"np\.load\(([^)]*)\)", text):
            if "allow_pickle=False" not in m.group(1):
                offenders.append(f"{path.relative_to(ROOT)}: {m.group(0)}")
    assert not offenders, "np.load without allow_pickle=False:\n" + "\n".join(offenders)


def test_the_guard_itself_catches_pickle(tmp_path):
    sample = "import pickle\nx = np.load(f, allow_pickle=True)\n"
    assert len(UNSAFE.findall(sample)) == 2
