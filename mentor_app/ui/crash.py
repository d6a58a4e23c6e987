"""The last line of defence in the desktop app: an unexpected error gets a plain message, never a traceback."""

from __future__ import annotations

import sys
import traceback

from PySide6.QtWidgets import QApplication, QMessageBox

from .. import APP_NAME, __version__


def redacted_report(exc_type, exc, tb) -> str:
    """Where it went wrong (files, lines, the kind of error), never the error's own words or any values."""
    frames = traceback.extract_tb(tb)
    where = "\n".join(f"  {f.filename.rsplit('mentor_app', 1)[-1]}:{f.lineno} in {f.name}" for f in frames[-8:]
                      if "mentor_app" in f.filename)
    return f"Mentor App {__version__}\n{exc_type.__name__}\n{where or '  (outside the app)'}"


def install() -> None:
    def hook(exc_type, exc, tb) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        report = redacted_report(exc_type, exc, tb)
        print(report, file=sys.stderr)
        if QApplication.instance() is None:
            return
        box = QMessageBox(QMessageBox.Warning, APP_NAME,
                          "Something unexpected went wrong. What you had saved is safe. If it happens again, "
                          "copy the details below (they hold no names or notes) and send them to your IT contact.")
        box.setDetailedText(report)
        box.exec()

    sys.excepthook = hook
