"""Small widgets every dialog uses the same way."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QProgressBar, QVBoxLayout, QWidget


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
