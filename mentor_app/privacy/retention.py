"""Retention: how long each kind of record is kept after a case closes, what is due, and deleting it.

A case counts as closed from the last change to the person or any of their records once their
status is "closed" (a late correction restarts the clock: it keeps records longer, never shorter).
Deleting leaves tombstones, so the supervisor's copies go at the next export too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from ..errors import BadInput
from ..records import store
from ..records.types import MENTEE_RECORD_TYPES, RECORD_TYPES
from ..storage import db
from ..words import count

# Years after a case closes (the mentor's own log: after its date). Safeguarding records are kept
# longer: a concern may need to be looked at again years later, in an inquiry or a new referral.
SAFEGUARDING = {"concern": 6, "risk_assessment": 6}
DEFAULT_YEARS = {t: SAFEGUARDING.get(t, 3) for t in ("mentee", *MENTEE_RECORD_TYPES, "mentor_log")}
MAX_YEARS = 100
KEY = "retention."
AUTOMATIC = "retention.automatic"            # "1": delete what is due at each unlock (the setting in force)
OFFERED = "retention.automatic_offered"      # "1": the organisation's last publication asks for automatic deletion
CONFIRMED = "retention.automatic_confirmed"  # "1": this profile's user has said yes to automatic deletion


@dataclass
class Policy:
    years: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_YEARS))
    automatic: bool = False


def load_policy(profile) -> Policy:
    years = dict(DEFAULT_YEARS)
    for rtype in years:
        raw = profile.get_setting(KEY + rtype)
        if raw is not None and raw.isdigit():
            years[rtype] = int(raw)
    return Policy(years, _automatic(profile))


def _automatic(profile) -> bool:
    # Before publications were checked, one could switch automatic deletion on for a mentor by itself, so a
    # mentor's "on" counts only once they have said yes. A supervisor's policy is only ever their own.
    if profile.get_setting(AUTOMATIC) != "1":
        return False
    return profile.role == "supervisor" or profile.get_setting(CONFIRMED) == "1"


def save_policy(profile, policy: Policy) -> None:
    """The profile user's own choice: switching automatic deletion on here is their confirmation."""
    for rtype, years in policy.years.items():
        if rtype not in DEFAULT_YEARS:
            raise BadInput(f"Retention: there is no record type called {rtype}.")
        if not isinstance(years, int) or not 1 <= years <= MAX_YEARS:
            label = RECORD_TYPES[rtype].label if rtype in RECORD_TYPES else rtype
            raise BadInput(f"Retention for {label}: choose between 1 and {MAX_YEARS} years.")
    values = settings_values(policy)
    if policy.automatic:
        values[CONFIRMED] = "1"
    elif _automatic(profile):
        values[CONFIRMED] = "0"  # they switched it off themselves: a publication must not switch it back on
    profile.set_settings(values)


def automatic_waiting(profile) -> bool:
    """Automatic deletion is asked for (by the organisation, or set before confirming existed) but not yet said yes to."""
    asked = profile.get_setting(OFFERED) == "1" or profile.get_setting(AUTOMATIC) == "1"
    return asked and not _automatic(profile)


def confirm_automatic(profile) -> None:
    """The mentor says yes to automatic deletion: what is due is deleted at each unlock from now on."""
    profile.set_settings({AUTOMATIC: "1", CONFIRMED: "1"})


def settings_values(policy: Policy) -> dict[str, str]:
    values = {KEY + t: str(y) for t, y in policy.years.items()}
    values[AUTOMATIC] = "1" if policy.automatic else "0"
    return values


def to_published(policy: Policy) -> dict:
    """The organisation's policy as it travels to mentors inside the signed directory publication."""
    return {"years": dict(policy.years), "automatic": policy.automatic}


def from_published(raw) -> Policy | None:
    """A published policy, checked; unknown types and out-of-range years are left at their defaults.

    `automatic` here is only the organisation's wish: published_values decides what a mentor gets.
    """
    if not isinstance(raw, dict) or not isinstance(raw.get("years"), dict):
        return None
    years = dict(DEFAULT_YEARS)
    for rtype, value in raw["years"].items():
        if rtype in years and isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_YEARS:
            # Raised rather than ignored: the organisation asked for less, and the floor is the nearest safe
            # answer. A concern may be needed years later (an inquiry, a new referral), whatever the file says.
            years[rtype] = max(value, SAFEGUARDING.get(rtype, 1))
    return Policy(years, raw.get("automatic") is True)


def published_values(profile, policy: Policy) -> dict[str, str]:
    """The settings a mentor takes from the organisation's published policy.

    A publication can switch automatic deletion off (that only keeps records longer) but on only for a
    mentor who has already said yes once; otherwise the wish waits for them (automatic_waiting).
    """
    values = {KEY + t: str(y) for t, y in policy.years.items()}
    values[OFFERED] = "1" if policy.automatic else "0"
    values[AUTOMATIC] = "1" if policy.automatic and profile.get_setting(CONFIRMED) == "1" else "0"
    return values


@dataclass(frozen=True)
class Due:
    record_id: str
    record_type: str
    mentee_id: str      # "" for the mentor's own log
    since: str          # the day the clock started: the case closing, or the log's date
    years: int


def _after(day: str, years: int) -> date:
    start = date.fromisoformat(day[:10])
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February
        return start.replace(year=start.year + years, day=28)


def due(conn, policy: Policy, today: date | None = None) -> list[Due]:
    """What has passed its retention period, children before the person they belong to."""
    today = today or date.today()
    found = []
    for person in store.list_records(conn, "mentee"):
        if person.record.status != "closed":
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
        parts = [count(n, f"{RECORD_TYPES[t].label.lower() if t in RECORD_TYPES else t} record")
                 for t, n in sorted(self.counts().items())]
        people = len({d.mentee_id for d in self.removed if d.record_type == "mentee"})
        return (f"Deleted at the end of their retention period: {', '.join(parts)}"
                + (f" (the whole record of {count(people, 'person', 'people')})" if people else "") + ".")


def delete_due(profile, items: list[Due]) -> Report:
    """Delete what `due` found, in one transaction; each deletion is in the audit trail."""
    removed = []
    with db.transaction(profile.conn) as conn:
        for d in items:
            row = conn.execute("SELECT deleted FROM records WHERE id = ?", (d.record_id,)).fetchone()
            if row is None or row[0]:
                continue
            store.delete_in(conn, d.record_id, author=profile.author, action="retention",
                            detail=f"kept {d.years} years from {d.since}")
            removed.append(d)
    return Report(removed)


def run_if_automatic(profile, today: date | None = None) -> Report | None:
    """At unlock: when automatic deletion is on and this profile's user said yes to it, do it; otherwise None."""
    policy = load_policy(profile)
    if not policy.automatic:
        return None
    return delete_due(profile, due(profile.conn, policy, today))
