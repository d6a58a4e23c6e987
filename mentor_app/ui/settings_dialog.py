"""Settings: the organisation, its safeguarding lead, when to lock, text size (in the mentor's window)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
)

from ..errors import BadInput
from ..settings import Settings, load_settings, save_settings
from .widgets import error_label, forget_when_closed, named


class SettingsDialog(QDialog):
    def __init__(self, profile, parent=None):
        super().__init__(parent)
        forget_when_closed(self)
        self.profile = profile
        self.setWindowTitle("Settings")
        self.setMinimumWidth(520)
        s = load_settings(profile)
        self.organisation = named(QLineEdit(s.organisation), "Organisation")
        self.lead = named(QLineEdit(s.safeguarding_lead), "Safeguarding lead")
        self.lead_phone = named(QLineEdit(s.safeguarding_lead_phone), "Safeguarding lead's phone")
        self.numbers = named(QPlainTextEdit(s.emergency_numbers), "Emergency and crisis numbers")
        self.numbers.setTabChangesFocus(True)
        self.idle = named(QSpinBox(), "Lock after this many quiet minutes")
        self.idle.setRange(1, 240)
        self.idle.setValue(s.idle_lock_minutes)
        self.idle.setSuffix(" minutes")
        self.stale = named(QSpinBox(), "Directory entries count as out of date after this many months")
        self.stale.setRange(1, 120)
        self.stale.setValue(s.stale_after_months)
        self.stale.setSuffix(" months")
        self.warn = named(QSpinBox(), "Warn when something shared has not reached the supervisor after this many days")
        self.warn.setRange(1, 60)
        self.warn.setValue(s.warn_unreceived_days)
        self.warn.setSuffix(" days")
        self.larger = named(QCheckBox("Larger text"), "Larger text")
        self.larger.setChecked(s.larger_text)
        self.ask = named(QCheckBox("Ask before sharing with the supervisor"), "Ask before sharing with the supervisor")
        self.ask.setChecked(s.ask_before_sharing)
        form = QFormLayout()
        form.addRow("&Organisation", self.organisation)
        form.addRow("Safeguarding &lead", self.lead)
        form.addRow("Lead's &phone", self.lead_phone)
        form.addRow("&Emergency numbers", self.numbers)
        form.addRow("Lock &after", self.idle)
        form.addRow("Directory out of &date after", self.stale)
        form.addRow("&Warn when not received after", self.warn)
        form.addRow("", self.larger)
        form.addRow("", self.ask)
        if profile.role == "supervisor":
            # What only the mentor's window acts on (sharing and text size) is left out of the supervisor's;
            # the values are kept as they are.
            for mentor_only in (self.warn, self.larger, self.ask):
                form.setRowVisible(mentor_only, False)
        self.error = error_label()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def settings(self) -> Settings:
        return Settings(
            organisation=self.organisation.text().strip(),
            safeguarding_lead=self.lead.text().strip(),
            safeguarding_lead_phone=self.lead_phone.text().strip(),
            emergency_numbers=self.numbers.toPlainText().strip(),
            idle_lock_minutes=self.idle.value(),
            larger_text=self.larger.isChecked(),
            ask_before_sharing=self.ask.isChecked(),
            stale_after_months=self.stale.value(),
            warn_unreceived_days=self.warn.value(),
        )

    def save(self) -> None:
        try:
            save_settings(self.profile, self.settings())
        except BadInput as exc:
            self.error.setText(exc.message)
            return
        self.accept()
