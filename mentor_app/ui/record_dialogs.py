"""The forms a mentor fills in: each record type with its sensible defaults."""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QFrame, QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from ..errors import BadInput
from ..records import caseload, store
from ..records.types import Concern, Consent, Meeting, Mentee, MentorLog, NeedsCheck, RiskAssessment, Action, Goal
from ..settings import load_settings
from .forms import RecordForm, now_iso, today_iso

# Which meeting fields only matter for which meeting type.
MEETING_FIELD_FOR_KIND = {"activity": "sport", "appointment_at": "accompanied"}


def _save_shortcut(dialog: RecordForm) -> None:
    # Ctrl+Enter saves from anywhere, including inside a notes box.
    for keys in ("Ctrl+Return", "Ctrl+Enter"):
        QShortcut(QKeySequence(keys), dialog, activated=dialog.save)


def _notice(text: str, colour: str, border: str, name: str) -> QFrame:
    frame = QFrame()
    frame.setObjectName("notice")
    frame.setStyleSheet(f"QFrame#notice {{ background: {colour}; border: 1px solid {border}; border-radius: 4px; }}")
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextSelectableByMouse | Qt.TextSelectableByKeyboard)
    label.setAccessibleName(name)
    label.setObjectName("noticeText")
    QVBoxLayout(frame).addWidget(label)
    return frame


def edit_record(parent, profile, record: Any, *, mentee_id: str | None = None, record_id: str | None = None,
                title: str | None = None, hidden: tuple[str, ...] = (), intro: QWidget | None = None) -> RecordForm:
    """A form that saves `record` (new, or the one with `record_id`) into the profile."""

    def on_save(changed):
        form.saved_id = store.save(profile.conn, changed, author=profile.author,
                                   mentee_id=mentee_id, record_id=record_id)

    form = RecordForm(record, on_save, title=title, hidden=hidden, intro=intro, parent=parent)
    form.saved_id = record_id
    _save_shortcut(form)
    return form


def mentee_form(parent, profile, stored=None) -> RecordForm:
    record = stored.record if stored else Mentee(referral_date=today_iso())
    return edit_record(parent, profile, record, record_id=stored.id if stored else None,
                       title="Edit mentee" if stored else "New mentee")


def consent_form(parent, profile, mentee_id: str, scope: str = "mentoring_records", given: bool = True) -> RecordForm:
    record = Consent(scope=scope, given=given, on=today_iso(), recorded_by=profile.display_name)
    title = "Record consent" if given else "Record that consent was withdrawn"
    return edit_record(parent, profile, record, mentee_id=mentee_id, title=title)


def action_form(parent, profile, mentee_id: str, stored=None) -> RecordForm:
    record = stored.record if stored else Action(due=today_iso())
    return edit_record(parent, profile, record, mentee_id=mentee_id, record_id=stored.id if stored else None,
                       hidden=("meeting_id",))


def goal_form(parent, profile, mentee_id: str, stored=None) -> RecordForm:
    record = stored.record if stored else Goal(set_on=today_iso())
    return edit_record(parent, profile, record, mentee_id=mentee_id, record_id=stored.id if stored else None)


def risk_form(parent, profile, mentee_id: str, stored=None) -> RecordForm:
    record = stored.record if stored else RiskAssessment(meeting_at=now_iso())
    intro = _notice("Plan before you meet someone new or somewhere new: say where you'll be, who knows, "
                    "and when you'll check in.", "#eef5ff", "#7aa7e0", "About meeting plans")
    return edit_record(parent, profile, record, mentee_id=mentee_id, record_id=stored.id if stored else None,
                       intro=intro)


def log_form(parent, profile, stored=None) -> RecordForm:
    record = stored.record if stored else MentorLog(on=today_iso())
    return edit_record(parent, profile, record, record_id=stored.id if stored else None)


def concern_form(parent, profile, mentee_id: str, stored=None) -> RecordForm:
    """The lead and the emergency numbers show the moment the form opens."""
    settings = load_settings(profile)
    text = (settings.safeguarding_words()
            + "\n\nSafeguarding concerns are shared with your supervisor in the next export, "
              "whatever the mentee agreed about sharing: keeping people safe is a legal duty.")
    intro = _notice(text, "#fdecea", "#c62828", "Safeguarding lead and emergency numbers")
    record = stored.record if stored else Concern(category="other", raised_at=now_iso())
    return edit_record(parent, profile, record, mentee_id=mentee_id, record_id=stored.id if stored else None,
                       title="Safeguarding concern", intro=intro)


def needs_form(parent, profile, mentee_id: str, latest: NeedsCheck | None = None) -> RecordForm:
    from .needs import needs_check_dialog

    return needs_check_dialog(parent, profile, mentee_id, latest)


class MeetingForm(RecordForm):
    """A meeting, for one mentee or a group (an attendance register)."""

    def __init__(self, parent, profile, mentee_id: str | None, stored=None):
        self.profile = profile
        self.stored = stored
        if stored is not None:
            record = stored.record
        else:
            last = caseload.last_meeting_defaults(profile.conn)
            record = Meeting(starts_at=now_iso(), place=last.get("place", ""),
                             kind=last.get("kind") or "one_to_one", activity=last.get("activity", ""),
                             duration_minutes=last.get("duration_minutes") or 60)
        self.who = QListWidget()
        self.who.setAccessibleName("Who was there")
        self.who.setMaximumHeight(120)
        rows = [r for r in caseload.caseload(profile.conn) if r.status != "closed" or r.id == mentee_id]
        for row in rows:
            item = QListWidgetItem(row.name)
            item.setData(Qt.UserRole, row.id)
            item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
            item.setCheckState(Qt.Checked if row.id == mentee_id else Qt.Unchecked)
            self.who.addItem(item)
        if stored is not None:
            self.who.setEnabled(False)
        header = QWidget()
        box = QVBoxLayout(header)
        box.setContentsMargins(0, 0, 0, 0)
        label = QLabel("&Who was there (tick several for a group session):")
        label.setBuddy(self.who)
        box.addWidget(label)
        box.addWidget(self.who)
        super().__init__(record, self._store, title="Edit meeting" if stored else "Record a meeting",
                         hidden=("group_id",), intro=header, reserved_keys="wsc", parent=parent)
        self._initial_who = self.attendees()
        kind = self.editors["kind"].widget
        kind.currentIndexChanged.connect(self._show_relevant)
        self._show_relevant()
        _save_shortcut(self)
        self.who.setFocus()
        current = next((i for i in range(self.who.count())
                        if self.who.item(i).checkState() == Qt.Checked), 0)
        self.who.setCurrentRow(current)
        self.saved_ids: list[str] = []

    def attendees(self) -> list[str]:
        return [self.who.item(i).data(Qt.UserRole) for i in range(self.who.count())
                if self.who.item(i).checkState() == Qt.Checked]

    def is_changed(self) -> bool:
        return super().is_changed() or self.attendees() != self._initial_who

    def _show_relevant(self) -> None:
        kind = self.editors["kind"].get()
        for name, wanted in MEETING_FIELD_FOR_KIND.items():
            self.form.setRowVisible(self.editors[name].widget, kind == wanted)

    def record(self) -> Meeting:
        meeting = super().record()
        kind = meeting.kind
        for name, wanted in MEETING_FIELD_FOR_KIND.items():
            if kind != wanted:
                setattr(meeting, name, "")
        return meeting

    def _store(self, meeting: Meeting) -> None:
        if self.stored is not None:
            store.save(self.profile.conn, meeting, author=self.profile.author,
                       mentee_id=self.stored.mentee_id, record_id=self.stored.id)
            self.saved_ids = [self.stored.id]
            return
        who = self.attendees()
        if not who:
            raise BadInput("Tick who was there.")
        if len(who) > 1:
            meeting.group_id = str(uuid.uuid4())
        self.saved_ids = store.save_many(self.profile.conn, [(meeting, m) for m in who], author=self.profile.author)
