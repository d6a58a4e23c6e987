"""The figures a funder asks for, from the supervisor's copy: counts, never identities.

Every count takes the identity-free records of non-consenting mentees too, and
counts each person once, by the pseudonym their mentor's app gives them.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from ..records import vocab


@dataclass
class Figures:
    people: int = 0
    engaged: int = 0
    by_status: Counter = field(default_factory=Counter)
    meetings_by_kind: Counter = field(default_factory=Counter)
    sport_sessions: int = 0
    sport_minutes: int = 0
    referrals: Counter = field(default_factory=Counter)   # (category, outcome)
    concerns: int = 0
    mentor_hours: Counter = field(default_factory=Counter)
    needs_change: dict = field(default_factory=dict)       # area -> (first average, latest average, people)

    def as_dict(self) -> dict:
        return {"people": self.people, "engaged": self.engaged, "by_status": dict(self.by_status),
                "meetings_by_kind": dict(self.meetings_by_kind), "sport_sessions": self.sport_sessions,
                "sport_minutes": self.sport_minutes,
                "referrals": {f"{c}/{o}": n for (c, o), n in sorted(self.referrals.items())},
                "concerns": self.concerns, "mentor_hours": dict(self.mentor_hours)}


def _month_of(rtype: str, data: dict) -> str:
    if "month" in data:
        return data["month"] or ""
    for key in ("starts_at", "on", "raised_at", "referral_date"):
        if data.get(key):
            return data[key][:7]
    return ""


def _in(month: str, start: str, end: str) -> bool:
    return (not start or (month and month >= start)) and (not end or (month and month <= end))


def _add_needs(figures: Figures, checks: dict[str, list[tuple[str, dict]]]) -> None:
    firsts, lasts = defaultdict(list), defaultdict(list)
    for person_checks in checks.values():
        ordered = sorted(person_checks, key=lambda c: c[0])
        if len(ordered) < 2:
            continue
        first, last = ordered[0][1], ordered[-1][1]
        for area in vocab.NEEDS_AREAS:
            if area in first and area in last:
                firsts[area].append(int(first[area]))
                lasts[area].append(int(last[area]))
    figures.needs_change = {area: (sum(firsts[a]) / len(firsts[a]), sum(lasts[a]) / len(lasts[a]), len(firsts[a]))
                            for area in vocab.NEEDS_AREAS for a in [area] if firsts[a]}


def supervisor_figures(conn, start: str = "", end: str = "", fingerprint: str = "") -> Figures:
    """Counts over current shared records; `start`/`end` are months (YYYY-MM), inclusive."""
    figures = Figures()
    people, engaged = set(), set()
    checks: dict[str, list] = defaultdict(list)
    where = "current = 1 AND deleted = 0" + (" AND fingerprint = ?" if fingerprint else "")
    rows = conn.execute(f"SELECT type, pseudonym, id, fields FROM shared_records WHERE {where}",
                        (fingerprint,) if fingerprint else ())
    seen: set[str] = set()
    for rtype, pseudonym, rid, fields in rows:
        if rid in seen:
            continue  # two conflicting versions of one record still count once
        seen.add(rid)
        data = json.loads(fields)
        person = pseudonym or rid
        if rtype == "mentee":
            people.add(person)
            figures.by_status[data.get("status", "")] += 1
            continue
        if rtype == "concern":
            figures.concerns += _in(_month_of(rtype, data), start, end)
            continue
        if not _in(_month_of(rtype, data), start, end):
            continue
        if rtype == "meeting":
            figures.meetings_by_kind[data.get("kind", "")] += 1
            if data.get("kind") != "did_not_attend":
                engaged.add(person)
            if data.get("kind") == "sport":
                figures.sport_sessions += 1
                figures.sport_minutes += int(data.get("duration_minutes") or 0)
        elif rtype == "referral":
            figures.referrals[(data.get("category", ""), data.get("outcome", ""))] += 1
        elif rtype == "mentor_log":
            figures.mentor_hours[data.get("kind", "")] += float(data.get("hours") or 0)
        elif rtype == "needs_check":
            checks[person].append((_month_of(rtype, data), data.get("scores") or {}))
    figures.people, figures.engaged = len(people), len(engaged)
    _add_needs(figures, checks)
    return figures


def mentor_figures(conn) -> Figures:
    """The same counts straight from one mentor's own profile (what the supervisor's copy must add up to)."""
    from ..records import store

    mentees = store.list_records(conn, "mentee")
    figures = Figures(people=len(mentees))
    for m in mentees:
        figures.by_status[m.record.status] += 1
    engaged = set()
    for s in store.list_records(conn, "meeting"):
        figures.meetings_by_kind[s.record.kind] += 1
        if s.record.kind != "did_not_attend":
            engaged.add(s.mentee_id)
        if s.record.kind == "sport":
            figures.sport_sessions += 1
            figures.sport_minutes += s.record.duration_minutes
    figures.engaged = len(engaged)
    for s in store.list_records(conn, "referral"):
        figures.referrals[(s.record.category, s.record.outcome)] += 1
    for s in store.list_records(conn, "mentor_log"):
        figures.mentor_hours[s.record.kind] += s.record.hours
    figures.concerns = len(store.list_records(conn, "concern"))
    return figures


def add(total: Figures, more: Figures) -> Figures:
    total.people += more.people
    total.engaged += more.engaged
    total.by_status.update(more.by_status)
    total.meetings_by_kind.update(more.meetings_by_kind)
    total.sport_sessions += more.sport_sessions
    total.sport_minutes += more.sport_minutes
    total.referrals.update(more.referrals)
    total.mentor_hours.update(more.mentor_hours)
    total.concerns += more.concerns
    return total
