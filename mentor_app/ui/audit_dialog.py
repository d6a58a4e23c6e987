"""The audit trail, for a data protection officer: filter it, read it, export it for an investigation."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox, QDialog, QDialogButtonBox, QFileDialog, QHBoxLayout, QLabel, QLineEdit, QMessageBox, QVBoxLayout,
)

from .. import APP_NAME
from ..exchange import mentors as register
from ..records import store
from ..records.dates import DateNotUnderstood, listed_datetime, parse_date, shown_date, uk_date
from ..records.store import SORT_FIELDS
from ..records.types import RECORD_TYPES
from ..errors import MentorAppError
from ..storage import audit
from ..words import count
from .prompts import fit_placeholder
from .table_model import RecordTable
from .widgets import error_label, named

SHOWN = 2000  # the newest; the export holds every entry the filters match
FINGERPRINT = re.compile(r"\bdevice ([A-Z0-9]{4}(?:-[A-Z0-9]{4}){3})\b")
RECORD_ID = re.compile(r"\b[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}\b")
BASIS_WORDS = {"consent": "in full, as they agreed", "counts": "as counts only", "safeguarding": "as safeguarding"}


def _local(at: str) -> str:
    """A stored UTC moment as the time on this computer's clock, in the form lists show."""
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        return at
    if moment.tzinfo is not None:
        moment = moment.astimezone().replace(tzinfo=None)
    return listed_datetime(moment.isoformat(timespec="minutes"))


class AuditWords:
    """The trail's entries in words a person understands: the kind of record and whom or what day it was about,
    the mentor's laptop by name, never an id. The ids stay in the trail itself, and in its export."""

    def __init__(self, conn, role: str):
        self.conn, self.supervisor = conn, role == "supervisor"
        self.names = {s.id: s.record.name for s in store.list_records(conn, "mentee")}
        self.held: set[str] = set(self.names)
        if self.supervisor:
            for rtype, mid, fields in conn.execute(
                    "SELECT type, mentee_id, fields FROM shared_records WHERE mentee_id IS NOT NULL "
                    "AND type IN ('mentee', 'concern') AND current = 1 AND deleted = 0"):
                self.held.add(mid)
                name = json.loads(fields).get("name" if rtype == "mentee" else "mentee_name")
                if name and (rtype == "mentee" or mid not in self.names):
                    self.names[mid] = name
            self.held |= {mid for (mid,) in conn.execute(
                "SELECT DISTINCT mentee_id FROM shared_records WHERE mentee_id IS NOT NULL AND deleted = 0")}
        self.laptops = {d.fingerprint: d.mentor_name for d in register.list_devices(conn)}

    # -- the columns ------------------------------------------------------------
    def when(self, e: audit.Entry) -> str:
        return _local(e.at)

    def about(self, e: audit.Entry) -> str:
        if not e.mentee_id:
            return ""
        if e.mentee_id in self.names:
            return self.names[e.mentee_id]
        if e.mentee_id in self.held:
            return "someone shared as counts only"
        return "someone no longer in these records"

    def record(self, e: audit.Entry) -> str:
        rtype, rid = e.record_type, e.record_id
        if rtype == "batch":
            return self._batch(e)
        if e.action == "export" and rid:
            number = rid.split("-", 1)[0]
            return f"Batch {int(number)} to your supervisor" if number.isdigit() else "A batch to your supervisor"
        if not rid:
            return ""
        if rtype == "mentee" or rid == e.mentee_id:
            return "" if e.action == "view" else "Their details"
        if rtype == "supervisor_note":
            found = self._find(rid)
            if found is None:
                return "Your note on a concern no longer here"
            return f"Your note on the {found[0][0].lower() + found[0][1:]}" + (f" of {found[1]}" if found[1] else "")
        kind = RECORD_TYPES[rtype].label if rtype in RECORD_TYPES else rtype.replace("_", " ").capitalize()
        if rtype == "mentor_log":
            kind = "Your own log entry"
        found = self._find(rid)
        if found is None:
            return f"{kind or 'A record'}, no longer here"
        _, day, deleted = found
        if deleted and e.mentee_id and e.mentee_id not in self.held:
            return f"{kind}, no longer here"  # erased with its person: not even its day is told
        if not day:
            words = kind
        elif rtype == "contact":
            words = f"{kind}: {day}"  # the organisation's name
        else:
            words = f"{kind} {'due' if rtype == 'action' else 'of'} {day}"
        return words + (", since deleted" if deleted else "")

    def detail(self, e: audit.Entry) -> str:
        text = FINGERPRINT.sub(lambda m: self._laptop(m[1]), e.detail)
        if e.action == "import":
            found = re.match(r"(\d+) records \((\d+) refused\)", text)
            if found:
                refused = int(found[2])
                return count(int(found[1]), "record") + (f", {refused} refused" if refused else "")
        if e.action == "export":
            text = re.sub(r"(\d+) by (\w+)",
                          lambda m: f"{count(int(m[1]), 'record')} {BASIS_WORDS.get(m[2], 'by ' + m[2])}", text)
        return RECORD_ID.sub("a record", text)

    # -- looking things up --------------------------------------------------------
    def _laptop(self, fp: str) -> str:
        name = self.laptops.get(fp, "")
        return f"{name}'s laptop" if name and not name.endswith(")") else (
            f"the laptop of {name}" if name else "a mentor's laptop")

    def _batch(self, e: audit.Entry) -> str:
        found = re.search(r"batch (\d+) from device (\S+)", e.detail)
        if e.action == "accept_gap" and ":" in e.record_id:
            fp, number = e.record_id.rsplit(":", 1)
            return f"Batch {number} from {self._laptop(fp)}"
        if found:
            return f"Batch {found[1]} from {self._laptop(found[2])}"
        return "A batch from a mentor's laptop"

    def _find(self, rid: str) -> tuple[str, str, bool] | None:
        """(what it is, its day in words or a directory entry's name, deleted) of a record held here, or None."""
        stored = store.get(self.conn, rid, include_deleted=True)
        if stored is not None:
            label = RECORD_TYPES[stored.type].label if stored.type in RECORD_TYPES else stored.type
            day = stored.sort_at if stored.type == "contact" else shown_date(stored.sort_at)
            return label, day, stored.deleted
        if not self.supervisor:
            return None
        row = self.conn.execute("SELECT type, fields, deleted FROM shared_records WHERE id = ? "
                                "ORDER BY current DESC, version DESC LIMIT 1", (rid,)).fetchone()
        if row is None:
            return None
        rtype, fields, deleted = row
        values = json.loads(fields)
        when = next((values[f] for f in SORT_FIELDS if values.get(f) and f != "organisation"), "")
        day = values.get("organisation", "") if rtype == "contact" else shown_date(str(when))
        label = RECORD_TYPES[rtype].label if rtype in RECORD_TYPES else rtype.replace("_", " ")
        return label, day, bool(deleted)


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
        for row, words, w in ((filters, "Ac&tion", self.action), (filters, "&Person", self.person),
                              (days, "&From", self.since), (days, "T&o", self.until)):
            label = QLabel(words)
            label.setBuddy(w)  # what a screen reader says for the list or field
            row.addWidget(label)
            row.addWidget(w, 1 if w is self.person else 0)
        days.addStretch(1)
        # Rows keyed by the entry: a refresh (an export, a new filter) keeps the current row on its entry.
        self.table = RecordTable("Audit entries", ["When", "What", "Record", "About", "Detail"])
        self.count = QLabel()
        hint = QLabel("Every unlock, view, change, deletion, export, import, sheet and print: what kind of record "
                      "and whom or what day it was about, never what a record says. It can only be added to. The "
                      "export for an investigation also holds each record's reference.")
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
            raise DateNotUnderstood(f"The first day, {shown_date(days['since'])}, is after the last, "
                                    f"{shown_date(days['until'])}. Swap them, or clear one.")
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
        self.table.set_rows([[words.when(e), e.words, words.record(e), words.about(e), words.detail(e)]
                             for e in found[:SHOWN]], [e.seq for e in found[:SHOWN]])
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
            target.unlink(missing_ok=True)  # the save dialog already asked before replacing a file
            written = audit.export_csv(audit.entries(self.profile.conn, **chosen), target)
        except OSError as exc:
            QMessageBox.warning(self, APP_NAME, f"Couldn't write {target.name}: {exc.strerror}.")
            return
        except MentorAppError as exc:
            QMessageBox.warning(self, APP_NAME, exc.message)
            return
        audit.record(self.profile.conn, "audit_export", actor=self.profile.author,
                     mentee_id=chosen["mentee_id"], detail=f"{written} entries")
        QMessageBox.information(self, APP_NAME, f"Wrote {count(written, 'entry', 'entries')} to {target}. They hold record ids, never "
                                "what the records say.")
        self.refresh()
