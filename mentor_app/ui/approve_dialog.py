"""Approving a mentor device: the supervisor types the fingerprint the mentor reads out, and the mentor's name.

The device's own fingerprint is never shown here as the thing to type: the check is that the
supervisor hears it from the mentor. The name the device gave itself is shown marked as such.
"""

from __future__ import annotations

from html import escape

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout

from ..errors import MentorAppError
from ..exchange import mentors as register
from .widgets import error_label


class ApproveDeviceDialog(QDialog):
    def __init__(self, conn, device: register.MentorDevice, parent=None):
        super().__init__(parent)
        self.conn = conn
        self.device = device
        self.approved: register.MentorDevice | None = None
        self.setWindowTitle("Approve a mentor device")
        self.setMinimumWidth(520)  # room for the whole fingerprint and its hint, not "four groups of fo…"
        claimed = device.mentor_name if device.mentor_name else "no name"
        intro = QLabel(
            f"This device calls itself: <b>{escape(claimed)}</b>.<br>Anyone can give a device any name, so "
            "check with the mentor, in person or on the phone.<br><br>Ask the mentor to open <b>Sharing</b> in "
            "their app and read out <b>this laptop's fingerprint</b>. Type it here:"
        )
        intro.setWordWrap(True)
        self.fingerprint = QLineEdit()
        self.fingerprint.setAccessibleName("Fingerprint the mentor reads out")
        self.fingerprint.setPlaceholderText("four groups of four letters and digits")
        self.name = QLineEdit()
        self.name.setAccessibleName("Mentor's name")
        self.error = error_label()
        form = QFormLayout()
        fp_label = QLabel("&Fingerprint the mentor reads out:")
        fp_label.setBuddy(self.fingerprint)
        name_label = QLabel("Mentor's &name:")
        name_label.setBuddy(self.name)
        form.addRow(fp_label, self.fingerprint)
        form.addRow(name_label, self.name)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("&Approve")
        buttons.button(QDialogButtonBox.StandardButton.Ok).setAccessibleName("Approve")
        buttons.accepted.connect(self.approve)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def approve(self) -> None:
        try:
            self.approved = register.approve(
                self.conn, self.fingerprint.text(), self.name.text(), chosen=self.device.fingerprint
            )
        except MentorAppError as exc:
            self.error.setText(exc.message)
            return
        self.accept()
