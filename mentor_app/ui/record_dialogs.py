"""The forms a mentor fills in: each record type with its sensible defaults."""

from __future__ import annotations

import dataclasses
import uuid
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QComboBox, QFrame, QLabel, QListWidget, QListWidgetItem, QMessageBox, QVBoxLayout, QWidget

from ..errors import BadInput
from ..records import caseload, own_fields, store
from ..records.dates import shown_datetime
from ..records.referrals import ConsentNeeded, record_referral
from ..records.types import (
    Action,
    Concern,
    Consent,
    Contact,
    Goal,
    Meeting,
    Mentee,
    MentorLog,
    NeedsCheck,
    Referral,
    RiskAssessment,
)
from ..records.vocab import ConsentScope, ContactOrigin, MenteeStatus
from ..settings import load_settings
from .forms import RecordForm, date_entry, now_iso, today_iso
from .widgets import labelled

if TYPE_CHECKING:
    from .needs import NeedsDialog

# Which meeting fields only matter for which meeting type.
MEETING_FIELD_FOR_KIND = {"activity": "sport", "appointment_at": "accompanied"}


def _save_shortcut(dialog: RecordForm) -> None:
    # Ctrl+Enter saves from anywhere, including inside a notes box.
    for keys in ("Ctrl+Return", "Ctrl+Enter"):
        QShortcut(QKeySequence(keys), dialog, dialog.save)


def _notice(text: str, colour: str, border: str, name: str) -> QFrame:
    frame = QFrame()
    frame.setObjectName("notice")
    frame.setStyleSheet(f"QFrame#notice {{ background: {colour}; border: 1px solid {border}; border-radius: 4px; }}")
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(
        Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
    )
    label.setAccessibleName(name)
    label.setObjectName("noticeText")
    QVBoxLayout(frame).addWidget(label)
    return frame


def edit_record(
    parent,
    profile,
    record: Any,
    *,
    mentee_id: str | None = None,
    record_id: str | None = None,
    title: str | None = None,
    hidden: tuple[str, ...] = (),
    intro: QWidget | None = None,
) -> RecordForm:
    """A form that saves `record` (new, or the one with `record_id`) into the profile."""

    def on_save(changed):
        form.saved_id = store.save(
            profile.conn, changed, author=profile.author, mentee_id=mentee_id, record_id=record_id
        )

    questions = own_fields.asked(own_fields.load(profile.conn), record.type_name)
    form = RecordForm(record, on_save, title=title, hidden=hidden, intro=intro, parent=parent, questions=questions)
    form.saved_id = record_id
    _save_shortcut(form)
    return form


def mentee_form(parent, profile, stored=None) -> RecordForm:
    record = stored.record if stored else Mentee(referral_date=today_iso())
    return edit_record(
        parent,
        profile,
        record,
        record_id=stored.id if stored else None,
        title="Edit mentee" if stored else "New mentee",
    )


def consent_form(
    parent, profile, mentee_id: str, scope: str = ConsentScope.MENTORING_RECORDS, given: bool = True
) -> RecordForm:
    record = Consent(scope=scope, given=given, on=today_iso(), recorded_by=profile.display_name)
    title = "Record consent" if given else "Record that consent was withdrawn"
    return edit_record(parent, profile, record, mentee_id=mentee_id, title=title)


def action_form(parent, profile, mentee_id: str, stored=None) -> RecordForm:
    record = stored.record if stored else Action(due=today_iso())
    return edit_record(
        parent, profile, record, mentee_id=mentee_id, record_id=stored.id if stored else None, hidden=("meeting_id",)
    )


def goal_form(parent, profile, mentee_id: str, stored=None) -> RecordForm:
    record = stored.record if stored else Goal(set_on=today_iso())
    return edit_record(parent, profile, record, mentee_id=mentee_id, record_id=stored.id if stored else None)


def risk_form(parent, profile, mentee_id: str, stored=None) -> RecordForm:
    record = stored.record if stored else RiskAssessment(meeting_at=now_iso())
    intro = _notice(
        "Plan before you meet someone new or somewhere new: say where you'll be, who knows, and when you'll check in.",
        "#eef5ff",
        "#7aa7e0",
        "About meeting plans",
    )
    form = edit_record(
        parent,
        profile,
        record,
        mentee_id=mentee_id,
        record_id=stored.id if stored else None,
        intro=intro,
        hidden=("missed_noted_at",),  # the app's own note
    )
    if stored is not None:

        def on_save(changed: RiskAssessment) -> None:
            # A check-in made, or a missed one noticed, while this form was open is kept unless typed over here:
            # saving an older copy of the plan must not undo "I'm safe", nor hide a missed check-in.
            latest = store.get(profile.conn, stored.id)
            if latest is not None:
                kept = {
                    name: getattr(latest.record, name)
                    for name in ("checked_in_at", "missed_noted_at", "outcome")
                    if getattr(changed, name) == getattr(record, name) != getattr(latest.record, name)
                }
                changed = dataclasses.replace(changed, **kept)
            form.saved_id = store.save(
                profile.conn, changed, author=profile.author, mentee_id=mentee_id, record_id=stored.id
            )

        form.on_save = on_save
    return form


def log_form(parent, profile, stored=None) -> RecordForm:
    record = stored.record if stored else MentorLog(on=today_iso())
    return edit_record(parent, profile, record, record_id=stored.id if stored else None)


def concern_form(parent, profile, mentee_id: str, stored=None) -> RecordForm:
    """The lead and the emergency numbers show the moment the form opens."""
    settings = load_settings(profile)
    text = (
        settings.safeguarding_words() + "\n\nSafeguarding concerns are shared with your supervisor in the next export, "
        "whatever the mentee agreed about sharing: keeping people safe is a legal duty."
    )
    intro = _notice(text, "#fdecea", "#c62828", "Safeguarding lead and emergency numbers")
    record = stored.record if stored else Concern(category="other", raised_at=now_iso())
    return edit_record(
        parent,
        profile,
        record,
        mentee_id=mentee_id,
        record_id=stored.id if stored else None,
        title="Safeguarding concern",
        intro=intro,
    )


def needs_form(parent, profile, mentee_id: str, latest: NeedsCheck | None = None) -> NeedsDialog:
    from .needs import needs_check_dialog  # imported when used: only the needs check opens it

    return needs_check_dialog(parent, profile, mentee_id, latest)


class MeetingForm(RecordForm):
    """A meeting, for one mentee or a group (an attendance register)."""

    def __init__(self, parent, profile, mentee_id: str | None, stored=None):
        self.profile = profile
        self.stored = stored
        if stored is not None:
            record = stored.record
        else:
            # This person's last meeting, not the last one anybody had: a 1:1 doesn't inherit football.
            last = caseload.last_meeting_defaults(profile.conn, mentee_id) if mentee_id else {}
            record = Meeting(
                starts_at=now_iso(),
                place=last.get("place", ""),
                kind=last.get("kind") or "one_to_one",
                activity=last.get("activity", ""),
                duration_minutes=last.get("duration_minutes") or 60,
            )
        self.who = QListWidget()
        self.who.setAccessibleName("Who was there")
        self.who.setMaximumHeight(120)
        rows = [r for r in caseload.caseload(profile.conn) if r.status != MenteeStatus.CLOSED or r.id == mentee_id]
        for row in rows:
            item = QListWidgetItem(row.name)
            item.setData(Qt.ItemDataRole.UserRole, row.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if row.id == mentee_id else Qt.CheckState.Unchecked)
            self.who.addItem(item)
        if stored is not None:
            self.who.setEnabled(False)
        header = labelled("&Who was there (tick several for a group session):", self.who)
        super().__init__(
            record,
            self._store,
            title="Edit meeting" if stored else "Record a meeting",
            hidden=("group_id",),
            intro=header,
            reserved_keys="wsc",
            parent=parent,
            questions=own_fields.asked(own_fields.load(profile.conn), "meeting"),
        )
        self._initial_who = self.attendees()
        date_entry(self.editors["starts_at"]).warn_future = "that's in the future: is that right?"
        self._future_confirmed = ""
        kind = cast(QComboBox, self.editors["kind"].widget)  # a field with choices
        kind.currentIndexChanged.connect(self._show_relevant)
        self._show_relevant()
        _save_shortcut(self)
        current = next(
            (i for i in range(self.who.count()) if self.who.item(i).checkState() == Qt.CheckState.Checked), 0
        )
        self.who.setCurrentRow(current)
        # Opened for someone, the typing starts at the date: in the list, a space would untick them.
        # Opened with nobody chosen (from Today), choosing who was there comes first.
        if self._initial_who:
            starts = date_entry(self.editors["starts_at"]).line
            starts.setFocus()
            starts.selectAll()  # as Tab would: what is typed replaces the suggested time
        else:
            self.who.setFocus()
        self.saved_ids: list[str] = []

    def focus_problem(self) -> None:
        if self.stored is None and not self.attendees():
            self.who.setFocus()  # "Tick who was there": Space in the list ticks, not types into a field
            return
        super().focus_problem()

    def attendees(self) -> list[str]:
        return [
            self.who.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(self.who.count())
            if self.who.item(i).checkState() == Qt.CheckState.Checked
        ]

    def is_changed(self) -> bool:
        return super().is_changed() or self.attendees() != self._initial_who

    def _show_relevant(self) -> None:
        kind = self.editors["kind"].get()
        for name, wanted in MEETING_FIELD_FOR_KIND.items():
            self.form.setRowVisible(self.editors[name].row, kind == wanted)

    def record(self) -> Meeting:
        meeting = super().record()
        kind = meeting.kind
        for name, wanted in MEETING_FIELD_FOR_KIND.items():
            if kind != wanted:
                setattr(meeting, name, "")
        return meeting

    def save(self) -> None:
        """A meeting in the future is asked about once, in the form, then saved if Save is pressed again."""
        entry = date_entry(self.editors["starts_at"])
        when = entry.iso()
        if not entry.problem() and entry.in_future() and self._future_confirmed != when:
            self._future_confirmed = when
            self.error.setText(
                f"This meeting is in the future ({shown_datetime(when)}). Press Save again to keep "
                "it, or change the date and time."
            )
            return
        super().save()

    def _store(self, meeting: Meeting) -> None:
        if self.stored is not None:
            store.save(
                self.profile.conn,
                meeting,
                author=self.profile.author,
                mentee_id=self.stored.mentee_id,
                record_id=self.stored.id,
            )
            self.saved_ids = [self.stored.id]
            return
        who = self.attendees()
        if not who:
            raise BadInput("Tick who was there.")
        if len(who) > 1:
            meeting.group_id = str(uuid.uuid4())
        self.saved_ids = store.save_many(self.profile.conn, [(meeting, m) for m in who], author=self.profile.author)


def contact_form(parent, profile, stored=None) -> RecordForm:
    record = stored.record if stored else Contact(last_checked=today_iso(), checked_by=profile.display_name)
    if record.origin == ContactOrigin.DEFAULT:
        # Edited here, it is this laptop's own entry: a newer shipped list won't overwrite it.
        record.origin = "local"
    return edit_record(
        parent,
        profile,
        record,
        record_id=stored.id if stored else None,
        title="Edit service" if stored else "Add a service",
        hidden=("origin",),
    )


class ReferralForm(RecordForm):
    """Signpost or refer to a service from the directory; a referral checks partner consent first."""

    def __init__(self, parent, profile, mentee_id: str, contact_id: str | None = None):
        from ..directory.contacts import list_contacts  # imported when used: only a referral reads the directory

        self.profile, self.mentee_id = profile, mentee_id
        self.service = QComboBox()
        self.service.setAccessibleName("Service")
        for s in list_contacts(profile.conn):
            self.service.addItem(s.record.title(), s.id)
        if contact_id:
            self.service.setCurrentIndex(max(0, self.service.findData(contact_id)))
        header = labelled("Ser&vice from the directory:", self.service)
        record = Referral(contact_id="-", organisation="-", on=today_iso())
        super().__init__(
            record,
            self._store,
            title="Signpost or refer",
            hidden=("contact_id", "organisation", "category", "outcome", "outcome_note"),
            intro=header,
            reserved_keys="vsc",
            parent=parent,
        )
        _save_shortcut(self)
        self.saved_id = None

    def _store(self, referral) -> None:
        contact_id = self.service.currentData()
        if not contact_id:
            raise BadInput("Choose a service from the directory (add it there first if it's missing).")
        self.saved_id = record_referral(
            self.profile.conn,
            author=self.profile.author,
            mentee_id=self.mentee_id,
            contact_id=contact_id,
            kind=referral.kind,
            on=referral.on,
            reason=referral.reason,
            follow_up=referral.follow_up,
        )

    def save(self) -> None:
        try:
            self.on_save(self.record())
        except ConsentNeeded as need:
            box = QMessageBox(
                QMessageBox.Icon.Information, "Consent needed", need.message, QMessageBox.StandardButton.NoButton, self
            )
            consent = box.addButton("Record their consent now…", QMessageBox.ButtonRole.AcceptRole)
            signpost = box.addButton("Record a signpost instead", QMessageBox.ButtonRole.ActionRole)
            box.addButton(QMessageBox.StandardButton.Cancel)
            box.exec()
            if box.clickedButton() is consent:
                form = consent_form(self, self.profile, self.mentee_id, scope=ConsentScope.SHARE_WITH_PARTNER)
                form.editors["partner"].put(need.organisation)
                if form.exec():
                    self.save()
            elif box.clickedButton() is signpost:
                self.editors["kind"].put("signpost")
                self.save()
            return
        except BadInput as exc:
            self.error.setText(exc.message)
            return
        self._initial = self.values()
        self.saved.emit(self.record())
        self.accept()


def outcome_form(parent, profile, stored) -> RecordForm:
    """What came of a signpost or referral."""
    hidden = ("contact_id", "organisation", "category", "kind", "on", "reason")
    return edit_record(
        parent,
        profile,
        stored.record,
        mentee_id=stored.mentee_id,
        record_id=stored.id,
        title=f"Outcome: {stored.record.title()}",
        hidden=hidden,
    )
