"""No import circles: no module imports, at any level (top-level or inside a function), a module that imports it back.

The graph is read from the source files with ``ast``, so it sees every import statement, also those that run
only when a function is called. A package stands for its ``__init__``; ``from pkg import name`` is an edge to
the submodule ``pkg.name`` when there is one, and to the package otherwise.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = {"bci_input": ROOT / "bci_input", "bci_input.hardware": ROOT / "hardware", "bci_input.ui": ROOT / "ui"}


def _modules() -> dict[str, tuple[Path, bool]]:
    """Return every module of the project: dotted name -> (file, is_package)."""
    out = {}
    for prefix, folder in FOLDERS.items():
        for path in folder.rglob("*.py"):
            rel = path.relative_to(folder).with_suffix("")
            parts = list(rel.parts)
            if "__pycache__" in parts:
                continue
            if prefix == "bci_input" and parts[0] in ("hardware", "ui"):
                continue
            is_pkg = parts[-1] == "__init__"
            if is_pkg:
                parts = parts[:-1]
            out[".".join([prefix, *parts])] = (path, is_pkg)
    return out


def _imports(name: str, path: Path, is_pkg: bool, known: set[str]) -> set[str]:
    """Return the project modules that module ``name`` imports anywhere in its body."""
    package = name if is_pkg else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in known)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                if sub in known:
                    found.add(sub)
                elif target in known:
                    found.add(target)
    found.discard(name)
    return found


def import_graph() -> dict[str, set[str]]:
    """Return the project's import graph: module -> the project modules it imports."""
    mods = _modules()
    known = set(mods)
    return {name: _imports(name, path, is_pkg, known) for name, (path, is_pkg) in mods.items()}


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Return the strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    m = stack.pop()
                    on_stack.discard(m)
                    comp.append(m)
                    if m == node:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return out


def test_the_graph_sees_function_level_imports():
    # _calib_sim imports the decoding package only inside calibrate_p300 and calibrate_switches
    assert "bci_input.decoding" in import_graph()["bci_input.simulation._calib_sim"]


def test_the_circle_finder_finds_a_circle():
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_circles():
    circles = _circles(import_graph())
    assert not circles, "import circles (cut each at its natural seam):\n" + "\n".join(
        " <-> ".join(c) for c in circles
    )
