"""The window on screen while the app opens a profile: the app's name and "Opening your notes…".

It is drawn before the keyring is read and the notes file opened (the slow part
of a start), so a mentor sees at once that the app is starting; the mentor's or
the supervisor's window, or the unlock dialog, takes its place. It holds no
record text.
"""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from .. import APP_NAME
from .screen_room import resize_within_screen

OPENING = "Opening your notes…"


class StartWindow(QWidget):
    def __init__(self, width: int = 1100, height: int = 720):
        super().__init__()
        self.closed_by_person = False  # closed before the profile's window came: the app then just ends
        self._closing = False
        self.setWindowTitle(APP_NAME)
        title = QLabel(APP_NAME)
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        title.setFont(font)
        words = QLabel(OPENING)
        self.setAccessibleName(f"{APP_NAME}: {OPENING}")
        box = QVBoxLayout(self)
        box.addStretch(1)
        for label in (title, words):
            # centred by stretches, not by an alignment flag: the Qt namespace's first use is slow (crash.py)
            line = QHBoxLayout()
            line.addStretch(1)
            line.addWidget(label)
            line.addStretch(1)
            box.addLayout(line)
        box.addStretch(1)
        resize_within_screen(self, width, height)  # the size the window that follows opens at

    def close(self) -> bool:
        """Closed by the app as the profile's window (or a message) takes its place."""
        self._closing = True
        return super().close()

    def closeEvent(self, event) -> None:
        if not self._closing:
            self.closed_by_person = True
        super().closeEvent(event)
