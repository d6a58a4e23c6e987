"""The mentor's week ahead: upcoming meetings and due actions, for Today and as a calendar file for a phone.

A phone's calendar copies what it holds to its maker's cloud, beyond the organisation's control, so an
entry carries the least that still reminds the mentor: who, by initials unless the mentor chooses names
(and then where, since a place can be someone's home and identifies them as a name does), and when.
Never a note, an action's words, a risk or a concern: those stay in the encrypted profile.

Times are the wall-clock times the mentor typed, which are UK times: the file gives them in
Europe/London with its VTIMEZONE, which phone calendars place correctly (a "floating" time is read
differently by different apps, and moves with a phone abroad).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from .. import clock
from ..records import caseload, store, vocab
from ..records.dates import DAYS, short_date
from ..storage import audit
from ..storage.db import Connection
from ..storage.files import write_new
from ..words import count

if TYPE_CHECKING:
    from ..records.store import Stored

LONDON = "Europe/London"
DEFAULT_MINUTES = 60
WEEK_DAYS = 7
PRODID = "-//Mentor App//Calendar//EN"
DETAILS = "The details are in Mentor App."
CLOUD_WARNING = (
    "A phone's calendar copies everything in it to its maker's cloud (Google, Apple or Microsoft), "
    "outside your organisation's control."
)
INITIALS_WORDS = "The file has initials and times only: no names, places or notes."
NAMES_WORDS = (
    "This file names the people you meet and where (never notes): only put it on your phone if your "
    "organisation allows that."
)
NOT_ENCRYPTED = "The file itself is not encrypted: delete it once your calendar has it."


@dataclass(frozen=True)
class Entry:
    """One thing in the mentor's diary: a meeting (with a time) or an action due (a whole day)."""

    kind: str  # "meeting" (a next meeting agreed), "plan" (a meeting plan), "action" (an action due)
    uid: str  # the same on every export, so importing the file again updates the entry (see uid_for)
    mentee_id: str | None
    who: str  # initials, or the name when names are chosen
    day: date
    at: datetime | None  # naive UK time; None for a whole day (an action)
    minutes: int
    place: str  # only when names are chosen
    check_in: datetime | None  # a meeting plan's "check in by"
    changed: str  # when the record was last changed (UTC stamp)
    version: int
    words: str = ""  # an action's words, for the window only (with_words); never in the file

    @property
    def summary(self) -> str:
        if self.kind == "action":
            return f"Action due ({self.who})"
        return f"Meeting with {self.who}"

    def time_words(self) -> str:
        """ "14:00–15:00"; "" for a whole day (an action, or a meeting agreed for a day with no time)."""
        if self.at is None:
            return ""
        return f"{self.at:%H:%M}–{self.at + timedelta(minutes=self.minutes):%H:%M}"

    def description(self) -> str:
        parts = []
        if self.kind == "plan":
            parts.append("You made a meeting plan for this.")
            if self.check_in is not None:
                on = "" if self.check_in.date() == self.day else f" on {day_words(self.check_in.date())}"
                parts.append(f"Check in by {self.check_in:%H:%M}{on}.")
        parts.append(DETAILS)
        return " ".join(parts)


def uid_for(kind: str, record_id: str) -> str:
    """A calendar entry's UID, made from the record it comes from: a hash, so no record id shows."""
    digest = hashlib.sha256(f"mentor-app calendar\0{kind}\0{record_id}".encode()).hexdigest()
    return f"{digest[:32]}@mentor-app"


def initials(name: str) -> str:
    """ "Alex Lee" → "A. L."; three or more words → the first's and the last's ("Mary Jane Smith" → "M. S.")."""
    words = [w for w in name.split() if any(c.isalpha() for c in w)]
    if len(words) > 2:
        words = [words[0], words[-1]]
    letters = [next(c for c in w if c.isalpha()).upper() + "." for w in words]
    return " ".join(letters) or "someone"


def day_words(day: date) -> str:
    """Tue 3 Dec"""
    return f"{DAYS[day.weekday()]} {short_date(day)}"


def _moment(iso: str) -> tuple[date, datetime | None] | None:
    """A stored date and time (or a date alone) as its day and time; None if unreadable."""
    try:
        if len(iso) >= 16 and iso[10] in "T ":
            at = datetime.fromisoformat(iso[:16])
            return at.date(), at
        return date.fromisoformat(iso[:10]), None
    except ValueError:
        return None


def entries(
    conn: Connection,
    today: date | None = None,
    *,
    with_names: bool = False,
    with_words: bool = False,
    days: int | None = None,
    upcoming: list[Stored] | None = None,
) -> list[Entry]:
    """What is ahead from `today` (for `days` days, or all of it), soonest first.

    The next meeting agreed at each person's latest meeting (as Today lists them), meeting plans still
    planned, and actions not done with a due date. A plan and an agreed meeting for the same person at
    the same time are one meeting. `with_words`: an action's words too, for the window (the file never has
    them). `upcoming`: caseload.upcoming_meetings, when the caller has it.
    """
    today = today or clock.today()
    last = today + timedelta(days=days - 1) if days else None
    people = {s.id: s.record for s in store.list_records(conn, "mentee")}

    def who(mentee_id: str | None) -> str:
        person = people.get(mentee_id or "")
        if person is None:
            return "someone new"  # a meeting plan made before the person is in the caseload
        return person.name if with_names else initials(person.name)

    found: dict[tuple[str | None, str], Entry] = {}

    def add(s: Stored, kind: str, when: str, minutes: int, place: str, check_in: str = "") -> None:
        moment = _moment(when)
        if moment is None or moment[0] < today or (last is not None and moment[0] > last):
            return
        if s.mentee_id is not None and s.mentee_id not in people:
            return  # someone no longer held (erased, handed over): no one's reminder
        checked = _moment(check_in) if check_in else None
        day, at = moment
        entry = Entry(
            kind=kind,
            uid=uid_for(kind, s.id),
            mentee_id=s.mentee_id,
            who=who(s.mentee_id),
            day=day,
            at=at if kind != "action" else None,
            minutes=max(minutes, 1) if at is not None else 0,
            place=place if with_names else "",
            check_in=checked[1] if checked else None,
            changed=s.updated_at,
            version=s.version,
            words=s.record.text if with_words and kind == "action" else "",
        )
        key = (s.mentee_id, when[:16]) if kind != "action" else (s.id, "")
        earlier = found.get(key)
        if earlier is not None:
            # A plan for the meeting agreed: the plan's words, the meeting's length, and the meeting's UID, so
            # a calendar that had the meeting updates it when the plan comes; its SEQUENCE only goes up.
            plan, meeting = (entry, earlier) if kind == "plan" else (earlier, entry)
            entry = replace(
                plan,
                uid=meeting.uid,
                minutes=meeting.minutes,
                place=plan.place or meeting.place,
                changed=max(plan.changed, meeting.changed),
                version=plan.version + meeting.version,
            )
        found[key] = entry

    for s in upcoming if upcoming is not None else caseload.upcoming_meetings(conn, today):
        r = s.record
        add(s, "meeting", r.next_meeting, r.duration_minutes or DEFAULT_MINUTES, r.place)
    plans = store.select(
        conn,
        "type = 'risk_assessment' AND json_extract(data, '$.meeting_at') >= ? "
        "AND coalesce(json_extract(data, '$.outcome'), ?) = ?",
        (today.isoformat(), vocab.RiskOutcome.PLANNED, vocab.RiskOutcome.PLANNED),
    )
    for s in plans:
        add(s, "plan", s.record.meeting_at, DEFAULT_MINUTES, s.record.place, s.record.check_in_at)
    actions = store.select(
        conn,
        "type = 'action' AND json_extract(data, '$.done') = 0 AND sort_at != '' AND sort_at >= ?",
        (today.isoformat(),),
    )
    for s in actions:
        add(s, "action", s.record.due, 0, "")
    # A whole day's actions first, then the meetings by their time.
    return sorted(found.values(), key=lambda e: (e.day, e.at is not None, e.at or datetime.min, e.who))


def by_day(found: list[Entry], today: date, days: int = WEEK_DAYS) -> list[tuple[date, list[Entry]]]:
    """Each of the coming `days` days with what is on it (an empty list for a free day)."""
    return [(day, [e for e in found if e.day == day]) for day in (today + timedelta(days=n) for n in range(days))]


def ics_bytes(found: list[Entry], stamp: datetime | None = None) -> bytes:
    """The entries as an iCalendar file (RFC 5545), with the Europe/London time zone they use."""
    # imported by the one function that writes the file: keeps Today and the command line's start fast
    from zoneinfo import ZoneInfo

    from icalendar import CLASS, TRANSP, Calendar, Event

    london = ZoneInfo(LONDON)
    stamp = stamp or clock.now()
    cal = Calendar.new(prodid=PRODID, method="PUBLISH", name="Mentor App")
    for e in found:
        if e.at is None:
            start: date | datetime = e.day
            end: date | datetime = e.day + timedelta(days=1)
        else:
            start = e.at.replace(tzinfo=london)
            end = (e.at + timedelta(minutes=e.minutes)).replace(tzinfo=london)
        event = Event.new(
            uid=e.uid,
            summary=e.summary,
            description=e.description(),
            start=start,
            end=end,
            stamp=stamp,
            sequence=e.version,
            location=e.place or None,
            transparency=TRANSP.TRANSPARENT if e.at is None else TRANSP.OPAQUE,  # a whole day's entry: not busy
            classification=CLASS.PRIVATE,  # a calendar shared with others shows "busy", not what it is
        )
        try:
            event.last_modified = datetime.fromisoformat(e.changed)
        except ValueError:
            pass  # an unreadable stamp only leaves the entry without one
        cal.add_component(event)
    first = min((e.day for e in found), default=clock.today())
    last = max((e.day for e in found), default=first)
    if any(e.at is not None for e in found):
        # Whole years of the zone's changes, as calendars write it themselves.
        cal.add_missing_timezones(first_date=date(first.year, 1, 1), last_date=date(last.year + 2, 1, 1))
    return bytes(cal.to_ical())


def summary_words(found: list[Entry]) -> str:
    """ "3 meetings and 2 actions" """
    actions = sum(1 for e in found if e.kind == "action")
    meetings = len(found) - actions
    return f"{count(meetings, 'meeting')} and {count(actions, 'action')}"


def save(conn: Connection, target: Path, *, with_names: bool, actor: str = "") -> list[Entry]:
    """Write the calendar file new (never over a file, never through a link) and note it in the audit
    trail, once for each person in it, as other exports are: what the command and the window call."""
    found = entries(conn, with_names=with_names)
    write_new(Path(target), ics_bytes(found))
    detail = "with names and places" if with_names else "initials only"
    # One entry for each person in it (what their subject access copy shows), one for anything of no one's
    # or for an empty file: every file made is in the trail.
    people = list(dict.fromkeys(e.mentee_id for e in found)) or [None]
    for mentee_id in people:
        theirs = [e for e in found if e.mentee_id == mentee_id]
        audit.record(conn, "calendar", actor=actor, mentee_id=mentee_id, detail=f"{summary_words(theirs)}; {detail}")
    return found


def warning_words(with_names: bool) -> str:
    """What the command line and the window say before and after a file is made."""
    return f"{CLOUD_WARNING} {NAMES_WORDS if with_names else INITIALS_WORDS} {NOT_ENCRYPTED}"
