"""The main window: for now the profile's safety page and the backup actions."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from .. import APP_NAME
from ..storage import backups
from ..storage.keystore import KeyringStatus
from ..storage.profile import Profile
from .messages import plain
from .worker import run_in_background

AUTO_BACKUP_CHECK_MS = 5 * 60 * 1000
ROLE_WORDS = {"mentor": "Peer mentor", "supervisor": "Supervisor"}
OPENED_WITH = {
    "keyring": "this computer's keyring",
    "passphrase": "your passphrase",
    "recovery code": "your recovery code (consider choosing a new passphrase)",
    "set-up": "a new profile",
}


class MainWindow(QMainWindow):
    def __init__(self, profile: Profile):
        super().__init__()
        self.profile = profile
        self._job = None
        self.setWindowTitle(f"{APP_NAME} — {profile.display_name}")
        self.resize(820, 560)

        self.restore_banner = self._build_restore_banner()
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Your profile")
        self.backup_button = QPushButton("&Back up now")
        self.backup_button.setAccessibleName("Back up now")
        self.backup_button.clicked.connect(self.back_up_now)
        self.check_button = QPushButton("&Check for damage")
        self.check_button.setAccessibleName("Check for damage")
        self.check_button.clicked.connect(self.check_now)

        buttons = QHBoxLayout()
        buttons.addWidget(self.backup_button)
        buttons.addWidget(self.check_button)
        buttons.addStretch(1)

        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(24, 24, 24, 24)
        heading = QLabel(f"<h2>Hello, {_escape(profile.display_name)}</h2>")
        heading.setAccessibleName("Welcome")
        layout.addWidget(heading)
        layout.addWidget(self.restore_banner)
        layout.addWidget(self.summary)
        layout.addLayout(buttons)
        layout.addStretch(1)
        self.setCentralWidget(page)

        self._build_menu()
        self.refresh()

        self.timer = QTimer(self)
        self.timer.timeout.connect(self._auto_backup)
        self.timer.start(AUTO_BACKUP_CHECK_MS)

    # -- building -----------------------------------------------------------
    def _build_menu(self) -> None:
        menu = self.menuBar().addMenu("&File")
        for text, shortcut, slot in (
            ("&Back up now", QKeySequence("Ctrl+Shift+B"), self.back_up_now),
            ("&Restore from a backup…", None, self.restore_from_file),
            ("&Check for damage", None, self.check_now),
            ("&Quit", QKeySequence.Quit, self.close),
        ):
            action = QAction(text, self)
            if shortcut is not None:
                action.setShortcut(shortcut)
            action.triggered.connect(slot)
            menu.addAction(action)

    def _build_restore_banner(self) -> QFrame:
        frame = QFrame()
        frame.setObjectName("restoreBanner")
        frame.setFrameShape(QFrame.StyledPanel)
        frame.setStyleSheet("QFrame#restoreBanner { background: #fff4ce; border: 1px solid #c9a400; }")
        text = QLabel("You restored your notes from a backup. Look through them, then keep them or go back. "
                      "Automatic backups are paused until you choose.")
        text.setWordWrap(True)
        keep = QPushButton("&Keep restored notes")
        keep.setAccessibleName("Keep restored notes")
        keep.clicked.connect(self._confirm_restore)
        undo = QPushButton("&Undo the restore")
        undo.setAccessibleName("Undo the restore")
        undo.clicked.connect(self._undo_restore)
        row = QHBoxLayout(frame)
        row.addWidget(text, 1)
        row.addWidget(keep)
        row.addWidget(undo)
        return frame

    # -- state --------------------------------------------------------------
    def refresh(self) -> None:
        p = self.profile
        found = backups.list_backups(p.path)
        last = found[-1].taken.astimezone() if found else None
        keyring = p.keyring_status or p.read_keyring_status()
        lines = [
            f"<b>Role:</b> {ROLE_WORDS.get(p.role, p.role)}",
            "<b>Your notes:</b> encrypted on this computer",
            f"<b>Opened with:</b> {OPENED_WITH.get(p.unlocked_by, p.unlocked_by)}",
            "<b>Keyring:</b> " + ("the key is kept in this computer's keyring" if keyring is KeyringStatus.OK
                                  else _escape(keyring.explain())),
            "<b>Last backup:</b> " + (f"{last:%d %b %Y at %H:%M}" if last else "none yet")
            + f" ({len(found)} kept)",
        ]
        self.summary.setText("<br>".join(lines))
        self.restore_banner.setVisible(p.automatic_backups_paused)
        self.statusBar().showMessage(
            "Automatic backups paused after a restore" if p.automatic_backups_paused
            else "Automatic backups on")

    def _busy(self, busy: bool) -> None:
        self.backup_button.setEnabled(not busy)
        self.check_button.setEnabled(not busy)

    def _fail(self, exc: BaseException) -> None:
        self._busy(False)
        QMessageBox.warning(self, APP_NAME, plain(exc))
        self.refresh()

    # -- actions ------------------------------------------------------------
    def back_up_now(self) -> None:
        self._busy(True)
        self.statusBar().showMessage("Backing up…")

        def done(path) -> None:
            self._busy(False)
            self.refresh()
            self.statusBar().showMessage(f"Backup taken at {datetime.now():%H:%M}", 10_000)

        self._job = run_in_background(lambda: self.profile.backup_now(), done, self._fail)

    def check_now(self) -> None:
        self._busy(True)

        def done(report) -> None:
            self._busy(False)
            if report.ok:
                QMessageBox.information(self, APP_NAME, "All checks passed: your notes file is healthy.")
            else:
                good = backups.newest_good_backup(self.profile.path, self.profile.key)
                where = f" The newest good backup is from {good.taken.astimezone():%d %b %Y %H:%M}." if good else ""
                QMessageBox.warning(self, APP_NAME, "The check found damage in your notes file." + where)

        self._job = run_in_background(self.profile.check, done, self._fail)

    def restore_from_file(self) -> None:
        start = str(backups.backup_dir(self.profile.path))
        name, _ = QFileDialog.getOpenFileName(self, "Choose a backup", start,
                                              f"Mentor App backups (*{backups.SUFFIX})")
        if not name:
            return
        answer = QMessageBox.question(
            self, APP_NAME,
            "Replace your notes with this backup? What is there now is backed up first, "
            "so you can undo this.")
        if answer != QMessageBox.Yes:
            return
        try:
            self.profile.restore(Path(name))
        except Exception as exc:  # noqa: BLE001
            self._fail(exc)
            return
        self.refresh()

    def _confirm_restore(self) -> None:
        self.profile.confirm_restore()
        self.refresh()

    def _undo_restore(self) -> None:
        try:
            self.profile.undo_restore()
        except Exception as exc:  # noqa: BLE001
            self._fail(exc)
            return
        self.refresh()

    def _auto_backup(self) -> None:
        try:
            if self.profile.maybe_backup():
                self.refresh()
        except Exception as exc:  # noqa: BLE001
            self.statusBar().showMessage(plain(exc))

    def closeEvent(self, event) -> None:
        self.timer.stop()
        try:
            self.profile.close()
        except Exception as exc:  # noqa: BLE001
            QMessageBox.warning(self, APP_NAME, "Your notes are saved, but the closing backup failed. " + plain(exc))
        event.accept()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
