"""Calibration wizard: setup, cues with progress and live signal quality, results, save profile.

A thin Qt view over :class:`bci_input.calibration.CalibrationSession`, which runs on its own
thread; its callbacks are turned into Qt signals (queued onto the GUI thread), so the GUI
thread only shows things. The same session code runs ``bci-input calibrate``.

For SSVEP and P300 the running page draws the stimuli the cues call for (flickering or flashing
targets, :class:`~bci_input.ui._calibration_stimulus.CalibrationStimulus`), so a live calibration on a
headset works here, while the command line (which has no screen to draw on) refuses it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PyQt6.QtCore import QObject, Qt, pyqtSignal
from PyQt6.QtGui import QColor, QFont
from PyQt6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from bci_input._errors import BciInputError
from bci_input._types import Source
from bci_input.calibration import (
    CALIBRATION_PARADIGMS,
    CalibrationResult,
    CalibrationSession,
    Cue,
    SessionCallbacks,
    build_report,
    get_spec,
    live_spec,
    open_or_create_profile,
    store_result,
)

from ._calibration_stimulus import CalibrationStimulus

__all__ = ["CalibrationWizard"]

_STATUS_COLORS = {"ok": "#2e7d32", "warn": "#f9a825", "bad": "#c62828"}


class _Bridge(QObject):
    """Signals emitted from the session's thread; Qt queues them onto the GUI thread."""

    cue = pyqtSignal(object)
    progress = pyqtSignal(str, float)
    quality = pyqtSignal(dict)
    result = pyqtSignal(object)
    error = pyqtSignal(str)


class CalibrationWizard(QWidget):
    """Three pages: setup, running (cue, progress, live quality), results (save profile, report).

    Parameters
    ----------
    source_factory : callable() -> Source
        Makes the source to calibrate with (a headset or a simulated participant).
    board : str
        Board name stored in the profile.
    on_cue : callable(Source, ParadigmSpec) -> callable(Cue) | None
        Optional extra cue handler factory (e.g. making a simulated participant follow the cues);
        called with the source and the protocol when a session starts.
    record_dir : Path | None
        Where sessions are recorded (``None``: not recorded).
    line_freq : float | None
        Mains frequency (``acquisition.line_freq``): SSVEP and P300 epochs are notched there, like the live
        chain (:func:`bci_input.calibration.live_spec`); ``None``: no notch.
    parent : QWidget | None
        Parent widget.
    """

    finished = pyqtSignal(object)  # CalibrationResult, once saved

    def __init__(self, source_factory: Callable[[], Source], *, board: str = "unknown",
                 on_cue: Callable[[Source, Any], Callable[[Cue], None]] | None = None,
                 record_dir: Path | None = None, line_freq: float | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("bci-input calibration")
        self.line_freq = line_freq
        self._source_factory = source_factory
        self._board = board
        self._cue_factory = on_cue
        self._record_dir = record_dir
        self.session: CalibrationSession | None = None
        self.result: CalibrationResult | None = None
        self._bridge = _Bridge()
        self._bridge.cue.connect(self._show_cue)
        self._bridge.progress.connect(self._show_progress)
        self._bridge.quality.connect(self._show_quality)
        self._bridge.result.connect(self._show_result)
        self._bridge.error.connect(self._show_error)
        self.pages = QStackedWidget()
        self.pages.addWidget(self._setup_page())
        self.pages.addWidget(self._run_page())
        self.pages.addWidget(self._result_page())
        lay = QVBoxLayout(self)
        lay.addWidget(self.pages)

    # ---- pages -----------------------------------------------------------------------------
    def _setup_page(self) -> QWidget:
        w = QWidget()
        form = QFormLayout(w)
        self.profile_edit = QLineEdit("patient-01")
        self.paradigm_combo = QComboBox()
        self.paradigm_combo.addItems(list(CALIBRATION_PARADIGMS))
        self.trials_spin = QSpinBox()
        self.trials_spin.setRange(1, 200)
        self.trials_spin.setValue(get_spec("ssvep").default_trials_per_class)
        self.other_check = QCheckBox("EMG armband: also record other movements (pattern switch)")
        self.other_check.setToolTip("With 2 or more EMG channels (an armband), the switch learns the patient's press "
                                    "gesture against rest and other movements, so a movement is not a press.")
        self.other_check.setEnabled(False)
        self.paradigm_combo.currentTextChanged.connect(self._paradigm_changed)
        self.start_button = QPushButton("Start calibration")
        self.start_button.clicked.connect(self.start)
        self.setup_message = QLabel("")
        self.setup_message.setWordWrap(True)
        form.addRow("Profile", self.profile_edit)
        form.addRow("Paradigm", self.paradigm_combo)
        form.addRow("Trials per class", self.trials_spin)
        form.addRow(self.other_check)
        form.addRow(self.start_button)
        form.addRow(self.setup_message)
        return w

    def _paradigm_changed(self, paradigm: str) -> None:
        self.trials_spin.setValue(get_spec(paradigm).default_trials_per_class)
        self.other_check.setEnabled(paradigm == "emg")

    def _run_page(self) -> QWidget:
        w = QWidget()
        lay = QVBoxLayout(w)
        self.cue_label = QLabel("Get ready")
        font = QFont()
        font.setPointSize(28)
        self.cue_label.setFont(font)
        self.cue_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.cue_label.setWordWrap(True)
        self.stimulus = CalibrationStimulus()
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.phase_label = QLabel("")
        self.quality_table = QTableWidget(0, 3)
        self.quality_table.setHorizontalHeaderLabels(["channel", "RMS µV", "status"])
        self.stop_button = QPushButton("Stop")
        self.stop_button.clicked.connect(self.stop)
        for widget in (self.cue_label, self.stimulus, self.progress_bar, self.phase_label,
                       QLabel("Live signal quality"), self.quality_table, self.stop_button):
            lay.addWidget(widget, 3 if widget is self.stimulus else 0)
        return w

    def _result_page(self) -> QWidget:
        w = QWidget()
        lay = QVBoxLayout(w)
        self.result_text = QTextEdit()
        self.result_text.setReadOnly(True)
        self.save_button = QPushButton("Save profile")
        self.save_button.clicked.connect(self.save)
        self.report_button = QPushButton("Save report")
        self.report_button.clicked.connect(lambda: self.save_report(None))
        self.again_button = QPushButton("Calibrate again")
        self.again_button.clicked.connect(lambda: self.pages.setCurrentIndex(0))
        self.save_message = QLabel("")
        self.save_message.setWordWrap(True)
        for widget in (self.result_text, self.save_button, self.report_button, self.again_button,
                       self.save_message):
            lay.addWidget(widget)
        return w

    # ---- actions ---------------------------------------------------------------------------
    def start(self) -> None:
        """Build the session from the setup page and run it on its worker thread."""
        paradigm = self.paradigm_combo.currentText()
        try:
            other = paradigm == "emg" and self.other_check.isChecked()
            spec = live_spec(paradigm, self.line_freq, **({"other_movements": True} if other else {}))
            source = self._source_factory()
            extra = self._cue_factory(source, spec) if self._cue_factory else None
        except BciInputError as exc:
            self.setup_message.setText(str(exc))
            return
        b = self._bridge

        def on_cue(cue: Cue) -> None:
            if extra is not None:
                extra(cue)
            b.cue.emit(cue)

        record = None
        if self._record_dir is not None:
            record = Path(self._record_dir) / f"{self.profile_edit.text()}-{paradigm}.csv"
        cbs = SessionCallbacks(on_cue=on_cue, on_progress=b.progress.emit, on_quality=b.quality.emit,
                               on_result=b.result.emit, on_error=b.error.emit)
        self.session = CalibrationSession(source, spec, trials_per_class=self.trials_spin.value(),
                                          record_path=record, callbacks=cbs)
        self.result = None
        self.cue_label.setText("Get ready")
        self.stimulus.configure(spec)
        self.progress_bar.setValue(0)
        self.pages.setCurrentIndex(1)
        self.session.start()

    def stop(self) -> None:
        """Stop a running session (its thread is joined with a timeout)."""
        if self.session is not None:
            self.session.stop(timeout=5.0)
        self.stimulus.stop()
        self.pages.setCurrentIndex(0)

    def save(self) -> None:
        """Store the result in the patient's profile."""
        if self.result is None or self.session is None:
            return
        try:
            profile = open_or_create_profile(self.profile_edit.text(), self.session.source.info, self._board)
            store_result(profile, self.result, session={"board": self._board, "source": "wizard"})
        except BciInputError as exc:
            self.save_message.setText(f"Not saved: {exc}")
            return
        self.save_message.setText(f"Profile saved: {profile.path}")
        self.finished.emit(self.result)

    def save_report(self, path: Path | None) -> Path | None:
        """Write the HTML report; without ``path``, into ``<data>/reports/`` (no file dialog: nothing modal waits)."""
        if self.result is None or self.session is None or self.session.recording is None:
            return None
        if path is None:
            import re
            import time

            from bci_input.settings import user_data_dir

            stamp = time.strftime("%Y%m%d-%H%M%S")
            name = re.sub(r"[^\w-]", "_", self.profile_edit.text()) or "profile"
            path = user_data_dir() / "reports" / f"calibration-{name}-{stamp}.html"
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                self.save_message.setText(f"Report not written: cannot create {path.parent}: {exc.strerror or exc}")
                return None
        html, _pdf = build_report(self.result, self.session.recording, Path(path),
                                  profile=self.profile_edit.text(), board=self._board, pdf=False)
        self.save_message.setText(f"Report written: {html}")
        return html

    # ---- slots (GUI thread) --------------------------------------------------------------------
    def _show_cue(self, cue: Cue) -> None:
        self.stimulus.on_cue(cue)
        if cue.kind in ("cue", "stim") and cue.text:
            self.cue_label.setText(cue.text)
        elif cue.kind == "rest":
            self.cue_label.setText("Rest")

    def _show_progress(self, text: str, frac: float) -> None:
        self.progress_bar.setValue(int(frac * 1000))
        self.phase_label.setText(text)

    def _show_quality(self, q: dict[str, Any]) -> None:
        self.quality_table.setRowCount(len(q["channels"]))
        for i, (name, rms, status) in enumerate(zip(q["channels"], q["rms_uv"], q["status"], strict=True)):
            items = [QTableWidgetItem(name), QTableWidgetItem(f"{rms:.1f}"), QTableWidgetItem(status)]
            items[2].setForeground(QColor(_STATUS_COLORS.get(status, "#000000")))
            for j, it in enumerate(items):
                self.quality_table.setItem(i, j, it)

    def _show_result(self, result: CalibrationResult) -> None:
        self.stimulus.stop()
        self.result = result
        m = result.metrics
        lines = [f"<b>{result.paradigm.upper()}</b> ({result.method}): accuracy {m['accuracy']:.0%} "
                 f"(95 % CI {m['ci95'][0]:.0%}-{m['ci95'][1]:.0%}, n = {m['n_trials']}), chance {m['chance']:.0%}, "
                 f"ITR {m.get('itr_bits_per_min', 0.0):.1f} bits/min"]
        if result.window_s is not None:
            lines.append(f"Recommended window {result.window_s:g} s, stopping threshold {result.stopping_threshold}")
        lines += [f"Threshold {k}: {v:.1f}" for k, v in result.thresholds.items()]
        lines += [f"• {r}" for r in result.recommendations]
        self.result_text.setHtml("<br>".join(lines))
        self.save_message.setText("")
        self.pages.setCurrentIndex(2)

    def _show_error(self, message: str) -> None:
        self.stimulus.stop()
        self.setup_message.setText(f"Calibration failed: {message}")
        self.pages.setCurrentIndex(0)
