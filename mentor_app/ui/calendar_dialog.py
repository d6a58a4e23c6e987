"""Save a calendar file for the mentor's phone: initials unless names are ticked, and why that matters.

Opened with `open()`, never `exec()`, like the other boxes: locking hides it with what was chosen.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QDialog, QFileDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from .. import clock
from ..reports import calendar
from ..storage.files import remove_chosen
from .messages import plain
from .screen_room import resize_within_screen
from .widgets import error_label, forget_when_closed, named
from .worker import Job, run_with_profile

if TYPE_CHECKING:
    from ..storage.profile import Profile


class CalendarDialog(QDialog):
    def __init__(self, parent: QWidget | None, profile: Profile):
        super().__init__(parent)
        forget_when_closed(self)
        self.profile = profile
        self._job: Job | None = None
        self.setWindowTitle("Calendar file")
        intro = QLabel(
            "A calendar file of your meetings and the actions due from today on, to open on your phone or in "
            "another calendar. Saving it again later and opening it updates the entries already there. A "
            "meeting taken off here stays in that calendar until you delete it there."
        )
        intro.setWordWrap(True)
        self.with_names = named(
            QCheckBox("Put full &names and meeting places in it (not only initials)"), "Names and places"
        )
        self.warning = QLabel()
        self.warning.setWordWrap(True)
        self.warning.setAccessibleName("Warning")
        self.warning.setStyleSheet("color: #a00000;")
        self.with_names.toggled.connect(self._show_warning)
        self.problem = error_label()
        self.problem.hide()
        self.outcome = QLabel()
        self.outcome.setWordWrap(True)
        self.outcome.setAccessibleName("What the file holds")
        self.outcome.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByKeyboard)

        self.save_button = QPushButton("&Save the calendar file…")
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
        box.addWidget(self.with_names)
        box.addWidget(self.warning)
        box.addWidget(self.problem)
        box.addWidget(self.outcome, 1)
        box.addLayout(buttons)
        self._show_warning()
        resize_within_screen(self, 560, 340)

    def _show_warning(self) -> None:
        self.warning.setText(calendar.warning_words(self.with_names.isChecked()))

    def save(self) -> Path | None:
        """Ask where, then write the file off the UI thread; the path it will have, or None if not saving."""
        self.problem.hide()
        name, _ = QFileDialog.getSaveFileName(
            self, "Save the calendar file", f"mentor-calendar-{clock.local_now():%Y-%m-%d}.ics", "Calendars (*.ics)"
        )
        if not name:
            return None
        target = Path(name)
        if target.suffix.lower() != ".ics":
            target = target.with_name(target.name + ".ics")  # a phone opens it as a calendar only by its ending
        with_names, actor = self.with_names.isChecked(), self.profile.author

        def work(view) -> list[calendar.Entry]:
            # icalendar and its time zones take a moment to load on an old laptop: on the job's own connection.
            if target == Path(name):
                remove_chosen(target)  # the save dialog asked before replacing it
            return calendar.save(view.conn, target, with_names=with_names, actor=actor)

        def done(found: list[calendar.Entry]) -> None:
            self._job = None
            self.save_button.setEnabled(True)
            self.outcome.setText(
                f"Saved {target}, with {calendar.summary_words(found)}. Copy it to your phone and open it there, "
                "then delete the file."
            )

        def failed(exc: BaseException) -> None:
            self._job = None
            self.save_button.setEnabled(True)
            self.outcome.clear()
            reason = (exc.strerror or "the folder can't be written to") if isinstance(exc, OSError) else ""
            self.problem.setText(f"Couldn't save the file: {reason}." if reason else plain(exc))
            self.problem.show()

        self.save_button.setEnabled(False)
        self.outcome.setText("Making the file…")
        self._job = run_with_profile(self.profile, work, done, failed)
        return target
