"""The mentor's own log: supervision, training and volunteer hours."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout

from .. import clock
from ..records import store, vocab
from . import record_dialogs as dialogs
from .widgets import forget_when_closed


class MentorLogDialog(QDialog):
    def __init__(self, profile, parent=None):
        super().__init__(parent)
        forget_when_closed(self)
        self.profile = profile
        self.setWindowTitle("My log: hours, training and supervision")
        self.setMinimumSize(520, 420)
        self.totals = QLabel()
        self.totals.setAccessibleName("Hours this month")
        self.entries = QListWidget()
        self.entries.setAccessibleName("Log entries")
        self.entries.itemActivated.connect(self._edit)
        add = QPushButton("&Add an entry…")
        add.setAccessibleName("Add an entry")
        add.clicked.connect(self._add)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.totals)
        layout.addWidget(self.entries, 1)
        layout.addWidget(add)
        layout.addWidget(close)
        self.refresh()

    def refresh(self) -> None:
        self.entries.clear()
        month = clock.today().isoformat()[:7]
        hours = {k: 0.0 for k in vocab.MENTOR_LOG_KINDS}
        for s in store.list_records(self.profile.conn, "mentor_log"):
            r = s.record
            if r.on.startswith(month):
                hours[r.kind] += r.hours
            item = QListWidgetItem(
                f"{r.on}  {vocab.MENTOR_LOG_KINDS[r.kind]}: {r.hours:g} h" + (f" — {r.note}" if r.note else "")
            )
            item.setData(Qt.ItemDataRole.UserRole, s.id)
            self.entries.addItem(item)
        self.totals.setText(
            "This month: " + ", ".join(f"{vocab.MENTOR_LOG_KINDS[k]} {v:g} h" for k, v in hours.items())
        )

    def _add(self) -> None:
        form = dialogs.log_form(self, self.profile)
        form.saved.connect(lambda _record: self.refresh())
        form.exec()

    def _edit(self, item: QListWidgetItem) -> None:
        stored = store.get(self.profile.conn, item.data(Qt.ItemDataRole.UserRole))
        if stored:
            form = dialogs.log_form(self, self.profile, stored)
            form.saved.connect(lambda _record: self.refresh())
            form.exec()
