"""How big a window may open on the screen it is on."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QWidget


def resize_within_screen(window: QWidget, width: int, height: int) -> None:
    """This size, or the screen's free area less room for a title bar where the screen is smaller."""
    screen = window.screen() or QApplication.primaryScreen()
    if screen is not None:
        room = screen.availableGeometry()
        width, height = min(width, room.width() - 16), min(height, room.height() - 40)
    window.resize(width, height)
