"""Every setting the README documents changes what the program does, and a test shows it.

``test_every_readme_setting_has_a_behaviour_test`` reads the README's settings block and checks that each key
names a test (here or elsewhere) that exists; the other tests here cover the settings no other test did.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import numpy as np
import pytest

from bci_input._types import Intent, IntentKind, Modality
from bci_input.engine import Engine, EngineCallbacks, EngineConfig
from bci_input.settings import Settings, merge_settings
from bci_input.simulation import SimulatedParticipant
from bci_input.speller import Layout, Target, jfpm_code

ROOT = Path(__file__).resolve().parents[1]

_LSL_NAMES = "test_hardware_lsl.py::test_lsl_marker_name_setting_picks_a_differently_named_marker_stream"
#: ``section.key`` -> the test that shows the setting changes behaviour (``file::name``).
BEHAVIOUR_TESTS: dict[str, str] = {
    "acquisition.board": "test_cli_hardware.py::"
                         "test_config_file_is_validated_for_every_command_and_feeds_board_options",
    "acquisition.serial_port": "test_profile_settings.py::test_flags_override_settings_in_one_place",
    "acquisition.line_freq": "test_live_chain.py::test_the_app_builds_its_chain_from_the_settings_line_freq",
    "acquisition.playback_file": "test_ui_session_profile.py::"
                                 "test_headset_session_uses_the_profiles_emg_switch_and_recommended_settings",
    "acquisition.lsl_stream_name": _LSL_NAMES,
    "acquisition.lsl_marker_name": _LSL_NAMES,
    "acquisition.lsl_outlet": "test_hardware_lsl.py::test_lsl_outlet_setting_publishes_the_live_synthetic_board",
    "acquisition.lsl_outlet_name": "test_hardware_lsl.py::test_lsl_outlet_setting_publishes_the_live_synthetic_board",
    "acquisition.lsl_scope": "test_lsl_scope.py::test_default_stream_is_announced_on_this_computer_only",
    "language.backend": "test_language_http.py::test_http_backend_end_to_end",
    "language.model": "test_language_llm.py::test_missing_model_degrades_to_fallback",
    "language.rewrite_model": "test_language_llama.py::test_the_default_set_up_rewrites_with_the_larger_model",
    "language.engine": "test_language_llama.py::test_engine_setting_picks_the_engine",
    "language.dtype": "test_language_llm.py::test_a_hugging_face_model_folder_loads_in_bf16",
    "language.endpoint_url": "test_language_http.py::test_http_backend_end_to_end",
    "language.api_key_env": "test_language_http.py::test_wrong_api_key_degrades_with_notice",
    "language.timeout_s": "test_language_http_sizing.py::"
                          "test_a_server_that_stops_answering_is_noticed_with_the_floor_then_announced_back",
    "language.allow_insecure_http": "test_privacy_choices.py::test_plain_http_to_another_computer_needs_the_opt_in",
    "speller.paradigm": "test_readme_settings.py::test_paradigm_setting_picks_the_keyboard",
    "speller.switch_preset": "test_readme_settings.py::test_scan_settings_set_the_step_and_the_preset",
    "speller.stopping_threshold": "test_readme_settings.py::test_stopping_threshold_setting_decides_earlier_or_later",
    "speller.scan_step_s": "test_readme_settings.py::test_scan_settings_set_the_step_and_the_preset",
    "speller.dwell_s": "test_readme_settings.py::test_dwell_setting_holds_the_selection_and_the_next_trial",
    "speller.confirm": "test_ui_app.py::test_confirm_setting_makes_eeg_selections_wait_for_an_emg_clench",
    "ui.font_size": "test_ui_dialogs.py::test_accessibility_dialog_persists_per_profile",
    "ui.target_size": "test_readme_settings.py::test_target_size_caps_the_target_height",
    "ui.high_contrast": "test_ui_dialogs.py::test_accessibility_dialog_persists_per_profile",
    "ui.flicker_color": "test_ui_dialogs.py::test_accessibility_dialog_persists_per_profile",
    "ui.background_color": "test_readme_settings.py::test_background_colour_is_the_dark_phase_of_every_target",
    "ui.show_scope": "test_readme_settings.py::test_show_scope_opens_the_scope_with_the_app",
}


def _readme_settings() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Configuration"):]
    block = re.search(r"```toml\n(.*?)```", section, re.S)
    assert block is not None
    data = tomllib.loads(block.group(1))
    return [f"{sec}.{key}" for sec, keys in data.items() for key in keys]


def test_every_readme_setting_has_a_behaviour_test() -> None:
    documented = _readme_settings()
    assert len(documented) >= 20 and "ui.show_scope" in documented
    missing = [k for k in documented if k not in BEHAVIOUR_TESTS]
    assert not missing, f"README settings without a behaviour test: {missing}"
    for key, where in BEHAVIOUR_TESTS.items():
        file, name = where.split("::")
        assert re.search(rf"^def {name}\(", (ROOT / "tests" / file).read_text(encoding="utf-8"), re.M), (key, where)
    Settings().validate()  # every documented key is a real setting
    for key in documented:
        sec, name = key.split(".")
        assert hasattr(getattr(Settings(), sec), name), key


def _speller(**values: object) -> Settings:
    return merge_settings(Settings(), {"speller": dict(values)})


def _layout(n: int = 4, paradigm: str = "ssvep", groups: tuple | None = None) -> Layout:
    targets = tuple(Target(f"t{i}", str(i), "char", str(i), *jfpm_code(i * 10 if n <= 4 else i)) for i in range(n))
    return Layout(paradigm, targets, np.ones(n), groups=groups)


class _FixedLikelihood:
    """Every window favours target 1: posterior 0.4 against 0.2 for each other target."""

    classes_ = np.arange(4)

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        return np.tile([0.2, 0.4, 0.2, 0.2], (len(X), 1))


def test_stopping_threshold_setting_decides_earlier_or_later() -> None:
    def window_of_first_selection(threshold: float, forced: bool = False) -> float | None:
        part = SimulatedParticipant(seed=12)
        intents: list[Intent] = []
        cfg = EngineConfig.from_settings(_speller(stopping_threshold=threshold, max_window_s=3.0).speller,
                                         forced_decision=forced)
        eng = Engine(part, _FixedLikelihood(), "ssvep", EngineCallbacks(intents.append, part.on_stimulus),
                     config=cfg, eeg_picks=part.eeg_picks)
        eng.set_layout(_layout())
        while not intents and part.now < 20:
            eng.feed(part.read())
        if not intents:
            return None
        assert intents[0].payload == "t1"
        return float(intents[0].extra["window_s"])

    assert window_of_first_selection(0.35) == pytest.approx(0.5)  # 0.4 passes at the first window
    assert window_of_first_selection(0.9) is None  # never passes: no selection (the no-control state)
    assert window_of_first_selection(0.9, forced=True) == pytest.approx(3.0)  # forced: the longest window


def test_scan_settings_set_the_step_and_the_preset() -> None:
    def highlight_times(step: float) -> np.ndarray:
        part = SimulatedParticipant(seed=14)
        events: list[dict] = []
        cfg = EngineConfig.from_settings(_speller(scan_step_s=step).speller)
        eng = Engine(part, None, "scan", EngineCallbacks(on_stimulus=events.append), config=cfg)
        eng.set_layout(_layout(paradigm="scan", groups=((0, 1), (2,), (3,))))
        while part.now < 4.0:
            eng.feed(part.read())
        return np.array([e["t"] for e in events if e["type"] == "highlight"])

    np.testing.assert_allclose(np.diff(highlight_times(0.5)[:5]), 0.5, atol=0.13)
    np.testing.assert_allclose(np.diff(highlight_times(1.5)[:3]), 1.5, atol=0.13)
    assert EngineConfig.from_settings(_speller(switch_preset="two-switch").speller).switch_preset == "two-switch"
    # Two-switch scanning steps with switch 0 and selects with switch 1 (test_closed_loop writes a text that way).


def test_paradigm_setting_picks_the_keyboard(qtbot) -> None:
    from bci_input.ui import AppOptions, build_app

    for paradigm in ("ssvep", "p300", "scan"):
        window, ctrl = build_app(AppOptions(board="none", lm="none", settings=_speller(paradigm=paradigm)))
        qtbot.addWidget(window)
        expected = {"ssvep": window.flicker, "p300": window.p300, "scan": window.scan}[paradigm]
        assert ctrl.paradigm == paradigm and window.keyboard is expected
        window.close()


def test_dwell_setting_holds_the_selection_and_the_next_trial(qtbot) -> None:
    from bci_input.ui import AppOptions, build_app
    from bci_input.ui._session import _engine_config

    for dwell in (0.0, 2.0):
        settings = _speller(dwell_s=dwell)
        window, ctrl = build_app(AppOptions(board="none", lm="none", mode="ssvep", settings=settings))
        qtbot.addWidget(window)
        target = next(t for t in ctrl.speller.layout.targets if t.kind == "char")
        ctrl.handle_intent(Intent(IntentKind.SELECT, target.id, confidence=0.95, modality=Modality.SSVEP))
        assert window.keyboard.selected_id == target.id
        assert ctrl._dwell.interval() == (int(dwell * 1000) or 1)  # how long the selection stays shown
        assert _engine_config(settings).gaze_s == max(0.3, dwell)  # the engine's pause before the next trial
        window.close()


def test_target_size_caps_the_target_height(qtbot) -> None:
    from bci_input.ui._keyboards import ScanKeyboard

    from bci_input.settings import UiSettings

    heights = {}
    for size in (48, 120):
        kb = ScanKeyboard(UiSettings(target_size=size))
        qtbot.addWidget(kb)
        kb.resize(1000, 1600)
        kb.show()
        kb.set_targets(list(_layout(12, "scan").targets))
        heights[size] = kb.rect_of("t0").height()
    assert heights[48] == pytest.approx(48 * 1.6) and heights[120] == pytest.approx(120 * 1.6)


def test_background_colour_is_the_dark_phase_of_every_target(qtbot) -> None:
    from bci_input.ui._flicker import FlickerGrid

    from bci_input.settings import UiSettings

    grid = FlickerGrid(UiSettings(background_color="#203040", flicker_color="#ffffff"))
    qtbot.addWidget(grid)
    grid.resize(800, 500)
    grid.show()
    targets = list(_layout(8).targets)
    grid.set_targets(targets)
    grid._present(0, 0.0)
    dark = int(np.argmin(grid.luminances()))
    assert grid.luminances()[dark] < 0.05
    r = grid.rect_of(targets[dark].id)
    pixel = grid.grab().toImage().pixelColor(int(r.left()) + 6, int(r.top()) + 6)
    assert abs(pixel.red() - 0x20) <= 12 and abs(pixel.green() - 0x30) <= 12 and abs(pixel.blue() - 0x40) <= 12


def test_show_scope_opens_the_scope_with_the_app(qtbot) -> None:
    from bci_input.ui import AppOptions, build_app
    from bci_input.ui._app import start_session

    for show in (False, True):
        settings = merge_settings(Settings(), {"ui": {"show_scope": show}})
        window, ctrl = build_app(AppOptions(board="none", lm="none", settings=settings))
        qtbot.addWidget(window)
        start_session(window, ctrl)
        assert window.scope_action.isChecked() is show and (ctrl.shell.scope is not None) is show
        window.close()
        assert ctrl.shell.scope is None
