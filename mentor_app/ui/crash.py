"""The last line of defence in the desktop app: an unexpected error gets a plain message, never a traceback."""

from __future__ import annotations

import platform
import sys
import warnings

from PySide6.QtCore import qVersion
from PySide6.QtWidgets import QApplication, QMessageBox, QTextEdit

from .. import APP_NAME, __version__, logs

log = logs.get_logger(__name__)

PLAIN_WORDS = (
    "Something unexpected went wrong. What you had saved is safe. If it happens again, "
    "send the details to your IT contact: they hold no names or notes."
)

_showing = False


def redacted_report(exc_type, exc, tb) -> str:
    """Where it went wrong (app files, lines, the kind of error) and on what, never the error's own words or values."""
    where = logs.app_frames(tb) or ["(outside the app)"]
    lines = [
        f"{APP_NAME} {__version__}",
        exc_type.__name__,
        *(f"  {w}" for w in where),
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}, Qt {qVersion()}",
    ]
    return "\n".join(lines)


def save_report(report: str):
    """The crash file's path, or None when it couldn't be written (the dialog must still appear)."""
    try:
        return logs.write_crash_report(report)
    except OSError:
        return None


def crash_box(report: str, saved) -> QMessageBox:
    box = QMessageBox(QMessageBox.Icon.Warning, APP_NAME, PLAIN_WORDS)
    box.setInformativeText(
        f"A copy of the details is saved in {saved}."
        if saved is not None
        else "The details couldn't be saved to a file, so please copy them."
    )
    box.setDetailedText(report)
    # imported here: the Qt namespace's first use costs the desktop app's start a noticeable moment, and the
    # start window is drawn before anything needs it
    from PySide6.QtCore import Qt

    for text in box.findChildren(QTextEdit):
        text.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
    copy = box.addButton("Copy details", QMessageBox.ButtonRole.ActionRole)
    # A message box closes on any button; the copy button should leave it open for "Close" afterwards.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            copy.clicked.disconnect()
        except (RuntimeError, TypeError):
            pass
    copy.clicked.connect(lambda: QApplication.clipboard().setText(report))
    box.addButton(QMessageBox.StandardButton.Close)
    return box


def install() -> None:
    def hook(exc_type, exc, tb) -> None:
        global _showing
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        report = redacted_report(exc_type, exc, tb)
        saved = save_report(report)
        log.error("unexpected error", exc_info=(exc_type, exc, tb))
        print(report, file=sys.stderr)
        # A slot that keeps failing behind the open box saves its reports but doesn't stack up more boxes.
        if QApplication.instance() is None or _showing:
            return
        _showing = True
        try:
            crash_box(report, saved).exec()
        finally:
            _showing = False

    sys.excepthook = hook
