"""The record layer without Qt: versions, tombstones, consent in force, search."""

from __future__ import annotations

from datetime import date

import pytest

from mentor_app.errors import BadInput
from mentor_app.records import caseload, store
from mentor_app.records.consent import consent_in_force, consent_summary
from mentor_app.records.search import search
from mentor_app.records.types import Action, Concern, Consent, Meeting, Mentee, NeedsCheck


@pytest.fixture
def profile(make_profile):
    p, _ = make_profile()
    return p


def _mentee(p, name="Jordan Reeve", **kw):
    return store.save(p.conn, Mentee(name=name, **kw), author=p.author)


def test_records_get_ids_versions_and_change_numbers(profile):
    mid = _mentee(profile)
    first = store.get(profile.conn, mid)
    assert first.version == 1 and first.author == profile.author
    assert len(mid) == 36  # a UUID made on this laptop
    store.save(profile.conn, Mentee(name="Jordan Reeve", status="active"), author=profile.author, record_id=mid)
    second = store.get(profile.conn, mid)
    assert second.version == 2 and second.record.status == "active"
    assert second.change_seq > first.change_seq
    assert second.created_at == first.created_at


def test_deleting_a_mentee_leaves_tombstones_for_them_and_their_records(profile):
    mid = _mentee(profile)
    meeting = store.save(
        profile.conn,
        Meeting(starts_at="2026-11-20T10:00", notes="talked about housing"),
        author=profile.author,
        mentee_id=mid,
    )
    seq = store.get(profile.conn, meeting).change_seq
    assert set(store.delete(profile.conn, mid, author=profile.author)) == {mid, meeting}
    assert store.get(profile.conn, mid) is None
    tomb = store.get(profile.conn, meeting, include_deleted=True)
    assert tomb.deleted and tomb.record is None and tomb.version == 2
    assert "housing" not in str(profile.conn.execute("SELECT data FROM records WHERE id = ?", (meeting,)).fetchone())
    changed = store.changes_since(profile.conn, seq)
    assert {c.id for c in changed} == {mid, meeting} and all(c.deleted for c in changed)
    assert search(profile.conn, "housing") == []


def test_bad_input_is_refused_with_the_field_named(profile):
    with pytest.raises(BadInput, match="Name or alias: this needs filling in"):
        store.save(profile.conn, Mentee(name="  "), author=profile.author)
    mid = _mentee(profile)
    with pytest.raises(BadInput, match="Date and time"):
        store.save(profile.conn, Meeting(starts_at="next tuesday"), author=profile.author, mentee_id=mid)
    with pytest.raises(BadInput, match="choose who this is about"):
        store.save(profile.conn, Meeting(starts_at="2026-11-20T10:00"), author=profile.author)
    with pytest.raises(BadInput, match="scored from 1 to 5"):
        store.save(
            profile.conn, NeedsCheck(on="2026-11-20", scores={"accommodation": 9}), author=profile.author, mentee_id=mid
        )
    assert [s.type for s in store.changes_since(profile.conn, 0)] == ["mentee"]


def test_consent_in_force_follows_the_history(profile):
    mid = _mentee(profile)
    c = profile.conn

    def record(scope, given, on, **kw):
        store.save(c, Consent(scope=scope, given=given, on=on, **kw), author=profile.author, mentee_id=mid)

    assert not consent_in_force(c, mid, "share_with_organisation", date(2026, 1, 1)).in_force
    record("share_with_organisation", True, "2026-02-01", method="written")
    record("share_with_organisation", False, "2026-06-01")
    record("share_with_organisation", True, "2026-09-01", expires="2026-12-31")
    check = lambda d: consent_in_force(c, mid, "share_with_organisation", date.fromisoformat(d)).in_force  # noqa: E731
    assert [
        check(d)
        for d in ("2026-01-31", "2026-02-01", "2026-05-31", "2026-06-01", "2026-09-02", "2026-12-31", "2027-01-01")
    ] == [False, True, True, False, True, True, False]
    assert "expired" in consent_in_force(c, mid, "share_with_organisation", date(2027, 1, 1)).words()

    record("share_with_partner", True, "2026-03-01", partner="Step Forward Housing")
    assert consent_in_force(c, mid, "share_with_partner", date(2026, 4, 1), "step forward housing").in_force
    assert not consent_in_force(c, mid, "share_with_partner", date(2026, 4, 1), "Other Org").in_force
    words = [s.words() for s in consent_summary(c, mid, date(2026, 4, 1))]
    assert any("Step Forward Housing" in w and "yes" in w for w in words)
    assert any(w.startswith("To be mentored") and "not asked yet" in w for w in words)


def test_search_finds_names_notes_actions_and_concerns_accents_ignored(profile):
    mid = _mentee(profile, name="Zoë Kowalczyk")
    store.save(
        profile.conn,
        Meeting(starts_at="2026-11-20T10:00", notes="Went with her to the Jobcentre"),
        author=profile.author,
        mentee_id=mid,
    )
    store.save(
        profile.conn,
        Action(text="Bring birth certificate to the bank", due="2026-11-30"),
        author=profile.author,
        mentee_id=mid,
    )
    store.save(
        profile.conn,
        Concern(
            category="exploitation",
            raised_at="2026-11-21T09:00",
            what_happened="Mentioned being asked to carry parcels",
        ),
        author=profile.author,
        mentee_id=mid,
    )
    assert [h.type for h in search(profile.conn, "zoe")] == ["mentee"]
    assert [h.type for h in search(profile.conn, "jobc")] == ["meeting"]
    assert [h.type for h in search(profile.conn, "certificate bank")] == ["action"]
    hits = search(profile.conn, "parcels")
    assert hits[0].type == "concern" and hits[0].mentee_id == mid and "parcels" in hits[0].snippet
    assert search(profile.conn, '"; DROP TABLE records; --') == []
    assert search(profile.conn, "   ") == []


def test_search_follows_edits_and_deletions_and_survives_a_backup_round_trip(profile):
    mid = _mentee(profile, name="Casey Lindqvist")
    first = store.save(
        profile.conn,
        Meeting(starts_at="2026-11-20T10:00", notes="Talked about the allotment"),
        author=profile.author,
        mentee_id=mid,
    )
    other = store.save(
        profile.conn,
        Meeting(starts_at="2026-11-21T10:00", notes="Allotment again, and the bus"),
        author=profile.author,
        mentee_id=mid,
    )
    backup = profile.backup_now()
    store.delete(profile.conn, other, author=profile.author)
    profile.restore(backup)  # the copy holds both meetings: its index must still match its records
    store.save(
        profile.conn,
        Meeting(starts_at="2026-11-20T10:00", notes="Talked about the library"),
        author=profile.author,
        mentee_id=mid,
        record_id=first,
    )
    assert [h.record_id for h in search(profile.conn, "allotment")] == [other]
    assert [h.record_id for h in search(profile.conn, "library")] == [first]
    store.delete(profile.conn, mid, author=profile.author)  # the person and everything about them
    assert search(profile.conn, "allotment") == [] and search(profile.conn, "casey") == []


def test_caseload_filters(profile):
    today = date(2026, 11, 28)
    seen = _mentee(profile, name="Seen Recently", status="active")
    stale = _mentee(profile, name="Not Seen", status="active", safety_flag=True)
    store.save(profile.conn, Meeting(starts_at="2026-11-25T10:00"), author=profile.author, mentee_id=seen)
    store.save(profile.conn, Meeting(starts_at="2026-10-01T10:00"), author=profile.author, mentee_id=stale)
    store.save(
        profile.conn,
        Meeting(starts_at="2026-11-27T10:00", kind="did_not_attend"),
        author=profile.author,
        mentee_id=stale,
    )
    store.save(profile.conn, Action(text="Call housing", due="2026-11-27"), author=profile.author, mentee_id=seen)
    store.save(profile.conn, Action(text="Later", due="2026-12-27"), author=profile.author, mentee_id=stale)
    rows = {r.name: r for r in caseload.caseload(profile.conn, today)}
    pick = lambda f: {n for n, r in rows.items() if caseload.matches(r, f, today)}  # noqa: E731
    assert pick("not_seen") == {"Not Seen"}
    assert pick("actions_due") == {"Seen Recently"}
    assert pick("safety") == {"Not Seen"}
    assert rows["Not Seen"].last_seen == "2026-10-01"


def test_a_damaged_json_setting_reads_as_empty_instead_of_stopping_the_app(make_profile, caplog):
    profile, _ = make_profile()
    profile.set_settings({"exchange.key_rotations": "{not json", "exchange.bad_key_rotations": '{"a": 1}'})
    assert profile.get_json("exchange.key_rotations", []) == []
    assert profile.get_json("exchange.bad_key_rotations", []) == []  # JSON, but not the list the app wrote
    assert profile.get_json("never.set", {}) == {}
    profile.set_setting("exchange.key_rotations", '[{"format": "x"}]')
    assert profile.get_json("exchange.key_rotations", []) == [{"format": "x"}]
    assert "not what the app wrote" in caplog.text and "not json" not in caplog.text  # the value itself never logged
