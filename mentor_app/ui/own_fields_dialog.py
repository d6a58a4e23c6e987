"""The supervisor's own questions: add one to a person's details or a meeting, or stop asking one.

They reach mentors' apps with the next publication of the directory (the Directory tab's Publish).
Opened with `open()`, never `exec()`, like the other boxes: locking hides it with what was typed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..errors import MentorAppError
from ..records import own_fields
from .messages import plain
from .screen_room import resize_within_screen
from .widgets import error_label

if TYPE_CHECKING:
    from ..storage.profile import Profile


def _words(q: own_fields.OwnField) -> str:
    where = own_fields.RECORD_TYPES[q.record_type].lower()
    parts = [f"{q.label} — {own_fields.KINDS[q.kind].lower()}, on {where}"]
    if q.choices:
        parts.append("choices: " + ", ".join(q.choices))
    if q.counts:
        parts.append("counted in the funder report")
    if q.retired:
        parts.append("no longer asked (answers kept)")
    return "; ".join(parts)


class OwnFieldsDialog(QDialog):
    def __init__(self, parent: QWidget | None, profile: Profile):
        super().__init__(parent)
        self.profile = profile
        self.setWindowTitle("Our own questions")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        intro = QLabel(
            "Questions of your own, asked on mentors' forms after the built-in ones. They reach mentors' apps "
            "the next time you publish the directory. Answers are shared with you under the same consent as "
            "the rest of the record; a question counted in the funder report is also counted, without a name, "
            "for people who did not agree to share. A question you stop asking keeps the answers already given."
        )
        intro.setWordWrap(True)
        self.list = QListWidget()
        self.list.setAccessibleName("Your questions")
        self.list.setWordWrap(True)
        retire = QPushButton("&Stop asking the chosen question")
        retire.clicked.connect(self.retire)

        self.label = QLineEdit()
        self.kind = QComboBox()
        for code, words in own_fields.KINDS.items():
            self.kind.addItem(words, code)
        self.where = QComboBox()
        for code, words in own_fields.RECORD_TYPES.items():
            self.where.addItem(words, code)
        self.choices = QPlainTextEdit()
        self.choices.setTabChangesFocus(True)
        self.choices.setMaximumHeight(70)
        self.counted = QCheckBox("Co&unt it in the funder report (a number, yes or no, or one of a list)")
        form = QFormLayout()
        for text, widget in (
            ("&Question:", self.label),
            ("&Answer:", self.kind),
            ("Asked &on:", self.where),
            ("C&hoices, one per line:", self.choices),
        ):
            label = QLabel(text)
            label.setBuddy(widget)
            widget.setAccessibleName(text.replace("&", "").rstrip(":"))
            form.addRow(label, widget)
        form.addRow("", self.counted)
        self.kind.currentIndexChanged.connect(self._show_choices)
        add = QPushButton("A&dd the question")
        add.clicked.connect(self.add)
        self.problem = error_label()
        close = QPushButton("&Close")
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addWidget(add)
        buttons.addStretch(1)
        buttons.addWidget(close)

        box = QVBoxLayout(self)
        box.addWidget(intro)
        box.addWidget(self.list, 1)
        box.addWidget(retire, 0, Qt.AlignmentFlag.AlignLeft)
        box.addLayout(form)
        box.addWidget(self.problem)
        box.addLayout(buttons)
        self._show_choices()
        self.refresh()
        resize_within_screen(self, 640, 560)
        self.label.setFocus()  # what most people come to do: typing goes into the new question

    def _show_choices(self) -> None:
        is_list = self.kind.currentData() == "choice"
        self.choices.setEnabled(is_list)
        self.counted.setEnabled(self.kind.currentData() in own_fields.COUNTABLE)

    def refresh(self) -> None:
        self.list.clear()
        for q in own_fields.load(self.profile.conn):
            item = QListWidgetItem(_words(q))
            item.setData(Qt.ItemDataRole.UserRole, q.key)
            self.list.addItem(item)
        if not self.list.count():
            empty = QListWidgetItem("No questions of your own yet.")
            empty.setFlags(Qt.ItemFlag.NoItemFlags)  # words, not a question to choose
            self.list.addItem(empty)

    def add(self) -> None:
        self.problem.hide()
        try:
            own_fields.define(
                self.profile.conn,
                self.label.text(),
                self.kind.currentData(),
                self.where.currentData(),
                self.choices.toPlainText().splitlines() if self.choices.isEnabled() else (),
                self.counted.isChecked() and self.counted.isEnabled(),
            )
        except MentorAppError as exc:
            self.problem.setText(plain(exc))
            self.problem.show()
            return
        self.label.clear()
        self.choices.clear()
        self.counted.setChecked(False)
        self.refresh()
        self.label.setFocus()

    def retire(self) -> None:
        item = self.list.currentItem()
        key = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        if not key:
            self.problem.setText("Choose the question in the list first.")
            self.problem.show()
            return
        own_fields.retire(self.profile.conn, key)
        self.refresh()
