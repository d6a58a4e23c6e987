"""Retention: how long each kind of record is kept after a case closes, what is due, and deleting it.

A case counts as closed from the last change to the person or any of their records once their
status is "closed" (a late correction restarts the clock: it keeps records longer, never shorter).
Deleting leaves tombstones, so the supervisor's copies go at the next export too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .. import clock
from ..records import store
from ..records.retention import (  # noqa: F401 - the rules live in records; callers may reach them from here
    DEFAULT_YEARS,
    MAX_YEARS,
    SAFEGUARDING,
    Policy,
    automatic_waiting,
    confirm_automatic,
    from_published,
    load_policy,
    published_values,
    save_policy,
    settings_values,
    to_published,
)
from ..records.types import RECORD_TYPES
from ..records.vocab import MenteeStatus
from ..storage import db
from ..words import count


@dataclass(frozen=True)
class Due:
    record_id: str
    record_type: str
    mentee_id: str  # "" for the mentor's own log
    since: str  # the day the clock started: the case closing, or the log's date
    years: int


def _after(day: str, years: int) -> date:
    start = date.fromisoformat(day[:10])
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February
        return start.replace(year=start.year + years, day=28)


def due(conn, policy: Policy, today: date | None = None) -> list[Due]:
    """What has passed its retention period, children before the person they belong to."""
    today = today or clock.today()
    found = []
    for person in store.list_records(conn, "mentee"):
        if person.record.status != MenteeStatus.CLOSED:
            continue
        theirs = store.list_records(conn, mentee_id=person.id)
        closed = max([person.updated_at] + [r.updated_at for r in theirs])[:10]
        staying = 0
        for r in theirs:
            years = policy.years.get(r.type, DEFAULT_YEARS.get(r.type, 3))
            if _after(closed, years) <= today:
                found.append(Due(r.id, r.type, person.id, closed, years))
            else:
                staying += 1
        # The person's own record stays while anything of theirs does (a concern names them).
        if not staying and _after(closed, policy.years["mentee"]) <= today:
            found.append(Due(person.id, "mentee", person.id, closed, policy.years["mentee"]))
    for log in store.list_records(conn, "mentor_log"):
        day = (log.sort_at or log.created_at)[:10]
        if _after(day, policy.years["mentor_log"]) <= today:
            found.append(Due(log.id, "mentor_log", "", day, policy.years["mentor_log"]))
    return found


@dataclass
class Report:
    """What was removed: counts and ids, never content."""

    removed: list[Due]

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for d in self.removed:
            out[d.record_type] = out.get(d.record_type, 0) + 1
        return out

    def words(self) -> str:
        if not self.removed:
            return "Nothing is past its retention period."
        parts = [
            count(n, f"{RECORD_TYPES[t].label.lower() if t in RECORD_TYPES else t} record")
            for t, n in sorted(self.counts().items())
        ]
        people = len({d.mentee_id for d in self.removed if d.record_type == "mentee"})
        return (
            f"Deleted at the end of their retention period: {', '.join(parts)}"
            + (f" (the whole record of {count(people, 'person', 'people')})" if people else "")
            + "."
        )


def delete_due(profile, items: list[Due]) -> Report:
    """Delete what `due` found, in one transaction; each deletion is in the audit trail."""
    removed = []
    with db.transaction(profile.conn) as conn:
        for d in items:
            row = conn.execute("SELECT deleted FROM records WHERE id = ?", (d.record_id,)).fetchone()
            if row is None or row[0]:
                continue
            store.delete_in(
                conn,
                d.record_id,
                author=profile.author,
                action="retention",
                detail=f"kept {d.years} years from {d.since}",
            )
            removed.append(d)
    return Report(removed)


def run_if_automatic(profile, today: date | None = None) -> Report | None:
    """At unlock: when automatic deletion is on and this profile's user said yes to it, do it; otherwise None."""
    policy = load_policy(profile)
    if not policy.automatic:
        return None
    return delete_due(profile, due(profile.conn, policy, today))
