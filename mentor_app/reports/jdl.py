"""The Justice Data Lab submission: who may go, in which columns, and the file.

The Ministry of Justice's Justice Data Lab measures reoffending for an organisation's cohort (at least 60
people) against a matched comparison group. The supervisor sends it one spreadsheet: a cover sheet saying
what the file is and on what basis each person is in it, and a data sheet with one row per person.

Only people whose details the supervisor holds with their consent to share are ever considered (identity
is only ever shared with consent); of those, a person goes when their consent to the Justice Data Lab is
in force today, or when the organisation has recorded a lawful basis for sending people without it (the
data protection officer's choice, kept in the settings with who recorded it and when). Never anyone else.

The columns are one table, `COLUMNS`, written out in docs/justice-data-lab.md. The current upload
template could not be checked where this was built: the cover sheet says so, and asks the organisation
to compare the headers and formats with the template on GOV.UK before sending.
"""

from __future__ import annotations

import io
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from .. import clock
from ..errors import BadInput
from ..records import vocab
from ..records.consent import state_of
from ..records.dates import DateNotUnderstood, parse_month, shown_month, uk_date
from ..records.types import Consent, from_data
from ..setting_keys import JDL_BASIS_RECORDED, JDL_LAWFUL_BASIS
from ..storage import audit
from ..storage.csvsafe import neutralise
from ..storage.db import get_setting, put_settings, transaction
from ..storage.files import write_new
from ..words import count

MINIMUM_PEOPLE = 60  # the Justice Data Lab's smallest cohort
DATE_FORMAT = "DD/MM/YYYY"  # how the data sheet shows its dates (they are real dates underneath)
BASIS_LONGEST = 2000
CONSENT_WORDS = "consent to the Justice Data Lab"


@dataclass(frozen=True)
class Column:
    header: str  # as written in the file's header row
    holds: str  # what it holds, in words
    source: str  # where it comes from in the person's record
    kind: str = "text"  # "text" or "date"


# The data sheet's columns, in order: the one source of truth (docs/justice-data-lab.md shows this table).
COLUMNS: tuple[Column, ...] = (
    Column(
        "Surname",
        "The person's legal surname",
        "Legal surname; where it is empty, the last word of the name or alias",
    ),
    Column(
        "Forename",
        "The person's legal first name",
        "Legal first name; where it is empty, the name or alias without its last word",
    ),
    Column("Date of Birth", "The date of birth", "Date of birth", "date"),
    Column("Gender", "Male, Female or Not known", "Gender (in another way, prefer not to say or empty: Not known)"),
    Column(
        "Index Date",
        "When the intervention (mentoring) started",
        "Mentoring started; where it is empty, the day of the first meeting they came to",
        "date",
    ),
    Column(
        "Intervention End Date",
        "When the mentoring ended (or the latest meeting so far)",
        "Mentoring ended; where it is empty, the day of the last meeting they came to",
        "date",
    ),
    Column("PNC ID", "The Police National Computer identifier (like 01/123456X), where known", "PNC ID"),
    Column("Prison Number", "The prison number (like A1234BC), where known", "Prison number"),
)
HEADERS = tuple(c.header for c in COLUMNS)

GENDER_WORDS: dict[str, str] = {vocab.Gender.MALE: "Male", vocab.Gender.FEMALE: "Female"}
NOT_KNOWN = "Not known"

TEMPLATE_NOTE = (
    "The current Justice Data Lab upload template could not be checked when this file's layout was made. "
    "Before sending, compare the column headers, their order and the formats (dates as DD/MM/YYYY; gender "
    "as Male, Female or Not known) with the current template on GOV.UK, and move the data into it if they differ."
)


@dataclass
class Cohort:
    """Who goes in the file (rows in COLUMNS order, sorted by surname) and what was left out, in counts."""

    rows: list[tuple[str | date | None, ...]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    start: date | None = None  # the first month of index dates taken, or None: from the start
    end: date | None = None  # the last month, or None: up to now
    by_consent: int = 0  # people in the file by their consent to the Justice Data Lab
    by_lawful_basis: int = 0  # people in the file under the organisation's lawful basis (and not that consent)
    lawful_basis: str = ""  # the organisation's recorded basis, in full ("" when none is recorded)
    basis_recorded: str = ""  # who recorded it, when: "Sam Supervisor on 1 Dec 2026"
    names_split: int = 0  # people whose forename or surname came from splitting the name or alias
    no_basis: int = 0  # left out: no consent to the Justice Data Lab and no lawful basis recorded
    refused: int = 0  # left out: said no to the Justice Data Lab, or no longer agree to sharing
    no_birth_date: dict[str, int] = field(default_factory=dict)  # left out: mentor name -> how many
    no_index_date: dict[str, int] = field(default_factory=dict)  # left out: no start of mentoring, no meeting
    outside_period: int = 0  # left out: index date before --from or after --to

    @property
    def people(self) -> int:
        return len(self.rows)

    def period_words(self) -> str:
        if self.start and self.end:
            return f"Index dates from {shown_month(self.start)} to {shown_month(self.end)}"
        if self.start:
            return f"Index dates from {shown_month(self.start)} on"
        if self.end:
            return f"Index dates up to the end of {shown_month(self.end)}"
        return "Every index date"

    def basis_words(self) -> list[str]:
        """On what basis the people in the file are in it, one line each."""
        lines = []
        if self.by_consent:
            lines.append(f"{count(self.by_consent, 'person', 'people')}: {CONSENT_WORDS}.")
        if self.by_lawful_basis:
            lines.append(
                f"{count(self.by_lawful_basis, 'person', 'people')}: the organisation's lawful basis, "
                f"recorded by {self.basis_recorded}: {self.lawful_basis}"
            )
        if not lines:
            lines.append("Nobody: no one has consent to the Justice Data Lab and no lawful basis is recorded.")
        return lines


# -- the lawful basis ------------------------------------------------------------------------------------


def _setting(conn, key: str) -> str:
    return get_setting(conn, key) or ""


def lawful_basis(conn) -> tuple[str, str]:
    """(the organisation's recorded lawful basis, who recorded it and when, in words); ("", "") when none."""
    text = _setting(conn, JDL_LAWFUL_BASIS)
    if not text:
        return "", ""
    who, _, at = _setting(conn, JDL_BASIS_RECORDED).rpartition(", ")
    try:
        when = uk_date(datetime.fromisoformat(at).astimezone().date())
    except ValueError:
        when = ""
    if who and when:
        return text, f"{who} on {when}"
    return text, who or "someone, at a time not noted"


def record_lawful_basis(conn, text: str, by: str, actor: str = "") -> None:
    """Record the lawful basis the data protection officer chose for sending people without their consent
    to the Justice Data Lab, with who recorded it (`by`, a name) and when; empty text withdraws it. Audited."""
    text = " ".join(text.split())
    if len(text) > BASIS_LONGEST:
        raise BadInput(f"Say the lawful basis in at most {BASIS_LONGEST} characters.")
    before, _ = lawful_basis(conn)
    if not text and not before:
        raise BadInput("No lawful basis is recorded, so there is none to withdraw. Nothing was changed.")
    with transaction(conn):
        put_settings(conn, {JDL_LAWFUL_BASIS: text, JDL_BASIS_RECORDED: f"{by.strip()}, {clock.stamp()}"})
        audit.record(
            conn,
            "jdl_basis",
            actor=actor,
            detail=f"Justice Data Lab lawful basis: {text}" if text else "Justice Data Lab lawful basis withdrawn",
        )


# -- who goes in -----------------------------------------------------------------------------------------


def _month(text: str, which: str) -> date | None:
    try:
        return parse_month(text)
    except DateNotUnderstood as exc:
        raise BadInput(f"{which}: {exc.message}") from None


def _day(value: object) -> date | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _names(fields: dict) -> tuple[str, str, bool]:
    """(surname, forename, whether either came from splitting the name or alias)."""
    surname = " ".join(str(fields.get("legal_surname") or "").split())
    forename = " ".join(str(fields.get("legal_forename") or "").split())
    if surname and forename:
        return surname, forename, False
    words = str(fields.get("name") or "").split()
    return surname or (words[-1] if words else ""), forename or " ".join(words[:-1]), True


def _current(conn, record_type: str):
    return conn.execute(
        "SELECT mentee_id, id, fingerprint, fields, updated_at FROM shared_records WHERE type = ? "
        "AND basis = 'consent' AND current = 1 AND deleted = 0 ORDER BY updated_at",
        (record_type,),
    )


def cohort(conn, start: str = "", end: str = "", on: date | None = None) -> Cohort:
    """Who may go in the file (index dates in the months `start` to `end`, as typed), and who was left out.

    `on`: the day consent must be in force (today)."""
    first, last = _month(start, "From"), _month(end, "To")
    if first and last and first > last:
        raise BadInput("The first month comes after the last one. Give the earlier month with --from.")
    on = on or clock.today()
    basis, recorded = lawful_basis(conn)
    found = Cohort(start=first, end=last, lawful_basis=basis, basis_recorded=recorded)
    mentors = dict(conn.execute("SELECT fingerprint, mentor_name FROM mentor_devices"))

    people: dict[str, tuple[str, dict]] = {}  # the newest shared copy of each person (ordered by updated_at)
    for mentee_id, _, fingerprint, fields, _ in _current(conn, "mentee"):
        if mentee_id:
            people[mentee_id] = (fingerprint, json.loads(fields))
    consents: dict[str, list[tuple[str, str, str, Consent]]] = defaultdict(list)
    for mentee_id, record_id, _, fields, updated in _current(conn, "consent"):
        if mentee_id in people:
            record = from_data("consent", json.loads(fields))
            assert isinstance(record, Consent)
            consents[mentee_id].append((record.on, updated, record_id, record))
    meetings = {
        mentee_id: (_day(first_day), _day(last_day))
        for mentee_id, first_day, last_day in conn.execute(
            "SELECT mentee_id, min(day), max(day) FROM shared_records WHERE type = 'meeting' AND basis = 'consent' "
            "AND current = 1 AND deleted = 0 AND day != '' AND coalesce(kind, '') != ? GROUP BY mentee_id",
            (vocab.MeetingType.DID_NOT_ATTEND,),
        )
    }

    rows: list[tuple[str | date | None, ...]] = []
    for mentee_id, (fingerprint, fields) in people.items():
        # By date; on one date a withdrawal is taken as the last word (the mentor's laptop orders a day's
        # consents by when they were first written, which the shared copies don't carry).
        ordered = sorted(consents.get(mentee_id, []), key=lambda x: (x[0], not x[3].given, x[1]))
        history = [(rid, c) for _, _, rid, c in ordered]
        jdl_consent = state_of(history, vocab.ConsentScope.JUSTICE_DATA_LAB, on)
        consented = jdl_consent.in_force
        # Someone who said no to the Justice Data Lab (or took it back) is never sent, whatever basis is
        # recorded: consent asked for and refused can't be replaced by another basis. Nor is anyone whose
        # agreement to share with the organisation is no longer in force here.
        refused = bool(jdl_consent.since) and not consented and not jdl_consent.expired
        sharing = state_of(history, vocab.ConsentScope.SHARE_WITH_ORGANISATION, on).in_force
        if refused or not sharing:
            found.refused += 1
            continue
        if not consented and not basis:
            found.no_basis += 1
            continue
        mentor = mentors.get(fingerprint, "a mentor no longer registered")
        born = _day(fields.get("date_of_birth"))
        if born is None:
            found.no_birth_date[mentor] = found.no_birth_date.get(mentor, 0) + 1
            continue
        met_first, met_last = meetings.get(mentee_id, (None, None))
        index = _day(fields.get("mentoring_started")) or met_first
        if index is None:
            found.no_index_date[mentor] = found.no_index_date.get(mentor, 0) + 1
            continue
        month = index.replace(day=1)
        if (first and month < first) or (last and month > last):
            found.outside_period += 1
            continue
        surname, forename, split = _names(fields)
        found.names_split += split
        if consented:
            found.by_consent += 1
        else:
            found.by_lawful_basis += 1
        values: dict[str, str | date | None] = {
            "Surname": surname,
            "Forename": forename,
            "Date of Birth": born,
            "Gender": GENDER_WORDS.get(str(fields.get("gender") or ""), NOT_KNOWN),
            "Index Date": index,
            "Intervention End Date": _day(fields.get("mentoring_ended")) or met_last,
            "PNC ID": str(fields.get("pnc_id") or ""),
            "Prison Number": str(fields.get("prison_number") or ""),
        }
        rows.append(tuple(values[h] for h in HEADERS))
    found.rows = sorted(rows, key=lambda r: (str(r[0]).casefold(), str(r[1]).casefold()))
    found.warnings = _warnings(found)
    return found


def _by_mentor(counts: dict[str, int]) -> str:
    """ "2 held by Mentor Ann, 1 by Mentor Ben": mentors' names, never the people's."""
    held = sorted(counts.items(), key=lambda kv: kv[0].casefold())
    return ", ".join(f"{n} {'held ' if i == 0 else ''}by {mentor}" for i, (mentor, n) in enumerate(held))


def _warnings(c: Cohort) -> list[str]:
    out = []
    if c.people < MINIMUM_PEOPLE:
        out.append(f"The Justice Data Lab needs at least {MINIMUM_PEOPLE} people; this file has {c.people}.")
    if c.no_birth_date:
        n = sum(c.no_birth_date.values())
        out.append(
            f"{count(n, 'person', 'people')} left out because they have no date of birth: "
            f"{_by_mentor(c.no_birth_date)}. Their mentors can add it, and share again."
        )
    if c.no_index_date:
        n = sum(c.no_index_date.values())
        out.append(
            f"{count(n, 'person', 'people')} left out because there is no start of mentoring and no meeting "
            f"they came to: {_by_mentor(c.no_index_date)}."
        )
    if c.no_basis:
        out.append(
            f"{count(c.no_basis, 'person', 'people')} left out because they have no consent to the Justice Data Lab "
            "and the organisation has recorded no lawful basis for sending them."
        )
    if c.refused:
        out.append(
            f"{count(c.refused, 'person', 'people')} left out because they said no to the Justice Data Lab, "
            "or no longer agree to their records being shared with the organisation."
        )
    if c.names_split:
        out.append(
            f"{count(c.names_split, 'person', 'people')} without both legal names: the missing forename or surname "
            "was taken from the name or alias (its last word as the surname). Check them."
        )
    return out


# -- the file --------------------------------------------------------------------------------------------

# Control characters, the two non-characters and lone surrogates: what an xlsx file can't hold and read back.
_NOT_IN_A_SPREADSHEET = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _cell(value: str | int | date | None) -> str | int | date | None:
    """A text cell as written: no formula (as the CSVs: storage/csvsafe.py), no character xlsx refuses."""
    if isinstance(value, str):
        return str(neutralise(_NOT_IN_A_SPREADSHEET.sub("", value)))
    return value


def xlsx_bytes(c: Cohort, organisation: str) -> bytes:
    """The workbook: the "Cover" sheet, then the "Data" sheet (header row, one row per person)."""
    # imported when a file is made: keeps every command's start fast
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    made = clock.now().replace(tzinfo=None)
    book.properties.creator = "Mentor App"
    book.properties.created = book.properties.modified = made
    cover = book.active
    cover.title = "Cover"
    lines: list[tuple[str, str | int]] = [
        ("Organisation", organisation),
        ("Made on", uk_date(clock.today())),
        ("Period", c.period_words()),
        ("People in this file", c.people),
    ]
    lines += [("Basis" if i == 0 else "", words) for i, words in enumerate(c.basis_words())]
    lines.append(("Columns", TEMPLATE_NOTE))
    lines += [("Warning" if i == 0 else "", words) for i, words in enumerate(c.warnings)]
    if not c.warnings:
        lines.append(("Warning", "None."))
    cover.append([_cell("Justice Data Lab submission")])
    cover["A1"].font = Font(bold=True, size=14)
    cover.append([])
    for label, words in lines:
        cover.append([_cell(label), _cell(words)])
        cover.cell(cover.max_row, 1).font = Font(bold=True)
        cover.cell(cover.max_row, 2).alignment = Alignment(wrap_text=True, vertical="top")
    cover.column_dimensions["A"].width = 22
    cover.column_dimensions["B"].width = 100

    data = book.create_sheet("Data")
    data.append(list(HEADERS))
    for cell in data[1]:
        cell.font = Font(bold=True)
    for row in c.rows:
        data.append([_cell(v) for v in row])
        for column, cell in zip(COLUMNS, data[data.max_row], strict=True):
            if column.kind == "date":
                cell.number_format = DATE_FORMAT
    for column, cell in zip(COLUMNS, data[1], strict=True):
        data.column_dimensions[cell.column_letter].width = max(14, len(column.header) + 4)
    data.freeze_panes = "A2"

    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write_xlsx(c: Cohort, path: Path, organisation: str) -> Path:
    """Write the file new (never over an existing file, never through a link: storage/files.py)."""
    return write_new(Path(path), xlsx_bytes(c, organisation))


def audit_words(c: Cohort) -> str:
    """What the audit trail says of a file made: a count and the basis, never a name."""
    parts = [count(c.people, "person", "people")]
    if c.by_consent:
        parts.append(f"{c.by_consent} by {CONSENT_WORDS}")
    if c.by_lawful_basis:
        parts.append(f"{c.by_lawful_basis} by the organisation's lawful basis: {c.lawful_basis}")
    return "Justice Data Lab submission: " + "; ".join(parts)


def save(conn, c: Cohort, path: Path, organisation: str, actor: str = "") -> Path:
    """Write the file (write_xlsx) and note it in the audit trail: what the command and the window call."""
    written = write_xlsx(c, path, organisation)
    audit.record(conn, "jdl_file", actor=actor, detail=audit_words(c))
    return written
