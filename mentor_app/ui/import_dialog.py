"""Bringing people or meetings in from a spreadsheet, step by step: the file, its columns, a preview, saving.

Nothing is saved before the last step. Opened with `open()`, never `exec()`, like the other boxes: locking
hides it with what was chosen; the window refreshes from `saved`, not from the dialog's result.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ..errors import MentorAppError
from ..records import importing
from ..records.spreadsheets import Table
from .messages import plain
from .screen_room import resize_within_screen
from .widgets import error_label, scrolling
from .worker import Job, run_with_profile

if TYPE_CHECKING:
    from ..storage.profile import Profile

NOT_CHOSEN = "— choose —"


def _wrapped(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    return label


class ImportDialog(QDialog):
    saved = Signal(int)  # how many records were added

    def __init__(self, parent: QWidget | None, profile: Profile):
        super().__init__(parent)
        self.profile = profile
        self.table: Table | None = None
        self.columns: importing.Columns | None = None
        self.plan: importing.Plan | None = None
        self.boxes: list[QComboBox] = []
        self.who: list[tuple[str, QComboBox]] = []
        self._job: Job | None = None
        self.setWindowTitle("Bring in people or meetings from a spreadsheet")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        self.steps = QStackedWidget()
        self.steps.addWidget(self._file_step())
        self.steps.addWidget(self._columns_step())
        self.steps.addWidget(self._preview_step())
        self.problem = error_label()
        self.back_button = QPushButton("&Back")
        self.back_button.clicked.connect(self.back)
        self.next_button = QPushButton("&Next")
        self.next_button.setDefault(True)
        self.next_button.clicked.connect(self.next)
        close = QPushButton("&Close")
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.back_button, self.next_button, close):
            buttons.addWidget(button)
        box = QVBoxLayout(self)
        box.addWidget(self.steps, 1)
        box.addWidget(self.problem)
        box.addLayout(buttons)
        self._show_step(0)
        resize_within_screen(self, 720, 520)

    # -- the three steps ------------------------------------------------------
    def _file_step(self) -> QWidget:
        page = QWidget()
        intro = _wrapped(
            "<b>Step 1 of 3: the spreadsheet.</b> Choose a CSV file or an Excel workbook (.xlsx) with a "
            "heading on each column. Bring in the people first, then their meetings: a meeting is matched "
            "to its person by name. Nothing is saved until the last step, and a file brought in twice adds "
            "nothing the second time."
        )
        choose = QPushButton("C&hoose the spreadsheet…")
        choose.clicked.connect(self.choose_file)
        self.file_label = _wrapped("No file chosen yet.")
        self.file_label.setAccessibleName("Chosen spreadsheet")
        self.as_people = QRadioButton("Each row is a &person")
        self.as_meetings = QRadioButton("Each row is a &meeting")
        self.as_people.setChecked(True)
        self.kind_group = QButtonGroup(page)
        self.kind_group.addButton(self.as_people)
        self.kind_group.addButton(self.as_meetings)
        self.kind_group.buttonToggled.connect(lambda *_: self._columns_changed_kind())
        box = QVBoxLayout(page)
        box.addWidget(intro)
        box.addWidget(choose, 0, Qt.AlignmentFlag.AlignLeft)
        box.addWidget(self.file_label)
        box.addWidget(self.as_people)
        box.addWidget(self.as_meetings)
        box.addStretch(1)
        return page

    def _columns_step(self) -> QWidget:
        page = QWidget()
        self.columns_intro = _wrapped()
        self.column_form = QFormLayout()
        body = QWidget()
        body.setLayout(self.column_form)
        self.remember = QCheckBox("&Remember these choices for the next file like this one")
        self.remember.setChecked(True)
        box = QVBoxLayout(page)
        box.addWidget(self.columns_intro)
        box.addWidget(scrolling(body, "Columns"), 1)
        box.addWidget(self.remember)
        return page

    def _preview_step(self) -> QWidget:
        page = QWidget()
        self.summary = _wrapped()
        self.summary.setAccessibleName("What will be brought in")
        self.who_form = QFormLayout()
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setAccessibleName("Row by row")
        self.details.setTabChangesFocus(True)
        self.only_good = QCheckBox("Bring in &only the good rows, and leave out those with problems")
        box = QVBoxLayout(page)
        box.addWidget(self.summary)
        box.addLayout(self.who_form)
        box.addWidget(self.details, 1)
        box.addWidget(self.only_good)
        return page

    # -- moving between steps -------------------------------------------------
    def _show_step(self, n: int) -> None:
        self.steps.setCurrentIndex(n)
        self.back_button.setEnabled(n > 0)
        self.next_button.setText("&Save them" if n == 2 else "&Next")
        self.problem.hide()

    def _say(self, words: str) -> None:
        self.problem.setText(words)
        self.problem.show()

    def kind(self) -> str:
        return "meeting" if self.as_meetings.isChecked() else "mentee"

    def back(self) -> None:
        if self._job is not None:
            return  # while saving: going back and saving again would bring the same rows in twice
        self.next_button.setEnabled(True)
        self._show_step(0 if self.table is None else max(0, self.steps.currentIndex() - 1))

    def next(self) -> None:
        if self._job is not None:
            return  # saving: one save at a time
        step = self.steps.currentIndex()
        if step == 0:
            if self.table is None:
                self._say("Choose the spreadsheet first.")
                return
            self._fill_columns()
            self._show_step(1)
            if self.boxes:
                self.boxes[0].setFocus()
        elif step == 1:
            columns = self._chosen_columns()
            problem = columns.problem()
            if problem:
                self._say(problem)
                return
            self.columns = columns
            if self._make_plan():
                self._show_step(2)
                self.details.setFocus()
        else:
            self.save()

    def choose_file(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, "Choose the spreadsheet", "", "Spreadsheets (*.csv *.xlsx *.txt);;All files (*)"
        )
        if name:
            self.load(Path(name))

    def load(self, path: Path) -> None:
        try:
            self.table = importing.read(path)
        except MentorAppError as exc:
            self.table = None
            self.file_label.setText("No file chosen yet.")
            self._say(plain(exc))
            return
        self.problem.hide()
        guessed = importing.guess_kind(self.table.headings)
        (self.as_meetings if guessed == "meeting" else self.as_people).setChecked(True)
        rows = len(self.table.rows)
        self.file_label.setText(
            f"{path.name}: {rows} row{'' if rows == 1 else 's'} under {len(self.table.headings)} headings. "
            f"It looks like a list of {importing.KIND_WORDS[guessed]}; change that below if it isn't."
        )

    def _columns_changed_kind(self) -> None:
        if self.steps.currentIndex() == 1:
            self._fill_columns()

    def _fill_columns(self) -> None:
        assert self.table is not None
        kind = self.kind()
        try:
            matched = importing.match_columns(self.profile.conn, self.table.headings, kind)
        except MentorAppError as exc:
            self._say(plain(exc))
            return
        while self.column_form.rowCount():
            self.column_form.removeRow(0)
        self.boxes = []
        first_values = self.table.rows[0][1] if self.table.rows else []
        for i, (heading, target) in enumerate(zip(matched.headings, matched.chosen, strict=True)):
            combo = QComboBox()
            combo.addItem(NOT_CHOSEN, None)
            combo.addItem("Leave this column out", importing.LEFT_OUT)
            for name in importing.targets(kind):
                combo.addItem(importing.field_label(kind, name), name)
            combo.setCurrentIndex(max(0, combo.findData(target)) if target is not None else 0)
            example = first_values[i].strip() if i < len(first_values) else ""
            shown = (heading.strip() or f"Column {i + 1} (no heading)").replace("&", "&&")
            label = QLabel(shown + (" — not understood" if target is None else ""))
            label.setBuddy(combo)
            combo.setAccessibleName(f"{shown}: what it is")
            if example:
                combo.setToolTip(f"First row: {example[:80]}")
            self.column_form.addRow(label, combo)
            self.boxes.append(combo)
        unmatched = matched.unmatched()
        self.columns_intro.setText(
            "<b>Step 2 of 3: the columns.</b> Say what each column holds. "
            + (
                f"{len(unmatched)} heading{' was' if len(unmatched) == 1 else 's were'} not understood: "
                "choose what each is, or leave it out."
                if unmatched
                else "Every heading was understood; check them and go on."
            )
        )

    def _chosen_columns(self) -> importing.Columns:
        assert self.table is not None
        return importing.Columns(self.kind(), self.table.headings, [box.currentData() for box in self.boxes])

    def _read_plan(self) -> bool:
        """The preview again, with whom the person chose where two share a name."""
        assert self.table is not None and self.columns is not None
        who = {name: combo.currentData() for name, combo in self.who if combo.currentData()}
        try:
            self.plan = importing.plan(self.profile.conn, self.table, self.columns, who=who)
        except MentorAppError as exc:
            self._say(plain(exc))
            return False
        return True

    def _make_plan(self) -> bool:
        self.who = []
        if not self._read_plan():
            return False
        assert self.plan is not None
        while self.who_form.rowCount():
            self.who_form.removeRow(0)
        self.who = []
        for name, (candidates, rows) in sorted(self.plan.ambiguous.items()):
            combo = QComboBox()
            combo.addItem("Leave these rows out", None)
            for candidate in candidates:
                combo.addItem(candidate.words, candidate.mentee_id)
            written = self.plan.written.get(name, name).replace("&", "&&")
            where = f"row{'' if len(rows) == 1 else 's'} {', '.join(map(str, rows[:5]))}"
            label = QLabel(f"Which “{written}” ({where})?")
            label.setBuddy(combo)
            combo.setAccessibleName(f"Which {written}")
            combo.currentIndexChanged.connect(lambda *_: self._make_plan_again())
            self.who_form.addRow(label, combo)
            self.who.append((name, combo))
        self._show_plan()
        return True

    def _make_plan_again(self) -> None:
        if self._read_plan():
            self._show_plan()

    def _show_plan(self) -> None:
        assert self.plan is not None
        lines = importing.preview_lines(self.plan)
        self.summary.setText(f"<b>Step 3 of 3: check, then save.</b> {lines[0]}")
        examples = importing.first_rows(self.plan)
        text = lines[1:] + (["", "The first rows, as they will be saved:", *examples] if examples else [])
        self.details.setPlainText("\n".join(text) or "Every row can be brought in.")
        waiting = self.plan.problems or any(combo.currentData() is None for _, combo in self.who)
        self.only_good.setVisible(bool(waiting))

    def save(self) -> None:
        if self._job is not None or self.plan is None:
            return
        plan, keep, only_good = self.plan, self.remember.isChecked(), self.only_good.isChecked()
        if not plan.good:
            self._say("There is nothing new to bring in from this file.")
            return
        author = self.profile.author

        def work(view) -> importing.Saved:
            # Thousands of rows are written on the job's own connection, off the UI thread.
            return importing.save(view.conn, plan, author=author, keep=keep, only_good_rows=only_good)

        def done(result: importing.Saved) -> None:
            self._job = None
            self.back_button.setEnabled(True)
            self.summary.setText(result.words(plan.kind))
            self.details.setPlainText("Saved. You can close this box, or go back and bring in another file.")
            self.plan = None
            self.table = None
            self.file_label.setText("No file chosen yet.")
            self.next_button.setEnabled(False)
            self.only_good.hide()
            self.saved.emit(result.added)

        def failed(exc: BaseException) -> None:
            self._job = None
            self.next_button.setEnabled(True)
            self.back_button.setEnabled(True)
            self._say(plain(exc))

        self.next_button.setEnabled(False)
        self.back_button.setEnabled(False)
        self.summary.setText("Saving…")
        self._job = run_with_profile(self.profile, work, done, failed)
