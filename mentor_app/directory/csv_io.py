"""Directories as spreadsheets: the CSV column layout, a checked import, and export.

The layout is the Contact record's own fields in order (see docs/directory-csv.md).
An import first reads and checks every row without writing anything; only then
are the good rows applied, in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import BadInput
from ..records import spreadsheets, store, vocab
from ..records.spreadsheets import RowProblem, did_you_mean, heading_index, read_table, squashed
from ..records.types import Contact, fields_of, to_data, validate
from ..storage import csvsafe
from ..words import count
from .contacts import duplicate_key, find_duplicate

CSV_COLUMNS = [f.name for f in fields_of(Contact) if f.name != "origin"]
# One limit for import and export: whatever the app exports, it can import again.
MAX_BYTES = spreadsheets.MAX_BYTES
MAX_ROWS = spreadsheets.MAX_ROWS
LAYOUT_DOC = "docs/directory-csv.md"
# Headings as people write them, beside the columns' own names and labels (matched without case, spaces,
# hyphens or a plural s).
HEADING_WORDS = {
    "organisation": ("organisation", "organization", "organisation name", "organization name", "name", "provider"),
    "service": ("service", "service name", "programme", "project"),
    "categories": ("category", "categories", "type", "service type", "need", "needs"),
    "help_with": ("help with", "what they help with", "description", "about"),
    "help_with_cy": ("help with cy", "description cy", "welsh description", "disgrifiad", "description in welsh"),
    "phone": ("phone", "tel", "telephone", "phone number", "telephone number", "helpline"),
    "text_number": ("text", "sms", "text number", "mobile", "text message"),
    "email": ("email", "e-mail", "email address", "e-mail address"),
    "website": ("website", "web site", "web", "url", "web address", "site"),
    "address": ("address", "street address"),
    "area": ("area", "region", "location", "town", "city", "county"),
    "opening_hours": ("opening hours", "hours", "open", "opening times"),
    "eligibility": ("eligibility", "who can use it", "referral", "how to be referred"),
    "languages": ("languages", "language"),
    "last_checked": ("last checked", "checked", "date checked", "checked on"),
    "source_url": ("source", "source url", "where the details come from"),
}
CONTACT_WAYS = ("phone", "text_number", "email", "website", "address")
_CATEGORY_BY_WORDS = {label.casefold(): code for code, label in vocab.DIRECTORY_CATEGORIES.items()}


@dataclass
class ImportPlan:
    good: list[tuple[int, Contact]] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    duplicates: list[tuple[int, Contact, str]] = field(default_factory=list)  # row, contact, what it repeats
    # Cells that start like a spreadsheet formula (=, +, -, @): kept as plain text, never run.
    formula_cells: list[tuple[int, str]] = field(default_factory=list)  # row, column
    encoding_note: str = ""  # said when the file had to be read in the older Windows encoding

    def formula_words(self) -> str:
        if not self.formula_cells:
            return ""
        row, column = self.formula_cells[0]
        n = len(self.formula_cells)
        return (
            f"{n} cell{'' if n == 1 else 's'} started with =, +, - or @ (the first: row {row}, {column}), "
            "which a spreadsheet may run as a formula. "
            f"{'It was' if n == 1 else 'They were'} kept as plain text; Mentor App never runs them, and "
            "puts a ' in front of such cells when it exports a directory."
        )


@dataclass
class ImportResult:
    added: int = 0
    merged: int = 0
    skipped_duplicates: int = 0
    skipped_problem_rows: int = 0
    formula_note: str = ""

    def words(self) -> str:
        parts = [f"{count(self.added, 'contact')} added"]
        if self.merged:
            parts.append(f"{self.merged} merged into existing entries")
        if self.skipped_duplicates:
            parts.append(
                f"{count(self.skipped_duplicates, 'duplicate')} left out (choose to merge them to include them)"
            )
        if self.skipped_problem_rows:
            parts.append(f"{count(self.skipped_problem_rows, 'row')} with problems left out")
        return "; ".join(parts) + "." + (f" {self.formula_note}" if self.formula_note else "")


_COLUMN_BY_HEADING = heading_index(
    {
        column: (
            column,
            column.replace("_", " "),
            Contact.__dataclass_fields__[column].metadata["label"],
            *HEADING_WORDS.get(column, ()),
        )
        for column in CSV_COLUMNS
    }
)


def column_of(heading: str) -> str | None:
    """The directory column a spreadsheet's heading means ("Tel", "Categories", "Web site"), or None."""
    return _COLUMN_BY_HEADING.get(squashed(heading)) if heading.strip() else None


def _category(part: str) -> str:
    return _CATEGORY_BY_WORDS.get(part.casefold(), part.casefold().replace(" ", "_"))


def _categories(cell: str) -> list[str]:
    """Codes or plain names, separated by ';' (names like "Money, benefits and debt" keep their commas)."""
    out = []
    for part in (p.strip() for p in cell.split(";")):
        if not part:
            continue
        if part.casefold() in _CATEGORY_BY_WORDS or "," not in part:
            out.append(_category(part))
        else:
            out += [_category(p.strip()) for p in part.split(",") if p.strip()]
    return out


def read_csv(path: Path, conn=None) -> ImportPlan:
    """Read and check a directory CSV; nothing is written. `conn` spots duplicates of existing entries."""
    table = read_table(path, what="a directory", max_rows=MAX_ROWS)
    headings = table.headings
    header = [column_of(h) or "" for h in headings]
    unknown = [
        did_you_mean(h.strip(), _COLUMN_BY_HEADING)
        for h, column in zip(headings, header, strict=True)
        if h.strip() and not column
    ]
    twice = sorted({c for c in header if c and header.count(c) > 1})
    if "organisation" not in header or unknown or twice:
        what = (
            f"these headings aren't directory columns: {', '.join(unknown)}"
            if unknown
            else f"two headings mean the same column: {', '.join(twice)}"
            if twice
            else "no heading names the organisation"
        )
        raise BadInput(
            f"{table.name} doesn't have the directory's columns ({what}). Rename them in the spreadsheet; the "
            f"columns and the headings understood are listed in {LAYOUT_DOC}. Nothing was imported."
        )

    plan = ImportPlan(encoding_note=" ".join(table.notes))
    seen: dict[tuple[str, str], int] = {}
    for row_no, cells in table.rows:
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(header):
            plan.problems.append(
                RowProblem(
                    row_no, f"it has {len(cells)} cells but there are only {len(header)} columns (a stray comma?)."
                )
            )
            continue
        values: dict[str, Any] = {}  # the cells' text, then categories as a list
        # A short row is allowed (its missing cells stay empty); a long one was refused above.
        for h, c in zip(header, cells, strict=False):
            if not h:
                continue
            c = c.strip()
            if csvsafe.starts_like_formula(c):
                plan.formula_cells.append((row_no, h))
            # The quote the app's own export put in front of such a cell comes off again.
            values[h] = csvsafe.restore(c)
        values["categories"] = _categories(values.get("categories", ""))
        values.setdefault("scope", "local")
        values["scope"] = values["scope"].casefold() or "local"
        try:
            contact = validate(Contact(**{k: v for k, v in values.items() if k in CSV_COLUMNS}))
        except BadInput as exc:
            plan.problems.append(RowProblem(row_no, exc.message))
            continue
        if not any(getattr(contact, w) for w in CONTACT_WAYS):
            plan.problems.append(RowProblem(row_no, "there is no phone, text number, email, website or address."))
            continue
        key = duplicate_key(contact)
        if key in seen:
            plan.duplicates.append((row_no, contact, f"row {seen[key]}"))
            continue
        seen[key] = row_no
        existing = find_duplicate(conn, contact) if conn is not None else None
        if existing is not None:
            plan.duplicates.append((row_no, contact, existing.id))
            continue
        plan.good.append((row_no, contact))
    return plan


def _merge(into: Contact, extra: Contact) -> Contact:
    """Fill the gaps of an existing entry from a duplicate row; categories are combined."""
    data = to_data(into)
    for name, value in to_data(extra).items():
        if name == "categories":
            data[name] = list(dict.fromkeys(into.categories + extra.categories))
        elif name != "origin" and value and not data.get(name):
            data[name] = value
        elif name in ("last_checked", "checked_by") and value and value > (data.get(name) or ""):
            data[name] = value
    return Contact(**data)


def apply_plan(
    conn,
    plan: ImportPlan,
    *,
    author: str,
    only_good_rows: bool = False,
    merge_duplicates: bool = False,
    origin: str = vocab.ContactOrigin.LOCAL,
) -> ImportResult:
    """Write what `read_csv` found, all in one transaction; refuse if rows had problems unless told."""
    if plan.problems and not only_good_rows:
        lines = "\n".join(p.words() for p in plan.problems[:20])
        more = f"\n…and {len(plan.problems) - 20} more." if len(plan.problems) > 20 else ""
        raise BadInput(
            f"{count(len(plan.problems), 'row')} {'has' if len(plan.problems) == 1 else 'have'} problems, "
            f"so nothing was imported:\n{lines}{more}\n"
            "Fix them, or choose to import only the good rows."
        )
    result = ImportResult(
        skipped_problem_rows=len(plan.problems),
        formula_note=" ".join(w for w in (plan.formula_words(), plan.encoding_note) if w),
    )
    with store.transaction(conn):
        added_by_key: dict[tuple[str, str], str] = {}
        for _, contact in plan.good:
            contact.origin = origin
            rid = store.save_in(conn, contact, author=author)
            added_by_key[duplicate_key(contact)] = rid
            result.added += 1
        for _, contact, repeats in plan.duplicates:
            if not merge_duplicates:
                result.skipped_duplicates += 1
                continue
            target_id = added_by_key.get(duplicate_key(contact)) if repeats.startswith("row ") else repeats
            target = store.get(conn, target_id) if target_id else None
            if target is None:
                result.skipped_duplicates += 1
                continue
            store.save_in(conn, _merge(target.record, contact), author=author, record_id=target.id)
            result.merged += 1
    return result


def export_csv(conn, path: Path, contacts: list | None = None) -> int:
    """Write contacts (default: the whole directory) in the documented layout; returns how many."""
    rows = contacts if contacts is not None else store.list_records(conn, "contact")
    if len(rows) > MAX_ROWS:
        raise BadInput(
            f"The directory has {len(rows)} entries, more than the {MAX_ROWS} a directory file can take. "
            "Export one category at a time."
        )
    table = [CSV_COLUMNS]
    for s in sorted(rows, key=lambda s: s.record.organisation.casefold()):
        data = to_data(s.record)
        table.append(["; ".join(data[c]) if c == "categories" else data[c] for c in CSV_COLUMNS])
    csvsafe.write_csv(Path(path), table)
    return len(rows)
