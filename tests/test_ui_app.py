"""Bridge thread hand-off, app assembly, shutdown, preferences, CLI display check and screenshots."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest
from bci_input.ui._app import AppOptions, build_app, has_display
from bci_input.ui.bridge import EngineBridge, connect_queued
from PyQt6.QtCore import QCoreApplication, QObject, QThread

from bci_input._errors import ConfigError
from bci_input._types import Intent, IntentKind


class _Receiver(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[object, QThread | None]] = []

    def take(self, value: object) -> None:
        self.calls.append((value, QThread.currentThread()))


def test_bridge_delivers_worker_callbacks_on_the_gui_thread(qtbot) -> None:
    bridge = EngineBridge()
    recv = _Receiver()
    connect_queued(bridge.intent, recv.take)
    connect_queued(bridge.status, recv.take)
    gui = QThread.currentThread()
    intent = Intent(IntentKind.SELECT, "char:a")
    caller: list[int] = []

    def worker() -> None:
        caller.append(threading.get_ident())
        bridge.engine_callbacks()["on_intent"](intent)
        bridge.on_status({"state": "streaming"})

    with qtbot.waitSignals([bridge.intent, bridge.status], timeout=60_000):
        t = threading.Thread(target=worker)
        t.start()
        t.join(60)
    qtbot.waitUntil(lambda: len(recv.calls) == 2, timeout=60_000)
    assert caller[0] != threading.get_ident()
    assert recv.calls[0] == (intent, gui)
    assert recv.calls[1][0] == {"state": "streaming"} and recv.calls[1][1] is gui
    bridge.close()
    bridge.on_intent(intent)  # after close: ignored, no signal
    QCoreApplication.processEvents()  # delivers any queued call that was posted
    assert len(recv.calls) == 2


def test_bridge_error_accepts_exceptions(qtbot) -> None:
    bridge = EngineBridge()
    with qtbot.waitSignal(bridge.error, timeout=60_000) as sig:  # queued from another thread
        threading.Thread(target=bridge.on_error, args=(ValueError("boom"),)).start()
    assert sig.args == ["ValueError: boom"]


def _threads() -> set[str]:
    return {t.name for t in threading.enumerate() if t.is_alive()}


def test_app_shutdown_leaves_no_thread_running(qtbot, tmp_path) -> None:
    before = _threads()
    window, ctrl = build_app(AppOptions(board="none", lm="wordfreq", mode="ssvep"))
    qtbot.addWidget(window)
    window.show()
    ctrl.start()
    ctrl.stimulus.start("ssvep", preview=True)
    qtbot.waitUntil(lambda: window.flicker.frame_index > 5, timeout=60_000)
    ctrl.handle_intent(Intent(IntentKind.SELECT, "char:A"))  # a capital by itself at the document start
    assert ctrl.document.text == "A"
    assert "language-worker" in _threads() and "autosave" in _threads()
    window.close()  # the close path: controller.shutdown()
    assert _threads() <= before
    assert not window.flicker.clock.running
    ctrl.shutdown()  # idempotent


def test_bundled_model_loads_on_a_worker_thread(qtbot) -> None:
    window, ctrl = build_app(AppOptions(board="none", lm="none"))
    qtbot.addWidget(window)
    gate = threading.Event()
    loaded_on: list[str] = []

    def loader():
        from bci_input.language import WordFreqModel

        loaded_on.append(threading.current_thread().name)
        gate.wait(60)
        return WordFreqModel()

    ctrl.load_language_model_async(loader, "slow model")
    assert "loading model" in window.status.llm.text()
    gate.set()
    qtbot.waitUntil(lambda: ctrl.model is not None, timeout=60_000)
    assert loaded_on == ["model-loader"]
    assert "wordfreq" in window.status.llm.text()
    window.close()


def test_has_display() -> None:
    assert not has_display({}, "linux")
    assert has_display({"DISPLAY": ":0"}, "linux")
    assert has_display({"QT_QPA_PLATFORM": "offscreen"}, "linux")
    assert has_display({}, "win32")


def _cli(*args: str, env_extra: dict[str, str] | None = None, tmp_path=None) -> subprocess.CompletedProcess:
    import os

    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "bci_input.cli", *args], capture_output=True, text=True,
                          env=env, timeout=120)


def test_cli_without_display_names_the_demo() -> None:
    r = _cli("app")
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "bci-input demo" in lines[0]
    assert "qt.qpa" not in r.stderr and "Aborted" not in r.stderr


@pytest.mark.slow
def test_cli_screenshot_writes_a_png(tmp_path) -> None:
    out = tmp_path / "shot.png"
    r = _cli("app", "--board", "none", "--lm", "wordfreq", "--mode", "scan", "--screenshot", str(out),
             "--quit-after", "1")
    assert r.returncode == 0, r.stderr
    from PyQt6.QtGui import QImage

    img = QImage(str(out))
    assert not img.isNull() and img.width() >= 1000 and img.height() >= 700


@pytest.mark.slow
def test_developer_click_runs_the_whole_signal_path(qtbot) -> None:
    """Simulated board: a click makes the participant attend; engine + decoder select it; then shut down."""
    from PyQt6.QtCore import Qt

    before = _threads()
    window, ctrl = build_app(AppOptions(board="simulated", lm="none", mode="ssvep"))
    qtbot.addWidget(window)
    window.resize(1280, 860)
    window.show()
    ctrl.start()
    assert "bci-engine" in _threads() and ctrl.participant is not None
    qtbot.waitUntil(lambda: ctrl.speller.layout.get("char:O") is not None, timeout=60_000)
    r = window.flicker.rect_of("char:O")
    qtbot.mouseClick(window.flicker, Qt.MouseButton.LeftButton, pos=r.center().toPoint())
    assert ctrl.participant.attended == "char:O"
    qtbot.waitUntil(lambda: ctrl.document.text != "", timeout=120_000)  # a real-time session: a guard only
    assert ctrl.document.text == "O"  # decoded from the simulated EEG, not injected
    qtbot.waitUntil(lambda: window.status.frames.text() == f"frames dropped: {window.flicker.clock.dropped}",
                    timeout=60_000)  # dropped frames are counted and shown (their rate: BENCHMARKS.md, flicker)
    window.close()
    assert _threads() <= before


@pytest.mark.slow
def test_synthetic_board_streams_through_brainflow(qtbot) -> None:
    """The default session: BrainFlow's real synthetic board with the simulated participant riding on it."""
    before = _threads()
    window, ctrl = build_app(AppOptions(board="synthetic", lm="none", mode="ssvep"))
    qtbot.addWidget(window)
    window.show()
    ctrl.start()
    assert "streaming" in window.status.board.text()
    qtbot.waitUntil(lambda: ctrl.engine.n_samples > 2 * ctrl.engine.sfreq, timeout=120_000)
    ctrl.update_quality()
    assert len(window.status.quality.levels) == ctrl.engine.source.info.n_channels
    data, sfreq, names = ctrl.scope_provider()
    assert data.shape[1] == len(names) and sfreq == ctrl.engine.sfreq
    window.close()
    assert _threads() <= before


def test_synthetic_board_p300_needs_calibration() -> None:
    with pytest.raises(ConfigError, match="calibrat"):
        build_app(AppOptions(board="synthetic", lm="none", mode="p300"))


@pytest.mark.slow
def test_language_model_in_its_own_process(qtbot) -> None:
    """The app's model proxy: same protocol, answers over a pipe, the child ends with the app."""
    from bci_input.language import ProcessLanguageModel
    from bci_input.settings import LanguageSettings

    window, ctrl = build_app(AppOptions(board="none", lm="none"))
    qtbot.addWidget(window)
    ctrl.load_language_model_async(lambda: ProcessLanguageModel(LanguageSettings(backend="wordfreq")), "wordfreq")
    qtbot.waitUntil(lambda: ctrl.model is not None, timeout=60000)
    proc = ctrl.model._proc
    assert proc.is_alive() and proc.pid != __import__("os").getpid()
    # (A rewrite that changed only the case would never be shown: "i has" is left to the model.)
    ans = ctrl.model.rewrite("i dont have a question.", "fix_grammar", revision=7)
    assert ans.revision == 7 and ans.value[0].text == "I don't have a question." and ans.value[0].diff
    ctrl.handle_intent(Intent(IntentKind.SELECT, "cmd:shift"))  # lower case instead of the automatic capital
    for ch in "please he":
        ctrl.handle_intent(Intent(IntentKind.SELECT, "char:space" if ch == " " else f"char:{ch}"))
    qtbot.waitUntil(lambda: any(t.value == "help" for t in ctrl.speller.layout.targets), timeout=60_000)
    # A notice the child sends later (an endpoint failing over to the fallback) is shown to the user.
    threading.Thread(target=ctrl.model.on_notice, args=("The language server failed: HTTP 503.",)).start()
    qtbot.waitUntil(lambda: "HTTP 503" in window.message.text(), timeout=60_000)
    window.close()
    assert not proc.is_alive()


@pytest.mark.slow
def test_developer_scan_participant_presses_its_switch(qtbot) -> None:
    """Scan mode: the simulated participant clenches when its target's group lights up; EMG switch decodes it."""
    window, ctrl = build_app(AppOptions(board="simulated", lm="none", mode="scan"))
    qtbot.addWidget(window)
    window.show()
    ctrl.start()
    qtbot.keyClick(window.scan, "o")  # developer mode: the key names the target to attend (any case)
    assert ctrl.participant.attended == "char:O"
    qtbot.waitUntil(lambda: ctrl.document.text != "", timeout=120_000)  # a real-time session: a guard only
    assert ctrl.document.text == "O"
    assert window.scan.n_steps > 0  # the highlight followed the engine's scan steps
    window.close()


def test_confirm_setting_makes_eeg_selections_wait_for_an_emg_clench(qtbot) -> None:
    # [speller] confirm = "emg": "EEG selects, EMG confirms". A decoded letter waits on a confirm page; a clench
    # (CONFIRM) types it, a double clench (UNDO) drops it.
    from bci_input._types import Modality
    from bci_input.settings import Settings, SpellerSettings

    settings = Settings(speller=SpellerSettings(confirm="emg"))
    window, ctrl = build_app(AppOptions(board="none", lm="wordfreq", mode="ssvep", settings=settings))
    qtbot.addWidget(window)
    try:
        ctrl.handle_intent(Intent(IntentKind.SELECT, "char:A", modality=Modality.SSVEP))
        assert ctrl.document.text == "" and ctrl.speller.page == "confirm"
        ctrl.handle_intent(Intent(IntentKind.CONFIRM, None, modality=Modality.EMG))
        assert ctrl.document.text == "A" and ctrl.speller.page == "main"
        ctrl.handle_intent(Intent(IntentKind.SELECT, "char:b", modality=Modality.SSVEP))
        ctrl.handle_intent(Intent(IntentKind.UNDO, None, modality=Modality.EMG))
        assert ctrl.document.text == "A" and ctrl.speller.page == "main"
    finally:
        window.close()
        ctrl.shutdown()


def test_device_and_signal_faults_show_in_the_status_bar(qtbot) -> None:
    # The engine's statuses (tested against the real synthetic board in test_device_faults.py) reach the
    # status bar through the real bridge: the user sees why decoding stopped, and that the text is safe.
    window, ctrl = build_app(AppOptions(board="none", lm="wordfreq", mode="ssvep"))
    qtbot.addWidget(window)
    try:
        ctrl.handle_intent(Intent(IntentKind.SELECT, "char:A"))
        ctrl.bridge.status.emit({"type": "signal", "ok": False, "faults": ["NaN in 16 channels"]})
        qtbot.waitUntil(lambda: "NaN in 16 channels" in window.status.state.text(), timeout=60_000)
        assert "text is safe" in window.status.state.text()
        ctrl.bridge.status.emit({"type": "device", "state": "reconnecting", "message": "No data for 2.0 s."})
        qtbot.waitUntil(lambda: "reconnecting" in window.status.board.text(), timeout=60_000)
        assert "No data for 2.0 s." in window.status.board.text()
        ctrl.bridge.status.emit({"type": "device", "state": "recovered", "message": ""})
        ctrl.bridge.status.emit({"type": "signal", "ok": True, "faults": []})
        qtbot.waitUntil(lambda: "streaming" in window.status.board.text(), timeout=60_000)
        qtbot.waitUntil(lambda: "resumed" in window.status.state.text(), timeout=60_000)
        assert ctrl.document.text == "A"
    finally:
        window.close()
        ctrl.shutdown()


def test_new_document_and_open_recent_are_menu_targets_and_lose_no_text(qtbot) -> None:
    # Selected by intents only (no keyboard, no mouse): the unsaved draft is saved before the new document
    # opens, and "recent" brings it back.
    window, ctrl = build_app(AppOptions(board="none", lm="wordfreq", mode="ssvep"))
    qtbot.addWidget(window)
    try:
        for ch in "Hi":
            ctrl.handle_intent(Intent(IntentKind.SELECT, f"char:{ch}"))
        ctrl.handle_intent(Intent(IntentKind.SELECT, "cmd:menu"))
        menu = {t.id for t in ctrl.speller.layout.targets}
        assert {"cmd:new_document", "cmd:open_recent", "cmd:read_back", "cmd:accept_word"} <= menu
        ctrl.handle_intent(Intent(IntentKind.SELECT, "cmd:new_document"))
        assert ctrl.document.text == "" and ctrl.document.path is None
        saved = ctrl.recent_documents()
        assert saved and saved[0].read_text(encoding="utf-8") == "Hi"
        ctrl.handle_intent(Intent(IntentKind.SELECT, "cmd:menu"))
        ctrl.handle_intent(Intent(IntentKind.SELECT, "cmd:open_recent"))
        assert ctrl.document.text == "Hi" and ctrl.document.path == saved[0]
    finally:
        window.close()
        ctrl.shutdown()


def test_profile_of_another_montage_is_refused_on_a_real_source(tmp_path) -> None:
    # A profile calibrated on the simulated 14-channel headset must not decode a 2-channel recording.
    import numpy as np
    from bci_input.ui._session import build_engine_factory

    from bci_input._types import Chunk, StreamInfo
    from bci_input.cli import main
    from bci_input.recording import Recorder
    from bci_input.settings import AcquisitionSettings, Settings

    assert main(["calibrate", "--paradigm", "emg", "--profile", "pat-9", "--simulated", "--quiet"]) == 0
    info = StreamInfo(("C3", "C4"), ("eeg", "eeg"), 100.0)
    with Recorder(tmp_path / "r.csv", info) as rec:
        rec.write(Chunk(np.zeros((200, 2), np.float32), 1000 + np.arange(200) / 100.0))
    settings = Settings(acquisition=AcquisitionSettings(board="playback", playback_file=str(tmp_path / "r.csv")))
    with pytest.raises(ConfigError, match="different channel layout"):
        build_engine_factory(settings, "playback", "ssvep", "pat-9")
    factory, participant, _ = build_engine_factory(settings, "playback", "ssvep", "default")  # no profile: FBCCA
    assert factory is not None and participant is None


@pytest.mark.slow
def test_saving_teaches_the_personal_vocabulary_once(qtbot) -> None:
    """With personal_vocabulary on, a save teaches the model process the user's new words, never twice."""
    import json

    from bci_input.document import InsertText
    from bci_input.language import ProcessLanguageModel
    from bci_input.settings import LanguageSettings, user_data_dir

    window, ctrl = build_app(AppOptions(board="none", lm="none"))
    qtbot.addWidget(window)
    settings = LanguageSettings(backend="wordfreq", personal_vocabulary=True)
    ctrl.load_language_model_async(lambda: ProcessLanguageModel(settings), "wordfreq")
    qtbot.waitUntil(lambda: ctrl.model is not None, timeout=60000)
    assert not any(w == "zyrtana" for w, _ in ctrl.model.complete_word("Dear ", "zy", k=5).value)
    ctrl.document.apply(InsertText("Dear Zyrtana, the zyrtana meeting moved."))
    store = user_data_dir() / "language" / "personal_vocabulary.json"
    for _ in range(2):  # saving twice must not count the words twice
        ctrl.cmd_save()
        for t in ctrl._learners:
            t.join(10)
    data = json.loads(store.read_text())
    assert data["words"]["zyrtana"] == 2 and "Zyrtana" in data["names"]
    ctrl.document.apply(InsertText(" Zyrtana agreed."))
    ctrl.cmd_save()
    for t in ctrl._learners:
        t.join(10)
    assert json.loads(store.read_text())["words"]["zyrtana"] == 3
    words = ctrl.model.complete_word("Dear ", "zy", k=5).value
    assert "Zyrtana" in [w for w, _ in words], words  # blended in (weight 0.3), in the case it was learnt
    window.close()


def _shown_wordfreq_app(qtbot):
    """The app with no device and the word-frequency model, shown at the screenshot size."""
    window, ctrl = build_app(AppOptions(board="none", lm="wordfreq"))
    qtbot.addWidget(window)
    window.resize(1280, 860)
    window.show()
    return window, ctrl


def test_abbreviation_expansion_is_a_target_in_the_app(qtbot, tmp_path) -> None:
    """Typing word initials brings an expansion onto the keyboard (async path); selecting it replaces them."""
    window, ctrl = _shown_wordfreq_app(qtbot)
    ctrl.handle_intent(Intent(IntentKind.SELECT, "cmd:shift"))  # lower case instead of the automatic capital
    for ch in "tyvm":
        ctrl.handle_intent(Intent(IntentKind.SELECT, f"char:{ch}"))
    qtbot.waitUntil(lambda: ctrl.speller.layout.get("phrase:0").kind == "abbrev", timeout=60_000)
    slot = ctrl.speller.layout.get("phrase:0")
    assert any(t.id == "phrase:0" and t.kind == "abbrev" for t in window.keyboards()[0].targets)
    window.grab().save(str(tmp_path / "abbrev.png"))
    ctrl.handle_intent(Intent(IntentKind.SELECT, "phrase:0"))
    assert ctrl.document.text == slot.value + " "
    window.close()


def test_free_text_rewrite_instruction_shows_in_the_rewrite_panel(qtbot, tmp_path) -> None:
    from bci_input.document import InsertText

    window, ctrl = _shown_wordfreq_app(qtbot)
    ctrl.document.apply(InsertText("Dear team, the meeting moved. Bring the reports."))
    for tid in ("cmd:menu", "cmd:rewrite_menu", "cmd:select_sentence", "cmd:rewrite_next", "instr:free_text",
                "char:a", "char:s", "char:k", "char:space", "char:n", "char:i", "char:c", "char:e", "char:l", "char:y"):
        ctrl.handle_intent(Intent(IntentKind.SELECT, tid))
    assert window.rewrite.isVisible()
    assert "ask nicely" in window.rewrite.candidates.text()
    assert "Spell your instruction" in window.rewrite.step.text()
    label = window.page_label
    assert label.width() >= label.fontMetrics().horizontalAdvance(label.text()), "page title clipped"
    assert ctrl.document.text == "Dear team, the meeting moved. Bring the reports."
    window.grab().save(str(tmp_path / "free_text.png"))
    window.close()
