"""One form for every record type, built from the fields the record declares.

Labels, lists and checks all come from `records.types`; the form only turns
each field kind into the right widget and back. Closing a changed form asks
before anything is thrown away.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from .. import clock
from ..errors import BadInput
from ..records.own_fields import OWN, OwnField, check_answer
from ..records.types import fields_of
from .widgets import DateEntry, error_label, forget_when_closed, scrolling

if TYPE_CHECKING:
    from ..records.types import Record

# What a form may be at most: a 1024×600 screen less its panel and the window's title bar.
SMALL_SCREEN_HEIGHT = 600
FORM_MAX_HEIGHT = 540


class FieldEditor:
    """A widget for one field, with a getter and setter in the record's own terms.

    `widget` is the control a person types into; `row` what sits in the form (the same, or a box
    around it); `problem()` a plain sentence when what was typed can't be stored.
    """

    def __init__(
        self,
        widget: QWidget,
        get: Callable[[], Any],
        put: Callable[[Any], None],
        row: QWidget | None = None,
        problem: Callable[[], str] | None = None,
    ):
        self.widget, self.get, self.put = widget, get, put
        self.row = row if row is not None else widget
        self.problem = problem or (lambda: "")
        self.entry: DateEntry | None = None  # a date or date-and-time field's own box


def _date_edit(label: str, required: bool, with_time: bool) -> FieldEditor:
    entry = DateEntry(label, with_time=with_time, required=required)
    editor = FieldEditor(entry.line, entry.iso, entry.set_iso, row=entry, problem=entry.problem)
    editor.entry = entry
    return editor


def date_entry(editor: FieldEditor) -> DateEntry:
    """The DateEntry of a date or date-and-time field."""
    if editor.entry is None:
        raise TypeError("not a date field")
    return editor.entry


def _choice_edit(choices: dict, required: bool, numeric: bool) -> FieldEditor:
    w = QComboBox()
    # A long choice (the Census's ethnic groups) must not widen the whole form past a small screen: the
    # closed box shows what fits, the open list the whole of each choice.
    w.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    w.setMinimumContentsLength(min(24, max((len(label) for label in choices.values()), default=1)))
    if not required:
        w.addItem("—", 0 if numeric else "")
    for code, label in choices.items():
        w.addItem(label, int(code) if numeric else code)
        w.setItemData(w.count() - 1, label, Qt.ItemDataRole.ToolTipRole)

    def put(value):
        i = w.findData(value)
        w.setCurrentIndex(max(i, 0))

    return FieldEditor(w, w.currentData, put)


def _checklist_edit(choices: dict) -> FieldEditor:
    w = QListWidget()
    w.setMaximumHeight(130)
    for code, label in choices.items():
        item = QListWidgetItem(label)
        item.setData(Qt.ItemDataRole.UserRole, code)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Unchecked)
        w.addItem(item)

    def get():
        return [
            w.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(w.count())
            if w.item(i).checkState() == Qt.CheckState.Checked
        ]

    def put(values):
        for i in range(w.count()):
            w.item(i).setCheckState(
                Qt.CheckState.Checked
                if w.item(i).data(Qt.ItemDataRole.UserRole) in (values or [])
                else Qt.CheckState.Unchecked
            )

    return FieldEditor(w, get, put)


def editor_for(fld) -> FieldEditor:
    meta = fld.metadata
    kind, choices, required = meta["kind"], meta["choices"], meta["required"]
    if kind == "list" and choices:
        return _checklist_edit(choices)
    if choices:
        return _choice_edit(choices, required, numeric=kind == "int")
    if kind == "text":
        text = QPlainTextEdit()
        text.setTabChangesFocus(True)
        text.setMinimumHeight(70)
        return FieldEditor(text, text.toPlainText, text.setPlainText)
    if kind == "bool":
        check = QCheckBox(meta["label"])
        return FieldEditor(check, check.isChecked, lambda v: check.setChecked(bool(v)))
    if kind in ("date", "datetime"):
        return _date_edit(meta["label"], required, with_time=kind == "datetime")
    if kind == "int":
        whole = QSpinBox()
        whole.setRange(0, 100_000)
        whole.setSingleStep(15 if fld.name.endswith("minutes") else 1)
        return FieldEditor(whole, whole.value, lambda v: whole.setValue(int(v or 0)))
    if kind == "float":
        decimal = QDoubleSpinBox()
        decimal.setRange(0, 1000)
        decimal.setDecimals(1)
        decimal.setSingleStep(0.5)
        return FieldEditor(decimal, decimal.value, lambda v: decimal.setValue(float(v or 0)))
    line = QLineEdit()
    return FieldEditor(line, line.text, lambda v: line.setText(str(v or "")))


def question_editor(question: OwnField) -> FieldEditor:
    """An editor for one of the organisation's own questions, its answer in the form the record keeps."""
    if question.kind == "date":
        return _date_edit(question.label, False, with_time=False)
    if question.kind == "choice":
        return _choice_edit({c: c for c in question.choices}, False, numeric=False)
    if question.kind == "yes_no":  # a list, not a tick box: not answered is not the same as no
        box = _choice_edit({"yes": "Yes", "no": "No"}, False, numeric=False)
        get, put = box.get, box.put
        box.get = lambda: {"yes": True, "no": False}.get(get(), "")
        box.put = lambda v: put("" if v in ("", None) else "yes" if v else "no")
        return box
    line = QLineEdit()
    return FieldEditor(line, line.text, lambda v: line.setText("" if v in ("", None) else str(v)))


def with_mnemonic(label: str, used: set[str]) -> str:
    """The label with an Alt+letter shortcut on its first letter not already taken."""
    for i, ch in enumerate(label):
        if ch.isalpha() and ch.lower() not in used:
            used.add(ch.lower())
            return label[:i] + "&" + label[i:]
    return label


class RecordForm(QDialog):
    """Edit one record. `on_save(record)` stores it and may raise BadInput.

    `saved` carries the record once it is stored. Callers refresh from it, not from exec()'s
    result: a form hidden by the lock ends its exec() and may be saved after unlocking.
    """

    saved = Signal(object)

    def __init__(
        self,
        record: Record,
        on_save: Callable[[Any], None],
        *,
        title: str | None = None,
        hidden: tuple[str, ...] = (),
        intro: QWidget | None = None,
        reserved_keys: str = "sc",
        parent: QWidget | None = None,
        questions: Sequence[OwnField] = (),
    ):
        """`questions`: the organisation's own questions this form asks, after its own fields."""
        super().__init__(parent)
        forget_when_closed(self)
        self.record_type = type(record)
        self.on_save = on_save
        self.saved_id: str | None = None  # the stored record's id, for forms that save one record
        self.setWindowTitle(title or record.label)
        self.setMinimumWidth(520)
        self.editors: dict[str, FieldEditor] = {}
        self.form = QFormLayout()
        used_keys: set[str] = set(reserved_keys)
        for fld in fields_of(self.record_type):
            if fld.name in hidden or fld.metadata["kind"] in ("map", "own"):
                continue
            editor = editor_for(fld)
            label = fld.metadata["label"]
            editor.widget.setAccessibleName(label)
            editor.widget.setObjectName(f"field_{fld.name}")
            if fld.metadata["kind"] == "bool":
                cast(QCheckBox, editor.widget).setText(with_mnemonic(label, used_keys))
                self.form.addRow("", editor.row)
            else:
                self.form.addRow(with_mnemonic(label, used_keys), editor.row)
            self.editors[fld.name] = editor
        self.questions = {q.key: q for q in questions}
        self.answers: dict[str, FieldEditor] = {}
        for question in questions:
            editor = question_editor(question)
            editor.widget.setAccessibleName(question.label)
            editor.widget.setObjectName(f"question_{question.key}")
            self.form.addRow(with_mnemonic(question.label, used_keys), editor.row)
            self.answers[question.key] = editor
        self._hidden_values = {
            n: getattr(record, n) for n in (f.name for f in fields_of(self.record_type)) if n not in self.editors
        }
        self.put(record)
        self._initial = self.values()

        self.error = error_label()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        # The fields scroll; the intro (who is there, the safeguarding lead) sits at the top of
        # them, and Save and Cancel stay in view below on the smallest screen.
        body = QWidget()
        inner = QVBoxLayout(body)
        if intro is not None:
            inner.addWidget(intro)
        inner.addLayout(self.form)
        inner.addStretch(1)
        self.scroll_area = scrolling(body, self.windowTitle())
        layout = QVBoxLayout(self)
        layout.addWidget(self.scroll_area, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        fit_to_screen(self, body)
        first = next(iter(self.editors.values()), None)
        if first is not None:
            first.widget.setFocus()

    def put(self, record: Any) -> None:
        for name, editor in self.editors.items():
            editor.put(getattr(record, name))
        given = getattr(record, OWN, None) or {}
        for key, editor in self.answers.items():
            editor.put(given.get(key, ""))

    def values(self) -> dict:
        return {
            **{name: editor.get() for name, editor in self.editors.items()},
            **{key: editor.get() for key, editor in self.answers.items()},
        }

    def problems(self) -> list[str]:
        editors = [*self.editors.values(), *self.answers.values()]
        return [p for p in (e.problem() for e in editors) if p]

    def record(self) -> Any:
        problems = self.problems()
        if problems:
            raise BadInput(problems[0])
        values = {name: editor.get() for name, editor in self.editors.items()}
        if self.answers:
            # Answers to questions no longer asked stay as they were; the asked ones are checked here.
            answers = dict(self._hidden_values.get(OWN) or {})
            for key, editor in self.answers.items():
                answers[key] = check_answer(self.questions[key], editor.get())
            values[OWN] = {k: v for k, v in answers.items() if v != ""}
        return self.record_type(**{**self._hidden_values, **values})

    def is_changed(self) -> bool:
        return self.values() != self._initial

    def focus_problem(self) -> None:
        """After a refused Save, the keyboard goes to the first field with a problem, not stays on Save."""
        widget = next((e.widget for e in self.editors.values() if e.problem()), None)
        if widget is not None:
            widget.setFocus()

    def save(self) -> None:
        try:
            record = self.record()
            self.on_save(record)
        except BadInput as exc:
            self.error.setText(exc.message)
            self.focus_problem()
            return
        self._initial = self.values()
        self.saved.emit(record)
        self.accept()

    def reject(self) -> None:
        if self.is_changed():
            answer = QMessageBox.question(
                self,
                self.windowTitle(),
                "You have changes that are not saved. Throw them away?",
                QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Discard:
                return
        super().reject()


def fit_to_screen(dialog: QDialog, body: QWidget, below: int = 0) -> None:
    """Tall enough for the whole form where the screen allows; never taller than a 1024×600 screen.

    `body` is what scrolls; `below` the height of what stays in view under it (Save, Cancel).
    """
    screen = dialog.screen() or QApplication.primaryScreen()
    room = FORM_MAX_HEIGHT
    if screen is not None:
        room = min(room, screen.availableGeometry().height() - 60)
    layout = dialog.layout()
    if layout is None:
        raise ValueError("fit_to_screen: the dialog has no layout yet")
    if not below:
        items = (layout.itemAt(i) for i in range(1, layout.count()))
        below = sum(item.sizeHint().height() for item in items if item is not None)
    margins = layout.contentsMargins()
    wanted = body.sizeHint().height() + below + margins.top() + margins.bottom() + 24
    width = max(dialog.minimumWidth(), min(body.sizeHint().width() + 40, 980))
    dialog.resize(width, max(240, min(wanted, room)))


def today_iso() -> str:
    return clock.today().isoformat()


def now_iso() -> str:
    return clock.local_now().replace(second=0, microsecond=0).isoformat(timespec="minutes")
