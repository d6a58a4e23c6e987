"""The app's one clock: set it, and what a mentor sees follows it (Today's list, stored times, retention)."""

from __future__ import annotations

from datetime import date, datetime, timezone

from mentor_app import clock
from mentor_app.privacy.retention import due, load_policy
from mentor_app.records import store
from mentor_app.records.caseload import actions_due
from mentor_app.records.types import Action, Mentee
from mentor_app.records.vocab import MenteeStatus


def test_the_set_clock_decides_what_is_due_today_and_when_closed_notes_may_be_deleted(make_profile):
    profile, _ = make_profile()
    conn, author = profile.conn, profile.author
    mid = store.save(conn, Mentee(name="Sam Example", status=MenteeStatus.ACTIVE), author=author)
    store.save(conn, Action(text="Call the housing office", due="2031-03-10"), author=author, mentee_id=mid)

    # Today's list: an action appears on its due day, not the day before.
    with clock.frozen_at(date(2031, 3, 9)):
        assert actions_due(conn) == []
    with clock.frozen_at(date(2031, 3, 10)):
        assert [s.record.text for s in actions_due(conn)] == ["Call the housing office"]

    # Closed on a set day: that is the time stored, and retention counts from it.
    with clock.frozen_at(datetime(2031, 4, 1, 9, 30, tzinfo=timezone.utc)):
        person = store.get(conn, mid).record
        person.status = MenteeStatus.CLOSED
        store.save(conn, person, author=author, record_id=mid)
        assert store.get(conn, mid).updated_at == "2031-04-01T09:30:00+00:00"
    policy = load_policy(profile)
    with clock.frozen_at(date(2034, 3, 31)):
        assert due(conn, policy) == []  # a day short of three years: nothing may be deleted yet
    with clock.frozen_at(date(2034, 4, 1)):
        assert sorted(d.record_type for d in due(conn, policy)) == ["action", "mentee"]
        assert {d.since for d in due(conn, policy)} == {"2031-04-01"}

    # Outside the with-blocks the clock is the computer's own again.
    assert clock.today() == date.today()
