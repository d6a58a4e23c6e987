"""Small widgets every dialog uses the same way."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QProgressBar


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
