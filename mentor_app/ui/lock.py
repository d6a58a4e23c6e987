"""Locking: after a quiet spell or on Ctrl+L, every record is hidden until the passphrase is typed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QClipboard, QGuiApplication
from PySide6.QtWidgets import QApplication, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from .. import logs
from .messages import plain
from .widgets import busy_bar, error_label, the_app
from .worker import Job, run_in_background

if TYPE_CHECKING:
    from ..storage.profile import Profile

CLEAR_COPIED_AFTER_S = 90  # text copied from the app leaves the clipboard after this, if nothing replaced it
log = logs.get_logger(__name__)
ACTIVITY = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
}


class IdleWatcher(QObject):
    """Emits `idle` after `minutes` without a key press or mouse movement anywhere in the app."""

    idle = Signal()

    def __init__(self, minutes: float, parent=None):
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.idle)
        self.set_minutes(minutes)
        the_app().installEventFilter(self)

    def set_minutes(self, minutes: float) -> None:
        self.timer.setInterval(int(minutes * 60_000))
        self.timer.start()

    def restart(self) -> None:
        """Count the quiet spell from now (after unlocking)."""
        self.timer.start()

    def eventFilter(self, obj, event) -> bool:
        if event.type() in ACTIVITY:
            self.timer.start()
        return False

    def stop(self) -> None:
        self.timer.stop()
        the_app().removeEventFilter(self)


class ClipboardGuard(QObject):
    """Remembers text copied from the app, in the clipboard and in the X11 primary selection.

    What the app copied is cleared on locking, on closing and `clear_after_s`
    seconds after it was copied, but only while it is still there: something
    copied since in another program is left alone.
    """

    def __init__(self, parent=None, clear_after_s: float = CLEAR_COPIED_AFTER_S):
        super().__init__(parent)
        self.clipboard = QGuiApplication.clipboard()
        self.modes = [QClipboard.Mode.Clipboard] + (
            [QClipboard.Mode.Selection] if self.clipboard.supportsSelection() else []
        )
        self.copied: dict = {}
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(int(clear_after_s * 1000))
        self.timer.timeout.connect(self.clear_if_ours)
        self.clipboard.dataChanged.connect(self._clipboard_changed)
        self.clipboard.selectionChanged.connect(self._selection_changed)

    def _owns(self, mode) -> bool:
        return self.clipboard.ownsSelection() if mode == QClipboard.Mode.Selection else self.clipboard.ownsClipboard()

    def _clipboard_changed(self) -> None:
        self._changed(QClipboard.Mode.Clipboard)

    def _selection_changed(self) -> None:
        self._changed(QClipboard.Mode.Selection)

    def _changed(self, mode=QClipboard.Mode.Clipboard) -> None:
        text = self.clipboard.text(mode)
        if text and (QApplication.activeWindow() is not None or self._owns(mode)):
            self.copied[mode] = text
            self.timer.start()
        else:
            self.copied.pop(mode, None)  # another program's text now: not ours to clear

    def clear_if_ours(self) -> bool:
        cleared = False
        for mode in self.modes:
            text = self.clipboard.text(mode)
            if text and (self._owns(mode) or text == self.copied.get(mode)):
                self.clipboard.clear(mode)
                cleared = True
            self.copied.pop(mode, None)
        if not self.copied:
            self.timer.stop()
        return cleared


class LockPage(QWidget):
    unlocked = Signal()

    def __init__(self, profile: Profile, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.profile = profile
        self._job: Job | None = None
        title = QLabel("<h2>Mentor App is locked</h2>")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint = QLabel("Your notes are hidden.\nType your passphrase or recovery code to carry on.")
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.secret = QLineEdit()
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret.setAccessibleName("Passphrase or recovery code")
        self.secret.setPlaceholderText("Passphrase or recovery code")
        self.secret.returnPressed.connect(self.try_unlock)
        self.unlock_button = QPushButton("&Unlock")
        self.unlock_button.setAccessibleName("Unlock")
        self.unlock_button.clicked.connect(self.try_unlock)
        self.error = error_label()
        self.error.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.busy = busy_bar("Checking")
        column = QWidget()
        column.setFixedWidth(420)
        box = QVBoxLayout(column)
        for w in (title, hint, self.secret, self.unlock_button, self.busy, self.error):
            box.addWidget(w)
        # Centred by stretches, not by an alignment flag: an aligned widget keeps the height
        # it had before the error was set, which cut a long message off below its first line.
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(column)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addLayout(row)
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
        # Only the key derivation runs off the UI thread; the audit entry goes on the window's connection.
        self._job = run_in_background(lambda: self.profile.match_secret(secret), self._ok, self._failed)

    def _done(self) -> None:
        self.secret.setEnabled(True)
        self.unlock_button.setEnabled(True)
        self.busy.setVisible(False)

    def _ok(self, kind) -> None:
        self._done()
        self.secret.clear()
        if self.profile.closed:
            return
        try:
            self.profile.record_unlock(kind)
        except Exception:  # noqa: BLE001 - the right passphrase opens the notes even if the audit can't be written
            log.warning("unlock at the lock screen not written to the audit trail", exc_info=True)
        self.unlocked.emit()

    def _failed(self, exc: BaseException) -> None:
        self._done()
        self.error.setText(plain(exc))
        self.secret.selectAll()
        self.secret.setFocus()
