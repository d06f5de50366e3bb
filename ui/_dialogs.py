"""Session setup and accessibility dialogs (for the clinician or caregiver, used with a mouse)."""

from __future__ import annotations

from PyQt6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from bci_input._errors import BciInputError
from bci_input.settings import Settings, merge_settings, settings_from_dict, settings_to_dict

__all__ = ["SessionSetupDialog", "AccessibilityDialog", "available_boards"]


def available_boards() -> list[str]:
    """Return the board choices: simulated, synthetic, none, then every BrainFlow board."""
    names = ["synthetic", "simulated", "none"]
    try:
        from bci_input.hardware import board_names

        names += sorted(n for n in board_names() if n not in names)
    except Exception:  # BrainFlow missing: the simulated choices still work
        pass
    return names


def _combo(items: list[str], current: str, editable: bool = False) -> QComboBox:
    box = QComboBox()
    box.setEditable(editable)
    box.addItems(items)
    if current not in items:
        box.addItem(current)
    box.setCurrentText(current)
    return box


class SessionSetupDialog(QDialog):
    """Board and connection parameters, paradigm, profile and language-model backend.

    Parameters
    ----------
    settings : Settings
        The current settings (the dialog's initial values).
    profile : str
        The current profile.
    parent : QWidget | None
        Parent widget.
    """

    def __init__(self, settings: Settings, profile: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Session setup")
        self.setMinimumWidth(460)
        self.base = settings
        acq, lang = settings.acquisition, settings.language
        self.board = _combo(available_boards(), acq.board, editable=True)
        self.serial_port = QLineEdit(acq.serial_port)
        self.serial_port.setPlaceholderText("/dev/ttyUSB0 or COM3")
        self.mac_address = QLineEdit(acq.mac_address)
        self.ip_address = QLineEdit(acq.ip_address)
        self.ip_port = QSpinBox()
        self.ip_port.setRange(0, 65535)
        self.ip_port.setValue(acq.ip_port)
        self.serial_number = QLineEdit(acq.serial_number)
        self.paradigm = _combo(["ssvep", "p300", "scan"], settings.speller.paradigm)
        try:
            from bci_input.calibration import list_profiles

            profiles = list(list_profiles())
        except (BciInputError, OSError):
            profiles = []
        self.profile = _combo(sorted({"default", *profiles}), profile, editable=True)
        self.backend = _combo(["local", "http", "wordfreq", "none"], lang.backend)
        self.endpoint = QLineEdit(lang.endpoint_url)
        self.endpoint.setPlaceholderText("http://127.0.0.1:8080/v1 (only for the http backend)")
        self.api_key_env = QLineEdit(lang.api_key_env)
        self.api_key_env.setPlaceholderText("name of the environment variable holding the key")
        self.error = QLabel("")
        self.error.setStyleSheet("color: #ef5350;")
        self.error.setWordWrap(True)
        form = QFormLayout()
        for label, w in (("Board", self.board), ("Serial port", self.serial_port), ("MAC address", self.mac_address),
                         ("IP address", self.ip_address), ("IP port", self.ip_port),
                         ("Serial number", self.serial_number), ("Paradigm", self.paradigm),
                         ("Profile", self.profile), ("Language model", self.backend),
                         ("Endpoint URL", self.endpoint), ("API key variable", self.api_key_env)):
            form.addRow(label, w)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.error)
        lay.addWidget(buttons)
        self.result_settings: Settings | None = None

    def values(self) -> tuple[Settings, str]:
        """Return the validated settings and profile name.

        Raises
        ------
        BciInputError
            If a value is invalid (the message says which and what is allowed).
        """
        data = settings_to_dict(self.base)
        data["acquisition"].update(
            board=self.board.currentText().strip(), serial_port=self.serial_port.text().strip(),
            mac_address=self.mac_address.text().strip(), ip_address=self.ip_address.text().strip(),
            ip_port=int(self.ip_port.value()), serial_number=self.serial_number.text().strip(),
        )
        data["speller"]["paradigm"] = self.paradigm.currentText()
        data["language"].update(backend=self.backend.currentText(), endpoint_url=self.endpoint.text().strip(),
                                api_key_env=self.api_key_env.text().strip())
        settings = settings_from_dict(data)
        from bci_input.calibration import profile_settings_path

        profile = self.profile.currentText().strip()
        profile_settings_path(profile)  # validates the name
        return settings, profile

    def accept(self) -> None:
        """Close only if the values are valid; otherwise say what is wrong."""
        try:
            self.result_settings, self.result_profile = self.values()
        except BciInputError as exc:
            self.error.setText(str(exc))
            return
        super().accept()


class AccessibilityDialog(QDialog):
    """Font and target size, contrast, flicker colours, scan speed, dwell time and switch preset.

    It edits the keys of :data:`bci_input.settings.PROFILE_KEYS` of ``settings``; ``result_settings`` is the
    whole validated settings object after OK.
    """

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Accessibility")
        self.base = settings
        prefs, speller = settings.ui, settings.speller
        self.font_size = QSpinBox()
        self.font_size.setRange(12, 72)
        self.font_size.setValue(prefs.font_size)
        self.target_size = QSpinBox()
        self.target_size.setRange(48, 300)
        self.target_size.setValue(prefs.target_size)
        self.high_contrast = QCheckBox("black background, white text, yellow highlight")
        self.high_contrast.setChecked(prefs.high_contrast)
        self.flicker_color = QLineEdit(prefs.flicker_color)
        self.background_color = QLineEdit(prefs.background_color)
        self.scan_step = QDoubleSpinBox()
        self.scan_step.setRange(0.3, 5.0)
        self.scan_step.setSingleStep(0.1)
        self.scan_step.setSuffix(" s")
        self.scan_step.setValue(speller.scan_step_s)
        self.dwell = QDoubleSpinBox()
        self.dwell.setRange(0.0, 5.0)
        self.dwell.setSingleStep(0.1)
        self.dwell.setSuffix(" s")
        self.dwell.setValue(speller.dwell_s)
        self.switch_preset = _combo(["one-switch", "two-switch"], speller.switch_preset)
        self.error = QLabel("")
        self.error.setStyleSheet("color: #ef5350;")
        form = QFormLayout()
        for label, w in (("Text size (pt)", self.font_size), ("Target size (px)", self.target_size),
                         ("High contrast", self.high_contrast), ("Flicker colour", self.flicker_color),
                         ("Background colour", self.background_color), ("Scan step", self.scan_step),
                         ("Dwell after a selection", self.dwell), ("Switch preset", self.switch_preset)):
            form.addRow(label, w)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.error)
        lay.addWidget(buttons)
        self.result_settings: Settings | None = None

    def values(self) -> Settings:
        """Return the validated settings (raises :class:`ConfigError` on a bad colour)."""
        return merge_settings(self.base, {
            "ui": {"font_size": self.font_size.value(), "target_size": self.target_size.value(),
                   "high_contrast": self.high_contrast.isChecked(),
                   "flicker_color": self.flicker_color.text().strip(),
                   "background_color": self.background_color.text().strip()},
            "speller": {"scan_step_s": round(self.scan_step.value(), 2), "dwell_s": round(self.dwell.value(), 2),
                        "switch_preset": self.switch_preset.currentText()},
        })

    def accept(self) -> None:
        """Close only if the values are valid."""
        try:
            self.result_settings = self.values()
        except BciInputError as exc:
            self.error.setText(str(exc))
            return
        super().accept()


