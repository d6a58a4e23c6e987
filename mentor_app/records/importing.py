"""People and meetings from a spreadsheet: which column is which field, a preview of every row, then saving.

Nothing is saved by `plan`: it reads every row, says what each would become and what is wrong with it,
row by row. `save` then writes the good rows in one transaction. A row that repeats someone (or a meeting)
already in the profile is left out, so running the same file twice adds nothing the second time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Any

from .. import clock
from ..errors import BadInput
from ..setting_keys import IMPORT_COLUMNS_PREFIX
from ..storage import audit
from ..storage.db import Connection, get_setting, put_settings
from ..words import count
from . import identity, store
from .dates import DateNotUnderstood, listed_datetime, parse_date, parse_datetime, shown_date, uk_date
from .spreadsheets import RowProblem, Table, did_you_mean, excel_serial, heading_index, read_table, squashed
from .types import Meeting, Mentee, Record, fields_of, validate

KINDS: dict[str, type[Record]] = {"mentee": Mentee, "meeting": Meeting}
KIND_WORDS = {"mentee": "people", "meeting": "meetings"}
# Columns that are not fields of the record: who a meeting was with, and a time beside its date.
PERSON, PERSON_BORN, TIME = "person", "person_date_of_birth", "time"
LEFT_OUT = ""  # a column the person chose not to bring in
MEETING_TIME_UNKNOWN = time(12, 0)
# Fields a spreadsheet doesn't fill: the organisation's own questions, and how group sessions are tied.
NOT_IMPORTED = {"own", "group_id"}

# Headings as people write them, beyond each field's own name and label (matched without case, spaces,
# punctuation or a plural s).
HEADING_WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "mentee": {
        "name": ("name", "full name", "client", "client name", "mentee", "mentee name", "participant", "service user"),
        "preferred_name": ("known as", "nickname", "preferred"),
        "language": ("language", "preferred language", "iaith"),
        "phone": ("tel", "telephone", "mobile", "phone number", "telephone number", "contact number", "mobile number"),
        "email": ("e-mail", "email address", "e-mail address"),
        "address": ("home address", "street address"),
        "date_of_birth": ("dob", "d.o.b.", "date of birth", "birth date", "birthday", "born"),
        "referral_source": ("referred by", "referral source", "source", "referrer"),
        "referral_date": ("referral date", "date referred", "referred on"),
        "release_date": ("release date", "date of release", "released", "released on"),
        "probation_contact": ("probation", "probation officer", "probation contact", "offender manager", "com"),
        "status": ("status", "case status"),
        "postcode_district": ("postcode", "post code", "postcode district", "zip"),
        "pnc_id": ("pnc", "pnc number", "pnc id"),
        "prison_number": ("prison number", "prison no", "noms number", "noms"),
        "legal_forename": ("legal first name", "forename", "first name", "given name"),
        "legal_surname": ("surname", "last name", "family name"),
        "ethnicity": ("ethnicity", "ethnic group", "ethnic origin"),
        "disability": ("disability", "disabled"),
    },
    "meeting": {
        PERSON: ("name", "person", "mentee", "mentee name", "client", "client name", "participant", "who", "with"),
        PERSON_BORN: ("dob", "d.o.b.", "date of birth", "birth date"),
        "starts_at": ("date", "when", "meeting date", "session date", "date and time", "start", "starts"),
        TIME: ("time", "start time", "meeting time", "session time"),
        "duration_minutes": ("minutes", "duration", "length", "mins", "how long"),
        "place": ("place", "location", "venue", "where"),
        "kind": ("type", "kind", "meeting type", "session type", "contact type"),
        "activity": ("activity", "sport"),
        "appointment_at": ("appointment", "appointment at", "accompanied to"),
        "wellbeing_before": ("wellbeing before", "wellbeing start", "mood before"),
        "wellbeing_after": ("wellbeing after", "wellbeing", "wellbeing end", "mood after", "mood"),
        "notes": ("notes", "note", "comments", "comment", "summary", "what happened", "session notes"),
        "next_meeting": ("next meeting", "next session", "next appointment"),
    },
}
EXTRA_LABELS = {PERSON: "Who the meeting was with (their name)", PERSON_BORN: "Their date of birth", TIME: "Time"}
# Values people write for a list's entries, beyond its code and label.
CHOICE_WORDS = {
    "one_to_one": ("1:1", "1-1", "1 to 1", "121", "1-2-1", "one to one"),
    "did_not_attend": ("dna", "no show", "did not attend", "didn't attend"),
    "phone_video": ("phone", "video", "call", "phone call", "video call"),
    "cy": ("welsh", "cymraeg"),
    "en": ("english", "saesneg"),
}
YES = {"yes", "y", "true", "1", "x", "ticked"}
NO = {"no", "n", "false", "0", ""}


def how_many(kind: str, n: int) -> str:
    return count(n, "person", "people") if kind == "mentee" else count(n, "meeting")


def _fields(kind: str) -> dict[str, Any]:
    return {f.name: f for f in fields_of(KINDS[kind]) if f.name not in NOT_IMPORTED}


def field_label(kind: str, name: str) -> str:
    if name in EXTRA_LABELS:
        return EXTRA_LABELS[name]
    return str(_fields(kind)[name].metadata["label"])


def targets(kind: str) -> list[str]:
    """What a column can be brought in as, in the order a form shows them."""
    extra = [PERSON, PERSON_BORN] if kind == "meeting" else []
    names = list(_fields(kind))
    if kind == "meeting":
        names.insert(names.index("starts_at") + 1, TIME)
    return extra + names


def _index(kind: str) -> dict[str, str]:
    words: dict[str, Iterable[str]] = {
        name: (name, name.replace("_", " "), field_label(kind, name), *HEADING_WORDS[kind].get(name, ()))
        for name in targets(kind)
    }
    index = heading_index(words)
    # The headings people write win over a field's own label where they clash ("Date" is a meeting's date).
    for name, headings in HEADING_WORDS[kind].items():
        for heading in headings:
            index[squashed(heading)] = name
    return index


def target_named(kind: str, text: str) -> str:
    """The field a `--map COLUMN=FIELD` names (its name, label or a heading people write), or BadInput."""
    if not text.strip() or text.strip().casefold() in ("-", "skip", "leave out", "none"):
        return LEFT_OUT
    index = _index(kind)
    found = index.get(squashed(text))
    if found is None:
        choices = ", ".join(targets(kind))
        raise BadInput(f"{did_you_mean(text, index)} is not something {KIND_WORDS[kind]} have. Choose from: {choices}.")
    return found


def guess_kind(headings: Iterable[str]) -> str:
    """Meetings if a column gives a meeting's date (Date, Session date, When); otherwise people."""
    meeting = _index("meeting")
    for heading in headings:
        if meeting.get(squashed(heading)) == "starts_at":
            return "meeting"
    return "mentee"


@dataclass
class Columns:
    """What each heading of the file is brought in as: a field, LEFT_OUT, or None (not yet decided)."""

    kind: str
    headings: list[str]
    chosen: list[str | None]

    def unmatched(self) -> list[str]:
        return [h for h, c in zip(self.headings, self.chosen, strict=True) if c is None and h.strip()]

    def twice(self) -> list[str]:
        picked = [c for c in self.chosen if c]
        return sorted({field_label(self.kind, c) for c in picked if picked.count(c) > 1})

    def problem(self) -> str:
        """Why these columns can't be read yet, in words, or "" when they can."""
        index = _index(self.kind)
        unmatched = self.unmatched()
        if unmatched:
            names = ", ".join(did_you_mean(h, index) for h in unmatched)
            return (
                f"{'This column is' if len(unmatched) == 1 else 'These columns are'} not understood: {names}. "
                "Say what each one is, or choose to leave it out."
            )
        if self.twice():
            return f"Two columns are brought in as the same thing: {', '.join(self.twice())}. Choose one."
        needed = (PERSON, "starts_at") if self.kind == "meeting" else ("name",)
        missing = [field_label(self.kind, n) for n in needed if n not in self.chosen]
        if missing:
            return f"No column gives {' or '.join(missing).lower()}."
        return ""


def saved_choices(conn: Connection, kind: str) -> dict[str, str]:
    """The column choices kept from an earlier import of this kind: squashed heading → field or LEFT_OUT."""
    stored = get_setting(conn, IMPORT_COLUMNS_PREFIX + kind)
    try:
        kept = json.loads(stored) if stored else {}
    except ValueError:
        return {}
    allowed = set(targets(kind)) | {LEFT_OUT}
    return {k: v for k, v in kept.items() if isinstance(k, str) and v in allowed} if isinstance(kept, dict) else {}


def keep_choices(conn: Connection, columns: Columns) -> None:
    """Keep this file's column choices for next time (inside the caller's transaction)."""
    kept = saved_choices(conn, columns.kind)
    kept.update({squashed(h): c for h, c in zip(columns.headings, columns.chosen, strict=True) if c is not None})
    put_settings(conn, {IMPORT_COLUMNS_PREFIX + columns.kind: json.dumps(kept, sort_keys=True)})


def match_columns(
    conn: Connection, headings: list[str], kind: str, overrides: Mapping[str, str] | None = None
) -> Columns:
    """Each heading's field: what the person said now, else what they chose last time, else its name."""
    index, kept = _index(kind), saved_choices(conn, kind)
    said = {squashed(h): target_named(kind, f) for h, f in (overrides or {}).items()}
    known = {squashed(h) for h in headings}
    for heading in said:
        if heading not in known:
            raise BadInput(f'The file has no column headed "{heading}". Its columns: {", ".join(headings)}.')
    chosen: list[str | None] = []
    for heading in headings:
        key = squashed(heading)
        if not key:
            chosen.append(LEFT_OUT)
        elif key in said:
            chosen.append(said[key])
        elif key in kept:
            chosen.append(kept[key])
        else:
            chosen.append(index.get(key))
    return Columns(kind, headings, chosen)


@dataclass
class Candidate:
    mentee_id: str
    words: str  # "Sam Smith, born 3 Mar 1990" — how a person tells two of the same name apart


@dataclass
class Plan:
    kind: str
    columns: Columns
    good: list[tuple[int, Record, str | None]] = field(default_factory=list)  # row, record, whose (meetings)
    problems: list[RowProblem] = field(default_factory=list)
    already_here: list[int] = field(default_factory=list)  # rows repeating a record the profile has
    # Rows whose person's name is shared by more than one person, by name: who they might be, and the rows.
    ambiguous: dict[str, tuple[list[Candidate], list[int]]] = field(default_factory=dict)
    written: dict[str, str] = field(default_factory=dict)  # each ambiguous name as the file first wrote it
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"{how_many(self.kind, len(self.good))} to add"]
        if self.already_here:
            parts.append(f"{count(len(self.already_here), 'row')} already here, left out")
        if self.ambiguous:
            rows = sum(len(r) for _, r in self.ambiguous.values())
            parts.append(f"{count(rows, 'row')} waiting for you to say who the person is")
        if self.problems:
            parts.append(f"{count(len(self.problems), 'row')} with problems")
        return "; ".join(parts) + "."


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


def _choice(fld: Any, cell: str) -> str:
    choices: dict[str, str] = fld.metadata["choices"]
    wanted = squashed(cell)
    for code, label in choices.items():
        if wanted in (squashed(code), squashed(label), *(squashed(w) for w in CHOICE_WORDS.get(code, ()))):
            return code
    raise BadInput(f"{fld.metadata['label']}: “{cell}” is not one of: {', '.join(choices.values())}.")


@dataclass(frozen=True)
class _Reading:
    today: date
    excel: bool  # an .xlsx, where a bare number in a date column can be Excel's own date


def _serial(cell: str, reading: _Reading) -> str | None:
    """Excel's serial date, read only from a workbook and only from 1910 on: in a CSV, or below that, a bare
    number (a year, "031290") is not a date, and reading it as one would save a wrong date without a word."""
    serial = excel_serial(cell) if reading.excel else None
    return serial if serial is not None and serial >= "1910" else None


def _date(label: str, cell: str, reading: _Reading, *, born: bool = False) -> str:
    serial = _serial(cell, reading)
    if serial is not None:
        found: date | None = date.fromisoformat(serial[:10])
    else:
        if len(cell) >= 16 and cell[10:11] == "T":  # a date and time from Excel, where only the date is wanted
            cell = cell[:10]
        try:
            found = parse_date(cell, reading.today)
        except DateNotUnderstood:
            raise BadInput(
                f"{label}: couldn't read “{cell}” as a date (write it like 03/12/2026 or 3 Dec 2026)."
            ) from None
    if found is None:
        return ""
    if born:
        if found > reading.today and re.search(r"\b\d{2}$", cell.strip()):
            found = found.replace(year=found.year - 100)  # "3/12/90": born in 1990, not 2090
        if found > reading.today:
            raise BadInput(f"{label}: “{cell}” is in the future.")
        if found.year < reading.today.year - 110:
            raise BadInput(f"{label}: “{cell}” is more than 110 years ago.")
    return found.isoformat()


def _datetime(label: str, cell: str, reading: _Reading, at: str = "") -> tuple[str, bool]:
    """An ISO date and time, and whether the time was known."""
    serial = _serial(cell, reading)
    if serial is not None:
        cell = serial
    if at:
        serial_time = excel_serial(at) if at.startswith("0.") else None
        at = serial_time[11:] if serial_time and len(serial_time) > 10 else at
        cell = f"{cell[:10] if len(cell) >= 16 and cell[10:11] == 'T' else cell} {at}"
    has_time = ":" in cell[10:] or any(w in cell.casefold() for w in ("am", "pm", "noon", "midday"))
    try:
        found = parse_datetime(cell, default_time=MEETING_TIME_UNKNOWN)
    except DateNotUnderstood:
        raise BadInput(
            f"{label}: couldn't read “{cell}” as a date and time (write it like 03/12/2026 14:30)."
        ) from None
    return (found.isoformat(timespec="minutes") if found else ""), has_time


def _value(kind: str, name: str, cell: str, values: dict[str, Any], reading: _Reading) -> None:
    fld = _fields(kind)[name]
    meta = fld.metadata
    if meta["choices"] and cell:
        values[name] = _choice(fld, cell)
        if meta["kind"] == "int":
            values[name] = int(values[name])
    elif meta["kind"] == "date":
        values[name] = _date(meta["label"], cell, reading, born=name == "date_of_birth")
    elif meta["kind"] == "bool":
        if cell.casefold() not in YES | NO:
            raise BadInput(f"{meta['label']}: “{cell}” should be yes or no.")
        values[name] = cell.casefold() in YES
    elif name == "postcode_district" and cell:
        # A whole postcode stays in the address; only its first half is kept as the district.
        halves = cell.upper().split()
        district = halves[0] if len(halves) == 2 else cell
        values[name] = identity.postcode_district(district)
        if district != cell:
            address = values.get("address", "")
            values["address"] = f"{address}\n{cell}".strip() if cell.casefold() not in address.casefold() else address
    elif meta["kind"] in ("int", "float"):
        values[name] = cell or meta.get("default") or 0
    else:
        values[name] = cell


def _row_values(columns: Columns, cells: list[str], reading: _Reading) -> tuple[dict[str, Any], dict[str, str]]:
    """The record's field values, and the cells that aren't fields (person, time)."""
    values: dict[str, Any] = {}
    extra: dict[str, str] = {}
    date_like: list[tuple[str, str]] = []
    for name, cell in zip(columns.chosen, cells, strict=False):
        cell = cell.strip()
        if not name or not cell:
            continue
        if name in (PERSON, PERSON_BORN, TIME):
            extra[name] = cell
        elif _fields(columns.kind)[name].metadata["kind"] == "datetime":
            date_like.append((name, cell))
        else:
            _value(columns.kind, name, cell, values, reading)
    for name, cell in date_like:
        at = extra.get(TIME, "") if name == "starts_at" else ""
        values[name], has_time = _datetime(_fields(columns.kind)[name].metadata["label"], cell, reading, at)
        if name == "starts_at":
            extra["_time_known"] = "1" if has_time else ""
    return values, extra


def _born_words(born: str) -> str:
    return f"born {shown_date(born)}" if born else "no date of birth"


def repeat_key(record: Record, mentee_id: str | None) -> tuple[str, ...]:
    """What makes a row the same as a record already saved: a person's name and date of birth; a meeting's
    person, time, type, place and notes (two meetings the same day are two meetings)."""
    if isinstance(record, Meeting):
        return (mentee_id or "", record.starts_at, record.kind, _key(record.place), _key(record.notes))
    assert isinstance(record, Mentee)
    return (_key(record.name), record.date_of_birth)


def saved_keys(conn: Connection, kind: str) -> set[tuple[str, ...]]:
    return {repeat_key(s.record, s.mentee_id) for s in store.list_records(conn, kind)}


def plan(conn: Connection, table: Table, columns: Columns, *, who: Mapping[str, str] | None = None) -> Plan:
    """What saving `table` would do, row by row; nothing is written. `who`: a person's name (as written)
    → the mentee it means, where more than one person has that name."""
    problem = columns.problem()
    if problem:
        raise BadInput(f"{table.name}: {problem}")
    reading = _Reading(clock.today(), table.excel)
    result = Plan(columns.kind, columns, notes=list(table.notes))
    people = store.list_records(conn, "mentee")
    by_name: dict[str, list[store.Stored]] = {}
    for s in people:
        for name in {_key(s.record.name), _key(s.record.preferred_name)} - {""}:
            by_name.setdefault(name, []).append(s)
    chosen = {_key(k): v for k, v in (who or {}).items()}
    saved = saved_keys(conn, columns.kind)
    in_file: dict[tuple[str, ...], int] = {}  # a repeat within the file, to the row it repeats
    no_time = 0
    for row_no, cells in table.rows:
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(columns.headings) and any(c.strip() for c in cells[len(columns.headings) :]):
            result.problems.append(
                RowProblem(
                    row_no, f"it has {len(cells)} cells but only {len(columns.headings)} columns (a stray comma?)."
                )
            )
            continue
        try:
            values, extra = _row_values(columns, cells, reading)
            record = validate(KINDS[columns.kind](**values))
        except BadInput as exc:
            result.problems.append(RowProblem(row_no, exc.message))
            continue
        mentee_id: str | None = None
        if isinstance(record, Meeting):
            name = extra.get(PERSON, "")
            if not name:
                result.problems.append(RowProblem(row_no, "it doesn't say who the meeting was with."))
                continue
            found = by_name.get(_key(name), [])
            if PERSON_BORN in extra:
                try:
                    born = _date("Date of birth", extra[PERSON_BORN], reading, born=True)
                except BadInput as exc:
                    result.problems.append(RowProblem(row_no, exc.message))
                    continue
                found = [s for s in found if s.record.date_of_birth == born]
            if not found:
                result.problems.append(
                    RowProblem(row_no, f"no one called “{name}” is in Mentor App yet (bring in the people first).")
                )
                continue
            if len(found) > 1 and _key(name) not in chosen:
                candidates, rows = result.ambiguous.setdefault(
                    _key(name),
                    (
                        [Candidate(s.id, f"{s.record.title()}, {_born_words(s.record.date_of_birth)}") for s in found],
                        [],
                    ),
                )
                rows.append(row_no)
                result.written.setdefault(_key(name), name)
                continue
            mentee_id = chosen.get(_key(name)) or found[0].id
            if not extra.get("_time_known"):
                no_time += 1
        key = repeat_key(record, mentee_id)
        if key in saved:
            result.already_here.append(row_no)
            continue
        if key in in_file:
            # Not dropped as "already here": it was never saved. The person decides which row is right.
            if isinstance(record, Meeting):
                what = f"it is the same meeting as row {in_file[key]}: remove one of them."
            elif isinstance(record, Mentee) and record.date_of_birth:
                what = f"it is the same person (name and date of birth) as row {in_file[key]}: remove one of them."
            else:
                what = (
                    f"it has the same name as row {in_file[key]} and no date of birth to tell them apart: "
                    "add their dates of birth, or remove one of them."
                )
            result.problems.append(RowProblem(row_no, what))
            continue
        in_file[key] = row_no
        result.good.append((row_no, record, mentee_id))
    if no_time:
        result.notes.append(
            f"{count(no_time, 'meeting')} had no time, so {'it was' if no_time == 1 else 'they were'} "
            f"given 12:00 (midday). Change {'it' if no_time == 1 else 'them'} in Mentor App if the time matters."
        )
    return result


@dataclass
class Saved:
    added: int
    already_here: int
    with_problems: int

    def words(self, kind: str) -> str:
        text = f"{how_many(kind, self.added)} added."
        if self.already_here:
            text += f" {count(self.already_here, 'row')} already here, left out."
        if self.with_problems:
            text += f" {count(self.with_problems, 'row')} with problems left out."
        return text


def save(conn: Connection, result: Plan, *, author: str, keep: bool = True, only_good_rows: bool = False) -> Saved:
    """Write the plan's good rows in one transaction; refuse while rows have problems unless told."""
    waiting = sum(len(rows) for _, rows in result.ambiguous.values())
    if (result.problems or waiting) and not only_good_rows:
        lines = [p.words() for p in result.problems[:20]]
        if len(result.problems) > 20:
            lines.append(f"…and {len(result.problems) - 20} more.")
        for _, (candidates, rows) in sorted(result.ambiguous.items()):
            lines.append(
                f"{count(len(rows), 'row')} (from row {rows[0]}): {len(candidates)} people have this name "
                f"({'; '.join(c.words for c in candidates)}); add a date of birth column to tell them apart."
            )
        raise BadInput(
            f"{count(len(result.problems) + waiting, 'row')} can't be brought in yet, so nothing was saved:\n"
            + "\n".join(lines)
            + "\nFix them in the spreadsheet, or choose to bring in only the good rows."
        )
    added = 0
    with store.transaction(conn):
        # Read again inside the transaction: what was saved since the preview (another import) isn't saved twice.
        saved = saved_keys(conn, result.kind)
        for _row, record, mentee_id in result.good:
            key = repeat_key(record, mentee_id)
            if key in saved:
                continue
            saved.add(key)
            store.save_in(conn, record, author=author, mentee_id=mentee_id)
            added += 1
        if keep:
            keep_choices(conn, result.columns)
        audit.record(
            conn,
            "import_records",
            actor=author,
            record_type=result.kind,
            detail=how_many(result.kind, added),
        )
    already = len(result.already_here) + len(result.good) - added
    return Saved(added, already, len(result.problems) + waiting)


def read(path: Path | str) -> Table:
    return read_table(path, what="a spreadsheet of people or meetings")


def preview_lines(result: Plan, *, limit: int = 0) -> list[str]:
    """The plan in words, row by row where something needs the person's eye."""
    lines = [f"Read as {KIND_WORDS[result.kind]}: {result.summary()}"]
    lines += result.notes
    problems = result.problems[:limit] if limit else result.problems
    lines += [p.words() for p in problems]
    if len(problems) < len(result.problems):
        lines.append(f"…and {len(result.problems) - len(problems)} more rows with problems.")
    for _, (candidates, rows) in sorted(result.ambiguous.items()):
        lines.append(
            f"Rows {', '.join(map(str, rows[:10]))}{'…' if len(rows) > 10 else ''}: more than one person has this "
            f"name ({'; '.join(c.words for c in candidates)})."
        )
    if result.already_here:
        rows = result.already_here
        lines.append(
            f"Already here, left out: row{'' if len(rows) == 1 else 's'} {', '.join(map(str, rows[:10]))}"
            f"{'…' if len(rows) > 10 else ''}."
        )
    return lines


def first_rows(result: Plan, n: int = 5) -> list[str]:
    """A few records as they would be saved, so the person can see the columns landed right."""
    out = []
    for row_no, record, _ in result.good[:n]:
        if isinstance(record, Mentee):
            born = f", born {uk_date(date.fromisoformat(record.date_of_birth))}" if record.date_of_birth else ""
            out.append(f"Row {row_no}: {record.title()}{born}")
        elif isinstance(record, Meeting):
            out.append(f"Row {row_no}: {record.title()}, {listed_datetime(record.starts_at)}")
    return out
