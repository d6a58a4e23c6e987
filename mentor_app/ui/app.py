"""Start the desktop app: set up a new profile, or unlock an existing one."""

from __future__ import annotations

import platform
import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication, QMessageBox

from .. import APP_NAME, __version__, logs
from ..directory.defaults import ensure_default_directory
from ..errors import MentorAppError, SecretNeeded
from ..storage.keystore import KeyringStatus
from ..storage.profile import Profile, open_profile, profile_exists
from . import crash
from .main_window import MainWindow
from .messages import plain
from .setup import RecoveryCodeDialog, SetupDialog
from .unlock import UnlockDialog

log = logs.get_logger(__name__)


def obtain_profile(profile_dir: Path) -> Profile | None:
    """The unlocked profile, asking the person only for what the keyring can't give."""
    if not profile_exists(profile_dir):
        setup = SetupDialog(profile_dir)
        if setup.exec() != SetupDialog.Accepted:
            return None
        RecoveryCodeDialog(setup.recovery_code).exec()
        return setup.profile
    try:
        return open_profile(profile_dir)
    except SecretNeeded as need:
        offer = need.keyring_status not in (KeyringStatus.DISABLED, None)
        dialog = UnlockDialog(profile_dir, need.message, offer_keyring=offer)
        return dialog.profile if dialog.exec() == UnlockDialog.Accepted else None


def open_file(window, path: Path) -> None:
    """What a double-clicked file does once the profile is unlocked: a mentor's log is imported."""
    from ..exchange.batch import SUFFIX

    if path.suffix != SUFFIX:
        QMessageBox.information(window, APP_NAME, f"{path.name} is not a Mentor App log (those end in {SUFFIX}). "
                                "Nothing was imported.")
    elif not hasattr(window, "import_batch_file"):
        QMessageBox.information(window, APP_NAME, "This is a log for your supervisor's copy of Mentor App. This "
                                "profile is a mentor's, so nothing was imported. Leave the file on the shared drive "
                                "for your supervisor.")
    elif not path.is_file():
        QMessageBox.warning(window, APP_NAME, f"The file {path} can't be found. Nothing was imported.")
    else:
        window.import_batch_file(path)


def run_app(profile_dir: Path, open_path: Path | None = None) -> int:
    logs.setup("app")
    log.info(f"app started: version {__version__}, {platform.system()}")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("mentor-app")  # Linux desktops match the window to its menu entry and icon
    from PySide6.QtGui import QIcon

    from ..resources import resource_path

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
    ensure_default_directory(profile)
    if profile.role == "supervisor":
        from .supervisor_window import SupervisorWindow

        window = SupervisorWindow(profile)
    else:
        window = MainWindow(profile)
    app.lastWindowClosed.connect(lambda: log.info("window closed"))
    window.show()
    if open_path is not None:
        from PySide6.QtCore import QTimer

        QTimer.singleShot(0, lambda: open_file(window, Path(open_path)))
    code = app.exec()
    log.info("app finished: exit code %d", code)
    return code
