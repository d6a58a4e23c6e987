"""Sharing with the supervisor: enrolment, the drive's state, what is waiting, and what is shared for whom."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from ..storage.profile import Profile

from .. import APP_NAME
from ..errors import MentorAppError
from ..exchange import outbox
from ..exchange.enrolment import (
    MISMATCH,
    SHARED_FOLDER,
    accept_enrolment,
    current_enrolment,
    escrow_words,
    fingerprint_matches,
    read_enrolment_file,
)
from ..exchange.export import LAST_EXPORT, device_folder, drive_status, pending_changes
from ..exchange.keys import device_key
from ..exchange.status import attention
from ..exchange.trip import trip
from ..records import caseload
from ..records.consent import consent_in_force
from ..records.dates import local_time, shown_date
from ..records.vocab import ConsentScope
from ..settings import load_settings
from ..words import count
from .messages import plain
from .prompts import Prompt, ask
from .widgets import busy_bar, error_label
from .worker import Job, run_with_profile


def sharing_words(conn, mentee_id: str) -> str:
    state = consent_in_force(conn, mentee_id, ConsentScope.SHARE_WITH_ORGANISATION)
    if state.in_force:
        return f"shared in full (they agreed on {shown_date(state.since)})"
    return "only counts, no name or notes (no consent to share); safeguarding concerns are always shared"


def export_in_background(profile, on_done, on_failed, new_records: bool = True):
    return run_with_profile(profile, lambda view: trip(view, new_records=new_records), on_done, on_failed)


class SyncDialog(QDialog):
    def __init__(self, profile: Profile, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.profile = profile
        self._job: Job | None = None
        self.last_message = ""
        self._enrolling: Path | None = None  # the enrolment file whose fingerprint is being asked for
        self.fingerprint_prompt: Prompt | None = None
        self.setWindowTitle("Sharing with your supervisor")
        self.setMinimumSize(620, 480)
        self.status = QLabel()
        self.status.setTextFormat(Qt.TextFormat.RichText)
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Sharing status")
        # Large, so it can be read out over the phone; the supervisor types it to approve this laptop.
        self.own_fingerprint = QLabel()
        self.own_fingerprint.setAccessibleName("This laptop's fingerprint: read this to your supervisor")
        self.own_fingerprint.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.own_fingerprint.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.people = QListWidget()
        self.people.setAccessibleName("What is shared for each mentee")
        self.people.setWordWrap(True)
        self.unreceived = QListWidget()
        self.unreceived.setAccessibleName("Not yet received by your supervisor")
        self.unreceived.setWordWrap(True)
        self.news = QLabel()
        self.news.setTextFormat(Qt.TextFormat.RichText)  # escaped lines: one alone would show "laptop&#x27;s"
        self.news.setWordWrap(True)
        self.news.setAccessibleName("What needs your attention")
        self.news.setStyleSheet("color: #a00000;")
        self.error = error_label()
        self.busy = busy_bar("Sharing")
        self.export_button = QPushButton("&Share now")
        self.export_button.setAccessibleName("Share now")
        self.export_button.clicked.connect(self.share_now)
        enrol = QPushButton("&Enrol with your organisation…")
        enrol.setAccessibleName("Enrol with your organisation")
        enrol.clicked.connect(self.enrol)
        folder = QPushButton("Choose the shared &folder…")
        folder.setAccessibleName("Choose the shared folder")
        folder.clicked.connect(self.choose_folder)
        row = QHBoxLayout()
        for b in (self.export_button, enrol, folder):
            row.addWidget(b)
        row.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.own_fingerprint)
        layout.addLayout(row)
        layout.addWidget(self.busy)
        layout.addWidget(self.error)
        layout.addWidget(self.news)
        waiting_label = QLabel("<b>Not yet &received by your supervisor</b>")
        waiting_label.setBuddy(self.unreceived)
        layout.addWidget(waiting_label)
        layout.addWidget(self.unreceived, 1)
        people_label = QLabel("<b>What is shared for each &mentee</b>")
        people_label.setBuddy(self.people)
        layout.addWidget(people_label)
        layout.addWidget(self.people, 1)
        layout.addWidget(close)
        self.refresh()

    def refresh(self) -> None:
        p = self.profile
        enrolment = current_enrolment(p)
        folder = p.get_setting(SHARED_FOLDER)
        drive = drive_status(folder)
        waiting = pending_changes(p)
        last = p.get_setting(LAST_EXPORT)
        lines = [
            f"<b>Organisation:</b> {escape(enrolment.organisation)} (fingerprint {enrolment.fingerprint})"
            if enrolment
            else "<b>Not enrolled yet.</b> Ask your supervisor for an enrolment file.",
            f"<b>Shared folder:</b> {escape(folder or 'not chosen')} — {drive.words}",
            f"<b>Waiting to share:</b> {count(waiting, 'change')}",
            f"<b>Last shared:</b> {local_time(last) if last else 'never'}",
        ]
        if enrolment and enrolment.escrow_recipient:
            lines.insert(1, escape(escrow_words(enrolment)))
        self.status.setText("<br>".join(lines))
        mine = device_key(p).fingerprint
        self.own_fingerprint.setText(
            "<b>Read this to your supervisor</b> — this laptop's fingerprint:<br>"
            f"<span style='font-size: 24pt; font-weight: bold; font-family: monospace;'>{mine}</span>"
        )
        self.own_fingerprint.setAccessibleDescription(
            f"This laptop's fingerprint is {' '.join(mine)}. Read it to "
            "your supervisor so they can approve this laptop."
        )
        self.export_button.setEnabled(bool(enrolment) and drive.reachable)
        self.news.setText("<br>".join(escape(n) for n in attention(p, load_settings(p).warn_unreceived_days)))
        self.news.setVisible(bool(self.news.text()))
        self.unreceived.clear()
        own_folder = device_folder(Path(folder), p) if folder and drive.reachable else None
        for batch in outbox.sent(p.conn, only_unreceived=True):
            carries = "a safeguarding concern — " if batch.concerns else ""
            if own_folder is not None and batch.placed_at and not batch.on_drive(own_folder):
                where = "missing from the shared drive: it will be written there again on the next trip"
            else:
                where = "on the shared drive" if batch.placed_at else "not on the shared drive yet"
            self.unreceived.addItem(
                f"Batch {batch.sequence}: {carries}{count(batch.records, 'record')}, sent "
                f"{shown_date(batch.created_at)}, {where}"
            )
        if not self.unreceived.count():
            self.unreceived.addItem(
                "Nothing: your supervisor has everything you shared." if enrolment else "Nothing shared yet."
            )
        self.people.clear()
        for row in caseload.caseload(p.conn):
            self.people.addItem(f"{row.name}: {sharing_words(p.conn, row.id)}")

    def share_now(self) -> None:
        self.busy.setVisible(True)
        self.export_button.setEnabled(False)
        self.error.clear()

        def done(result) -> None:
            self.busy.setVisible(False)
            self.refresh()
            self.error.setStyleSheet("color: #1b5e20;")
            self.error.setText(result.words())

        def failed(exc) -> None:
            self.busy.setVisible(False)
            self.refresh()
            self.error.setStyleSheet("color: #a00000;")
            self.error.setText(plain(exc))

        self._job = export_in_background(self.profile, done, failed)

    # The enrolment ceremony: the fingerprint is typed before anything of the file's is shown, and a wrong
    # one is refused without a hint of the right one. The prompts are methods so tests can answer them.
    def ask_fingerprint(self) -> str | None:
        """The fingerprint typed now (a test answers at once), or None: the box is open and its OK goes on
        with the enrolment. It has no loop of its own, so a lock hides it and unlocking brings it back."""
        path = self._enrolling
        if path is None:  # no enrolment file being read
            return None
        self.fingerprint_prompt = ask(
            self,
            lambda typed: self.enrol(path, typed),
            title="Check the fingerprint",
            about=f"Enrolling with the organisation in the file {path.name}. Your supervisor reads out your "
            "organisation's fingerprint to you, in person or on the phone.",
            question="&Type the fingerprint your supervisor reads out:",
            ok="&Check and go on",
            placeholder="four groups of four letters and digits",
            required="Type the fingerprint your supervisor reads out, or press Cancel.",
        )
        return None

    def confirm(self, text: str) -> bool:
        return QMessageBox.question(self, APP_NAME, text) == QMessageBox.StandardButton.Yes

    def tell(self, text: str, warning: bool = False) -> None:
        self.last_message = text
        (QMessageBox.warning if warning else QMessageBox.information)(self, APP_NAME, text)

    def enrol(self, path: str | Path | None = None, typed: str | None = None) -> str | None:
        """Enrol from an enrolment file; 'enrolled' or 'updated' when done, None otherwise (or not yet:
        the fingerprint is being asked for, and enrolling goes on from its box)."""
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, "Choose the enrolment file", "", "Enrolment files (*.json *.*)")
            if not path:
                return None
        path = Path(path)
        if typed is None:
            self._enrolling = path
            typed = self.ask_fingerprint()
        if not typed or not typed.strip():
            return None
        try:
            enrolment = read_enrolment_file(Path(path))
        except MentorAppError as exc:
            self.tell(exc.message, warning=True)
            return None
        if not fingerprint_matches(enrolment, typed):
            self.tell(MISMATCH, warning=True)
            return None
        escrow = escrow_words(enrolment)
        question = (
            f"The fingerprint matches. This enrolment file is from {enrolment.organisation}."
            + (f"\n\n{escrow}" if escrow else "")
            + f"\n\nEnrol with {enrolment.organisation}?"
        )
        if not self.confirm(question):
            return None
        try:
            outcome = accept_enrolment(self.profile, enrolment, typed)
        except MentorAppError as exc:
            self.tell(exc.message, warning=True)
            return None
        self.refresh()
        self.tell(
            f"{'Enrolled with' if outcome == 'enrolled' else 'Updated the enrolment for'} "
            f"{enrolment.organisation}." + (f" {escrow}" if escrow else "")
        )
        return outcome

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose the shared folder")
        if folder:
            self.profile.set_setting(SHARED_FOLDER, folder)
            self.refresh()
