"""What the supervisor's dashboard shows: concerns to act on, caseloads, activity over time."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from .. import clock
from ..errors import BadInput
from ..records import checkins, vocab
from ..records.types import RECORD_TYPES, from_data
from ..storage import audit, kept
from ..storage.db import transaction
from .figures import Figures, current_rows, supervisor_figures

URGENCY_ORDER = {code: i for i, code in enumerate(vocab.CONCERN_URGENCY)}
# How long a concern may wait for the supervisor before it stands out.
DUE_WITHIN = {
    "immediate": timedelta(hours=4),
    "today": timedelta(days=1),
    "this_week": timedelta(days=7),
    "for_information": timedelta(days=30),
}


@dataclass(frozen=True)
class ConcernRow:
    record_id: str
    mentor: str
    mentee_name: str
    category: str
    urgency: str
    raised_at: str
    what_happened: str
    acknowledged: str  # the latest action noted by the supervisor, or ""
    overdue: bool
    deletion_requested: str = ""  # "delete" or "erase": the mentor asks, the supervisor decides
    status: str = vocab.ConcernStatus.OPEN  # the mentor's own status: open, reported, closed
    action_taken: str = ""  # what the mentor did
    reported_to: str = ""

    @property
    def closed(self) -> bool:
        return self.status == vocab.ConcernStatus.CLOSED


def _latest_notes(conn) -> dict[str, str]:
    """The latest action the supervisor noted on each record (a concern, a missed check-in)."""
    return {
        r[0]: r[1]
        for r in conn.execute(
            "SELECT record_id, action FROM supervisor_notes n WHERE at = (SELECT max(at) FROM supervisor_notes "
            "WHERE record_id = n.record_id)"
        )
    }


def concerns(conn, now: datetime | None = None, include_acknowledged: bool = False) -> list[ConcernRow]:
    now = now or clock.local_now()
    notes = _latest_notes(conn)
    names = dict(conn.execute("SELECT fingerprint, mentor_name FROM mentor_devices"))
    asked = dict(conn.execute("SELECT record_id, kind FROM deletion_requests WHERE decided_at IS NULL"))
    rows = []
    for rid, fp, fields in conn.execute(
        "SELECT id, fingerprint, fields FROM shared_records WHERE type = 'concern' AND current = 1 AND deleted = 0"
    ):
        d = json.loads(fields)
        acknowledged = notes.get(rid, "")
        if acknowledged and not include_acknowledged and rid not in asked:
            continue
        try:
            raised = datetime.fromisoformat(d.get("raised_at", ""))
        except ValueError:
            raised = now
        status = str(d.get("status") or vocab.ConcernStatus.OPEN)
        # A concern the mentor closed is not urgent any more, whatever urgency it was raised with.
        overdue = (
            not acknowledged
            and status != vocab.ConcernStatus.CLOSED
            and now - raised > DUE_WITHIN.get(d.get("urgency"), timedelta(days=1))
        )
        rows.append(
            ConcernRow(
                rid,
                names.get(fp, fp),
                d.get("mentee_name", ""),
                d.get("category", ""),
                d.get("urgency", ""),
                d.get("raised_at", ""),
                d.get("what_happened", ""),
                acknowledged,
                overdue,
                asked.get(rid, ""),
                status,
                str(d.get("action_taken") or ""),
                str(d.get("reported_to") or ""),
            )
        )
    newest_first = sorted(rows, key=lambda r: r.raised_at, reverse=True)
    return sorted(
        newest_first,
        key=lambda r: (not r.deletion_requested and r.closed, URGENCY_ORDER.get(r.urgency, 99), not r.overdue),
    )


def acknowledge(conn, record_id: str, action: str, author: str) -> None:
    if not action.strip():
        raise BadInput("Say what was done about the concern.")
    with transaction(conn):
        conn.execute(
            "INSERT INTO supervisor_notes(record_id, at, action, author) VALUES (?, ?, ?, ?)",
            (record_id, clock.stamp(), action.strip()[:5000], author),
        )
        about = conn.execute(
            "SELECT coalesce(mentee_id, '') FROM shared_records WHERE id = ? LIMIT 1", (record_id,)
        ).fetchone()
        audit.record(
            conn,
            "create",
            actor=author,
            record_type="supervisor_note",
            record_id=record_id,
            mentee_id=about[0] if about else "",
        )


@dataclass(frozen=True)
class SafetyRow:
    """A missed lone-working check-in: the mentor's safety. Whom and where only when the mentee agreed to share."""

    record_id: str
    mentor: str
    meeting_at: str
    check_in_at: str
    checked_in_at: str  # "" while no check-in has reached the supervisor
    noticed_at: str  # when the mentor's app noticed nobody had checked in, or ""
    mentee_name: str = ""  # only with the mentee's consent to share
    place: str = ""  # likewise
    who_knows: str = ""  # likewise
    acknowledged: str = ""  # the latest action noted by the supervisor, or ""


def mentor_safety(conn, include_acknowledged: bool = False) -> list[SafetyRow]:
    """Missed check-ins, from mentor-safety items and from meeting plans shared in full: not yet checked in
    first, then the most recent."""
    notes = _latest_notes(conn)
    names = dict(conn.execute("SELECT fingerprint, mentor_name FROM mentor_devices"))
    rows = []
    for rid, fp, basis, mentee_id, fields in conn.execute(
        "SELECT id, fingerprint, basis, coalesce(mentee_id, ''), fields FROM shared_records "
        "WHERE type = 'risk_assessment' AND current = 1 AND deleted = 0"
    ):
        d = json.loads(fields)
        if not checkins.missed_in(d):
            continue
        acknowledged = notes.get(rid, "")
        if acknowledged and not include_acknowledged:
            continue
        named = basis == "consent" and mentee_id
        rows.append(
            SafetyRow(
                rid,
                names.get(fp, fp),
                str(d.get("meeting_at") or ""),
                str(d.get("check_in_at") or ""),
                str(d.get("checked_in_at") or ""),
                str(d.get("missed_noted_at") or ""),
                _shared_name(conn, mentee_id) if named else "",
                str(d.get("place") or "") if named else "",
                str(d.get("who_knows") or "") if named else "",
                acknowledged,
            )
        )
    latest_first = sorted(rows, key=lambda r: r.check_in_at, reverse=True)
    return sorted(latest_first, key=lambda r: bool(r.checked_in_at))


def _shared_name(conn, mentee_id: str) -> str:
    row = conn.execute(
        "SELECT fields FROM shared_records WHERE type = 'mentee' AND id = ? AND current = 1 AND deleted = 0 "
        "AND basis = 'consent' LIMIT 1",
        (mentee_id,),
    ).fetchone()
    if row is None:
        return ""
    try:
        return str(from_data("mentee", json.loads(row[0])).title())
    except (TypeError, ValueError):
        return ""


@dataclass(frozen=True)
class CaseloadRow:
    mentor: str
    key: str
    people: int
    active: int
    not_seen_14: int
    not_seen_28: int


MONDAY = "date(day, '-' || ((cast(strftime('%w', day) AS integer) + 6) % 7) || ' days')"


def caseload_by_mentor(conn, today: date | None = None) -> list[CaseloadRow]:
    today = today or clock.today()
    rows_sql, base = current_rows(conn)
    last_seen = dict(
        kept.rows(
            conn,
            f"SELECT person, max(day) FROM {rows_sql} WHERE type = 'meeting' AND day != '' AND "
            "kind != 'did_not_attend' GROUP BY 1",
            base,
        )
    )
    # A mentor on a new laptop has a new device under the same name: one caseload.
    names = dict(conn.execute("SELECT fingerprint, mentor_name FROM mentor_devices"))
    per_mentor: dict[str, dict] = defaultdict(dict)
    for fp, person, status in kept.rows(
        conn, f"SELECT fingerprint, person, status FROM {rows_sql} WHERE type = 'mentee'", base
    ):
        per_mentor[names.get(fp) or fp][person] = status or ""
    rows = []
    for mentor, by_person in sorted(per_mentor.items()):
        active = [p for p, status in by_person.items() if status == vocab.MenteeStatus.ACTIVE]

        def days(person):
            seen = last_seen.get(person)
            return (today - date.fromisoformat(seen)).days if seen else 10**6

        rows.append(
            CaseloadRow(
                mentor,
                mentor,
                len(by_person),
                len(active),
                sum(days(p) >= 14 for p in active),
                sum(days(p) >= 28 for p in active),
            )
        )
    return rows


def weekly_activity(
    conn, weeks: int = 12, today: date | None = None, fingerprint: str = ""
) -> list[tuple[str, int, int, float]]:
    """(week starting, meetings, sport minutes, mentor hours) for the `weeks` weeks up to `today`."""
    today = today or clock.today()
    start = today - timedelta(days=today.weekday(), weeks=weeks - 1)
    buckets: dict[str, tuple[int, int, float]] = {
        (start + timedelta(weeks=i)).isoformat(): (0, 0, 0.0) for i in range(weeks)
    }
    rows_sql, base = current_rows(conn, fingerprint)
    for week, meetings, minutes in kept.rows(
        conn,
        f"SELECT {MONDAY}, count(*), sum(CASE WHEN kind = 'sport' THEN minutes ELSE 0 END) FROM {rows_sql} "
        "WHERE type = 'meeting' AND day >= ? GROUP BY 1",
        base + (start.isoformat(),),
    ):
        if week in buckets:
            buckets[week] = (meetings, int(minutes or 0), buckets[week][2])
    for week, hours in kept.rows(
        conn,
        f"SELECT {MONDAY}, sum(hours) FROM {rows_sql} WHERE type = 'mentor_log' AND day >= ? GROUP BY 1",
        base + (start.isoformat(),),
    ):
        if week in buckets:
            buckets[week] = (buckets[week][0], buckets[week][1], float(hours or 0))
    return [(k, *v) for k, v in sorted(buckets.items())]


def shared_people(conn) -> list[tuple[str, str, str]]:
    """(mentee id, name, mentor) of everyone whose records were shared in full, by name."""
    names = dict(conn.execute("SELECT fingerprint, mentor_name FROM mentor_devices"))
    rows = conn.execute(
        "SELECT mentee_id, fields, fingerprint FROM shared_records WHERE type = 'mentee' "
        "AND basis = 'consent' AND current = 1 AND deleted = 0"
    )
    people = [(mid, json.loads(f).get("name", ""), names.get(fp, fp)) for mid, f, fp in rows]
    return sorted(people, key=lambda p: p[1].casefold())


def person_records(conn, mentee_id: str) -> list[tuple[str, str, str]]:
    """(date, what, summary) of one person's shared records, newest first, read-only."""
    out = []
    for rtype, fields in conn.execute(
        "SELECT type, fields FROM shared_records WHERE mentee_id = ? AND current = 1 "
        "AND deleted = 0 AND type != 'mentee'",
        (mentee_id,),
    ):
        d = json.loads(fields)
        when = d.get("starts_at") or d.get("raised_at") or d.get("on") or d.get("meeting_at") or ""
        summary = (
            d.get("notes") or d.get("what_happened") or d.get("text") or d.get("organisation") or d.get("reason") or ""
        )
        what = (
            vocab.MEETING_TYPES.get(d.get("kind", ""), "")
            if rtype == "meeting"
            else RECORD_TYPES[rtype].label
            if rtype in RECORD_TYPES
            else ""
        )
        out.append((when.replace("T", " ")[:16], what or rtype, " ".join(str(summary).split())[:200]))
    notes = conn.execute("SELECT at, action FROM supervisor_notes WHERE record_id = ?", (mentee_id,)).fetchall()
    out += [(at.replace("T", " ")[:16], "Supervisor's note", action) for at, action in notes]
    return sorted(out, reverse=True)


def conflicts(conn) -> list[tuple[str, str, int]]:
    """Records two laptops changed from the same version: (mentor, record type, version) for a person to settle."""
    names = dict(conn.execute("SELECT fingerprint, mentor_name FROM mentor_devices"))
    # Named, because the planner otherwise walks the (much larger) counting index.
    rows = conn.execute(
        "SELECT DISTINCT id, type, version, fingerprint FROM shared_records "
        "INDEXED BY shared_conflicts WHERE conflict = 1 ORDER BY type, id"
    )
    return [(names.get(fp, fp), rtype, version) for _, rtype, version, fp in rows]


@dataclass
class Overview:
    """Everything the dashboard's tabs show but the activity charts, read in one go (off the UI thread)."""

    concerns: list[ConcernRow]
    caseload: list[CaseloadRow]
    people: list[tuple[str, str, str]]
    conflicts: list[tuple[str, str, int]]
    safety: list[SafetyRow] = field(default_factory=list)


@dataclass
class Activity:
    """The activity tab for one mentor (or all) and a span of months."""

    weeks: list[tuple[str, int, int, float]]
    figures: Figures


def overview(conn, now: datetime | None = None) -> Overview:
    return Overview(
        concerns(conn, now),
        caseload_by_mentor(conn, now.date() if now else None),
        shared_people(conn),
        conflicts(conn),
        mentor_safety(conn),
    )


def activity(conn, fingerprint: str = "", start: str = "", end: str = "") -> Activity:
    """Weekly charts end at the `end` month (YYYY-MM) when one is given, otherwise this week."""
    end_day = None
    if len(end) == 7:
        try:
            end_day = date.fromisoformat(end + "-28")
        except ValueError:
            end_day = None
    return Activity(
        weekly_activity(conn, today=end_day, fingerprint=fingerprint), supervisor_figures(conn, start, end, fingerprint)
    )
