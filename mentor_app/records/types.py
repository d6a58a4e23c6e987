"""The record types, their fields and how each field is checked.

A record is a small dataclass; the store keeps it as JSON beside the columns
every record shares (id, type, mentee, version, times, author). Field
metadata says what a field holds, which list its values come from, and
whether search looks at it.

The rules about each type live here too, and the modules that apply them read them from here
(tests/test_record_policies.py checks that every type and field has them):
- sharing: each field of a type that may leave the laptop says `counts=True` (it may go to the
  supervisor without consent, as a count: it names, describes and locates no one) or `counts=False`;
  a type that never leaves it says `never_shared = True` (exchange/policy.py: COUNT_FIELDS, NEVER_SHARED);
- order: `sort_field` names the field that gives a record its date in lists, or is None
  (records/store.py);
- retention: `keep_years` after the case closes (the mentor's log: after its date), or None for
  records that are not about a person; `keep_at_least` where an organisation may not ask for fewer
  (records/retention.py: DEFAULT_YEARS, SAFEGUARDING).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar, Protocol, TypeVar

from ..errors import BadInput
from ..i18n import ENGLISH, N_, words_in
from . import identity, own_fields, vocab

MAX_TEXT = 20_000
MAX_LINE = 300


class Record(Protocol):
    """What every record type is: a dataclass with a type name, a label, its sort field, how long it is kept
    and a title (see RECORD_TYPES). `never_shared` and `keep_at_least` are given only where they apply."""

    __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[Any]]]
    type_name: ClassVar[str]
    label: ClassVar[str]
    sort_field: ClassVar[str | None]
    keep_years: ClassVar[int | None]

    def title(self) -> str: ...


RecordT = TypeVar("RecordT", bound=Record)


def f(
    label: str,
    kind: str = "line",
    *,
    required: bool = False,
    choices: dict[str, str] | None = None,
    search: bool = False,
    default: Any = "",
    counts: bool | None = None,
    check: Callable[[str], str] | None = None,
    longest: str = "",
) -> Any:
    """A field with its plain label, kind (line, text, date, datetime, int, bool, list, map, code).

    A `code` is a short identifier written in a fixed form: `check` tidies it to that form or raises
    BadInput, and `longest` is the longest value it takes (its limit, and what tests fill it with).

    `counts`: whether it may go to the supervisor without consent, as a count; every field of a type
    that may leave the laptop says yes or no (None: not decided, which the tests refuse).
    Returns Any, as dataclasses.field does, so `name: str = f(...)` keeps the annotated type.
    """
    meta = {"label": label, "kind": kind, "required": required, "choices": choices, "search": search, "counts": counts}
    if kind == "code":
        assert check is not None and longest, "a code field says how it is checked and its longest value"
        meta.update(check=check, longest=longest)
    if isinstance(default, (list, dict)):
        return field(default_factory=lambda: type(default)(default), metadata=meta)
    return field(default=default, metadata=meta)


@dataclass
class Mentee:
    type_name: ClassVar[str] = "mentee"
    label: ClassVar[str] = N_("Mentee")
    sort_field: ClassVar[str | None] = None
    keep_years: ClassVar[int | None] = 3
    name: str = f(N_("Name or alias"), required=True, search=True, counts=False)
    preferred_name: str = f(N_("Preferred name"), search=True, counts=False)
    pronouns: str = f(N_("Pronouns"), counts=False)
    # Their signposting sheets and subject access copies are printed in it (empty: English).
    language: str = f(N_("Language for their sheets"), choices=vocab.SHEET_LANGUAGES, counts=False)
    phone: str = f(N_("Phone"), search=True, counts=False)
    email: str = f(N_("Email"), search=True, counts=False)
    address: str = f(N_("Address"), "text", counts=False)
    date_of_birth: str = f(N_("Date of birth"), "date", counts=False)
    referral_source: str = f(N_("Referred by"), choices=vocab.REFERRAL_SOURCES, counts=True)
    referral_date: str = f(N_("Referral date"), "date", counts=False)
    release_date: str = f(N_("Release date"), "date", counts=False)
    probation_contact: str = f(N_("Probation practitioner"), "text", search=True, counts=False)
    status: str = f(
        N_("Status"), choices=vocab.MENTEE_STATUSES, required=True, default=vocab.MenteeStatus.REFERRED, counts=True
    )
    closing_reason: str = f(N_("Reason for closing"), "text", counts=False)
    safety_flag: bool = f(N_("Safety flag"), "bool", default=False, counts=False)
    safety_note: str = f(N_("What to be aware of"), "text", search=True, counts=False)
    risks: str = f(N_("Risks"), "text", search=True, counts=False)
    # For matching (the Justice Data Lab): identity, so it leaves only with consent; never on a sheet.
    legal_forename: str = f(N_("Legal first name (if not the name above)"), counts=False)
    legal_surname: str = f(N_("Legal surname"), counts=False)
    pnc_id: str = f(N_("PNC ID"), "code", check=identity.pnc_id, longest="2001/1234567X", counts=False)
    prison_number: str = f(N_("Prison number"), "code", check=identity.prison_number, longest="A1234BC", counts=False)
    mentoring_started: str = f(N_("Mentoring started (empty: the first meeting)"), "date", counts=False)
    mentoring_ended: str = f(N_("Mentoring ended (empty: the last meeting)"), "date", counts=False)
    # Equality monitoring: counted without consent, never with a name (the age band comes from the date
    # of birth, records/identity.py).
    gender: str = f(N_("Gender"), choices=vocab.GENDERS, counts=True)
    ethnicity: str = f(N_("Ethnic group"), choices=vocab.ETHNICITIES, counts=True)
    disability: str = f(N_("Disability or long-term health condition"), choices=vocab.DISABILITY, counts=True)
    postcode_district: str = f(
        N_("Postcode district (first half only, like M14)"),
        "code",
        check=identity.postcode_district,
        longest="SW1A",
        counts=True,
    )
    own: dict[str, Any] = f(N_("The organisation's own questions"), "own", default={}, counts=False)

    def title(self) -> str:
        if self.preferred_name and self.preferred_name != self.name:
            return f"{self.name} ({self.preferred_name})"
        return self.name


@dataclass
class Consent:
    type_name: ClassVar[str] = "consent"
    label: ClassVar[str] = N_("Consent")
    sort_field: ClassVar[str | None] = "on"
    keep_years: ClassVar[int | None] = 3
    scope: str = f(N_("What the consent covers"), choices=vocab.CONSENT_SCOPES, required=True, counts=False)
    given: bool = f(N_("Given"), "bool", default=True, counts=False)
    on: str = f(N_("Date"), "date", required=True, counts=False)
    method: str = f(
        N_("How"), choices=vocab.CONSENT_METHODS, required=True, default=vocab.ConsentMethod.VERBAL, counts=False
    )
    recorded_by: str = f(N_("Recorded by"), counts=False)
    expires: str = f(N_("Expires"), "date", counts=False)
    partner: str = f(N_("Partner organisation"), search=True, counts=False)
    note: str = f(N_("Note"), "text", counts=False)

    def title(self, language: str = ENGLISH) -> str:
        w = words_in(language)
        scope = vocab.CONSENT_SCOPES.get(self.scope, self.scope)
        scope = w(scope) if self.scope in vocab.CONSENT_SCOPES else scope
        return w("Consent given: {scope}", scope=scope) if self.given else w("Consent withdrawn: {scope}", scope=scope)


@dataclass
class NeedsCheck:
    type_name: ClassVar[str] = "needs_check"
    label: ClassVar[str] = N_("Needs check")
    sort_field: ClassVar[str | None] = "on"
    keep_years: ClassVar[int | None] = 3
    on: str = f(N_("Date"), "date", required=True, counts=False)
    scores: dict[str, int] = f(N_("Scores (1 serious need – 5 no need)"), "map", default={}, counts=True)
    notes: dict[str, str] = f(N_("Notes per area"), "map", default={}, counts=False)

    def title(self) -> str:
        return "Needs check"


@dataclass
class Goal:
    type_name: ClassVar[str] = "goal"
    label: ClassVar[str] = N_("Goal")
    sort_field: ClassVar[str | None] = "set_on"
    keep_years: ClassVar[int | None] = 3
    text: str = f(N_("Goal"), "text", required=True, search=True, counts=False)
    area: str = f(N_("Area"), choices=vocab.NEEDS_AREAS, counts=False)
    set_on: str = f(N_("Set on"), "date", counts=False)
    achieved: bool = f(N_("Achieved"), "bool", default=False, counts=False)

    def title(self) -> str:
        return self.text


@dataclass
class Action:
    type_name: ClassVar[str] = "action"
    label: ClassVar[str] = N_("Action")
    sort_field: ClassVar[str | None] = "due"
    keep_years: ClassVar[int | None] = 3
    text: str = f(N_("Action"), "text", required=True, search=True, counts=False)
    owner: str = f(N_("Who does it"), default="mentee", counts=False)
    due: str = f(N_("Due"), "date", counts=False)
    done: bool = f(N_("Done"), "bool", default=False, counts=False)
    meeting_id: str = f(N_("From meeting"), counts=False)

    def title(self) -> str:
        return self.text


@dataclass
class Meeting:
    type_name: ClassVar[str] = "meeting"
    label: ClassVar[str] = N_("Meeting")
    sort_field: ClassVar[str | None] = "starts_at"
    keep_years: ClassVar[int | None] = 3
    starts_at: str = f(N_("Date and time"), "datetime", required=True, counts=False)
    duration_minutes: int = f(N_("Minutes"), "int", default=60, counts=True)
    place: str = f(N_("Place"), search=True, counts=False)
    kind: str = f(
        N_("Type"), choices=vocab.MEETING_TYPES, required=True, default=vocab.MeetingType.ONE_TO_ONE, counts=True
    )
    activity: str = f(N_("Activity"), choices=vocab.ACTIVITIES, counts=True)
    appointment_at: str = f(N_("Appointment at"), choices=vocab.APPOINTMENT_PLACES, counts=True)
    wellbeing_before: int = f(N_("Wellbeing before"), "int", choices=vocab.WELLBEING_SCALE, default=0, counts=True)
    wellbeing_after: int = f(N_("Wellbeing after"), "int", choices=vocab.WELLBEING_SCALE, default=0, counts=True)
    notes: str = f(N_("Notes"), "text", search=True, counts=False)
    next_meeting: str = f(N_("Next meeting"), "datetime", counts=False)
    group_id: str = f(N_("Group session"), counts=False)
    own: dict[str, Any] = f(N_("The organisation's own questions"), "own", default={}, counts=False)

    def title(self) -> str:
        if self.kind == vocab.MeetingType.SPORT and self.activity:
            return vocab.ACTIVITIES.get(self.activity, self.activity)
        if self.kind == vocab.MeetingType.ACCOMPANIED and self.appointment_at:
            return f"Accompanied: {vocab.APPOINTMENT_PLACES.get(self.appointment_at, self.appointment_at)}"
        return vocab.MEETING_TYPES.get(self.kind, self.kind)


@dataclass
class RiskAssessment:
    type_name: ClassVar[str] = "risk_assessment"
    label: ClassVar[str] = N_("Meeting plan and risk check")
    sort_field: ClassVar[str | None] = "meeting_at"
    # Kept longer, as safeguarding records are: a meeting plan may be needed again years later.
    keep_years: ClassVar[int | None] = 6
    keep_at_least: ClassVar[int] = 6
    # What goes to the supervisor when a check-in is missed, whatever the mentee agreed to share: the mentor's
    # safety (exchange/policy.py). Times and the outcome chosen from a list; never the place, who knows or the
    # risks, which may name or locate the mentee (the place may be their home).
    mentor_safety: ClassVar[tuple[str, ...]] = (
        "meeting_at",
        "check_in_at",
        "checked_in_at",
        "missed_noted_at",
        "outcome",
    )
    meeting_at: str = f(N_("Meeting date and time"), "datetime", required=True, counts=False)
    place: str = f(N_("Place"), required=True, search=True, counts=False)
    who_knows: str = f(N_("Who knows where you are"), required=True, counts=False)
    check_in_at: str = f(N_("Check in by"), "datetime", counts=False)
    checked_in_at: str = f(N_("Checked in at"), "datetime", counts=False)
    # Set by the app, not on the form: when it noticed that nobody checked in (records/checkins.py).
    missed_noted_at: str = f(N_("Missed check-in noticed at"), "datetime", counts=False)
    risks: str = f(N_("Risks noted"), "text", search=True, counts=False)
    outcome: str = f(N_("Outcome"), choices=vocab.RISK_OUTCOMES, default=vocab.RiskOutcome.PLANNED, counts=False)
    incident_report: str = f(N_("Incident report"), "text", search=True, counts=False)

    def title(self) -> str:
        return f"Meeting plan: {self.place}"


@dataclass
class Concern:
    type_name: ClassVar[str] = "concern"
    label: ClassVar[str] = N_("Safeguarding concern")
    sort_field: ClassVar[str | None] = "raised_at"
    # A concern may need to be looked at again years later, in an inquiry or a new referral.
    keep_years: ClassVar[int | None] = 6
    keep_at_least: ClassVar[int] = 6
    # No field is a count: a concern goes to the supervisor in full, with the person's name, whatever the consent.
    category: str = f(N_("Kind of concern"), choices=vocab.CONCERN_CATEGORIES, required=True, counts=False)
    urgency: str = f(
        N_("How urgent"), choices=vocab.CONCERN_URGENCY, required=True, default=vocab.ConcernUrgency.TODAY, counts=False
    )
    raised_at: str = f(N_("When"), "datetime", required=True, counts=False)
    what_happened: str = f(N_("What was seen or said"), "text", required=True, search=True, counts=False)
    action_taken: str = f(N_("Action taken"), "text", search=True, counts=False)
    reported_to: str = f(N_("Reported to"), search=True, counts=False)
    reported_at: str = f(N_("Reported when"), "datetime", counts=False)
    status: str = f(
        N_("Status"), choices=vocab.CONCERN_STATUSES, required=True, default=vocab.ConcernStatus.OPEN, counts=False
    )

    def title(self) -> str:
        return f"Safeguarding: {vocab.CONCERN_CATEGORIES.get(self.category, self.category)}"


@dataclass
class MentorLog:
    type_name: ClassVar[str] = "mentor_log"
    label: ClassVar[str] = "My log"
    sort_field: ClassVar[str | None] = "on"
    keep_years: ClassVar[int | None] = 3
    # No field is a count: the mentor's own log goes to the supervisor in full.
    kind: str = f(
        "Kind", choices=vocab.MENTOR_LOG_KINDS, required=True, default=vocab.MentorLogKind.VOLUNTEERING, counts=False
    )
    on: str = f("Date", "date", required=True, counts=False)
    hours: float = f("Hours", "float", default=1.0, counts=False)
    note: str = f("Note", "text", search=True, counts=False)

    def title(self) -> str:
        return vocab.MENTOR_LOG_KINDS.get(self.kind, self.kind)


@dataclass
class Contact:
    """A service in the signposting directory."""

    type_name: ClassVar[str] = "contact"
    label: ClassVar[str] = "Directory contact"
    sort_field: ClassVar[str | None] = "organisation"
    keep_years: ClassVar[int | None] = None  # about a service, not a person: kept until taken out of the directory
    # Directory entries never go to the supervisor in a batch, so its fields make no sharing decision.
    never_shared: ClassVar[bool] = True
    organisation: str = f("Organisation", required=True, search=True)
    service: str = f("Service", search=True)
    categories: list[str] = f("Categories", "list", choices=vocab.DIRECTORY_CATEGORIES, required=True, default=[])
    help_with: str = f("What they help with", "text", search=True)
    # In Welsh, where the organisation publishes it (the source goes in source_url): printed on Welsh sheets.
    help_with_cy: str = f("What they help with, in Welsh (Cymraeg)", "text", search=True)
    phone: str = f("Phone", search=True)
    text_number: str = f("Text number")
    email: str = f("Email")
    website: str = f("Website", search=True)
    address: str = f("Address", "text", search=True)
    area: str = f("Area", search=True)
    opening_hours: str = f("Opening hours", "text")
    how_to_get_there: str = f("How to get there", "text")
    what_to_bring: str = f("What to bring", "text")
    eligibility: str = f("Who can use it, or how to be referred", "text", search=True)
    languages: str = f("Languages")
    accessibility: str = f("Accessibility", "text")
    scope: str = f("Local or national", choices=vocab.CONTACT_SCOPES, required=True, default=vocab.ContactScope.LOCAL)
    last_checked: str = f("Last checked", "date")
    checked_by: str = f("Checked by")
    source_url: str = f("Where the details come from")
    origin: str = f(
        "Where this entry came from", choices=vocab.CONTACT_ORIGINS, required=True, default=vocab.ContactOrigin.LOCAL
    )

    def title(self) -> str:
        return f"{self.organisation} – {self.service}" if self.service else self.organisation


@dataclass
class Referral:
    """A signpost (information given) or a referral made for the mentee, and what came of it."""

    type_name: ClassVar[str] = "referral"
    label: ClassVar[str] = N_("Signpost or referral")
    sort_field: ClassVar[str | None] = "on"
    keep_years: ClassVar[int | None] = 3
    contact_id: str = f(N_("Service"), required=True, counts=False)
    organisation: str = f(N_("Organisation"), required=True, search=True, counts=False)
    category: str = f(
        N_("Need"),
        choices=vocab.DIRECTORY_CATEGORIES,
        required=True,
        default=vocab.DirectoryCategory.OTHER,
        counts=True,
    )
    kind: str = f(
        N_("Signpost or referral"),
        choices=vocab.REFERRAL_KINDS,
        required=True,
        default=vocab.ReferralKind.SIGNPOST,
        counts=True,
    )
    on: str = f(N_("Date"), "date", required=True, counts=False)
    reason: str = f(N_("Reason"), "text", search=True, counts=False)
    follow_up: str = f(N_("Follow up on"), "date", counts=False)
    outcome: str = f(
        N_("Outcome"), choices=vocab.REFERRAL_OUTCOMES, required=True, default=vocab.ReferralOutcome.MADE, counts=True
    )
    outcome_note: str = f(N_("Outcome note"), "text", search=True, counts=False)

    def title(self) -> str:
        verb = "Referred to" if self.kind == vocab.ReferralKind.REFERRAL else "Signposted to"
        return f"{verb} {self.organisation}"


RECORD_TYPES: dict[str, type[Record]] = {
    t.type_name: t
    for t in (Mentee, Consent, NeedsCheck, Goal, Action, Meeting, RiskAssessment, Concern, MentorLog, Contact, Referral)
}
# Records that belong to one mentee (not the mentee itself, the mentor's log or the directory).
MENTEE_RECORD_TYPES = tuple(n for n in RECORD_TYPES if n not in ("mentee", "mentor_log", "contact"))


@functools.cache
def fields_of(record_type: type[Record]) -> tuple[dataclasses.Field[Any], ...]:
    # Cached: every record read, written, checked or indexed walks its type's fields.
    return dataclasses.fields(record_type)


def _check_value(fld: dataclasses.Field[Any], value: Any) -> Any:
    meta = fld.metadata
    label, kind, choices = meta["label"], meta["kind"], meta["choices"]
    if kind == "bool":
        if not isinstance(value, bool):
            raise BadInput(f"{label}: should be yes or no.")
        return value
    if kind in ("int", "float"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            try:
                value = float(value) if kind == "float" else int(str(value).strip() or 0)
            except ValueError:
                raise BadInput(f"{label}: please enter a number.") from None
        if not 0 <= value <= 100_000:  # also refuses NaN, which compares false to everything
            raise BadInput(f"{label}: please enter a number between 0 and 100000.")
        if choices and value and str(int(value)) not in choices:
            raise BadInput(f"{label}: please choose from the list.")
        return int(value) if kind == "int" else float(value)
    if kind == "map":
        if not isinstance(value, dict):
            raise BadInput(f"{label}: not in the expected form.")
        return value
    if kind == "own":  # the organisation's own questions: checked against them where they are asked
        if not isinstance(value, dict) or len(value) > 4 * own_fields.MAX_QUESTIONS:
            raise BadInput(f"{label}: not in the expected form.")
        for key, answer in value.items():
            if not (isinstance(key, str) and key.startswith(own_fields.KEY_PREFIX) and len(key) <= 40) or not (
                isinstance(answer, (str, bool))
                and (not isinstance(answer, str) or len(answer) <= own_fields.MAX_ANSWER)
                or isinstance(answer, (int, float))
                and not isinstance(answer, bool)
                and abs(answer) <= own_fields.MAX_NUMBER
            ):
                raise BadInput(f"{label}: an answer is not in the expected form.")
        return {k: v for k, v in value.items() if v != ""}
    if kind == "list":
        if isinstance(value, str):
            value = [v.strip() for v in value.replace(",", ";").split(";") if v.strip()]
        if not isinstance(value, list) or any(not isinstance(v, str) for v in value):
            raise BadInput(f"{label}: not in the expected form.")
        if choices and any(v not in choices for v in value):
            unknown = ", ".join(sorted(v for v in value if v not in choices))
            raise BadInput(f"{label}: unknown {unknown}; choose from the list.")
        return list(dict.fromkeys(value))
    if not isinstance(value, str):
        raise BadInput(f"{label}: not in the expected form.")
    if kind == "code":
        return meta["check"](value)
    value = "".join(ch for ch in value if ch in "\n\t" or ch.isprintable())
    value = value.strip() if kind != "text" else value.rstrip()
    limit = MAX_TEXT if kind == "text" else MAX_LINE
    if len(value) > limit:
        raise BadInput(f"{label}: that is too long (at most {limit} characters).")
    if value and kind == "date":
        try:
            date.fromisoformat(value)
        except ValueError:
            raise BadInput(f"{label}: please give a date like 2026-03-31.") from None
    if value and kind == "datetime":
        try:
            datetime.fromisoformat(value)
        except ValueError:
            raise BadInput(f"{label}: please give a date and time like 2026-03-31 14:30.") from None
        value = datetime.fromisoformat(value).replace(second=0, microsecond=0).isoformat(timespec="minutes")
    if value and choices and value not in choices:
        raise BadInput(f"{label}: please choose from the list.")
    return value


def validate(record: RecordT) -> RecordT:
    """A cleaned copy of `record`, or BadInput naming the first field that is wrong."""
    cleaned: dict[str, Any] = {}
    for fld in fields_of(type(record)):
        value = _check_value(fld, getattr(record, fld.name))
        if fld.metadata["required"] and value in ("", None, []):
            raise BadInput(f"{fld.metadata['label']}: this needs filling in.")
        cleaned[fld.name] = value
    if isinstance(record, NeedsCheck):
        for area, score in cleaned["scores"].items():
            if area not in vocab.NEEDS_AREAS or str(score) not in vocab.NEEDS_SCALE:
                raise BadInput("Needs check: each area is scored from 1 to 5.")
        for area, note in cleaned["notes"].items():
            if area not in vocab.NEEDS_AREAS or not isinstance(note, str) or len(note) > MAX_TEXT:
                raise BadInput("Needs check: a note is too long or for an unknown area.")
    if isinstance(record, Mentee):
        started, ended = cleaned["mentoring_started"], cleaned["mentoring_ended"]
        if started and ended and ended < started:
            raise BadInput("Mentoring ended: that is before mentoring started.")
    if (
        isinstance(record, Consent)
        and cleaned["scope"] == vocab.ConsentScope.SHARE_WITH_PARTNER
        and not cleaned["partner"]
    ):
        raise BadInput("Consent to share with a partner needs the partner organisation's name.")
    return type(record)(**cleaned)


def to_data(record: Record) -> dict[str, Any]:
    return {fld.name: getattr(record, fld.name) for fld in fields_of(type(record))}


def from_data(type_name: str, data: dict[str, Any]) -> Record:
    record_type = RECORD_TYPES[type_name]
    known = {fld.name for fld in fields_of(record_type)}
    return record_type(**{k: v for k, v in data.items() if k in known})


def search_text(record: Record) -> str:
    parts = [getattr(record, fld.name) for fld in fields_of(type(record)) if fld.metadata["search"]]
    return " · ".join(p for p in parts if isinstance(p, str) and p)
