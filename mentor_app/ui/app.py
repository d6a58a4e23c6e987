"""Start the desktop app: set up a new profile, or unlock an existing one.

The start window ("Opening your notes…") is drawn first; the profile is opened once it is on screen, and
the mentor's or supervisor's window then takes its place.

With MENTOR_APP_START_MARKS=1 in the environment (bench/run.py sets it), the app prints "painted" on stdout
once its first window (the start window) is drawn and "listed" once the profile's window has its records
in and drawn, then closes that window as a person would. Nothing else about the start changes.
"""

from __future__ import annotations

import os
import platform
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWidget

from .. import APP_NAME, __version__, logs
from ..errors import MentorAppError, SecretNeeded
from ..resources import resource_path
from . import crash
from .collector import MainThreadCollector
from .messages import plain
from .start_window import StartWindow
from .worker import run_in_background

if TYPE_CHECKING:
    from ..storage.profile import Profile

log = logs.get_logger(__name__)

START_MARKS = "MENTOR_APP_START_MARKS"


def obtain_profile(
    profile_dir: Path, *, waiting: QWidget | None = None, opened: Profile | BaseException | None = None
) -> Profile | None:
    """The unlocked profile, asking the person only for what the keyring can't give.

    `opened` is what opening it by keyring on a worker already gave (see `_open_early`): the profile, or why
    not. `waiting` (the start window) is hidden before anything is asked, so the question is the window on
    screen.
    """
    # imported here: the start window is drawn before the keyring and the notes file are reached
    from ..storage.keystore import KeyringStatus
    from ..storage.profile import Profile, open_profile, profile_exists

    if isinstance(opened, Profile):
        return opened
    if not profile_exists(profile_dir):
        from .setup import RecoveryCodeDialog, SetupDialog  # imported here: keeps start-up fast (once per laptop)

        if waiting is not None:
            waiting.hide()
        setup = SetupDialog(profile_dir)
        if setup.exec() != QDialog.DialogCode.Accepted or setup.recovery_code is None:
            return None
        RecoveryCodeDialog(setup.recovery_code).exec()
        return setup.profile
    try:
        if isinstance(opened, BaseException):
            raise opened
        return open_profile(profile_dir)
    except SecretNeeded as need:
        from .unlock import UnlockDialog  # imported here: keeps start-up fast (most days the keyring opens it)

        if waiting is not None:
            waiting.hide()
        offer = need.keyring_status not in (KeyringStatus.DISABLED, None)
        dialog = UnlockDialog(profile_dir, need.message, offer_keyring=offer)
        return dialog.profile if dialog.exec() == QDialog.DialogCode.Accepted else None


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


def _print_start_marks(start: QWidget) -> Callable[[QWidget, bool], None]:
    """See the module's docstring: "painted" once `start` is drawn; the function returned is given the
    profile's window (and whether it was built with its records in) and prints "listed" once they are drawn,
    then closes it."""

    class Marks(QObject):
        def __init__(self) -> None:
            super().__init__(start)
            self.window: QWidget | None = None
            self.filled = self.armed = False

        def eventFilter(self, watched, event) -> bool:
            if event.type() == QEvent.Type.Paint and not self.armed:
                if watched is start and self.window is None:
                    start.removeEventFilter(self)
                    self.arm("painted")
                elif watched is self.window and self.filled:
                    self.arm("listed")
            return False

        def arm(self, word: str) -> None:
            self.armed = True
            QTimer.singleShot(0, lambda: self.mark(word))  # posted while painting: runs once the frame is drawn

        def mark(self, word: str) -> None:
            self.armed = False
            print(word, flush=True)
            if word == "listed" and self.window is not None:
                self.window.close()

        def follow(self, window: QWidget, filled: bool) -> None:
            self.window, self.filled = window, filled
            window.installEventFilter(self)
            if not filled:
                window.refreshed.connect(self.refreshed)  # type: ignore[attr-defined]  # both windows have it

        def refreshed(self) -> None:
            self.filled = True
            if not self.armed and self.window is not None:
                self.window.update()  # the next frame shows the records

    marks = Marks()
    start.installEventFilter(marks)
    return marks.follow


def run_app(profile_dir: Path, open_path: Path | None = None) -> int:
    app = cast(QApplication, QApplication.instance()) or QApplication(sys.argv[:1])
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
    # Until the profile's window is up, closing a question (set-up, unlock) or the start window must not end
    # the event loop with nothing said: the outcome is decided below.
    app.setQuitOnLastWindowClosed(False)
    start = StartWindow()
    outcome: dict[str, int] = {}
    # Opening by keyring runs on a worker while the start window is drawn; what follows waits for both.
    ready: dict[str, Any] = {}

    def finish(code: int) -> None:
        outcome["code"] = code
        start.close()
        app.exit(code)

    def open_window(opened: Profile | BaseException | None) -> None:
        early = opened if opened is not None and not isinstance(opened, BaseException) else None
        if start.closed_by_person:
            if early is not None:
                early.close()
            log.info("profile not opened: the start window was closed")
            return finish(0)
        profile = None
        try:
            profile = obtain_profile(profile_dir, waiting=start, opened=opened)
        except MentorAppError as exc:
            # The kind of refusal (in use, newer version, damaged) helps support; its sentence may name a folder.
            log.info(f"profile not opened: {type(exc).__name__}")
            start.hide()
            QMessageBox.critical(None, APP_NAME, plain(exc))
            return finish(exc.exit_code)
        finally:
            if early is not None and profile is not early:
                early.close()  # opened early but not used (a stand-in for obtain_profile, in the benchmarks)
        if profile is None:
            log.info("profile not opened: set-up or unlock cancelled")
            return finish(0)
        log.info(f"profile unlocked: role {profile.role}")
        window = _profile_window(profile)
        app.lastWindowClosed.connect(lambda: log.info("window closed"))
        if follow is not None:
            follow(window, profile.role != "supervisor")
        window.show()
        start.close()
        app.setQuitOnLastWindowClosed(True)
        if open_path is not None:
            QTimer.singleShot(0, lambda: open_file(window, Path(open_path)))

    def settle(step: str, value: object) -> None:
        ready[step] = value
        if "drawn" in ready and "opened" in ready:
            open_window(ready["opened"])

    jobs = [  # kept until they have reported
        run_in_background(
            lambda: _open_early(profile_dir),
            lambda profile: settle("opened", profile),
            lambda exc: settle("opened", exc),
        )
    ]

    def drawn() -> None:
        # Once the start window is on screen (not before: it would slow the drawing), the profile's window
        # module is read in on a second worker while opening waits on the keyring and the disk. It only
        # imports; nothing waits for it.
        jobs.append(run_in_background(lambda: _read_in_window(profile_dir), lambda _none: None, lambda _exc: None))
        settle("drawn", True)

    _when_drawn(start, drawn)
    # after _when_drawn: the filter installed last sees the paint first, so "painted" is told before opening
    follow = _print_start_marks(start) if os.environ.get(START_MARKS) else None
    start.show()
    code = app.exec()
    jobs.clear()
    code = outcome.get("code", code)
    log.info("app finished: exit code %d", code)
    return code


def _open_early(profile_dir: Path) -> Profile | None:
    """On a worker, while the start window is drawn: the profile opened by keyring (its connection is handed
    to the thread that uses it next), or None where there is no profile yet; SecretNeeded and the other
    refusals are raised for the UI thread to act on."""
    # imported here: the start window is drawn without it
    from ..storage.profile import open_profile, profile_exists

    return open_profile(profile_dir) if profile_exists(profile_dir) else None


def _read_in_window(profile_dir: Path) -> None:
    """Import the window module for the profile's role (from its settings file, read without the key) and
    what its first lists are read with, on a worker while the start window is drawn and the profile opened.
    A failure is left for the UI thread's own import, or the opening, to report."""
    try:
        # imported here: see the docstring
        from ..storage.meta import load_meta

        if load_meta(profile_dir).role == "supervisor":
            from . import supervisor_window  # noqa: F401 - imported here: see the docstring
        else:
            from ..records import caseload  # noqa: F401 - imported here: see the docstring
            from . import main_window  # noqa: F401 - imported here: see the docstring
    except Exception:  # noqa: BLE001 - see the docstring
        pass


def _profile_window(profile: Profile) -> QWidget:
    """The profile's own window, its records in (the mentor's) or on their way (the supervisor's)."""
    # imported here: keeps start-up fast (the start window is drawn without it)
    from ..directory.defaults import ensure_default_directory

    ensure_default_directory(profile)
    if profile.role == "supervisor":
        # only the profile's own window is imported: keeps start-up fast
        from .supervisor_window import SupervisorWindow

        return SupervisorWindow(profile)
    # only the profile's own window is imported: keeps start-up fast
    from .main_window import MainWindow

    return MainWindow(profile, checks_after_paint=True)


def _when_drawn(window: QWidget, then: Callable[[], None], at_most_ms: int = 250) -> None:
    """Run `then` once, as soon as `window` has been drawn, or after `at_most_ms` if it never is (minimised,
    or a display that draws nothing)."""

    class Drawn(QObject):
        def __init__(self):
            super().__init__(window)
            self.done = False

        def eventFilter(self, watched, event) -> bool:
            if event.type() == QEvent.Type.Paint:
                window.removeEventFilter(self)
                QTimer.singleShot(0, self.run)  # posted while painting: runs once the frame is on screen
            return False

        def run(self) -> None:
            if not self.done:
                self.done = True
                then()

    drawn = Drawn()
    window.installEventFilter(drawn)
    QTimer.singleShot(at_most_ms, drawn.run)
