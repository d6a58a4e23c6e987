"""What leaves the laptop, and on what basis: the one function that decides.

For each changed record, `decide` says what the export carries:
- safeguarding concerns go out in full whatever the consent (a legal duty),
  with the mentee's name so the supervisor can act;
- a mentee's records go out in full while their consent to share with the
  organisation is in force;
- without it, only identity-free counts under a pseudonym the supervisor
  can't reverse (meetings by type, sport minutes, referrals by category and
  outcome, needs scores without notes);
- a meeting plan whose lone-working check-in was missed goes out whatever the
  consent, as a mentor-safety item: only its times and outcome (the mentor's
  safety), never the place, who knows or the risks, and without the mentee's
  id, name or pseudonym; with consent it goes in full, as any record does;
- the mentor's own log goes out; the local directory and settings don't;
- deletions go out as tombstones (id and type only).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from .. import clock
from ..records import checkins, own_fields, store
from ..records.consent import consent_in_force
from ..records.identity import AGE_BAND, age_band_when_referred
from ..records.own_fields import OWN
from ..records.types import RECORD_TYPES, Record, fields_of, to_data
from ..records.vocab import ConsentScope
from ..setting_keys import PSEUDONYM_OVERRIDE

if TYPE_CHECKING:
    from ..storage.db import Connection


def _count_fields(record_type: type[Record]) -> tuple[str, ...]:
    # The fields marked counts=True, in the order the supervisor has always kept counts (the JSON a withdrawn
    # consent leaves at the supervisor, importer._counts_of): those always filled in, then the chosen words,
    # then the numbers; each group in the type's own order.
    marked = [(i, fld) for i, fld in enumerate(fields_of(record_type)) if fld.metadata["counts"]]
    marked.sort(key=lambda pair: (not pair[1].metadata["required"], pair[1].metadata["kind"] != "line", pair[0]))
    return tuple(fld.name for _, fld in marked)


# Fields that may go out without consent (counts=True in records/types.py): nothing that names, describes or
# locates anyone. Types with none are not here: without consent nothing of theirs goes out.
COUNT_FIELDS = {name: fields for name, rtype in RECORD_TYPES.items() if (fields := _count_fields(rtype))}
# What a mentor-safety item carries, by type (mentor_safety in records/types.py): a missed check-in's times.
SAFETY_FIELDS: dict[str, tuple[str, ...]] = {
    name: fields for name, rtype in RECORD_TYPES.items() if (fields := getattr(rtype, "mentor_safety", ()))
}
# Types that never leave the laptop (never_shared = True in records/types.py).
NEVER_SHARED = tuple(name for name, rtype in RECORD_TYPES.items() if getattr(rtype, "never_shared", False))


@dataclass(frozen=True)
class Decision:
    basis: str  # consent | safeguarding | safety | counts | mentor | tombstone | none
    payload: dict[str, Any] | None


def pseudonym(secret: bytes, mentee_id: str) -> str:
    return "p-" + hmac.new(secret, mentee_id.encode(), hashlib.sha256).hexdigest()[:24]


def pseudonym_source(conn: Connection, secret: bytes) -> Callable[[str], str]:
    """A function giving each mentee's pseudonym; one handed over keeps the pseudonym it came with.

    Each pseudonym is worked out once for the life of the function (one export), not once per record.
    """
    overrides = {
        key[len(PSEUDONYM_OVERRIDE) :]: value
        for key, value in conn.execute("SELECT key, value FROM settings WHERE key LIKE ?", (PSEUDONYM_OVERRIDE + "%",))
    }
    known: dict[str, str] = {}

    def pseudonym_of(mentee_id: str) -> str:
        found = known.get(mentee_id)
        if found is None:
            found = known[mentee_id] = overrides.get(mentee_id) or pseudonym(secret, mentee_id)
        return found

    return pseudonym_of


def _when(stored: store.Stored) -> tuple[str, str]:
    """The month and the week (its Monday) a record belongs to: enough for counts over time, nothing finer."""
    day = (stored.sort_at or stored.created_at)[:10]
    try:
        monday = date.fromisoformat(day) - timedelta(days=date.fromisoformat(day).weekday())
    except ValueError:
        return day[:7], ""
    return day[:7], monday.isoformat()


def decide(
    conn: Connection,
    stored: store.Stored,
    pseudonym_of: Callable[[str], str],
    today: date | None = None,
    shares: dict[str, bool] | None = None,
    names: dict[str, str] | None = None,
) -> Decision:
    """What goes out for one record. `shares` caches each mentee's consent for one export; `names`, if
    given, holds every live mentee's name (looked up once per export, not once per concern)."""
    if stored.type in NEVER_SHARED:
        return Decision("none", None)
    if stored.deleted:
        return Decision("tombstone", {})
    if stored.type == "mentor_log":
        return Decision("mentor", to_data(stored.record))
    mentee_id = stored.id if stored.type == "mentee" else stored.mentee_id
    assert mentee_id is not None, "every other record type belongs to a mentee (store.save_in insists)"
    if stored.type == "concern":
        payload = to_data(stored.record)
        if names is not None:
            payload["mentee_name"] = names.get(mentee_id, "")
        else:
            mentee = store.get(conn, mentee_id)
            payload["mentee_name"] = mentee.record.title() if mentee else ""
        return Decision("safeguarding", payload)
    shares = {} if shares is None else shares
    if mentee_id not in shares:
        shares[mentee_id] = consent_in_force(conn, mentee_id, ConsentScope.SHARE_WITH_ORGANISATION, today).in_force
    if shares[mentee_id]:
        return Decision("consent", to_data(stored.record))
    if stored.type in SAFETY_FIELDS and checkins.missed(stored.record):
        # The mentor's safety: the supervisor learns that a check-in was missed, and when, but not where or
        # with whom. A place may be the mentee's home, and this goes without their consent.
        return Decision("safety", {name: getattr(stored.record, name) for name in SAFETY_FIELDS[stored.type]})
    fields = COUNT_FIELDS.get(stored.type)
    if fields is None:
        return Decision("none", None)
    record = stored.record
    payload = {name: getattr(record, name) for name in fields}
    payload["month"], payload["week"] = _when(stored)
    payload["pseudonym"] = pseudonym_of(mentee_id)
    if stored.type == "mentee":  # counted by age band, without the date of birth it comes from (identity.py)
        payload[AGE_BAND] = age_band_when_referred(to_data(record), today or clock.today()).value
    answers = getattr(record, OWN, None)
    if answers:  # the organisation's own questions: only the answers its funder report counts
        counted = {q.key for q in own_fields.load(conn) if q.counts and q.record_type == stored.type}
        if counted & set(answers):
            payload[OWN] = {k: v for k, v in answers.items() if k in counted}
    return Decision("counts", payload)
