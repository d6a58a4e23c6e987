"""Lone-working check-ins in the window: "Are you safe?" at the check-in time, over the lock screen too.

The watcher looks every half minute (a timer of the window's shell) for meeting plans whose check-in
time has come (records/checkins.py). It raises a small window of its own, kept on top and left on
screen by the lock, where Enter checks in; the system tray, where there is one, says so too. While the
app is locked the window names no one and no place: only that a check-in is due, and that Enter checks
in, so a mentor in trouble needs no passphrase to say they are safe. Nothing here can call anyone.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import QElapsedTimer, QObject, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QPushButton,
    QSystemTrayIcon,
    QVBoxLayout,
)

from .. import clock, logs
from ..records import checkins, store
from ..records.dates import shown_datetime
from .messages import plain
from .widgets import error_label, the_app

if TYPE_CHECKING:
    from ..records.store import Stored
    from .shell import WindowShell

log = logs.get_logger(__name__)

CHECK_EVERY_MS = 30_000
SNOOZE = timedelta(minutes=10)
# A key already on its way as the reminder appears (Enter at the end of a line of notes) must not check in.
ARM_MS = 800
EMERGENCY = "If you are in danger, call 999."


def breakable(text: str, run: int = 30) -> str:
    """`text` with a zero-width space in each run of `run` characters without one, so a word of 300
    letters (a name typed with no spaces) wraps in a small window instead of widening it."""
    return re.sub(rf"\S{{{run}}}(?=\S)", lambda m: m.group(0) + "\u200b", text)


def since_words(check_in_at: str, today: date) -> str:
    """When a check-in fell due, as Today says it: "14:30" today, "Tue 3 Dec 2026, 14:30" another day."""
    try:
        at = datetime.fromisoformat(check_in_at)
    except ValueError:
        return check_in_at
    return f"{at:%H:%M}" if at.date() == today else shown_datetime(check_in_at)


def plan_words(plan: Stored, name: str) -> str:
    """One meeting plan in words: whom, where, when (record text: only ever shown unlocked)."""
    record = plan.record
    who, where = breakable(name or "someone"), breakable(record.place)
    return f"Meeting with {who} at {where}, {shown_datetime(record.meeting_at)}."


def _name(conn, mentee_id: str | None) -> str:
    mentee = store.get(conn, mentee_id) if mentee_id else None
    return mentee.record.title() if mentee is not None else ""


class CheckInReminder(QDialog):
    """The "Are you safe?" window. Enter checks in; Escape, closing or "Remind me" asks again later."""

    safe = Signal()
    later = Signal()

    def __init__(self) -> None:
        # No parent: it must come up on its own when the main window is minimised.
        super().__init__(None, Qt.WindowType.Dialog | Qt.WindowType.WindowStaysOnTopHint)
        self.setWindowTitle("Are you safe? — Mentor App")
        self.setMinimumWidth(440)
        # It stands out from the window it sits over, with or without a window manager's frame around it.
        self.setObjectName("checkInReminder")
        self.setStyleSheet("QDialog#checkInReminder { background: #fff8e1; border: 3px solid #c62828; }")
        self._shown = QElapsedTimer()
        heading = QLabel("<h2>Are you safe?</h2>")
        heading.setAccessibleName("Are you safe?")
        self.words = QLabel()
        self.words.setWordWrap(True)
        self.words.setAccessibleName("Your check-in")
        self.who = QLabel()
        self.who.setWordWrap(True)
        self.who.setAccessibleName("Who knows where you are")
        self.who.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        danger = QLabel(f"<b>{EMERGENCY}</b>")
        danger.setAccessibleName(EMERGENCY)
        self.error = error_label()
        self.safe_button = QPushButton("I'm &safe — check in")
        self.safe_button.setAccessibleName("I'm safe — check in")
        self.safe_button.setDefault(True)
        self.safe_button.clicked.connect(self._safe)
        self.later_button = QPushButton("Remind me in 10 &minutes")
        self.later_button.setAccessibleName("Remind me in 10 minutes")
        self.later_button.setAutoDefault(False)  # Enter checks in wherever the focus is
        self.later_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.safe_button)
        buttons.addWidget(self.later_button)
        box = QVBoxLayout(self)
        for w in (heading, self.words, self.who, danger, self.error):
            box.addWidget(w)
        box.addLayout(buttons)

    def show_due(self, plans: list[tuple[Stored, str]], locked: bool, today: date) -> None:
        """Say what is due: with whom, where and who knows only while unlocked."""
        first = min(p.record.check_in_at for p, _ in plans)
        if locked:
            self.words.setText(
                f"A check-in you planned was due by {since_words(first, today)}. Press Enter to check in. "
                "Unlock Mentor App to see the plan and who knows where you are."
            )
            self.who.clear()
            self.who.setVisible(False)
        else:
            lines = [
                f"{escape(plan_words(p, name))} Check in by {escape(since_words(p.record.check_in_at, today))}."
                for p, name in plans
            ]
            self.words.setText("<br>".join(lines) + "<br>Press Enter to check in.")
            self.who.setText(
                "<br>".join(
                    f"<b>Who knows where you are:</b> {escape(breakable(p.record.who_knows))}" for p, _ in plans
                )
            )
            self.who.setVisible(True)
        self.error.clear()
        self.error.setVisible(False)
        if self.isVisible():
            self._place()

    def _place(self) -> None:
        """Low in the middle of the screen: seen at once, and never over the lock screen's passphrase box."""
        self.adjustSize()
        screen = self.screen().availableGeometry()
        self.move(screen.center().x() - self.width() // 2, screen.bottom() - self.height() - screen.height() // 12)

    def appear(self) -> None:
        if not self.isVisible():
            self._shown.start()
            self._place()
            self.show()
        self.safe_button.setFocus()
        self.raise_()
        self.activateWindow()

    def _safe(self) -> None:
        if self._shown.isValid() and self._shown.elapsed() < ARM_MS:
            return  # pressed before it could have been read
        self.safe.emit()

    def reject(self) -> None:
        if self.isVisible():
            self.later.emit()
        super().reject()


class CheckInWatcher(QObject):
    """Asks at each check-in time until the mentor checks in; `changed` when what is due changes (Today)."""

    changed = Signal()

    def __init__(self, window: QMainWindow, shell: WindowShell, profile) -> None:
        super().__init__(window)
        self.window, self.shell, self.profile = window, shell, profile
        self.due: list[Stored] = []
        self._snoozed: tuple[set[str], datetime] | None = None
        self.reminder = CheckInReminder()
        self.reminder.safe.connect(self.check_in)
        self.reminder.later.connect(self.snooze)
        shell.keep_over_lock(self.reminder)
        shell.locked_changed.connect(self._locked_changed)
        self.tray: QSystemTrayIcon | None = None
        self._tray_menu: QMenu | None = None  # no parent: locking turns off the window's actions, never these
        self.timer = shell.add_timer(CHECK_EVERY_MS, self.look)

    def look(self) -> None:
        """Note missed check-ins, and ask about every check-in due that was not put off."""
        if self.profile.closed or self.shell.closing:
            return
        conn, now = self.profile.conn, clock.local_now()
        try:
            noted = checkins.note_missed(conn, self.profile.author, now)
            found = checkins.due(conn, now)
        except Exception:  # noqa: BLE001 - the next look tries again; the window goes on
            log.warning("check-ins could not be read", exc_info=True)
            return
        before = {s.id for s in self.due}
        self.due = found
        ids = {s.id for s in found}
        if noted or ids != before:
            self.changed.emit()
        if not found:
            self._snoozed = None
            self.reminder.hide()
            if self.tray is not None:
                self.tray.hide()
            return
        if self._snoozed is not None:
            put_off, until = self._snoozed
            if ids <= put_off and now < until:
                return
            self._snoozed = None
        new = bool(ids - before) or not self.reminder.isVisible()
        self._show(found)
        if new:
            self.reminder.appear()
            self._tray_say()

    def _show(self, found: list[Stored]) -> None:
        conn = self.profile.conn
        locked = self.shell.locked
        plans = [(s, "" if locked else _name(conn, s.mentee_id)) for s in found]
        self.reminder.show_due(plans, locked, clock.today())

    def _locked_changed(self, locked: bool) -> None:
        if self.reminder.isVisible() and self.due:
            self._show(self.due)
            if locked:
                # Locking gave the keyboard to the passphrase box: while a check-in is due, Enter is for that.
                self.reminder.appear()

    def snooze(self) -> None:
        self._snoozed = ({s.id for s in self.due}, clock.local_now() + SNOOZE)
        self.window.statusBar().showMessage(
            f"The check-in reminder comes back in {int(SNOOZE.total_seconds() // 60)} minutes.", 15_000
        )

    def check_in(self) -> list[str]:
        """ "I'm safe": every check-in due now is made. The ids checked in."""
        if self.profile.closed:
            return []
        conn, now = self.profile.conn, clock.local_now()
        try:
            done = checkins.check_in(conn, [s.id for s in checkins.due(conn, now)], self.profile.author, now)
        except Exception as exc:  # noqa: BLE001 - said in the reminder; it stays up to try again
            self.reminder.error.setText(plain(exc) + " Your check-in was not saved: please try again.")
            self.reminder.error.setVisible(True)
            self.reminder.appear()
            return []
        self.due, self._snoozed = [], None
        self.reminder.hide()
        if self.tray is not None:
            self.tray.hide()
        self.window.statusBar().showMessage(f"Checked in at {now:%H:%M}. Glad you're safe.", 30_000)
        self.changed.emit()
        return done

    def _tray_say(self) -> None:
        """The system tray says a check-in is due, where there is one: never whom or where."""
        if not QSystemTrayIcon.isSystemTrayAvailable():
            return
        if self.tray is None:
            self.tray = QSystemTrayIcon(the_app().windowIcon(), self)
            self.tray.setToolTip("Mentor App: a check-in is due")
            self._tray_menu = QMenu()
            self._tray_menu.addAction("I'm safe — check in", self.check_in)
            self._tray_menu.addAction("Show the reminder", self.reminder.appear)
            self.tray.setContextMenu(self._tray_menu)
            self.tray.activated.connect(lambda _reason: self.reminder.appear())
            self.tray.messageClicked.connect(self.reminder.appear)
        self.tray.show()
        self.tray.showMessage(
            "Are you safe?",
            "A check-in you planned is due. Open Mentor App and press Enter to check in.",
            QSystemTrayIcon.MessageIcon.Warning,
            60_000,
        )

    def close(self) -> None:
        if self.tray is not None:
            self.tray.hide()
