"""A supervisor's data comes out: `mentor-app dump` and `mentor-app mentees` on real imported batches."""

from __future__ import annotations

import json
import re
import stat
from datetime import date, timedelta

import pytest
from conftest import NO_KEYRING, PASSPHRASE, run_cli

from mentor_app.exchange import mentors as register
from mentor_app.exchange.enrolment import accept_enrolment, make_enrolment, parse_enrolment
from mentor_app.exchange.importer import import_folder
from mentor_app.exchange.keys import device_key
from mentor_app.exchange.trip import trip
from mentor_app.privacy.erasure import erase_mentee
from mentor_app.records import store
from mentor_app.records.types import Concern, Consent, Meeting, Mentee, MentorLog, NeedsCheck, Referral
from mentor_app.reports.dashboard import acknowledge

NO_KR = {"PYTHON_KEYRING_BACKEND": NO_KEYRING}
TODAY = date.today()
DAY = (TODAY - timedelta(days=3)).isoformat()
LINE = re.compile(r"^(\S+)  (.+)  \((.*)\)$")


def _cli(path, *args):
    return run_cli("--profile", str(path), *args, "--passphrase-stdin", input=PASSPHRASE + "\n", env=NO_KR)


def _person(p, name, consent=True):
    mid = store.save(p.conn, Mentee(name=name, status="active"), author=p.author)
    if consent:
        store.save(
            p.conn,
            Consent(scope="share_with_organisation", given=True, on="2026-01-01"),
            author=p.author,
            mentee_id=mid,
        )
    return mid


def _meeting(p, mid, notes):
    return store.save(
        p.conn,
        Meeting(starts_at=f"{DAY}T10:00", kind="sport", activity="football", duration_minutes=60, notes=notes),
        author=p.author,
        mentee_id=mid,
    )


@pytest.fixture
def organisation(make_profile, tmp_path):
    """A supervisor that imported batches from two mentors: consent, safeguarding, counts, a withdrawal, an erasure."""
    sup, _ = make_profile("supervisor", role="supervisor")
    enrolment = parse_enrolment(json.dumps(make_enrolment(sup)).encode())
    drive = tmp_path / "drive"
    drive.mkdir()
    a, _ = make_profile("mentor-a")
    b, _ = make_profile("mentor-b")
    for mentor, name in ((a, "Mentor A"), (b, "Mentor B")):
        accept_enrolment(mentor, enrolment, enrolment.fingerprint, shared_folder=str(drive))
        register.note_device(sup.conn, device_key(mentor).public, "")
        register.approve(sup.conn, device_key(mentor).fingerprint, name)
    ids = {
        "ada": _person(a, "Ada Consents"),
        "ben": _person(a, "Ben Noconsent", consent=False),
        "cal": _person(a, "Cal Withdraws"),
        "dee": _person(b, "Dee Consents"),
        "eve": _person(b, "Eve Erased"),
        "fay": _person(b, "Fay Erased"),
    }
    ada_meeting = _meeting(a, ids["ada"], "Ada first words")
    store.save(
        a.conn,
        Referral(contact_id="c", organisation="Housing Org", category="housing", on=DAY, reason="Ada needs a flat"),
        author=a.author,
        mentee_id=ids["ada"],
    )
    ada_concern = store.save(
        a.conn,
        Concern(category="exploitation", raised_at=f"{DAY}T12:00", what_happened="Ada was followed"),
        author=a.author,
        mentee_id=ids["ada"],
    )
    _meeting(a, ids["ben"], "Ben private words")
    store.save(
        a.conn,
        Concern(category="risk_to_self", raised_at=f"{DAY}T13:00", what_happened="Ben spoke of harm"),
        author=a.author,
        mentee_id=ids["ben"],
    )
    _meeting(a, ids["cal"], "Cal private words")
    _meeting(b, ids["dee"], "Dee private words")
    store.save(
        b.conn,
        NeedsCheck(on=DAY, scores={"accommodation": 3}, notes={"accommodation": "Dee sofa"}),
        author=b.author,
        mentee_id=ids["dee"],
    )
    _meeting(b, ids["eve"], "Eve private words")
    _meeting(b, ids["fay"], "Fay private words")
    fay_concern = store.save(
        b.conn,
        Concern(category="domestic_abuse", raised_at=f"{DAY}T14:00", what_happened="Fay was hurt"),
        author=b.author,
        mentee_id=ids["fay"],
    )
    store.save(b.conn, MentorLog(on=DAY, hours=5), author=b.author)
    trip(a)
    trip(b)
    import_folder(sup, drive)
    acknowledge(sup.conn, ada_concern, "Phoned the police and the mentor", "Sup Visor")

    # Later: Ada's meeting is changed, Cal withdraws consent, Eve is erased on request.
    _meeting_changed = Meeting(
        starts_at=f"{DAY}T10:00", kind="sport", activity="football", duration_minutes=90, notes="Ada second words"
    )
    store.save(a.conn, _meeting_changed, author=a.author, mentee_id=ids["ada"], record_id=ada_meeting)
    store.save(
        a.conn,
        Consent(scope="share_with_organisation", given=False, on=TODAY.isoformat()),
        author=a.author,
        mentee_id=ids["cal"],
    )
    erase_mentee(b, ids["eve"], "their request of today")
    erase_mentee(b, ids["fay"], "their request of today")  # her concern waits for the supervisor's decision
    trip(a)
    trip(b)
    import_folder(sup, drive)
    held = {
        "records": sup.conn.execute("SELECT id, version, basis, fingerprint, current FROM shared_records").fetchall(),
        "batches": sup.conn.execute("SELECT count(*) FROM imported_batches").fetchone()[0],
        "fingerprints": {"Mentor A": device_key(a).fingerprint, "Mentor B": device_key(b).fingerprint},
    }
    paths = {"supervisor": sup.path, "a": a.path}
    for p in (sup, a, b):
        p.close()  # the command opens the profile itself
    return paths, ids, held, {"ada_meeting": ada_meeting, "ada_concern": ada_concern, "fay_concern": fay_concern}


def test_a_supervisors_dump_holds_every_shared_record_note_and_device(organisation, tmp_path):
    paths, ids, held, made = organisation
    out = tmp_path / "everything.json"
    result = _cli(paths["supervisor"], "dump", "-o", str(out))
    assert result.returncode == 0, result.stderr
    said = result.stdout
    assert said.startswith("Wrote every record this profile holds: ")
    assert "from 2 mentors" in said and "1 supervisor note" in said and "2 mentor devices" in said
    assert "NOT encrypted" in said and str(out) in said
    assert not any(name in said for name in ("Ada Consents", "Ben Noconsent", "Dee Consents"))  # counts, no names
    assert stat.S_IMODE(out.stat().st_mode) & 0o077 == 0
    text = out.read_text(encoding="utf-8")
    data = json.loads(text)
    assert data["format"] == "mentor-app-dump" and data["format_version"] == 3
    assert data["profile"]["role"] == "supervisor"
    assert data["records"]["contact"]  # its own directory, as before
    shared = data["supervisor"]

    # Every version of every record held, with its basis and the mentor and device it came from.
    fingerprints = held["fingerprints"]
    by_fp = {fp: name for name, fp in fingerprints.items()}
    dumped = {(r["id"], r["version"]): r for r in shared["shared_records"]}
    assert len(dumped) == len(shared["shared_records"]) == len(held["records"])
    for rid, version, basis, fp, current in held["records"]:
        r = dumped[(rid, version)]
        assert (r["basis"], r["device"], r["mentor"], r["current"]) == (basis, fp, by_fp[fp], bool(current))
        assert r["batch"] >= 1

    def current(rtype, mentee):
        return [
            r for r in shared["shared_records"] if r["type"] == rtype and r["mentee_id"] == ids[mentee] and r["current"]
        ]

    (meeting,) = current("meeting", "ada")
    assert meeting["id"] == made["ada_meeting"] and meeting["basis"] == "consent" and meeting["mentor"] == "Mentor A"
    assert meeting["fields"]["notes"] == "Ada second words" and meeting["version"] == 2
    earlier = dumped[(made["ada_meeting"], 1)]
    assert not earlier["current"] and earlier["fields"]["notes"] == "Ada first words"
    assert current("referral", "ada")[0]["fields"]["reason"] == "Ada needs a flat"
    (ben_concern,) = current("concern", "ben")
    assert ben_concern["basis"] == "safeguarding" and ben_concern["fields"]["mentee_name"] == "Ben Noconsent"
    assert current("meeting", "ben") == []  # without consent, Ben's meeting is identity-free counts
    counted = [
        r
        for r in shared["shared_records"]
        if r["basis"] == "counts" and r["type"] == "meeting" and r["mentor"] == "Mentor A"
    ]
    assert counted and all(r["mentee_id"] is None and "notes" not in r["fields"] for r in counted)
    assert "Ben private words" not in text
    assert current("needs_check", "dee")[0]["fields"]["notes"] == {"accommodation": "Dee sofa"}
    assert [r["mentor"] for r in shared["shared_records"] if r["type"] == "mentor_log"] == ["Mentor B"]
    assert {"consent", "safeguarding", "counts", "mentor"} <= set(shared["bases"])

    (note,) = shared["supervisor_notes"]
    assert note["note"] == "Phoned the police and the mentor" and note["author"] == "Sup Visor"
    assert (note["record_id"], note["record_type"], note["mentee_id"]) == (made["ada_concern"], "concern", ids["ada"])

    devices = {d["mentor_name"]: d for d in shared["devices"]}
    assert set(devices) == {"Mentor A", "Mentor B"}
    for name, d in devices.items():
        assert d["fingerprint"] == fingerprints[name] and d["status"] == "approved" and d["public_key"]
        assert d["last_batch"] >= 2 and not d["name_given_by_device"]
    assert len(shared["batches"]) == held["batches"]
    assert {h["mentor"] for h in shared["holders"] if h["holds"] == "person"} == {"Mentor A", "Mentor B"}

    # The people held by name; whoever withdrew consent or was erased is not one of them.
    people = {p["name"]: p for p in shared["people"]}
    assert set(people) == {"Ada Consents", "Ben Noconsent", "Dee Consents", "Fay Erased"}
    assert people["Ada Consents"]["records"] == {"concern": 1, "consent": 1, "meeting": 1, "referral": 1}
    assert people["Ada Consents"]["shared_as"] == ["consent", "safeguarding"]
    assert people["Ben Noconsent"]["shared_as"] == ["safeguarding"] and people["Dee Consents"]["mentor"] == "Mentor B"
    for gone in (
        "Cal Withdraws",
        "Cal private words",
        "Eve Erased",
        "Eve private words",
        ids["eve"],
        "Fay private words",
    ):
        assert gone not in text
    # An erased person's safeguarding concern stays until the supervisor decides, and says so.
    assert people["Fay Erased"]["erasure_asked"] and people["Fay Erased"]["records"] == {"concern": 1}
    (asked,) = shared["deletion_requests"]
    assert (asked["record_id"], asked["kind"], asked["decided_at"]) == (made["fay_concern"], "erase", None)
    assert [r["fields"]["what_happened"] for r in shared["shared_records"] if r["mentee_id"] == ids["fay"]] == [
        "Fay was hurt"
    ]
    # Cal's id stays only where it keeps an older batch from bringing them back, and as who may give consent again.
    assert [w["mentee_id"] for w in shared["withdrawals"]] == [ids["cal"]]
    found = [key for key, rows in shared.items() if ids["cal"] in json.dumps(rows)]
    assert found == ["holders", "withdrawals"], found


@pytest.mark.slow
def test_a_supervisors_mentees_lists_the_people_it_holds(organisation, tmp_path):
    paths, ids, _, _ = organisation
    result = _cli(paths["supervisor"], "mentees")
    assert result.returncode == 0, result.stderr
    lines = [LINE.match(line) for line in result.stdout.splitlines()]
    assert all(lines), result.stdout
    listed = {m.group(2): (m.group(1), m.group(3)) for m in lines}
    assert set(listed) == {"Ada Consents", "Ben Noconsent", "Dee Consents", "Fay Erased"}
    assert listed["Ada Consents"] == (ids["ada"], "active; Mentor A; 4 shared records")
    assert listed["Ben Noconsent"] == (ids["ben"], "Mentor A; 1 safeguarding concern only")
    assert listed["Dee Consents"] == (ids["dee"], "active; Mentor B; 3 shared records")
    assert listed["Fay Erased"] == (
        ids["fay"],
        "Mentor B; 1 safeguarding concern only; erasure asked, waiting for your decision",
    )
    # Each id is one a subject access request at the supervisor takes.
    (tmp_path / "sar").mkdir()
    assert _cli(paths["supervisor"], "sar", "--mentee", ids["ben"], "-o", str(tmp_path / "sar")).returncode == 0


@pytest.mark.slow
def test_a_mentors_dump_and_mentees_keep_their_shape(organisation, tmp_path):
    paths, ids, _, _ = organisation
    out = tmp_path / "mine.json"
    result = _cli(paths["a"], "dump", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Wrote every record this profile holds: ")
    data = json.loads(out.read_text(encoding="utf-8"))
    assert "supervisor" not in data and data["format_version"] == 3
    assert {"format", "app_version", "exported_at", "profile", "records"} <= set(data)
    assert {m["fields"]["name"] for m in data["records"]["mentee"]} == {
        "Ada Consents",
        "Ben Noconsent",
        "Cal Withdraws",
    }
    listed = _cli(paths["a"], "mentees")
    assert listed.returncode == 0, listed.stderr
    assert {LINE.match(line).group(1) for line in listed.stdout.splitlines()} == {ids["ada"], ids["ben"], ids["cal"]}


@pytest.mark.slow
def test_a_dump_is_never_written_through_a_link(organisation, tmp_path):
    paths, _, _, _ = organisation
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text("keep me")
    link = tmp_path / "link.json"
    link.symlink_to(elsewhere)
    result = _cli(paths["supervisor"], "dump", "-o", str(link))
    assert result.returncode != 0 and "nothing was overwritten" in result.stderr
    assert elsewhere.read_text() == "keep me"
