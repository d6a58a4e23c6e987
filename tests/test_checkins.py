"""Lone-working check-ins that act: the reminder at the time, one key to check in, Today, the supervisor.

Real profiles and real windows (pytest-qt), with the app's clock held where each test says: the window
opens at noon, the meeting is at 13:00 and the mentor said they would check in by 14:30.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QWidget
from test_accessibility import unnamed_focusable
from test_exchange_chain import world  # noqa: F401 - the fixture: a supervisor, an approved mentor, a drive
from test_keyboard_and_small_screen import SMALL_SCREEN, TITLE_BAR, clashes

from mentor_app import clock
from mentor_app.exchange import batch as batch_format
from mentor_app.exchange.export import device_folder
from mentor_app.exchange.importer import import_folder
from mentor_app.exchange.keys import organisation_keys
from mentor_app.exchange.trip import trip
from mentor_app.exchange.validate import check_record
from mentor_app.records import checkins, store
from mentor_app.records.types import MAX_LINE, Consent, Mentee, RiskAssessment
from mentor_app.reports import dashboard
from mentor_app.ui import checkin, record_dialogs
from mentor_app.ui.main_window import MainWindow

OPENED = datetime(2026, 12, 3, 12, 0)
DUE = datetime(2026, 12, 3, 14, 30)
NAME, PLACE, WHO = "Sam Example", "Flat 4, 12 Quarry Lane", "Pat at the office, 0161 496 0000"


def _plan(profile, name=NAME, place=PLACE, who=WHO, consent=False) -> tuple[str, str]:
    mid = store.save(profile.conn, Mentee(name=name, status="active"), author=profile.author)
    if consent:
        store.save(
            profile.conn,
            Consent(scope="share_with_organisation", on="2026-01-01"),
            author=profile.author,
            mentee_id=mid,
        )
    plan = RiskAssessment(meeting_at="2026-12-03T13:00", place=place, who_knows=who, check_in_at="2026-12-03T14:30")
    return mid, store.save(profile.conn, plan, author=profile.author, mentee_id=mid)


def _window(qtbot, profile) -> MainWindow:
    with clock.frozen_at(OPENED):
        w = MainWindow(profile)
        qtbot.addWidget(w)
        w.show()
        qtbot.waitExposed(w)
        w.watch_check_ins()
    return w


def _look(window, at: datetime) -> checkin.CheckInReminder:
    with clock.frozen_at(at):
        window.watch_check_ins().look()
    return window.watch_check_ins().reminder


def _press_enter(qtbot, reminder) -> None:
    qtbot.wait(checkin.ARM_MS + 100)  # the reminder ignores a key pressed as it appears
    qtbot.keyClick(reminder, Qt.Key.Key_Return)


def _texts(widget: QWidget) -> str:
    """Everything the window says, to the eye or to a screen reader."""
    parts = [widget.windowTitle(), widget.accessibleName()]
    for w in widget.findChildren(QWidget):
        parts += [w.accessibleName(), w.accessibleDescription(), w.toolTip()]
        if isinstance(w, (QLabel, QAbstractButton)):
            parts.append(w.text())
    return "\n".join(parts)


@pytest.fixture
def mentor_window(qtbot, make_profile):
    profile, _ = make_profile()
    w = _window(qtbot, profile)
    with clock.frozen_at(OPENED):
        mid, plan_id = _plan(profile)
    yield w, plan_id
    w.idle.stop()


def test_the_reminder_asks_at_the_check_in_time_and_enter_checks_in(qtbot, mentor_window):
    window, plan_id = mentor_window
    assert not _look(window, datetime(2026, 12, 3, 14, 29)).isVisible()
    reminder = _look(window, datetime(2026, 12, 3, 14, 31))
    qtbot.waitUntil(reminder.isVisible)
    said = _texts(reminder)
    assert "Are you safe?" in said and NAME in said and PLACE in said and WHO in said
    assert "Check in by 14:30" in said and "call 999" in said
    assert clashes(reminder) == {} and unnamed_focusable(reminder) == []
    qtbot.keyClick(reminder, Qt.Key.Key_Return)  # a key already on its way as it appeared: not a check-in
    assert store.get(window.profile.conn, plan_id).record.checked_in_at == ""
    with clock.frozen_at(datetime(2026, 12, 3, 14, 32)):
        _press_enter(qtbot, reminder)
    plan = store.get(window.profile.conn, plan_id).record
    assert plan.checked_in_at == "2026-12-03T14:32" and plan.outcome == "checked_in_safe"
    assert not reminder.isVisible()
    assert "Checked in at 14:32" in window.statusBar().currentMessage()
    assert not _look(window, datetime(2026, 12, 3, 15, 0)).isVisible()  # asked once, answered once


def test_remind_me_later_asks_again_ten_minutes_on(qtbot, mentor_window):
    window, plan_id = mentor_window
    reminder = _look(window, datetime(2026, 12, 3, 14, 30))
    qtbot.waitUntil(reminder.isVisible)
    with clock.frozen_at(datetime(2026, 12, 3, 14, 30)):
        qtbot.keyClick(reminder, Qt.Key.Key_Escape)
    assert not reminder.isVisible()
    assert not _look(window, datetime(2026, 12, 3, 14, 39)).isVisible()
    assert _look(window, datetime(2026, 12, 3, 14, 41)).isVisible()
    assert store.get(window.profile.conn, plan_id).record.checked_in_at == ""


def test_today_shows_an_overdue_check_in_in_red_with_who_knows_until_checked_in(qtbot, mentor_window):
    window, plan_id = mentor_window
    home = window.home
    assert not home.overdue.isVisible()
    _look(window, datetime(2026, 12, 3, 14, 40))
    assert home.overdue.isVisible()
    words = home.overdue_text.text()
    assert "Overdue check-in since 14:30" in words  # in words, not by colour alone
    assert WHO in words and NAME in words and PLACE in words
    assert "#c62828" in home.overdue.styleSheet() and "#a00000" in home.overdue_text.styleSheet()
    # First on the page: above the greeting and everything else.
    assert home.overdue.geometry().top() < home.heading.geometry().top()
    assert clashes(window) == {}
    assert home.check_in_button.text() == "&Check in now"  # Alt+C
    with clock.frozen_at(datetime(2026, 12, 3, 14, 41)):
        home.check_in_button.setFocus()
        qtbot.keyClick(home.check_in_button, Qt.Key.Key_Space)
    assert store.get(window.profile.conn, plan_id).record.checked_in_at == "2026-12-03T14:41"
    assert not home.overdue.isVisible()


def test_locked_the_reminder_names_no_one_and_no_place_but_enter_still_checks_in(qtbot, mentor_window):
    window, plan_id = mentor_window
    reminder = _look(window, datetime(2026, 12, 3, 14, 31))
    qtbot.waitUntil(reminder.isVisible)
    assert NAME in _texts(reminder)
    window.lock()  # locking while it is up: it stays, and hides what it said
    assert window.locked and reminder.isVisible()
    for said in (_texts(reminder), _texts(_look(window, datetime(2026, 12, 3, 14, 50)))):
        assert NAME not in said and PLACE not in said and WHO not in said and "Quarry" not in said
        assert "Are you safe?" in said and "Press Enter to check in" in said
    assert reminder.isVisible()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is reminder)  # Enter goes to it, not to the passphrase
    with clock.frozen_at(datetime(2026, 12, 3, 14, 51)):
        qtbot.wait(checkin.ARM_MS + 100)
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert window.locked
    assert store.get(window.profile.conn, plan_id).record.checked_in_at == "2026-12-03T14:51"
    assert not reminder.isVisible()


def test_a_reminder_that_first_comes_while_locked_says_nothing_of_the_plan(qtbot, mentor_window):
    window, plan_id = mentor_window
    window.lock()
    reminder = _look(window, datetime(2026, 12, 3, 14, 31))
    qtbot.waitUntil(reminder.isVisible)
    said = _texts(reminder)
    assert NAME not in said and PLACE not in said and WHO not in said
    window.unlock()  # once unlocked, the plan and who knows where they are show
    assert NAME in _texts(reminder) and WHO in _texts(reminder)


def test_every_field_at_its_longest_fits_the_reminder_and_today_on_a_small_screen(qtbot, make_profile):
    profile, _ = make_profile()
    window = _window(qtbot, profile)
    try:
        with clock.frozen_at(OPENED):
            for n in range(2):
                _plan(profile, name=f"{n}" + "N" * (MAX_LINE - 1), place="P" * MAX_LINE, who="W " * (MAX_LINE // 2))
        reminder = _look(window, datetime(2026, 12, 3, 14, 40))
        width, height = SMALL_SCREEN
        assert reminder.minimumSizeHint().height() <= height - TITLE_BAR
        assert reminder.minimumSizeHint().width() <= width
        assert window.home.overdue.isVisible()
        assert window.minimumSizeHint().width() <= width
        assert window.minimumSizeHint().height() <= height - TITLE_BAR
    finally:
        window.idle.stop()


def test_plans_kept_before_check_ins_were_watched_are_never_due(make_profile):
    profile, _ = make_profile()
    with clock.frozen_at(OPENED):
        _plan(profile)  # an older app kept it: nothing ever asked about it
    with clock.frozen_at(datetime(2026, 12, 4, 9, 0)):
        assert checkins.due(profile.conn) == []  # the first look, the morning after
        assert checkins.note_missed(profile.conn, profile.author) == []


def test_saving_a_plan_opened_before_the_check_in_keeps_the_check_in(qtbot, mentor_window):
    window, plan_id = mentor_window
    profile = window.profile
    form = record_dialogs.risk_form(
        window, profile, store.get(profile.conn, plan_id).mentee_id, store.get(profile.conn, plan_id)
    )
    qtbot.addWidget(form)
    with clock.frozen_at(datetime(2026, 12, 3, 15, 0)):
        checkins.note_missed(profile.conn, profile.author)
        checkins.check_in(profile.conn, [plan_id], profile.author)
    form.editors["risks"].put("Dog in the yard")
    form.save()
    plan = store.get(profile.conn, plan_id).record
    assert plan.risks == "Dog in the yard"
    assert plan.checked_in_at == "2026-12-03T15:00" and plan.missed_noted_at == "2026-12-03T15:00"
    assert plan.outcome == "checked_in_safe"


def _sent(mentor, supervisor, drive) -> list[dict]:
    identities, _ = organisation_keys(supervisor)
    return [
        r
        for f in sorted(device_folder(drive, mentor).glob("*" + batch_format.SUFFIX))
        for r in batch_format.open_batch(f.read_bytes(), identities).records
    ]


def test_a_missed_check_in_reaches_the_supervisor_as_mentor_safety_without_the_mentee(qtbot, world):  # noqa: F811
    supervisor, mentor, drive = world
    window = _window(qtbot, mentor)
    try:
        with clock.frozen_at(OPENED):
            mid, plan_id = _plan(mentor)
            trip(mentor)  # the plan itself does not go: no consent, and nothing was missed
        assert [r for r in _sent(mentor, supervisor, drive) if r["type"] == "risk_assessment"] == []
        _look(window, datetime(2026, 12, 3, 14, 40))
        assert store.get(mentor.conn, plan_id).record.missed_noted_at == ""  # within the quarter of an hour
        _look(window, datetime(2026, 12, 3, 14, 46))
        assert store.get(mentor.conn, plan_id).record.missed_noted_at == "2026-12-03T14:46"
        with clock.frozen_at(datetime(2026, 12, 3, 14, 47)):
            trip(mentor)
            import_folder(supervisor, drive)
        items = [r for r in _sent(mentor, supervisor, drive) if r["type"] == "risk_assessment"]
        assert [(r["basis"], r["id"]) for r in items] == [("safety", plan_id)]
        assert "mentee_id" not in items[0] and "pseudonym" not in items[0]
        assert set(items[0]["fields"]) == set(RiskAssessment.mentor_safety)
        held = supervisor.conn.execute("SELECT group_concat(fields) FROM shared_records").fetchone()[0]
        assert NAME not in held and "Quarry" not in held and "Pat at the office" not in held and mid not in held
        [row] = dashboard.mentor_safety(supervisor.conn)
        assert (row.mentor, row.meeting_at, row.check_in_at, row.checked_in_at, row.noticed_at) == (
            "Mentor One",
            "2026-12-03T13:00",
            "2026-12-03T14:30",
            "",
            "2026-12-03T14:46",
        )
        assert row.mentee_name == row.place == row.who_knows == ""

        # The mentor checks in late, from the reminder: the supervisor learns when.
        reminder = window.watch_check_ins().reminder
        with clock.frozen_at(datetime(2026, 12, 3, 16, 5)):
            reminder.appear()
            _press_enter(qtbot, reminder)
            trip(mentor)
            import_folder(supervisor, drive)
        [row] = dashboard.mentor_safety(supervisor.conn)
        assert row.checked_in_at == "2026-12-03T16:05"
        _supervisor_sees(qtbot, supervisor, ["Checked in late", "Mentor One", "3 Dec 2026, 14:30", "Not shared"])
    finally:
        window.idle.stop()


def _supervisor_sees(qtbot, supervisor, cells: list[str]) -> None:
    from mentor_app.ui.supervisor_window import SupervisorWindow

    w = SupervisorWindow(supervisor)
    qtbot.addWidget(w)
    w.show()
    try:
        qtbot.waitSignal(w.refreshed, timeout=20_000).wait()
        assert w.tabs.currentIndex() == 0 and w.safety.isVisible()  # on the Safeguarding tab, the first
        shown = [w.safety.item(0, c).text() for c in range(w.safety.columnCount())]
        for cell in cells:
            assert any(cell in text for text in shown), (cell, shown)
        assert "1 missed check-in" in w.summary.text()
        assert clashes(w) == {}
    finally:
        w.idle.stop()
        w.close()


def test_with_consent_the_supervisor_sees_whom_and_where_and_an_on_time_check_in_is_not_missed(world):  # noqa: F811
    supervisor, mentor, drive = world
    with clock.frozen_at(OPENED):
        checkins.watching_since(mentor.conn)  # as the window does when it opens
        _, shared = _plan(mentor, consent=True)
        _, on_time = _plan(mentor, name="On Time")
    with clock.frozen_at(datetime(2026, 12, 3, 14, 40)):
        checkins.check_in(mentor.conn, [on_time], mentor.author)
    with clock.frozen_at(datetime(2026, 12, 3, 15, 0)):
        trip(mentor)  # the export notes the missed one itself, though no window was watching
        import_folder(supervisor, drive)
    sent = {r["id"]: r for r in _sent(mentor, supervisor, drive) if r["type"] == "risk_assessment"}
    assert sent[shared]["basis"] == "consent" and on_time not in sent
    [row] = dashboard.mentor_safety(supervisor.conn)
    assert (row.record_id, row.mentee_name, row.place, row.who_knows) == (shared, NAME, PLACE, WHO)
    assert row.noticed_at == "2026-12-03T15:00"


SAFETY = {"meeting_at": "2026-12-03T13:00", "check_in_at": "2026-12-03T14:30", "outcome": "planned"}


def _item(fields: dict, **extra) -> dict:
    return {
        "id": "a-plan",
        "type": "risk_assessment",
        "version": 2,
        "base_version": 1,
        "basis": "safety",
        "fields": fields,
        "content_sha256": batch_format.content_hash(fields),
        **extra,
    }


def test_the_record_check_lets_a_mentor_safety_item_carry_only_times_and_the_outcome():
    assert check_record(_item(SAFETY)) is None
    assert check_record(_item({**SAFETY, "place": PLACE}))  # a place needs consent
    assert check_record(_item({**SAFETY, "who_knows": WHO}))
    assert check_record(_item(SAFETY, mentee_id="m-1"))  # so does the person
    assert check_record(_item(SAFETY, pseudonym="p-1"))
    assert check_record(_item({**SAFETY, "check_in_at": "Sam's flat"}))  # a time is a time
    # in the app's own form: Python reads this one, but with its zone it can't be compared with the app's times
    assert check_record(_item({**SAFETY, "check_in_at": "20261203T1430Z"}))
    zoned = RiskAssessment(
        meeting_at="2026-12-03T13:00",
        place=PLACE,
        who_knows=WHO,
        check_in_at="2026-12-03T14:30+00:00",
        checked_in_at="2026-12-03T14:35",
    )
    assert checkins.missed(zoned) is False  # read as no time, never a crash comparing it
    assert check_record(_item({**SAFETY, "outcome": "Sam Example"}))  # an outcome is from its list
    assert check_record(_item({**SAFETY, "outcome": ["planned"]}))
    assert check_record(dict(_item(SAFETY), type="meeting"))  # only a meeting plan is a mentor-safety item
