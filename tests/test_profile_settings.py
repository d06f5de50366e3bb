"""One settings object: the per-profile settings file, the migration of old preference files, the order of layers."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from bci_input._cli._common import cli_settings
from bci_input._errors import ConfigError, ProfileError
from bci_input._types import StreamInfo
from bci_input.calibration import (
    Profile,
    load_profile_settings,
    profile_settings_path,
    profiles_dir,
    resolve_settings,
    save_profile,
    save_profile_settings,
)
from bci_input.cli import build_parser
from bci_input.settings import Settings, load_settings, merge_settings, user_data_dir

#: An accessibility file as the earlier versions wrote it (every key away from its default).
OLD_PREFS = {"font_size": 40, "target_size": 120, "high_contrast": True, "flicker_color": "#ffee00",
             "background_color": "#000000", "scan_step_s": 1.5, "dwell_s": 0.4, "switch_preset": "two-switch"}


def _old_prefs_file(profile: str, data: dict) -> Path:
    path = user_data_dir() / "ui_prefs" / f"{profile}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return path


def _calibration_profile(name: str, ui: dict) -> Path:
    info = StreamInfo(("O1", "O2", "Oz"), ("eeg", "eeg", "eeg"), 250.0)
    p = Profile.new(name, info, board="cyton")
    p.set_paradigm("emg", settings={}, thresholds={"on_uv": 41.5, "off_uv": 20.0}, n_trials=10)
    folder = save_profile(p)
    path = folder / "profile.json"
    meta = json.loads(path.read_text(encoding="utf-8"))
    meta["ui"] = ui  # what an earlier version stored there
    path.write_text(json.dumps(meta), encoding="utf-8")
    return path


def test_old_accessibility_file_is_migrated_and_kept_aside() -> None:
    old = _old_prefs_file("alice", OLD_PREFS)
    settings = resolve_settings(None, "alice")
    ui, sp = settings.ui, settings.speller
    assert (ui.font_size, ui.target_size, ui.high_contrast, ui.flicker_color, ui.background_color) == (
        40, 120, True, "#ffee00", "#000000")
    assert (sp.scan_step_s, sp.dwell_s, sp.switch_preset) == (1.5, 0.4, "two-switch")
    new = profile_settings_path("alice")
    assert new.is_file() and not old.exists() and old.with_name("alice.json.migrated").is_file()
    assert load_settings(new).ui.font_size == 40  # the new file is an ordinary settings file
    assert resolve_settings(None, "alice") == settings  # read again from the new file
    assert resolve_settings(None, "bob") == Settings()


def test_calibration_profile_ui_is_migrated_and_the_accessibility_file_wins() -> None:
    _calibration_profile("carol", {"font_size": 30, "high_contrast": True, "theme": "dark"})
    assert resolve_settings(None, "carol").ui.font_size == 30
    assert resolve_settings(None, "carol").ui.high_contrast is True
    _calibration_profile("dave", {"font_size": 30, "target_size": 200})
    _old_prefs_file("dave", {"font_size": 50})
    settings = resolve_settings(None, "dave")
    assert (settings.ui.font_size, settings.ui.target_size) == (50, 200)
    assert load_profile_settings("dave") == {
        "ui": {"font_size": 50, "target_size": 200, "high_contrast": False, "flicker_color": "#ffffff",
               "background_color": "#15191f"},
        "speller": {"scan_step_s": 1.0, "dwell_s": 0.8, "switch_preset": "one-switch"}}
    # New profiles keep "ui" empty: nothing is stored there any more.
    info = StreamInfo(("O1",), ("eeg",), 250.0)
    assert Profile.new("erin", info).meta["ui"] == {}


def test_layers_apply_in_order(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[ui]\nfont_size = 20\nhigh_contrast = true\n[speller]\ndwell_s = 0.5\n', encoding="utf-8")
    assert resolve_settings(config, "alice").ui.font_size == 20  # no profile file: the config file
    save_profile_settings("alice", merge_settings(Settings(), {"ui": {"font_size": 44}}))
    settings = resolve_settings(config, "alice", {"ui": {"show_scope": True}})
    # The profile file stores every profile key: it wins over the config file for them.
    assert (settings.ui.font_size, settings.ui.high_contrast, settings.speller.dwell_s) == (44, False, 0.8)
    assert settings.ui.show_scope is True
    assert resolve_settings(config, "alice", {"ui": {"font_size": 12}}).ui.font_size == 12


def test_flags_override_settings_in_one_place(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[acquisition]\nboard = "cyton"\nserial_port = "/dev/ttyUSB0"\n[speller]\nparadigm = "p300"\n',
                      encoding="utf-8")
    parser = build_parser()
    s = cli_settings(parser.parse_args(["--config", str(config), "app"]))
    assert (s.acquisition.board, s.acquisition.serial_port, s.speller.paradigm, s.ui.show_scope) == (
        "cyton", "/dev/ttyUSB0", "p300", False)
    s = cli_settings(parser.parse_args(["--config", str(config), "app", "--board", "ganglion", "--serial-port",
                                        "/dev/ttyACM0", "--mode", "scan", "--scope"]))
    assert (s.acquisition.board, s.acquisition.serial_port, s.speller.paradigm, s.ui.show_scope) == (
        "ganglion", "/dev/ttyACM0", "scan", True)
    # demo's own --board names the simulation, not the headset: the settings keep theirs.
    s = cli_settings(parser.parse_args(["--config", str(config), "demo", "--board", "simulated"]))
    assert s.acquisition.board == "cyton"


def test_bad_profile_files_are_refused_with_the_key() -> None:
    path = profile_settings_path("alice")
    path.parent.mkdir(parents=True)
    path.write_text('[ui]\nfont_size = "big"\n', encoding="utf-8")
    with pytest.raises(ProfileError, match="ui.font_size"):
        resolve_settings(None, "alice")
    path.write_text('[ui]\nflicker_color = "red"\n', encoding="utf-8")
    with pytest.raises(ProfileError, match="colour"):
        resolve_settings(None, "alice")
    _old_prefs_file("bob", {"font_size": 4})
    with pytest.raises(ProfileError, match="font_size"):
        resolve_settings(None, "bob")
    _old_prefs_file("carol", {}).write_text("{not json", encoding="utf-8")
    with pytest.raises(ProfileError, match="not valid JSON"):
        resolve_settings(None, "carol")
    with pytest.raises(ProfileError):
        profile_settings_path("../etc")
    with pytest.raises(ConfigError, match="font_size"):
        merge_settings(Settings(), {"ui": {"font_size": 4}})
    assert not (profiles_dir() / "alice").exists()


def test_a_retired_key_still_loads_with_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[speller]\nn_suggestions = 5\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        assert load_settings(config) == Settings()
    assert "speller.n_suggestions is no longer used" in caplog.text
