"""Sharing with the supervisor: what goes out under which consent, and batches that can be trusted."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import PASSPHRASE

from mentor_app.errors import BadInput
from mentor_app.exchange import batch as batch_format
from mentor_app.exchange.enrolment import EnrolmentError, accept_enrolment, make_enrolment, parse_enrolment
from mentor_app.exchange.export import DriveUnavailable, ExportError, device_folder, drive_status, pending_changes
from mentor_app.exchange.keys import SigningKey, organisation_keys, rotate_organisation_key
from mentor_app.exchange.trip import trip
from mentor_app.records import store
from mentor_app.records.types import Concern, Consent, Meeting, Mentee, MentorLog, NeedsCheck, Referral
from mentor_app.storage.profile import open_profile

TODAY = date.today()
YESTERDAY = (TODAY - timedelta(days=1)).isoformat()


@pytest.fixture
def org(make_profile):
    supervisor, _ = make_profile("supervisor", role="supervisor")
    return supervisor


@pytest.fixture
def mentor(make_profile, org, tmp_path):
    profile, _ = make_profile("mentor")
    enrolment = parse_enrolment(json.dumps(make_enrolment(org)).encode())
    shared = tmp_path / "shared"
    shared.mkdir()
    accept_enrolment(profile, enrolment, enrolment.fingerprint, shared_folder=str(shared))
    return profile


def _batches(mentor, org) -> list[batch_format.OpenedBatch]:
    identities, _ = organisation_keys(org)
    folder = device_folder(Path(mentor.get_setting("exchange.shared_folder")), mentor)
    files = sorted(folder.glob("*" + batch_format.SUFFIX))
    return [batch_format.open_batch(f.read_bytes(), identities) for f in files]


def _add_mentee(p, name, consent=None, withdrawn_on=None, expires=""):
    mid = store.save(p.conn, Mentee(name=name, status="active", phone="07700 900111"), author=p.author)
    if consent:
        store.save(
            p.conn,
            Consent(scope="share_with_organisation", given=True, on=consent, expires=expires),
            author=p.author,
            mentee_id=mid,
        )
    if withdrawn_on:
        store.save(
            p.conn,
            Consent(scope="share_with_organisation", given=False, on=withdrawn_on),
            author=p.author,
            mentee_id=mid,
        )
    store.save(
        p.conn,
        Meeting(
            starts_at=f"{YESTERDAY}T10:00",
            kind="sport",
            activity="boxing",
            duration_minutes=45,
            notes=f"Private note about {name}",
        ),
        author=p.author,
        mentee_id=mid,
    )
    store.save(
        p.conn,
        NeedsCheck(on=YESTERDAY, scores={"accommodation": 2}, notes={"accommodation": f"{name} sofa"}),
        author=p.author,
        mentee_id=mid,
    )
    store.save(
        p.conn,
        Referral(
            contact_id="c", organisation="Housing Org", category="housing", on=YESTERDAY, reason=f"Reason for {name}"
        ),
        author=p.author,
        mentee_id=mid,
    )
    store.save(
        p.conn,
        Concern(category="exploitation", raised_at=f"{YESTERDAY}T12:00", what_happened=f"Concern about {name}"),
        author=p.author,
        mentee_id=mid,
    )
    return mid


def _pseudonyms_of(p, mentee_id):
    from mentor_app.exchange.keys import pseudonym_secret
    from mentor_app.exchange.policy import pseudonym

    return {pseudonym(pseudonym_secret(p), mentee_id)}


CONSENT_CASES = {
    # name: (consent given on, withdrawn on, expires) -> whether identifiable records go out
    "Never Asked": (None, None, "", False),
    "Gave Consent": ("2026-01-01", None, "", True),
    "Gave Then Withdrew": ("2026-01-01", YESTERDAY, "", False),
    "Consent Expired": ("2026-01-01", None, "2026-02-01", False),
}


def test_the_consent_table(mentor, org):
    ids = {name: _add_mentee(mentor, name, c, w, e) for name, (c, w, e, _) in CONSENT_CASES.items()}
    store.save(mentor.conn, MentorLog(on=YESTERDAY, hours=6), author=mentor.author)
    trip(mentor)
    concerns_first, opened = _batches(mentor, org)
    # The concerns travel first, in a batch of their own: never held back behind a large one.
    assert {r["type"] for r in concerns_first.records} == {"concern"}
    opened.records[:0] = concerns_first.records
    text = json.dumps(opened.records, ensure_ascii=False)
    by_type = {}
    for r in opened.records:
        by_type.setdefault((r.get("mentee_id") or r.get("pseudonym"), r["type"]), []).append(r)
    for name, (_, _, _, identifiable) in CONSENT_CASES.items():
        mid = ids[name]
        # Safeguarding concerns always go, with the name, on the basis of safeguarding.
        concern = [r for r in opened.records if r["type"] == "concern" and r.get("mentee_id") == mid]
        assert len(concern) == 1 and concern[0]["basis"] == "safeguarding"
        assert concern[0]["fields"]["mentee_name"] == name
        assert (f"Private note about {name}" in text) is identifiable
        assert (f"{name} sofa" in text) is identifiable
        assert (f"Reason for {name}" in text) is identifiable
        mine = [r for r in opened.records if r.get("mentee_id") == mid and r["type"] != "concern"]
        if identifiable:
            assert {r["type"] for r in mine} == {"mentee", "meeting", "needs_check", "referral", "consent"}
            assert all(r["basis"] == "consent" for r in mine)
        else:
            assert mine == []
            assert "pseudonym" not in concern[0]  # the named concern can't be linked to the counts
            pseudonyms = {
                r["pseudonym"]
                for r in opened.records
                if r["basis"] == "counts" and r["type"] == "mentee" and r["fields"]["status"] == "active"
            }
            pseudonym = next(
                p
                for p in pseudonyms
                if any(r.get("pseudonym") == p and r["type"] == "meeting" for r in opened.records)
                and p in _pseudonyms_of(mentor, mid)
            )
            counts = [r for r in opened.records if r.get("pseudonym") == pseudonym and r["basis"] == "counts"]
            assert {r["type"] for r in counts} == {"mentee", "meeting", "needs_check", "referral"}
            meeting = next(r for r in counts if r["type"] == "meeting")["fields"]
            assert meeting["kind"] == "sport" and meeting["duration_minutes"] == 45 and "notes" not in meeting
            assert pseudonym != mid and mid not in json.dumps(counts)
    # The phone number of non-consenting mentees is nowhere; the consenting one's is.
    assert text.count("07700 900111") == 1
    assert any(r["type"] == "mentor_log" and r["basis"] == "mentor" for r in opened.records)
    assert all(r["content_sha256"] == batch_format.content_hash(r["fields"]) for r in opened.records)


def test_withdrawal_and_deletion_travel_as_records(mentor, org):
    mid = _add_mentee(mentor, "Later Withdraws", consent="2026-01-01")
    trip(mentor)
    store.save(
        mentor.conn,
        Consent(scope="share_with_organisation", given=False, on=TODAY.isoformat()),
        author=mentor.author,
        mentee_id=mid,
    )
    meeting = store.list_records(mentor.conn, "meeting", mentee_id=mid)[0]
    store.delete(mentor.conn, meeting.id, author=mentor.author)
    trip(mentor)
    second = _batches(mentor, org)[-1]
    withdrawal = [r for r in second.records if r["type"] == "withdrawal"]
    assert len(withdrawal) == 1 and withdrawal[0]["mentee_id"] == mid
    tomb = [r for r in second.records if r["id"] == meeting.id]
    assert tomb and tomb[0]["deleted"] is True and tomb[0]["fields"] == {}
    assert "Later Withdraws" not in json.dumps([r for r in second.records if r["type"] != "concern"])


def test_age_cli_decrypts_and_signature_catches_any_change(mentor, org, tmp_path):
    _add_mentee(mentor, "Age Check", consent="2026-01-01")
    result = trip(mentor)
    identities, _ = organisation_keys(org)
    key = tmp_path / "org.key"
    key.write_text(identities[0] + "\n")
    # The first line is the signed envelope in the clear; the age CLI reads the rest (docs/exchange-format.md).
    ciphertext = result.path.read_bytes().partition(b"\n")[2]
    plain = subprocess.run(["age", "-d", "-i", str(key)], input=ciphertext, capture_output=True, check=True).stdout
    header = json.loads(plain.split(b"\n", 1)[0])
    assert header["manifest"]["record_count"] == result.records - 1 and b"Age Check" in plain  # less the concern

    data = result.path.read_bytes()
    assert batch_format.open_batch(data, identities).manifest["sequence"] == 2  # after the concerns' batch
    rng = random.Random(5)
    for position in [0, 40, len(data) // 2, len(data) - 1] + [rng.randrange(len(data)) for _ in range(8)]:
        flipped = bytearray(data)
        flipped[position] ^= 0x01
        with pytest.raises(batch_format.BatchInvalid):
            batch_format.open_batch(bytes(flipped), identities)
    with pytest.raises(batch_format.BatchInvalid):
        batch_format.open_batch(data[: len(data) // 2], identities)

    # Re-signed by another key but claiming to be this device: the signature check fails.
    import pyrage
    from pyrage import x25519

    header_line, _, stream = plain.partition(b"\n")
    forged = json.loads(header_line)
    forged["signature"] = SigningKey(__import__("base64").b64encode(os.urandom(32)).decode()).sign(
        batch_format.canonical(forged["manifest"])
    )
    forged_bytes = pyrage.encrypt(
        batch_format.canonical(forged) + b"\n" + stream, [x25519.Identity.from_str(identities[0]).to_public()]
    )
    with pytest.raises(batch_format.BatchInvalid, match="signature"):
        batch_format.open_batch(forged_bytes, identities)


def test_enrolment_checks_fingerprint_organisation_and_tampering(make_profile, org):
    mentor, _ = make_profile("m2")
    raw = make_enrolment(org)
    enrolment = parse_enrolment(json.dumps(raw).encode())
    with pytest.raises(EnrolmentError, match="don't match") as refused:
        accept_enrolment(mentor, enrolment, "AAAA-BBBB-CCCC-DDDD")
    assert enrolment.fingerprint not in refused.value.message  # no hint of the right one
    assert enrolment.fingerprint.replace("-", "") not in refused.value.message.replace("-", "")
    assert accept_enrolment(mentor, enrolment, enrolment.fingerprint.lower().replace("-", " ")) == "enrolled"

    first = raw["recipients"][0]
    swapped = "q" if first[10] != "q" else "p"  # always a real change to the signed content
    tampered = dict(raw, recipients=[first[:10] + swapped + first[11:]])
    with pytest.raises(EnrolmentError):
        parse_enrolment(json.dumps(tampered).encode())
    with pytest.raises(EnrolmentError, match="damaged"):
        parse_enrolment(b"{not json")

    other, _ = make_profile("other-org", role="supervisor")
    foreign = parse_enrolment(json.dumps(make_enrolment(other)).encode())
    with pytest.raises(EnrolmentError, match="different organisation"):
        accept_enrolment(mentor, foreign, foreign.fingerprint)

    rotate_organisation_key(org)
    rotated = parse_enrolment(json.dumps(make_enrolment(org)).encode())
    assert rotated.recipients[0] != enrolment.recipients[0] and enrolment.recipients[0] in rotated.recipients
    assert accept_enrolment(mentor, rotated, rotated.fingerprint) == "updated"
    with pytest.raises(BadInput):
        make_enrolment(mentor)


def test_exports_use_the_newest_key_and_old_keys_still_read(mentor, org, make_profile):
    _add_mentee(mentor, "Before Rotation", consent="2026-01-01")
    trip(mentor)
    rotate_organisation_key(org)
    accept_enrolment(
        mentor, parse_enrolment(json.dumps(make_enrolment(org)).encode()), organisation_keys(org)[1].fingerprint
    )
    _add_mentee(mentor, "After Rotation", consent="2026-01-01")
    trip(mentor)
    identities, _ = organisation_keys(org)
    first, second = _batches(mentor, org)[1], _batches(mentor, org)[-1]
    assert second.manifest["recipients"] != first.manifest["recipients"]
    folder = device_folder(Path(mentor.get_setting("exchange.shared_folder")), mentor)
    newest = sorted(folder.glob("*.mentorlog"))[-1].read_bytes()
    with pytest.raises(batch_format.BatchInvalid):
        batch_format.open_batch(newest, identities[1:])  # the old key alone can't read the new batch


def test_nothing_to_share_writes_nothing_and_sequence_clash_stops(mentor, org):
    assert trip(mentor).path is None
    _add_mentee(mentor, "Seq Person")
    first = trip(mentor)
    assert first.sequence == 2 and pending_changes(mentor) == 0  # the concern's batch, then the rest
    # A restored backup forgets batch 1 was written: the next export must not overwrite it.
    mentor.conn.execute("DELETE FROM outbox")
    mentor.set_settings({"exchange.sequence": "0", "exchange.cursor": "0"})
    before = first.path.read_bytes()
    with pytest.raises(ExportError, match="already has a batch numbered 1"):
        trip(mentor)
    assert first.path.read_bytes() == before


def test_missing_read_only_and_full_drives_keep_changes_waiting(mentor, org, tmp_path):
    _add_mentee(mentor, "Waiting Person", consent="2026-01-01")
    waiting = pending_changes(mentor)
    with pytest.raises(DriveUnavailable, match="Shared drive not found") as missing:
        trip(mentor, to=tmp_path / "unplugged")
    assert f"{waiting} changes waiting" in missing.value.message

    mount = tmp_path / "small"
    mount.mkdir()
    try:
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=12k", "tmpfs", str(mount)], check=True, capture_output=True)
    except (subprocess.CalledProcessError, FileNotFoundError):
        if os.environ.get("CI"):
            raise
        pytest.skip("mounting a small drive needs root")
    try:
        (mount / "filler").write_bytes(b"x" * 11 * 1024)
        status = drive_status(mount)
        assert not status.reachable and "full" in status.words
        with pytest.raises(DriveUnavailable, match="full"):
            trip(mentor, to=mount)
        (mount / "filler").unlink()
        subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)
        with pytest.raises(DriveUnavailable, match="read-only"):
            trip(mentor, to=mount)
        assert pending_changes(mentor) == waiting
    finally:
        subprocess.run(["umount", str(mount)], check=False)
    result = trip(mentor)
    assert result.records > 0 and pending_changes(mentor) == 0


EXPORTER = r"""
import sys
from mentor_app.exchange.trip import trip
from mentor_app.storage.profile import open_profile
profile = open_profile(sys.argv[1], secret=sys.argv[2])
print("ready", flush=True)
trip(profile)
print("done", flush=True)
profile.close()
"""


@pytest.mark.slow
def test_killing_the_export_at_random_points_never_loses_or_duplicates(mentor, org):
    """SIGKILL mid-trip, with the supervisor importing (and leaving receipts) and batches going missing
    from the share between trips: at the end the supervisor holds every change exactly once."""
    from mentor_app.exchange import mentors as register
    from mentor_app.exchange.importer import import_folder
    from mentor_app.exchange.keys import device_key

    path = mentor.path
    rng = random.Random(42)
    expected: dict[str, int] = {}
    register.note_device(org.conn, device_key(mentor).public, "M")
    register.approve(org.conn, device_key(mentor).fingerprint, "Mentor")
    shared = Path(mentor.get_setting("exchange.shared_folder"))
    mentor.close()
    lost = 0
    for round_no in range(20):
        with open_profile(path, secret=PASSPHRASE) as p:
            for i in range(rng.randint(1, 4)):
                _add_mentee(p, f"Round {round_no} person {i}", consent="2026-01-01")
        child = subprocess.Popen(
            [sys.executable, "-c", EXPORTER, str(path), PASSPHRASE],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        child.stdout.readline()
        time.sleep(rng.uniform(0.0, 0.25))
        child.kill()
        child.communicate()
        folder = next(shared.glob("device-*"), None)
        if folder is not None:
            assert not [f for f in folder.iterdir() if f.name.endswith(".partial") and not f.name.startswith(".")]
            batches = sorted(folder.glob("*.mentorlog"))
            if batches and rng.random() < 0.3:
                rng.choice(batches).unlink()  # a sync client or a colleague tidies up
                lost += 1
        if rng.random() < 0.4:
            import_folder(org, shared)
    assert lost > 0
    for _ in range(3):  # a trip puts back what is missing; the next import takes it; the next trip learns
        with open_profile(path, secret=PASSPHRASE) as p:
            trip(p)
        import_folder(org, shared)
    with open_profile(path, secret=PASSPHRASE) as p:
        trip(p)
        assert pending_changes(p) == 0
        from mentor_app.exchange import outbox

        assert outbox.sent(p.conn, only_unreceived=True) == []
        for s in store.changes_since(p.conn, 0):
            if s.type != "contact":
                expected[s.id] = s.version
        # Every batch ever sealed, as the laptop keeps it (some are gone from the drive, received).
        sealed = [bytes(r[0]) for r in p.conn.execute("SELECT data FROM outbox ORDER BY sequence")]
    identities, _ = organisation_keys(org)
    opened = [batch_format.open_batch(data, identities) for data in sealed]
    seen: dict[tuple[str, int], int] = {}
    for b in opened:
        for r in b.records:
            seen[(r["id"], r["version"])] = seen.get((r["id"], r["version"]), 0) + 1
    assert all(n == 1 for n in seen.values()), "a change went out twice"
    assert {(i, v) for i, v in expected.items()} <= set(seen), "a change never went out"
    sequences = [b.manifest["sequence"] for b in opened]
    assert sequences == list(range(1, len(opened) + 1))
    for earlier, later in zip(sealed, opened[1:], strict=False):  # each batch with the one after it
        assert later.manifest["previous_batch_sha256"] == __import__("hashlib").sha256(earlier).hexdigest()
    held = set(org.conn.execute("SELECT id, version FROM shared_records"))
    assert {(i, v) for i, v in expected.items()} <= held, "the supervisor is missing a change"
    assert [r[0] for r in org.conn.execute("SELECT sequence FROM imported_batches ORDER BY sequence")] == sequences
