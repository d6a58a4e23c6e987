"""Unlocking when the keyring can't: passphrase or recovery code, with plain errors."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
)

from .. import demo
from ..storage.profile import Profile, open_profile
from .messages import plain
from .widgets import busy_bar, error_label
from .worker import Job, run_in_background


class UnlockDialog(QDialog):
    def __init__(self, profile_dir: Path, reason: str, offer_keyring: bool, parent=None):
        super().__init__(parent)
        self.profile_dir = profile_dir
        self.profile: Profile | None = None
        self._job: Job | None = None
        self.setWindowTitle("Open your notes")
        self.setMinimumWidth(460)

        if demo.is_demo(profile_dir):  # invented people only: the passphrase is printed in the README too
            reason = (
                f"{reason}\n\nThis is the demo profile of invented people. Its passphrase is: {demo.DEMO_PASSPHRASE}"
            )
        self.reason = QLabel(reason)
        self.reason.setWordWrap(True)
        self.reason.setAccessibleName("Why the passphrase is needed")
        self.secret = QLineEdit()
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret.setAccessibleName("Passphrase or recovery code")
        self.secret.setPlaceholderText("Passphrase or recovery code")
        self.store_again = QCheckBox("Keep the key in this computer's keyring again")
        self.store_again.setAccessibleName("Keep the key in this computer's keyring again")
        self.store_again.setChecked(offer_keyring)
        self.store_again.setVisible(offer_keyring)
        self.error = error_label()
        self.busy = busy_bar("Opening")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Open")
        self.buttons.accepted.connect(self._unlock)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.reason)
        layout.addWidget(self.secret)
        layout.addWidget(self.store_again)
        layout.addWidget(self.error)
        layout.addWidget(self.busy)
        layout.addWidget(self.buttons)
        self.secret.setFocus()

    def _unlock(self) -> None:
        secret = self.secret.text()
        if not secret:
            self.error.setText("Please type your passphrase or recovery code.")
            return
        self.error.clear()
        self.busy.setVisible(True)
        self.buttons.setEnabled(False)
        self.secret.setEnabled(False)
        self._job = run_in_background(lambda: open_profile(self.profile_dir, secret=secret), self._opened, self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.busy.setVisible(False)
        self.buttons.setEnabled(True)
        self.secret.setEnabled(True)
        self.secret.selectAll()
        self.secret.setFocus()
        self.error.setText(plain(exc))

    def _opened(self, profile: Profile) -> None:
        self.secret.clear()
        self.profile = profile
        if self.store_again.isVisible() and self.store_again.isChecked():
            profile.set_keyring(True)
        self.accept()
