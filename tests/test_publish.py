"""The organisation's directory, published signed and picked up by mentors' apps."""

from __future__ import annotations

import json

import pytest

from mentor_app.errors import BadInput
from mentor_app.exchange.enrolment import accept_enrolment, make_enrolment, parse_enrolment
from mentor_app.exchange.publish import PROBLEM, pick_up, publish
from mentor_app.exchange.trip import trip
from mentor_app.records import store
from mentor_app.records.types import Contact, Mentee


def _contact(name, phone, origin="local"):
    return Contact(organisation=name, categories=["housing"], phone=phone, origin=origin, last_checked="2026-11-01")


def _enrolled(make_profile, tmp_path):
    """A supervisor and a mentor enrolled with them, sharing one drive."""
    sup, _ = make_profile("sup", role="supervisor")
    drive = tmp_path / "drive"
    drive.mkdir()
    mentor, _ = make_profile("mentor")
    enrolment = parse_enrolment(json.dumps(make_enrolment(sup)).encode())
    accept_enrolment(mentor, enrolment, enrolment.fingerprint, shared_folder=str(drive))
    return sup, mentor, drive


def test_mentors_pick_up_the_signed_directory_and_keep_their_own_entries(make_profile, tmp_path):
    sup, mentor, drive = _enrolled(make_profile, tmp_path)
    store.save(mentor.conn, _contact("My Own Café", "01632 960111"), author=mentor.author)

    store.save(sup.conn, _contact("Org Housing Team", "01632 960222"), author=sup.author)
    first = publish(sup, drive)
    assert pick_up(mentor) == 1
    names = {s.record.organisation: s.record.origin for s in store.list_records(mentor.conn, "contact")}
    assert names == {"My Own Café": "local", "Org Housing Team": "organisation"}
    assert pick_up(mentor) is None  # already current

    first.unlink()
    store.save(sup.conn, _contact("Org Debt Advice", "01632 960333"), author=sup.author)
    publish(sup, drive)
    store.save(mentor.conn, Mentee(name="Someone"), author=mentor.author)
    trip(mentor)  # the next trip to the drive brings the new directory back
    names = {s.record.organisation for s in store.list_records(mentor.conn, "contact")}
    assert names == {"My Own Café", "Org Housing Team", "Org Debt Advice"}


def test_a_tampered_or_foreign_directory_is_refused(make_profile, tmp_path):
    sup, _ = make_profile("sup", role="supervisor")
    other, _ = make_profile("other", role="supervisor")
    drive = tmp_path / "drive"
    drive.mkdir()
    mentor, _ = make_profile("mentor")
    enrolment = parse_enrolment(json.dumps(make_enrolment(sup)).encode())
    accept_enrolment(mentor, enrolment, enrolment.fingerprint, shared_folder=str(drive))
    store.save(other.conn, _contact("Impostor Services", "01632 960999"), author=other.author)
    forged = publish(other, drive)
    assert pick_up(mentor) is None
    assert mentor.get_setting(PROBLEM) == (
        "The organisation's directory could not be updated: one file on the "
        f"shared drive ({forged.name}) is damaged or not signed by your "
        "organisation."
    )
    store.save(sup.conn, _contact("Org Housing Team", "01632 960222"), author=sup.author)
    genuine = publish(sup, drive)
    genuine.write_bytes(genuine.read_bytes().replace(b"Org Housing", b"Imp Housing"))
    assert pick_up(mentor) is None
    assert forged.name in mentor.get_setting(PROBLEM) and genuine.name in mentor.get_setting(PROBLEM)
    assert "2 files on the shared drive" in mentor.get_setting(PROBLEM)
    assert not any(s.record.organisation.startswith("Imp") for s in store.list_records(mentor.conn, "contact"))
    with pytest.raises(BadInput):
        publish(mentor, drive)


def test_the_organisations_retention_periods_reach_mentors_with_the_directory(make_profile, tmp_path):
    from mentor_app.privacy import retention

    sup, mentor, drive = _enrolled(make_profile, tmp_path)
    policy = retention.load_policy(sup)
    policy.years["meeting"], policy.years["concern"], policy.automatic = 2, 10, True
    retention.save_policy(sup, policy)
    publish(sup, drive)
    assert retention.load_policy(mentor).years["meeting"] == 3  # not yet
    pick_up(mentor)
    got = retention.load_policy(mentor)
    assert got.years["meeting"] == 2 and got.years["concern"] == 10 and not got.automatic
    assert got.years["goal"] == 3
    assert retention.automatic_waiting(mentor)  # the mentor is asked first
    retention.confirm_automatic(mentor)
    assert retention.load_policy(mentor).automatic and not retention.automatic_waiting(mentor)
    # Nonsense in a (correctly signed) publication falls back to the defaults, type by type.
    assert retention.from_published({"years": {"meeting": 0, "goal": "5", "concern": 7, "x": 9}}).years == {
        **retention.DEFAULT_YEARS,
        "concern": 7,
    }
    # Safeguarding records are never kept less than 6 years, whatever a publication says.
    assert retention.from_published({"years": {"concern": 2, "risk_assessment": 5, "meeting": 1}}).years == {
        **retention.DEFAULT_YEARS,
        "concern": 6,
        "risk_assessment": 6,
        "meeting": 1,
    }
    assert retention.from_published("nonsense") is None
