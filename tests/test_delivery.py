"""Delivery that never loses a concern: receipts, re-sending, and no single file that can stop a channel.

Real profiles, real age-encrypted batches on a real folder, real signatures.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from mentor_app.exchange import batch as batch_format
from mentor_app.exchange import mentors as register
from mentor_app.exchange import outbox
from mentor_app.exchange.enrolment import accept_enrolment, make_enrolment, parse_enrolment
from mentor_app.exchange.export import device_folder
from mentor_app.exchange.importer import accept_gap, import_folder, quarantine_list
from mentor_app.exchange.keys import SigningKey, device_key, organisation_keys
from mentor_app.exchange.receipts import FOLDER as RECEIPTS
from mentor_app.exchange.receipts import parse_receipt, write_receipt
from mentor_app.exchange.trip import STRANGERS, trip
from mentor_app.records import store
from mentor_app.records.types import Concern, Consent, Meeting, Mentee

TODAY = date.today().isoformat()


@pytest.fixture
def world(make_profile, tmp_path):
    supervisor, _ = make_profile("supervisor", role="supervisor")
    enrolment = parse_enrolment(json.dumps(make_enrolment(supervisor)).encode())
    drive = tmp_path / "drive"
    drive.mkdir()
    mentor, _ = make_profile("mentor")
    accept_enrolment(mentor, enrolment, enrolment.fingerprint, shared_folder=str(drive))
    key = device_key(mentor)
    register.note_device(supervisor.conn, key.public, mentor.display_name)
    register.approve(supervisor.conn, key.fingerprint, "Mentor One")
    return supervisor, mentor, drive


def _person(p, name: str, concern: str | None = None) -> str:
    mid = store.save(p.conn, Mentee(name=name, status="active"), author=p.author)
    store.save(p.conn, Consent(scope="share_with_organisation", on="2026-01-01"), author=p.author, mentee_id=mid)
    store.save(
        p.conn,
        Meeting(
            starts_at=f"{TODAY}T10:00",
            kind="sport",
            activity="football",
            duration_minutes=90,
            notes=f"Talked with {name}",
        ),
        author=p.author,
        mentee_id=mid,
    )
    if concern:
        store.save(
            p.conn,
            Concern(category="exploitation", raised_at=f"{TODAY}T11:00", what_happened=concern),
            author=p.author,
            mentee_id=mid,
        )
    return mid


def _held(supervisor) -> set[tuple[str, int, str]]:
    """What the supervisor holds: every record id with its version and content hash."""
    return set(supervisor.conn.execute("SELECT id, version, content_sha256 FROM shared_records"))


def _files(mentor, drive) -> list[Path]:
    return sorted(device_folder(drive, mentor).glob("*.mentorlog"))


def test_a_batch_deleted_from_the_share_goes_again_and_the_supervisor_ends_whole(world, make_profile, tmp_path):
    supervisor, mentor, drive = world
    _person(mentor, "First Person")
    trip(mentor)
    concern_id = None
    mid = _person(mentor, "Second Person", concern="Someone is making them carry parcels")
    concern_id = store.list_records(mentor.conn, "concern", mentee_id=mid)[0].id
    trip(mentor)
    _person(mentor, "Third Person")
    trip(mentor)
    files = _files(mentor, drive)
    assert len(files) == 4  # the concern went in its own batch, ahead of its person's records
    lost = files[1]
    lost.unlink()  # a sync client "resolves a conflict"
    summary = import_folder(supervisor, drive)
    assert summary.waiting and "Waiting for batch 2" in summary.waiting[0][1]
    assert len(summary.waiting) == 2  # batches 3 and 4 both wait, and both are named
    assert [d.waiting_for for d in register.list_devices(supervisor.conn)] == [2]
    assert "waiting for batch 2" in register.list_devices(supervisor.conn)[0].delivery_words()

    # The mentor sees what is not received yet, and the concern says so.
    assert [s.sequence for s in outbox.sent(mentor.conn, only_unreceived=True)] == [1, 2, 3, 4]
    assert outbox.concern_delivery(mentor.conn)[concern_id][0] == "waiting"

    result = trip(mentor)  # the next trip reads the receipt and puts the missing batch back
    assert result.written_again == 1 and lost.exists()
    assert [s.sequence for s in outbox.sent(mentor.conn, only_unreceived=True)] == [2, 3, 4]
    import_folder(supervisor, drive)
    trip(mentor)  # and learns that everything arrived
    assert outbox.sent(mentor.conn, only_unreceived=True) == []
    assert outbox.concern_delivery(mentor.conn)[concern_id][0] == "received"
    assert register.list_devices(supervisor.conn)[0].waiting_for is None

    # Exactly what a clean run gives: the same batches imported by a supervisor who never missed one.
    clean, _ = make_profile("clean-supervisor", role="supervisor")
    clean.set_settings(
        {k: supervisor.get_setting(k) for k in ("exchange.org_age_identities", "exchange.org_signing_key")}
    )
    register.note_device(clean.conn, device_key(mentor).public, "M")
    register.approve(clean.conn, device_key(mentor).fingerprint, "Mentor One")
    copy = tmp_path / "clean-drive"
    shutil.copytree(drive, copy)
    import_folder(clean, copy)
    assert _held(clean) == _held(supervisor) and len(_held(supervisor)) > 0


def test_junk_with_the_next_number_never_stops_an_export(world):
    supervisor, mentor, drive = world
    _person(mentor, "Junk Test")
    trip(mentor)
    folder = device_folder(drive, mentor)
    (folder / "00000002-x.mentorlog").write_bytes(b"")
    (folder / "00000002-y.mentorlog").write_bytes(os.urandom(4000))
    # A batch signed by another device's key, numbered 2: not this device's, so not a clash either.
    stranger = SigningKey(__import__("base64").b64encode(os.urandom(32)).decode())
    forged = batch_format.seal(
        records=[],
        sequence=2,
        batch_id="f",
        previous_hash="",
        created_at="2026-01-01",
        device_key=stranger,
        mentor_name="x",
        recipients=[str(__import__("pyrage").x25519.Identity.generate().to_public())],
    )
    (folder / "00000002-z.mentorlog").write_bytes(forged)
    with open(folder / "00000002-huge.mentorlog", "wb") as fh:
        fh.truncate(2 * 1024**3)  # only its first few kilobytes are ever looked at
    _person(mentor, "After The Junk")
    result = trip(mentor)
    assert result.sequence == 2 and result.path is not None and result.path.exists()
    assert set(json.loads(mentor.get_setting(STRANGERS))) >= {"00000002-x.mentorlog", "00000002-y.mentorlog"}
    summary = import_folder(supervisor, drive)
    assert summary.batches_imported == 2
    held = supervisor.conn.execute("SELECT group_concat(fields) FROM shared_records").fetchone()[0]
    assert "After The Junk" in held


def test_a_refused_record_is_set_aside_alone_and_the_channel_moves_on(world):
    supervisor, mentor, drive = world
    _person(mentor, "Good Before")
    trip(mentor)
    # A batch whose signature and chain are right but one record is bad (a version out of range).
    key = device_key(mentor)
    ids, _ = organisation_keys(supervisor)
    good = {
        "id": "r-good",
        "type": "mentor_log",
        "version": 1,
        "base_version": 0,
        "basis": "mentor",
        "fields": {"kind": "training", "on": TODAY, "hours": 2.0, "note": "Course"},
    }
    bad = dict(good, id="r-bad", version=10**20)
    for r in (good, bad):
        r["content_sha256"] = batch_format.content_hash(r["fields"])
    previous = __import__("hashlib").sha256(_files(mentor, drive)[-1].read_bytes()).hexdigest()
    data = batch_format.seal(
        records=[good, bad],
        sequence=2,
        batch_id="b2",
        previous_hash=previous,
        created_at="2026-01-01T00:00:00",
        device_key=key,
        mentor_name="M",
        recipients=[str(__import__("pyrage").x25519.Identity.from_str(ids[0]).to_public())],
    )
    (device_folder(drive, mentor) / "00000002-b2.mentorlog").write_bytes(data)
    mentor.set_settings(
        {"exchange.sequence": "2", "exchange.previous_sha256": __import__("hashlib").sha256(data).hexdigest()}
    )
    _person(mentor, "Good After")
    trip(mentor)
    summary = import_folder(supervisor, drive)
    assert summary.batches_imported == 3 and len(summary.refused) == 1
    assert "bad version number" in summary.refused[0][1]
    held = supervisor.conn.execute("SELECT group_concat(id) || group_concat(fields) FROM shared_records").fetchone()[0]
    assert "r-good" in held and "r-bad" not in held and "Good After" in held
    listed = dict(quarantine_list(supervisor.conn))
    assert any("record r-bad" in name and "bad version number" in why for name, why in listed.items())
    # The receipt tells the mentor which record was refused, by id and reason code only.
    trip(mentor)
    told = json.loads(mentor.get_setting(outbox.RECEIPT_DEVICE))
    assert told["refused"] == [{"sequence": 2, "id": "r-bad", "code": "record_refused"}]


def test_a_huge_sparse_file_and_an_undecodable_name_are_set_aside_in_bounded_memory(world, tmp_path):
    supervisor, mentor, drive = world
    _person(mentor, "Bounded")
    trip(mentor)
    folder = device_folder(drive, mentor)
    with open(folder / "00000009-huge.mentorlog", "wb") as fh:
        fh.truncate(2 * 1024**3)
    odd = os.fsencode(str(folder)) + b"/00000010-caf\xe9.mentorlog"  # Windows-1252, not UTF-8
    fd = os.open(odd, os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, b"junk")
    os.close(fd)
    (drive / "device-outside").symlink_to(tmp_path)  # a link out of the share is never followed
    (tmp_path / "00000001-secret.mentorlog").write_bytes(b"not to be read")
    supervisor.close()
    script = (
        "import resource, sys\n"
        "from mentor_app.storage.profile import open_profile\n"
        "from mentor_app.exchange.importer import import_folder, quarantine_list\n"
        "with open_profile(sys.argv[1], secret=sys.argv[2]) as p:\n"
        "    s = import_folder(p, sys.argv[3])\n"
        "    print(s.batches_imported)\n"
        "    for name, why in quarantine_list(p.conn): print(name, '|', why)\n"
        "print(open('/proc/self/status').read().split('VmHWM:')[1].split()[0])\n"
    )
    from conftest import PASSPHRASE

    out = subprocess.run(
        [sys.executable, "-c", script, str(supervisor.path), PASSPHRASE, str(drive)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    lines = out.stdout.splitlines()
    assert lines[0] == "1"
    peak_kb = int(lines[-1])
    assert peak_kb < 300 * 1024, f"peak memory {peak_kb} kB"
    reasons = "\n".join(lines[1:-1])
    assert "00000009-huge.mentorlog | It is far too large to be a batch" in reasons
    assert "00000010-caf\\xe9.mentorlog |" in reasons
    assert "secret" not in reasons


def test_revoking_from_a_sequence_keeps_earlier_batches(world):
    supervisor, mentor, drive = world
    for n in range(4):
        _person(mentor, f"Person {n}")
        trip(mentor)
    fp = device_key(mentor).fingerprint
    register.revoke(supervisor.conn, fp, from_sequence=3)
    summary = import_folder(supervisor, drive)
    assert summary.batches_imported == 2
    assert sorted(r[0] for r in supervisor.conn.execute("SELECT sequence FROM imported_batches")) == [1, 2]
    assert any("revoked" in why for _, why in summary.quarantined)
    # Approved again (it was found): the batches held back come in.
    register.approve(supervisor.conn, fp, "Mentor One")
    assert import_folder(supervisor, drive).batches_imported == 2


def test_accepting_a_gap_lets_later_batches_in_and_a_late_batch_still_counts(world, tmp_path):
    supervisor, mentor, drive = world
    for n in range(3):
        _person(mentor, f"Gap {n}")
        trip(mentor)
    second = _files(mentor, drive)[1]
    kept = second.rename(tmp_path / second.name)
    import_folder(supervisor, drive)
    fp = device_key(mentor).fingerprint
    with pytest.raises(Exception, match="reason"):
        accept_gap(supervisor, fp, 2, "")
    accept_gap(supervisor, fp, 2, "The USB stick was lost")
    assert import_folder(supervisor, drive).batches_imported == 1
    entries = supervisor.conn.execute("SELECT detail FROM audit_log WHERE action = 'accept_gap'").fetchall()
    assert len(entries) == 1 and "USB stick" in entries[0][0]
    kept.rename(second)
    assert import_folder(supervisor, drive).batches_imported == 1  # it turned up after all
    held = supervisor.conn.execute("SELECT group_concat(fields) FROM shared_records").fetchone()[0]
    assert all(f"Gap {n}" in held for n in range(3))


def test_forged_tampered_and_old_receipts_change_nothing(world, make_profile):
    supervisor, mentor, drive = world
    _person(mentor, "Receipt Person")
    trip(mentor)
    import_folder(supervisor, drive)
    genuine = sorted((drive / RECEIPTS).iterdir())[-1]
    old_bytes = genuine.read_bytes()
    for f in (drive / RECEIPTS).iterdir():
        f.unlink()
    _person(mentor, "Not Yet Imported")
    trip(mentor)
    assert [s.sequence for s in outbox.sent(mentor.conn, only_unreceived=True)] == [1, 2]

    # A forged receipt, signed by another organisation's key, claiming everything arrived long ago.
    other, _ = make_profile("other-org", role="supervisor")
    organisation_keys(other, create=True)
    forged_drive = drive / "forged"
    forged_drive.mkdir()
    other.conn.execute(
        "INSERT INTO mentor_devices(fingerprint, device_key, mentor_name, status, first_seen) "
        "VALUES (?, '', '', 'approved', '')",
        (device_key(mentor).fingerprint,),
    )
    other.conn.execute(
        "INSERT INTO imported_batches(fingerprint, sequence, batch_id, sha256, imported_at, records) "
        "VALUES (?, 99, 'x', 'x', '2000-01-01', 0)",
        (device_key(mentor).fingerprint,),
    )
    forged = write_receipt(other, forged_drive)
    shutil.copy(forged, drive / RECEIPTS / "receipt-99999999.mentorreceipt")
    body = json.loads(old_bytes)
    body["body"]["devices"][device_key(mentor).fingerprint]["through"] = 99
    (drive / RECEIPTS / "receipt-tampered.mentorreceipt").write_text(json.dumps(body))
    (drive / RECEIPTS / "receipt-junk.mentorreceipt").write_bytes(b"\x00" * 100)
    mentor.set_setting("exchange.keep_received_days", "1")
    later = datetime.now(timezone.utc) + timedelta(days=400)
    trip(mentor)
    outbox.tidy(mentor, device_folder(drive, mentor), 1, now=later)
    assert [s.sequence for s in outbox.sent(mentor.conn, only_unreceived=True)] == [1, 2]
    assert len(_files(mentor, drive)) == 2  # nothing the supervisor has not received is ever removed

    # The genuine receipt covers batch 1; replaying it after a newer one changes nothing.
    (drive / RECEIPTS / genuine.name).write_bytes(old_bytes)
    trip(mentor)
    assert [s.sequence for s in outbox.sent(mentor.conn, only_unreceived=True)] == [2]
    import_folder(supervisor, drive)
    trip(mentor)
    assert outbox.sent(mentor.conn, only_unreceived=True) == []
    (drive / RECEIPTS / "replayed.mentorreceipt").write_bytes(old_bytes)
    trip(mentor)
    assert outbox.sent(mentor.conn, only_unreceived=True) == []
    assert parse_receipt(old_bytes, organisation_keys(supervisor)[1].public) is not None

    # Received long enough ago: the batches leave the drive and the profile.
    removed = outbox.tidy(mentor, device_folder(drive, mentor), 1, now=later)
    assert removed == 2 and _files(mentor, drive) == []


def test_a_receipt_that_goes_backwards_makes_the_mentor_send_again(world, tmp_path):
    supervisor, mentor, drive = world
    _person(mentor, "Before Backup")
    trip(mentor)
    import_folder(supervisor, drive)
    snapshot = tmp_path / "supervisor-copy"
    supervisor.close()
    shutil.copytree(supervisor.path, snapshot)
    from conftest import PASSPHRASE

    from mentor_app.storage.profile import open_profile

    with open_profile(supervisor.path, secret=PASSPHRASE) as sup:
        _person(mentor, "After Backup")
        trip(mentor)
        import_folder(sup, drive)
    trip(mentor)
    assert outbox.sent(mentor.conn, only_unreceived=True) == []
    for f in _files(mentor, drive)[1:]:
        f.unlink()  # tidied away or lost; the supervisor then goes back to the older copy
    with open_profile(snapshot, secret=PASSPHRASE) as restored:
        import_folder(restored, drive)
        result = trip(mentor)
        assert result.notice and "went back to batch 1" in result.notice and "sent again" in result.notice
        assert result.written_again == 1
        import_folder(restored, drive)
        held = restored.conn.execute("SELECT group_concat(fields) FROM shared_records").fetchone()[0]
        assert "After Backup" in held


@pytest.mark.slow
def test_the_command_line_accepts_a_gap_revokes_from_a_point_and_retries(world, tmp_path):
    from conftest import PASSPHRASE, run_cli

    supervisor, mentor, drive = world
    for n in range(3):
        _person(mentor, f"Cli {n}")
        trip(mentor)
    _files(mentor, drive)[1].unlink()
    fp = device_key(mentor).fingerprint
    supervisor.close()
    mentor.close()
    args = ("--profile", str(supervisor.path), "--passphrase-stdin")
    first = run_cli("import", str(drive), *args, input=PASSPHRASE + "\n")
    assert first.returncode == 0 and "1 batch imported" in first.stdout and "waiting" in first.stdout
    listed = run_cli("mentors", *args, input=PASSPHRASE + "\n")
    assert "waiting for batch 2 since" in listed.stdout
    refused = run_cli("import", str(drive), "--accept-gap", fp, "2", *args, input=PASSPHRASE + "\n")
    assert refused.returncode != 0 and "--reason" in refused.stderr and "Traceback" not in refused.stderr
    accepted = run_cli(
        "import", str(drive), "--accept-gap", fp, "2", "--reason", "laptop stolen", *args, input=PASSPHRASE + "\n"
    )
    assert accepted.returncode == 0 and "accepted as lost" in accepted.stdout and "1 batch imported" in accepted.stdout
    revoked = run_cli("mentors", "revoke", fp, "--from-sequence", "4", *args, input=PASSPHRASE + "\n")
    assert revoked.returncode == 0 and "from number 4 on" in revoked.stdout
    again = run_cli("import", "--retry", *args, input=PASSPHRASE + "\n")
    assert again.returncode == 0 and "looked at again" in again.stdout


def test_the_organisation_sets_how_long_received_batches_stay_on_the_drive(world):
    from mentor_app.exchange.publish import publish

    supervisor, mentor, drive = world
    _person(mentor, "Kept A While")
    trip(mentor)
    import_folder(supervisor, drive)
    supervisor.set_setting(outbox.KEEP_RECEIVED, "7")
    publish(supervisor, drive)
    trip(mentor)  # learns the receipt and the organisation's keeping period on the same trip
    assert outbox.keep_received_days(mentor) == 7
    folder = device_folder(drive, mentor)
    soon = datetime.now(timezone.utc) + timedelta(days=6)
    assert outbox.tidy(mentor, folder, outbox.keep_received_days(mentor), now=soon) == 0
    later = datetime.now(timezone.utc) + timedelta(days=8)
    assert outbox.tidy(mentor, folder, outbox.keep_received_days(mentor), now=later) == 1
    assert _files(mentor, drive) == []


def test_a_batch_damaged_in_place_on_the_drive_goes_again_under_a_second_name(world):
    supervisor, mentor, drive = world
    for n in range(3):
        _person(mentor, f"Damaged {n}", concern="A worry" if n == 1 else None)
        trip(mentor)
    second = _files(mentor, drive)[1]
    info = second.stat()
    data = bytearray(second.read_bytes())
    data[-10] ^= 0xFF  # bit rot, or a hand that kept the size and the time
    second.write_bytes(bytes(data))
    os.utime(second, ns=(info.st_atime_ns, info.st_mtime_ns))
    summary = import_folder(supervisor, drive)
    assert any("changed or cut short" in why for _, why in summary.quarantined)
    result = trip(mentor)  # the receipt says batch 2 is waited for: its copy is read, found wrong, sent again
    assert result.written_again == 1 and any("-again2" in f.name for f in _files(mentor, drive))
    import_folder(supervisor, drive)
    held = supervisor.conn.execute("SELECT group_concat(fields) FROM shared_records").fetchone()[0]
    assert all(f"Damaged {n}" in held for n in range(3)) and "A worry" in held


def test_the_window_and_the_command_line_each_say_what_to_do_next_in_their_own_words(make_profile):
    from conftest import PASSPHRASE, run_cli

    from mentor_app.exchange.export import ExportError
    from mentor_app.ui.messages import plain

    loner, _ = make_profile("loner")
    with pytest.raises(ExportError) as raised:
        trip(loner)
    in_window = plain(raised.value)
    assert "Sharing with your supervisor" in in_window and "mentor-app" not in in_window
    loner.close()
    said = run_cli("export", "--profile", str(loner.path), "--passphrase-stdin", input=PASSPHRASE + "\n")
    assert said.returncode != 0 and "mentor-app enrol FILE" in said.stderr


@pytest.mark.slow
def test_a_file_just_under_the_batch_limit_is_read_once_not_three_times(world):
    """Junk named like a batch, as large as a batch may be: held in memory once while it is judged."""
    supervisor, mentor, drive = world
    _person(mentor, "Under The Limit")
    trip(mentor)
    folder = device_folder(drive, mentor)
    supervisor.close()
    script = (
        "import sys\n"
        "from mentor_app.storage.profile import open_profile\n"
        "from mentor_app.exchange.importer import import_folder, quarantine_list\n"
        "with open_profile(sys.argv[1], secret=sys.argv[2]) as p:\n"
        "    s = import_folder(p, sys.argv[3])\n"
        "    print(s.batches_imported, len(s.quarantined))\n"
        "    for name, why in quarantine_list(p.conn): print(name, '|', why)\n"
        "print(open('/proc/self/status').read().split('VmHWM:')[1].split()[0])\n"
    )
    from conftest import PASSPHRASE

    def run() -> list[str]:
        out = subprocess.run(
            [sys.executable, "-c", script, str(supervisor.path), PASSPHRASE, str(drive)],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert out.returncode == 0, out.stderr[-2000:]
        return out.stdout.splitlines()

    without = run()
    assert without[0] == "1 0"
    size = batch_format.MAX_BYTES - 4096
    with open(folder / "00000002-big.mentorlog", "wb") as fh:  # an envelope line that is not one, then junk
        fh.write(batch_format.ENVELOPE_MAGIC + b'{"x":1}\n')
        fh.truncate(size)
    with_big = run()
    assert with_big[0] == "0 1"
    assert "00000002-big.mentorlog | Its outer signature does not match" in "\n".join(with_big)
    grew_kb = int(with_big[-1]) - int(without[-1])
    assert grew_kb < 1.5 * size / 1024, f"reading one {size >> 20} MiB file took {grew_kb >> 10} MB more"


def test_the_command_line_export_says_what_the_sharing_screen_says(world):
    from conftest import PASSPHRASE, run_cli

    supervisor, mentor, drive = world
    _person(mentor, "Cli Warned")
    trip(mentor)
    (device_folder(drive, mentor) / "00000002-x.mentorlog").write_bytes(b"")
    mentor.close()
    said = run_cli("export", "--profile", str(mentor.path), "--passphrase-stdin", input=PASSPHRASE + "\n")
    assert said.returncode == 0, said.stderr
    assert "not from this laptop and was ignored (00000002-x.mentorlog)" in said.stderr


def test_an_empty_file_with_the_next_number_is_set_aside_and_the_real_batch_gets_through(world):
    supervisor, mentor, drive = world
    _person(mentor, "First")
    trip(mentor)
    assert import_folder(supervisor, drive).batches_imported == 1
    folder = device_folder(drive, mentor)
    empty = folder / "00000002-00000000-0000-0000-0000-000000000000.mentorlog"
    empty.write_bytes(b"")  # a sync tool's placeholder, or a copy cut short at nothing
    _person(mentor, "Second", concern="Seen with the man from before again")
    result = trip(mentor)  # the laptop is not stopped by a file it did not write
    assert result.sealed and not result.waiting and empty.exists() and empty.read_bytes() == b""
    summary = import_folder(supervisor, drive)
    assert summary.batches_imported == len(result.sealed)
    assert {r[0] for r in supervisor.conn.execute("SELECT type FROM shared_records")} >= {"concern"}
    set_aside = dict(quarantine_list(supervisor.conn))
    assert "It is empty" in set_aside[empty.name]  # said, with its reason, not silently skipped
    assert not supervisor.conn.execute("SELECT 1 FROM accepted_gaps").fetchall()  # nobody had to accept a gap
