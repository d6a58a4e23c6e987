"""The first page after unlocking: what needs doing today, and how safe the notes are."""

from __future__ import annotations

from datetime import date
from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from .. import clock
from ..settings import load_settings
from ..storage import backups
from ..storage.keystore import KeyringStatus

ROLE_WORDS = {"mentor": "Peer mentor", "supervisor": "Supervisor"}
OPENED_WITH = {
    "keyring": "this computer's keyring",
    "passphrase": "your passphrase",
    "recovery code": "your recovery code (consider making a new one)",
    "set-up": "a new profile",
}


def _list(name: str) -> QListWidget:
    w = QListWidget()
    w.setAccessibleName(name)
    w.setWordWrap(True)
    return w


class HomePage(QWidget):
    open_mentee = Signal(str)
    check_in = Signal()  # "Check in now" on an overdue check-in

    def __init__(self, profile, parent=None):
        super().__init__(parent)
        self.profile = profile
        self.heading = QLabel()
        self.heading.setAccessibleName("Welcome")
        self.concerns = _list("Open safeguarding concerns")
        self.due = _list("Actions due")
        self.upcoming = _list("Next meetings")
        for w in (self.concerns, self.due, self.upcoming):
            w.itemActivated.connect(lambda item: self.open_mentee.emit(item.data(Qt.ItemDataRole.UserRole)))
        self.delivery = QLabel()
        self.delivery.setWordWrap(True)
        self.delivery.setAccessibleName("Sharing warning")
        self.delivery.setStyleSheet("color: #a00000; font-weight: bold;")
        self.delivery.setVisible(False)
        self.safety = QLabel()
        self.safety.setWordWrap(True)
        self.safety.setAccessibleName("How your notes are kept safe")
        layout = QVBoxLayout(self)
        layout.addWidget(self._build_overdue())
        layout.addWidget(self.heading)
        layout.addWidget(self.delivery)
        columns = QHBoxLayout()
        for title, widget in (
            ("Open safeguarding concerns", self.concerns),
            ("Actions due", self.due),
            ("Next meetings", self.upcoming),
        ):
            box = QVBoxLayout()
            label = QLabel(f"<b>{title}</b>")
            label.setBuddy(widget)
            box.addWidget(label)
            box.addWidget(widget)
            columns.addLayout(box)
        layout.addLayout(columns, 1)
        layout.addWidget(self.safety)
        self._greet(clock.today())  # in the first frame already, so the page doesn't shift when Today is read

    def _build_overdue(self) -> QFrame:
        """Overdue check-ins, first on the page: in red, and in words (not colour alone), with who knows."""
        self.overdue = QFrame()
        self.overdue.setObjectName("overdueCheckIn")
        self.overdue.setStyleSheet(
            "QFrame#overdueCheckIn { background: #fdecea; border: 2px solid #c62828; border-radius: 4px; }"
        )
        self.overdue_text = QLabel()
        self.overdue_text.setWordWrap(True)
        self.overdue_text.setAccessibleName("Overdue check-in")
        self.overdue_text.setStyleSheet("color: #a00000;")
        self.overdue_text.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.check_in_button = QPushButton("&Check in now")
        self.check_in_button.setAccessibleName("Check in now")
        self.check_in_button.clicked.connect(self.check_in)
        row = QHBoxLayout(self.overdue)
        row.addWidget(self.overdue_text, 1)
        row.addWidget(self.check_in_button, 0, Qt.AlignmentFlag.AlignTop)
        self.overdue.setVisible(False)
        return self.overdue

    def refresh_check_ins(self) -> None:
        """Overdue check-ins, read again (the watcher says when what is due changes)."""
        # imported here: keeps start-up fast (the window is drawn before Today is read)
        from ..records import checkins, store
        from .checkin import EMERGENCY, breakable, plan_words, since_words

        conn, today = self.profile.conn, clock.today()
        due = checkins.due(conn)
        parts = []
        for s in due:
            mentee = store.get(conn, s.mentee_id) if s.mentee_id else None
            name = mentee.record.title() if mentee is not None else ""
            parts.append(
                f"<b>⚠ Overdue check-in since {escape(since_words(s.record.check_in_at, today))}.</b> "
                f"{escape(plan_words(s, name))} <b>Who knows where you are:</b> {escape(breakable(s.record.who_knows))}"
            )
        if parts:
            parts.append(f"If you are safe, check in now. {EMERGENCY}")
        self.overdue_text.setText("<br>".join(parts))
        self.overdue.setVisible(bool(due))

    def _greet(self, today: date) -> None:
        self.heading.setText(
            f"<h2>Hello, {escape(self.profile.display_name)}</h2>"
            f"{today:%A} {today.day} {today:%B %Y}. Press Ctrl+K to search, Ctrl+M to record a meeting."
        )

    def refresh(self, caseload_rows: list | None = None) -> None:
        """Read Today again; `caseload_rows` saves reading the caseload twice when the caller has just read it."""
        # imported here: keeps start-up fast (the window is drawn before Today is read)
        from ..exchange import outbox
        from ..records import caseload, vocab
        from ..records.dates import listed_datetime, shown_date

        conn, today = self.profile.conn, clock.today()
        self._greet(today)
        self.refresh_check_ins()
        rows = caseload_rows if caseload_rows is not None else caseload.caseload(conn, today)
        names = {r.id: r.name for r in rows}
        delivery = outbox.concern_delivery(conn)
        self._fill(
            self.concerns,
            [
                (
                    f"{names.get(s.mentee_id, '')}: {vocab.CONCERN_CATEGORIES[s.record.category]} "
                    f"({vocab.CONCERN_URGENCY[s.record.urgency]}) — {outbox.concern_words(delivery, s.id)}",
                    s.mentee_id,
                )
                for s in caseload.open_concerns(conn)
            ],
            "None open.",
        )
        warning = outbox.late_warning(conn, load_settings(self.profile).warn_unreceived_days)
        self.delivery.setText(warning or "")
        self.delivery.setVisible(bool(warning))
        self._fill(
            self.due,
            [
                (f"{names.get(s.mentee_id, '')}: {s.record.text} (due {shown_date(s.record.due)})", s.mentee_id)
                for s in caseload.actions_due(conn, today)
            ],
            "Nothing due.",
        )
        self._fill(
            self.upcoming,
            [
                (f"{listed_datetime(s.record.next_meeting)} — {names.get(s.mentee_id, '')}", s.mentee_id)
                for s in caseload.upcoming_meetings(conn, today)
            ],
            "None planned.",
        )
        self.safety.setText(self._safety_words())

    def _fill(self, widget: QListWidget, rows: list[tuple[str, str | None]], empty: str) -> None:
        widget.clear()
        for text, mentee_id in rows:
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, mentee_id)
            widget.addItem(item)
        if not rows:
            item = QListWidgetItem(empty)
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            widget.addItem(item)

    def _safety_words(self) -> str:
        from ..records.dates import local_time  # imported here: keeps start-up fast

        p = self.profile
        found = backups.list_backups(p.path)
        keyring = p.keyring_status or p.read_keyring_status()
        parts = [
            f"{ROLE_WORDS.get(p.role, p.role)} profile, encrypted on this computer.",
            f"Opened with {OPENED_WITH.get(p.unlocked_by, p.unlocked_by)}.",
            # Opened by the keyring already says the key is there; otherwise say where the key stands.
            (
                ""
                if p.unlocked_by == "keyring"
                else "The key is in this computer's keyring, so next time it opens without a passphrase."
            )
            if keyring is KeyringStatus.OK
            else keyring.explain(),
            (f"Last backup {local_time(found[-1].taken)} ({len(found)} kept)." if found else "No backup yet."),
        ]
        if p.automatic_backups_paused:
            parts.append("Automatic backups are paused after a restore.")
        return " ".join(part for part in parts if part)
