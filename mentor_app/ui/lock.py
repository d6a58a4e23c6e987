"""Locking: after a quiet spell or on Ctrl+L, every record is hidden until the passphrase is typed."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from .messages import plain
from .widgets import busy_bar, error_label
from .worker import run_in_background

ACTIVITY = {QEvent.KeyPress, QEvent.MouseButtonPress, QEvent.MouseMove, QEvent.Wheel, QEvent.TouchBegin}


class IdleWatcher(QObject):
    """Emits `idle` after `minutes` without a key press or mouse movement anywhere in the app."""

    idle = Signal()

    def __init__(self, minutes: float, parent=None):
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.idle)
        self.set_minutes(minutes)
        QApplication.instance().installEventFilter(self)

    def set_minutes(self, minutes: float) -> None:
        self.timer.setInterval(int(minutes * 60_000))
        self.timer.start()

    def eventFilter(self, obj, event) -> bool:
        if event.type() in ACTIVITY:
            self.timer.start()
        return False

    def stop(self) -> None:
        self.timer.stop()
        QApplication.instance().removeEventFilter(self)


class ClipboardGuard(QObject):
    """Remembers text copied from the app, so locking clears it only if it is still there."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.clipboard = QGuiApplication.clipboard()
        self.copied: str | None = None
        self.clipboard.dataChanged.connect(self._changed)

    def _changed(self) -> None:
        if QApplication.activeWindow() is not None or self.clipboard.ownsClipboard():
            self.copied = self.clipboard.text()

    def clear_if_ours(self) -> bool:
        text = self.clipboard.text()
        if text and (self.clipboard.ownsClipboard() or text == self.copied):
            self.clipboard.clear()
            self.copied = None
            return True
        return False


class LockPage(QWidget):
    unlocked = Signal()

    def __init__(self, profile, parent=None):
        super().__init__(parent)
        self.profile = profile
        self._job = None
        title = QLabel("<h2>Mentor App is locked</h2>")
        title.setAlignment(Qt.AlignCenter)
        hint = QLabel("Your notes are hidden.\nType your passphrase or recovery code to carry on.")
        hint.setAlignment(Qt.AlignCenter)
        self.secret = QLineEdit()
        self.secret.setEchoMode(QLineEdit.Password)
        self.secret.setAccessibleName("Passphrase or recovery code")
        self.secret.setPlaceholderText("Passphrase or recovery code")
        self.secret.returnPressed.connect(self.try_unlock)
        self.unlock_button = QPushButton("&Unlock")
        self.unlock_button.setAccessibleName("Unlock")
        self.unlock_button.clicked.connect(self.try_unlock)
        self.error = error_label()
        self.error.setAlignment(Qt.AlignCenter)
        self.busy = busy_bar("Checking")
        column = QWidget()
        column.setFixedWidth(420)
        box = QVBoxLayout(column)
        for w in (title, hint, self.secret, self.unlock_button, self.busy, self.error):
            box.addWidget(w)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(column, 0, Qt.AlignHCenter)
        layout.addStretch(2)

    def reset(self) -> None:
        self.secret.clear()
        self.error.clear()
        self.secret.setFocus()

    def try_unlock(self) -> None:
        secret = self.secret.text()
        if not secret:
            self.error.setText("Please type your passphrase or recovery code.")
            return
        self.secret.setEnabled(False)
        self.unlock_button.setEnabled(False)
        self.busy.setVisible(True)
        self._job = run_in_background(lambda: self.profile.verify_secret(secret), self._ok, self._failed)

    def _done(self) -> None:
        self.secret.setEnabled(True)
        self.unlock_button.setEnabled(True)
        self.busy.setVisible(False)

    def _ok(self, _kind) -> None:
        self._done()
        self.secret.clear()
        self.unlocked.emit()

    def _failed(self, exc: BaseException) -> None:
        self._done()
        self.error.setText(plain(exc))
        self.secret.selectAll()
        self.secret.setFocus()
