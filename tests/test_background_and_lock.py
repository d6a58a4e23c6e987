"""Background work that can't collide with the window's saves, and a lock that really hides.

Backups and checks run on their own connections while the window saves a
record every 20 ms; the window's connection refuses use from other threads;
a form hidden by the lock and saved after unlocking still reaches the window;
while locked, no record text can be reached through the accessibility tree.
"""

from __future__ import annotations

import threading
import time

import pytest
from conftest import PASSPHRASE
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAccessible, QClipboard, QGuiApplication
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from mentor_app import demo
from mentor_app.records import store
from mentor_app.records.types import Contact, Meeting, Mentee
from mentor_app.storage import backups, db
from mentor_app.ui import record_dialogs
from mentor_app.ui.main_window import MainWindow
from mentor_app.ui.supervisor_window import SupervisorWindow


@pytest.fixture
def quiet_boxes(monkeypatch):
    """Every message box the windows would show is recorded instead (a real one would block offscreen)."""
    shown: list[tuple[str, str]] = []
    for kind in ("information", "warning", "critical"):
        monkeypatch.setattr(
            QMessageBox,
            kind,
            staticmethod(
                lambda _parent, _title, text, *a, _k=kind, **kw: (
                    shown.append((_k, text)) or QMessageBox.StandardButton.Ok
                )
            ),
        )
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **kw: QMessageBox.StandardButton.Yes))
    return shown


@pytest.fixture
def mentor_window(qtbot, make_profile, quiet_boxes):
    profile, _ = make_profile()
    demo.generate(profile, seed=5, mentees=3, weeks=3)
    w = MainWindow(profile)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.idle.stop()


def _saving_loop(profile, mentee_id: str) -> tuple[QTimer, list[int]]:
    saved: list[int] = []

    def save_one() -> None:
        store.save(
            profile.conn,
            Meeting(starts_at="2026-11-01T10:00", notes=f"loop {len(saved)}"),
            author=profile.author,
            mentee_id=mentee_id,
        )
        saved.append(len(saved))

    timer = QTimer()
    timer.timeout.connect(save_one)
    timer.start(20)
    return timer, saved


class _StallMeter:
    """The longest gap between 5 ms ticks of the UI thread's event loop."""

    def __init__(self):
        self.longest = 0.0
        self._last = time.perf_counter()
        self.timer = QTimer()
        self.timer.timeout.connect(self._tick)
        self.timer.start(5)

    def _tick(self) -> None:
        now = time.perf_counter()
        self.longest = max(self.longest, now - self._last)
        self._last = now

    def stop(self) -> float:
        self.timer.stop()
        return self.longest


def test_back_up_now_and_check_for_damage_while_the_window_saves_every_20_ms(qtbot, mentor_window, quiet_boxes):
    window, profile = mentor_window, mentor_window.profile
    mentee = store.save(profile.conn, Mentee(name="Loop Person", status="active"), author=profile.author)
    finished: list = []
    window.shell.backup_finished.connect(finished.append)
    loop, saved = _saving_loop(profile, mentee)
    meter = _StallMeter()
    try:
        qtbot.waitUntil(lambda: len(saved) >= 5, timeout=5_000)
        for _ in range(5):
            window.back_up_now()
            window.check_now()
        qtbot.waitUntil(lambda: len(finished) == 5 and len(quiet_boxes) >= 5, timeout=60_000)
        during = len(saved)
    finally:
        loop.stop()
        stall = meter.stop()
    assert during > 5, "the window went on saving while the backups ran"
    assert quiet_boxes == [("information", "All checks passed: your notes file is healthy.")] * 5
    # A later backup works too (nothing was left attached), and holds everything saved before it began.
    window.back_up_now()
    qtbot.waitUntil(lambda: len(finished) == 6, timeout=20_000)
    assert all(p.is_file() for p in finished)
    for path in finished:
        assert backups.verify_backup(path, profile.key).good
    last = db.connect(finished[-1], profile.key, readonly=True)
    try:
        in_backup = last.execute(
            "SELECT count(*) FROM records WHERE type = 'meeting' AND mentee_id = ?", (mentee,)
        ).fetchone()[0]
    finally:
        last.close()
    assert in_backup == len(saved)
    assert not profile.changed_since_backup()
    # A figure, not a judgement: speed is measured in bench/, never asserted in a test.
    print(f"\nlongest UI stall while backing up and checking: {stall * 1000:.0f} ms; {during} saves meanwhile")


def test_the_windows_connection_refuses_other_threads_and_a_second_connection_serves_its_own(make_profile):
    profile, _ = make_profile()
    profile.conn.claim()
    outcome: dict = {}

    def elsewhere() -> None:
        try:
            profile.conn.execute("SELECT 1").fetchone()
        except db.WrongThread as exc:
            outcome["refused"] = str(exc)
        with profile.second_connection() as view:
            outcome["own"] = view.conn.execute("SELECT count(*) FROM settings").fetchone()[0]

    t = threading.Thread(target=elsewhere)
    t.start()
    t.join()
    assert "another thread" in outcome["refused"]
    assert outcome["own"] > 0
    assert profile.conn.execute("SELECT 1").fetchone() == (1,)  # still fine on its own thread


def test_the_periodic_backup_runs_in_the_background(qtbot, mentor_window):
    window, profile = mentor_window, mentor_window.profile
    add_text = store.save(profile.conn, Mentee(name="Changed Since"), author=profile.author)
    assert add_text and profile.changed_since_backup()
    profile._last_backup -= 3600  # as if the last one was an hour ago
    finished: list = []
    window.shell.backup_finished.connect(finished.append)
    window.timer.timeout.emit()
    assert finished == []  # not taken on the window's thread: the timer returned at once
    qtbot.waitUntil(lambda: len(finished) == 1, timeout=20_000)
    assert backups.parse_backup(finished[0]).kind == "auto"
    assert not profile.changed_since_backup()


# -- lock while a form is open ------------------------------------------------
MARK = "Zebra7731"

# Each kind of form from the mentor's window: how to open it, what it needs, and where it shows once saved.
MENTOR_FORMS = {
    "new mentee": (lambda w: w.new_mentee(), {"name": f"{MARK} Newperson"}),
    "meeting": (lambda w: w.record_meeting(), {"notes": f"{MARK} met at the gym"}),
    "concern": (lambda w: w.mentee_page.raise_concern(), {"what_happened": f"{MARK} said they feel unsafe"}),
    "meeting plan": (lambda w: w.mentee_page.plan_meeting(), {"place": f"{MARK} café", "who_knows": "Sam"}),
    "goal": (lambda w: w.mentee_page.add_goal(), {"text": f"{MARK} get a bank account"}),
    "action": (lambda w: w.mentee_page.add_action(), {"text": f"{MARK} ring the council"}),
    "consent": (lambda w: w.mentee_page.record_consent(), {}),
    "needs check": (lambda w: w.mentee_page.new_needs_check(), {}),
}


def _shown_texts(window) -> str:
    """Everything the window's workspace shows as text: lists, trees, labels."""
    from PySide6.QtWidgets import QLabel, QListWidget, QTreeWidget

    texts = []
    root = window.centralWidget()
    for w in root.findChildren(QLabel):
        texts.append(w.text())
    for w in root.findChildren(QListWidget):
        texts += [w.item(i).text() for i in range(w.count())]
    for w in root.findChildren(QTreeWidget):
        for i in range(w.topLevelItemCount()):
            item = w.topLevelItem(i)
            texts += [item.text(c) for c in range(item.columnCount())]
    return "\n".join(texts)


def _lock_while_open(qtbot, window, open_form, during=lambda dialog: None) -> QDialog:
    """Open a form as a person would; while it is open, lock the window. Returns the (now hidden) form."""
    seen: list = []

    def later() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(10, later)
            return
        seen.append(dialog)
        try:
            during(dialog)
        finally:
            window.lock()  # hides the form, which ends its exec()

    QTimer.singleShot(0, later)
    open_form(window)
    assert seen, "the form never opened"
    return seen[0]


@pytest.mark.parametrize("kind", list(MENTOR_FORMS))
def test_mentor_locks_with_a_form_open_unlocks_and_saves_and_the_window_shows_it(qtbot, mentor_window, kind):
    window, profile = mentor_window, mentor_window.profile
    person = next(r for r in store.list_records(profile.conn, "mentee"))
    window.show_mentee(person.id)
    open_form, values = MENTOR_FORMS[kind]
    before = _shown_texts(window)

    def fill(dialog) -> None:
        for name, value in values.items():
            dialog.editors[name].put(value)
        if kind == "needs check":
            next(iter(dialog.scores.values())).setCurrentIndex(2)

    form = _lock_while_open(qtbot, window, open_form, fill)
    assert window.locked and not form.isVisible()
    qtbot.keyClicks(window.lock_page.secret, PASSPHRASE)
    window.lock_page.unlock_button.click()
    qtbot.waitUntil(lambda: not window.locked, timeout=10_000)
    assert form.isVisible(), "the form comes back as it was"
    for name, value in values.items():
        assert form.editors[name].get() == value
    form.save()
    assert not form.isVisible()
    after = _shown_texts(window)
    if values:
        assert MARK in after, kind
    else:
        assert after != before, kind


PAGE_FORMS = {"concern": "Safeguarding concern", "meeting plan": "Meeting plan and risk check", "goal": "Goal"}


@pytest.mark.parametrize("kind", list(PAGE_FORMS))
def test_what_a_form_on_a_person_s_page_saved_is_said_on_the_status_line(qtbot, mentor_window, kind):
    window, profile = mentor_window, mentor_window.profile
    window.show_mentee(next(r for r in store.list_records(profile.conn, "mentee")).id)
    open_form, values = MENTOR_FORMS[kind]

    def fill_and_save() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(10, fill_and_save)
            return
        for name, value in values.items():
            dialog.editors[name].put(value)
        dialog.save()

    QTimer.singleShot(0, fill_and_save)
    open_form(window)
    assert window.statusBar().currentMessage() == f"{PAGE_FORMS[kind]} saved."


def test_a_form_saved_after_unlocking_adds_the_mentee_to_the_list(qtbot, mentor_window):
    window = mentor_window
    form = _lock_while_open(
        qtbot, window, lambda w: w.new_mentee(), lambda d: d.editors["name"].put("Listed Afterwards")
    )
    window.unlock()
    form.save()
    names = [window.mentees.item(i).text() for i in range(window.mentees.count())]
    assert any("Listed Afterwards" in n for n in names)
    assert (
        window.pages.currentWidget() is window.mentee_page and "Listed Afterwards" in window.mentee_page.heading.text()
    )


# -- the supervisor's window ----------------------------------------------------
@pytest.fixture
def supervisor_window(qtbot, make_profile, quiet_boxes):
    profile, _ = make_profile("supervisor", role="supervisor")
    w = SupervisorWindow(profile)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    qtbot.waitUntil(lambda: not w._wanted, timeout=20_000)
    yield w
    w.idle.stop()


def test_supervisor_locks_with_a_service_form_open_unlocks_and_saves_and_the_directory_shows_it(
    qtbot, supervisor_window
):
    window = supervisor_window
    window.tabs.setCurrentIndex(window.tabs.count() - 1)
    form = _lock_while_open(
        qtbot,
        window,
        lambda w: w.directory.add_contact(),
        lambda d: (d.editors["organisation"].put(f"{MARK} Housing Trust"), d.editors["categories"].put(["housing"])),
    )
    assert window.locked and not form.isVisible()
    window.unlock()
    assert form.isVisible()
    form.save()
    found = [window.directory.results.item(i).text() for i in range(window.directory.results.count())]
    assert any(MARK in t for t in found)


def test_supervisor_lock_hides_every_dialog_and_brings_them_back(qtbot, supervisor_window):
    from mentor_app.ui.audit_dialog import AuditDialog
    from mentor_app.ui.privacy_dialogs import RetentionDialog

    window = supervisor_window
    audit_trail = AuditDialog(window.profile, window)
    retention = RetentionDialog(window.profile, window)
    for d in (audit_trail, retention):
        d.show()
    window.lock()
    assert window.locked
    assert not audit_trail.isVisible() and not retention.isVisible()
    assert not any(w.isVisible() for w in QApplication.topLevelWidgets() if w is not window)
    window.unlock()
    assert audit_trail.isVisible() and retention.isVisible()
    for d in (audit_trail, retention):
        d.done(0)


def test_supervisor_takes_automatic_backups_of_what_arrives_on_other_connections(qtbot, supervisor_window):
    window, profile = supervisor_window, supervisor_window.profile
    assert not profile.changed_since_backup()
    with profile.second_connection() as view:  # as an import does, off the window's thread
        store.save(view.conn, Contact(organisation="Arrived Elsewhere", categories=["housing"]), author=profile.author)
    assert profile.changed_since_backup()
    profile._last_backup -= 3600
    finished: list = []
    window.shell.backup_finished.connect(finished.append)
    window.timer.timeout.emit()
    qtbot.waitUntil(lambda: len(finished) == 1, timeout=20_000)
    assert backups.parse_backup(finished[0]).kind == "auto"
    with profile.second_connection() as view:
        store.save(view.conn, Contact(organisation="Arrived Later", categories=["housing"]), author=profile.author)
    path = profile.path
    window.close()  # the closing backup catches that too
    assert [b.kind for b in backups.list_backups(path)] == ["auto", "auto"]


# -- nothing reachable while locked -------------------------------------------------
def _accessible_texts(iface, seen=None, depth=0) -> list[tuple[str, bool]]:
    """Every name, value and description in the accessibility tree under `iface`, and whether it shows."""
    if iface is None or not iface.isValid() or depth > 60:
        return []
    out = []
    invisible = iface.state().invisible
    for which in (QAccessible.Text.Name, QAccessible.Text.Value, QAccessible.Text.Description):
        text = iface.text(which)
        if text:
            out.append((text, not invisible))
    for i in range(iface.childCount()):
        out += _accessible_texts(iface.child(i), seen, depth + 1)
    return out


def _with_marked_records(profile) -> str:
    person = store.save(profile.conn, Mentee(name=f"{MARK} Quill", status="active"), author=profile.author)
    store.save(
        profile.conn,
        Meeting(starts_at="2026-11-01T10:00", notes=f"talked about {MARK} housing"),
        author=profile.author,
        mentee_id=person,
    )
    return person


def _assert_nothing_marked_while_locked(window) -> None:
    tree = _accessible_texts(QAccessible.queryAccessibleInterface(window))
    assert tree, "the walk found the lock page"
    assert not [t for t, _ in tree if MARK in t], "record text reachable from the window while locked"
    app = _accessible_texts(QAccessible.queryAccessibleInterface(QApplication.instance()))
    assert not [t for t, showing in app if MARK in t and showing], "record text showing anywhere while locked"


def test_while_locked_no_record_text_is_in_the_mentors_accessibility_tree(qtbot, mentor_window):
    window, profile = mentor_window, mentor_window.profile
    person = _with_marked_records(profile)
    window.refresh_lists()
    window.show_mentee(person)
    window.mentee_page.tabs.setCurrentIndex(1)  # the timeline, with the note
    form = record_dialogs.mentee_form(window, profile, store.get(profile.conn, person))
    qtbot.addWidget(form)
    form.show()  # a form open on the person, with their name in it
    assert [t for t, _ in _accessible_texts(QAccessible.queryAccessibleInterface(window)) if MARK in t]
    window.lock()
    _assert_nothing_marked_while_locked(window)
    window.unlock()
    assert [t for t, _ in _accessible_texts(QAccessible.queryAccessibleInterface(window)) if MARK in t]
    form.done(0)


def test_while_locked_no_record_text_is_in_the_supervisors_accessibility_tree(qtbot, supervisor_window):
    window, profile = supervisor_window, supervisor_window.profile
    store.save(
        profile.conn, Contact(organisation=f"{MARK} Advice Centre", categories=["housing"]), author=profile.author
    )
    window.tabs.setCurrentIndex(window.tabs.count() - 1)
    window.directory.refresh()
    assert [t for t, _ in _accessible_texts(QAccessible.queryAccessibleInterface(window)) if MARK in t]
    window.lock()
    _assert_nothing_marked_while_locked(window)
    window.unlock()
    assert [t for t, _ in _accessible_texts(QAccessible.queryAccessibleInterface(window)) if MARK in t]


# -- the clipboard --------------------------------------------------------------
def test_copied_text_is_cleared_after_a_while_but_another_programs_is_left(qtbot, mentor_window):
    guard = mentor_window.clipboard_guard
    clipboard = QGuiApplication.clipboard()
    guard.timer.setInterval(50)
    mentor_window.activateWindow()
    clipboard.setText("Quill, 07700 900123")
    guard._changed(QClipboard.Mode.Clipboard)  # offscreen has no window focus events; as on a desktop
    qtbot.waitUntil(lambda: clipboard.text() == "", timeout=2_000)

    clipboard.setText("copied in another program")
    guard.copied.clear()  # as when the app was not the one that copied it
    assert not guard.clear_if_ours()
    assert clipboard.text() == "copied in another program"
    clipboard.clear()


def test_the_primary_selection_is_cleared_on_locking_too(qtbot, mentor_window):
    guard = mentor_window.clipboard_guard
    clipboard = QGuiApplication.clipboard()
    if not clipboard.supportsSelection():
        # Offscreen has no primary selection; the guard watches it wherever the platform has one.
        assert guard.modes == [QClipboard.Mode.Clipboard]
        pytest.skip("this platform has no primary selection")
    assert QClipboard.Mode.Selection in guard.modes
    clipboard.setText("Quill", QClipboard.Mode.Selection)
    guard._changed(QClipboard.Mode.Selection)
    mentor_window.lock()
    assert clipboard.text(QClipboard.Mode.Selection) == ""
    mentor_window.unlock()


def test_the_guard_clears_the_primary_selection_it_copied_and_leaves_anothers(mentor_window):
    """The X11 primary selection, with a stand-in clipboard (offscreen has none)."""

    class Board:
        def __init__(self):
            self.texts = {QClipboard.Mode.Clipboard: "", QClipboard.Mode.Selection: ""}
            self.ours = {QClipboard.Mode.Clipboard: False, QClipboard.Mode.Selection: False}

        def text(self, mode=QClipboard.Mode.Clipboard):
            return self.texts[mode]

        def clear(self, mode=QClipboard.Mode.Clipboard):
            self.texts[mode] = ""

        def ownsClipboard(self):
            return self.ours[QClipboard.Mode.Clipboard]

        def ownsSelection(self):
            return self.ours[QClipboard.Mode.Selection]

    guard = mentor_window.clipboard_guard
    board = Board()
    guard.clipboard, guard.modes = board, [QClipboard.Mode.Clipboard, QClipboard.Mode.Selection]
    board.texts[QClipboard.Mode.Selection], board.ours[QClipboard.Mode.Selection] = "Quill, selected in a note", True
    guard._changed(QClipboard.Mode.Selection)
    board.texts[QClipboard.Mode.Clipboard] = "copied in another program"
    mentor_window.lock()
    assert board.texts == {QClipboard.Mode.Clipboard: "copied in another program", QClipboard.Mode.Selection: ""}
    mentor_window.unlock()


def test_a_wrong_passphrase_at_the_lock_screen_is_said_in_full_and_the_right_one_opens(qtbot, mentor_window):
    window = mentor_window
    window.resize(1024, 600)
    window.lock()
    page = window.shell.lock_page
    qtbot.keyClicks(page.secret, "not the passphrase at all")
    qtbot.keyClick(page.secret, "\r")
    qtbot.waitUntil(lambda: bool(page.error.text()), timeout=20_000)
    # A message longer than one line still shows every line: nothing is cut off below the first.
    page.error.setText(page.error.text() + " " + "Check Caps Lock and try again. " * 6)
    qtbot.waitUntil(lambda: page.error.height() >= page.error.heightForWidth(page.error.width()), timeout=5_000)
    assert page.error.isVisible() and page.error.geometry().bottom() < page.height()
    assert window.locked
    qtbot.keyClicks(page.secret, PASSPHRASE)
    qtbot.keyClick(page.secret, "\r")
    qtbot.waitUntil(lambda: not window.locked, timeout=20_000)


def test_ctrl_l_locks_from_an_open_form_and_a_second_lock_shows_the_passphrase_field(qtbot, mentor_window):
    window = mentor_window
    mentee = store.list_records(window.profile.conn, "mentee")[0].id
    window.show_mentee(mentee)
    form = record_dialogs.MeetingForm(window, window.profile, mentee)
    qtbot.addWidget(form)
    form.show()
    form.activateWindow()
    qtbot.waitUntil(form.isActiveWindow, timeout=2_000)
    form.editors["notes"].widget.setFocus()
    qtbot.keyClicks(form.editors["notes"].widget, "Typed before the lock")
    qtbot.keyClick(form.editors["notes"].widget, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.locked and not form.isVisible()
    page = window.shell.lock_page
    qtbot.keyClicks(page.secret, PASSPHRASE)
    qtbot.keyClick(page.secret, "\r")
    qtbot.waitUntil(lambda: not window.locked, timeout=20_000)
    qtbot.waitUntil(form.isVisible, timeout=2_000)
    assert "Typed before the lock" in form.editors["notes"].get()
    form.done(0)
    window.lock()  # a second lock: the passphrase field is on screen again, with the keyboard
    assert page.isVisible() and page.secret.isVisible()


def test_garbage_is_collected_on_the_ui_thread_only_and_a_background_job_never_collects(qtbot):
    """While the app runs, a job's thread that allocates never collects a cycle holding a Qt object; the UI's
    timer does."""
    import gc
    import weakref

    from PySide6.QtCore import QObject

    from mentor_app.ui.collector import MainThreadCollector
    from mentor_app.ui.worker import run_in_background

    app = QApplication.instance()
    gc.enable()  # as in a plain Python process, before the app starts
    collector = MainThreadCollector(app, check_ms=60_000)
    try:
        assert not gc.isenabled()
        holder = QObject()
        holder.cycle = holder  # garbage only the cyclic collector can free
        gone = weakref.ref(holder)
        del holder
        results = []
        # Work in a background thread that allocates far past every threshold: no collection runs there.
        run_in_background(lambda: [[i] for i in range(200_000)], results.append, results.append)
        qtbot.waitUntil(lambda: bool(results), timeout=10_000)
        assert gone() is not None
        assert collector.check() is not None  # the UI thread's turn: the generation that is due is collected
    finally:
        collector.stop()
        gc.disable()  # as the test run keeps it (see conftest)


def test_supervisor_backs_up_checks_and_changes_settings_from_the_file_menu(qtbot, supervisor_window, quiet_boxes):
    from mentor_app.settings import load_settings
    from mentor_app.storage import backups
    from mentor_app.ui.settings_dialog import SettingsDialog

    window = supervisor_window
    entries = {a.text(): a for menu in window.menus for a in menu.actions() if a.text()}
    assert {"&Back up now", "&Check for damage", "Se&ttings…", "&Lock now"} <= set(entries)

    before = set(backups.backup_dir(window.profile.path).glob("*"))
    entries["&Back up now"].trigger()
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() == "Backup taken.", timeout=20_000)
    assert len(set(backups.backup_dir(window.profile.path).glob("*")) - before) == 1

    entries["&Check for damage"].trigger()
    qtbot.waitUntil(lambda: bool(quiet_boxes), timeout=20_000)
    assert quiet_boxes[-1] == ("information", "All checks passed: your notes file is healthy.")

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, SettingsDialog):
            QTimer.singleShot(10, answer)
            return
        # only what the supervisor's window acts on is offered
        assert not dialog.ask.isVisibleTo(dialog) and not dialog.larger.isVisibleTo(dialog)
        assert dialog.idle.isVisibleTo(dialog) and dialog.organisation.isVisibleTo(dialog)
        dialog.idle.setValue(17)
        dialog.save()

    QTimer.singleShot(0, answer)
    entries["Se&ttings…"].trigger()
    assert load_settings(window.profile).idle_lock_minutes == 17
    assert window.idle.timer.interval() == 17 * 60_000

    entries["&Lock now"].trigger()
    assert window.locked


def test_supervisor_summary_never_says_none_when_the_counts_could_not_be_read(
    qtbot, make_profile, quiet_boxes, monkeypatch
):
    from mentor_app.errors import DatabaseDamaged
    from mentor_app.reports import dashboard

    def unreadable(conn):
        raise DatabaseDamaged("Part of the notes file could not be read.")

    monkeypatch.setattr(dashboard, "overview", unreadable)
    profile, _ = make_profile("supervisor", role="supervisor")
    window = SupervisorWindow(profile)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: not window._wanted, timeout=20_000)
    assert "None" not in window.summary.text()
    assert window.summary.text().startswith("… safeguarding concerns to act on")
    window.idle.stop()
