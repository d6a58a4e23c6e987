"""The supervisor's dashboard counts, kept between starts: used again while nothing changed, never stale."""

from __future__ import annotations

import json

import pytest
from conftest import PASSPHRASE

from mentor_app.exchange import mentors as register
from mentor_app.exchange.enrolment import accept_enrolment, make_enrolment, parse_enrolment
from mentor_app.exchange.importer import import_folder
from mentor_app.exchange.keys import device_key
from mentor_app.exchange.trip import trip
from mentor_app.records import store
from mentor_app.records.types import Meeting, Mentee
from mentor_app.reports import dashboard
from mentor_app.storage import kept
from mentor_app.storage.profile import open_profile


@pytest.fixture(autouse=True)
def keep_every_answer(monkeypatch):
    # A small organisation's counts take no time; kept here as a large one's are.
    monkeypatch.setattr(kept, "KEEP_AFTER_SECONDS", 0.0)


def _organisation(make_profile, tmp_path):
    supervisor, _ = make_profile("supervisor", role="supervisor")
    enrolment = parse_enrolment(json.dumps(make_enrolment(supervisor)).encode())
    drive = tmp_path / "drive"
    drive.mkdir()
    mentor, _ = make_profile("mentor")
    accept_enrolment(mentor, enrolment, enrolment.fingerprint, shared_folder=str(drive))
    register.note_device(supervisor.conn, device_key(mentor).public, "")
    register.approve(supervisor.conn, device_key(mentor).fingerprint, "Mentor M")
    return supervisor, mentor, drive


def _meetings(mentor, mid, *days):
    for day in days:
        store.save(
            mentor.conn,
            Meeting(starts_at=f"{day}T10:00", kind="sport", duration_minutes=60),
            author=mentor.author,
            mentee_id=mid,
        )


def _counting_queries(conn, read) -> tuple[object, list[str]]:
    seen: list[str] = []
    conn.set_trace_callback(seen.append)
    try:
        result = read()
    finally:
        conn.set_trace_callback(None)
    return result, [q for q in seen if "FROM (SELECT" in q and "kept_counts" not in q]


def test_the_next_start_shows_the_same_dashboard_without_counting_again(make_profile, tmp_path):
    supervisor, mentor, drive = _organisation(make_profile, tmp_path)
    mid = store.save(mentor.conn, Mentee(name="Counted Once", status="active"), author=mentor.author)
    _meetings(mentor, mid, "2026-11-02", "2026-11-09")
    trip(mentor)
    import_folder(supervisor, drive)
    first, counted = _counting_queries(supervisor.conn, lambda: dashboard.activity(supervisor.conn))
    assert counted and first.figures.sport_sessions == 2
    supervisor.close()
    again = open_profile(supervisor.path, secret=PASSPHRASE)
    try:
        second, counted_again = _counting_queries(again.conn, lambda: dashboard.activity(again.conn))
    finally:
        again.close()
    assert counted_again == []  # read from what the first start kept
    assert second.figures.as_dict() == first.figures.as_dict() and second.weeks == first.weeks


def test_a_new_import_is_counted_at_once_even_from_another_connection(make_profile, tmp_path):
    supervisor, mentor, drive = _organisation(make_profile, tmp_path)
    mid = store.save(mentor.conn, Mentee(name="First Person", status="active"), author=mentor.author)
    _meetings(mentor, mid, "2026-11-02")
    trip(mentor)
    import_folder(supervisor, drive)
    assert dashboard.activity(supervisor.conn).figures.sport_sessions == 1
    [row] = dashboard.caseload_by_mentor(supervisor.conn)
    assert row.people == 1
    later = store.save(mentor.conn, Mentee(name="Second Person", status="active"), author=mentor.author)
    _meetings(mentor, later, "2026-11-03", "2026-11-04")
    trip(mentor)
    with supervisor.second_connection() as view:  # as the window's import does, on its own thread
        import_folder(view, drive)
    assert dashboard.activity(supervisor.conn).figures.sport_sessions == 3
    [row] = dashboard.caseload_by_mentor(supervisor.conn)
    assert row.people == 2


def test_an_answer_counted_across_an_import_is_not_kept(make_profile, tmp_path):
    """The count is read in one snapshot; an import that lands before it is kept makes the keeping fail."""
    supervisor, mentor, drive = _organisation(make_profile, tmp_path)
    store.save(mentor.conn, Mentee(name="Early Person", status="active"), author=mentor.author)
    trip(mentor)
    import_folder(supervisor, drive)
    sql = "SELECT count(*) FROM shared_records WHERE type = 'mentee'"
    conn = supervisor.conn
    conn.execute("BEGIN")
    assert conn.execute(sql).fetchone()[0] == 1  # the snapshot is taken
    store.save(mentor.conn, Mentee(name="Late Person", status="active"), author=mentor.author)
    trip(mentor)
    with supervisor.second_connection() as view:
        import_folder(view, drive)
    assert kept.rows(conn, sql) == [(1,)]  # inside the older snapshot the answer is 1 …
    conn.execute("COMMIT")
    assert kept.rows(conn, sql) == [(2,)]  # … but it was not kept for later


def test_every_change_to_a_shared_record_empties_what_was_kept(make_profile):
    """At the newest schema, inserts, updates and deletes of shared records all clear the kept counts (a
    migration that rebuilt the table without its triggers would keep stale counts, and erased people)."""
    supervisor, _ = make_profile("supervisor", role="supervisor")
    triggers = {
        sql.split(" AFTER ")[1].split(" ON ")[0]
        for (sql,) in supervisor.conn.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'shared_records' "
            "AND sql LIKE '%DELETE FROM kept_counts%'"
        )
    }
    assert triggers == {"INSERT", "UPDATE", "DELETE"}
