"""Start the desktop app: set up a new profile, or unlock an existing one."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication, QMessageBox

from .. import APP_NAME, __version__
from ..directory.defaults import ensure_default_directory
from ..errors import MentorAppError, SecretNeeded
from ..storage.keystore import KeyringStatus
from ..storage.profile import Profile, open_profile, profile_exists
from . import crash
from .main_window import MainWindow
from .messages import plain
from .setup import RecoveryCodeDialog, SetupDialog
from .unlock import UnlockDialog


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


def run_app(profile_dir: Path) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    crash.install()
    try:
        profile = obtain_profile(profile_dir)
    except MentorAppError as exc:
        QMessageBox.critical(None, APP_NAME, plain(exc))
        return exc.exit_code
    if profile is None:
        return 0
    ensure_default_directory(profile)
    if profile.role == "supervisor":
        from .supervisor_window import SupervisorWindow

        window = SupervisorWindow(profile)
    else:
        window = MainWindow(profile)
    window.show()
    return app.exec()
