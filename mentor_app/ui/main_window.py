"""The main window: the mentee list beside today's page or one mentee, with lock and backups."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from .. import APP_NAME
from ..settings import load_settings
from .home_page import HomePage
from .messages import plain
from .screen_room import resize_within_screen
from .shell import WindowShell
from .widgets import the_app
from .worker import Job

# The window is drawn before anything is read (see paintEvent), and what it doesn't show at once (a
# mentee's page, the directory, the record forms, sharing, search, the mentor log, settings) is imported
# and built when first used: a mentor on an old laptop waits for the window, not for code they may not
# touch today.
SYNC_CHECK_MS = 3 * 60 * 1000
BASE_POINT_SIZE: float | None = None  # the platform's own size, remembered before "larger text" changes it


class MainWindow(QMainWindow):
    refreshed = Signal()  # the mentee list and Today show what the profile holds now

    def __init__(self, profile, *, checks_after_paint: bool = False):
        super().__init__()
        self.profile = profile
        self._job: Job | None = None
        self._share_job: Job | None = None
        resize_within_screen(self, 1100, 720)

        self.home = HomePage(profile)
        self.home.open_mentee.connect(self.show_mentee)
        self.home.check_in.connect(lambda: self.watch_check_ins().check_in())
        self._check_ins = None  # the lone-working check-in watcher, from the first checks on
        self._mentee_page = self._directory = None  # built when first shown
        self.pages = QStackedWidget()
        self.pages.addWidget(self.home)

        self.filter = QComboBox()  # its choices come with the first list (refresh_lists)
        self.filter.setAccessibleName("Show")
        self.filter.currentIndexChanged.connect(self.refresh_lists)
        self.mentees = QListWidget()
        self.mentees.setAccessibleName("Mentees")
        # A person's page opens on Enter or a click, never because focus or the arrow keys passed by:
        # opening is a "view" in the audit trail, so it must be meant.
        self.mentees.itemActivated.connect(lambda item: self.show_mentee(item.data(Qt.ItemDataRole.UserRole)))
        self.mentees.itemClicked.connect(
            lambda item: self.show_mentee(item.data(Qt.ItemDataRole.UserRole), focus=False)
        )
        new = QPushButton("&New mentee…")
        new.setAccessibleName("New mentee")
        new.clicked.connect(self.new_mentee)
        left = QWidget()
        lbox = QVBoxLayout(left)
        show_label = QLabel("Sho&w")
        show_label.setBuddy(self.filter)
        lbox.addWidget(show_label)
        lbox.addWidget(self.filter)
        lbox.addWidget(self.mentees, 1)
        lbox.addWidget(new)
        directory = QPushButton("Signposting &directory")
        directory.setAccessibleName("Signposting directory")
        directory.clicked.connect(lambda: self.show_directory())
        lbox.addWidget(directory)

        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(self.pages)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([280, 820])

        self.restore_banner = self._build_restore_banner()
        workspace = QWidget()
        wbox = QVBoxLayout(workspace)
        wbox.addWidget(self.restore_banner)
        wbox.addWidget(splitter, 1)

        self._build_menus()
        self.settings = load_settings(profile)
        self.apply_text_size()
        # Lock, idle, clipboard, the backup timer and closing: shared with the supervisor's window.
        self.shell = WindowShell(
            self,
            profile,
            workspace,
            idle_minutes=self.settings.idle_lock_minutes,
            title=lambda: f"{APP_NAME} — {self.profile.display_name}",
            on_unlocked=self.refresh_lists,
            on_close=self._share_on_close,
        )
        self.shell.backup_finished.connect(lambda _path: self.home.refresh())
        self.lock_page, self.idle = self.shell.lock_page, self.shell.idle
        self.clipboard_guard, self.timer = self.shell.clipboard_guard, self.shell.backup_timer
        self.sync_label = QLabel()
        self.sync_label.setAccessibleName("Sharing status")
        self.statusBar().addPermanentWidget(self.sync_label)
        self.sync_timer = self.shell.add_timer(SYNC_CHECK_MS, self.auto_share)
        self.pages.setCurrentWidget(self.home)
        self._show_backup_state()
        self._after_paint = None
        self.refresh_lists()  # refreshes the today page too
        if checks_after_paint:
            # As the app starts (the start window is on screen meanwhile): the window comes up with its lists
            # in, and sharing and retention are looked at once its first frame is on screen.
            self._after_paint = self._first_checks
        else:
            QTimer.singleShot(0, self._first_checks)

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if self._after_paint is not None:
            step, self._after_paint = self._after_paint, None
            QTimer.singleShot(0, step)  # posted while drawing: runs once this frame is on screen

    def _first_checks(self) -> None:
        if self.profile.closed:
            return
        # Before sharing: a check-in missed while the app was closed goes in this first trip.
        self.watch_check_ins().look()
        self.auto_share()
        self.check_retention()

    def watch_check_ins(self):
        """The lone-working check-in watcher (its timer is the shell's), made once the window is drawn."""
        if self._check_ins is None:
            from .checkin import CheckInWatcher  # imported here: keeps start-up fast (the window is drawn first)

            self._check_ins = CheckInWatcher(self, self.shell, self.profile)
            self._check_ins.changed.connect(self._check_ins_changed)
        return self._check_ins

    def _check_ins_changed(self) -> None:
        if not self.locked and not self.profile.closed:
            self.home.refresh_check_ins()

    # -- building -----------------------------------------------------------
    @property
    def mentee_page(self):
        """One mentee's page, built the first time it is needed."""
        if self._mentee_page is None:
            from .mentee_page import MenteePage  # imported here: keeps start-up fast

            self._mentee_page = MenteePage(self.profile)
            self._mentee_page.changed.connect(self.refresh_lists)
            self._mentee_page.said.connect(lambda words: self.statusBar().showMessage(words, 8000))
            self.pages.addWidget(self._mentee_page)
        return self._mentee_page

    @property
    def directory(self):
        """The signposting directory page, built the first time it is needed."""
        if self._directory is None:
            from .directory_page import DirectoryPage  # imported here: keeps start-up fast

            self._directory = DirectoryPage(self.profile, reserved="frvpwnd")  # the menus and the left-hand list
            self.pages.addWidget(self._directory)
        return self._directory

    def _showing_mentee(self) -> bool:
        return self._mentee_page is not None and self.pages.currentWidget() is self._mentee_page

    def _action(self, menu, text: str, slot, shortcut=None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file = bar.addMenu("&File")
        self._action(file, "&Back up now", self.back_up_now, "Ctrl+Shift+B")
        self._action(file, "&Restore from a backup…", self.restore_from_file)
        self._action(file, "&Check for damage", self.check_now)
        self._action(file, "Sharing with your &supervisor…", self.open_sync)
        self._action(file, "Receive a &hand-over…", self.receive_handover)
        self._action(file, "&Import people and meetings…", self.open_import)
        self._action(file, "Save a ca&lendar file…", self.open_calendar)
        self._action(file, "Se&ttings…", self.open_settings, "Ctrl+,")
        file.addSeparator()
        self._action(file, "&Quit", self.close, QKeySequence.StandardKey.Quit)
        records = bar.addMenu("&Records")
        self._action(records, "&New mentee…", self.new_mentee, "Ctrl+N")
        self._action(records, "Record a &meeting…", self.record_meeting, "Ctrl+M")
        self._action(records, "Safeguarding &concern…", self.raise_concern, "Ctrl+Shift+C")
        self._action(records, "My &log…", self.open_log)
        self._action(records, "&Search…", self.open_search, "Ctrl+K")
        view = bar.addMenu("&View")
        self._action(view, "&Today", self.show_home, "Ctrl+Home")
        self._action(view, "Signposting &directory", self.show_directory, "Ctrl+D")
        self.larger_action = self._action(view, "Lar&ger text", self.toggle_larger_text)
        self.larger_action.setCheckable(True)
        self._action(view, "&Lock now", self.lock, "Ctrl+L")
        privacy = bar.addMenu("Data &protection")
        self._action(privacy, "&Audit trail…", self.open_audit)
        self._action(privacy, "&Subject access copy of this person…", self.subject_access)
        self._action(privacy, "&Erase this person…", self.erase_person)
        self._action(privacy, "&Retention: due for deletion…", self.open_retention)
        privacy.addSeparator()
        self._action(privacy, "&Forget this computer's keyring entry…", self.forget_keyring)
        self.menus = [file, records, view, privacy]

    def _build_restore_banner(self) -> QFrame:
        frame = QFrame()
        frame.setObjectName("restoreBanner")
        frame.setStyleSheet("QFrame#restoreBanner { background: #fff4ce; border: 1px solid #c9a400; }")
        text = QLabel(
            "You restored your notes from a backup. Look through them, then keep them or go back. "
            "Automatic backups are paused until you choose."
        )
        text.setWordWrap(True)
        keep = QPushButton("&Keep restored notes")
        keep.setAccessibleName("Keep restored notes")
        keep.clicked.connect(self._confirm_restore)
        self.undo_restore_button = QPushButton("&Undo the restore")
        self.undo_restore_button.setAccessibleName("Undo the restore")
        self.undo_restore_button.clicked.connect(self._undo_restore)
        row = QHBoxLayout(frame)
        row.addWidget(text, 1)
        row.addWidget(keep)
        row.addWidget(self.undo_restore_button)
        return frame

    # -- showing ------------------------------------------------------------
    def refresh_lists(self) -> None:
        from ..records import caseload  # imported here: keeps start-up fast (the window is drawn first)
        from ..records.vocab import MenteeStatus

        if self.filter.count() == 0:
            self.filter.blockSignals(True)
            for code, label in caseload.FILTERS.items():
                self.filter.addItem(label, code)
            self.filter.blockSignals(False)
        which = self.filter.currentData()
        current = self.mentee_page.mentee_id if self._showing_mentee() else None
        self.mentees.blockSignals(True)
        self.mentees.clear()
        rows = caseload.caseload(self.profile.conn)
        for row in rows:
            if not caseload.matches(row, which):
                continue
            marks = ("⚠ " if row.safety_flag else "") + row.name
            extra = []
            if row.status != MenteeStatus.ACTIVE:
                extra.append(row.status)
            if row.actions_due:
                extra.append(f"{row.actions_due} due")
            if row.follow_ups_due:
                extra.append(f"{row.follow_ups_due} follow-up")
            item = QListWidgetItem(" · ".join([marks] + extra))
            item.setData(Qt.ItemDataRole.UserRole, row.id)
            if row.safety_flag:
                item.setToolTip("Safety flag")
            self.mentees.addItem(item)
            if row.id == current:
                self.mentees.setCurrentItem(item)
        if self.mentees.count() == 0:
            empty = QListWidgetItem(
                "No mentees yet: press “New mentee…” below to add someone."
                if which == "all"
                else "Nobody matches this filter."
            )
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
            self.mentees.addItem(empty)
        self.mentees.setWordWrap(True)
        self.mentees.blockSignals(False)
        if self._showing_mentee() and self.mentee_page.mentee_id is None:
            self.show_home()
        self.home.refresh(rows)
        self._show_backup_state()
        self.refreshed.emit()

    def _show_backup_state(self) -> None:
        self.restore_banner.setVisible(self.profile.automatic_backups_paused)
        self.statusBar().showMessage(
            "Automatic backups paused after a restore"
            if self.profile.automatic_backups_paused
            else "Automatic backups on"
        )

    def show_home(self) -> None:
        self.home.refresh()
        self.pages.setCurrentWidget(self.home)

    def show_directory(self, contact_id: str | None = None) -> None:
        self.directory.refresh(contact_id)
        self.pages.setCurrentWidget(self.directory)
        self.directory.text.setFocus()

    def show_mentee(self, mentee_id: str | None, focus: bool = True, record_id: str | None = None) -> None:
        if not mentee_id:
            return
        self.mentee_page.show_mentee(mentee_id)
        self.pages.setCurrentWidget(self.mentee_page)
        for i in range(self.mentees.count()):
            if self.mentees.item(i).data(Qt.ItemDataRole.UserRole) == mentee_id:
                self.mentees.blockSignals(True)
                self.mentees.setCurrentRow(i)
                self.mentees.blockSignals(False)
        if record_id and record_id != mentee_id:
            self.mentee_page.tabs.setCurrentIndex(1)
            for i in range(self.mentee_page.timeline.topLevelItemCount()):
                item = self.mentee_page.timeline.topLevelItem(i)
                if item.data(0, Qt.ItemDataRole.UserRole) == record_id:
                    self.mentee_page.timeline.setCurrentItem(item)
                    self.mentee_page.timeline.setFocus()
        elif focus:
            self.mentee_page.tabs.setFocus()

    def current_mentee(self) -> str | None:
        return self.mentee_page.mentee_id if self._showing_mentee() else None

    # -- records ------------------------------------------------------------
    def new_mentee(self) -> None:
        from . import record_dialogs as dialogs  # imported here: keeps start-up fast

        form = dialogs.mentee_form(self, self.profile)

        def saved(_record: object) -> None:
            self.refresh_lists()
            self.show_mentee(form.saved_id)

        form.saved.connect(saved)
        form.exec()

    def record_meeting(self) -> None:
        from . import record_dialogs as dialogs  # imported here: keeps start-up fast

        form = dialogs.MeetingForm(self, self.profile, self.current_mentee())
        form.saved.connect(lambda _record: self._meeting_saved(form))
        form.exec()

    def _meeting_saved(self, form) -> None:
        if self._mentee_page is not None and self._mentee_page.mentee_id is not None:
            self.mentee_page.refresh()
        self.refresh_lists()
        self.statusBar().showMessage(
            f"Meeting saved for {len(form.saved_ids)} {'people' if len(form.saved_ids) > 1 else 'person'}.", 8000
        )

    def raise_concern(self) -> None:
        mentee = self.current_mentee()
        if mentee is None:
            QMessageBox.information(
                self,
                APP_NAME,
                "Open the mentee's page first, then record the concern. "
                "If anyone is in immediate danger, call 999 now.",
            )
            return
        self.mentee_page.raise_concern()

    def open_log(self) -> None:
        # imported when first used: keeps start-up fast
        from .mentor_log import MentorLogDialog

        MentorLogDialog(self.profile, self).exec()

    def open_search(self) -> None:
        from ..records import store  # imported here: keeps start-up fast
        from .search_dialog import SearchDialog

        dialog = SearchDialog(self.profile, self)
        if dialog.exec() and dialog.chosen:
            mentee_id, record_id = dialog.chosen
            stored = store.get(self.profile.conn, record_id)
            if mentee_id:
                self.show_mentee(mentee_id, record_id=record_id)
            elif stored is not None and stored.type == "contact":
                self.show_directory(record_id)
            else:
                self.open_log()

    def receive_handover(self):
        # imported when first used: keeps start-up fast
        from ..errors import MentorAppError
        from ..exchange.handover import receive_handover
        from .prompts import ask

        name, _ = QFileDialog.getOpenFileName(self, "The hand-over file", "", "Hand-over files (*.mentorhandover)")
        if not name:
            return None

        def take_over(code: str) -> None:
            try:
                person = receive_handover(self.profile, Path(name), code)
            except MentorAppError as exc:
                QMessageBox.warning(self, APP_NAME, exc.message)
                return
            self.refresh_lists()
            QMessageBox.information(self, APP_NAME, f"{person} is now in your caseload.")

        # A box with no loop of its own: a lock hides it and unlocking brings it back with the code typed so far.
        return ask(
            self,
            take_over,
            title="Hand-over code",
            about=f"Taking over the person in the hand-over file {Path(name).name}. The other mentor tells "
            "you its one-time code separately, in person or on the phone.",
            question="The &code the other mentor gave you:",
            ok="&Take over",
            required="Type the code the other mentor gave you, or press Cancel.",
        )

    def open_import(self):
        # imported when first used: keeps start-up fast
        from .import_dialog import ImportDialog

        dialog = ImportDialog(self, self.profile)
        dialog.saved.connect(lambda _added: self.refresh_lists())
        dialog.open()
        return dialog

    def open_calendar(self):
        # imported when first used: keeps start-up fast
        from .calendar_dialog import CalendarDialog

        dialog = CalendarDialog(self, self.profile)
        dialog.open()
        return dialog

    def open_sync(self) -> None:
        # imported when first used: keeps start-up fast
        from .sync_dialog import SyncDialog

        SyncDialog(self.profile, self).exec()
        self.show_sync_status()

    def show_sync_status(self, drive=None) -> str:
        """The status bar's sharing words; `drive`, the drive's state when the caller has just looked."""
        # imported when first used: keeps start-up fast
        from ..exchange import outbox
        from ..exchange.enrolment import SHARED_FOLDER, current_enrolment
        from ..exchange.export import drive_status, pending_changes
        from ..words import count

        late = None
        if current_enrolment(self.profile) is None:
            words = "Not sharing with a supervisor yet"
        else:
            # Looking at the drive writes a small probe file there: once per refresh is enough.
            drive = drive or drive_status(self.profile.get_setting(SHARED_FOLDER))
            waiting = pending_changes(self.profile)
            words = (
                f"{drive.words.rstrip('.')} — {count(waiting, 'change')} waiting"
                if not drive.reachable or waiting
                else "Shared drive reachable — all shared"
            )
            if waiting and drive.reachable and self.settings.ask_before_sharing:
                words = f"{count(waiting, 'change')} ready to share: File › Sharing with your supervisor"
            late = outbox.late_warning(self.profile.conn, self.settings.warn_unreceived_days)
            if late:
                # Short enough for a small screen; the whole sentence is on Today and in the tooltip.
                _, concerns = outbox.waited_longer_than(self.profile.conn, self.settings.warn_unreceived_days)
                words = (
                    "⚠ A safeguarding concern has not reached your supervisor (File › Sharing)"
                    if concerns
                    else "⚠ Not yet received by your supervisor (File › Sharing)"
                )
        self.sync_label.setText(words)
        self.sync_label.setToolTip(late or "")
        return words

    def auto_share(self) -> None:
        """When the drive is there, go to it without being asked: receipts, anything missing, anything new."""
        # imported when first used: keeps start-up fast
        from ..exchange.enrolment import SHARED_FOLDER, current_enrolment
        from ..exchange.export import drive_status, pending_changes

        if self.profile.closed:
            return  # the window closed before this timer came round
        if self.locked or self._share_job is not None or current_enrolment(self.profile) is None:
            self.show_sync_status()
            return
        if self.settings.ask_before_sharing and pending_changes(self.profile):
            self.show_sync_status()
            return
        drive = drive_status(self.profile.get_setting(SHARED_FOLDER))
        if not drive.reachable:
            self.show_sync_status(drive)
            return

        def finished(_result=None) -> None:
            self._share_job = None
            if not self.profile.closed:
                self.show_sync_status()
                if not self.locked:
                    self.home.refresh()

        def failed(exc) -> None:
            finished()
            self.statusBar().showMessage(plain(exc), 15_000)

        from .sync_dialog import export_in_background  # imported here: keeps start-up fast (most days: no drive)

        self._share_job = export_in_background(
            self.profile, finished, failed, new_records=not self.settings.ask_before_sharing
        )

    def subject_access(self) -> None:
        # imported when first used: keeps start-up fast
        from . import privacy_dialogs

        privacy_dialogs.subject_access(self, self.profile, self.current_mentee())

    def erase_person(self):
        # imported when first used: keeps start-up fast
        from . import privacy_dialogs

        def erased() -> None:
            self.show_home()
            self.refresh_lists()

        return privacy_dialogs.erase(self, self.profile, self.current_mentee(), on_erased=erased)

    def open_retention(self) -> None:
        # imported when first used: keeps start-up fast
        from .privacy_dialogs import RetentionDialog

        RetentionDialog(self.profile, self).exec()
        self.refresh_lists()

    def check_retention(self) -> None:
        """At unlock: delete what is due if the mentor agreed to that, else say that something is due."""
        # imported when first used: keeps start-up fast
        from ..privacy import retention
        from ..words import count

        if self.profile.closed:
            return
        try:
            report = retention.run_if_automatic(self.profile)
            if report is not None:
                if report.removed:
                    self.refresh_lists()
                    self.statusBar().showMessage(report.words() + " (See Data protection › Audit trail.)", 30_000)
                return
            waiting = retention.due(self.profile.conn, retention.load_policy(self.profile))
        except Exception as exc:  # noqa: BLE001 - never stands between a mentor and their notes
            self.statusBar().showMessage(plain(exc), 15_000)
            return
        if retention.automatic_waiting(self.profile):
            # Never switched on behind the mentor's back: the organisation asks, the mentor decides.
            self.statusBar().showMessage(
                "Your organisation asks that records past their retention period are "
                "deleted automatically: tick it in Data protection › Retention to agree.",
                30_000,
            )
        elif waiting:
            self.statusBar().showMessage(
                f"{count(len(waiting), 'record')} past their retention period: Data protection › Retention.", 30_000
            )

    def forget_keyring(self) -> None:
        # imported when first used: keeps start-up fast
        from . import privacy_dialogs

        privacy_dialogs.forget_keyring(self, self.profile)

    def open_audit(self) -> None:
        # imported when first used: keeps start-up fast
        from .audit_dialog import AuditDialog

        AuditDialog(self.profile, self, self.current_mentee() or "").exec()

    def open_settings(self) -> None:
        # imported when first used: keeps start-up fast
        from .settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.profile, self)
        if dialog.exec():
            self.settings = load_settings(self.profile)
            self.idle.set_minutes(self.settings.idle_lock_minutes)
            self.apply_text_size()

    def toggle_larger_text(self) -> None:
        self.settings.larger_text = self.larger_action.isChecked()
        # imported when first used: keeps start-up fast
        from ..settings import save_settings

        save_settings(self.profile, self.settings)
        self.apply_text_size()

    def apply_text_size(self) -> None:
        global BASE_POINT_SIZE
        app = the_app()
        font = app.font()
        if BASE_POINT_SIZE is None:
            BASE_POINT_SIZE = font.pointSizeF()
        font.setPointSizeF(BASE_POINT_SIZE * (1.3 if self.settings.larger_text else 1.0))
        app.setFont(font)
        self.larger_action.setChecked(self.settings.larger_text)

    # -- lock ---------------------------------------------------------------
    @property
    def locked(self) -> bool:
        return self.shell.locked

    def lock(self) -> None:
        self.shell.lock()

    def unlock(self) -> None:
        self.shell.unlock()

    # -- backups ------------------------------------------------------------
    def _fail(self, exc: BaseException) -> None:
        QMessageBox.warning(self, APP_NAME, plain(exc))
        if not self.profile.closed:
            self.refresh_lists()

    def back_up_now(self) -> None:
        self._job = self.shell.back_up_now(self._fail)

    def check_now(self) -> None:
        self._job = self.shell.check_now(self._fail)

    def restore_from_file(self) -> None:
        from ..storage import backups  # imported here: keeps start-up fast

        start = str(backups.backup_dir(self.profile.path))
        name, _ = QFileDialog.getOpenFileName(self, "Choose a backup", start, f"Mentor App backups (*{backups.SUFFIX})")
        if not name:
            return
        if (
            QMessageBox.question(
                self,
                APP_NAME,
                "Replace your notes with this backup? What is there now is backed up first, so you can undo this.",
            )
            != QMessageBox.StandardButton.Yes
        ):
            return
        try:
            self.profile.restore(Path(name))
        except Exception as exc:  # noqa: BLE001
            self._fail(exc)
            return
        self.show_home()
        self.refresh_lists()

    def _confirm_restore(self) -> None:
        self.profile.confirm_restore()
        self.refresh_lists()

    def _undo_restore(self) -> None:
        try:
            self.profile.undo_restore()
        except Exception as exc:  # noqa: BLE001
            self._fail(exc)
            return
        self.show_home()
        self.refresh_lists()

    def _share_on_close(self) -> None:
        """Last chance to share before the laptop goes in the bag; quietly skipped if the drive isn't there."""
        # imported when first used: keeps start-up fast
        from ..exchange.enrolment import SHARED_FOLDER, current_enrolment
        from ..exchange.export import drive_status
        from ..exchange.trip import trip

        try:
            if (
                not self.settings.ask_before_sharing
                and current_enrolment(self.profile) is not None
                and drive_status(self.profile.get_setting(SHARED_FOLDER)).reachable
            ):
                trip(self.profile)
        except Exception:  # noqa: BLE001 - the changes stay waiting for next time
            pass

    def closeEvent(self, event) -> None:
        if self._check_ins is not None:
            self._check_ins.close()
        self.shell.close_event(event)  # timers off, background work finished, sharing, the closing backup
