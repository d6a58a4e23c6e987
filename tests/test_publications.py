"""No one file on the shared drive can hold back, or wind back, the organisation's directory at a mentor's laptop."""

from __future__ import annotations

import json
import os
import resource
import sys
from datetime import date, datetime, timedelta, timezone

from mentor_app.exchange.batch import canonical
from mentor_app.exchange.enrolment import accept_enrolment, make_enrolment, parse_enrolment
from mentor_app.exchange.keys import b64, organisation_keys
from mentor_app.exchange.publish import APPLIED, PROBLEM, pick_up, publish
from mentor_app.privacy import retention
from mentor_app.records import store
from mentor_app.records.types import Concern, Contact, Mentee, RiskAssessment


def _contact(name, phone):
    return Contact(organisation=name, categories=["housing"], phone=phone, last_checked="2026-11-01")


def _enrol(make_profile, sup, drive, name="mentor"):
    mentor, _ = make_profile(name)
    enrolment = parse_enrolment(json.dumps(make_enrolment(sup)).encode())
    accept_enrolment(mentor, enrolment, enrolment.fingerprint, shared_folder=str(drive))
    return mentor


def _setup(make_profile, tmp_path):
    sup, _ = make_profile("sup", role="supervisor")
    drive = tmp_path / "drive"
    (drive / "directory").mkdir(parents=True)
    return sup, _enrol(make_profile, sup, drive), drive


def _signed(sup, issued_at: datetime, contacts: list[dict], policy: dict | None = None) -> bytes:
    """A publication genuinely signed with the organisation's key, issued when we say (as publish() writes it)."""
    _, signing = organisation_keys(sup)
    body = {
        "format": "mentor-app-directory",
        "version": 1,
        "issued_at": issued_at.isoformat(timespec="microseconds"),
        "signing_key": b64(signing.public),
        "contacts": contacts,
        "retention": policy or retention.to_published(retention.Policy()),
    }
    return canonical({"body": body, "signature": signing.sign(canonical(body))})


def _entry(name, phone):
    return {"organisation": name, "categories": ["housing"], "phone": phone, "last_checked": "2026-11-01"}


def _org_contacts(mentor) -> dict[str, str]:
    return {
        s.record.organisation: s.record.phone
        for s in store.list_records(mentor.conn, "contact")
        if s.record.origin == "organisation"
    }


def test_a_junk_file_that_sorts_last_does_not_hold_back_the_directory(make_profile, tmp_path):
    sup, mentor, drive = _setup(make_profile, tmp_path)
    store.save(sup.conn, _contact("Org Housing Team", "01632 960222"), author=sup.author)
    publish(sup, drive)
    (drive / "directory" / "directory-zzzz.mentordir").write_bytes(b"not a directory at all")

    assert pick_up(mentor) == 1
    assert _org_contacts(mentor) == {"Org Housing Team": "01632 960222"}
    assert mentor.get_setting(PROBLEM) == (
        "The organisation's directory could not be updated: one file on the "
        "shared drive (directory-zzzz.mentordir) is damaged or not signed by "
        "your organisation."
    )

    # The next publication still gets through, and the warning goes once the junk is removed.
    store.save(sup.conn, _contact("Org Debt Advice", "01632 960333"), author=sup.author)
    publish(sup, drive)
    assert pick_up(mentor) == 2
    assert "directory-zzzz.mentordir" in mentor.get_setting(PROBLEM)  # still there, still said
    (drive / "directory" / "directory-zzzz.mentordir").unlink()
    assert pick_up(mentor) is None
    assert not mentor.get_setting(PROBLEM)


def test_an_old_genuine_publication_renamed_to_sort_last_changes_nothing(make_profile, tmp_path):
    sup, mentor, drive = _setup(make_profile, tmp_path)
    old_policy = {"years": {**retention.DEFAULT_YEARS, "concern": 1, "meeting": 1}, "automatic": True}
    old = _signed(
        sup, datetime(2024, 1, 1, tzinfo=timezone.utc), [_entry("Org Housing Team", "01632 960000")], old_policy
    )

    # A mentor who already has a newer directory.
    store.save(sup.conn, _contact("Org Housing Team", "01632 960222"), author=sup.author)
    current = publish(sup, drive)
    assert pick_up(mentor) == 1
    applied = mentor.get_setting(APPLIED)
    current.unlink()  # even with nothing newer left beside it
    (drive / "directory" / "directory-zzzz.mentordir").write_bytes(old)
    assert pick_up(mentor) is None
    assert _org_contacts(mentor) == {"Org Housing Team": "01632 960222"}
    assert mentor.get_setting(APPLIED) == applied
    assert retention.load_policy(mentor) == retention.Policy()

    # A mentor enrolled today, who has never had a directory, doesn't take one issued before their enrolment.
    newcomer = _enrol(make_profile, sup, drive, "newcomer")
    assert pick_up(newcomer) is None
    assert _org_contacts(newcomer) == {}
    assert retention.load_policy(newcomer) == retention.Policy() and not retention.automatic_waiting(newcomer)
    assert newcomer.get_setting(APPLIED) is None
    assert "older than your enrolment" in newcomer.get_setting(PROBLEM)
    assert "ask your supervisor to publish it again" in newcomer.get_setting(PROBLEM)


def test_the_newest_valid_publication_applies_whatever_the_file_names(make_profile, tmp_path):
    sup, mentor, drive = _setup(make_profile, tmp_path)
    soon = datetime.now(timezone.utc) + timedelta(minutes=5)
    folder = drive / "directory"
    # By name a < b < c; by issue date b < c < a.
    (folder / "directory-a.mentordir").write_bytes(
        _signed(sup, soon + timedelta(days=2), [_entry("Newest", "01632 960003")])
    )
    (folder / "directory-b.mentordir").write_bytes(_signed(sup, soon, [_entry("Oldest", "01632 960001")]))
    (folder / "directory-c.mentordir").write_bytes(
        _signed(sup, soon + timedelta(days=1), [_entry("Middle", "01632 960002")])
    )

    assert pick_up(mentor) == 1
    assert _org_contacts(mentor) == {"Newest": "01632 960003"}
    assert not mentor.get_setting(PROBLEM)  # nothing to warn about
    assert pick_up(mentor) is None  # nothing newer since


def test_problems_name_the_file_even_when_its_name_is_not_utf8(make_profile, tmp_path):
    sup, mentor, drive = _setup(make_profile, tmp_path)
    store.save(sup.conn, _contact("Org Housing Team", "01632 960222"), author=sup.author)
    publish(sup, drive)
    fd = os.open(os.fsencode(drive / "directory") + b"/directory-\xff\xfe.mentordir", os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, b'{"body": {"format": "mentor-app-directory"}, "signature": "x"}')
    os.close(fd)
    locked = drive / "directory" / "directory-locked.mentordir"
    if getattr(os, "geteuid", lambda: 1)() != 0:  # root reads anything
        locked.write_bytes(b"whatever")
        locked.chmod(0)
    try:
        assert pick_up(mentor) == 1
        problem = mentor.get_setting(PROBLEM)
    finally:
        if locked.exists():
            locked.chmod(0o600)
    assert _org_contacts(mentor) == {"Org Housing Team": "01632 960222"}
    assert problem.startswith("The organisation's directory could not be updated: ")
    assert "(directory-\\xff\\xfe.mentordir" in problem  # shown escaped, never a crash
    if locked.exists():
        assert "one file (directory-locked.mentordir) could not be read and will be tried again next time" in problem
    assert problem.isprintable() and problem.endswith(".")


def test_a_2gb_file_in_the_directory_folder_is_not_read(make_profile, tmp_path):
    sup, mentor, drive = _setup(make_profile, tmp_path)
    store.save(sup.conn, _contact("Org Housing Team", "01632 960222"), author=sup.author)
    publish(sup, drive)
    with open(drive / "directory" / "directory-zzzz.mentordir", "wb") as f:
        f.truncate(2 * 1024**3)
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    assert pick_up(mentor) == 1

    grew = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before
    assert grew * (1 if sys.platform == "darwin" else 1024) < 200 * 1024**2
    assert _org_contacts(mentor) == {"Org Housing Team": "01632 960222"}
    assert mentor.get_setting(PROBLEM) == (
        "The organisation's directory could not be updated: one file on the "
        "shared drive (directory-zzzz.mentordir) is far too large to be a "
        "directory."
    )


def test_a_trip_to_another_folder_picks_up_from_there(make_profile, tmp_path):
    sup, mentor, drive = _setup(make_profile, tmp_path)
    stick = tmp_path / "usb-stick"
    stick.mkdir()
    store.save(sup.conn, _contact("Org Housing Team", "01632 960222"), author=sup.author)
    publish(sup, stick)
    assert pick_up(mentor) is None  # the usual drive has nothing
    assert pick_up(mentor, stick) == 1
    assert _org_contacts(mentor) == {"Org Housing Team": "01632 960222"}


def test_a_published_policy_cannot_shorten_safeguarding_or_delete_without_the_mentor(make_profile, tmp_path):
    sup, mentor, drive = _setup(make_profile, tmp_path)
    policy = retention.load_policy(sup)
    policy.years.update(concern=1, risk_assessment=1, meeting=1)
    policy.automatic = True
    retention.save_policy(sup, policy)  # the supervisor's own choice, for their own copy, stands
    assert retention.load_policy(sup).years["concern"] == 1 and retention.load_policy(sup).automatic

    person = store.save(mentor.conn, Mentee(name="Closed Case", status="closed"), author=mentor.author)
    concern = store.save(
        mentor.conn,
        Concern(category="risk_from_others", raised_at="2026-01-05T12:00", what_happened="x"),
        author=mentor.author,
        mentee_id=person,
    )
    risk = store.save(
        mentor.conn,
        RiskAssessment(meeting_at="2026-01-05T10:00", place="Park", who_knows="Team"),
        author=mentor.author,
        mentee_id=person,
    )
    publish(sup, drive)
    pick_up(mentor)

    got = retention.load_policy(mentor)
    assert got.years["concern"] == 6 and got.years["risk_assessment"] == 6 and got.years["meeting"] == 1
    assert not got.automatic and retention.automatic_waiting(mentor)
    in_two_years = date.today() + timedelta(days=2 * 366)
    assert retention.run_if_automatic(mentor, in_two_years) is None
    assert store.get(mentor.conn, concern) is not None and store.get(mentor.conn, risk) is not None

    retention.confirm_automatic(mentor)
    assert retention.load_policy(mentor).automatic and not retention.automatic_waiting(mentor)
    in_seven_years = date.today() + timedelta(days=7 * 366)
    assert retention.run_if_automatic(mentor, in_two_years).removed == []  # six years still hold
    report = retention.run_if_automatic(mentor, in_seven_years)
    assert {"concern", "risk_assessment"} <= set(report.counts())
    assert store.get(mentor.conn, concern) is None

    # Said yes once: the next publication keeps it on; switched off by the mentor, no publication turns it back.
    publish(sup, drive)
    pick_up(mentor)
    assert retention.load_policy(mentor).automatic
    retention.save_policy(mentor, retention.Policy(retention.load_policy(mentor).years, automatic=False))
    publish(sup, drive)
    pick_up(mentor)
    assert not retention.load_policy(mentor).automatic and retention.automatic_waiting(mentor)
