"""The status bar: board and connection, per-channel signal quality, last decision, LLM, autosave, flicker."""

from __future__ import annotations

import time
from collections.abc import Sequence

from PyQt6.QtCore import QRectF, QSize, Qt
from PyQt6.QtGui import QColor, QPainter, QPaintEvent
from PyQt6.QtWidgets import QLabel, QStatusBar, QWidget

from ._theme import Theme

__all__ = ["StatusPanel", "QualityDots"]

_LEVELS = ("ok", "warn", "bad", "unknown")


class QualityDots(QWidget):
    """One coloured dot per channel: green ok, amber warn, red bad, grey unknown."""

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.theme = theme
        self.levels: list[tuple[str, str]] = []

    def set_levels(self, levels: Sequence[tuple[str, str]]) -> None:
        """Show ``(channel name, level)`` pairs; level in ``ok|warn|bad|unknown``."""
        self.levels = [(str(n), lv if lv in _LEVELS else "unknown") for n, lv in levels]
        bad = [n for n, lv in self.levels if lv != "ok"]
        self.setToolTip("Signal quality: " + (", ".join(f"{n} {lv}" for n, lv in self.levels) or "no channels")
                        + ("" if not bad else f"\nCheck: {', '.join(bad)}"))
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        """Width for every dot."""
        return QSize(max(16, 14 * len(self.levels) + 4), 18)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        """Paint the dots."""
        colors = {"ok": self.theme.ok, "warn": self.theme.warn, "bad": self.theme.bad, "unknown": QColor("#5b6470")}
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(Qt.PenStyle.NoPen)
        for k, (_, lv) in enumerate(self.levels):
            p.setBrush(colors[lv])
            p.drawEllipse(QRectF(2 + 14 * k, (self.height() - 10) / 2, 10, 10))
        p.end()


class StatusPanel(QStatusBar):
    """Status bar of the main window.

    Parameters
    ----------
    theme : Theme
        Colours.
    parent : QWidget | None
        Parent widget.
    """

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizeGripEnabled(False)
        self.theme = theme
        self.board = QLabel("board: —")
        self.quality = QualityDots(theme)
        self.confidence = QLabel("last: —")
        self.llm = QLabel("LLM: —")
        self._llm: tuple[str, float | None] = ("—", None)
        self._llm_fallback: str | None = None
        self.autosave = QLabel("autosave: —")
        self.frames = QLabel("frames dropped: 0")
        self.state = QLabel("")
        for w in (self.board, self.quality, self.confidence, self.llm):
            self.addWidget(w)
        for w in (self.state, self.frames, self.autosave):
            self.addPermanentWidget(w)
        self.board.setObjectName("status_board")

    def _color(self, label: QLabel, color: QColor | None) -> None:
        label.setStyleSheet("" if color is None else f"color: {color.name()};")

    def set_board(self, name: str, state: str) -> None:
        """Show the board name and its connection state (``streaming``, ``connecting``, ``fault: ...``)."""
        self.board.setText(f"● {name} · {state}")
        ok = state in ("streaming", "connected")
        self._color(self.board, self.theme.ok if ok else (self.theme.bad if "fault" in state else self.theme.warn))

    def set_quality(self, levels: Sequence[tuple[str, str]]) -> None:
        """Show per-channel signal quality."""
        self.quality.set_levels(levels)

    def set_confidence(self, label: str | None, confidence: float | None) -> None:
        """Show the last decision and its posterior probability."""
        if label is None or confidence is None:
            self.confidence.setText("last: —")
            return
        self.confidence.setText(f"last: {label!r} {confidence:.0%}")

    def set_llm(self, backend: str, latency_s: float | None = None, loading: bool = False) -> None:
        """Show the language-model backend and its last latency, or that it is still loading."""
        if loading:
            self.llm.setText(f"LLM: loading model… ({backend})")
            self._color(self.llm, self.theme.warn)
            return
        self._llm = (backend, latency_s)
        self._show_llm()

    def set_llm_fallback(self, reason: str | None) -> None:
        """Say that word frequencies answer because the language server failed (``reason``), or ``None``: it is back."""
        self._llm_fallback = reason
        self._show_llm()

    def _show_llm(self) -> None:
        backend, latency_s = self._llm
        reason = self._llm_fallback
        if reason is not None:
            why = "too slow" if "timed out" in reason.lower() else "unreachable" if "refused" in reason else reason
            self.llm.setText(f"LLM: ⚠ word frequencies — language server {why}, retrying")
            self.llm.setToolTip(f"The language server failed ({reason}). Word frequencies predict until it answers "
                                "again; it is asked again every 30 s.")
            self._color(self.llm, self.theme.bad)
            return
        lat = "" if latency_s is None else f" · {latency_s * 1e3:.0f} ms"
        self.llm.setText(f"LLM: {backend}{lat}")
        self.llm.setToolTip("")
        self._color(self.llm, None)

    def set_autosave(self, ok: bool, detail: str = "", when: float | None = None) -> None:
        """Show the autosave state: the time of the last write, or the failure."""
        if ok:
            stamp = time.strftime("%H:%M:%S", time.localtime(when if when is not None else time.time()))
            self.autosave.setText(f"autosaved {stamp}")
            self._color(self.autosave, None)
        else:
            self.autosave.setText(f"⚠ autosave failed — {detail} (text kept, retrying)")
            self._color(self.autosave, self.theme.bad)

    def set_dropped(self, n: int) -> None:
        """Show the number of dropped flicker frames."""
        self.frames.setText(f"frames dropped: {n}")
        self._color(self.frames, self.theme.warn if n else None)

    def set_state(self, text: str, warn: bool = False) -> None:
        """Show the session state (``paused``, ``decoding``, ...)."""
        self.state.setText(text)
        self._color(self.state, self.theme.warn if warn else None)
