"""The figures a funder asks for, from the supervisor's copy: counts, never identities.

Every count takes the identity-free records of non-consenting mentees too, and
counts each person once, by the pseudonym their mentor's app gives them.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from .. import clock
from ..records import own_fields, vocab
from ..records.identity import AGE_BAND, MONITORING_FIELDS, monitoring_answers
from ..records.own_fields import OwnField
from ..records.types import to_data
from ..storage import kept


@dataclass
class Figures:
    people: int = 0
    engaged: int = 0
    by_status: Counter = field(default_factory=Counter)
    meetings_by_kind: Counter = field(default_factory=Counter)
    sport_sessions: int = 0
    sport_minutes: int = 0
    referrals: Counter = field(default_factory=Counter)  # (category, outcome)
    concerns: int = 0
    mentor_hours: Counter = field(default_factory=Counter)
    needs_change: dict = field(default_factory=dict)  # area -> (first average, latest average, people)
    # Equality monitoring (records/identity.py): question -> answer -> people; "" is "not asked".
    monitoring: dict[str, Counter] = field(default_factory=dict)
    by_referral_source: Counter = field(default_factory=Counter)  # people, by who referred them
    sport_by_activity: Counter = field(default_factory=Counter)  # sport sessions, by activity ("": not said)
    # What is missing, for the report's data-quality page.
    people_without_needs_check: int = 0
    meetings_without_minutes: int = 0
    # The organisation's own counted questions (records/own_fields.py): question key -> answer -> how many
    # (for a number: "total" and "answered").
    own: dict[str, Counter] = field(default_factory=dict)
    own_questions: dict[str, OwnField] = field(default_factory=dict)  # the questions counted, for their words

    def count_own(self, questions: dict[str, OwnField], answers: object) -> None:
        if not isinstance(answers, dict):
            return
        for key, answer in answers.items():
            question = questions.get(key)
            if question is None or answer in ("", None):
                continue
            self.own_questions[key] = question
            tally = self.own.setdefault(key, Counter())
            if question.kind == "number" and isinstance(answer, (int, float)) and not isinstance(answer, bool):
                tally["total"] += answer  # type: ignore[assignment]  # a Counter adds floats all the same
                tally["answered"] += 1
            elif isinstance(answer, bool) and question.kind == "yes_no":
                tally["yes" if answer else "no"] += 1
            elif question.kind == "choice" and answer in question.choices:
                tally[str(answer)] += 1
            else:  # from a hostile or damaged copy: counted, never printed as it came
                tally["not recognised"] += 1

    def count_answers(self, answers: dict[str, str]) -> None:
        for question, answer in answers.items():
            self.monitoring.setdefault(question, Counter())[answer] += 1

    def as_dict(self) -> dict:
        return {
            "people": self.people,
            "engaged": self.engaged,
            "by_status": dict(self.by_status),
            "meetings_by_kind": dict(self.meetings_by_kind),
            "sport_sessions": self.sport_sessions,
            "sport_minutes": self.sport_minutes,
            "referrals": {f"{c}/{o}": n for (c, o), n in sorted(self.referrals.items())},
            "concerns": self.concerns,
            "mentor_hours": dict(self.mentor_hours),
            "monitoring": {q: dict(answers) for q, answers in sorted(self.monitoring.items())},
            "by_referral_source": dict(self.by_referral_source),
            "sport_by_activity": dict(self.sport_by_activity),
            "people_without_needs_check": self.people_without_needs_check,
            "meetings_without_minutes": self.meetings_without_minutes,
            "own": {k: dict(v) for k, v in sorted(self.own.items())},
        }


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
    figures.needs_change = {
        area: (sum(firsts[a]) / len(firsts[a]), sum(lasts[a]) / len(lasts[a]), len(firsts[a]))
        for area in vocab.NEEDS_AREAS
        for a in [area]
        if firsts[a]
    }


def current_rows(conn, fingerprint: str = "") -> tuple[str, tuple]:
    """The FROM clause (and parameters) for current records, each counted once, optionally one device's.

    The columns (kind, day, month …) were pulled out of each record's JSON when it arrived.
    """
    where = "current = 1 AND deleted = 0 AND counted = 1" + (" AND fingerprint = ?" if fingerprint else "")
    return (
        f"(SELECT id, type, fingerprint, coalesce(pseudonym, id) AS person, kind, status, category, outcome, "
        f"minutes, hours, scores, day, month FROM shared_records WHERE {where})",
        (fingerprint,) if fingerprint else (),
    )


IN_PERIOD = "((? = '' OR month >= ?) AND (? = '' OR month <= ?))"


def supervisor_figures(conn, start: str = "", end: str = "", fingerprint: str = "") -> Figures:
    """Counts over current shared records; `start`/`end` are months (YYYY-MM), inclusive.

    Counted inside SQLite (json_extract), so a supervisor's years of records are never all
    loaded into Python at once; the answers are kept until a shared record changes (storage/kept.py).
    """
    # One snapshot for every count, so an import landing part-way through can't mix before and after.
    own_transaction = not getattr(conn, "in_transaction", False)
    if own_transaction:
        conn.execute("BEGIN")
    try:
        return _counted(conn, start, end, fingerprint)
    finally:
        if own_transaction:
            conn.execute("COMMIT")


def _counted(conn, start: str, end: str, fingerprint: str) -> Figures:
    figures = Figures()
    rows, base = current_rows(conn, fingerprint)
    period = (start, start, end, end)
    figures.people = kept.rows(conn, f"SELECT count(DISTINCT person) FROM {rows} WHERE type = 'mentee'", base)[0][0]
    figures.by_status = Counter(
        dict(kept.rows(conn, f"SELECT status, count(*) FROM {rows} WHERE type = 'mentee' GROUP BY 1", base))
    )
    for kind, count, minutes in kept.rows(
        conn,
        f"SELECT kind, count(*), sum(minutes) FROM {rows} WHERE type = 'meeting' AND {IN_PERIOD} GROUP BY 1",
        base + period,
    ):
        figures.meetings_by_kind[kind or ""] = count
        if kind == vocab.MeetingType.SPORT:
            figures.sport_sessions, figures.sport_minutes = count, int(minutes or 0)
    figures.engaged = kept.rows(
        conn,
        f"SELECT count(DISTINCT person) FROM {rows} WHERE type = 'meeting' AND kind != 'did_not_attend' "
        f"AND {IN_PERIOD}",
        base + period,
    )[0][0]
    for category, outcome, count in kept.rows(
        conn,
        f"SELECT category, outcome, count(*) FROM {rows} WHERE type = 'referral' AND {IN_PERIOD} GROUP BY 1, 2",
        base + period,
    ):
        figures.referrals[(category or "", outcome or "")] = count
    figures.concerns = kept.rows(
        conn, f"SELECT count(*) FROM {rows} WHERE type = 'concern' AND {IN_PERIOD}", base + period
    )[0][0]
    for kind, hours in kept.rows(
        conn, f"SELECT kind, sum(hours) FROM {rows} WHERE type = 'mentor_log' AND {IN_PERIOD} GROUP BY 1", base + period
    ):
        # Counter's stubs type its values as int; it adds and updates float hours all the same.
        figures.mentor_hours[kind or ""] = float(hours or 0)  # type: ignore[assignment]
    _count_monitoring(conn, figures, fingerprint)
    figures.sport_by_activity = Counter(
        dict(
            kept.rows(
                conn,
                "SELECT coalesce(json_extract(fields, '$.activity'), ''), count(*) FROM shared_records "
                "WHERE type = 'meeting' AND current = 1 AND deleted = 0 AND counted = 1 AND kind = 'sport' "
                f"AND {IN_PERIOD}" + (" AND fingerprint = ?" if fingerprint else "") + " GROUP BY 1",
                period + base,
            )
        )
    )
    figures.meetings_without_minutes = kept.rows(
        conn,
        f"SELECT count(*) FROM {rows} WHERE type = 'meeting' AND kind != 'did_not_attend' "
        f"AND coalesce(minutes, 0) = 0 AND {IN_PERIOD}",
        base + period,
    )[0][0]
    _count_own(conn, figures, fingerprint, period)
    checked = kept.rows(conn, f"SELECT count(DISTINCT person) FROM {rows} WHERE type = 'needs_check'", base)[0][0]
    figures.people_without_needs_check = max(0, figures.people - checked)
    checks: dict[str, list] = defaultdict(list)
    for person, month, scores in kept.rows(
        conn, f"SELECT person, month, scores FROM {rows} WHERE type = 'needs_check' AND {IN_PERIOD}", base + period
    ):
        checks[person].append((month, json.loads(scores) if scores else {}))
    _add_needs(figures, checks)
    return figures


# What the monitoring counts read of each shared person (the age band's inputs, and who referred them).
_MONITORED = (
    *MONITORING_FIELDS,
    AGE_BAND,
    "date_of_birth",
    "referral_date",
    "mentoring_started",
    "referral_source",
)


def _count_monitoring(conn, figures: Figures, fingerprint: str) -> None:
    """Each person's monitoring answers, once: from their record shared with consent (worked out from the
    date of birth) or from its identity-free copy (which carries the age band, not the date). The fields
    read are kept like the other counts (storage/kept.py)."""
    today = clock.today()
    seen = set()
    extracted = ", ".join(f"json_extract(fields, '$.{name}')" for name in _MONITORED)
    for person, basis, *values in kept.rows(
        conn,
        f"SELECT coalesce(pseudonym, id), basis, {extracted} FROM shared_records WHERE type = 'mentee' "
        "AND current = 1 AND deleted = 0 AND counted = 1"
        + (" AND fingerprint = ?" if fingerprint else "")
        + " ORDER BY rowid",
        (fingerprint,) if fingerprint else (),
    ):
        if person in seen:
            continue
        seen.add(person)
        data = dict(zip(_MONITORED, values, strict=True))
        given = str(data.get(AGE_BAND) or vocab.AgeBand.NOT_KNOWN) if basis == "counts" else None
        figures.count_answers(monitoring_answers(data, today, age_band_given=given))
        figures.by_referral_source[str(data.get("referral_source") or "")] += 1


def _count_own(conn, figures: Figures, fingerprint: str, period: tuple[str, ...]) -> None:
    """The answers to the organisation's counted questions: a person's once, a meeting's in the period."""
    questions = counted_questions(conn)
    if not questions:
        return  # nothing to count: no record's answers are read
    for rtype, answers in kept.rows(
        conn,
        "SELECT type, json_extract(fields, '$.own') FROM shared_records WHERE type IN ('mentee', 'meeting') "
        "AND current = 1 AND deleted = 0 AND counted = 1 AND json_extract(fields, '$.own') IS NOT NULL "
        f"AND (type = 'mentee' OR {IN_PERIOD})" + (" AND fingerprint = ?" if fingerprint else ""),
        period + ((fingerprint,) if fingerprint else ()),
    ):
        try:
            figures.count_own({k: q for k, q in questions.items() if q.record_type == rtype}, json.loads(answers))
        except ValueError:
            continue


def counted_questions(conn) -> dict[str, OwnField]:
    """The organisation's own questions its funder report counts, retired ones too (their answers still count)."""
    return {q.key: q for q in own_fields.load(conn) if q.counts}


def mentor_figures(conn) -> Figures:
    """The same counts straight from one mentor's own profile (what the supervisor's copy must add up to)."""
    # imported here: only a mentor's own counts need it, so `mentor-app report` starts without the records store
    from ..records import store

    mentees = store.list_records(conn, "mentee")
    figures = Figures(people=len(mentees))
    today = clock.today()
    questions = counted_questions(conn)
    for m in mentees:
        figures.count_own({k: q for k, q in questions.items() if q.record_type == "mentee"}, m.record.own)
        figures.by_status[m.record.status] += 1
        figures.count_answers(monitoring_answers(to_data(m.record), today))
        figures.by_referral_source[m.record.referral_source] += 1
    engaged = set()
    for s in store.list_records(conn, "meeting"):
        figures.count_own({k: q for k, q in questions.items() if q.record_type == "meeting"}, s.record.own)
        figures.meetings_by_kind[s.record.kind] += 1
        if s.record.kind != vocab.MeetingType.DID_NOT_ATTEND:
            engaged.add(s.mentee_id)
        if s.record.kind == vocab.MeetingType.SPORT:
            figures.sport_sessions += 1
            figures.sport_minutes += s.record.duration_minutes
            figures.sport_by_activity[s.record.activity] += 1
        if s.record.kind != vocab.MeetingType.DID_NOT_ATTEND and not s.record.duration_minutes:
            figures.meetings_without_minutes += 1
    figures.engaged = len(engaged)
    for s in store.list_records(conn, "referral"):
        figures.referrals[(s.record.category, s.record.outcome)] += 1
    for s in store.list_records(conn, "mentor_log"):
        figures.mentor_hours[s.record.kind] += s.record.hours
    figures.concerns = len(store.list_records(conn, "concern"))
    checked = {s.mentee_id for s in store.list_records(conn, "needs_check")}
    figures.people_without_needs_check = sum(m.id not in checked for m in mentees)
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
    for question, answers in more.monitoring.items():
        total.monitoring.setdefault(question, Counter()).update(answers)
    total.by_referral_source.update(more.by_referral_source)
    total.sport_by_activity.update(more.sport_by_activity)
    total.people_without_needs_check += more.people_without_needs_check
    total.meetings_without_minutes += more.meetings_without_minutes
    for key, answers in more.own.items():
        total.own.setdefault(key, Counter()).update(answers)
    total.own_questions.update(more.own_questions)
    return total
