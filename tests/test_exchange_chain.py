"""The chain of a device's batches: each names the exact file before it, and a batch that doesn't is set aside.

Real profiles, real batches on a real folder; the only way to break the chain here is the one that
happens in life: two copies of one laptop's profile both carrying on sharing.
"""

from __future__ import annotations

import hashlib
import json
import shutil

import pytest
from conftest import PASSPHRASE

from mentor_app.exchange import batch as batch_format
from mentor_app.exchange import mentors as register
from mentor_app.exchange.enrolment import accept_enrolment, make_enrolment, parse_enrolment
from mentor_app.exchange.export import PREVIOUS, device_folder
from mentor_app.exchange.importer import import_folder, quarantine_list
from mentor_app.exchange.keys import device_key, organisation_keys
from mentor_app.exchange.trip import trip
from mentor_app.records import store
from mentor_app.records.types import Consent, Meeting, Mentee
from mentor_app.storage.profile import open_profile

LINK_MISMATCH = "Its link to the previous batch does not match"


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


def _person(p, name: str) -> str:
    mid = store.save(p.conn, Mentee(name=name, status="active"), author=p.author)
    store.save(p.conn, Consent(scope="share_with_organisation", on="2026-01-01"), author=p.author, mentee_id=mid)
    store.save(
        p.conn, Meeting(starts_at="2026-11-02T10:00", notes=f"Talked with {name}"), author=p.author, mentee_id=mid
    )
    return mid


def _batches(mentor, drive) -> list:
    """The device's batch files, oldest first."""
    return sorted(device_folder(drive, mentor).glob("*" + batch_format.SUFFIX))


def _manifest(supervisor, path) -> dict:
    identities, _ = organisation_keys(supervisor)
    return batch_format.open_batch(path.read_bytes(), identities).manifest


def _held_text(supervisor) -> str:
    return supervisor.conn.execute("SELECT coalesce(group_concat(fields), '') FROM shared_records").fetchone()[0]


def test_each_batch_names_the_sha256_of_the_file_before_it_and_the_supervisor_keeps_the_same(world):
    supervisor, mentor, drive = world
    for name in ("First Person", "Second Person", "Third Person"):
        _person(mentor, name)
        assert trip(mentor).sealed
    files = _batches(mentor, drive)
    assert len(files) == 3
    digests = [hashlib.sha256(f.read_bytes()).hexdigest() for f in files]
    manifests = [_manifest(supervisor, f) for f in files]
    assert [m["sequence"] for m in manifests] == [1, 2, 3]
    assert manifests[0]["previous_batch_sha256"] == ""
    assert [m["previous_batch_sha256"] for m in manifests[1:]] == digests[:-1]
    assert mentor.get_setting(PREVIOUS) == digests[-1]  # what the next batch will name
    summary = import_folder(supervisor, drive)
    assert summary.batches_imported == 3 and not summary.quarantined
    assert [r[0] for r in supervisor.conn.execute("SELECT sha256 FROM imported_batches ORDER BY sequence")] == digests
    _person(mentor, "Fourth Person")
    trip(mentor)
    fourth = _batches(mentor, drive)[-1]
    assert _manifest(supervisor, fourth)["previous_batch_sha256"] == digests[-1]
    assert import_folder(supervisor, drive).batches_imported == 1


def test_a_copy_of_the_laptop_carrying_on_is_set_aside_when_its_link_does_not_match(world, tmp_path):
    supervisor, mentor, drive = world
    _person(mentor, "Before The Copy")
    path = mentor.path
    mentor.close()
    copy_path = tmp_path / "copy-of-mentor"
    shutil.copytree(path, copy_path)  # the same device key, the same place in the chain
    a = open_profile(path, secret=PASSPHRASE)
    b = open_profile(copy_path, secret=PASSPHRASE)
    try:
        _person(a, "Only On A")
        trip(a)
        assert import_folder(supervisor, drive).batches_imported == 1
        a_first = hashlib.sha256(_batches(a, drive)[0].read_bytes()).hexdigest()

        # A's batch 1 leaves the drive (a sync client, a colleague tidying up); the copy, seeing no batch 1
        # there, seals its own from the same point: a second batch numbered 1.
        _batches(a, drive)[0].unlink()
        _person(b, "Only On B")
        trip(b)
        summary = import_folder(supervisor, drive)
        assert summary.batches_imported == 0
        assert any("Fork" in why for _, why in summary.quarantined)
        # Its batch 2 follows its own batch 1, not the one the supervisor has: the link does not match.
        _person(b, "Later On B")
        trip(b)
        b_second = [f for f in _batches(b, drive) if _manifest(supervisor, f)["sequence"] == 2]
        assert len(b_second) == 1
        b_first = [f for f in _batches(b, drive) if _manifest(supervisor, f)["sequence"] == 1]
        assert (
            _manifest(supervisor, b_second[0])["previous_batch_sha256"]
            == hashlib.sha256(b_first[0].read_bytes()).hexdigest()
            != a_first
        )
        summary = import_folder(supervisor, drive)
        assert summary.batches_imported == 0
        assert [name for name, why in summary.quarantined if why.startswith(LINK_MISMATCH)] == [b_second[0].name]
        assert supervisor.conn.execute(
            "SELECT code, sequence FROM quarantine WHERE file_name = ?", (b_second[0].name,)
        ).fetchone() == ("link_mismatch", 2)
        assert dict(quarantine_list(supervisor.conn))[b_second[0].name].startswith(LINK_MISMATCH)
        held = _held_text(supervisor)
        assert "Only On A" in held and "Only On B" not in held and "Later On B" not in held
        assert [r[0] for r in supervisor.conn.execute("SELECT sha256 FROM imported_batches")] == [a_first]

        # Once the copy's files are taken off the drive (by IT, after a look), the laptop the supervisor
        # follows carries on: its batch 2 links to the batch 1 imported, and goes in.
        for f in _batches(b, drive):
            f.unlink()
        _person(a, "Later On A")
        trip(a)
        [a_second] = [f for f in _batches(a, drive) if _manifest(supervisor, f)["sequence"] == 2]
        assert _manifest(supervisor, a_second)["previous_batch_sha256"] == a_first
        summary = import_folder(supervisor, drive)
        assert summary.batches_imported == 1
        held = _held_text(supervisor)
        assert "Later On A" in held and "Later On B" not in held
        assert import_folder(supervisor, drive).batches_imported == 0
    finally:
        a.close()
        b.close()
