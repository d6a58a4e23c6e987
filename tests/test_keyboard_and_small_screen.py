"""By keyboard alone, on a 1024×600 laptop, with normal and larger text.

A meeting recorded by Tab and typing alone; an empty optional date that Tab passes
through; every form no taller than the small screen with Save in view; every combo
with a spoken label; and no Alt-letter used twice on any screen or dialog.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDialogButtonBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMenuBar,
    QTabBar,
    QWidget,
)

from mentor_app import demo
from mentor_app.records import caseload, store
from mentor_app.records.types import Meeting
from mentor_app.ui import record_dialogs
from mentor_app.ui.audit_dialog import AuditDialog
from mentor_app.ui.calendar_dialog import CalendarDialog
from mentor_app.ui.main_window import MainWindow
from mentor_app.ui.mentor_log import MentorLogDialog
from mentor_app.ui.needs import needs_check_dialog
from mentor_app.ui.privacy_dialogs import RetentionDialog
from mentor_app.ui.search_dialog import SearchDialog
from mentor_app.ui.settings_dialog import SettingsDialog
from mentor_app.ui.sheet_dialog import SheetDialog
from mentor_app.ui.sync_dialog import SyncDialog

SMALL_SCREEN = (1024, 600)
TITLE_BAR = 30  # what a window manager adds above a dialog


@pytest.fixture
def window(qtbot, make_profile):
    profile, _ = make_profile()
    demo.generate(profile, seed=3, mentees=5, weeks=6)
    w = MainWindow(profile)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.idle.stop()
    if w.settings.larger_text:
        w.settings.larger_text = False
        w.apply_text_size()


def _mentee(window) -> str:
    return next(r for r in caseload.caseload(window.profile.conn) if r.status != "closed").id


def _tab_to(qtbot, dialog, target: QWidget, limit: int = 40) -> int:
    """Press Tab until `target` has focus; the number of presses."""
    for presses in range(limit):
        if QApplication.focusWidget() is target:
            return presses
        qtbot.keyClick(QApplication.focusWidget() or dialog, Qt.Key.Key_Tab)
    raise AssertionError(
        f"Tab never reached {target.accessibleName() or target}; stuck on "
        f"{QApplication.focusWidget().accessibleName() if QApplication.focusWidget() else None}"
    )


def _open(qtbot, dialog) -> None:
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=2_000)


# -- a meeting by Tab alone ---------------------------------------------------------------------


def test_a_meeting_by_tab_alone_ends_in_a_saved_record_with_the_intended_date(qtbot, window):
    mentee = _mentee(window)
    window.show_mentee(mentee)
    form = record_dialogs.MeetingForm(window, window.profile, mentee)
    _open(qtbot, form)
    yesterday = date.today() - timedelta(days=1)
    typed = {
        "starts_at": f"{yesterday.day}/{yesterday.month} 14:30",
        "duration_minutes": "45",
        "place": "Riverside Cafe",
        "notes": "Talked about the course.",
        "next_meeting": "tomorrow 10am",
    }
    presses = 0
    widgets = [
        form.editors[name].widget for name in ("starts_at", "duration_minutes", "place", "notes", "next_meeting")
    ]
    for name, widget in zip(typed, widgets, strict=True):
        presses += _tab_to(qtbot, form, widget)
        if name == "duration_minutes":
            widget.selectAll()  # a spin box keeps its number selected on Tab, as here
        qtbot.keyClicks(widget, typed[name])
    save = form.buttons.button(QDialogButtonBox.StandardButton.Save)
    presses += _tab_to(qtbot, form, save)
    assert presses <= 16, presses  # one stop per field: the date and time is a single stop
    qtbot.keyClick(save, Qt.Key.Key_Space)
    assert form.result() == 1, form.error.text()
    saved = store.get(window.profile.conn, form.saved_ids[0]).record
    assert saved.starts_at == f"{yesterday.isoformat()}T14:30"
    assert saved.next_meeting == f"{(date.today() + timedelta(days=1)).isoformat()}T10:00"
    assert (saved.duration_minutes, saved.place, saved.notes) == (45, "Riverside Cafe", "Talked about the course.")


def test_an_empty_optional_date_lets_tab_pass_and_saves_empty(qtbot, window):
    mentee = _mentee(window)
    form = record_dialogs.MeetingForm(window, window.profile, mentee)
    _open(qtbot, form)
    started = form.editors["starts_at"].get()
    next_meeting = form.editors["next_meeting"].widget
    _tab_to(qtbot, form, next_meeting)
    assert next_meeting.text() == ""
    qtbot.keyClick(next_meeting, Qt.Key.Key_Tab)  # passes straight through the empty field
    save = form.buttons.button(QDialogButtonBox.StandardButton.Save)
    assert QApplication.focusWidget() is save
    qtbot.keyClick(save, Qt.Key.Key_Space)
    assert form.result() == 1, form.error.text()
    saved = store.get(window.profile.conn, form.saved_ids[0]).record
    assert saved.next_meeting == "" and saved.starts_at == started


def test_tab_passes_every_empty_date_of_a_new_mentee_and_a_concern(qtbot, window):
    form = record_dialogs.mentee_form(window, window.profile)
    _open(qtbot, form)
    _tab_to(qtbot, form, form.buttons.button(QDialogButtonBox.StandardButton.Save))
    form.done(0)
    concern = record_dialogs.concern_form(window, window.profile, _mentee(window))
    _open(qtbot, concern)
    _tab_to(qtbot, concern, concern.buttons.button(QDialogButtonBox.StandardButton.Save))
    assert concern.editors["reported_at"].get() == ""
    concern.done(0)


def test_digits_typed_over_the_date_say_what_they_mean_and_a_future_meeting_is_asked_about(qtbot, window):
    mentee = _mentee(window)
    form = record_dialogs.MeetingForm(window, window.profile, mentee)
    _open(qtbot, form)
    entry = form.editors["starts_at"].entry
    soon = datetime.now() + timedelta(days=5)
    entry.line.selectAll()
    qtbot.keyClicks(entry.line, f"{soon.day}/{soon.month}/{soon.year} 10:00")
    assert entry.hint.isVisibleTo(form) and "means" in entry.hint.text() and "future" in entry.hint.text()
    form.save()
    assert form.result() == 0 and "in the future" in form.error.text()  # a warning, not a refusal
    form.save()
    assert form.result() == 1
    assert store.get(window.profile.conn, form.saved_ids[0]).record.starts_at == f"{soon.date().isoformat()}T10:00"


def test_a_date_that_cannot_be_read_is_said_plainly(qtbot, window):
    form = record_dialogs.MeetingForm(window, window.profile, _mentee(window))
    _open(qtbot, form)
    line = form.editors["next_meeting"].widget
    line.setFocus()
    qtbot.keyClicks(line, "32/13")
    qtbot.keyClick(line, Qt.Key.Key_Tab)
    hint = form.editors["next_meeting"].entry.hint
    assert "Couldn't read “32/13”" in hint.text() and hint.isVisibleTo(form)
    form.save()
    assert form.result() == 0 and form.error.text().startswith("Next meeting: Couldn't read")
    form.done(0)


def test_the_meeting_form_starts_from_this_mentees_last_meeting(qtbot, window):
    conn, author = window.profile.conn, window.profile.author
    rows = [r for r in caseload.caseload(conn) if r.status != "closed"][:2]
    store.save(
        conn,
        Meeting(starts_at="2026-01-05T10:00", kind="one_to_one", place="The library", duration_minutes=45),
        author=author,
        mentee_id=rows[0].id,
    )
    store.save(
        conn,
        Meeting(
            starts_at="2026-01-06T18:00", kind="sport", activity="football", place="Astro pitch", duration_minutes=90
        ),
        author=author,
        mentee_id=rows[1].id,
    )
    form = record_dialogs.MeetingForm(window, window.profile, rows[0].id)
    qtbot.addWidget(form)
    # the demo's own meetings may be later than 2026-01-05: compare with that mentee's latest
    latest = max(store.list_records(conn, "meeting", mentee_id=rows[0].id), key=lambda s: s.record.starts_at)
    assert form.editors["place"].get() == latest.record.place
    assert form.editors["kind"].get() == latest.record.kind
    form.done(0)


# -- every form on a 1024×600 screen -------------------------------------------------------------

FORMS = {
    "meeting": lambda w, p, m: record_dialogs.MeetingForm(w, p, m),
    "concern": lambda w, p, m: record_dialogs.concern_form(w, p, m),
    "meeting-plan": lambda w, p, m: record_dialogs.risk_form(w, p, m),
    "consent": lambda w, p, m: record_dialogs.consent_form(w, p, m),
    "action": lambda w, p, m: record_dialogs.action_form(w, p, m),
    "goal": lambda w, p, m: record_dialogs.goal_form(w, p, m),
    "new-mentee": lambda w, p, m: record_dialogs.mentee_form(w, p),
    "my-log-entry": lambda w, p, m: record_dialogs.log_form(w, p),
    "needs-check": lambda w, p, m: needs_check_dialog(w, p, m, None),
    "referral": lambda w, p, m: record_dialogs.ReferralForm(w, p, m),
    "contact": lambda w, p, m: record_dialogs.contact_form(w, p),
    "settings": lambda w, p, m: SettingsDialog(p, w),
    "sheet": lambda w, p, m: SheetDialog(p, m, parent=w),
    "search": lambda w, p, m: SearchDialog(p, w),
    "my-log": lambda w, p, m: MentorLogDialog(p, w),
    "sync": lambda w, p, m: SyncDialog(p, w),
    "audit": lambda w, p, m: AuditDialog(p, w, m),
    "retention": lambda w, p, m: RetentionDialog(p, w),
    "calendar": lambda w, p, m: CalendarDialog(w, p),
}


def _save_button(dialog):
    boxes = dialog.findChildren(QDialogButtonBox)
    for box in boxes:
        for which in (
            QDialogButtonBox.StandardButton.Save,
            QDialogButtonBox.StandardButton.Close,
            QDialogButtonBox.StandardButton.Ok,
        ):
            if box.button(which) is not None:
                return box.button(which)
    return None


@pytest.mark.parametrize("larger", [False, True], ids=["normal-text", "larger-text"])
@pytest.mark.parametrize("name", list(FORMS))
@pytest.mark.slow
def test_every_dialog_fits_a_1024_by_600_screen_with_save_in_view(qtbot, window, name, larger):
    if larger:
        window.settings.larger_text = True
        window.apply_text_size()
    dialog = FORMS[name](window, window.profile, _mentee(window))
    qtbot.addWidget(dialog)
    dialog.show()
    width, height = SMALL_SCREEN
    limit = height - TITLE_BAR
    assert dialog.height() <= limit and dialog.width() <= width, (name, dialog.size())
    assert dialog.minimumSizeHint().height() <= limit, (name, dialog.minimumSizeHint())
    save = _save_button(dialog)
    if save is not None:
        assert save.isVisible()
        corner = save.mapTo(dialog, QPoint(save.width(), save.height()))
        assert 0 < corner.y() <= dialog.height() and 0 < corner.x() <= dialog.width(), (name, corner)
    # A field's hint ("e.g. tomorrow 3pm, …") is shown whole: cut short it reads as nonsense.
    cut = [
        f.placeholderText()
        for f in dialog.findChildren(QLineEdit)
        if f.isVisible()
        and f.placeholderText()
        and f.width() < f.fontMetrics().horizontalAdvance(f.placeholderText()) + 8
    ]
    assert not cut, (name, cut)
    dialog.done(0)


@pytest.mark.parametrize("larger", [False, True], ids=["normal-text", "larger-text"])
def test_the_main_window_fits_1024_wide_on_every_page(qtbot, window, larger):
    if larger:
        window.settings.larger_text = True
        window.apply_text_size()
    window.show_mentee(_mentee(window))
    for i in range(window.mentee_page.tabs.count()):
        window.mentee_page.tabs.setCurrentIndex(i)
        assert window.minimumSizeHint().width() <= SMALL_SCREEN[0], window.mentee_page.tabs.tabText(i)
    window.show_directory()
    assert window.minimumSizeHint().width() <= SMALL_SCREEN[0]
    window.show_home()
    assert window.minimumSizeHint().width() <= SMALL_SCREEN[0]
    assert window.minimumSizeHint().height() <= SMALL_SCREEN[1] - TITLE_BAR


# -- labels and focus -----------------------------------------------------------------------------


def _unlabelled_combos(root: QWidget) -> list[str]:
    """Combos with no label pointing at them: on Linux a screen reader says only their current text."""
    buddies = {id(label.buddy()) for label in root.findChildren(QLabel) if label.buddy() is not None}
    found = []
    for combo in root.findChildren(QComboBox):
        proxied = combo.parentWidget() is not None and combo.parentWidget().focusProxy() is combo
        if id(combo) not in buddies and not (proxied and id(combo.parentWidget()) in buddies):
            found.append(combo.accessibleName() or combo.currentText())
    return found


def test_every_combo_has_a_label_that_is_spoken_with_it(qtbot, window):
    assert _unlabelled_combos(window) == []
    for name, make in FORMS.items():
        dialog = make(window, window.profile, _mentee(window))
        qtbot.addWidget(dialog)
        assert _unlabelled_combos(dialog) == [], name
        dialog.done(0)
    dialog = needs_check_dialog(window, window.profile, _mentee(window), None)
    qtbot.addWidget(dialog)
    housing = next(c for c in dialog.scores.values())
    assert any(label.buddy() is housing and label.text().replace("&", "") for label in dialog.findChildren(QLabel))
    dialog.done(0)


def test_tabbing_into_the_mentee_list_opens_nobody_and_writes_no_audit_entry(qtbot, window):
    conn = window.profile.conn
    views = conn.execute("SELECT count(*) FROM audit_log WHERE action = 'view'").fetchone()[0]
    window.filter.setFocus()
    qtbot.keyClick(window.filter, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is window.mentees
    qtbot.keyClick(window.mentees, Qt.Key.Key_Down)
    assert window.pages.currentWidget() is window.home
    assert conn.execute("SELECT count(*) FROM audit_log WHERE action = 'view'").fetchone()[0] == views
    qtbot.keyClick(window.mentees, Qt.Key.Key_Return)  # Enter opens the person: that is meant
    assert window.pages.currentWidget() is window.mentee_page
    assert conn.execute("SELECT count(*) FROM audit_log WHERE action = 'view'").fetchone()[0] == views + 1


def test_the_needs_chart_and_the_directory_details_take_focus(qtbot, window):
    window.show_mentee(_mentee(window))
    window.mentee_page.tabs.setCurrentIndex(2)
    chart = window.mentee_page.chart
    assert chart.focusPolicy() & Qt.FocusPolicy.TabFocus and chart.accessibleDescription()
    window.show_directory()
    details = window.directory.details
    assert details.focusPolicy() & Qt.FocusPolicy.TabFocus
    window.directory.results.setFocus()
    qtbot.keyClick(window.directory.results, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is details


def test_ctrl_home_goes_to_today_from_the_directory_search(qtbot, window):
    window.show_directory()
    assert QApplication.focusWidget() is window.directory.text
    qtbot.keyClick(window.directory.text, Qt.Key.Key_Home, Qt.KeyboardModifier.ControlModifier)
    assert window.pages.currentWidget() is window.home


# -- Alt-letters ----------------------------------------------------------------------------------

MNEMONIC = re.compile(r"(?<!&)&([^&\s])")


def _letter(text: str) -> str | None:
    found = MNEMONIC.search(text.replace("&&", ""))
    return found.group(1).lower() if found else None


def alt_letters(top: QWidget) -> list[tuple[str, str]]:
    """Every Alt-letter reachable on `top` as it is shown now: (letter, where it is)."""
    found = []
    for w in top.findChildren(QWidget):
        if w.window() is not top or not w.isVisible():
            continue
        texts = []
        if isinstance(w, QAbstractButton):
            texts = [w.text()]
        elif isinstance(w, QLabel) and w.buddy() is not None:
            texts = [w.text()]
        elif isinstance(w, QTabBar):
            texts = [w.tabText(i) for i in range(w.count()) if w.isTabVisible(i)]
        elif isinstance(w, QGroupBox):
            texts = [w.title()]
        elif isinstance(w, QMenuBar):
            texts = [a.text() for a in w.actions() if a.isVisible()]
        for text in texts:
            letter = _letter(text)
            if letter:
                found.append((letter, text.replace("&", "")))
    return found


def clashes(top: QWidget) -> dict[str, list[str]]:
    by_letter: dict[str, list[str]] = {}
    for letter, where in alt_letters(top):
        by_letter.setdefault(letter, []).append(where)
    out = {k: v for k, v in by_letter.items() if len(v) > 1}
    for bar in top.findChildren(QMenuBar):
        for menu_action in bar.actions():
            menu = menu_action.menu()
            seen: dict[str, list[str]] = {}
            for action in menu.actions() if menu else []:
                letter = _letter(action.text())
                if letter:
                    seen.setdefault(letter, []).append(action.text().replace("&", ""))
            out.update({f"{menu_action.text().replace('&', '')} menu: {k}": v for k, v in seen.items() if len(v) > 1})
    return out


def test_no_alt_letter_twice_on_any_screen_of_the_main_window(qtbot, window):
    assert clashes(window) == {}, "today"
    window.show_mentee(_mentee(window))
    for i in range(window.mentee_page.tabs.count()):
        window.mentee_page.tabs.setCurrentIndex(i)
        assert clashes(window) == {}, window.mentee_page.tabs.tabText(i)
    window.show_directory()
    assert clashes(window) == {}, "directory"


@pytest.mark.parametrize("name", list(FORMS))
def test_no_alt_letter_twice_in_any_dialog(qtbot, window, name):
    dialog = FORMS[name](window, window.profile, _mentee(window))
    qtbot.addWidget(dialog)
    dialog.show()
    assert clashes(dialog) == {}, name
    if hasattr(dialog, "editors") and "kind" in dialog.editors and name == "meeting":
        for kind in ("sport", "accompanied"):  # rows that appear for some kinds of meeting
            dialog.editors["kind"].put(kind)
            assert clashes(dialog) == {}, kind
    dialog.done(0)


def test_the_walker_notices_a_clash(qtbot):
    from PySide6.QtWidgets import QPushButton, QVBoxLayout

    root = QWidget()
    qtbot.addWidget(root)
    box = QVBoxLayout(root)
    box.addWidget(QPushButton("&Save"))
    box.addWidget(QPushButton("&Send"))
    root.show()
    assert clashes(root) == {"s": ["Save", "Send"]}


def test_supervisor_window_has_a_menu_bar_quit_and_no_alt_letter_twice(qtbot, make_profile):
    from PySide6.QtGui import QKeySequence

    from mentor_app.ui.supervisor_window import SupervisorWindow

    sup, _ = make_profile("supervisor", role="supervisor")
    w = SupervisorWindow(sup)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    try:
        titles = [a.text().replace("&", "") for a in w.menuBar().actions()]
        assert titles == ["File", "View", "Data protection"]
        file_items = [a.text().replace("&", "") for a in w.menuBar().actions()[0].menu().actions() if a.text()]
        assert file_items[0].startswith("Import") and "Funder report…" in file_items and file_items[-1] == "Quit"
        quit_action = next(a for a in w.menuBar().actions()[0].menu().actions() if a.text() == "&Quit")
        assert quit_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Quit)
        view = [a.text().replace("&", "") for a in w.menuBar().actions()[1].menu().actions()]
        assert view == ["Lock now"]
        privacy = [a.text().replace("&", "") for a in w.menuBar().actions()[2].menu().actions()]
        assert privacy[0] == "Audit trail…" and privacy[1].startswith("Retention")
        for i in range(w.tabs.count()):
            w.tabs.setCurrentIndex(i)
            assert clashes(w) == {}, w.tabs.tabText(i)
            for table in w.tabs.widget(i).findChildren(QAbstractItemView):
                assert not table.tabKeyNavigation(), table.accessibleName()
        assert _unlabelled_combos(w) == []
    finally:
        w.idle.stop()


def test_a_meeting_opened_for_someone_starts_at_the_date_and_typing_keeps_them_ticked(qtbot, window):
    mentee = _mentee(window)
    window.show_mentee(mentee)
    form = record_dialogs.MeetingForm(window, window.profile, mentee)
    _open(qtbot, form)
    date_field = form.editors["starts_at"].widget
    assert QApplication.focusWidget() is date_field
    qtbot.keyClicks(date_field, "yesterday 14:30")  # replaces the suggested time, as after a Tab
    assert form.attendees() == [mentee]
    yesterday = date.today() - timedelta(days=1)
    assert form.editors["starts_at"].get() == f"{yesterday.isoformat()}T14:30"
    form.done(0)
    from_today = record_dialogs.MeetingForm(window, window.profile, None)
    _open(qtbot, from_today)
    assert QApplication.focusWidget() is from_today.who  # nobody chosen yet: who was there comes first
    from_today.done(0)


def test_a_refused_save_puts_the_keyboard_where_the_problem_is(qtbot, window):
    from_today = record_dialogs.MeetingForm(window, window.profile, None)
    _open(qtbot, from_today)
    from_today.editors["notes"].widget.setFocus()
    from_today.save()
    assert from_today.error.text() == "Tick who was there." and QApplication.focusWidget() is from_today.who
    qtbot.keyClick(from_today.who, Qt.Key.Key_Space)  # ticks the person the list is on
    assert len(from_today.attendees()) == 1
    from_today.editors["starts_at"].widget.setText("the thirty-second of Smarch")
    from_today.buttons.button(QDialogButtonBox.StandardButton.Save).setFocus()
    from_today.save()
    assert QApplication.focusWidget() is from_today.editors["starts_at"].widget
    from_today.done(0)


def test_forms_closed_during_a_day_leave_no_listeners_behind(qtbot, window):
    from PySide6.QtCore import SIGNAL

    app = QApplication.instance()
    listening = app.receivers(SIGNAL("focusChanged(QWidget*,QWidget*)"))
    mentee = _mentee(window)
    for _ in range(10):
        form = record_dialogs.MeetingForm(window, window.profile, mentee)
        _open(qtbot, form)
        assert app.receivers(SIGNAL("focusChanged(QWidget*,QWidget*)")) == listening + 1  # following Tab now
        form.done(0)
    assert app.receivers(SIGNAL("focusChanged(QWidget*,QWidget*)")) == listening
