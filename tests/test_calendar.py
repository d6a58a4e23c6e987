"""The calendar: the file a phone imports (read back with icalendar), the week on Today, and the window's box.

Initials only unless names are chosen; never a note, an action's words, a risk or a concern; UK times in
Europe/London, winter and summer; entries that keep their UID, so importing again updates them.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
from conftest import NO_KEYRING, PASSPHRASE, run_cli
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QLabel

from mentor_app import clock
from mentor_app.errors import BadInput
from mentor_app.records import store
from mentor_app.records.types import MAX_LINE, Action, Concern, Meeting, Mentee, RiskAssessment
from mentor_app.reports import calendar
from mentor_app.storage import audit
from mentor_app.ui.worker import wait_for_jobs

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 12, 1, 10, 0)  # a Tuesday
NAME, SURNAME = "Alexandra Quimbleton", "Quimbleton"
# What a calendar never carries, whatever is chosen.
NEVER = ("NOTE-MARKER", "ACTION-MARKER", "RISK-MARKER", "WHO-KNOWS-MARKER", "CONCERN-MARKER", "DONE-MARKER")


def _diary(profile, today: date) -> dict[str, str]:
    """A mentee with a next meeting in three days, a meeting plan, actions and a concern; their ids."""
    conn, me = profile.conn, profile.author
    alex = store.save(conn, Mentee(name=NAME, preferred_name="Lexi"), author=me)
    ben = store.save(conn, Mentee(name="Ben Oduya"), author=me)
    in3 = today + timedelta(days=3)
    ids = {"alex": alex, "ben": ben}
    ids["meeting"] = store.save(
        conn,
        Meeting(
            starts_at=f"{today - timedelta(days=4)}T10:00",
            duration_minutes=45,
            place="Costa Fishergate",
            notes="NOTE-MARKER talked about his court date",
            next_meeting=f"{in3}T14:00",
        ),
        author=me,
        mentee_id=alex,
    )
    ids["plan"] = store.save(
        conn,
        RiskAssessment(
            meeting_at=f"{today + timedelta(days=5)}T11:30",
            place="Avenham Park",
            who_knows="WHO-KNOWS-MARKER Sam at the office",
            check_in_at=f"{today + timedelta(days=5)}T13:00",
            risks="RISK-MARKER was angry last time",
        ),
        author=me,
        mentee_id=ben,
    )
    store.save(  # a plan already carried out: behind, not ahead
        conn,
        RiskAssessment(
            meeting_at=f"{today + timedelta(days=1)}T09:00",
            place="Library",
            who_knows="Sam",
            outcome="checked_in_safe",
        ),
        author=me,
        mentee_id=ben,
    )
    ids["action"] = store.save(
        conn,
        Action(text="ACTION-MARKER ring the housing office", due=f"{today + timedelta(days=2)}"),
        author=me,
        mentee_id=alex,
    )
    store.save(
        conn, Action(text="DONE-MARKER", due=f"{today + timedelta(days=2)}", done=True), author=me, mentee_id=alex
    )
    store.save(conn, Action(text="DONE-MARKER late", due=f"{today - timedelta(days=2)}"), author=me, mentee_id=alex)
    store.save(
        conn,
        Concern(category="risk_to_self", raised_at=f"{today}T09:00", what_happened="CONCERN-MARKER"),
        author=me,
        mentee_id=alex,
    )
    return ids


def _events(path: Path) -> dict[str, icalendar.Event]:
    cal = icalendar.Calendar.from_ical(path.read_bytes())
    return {str(e["SUMMARY"]) + " " + e.start.isoformat(): e for e in cal.walk("VEVENT")}


def test_the_file_has_the_meetings_and_actions_ahead_at_uk_times_by_initials(make_profile, tmp_path):
    profile, _ = make_profile()
    with clock.frozen_at(NOW):
        ids = _diary(profile, NOW.date())
        target = tmp_path / "diary.ics"
        found = calendar.save(profile.conn, target, with_names=False, actor=profile.author)
    assert calendar.summary_words(found) == "2 meetings and 1 action"
    events = _events(target)
    assert sorted(events) == [
        "Action due (A. Q.) 2026-12-03",
        "Meeting with A. Q. 2026-12-04T14:00:00+00:00",
        "Meeting with B. O. 2026-12-06T11:30:00+00:00",
    ]
    meeting = events["Meeting with A. Q. 2026-12-04T14:00:00+00:00"]
    assert meeting.start == datetime(2026, 12, 4, 14, 0, tzinfo=LONDON)
    assert meeting.end - meeting.start == timedelta(minutes=45)  # as long as the meeting it was agreed at
    assert meeting["DTSTART"].params["TZID"] == "Europe/London"
    assert "LOCATION" not in meeting and str(meeting["CLASS"]) == "PRIVATE"
    plan = events["Meeting with B. O. 2026-12-06T11:30:00+00:00"]
    assert plan.end - plan.start == timedelta(minutes=calendar.DEFAULT_MINUTES)
    assert "Check in by 13:00." in str(plan["DESCRIPTION"])
    action = events["Action due (A. Q.) 2026-12-03"]
    assert action.start == date(2026, 12, 3) and action.end == date(2026, 12, 4)  # the whole day
    assert str(action["TRANSP"]) == "TRANSPARENT"  # doesn't make the day look busy

    cal = icalendar.Calendar.from_ical(target.read_bytes())
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/London"]
    raw = target.read_bytes()
    for word in (NAME, SURNAME, "Alexandra", "Lexi", "Oduya", "Costa", "Avenham", *NEVER):
        assert word.encode() not in raw, word
    for record_id in ids.values():
        assert record_id.encode() not in raw and record_id.replace("-", "").encode() not in raw
    assert target.stat().st_mode & 0o077 == 0  # private to this user, as every file the app writes


def test_with_names_the_names_and_places_but_never_notes_actions_risks_or_concerns(make_profile, tmp_path):
    profile, _ = make_profile()
    with clock.frozen_at(NOW):
        _diary(profile, NOW.date())
        target = tmp_path / "named.ics"
        calendar.save(profile.conn, target, with_names=True, actor=profile.author)
    events = _events(target)
    meeting = events[f"Meeting with {NAME} 2026-12-04T14:00:00+00:00"]
    assert str(meeting["LOCATION"]) == "Costa Fishergate"
    assert str(events["Meeting with Ben Oduya 2026-12-06T11:30:00+00:00"]["LOCATION"]) == "Avenham Park"
    assert f"Action due ({NAME}) 2026-12-03" in events
    raw = target.read_bytes()
    for word in NEVER:
        assert word.encode() not in raw, word


def test_summer_meetings_are_an_hour_ahead_of_utc_and_long_names_and_places_fit(make_profile, tmp_path):
    profile, _ = make_profile()
    long_name = ("Bartholomew-Montgomery " * 20)[: MAX_LINE - 9] + " Zedekiah"
    long_place = ("Community Centre, Back Lane; " * 20)[: MAX_LINE - 4] + "Hall"
    with clock.frozen_at(datetime(2027, 7, 1, 9, 0)):
        who = store.save(profile.conn, Mentee(name=long_name), author=profile.author)
        store.save(
            profile.conn,
            Meeting(starts_at="2027-06-30T10:00", place=long_place, next_meeting="2027-07-02T09:15"),
            author=profile.author,
            mentee_id=who,
        )
        initials_only = calendar.ics_bytes(calendar.entries(profile.conn))
        named = calendar.ics_bytes(calendar.entries(profile.conn, with_names=True))
    (event,) = icalendar.Calendar.from_ical(initials_only).walk("VEVENT")
    assert str(event["SUMMARY"]) == "Meeting with B. Z."
    assert event.start.utcoffset() == timedelta(hours=1)  # British Summer Time
    assert event.start.astimezone(ZoneInfo("UTC")).hour == 8
    (event,) = icalendar.Calendar.from_ical(named).walk("VEVENT")
    assert str(event["SUMMARY"]) == f"Meeting with {long_name}" and str(event["LOCATION"]) == long_place
    assert all(len(line) <= 75 for line in named.split(b"\r\n"))  # folded as RFC 5545 says


def test_entries_keep_their_uid_so_importing_again_updates_them(make_profile, tmp_path):
    profile, _ = make_profile()
    with clock.frozen_at(NOW):
        ids = _diary(profile, NOW.date())
        first = {e.uid: e for e in calendar.entries(profile.conn)}
        meeting = store.get(profile.conn, ids["meeting"]).record
        meeting.next_meeting = "2026-12-04T15:00"  # moved an hour later
        store.save(profile.conn, meeting, record_id=ids["meeting"], author=profile.author, mentee_id=ids["alex"])
        # A plan made for the meeting agreed: one entry, the meeting's, now with the plan's check-in.
        store.save(
            profile.conn,
            RiskAssessment(
                meeting_at="2026-12-04T15:00", place="Costa", who_knows="Sam", check_in_at="2026-12-04T16:00"
            ),
            author=profile.author,
            mentee_id=ids["alex"],
        )
        second = {e.uid: e for e in calendar.entries(profile.conn)}
    assert set(first) == set(second)
    moved = next(e for e in second.values() if e.mentee_id == ids["alex"] and e.at is not None)
    assert moved.at == datetime(2026, 12, 4, 15, 0) and moved.minutes == 45
    assert "Check in by 16:00." in moved.description()
    assert moved.version > first[moved.uid].version  # SEQUENCE goes up: the calendar takes the change


def test_making_the_file_is_in_the_audit_trail_for_each_person_and_an_existing_file_is_refused(make_profile, tmp_path):
    profile, _ = make_profile()
    with clock.frozen_at(NOW):
        ids = _diary(profile, NOW.date())
        calendar.save(profile.conn, tmp_path / "diary.ics", with_names=False, actor=profile.author)
        trail = audit.entries(profile.conn, action="calendar")
        assert sorted((e.mentee_id, e.detail) for e in trail) == sorted(
            [
                (ids["alex"], "1 meeting and 1 action; initials only"),
                (ids["ben"], "1 meeting and 0 actions; initials only"),
            ]
        )
        there = tmp_path / "mine.ics"
        there.write_bytes(b"someone's own calendar")
        with pytest.raises(BadInput, match="nothing was overwritten"):
            calendar.save(profile.conn, there, with_names=True)
        assert there.read_bytes() == b"someone's own calendar"
        link = tmp_path / "link.ics"
        link.symlink_to(tmp_path / "elsewhere.ics")
        with pytest.raises(BadInput, match="nothing was overwritten"):
            calendar.save(profile.conn, link, with_names=True)
        assert not (tmp_path / "elsewhere.ics").exists()
        assert len(audit.entries(profile.conn, action="calendar")) == 2  # no file, nothing noted as made


def test_initials():
    assert calendar.initials("Alex Lee") == "A. L."
    assert calendar.initials("mary jane o'neill") == "M. O."
    assert calendar.initials("Spike") == "S."
    assert calendar.initials("'Big' Dave") == "B. D."
    assert calendar.initials("  ") == "someone"


@pytest.mark.slow
def test_the_command_writes_the_file_warns_of_the_cloud_and_refuses_an_existing_file_or_link(make_profile, tmp_path):
    profile, _ = make_profile()
    _diary(profile, clock.today())  # the command reads the real clock
    profile.close()
    env = {"PYTHON_KEYRING_BACKEND": NO_KEYRING}

    def cli(*args):
        return run_cli(
            "--profile",
            str(tmp_path / "profile"),
            "calendar",
            *args,
            "--passphrase-stdin",
            input=PASSPHRASE + "\n",
            env=env,
        )

    made = cli("-o", str(tmp_path / "diary.ics"))
    assert made.returncode == 0, made.stderr
    assert "Calendar saved to" in made.stdout and "2 meetings and 1 action" in made.stdout
    assert "Warning:" in made.stderr and "cloud" in made.stderr and "initials and times only" in made.stderr
    raw = (tmp_path / "diary.ics").read_bytes()
    assert b"Meeting with A. Q." in raw and SURNAME.encode() not in raw and b"Alexandra" not in raw

    named = cli("-o", str(tmp_path / "named.ics"), "--with-names")
    assert named.returncode == 0, named.stderr
    assert "names the people you meet" in named.stderr and NAME not in named.stdout + named.stderr
    assert f"Meeting with {NAME}".encode() in (tmp_path / "named.ics").read_bytes()

    again = cli("-o", str(tmp_path / "diary.ics"))
    assert again.returncode == 2 and "nothing was overwritten" in again.stderr and "Traceback" not in again.stderr
    link = tmp_path / "link.ics"
    link.symlink_to(tmp_path / "elsewhere.ics")
    through = cli("-o", str(link))
    assert through.returncode == 2 and "nothing was overwritten" in through.stderr
    assert not (tmp_path / "elsewhere.ics").exists()
    missing = cli()
    assert missing.returncode == 2 and "-o" in missing.stderr


# -- the window ------------------------------------------------------------------------------------


@pytest.fixture
def frozen_window(qtbot, make_profile):
    from mentor_app.ui.main_window import MainWindow

    profile, _ = make_profile()
    with clock.frozen_at(NOW):
        ids = _diary(profile, NOW.date())
        store.save(  # eight days on: beyond the coming week
            profile.conn,
            Meeting(starts_at="2026-11-20T10:00", next_meeting="2026-12-09T10:00"),
            author=profile.author,
            mentee_id=ids["ben"],
        )
        w = MainWindow(profile)
        qtbot.addWidget(w)
        w.show()
        qtbot.waitExposed(w)
        w.refresh_lists()
        yield w, ids
        w.idle.stop()


def _rows(widget) -> list[str]:
    return [widget.item(i).text() for i in range(widget.count())]


def test_today_shows_the_coming_week_by_day_and_opens_the_person(qtbot, frozen_window):
    window, ids = frozen_window
    week = window.home.week
    assert _rows(week) == [
        "Thu 3 Dec",
        f"Action due: ACTION-MARKER ring the housing office — {NAME} (Lexi)",
        "Fri 4 Dec",
        f"14:00–14:45 Meeting with {NAME} (Lexi), Costa Fishergate",
        "Sun 6 Dec",
        "11:30–12:30 Meeting with Ben Oduya, Avenham Park",
    ]
    assert week.accessibleName() == "The coming week"
    label = next(lb for lb in window.home.findChildren(QLabel) if lb.buddy() is week)
    assert label.text().replace("&", "") == "<b>The coming week</b>"
    meeting = week.item(3)
    assert meeting.data(Qt.ItemDataRole.AccessibleTextRole) == (
        f"Fri 4 Dec, from 14:00 to 14:45, Meeting with {NAME} (Lexi), Costa Fishergate"
    )
    # The existing sections still say what they said.
    assert _rows(window.home.upcoming)[0] == f"4 Dec 2026, 14:00 — {NAME} (Lexi)"
    assert "DONE-MARKER late" in _rows(window.home.due)[0]

    # By keyboard: Tab from Next meetings reaches the week; the arrow keys pass over the day headings.
    window.home.upcoming.setFocus()
    qtbot.keyClick(window.home.upcoming, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is week
    week.setCurrentRow(1)
    qtbot.keyClick(week, Qt.Key.Key_Down)
    assert week.currentRow() == 3
    qtbot.keyClick(week, Qt.Key.Key_Return)
    assert window.pages.currentWidget() is window.mentee_page
    assert window.current_mentee() == ids["alex"]


def test_a_free_week_says_so(qtbot, make_profile):
    from mentor_app.ui.main_window import MainWindow

    profile, _ = make_profile()
    with clock.frozen_at(NOW):
        w = MainWindow(profile)
        qtbot.addWidget(w)
        w.refresh_lists()
        assert _rows(w.home.week) == ["Nothing in the coming week."]
        w.idle.stop()


def test_the_calendar_box_warns_of_the_cloud_and_saves_the_file(qtbot, frozen_window, tmp_path, monkeypatch):
    from test_keyboard_and_small_screen import SMALL_SCREEN, TITLE_BAR, clashes

    window, _ = frozen_window
    dialog = window.open_calendar()
    qtbot.waitExposed(dialog)
    assert clashes(dialog) == {} and clashes(window) == {}
    assert dialog.width() <= SMALL_SCREEN[0] and dialog.height() <= SMALL_SCREEN[1] - TITLE_BAR
    assert "cloud" in dialog.warning.text() and "initials and times only" in dialog.warning.text()
    assert not dialog.with_names.isChecked()

    chosen = tmp_path / "my diary"  # no ending typed: a phone needs .ics to know it is a calendar
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(chosen), ""))
    with clock.frozen_at(NOW):
        saved = dialog.save()
        qtbot.waitUntil(lambda: "Saved" in dialog.outcome.text(), timeout=20_000)
    assert saved == tmp_path / "my diary.ics"
    assert "3 meetings and 1 action" in dialog.outcome.text()  # the file has what is beyond the week too
    assert sorted(_events(saved))[1] == "Meeting with A. Q. 2026-12-04T14:00:00+00:00"
    assert SURNAME.encode() not in saved.read_bytes()

    dialog.with_names.setChecked(True)
    assert "names the people you meet" in dialog.warning.text()
    replaced = tmp_path / "replace.ics"
    replaced.write_bytes(b"last week's")  # the save box asked before replacing it
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(replaced), ""))
    with clock.frozen_at(NOW):
        assert dialog.save() == replaced
        qtbot.waitUntil(lambda: "replace.ics" in dialog.outcome.text(), timeout=20_000)
    assert f"Meeting with {NAME}".encode() in replaced.read_bytes()
    assert len(audit.entries(window.profile.conn, action="calendar")) == 4  # two people, two files

    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path / "none" / "x.ics"), ""))
    dialog.save()
    qtbot.waitUntil(lambda: dialog.problem.isVisibleTo(dialog), timeout=20_000)
    assert "does not exist" in dialog.problem.text() and not dialog.outcome.text()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: ("", ""))
    assert dialog.save() is None  # the save box cancelled: nothing happens
    wait_for_jobs()
    dialog.close()
