"""The supervisor's window: safeguarding first, then caseloads, activity, mentors and what was set aside."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMainWindow,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from .. import APP_NAME, clock
from ..errors import MentorAppError
from ..exchange import mentors as register
from ..exchange import requests
from ..exchange.enrolment import SHARED_FOLDER
from ..exchange.importer import accept_gap, import_files, import_folder, quarantine_list, retry_set_aside
from ..records import checkins, vocab
from ..records.dates import DateNotUnderstood, listed_datetime, parse_month, short_date, shown_date, shown_month
from ..reports import dashboard
from ..reports.dashboard import ConcernRow
from ..reports.figures import supervisor_figures
from ..settings import load_settings
from ..storage import audit
from ..storage.files import remove_chosen
from ..words import count
from .charts import BarChart
from .directory_page import DirectoryPage
from .jdl_dialog import JdlDialog
from .messages import plain, with_hint
from .own_fields_dialog import OwnFieldsDialog
from .prompts import Prompt, ask, fit_placeholder
from .screen_room import resize_within_screen
from .shell import LOCK_KEYS, WindowShell
from .table_model import RecordTable
from .widgets import error_label
from .worker import Job, run_in_background, run_with_profile

if TYPE_CHECKING:
    from ..storage.profile import Profile


def _mentor_action(row) -> str:
    """What the mentor recorded: their status, what they did and who they told."""
    words = vocab.CONCERN_STATUSES.get(row.status, row.status)
    if row.action_taken:
        words += ": " + " ".join(row.action_taken.split())[:120]
    if row.reported_to:
        words += f" (reported to {row.reported_to})"
    return words


REQUEST_WORDS = {"delete": "Deletion requested · ", "erase": "Erasure requested · "}
STATUS_WORDS = {"pending": "Waiting for approval", "approved": "Approved", "revoked": "Revoked"}


def _table(name: str, headers: list[str], choose_next: bool = True) -> RecordTable:
    """Rows keyed by their record: a refresh keeps the current row, and what a screen reader says, on it."""
    return RecordTable(name, headers, choose_next=choose_next)


def _button(text: str, slot) -> QPushButton:
    b = QPushButton(text)
    b.setAccessibleName(text.replace("&", "").rstrip("…"))
    b.clicked.connect(slot)
    return b


class SupervisorWindow(QMainWindow):
    refreshed = Signal()  # every tab shows what the profile holds now

    def __init__(self, profile: Profile):
        super().__init__()
        self.profile = profile
        self._job: Job | None = None
        self._report_job: Job | None = None
        # background work in flight, kept alive until it reports: reads by their request's token, "backups"
        self._jobs: dict[object, Job] = {}
        self._wanted: dict = {}  # part -> the newest request for it
        self._concern_count: int | None = None  # None until read (or when reading failed)
        self._people_count: int | None = None
        self._pending_devices = 0
        self._shown_person: str | None = None  # whose shared records the People tab shows
        self._concern_rows: dict[str, ConcernRow] = {}  # the queue as shown, by record id
        self.setWindowTitle(f"{APP_NAME} — {profile.display_name} (supervisor)")
        resize_within_screen(self, 1100, 720)

        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Supervisor sections")
        self.concerns = _table(
            "Safeguarding concerns to act on",
            ["Urgency", "Raised", "Mentee", "Kind", "Mentor", "The mentor's action", "What was seen or said"],
        )
        self._safety_rows: dict[str, dashboard.SafetyRow] = {}
        self.safety = _table(
            "Mentor safety: missed lone-working check-ins",
            ["Mentor safety", "Mentor", "Meeting", "Check in by", "Checked in", "Mentee", "Place"],
        )
        self.tabs.addTab(self._safeguarding_page(), "&Safeguarding")
        self.caseload = _table(
            "Caseload per mentor", ["Mentor", "People", "Active", "Not seen 14+ days", "Not seen 28+ days"]
        )
        self.tabs.addTab(
            self._page(self.caseload, "Each person counted once, whether or not they agreed to share their records."),
            "&Caseload",
        )
        self.tabs.addTab(self._activity_page(), "&Activity")
        self.tabs.addTab(self._people_page(), "Peop&le")
        self.mentors = _table("Mentor devices", ["Fingerprint", "Status", "Mentor", "First seen", "What has arrived"])
        self.tabs.addTab(
            self._page(
                self.mentors,
                "Approve a device only after its fingerprint matches the one the "
                "mentor reads to you (they see it in their app). A batch that is waiting usually "
                "arrives by itself: the mentor's app sends again whatever is missing.",
                [
                    ("Appro&ve…", self.approve),
                    ("Rev&oke…", self.revoke),
                    ("Accept a lost &batch…", self.accept_lost),
                    ("Look a&gain at set-aside files", self.retry_set_aside),
                ],
            ),
            "&Mentors",
        )
        self.quarantine = QListWidget()
        self.quarantine.setAccessibleName("Files set aside")
        self.quarantine.setWordWrap(True)
        self.tabs.addTab(
            self._page(self.quarantine, "Files from the shared drive that were not used, and why."), "Set asid&e"
        )
        # Alt-letters of the menus, the buttons above the tabs, the tabs and Publish.
        self.directory = DirectoryPage(profile, reserved="fpiryscalmedu")
        self.tabs.addTab(
            self._page(
                self.directory,
                "The organisation's signposting directory. Publish it to the "
                "shared drive and every mentor's app picks it up, checked against your "
                "organisation's signature.",
                [("P&ublish to the shared drive", self.publish)],
            ),
            "&Directory",
        )

        top = QHBoxLayout()
        self.summary = QLabel()
        self.summary.setAccessibleName("Import summary")
        self.summary.setWordWrap(True)
        top.addWidget(self.summary, 1)
        top.addWidget(_button("&Import from the shared drive…", self.import_now))
        top.addWidget(_button("Funder &report…", self.make_report))
        top.addWidget(_button("New organisation ke&ys…", self.rotate_keys))
        workspace = QWidget()
        box = QVBoxLayout(workspace)
        box.addLayout(top)
        box.addWidget(self.tabs, 1)

        # Lock, idle, clipboard, automatic backups (every few minutes when something changed, and on
        # closing) and closing itself: shared with the mentor's window.
        settings = load_settings(profile)
        self.shell = WindowShell(
            self,
            profile,
            workspace,
            idle_minutes=settings.idle_lock_minutes,
            title=lambda: f"{APP_NAME} — {self.profile.display_name} (supervisor)",
            on_unlocked=self.refresh,
        )
        self.lock_page, self.idle = self.shell.lock_page, self.shell.idle
        self.clipboard_guard, self.timer = self.shell.clipboard_guard, self.shell.backup_timer

        self._build_menus()
        self.refresh()

    def _build_menus(self) -> None:
        def add(menu, text: str, slot, shortcut=None) -> QAction:
            action = QAction(text, self)
            if shortcut is not None:
                action.setShortcut(QKeySequence(shortcut))
            # Nothing behind the lock screen opens from a menu or its shortcut.
            action.triggered.connect(lambda: None if self.locked else slot())
            menu.addAction(action)
            return action

        bar = self.menuBar()
        file = bar.addMenu("&File")
        add(file, "&Import from the shared drive…", self.import_now)
        add(file, "Funder &report…", self.make_report)
        add(file, "&Justice Data Lab file…", self.open_jdl)
        add(file, "&Our own questions…", self.open_own_fields)
        add(file, "New organisation &keys…", self.rotate_keys)
        file.addSeparator()
        add(file, "&Back up now", self.back_up_now, "Ctrl+Shift+B")
        add(file, "&Check for damage", self.check_now)
        add(file, "Se&ttings…", self.open_settings, "Ctrl+,")
        file.addSeparator()
        add(file, "&Quit", self.close, QKeySequence.StandardKey.Quit)
        view = bar.addMenu("Vie&w")  # Alt+V is the Mentors tab's Approve
        add(view, "&Lock now", self.lock, LOCK_KEYS)
        privacy = bar.addMenu("Data &protection")
        add(privacy, "&Audit trail…", self.open_audit)
        add(privacy, "&Retention: due for deletion…", self.open_retention)
        self.menus = [file, view, privacy]

    def _page(self, widget, hint: str, actions=()) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        label = QLabel(hint)
        label.setWordWrap(True)
        box.addWidget(label)
        box.addWidget(widget, 1)
        if actions:
            row = QHBoxLayout()
            for text, slot in actions:
                row.addWidget(_button(text, slot))
            row.addStretch(1)
            box.addLayout(row)
        return page

    def _safeguarding_page(self) -> QWidget:
        """Concerns about mentees, and below them missed check-ins: the mentors' own safety."""
        page = self._page(
            self.concerns,
            "Newest and most urgent first. Overdue ones are marked ⚠. When a "
            "mentor asks to delete or erase a concern, it stays here until you keep it "
            "(with a reason) or erase it.",
            [
                ("Record the action &taken…", self.acknowledge),
                ("&Keep, with a reason…", lambda: self.decide_request(False)),
                ("Erase as re&quested…", lambda: self.decide_request(True)),
            ],
        )
        box = page.layout()
        assert isinstance(box, QVBoxLayout)
        box.setStretch(1, 3)
        late = int(checkins.LATE_AFTER.total_seconds() // 60)
        hint = QLabel(
            "<b>Mentor safety: missed lone-working check-ins.</b> A mentor did not check in within "
            f"{late} minutes of the time in their meeting plan. You learn of it when their laptop next reaches "
            "the shared drive, so it may be late: if there is no check-in yet, contact the mentor and the person "
            "they said knows where they are. The mentee and the place are shown only when the mentee agreed to "
            "share their records."
        )
        hint.setWordWrap(True)
        box.addWidget(hint)
        box.addWidget(self.safety, 2)
        row = QHBoxLayout()
        row.addWidget(_button("&Note what was done about a check-in…", self.acknowledge_check_in))
        row.addStretch(1)
        box.addLayout(row)
        return page

    def _people_page(self) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        hint = QLabel(
            "People whose records are shared with you by consent. Mentors' records are read-only here; "
            "add your own notes beside them."
        )
        hint.setWordWrap(True)
        self.people = _table("People shared by consent", ["Name", "Mentor"], choose_next=False)
        self.people.choice_changed.connect(lambda _key: self._show_person())
        self.person = _table("Their shared records", ["When", "What", "Summary"])
        row = QHBoxLayout()
        row.addWidget(self.people, 1)
        row.addWidget(self.person, 2)
        box.addWidget(hint)
        box.addLayout(row, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(_button("Add a &note…", self.add_note))
        buttons.addWidget(_button("S&ubject access copy…", self.subject_access))
        buttons.addStretch(1)
        box.addLayout(buttons)
        return page

    def _chosen_person(self) -> str | None:
        """The person whose row is chosen in the People tab (selected, not merely passed over)."""
        return self.people.selected_key()

    def _show_person(self) -> None:
        """Their shared records beside the list; showing a person's is on the audit trail, showing them again
        (a refresh, a note added) is not."""
        mentee_id = self._chosen_person()
        if mentee_id is None:
            self._shown_person = None
            self.person.set_rows([])
            return
        if mentee_id != self._shown_person:
            audit.record(
                self.profile.conn,
                "view",
                actor=self.profile.author,
                record_type="mentee",
                record_id=mentee_id,
                mentee_id=mentee_id,
            )
        self._shown_person = mentee_id
        self.person.set_rows(
            [
                [listed_datetime(when), what, summary]
                for when, what, summary in dashboard.person_records(self.profile.conn, mentee_id)
            ]
        )

    def _person_name(self, mentee_id: str) -> str:
        row = self.people.model_.row_of(mentee_id)
        return self.people.model_.text(row, 0) if row >= 0 else "this person"

    def subject_access(self) -> None:
        from .privacy_dialogs import subject_access  # imported here: keeps start-up fast

        subject_access(self, self.profile, self._chosen_person())

    def add_note(self) -> Prompt | None:
        mentee_id = self._chosen_person()
        if mentee_id is None:
            QMessageBox.information(self, APP_NAME, "Choose the person in the list first, then add your note.")
            return None
        name = self._person_name(mentee_id)

        def save(text: str) -> None:
            try:
                dashboard.acknowledge(self.profile.conn, mentee_id, text, self.profile.display_name)
            except MentorAppError as exc:
                QMessageBox.warning(self, APP_NAME, exc.message)
            if self._chosen_person() == mentee_id:
                self._show_person()

        return ask(
            self,
            save,
            kind="text",
            title="Your note",
            about=f"A note of your own about {name}. The "
            "mentor's records stay as they are; your note is shown beside them.",
            question="Your &note:",
            ok="&Save the note",
            required="Type your note, or press Cancel.",
        )

    def _activity_page(self) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        filters = QHBoxLayout()
        self.mentor_filter = QComboBox()
        self.mentor_filter.setAccessibleName("Mentor")
        self.start_month = QLineEdit()
        self.start_month.setAccessibleName("From month")
        self.start_month.setPlaceholderText("from month, e.g. Apr 2026")
        self.end_month = QLineEdit()
        self.end_month.setAccessibleName("To month")
        self.end_month.setPlaceholderText("to month, e.g. Nov 2026")
        for w in (self.start_month, self.end_month):
            fit_placeholder(w)
            w.editingFinished.connect(self.refresh_activity)
        self.month_problem = error_label()
        self.month_problem.setAccessibleName("Problem with the months")
        self.month_problem.setVisible(False)
        self.mentor_filter.currentIndexChanged.connect(self.refresh_activity)
        fields: tuple[tuple[str, QWidget], ...] = (
            ("Men&tor:", self.mentor_filter),
            ("M&onths:", self.start_month),
            ("", self.end_month),
        )
        for label, field in fields:
            if label:
                buddy = QLabel(label)
                buddy.setBuddy(field)  # the label is what a screen reader says for the list
                filters.addWidget(buddy)
            filters.addWidget(field)
        filters.addStretch(1)
        box.addLayout(filters)
        box.addWidget(self.month_problem)
        self.meetings_chart = BarChart("Meetings per week")
        self.sport_chart = BarChart("Sport minutes per week", " min")
        self.hours_chart = BarChart("Mentor hours per week", " h")
        charts = QHBoxLayout()
        for chart in (self.meetings_chart, self.sport_chart, self.hours_chart):
            charts.addWidget(chart)
        box.addLayout(charts)
        self.referrals = _table("Referrals by need and outcome", ["Need", "Outcome", "Number"])
        self.needs = _table("Needs: distance travelled", ["Area", "First (average)", "Latest (average)", "People"])
        tables = QHBoxLayout()
        tables.addWidget(self.referrals)
        tables.addWidget(self.needs)
        box.addLayout(tables, 1)
        return page

    # -- showing ------------------------------------------------------------
    # Counting years of every mentor's records takes longer than a frame, so the reading
    # happens on another connection off the UI thread and the tables fill when it is done.
    def refresh(self) -> None:
        conn = self.profile.conn
        devices = register.list_devices(conn)
        chosen = self.mentor_filter.currentData()
        self.mentor_filter.blockSignals(True)
        self.mentor_filter.clear()
        self.mentor_filter.addItem("All mentors", "")
        for d in devices:
            self.mentor_filter.addItem(d.mentor_name or d.fingerprint, d.fingerprint)
        self.mentor_filter.setCurrentIndex(max(0, self.mentor_filter.findData(chosen or "")))
        self.mentor_filter.blockSignals(False)
        self.mentors.set_rows(
            [
                [
                    d.shown_fingerprint,
                    STATUS_WORDS.get(d.status, d.status),
                    d.mentor_name,
                    shown_date(d.first_seen),
                    d.delivery_words(),
                ]
                for d in devices
            ],
            [d.fingerprint for d in devices],
        )
        self._pending_devices = sum(d.status == "pending" for d in devices)
        self.directory.refresh()
        self._load("overview", dashboard.overview, self._show_overview)
        self.refresh_activity()

    def refresh_activity(self) -> None:
        """Charts and tables for the chosen mentor and months (counts include everyone, each once)."""
        fp = self.mentor_filter.currentData() or ""
        try:
            first, last = parse_month(self.start_month.text()), parse_month(self.end_month.text())
        except DateNotUnderstood as exc:
            self._month_problem(exc.message)  # what was typed stays, to be put right
            return
        if first and last and first > last:
            self._month_problem(
                f"The first month, {shown_month(first)}, is after the last, {shown_month(last)}. "
                "Swap them, or clear one."
            )
            return
        self._month_problem("")
        for field, month in ((self.start_month, first), (self.end_month, last)):
            if month is not None:
                field.setText(shown_month(month))  # shown back as understood
        start, end = (f"{first:%Y-%m}" if first else ""), (f"{last:%Y-%m}" if last else "")
        self._load("activity", lambda conn: dashboard.activity(conn, fp, start, end), self._show_activity)

    def _month_problem(self, words: str) -> None:
        self.month_problem.setText(words)
        self.month_problem.setVisible(bool(words))

    def _load(self, part: str, read, show) -> None:
        """Read `part` in the background; only the newest request for a part is shown."""
        token = object()
        self._wanted[part] = token
        self._update_summary()
        profile = self.profile

        def settle() -> None:
            if self._wanted.get(part) is token:
                del self._wanted[part]
            self._jobs.pop(token, None)
            self._update_summary()
            if not self._wanted:
                self.refreshed.emit()

        def done(result) -> None:
            if self._wanted.get(part) is token and not profile.closed:
                show(result)
            settle()

        def failed(exc) -> None:
            if self._wanted.get(part) is token:
                self.statusBar().showMessage(plain(exc), 15_000)
            settle()

        self._jobs[token] = run_with_profile(profile, lambda view: read(view.conn), done, failed)

    def _show_overview(self, view: dashboard.Overview) -> None:
        rows = view.concerns
        self._concern_rows = {r.record_id: r for r in rows}
        # A mentor's request to delete a concern is shown first in its row: the supervisor decides.
        self.concerns.set_rows(
            [
                [
                    (REQUEST_WORDS[r.deletion_requested] if r.deletion_requested else "")
                    + (
                        "Closed by the mentor"
                        if r.closed
                        else ("⚠ " if r.overdue else "") + vocab.CONCERN_URGENCY.get(r.urgency, r.urgency)
                    ),
                    listed_datetime(r.raised_at),
                    r.mentee_name,
                    vocab.CONCERN_CATEGORIES.get(r.category, r.category),
                    r.mentor,
                    _mentor_action(r),
                    " ".join(r.what_happened.split())[:200],
                ]
                for r in rows
            ],
            [r.record_id for r in rows],
        )
        self.caseload.set_rows(
            [[r.mentor, r.people, r.active, r.not_seen_14, r.not_seen_28] for r in view.caseload],
            [r.key for r in view.caseload],
        )
        self.people.set_rows([[name, mentor] for _, name, mentor in view.people], [mid for mid, _, _ in view.people])
        if self._shown_person is not None and self._chosen_person() == self._shown_person:
            self._show_person()  # still chosen: what arrived for them shows too
        self.quarantine.clear()
        for name, reason in quarantine_list(self.profile.conn):
            self.quarantine.addItem(f"{name}: {reason}")
        for mentor, rtype, version in view.conflicts:
            self.quarantine.addItem(
                f"Conflict: a {rtype.replace('_', ' ')} from {mentor} was changed on two "
                f"laptops from version {version - 1}; both versions are kept for you to settle."
            )
        self._concern_count = len(rows)
        self._safety_rows = {r.record_id: r for r in view.safety}
        self.safety.set_rows(
            [
                [
                    "Checked in late" if r.checked_in_at else "⚠ No check-in yet",
                    r.mentor,
                    listed_datetime(r.meeting_at),
                    listed_datetime(r.check_in_at),
                    listed_datetime(r.checked_in_at)
                    or (f"Not yet (noticed {listed_datetime(r.noticed_at)})" if r.noticed_at else "Not yet"),
                    r.mentee_name or "Not shared (no consent)",
                    " ".join(r.place.split())[:200] if r.mentee_name else "On the mentor's laptop",
                ]
                for r in view.safety
            ],
            [r.record_id for r in view.safety],
        )

    def _show_activity(self, activity: dashboard.Activity) -> None:
        label = lambda w: short_date(date.fromisoformat(w))  # noqa: E731
        self.meetings_chart.set_bars([(label(w), m) for w, m, _, _ in activity.weeks])
        self.sport_chart.set_bars([(label(w), s) for w, _, s, _ in activity.weeks])
        self.hours_chart.set_bars([(label(w), h) for w, _, _, h in activity.weeks])
        figures = activity.figures
        referrals = sorted(figures.referrals.items())
        self.referrals.set_rows(
            [[vocab.DIRECTORY_CATEGORIES.get(c, c), vocab.REFERRAL_OUTCOMES.get(o, o), n] for (c, o), n in referrals],
            [key for key, _ in referrals],
        )
        self.needs.set_rows(
            [
                [vocab.NEEDS_AREAS[a], f"{first:.1f}", f"{latest:.1f}", n]
                for a, (first, latest, n) in figures.needs_change.items()
            ],
            list(figures.needs_change),
        )
        self._people_count = figures.people

    def _update_summary(self) -> None:
        if "overview" in self._wanted and self._concern_count is None:
            self.summary.setText("Counting everyone's records…")
            return
        # A count not read (yet, or because reading failed) shows as "…", never as "None".
        people = "… people" if self._people_count is None else count(self._people_count, "person", "people")
        concerns = (
            "… safeguarding concerns"
            if self._concern_count is None
            else count(self._concern_count, "safeguarding concern")
        )
        missed = (
            f"⚠ {count(len(self._safety_rows), 'missed check-in')} · "
            if self._safety_rows and self._concern_count is not None
            else ""
        )
        self.summary.setText(
            f"{concerns} to act on · {missed}{people} · "
            f"{count(self._pending_devices, 'mentor device')} waiting for approval"
            + (" · updating…" if self._wanted else "")
        )

    # -- acting -------------------------------------------------------------
    def _chosen_concern(self, to_do: str) -> ConcernRow | None:
        """The concern whose row is chosen; if none is, the supervisor is told what to do first."""
        record_id = self.concerns.chosen_key()
        row = self._concern_rows.get(record_id) if record_id is not None else None
        if row is None:
            QMessageBox.information(self, APP_NAME, f"Choose the concern in the list first, then {to_do}.")
        return row

    @staticmethod
    def _concern_words(row: ConcernRow) -> str:
        """Which concern, in words: whom it is about, what kind, when and from which mentor."""
        kind = vocab.CONCERN_CATEGORIES.get(row.category, row.category).lower()
        who = row.mentee_name or "someone not named"
        return (
            f"The concern about {who} ({kind}), raised {listed_datetime(row.raised_at)}"
            + (f" by {row.mentor}" if row.mentor else "")
            + "."
        )

    def acknowledge(self) -> Prompt | None:
        row = self._chosen_concern("record what was done about it")
        if row is None:
            return None
        about = self._concern_words(row)

        def save(action: str) -> None:
            try:
                dashboard.acknowledge(self.profile.conn, row.record_id, action, self.profile.display_name)
            except MentorAppError as exc:
                QMessageBox.warning(self, APP_NAME, exc.message)
                return
            self.statusBar().showMessage(
                f"Saved what was done. {about[:-1]} has left the list of concerns to act on.", 15_000
            )
            self.refresh()

        return ask(
            self,
            save,
            kind="text",
            title="Action taken",
            about=about,
            question="What was &done, and by whom?",
            ok="&Save the action",
            required="Say what was done about the concern, or press Cancel.",
        )

    def acknowledge_check_in(self) -> Prompt | None:
        """What the supervisor did about a missed check-in (phoned the mentor, …): it then leaves the list."""
        record_id = self.safety.chosen_key()
        row = self._safety_rows.get(record_id) if record_id is not None else None
        if row is None:
            QMessageBox.information(
                self, APP_NAME, "Choose the missed check-in in the list first, then note what was done about it."
            )
            return None
        about = f"The check-in due by {listed_datetime(row.check_in_at)} from {row.mentor}, which was missed."

        def save(action: str) -> None:
            try:
                dashboard.acknowledge(self.profile.conn, row.record_id, action, self.profile.display_name)
            except MentorAppError as exc:
                QMessageBox.warning(self, APP_NAME, exc.message)
                return
            self.statusBar().showMessage("Saved what was done. The missed check-in has left the list.", 15_000)
            self.refresh()

        return ask(
            self,
            save,
            kind="text",
            title="Missed check-in",
            about=about,
            question="What was &done, and by whom?",
            ok="&Save",
            required="Say what was done about the missed check-in, or press Cancel.",
        )

    def decide_request(self, erase: bool) -> Prompt | None:
        """A mentor asked to delete or erase a concern: the supervisor keeps it, with a reason, or erases it."""
        row = self._chosen_concern("erase it or keep it" if erase else "keep it or erase it")
        if row is None:
            return None
        record_id = row.record_id
        if record_id not in requests.pending(self.profile.conn):
            QMessageBox.information(self, APP_NAME, "The mentor has not asked to delete or erase this concern.")
            return None

        def decide(reason: str) -> None:
            person = self.profile.conn.execute(
                "SELECT coalesce(mentee_id, '') FROM shared_records WHERE id = ? LIMIT 1", (record_id,)
            ).fetchone()
            try:
                QMessageBox.information(
                    self,
                    APP_NAME,
                    requests.decide(self.profile.conn, record_id, erase, reason, self.profile.display_name),
                )
            except MentorAppError as exc:
                QMessageBox.warning(self, APP_NAME, exc.message)
                return
            finally:
                self.refresh()
            if erase:
                self._erase_from_backups({record_id}, {person[0]} if person and person[0] else set())

        about = self._concern_words(row)
        if erase:
            if (
                QMessageBox.question(
                    self,
                    APP_NAME,
                    f"{about}\n\nErase this concern and your notes on it, as the mentor asks? This cannot be undone.",
                )
                != QMessageBox.StandardButton.Yes
            ):
                return None
            decide("")
            return None
        return ask(
            self,
            decide,
            kind="text",
            title="Keep the concern",
            about=f"{about} The mentor asked for it to be deleted; it stays if you keep it.",
            question="&Why is it kept? (kept in the audit trail)",
            ok="&Keep it",
            required="Say why the concern is kept, for the audit trail, or press Cancel.",
        )

    def _erase_from_backups(self, ids: set, people: set) -> None:
        """Backups follow the decision, off the window's thread (each one is copied and compacted)."""
        from ..privacy.erasure import reach_supervisor_backups  # imported here: keeps start-up fast

        def done(result) -> None:
            if result.not_rewritten:
                QMessageBox.warning(self, APP_NAME, result.words())

        self._jobs["backups"] = run_with_profile(
            self.profile,
            lambda view: reach_supervisor_backups(view, ids, people, set()),
            done,
            lambda exc: QMessageBox.warning(self, APP_NAME, plain(exc)),
        )

    def _device(self, to_do: str) -> register.MentorDevice | None:
        """The device whose row is chosen; if none is, the supervisor is told what to do first."""
        fp = self.mentors.chosen_key()
        device = next((d for d in register.list_devices(self.profile.conn) if d.fingerprint == fp), None)
        if device is None:
            QMessageBox.information(self, APP_NAME, f"Choose the mentor's device in the list first, then {to_do}.")
        return device

    @staticmethod
    def _device_words(device: register.MentorDevice) -> str:
        if device.mentor_name:
            return f"the device of {device.mentor_name}"
        return "the device with no name yet" if device.status == "pending" else f"device {device.fingerprint}"

    def approve(self) -> None:
        """The supervisor types the fingerprint the mentor reads out (never shown here to copy) and the name."""
        device = self._device("approve it")
        if device is None:
            return
        from .approve_dialog import ApproveDeviceDialog  # imported here: keeps start-up fast

        self._approve_dialog = ApproveDeviceDialog(self.profile.conn, device, self)
        # From its signal, with no loop of its own: a lock hides it, and it can still be finished after unlocking.
        self._approve_dialog.accepted.connect(self.refresh)
        self._approve_dialog.open()

    def revoke(self) -> Prompt | None:
        device = self._device("revoke it")
        if device is None:
            return None
        fp = device.fingerprint

        def revoke_from(number: int) -> None:
            try:
                register.revoke(self.profile.conn, fp, from_sequence=number)
            except MentorAppError as exc:
                QMessageBox.warning(self, APP_NAME, exc.message)
                return
            self.statusBar().showMessage(
                f"Revoked {self._device_words(device)}: batches from number {number} on are refused.", 15_000
            )
            self.refresh()

        arrived = (
            f"Batches from {self._device_words(device)} have arrived up to batch {device.last_sequence}."
            if device.last_sequence
            else f"Nothing has arrived yet from {self._device_words(device)}."
        )
        return ask(
            self,
            revoke_from,
            title="Revoke a mentor device",
            kind="number",
            value=device.last_sequence + 1,
            minimum=1,
            about=f"{arrived} The batches before the number you give still import, for example "
            "when a laptop was lost after writing them.",
            question="&Refuse batches from this number on:",
            ok="Re&voke",
        )

    def accept_lost(self) -> Prompt | None:
        device = self._device("accept its missing batch as lost")
        if device is None:
            return None
        if not device.waiting_for:
            QMessageBox.information(self, APP_NAME, "Nothing is waiting from this device: no batch is missing.")
            return None
        fp, missing = device.fingerprint, device.waiting_for

        def accept(reason: str) -> None:
            try:
                QMessageBox.information(self, APP_NAME, accept_gap(self.profile, fp, missing, reason))
            except MentorAppError as exc:
                QMessageBox.warning(self, APP_NAME, exc.message)
            self.refresh()

        return ask(
            self,
            accept,
            title="Accept a lost batch",
            about=f"Batch {missing} from {self._device_words(device)} has not arrived since "
            f"{shown_date(device.waiting_since)}, and later ones are waiting behind it. Only accept it as "
            "lost once the mentor's app can no longer send it (for example, the laptop was lost). If it "
            "turns up later, it is still imported.",
            question="&Why is it lost? (kept in the audit trail)",
            ok="&Accept as lost",
            required="Say why the batch is lost, for the audit trail, or press Cancel.",
        )

    def retry_set_aside(self) -> None:
        n = retry_set_aside(self.profile)
        QMessageBox.information(
            self, APP_NAME, f"{count(n, 'file')} set aside will be looked at again on the next import."
        )
        self.refresh()

    def import_now(self) -> None:
        start = self.profile.get_setting(SHARED_FOLDER) or ""
        folder = QFileDialog.getExistingDirectory(self, "The shared folder with the mentors' logs", start)
        if not folder:
            return
        self.profile.set_setting(SHARED_FOLDER, folder)
        self._import(lambda view, progress, stop: import_folder(view, Path(folder), progress, stop))

    def import_batch_file(self, path: Path) -> None:
        """A mentor's log opened from the file manager: checked and imported like any in the shared folder."""
        self._import(lambda view, progress, stop: import_files(view, [Path(path)], progress, stop))

    def _import(self, read) -> None:
        progress = QProgressDialog("Importing the mentors' logs…", "Stop", 0, 100, self)
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setAccessibleName("Import progress")
        stop = threading.Event()
        progress.canceled.connect(stop.set)
        state = {"done": 0, "total": 1}

        def work():
            from ..privacy.erasure import after_import  # imported here: keeps start-up fast

            with self.profile.second_connection() as view:
                summary = read(view, lambda d, t: state.update(done=d, total=max(t, 1)), stop.is_set)
                summary.backups = after_import(view, summary)  # withdrawals and erasures reach the backups
                return summary

        def finished(summary) -> None:
            progress.close()
            self.refresh()
            QMessageBox.information(
                self,
                APP_NAME,
                " ".join(
                    [with_hint(summary.words(), summary.hint)]
                    + ([summary.backups.words()] if summary.backups.not_rewritten else [])
                ),
            )

        def failed(exc) -> None:
            progress.close()
            QMessageBox.warning(self, APP_NAME, plain(exc))

        timer = QTimer(progress)
        timer.timeout.connect(lambda: progress.setValue(int(100 * state["done"] / state["total"])))
        timer.start(100)
        self._job = run_in_background(work, finished, failed)
        progress.show()

    def publish(self) -> None:
        from ..exchange.publish import publish  # imported here: keeps start-up fast

        try:
            path = publish(self.profile)
        except MentorAppError as exc:
            QMessageBox.warning(self, APP_NAME, exc.message + " (Choose the folder with Import first.)")
            return
        QMessageBox.information(
            self, APP_NAME, f"Published to {path}. Mentors' apps pick it up on their next visit to the shared drive."
        )

    def rotate_keys(self) -> None:
        from ..exchange.rekey import rotate_keys  # imported here: keeps start-up fast (keys are rarely rotated)

        if (
            QMessageBox.question(
                self,
                APP_NAME,
                "Make new organisation keys? Do this when a key may be known to someone else, or "
                "as a routine. A statement signed with the current key goes to the shared drive, and each mentor's "
                "app takes the new keys on its next trip, with no new enrolment. The old keys stay here, so "
                "batches already sealed still import.",
            )
            != QMessageBox.StandardButton.Yes
        ):
            return
        try:
            result = rotate_keys(self.profile)
        except MentorAppError as exc:
            hint = "" if self.profile.get_setting(SHARED_FOLDER) else " (Choose the folder with Import first.)"
            QMessageBox.warning(self, APP_NAME, exc.message + hint)
            return
        QMessageBox.information(self, APP_NAME, result.words())

    def open_retention(self) -> None:
        """The organisation's retention periods; Publish (Directory tab) carries them to every mentor."""
        from .privacy_dialogs import RetentionDialog  # imported here: keeps start-up fast

        RetentionDialog(self.profile, self).exec()

    def open_audit(self) -> None:
        from .audit_dialog import AuditDialog  # imported here: keeps start-up fast

        AuditDialog(self.profile, self).exec()

    def make_report(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "Save the funder report", f"report-{clock.local_now():%Y-%m}.pdf", "PDF files (*.pdf)"
        )
        if not name:
            return
        from ..reports import funder  # the PDF toolkit loads only when a report is made

        organisation = load_settings(self.profile).organisation or self.profile.display_name
        profile = self.profile

        def work():
            with profile.second_connection() as view:
                figures = supervisor_figures(view.conn)
            # The save dialog asked before replacing the report; its figures beside it are part of it.
            remove_chosen(Path(name))
            remove_chosen(Path(name).with_suffix(".csv"))
            funder.write_pdf(figures, Path(name), organisation=organisation, period="all time")
            funder.write_csv(figures, Path(name).with_suffix(".csv"), "all time")

        def done(_result) -> None:
            self._report_job = None
            QMessageBox.information(self, APP_NAME, f"Saved {name} and the figures as CSV beside it.")

        def failed(exc) -> None:
            self._report_job = None
            words = f"Couldn't save the report: {exc.strerror}." if isinstance(exc, OSError) else plain(exc)
            QMessageBox.warning(self, APP_NAME, words)

        self.statusBar().showMessage("Counting for the funder report…", 5_000)
        self._report_job = run_in_background(work, done, failed)

    def open_own_fields(self) -> OwnFieldsDialog:
        dialog = OwnFieldsDialog(self, self.profile)
        dialog.open()
        return dialog

    def open_jdl(self) -> JdlDialog:
        dialog = JdlDialog(self, self.profile)
        dialog.open()
        return dialog

    # -- the profile's file and settings ------------------------------------
    def _fail(self, exc: BaseException) -> None:
        QMessageBox.warning(self, APP_NAME, plain(exc))

    def back_up_now(self) -> None:
        self._job = self.shell.back_up_now(self._fail)

    def check_now(self) -> None:
        self._job = self.shell.check_now(self._fail)

    def open_settings(self) -> None:
        from .settings_dialog import SettingsDialog  # imported here: keeps start-up fast

        if SettingsDialog(self.profile, self).exec():
            self.idle.set_minutes(load_settings(self.profile).idle_lock_minutes)

    # -- lock ---------------------------------------------------------------
    @property
    def locked(self) -> bool:
        return self.shell.locked

    def lock(self) -> None:
        self.shell.lock()

    def unlock(self) -> None:
        self.shell.unlock()

    def closeEvent(self, event) -> None:
        self.shell.close_event(event)  # background work finished, then the closing backup
