"""The mentee list with what a mentor needs at a glance, and its quick filters."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from .. import clock
from ..storage.db import Connection
from . import referrals, store, vocab
from .store import Stored
from .types import from_data

NOT_SEEN_DAYS = 14
FILTERS = {
    "all": "Everyone",
    "active": "Active",
    "actions_due": "Actions due",
    "not_seen": f"Not seen for {NOT_SEEN_DAYS}+ days",
    "follow_ups": "Follow-ups due",
    "safety": "Safety flag",
}


@dataclass(frozen=True)
class MenteeRow:
    id: str
    name: str
    status: str
    safety_flag: bool
    last_seen: str  # date of the last meeting they attended, or ""
    actions_due: int
    open_concerns: int
    follow_ups_due: int = 0

    def not_seen_for(self, today: date) -> int | None:
        if not self.last_seen:
            return None
        return (today - date.fromisoformat(self.last_seen[:10])).days


def caseload(conn: Connection, today: date | None = None) -> list[MenteeRow]:
    today = today or clock.today()
    last_seen = dict(
        conn.execute(
            "SELECT mentee_id, max(sort_at) FROM records WHERE type = 'meeting' AND deleted = 0 "
            "AND json_extract(data, '$.kind') != 'did_not_attend' GROUP BY mentee_id"
        ).fetchall()
    )
    due = dict(
        conn.execute(
            "SELECT mentee_id, count(*) FROM records WHERE type = 'action' AND deleted = 0 "
            "AND json_extract(data, '$.done') = 0 AND sort_at != '' AND sort_at <= ? GROUP BY mentee_id",
            (today.isoformat(),),
        ).fetchall()
    )
    concerns = dict(
        conn.execute(
            "SELECT mentee_id, count(*) FROM records WHERE type = 'concern' AND deleted = 0 "
            "AND json_extract(data, '$.status') != 'closed' GROUP BY mentee_id"
        ).fetchall()
    )
    follow_ups: dict[str | None, int] = {}
    for s in referrals.follow_ups_due(conn, today):
        follow_ups[s.mentee_id] = follow_ups.get(s.mentee_id, 0) + 1
    rows = []
    for rid, data in conn.execute("SELECT id, data FROM records WHERE type = 'mentee' AND deleted = 0"):
        d = json.loads(data)
        rows.append(
            MenteeRow(
                id=rid,
                name=from_data("mentee", d).title(),
                status=d.get("status", ""),
                safety_flag=bool(d.get("safety_flag")),
                last_seen=(last_seen.get(rid) or "")[:10],
                actions_due=due.get(rid, 0),
                open_concerns=concerns.get(rid, 0),
                follow_ups_due=follow_ups.get(rid, 0),
            )
        )
    return sorted(rows, key=lambda r: r.name.casefold())


def matches(row: MenteeRow, which: str, today: date | None = None) -> bool:
    today = today or clock.today()
    if which == "active":
        return row.status == vocab.MenteeStatus.ACTIVE
    if which == "actions_due":
        return row.actions_due > 0
    if which == "not_seen":
        if row.status == vocab.MenteeStatus.CLOSED:
            return False
        days = row.not_seen_for(today)
        return days is None or days >= NOT_SEEN_DAYS
    if which == "safety":
        return row.safety_flag
    if which == "follow_ups":
        return row.follow_ups_due > 0
    return True


def last_meeting_defaults(conn: Connection, mentee_id: str | None = None) -> dict[str, Any]:
    """What the meeting form pre-fills: the place, type and activity of this mentee's last meeting."""
    if mentee_id is None:
        row = conn.execute(
            "SELECT data FROM records WHERE type = 'meeting' AND deleted = 0 ORDER BY change_seq DESC LIMIT 1"
        ).fetchone()
    else:
        row = conn.execute(
            "SELECT data FROM records WHERE type = 'meeting' AND deleted = 0 AND mentee_id = ? "
            "ORDER BY sort_at DESC, change_seq DESC LIMIT 1",
            (mentee_id,),
        ).fetchone()
    if row is None:
        return {}
    d = json.loads(row[0])
    return {k: d.get(k, "") for k in ("place", "kind", "activity", "duration_minutes")}


def open_concerns(conn: Connection) -> list[Stored]:
    """Safeguarding concerns not yet closed, most urgent and newest first."""
    order = {code: i for i, code in enumerate(vocab.CONCERN_URGENCY)}
    found = store.select(conn, "type = 'concern' AND json_extract(data, '$.status') != 'closed'")
    newest_first = sorted(found, key=lambda s: s.record.raised_at, reverse=True)
    return sorted(newest_first, key=lambda s: order.get(s.record.urgency, 99))


def actions_due(conn: Connection, today: date | None = None) -> list[Stored]:
    """Actions not done whose due date has come, oldest first."""
    today = today or clock.today()
    found = store.select(
        conn,
        "type = 'action' AND json_extract(data, '$.done') = 0 AND sort_at != '' AND sort_at <= ?",
        (today.isoformat(),),
    )
    return sorted(found, key=lambda s: s.record.due)


def upcoming_meetings(conn: Connection, today: date | None = None) -> list[Stored]:
    """Next meetings agreed, from today on, soonest first (latest agreement per mentee)."""
    today = today or clock.today()
    found = store.select(conn, "type = 'meeting' AND json_extract(data, '$.next_meeting') >= ?", (today.isoformat(),))
    latest: dict[str | None, Stored] = {}
    for s in sorted(found, key=lambda s: s.record.starts_at):
        latest[s.mentee_id] = s
    return sorted(latest.values(), key=lambda s: s.record.next_meeting)
