"""What the mentor's and the supervisor's windows share: lock, unlock, idle, clipboard, timers, backups, close.

While locked, the window's workspace is taken out of it altogether (not just
hidden behind the lock page), every dialog of the app is hidden and every
action but Quit is off, so no record text can be seen, reached by keyboard or
read through the accessibility tree. Dialogs come back on unlock exactly as
they were; what they save reaches the window through their `saved` signal.
The one exception is a window kept over the lock (`keep_over_lock`: the
check-in reminder), which shows no record text itself while locked
(`locked_changed` tells it when).

Backups are taken on the single background thread (see worker.py), each on a
connection of its own, so the window never waits for one and keeps saving
while it runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QMainWindow, QMenu, QMenuBar, QMessageBox, QWidget

from .. import APP_NAME, logs
from .lock import ClipboardGuard, IdleWatcher, LockPage
from .messages import plain
from .widgets import the_app
from .worker import Job, run_in_background, wait_for_jobs

if TYPE_CHECKING:
    from ..storage.db import CheckReport

log = logs.get_logger(__name__)

AUTO_BACKUP_CHECK_MS = 5 * 60 * 1000  # how often to look whether an automatic backup is due
LOCK_KEYS = QKeySequence("Ctrl+L")  # the Lock now shortcut of both windows


class WindowShell(QObject):
    """Owns a main window's lock page, idle lock, clipboard guard, timers, background backups and closing."""

    backup_finished = Signal(object)  # the path of a backup taken in the background
    locked_changed = Signal(bool)  # True as the window locks, False once it is unlocked

    def __init__(
        self,
        window: QMainWindow,
        profile,
        workspace: QWidget,
        *,
        idle_minutes: float,
        title: Callable[[], str],
        on_unlocked: Callable[[], None] | None = None,
        on_close: Callable[[], None] | None = None,
        backup_check_ms: int = AUTO_BACKUP_CHECK_MS,
    ):
        super().__init__(window)
        self.window, self.profile, self.workspace = window, profile, workspace
        self.title, self.on_unlocked, self.on_close = title, on_unlocked, on_close
        self.closing = False
        self._hidden: list[QWidget] = []
        self._disabled: list[QAction] = []
        self._focus: QWidget | None = None
        self._over_lock: list[QWidget] = []
        self._jobs: set[Job] = set()
        self._backup_running = False
        self.lock_page = LockPage(profile)
        self.lock_page.unlocked.connect(self.unlock)
        window.setCentralWidget(workspace)
        window.setWindowTitle(title())
        self.idle = IdleWatcher(idle_minutes, self)
        self.idle.idle.connect(self.lock)
        # Ctrl+L locks from an open form too: the window's own shortcut only works while it is active.
        the_app().installEventFilter(self)
        self.clipboard_guard = ClipboardGuard(self)
        self.timers: list[QTimer] = []
        self.backup_timer = self.add_timer(backup_check_ms, self.auto_backup)
        # The window's thread owns its connection from here on: a background job that
        # reaches for it fails at once instead of corrupting a save.
        profile.conn.claim()

    def eventFilter(self, obj, event) -> bool:
        if (
            event.type() == QEvent.Type.KeyPress
            and QKeySequence(event.keyCombination()) == LOCK_KEYS
            and not self.locked
            and not self.closing
        ):
            active = QApplication.activeWindow()
            if active is not None and active is not self.window and active in self._dialogs():
                self.lock()
                return True
        return False

    # -- timers -------------------------------------------------------------
    def add_timer(self, msecs: int, slot: Callable[[], None]) -> QTimer:
        """A repeating timer that stops when the window closes."""
        timer = QTimer(self)
        timer.timeout.connect(slot)
        timer.start(msecs)
        self.timers.append(timer)
        return timer

    # -- lock ---------------------------------------------------------------
    @property
    def locked(self) -> bool:
        return self.window.centralWidget() is self.lock_page

    def keep_over_lock(self, widget: QWidget) -> None:
        """A window of the app's own that locking leaves on screen (it hides its record text itself, on
        `locked_changed`), closed with the main window."""
        self._over_lock.append(widget)

    def _dialogs(self) -> list[QWidget]:
        return [
            w
            for w in QApplication.topLevelWidgets()
            if w is not self.window
            and w.isWindow()
            and w.isVisible()
            and not isinstance(w, QMainWindow)
            and w not in self._over_lock
        ]

    def _actions(self) -> list[QAction]:
        """The window's own actions and its menus': all off while locked, except Quit."""
        quit_keys = QKeySequence.keyBindings(QKeySequence.StandardKey.Quit)
        return [
            a
            for a in self.window.findChildren(QAction)
            if (a.parent() is self.window or isinstance(a.parent(), (QMenu, QMenuBar)))
            and a.isEnabled()
            and not (quit_keys and any(k in quit_keys for k in a.shortcuts()))
        ]

    def lock(self) -> None:
        if self.locked or self.closing:
            return
        focus = QApplication.focusWidget()
        self._focus = focus if focus is not None and self.workspace.isAncestorOf(focus) else None
        # Open forms are hidden, not closed: nothing typed is lost. Their native windows go too,
        # once hidden: a hidden window stays on the accessibility bus, where a screen reader could
        # still read its lists and notes. show() on unlock makes them again, contents intact.
        self._hidden = self._dialogs()
        for w in self._hidden:
            w.hide()
            QTimer.singleShot(0, w, lambda w=w: w.isVisible() or w.destroy())
        self.clipboard_guard.clear_if_ours()
        self._disabled = self._actions()
        for action in self._disabled:
            action.setEnabled(False)
        self.window.menuBar().setEnabled(False)
        self.window.statusBar().clearMessage()
        # The workspace leaves the window: nothing in it is on screen, in the focus chain
        # or in the accessibility tree until the passphrase is typed.
        taken = self.window.takeCentralWidget()
        assert taken is self.workspace
        self.window.setCentralWidget(self.lock_page)
        self.lock_page.show()  # hidden on the last unlock; setCentralWidget doesn't show it again
        self.window.setWindowTitle(f"{APP_NAME} — locked")
        self.window.activateWindow()  # the keyboard goes to the lock page, even from a form that had it
        self.lock_page.reset()
        self.locked_changed.emit(True)

    def unlock(self) -> None:
        if not self.locked:
            return
        self.window.takeCentralWidget()  # the lock page, kept for next time
        self.lock_page.hide()
        self.window.setCentralWidget(self.workspace)
        self.window.menuBar().setEnabled(True)
        for action in self._disabled:
            if shiboken6.isValid(action):
                action.setEnabled(True)
        self._disabled = []
        self.window.setWindowTitle(self.title())
        shown = [w for w in self._hidden if shiboken6.isValid(w)]
        self._hidden = []
        self.idle.restart()
        self.locked_changed.emit(False)
        if self.on_unlocked is not None:
            self.on_unlocked()
        for w in shown:
            w.show()
        if shown:
            shown[-1].raise_()
            shown[-1].activateWindow()
            return
        # Focus goes back where it was, or to the first thing in the workspace: never the hidden Unlock button.
        target = self._focus if self._focus is not None and shiboken6.isValid(self._focus) else None
        self._focus = None
        if target is None or not target.isVisibleTo(self.window) or not target.isEnabled():
            target = _first_focusable(self.workspace)
        if target is not None:
            target.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- backups ------------------------------------------------------------
    def backup(
        self,
        kind: str = "manual",
        on_done: Callable[[object], None] | None = None,
        on_failed: Callable[[BaseException], None] | None = None,
    ):
        """Take a backup in the background, on its own connection, while the window carries on."""
        profile = self.profile
        mark = profile.backup_mark()
        self._backup_running = True

        def done(path) -> None:
            self._backup_running = False
            if profile.closed:
                return
            profile.backed_up(mark)
            self.backup_finished.emit(path)
            if on_done is not None:
                on_done(path)

        def failed(exc) -> None:
            self._backup_running = False
            log.warning(f"backup failed: {kind}")
            if on_failed is not None and not profile.closed:
                on_failed(exc)

        return self.run_serial(lambda: profile.write_backup(kind), done, failed)

    def back_up_now(self, on_failed: Callable[[BaseException], None]) -> Job:
        """File › Back up now, in either window: in the background, so the person can go on writing."""
        bar = self.window.statusBar()
        bar.showMessage("Backing up…")
        return self.backup("manual", lambda _path: bar.showMessage("Backup taken.", 8000), on_failed)

    def check_now(self, on_failed: Callable[[BaseException], object]) -> Job:
        """File › Check for damage, in either window: the answer in words, with the newest good backup if
        there is damage."""
        from ..records.dates import local_time  # imported here: only a check needs it
        from ..storage import backups

        profile = self.profile

        def done(report: CheckReport) -> None:
            if report.ok:
                QMessageBox.information(self.window, APP_NAME, "All checks passed: your notes file is healthy.")
                return
            good = backups.newest_good_backup(profile.path, profile.key)
            where = f" The newest good backup is from {local_time(good.taken)}." if good else ""
            QMessageBox.warning(self.window, APP_NAME, "The check found damage in your notes file." + where)

        return self.check(done, on_failed)

    def auto_backup(self) -> None:
        """The periodic backup: when something changed and enough time passed, never blocking the window."""
        if self.profile.closed or self.closing or self._backup_running:
            return
        try:
            if not self.profile.backup_due():
                return
        except Exception as exc:  # noqa: BLE001 - never stands between a mentor and their notes
            self.window.statusBar().showMessage(plain(exc), 15_000)
            return
        self.backup("auto", on_failed=lambda exc: self.window.statusBar().showMessage(plain(exc), 15_000))

    def check(self, on_done: Callable[[CheckReport], object], on_failed: Callable[[BaseException], object]) -> Job:
        """Every damage check, in the background, on a read-only connection of its own."""
        profile = self.profile

        def done(report: CheckReport) -> None:
            if not profile.closed:
                on_done(report)

        def failed(exc: BaseException) -> None:
            if not profile.closed:
                on_failed(exc)

        return self.run_serial(profile.check, done, failed)

    def run_serial(self, fn, on_done, on_failed):
        """Run `fn` on the one background thread for backups and checks; the job is kept until it reports."""
        holder = []

        def settle(callback):
            def call(value):
                self._jobs.discard(holder[0])
                callback(value)

            return call

        job = run_in_background(fn, settle(on_done), settle(on_failed), serial=True)
        holder.append(job)
        self._jobs.add(job)
        return job

    # -- close --------------------------------------------------------------
    def close_event(self, event) -> None:
        """Stop the timers, let background work finish, take the closing backup and close the profile."""
        self.closing = True
        for timer in self.timers:
            timer.stop()
        self.idle.stop()
        the_app().removeEventFilter(self)
        self.clipboard_guard.clear_if_ours()
        for w in self._over_lock:
            if shiboken6.isValid(w):
                w.close()
        wait_for_jobs(30_000)
        if self.on_close is not None:
            try:
                self.on_close()
            except Exception:  # noqa: BLE001 - closing goes on: the notes are saved
                log.warning("a closing step failed", exc_info=True)
        try:
            self.profile.close()
        except Exception as exc:  # noqa: BLE001
            what = "notes" if self.profile.role == "mentor" else "records"
            QMessageBox.warning(
                self.window, APP_NAME, f"Your {what} are saved, but the closing backup failed. " + plain(exc)
            )
        event.accept()


def _first_focusable(root: QWidget) -> QWidget | None:
    for w in root.findChildren(QWidget):
        if w.focusPolicy() & Qt.FocusPolicy.TabFocus and w.isVisibleTo(root) and w.isEnabled():
            return w
    return None
