"""Every record type and every field is covered by each rule declared beside it in records/types.py.

Adding a field or a type without deciding how it is shared, ordered and kept fails here, and a field
marked as a count is shown to go to the supervisor without consent (and one not marked, not to).
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from mentor_app.exchange import batch as batch_format
from mentor_app.exchange.enrolment import accept_enrolment, make_enrolment, parse_enrolment
from mentor_app.exchange.export import device_folder
from mentor_app.exchange.keys import organisation_keys
from mentor_app.exchange.policy import COUNT_FIELDS, NEVER_SHARED
from mentor_app.exchange.trip import trip
from mentor_app.records import store, vocab
from mentor_app.records.retention import DEFAULT_YEARS, MAX_YEARS, SAFEGUARDING
from mentor_app.records.types import MENTEE_RECORD_TYPES, RECORD_TYPES, fields_of

TYPES = sorted(RECORD_TYPES)


def _never_shared(rtype: type) -> bool:
    return bool(getattr(rtype, "never_shared", False))


@pytest.mark.parametrize("name", TYPES)
def test_every_field_says_whether_it_may_go_out_as_a_count(name):
    rtype = RECORD_TYPES[name]
    never = getattr(rtype, "never_shared", False)
    assert never in (True, False), f"{name}: never_shared is True or False"
    undecided = [
        fld.name
        for fld in fields_of(rtype)
        if (fld.metadata["counts"] is True if never else fld.metadata["counts"] not in (True, False))
    ]
    if never:
        assert undecided == [], f"{name} never leaves the laptop, yet {undecided} are marked counts=True"
    else:
        assert undecided == [], (
            f"{name}: {undecided} need counts=True (it may go to the supervisor without consent: it names, "
            "describes and locates no one) or counts=False, in records/types.py"
        )


@pytest.mark.parametrize("name", TYPES)
def test_every_type_has_a_sort_field_or_says_none(name):
    rtype = RECORD_TYPES[name]
    assert "sort_field" in vars(rtype), f"{name}: give sort_field (the field that dates it in lists), or None"
    if rtype.sort_field is not None:
        fld = next((fld for fld in fields_of(rtype) if fld.name == rtype.sort_field), None)
        assert fld is not None, f"{name}: sort_field {rtype.sort_field!r} is not one of its fields"
        assert fld.metadata["kind"] in ("date", "datetime", "line"), f"{name}: sort by a date, a time or a name"


@pytest.mark.parametrize("name", TYPES)
def test_every_type_has_a_retention_rule(name):
    rtype = RECORD_TYPES[name]
    assert "keep_years" in vars(rtype), f"{name}: give keep_years (years kept after the case closes), or None"
    years, floor = rtype.keep_years, getattr(rtype, "keep_at_least", 1)
    if name in ("mentee", *MENTEE_RECORD_TYPES):
        assert years is not None, f"{name} is about a person: it needs keep_years"
    if years is None:
        assert not hasattr(rtype, "keep_at_least"), f"{name}: keep_at_least without keep_years"
        assert name not in DEFAULT_YEARS
    else:
        assert isinstance(years, int) and 1 <= floor <= years <= MAX_YEARS, f"{name}: 1 <= keep_at_least <= keep_years"
        assert DEFAULT_YEARS[name] == years and SAFEGUARDING.get(name, 1) == floor


def test_only_records_kept_about_people_are_shared_and_the_derived_tables_agree():
    assert set(NEVER_SHARED) == {n for n, t in RECORD_TYPES.items() if _never_shared(t)}
    for name, rtype in RECORD_TYPES.items():
        marked = {fld.name for fld in fields_of(rtype) if fld.metadata["counts"]}
        assert set(COUNT_FIELDS.get(name, ())) == marked
        assert len(COUNT_FIELDS.get(name, ())) == len(marked)


# What goes out without consent, through the real export, for a record of each type with every field filled.

DAY = (date.today() - timedelta(days=1)).isoformat()
AREA = next(iter(vocab.NEEDS_AREAS))
FILLED: dict[tuple[str, str], Any] = {
    ("consent", "given"): False,  # a refusal: without consent in force, only counts may go
    ("needs_check", "scores"): {AREA: 2},
    ("needs_check", "notes"): {AREA: "needs_check.notes in private words"},
    # Written in their own forms (records/identity.py); looked for by value below.
    ("mentee", "pnc_id"): "01/314159X",
    ("mentee", "prison_number"): "Q2718XY",
    ("mentee", "postcode_district"): "M14",
    # Answers to the organisation's own questions; none of them counted, so none may go without consent.
    ("mentee", "own"): {"q_asked": "mentee.own in private words"},
    ("meeting", "own"): {"q_asked": "meeting.own in private words"},
}


def _filled(name: str, fld: dataclasses.Field[Any]) -> Any:
    """A value for every field, from its metadata: free text that names the field, so it can be looked for."""
    kind, choices = fld.metadata["kind"], fld.metadata["choices"]
    if (name, fld.name) in FILLED:
        return FILLED[name, fld.name]
    if kind == "bool":
        return True
    if kind in ("int", "float"):
        return int(list(choices)[-1]) if choices else 7
    if kind == "list":
        return [next(iter(choices))] if choices else [f"{name}.{fld.name} in private words"]
    if kind == "date":
        return DAY
    if kind == "datetime":
        return f"{DAY}T10:00"
    if choices:
        return list(choices)[-1]
    return f"{name}.{fld.name} in private words"


def _free_text(name: str, fld: dataclasses.Field[Any]) -> list[str]:
    value = _filled(name, fld)
    texts = value.values() if isinstance(value, dict) else value if isinstance(value, list) else [value]
    return [t for t in texts if isinstance(t, str) and "private words" in t]


@pytest.fixture
def mentor_and_org(make_profile, tmp_path):
    org, _ = make_profile("supervisor", role="supervisor")
    mentor, _ = make_profile("mentor")
    enrolment = parse_enrolment(json.dumps(make_enrolment(org)).encode())
    shared = tmp_path / "shared"
    shared.mkdir()
    accept_enrolment(mentor, enrolment, enrolment.fingerprint, shared_folder=str(shared))
    return mentor, org


def test_fields_marked_as_counts_go_out_without_consent_and_no_others(mentor_and_org):
    mentor, org = mentor_and_org
    # A concern goes out in full whatever the consent (test_exchange.py); every other record of a person's does
    # not, without their consent, beyond its counts.
    names = [n for n in ("mentee", *MENTEE_RECORD_TYPES) if n != "concern"]
    saved = {}
    mentee = RECORD_TYPES["mentee"](**{fld.name: _filled("mentee", fld) for fld in fields_of(RECORD_TYPES["mentee"])})
    mid = store.save(mentor.conn, mentee, author=mentor.author)
    saved["mentee"] = store.get(mentor.conn, mid).record
    for name in names[1:]:
        rtype = RECORD_TYPES[name]
        record = rtype(**{fld.name: _filled(name, fld) for fld in fields_of(rtype)})
        saved[name] = store.get(
            mentor.conn, store.save(mentor.conn, record, author=mentor.author, mentee_id=mid)
        ).record

    trip(mentor)
    identities, _ = organisation_keys(org)
    folder = device_folder(Path(mentor.get_setting("exchange.shared_folder")), mentor)
    sent = [
        r
        for f in sorted(folder.glob("*" + batch_format.SUFFIX))
        for r in batch_format.open_batch(f.read_bytes(), identities).records
    ]
    text = json.dumps(sent, ensure_ascii=False)

    for name in names:
        marked = [fld.name for fld in fields_of(RECORD_TYPES[name]) if fld.metadata["counts"]]
        theirs = [r for r in sent if r["type"] == name]
        if not marked:
            assert theirs == [], f"{name} has no count fields, so nothing of it goes out without consent"
            continue
        assert [r["basis"] for r in theirs] == ["counts"], name
        fields = theirs[0]["fields"]
        derived = {"age_band"} if name == "mentee" else set()  # worked out from the date of birth
        assert set(fields) == {*marked, "month", "week", "pseudonym", *derived}, name
        assert {k: fields[k] for k in marked} == {k: getattr(saved[name], k) for k in marked}, name
    assert "314159" not in text and "Q2718XY" not in text  # the PNC ID and prison number stay
    for name in names:
        for fld in fields_of(RECORD_TYPES[name]):
            if not fld.metadata["counts"]:
                for words in _free_text(name, fld):
                    assert words not in text, f"{name}.{fld.name} is not a count, yet went out without consent"
    assert mid not in text
