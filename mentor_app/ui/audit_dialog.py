"""The audit trail, for a data protection officer: filter it, read it, export it for an investigation."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox, QDialog, QDialogButtonBox, QFileDialog, QHBoxLayout, QLabel, QLineEdit, QMessageBox, QTableWidget,
    QTableWidgetItem, QVBoxLayout,
)

from .. import APP_NAME
from ..records import store
from ..records.types import RECORD_TYPES
from ..errors import MentorAppError
from ..storage import audit
from .widgets import named

SHOWN = 2000  # the newest; the export holds every entry the filters match


class AuditDialog(QDialog):
    def __init__(self, profile, parent=None, mentee_id: str = ""):
        super().__init__(parent)
        self.profile = profile
        self.setWindowTitle("Audit trail")
        self.resize(900, 560)
        self.names = {s.id: s.record.name for s in store.list_records(profile.conn, "mentee")}
        self.action = named(QComboBox(), "Action")
        self.action.addItem("All actions", "")
        for code, words in audit.ACTIONS.items():
            self.action.addItem(words, code)
        self.person = named(QComboBox(), "Person")
        self.person.addItem("Everyone and everything", "")
        for mid, name in sorted(self.names.items(), key=lambda kv: kv[1].casefold()):
            self.person.addItem(name, mid)
        self.person.setCurrentIndex(max(0, self.person.findData(mentee_id)))
        self.since = named(QLineEdit(), "From day")
        self.since.setPlaceholderText("from YYYY-MM-DD")
        self.until = named(QLineEdit(), "To day")
        self.until.setPlaceholderText("to YYYY-MM-DD")
        for w in (self.action, self.person):
            w.currentIndexChanged.connect(self.refresh)
        for w in (self.since, self.until):
            w.editingFinished.connect(self.refresh)
        filters = QHBoxLayout()
        for words, w in (("Ac&tion", self.action), ("&Person", self.person), ("&From", self.since),
                         ("T&o", self.until)):
            label = QLabel(words)
            label.setBuddy(w)  # what a screen reader says for the list or field
            filters.addWidget(label)
            filters.addWidget(w, 1 if w is self.person else 0)
        self.table = named(QTableWidget(0, 5), "Audit entries")
        self.table.setHorizontalHeaderLabels(["When", "What", "Record", "About", "Detail"])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectRows)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table; the arrow keys move in it
        self.count = QLabel()
        hint = QLabel("Every unlock, view, change, deletion, export, import, sheet and print, with record ids and "
                      "never what a record says. It can only be added to.")
        hint.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        export = buttons.addButton("&Export for an investigation…", QDialogButtonBox.ActionRole)
        export.clicked.connect(self.export)
        buttons.rejected.connect(self.reject)
        box = QVBoxLayout(self)
        box.addWidget(hint)
        box.addLayout(filters)
        box.addWidget(self.table, 1)
        box.addWidget(self.count)
        box.addWidget(buttons)
        self.refresh()

    def filters(self) -> dict:
        return {"action": self.action.currentData() or "", "mentee_id": self.person.currentData() or "",
                "since": self.since.text().strip(), "until": self.until.text().strip()}

    def refresh(self) -> None:
        found = audit.entries(self.profile.conn, limit=SHOWN + 1, **self.filters())
        self.table.setRowCount(min(len(found), SHOWN))
        for row, e in enumerate(found[:SHOWN]):
            kind = RECORD_TYPES[e.record_type].label if e.record_type in RECORD_TYPES else e.record_type.replace("_", " ")
            record = f"{kind} {e.record_id[:8]}" if e.record_id and e.record_id != e.mentee_id else ""
            about = self.names.get(e.mentee_id, e.mentee_id[:8]) if e.mentee_id else ""
            for col, text in enumerate([e.at.replace("T", " ")[:16], e.words, record, about, e.detail]):
                self.table.setItem(row, col, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        more = f" (the newest {SHOWN} shown; the export has them all)" if len(found) > SHOWN else ""
        self.count.setText(f"{min(len(found), SHOWN)} entries{more}")

    def export(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "Export the audit trail", "audit-trail.csv", "CSV files (*.csv)")
        if not name:
            return
        target = Path(name)
        try:
            target.unlink(missing_ok=True)  # the save dialog already asked before replacing a file
            count = audit.export_csv(audit.entries(self.profile.conn, **self.filters()), target)
        except OSError as exc:
            QMessageBox.warning(self, APP_NAME, f"Couldn't write {target.name}: {exc.strerror}.")
            return
        except MentorAppError as exc:
            QMessageBox.warning(self, APP_NAME, exc.message)
            return
        audit.record(self.profile.conn, "audit_export", actor=self.profile.author,
                     mentee_id=self.filters()["mentee_id"], detail=f"{count} entries")
        QMessageBox.information(self, APP_NAME, f"Wrote {count} entries to {target}. They hold record ids, never "
                                "what the records say.")
        self.refresh()
