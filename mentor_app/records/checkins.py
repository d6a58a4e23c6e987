"""Lone-working check-ins: which meeting plans are due one, checking in, and noticing one missed.

A meeting plan (records/types.py, RiskAssessment) says when the mentor will check in ("Check in by").
From that time until the mentor checks in, or records the outcome another way, the check-in is due:
the window asks "Are you safe?" and Today shows it in red. When LATE_AFTER has passed with no
check-in, it is missed: the app writes down when it noticed (so the plan changes, and the next export
carries it), and the supervisor learns of it as a mentor-safety item whatever the mentee agreed to share
(exchange/policy.py). A check-in made later than that is missed too, and says when it came.

A plan whose check-in time is before this profile first looked at check-ins was kept by an older
version of the app, when nothing asked, so it is never due: opening a profile full of last year's plans
must not bury the mentor in reminders, or send their supervisor a year of missed check-ins.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Any, cast

from .. import clock
from ..setting_keys import CHECK_INS_SINCE
from ..storage.db import Connection, get_setting, put_settings, transaction
from . import store, vocab
from .store import Stored
from .types import RiskAssessment, from_data

# How long after the check-in time a check-in still counts as made on time: the reminder comes at the time
# itself, and answering it is checking in.
LATE_AFTER = timedelta(minutes=15)


def _minutes(moment: datetime) -> str:
    return moment.replace(second=0, microsecond=0).isoformat(timespec="minutes")


def _read(iso: object) -> datetime | None:
    if not isinstance(iso, str) or not iso:
        return None
    try:
        return datetime.fromisoformat(iso)
    except ValueError:
        return None


def _plan_time(iso: object) -> datetime | None:
    """A time on a plan: the app writes them local, with no zone; one with a zone (from a damaged or hostile
    record) can't be compared with them, and is read as no time."""
    found = _read(iso)
    return found if found is not None and found.tzinfo is None else None


def watching_since(conn: Connection) -> str:
    """The local time ("2026-12-03T14:30") from which check-ins are asked about; the first call sets it to now."""
    since = _read(get_setting(conn, CHECK_INS_SINCE))
    if since is None:
        stamp = clock.stamp()
        with transaction(conn):
            put_settings(conn, {CHECK_INS_SINCE: stamp})
        since = datetime.fromisoformat(stamp)
    return _minutes(since.astimezone().replace(tzinfo=None) if since.tzinfo else since)


def due(conn: Connection, now: datetime | None = None) -> list[Stored]:
    """Meeting plans whose check-in time has come with no check-in and no outcome recorded, earliest first."""
    now = now or clock.local_now()
    found = store.select(
        conn,
        "type = 'risk_assessment' AND coalesce(json_extract(data, '$.check_in_at'), '') BETWEEN ? AND ? "
        "AND coalesce(json_extract(data, '$.checked_in_at'), '') = '' AND json_extract(data, '$.outcome') = ?",
        (watching_since(conn), _minutes(now), vocab.RiskOutcome.PLANNED),
    )
    return sorted(found, key=lambda s: s.record.check_in_at)


def missed(plan: RiskAssessment) -> bool:
    """Whether the check-in was missed: the app noticed nobody checked in, or it came more than LATE_AFTER late.

    A check-in time given afterwards (the mentor phoned in on time, and says so on the form) settles it.
    """
    planned = _plan_time(plan.check_in_at)
    if planned is None:
        return False
    came = _plan_time(plan.checked_in_at)
    if came is not None:
        return came > planned + LATE_AFTER
    return bool(plan.missed_noted_at)


def missed_in(fields: dict[str, Any]) -> bool:
    """`missed` for a plan's fields as they travel (all of them, or a mentor-safety item's few)."""
    return missed(cast(RiskAssessment, from_data(RiskAssessment.type_name, fields)))


def note_missed(conn: Connection, author: str, now: datetime | None = None) -> list[str]:
    """Write on each plan whose check-in is now missed when the app noticed; the ids of the plans changed."""
    now = now or clock.local_now()
    late = [
        s
        for s in due(conn, now)
        if not s.record.missed_noted_at and (when := _plan_time(s.record.check_in_at)) and now >= when + LATE_AFTER
    ]
    if not late:
        return []  # most minutes of most days: no write, so no lock taken
    with transaction(conn):
        for s in late:
            noted = dataclasses.replace(s.record, missed_noted_at=_minutes(now))
            store.save_in(conn, noted, author=author, mentee_id=s.mentee_id, record_id=s.id)
    return [s.id for s in late]


def check_in(conn: Connection, record_ids: list[str], author: str, now: datetime | None = None) -> list[str]:
    """Check in on these plans now ("I'm safe"): the time, and the outcome if none was recorded. The ids changed."""
    now = now or clock.local_now()
    changed = []
    with transaction(conn):
        for rid in record_ids:
            s = store.get(conn, rid)
            if s is None or s.type != RiskAssessment.type_name or s.record.checked_in_at:
                continue  # deleted meanwhile, or checked in already (from Today and the reminder at once)
            outcome = s.record.outcome
            if outcome == vocab.RiskOutcome.PLANNED:
                outcome = vocab.RiskOutcome.CHECKED_IN_SAFE
            safe = dataclasses.replace(s.record, checked_in_at=_minutes(now), outcome=outcome)
            store.save_in(conn, safe, author=author, mentee_id=s.mentee_id, record_id=rid)
            changed.append(rid)
    return changed
