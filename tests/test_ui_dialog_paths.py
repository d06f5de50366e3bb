"""No dialog in the app lacks an intent path.

The source of ``ui/`` is scanned for every ``exec()`` call, every ``QMessageBox``/``QInputDialog``/``QFileDialog``
use and every construction of a ``...Dialog``. Each use found must either be an event loop (listed below with the
reason) or have a driver here that opens it as the app does and closes it by intents alone, under a guard that
fails on any mouse/key event or unhosted modal window. A new dialog without a driver fails this test.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

import bci_input.ui as ui_pkg
import pytest
from _intents import HandsFreeGuard, menu
from bci_input.ui._app import AppOptions, build_app

UI_DIR = Path(ui_pkg.__file__).parent
_MODAL_CLASSES = ("QMessageBox", "QInputDialog", "QFileDialog")

#: ``exec()`` calls that run an event loop, not a dialog: (file, function, call) -> why that is fine.
EVENT_LOOPS = {
    ("_app.py", "run_app", "app.exec()"): "the app's own event loop",
    ("_scope_process.py", "_scope_main", "app.exec()"): "the scope window's event loop, in its own process",
    ("_bench_flicker.py", "measure", "loop0.exec()"): "the flicker benchmark's warm-up loop (a CLI tool, no window)",
    ("_bench_flicker.py", "measure", "loop.exec()"): "the flicker benchmark's loop (a CLI tool, no window)",
}


def scan_source(source: str, filename: str) -> list[tuple[str, str, str]]:
    """Return ``(file, enclosing function, what)`` for each dialog-like use in ``source``."""
    tree = ast.parse(source)
    found: list[tuple[str, str, str]] = []

    def visit(node: ast.AST, func: str) -> None:
        for child in ast.iter_child_nodes(node):
            name = child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else func
            if isinstance(child, ast.Call):
                f = child.func
                if isinstance(f, ast.Attribute) and f.attr == "exec":
                    found.append((filename, func, f"{ast.unparse(f.value)}.exec()"))
                callee = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
                if callee.endswith("Dialog") and callee not in _MODAL_CLASSES:
                    found.append((filename, func, f"{callee}()"))
            if isinstance(child, ast.Name) and child.id in _MODAL_CLASSES:
                found.append((filename, func, child.id))
            if isinstance(child, ast.ImportFrom):
                found.extend((filename, func, a.name) for a in child.names if a.name in _MODAL_CLASSES)
            visit(child, name)

    visit(tree, "<module>")
    return sorted(set(found))


def _drive_shell_dialog(opener: str) -> Callable[..., None]:
    def drive(qtbot) -> None:
        window, ctrl = build_app(AppOptions(board="none", lm="none"))
        qtbot.addWidget(window)
        window.show()
        guard = HandsFreeGuard(ctrl).install()
        try:
            dlg = getattr(ctrl.shell, opener)()  # what the caregiver's menu item does
            assert dlg.isVisible() and ctrl.dialogs.open_dialogs == [dlg]
            menu(qtbot, ctrl, "close_dialog")
            assert not dlg.isVisible() and ctrl.dialogs.open_dialogs == []
            assert "cmd:close_dialog" not in [t.id for t in ctrl.speller.layout.targets]
            assert guard.seen == [] and guard.modals == []
        finally:
            guard.remove()
            window.close()

    return drive


#: Every dialog use in ui/ and how it is answered by intents.
DRIVERS: dict[tuple[str, str, str], Callable[..., None]] = {
    ("_app.py", "open_setup", "SessionSetupDialog()"): _drive_shell_dialog("open_setup"),
    ("_app.py", "open_prefs", "AccessibilityDialog()"): _drive_shell_dialog("open_prefs"),
}


def _uses() -> list[tuple[str, str, str]]:
    out = []
    for path in sorted(UI_DIR.glob("*.py")):
        out += scan_source(path.read_text(encoding="utf-8"), path.name)
    return out


def test_the_scanner_finds_modal_dialogs() -> None:
    blocking = '''
def _offer_recovery(window):
    from PyQt6.QtWidgets import QMessageBox
    answer = QMessageBox.question(window, "Recover text?", "...")

class Shell:
    def open_setup(self):
        dlg = SessionSetupDialog(self.settings)
        if dlg.exec():
            pass
'''
    assert scan_source(blocking, "x.py") == [
        ("x.py", "_offer_recovery", "QMessageBox"),
        ("x.py", "open_setup", "SessionSetupDialog()"),
        ("x.py", "open_setup", "dlg.exec()"),
    ]


def test_every_dialog_use_in_ui_is_an_event_loop_or_has_an_intent_path() -> None:
    uses = _uses()
    assert uses, "the scan found nothing: is it reading ui/?"
    unexplained = [u for u in uses if u not in DRIVERS and u not in EVENT_LOOPS]
    assert unexplained == [], f"dialog uses without an intent path (add one and a driver here): {unexplained}"
    assert set(DRIVERS) <= set(uses), f"stale drivers: {set(DRIVERS) - set(uses)}"


@pytest.mark.parametrize("use", sorted(DRIVERS), ids=lambda u: f"{u[0]}:{u[1]}")
def test_each_dialog_is_closed_by_intents(qtbot, use) -> None:
    DRIVERS[use](qtbot)
