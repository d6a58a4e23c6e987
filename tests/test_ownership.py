"""Only the device that holds a person changes their records at the supervisor; hand-overs move that openly."""

from __future__ import annotations

import json

import pytest
from pyrage import x25519

from mentor_app.exchange import batch as batch_format
from mentor_app.exchange import mentors as register
from mentor_app.exchange.enrolment import accept_enrolment, make_enrolment, parse_enrolment
from mentor_app.exchange.export import device_folder
from mentor_app.exchange.handover import HandoverError, make_handover, receive_handover
from mentor_app.exchange.importer import import_folder, quarantine_list
from mentor_app.exchange.keys import device_key, organisation_keys
from mentor_app.exchange.trip import trip
from mentor_app.records import store
from mentor_app.records.types import Concern, Consent, Meeting, Mentee
from mentor_app.reports.figures import supervisor_figures


@pytest.fixture
def org(make_profile, tmp_path):
    supervisor, _ = make_profile("supervisor", role="supervisor")
    enrolment = parse_enrolment(json.dumps(make_enrolment(supervisor)).encode())
    drive = tmp_path / "drive"
    drive.mkdir()

    def mentor(name: str):
        p, _ = make_profile(name)
        accept_enrolment(p, enrolment, enrolment.fingerprint, shared_folder=str(drive))
        register.note_device(supervisor.conn, device_key(p).public, name)
        register.approve(supervisor.conn, device_key(p).fingerprint, name.title())
        return p

    return supervisor, drive, mentor


def _person(p, name: str) -> str:
    mid = store.save(p.conn, Mentee(name=name, status="active"), author=p.author)
    store.save(p.conn, Consent(scope="share_with_organisation", on="2026-01-01"), author=p.author, mentee_id=mid)
    store.save(
        p.conn,
        Meeting(
            starts_at="2026-11-02T10:00",
            kind="sport",
            activity="gym",
            duration_minutes=30,
            notes=f"Real note about {name}",
        ),
        author=p.author,
        mentee_id=mid,
    )
    store.save(
        p.conn,
        Concern(category="exploitation", raised_at="2026-11-02T11:00", what_happened=f"Real concern about {name}"),
        author=p.author,
        mentee_id=mid,
    )
    return mid


def _held(supervisor) -> list:
    tables = ("shared_records", "supervisor_notes", "withdrawals", "holders")
    return [sorted(map(repr, supervisor.conn.execute(f"SELECT * FROM {t}"))) for t in tables]


def _record(rtype: str, rid: str, fields: dict, **extra) -> dict:
    r = {
        "id": rid,
        "type": rtype,
        "version": extra.pop("version", 9),
        "base_version": 8,
        "basis": extra.pop("basis", "consent"),
        "fields": fields,
        **extra,
    }
    r["content_sha256"] = batch_format.content_hash(fields)
    return r


def test_another_approved_device_can_change_nothing_of_a_person_it_does_not_hold(org):
    supervisor, drive, mentor = org
    alice, mallory = mentor("alice"), mentor("mallory")
    mid = _person(alice, "Held By Alice")
    meeting = store.list_records(alice.conn, "meeting", mentee_id=mid)[0].id
    concern = store.list_records(alice.conn, "concern", mentee_id=mid)[0].id
    trip(alice)
    import_folder(supervisor, drive)
    supervisor.conn.execute(
        "INSERT INTO supervisor_notes(record_id, at, action, author) VALUES (?, ?, ?, ?)",
        (concern, "2026-11-03T09:00", "Rang the safeguarding lead", "sup"),
    )
    before = _held(supervisor)

    # Mallory knows the ids (they were in a hand-over file, a subject access copy, an audit CSV).
    forged = [
        _record("meeting", meeting, {}, basis="tombstone", deleted=True),
        _record(
            "meeting",
            meeting,
            {"notes": "Invented words", "kind": "one_to_one"},
            version=10,
            basis="safeguarding",
            mentee_id=mid,
        ),
        _record(
            "erasure", f"erasure-{mid}", {"records": [meeting, concern]}, version=1, basis="erasure", mentee_id=mid
        ),
        _record("withdrawal", f"withdrawal-{mid}", {}, version=1, basis="withdrawal", mentee_id=mid),
        _record(
            "meeting", "mallory-new", {"notes": "A made-up meeting", "kind": "one_to_one"}, version=1, mentee_id=mid
        ),
    ]
    ids, _ = organisation_keys(supervisor)
    data = batch_format.seal(
        records=forged,
        sequence=1,
        batch_id="forged",
        previous_hash="",
        created_at="2026-11-04T10:00:00",
        device_key=device_key(mallory),
        mentor_name="Mallory",
        recipients=[str(x25519.Identity.from_str(ids[0]).to_public())],
    )
    folder = device_folder(drive, mallory)
    folder.mkdir()
    (folder / "00000001-forged.mentorlog").write_bytes(data)
    summary = import_folder(supervisor, drive)
    assert summary.batches_imported == 1 and summary.records_applied == 0
    assert len(summary.refused) == len(forged)
    assert all("doesn't hold this person" in why for _, why in summary.refused)
    assert _held(supervisor) == before  # nothing of Alice's person, notes or counts changed
    listed = [why for name, why in quarantine_list(supervisor.conn) if name.startswith("batch 1 from device")]
    assert len(listed) == len(forged)

    # Alice, who holds them, still can.
    store.save(alice.conn, Meeting(starts_at="2026-11-05T10:00", kind="one_to_one"), author=alice.author, mentee_id=mid)
    trip(alice)
    assert import_folder(supervisor, drive).refused == []


@pytest.mark.slow
def test_a_hand_over_moves_the_person_once_and_a_replayed_file_is_refused(org, tmp_path):
    supervisor, drive, mentor = org
    first, second, third = mentor("first"), mentor("second"), mentor("third")
    mid = _person(first, "Moving On")
    trip(first)
    import_folder(supervisor, drive)
    code = make_handover(first, mid, tmp_path / "person.mentorhandover")
    assert receive_handover(second, tmp_path / "person.mentorhandover", code) == "Moving On"
    # The same file a second time, on the same laptop: refused, nothing changes.
    store.delete(second.conn, mid, author=second.author)
    with pytest.raises(HandoverError, match="already taken in"):
        receive_handover(second, tmp_path / "person.mentorhandover", code)
    store_count = len(store.list_records(second.conn, "mentee"))
    assert store_count == 0
    # Put the person back for the test's sake as the second mentor had them.
    second_profile_has = receive_handover(third, tmp_path / "person.mentorhandover", code)  # a copy given twice
    assert second_profile_has == "Moving On"
    trip(first)  # announces the hand-over
    trip(third)  # claims it with the token from the file
    import_folder(supervisor, drive)
    trip(second)  # claims it too, later: the supervisor takes a hand-over in once
    summary = import_folder(supervisor, drive)
    refused = [why for _, why in summary.refused]
    assert any("already taken in by another device" in why for why in refused)
    holder = {fp for (fp,) in supervisor.conn.execute("SELECT fingerprint FROM holders WHERE key = ?", ("m:" + mid,))}
    assert holder == {device_key(third).fingerprint}
    # The new holder's changes arrive; the old holder's no longer would.
    store.save(
        third.conn,
        Meeting(starts_at="2026-11-20T10:00", kind="one_to_one", notes="With the new mentor"),
        author=third.author,
        mentee_id=mid,
    )
    trip(third)
    assert import_folder(supervisor, drive).refused == []
    held = supervisor.conn.execute("SELECT group_concat(fields) FROM shared_records").fetchone()[0]
    assert "With the new mentor" in held
    assert supervisor_figures(supervisor.conn).people == 1  # one person throughout


def test_a_mentor_alone_never_removes_a_concern_or_the_supervisors_notes(org):
    from mentor_app.exchange import requests
    from mentor_app.privacy.erasure import erase_mentee
    from mentor_app.reports import dashboard

    supervisor, drive, mentor = org
    alice = mentor("alice")
    kept_id = _person(alice, "Asked To Delete")
    erased_id = _person(alice, "Asked To Erase")
    trip(alice)
    import_folder(supervisor, drive)
    concern_of = {mid: store.list_records(alice.conn, "concern", mentee_id=mid)[0].id for mid in (kept_id, erased_id)}
    for cid in concern_of.values():
        dashboard.acknowledge(supervisor.conn, cid, "Spoke to the safeguarding lead", "Sup")

    store.delete(alice.conn, concern_of[kept_id], author=alice.author)
    erase_mentee(alice, erased_id, "The person asked")
    trip(alice)
    import_folder(supervisor, drive)
    assert requests.pending(supervisor.conn) == {concern_of[kept_id]: "delete", concern_of[erased_id]: "erase"}
    shown = {r.record_id: r.deletion_requested for r in dashboard.concerns(supervisor.conn)}
    assert shown == {concern_of[kept_id]: "delete", concern_of[erased_id]: "erase"}  # acknowledged, yet shown
    held = supervisor.conn.execute("SELECT group_concat(fields) FROM shared_records").fetchone()[0]
    assert "Real concern about Asked To Erase" in held and "Real note about Asked To Erase" not in held
    notes = {r[0] for r in supervisor.conn.execute("SELECT record_id FROM supervisor_notes")}
    assert set(concern_of.values()) <= notes

    with pytest.raises(Exception, match="why"):
        requests.decide(supervisor.conn, concern_of[kept_id], False, "", "Sup")
    requests.decide(supervisor.conn, concern_of[kept_id], False, "Needed for the review in January", "Sup")
    requests.decide(supervisor.conn, concern_of[erased_id], True, "", "Sup")
    assert requests.pending(supervisor.conn) == {}
    held = supervisor.conn.execute("SELECT group_concat(fields) FROM shared_records").fetchone()[0]
    assert "Real concern about Asked To Delete" in held and "Asked To Erase" not in held
    notes = {r[0] for r in supervisor.conn.execute("SELECT record_id FROM supervisor_notes")}
    assert concern_of[kept_id] in notes and concern_of[erased_id] not in notes
    trail = [
        r[0]
        for r in supervisor.conn.execute("SELECT detail FROM audit_log WHERE action = 'deletion_decided' ORDER BY seq")
    ]
    assert "kept" in trail[0] and "review in January" in trail[0] and "erased as the mentor asked" in trail[1]


def _rows(conn) -> list[str]:
    """Every row of every table, as text."""
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return [f"{t}: {row!r}" for t in tables for row in conn.execute(f'SELECT * FROM "{t}"')]


def test_after_a_withdrawal_nothing_joins_the_counts_to_the_person_and_consent_again_brings_them_back(org):
    from datetime import date, timedelta

    from mentor_app.exchange.keys import pseudonym_secret
    from mentor_app.exchange.policy import PSEUDONYM_OVERRIDE, pseudonym

    supervisor, drive, mentor = org
    alice = mentor("alice")
    mid = _person(alice, "Withdraws Consent")
    store.save(
        alice.conn,
        Meeting(starts_at="2026-11-09T10:00", kind="one_to_one", duration_minutes=45, notes="Second private note"),
        author=alice.author,
        mentee_id=mid,
    )
    trip(alice)
    import_folder(supervisor, drive)
    before = supervisor_figures(supervisor.conn)
    old_pseudonym = pseudonym(pseudonym_secret(alice), mid)

    yesterday = (date.today() - timedelta(days=1)).isoformat()
    store.save(
        alice.conn,
        Consent(scope="share_with_organisation", given=False, on=yesterday),
        author=alice.author,
        mentee_id=mid,
    )
    trip(alice)
    assert import_folder(supervisor, drive).withdrawals == 1
    new_pseudonym = alice.get_setting(PSEUDONYM_OVERRIDE + mid)
    assert new_pseudonym and new_pseudonym != old_pseudonym  # the mentor's app counts them anew from here

    rows = _rows(supervisor.conn)
    assert [row for row in rows if old_pseudonym in row] == []
    stripped = [
        r[0] for r in supervisor.conn.execute("SELECT id FROM shared_records WHERE pseudonym = ?", (new_pseudonym,))
    ]
    assert len(stripped) >= 3  # the person and both meetings, still counted
    linking = [
        row
        for row in rows
        if (mid in row or "Withdraws Consent" in row) and (new_pseudonym in row or any(rid in row for rid in stripped))
    ]
    assert linking == []
    assert "Real concern about Withdraws Consent" in "".join(rows)  # safeguarding keeps the name
    after = supervisor_figures(supervisor.conn)
    assert (after.people, after.meetings_by_kind, after.sport_minutes) == (
        before.people,
        before.meetings_by_kind,
        before.sport_minutes,
    )

    # Consent given again: the next batch brings the person back in full, counted once.
    store.save(
        alice.conn,
        Consent(scope="share_with_organisation", on=date.today().isoformat()),
        author=alice.author,
        mentee_id=mid,
    )
    trip(alice)
    import_folder(supervisor, drive)
    held = supervisor.conn.execute(
        "SELECT group_concat(fields) FROM shared_records WHERE current = 1 AND basis = 'consent'"
    ).fetchone()[0]
    assert "Withdraws Consent" in held and "Second private note" in held
    again = supervisor_figures(supervisor.conn)
    assert (again.people, again.meetings_by_kind) == (before.people, before.meetings_by_kind)
    assert supervisor.conn.execute("SELECT count(*) FROM shared_records WHERE conflict = 1").fetchone()[0] == 0


@pytest.mark.slow
def test_withdrawals_and_erasures_reach_every_supervisor_backup(org):
    from datetime import date, timedelta
    from time import sleep

    from mentor_app.exchange import requests
    from mentor_app.exchange.keys import pseudonym_secret
    from mentor_app.exchange.policy import pseudonym
    from mentor_app.privacy.erasure import after_import, erase_mentee, reach_supervisor_backups
    from mentor_app.reports import dashboard
    from mentor_app.storage import backups, db

    supervisor, drive, mentor = org
    alice = mentor("alice")
    withdrawn = _person(alice, "Zebedee Withdraws")
    erased = _person(alice, "Yolanda Erased")
    old = {mid: pseudonym(pseudonym_secret(alice), mid) for mid in (withdrawn, erased)}
    trip(alice)
    import_folder(supervisor, drive)
    erased_concern = store.list_records(alice.conn, "concern", mentee_id=erased)[0].id
    dashboard.acknowledge(supervisor.conn, erased_concern, "Told the lead about Yolanda Erased", "Sup")
    supervisor.conn.execute(
        "INSERT INTO supervisor_notes(record_id, at, action, author) VALUES (?, ?, ?, ?)",
        (erased, "2026-11-03T10:00", "Called Yolanda Erased's probation officer", "Sup"),
    )
    for _ in range(3):
        supervisor.backup_now()
        sleep(1.1)  # one backup a second at most, by name
    held_before = [b.path for b in backups.list_backups(supervisor.path)]
    assert len(held_before) >= 3

    yesterday = (date.today() - timedelta(days=1)).isoformat()
    store.save(
        alice.conn,
        Consent(scope="share_with_organisation", given=False, on=yesterday),
        author=alice.author,
        mentee_id=withdrawn,
    )
    erase_mentee(alice, erased, "Their written request")
    trip(alice)
    summary = import_folder(supervisor, drive)
    result = after_import(supervisor, summary)
    assert result.rewritten == len(held_before) and result.not_rewritten == []
    # The concern about the erased person waits for the supervisor; once erased, the backups follow.
    requests.decide(supervisor.conn, erased_concern, True, "", "Sup")
    reach_supervisor_backups(supervisor, {erased_concern}, {erased}, set())

    for path in held_before:
        check = db.connect(path, supervisor.key, readonly=True)
        try:
            rows = _rows(check)
        finally:
            check.close()
        text = "\n".join(rows)
        assert [r for r in rows if "Yolanda Erased" in r or old[erased] in r] == []
        # Its id stays only in the audit trail, which holds ids and never names (append-only by design).
        assert [r for r in rows if erased in r and not r.startswith("audit_log: ")] == []
        assert old[withdrawn] not in text  # the withdrawn person's old pseudonym is gone
        assert "Real note about Zebedee Withdraws" not in text
        assert "Real concern about Zebedee Withdraws" in text  # safeguarding keeps the name
        fresh = alice.get_setting("exchange.pseudonym." + withdrawn)
        assert [r for r in rows if fresh in r and (withdrawn in r or "Zebedee" in r)] == []
        # What still carries the withdrawn person's id is safeguarding, who holds them, and the audit trail.
        assert {r.split(":")[0] for r in rows if withdrawn in r} <= {
            "shared_records",
            "holders",
            "withdrawals",
            "audit_log",
        }
        assert all("'concern'" in r for r in rows if withdrawn in r and r.startswith("shared_records"))
