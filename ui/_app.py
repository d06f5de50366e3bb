"""Start the desktop app: display check, QApplication, window, controller, optional screenshot."""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bci_input._errors import ConfigError, check_option

log = logging.getLogger(__name__)

__all__ = ["AppOptions", "has_display", "run_app", "build_app", "start_session"]

_NO_DISPLAY = (
    "No display found (DISPLAY and WAYLAND_DISPLAY are not set), so the desktop app cannot open. "
    "Run the headless live session with 'bci-input demo', or use --screenshot PATH to render offscreen."
)


def has_display(environ: dict[str, str] | None = None, platform: str | None = None) -> bool:
    """Return whether Qt can open a window (always true off Linux; offscreen/minimal count as a display)."""
    env = os.environ if environ is None else environ
    plat = sys.platform if platform is None else platform
    if not plat.startswith("linux"):
        return True
    if env.get("QT_QPA_PLATFORM", "").split(":")[0] in ("offscreen", "minimal", "vnc", "eglfs", "linuxfb"):
        return True
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))


@dataclass
class AppOptions:
    """What ``bci-input app`` was asked to do.

    ``settings`` are the session's settings (default: the defaults); the profile's stored settings apply over
    them (:func:`bci_input.calibration.with_profile_settings`), and ``board``, ``mode`` and ``scope``, when
    given, override ``acquisition.board``, ``speller.paradigm`` and ``ui.show_scope`` (the command line applies
    its flags to ``settings`` before, in :func:`bci_input._cli._common.cli_settings`).
    """

    board: str | None = None
    profile: str = "default"
    mode: str | None = None
    lm: str | None = None
    open_path: str | None = None
    screenshot: str | None = None
    quit_after: float | None = None
    developer: bool | None = None
    scope: bool = False
    settings: Any = None

    def resolved_settings(self) -> Any:
        """Return the settings of the session: ``settings``, then the profile's stored keys, then the overrides."""
        from bci_input.calibration import with_profile_settings
        from bci_input.settings import Settings, merge_settings

        settings = with_profile_settings(self.settings or Settings(), self.profile)
        overrides: dict[str, dict[str, Any]] = {}
        if self.board is not None:
            overrides["acquisition"] = {"board": self.board}
        if self.mode is not None:
            overrides["speller"] = {"paradigm": self.mode}
        if self.scope:
            overrides["ui"] = {"show_scope": True}
        return merge_settings(settings, overrides) if overrides else settings

    def validate(self) -> None:
        """Raise :class:`ConfigError` on an invalid combination."""
        if self.mode is not None:
            check_option("mode", self.mode, ("ssvep", "p300", "scan"))
        if self.lm is not None:
            from bci_input.language import LM_CHOICES

            check_option("lm", self.lm, LM_CHOICES)
        if self.quit_after is not None and self.quit_after <= 0:
            raise ConfigError(f"Invalid value for '--quit-after': {self.quit_after}. It must be positive seconds.")
        if self.screenshot and not str(self.screenshot).lower().endswith(".png"):
            raise ConfigError(f"Invalid value for '--screenshot': {self.screenshot}. Use a path ending in .png.")


def _qapp() -> Any:
    from PyQt6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
        app.setApplicationName("bci-input")
    return app


def build_app(opts: AppOptions) -> tuple[Any, Any]:
    """Create the window and its controller (the caller shows them and runs the event loop).

    Returns
    -------
    tuple
        ``(MainWindow, AppController)``.
    """
    from bci_input.settings import user_data_dir

    from ._controller import AppController
    from ._recovery import open_with_recovery, recoverable_texts
    from ._session import build_engine_factory, language_loader
    from ._window import MainWindow

    sys.setswitchinterval(0.0005)  # the GUI thread gets the GIL back quickly at each frame deadline
    settings = opts.resolved_settings()
    paradigm = settings.speller.paradigm
    docs = Path(settings.storage.documents_dir) if settings.storage.documents_dir else user_data_dir() / "documents"
    autosave_dir = user_data_dir() / "autosave"
    # Recovered text opens by itself and a line says where it came from; nothing modal waits for a mouse.
    found = [] if opts.screenshot else recoverable_texts(autosave_dir)
    document, offers = open_with_recovery(found, opts.open_path)
    for v, opened in offers:
        log.info("recovered text (%d characters, autosaved %s) %s", len(v.text), v.path,
                 "opened" if opened else "offered on the recovery line")
    # Everything that can refuse (bad board, missing calibration) is checked before a window exists.
    factory, participant, board_name = build_engine_factory(settings, settings.acquisition.board, paradigm,
                                                            opts.profile)
    window = MainWindow(settings, paradigm)
    controller = AppController(
        window, document=document, paradigm=paradigm, documents_dir=docs,
        autosave_dir=autosave_dir, settings=settings, engine_factory=factory, participant=participant,
        board_name=board_name, autosave_keep=settings.storage.autosave_versions, confirm=settings.speller.confirm,
        recovery=offers, open_path=opts.open_path,
    )
    loader, name, immediate = language_loader(settings, opts.lm)
    if immediate:
        controller.set_language_model(loader())
    else:
        controller.load_language_model_async(loader, name)
    developer = participant is not None if opts.developer is None else opts.developer
    window.dev_action.setChecked(developer)
    window.set_developer_hint(developer)
    for kb in window.keyboards():
        kb.interactive = developer
    controller.shell = AppShell(window, controller, settings, opts.profile)  # type: ignore[attr-defined]
    return window, controller


def start_session(window: Any, controller: Any) -> None:
    """Show the window, start the session and, with ``ui.show_scope``, open the signal scope."""
    window.show()
    controller.start()
    if window.settings.ui.show_scope:
        window.scope_action.setChecked(True)


class AppShell:
    """The caregiver's menu actions: session setup, accessibility, the scope window.

    Parameters
    ----------
    window : MainWindow
        The main window.
    controller : AppController
        The session controller.
    settings : Settings
        Current settings.
    profile : str
        Current profile (accessibility preferences are stored per profile).
    """

    def __init__(self, window: Any, controller: Any, settings: Any, profile: str) -> None:
        self.window, self.controller, self.settings, self.profile = window, controller, settings, profile
        self.scope: Any = None
        window.setup_requested.connect(self.open_setup)
        window.prefs_requested.connect(self.open_prefs)
        window.calibration_requested.connect(self.open_calibration)
        self.wizard: Any = None
        window.scope_toggled.connect(self.toggle_scope)
        window.closing.connect(self.close)

    def open_setup(self) -> Any:
        """Open the session setup dialog (never blocking; closable by an intent) and apply it when accepted."""
        from ._dialogs import SessionSetupDialog

        def accepted(dlg: Any) -> None:
            if dlg.result_settings is not None:
                self.apply_setup(dlg.result_settings, dlg.result_profile)

        return self.controller.show_dialog(SessionSetupDialog(self.settings, self.profile, self.window), accepted)

    def apply_setup(self, settings: Any, profile: str) -> None:
        """Rebuild the session for ``settings`` and ``profile`` (the profile's stored settings apply over them)."""
        from bci_input.calibration import with_profile_settings

        from ._session import build_engine_factory

        settings = with_profile_settings(settings, profile)
        self.profile = profile
        self.apply_settings(settings, save=False)
        paradigm = settings.speller.paradigm
        factory, participant, name = build_engine_factory(settings, settings.acquisition.board, paradigm, profile)
        self.controller.reconfigure(paradigm, factory, participant, name)

    def open_calibration(self) -> Any:
        """Open the calibration wizard on the current board; the session resumes with the new profile after."""
        from bci_input.calibration import participant_cue_handler

        from .calibration_wizard import CalibrationWizard

        board = self.settings.acquisition.board
        self.controller.reconfigure(self.controller.paradigm, None, None, board)  # free the device
        if board in ("simulated", "synthetic", "none"):
            from bci_input.simulation import SimulatedParticipant

            def factory() -> Any:
                return SimulatedParticipant(seed=0, realtime=True)

            on_cue = participant_cue_handler
        else:
            from bci_input.hardware import open_source

            def factory() -> Any:
                return open_source(self.settings.acquisition)

            on_cue = None
        self.wizard = CalibrationWizard(factory, board=board, on_cue=on_cue,
                                        line_freq=self.settings.acquisition.line_freq)
        self.wizard.finished.connect(lambda _result: self.apply_setup(self.settings, self.profile))
        self.wizard.show()
        return self.wizard

    def open_prefs(self) -> Any:
        """Open the accessibility dialog (never blocking; closable by an intent); store and apply it when accepted."""
        from ._dialogs import AccessibilityDialog

        def accepted(dlg: Any) -> None:
            if dlg.result_settings is not None:
                self.apply_settings(dlg.result_settings)

        return self.controller.show_dialog(AccessibilityDialog(self.settings, self.window), accepted)

    def apply_settings(self, settings: Any, save: bool = True) -> None:
        """Apply new settings to the window and the controller; ``save`` stores the profile's keys first."""
        from bci_input.calibration import save_profile_settings

        if save:
            save_profile_settings(self.profile, settings)
        old = self.settings.speller
        self.settings = self.controller.settings = settings
        self.window.apply_settings(settings)
        timing = ("scan_step_s", "switch_preset", "dwell_s")
        changed = any(getattr(old, k) != getattr(settings.speller, k) for k in timing)
        if save and changed and self.controller.engine is not None:
            self.apply_setup(settings, self.profile)  # the engine's timing comes from these

    def toggle_scope(self, on: bool) -> None:
        """Open or close the scope (its own window, in its own process: it cannot delay a flicker frame)."""
        from ._scope_process import ScopeProcess

        if on and self.scope is None:
            self.scope = ScopeProcess(self.controller.scope_provider, parent=self.window)
            self.scope.closed.connect(lambda: self.window.scope_action.setChecked(False))
        elif not on and self.scope is not None:
            self.close()

    def close(self) -> None:
        """Close the scope (and the calibration wizard) with the main window."""
        if self.wizard is not None:
            self.wizard.stop()
            self.wizard.close()
            self.wizard = None
        if self.scope is not None:
            scope, self.scope = self.scope, None
            scope.close()


def run_app(opts: AppOptions) -> int:
    """Run the app until its window closes (or ``quit_after`` seconds); return the exit code."""
    opts.validate()
    if opts.screenshot:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    elif not has_display():
        raise ConfigError(_NO_DISPLAY)
    from PyQt6.QtCore import QTimer

    app = _qapp()
    window, controller = build_app(opts)
    start_session(window, controller)
    if opts.quit_after is not None:
        def finish() -> None:
            if opts.screenshot:
                path = Path(opts.screenshot)
                path.parent.mkdir(parents=True, exist_ok=True)
                if not window.grab().save(str(path), "PNG"):
                    log.error("could not write the screenshot %s", path)
                else:
                    print(f"screenshot written to {path}")
            window.close()

        QTimer.singleShot(int(opts.quit_after * 1000), finish)
    app.exec()
    controller.shutdown()
    return 0
