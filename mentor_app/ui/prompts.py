"""A question in a box of its own: a line, a few lines or a number, with OK and Cancel.

It says what it is for and which concern, person or device it is about, and
hands the answer on through its `answered` signal. It is opened with `open()`,
never `exec()`: locking hides it with the app's other dialogs, unlocking brings
it back with what was typed, and OK still does what it says.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, overload

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from .screen_room import resize_within_screen
from .widgets import error_label

KINDS = ("line", "text", "number")


class Prompt(QDialog):
    answered = Signal(object)  # the text (trimmed) or the number, once OK is pressed

    def __init__(
        self,
        parent: QWidget | None,
        *,
        title: str,
        about: str,
        question: str,
        kind: str = "line",
        value: str | int | None = None,
        ok: str = "&OK",
        required: str = "",
        placeholder: str = "",
        minimum: int = 0,
        maximum: int = 2**31 - 1,
    ):
        """`about` says what the answer is for; `question` (with its Alt-letter) labels the box;
        `required`, when given, is what is said if OK is pressed with nothing typed."""
        super().__init__(parent)
        if kind not in KINDS:
            raise ValueError(kind)
        self.kind, self.required = kind, required
        self.setWindowTitle(title)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # once answered or cancelled; a lock only hides it
        self.about = QLabel(about)
        self.about.setWordWrap(True)
        self.about.setTextFormat(Qt.TextFormat.PlainText)
        self.about.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.editor: QSpinBox | QPlainTextEdit | QLineEdit
        if kind == "number":
            number = QSpinBox()
            number.setRange(minimum, maximum)
            number.setValue(int(value) if value is not None else minimum)
            self.editor = number
        elif kind == "text":
            lines = QPlainTextEdit()
            lines.setTabChangesFocus(True)  # Tab goes on to OK; a new line is Enter
            lines.setPlainText(str(value or ""))
            lines.setPlaceholderText(placeholder)
            lines.setMinimumHeight(90)
            self.editor = lines
        else:
            line = QLineEdit(str(value or ""))
            line.setPlaceholderText(placeholder)
            self.editor = line
        self.question = QLabel(question)
        self.question.setWordWrap(True)
        self.question.setBuddy(self.editor)
        self.editor.setAccessibleName(question.replace("&", "").rstrip(":").strip())
        self.error = error_label()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(ok)
        self.ok_button.setAccessibleName(ok.replace("&", "").rstrip("…"))
        self.buttons.accepted.connect(self._answer)
        self.buttons.rejected.connect(self.reject)
        box = QVBoxLayout(self)
        box.addWidget(self.about)
        box.addWidget(self.question)
        box.addWidget(self.editor, 1 if kind == "text" else 0)
        box.addWidget(self.error)
        box.addWidget(self.buttons)
        if kind == "text":
            for keys in ("Ctrl+Return", "Ctrl+Enter"):  # as in every record form; Enter alone is a new line
                QShortcut(QKeySequence(keys), self, self._answer)
        self.setMinimumWidth(460)
        resize_within_screen(self, 560, 340 if kind == "text" else 200)
        self.editor.setFocus(Qt.FocusReason.OtherFocusReason)

    def value(self) -> str | int:
        if isinstance(self.editor, QSpinBox):  # kind "number"
            return self.editor.value()
        text = self.editor.toPlainText() if isinstance(self.editor, QPlainTextEdit) else self.editor.text()
        return text.strip()

    def _answer(self) -> None:
        value = self.value()
        if self.required and value == "":
            self.error.setText(self.required)
            self.editor.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        self.error.clear()
        self.accept()
        self.answered.emit(value)


@overload
def ask(
    parent: QWidget | None, then: Callable[[int], object], *, kind: Literal["number"], **options: Any
) -> Prompt: ...
@overload
def ask(
    parent: QWidget | None, then: Callable[[str], object], *, kind: Literal["line", "text"] = ..., **options: Any
) -> Prompt: ...
def ask(parent: QWidget | None, then: Callable[[Any], object], **options: Any) -> Prompt:
    """Open a Prompt (see its arguments) without waiting for it; `then` gets the answer when OK is pressed:
    the number for `kind="number"`, else the text."""
    prompt = Prompt(parent, **options)
    prompt.answered.connect(then)
    prompt.open()
    return prompt


def fit_placeholder(field: QLineEdit, room: int = 24) -> QLineEdit:
    """A text box at least wide enough to show its whole placeholder ("from, e.g. 1 Nov 2026"), never cut off."""
    width = field.fontMetrics().horizontalAdvance(field.placeholderText()) + room
    field.setMinimumWidth(max(field.minimumWidth(), width))
    return field
