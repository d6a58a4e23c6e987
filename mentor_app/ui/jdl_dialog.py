"""The supervisor's Justice Data Lab file: who goes in and on what basis, the months, and saving it.

Opened with `open()`, never `exec()`, like the other boxes: locking hides it with what was typed.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from .. import clock
from ..errors import MentorAppError
from ..records.dates import DateNotUnderstood, parse_month
from ..reports import jdl
from ..settings import load_settings
from ..storage.files import remove_chosen
from ..words import count
from .messages import plain
from .prompts import Prompt, ask, fit_placeholder
from .screen_room import resize_within_screen
from .widgets import error_label
from .worker import Job, run_with_profile

if TYPE_CHECKING:
    from ..storage.profile import Profile


class JdlDialog(QDialog):
    def __init__(self, parent: QWidget | None, profile: Profile):
        super().__init__(parent)
        self.profile = profile
        self._job: Job | None = None
        self.setWindowTitle("Justice Data Lab file")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        intro = QLabel(
            "A spreadsheet for the Ministry of Justice's Justice Data Lab, which measures reoffending against a "
            f"matched group. It needs at least {jdl.MINIMUM_PEOPLE} people. Only people whose records were "
            "shared with you with their consent can go in, and of those only people who agreed to the Justice "
            "Data Lab, or everyone under a lawful basis your data protection officer chose and you recorded "
            "here. Compare its columns with the current template on GOV.UK before sending it."
        )
        intro.setWordWrap(True)
        self.basis = QLabel()
        self.basis.setWordWrap(True)
        self.basis.setAccessibleName("Lawful basis")
        change = QPushButton("Record the &lawful basis…")
        change.clicked.connect(self.record_basis)

        self.start = fit_placeholder(QLineEdit(placeholderText="from, e.g. Jan 2026"))
        self.end = fit_placeholder(QLineEdit(placeholderText="to, e.g. Nov 2026"))
        months = QFormLayout()
        for text, field in (("Mentoring started &from (month)", self.start), ("&to (month)", self.end)):
            label = QLabel(text)
            label.setBuddy(field)
            months.addRow(label, field)
        self.problem = error_label()
        self.outcome = QLabel()
        self.outcome.setWordWrap(True)
        self.outcome.setAccessibleName("What the file holds")
        self.outcome.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByKeyboard)

        self.save_button = QPushButton("&Save the file…")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        close = QPushButton("&Close")
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(close)

        box = QVBoxLayout(self)
        box.addWidget(intro)
        box.addWidget(self.basis)
        box.addWidget(change, 0, Qt.AlignmentFlag.AlignLeft)
        box.addLayout(months)
        box.addWidget(self.problem)
        box.addWidget(self.outcome, 1)
        box.addLayout(buttons)
        self._show_basis()
        resize_within_screen(self, 620, 480)

    def _show_basis(self) -> None:
        text, recorded = jdl.lawful_basis(self.profile.conn)
        self.basis.setText(
            f"Lawful basis recorded by {recorded}: {text}"
            if text
            else "No lawful basis is recorded: only people who agreed to the Justice Data Lab go in."
        )

    def record_basis(self) -> Prompt:
        current, _ = jdl.lawful_basis(self.profile.conn)

        def record(text: str) -> None:
            try:
                jdl.record_lawful_basis(self.profile.conn, text, self.profile.display_name, actor=self.profile.author)
            except MentorAppError as exc:
                self.problem.setText(plain(exc))
                self.problem.show()
                return
            self._show_basis()

        return ask(
            self,
            record,
            kind="text",
            title="Lawful basis for the Justice Data Lab",
            about="The lawful basis your data protection officer chose for sending people to the Justice Data "
            "Lab without their own agreement to it, in their words (for example the UK GDPR article and why). "
            "It is written on the file's cover sheet, and recording it goes in the audit trail. Leave it empty "
            "to withdraw it.",
            question="The lawful &basis:",
            value=current,
            ok="&Record it",
        )

    def save(self) -> None:
        self.problem.hide()
        start, end = self.start.text(), self.end.text()
        for which, typed in (("From", start), ("To", end)):
            try:
                parse_month(typed)  # said before the file is asked for; the rest is checked as it is made
            except DateNotUnderstood as exc:
                self.problem.setText(f"{which}: {exc.message}")
                self.problem.show()
                return
        name, _ = QFileDialog.getSaveFileName(
            self,
            "Save the Justice Data Lab file",
            f"justice-data-lab-{clock.local_now():%Y-%m}.xlsx",
            "Spreadsheets (*.xlsx)",
        )
        if not name:
            return
        organisation = load_settings(self.profile).organisation or self.profile.display_name
        actor = self.profile.author

        def work(view) -> jdl.Cohort:
            # Every shared person's records are read: on the job's own connection, off the UI thread.
            chosen = jdl.cohort(view.conn, start, end)
            remove_chosen(Path(name))  # the save dialog asked before replacing it
            jdl.save(view.conn, chosen, Path(name), organisation, actor)
            return chosen

        def done(chosen: jdl.Cohort) -> None:
            self._job = None
            self.save_button.setEnabled(True)
            lines = [f"Saved {name}, with {count(chosen.people, 'person', 'people')}.", *chosen.basis_words()]
            self.outcome.setText("\n".join([*lines, *chosen.warnings]))

        def failed(exc: BaseException) -> None:
            self._job = None
            self.save_button.setEnabled(True)
            self.outcome.clear()
            reason = (exc.strerror or "the folder can't be written to") if isinstance(exc, OSError) else ""
            words = f"Couldn't save the file: {reason}." if reason else plain(exc)
            self.problem.setText(words)
            self.problem.show()

        self.save_button.setEnabled(False)
        self.outcome.setText("Making the file…")
        self._job = run_with_profile(self.profile, work, done, failed)
