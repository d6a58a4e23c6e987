"""Fuzzing every importer of outside files: each case ends in a plain refusal or a correct import.

Files on a shared drive, in an e-mail or on a memory stick are not trusted. Whatever bytes arrive, an
importer may only say plainly why it refuses them (the app's own errors, or a batch set aside with a
reason) or import exactly what the file says. It must never crash with another exception, never hang,
and never leave a half-written change: after a refusal, every table is as it was, row for row.

Real profiles and real files throughout. The profiles and one valid file of each kind are made once for
the module, because each profile runs a key derivation. Run with -s to see how many cases ran.
"""

from __future__ import annotations

import base64
import collections
import csv
import dataclasses
import hashlib
import hmac
import io
import itertools
import json
import os
import re
from datetime import timedelta
from pathlib import Path

import keyring
import keyring.backends.fail
import pyrage
import pytest
from conftest import FAST_KDF, PASSPHRASE, examples
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pyrage import x25519

from mentor_app.directory import csv_io
from mentor_app.directory.contacts import duplicate_key
from mentor_app.errors import BadInput, MentorAppError
from mentor_app.exchange import batch as batch_format
from mentor_app.exchange import mentors as register
from mentor_app.exchange.enrolment import (
    ENROLMENT,
    SHARED_FOLDER,
    EnrolmentError,
    accept_enrolment,
    current_enrolment,
    make_enrolment,
    parse_enrolment,
)
from mentor_app.exchange.handover import HandoverError, make_handover, receive_handover
from mentor_app.exchange.importer import RECORD_TYPES_IN, import_files, import_folder
from mentor_app.exchange.keys import SigningKey, b64, device_key, organisation_keys
from mentor_app.exchange.policy import COUNT_FIELDS
from mentor_app.exchange.publish import APPLIED, PROBLEM, SEEN, pick_up, publish
from mentor_app.exchange.publish import FOLDER as DIRECTORY_FOLDER
from mentor_app.exchange.trip import trip
from mentor_app.exchange.validate import check_record
from mentor_app.privacy import retention
from mentor_app.records import store, vocab
from mentor_app.records.types import (
    RECORD_TYPES,
    Concern,
    Consent,
    Contact,
    Meeting,
    Mentee,
    NeedsCheck,
    from_data,
    to_data,
    validate,
)
from mentor_app.storage.keywrap import new_recovery_code
from mentor_app.storage.profile import create_profile

# A deadline catches a hang in one case; pytest-timeout catches a hang in the whole test. No example
# database: a failing case is printed in full, to be replayed with @reproduce_failure.
FUZZ = settings(
    database=None,
    deadline=timedelta(seconds=10),
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
# Thousands of cases, and a world of profiles made for them first: `make test` runs them, `make test-fast` not.
pytestmark = pytest.mark.slow

CASES: collections.Counter = collections.Counter()
OUTCOMES: collections.Counter = collections.Counter()
_serial = itertools.count(1)


def outcome(importer: str, how: str) -> None:
    """Count a case that ran to its end (a draw hypothesis abandons half way is not a case)."""
    CASES[importer] += 1
    OUTCOMES[importer, how] += 1
    event(how)


# ---------------------------------------------------------------------------------------------------------
# The world: a supervisor, mentors, and one valid file of each kind.


class World:
    """The profiles and valid files every case starts from (a plain class: a failing case prints briefly)."""

    root: Path
    supervisor: object  # imports batches
    mentor: object  # enrolled; picks up published directories from `drive`
    enrollee: object  # takes enrolment files
    desk: object  # imports directory CSVs
    receiver: object  # takes hand-over files
    drive: Path
    recipients: list[str]
    org_signing: SigningKey
    batch: bytes
    enrolment: bytes
    published: bytes
    applied_at: str
    csv: bytes
    existing_contact: str
    handover: dict  # what a real hand-over file holds
    handover_code: str
    handover_file: bytes

    def __init__(self, **values):
        self.__dict__.update(values)

    def __repr__(self) -> str:
        return "World()"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    root = tmp_path_factory.mktemp("fuzz")
    opened = []

    def profile(name, role="mentor"):
        p, _ = create_profile(
            root / name, role=role, name=f"Fuzz {name}", passphrase=PASSPHRASE, use_keyring=False, kdf_params=FAST_KDF
        )
        opened.append(p)
        return p

    supervisor = profile("supervisor", "supervisor")
    enrolment_bytes = json.dumps(make_enrolment(supervisor)).encode()
    enrolment = parse_enrolment(enrolment_bytes)
    drive = root / "drive"
    drive.mkdir()
    mentor = profile("mentor")
    accept_enrolment(mentor, enrolment, enrolment.fingerprint, shared_folder=str(drive))
    mid = store.save(mentor.conn, Mentee(name="Fuzz Person", status="active"), author=mentor.author)
    store.save(
        mentor.conn, Consent(scope="share_with_organisation", on="2026-01-01"), author=mentor.author, mentee_id=mid
    )
    store.save(
        mentor.conn,
        Meeting(
            starts_at="2026-11-01T10:00",
            kind="sport",
            activity="gym",
            duration_minutes=45,
            notes="Talked about housing",
        ),
        author=mentor.author,
        mentee_id=mid,
    )
    store.save(
        mentor.conn,
        Concern(category="exploitation", raised_at="2026-11-01T12:00", what_happened="Seen with a worrying person"),
        author=mentor.author,
        mentee_id=mid,
    )
    batch_path = trip(mentor).path
    register.note_device(supervisor.conn, device_key(mentor).public, "Fuzz mentor")
    register.approve(supervisor.conn, device_key(mentor).fingerprint, "Fuzz mentor")
    # Imported once, so a refused file has real shared records to leave alone (the concern travels first).
    assert import_folder(supervisor, drive).batches_imported == 2

    for name, phone in (
        ("Org Housing Team", "01632 960222"),
        ("Org Debt Advice", "01632 960333"),
        ('Żabka Advice – "quoted", with commas', "01632 960444"),
    ):
        store.save(
            supervisor.conn,
            Contact(
                organisation=name,
                categories=["housing", "money"],
                phone=phone,
                help_with="Line one,\nline two",
                last_checked="2026-11-01",
            ),
            author=supervisor.author,
        )
    store.save(
        mentor.conn,
        Contact(organisation="My Own Café", categories=["sport"], phone="01632 960111"),
        author=mentor.author,
    )
    published_path = publish(supervisor, drive)
    assert pick_up(mentor) == 3
    published = published_path.read_bytes()
    published_path.unlink()

    desk = profile("desk")
    existing = store.save(
        desk.conn,
        Contact(organisation="Already Here", categories=["housing"], phone="01632 960500"),
        author=desk.author,
    )
    csv_path = root / "directory.csv"
    csv_io.export_csv(supervisor.conn, csv_path)

    # A real hand-over, read once; the cases re-encrypt it with a cheap work factor (see age_passphrase).
    person = store.save(desk.conn, Mentee(name="Handed Over", status="active"), author=desk.author)
    store.save(
        desk.conn, Meeting(starts_at="2026-11-02T10:00", notes="Went well"), author=desk.author, mentee_id=person
    )
    store.save(
        desk.conn, NeedsCheck(on="2026-11-02", scores={"accommodation": 2}), author=desk.author, mentee_id=person
    )
    code = make_handover(desk, person, root / "real.mentorhandover")
    handover = json.loads(pyrage.passphrase.decrypt((root / "real.mentorhandover").read_bytes(), code))

    yield World(
        root=root,
        supervisor=supervisor,
        mentor=mentor,
        enrollee=profile("enrollee"),
        desk=desk,
        receiver=profile("receiver"),
        drive=drive,
        recipients=enrolment.recipients,
        org_signing=organisation_keys(supervisor)[1],
        batch=batch_path.read_bytes(),
        enrolment=enrolment_bytes,
        published=published,
        applied_at=mentor.get_setting(APPLIED),
        csv=csv_path.read_bytes(),
        existing_contact=existing,
        handover=handover,
        handover_code=code,
        handover_file=age_passphrase(json.dumps(handover).encode(), code),
    )
    for p in opened:
        p.close()
    keyring.set_keyring(previous)
    print(
        "\nFuzz cases run per importer: "
        + ", ".join(f"{k}: {v}" for k, v in sorted(CASES.items()))
        + f"; total {sum(CASES.values())}"
    )
    print("Outcomes: " + ", ".join(f"{k} {how}: {v}" for (k, how), v in sorted(OUTCOMES.items())))


# ---------------------------------------------------------------------------------------------------------
# What every case is held to.


def dump(conn, leave_out=()) -> dict:
    """Every row of every table, to prove a refusal changed nothing.

    The receipt the supervisor leaves on each import is bookkeeping about the drive, not records.
    """
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    rows = {t: sorted(map(repr, conn.execute(f'SELECT * FROM "{t}"'))) for t in tables if t not in leave_out}
    if "settings" in rows:
        rows["settings"] = [r for r in rows["settings"] if not r.startswith("('exchange.receipt")]
    return rows


def plain(message) -> bool:
    """A sentence a person can read: no traceback, no Python repr."""
    return (
        isinstance(message, str)
        and len(message) >= 10
        and (message[0].isupper() or message[0].isdigit())
        and message.rstrip().endswith(".")
        and "Traceback" not in message
        and "object at 0x" not in message
    )


# ---------------------------------------------------------------------------------------------------------
# Damage done to a valid file.


def damaged(valid: bytes) -> st.SearchStrategy[bytes]:
    """Random bytes, or the valid file cut short, with bytes flipped, inserted, deleted or repeated."""
    n = len(valid)

    def flip(changes):
        data = bytearray(valid)
        for position, mask in changes:
            data[position] ^= mask
        return bytes(data)

    return st.one_of(
        st.binary(max_size=2048),
        st.integers(0, n - 1).map(lambda i: valid[:i]),
        st.lists(st.tuples(st.integers(0, n - 1), st.integers(1, 255)), min_size=1, max_size=6).map(flip),
        st.tuples(st.integers(0, n), st.binary(min_size=1, max_size=64)).map(
            lambda t: valid[: t[0]] + t[1] + valid[t[0] :]
        ),
        st.tuples(st.integers(0, n - 1), st.integers(1, 512)).map(lambda t: valid[: t[0]] + valid[t[0] + t[1] :]),
        st.tuples(st.integers(0, n), st.integers(0, n)).map(lambda t: valid[: max(t)] + valid[min(t) :]),
        st.integers(1, 4).map(lambda k: valid * k + b"\n"),
    )


ODD_STRINGS = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "NaN",
        "age1",
        "A" * 44,
        "2999-12-31T23:59:59+00:00",
        '=HYPERLINK("http://example.org/x","Click here")',
        "\u202e\u0645\u0631\u062d\u0628",
        "x" * 5000,
    ]
)
JSON_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.text(max_size=20)
    | ODD_STRINGS
    | st.floats(allow_nan=False, allow_infinity=False)
)
JSON = st.recursive(
    JSON_LEAVES,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)
# What only a hand-made file holds: non-finite numbers, unpaired surrogates, nesting past any sense.
HOSTILE_TEXT = st.one_of(
    st.integers(1, 60_000).map(lambda d: "[" * d + "]" * d),
    st.integers(1, 60_000).map(lambda d: '{"a":' * d + "1" + "}" * d),
    st.sampled_from(
        ['"\\ud800"', '"a\\udfffb"', '{"\\udc00": 1}', "NaN", "-Infinity", "1e400", "1" * 5000, '"\\u0000"', "[" * 3000]
    ),
)
NOT_STRINGS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


def paths_of(value, here=()):
    yield here
    if isinstance(value, dict):
        for k, v in value.items():
            yield from paths_of(v, here + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from paths_of(v, here + (i,))


def replaced(value, path, new, delete=False):
    """A copy of a JSON value with the item at `path` replaced (or deleted)."""
    if not path:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    if len(path) == 1 and delete:
        del copy[path[0]]
        return copy
    copy[path[0]] = replaced(value[path[0]], path[1:], new, delete)
    return copy


MARK = "@@hostile@@"


def json_damage(valid_obj) -> st.SearchStrategy[bytes]:
    """A valid JSON file with one item replaced by something odd, deleted, or replaced by hostile raw text."""
    paths = list(paths_of(valid_obj))

    @st.composite
    def build(draw):
        path = draw(st.sampled_from(paths))
        how = draw(st.sampled_from(["value", "delete", "hostile"]))
        if how == "hostile":
            text = json.dumps(replaced(valid_obj, path, MARK), ensure_ascii=False)
            return text.replace(json.dumps(MARK), draw(HOSTILE_TEXT), 1).encode("utf-8")
        if how == "delete" and path:
            obj = replaced(valid_obj, path, None, delete=True)
        else:
            obj = replaced(valid_obj, path, draw(JSON))
        return json.dumps(obj, ensure_ascii=draw(st.booleans())).encode("utf-8")

    return build()


# ---------------------------------------------------------------------------------------------------------
# 1. Mentors' export batches, at the supervisor.


def _import_one(world, data: bytes, folder_name: str = "device-fuzz"):
    """Import one batch file; returns (summary, sha, tables before, tables after), quarantine left out."""
    conn = world.supervisor.conn
    folder = world.root / "incoming" / folder_name
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{next(_serial):08d}-fuzz{batch_format.SUFFIX}"
    path.write_bytes(data)
    before = dump(conn, leave_out={"quarantine"})
    try:
        summary = import_files(world.supervisor, [path])
    finally:
        path.unlink()
    return summary, hashlib.sha256(data).hexdigest(), before, dump(conn, leave_out={"quarantine"})


def _assert_set_aside(world, summary, sha, before, after):
    changed = [t for t in before if before[t] != after.get(t)]
    assert not changed, f"a refused batch changed {changed}: {summary}"
    assert summary.batches_imported == 0 and summary.records_applied == 0
    row = world.supervisor.conn.execute("SELECT reason FROM quarantine WHERE sha256 = ?", (sha,)).fetchone()
    assert row is not None, "a refused batch was not set aside"
    assert plain(row[0]), row[0]
    for _, reason in summary.quarantined:
        assert plain(reason), reason


@settings(FUZZ, max_examples=examples(500))
@given(data=st.data())
def test_damaged_batch_files_are_set_aside_and_change_nothing(world, data):
    raw = data.draw(damaged(world.batch), label="file")
    summary, sha, before, after = _import_one(world, raw)
    if raw == world.batch:
        assert summary.already_imported == 1 and after == before
        outcome("batches", "already imported")
    else:
        _assert_set_aside(world, summary, sha, before, after)
        outcome("batches", "set aside")


@settings(FUZZ, max_examples=examples(40))
@given(
    data=st.data(),
    names=st.lists(
        st.text(st.characters(whitelist_categories=("L", "N")), min_size=1, max_size=12),
        min_size=1,
        max_size=5,
        unique=True,
    ),
)
def test_a_folder_of_damaged_batches_imports_nothing_and_sets_each_aside(world, data, names):
    conn = world.supervisor.conn
    folder = world.root / "incoming-folder" / f"run-{next(_serial)}"
    device = folder / "device-fuzz"
    device.mkdir(parents=True)
    written = {name: data.draw(damaged(world.batch), label=name) for name in names}
    for name, raw in written.items():
        (device / f"{name}{batch_format.SUFFIX}").write_bytes(raw)
    (device / f"copy (1){batch_format.SUFFIX}").write_bytes(world.batch)  # a sync client's copy
    before = dump(conn, leave_out={"quarantine"})
    summary = import_folder(world.supervisor, folder)
    assert dump(conn, leave_out={"quarantine"}) == before
    assert summary.batches_imported == 0
    assert summary.already_imported == 1 + sum(raw == world.batch for raw in written.values())
    for raw in written.values():
        if raw != world.batch:
            row = conn.execute(
                "SELECT reason FROM quarantine WHERE sha256 = ?", (hashlib.sha256(raw).hexdigest(),)
            ).fetchone()
            assert row is not None and plain(row[0])
    outcome("batches", "folder: all set aside")


def _approved_device(world) -> SigningKey:
    key = SigningKey(b64(os.urandom(32)))
    register.note_device(world.supervisor.conn, key.public, "Fuzz device")
    register.approve(world.supervisor.conn, key.fingerprint, "Fuzz device")
    return key


NORMAL_TYPES = sorted(RECORD_TYPES_IN - {"withdrawal", "erasure", "handover"})
RECORD_KEYS = {
    "id",
    "type",
    "basis",
    "version",
    "base_version",
    "fields",
    "content_sha256",
    "mentee_id",
    "pseudonym",
    "updated_at",
    "deleted",
}
BASES = {"consent", "safeguarding", "counts", "mentor", "tombstone", "withdrawal", "erasure"}
ID_TEXT = st.text(max_size=40)


SHORT_TEXT = st.text(max_size=40)
FIELD_VALUES = {
    "line": SHORT_TEXT,
    "code": SHORT_TEXT,  # the supervisor keeps what a mentor's app sent; the app checked its form
    "own": st.dictionaries(  # answers to the organisation's own questions, by question key
        st.text("0123456789abcdef", min_size=1, max_size=12).map(lambda k: "q_" + k),
        st.one_of(SHORT_TEXT, st.integers(0, 100_000), st.booleans()),
        max_size=3,
    ),
    "text": st.text(max_size=200),
    "date": st.dates().map(str),
    "datetime": st.datetimes().map(lambda d: d.isoformat(timespec="minutes")),
    "bool": st.booleans(),
    "int": st.integers(0, 100_000),
    "float": st.floats(0, 100_000),
    "list": st.lists(SHORT_TEXT, max_size=3),
    "map": st.dictionaries(
        st.sampled_from(sorted(vocab.NEEDS_AREAS)), st.one_of(st.integers(1, 5), SHORT_TEXT), max_size=3
    ),
}


@st.composite
def fields_for(draw, rtype: str, only=None):
    """Fields of the shapes a record of this type has (any subset: older versions had fewer)."""
    metas = {f.name: f.metadata for f in dataclasses.fields(RECORD_TYPES[rtype])}
    kinds = {name: meta["kind"] for name, meta in metas.items()}
    names = draw(st.lists(st.sampled_from(sorted(only or kinds)), unique=True, max_size=5))

    def value(name):
        meta = metas[name]
        if only and meta["choices"]:  # counts hold only answers from a field's list (exchange/validate.py)
            codes = sorted(meta["choices"])
            if meta["kind"] == "int":
                return draw(st.sampled_from([0, *map(int, codes)]))
            return draw(st.sampled_from(["", *codes]))
        if only and meta["kind"] == "code":
            return draw(st.sampled_from(["", meta["longest"]]))
        return draw(FIELD_VALUES[kinds[name]])

    fields = {name: value(name) for name in names if name in kinds}
    if only:
        for extra in set(names) - set(kinds):
            fields[extra] = draw(st.text(max_size=7))
    return fields


@st.composite
def good_record(draw, token: str, i: int):
    """A record the supervisor takes in; ids and people are this case's own, so cases don't meet."""
    basis = draw(st.sampled_from(["consent", "safeguarding", "mentor", "tombstone", "counts"]))
    if basis == "counts":
        rtype = draw(st.sampled_from(sorted(COUNT_FIELDS)))
        allowed = list(COUNT_FIELDS[rtype]) + ["month", "week", "pseudonym"]
        fields = draw(fields_for(rtype, only=allowed))
    else:
        rtype = draw(st.sampled_from(NORMAL_TYPES))
        fields = draw(fields_for(rtype))
    record = {
        "id": f"{token}r{i}-" + draw(ID_TEXT),
        "type": rtype,
        "basis": basis,
        "version": draw(st.integers(0, 10**9 - 1)),
        "base_version": draw(st.integers(0, 10**9 - 1)),
        "fields": fields,
        "content_sha256": batch_format.content_hash(fields),
    }
    if basis != "counts" and draw(st.booleans()):
        record["mentee_id"] = f"{token}m{i}-" + draw(ID_TEXT)
    if draw(st.booleans()):
        record["pseudonym"] = f"{token}p{i}-" + draw(ID_TEXT)
    if draw(st.booleans()):
        record["updated_at"] = draw(SHORT_TEXT)
    if basis == "tombstone" and draw(st.booleans()):
        record.update(deleted=True, fields={}, content_sha256=batch_format.content_hash({}))
    extra = draw(st.text(min_size=1, max_size=8))
    if extra not in RECORD_KEYS and draw(st.booleans()):
        record[extra] = draw(JSON)
    return record


@st.composite
def leaving_record(draw, token: str, i: int):
    """A withdrawal or an erasure, about someone no other record in the batch names."""
    rtype = draw(st.sampled_from(["withdrawal", "erasure"]))
    fields = {"records": [f"{token}gone{i}-{n}" for n in range(draw(st.integers(0, 3)))]} if rtype == "erasure" else {}
    return {
        "id": f"{token}r{i}-{rtype}",
        "type": rtype,
        "basis": rtype,
        "version": 1,
        "base_version": 0,
        "mentee_id": f"{token}gone{i}",
        "pseudonym": f"{token}gone-p{i}",
        "fields": fields,
        "content_sha256": batch_format.content_hash(fields),
    }


@st.composite
def bad_record(draw, token: str, i: int):
    """A record the importer must refuse (alone: the rest of its batch still applies)."""
    record = draw(good_record(token, i))
    flaw = draw(
        st.sampled_from(
            ["not_object", "type", "basis", "id", "version", "fields", "too_large", "hash", "mentee_id", "counts"]
        )
    )
    if flaw == "not_object":
        return draw(
            st.one_of(st.lists(JSON, max_size=3), st.text(max_size=10), st.integers(), st.none(), st.booleans())
        )
    if flaw == "type":
        # Hashable values only: a list or an object as the type is one of IMPORTER_GAPS below.
        record["type"] = draw(
            st.one_of(st.text(max_size=12), st.none(), st.integers(), st.booleans()).filter(
                lambda v: v not in RECORD_TYPES_IN
            )
        )
    elif flaw == "basis":
        record["basis"] = draw(
            st.one_of(st.text(max_size=12), st.none(), st.integers()).filter(lambda v: v not in BASES)
        )
    elif flaw == "id":
        record["id"] = draw(st.one_of(st.just(""), st.just("x" * 121), NOT_STRINGS))
    elif flaw == "version":
        name = draw(st.sampled_from(["version", "base_version"]))
        bad = draw(
            st.one_of(
                st.booleans(),
                st.integers(max_value=-1),
                st.integers(min_value=2**53),
                st.text(max_size=4),
                st.none(),
                st.floats(allow_nan=False, allow_infinity=False),
            )
        )
        record[name] = -1.5 if isinstance(bad, float) and bad.is_integer() and 0 <= bad < 10**9 else bad
        if draw(st.booleans()):
            del record[name]
    elif flaw == "fields":
        record["fields"] = draw(st.one_of(st.lists(JSON, max_size=2), st.text(max_size=5), st.integers(), st.none()))
        if draw(st.booleans()):
            del record["fields"]
    elif flaw == "too_large":
        record["fields"] = {"notes": "x" * 20_001}
        record["content_sha256"] = batch_format.content_hash(record["fields"])
    elif flaw == "hash":
        record["content_sha256"] = draw(
            st.one_of(st.text(max_size=64), NOT_STRINGS).filter(lambda v: v != record["content_sha256"])
        )
    elif flaw == "mentee_id":
        record[draw(st.sampled_from(["mentee_id", "pseudonym"]))] = draw(st.one_of(st.just("y" * 121), NOT_STRINGS))
    elif flaw == "counts":  # shared without consent, yet carrying more than counts
        rtype = draw(st.sampled_from(sorted(COUNT_FIELDS)))
        fields = {"notes": "a name and a story"} if draw(st.booleans()) else {COUNT_FIELDS[rtype][0]: 1}
        record.update(type=rtype, basis="counts", fields=fields, content_sha256=batch_format.content_hash(fields))
        if "notes" not in fields:
            record["mentee_id"] = f"{token}named"
    return record


MANIFEST_FLAWS = {
    # flaw: what the supervisor's import must do with the batch
    "none": "import",
    "neutral": "import",
    "blank_lines": "import",
    "crlf": "import",
    "no_records": "import",
    "format": "refuse",
    "newer": "refuse",
    "format_version": "refuse",
    "device_key": "refuse",
    "device_key_id": "refuse",
    "signature": "refuse",
    "records_sha256": "refuse",
    "record_count": "refuse",
    "batch_id": "refuse",
    "sequence": "refuse",
    "header": "refuse",
    "foreign": "refuse",
    "later": "wait",
    # One bad record or unreadable line is refused alone; the rest of the batch applies.
    "record_line": "one refused",
    "bad_record": "one refused",
}


@st.composite
def signed_batch(draw, world, key: SigningKey, token: str):
    """(file bytes, records, flaw): a batch sealed and signed as the app does, then bent one way."""
    flaw = draw(st.sampled_from(sorted(MANIFEST_FLAWS)))
    count = 0 if flaw == "no_records" else draw(st.integers(1, 5))
    records = [draw(st.one_of(good_record(token, i), leaving_record(token, i))) for i in range(count)]
    if flaw == "bad_record":
        records.insert(draw(st.integers(0, len(records))), draw(bad_record(token, len(records))))
    lines = [batch_format.canonical(r) for r in records]
    if flaw == "record_line":
        # A line that is not a well-formed record object is refused alone, however it is signed.
        lines.insert(
            draw(st.integers(0, len(lines))),
            draw(
                st.one_of(
                    HOSTILE_TEXT.map(str.encode), st.binary(min_size=1, max_size=40).filter(lambda b: b"\n" not in b)
                )
            ),
        )
    stream = b"".join(line + (b"\r\n" if flaw == "crlf" else b"\n") for line in lines)
    if flaw == "blank_lines":
        stream = b"\n" + stream.replace(b"\n", b"\n\n")
    manifest = {
        "format": batch_format.FORMAT,
        "format_version": batch_format.FORMAT_VERSION,
        "batch_id": f"{token}batch",
        "sequence": 1,
        "previous_batch_sha256": "",
        "created_at": "2026-11-01T10:00:00+00:00",
        "device_key": b64(key.public),
        "device_key_id": key.fingerprint,
        "mentor_name": "Fuzz device",
        "recipients": world.recipients[:1],
        "record_count": len(lines),
        "records_sha256": hashlib.sha256(stream).hexdigest(),
    }
    if flaw == "neutral":
        name = draw(st.sampled_from(["mentor_name", "created_at", "recipients", "previous_batch_sha256", "extra"]))
        manifest[name] = draw(JSON)
    elif flaw == "format":
        manifest["format"] = draw(
            st.one_of(JSON, st.just("mentor-app-batch ")).filter(lambda v: v != batch_format.FORMAT)
        )
    elif flaw == "newer":
        manifest["format_version"] = draw(st.integers(batch_format.FORMAT_VERSION + 1, 2**80))
    elif flaw == "format_version":
        manifest["format_version"] = draw(
            st.one_of(
                st.none(),
                st.lists(st.integers(), max_size=2),
                st.dictionaries(st.text(max_size=2), st.integers(), max_size=1),
                st.text(max_size=6).filter(lambda t: not t.strip().lstrip("+-").isdigit()),
                st.sampled_from([float("inf"), float("-inf"), float("nan")]),
            )
        )
    elif flaw == "device_key":
        manifest["device_key"] = draw(st.one_of(NOT_STRINGS, st.text(max_size=50), st.just(b64(os.urandom(32)))))
        if draw(st.booleans()):
            del manifest["device_key"]
    elif flaw == "device_key_id":
        manifest["device_key_id"] = draw(JSON.filter(lambda v: v != key.fingerprint))
    elif flaw == "records_sha256":
        manifest["records_sha256"] = draw(st.one_of(NOT_STRINGS, st.text(max_size=64)))
    elif flaw == "record_count":
        manifest["record_count"] = draw(
            st.one_of(st.integers(), st.text(max_size=3), st.none(), st.lists(st.integers(), max_size=2)).filter(
                lambda v: v != len(lines) or isinstance(v, bool)
            )
        )
        if manifest["record_count"] is True and len(lines) == 1:
            manifest["record_count"] = 7  # True == 1 in Python: not a flaw there
    elif flaw == "batch_id":
        manifest["batch_id"] = draw(st.one_of(st.just(""), NOT_STRINGS))
        if draw(st.booleans()):
            del manifest["batch_id"]
    elif flaw == "sequence":
        manifest["sequence"] = draw(
            st.one_of(
                st.integers(max_value=0),
                st.integers(min_value=2**63),
                st.text(max_size=3),
                st.none(),
                st.sampled_from([1.0, True]),
                st.lists(st.integers(), max_size=2),
            )
        )
        if draw(st.booleans()):
            del manifest["sequence"]
    elif flaw == "later":
        manifest["sequence"] = draw(st.integers(2, 10**6))
    header = {"manifest": manifest, "signature": key.sign(batch_format.canonical(manifest))}
    if flaw == "signature":
        header["signature"] = draw(
            st.one_of(
                NOT_STRINGS,
                st.text(max_size=90),
                st.just(SigningKey(b64(os.urandom(32))).sign(batch_format.canonical(manifest))),
            )
        )
        if draw(st.booleans()):
            del header["signature"]
    header_line = batch_format.canonical(header)
    if flaw == "header":
        header_line = draw(
            st.one_of(
                HOSTILE_TEXT.map(str.encode),
                st.just(b'{"manifest": {"format": "mentor-app-batch", "name": "\\ud800"}, "signature": "AAAA"}'),
                JSON.map(lambda v: json.dumps({"manifest": v, "signature": "AAAA"}).encode()),
                JSON.map(lambda v: json.dumps(v).encode()),
                st.binary(max_size=60).filter(lambda b: b"\n" not in b),
            )
        )
    recipients = world.recipients[:1]
    if flaw == "foreign":
        recipients = [str(x25519.Identity.generate().to_public())]
    sealed = pyrage.encrypt(header_line + b"\n" + stream, [x25519.Recipient.from_str(r) for r in recipients])
    return sealed, records, flaw


def _assert_imported_exactly(world, records, fp):
    conn = world.supervisor.conn
    for r in (json.loads(batch_format.canonical(r)) for r in records):  # as the file holds them, keys sorted
        if r["type"] == "withdrawal":
            held = conn.execute("SELECT fingerprint FROM withdrawals WHERE mentee_id = ?", (r["mentee_id"],))
            assert held.fetchone() == (fp,)
            continue
        if r["type"] == "erasure":
            assert (
                conn.execute(
                    "SELECT count(*) FROM audit_log WHERE action = 'erase' AND record_id = ?", (r["mentee_id"],)
                ).fetchone()[0]
                == 1
            )
            continue
        row = conn.execute(
            "SELECT type, basis, mentee_id, pseudonym, fields, updated_at, deleted, fingerprint "
            "FROM shared_records WHERE id = ? AND version = ? AND content_sha256 = ?",
            (r["id"], r["version"], r["content_sha256"]),
        ).fetchone()
        assert row is not None, "an accepted record is missing"
        deleted = bool(r.get("deleted"))
        assert row[:2] == (r["type"], r["basis"]) and row[6] == int(deleted) and row[7] == fp
        assert json.loads(row[4]) == ({} if deleted else r["fields"])
        if not deleted:
            assert row[2] == (None if r["basis"] == "counts" else r.get("mentee_id"))
            assert row[3] == r.get("pseudonym")
            assert row[5] == str(r.get("updated_at", ""))[:40]


@settings(FUZZ, max_examples=examples(500))
@given(data=st.data())
def test_signed_batches_with_wrong_content_are_refused_whole_or_imported_exactly(world, data):
    key = _approved_device(world)
    raw, records, flaw = data.draw(signed_batch(world, key, f"t{next(_serial)}-"), label="batch")
    expected = MANIFEST_FLAWS[flaw]
    summary, sha, before, after = _import_one(world, raw, folder_name=f"device-{key.fingerprint}")
    conn = world.supervisor.conn
    if expected == "refuse":
        _assert_set_aside(world, summary, sha, before, after)
    elif expected == "wait":
        # Only the register changes: it now says which batch this device is waiting for, and since when.
        assert {t: v for t, v in after.items() if t != "mentor_devices"} == {
            t: v for t, v in before.items() if t != "mentor_devices"
        }
        assert [d.waiting_for for d in register.list_devices(conn) if d.fingerprint == key.fingerprint] == [1]
        assert summary.waiting and summary.batches_imported == 0
        assert conn.execute("SELECT 1 FROM quarantine WHERE sha256 = ?", (sha,)).fetchone() is None
    else:
        assert summary.batches_imported == 1 and not summary.quarantined, summary.quarantined
        held = conn.execute("SELECT sequence, records FROM imported_batches WHERE sha256 = ?", (sha,))
        lines = len(records) + (flaw == "record_line")
        assert held.fetchone() == (1, lines)
        refused = [
            r for r in records if check_record(json.loads(batch_format.canonical(r)) if isinstance(r, dict) else r)
        ]
        assert len(summary.refused) == (1 if expected == "one refused" else 0), summary.refused
        assert all(plain(why) for _, why in summary.refused)
        assert conn.execute(
            "SELECT count(*) FROM refused_records WHERE fingerprint = ?", (key.fingerprint,)
        ).fetchone()[0] == len(summary.refused)
        _assert_imported_exactly(world, [r for r in records if not any(r is x for x in refused)], key.fingerprint)
    outcome(
        "batches",
        {
            "refuse": "set aside",
            "wait": "waiting",
            "import": "imported",
            "one refused": "one record refused, the rest imported",
        }[expected],
    )


# Signed records that once got past the record check and stopped the whole import with an exception:
# a withdrawal or erasure without a mentee_id, an erasure whose "records" is not a list, and a type or
# basis that is not a string. Each is now refused alone, and nothing shared changes.
IMPORTER_GAPS = {
    "withdrawal without a mentee": {"type": "withdrawal", "basis": "withdrawal", "fields": {}},
    "erasure whose list of records is a number": {
        "type": "erasure",
        "basis": "erasure",
        "mentee_id": "m",
        "fields": {"records": 5},
    },
    "type that is a list": {"type": ["meeting"], "basis": "consent", "fields": {}},
    "basis that is an object": {"type": "meeting", "basis": {"a": 1}, "fields": {}},
}


@pytest.mark.parametrize("gap", sorted(IMPORTER_GAPS))
def test_a_signed_record_the_record_check_misses_is_set_aside(world, gap):
    key = _approved_device(world)
    record = dict(IMPORTER_GAPS[gap], id=f"gap-{next(_serial)}", version=1, base_version=0)
    record["content_sha256"] = batch_format.content_hash(record["fields"])
    raw = batch_format.seal(
        records=[record],
        sequence=1,
        batch_id=f"gap-{gap}",
        previous_hash="",
        created_at="2026-11-01T10:00:00+00:00",
        device_key=key,
        mentor_name="Gap",
        recipients=world.recipients[:1],
    )
    conn = world.supervisor.conn
    shared = dump(conn, leave_out={"quarantine"})["shared_records"]
    summary, sha, _, after = _import_one(world, raw, folder_name=f"device-{key.fingerprint}")
    assert after["shared_records"] == shared and summary.records_applied == 0
    assert len(summary.refused) == 1 and plain(summary.refused[0][1])
    assert (
        conn.execute("SELECT count(*) FROM refused_records WHERE fingerprint = ?", (key.fingerprint,)).fetchone()[0]
        == 1
    )


# ---------------------------------------------------------------------------------------------------------
# 2. Enrolment files, at a mentor's laptop.


def _try_enrolment(world, raw: bytes, fingerprint_text: str | None):
    """Parse and accept `raw` on a profile not yet enrolled; the Enrolment if it parsed, else None.

    `fingerprint_text` is what the mentor types (None: the right fingerprint).
    """
    profile = world.enrollee
    with profile.transaction() as conn:
        conn.execute("DELETE FROM settings WHERE key IN (?, ?)", (ENROLMENT, SHARED_FOLDER))
    before = dump(profile.conn)
    try:
        enrolment = parse_enrolment(raw)
    except MentorAppError as exc:
        assert isinstance(exc, EnrolmentError) and plain(exc.message), exc.message
        assert dump(profile.conn) == before
        outcome("enrolment", "refused")
        return None
    typed = enrolment.fingerprint if fingerprint_text is None else fingerprint_text
    try:
        assert accept_enrolment(profile, enrolment, typed, shared_folder="shared") == "enrolled"
    except MentorAppError as exc:
        assert "don't match" in exc.message and plain(exc.message) and dump(profile.conn) == before
        outcome("enrolment", "read; fingerprint refused")
        return enrolment
    # What the profile holds is what the file said, and it reads back the same.
    assert json.loads(profile.get_setting(ENROLMENT)) == enrolment.raw
    held = current_enrolment(profile)
    assert (held.raw, held.recipients, held.signing_key) == (enrolment.raw, enrolment.recipients, enrolment.signing_key)
    outcome("enrolment", "enrolled")
    return enrolment


FINGERPRINT_TEXT = st.one_of(st.none(), st.text(max_size=24), st.sampled_from(["AAAA-BBBB-CCCC-DDDD", ""]))


@settings(FUZZ, max_examples=examples(500))
@given(data=st.data(), typed=FINGERPRINT_TEXT)
def test_damaged_enrolment_files_are_refused_plainly(world, data, typed):
    valid = json.loads(world.enrolment)
    padded = st.integers(64 * 1024 - 10, 64 * 1024 + 10).map(lambda n: b" " * n + world.enrolment)
    raw = data.draw(
        st.one_of(damaged(world.enrolment), json_damage(valid), HOSTILE_TEXT.map(str.encode), padded), label="file"
    )
    enrolment = _try_enrolment(world, raw, typed)
    if enrolment is not None:
        # Nothing unsigned gets through: whatever parsed says exactly what the organisation signed.
        assert {k: v for k, v in enrolment.raw.items() if k != "signature"} == {
            k: v for k, v in valid.items() if k != "signature"
        }


ENROLMENT_FIELD_FLAWS = {
    # field: (values to put there, whether an enrolment carrying them must be refused even when signed)
    "organisation": (JSON, False),
    "issued_at": (JSON, False),
    "fingerprint": (JSON, False),
    "extra": (JSON, False),
    "version": (
        st.one_of(
            st.lists(st.integers(), min_size=1, max_size=2),
            st.integers(2, 2**80),
            st.text(max_size=5).filter(lambda t: t and not t.strip().lstrip("+-").isdigit()),
            st.sampled_from([float("inf"), float("nan"), 2.5]),
            st.dictionaries(st.text(max_size=2), st.none(), min_size=1, max_size=1),
        ),
        True,
    ),
    "recipients": (
        st.one_of(
            st.just([]),
            st.text(max_size=10),
            st.lists(st.text(max_size=10), min_size=1, max_size=2),
            NOT_STRINGS.filter(lambda v: not (isinstance(v, (list, dict)) and not v)),
            st.just(["age1notarealkey"]),
        ),
        True,
    ),
    "signing_key": (st.one_of(NOT_STRINGS, st.text(max_size=50), st.just(b64(os.urandom(31)))), True),
    "escrow_recipient": (
        st.one_of(st.text(min_size=1, max_size=10), st.integers(min_value=1), st.just(["age1x"])),
        True,
    ),
}


@settings(FUZZ, max_examples=examples(300))
@given(field=st.sampled_from(sorted(ENROLMENT_FIELD_FLAWS)), data=st.data(), resign=st.booleans())
def test_signed_enrolment_files_with_odd_fields_are_refused_or_read_as_written(world, field, data, resign):
    values, must_refuse = ENROLMENT_FIELD_FLAWS[field]
    original = json.loads(world.enrolment)
    content = dict(original, **{field: data.draw(values, label=field)})
    if resign:  # signed by the organisation's own key: only the content can be wrong
        unsigned = {k: v for k, v in content.items() if k != "signature"}
        content["signature"] = world.org_signing.sign(
            json.dumps(unsigned, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        )
    enrolment = _try_enrolment(world, json.dumps(content).encode("utf-8"), None)
    if must_refuse or not resign:
        assert enrolment is None or content[field] == original.get(field)
    else:
        assert enrolment is not None
        assert enrolment.organisation == str(content.get("organisation", ""))
        assert enrolment.issued_at == str(content.get("issued_at", ""))
        assert enrolment.recipients == content["recipients"]


# ---------------------------------------------------------------------------------------------------------
# 3. Directory CSV files.


def _contacts(conn) -> dict[str, dict]:
    return {s.id: to_data(s.record) for s in store.list_records(conn, "contact")}


def _read_and_apply(world, raw: bytes, only_good_rows: bool, merge: bool):
    """read_csv then apply_plan; returns (plan, result), with None for the step that refused plainly."""
    conn = world.desk.conn
    path = world.root / "csv" / f"Directory-{next(_serial)}.csv"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(raw)
    before = dump(conn)
    try:
        plan = csv_io.read_csv(path, conn)
    except MentorAppError as exc:
        assert isinstance(exc, BadInput) and plain(exc.message), exc.message
        assert dump(conn) == before
        outcome("directory_csv", "refused")
        return None, None
    finally:
        path.unlink()
    assert dump(conn) == before, "reading a CSV wrote something"
    for problem in plan.problems:
        assert plain(problem.words()), problem.words()
    contacts_before = _contacts(conn)
    try:
        result = csv_io.apply_plan(
            conn, plan, author=world.desk.author, only_good_rows=only_good_rows, merge_duplicates=merge
        )
    except MentorAppError as exc:
        assert plan.problems and not only_good_rows
        assert isinstance(exc, BadInput) and plain(exc.message) and dump(conn) == before
        outcome("directory_csv", "read; rows with problems, nothing imported")
        return plan, None
    contacts_after = _contacts(conn)
    added = [data for rid, data in contacts_after.items() if rid not in contacts_before]
    assert result.added == len(plan.good) == len(added)
    if merge:  # a later row may fill the gaps of one just added
        assert sorted((c["organisation"], c["phone"]) for c in added) == sorted(
            (c.organisation, c.phone) for _, c in plan.good
        )
    else:
        assert sorted(map(repr, added)) == sorted(repr(dict(to_data(c), origin="local")) for _, c in plan.good)
        assert all(contacts_after[rid] == data for rid, data in contacts_before.items())
    assert result.merged + result.skipped_duplicates == len(plan.duplicates)
    assert result.skipped_problem_rows == len(plan.problems)
    outcome("directory_csv", "imported" if plan.good else "read; nothing to import")
    return plan, result


CELL = st.one_of(
    st.text(max_size=30),
    ODD_STRINGS,
    st.sampled_from(
        ["housing", "Money, benefits and debt", "01632 960000", "2026-02-30", "national", '"', '""', "\r", "\n"]
    ),
)
HEADER_NAMES = st.one_of(
    st.sampled_from(csv_io.CSV_COLUMNS + ["Organisation", " Text Number ", "origin", "name", ""]), st.text(max_size=10)
)


@st.composite
def csv_text(draw):
    """Any header, any rows, any separator and encoding: written by a CSV writer, or joined by hand."""
    header = draw(st.lists(HEADER_NAMES, max_size=8))
    if draw(st.booleans()):
        header.insert(draw(st.integers(0, len(header))), "organisation")
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    rows = draw(st.lists(st.lists(CELL, max_size=len(header) + 2), max_size=8))
    if draw(st.booleans()):
        buffer = io.StringIO()
        terminator = draw(st.sampled_from(["\n", "\r\n", "\r"]))
        csv.writer(buffer, delimiter=delimiter, lineterminator=terminator).writerows([header] + rows)
        text = buffer.getvalue()
    else:  # stray quotes and separators left where they fall
        text = "\n".join(delimiter.join(cells) for cells in [header] + rows)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1252", "latin-1"]))
    return text.encode(encoding, errors="replace")


@st.composite
def csv_oddities(draw):
    header = ",".join(csv_io.CSV_COLUMNS).encode()
    what = draw(
        st.sampled_from(
            ["long_field", "nul_late", "nul_early", "too_big", "too_many_rows", "header_only", "empty", "bom_only"]
        )
    )
    if what == "long_field":  # past the csv module's field limit, or not
        return (
            b"organisation,categories,phone,help_with\nLong Org,housing,01632 960000,"
            + b"y" * draw(st.integers(100, 200_000))
            + b"\n"
        )
    if what == "nul_late":  # after the first 4 KB, where the quick check for a binary file looks
        return header + b"\n" + b"Long Org,housing,,01632 960000\n" * 200 + b"Org,hous\x00ing,0,1\n"
    if what == "nul_early":
        return header + b"\nOrg\x00,housing\n"
    if what == "too_big":
        return header + b"\n" + b"z" * (5 * 1024 * 1024)
    if what == "too_many_rows":
        return b"organisation,categories,phone\n" + b"Same Org,housing,01632 960000\n" * 5001
    if what == "header_only":
        return header + b"\r\n"
    return b"\xef\xbb\xbf" if what == "bom_only" else b""


@settings(FUZZ, max_examples=examples(400))
@given(data=st.data(), only_good_rows=st.booleans(), merge=st.booleans())
def test_directory_csv_files_of_any_shape_are_refused_plainly_or_imported_as_read(world, data, only_good_rows, merge):
    raw = data.draw(st.one_of(damaged(world.csv), csv_text(), csv_oddities()), label="file")
    _read_and_apply(world, raw, only_good_rows, merge)


SAFE = st.text(st.characters(whitelist_categories=("L", "M", "N", "P", "S")) | st.just(" "), max_size=40).map(str.strip)
FORMULAS = st.sampled_from(
    [
        '=HYPERLINK("http://example.org/x","Click here")',
        "=1+2",
        "+44 1632 960000",
        "-2+3",
        "@SUM(A1:A2)",
        "=cmd|' /C calc'!A0",
        "\t=1+1",
    ]
)
LONG_TEXT = st.integers(0, 4000).map(lambda n: ('word, "quoted";\nline ' * (n // 20 + 1))[:n].strip())
CATEGORY_WORDS = st.sampled_from(
    [
        (code, word)
        for code, label in vocab.DIRECTORY_CATEGORIES.items()
        for word in (code, label, label.upper(), code.upper())
    ]
)
LINE_COLUMNS = ["service", "text_number", "email", "website", "area", "languages", "checked_by", "source_url"]
TEXT_COLUMNS = [
    "help_with",
    "address",
    "opening_hours",
    "how_to_get_there",
    "what_to_bring",
    "eligibility",
    "accessibility",
]
PHONE = r"0[0-9]{4} [0-9]{6}"
ROW_FLAWS = [
    "no_organisation",
    "no_category",
    "unknown_category",
    "bad_date",
    "no_way_to_reach",
    "too_long",
    "stray_cell",
    "bad_scope",
]


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


@st.composite
def directory_rows(draw, token: str):
    """(CSV bytes, encoding, {row number: what must happen to it}, {row number: the contact it must give})."""
    base = ["organisation", "categories", "phone", "email", "last_checked", "scope"]
    # Each column once: two headings for one column are refused (which of them would be kept?).
    extra = draw(
        st.lists(st.sampled_from([c for c in LINE_COLUMNS + TEXT_COLUMNS if c not in base]), unique=True, max_size=6)
    )
    columns = draw(st.permutations(base + extra))
    spelled = [draw(st.sampled_from([c, c.replace("_", " ").title(), f" {c.upper()} "])) for c in columns]
    rows, expected, contents, good_keys = [], {}, {}, []
    for n in range(draw(st.integers(0, 8))):
        row_no = n + 2  # the header is row 1, as in the spreadsheet
        kind = draw(st.sampled_from(["good"] * 4 + ["flaw", "blank", "repeat", "existing"]))
        if kind == "existing" or (kind == "repeat" and good_keys):
            org, phone = draw(st.sampled_from(good_keys)) if kind == "repeat" else ("Already Here", "01632 960500")
            spellings = [org, f"  {org} "] + ([org.upper()] if org.upper().casefold() == org.casefold() else [])
            phones = [phone, phone.replace(" ", "")] + (["+44 " + phone[1:]] if re.fullmatch(PHONE, phone) else [])
            values = {
                "organisation": draw(st.sampled_from(spellings)),
                "categories": "legal",
                "phone": draw(st.sampled_from(phones)),
                "email": "repeat@example.org",
            }
            rows.append([values.get(c, "") for c in columns])
            expected[row_no] = "duplicate"
            continue
        if kind == "blank":
            rows.append([draw(st.sampled_from(["", " ", "  "])) for _ in columns])
            expected[row_no] = "skipped"
            continue
        picks = draw(st.lists(CATEGORY_WORDS, min_size=1, max_size=3))
        values = {
            "organisation": f"{draw(st.one_of(SAFE, FORMULAS))} #{token}{n}".strip(),
            "categories": "; ".join(word for _, word in picks),
            "phone": draw(st.one_of(st.from_regex(PHONE, fullmatch=True), FORMULAS, st.just(""))),
            "email": draw(st.one_of(st.just(""), st.emails())),
            "last_checked": draw(st.one_of(st.just(""), st.dates().map(lambda d: d.isoformat()))),
            "scope": draw(st.sampled_from(["", "local", "national", "National", " LOCAL "])),
        }
        for c in extra:
            values[c] = draw(st.one_of(SAFE, FORMULAS.map(str.strip), LONG_TEXT if c in TEXT_COLUMNS else SAFE))
        if not any(values.get(c) for c in csv_io.CONTACT_WAYS):
            values["phone"] = "01632 960999"
        flaw = draw(st.sampled_from(ROW_FLAWS)) if kind == "flaw" else None
        if flaw == "no_organisation":
            values["organisation"] = draw(st.sampled_from(["", "   "]))
        elif flaw == "no_category":
            values["categories"] = draw(st.sampled_from(["", ";", " ; ; "]))
        elif flaw == "unknown_category":
            values["categories"] += "; astrology"
        elif flaw == "bad_date":
            values["last_checked"] = draw(st.sampled_from(["31/12/2026", "2026-13-01", "yesterday", "2026-02-30"]))
        elif flaw == "no_way_to_reach":
            for c in csv_io.CONTACT_WAYS:
                values[c] = ""
        elif flaw == "too_long":
            values["organisation"] = "O" * draw(st.integers(301, 2000))
        elif flaw == "bad_scope":
            values["scope"] = "regional"
        cells = [values.get(c, "") for c in columns]
        if flaw == "stray_cell":
            cells.append(draw(st.sampled_from(["x", "extra, with a comma"])))
        rows.append(cells)
        if flaw:
            expected[row_no] = "problem"
            continue
        good_keys.append((values["organisation"], values["phone"]))
        expected[row_no] = "good"
        contact = {c: "" for c in csv_io.CSV_COLUMNS}
        contact.update({c: v.strip() for c, v in values.items()})
        contact.update(
            categories=list(dict.fromkeys(code for code, _ in picks)),
            scope=contact["scope"].casefold() or "local",
            origin="local",
        )
        contents[row_no] = contact
    buffer = io.StringIO()
    csv.writer(
        buffer, delimiter=draw(st.sampled_from([",", ";", "\t"])), lineterminator=draw(st.sampled_from(["\n", "\r\n"]))
    ).writerows([spelled] + rows)
    text = buffer.getvalue()
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]))
    if encoding == "cp1252":
        try:
            if _is_utf8(text.encode("cp1252")) and text.encode("cp1252").decode("utf-8") != text:
                encoding = "utf-8"  # these bytes also read as other UTF-8 text: no reader could tell
        except UnicodeEncodeError:
            encoding = "utf-8"
    return text.encode(encoding), encoding, expected, contents


@settings(FUZZ, max_examples=examples(150))
@given(data=st.data(), merge=st.booleans())
def test_directory_csv_rows_are_checked_one_by_one_and_imported_as_written(world, data, merge):
    raw, encoding, expected, contents = data.draw(directory_rows(f"t{next(_serial)}"), label="spreadsheet")
    existing_before = store.get(world.desk.conn, world.existing_contact).record
    plan, _ = _read_and_apply(world, raw, only_good_rows=True, merge=merge)
    if encoding == "utf-16":
        assert plan is None  # refused as not a CSV text file: saved in another format
        return
    assert {p.row for p in plan.problems} == {r for r, what in expected.items() if what == "problem"}
    assert [r for r, _ in plan.good] == [r for r, what in expected.items() if what == "good"]
    assert [r for r, _, _ in plan.duplicates] == [r for r, what in expected.items() if what == "duplicate"]
    for row_no, contact in plan.good:
        assert dict(to_data(contact), origin="local") == contents[row_no]
    existing = store.get(world.desk.conn, world.existing_contact).record
    assert set(existing_before.categories) <= set(existing.categories)
    assert duplicate_key(existing) == duplicate_key(existing_before)


# ---------------------------------------------------------------------------------------------------------
# 4. The organisation's published directory, at a mentor's laptop.


def _pick_up(world, raw: bytes, applied: str):
    """Put `raw` on the drive as the only published directory and let the mentor's app pick it up.

    Returns (what pick_up returned, or "refused" when it reported a problem; the mentor's tables before).
    What pick_up notes about the files (PROBLEM, SEEN) is reset around it: it is not the mentor's data.
    """
    mentor = world.mentor
    folder = world.drive / DIRECTORY_FOLDER
    folder.mkdir(exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    (folder / f"directory-{next(_serial):08d}.mentordir").write_bytes(raw)
    mentor.set_settings({APPLIED: applied, PROBLEM: "", SEEN: ""})
    before = dump(mentor.conn)
    result = pick_up(mentor)
    problem = mentor.get_setting(PROBLEM)
    mentor.set_settings({PROBLEM: "", SEEN: ""})
    if problem:
        assert result is None and plain(problem), problem
        assert dump(mentor.conn) == before
        return "refused", before
    return result, before


@settings(FUZZ, max_examples=examples(400))
@given(data=st.data())
def test_damaged_published_directories_are_refused_and_change_nothing(world, data):
    valid = json.loads(world.published)
    raw = data.draw(st.one_of(damaged(world.published), json_damage(valid), HOSTILE_TEXT.map(str.encode)), label="file")
    result, before = _pick_up(world, raw, applied=world.applied_at)
    # Nothing unsigned gets through; a file that still verifies is the one already applied.
    assert result in ("refused", None)
    assert dump(world.mentor.conn) == before
    outcome("published_directory", "refused" if result else "already applied")


def test_a_folder_named_like_a_published_directory_is_passed_over(world):
    folder = world.drive / DIRECTORY_FOLDER
    folder.mkdir(exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    (folder / "directory-zz.mentordir").mkdir()
    before = dump(world.mentor.conn)
    try:
        assert pick_up(world.mentor) is None
    finally:
        (folder / "directory-zz.mentordir").rmdir()
    assert dump(world.mentor.conn) == before


GOOD_CONTACT = st.fixed_dictionaries(
    {
        "organisation": SAFE.filter(bool),
        "phone": st.from_regex(PHONE, fullmatch=True),
        "categories": st.lists(
            st.sampled_from(sorted(vocab.DIRECTORY_CATEGORIES)), min_size=1, max_size=3, unique=True
        ),
    },
    optional={
        "help_with": LONG_TEXT,
        "area": SAFE,
        "scope": st.sampled_from(["local", "national"]),
        "last_checked": st.dates().map(lambda d: d.isoformat()),
        "website": FORMULAS.map(str.strip),
        "origin": st.sampled_from(["local", "organisation", "default"]),
        "unknown_field": JSON,
    },
)
BAD_CONTACT = st.one_of(
    JSON.filter(lambda v: not isinstance(v, dict)),
    GOOD_CONTACT.map(lambda c: {k: v for k, v in c.items() if k != "organisation"}),
    GOOD_CONTACT.map(lambda c: dict(c, categories=["astrology"])),
    GOOD_CONTACT.map(lambda c: dict(c, phone=7700900111)),
    GOOD_CONTACT.map(lambda c: dict(c, last_checked="31/12/2026")),
    GOOD_CONTACT.map(lambda c: dict(c, categories="housing; " * 3 + "nonsense")),
)
RETENTION = st.one_of(
    JSON,
    st.fixed_dictionaries(
        {
            "years": st.dictionaries(
                st.sampled_from(sorted(retention.DEFAULT_YEARS) + ["x"]),
                st.one_of(st.integers(-5, 120), JSON),
                max_size=4,
            ),
            "automatic": JSON,
        }
    ),
)


@st.composite
def signed_directory(draw, world):
    """(file bytes, body, the entries mentors must get, what must happen): signed with the organisation's key."""
    entries = draw(
        st.lists(st.one_of(GOOD_CONTACT.map(lambda c: (c, True)), BAD_CONTACT.map(lambda c: (c, False))), max_size=5)
    )
    body = {
        "format": "mentor-app-directory",
        "version": 1,
        "signing_key": b64(world.org_signing.public),
        "issued_at": draw(st.one_of(st.datetimes().map(lambda d: d.isoformat()), st.text(max_size=12))),
        "contacts": [c for c, _ in entries],
    }
    enrolled = current_enrolment(world.mentor).issued_at  # nothing issued before the enrolment is applied
    expected = "import" if body["issued_at"] > "2000" and body["issued_at"] >= enrolled else "not newer"
    flaw = draw(st.sampled_from(["none", "none", "retention", "issued_at", "contacts", "format", "extra"]))
    if flaw == "retention":
        body["retention"] = draw(RETENTION)
    elif flaw == "issued_at":
        body["issued_at"] = draw(NOT_STRINGS)
        expected = "refuse"
        if draw(st.booleans()):
            del body["issued_at"]
    elif flaw == "contacts":
        body["contacts"] = draw(
            st.one_of(st.none(), st.text(max_size=5), st.dictionaries(st.text(max_size=3), JSON, max_size=2))
        )
        expected = "refuse"
    elif flaw == "format":
        body["format"] = draw(JSON.filter(lambda v: v != "mentor-app-directory"))
        expected = "refuse"
    elif flaw == "extra":
        body[draw(st.text(min_size=1, max_size=8).filter(lambda k: k not in body))] = draw(JSON)
    outer = {"body": body, "signature": world.org_signing.sign(batch_format.canonical(body))}
    return batch_format.canonical(outer), body, [c for c, good in entries if good], expected


def _expected_policy(raw, before: retention.Policy) -> retention.Policy:
    """The retention periods a mentor should have after a publication carrying `raw`."""
    if not isinstance(raw, dict) or not isinstance(raw.get("years"), dict):
        return before
    years = dict(retention.DEFAULT_YEARS)
    for rtype, value in raw["years"].items():
        if rtype in years and type(value) is int and 1 <= value <= retention.MAX_YEARS:
            years[rtype] = max(value, retention.SAFEGUARDING.get(rtype, 1))
    return retention.Policy(years, False)  # automatic deletion waits for this mentor, who never said yes


@settings(FUZZ, max_examples=examples(350))
@given(data=st.data())
def test_signed_directories_with_odd_entries_import_only_the_good_ones(world, data):
    mentor = world.mentor
    raw, body, good, expected = data.draw(signed_directory(world), label="publication")
    own_before = {sid: c for sid, c in _contacts(mentor.conn).items() if c["origin"] != "organisation"}
    policy_before = retention.load_policy(mentor)
    result, before = _pick_up(world, raw, applied="2000")
    outcome("published_directory", {"refuse": "refused", "not newer": "not newer", "import": "applied"}[expected])
    if expected == "refuse":
        assert result == "refused"
        return
    if expected == "not newer":
        assert result is None and dump(mentor.conn) == before
        return
    assert result == len(good)
    wanted = []
    for entry in good:
        contact = dict({c: "" for c in csv_io.CSV_COLUMNS}, scope="local")
        contact.update({k: v for k, v in entry.items() if k in contact}, origin="organisation")
        wanted.append(contact)
    after = _contacts(mentor.conn)
    assert sorted(map(repr, (c for c in after.values() if c["origin"] == "organisation"))) == sorted(map(repr, wanted))
    assert {sid: c for sid, c in after.items() if c["origin"] != "organisation"} == own_before
    assert mentor.get_setting(APPLIED) == body["issued_at"]
    assert retention.load_policy(mentor) == _expected_policy(body.get("retention"), policy_before)
    if isinstance(body.get("retention"), dict) and isinstance(body["retention"].get("years"), dict):
        assert retention.automatic_waiting(mentor) == (body["retention"].get("automatic") is True)


# ---------------------------------------------------------------------------------------------------------
# 5. Hand-over files, from one mentor's laptop to another's.


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=")


def _hkdf(key: bytes, salt: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(key)


def age_passphrase(plaintext: bytes, passphrase: str, log_n: int = 2) -> bytes:
    """An age file encrypted with a passphrase (age-encryption.org/v1), with a tiny scrypt work factor.

    pyrage always spends about a second on scrypt, tuned for people's passphrases; its reader accepts any
    smaller work factor, so each case can be a real age file without costing a second.
    """
    file_key, salt, nonce = os.urandom(16), os.urandom(16), os.urandom(16)
    wrap = hashlib.scrypt(
        passphrase.encode(), salt=b"age-encryption.org/v1/scrypt" + salt, n=2**log_n, r=8, p=1, dklen=32
    )
    body = ChaCha20Poly1305(wrap).encrypt(b"\0" * 12, file_key, None)
    header = f"age-encryption.org/v1\n-> scrypt {_b64(salt)} {log_n}\n{_b64(body)}\n---".encode()
    mac = hmac.new(_hkdf(file_key, b"", b"header"), header, "sha256").digest()
    sealed = [header + b" " + _b64(mac).encode() + b"\n" + nonce]
    payload = ChaCha20Poly1305(_hkdf(file_key, nonce, b"payload"))
    chunks = [plaintext[i : i + 65536] for i in range(0, len(plaintext), 65536)] or [b""]
    for i, chunk in enumerate(chunks):
        last = b"\x01" if i == len(chunks) - 1 else b"\x00"
        sealed.append(payload.encrypt(i.to_bytes(11, "big") + last, chunk, None))
    return b"".join(sealed)


def _receive(world, raw: bytes, code: str):
    """Receive `raw`; the person's name, or None after checking the refusal was plain and harmless."""
    conn = world.receiver.conn
    path = world.root / "handovers" / f"{next(_serial):08d}.mentorhandover"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(raw)
    before = dump(conn)
    try:
        return receive_handover(world.receiver, path, code)
    except MentorAppError as exc:
        assert isinstance(exc, (HandoverError, BadInput)) and plain(exc.message), exc.message
        assert dump(conn) == before
        return None
    finally:
        path.unlink()


@settings(FUZZ, max_examples=examples(250))
@given(data=st.data(), code=st.one_of(st.none(), st.text(max_size=30), st.builds(new_recovery_code)))
def test_damaged_hand_over_files_are_refused_and_change_nothing(world, data, code):
    raw = data.draw(damaged(world.handover_file), label="file")
    name = _receive(world, raw, world.handover_code if code is None else code)
    # Only the untouched file opens; it is taken in once, and after that refused as already here.
    assert name is None or raw == world.handover_file
    outcome("handover", "refused" if name is None else "received")


def _fresh_ids(payload: dict, token: str) -> dict:
    """The same hand-over about a new person, so that each case can be taken in."""
    ids = {r["id"]: f"{token}{i}" for i, r in enumerate(payload["records"])}
    return dict(
        payload,
        records=[
            dict(r, id=ids[r["id"]], mentee_id=ids.get(r["mentee_id"], r["mentee_id"])) for r in payload["records"]
        ],
    )


@settings(FUZZ, max_examples=examples(350))
@given(data=st.data())
def test_hand_over_files_with_odd_content_are_refused_or_taken_in_as_written(world, data):
    payload = _fresh_ids(world.handover, f"h{next(_serial)}-")
    content = data.draw(st.one_of(json_damage(payload), st.just(json.dumps(payload).encode())), label="content")
    name = _receive(world, age_passphrase(content, world.handover_code), world.handover_code.lower())
    outcome("handover", "refused" if name is None else "received")
    if name is None:
        return
    written = json.loads(content)
    conn = world.receiver.conn
    for r in written["records"]:
        stored = store.get(conn, r["id"])
        assert (stored.type, stored.mentee_id, stored.version) == (r["type"], r.get("mentee_id"), r["version"])
        assert to_data(stored.record) == to_data(validate(from_data(r["type"], r["fields"])))
    person = next(r for r in written["records"] if r["type"] == "mentee")
    assert name == store.get(conn, person["id"]).record.title()
