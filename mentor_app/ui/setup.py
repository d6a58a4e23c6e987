"""First run: make the encrypted profile, then show the recovery code once."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
)

from ..settings import Settings, save_settings
from ..storage.keywrap import MIN_PASSPHRASE_CHARS
from ..storage.passphrase import rate_passphrase
from ..storage.profile import ROLES, Profile, create_profile
from .messages import plain
from .widgets import busy_bar, error_label, named
from .worker import Job, run_in_background

ROLE_LABELS = {"mentor": "Peer mentor", "supervisor": "Supervisor or project lead"}


class SetupDialog(QDialog):
    """Collects role, name and passphrase, then creates the profile off the UI thread."""

    def __init__(self, profile_dir: Path, parent=None):
        super().__init__(parent)
        self.profile_dir = profile_dir
        self.profile: Profile | None = None
        self.recovery_code: str | None = None
        self._job: Job | None = None
        self.setWindowTitle("Set up Mentor App")
        self.setMinimumWidth(480)

        intro = QLabel(
            "Welcome. Your notes will be kept encrypted on this computer. "
            "Choose a passphrase you will remember: you will need it if this "
            "computer's keyring can't open your notes."
        )
        intro.setWordWrap(True)

        self.role = named(QComboBox(), "Your role")
        for role in ROLES:
            self.role.addItem(ROLE_LABELS[role], role)
        self.name = named(QLineEdit(), "Your name")
        self.name.setPlaceholderText("For example: Sam Taylor")
        self.organisation = named(QLineEdit(), "Organisation")
        self.organisation.setPlaceholderText("The project or charity you mentor with")
        self.passphrase = named(QLineEdit(), "Passphrase")
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setPlaceholderText(f"At least {MIN_PASSPHRASE_CHARS} characters, a few words is best")
        self.strength = QLabel(" ")
        self.strength.setAccessibleName("Passphrase strength")
        self.passphrase.textChanged.connect(self._show_strength)
        self.repeat = named(QLineEdit(), "Passphrase again")
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        self.keyring = named(
            QCheckBox("Unlock automatically on this computer (keyring)"), "Use this computer's keyring"
        )
        self.keyring.setChecked(True)

        form = QFormLayout()
        form.addRow("I am a", self.role)
        form.addRow("&Name", self.name)
        form.addRow("&Organisation", self.organisation)
        form.addRow("&Passphrase", self.passphrase)
        form.addRow("", self.strength)
        form.addRow("&Again", self.repeat)
        form.addRow("", self.keyring)

        self.error = error_label()
        self.busy = busy_bar("Creating your profile")

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Create my profile")
        self.buttons.accepted.connect(self._create)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.busy)
        layout.addWidget(self.buttons)
        self.name.setFocus()

    def _show_strength(self, text: str) -> None:
        score, words = rate_passphrase(text)  # the same judge as the set-up itself (storage/passphrase.py)
        colour = ("#a00000", "#a00000", "#a05a00", "#2e6b00", "#1b5e20")[score]
        self.strength.setText(words if text else " ")
        self.strength.setStyleSheet(f"color: {colour};")

    def _show_error(self, message: str) -> None:
        self.error.setText(message)
        self.busy.setVisible(False)
        self.buttons.setEnabled(True)

    def _create(self) -> None:
        if self.passphrase.text() != self.repeat.text():
            self._show_error("The two passphrases are different. Please type them again.")
            return
        role, name, passphrase = self.role.currentData(), self.name.text(), self.passphrase.text()
        organisation = self.organisation.text().strip()
        use_keyring = self.keyring.isChecked()
        self.error.clear()
        self.busy.setVisible(True)
        self.buttons.setEnabled(False)

        def create():
            profile, code = create_profile(
                self.profile_dir, role=role, name=name, passphrase=passphrase, use_keyring=use_keyring
            )
            if organisation:
                save_settings(profile, Settings(organisation=organisation))
                profile.conn.release()  # saving made this worker its owner: the window's thread takes it next
            return profile, code

        self._job = run_in_background(
            create,
            self._created,
            lambda exc: self._show_error(plain(exc)),
        )

    def _created(self, result) -> None:
        self.profile, self.recovery_code = result
        self.passphrase.clear()
        self.repeat.clear()
        self.accept()


class RecoveryCodeDialog(QDialog):
    """Shows the recovery code once; Continue waits for 'I have written it down'."""

    def __init__(self, code: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Your recovery code")
        self.setMinimumWidth(520)
        text = QLabel(
            "Write this recovery code on paper now and keep it somewhere safe, away from this laptop. "
            "It opens your notes if you forget your passphrase or the keyring is reset. "
            "It will not be shown again."
        )
        text.setWordWrap(True)
        self.code = QLabel(code)
        font = QFont("DejaVu Sans Mono")
        font.setStyleHint(QFont.StyleHint.Monospace)
        font.setPointSize(16)
        self.code.setFont(font)
        self.code.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByKeyboard | Qt.TextInteractionFlag.TextSelectableByMouse
        )
        self.code.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.code.setAccessibleName("Recovery code")
        self.code.setAccessibleDescription(" ".join(code.replace("-", " ")))
        self.written = QCheckBox("I have written it down")
        self.written.setAccessibleName("I have written it down")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Continue")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
        self.written.toggled.connect(self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled)
        self.buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(self.code)
        layout.addWidget(self.written)
        layout.addWidget(self.buttons)

    def reject(self) -> None:
        # Escape must not skip past the only showing of the code.
        if self.written.isChecked():
            super().reject()

    def done(self, result: int) -> None:
        clipboard = QGuiApplication.clipboard()
        if clipboard.text().replace("-", "").strip() == self.code.text().replace("-", ""):
            clipboard.clear()
        super().done(result)
