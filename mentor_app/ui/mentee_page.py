"""One mentee: profile, consent in words, needs over time, timeline and actions."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from .. import clock
from ..errors import MentorAppError
from ..exchange import outbox
from ..records import own_fields, store, vocab
from ..records.consent import consent_summary
from ..records.dates import shown_date
from ..records.types import MENTEE_RECORD_TYPES, Mentee, Record, fields_of
from ..storage import audit
from . import record_dialogs as dialogs
from .attachments import AttachmentsBox
from .needs import NeedsChart, needs_check_dialog
from .widgets import scrolling, shown_value

if TYPE_CHECKING:
    from ..storage.profile import Profile

TIMELINE_TYPES = tuple(t for t in MENTEE_RECORD_TYPES if t not in ("action", "referral"))
PROFILE_FIELDS = (
    "pronouns",
    "phone",
    "email",
    "address",
    "date_of_birth",
    "referral_source",
    "referral_date",
    "release_date",
    "probation_contact",
    "risks",
    "closing_reason",
    "legal_forename",
    "legal_surname",
    "pnc_id",
    "prison_number",
    "mentoring_started",
    "mentoring_ended",
    "gender",
    "ethnicity",
    "disability",
    "postcode_district",
)


def button(text: str, slot, name: str | None = None) -> QPushButton:
    b = QPushButton(text)
    b.setAccessibleName(name or text.replace("&", ""))
    b.clicked.connect(slot)
    return b


def _hint(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)  # wraps rather than widening the window past a small screen
    return label


class MenteePage(QWidget):
    changed = Signal()  # something was saved or deleted: lists elsewhere refresh
    said = Signal(str)  # what was just saved, in words, for the window's status line

    def __init__(self, profile: Profile, parent: QWidget | None = None):
        super().__init__(parent)
        self.profile = profile
        self.mentee_id: str | None = None
        self.stored: store.Stored | None = None

        self.heading = QLabel()
        self.heading.setAccessibleName("Mentee name")
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.safety = QLabel()
        self.safety.setWordWrap(True)
        self.safety.setObjectName("safetyFlag")
        self.safety.setAccessibleName("Safety flag")
        self.safety.setStyleSheet(
            "QLabel#safetyFlag { background: #c62828; color: white; padding: 6px; "
            "font-weight: bold; border-radius: 4px; }"
        )

        # Alt-letters: the main window's menus take F, R, V and P, its list W, N and D.
        actions = QHBoxLayout()
        actions.addWidget(button("Record a &meeting", self.record_meeting))
        actions.addWidget(button("Safeguarding &concern", self.raise_concern))
        actions.addWidget(button("Meeting p&lan", self.plan_meeting))
        actions.addWidget(button("&Edit details", self.edit_mentee))
        actions.addStretch(1)

        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Mentee sections")
        self.tabs.addTab(self._build_overview(), "&Overview")
        self.tabs.addTab(self._build_timeline(), "&Timeline")
        self.tabs.addTab(self._build_needs(), "Needs and &goals")
        self.tabs.addTab(self._build_actions(), "&Actions")
        self.tabs.addTab(self._build_referrals(), "Referral&s")

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.safety)
        layout.addLayout(actions)
        layout.addWidget(self.tabs, 1)

    # -- building -----------------------------------------------------------
    def _build_overview(self) -> QWidget:
        page = QWidget()
        self.details = QFormLayout()
        self.consent_text = QLabel()
        self.consent_text.setWordWrap(True)
        self.consent_text.setAccessibleName("Consent in force")
        self.consent_text.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByKeyboard | Qt.TextInteractionFlag.TextSelectableByMouse
        )
        consent_buttons = QHBoxLayout()
        consent_buttons.addWidget(button("Record consent…", self.record_consent))
        consent_buttons.addWidget(button("Consent withdrawn…", self.withdraw_consent))
        consent_buttons.addStretch(1)
        box = QVBoxLayout(page)
        box.addLayout(self.details)
        heading = QLabel("<b>Consent</b>")
        box.addWidget(heading)
        box.addWidget(self.consent_text)
        box.addLayout(consent_buttons)
        # Scanned consent forms, a licence condition, a copy of ID: beside the consent they back up.
        box.addWidget(QLabel("<b>Attachments</b>"))
        self.attachments = AttachmentsBox(self.profile)
        self.attachments.said.connect(self.said)
        box.addWidget(self.attachments)
        box.addStretch(1)
        # Seldom needed, so here rather than beside "Record a meeting".
        rare = QHBoxLayout()
        rare.addWidget(button("Hand over to another mentor…", self.hand_over, "Hand over to another mentor"))
        rare.addWidget(button("Delete mentee…", self.delete_mentee, "Delete mentee"))
        rare.addStretch(1)
        box.addLayout(rare)
        return scrolling(page, "Mentee details and consent")

    def _build_timeline(self) -> QWidget:
        self.timeline = QTreeWidget()
        self.timeline.setAccessibleName("Timeline")
        self.timeline.setHeaderLabels(["When", "What", "Notes"])
        self.timeline.setRootIsDecorated(False)
        self.timeline.setColumnWidth(0, 130)
        self.timeline.setColumnWidth(1, 230)
        self.timeline.itemActivated.connect(self._open_item)
        page = QWidget()
        box = QVBoxLayout(page)
        box.addWidget(
            _hint(
                "Meetings, consent, needs checks, plans and concerns, newest first. Press Enter on a line to open it."
            )
        )
        box.addWidget(self.timeline, 1)
        row = QHBoxLayout()
        row.addWidget(button("Delete selected…", self.delete_selected, "Delete the selected timeline entry"))
        row.addStretch(1)
        box.addLayout(row)
        return page

    def _build_needs(self) -> QWidget:
        page = QWidget()
        self.chart = NeedsChart()
        self.goals = QListWidget()
        self.goals.setAccessibleName("Goals")
        self.goals.itemChanged.connect(self._goal_ticked)
        box = QVBoxLayout(page)
        box.addWidget(QLabel("<b>Needs over time</b> (1 serious need – 5 no need)"))
        box.addWidget(self.chart)
        box.addWidget(button("New needs check…", self.new_needs_check))
        box.addWidget(QLabel("<b>Goals</b> (tick when achieved)"))
        box.addWidget(self.goals, 1)
        box.addWidget(button("Add a goal…", self.add_goal))
        return page

    def _build_actions(self) -> QWidget:
        page = QWidget()
        self.action_list = QListWidget()
        self.action_list.setAccessibleName("Actions agreed")
        self.action_list.itemChanged.connect(self._action_ticked)
        self.action_list.itemActivated.connect(lambda item: self._edit_action(item.data(Qt.ItemDataRole.UserRole)))
        box = QVBoxLayout(page)
        box.addWidget(_hint("Actions agreed, soonest due first. Tick when done; press Enter to edit."))
        box.addWidget(self.action_list, 1)
        box.addWidget(button("Add an action…", self.add_action))
        return page

    def _build_referrals(self) -> QWidget:
        self.referrals = QTreeWidget()
        self.referrals.setAccessibleName("Signposts and referrals")
        self.referrals.setHeaderLabels(["Date", "Service", "Outcome", "Follow up"])
        self.referrals.setRootIsDecorated(False)
        self.referrals.setColumnWidth(0, 100)
        self.referrals.setColumnWidth(1, 320)
        self.referrals.itemActivated.connect(lambda _: self.record_outcome())
        page = QWidget()
        box = QVBoxLayout(page)
        box.addWidget(
            _hint("Services you pointed them to or referred them to. Press Enter on one to record what happened.")
        )
        box.addWidget(self.referrals, 1)
        row = QHBoxLayout()
        row.addWidget(button("S&ignpost or refer…", self.add_referral))
        row.addWidget(button("Record the outcome…", self.record_outcome))
        row.addStretch(1)
        row.addWidget(button("Signposting s&heet…", self.make_sheet))
        box.addLayout(row)
        return page

    # -- showing ------------------------------------------------------------
    def show_mentee(self, mentee_id: str) -> None:
        if mentee_id != self.mentee_id:
            audit.record(
                self.profile.conn,
                "view",
                actor=self.profile.author,
                record_type="mentee",
                record_id=mentee_id,
                mentee_id=mentee_id,
            )
        self.mentee_id = mentee_id
        self.refresh()

    def refresh(self) -> None:
        if self.mentee_id is None:
            return
        conn = self.profile.conn
        self.stored = store.get(conn, self.mentee_id)
        if self.stored is None:
            self.mentee_id = None
            return
        m: Mentee = self.stored.record
        status = vocab.MENTEE_STATUSES.get(m.status, m.status)
        self.heading.setText(
            f"<h2>{escape(m.title())}</h2>{escape(status)}" + (f" · {escape(m.pronouns)}" if m.pronouns else "")
        )
        self.safety.setVisible(m.safety_flag)
        self.safety.setText("⚠ Safety flag: " + (m.safety_note or "take care when meeting; see risks."))

        while self.details.rowCount():
            self.details.removeRow(0)
        record_type: type[Record] = type(m)  # mypy finds a dataclass's class unhashable
        for fld in fields_of(record_type):
            value = getattr(m, fld.name)
            if fld.name in PROFILE_FIELDS and value:
                label = QLabel(shown_value(fld, value))
                label.setWordWrap(True)
                label.setTextInteractionFlags(
                    Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
                )
                label.setAccessibleName(fld.metadata["label"])
                self.details.addRow(fld.metadata["label"], label)
        # The organisation's own questions, by their words; answers to ones no longer asked too.
        for question, answer in own_fields.labelled(own_fields.load(conn), m.own):
            label = QLabel(("Yes" if answer else "No") if isinstance(answer, bool) else str(answer))
            label.setWordWrap(True)
            label.setTextInteractionFlags(
                Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
            )
            label.setAccessibleName(question)
            self.details.addRow(question, label)
        self.consent_text.setText("\n".join("• " + s.words() for s in consent_summary(conn, self.mentee_id)))
        self.attachments.show_for(self.mentee_id)

        records = store.list_records(conn, mentee_id=self.mentee_id)
        self._fill_timeline([r for r in records if r.type in TIMELINE_TYPES])
        self.chart.set_checks([r.record for r in records if r.type == "needs_check"])
        self._fill_checklist(self.goals, [r for r in records if r.type == "goal"], "achieved")
        actions = sorted(
            (r for r in records if r.type == "action"), key=lambda r: (r.record.done, r.record.due or "9999")
        )
        self._fill_checklist(self.action_list, actions, "done")
        self._fill_referrals([r for r in records if r.type == "referral"])

    def _fill_timeline(self, records) -> None:
        self.timeline.clear()
        delivery = outbox.concern_delivery(self.profile.conn) if any(r.type == "concern" for r in records) else {}
        for r in records:
            rec = r.record
            summary = getattr(rec, "notes", "") or getattr(rec, "what_happened", "") or getattr(rec, "risks", "")
            if isinstance(summary, dict):
                summary = ", ".join(f"{vocab.NEEDS_AREAS[a]}: {s}" for a, s in rec.scores.items())
            summary = " ".join(str(summary).split())[:160]
            if r.type == "concern":  # has it reached the supervisor? a mentor must never have to guess
                words = outbox.concern_words(delivery, r.id)
                summary = f"{words[:1].upper()}{words[1:]}. {summary}"
            item = QTreeWidgetItem([r.when, rec.title(), summary])
            item.setData(0, Qt.ItemDataRole.UserRole, r.id)
            if r.type == "concern":
                for col in range(3):
                    item.setForeground(col, Qt.GlobalColor.darkRed)
            self.timeline.addTopLevelItem(item)

    def _fill_referrals(self, records) -> None:
        self.referrals.clear()
        today = clock.today().isoformat()
        for r in records:
            rec = r.record
            follow = rec.follow_up if rec.outcome in vocab.OPEN_REFERRAL_OUTCOMES else ""
            shown = shown_date(follow) + (" (due)" if follow and follow <= today else "") if follow else ""
            item = QTreeWidgetItem([shown_date(rec.on), rec.title(), vocab.REFERRAL_OUTCOMES[rec.outcome], shown])
            item.setData(0, Qt.ItemDataRole.UserRole, r.id)
            self.referrals.addTopLevelItem(item)

    def _fill_checklist(self, widget: QListWidget, records, flag: str) -> None:
        widget.blockSignals(True)
        widget.clear()
        today = clock.today().isoformat()
        for r in records:
            rec = r.record
            due = getattr(rec, "due", "")
            text = rec.title() + (f" — due {shown_date(due)}" if due else "")
            if due and due <= today and not getattr(rec, flag):
                text += " (due now)"
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, r.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if getattr(rec, flag) else Qt.CheckState.Unchecked)
            widget.addItem(item)
        widget.blockSignals(False)

    # -- acting -------------------------------------------------------------
    def _run(self, dialog) -> bool:
        # The page refreshes when the form says it saved, even if that happens after a lock
        # ended the form's exec() (it is shown again on unlock, and Save still works).
        dialog.saved.connect(self._saved)
        return bool(dialog.exec())

    def _saved(self, record=None) -> None:
        if self.mentee_id is not None and not self.profile.closed:
            self.refresh()
        self.changed.emit()
        if record is not None:
            self.said.emit(f"{record.label} saved.")

    def record_meeting(self) -> None:
        self._run(dialogs.MeetingForm(self, self.profile, self.mentee_id))

    # The buttons below are about the person shown; with nobody shown they do nothing.
    def raise_concern(self) -> None:
        if self.mentee_id is not None:
            self._run(dialogs.concern_form(self, self.profile, self.mentee_id))

    def plan_meeting(self) -> None:
        if self.mentee_id is not None:
            self._run(dialogs.risk_form(self, self.profile, self.mentee_id))

    def edit_mentee(self) -> None:
        self._run(dialogs.mentee_form(self, self.profile, self.stored))

    def record_consent(self) -> None:
        if self.mentee_id is not None:
            self._run(dialogs.consent_form(self, self.profile, self.mentee_id, given=True))

    def withdraw_consent(self) -> None:
        if self.mentee_id is None:
            return
        self._run(
            dialogs.consent_form(
                self, self.profile, self.mentee_id, scope=vocab.ConsentScope.SHARE_WITH_ORGANISATION, given=False
            )
        )

    def new_needs_check(self) -> None:
        if self.mentee_id is None:
            return
        checks = store.list_records(self.profile.conn, "needs_check", mentee_id=self.mentee_id)
        self._run(needs_check_dialog(self, self.profile, self.mentee_id, checks[0].record if checks else None))

    def add_goal(self) -> None:
        if self.mentee_id is not None:
            self._run(dialogs.goal_form(self, self.profile, self.mentee_id))

    def add_action(self) -> None:
        if self.mentee_id is not None:
            self._run(dialogs.action_form(self, self.profile, self.mentee_id))

    def _edit_action(self, record_id: str) -> None:
        if self.mentee_id is not None:
            stored = store.get(self.profile.conn, record_id)
            self._run(dialogs.action_form(self, self.profile, self.mentee_id, stored))

    def add_referral(self) -> None:
        if self.mentee_id is not None:
            self._run(dialogs.ReferralForm(self, self.profile, self.mentee_id))

    def record_outcome(self) -> None:
        item = self.referrals.currentItem()
        stored = store.get(self.profile.conn, item.data(0, Qt.ItemDataRole.UserRole)) if item else None
        if stored is not None:
            self._run(dialogs.outcome_form(self, self.profile, stored))

    def make_sheet(self) -> None:
        from .sheet_dialog import SheetDialog  # imported when used: it loads the PDF toolkit

        SheetDialog(self.profile, self.mentee_id, parent=self).exec()

    def _toggle(self, item: QListWidgetItem, flag: str) -> None:
        stored = store.get(self.profile.conn, item.data(Qt.ItemDataRole.UserRole))
        if stored is None:
            return
        setattr(stored.record, flag, item.checkState() == Qt.CheckState.Checked)
        store.save(
            self.profile.conn,
            stored.record,
            author=self.profile.author,
            mentee_id=stored.mentee_id,
            record_id=stored.id,
        )
        self.changed.emit()

    def _action_ticked(self, item: QListWidgetItem) -> None:
        self._toggle(item, "done")

    def _goal_ticked(self, item: QListWidgetItem) -> None:
        self._toggle(item, "achieved")

    def _open_item(self, item: QTreeWidgetItem) -> None:
        stored = store.get(self.profile.conn, item.data(0, Qt.ItemDataRole.UserRole))
        if stored is None:
            return
        if stored.type == "meeting":
            self._run(dialogs.MeetingForm(self, self.profile, self.mentee_id, stored))
        elif stored.type == "needs_check":
            QMessageBox.information(self, "Needs check", self.chart.describe())
        else:
            self._run(
                dialogs.edit_record(self, self.profile, stored.record, mentee_id=self.mentee_id, record_id=stored.id)
            )

    def delete_selected(self) -> None:
        item = self.timeline.currentItem()
        if item is None:
            return
        if (
            QMessageBox.question(
                self,
                "Delete",
                f"Delete “{item.text(1)}”? This can't be undone.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            != QMessageBox.StandardButton.Yes
        ):
            return
        store.delete(self.profile.conn, item.data(0, Qt.ItemDataRole.UserRole), author=self.profile.author)
        self.refresh()
        self.changed.emit()

    def hand_over(self) -> None:
        from ..exchange.handover import make_handover  # imported when used: only a hand-over needs it

        mentee_id, stored = self.mentee_id, self.stored
        if mentee_id is None or stored is None:
            return
        name = stored.record.title()
        if (
            QMessageBox.question(
                self,
                "Hand over",
                f"Hand {name} over to another mentor? Their records go into a file for the new "
                "mentor and are then removed from this laptop.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            != QMessageBox.StandardButton.Yes
        ):
            return
        target, _ = QFileDialog.getSaveFileName(
            self, "Save the hand-over file", "handover.mentorhandover", "Hand-over files (*.mentorhandover)"
        )
        if not target:
            return
        try:
            code = make_handover(self.profile, mentee_id, Path(target))
        except MentorAppError as exc:
            QMessageBox.warning(self, "Hand over", exc.message)
            return
        QMessageBox.information(
            self,
            "Hand over",
            f"Saved. Give the file to the new mentor and tell them this "
            f"one-time code, not in the same message:\n\n{code}",
        )
        self.mentee_id = None
        self.changed.emit()

    def delete_mentee(self) -> None:
        mentee_id, stored = self.mentee_id, self.stored
        if mentee_id is None or stored is None:
            return
        name = stored.record.title()
        answer = QMessageBox.question(
            self,
            "Delete mentee",
            f"Delete {name} and every record about them? This can't be undone from here "
            "(a backup taken earlier still has them).",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        store.delete(self.profile.conn, mentee_id, author=self.profile.author)
        self.mentee_id = None
        self.changed.emit()
