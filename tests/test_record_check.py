"""What the app can write, the app can read: anything the forms can save, at every field's maximum, in any
script, is sealed by the exporter and accepted record by record by the importer."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from conftest import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mentor_app.exchange import mentors as register
from mentor_app.exchange.enrolment import accept_enrolment, make_enrolment, parse_enrolment
from mentor_app.exchange.export import HELD_BACK
from mentor_app.exchange.importer import import_folder
from mentor_app.exchange.keys import device_key
from mentor_app.exchange.trip import trip
from mentor_app.exchange.validate import check_record
from mentor_app.records import store
from mentor_app.records.types import (
    MAX_LINE,
    MAX_TEXT,
    RECORD_TYPES,
    Concern,
    Consent,
    Mentee,
    fields_of,
    validate,
)

# Printable characters of every width in UTF-8: Latin, Welsh, Arabic, Devanagari, CJK and emoji.
SCRIPTS = st.sampled_from(["w", "ŵ", "ŷ", "ع", "क", "漢", "😀", "𝄞", '"', "\\"])
SHAREABLE = [t for t in RECORD_TYPES if t not in ("contact", "mentee")]


def _at_maximum(rtype: str, char: str, data) -> object:
    """A record of this type with every free-text field filled to its limit with `char` (and a few others)."""
    values = {}
    for fld in fields_of(RECORD_TYPES[rtype]):
        meta = fld.metadata
        if meta["choices"]:
            choices = list(meta["choices"])
            values[fld.name] = (
                [choices[0]] if meta["kind"] == "list" else (int(choices[-1]) if meta["kind"] == "int" else choices[-1])
            )
        elif meta["kind"] == "text":
            values[fld.name] = data.draw(st.text(SCRIPTS, min_size=1, max_size=1)) + char * (MAX_TEXT - 1)
        elif meta["kind"] == "line":
            values[fld.name] = char * MAX_LINE
        elif meta["kind"] == "code":  # written in a fixed form: its longest value
            values[fld.name] = meta["longest"]
        elif meta["kind"] == "date":
            values[fld.name] = "2026-11-30"
        elif meta["kind"] == "datetime":
            values[fld.name] = "2026-11-30T10:00"
        elif meta["kind"] in ("int", "float"):
            values[fld.name] = 100_000 if fld.name != "duration_minutes" else 600
    if rtype == "needs_check":
        from mentor_app.records import vocab

        values["scores"] = {a: 5 for a in vocab.NEEDS_AREAS}
        values["notes"] = {a: char * MAX_TEXT for a in vocab.NEEDS_AREAS}
    if rtype == "consent":
        values["scope"], values["partner"] = "share_with_partner", char * MAX_LINE
    return validate(RECORD_TYPES[rtype](**values))


@pytest.fixture
def pair(make_profile, tmp_path):
    supervisor, _ = make_profile("supervisor", role="supervisor")
    enrolment = parse_enrolment(json.dumps(make_enrolment(supervisor)).encode())
    drive = tmp_path / "drive"
    drive.mkdir()
    mentor, _ = make_profile("mentor")
    accept_enrolment(mentor, enrolment, enrolment.fingerprint, shared_folder=str(drive))
    register.note_device(supervisor.conn, device_key(mentor).public, "M")
    register.approve(supervisor.conn, device_key(mentor).fingerprint, "Mentor")
    return supervisor, mentor, drive


def _mentee_at_maximum(mentor, char: str, consent: bool) -> str:
    fields = {
        f.name: char * (MAX_TEXT if f.metadata["kind"] == "text" else MAX_LINE)
        for f in fields_of(Mentee)
        if f.metadata["kind"] in ("text", "line") and not f.metadata["choices"]
    }
    fields.update({f.name: f.metadata["longest"] for f in fields_of(Mentee) if f.metadata["kind"] == "code"})
    mid = store.save(mentor.conn, Mentee(**fields, status="active"), author=mentor.author)
    if consent:
        store.save(
            mentor.conn, Consent(scope="share_with_organisation", on="2026-01-01"), author=mentor.author, mentee_id=mid
        )
    return mid


def test_a_concern_of_two_full_fields_of_four_byte_characters_reaches_the_supervisor(pair):
    supervisor, mentor, drive = pair
    mid = _mentee_at_maximum(mentor, "😀", consent=False)
    store.save(
        mentor.conn,
        Concern(
            category="exploitation",
            raised_at="2026-11-30T10:00",
            what_happened="😀" * MAX_TEXT,
            action_taken="漢" * MAX_TEXT,
            reported_to="ŵ" * MAX_LINE,
        ),
        author=mentor.author,
        mentee_id=mid,
    )
    trip(mentor)
    summary = import_folder(supervisor, drive)
    assert summary.refused == [] and summary.quarantined == []
    held = supervisor.conn.execute("SELECT fields FROM shared_records WHERE type = 'concern'").fetchone()[0]
    assert json.loads(held)["what_happened"] == "😀" * MAX_TEXT


@settings(
    max_examples=examples(12),
    deadline=timedelta(seconds=30),
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(char=SCRIPTS, consent=st.booleans(), data=st.data())
def test_every_record_type_at_its_maximum_in_any_script_is_accepted(pair, char, consent, data):
    supervisor, mentor, drive = pair
    mid = _mentee_at_maximum(mentor, char, consent)
    saved = {}
    for rtype in SHAREABLE:
        record = _at_maximum(rtype, char, data)
        saved[rtype] = store.save(
            mentor.conn, record, author=mentor.author, mentee_id=None if rtype == "mentor_log" else mid
        )
    trip(mentor)
    assert json.loads(mentor.get_setting(HELD_BACK, "[]")) == []  # the exporter kept nothing back
    summary = import_folder(supervisor, drive)
    assert summary.refused == [] and summary.quarantined == [] and summary.waiting == []
    held = {r[0] for r in supervisor.conn.execute("SELECT id FROM shared_records")}
    expected = {saved["concern"], saved["mentor_log"]} | ({mid, *saved.values()} if consent else set())
    assert expected <= held


def test_the_check_refuses_what_no_form_can_make():
    base = {
        "id": "x",
        "type": "meeting",
        "version": 1,
        "base_version": 0,
        "basis": "consent",
        "fields": {"notes": "fine"},
    }

    def hashed(r):
        from mentor_app.exchange.batch import content_hash

        return dict(r, content_sha256=content_hash(r["fields"]))

    assert check_record(hashed(base)) is None
    cases = {
        "bad version number": dict(base, version=2**60),
        "too long": dict(base, fields={"notes": "x" * (MAX_TEXT + 1)}),
        "never has": dict(base, fields={"surprise": "x"}),
        "yes or no": dict(base, type="goal", fields={"achieved": "yes"}),
        "more than counts": dict(base, basis="counts", fields={"notes": "private"}),
        # Without consent, a list's answers and codes only: a name or an address can't ride in their place.
        "its list doesn't have": dict(base, type="mentee", basis="counts", fields={"gender": "Jo Smith"}),
        "code in the wrong form": dict(
            base, type="mentee", basis="counts", fields={"postcode_district": "12 Acacia Avenue LS6 1AB"}
        ),
        "age band no list has": dict(base, type="mentee", basis="counts", fields={"age_band": "Jo DOB 1/1"}),
    }
    for words, record in cases.items():
        assert words in (check_record(hashed(record)) or ""), words
    assert "hash" in check_record(dict(base, content_sha256="0" * 64))
    fine = dict(base, type="mentee", basis="counts", fields={"gender": "male", "postcode_district": "LS6"})
    assert check_record(hashed(dict(fine, fields={**fine["fields"], "age_band": "35_44"}))) is None
