"""The audit trail, for a data protection officer: filter it, read it, export it for an investigation."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
)

from .. import APP_NAME
from ..errors import MentorAppError
from ..privacy.audit_words import AuditWords
from ..records.dates import DateNotUnderstood, parse_date, shown_date, uk_date
from ..storage import audit
from ..storage.files import remove_chosen
from ..words import count
from .prompts import fit_placeholder
from .table_model import RecordTable
from .widgets import error_label, named

SHOWN = 2000  # the newest; the export holds every entry the filters match


class AuditDialog(QDialog):
    def __init__(self, profile, parent=None, mentee_id: str = ""):
        super().__init__(parent)
        self.profile = profile
        self.setWindowTitle("Audit trail")
        self.resize(900, 560)
        self.words = AuditWords(profile.conn, profile.role)
        self.names = self.words.names
        self.action = named(QComboBox(), "Action")
        self.action.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.action.setMinimumContentsLength(18)  # the longest action would push the date fields off a small screen
        self.action.addItem("All actions", "")
        for code, words in audit.ACTIONS.items():
            self.action.addItem(words, code)
        self.person = named(QComboBox(), "Person")
        self.person.addItem("Everyone and everything", "")
        for mid, name in sorted(self.names.items(), key=lambda kv: kv[1].casefold()):
            self.person.addItem(name, mid)
        self.person.setCurrentIndex(max(0, self.person.findData(mentee_id)))
        self.person.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.person.setMinimumContentsLength(14)
        self.since = named(QLineEdit(), "From day")
        self.since.setPlaceholderText("from, e.g. 1 Nov 2026")
        self.until = named(QLineEdit(), "To day")
        self.until.setPlaceholderText("to, e.g. 30 Nov 2026")
        for w in (self.since, self.until):
            fit_placeholder(w)
        self.problem = error_label()
        self.problem.setVisible(False)
        for w in (self.action, self.person):
            w.currentIndexChanged.connect(self.refresh)
        for w in (self.since, self.until):
            w.editingFinished.connect(self.refresh)
        # Two rows: with larger text, the lists and the days side by side are wider than a small screen.
        filters, days = QHBoxLayout(), QHBoxLayout()
        for row, words, w in (
            (filters, "Ac&tion", self.action),
            (filters, "&Person", self.person),
            (days, "&From", self.since),
            (days, "T&o", self.until),
        ):
            label = QLabel(words)
            label.setBuddy(w)  # what a screen reader says for the list or field
            row.addWidget(label)
            row.addWidget(w, 1 if w is self.person else 0)
        days.addStretch(1)
        # Rows keyed by the entry: a refresh (an export, a new filter) keeps the current row on its entry.
        self.table = RecordTable("Audit entries", ["When", "What", "Record", "About", "Detail"])
        self.count = QLabel()
        hint = QLabel(
            "Every unlock, view, change, deletion, export, import, sheet and print: what kind of record "
            "and whom or what day it was about, never what a record says. It can only be added to. The "
            "export for an investigation also holds each record's reference."
        )
        hint.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        export = buttons.addButton("&Export for an investigation…", QDialogButtonBox.ButtonRole.ActionRole)
        export.clicked.connect(self.export)
        buttons.rejected.connect(self.reject)
        box = QVBoxLayout(self)
        box.addWidget(hint)
        box.addLayout(filters)
        box.addLayout(days)
        box.addWidget(self.problem)
        box.addWidget(self.table, 1)
        box.addWidget(self.count)
        box.addWidget(buttons)
        self.refresh()

    def filters(self) -> dict:
        """What to look for; DateNotUnderstood when a day can't be read (what was typed is left as it is)."""
        days = {}
        for name, field, words in (("since", self.since, "From"), ("until", self.until, "To")):
            try:
                day = parse_date(field.text())
            except DateNotUnderstood as exc:
                raise DateNotUnderstood(f"{words}: {exc.message}") from None
            days[name] = day.isoformat() if day else ""
        if days["since"] and days["until"] and days["since"] > days["until"]:
            raise DateNotUnderstood(
                f"The first day, {shown_date(days['since'])}, is after the last, "
                f"{shown_date(days['until'])}. Swap them, or clear one."
            )
        return {"action": self.action.currentData() or "", "mentee_id": self.person.currentData() or "", **days}

    def _say(self, problem: str) -> None:
        self.problem.setText(problem)
        self.problem.setVisible(bool(problem))

    def refresh(self) -> None:
        try:
            chosen = self.filters()
        except DateNotUnderstood as exc:
            self._say(exc.message)  # the entries shown stay as they were until the day can be read
            return
        self._say("")
        for field, day in ((self.since, chosen["since"]), (self.until, chosen["until"])):
            if day:
                field.setText(uk_date(datetime.fromisoformat(day).date()))  # shown back as understood
        found = audit.entries(self.profile.conn, limit=SHOWN + 1, **chosen)
        words = self.words
        self.table.set_rows(
            [[words.when(e), e.words, words.record(e), words.about(e), words.detail(e)] for e in found[:SHOWN]],
            [e.seq for e in found[:SHOWN]],
        )
        more = f" (the newest {SHOWN} shown; the export has them all)" if len(found) > SHOWN else ""
        self.count.setText(f"{count(min(len(found), SHOWN), 'entry', 'entries')}{more}")

    def export(self) -> None:
        try:
            chosen = self.filters()
        except DateNotUnderstood as exc:
            self._say(exc.message)
            QMessageBox.warning(self, APP_NAME, f"{exc.message} Nothing was exported.")
            return
        name, _ = QFileDialog.getSaveFileName(self, "Export the audit trail", "audit-trail.csv", "CSV files (*.csv)")
        if not name:
            return
        target = Path(name)
        try:
            remove_chosen(target)  # the save dialog already asked before replacing a file
            written = audit.export_csv(audit.entries(self.profile.conn, **chosen), target)
        except OSError as exc:
            QMessageBox.warning(self, APP_NAME, f"Couldn't write {target.name}: {exc.strerror}.")
            return
        except MentorAppError as exc:
            QMessageBox.warning(self, APP_NAME, exc.message)
            return
        audit.record(
            self.profile.conn,
            "audit_export",
            actor=self.profile.author,
            mentee_id=chosen["mentee_id"],
            detail=f"{written} entries",
        )
        QMessageBox.information(
            self,
            APP_NAME,
            f"Wrote {count(written, 'entry', 'entries')} to {target}. They hold record ids, never "
            "what the records say.",
        )
        self.refresh()
