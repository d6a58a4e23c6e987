"""What one shared record may hold: the single check every writer runs before sealing and every reader on arrival.

Sizes are counted in UTF-8 bytes of the canonical JSON that is signed and
hashed, so text in any script that the forms accept fits, and nothing a
hand-made file could carry gets past. Anything the app can write, the app can
read: the exporter and the hand-over reader refuse to seal what this refuses.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from typing import Any

from ..errors import BadInput
from ..records import own_fields, vocab
from ..records.identity import AGE_BAND
from ..records.own_fields import OWN
from ..records.types import MAX_LINE, MAX_TEXT, RECORD_TYPES, fields_of
from . import batch as batch_format
from .policy import COUNT_FIELDS, SAFETY_FIELDS

RECORD_TYPES_IN = (set(RECORD_TYPES) - {"contact"}) | {"withdrawal", "erasure", "handover"}
BASES = {"consent", "safeguarding", "safety", "counts", "mentor", "tombstone", "withdrawal", "erasure", "handover"}
# A version every JSON reader holds exactly (2**53 - 1). A hand-over is refused long before it,
# so the records it brings can be changed for ever after without reaching it.
MAX_VERSION = 2**53 - 1
HANDOVER_MAX_VERSION = 2**40
MAX_ID = 120
# A hand-over statement: which person key moves, from which device, and the hash of the token that proves it.
HANDOVER_STATEMENT = {"part": MAX_ID, "key": MAX_ID + 2, "from_device": 24, "token_sha256": 64, "created_at": 40}
MAX_ERASED_IDS = 50_000
MAX_MAP = len(vocab.NEEDS_AREAS)  # a needs check scores (and notes) each area once
# The worst a character can cost in canonical JSON: four UTF-8 bytes (a quote, a backslash, a tab or
# a new line is written as two).
BYTES_PER_CHAR = 4
# Fields that travel beside a record's own: the concern's person, and the when of identity-free counts.
EXTRA_FIELDS = {"mentee_name": 2 * MAX_LINE + 3, "month": 7, "week": 10, "pseudonym": MAX_ID, AGE_BAND: 16}
_LOCAL_MINUTE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
_STRING_KINDS = {"line": MAX_LINE, "date": 10, "datetime": 16, "text": MAX_TEXT}


def _limit(kind: str) -> int:
    return _STRING_KINDS.get(kind, MAX_LINE)


def _max_bytes(rtype: str) -> int:
    """The most the fields of one record of this type can take, with room for JSON's punctuation."""
    if rtype == "erasure":
        return MAX_ERASED_IDS * (MAX_ID + 3) + 64
    if rtype == "withdrawal":
        return 64 + BYTES_PER_CHAR * MAX_ID
    if rtype == "handover":
        return 2048
    total = 1024 + sum(BYTES_PER_CHAR * n + 16 for n in EXTRA_FIELDS.values())
    for fld in fields_of(RECORD_TYPES[rtype]):
        kind = fld.metadata["kind"]
        if kind == "map":  # needs scores and a note for each area
            total += MAX_MAP * (BYTES_PER_CHAR * (MAX_TEXT + MAX_LINE) + 16)
        elif kind == "own":  # the organisation's own questions' answers
            total += 4 * own_fields.MAX_QUESTIONS * (BYTES_PER_CHAR * own_fields.MAX_ANSWER + 64)
        elif kind == "list":
            total += 64 * (BYTES_PER_CHAR * MAX_LINE + 4)
        else:
            total += BYTES_PER_CHAR * _limit(kind) + len(fld.name) + 16
    return total


MAX_BYTES = {t: _max_bytes(t) for t in RECORD_TYPES_IN}


# Each record type's fields, their kinds and, for text, their limits: looked up once, not per record.
_KINDS = {t: {fld.name: fld.metadata["kind"] for fld in fields_of(RECORD_TYPES[t])} for t in RECORD_TYPES}
_TEXT_LIMITS = {
    t: {name: _limit(kind) for name, kind in kinds.items() if kind in ("line", "text", "date", "datetime", "code")}
    for t, kinds in _KINDS.items()
}


def _field_problem(rtype: str, fields: dict[Any, Any]) -> str | None:
    kinds, text_limits = _KINDS[rtype], _TEXT_LIMITS[rtype]
    for name, value in fields.items():
        limit = text_limits.get(name) if isinstance(name, str) else None
        if limit is not None:  # most fields: text within its limit
            if value is None or isinstance(value, str) and len(value) <= limit:
                continue
            return "a field is too long or not text"
        if not isinstance(name, str):
            return "a field has no proper name"
        kind = kinds.get(name)
        if kind is None:
            if name not in EXTRA_FIELDS:
                return f"it has a field a {rtype.replace('_', ' ')} never has"
            if value is not None and (not isinstance(value, str) or len(value) > EXTRA_FIELDS[name]):
                return "a field is not in the expected form"
            continue
        if value is None:
            continue  # left out of counts, or written before the field existed
        if kind == "bool":
            if not isinstance(value, bool):
                return "a yes-or-no field is not yes or no"
        elif kind in ("int", "float"):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 100_000:
                return "a number field is out of range"
        elif kind == "list":
            if (
                not isinstance(value, list)
                or len(value) > 64
                or any(not isinstance(v, str) or len(v) > MAX_LINE for v in value)
            ):
                return "a list field is not in the expected form"
        elif kind == "own":
            if not isinstance(value, dict) or len(value) > 4 * own_fields.MAX_QUESTIONS:
                return "a field is not in the expected form"
            for key, answer in value.items():
                if not isinstance(key, str) or len(key) > 40 or not key.startswith(own_fields.KEY_PREFIX):
                    return "a field is not in the expected form"
                if isinstance(answer, str):
                    if len(answer) > own_fields.MAX_ANSWER:
                        return "a field is too long or not text"
                elif not isinstance(answer, (bool, int, float)) or (
                    not isinstance(answer, bool) and not abs(answer) <= own_fields.MAX_NUMBER
                ):
                    return "a field is not in the expected form"
        elif kind == "map":
            if (
                not isinstance(value, dict)
                or len(value) > MAX_MAP
                or any(
                    not isinstance(k, str)
                    or len(k) > MAX_LINE
                    or not (isinstance(v, (int, float)) and not isinstance(v, bool) or isinstance(v, str))
                    or isinstance(v, str)
                    and len(v) > MAX_TEXT
                    for k, v in value.items()
                )
            ):
                return "a field is not in the expected form"
    return None


def _version_problem(r: dict[str, Any], top: int = MAX_VERSION) -> str | None:
    for name in ("version", "base_version"):
        value = r.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= top:
            return "it has a bad version number"
    return None


def check_record(r: object, encoded: bytes | None = None) -> str | None:
    """Why this shared record can't be used, or None. Every key is checked: the drive is not trusted.

    `encoded`, if given, is canonical(r["fields"]) already written (the exporter has it), so the fields
    are not serialised again; either way they are serialised at most once here.
    """
    if not isinstance(r, dict):
        return "it is not a record"
    rtype, basis = r.get("type"), r.get("basis")
    if not isinstance(rtype, str) or not isinstance(basis, str) or rtype not in RECORD_TYPES_IN or basis not in BASES:
        return "it has an unknown type or basis"
    if not isinstance(r.get("id"), str) or not 0 < len(r["id"]) <= MAX_ID:
        return "it has no usable id"
    problem = _version_problem(r)
    if problem:
        return problem
    fields = r.get("fields")
    if not isinstance(fields, dict):
        return "its fields are missing"
    try:
        if encoded is None:
            encoded = batch_format.canonical(fields)
    except (TypeError, ValueError, UnicodeEncodeError, RecursionError):
        return "its fields can't be read"
    if len(encoded) > MAX_BYTES[rtype]:
        return "its fields are too large"
    if r.get("content_sha256") != hashlib.sha256(encoded).hexdigest():
        return "its content does not match its hash"
    for name in ("mentee_id", "pseudonym"):
        if name in r and (not isinstance(r[name], str) or len(r[name]) > MAX_ID):
            return "it has a bad mentee reference"
    for name in ("updated_at", "author"):
        if name in r and (not isinstance(r[name], str) or len(r[name]) > MAX_LINE):
            return "it has a bad time or author"
    if "deleted" in r and r["deleted"] is not True:
        return "its deletion mark is not in the expected form"
    if rtype == "handover" or basis == "handover":
        return _handover_problem(rtype, basis, fields)
    if rtype in ("withdrawal", "erasure"):
        if not (isinstance(r.get("mentee_id"), str) and r["mentee_id"]):
            return "a withdrawal or erasure does not say whose it is"
        if rtype == "erasure":
            ids = fields.get("records", [])
            if not isinstance(ids, list) or any(not isinstance(i, str) or len(i) > MAX_ID for i in ids):
                return "an erasure's list of records is not a list"
        elif (
            set(fields) - {"new_pseudonym"}
            or not isinstance(fields.get("new_pseudonym", ""), str)
            or len(fields.get("new_pseudonym", "")) > MAX_ID
        ):
            return "a withdrawal carries fields"
        return None
    if r.get("deleted"):
        return "a deletion carries fields" if fields else None
    if basis == "safety":
        allowed = set(SAFETY_FIELDS.get(rtype, ()))
        if not allowed or not set(fields) <= allowed or "mentee_id" in r or "pseudonym" in r:
            return "a mentor-safety item carries more than a missed check-in's times"
        problem = _safety_problem(rtype, fields)
        if problem:
            return problem
    if basis == "counts":
        allowed = (
            set(COUNT_FIELDS.get(rtype, ()))
            | {"month", "week", "pseudonym"}
            | ({AGE_BAND} if rtype == "mentee" else set())
            | ({OWN} if OWN in _KINDS[rtype] else set())  # the answers to counted questions only
        )
        if not set(fields) <= allowed or "mentee_id" in r:
            return "a record shared without consent carries more than counts"
        problem = _counts_problem(rtype, fields)
        if problem:
            return problem
    return _field_problem(rtype, fields)


# Fields with a fixed list, and codes written in a fixed form: an identity-free copy holds only those
# answers, so nothing a person typed (a name, an address) can travel in their place without consent.
_CHOICES = {
    t: {fld.name: set(fld.metadata["choices"]) for fld in fields_of(RECORD_TYPES[t]) if fld.metadata["choices"]}
    for t in RECORD_TYPES
}
_CODES = {
    t: {fld.name: fld.metadata["check"] for fld in fields_of(RECORD_TYPES[t]) if fld.metadata["kind"] == "code"}
    for t in RECORD_TYPES
}


def _counts_problem(rtype: str, fields: dict[Any, Any]) -> str | None:
    for name, value in fields.items():
        if value in ("", None, 0, []):
            continue
        known = _CHOICES[rtype].get(name)
        if known is not None:
            values = value if isinstance(value, list) else [value]
            if any(str(v) not in known for v in values if not isinstance(v, (dict, bool))):
                return "a record shared without consent has an answer its list doesn't have"
        check = _CODES[rtype].get(name)
        if check is not None:
            try:
                if not isinstance(value, str) or check(value) != value:
                    return "a record shared without consent has a code in the wrong form"
            except BadInput:
                return "a record shared without consent has a code in the wrong form"
    if rtype == "mentee" and fields.get(AGE_BAND) not in (None, "", *vocab.AGE_BANDS):
        return "a record shared without consent has an age band no list has"
    return None


def _safety_problem(rtype: str, fields: dict[Any, Any]) -> str | None:
    """A mentor-safety item goes without consent: its times are times and its outcome is from its list, so
    nothing a person typed can travel in their place."""
    for name, value in fields.items():
        if value in ("", None):
            continue
        if _KINDS[rtype].get(name) == "datetime":
            # Exactly the app's own form (local time, to the minute): Python reads more, such as a time with a
            # zone, which can't be compared with the app's times.
            if not isinstance(value, str) or not _LOCAL_MINUTE.fullmatch(value):
                return "a mentor-safety item has a time that is not a time"
            try:
                datetime.fromisoformat(value)
            except ValueError:
                return "a mentor-safety item has a time that is not a time"
        elif name in _CHOICES[rtype] and (not isinstance(value, str) or value not in _CHOICES[rtype][name]):
            return "a mentor-safety item has an answer its list doesn't have"
    return None


def _handover_problem(rtype: str, basis: str, fields: dict[Any, Any]) -> str | None:
    """A hand-over statement signed by the sending device, and (from the receiving device) its token."""
    if rtype != "handover" or basis != "handover":
        return "a hand-over has the wrong type or basis"
    statement = fields.get("statement")
    if set(fields) - {"statement", "signature", "token"} or not isinstance(statement, dict):
        return "a hand-over is not in the expected form"
    if set(statement) != set(HANDOVER_STATEMENT) or any(
        not isinstance(statement[k], str) or len(statement[k]) > n for k, n in HANDOVER_STATEMENT.items()
    ):
        return "a hand-over statement is not in the expected form"
    if not isinstance(fields.get("signature"), str) or len(fields["signature"]) > 200:
        return "a hand-over is not signed"
    if "token" in fields and (not isinstance(fields["token"], str) or len(fields["token"]) > 128):
        return "a hand-over's proof is not in the expected form"
    return None


def check_handover_record(record_id: str, rtype: str, version: object, fields: dict[str, Any]) -> str | None:
    """A record arriving from another mentor's laptop, as it would be shared: the same limits, with room
    left under the version limit to change it for ever after."""
    problem = _version_problem({"version": version, "base_version": 0}, HANDOVER_MAX_VERSION)
    return problem or check_record(
        {
            "id": record_id,
            "type": rtype,
            "version": version,
            "base_version": 0,
            "basis": "consent",
            "fields": fields,
            "content_sha256": batch_format.content_hash(fields),
        }
    )
