"""Start the desktop app: set up a new profile, or unlock an existing one.

With MENTOR_APP_START_MARKS=1 in the environment (bench/run.py sets it), the app prints "painted" on stdout
once its first window is drawn and "listed" once that window's records are in and drawn, then closes the
window as a person would. Nothing else about the start changes.
"""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from .. import APP_NAME, __version__, logs
from ..errors import MentorAppError, SecretNeeded
from ..resources import resource_path
from ..storage.keystore import KeyringStatus
from ..storage.profile import Profile, open_profile, profile_exists
from . import crash
from .collector import MainThreadCollector
from .messages import plain

log = logs.get_logger(__name__)

START_MARKS = "MENTOR_APP_START_MARKS"


def obtain_profile(profile_dir: Path) -> Profile | None:
    """The unlocked profile, asking the person only for what the keyring can't give."""
    if not profile_exists(profile_dir):
        from .setup import RecoveryCodeDialog, SetupDialog  # imported here: keeps start-up fast (once per laptop)

        setup = SetupDialog(profile_dir)
        if setup.exec() != SetupDialog.Accepted:
            return None
        RecoveryCodeDialog(setup.recovery_code).exec()
        return setup.profile
    try:
        return open_profile(profile_dir)
    except SecretNeeded as need:
        from .unlock import UnlockDialog  # imported here: keeps start-up fast (most days the keyring opens it)

        offer = need.keyring_status not in (KeyringStatus.DISABLED, None)
        dialog = UnlockDialog(profile_dir, need.message, offer_keyring=offer)
        return dialog.profile if dialog.exec() == UnlockDialog.Accepted else None


def open_file(window, path: Path) -> None:
    """What a double-clicked file does once the profile is unlocked: a mentor's log is imported."""
    from ..exchange.batch import SUFFIX  # imported here: keeps start-up fast (the batch format brings the ciphers)

    if path.suffix != SUFFIX:
        QMessageBox.information(
            window, APP_NAME, f"{path.name} is not a Mentor App log (those end in {SUFFIX}). Nothing was imported."
        )
    elif not hasattr(window, "import_batch_file"):
        QMessageBox.information(
            window,
            APP_NAME,
            "This is a log for your supervisor's copy of Mentor App. This "
            "profile is a mentor's, so nothing was imported. Leave the file on the shared drive "
            "for your supervisor.",
        )
    elif not path.is_file():
        QMessageBox.warning(window, APP_NAME, f"The file {path} can't be found. Nothing was imported.")
    else:
        window.import_batch_file(path)


def _print_start_marks(window) -> None:
    """See the module's docstring: "painted", then "listed" (after the window's `refreshed`), then close."""

    class Marks(QObject):
        def __init__(self):
            super().__init__(window)
            self.due, self.filled, self.armed = ["painted", "listed"], False, False

        def eventFilter(self, watched, event) -> bool:
            if (
                event.type() == QEvent.Paint
                and not self.armed
                and self.due
                and (self.due[0] == "painted" or self.filled)
            ):
                self.armed = True
                QTimer.singleShot(0, self.mark)  # posted while painting: runs once the whole frame is drawn
            return False

        def mark(self) -> None:
            self.armed = False
            print(self.due.pop(0), flush=True)
            if not self.due:
                window.close()
            elif self.filled:
                window.update()

        def refreshed(self) -> None:
            self.filled = True
            if self.due == ["listed"] and not self.armed:
                window.update()  # the next frame shows the records

    marks = Marks()
    window.installEventFilter(marks)
    window.refreshed.connect(marks.refreshed)


def run_app(profile_dir: Path, open_path: Path | None = None) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    collector = MainThreadCollector(app)
    try:
        return _run_app(app, profile_dir, open_path)
    finally:
        collector.stop()


def _run_app(app: QApplication, profile_dir: Path, open_path: Path | None) -> int:
    logs.setup("app")
    log.info(f"app started: version {__version__}, {platform.system()}")
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("mentor-app")  # Linux desktops match the window to its menu entry and icon
    app.setWindowIcon(QIcon(str(resource_path("icons", "mentor-app.svg"))))
    crash.install()
    try:
        profile = obtain_profile(profile_dir)
    except MentorAppError as exc:
        # The kind of refusal (in use, newer version, damaged) helps support; its sentence may name a folder.
        log.info(f"profile not opened: {type(exc).__name__}")
        QMessageBox.critical(None, APP_NAME, plain(exc))
        return exc.exit_code
    if profile is None:
        log.info("profile not opened: set-up or unlock cancelled")
        return 0
    log.info(f"profile unlocked: role {profile.role}")
    # imported here: keeps start-up fast (a set-up or unlock dialog is shown without it)
    from ..directory.defaults import ensure_default_directory

    ensure_default_directory(profile)
    if profile.role == "supervisor":
        # only the profile's own window is imported: keeps start-up fast
        from .supervisor_window import SupervisorWindow

        window = SupervisorWindow(profile)
    else:
        # only the profile's own window is imported: keeps start-up fast
        from .main_window import MainWindow

        window = MainWindow(profile, draw_first=True)
    app.lastWindowClosed.connect(lambda: log.info("window closed"))
    if os.environ.get(START_MARKS):
        _print_start_marks(window)
    window.show()
    if open_path is not None:
        QTimer.singleShot(0, lambda: open_file(window, Path(open_path)))
    code = app.exec()
    log.info("app finished: exit code %d", code)
    return code
