"""The supervisor's import: a synthetic organisation of mentors, bad files and all."""

from __future__ import annotations

import json
import random
import shutil
from datetime import date, timedelta

import pytest

from mentor_app.exchange import mentors as register
from mentor_app.exchange.enrolment import accept_enrolment, make_enrolment, parse_enrolment
from mentor_app.exchange.export import device_folder
from mentor_app.exchange.importer import import_folder, quarantine_list
from mentor_app.exchange.keys import device_key
from mentor_app.exchange.trip import trip
from mentor_app.records import store
from mentor_app.records.types import Concern, Consent, Meeting, Mentee, Referral
from mentor_app.reports.figures import Figures, add, mentor_figures, supervisor_figures

TODAY = date.today()


def _name(m: int, i: int) -> str:
    return f"Person{m:02d}x{i:02d} Fictional"


def _week_of_work(rng, p, m: int, week: int, people: list[str]) -> None:
    if week == 0:
        for i in range(rng.randint(2, 4)):
            mid = store.save(p.conn, Mentee(name=_name(m, i), status="active"), author=p.author)
            people.append(mid)
            if rng.random() < 0.6:
                store.save(
                    p.conn, Consent(scope="share_with_organisation", on="2026-01-01"), author=p.author, mentee_id=mid
                )
    day = (TODAY - timedelta(weeks=6 - week)).isoformat()
    for mid in people:
        kind = rng.choice(["one_to_one", "sport", "accompanied"])
        meeting = store.save(
            p.conn,
            Meeting(
                starts_at=f"{day}T10:00",
                kind=kind,
                duration_minutes=rng.choice([30, 60, 90]),
                activity="football" if kind == "sport" else "",
                notes=f"Notes week {week}",
            ),
            author=p.author,
            mentee_id=mid,
        )
        if rng.random() < 0.3:
            store.save(
                p.conn,
                Referral(
                    contact_id="c",
                    organisation="Org",
                    category=rng.choice(["housing", "money"]),
                    on=day,
                    outcome=rng.choice(["made", "attended"]),
                ),
                author=p.author,
                mentee_id=mid,
            )
        if rng.random() < 0.1:
            store.delete(p.conn, meeting, author=p.author)
    if week == 2 and people:
        store.save(
            p.conn,
            Concern(category="risk_from_others", raised_at=f"{day}T12:00", what_happened="Seen with a worrying person"),
            author=p.author,
            mentee_id=people[0],
        )


@pytest.fixture
def organisation(make_profile, tmp_path):
    supervisor, _ = make_profile("supervisor", role="supervisor")
    enrolment = parse_enrolment(json.dumps(make_enrolment(supervisor)).encode())
    drive = tmp_path / "drive"
    drive.mkdir()
    return supervisor, enrolment, drive


def _mentor(make_profile, name, enrolment, drive):
    p, _ = make_profile(name)
    accept_enrolment(p, enrolment, enrolment.fingerprint, shared_folder=str(drive))
    return p


@pytest.mark.slow
def test_synthetic_organisation_imports_to_the_right_counts(make_profile, organisation, tmp_path):
    supervisor, enrolment, drive = organisation
    rng = random.Random(7)
    mentors = [_mentor(make_profile, f"mentor{m}", enrolment, drive) for m in range(10)]
    outsider = _mentor(make_profile, "outsider", enrolment, drive)  # never approved
    people = {m: [] for m in range(10)}
    for week in range(4):
        for m, p in enumerate(mentors):
            _week_of_work(rng, p, m, week, people[m])
            trip(p)
    _week_of_work(rng, outsider, 99, 0, [])
    trip(outsider)

    # Everything arrives at the supervisor's shared folder in a shuffled order, over several imports.
    arriving = tmp_path / "arriving"
    files = sorted(drive.glob("device-*/*.mentorlog"))
    rng.shuffle(files)
    first_batch = {}
    for p in mentors:
        fp = device_key(p).fingerprint
        register.note_device(supervisor.conn, device_key(p).public, p.display_name)
        register.approve(supervisor.conn, fp, f"Mentor {fp[:4]}")
        first_batch[fp] = sorted(device_folder(drive, p).glob("*.mentorlog"))[0]
    revoked = mentors[9]
    register.revoke(supervisor.conn, device_key(revoked).fingerprint)

    summaries = []
    for chunk in (files[:15], files[15:30], files[30:]):
        for f in chunk:
            target = arriving / f.parent.name / f.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(f, target)
        summaries.append(import_folder(supervisor, arriving))
    assert any(s.waiting for s in summaries[:2]), "a gap should have held later batches back"

    # Bad files arrive too.
    good = first_batch[device_key(mentors[0]).fingerprint]
    folder0 = arriving / good.parent.name
    shutil.copy(good, folder0 / (good.stem + " (conflicted copy 2026-11-28).mentorlog"))
    shutil.copy(good, folder0 / "00000001-replayed-old.mentorlog")
    data = good.read_bytes()
    (folder0 / "00000097-truncated.mentorlog").write_bytes(data[: len(data) // 3])
    tampered = bytearray(data)
    tampered[len(tampered) // 2] ^= 0x20
    (folder0 / "00000098-tampered.mentorlog").write_bytes(bytes(tampered))
    again = import_folder(supervisor, arriving)
    assert again.batches_imported == 0 and again.records_applied == 0
    reasons = dict(quarantine_list(supervisor.conn))
    assert "cut short" in reasons["00000097-truncated.mentorlog"]
    assert "changed" in reasons["00000098-tampered.mentorlog"]
    assert any("revoked" in r for r in reasons.values())
    assert any("not yet approved" in r for r in reasons.values())
    outsider_fp = device_key(outsider).fingerprint
    assert not any(outsider_fp in r for r in reasons.values())  # approving needs the one the mentor reads out

    # A second full import changes nothing.
    before = supervisor.conn.execute("SELECT count(*), sum(version) FROM shared_records").fetchone()
    assert import_folder(supervisor, arriving).batches_imported == 0
    assert supervisor.conn.execute("SELECT count(*), sum(version) FROM shared_records").fetchone() == before

    expected = Figures()
    for p in mentors[:9]:
        add(expected, mentor_figures(p.conn))
    assert supervisor_figures(supervisor.conn).as_dict() == expected.as_dict()

    # Identifiable data exists exactly for the mentees who consented.
    names_held = {
        json.loads(f)["name"]
        for (f,) in supervisor.conn.execute(
            "SELECT fields FROM shared_records WHERE type = 'mentee' AND basis = 'consent' AND current = 1"
        )
    }
    from mentor_app.records.consent import consent_in_force

    consenting = {
        s.record.name
        for p in mentors[:9]
        for s in store.list_records(p.conn, "mentee")
        if consent_in_force(p.conn, s.id, "share_with_organisation").in_force
    }
    assert names_held == consenting


def test_withdrawal_removes_identity_and_old_batches_do_not_bring_it_back(make_profile, organisation, tmp_path):
    supervisor, enrolment, drive = organisation
    mentor = _mentor(make_profile, "m", enrolment, drive)
    register.note_device(supervisor.conn, device_key(mentor).public, "M")
    register.approve(supervisor.conn, device_key(mentor).fingerprint, "Mentor M")
    mid = store.save(mentor.conn, Mentee(name="Withdraws Later", status="active"), author=mentor.author)
    store.save(
        mentor.conn, Consent(scope="share_with_organisation", on="2026-01-01"), author=mentor.author, mentee_id=mid
    )
    store.save(
        mentor.conn,
        Meeting(starts_at="2026-11-01T10:00", kind="sport", activity="gym", duration_minutes=60, notes="Private words"),
        author=mentor.author,
        mentee_id=mid,
    )
    trip(mentor)
    import_folder(supervisor, drive)
    held = supervisor.conn.execute("SELECT group_concat(fields) FROM shared_records").fetchone()[0]
    assert "Withdraws Later" in held and "Private words" in held

    store.save(
        mentor.conn,
        Consent(scope="share_with_organisation", given=False, on=TODAY.isoformat()),
        author=mentor.author,
        mentee_id=mid,
    )
    trip(mentor)
    summary = import_folder(supervisor, drive)
    assert summary.withdrawals == 1 and "withdrawal" in summary.words()
    held = supervisor.conn.execute("SELECT group_concat(fields) FROM shared_records").fetchone()[0]
    assert "Withdraws Later" not in held and "Private words" not in held
    assert supervisor_figures(supervisor.conn).sport_minutes == 60  # the counts stay

    # Someone copies the old batch back with a new name, and a fresh supervisor copy imports in the wrong order.
    old = sorted(device_folder(drive, mentor).glob("*.mentorlog"))[0]
    shutil.copy(old, old.parent / "00000001-copy-from-backup.mentorlog")
    assert import_folder(supervisor, drive).batches_imported == 0
    held = supervisor.conn.execute("SELECT group_concat(fields) FROM shared_records").fetchone()[0]
    assert "Withdraws Later" not in held


def test_fork_and_gap_need_a_person(make_profile, organisation, tmp_path):
    supervisor, enrolment, drive = organisation
    mentor = _mentor(make_profile, "m", enrolment, drive)
    register.note_device(supervisor.conn, device_key(mentor).public, "M")
    register.approve(supervisor.conn, device_key(mentor).fingerprint, "Mentor M")
    for n in range(3):
        store.save(mentor.conn, Mentee(name=f"Gap Person {n}"), author=mentor.author)
        trip(mentor)
    files = sorted(device_folder(drive, mentor).glob("*.mentorlog"))
    hidden = files[1].rename(tmp_path / files[1].name)
    summary = import_folder(supervisor, drive)
    assert summary.batches_imported == 1 and summary.waiting and "Waiting for batch 2" in summary.waiting[0][1]
    hidden.rename(files[1])
    assert import_folder(supervisor, drive).batches_imported == 2

    # A restored laptop writes a different batch 4 twice: a fork.
    store.save(mentor.conn, Mentee(name="Fork A"), author=mentor.author)
    trip(mentor)
    fourth = sorted(device_folder(drive, mentor).glob("00000004-*.mentorlog"))[0]
    moved = fourth.rename(tmp_path / fourth.name)
    mentor.conn.execute("DELETE FROM outbox WHERE sequence >= 4")  # as a copy restored from before batch 4 would be
    mentor.set_settings({"exchange.sequence": "3"})
    store.save(mentor.conn, Mentee(name="Fork B"), author=mentor.author)
    trip(mentor)
    moved.rename(fourth)
    summary = import_folder(supervisor, drive)
    assert summary.batches_imported == 0
    assert all("Fork" in reason for _, reason in summary.quarantined) and len(summary.quarantined) == 2


def test_funder_report_has_the_figures_and_no_names(make_profile, organisation, tmp_path):
    import subprocess

    from mentor_app.reports import funder

    supervisor, enrolment, drive = organisation
    mentor = _mentor(make_profile, "m", enrolment, drive)
    register.note_device(supervisor.conn, device_key(mentor).public, "M")
    register.approve(supervisor.conn, device_key(mentor).fingerprint, "Mentor M")
    for i, consent in enumerate((True, False, True)):
        mid = store.save(mentor.conn, Mentee(name=f"Reportname{i} Secret", status="active"), author=mentor.author)
        if consent:
            store.save(
                mentor.conn,
                Consent(scope="share_with_organisation", on="2026-01-01"),
                author=mentor.author,
                mentee_id=mid,
            )
        store.save(
            mentor.conn,
            Meeting(
                starts_at="2026-10-05T10:00",
                kind="sport",
                activity="boxing",
                duration_minutes=45,
                notes=f"Notes{i} secret",
            ),
            author=mentor.author,
            mentee_id=mid,
        )
    trip(mentor)
    import_folder(supervisor, drive)
    figures = supervisor_figures(supervisor.conn, "2026-10", "2026-10")
    assert (figures.people, figures.engaged, figures.sport_sessions, figures.sport_minutes) == (3, 3, 3, 135)
    assert supervisor_figures(supervisor.conn, "2026-11", "2026-12").sport_minutes == 0
    pdf = funder.write_pdf(figures, tmp_path / "report.pdf", organisation="North Project", period="2026-10")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Sport minutes" in text and "135" in text and "North Project" in text
    assert "Reportname" not in text and "secret" not in text.lower()
    rows = tmp_path / "figures.csv"
    funder.write_csv(figures, rows, "2026-10")
    assert "Sport minutes,135" in rows.read_text(encoding="utf-8-sig")


def test_two_changes_from_the_same_version_are_both_kept_as_a_conflict(make_profile):
    from mentor_app.exchange import batch as batch_format
    from mentor_app.exchange.importer import _apply
    from mentor_app.reports.dashboard import conflicts

    sup, _ = make_profile("sup", role="supervisor")

    def record(version, notes):
        fields = {"notes": notes, "kind": "one_to_one", "starts_at": "2026-11-01T10:00"}
        return {
            "id": "m-1",
            "type": "meeting",
            "version": version,
            "base_version": version - 1,
            "basis": "consent",
            "mentee_id": "x",
            "pseudonym": "p-x",
            "fields": fields,
            "content_sha256": batch_format.content_hash(fields),
        }

    with sup.transaction() as conn:
        assert _apply(conn, record(1, "first"), "FP", 1)
        assert _apply(conn, record(2, "laptop A"), "FP", 2)
        assert _apply(conn, record(2, "laptop B"), "FP", 3)
        assert not _apply(conn, record(2, "laptop B"), "FP", 4)  # the same change again: nothing
        register.note_device(conn, b"k" * 32, "M")
    rows = sup.conn.execute("SELECT version, conflict, current FROM shared_records ORDER BY version").fetchall()
    assert rows[0] == (1, 0, 0) and all(r[:2] == (2, 1) for r in rows[1:]) and len(rows) == 3
    assert [c[1:] for c in conflicts(sup.conn)] == [("meeting", 2)]
    from mentor_app.reports.figures import supervisor_figures as figures_of

    assert sum(figures_of(sup.conn).meetings_by_kind.values()) == 1  # the conflict counts once


def test_stopping_an_import_keeps_what_was_done_and_the_next_run_finishes(make_profile, organisation):
    supervisor, enrolment, drive = organisation
    mentor = _mentor(make_profile, "m", enrolment, drive)
    register.note_device(supervisor.conn, device_key(mentor).public, "M")
    register.approve(supervisor.conn, device_key(mentor).fingerprint, "Mentor M")
    for n in range(4):
        store.save(mentor.conn, Mentee(name=f"Stop Person {n}"), author=mentor.author)
        trip(mentor)
    seen = []

    def stop_after_two():
        return len(seen) >= 2

    stopped = import_folder(supervisor, drive, progress=lambda done, total: seen.append(done), cancelled=stop_after_two)
    assert stopped.cancelled and "stopped early" in stopped.words()
    assert stopped.batches_imported == 0  # files are read first; nothing half-applied
    finished = import_folder(supervisor, drive)
    assert finished.batches_imported == 4
    assert supervisor_figures(supervisor.conn).people == 4


@pytest.mark.slow
def test_a_mentee_handed_over_to_another_mentor_is_still_one_person(make_profile, organisation, tmp_path):
    from mentor_app.exchange.handover import HandoverError, make_handover, receive_handover

    supervisor, enrolment, drive = organisation
    first = _mentor(make_profile, "first", enrolment, drive)
    second = _mentor(make_profile, "second", enrolment, drive)
    for p, name in ((first, "First Mentor"), (second, "Second Mentor")):
        register.note_device(supervisor.conn, device_key(p).public, "")
        register.approve(supervisor.conn, device_key(p).fingerprint, name)
    moving = []
    for i, consent in enumerate((True, False)):
        mid = store.save(first.conn, Mentee(name=f"Moving Person {i}", status="active"), author=first.author)
        if consent:
            store.save(
                first.conn,
                Consent(scope="share_with_organisation", on="2026-01-01"),
                author=first.author,
                mentee_id=mid,
            )
        store.save(
            first.conn,
            Meeting(starts_at="2026-11-02T10:00", kind="sport", activity="gym", duration_minutes=30),
            author=first.author,
            mentee_id=mid,
        )
        moving.append(mid)
    trip(first)
    import_folder(supervisor, drive)
    assert supervisor_figures(supervisor.conn).people == 2

    codes = [make_handover(first, mid, tmp_path / f"handover-{i}.mentorhandover") for i, mid in enumerate(moving)]
    assert store.list_records(first.conn, "mentee") == []
    with pytest.raises(HandoverError):
        receive_handover(second, tmp_path / "handover-0.mentorhandover", "22222-33333-44444-55555-66666")
    names = [
        receive_handover(second, tmp_path / f"handover-{i}.mentorhandover", code.lower())
        for i, code in enumerate(codes)
    ]
    assert names == ["Moving Person 0", "Moving Person 1"]
    for mid in moving:
        store.save(
            second.conn, Meeting(starts_at="2026-11-20T10:00", kind="one_to_one"), author=second.author, mentee_id=mid
        )
    trip(first)
    trip(second)
    summary = import_folder(supervisor, drive)
    assert summary.withdrawals == 0
    figures = supervisor_figures(supervisor.conn)
    assert figures.people == 2  # the same two people, not four
    assert sum(figures.meetings_by_kind.values()) == 4
    held = supervisor.conn.execute("SELECT group_concat(fields) FROM shared_records WHERE current = 1").fetchone()[0]
    assert "Moving Person 0" in held and "Moving Person 1" not in held


def test_weekly_activity_and_not_seen_counts_include_everyone(make_profile, organisation):
    from mentor_app.records.types import MentorLog
    from mentor_app.reports.dashboard import caseload_by_mentor, weekly_activity

    supervisor, enrolment, drive = organisation
    mentor = _mentor(make_profile, "m", enrolment, drive)
    register.note_device(supervisor.conn, device_key(mentor).public, "")
    register.approve(supervisor.conn, device_key(mentor).fingerprint, "Mentor M")
    today = date(2026, 11, 26)  # a Thursday
    seen = store.save(mentor.conn, Mentee(name="Seen Lately", status="active"), author=mentor.author)
    store.save(
        mentor.conn, Consent(scope="share_with_organisation", on="2026-01-01"), author=mentor.author, mentee_id=seen
    )
    quiet = store.save(mentor.conn, Mentee(name="Not Consenting", status="active"), author=mentor.author)
    for mid, day, kind in (
        (seen, "2026-11-24", "sport"),
        (quiet, "2026-11-25", "sport"),
        (quiet, "2026-10-20", "one_to_one"),
        (seen, "2026-11-17", "did_not_attend"),
    ):
        store.save(
            mentor.conn,
            Meeting(
                starts_at=f"{day}T10:00", kind=kind, duration_minutes=60, activity="gym" if kind == "sport" else ""
            ),
            author=mentor.author,
            mentee_id=mid,
        )
    store.save(mentor.conn, MentorLog(on="2026-11-23", hours=7), author=mentor.author)
    trip(mentor)
    import_folder(supervisor, drive)
    weeks = {w: (m, s, h) for w, m, s, h in weekly_activity(supervisor.conn, weeks=6, today=today)}
    assert weeks["2026-11-23"] == (2, 120, 7.0)  # both people's sport, consenting or not; the log
    assert weeks["2026-11-16"] == (1, 0, 0.0)
    assert weeks["2026-10-19"] == (1, 0, 0.0)
    [row] = caseload_by_mentor(supervisor.conn, today=date(2026, 12, 20))
    assert (row.mentor, row.people, row.active, row.not_seen_14, row.not_seen_28) == ("Mentor M", 2, 2, 2, 0)


def test_figures_see_an_import_made_on_another_connection(make_profile, organisation):
    supervisor, enrolment, drive = organisation
    mentor = _mentor(make_profile, "m", enrolment, drive)
    register.note_device(supervisor.conn, device_key(mentor).public, "")
    register.approve(supervisor.conn, device_key(mentor).fingerprint, "Mentor M")
    assert supervisor_figures(supervisor.conn).people == 0
    store.save(mentor.conn, Mentee(name="Late Arrival"), author=mentor.author)
    trip(mentor)
    with supervisor.second_connection() as view:  # as the window's import does, on its own thread
        import_folder(view, drive)
    assert supervisor_figures(supervisor.conn).people == 1
