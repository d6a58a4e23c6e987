"""The figures a funder asks for, from the supervisor's copy: counts, never identities."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Figures:
    people: int = 0
    meetings_by_kind: Counter = field(default_factory=Counter)
    sport_minutes: int = 0
    referrals: Counter = field(default_factory=Counter)   # (category, outcome)
    concerns: int = 0

    def as_dict(self) -> dict:
        return {"people": self.people, "meetings_by_kind": dict(self.meetings_by_kind),
                "sport_minutes": self.sport_minutes,
                "referrals": {f"{c}/{o}": n for (c, o), n in sorted(self.referrals.items())},
                "concerns": self.concerns}


def supervisor_figures(conn) -> Figures:
    """Counts over every mentor's current records, consenting or not; each person once (by pseudonym)."""
    figures = Figures()
    people = set()
    rows = conn.execute("SELECT type, pseudonym, id, fields FROM shared_records WHERE current = 1 AND deleted = 0 "
                        "AND type IN ('mentee', 'meeting', 'referral', 'concern')")
    for rtype, pseudonym, rid, fields in rows:
        data = json.loads(fields)
        if rtype == "mentee":
            people.add(pseudonym or rid)
        elif rtype == "meeting":
            figures.meetings_by_kind[data.get("kind", "")] += 1
            if data.get("kind") == "sport":
                figures.sport_minutes += int(data.get("duration_minutes") or 0)
        elif rtype == "referral":
            figures.referrals[(data.get("category", ""), data.get("outcome", ""))] += 1
        else:
            figures.concerns += 1
    figures.people = len(people)
    return figures


def mentor_figures(conn) -> Figures:
    """The same counts straight from one mentor's own profile (what the supervisor's copy must add up to)."""
    from ..records import store

    figures = Figures(people=len(store.list_records(conn, "mentee")))
    for s in store.list_records(conn, "meeting"):
        figures.meetings_by_kind[s.record.kind] += 1
        if s.record.kind == "sport":
            figures.sport_minutes += s.record.duration_minutes
    for s in store.list_records(conn, "referral"):
        figures.referrals[(s.record.category, s.record.outcome)] += 1
    figures.concerns = len(store.list_records(conn, "concern"))
    return figures


def add(total: Figures, more: Figures) -> Figures:
    total.people += more.people
    total.meetings_by_kind.update(more.meetings_by_kind)
    total.sport_minutes += more.sport_minutes
    total.referrals.update(more.referrals)
    total.concerns += more.concerns
    return total
