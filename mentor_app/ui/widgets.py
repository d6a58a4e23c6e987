"""Small widgets every dialog uses the same way."""

from __future__ import annotations

from datetime import date, datetime, time

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QProgressBar, QScrollArea, QVBoxLayout, QWidget

from .. import clock
from ..records.dates import (
    DateNotUnderstood,
    parse_date,
    parse_datetime,
    shown_date,
    shown_datetime,
    uk_date,
    uk_datetime,
)


def the_app() -> QApplication:
    """The running QApplication: every window and dialog lives in one."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        raise RuntimeError("no QApplication is running")
    return app


class _FollowFocus(QObject):
    """Keeps the control with the keyboard in view inside a scrolling area: when the focus moves
    (Tab from the last button back to the first field, an Alt-letter), and when the area's body
    changes size while typing (a date's meaning appears under its field, a box grows)."""

    def __init__(self, scroll: QScrollArea):
        super().__init__(scroll)
        self.scroll, self.listening = scroll, False
        scroll.installEventFilter(self)
        body = scroll.widget()
        if body is not None:
            body.installEventFilter(self)

    def focus_changed(self, _old, new) -> None:
        follow_focus(self.scroll, new)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        kind = event.type()
        if obj is self.scroll and kind in (QEvent.Type.Show, QEvent.Type.Hide):
            # The app-wide focus signal is heard only while on screen: a closed form, kept by its
            # window for the session, adds nothing to every later focus change.
            if (kind == QEvent.Type.Show) != self.listening:
                signal = the_app().focusChanged
                (signal.connect if not self.listening else signal.disconnect)(self.focus_changed)
                self.listening = not self.listening
        elif kind in (QEvent.Type.Resize, QEvent.Type.LayoutRequest):
            QTimer.singleShot(0, self, lambda: follow_focus(self.scroll, QApplication.focusWidget()))
        return False


def follow_focus(scroll: QScrollArea, widget: QWidget | None) -> None:
    """Scroll `widget` into view if it is inside the scrolling area."""
    body = scroll.widget()
    if widget is not None and body is not None and body.isAncestorOf(widget):
        scroll.ensureWidgetVisible(widget)


def scrolling(body: QWidget, name: str) -> QScrollArea:
    """`body` in a frameless scrolling area that is no Tab stop of its own and keeps the focus in view."""
    scroll = QScrollArea()
    scroll.setWidget(body)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QScrollArea.Shape.NoFrame)
    scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # no invisible Tab stop: the controls inside take focus
    scroll.setAccessibleName(name)
    _FollowFocus(scroll)
    return scroll


def shown_value(fld, value) -> str:
    """A record field's value as a person reads it: a choice's words, a date in words."""
    choices = fld.metadata["choices"]
    if choices and value:
        return choices.get(str(value), str(value))
    if value and fld.metadata["kind"] == "date":
        return shown_date(str(value))
    if value and fld.metadata["kind"] == "datetime":
        return shown_datetime(str(value))
    return str(value)


def error_label() -> QLabel:
    """Where a dialog says, in one plain sentence, what went wrong."""
    label = QLabel()
    label.setWordWrap(True)
    label.setStyleSheet("color: #a00000;")
    label.setAccessibleName("Problem")
    return label


def busy_bar(accessible_name: str) -> QProgressBar:
    """An indeterminate bar shown while slow work runs off the UI thread."""
    bar = QProgressBar()
    bar.setRange(0, 0)
    bar.setVisible(False)
    bar.setAccessibleName(accessible_name)
    return bar


def forget_when_closed(dialog) -> None:
    """Once the dialog is closed, take it out of the app's windows, and so out of the accessibility tree.

    Qt keeps a closed dialog (with its parent, until the window goes) among the windows a
    screen reader can walk, with every name and note it showed; Qt even calls its list
    items "showing". Dropping its native window, once back in the event loop (never from
    inside one of its own key presses), leaves a screen reader nothing of it; it would come
    back if shown again. A dialog the lock hides is not closed: the lock looks after it.
    """

    def drop_window() -> None:
        if not dialog.isVisible():
            dialog.destroy()

    dialog.finished.connect(lambda _result: QTimer.singleShot(0, dialog, drop_window))


def named(widget, name: str):
    """The widget, with the name a screen reader speaks for it."""
    widget.setAccessibleName(name)
    return widget


def labelled(text: str, widget) -> QWidget:
    """A label above a widget, the label's Alt-key moving to the widget."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    label = QLabel(text)
    label.setBuddy(widget)
    layout.addWidget(label)
    layout.addWidget(widget)
    return box


class DateEntry(QWidget):
    """A date, or a date and time, typed as people write it: one Tab stop, empty allowed when optional.

    `line` is the text field (the one focus stop); below it a short line says what was
    understood while typing, what couldn't be read, or a warning such as a date in the future.
    """

    def __init__(self, label: str, *, with_time: bool, required: bool, warn_future: str = ""):
        super().__init__()
        self.label, self.with_time, self.required, self.warn_future = label, with_time, required, warn_future
        self._default_time: time | None = None
        self.line = QLineEdit()
        self.line.setAccessibleName(label)
        # Short enough to show whole in a form's field at 1024×600: a cut hint reads as nonsense.
        if required:
            hint = "e.g. today 14:30, 3/12 10:00" if with_time else "e.g. today, 3/12, 3 Dec 2026"
        else:
            hint = "tomorrow 3pm, or leave empty" if with_time else "3 Dec 2026, or leave empty"
        self.line.setPlaceholderText(hint)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.hint.setVisible(False)
        self.hint.setObjectName("dateHint")
        self.hint.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(1)
        layout.addWidget(self.line)
        layout.addWidget(self.hint)
        self.setFocusProxy(self.line)
        self.line.textEdited.connect(self._explain)
        self.line.editingFinished.connect(self._tidy)

    # -- reading ------------------------------------------------------------
    def parsed(self):
        """A date, a datetime, or None when empty; DateNotUnderstood when it can't be read."""
        text = self.line.text()
        if self.with_time:
            return parse_datetime(text, default_time=self._default_time)
        return parse_date(text)

    def iso(self) -> str:
        """What the record stores; the typed text as it is when it can't be read (see `problem`)."""
        try:
            value = self.parsed()
        except DateNotUnderstood:
            return self.line.text().strip()
        if value is None:
            return ""
        return value.isoformat(timespec="minutes") if self.with_time else value.isoformat()

    def problem(self) -> str:
        """The plain sentence to show on Save, or "" when all is well."""
        try:
            value = self.parsed()
        except DateNotUnderstood as exc:
            return f"{self.label}: {exc.message}"
        if value is None and self.required:
            return f"{self.label}: please fill this in (for example “today”)."
        return ""

    def in_future(self) -> bool:
        try:
            value = self.parsed()
        except ValueError:
            return False
        if value is None:
            return False
        return value > (clock.local_now() if self.with_time else clock.today())

    # -- writing ------------------------------------------------------------
    def set_iso(self, value: str) -> None:
        text = ""
        if value:
            try:
                if self.with_time:
                    moment = datetime.fromisoformat(value[:16])
                    self._default_time = moment.time()
                    text = uk_datetime(moment)
                else:
                    text = uk_date(date.fromisoformat(value[:10]))
            except ValueError:
                text = value
        self.line.setText(text)
        self._say("")

    def _say(self, words: str) -> None:
        self.hint.setText(words)
        self.hint.setVisible(bool(words))
        self.line.setAccessibleDescription(words)

    def _explain(self, _text: str = "") -> None:
        """While typing: what the field will hold, so "6/12" can't silently mean the wrong day."""
        try:
            value = self.parsed()
        except DateNotUnderstood:
            self._say("")  # still typing; said plainly when the field is left
            return
        if value is None:
            self._say("")
            return
        words = "means " + (uk_datetime(value) if self.with_time else uk_date(value))
        self._say(words + self._future_words())

    def _future_words(self) -> str:
        return f" — ⚠ {self.warn_future}" if self.warn_future and self.in_future() else ""

    def _tidy(self) -> None:
        """On leaving the field: show the value back in words, or say what couldn't be read."""
        try:
            value = self.parsed()
        except DateNotUnderstood as exc:
            self._say(exc.message)
            self.hint.setStyleSheet("color: #a00000;")
            return
        self.hint.setStyleSheet("color: #8a4b00;" if self._future_words() else "")
        if value is None:
            self.line.setText("")
            self._say("")
            return
        if self.with_time:
            self._default_time = value.time()
        self.line.setText(uk_datetime(value) if self.with_time else uk_date(value))
        self._say(self._future_words().removeprefix(" — "))


def pick_mnemonic(text: str, used: set[str]) -> str:
    """`text` with its Alt-letter: the one marked with & if still free, else the first free letter.

    `used` is the set of letters already taken in the same window; the chosen one is added to it.
    """
    plain = text.replace("&&", "\0")
    marked = plain.find("&")
    plain = plain.replace("&", "")
    if 0 <= marked < len(plain) and plain[marked].isalpha() and plain[marked].lower() not in used:
        used.add(plain[marked].lower())
        return (plain[:marked] + "&" + plain[marked:]).replace("\0", "&&")
    for i, ch in enumerate(plain):
        if ch.isalpha() and ch.lower() not in used:
            used.add(ch.lower())
            return (plain[:i] + "&" + plain[i:]).replace("\0", "&&")
    return plain.replace("\0", "&&")
