"""The Data protection menu: a subject access copy, erasing a person, retention, forgetting the keyring entry."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QSpinBox,
    QVBoxLayout,
)

from .. import APP_NAME
from ..errors import MentorAppError
from ..privacy import retention
from ..records import store
from ..records.dates import shown_date
from ..records.types import RECORD_TYPES
from ..words import count
from .messages import plain
from .prompts import Prompt, ask
from .table_model import RecordTable
from .widgets import named


def _busy(work):
    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        return work()
    finally:
        QApplication.restoreOverrideCursor()


def subject_access(parent, profile, mentee_id: str | None) -> Path | None:
    from ..privacy.sar import write_subject_access  # imported when used: only a subject access copy needs it

    if not mentee_id:
        QMessageBox.information(parent, APP_NAME, "Choose the person first (open their page), then make their copy.")
        return None
    folder = QFileDialog.getExistingDirectory(parent, "Where to save their subject access copy")
    if not folder:
        return None
    try:
        pdf, js, files = _busy(lambda: write_subject_access(profile, mentee_id, Path(folder)))
    except MentorAppError as exc:
        QMessageBox.warning(parent, APP_NAME, exc.message)
        return None
    beside = (
        f" Beside them, {count(len(files), 'attachment')} as attached, each in a file of its own: names in a "
        "picture or a scan can't be replaced, so look at each one too."
        if files
        else ""
    )
    QMessageBox.information(
        parent,
        APP_NAME,
        f"Saved {pdf.name} (to read) and {js.name} (machine-readable) in "
        f"{folder}.{beside}\n\nRead it through before you share it: other people's names are replaced, "
        "but check the notes yourself.",
    )
    return pdf


def erase(parent, profile, mentee_id: str | None, on_erased: Callable[[], None] | None = None) -> Prompt | None:
    """Ask why, then erase the person; `on_erased` runs once they are gone (the window refreshes from it).

    The question is a Prompt opened without a loop of its own, so a lock hides it and unlocking brings it
    back with the reason typed so far."""
    from ..privacy.erasure import erase_mentee  # imported when used: only erasing a person needs it

    person = store.get(profile.conn, mentee_id) if mentee_id else None
    if mentee_id is None or person is None:
        QMessageBox.information(parent, APP_NAME, "Open the person's page first, then erase them.")
        return None
    name = person.record.name

    def go_ahead(reason: str) -> None:
        sure = QMessageBox.warning(
            parent,
            APP_NAME,
            f"Erase {name} now? This cannot be undone.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if sure != QMessageBox.StandardButton.Yes:
            return
        try:
            result = _busy(lambda: erase_mentee(profile, mentee_id, reason))
        except MentorAppError as exc:
            QMessageBox.warning(parent, APP_NAME, exc.message)
            return
        QMessageBox.information(parent, APP_NAME, result.words())
        if on_erased is not None:
            on_erased()

    return ask(
        parent,
        go_ahead,
        title="Erase this person",
        about=f"Erasing removes everything about {name} from this laptop and its backups, and from your "
        "supervisor's copy at the next export. It cannot be undone.",
        question="&Why are they being erased? (for the audit trail)",
        placeholder="e.g. their written request of 28 November",
        ok="&Erase…",
        required="Give the reason for the erasure. Nothing is erased without one.",
    )


def forget_keyring(parent, profile) -> None:
    if not profile.meta.keyring_enabled:
        QMessageBox.information(
            parent,
            APP_NAME,
            "This computer's keyring does not hold the key: you already open your notes with your passphrase.",
        )
        return
    if (
        QMessageBox.question(
            parent,
            APP_NAME,
            "Remove the key from this computer's keyring? From now on the app "
            "asks for your passphrase each time it opens. Do this if the laptop may be lost or "
            "someone else can log in as you.",
        )
        != QMessageBox.StandardButton.Yes
    ):
        return
    try:
        profile.set_keyring(False)
    except Exception as exc:  # noqa: BLE001 - a keyring that fails still leaves the setting off
        QMessageBox.warning(parent, APP_NAME, plain(exc))
        return
    QMessageBox.information(parent, APP_NAME, "Done: the key is no longer in this computer's keyring.")


def _kind(record_type: str) -> str:
    return "The person's own record" if record_type == "mentee" else RECORD_TYPES[record_type].label


class RetentionDialog(QDialog):
    """How long each kind of record is kept, and what is past that now."""

    def __init__(self, profile, parent=None, names: dict | None = None):
        super().__init__(parent)
        self.profile = profile
        self.names = names or {s.id: s.record.name for s in store.list_records(profile.conn, "mentee")}
        self.setWindowTitle("Retention: due for deletion")
        self.resize(760, 560)
        policy = retention.load_policy(profile)
        form = QFormLayout()
        self.spins = {}
        for rtype, years in policy.years.items():
            label = _kind(rtype)
            spin = named(QSpinBox(), f"Years to keep: {label}")
            spin.setRange(1, retention.MAX_YEARS)
            spin.setValue(years)
            spin.setSuffix(" years")
            spin.valueChanged.connect(self.refresh)
            self.spins[rtype] = spin
            form.addRow(label, spin)
        self.automatic = QCheckBox("Delete what is due without asking, each time the app opens")
        self.automatic.setChecked(policy.automatic)
        if profile.role == "mentor" and retention.automatic_waiting(profile):
            self.automatic.setText(
                "Delete what is due without asking, each time the app opens (your organisation "
                "asks for this; tick to agree)"
            )
        hint = QLabel(
            "Counted from when a case closes (from its date, for your own log). Safeguarding records "
            "are kept longer. Deletions reach your supervisor's copy at the next export."
        )
        hint.setWordWrap(True)
        # Rows keyed by record: changing a period updates the list in place, the current row staying on its record.
        self.table = RecordTable("Records due for deletion", ["Record", "Person", "Counted from", "Kept for"])
        self.summary = QLabel()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close)
        self.delete_button = buttons.addButton("&Delete these now…", QDialogButtonBox.ButtonRole.ActionRole)
        self.delete_button.clicked.connect(self.delete_now)
        buttons.button(QDialogButtonBox.StandardButton.Save).clicked.connect(self.save)
        buttons.rejected.connect(self.reject)
        columns = QHBoxLayout()
        left = QVBoxLayout()
        left.addLayout(form)
        left.addWidget(self.automatic)
        left.addStretch(1)
        columns.addLayout(left)
        right = QVBoxLayout()
        right.addWidget(self.summary)
        right.addWidget(self.table, 1)
        columns.addLayout(right, 1)
        box = QVBoxLayout(self)
        box.addWidget(hint)
        box.addLayout(columns, 1)
        box.addWidget(buttons)
        self.refresh()

    def policy(self) -> retention.Policy:
        return retention.Policy({t: s.value() for t, s in self.spins.items()}, self.automatic.isChecked())

    def refresh(self) -> None:
        self.items = retention.due(self.profile.conn, self.policy())
        self.table.set_rows(
            [
                [_kind(d.record_type), self.names.get(d.mentee_id, "—"), shown_date(d.since), count(d.years, "year")]
                for d in self.items
            ],
            [d.record_id for d in self.items],
        )
        self.summary.setText(
            f"{count(len(self.items), 'record')} past their retention period."
            if self.items
            else "Nothing is past its retention period."
        )
        self.delete_button.setEnabled(bool(self.items))

    def save(self) -> None:
        try:
            retention.save_policy(self.profile, self.policy())
        except MentorAppError as exc:
            QMessageBox.warning(self, APP_NAME, exc.message)
            return
        self.summary.setText("Saved. " + self.summary.text())

    def delete_now(self) -> None:
        if (
            QMessageBox.warning(
                self,
                APP_NAME,
                f"Delete {'this record' if len(self.items) == 1 else f'these {len(self.items)} records'} now? "
                "This cannot be undone.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            != QMessageBox.StandardButton.Yes
        ):
            return
        report = retention.delete_due(self.profile, self.items)
        QMessageBox.information(self, APP_NAME, report.words() + " Each one is in the audit trail.")
        self.refresh()
