"""Reading a spreadsheet (CSV or Excel .xlsx) into headings and rows of text, as people save them.

CSV files come from Excel, LibreOffice and Google Sheets in several shapes: UTF-8 with or without a
byte-order mark, the older Windows encoding, commas or semicolons or tabs, CRLF line ends. An .xlsx is
read with openpyxl, values only (a formula's last result, never the formula). Every cell comes back as
text; Excel dates come back as ISO dates ("2026-12-03", or "2026-12-03T14:30" with a time), so the
reader of a column doesn't need to know which kind of file it came from.
"""

from __future__ import annotations

import csv
import difflib
import io
import stat
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from ..errors import BadInput

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 20_000
MAX_COLUMNS = 200
# What an .xlsx may unpack to: a 20 MB zip of repeated text could otherwise unpack to gigabytes.
MAX_UNPACKED = 200 * 1024 * 1024
EXCEL_EPOCH = date(1899, 12, 30)  # day 0 of Excel's serial dates (it counts a 29 Feb 1900 that never was)


@dataclass
class Table:
    name: str
    headings: list[str]
    rows: list[tuple[int, list[str]]]  # the row number a spreadsheet shows, and its cells as text
    notes: list[str] = field(default_factory=list)  # things the person should check (the older encoding)
    excel: bool = False  # read from an .xlsx (where a number in a date column may be Excel's own date)


@dataclass
class RowProblem:
    """What is wrong with one row, by the row number the spreadsheet shows."""

    row: int
    message: str

    def words(self) -> str:
        return f"Row {self.row}: {self.message}"


def _read_capped(path: Path, what: str) -> bytes:
    """The file's bytes, its size checked before any is read, and never more than the limit read."""
    try:
        info = path.stat()
    except OSError as exc:
        raise BadInput(f"Couldn't read {path.name}: {exc.strerror or 'the file could not be opened'}.") from None
    if not stat.S_ISREG(info.st_mode):
        raise BadInput(f"{path.name} is not a file. Nothing was imported.")
    too_big = BadInput(
        f"{path.name} is larger than {MAX_BYTES // (1024 * 1024)} MB, which is too big for {what}. "
        "Nothing was imported."
    )
    if info.st_size > MAX_BYTES:
        raise too_big
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise BadInput(f"Couldn't read {path.name}: {exc.strerror or 'the file could not be opened'}.") from None
    if len(raw) > MAX_BYTES:
        raise too_big
    return raw


def _decode(raw: bytes) -> tuple[str, bool]:
    """The file's text, and whether it had to be read in the older Windows encoding (not UTF-8)."""
    try:
        return raw.decode("utf-8-sig"), False
    except UnicodeDecodeError:
        # Spreadsheets on UK Windows often save "CSV" in this older encoding.
        return raw.decode("cp1252", errors="replace"), True


def _csv_table(name: str, raw: bytes, max_rows: int) -> Table:
    if b"\x00" in raw[:4096]:
        raise BadInput(f"{name} is not a CSV text file or an Excel .xlsx file. Nothing was imported.")
    text, older_encoding = _decode(raw)
    # The header row says which separator the spreadsheet used (some locales save ';').
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows: list[tuple[int, list[str]]] = []
    try:
        headings = next(reader, None)
        if headings is None:
            raise BadInput(f"{name} is empty. Nothing was imported.")
        for row_no, cells in enumerate(reader, start=2):
            if row_no - 1 > max_rows:
                raise BadInput(f"{name} has more than {max_rows} rows. Nothing was imported.")
            rows.append((row_no, cells))
    except csv.Error as exc:
        raise BadInput(
            f"{name} stops being valid CSV near row {reader.line_num}: {exc}. Nothing was imported."
        ) from None
    notes = (
        [
            f"{name} was not saved as UTF-8, so it was read in the older Windows encoding (Windows-1252). "
            "Check that £ signs and accented letters look right."
        ]
        if older_encoding
        else []
    )
    return Table(name, headings, rows, notes)


def cell_text(value: object) -> str:
    """An Excel cell as text: dates as ISO, whole numbers without ".0"."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.replace(second=0, microsecond=0).isoformat(timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx_table(name: str, raw: bytes, max_rows: int) -> Table:
    import openpyxl  # imported when used: only an Excel file needs it, and it is slow to load

    try:
        # The sizes the zip declares bound what reading it unpacks (zipfile stops at them).
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            unpacked = sum(item.file_size for item in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise BadInput(f"{name} could not be read as an Excel .xlsx file. Nothing was imported.") from None
    if unpacked > MAX_UNPACKED:
        raise BadInput(
            f"{name} unpacks to more than {MAX_UNPACKED // (1024 * 1024)} MB, which is too big to read. "
            "Save it as CSV, or split it. Nothing was imported."
        )
    damaged = BadInput(f"{name} could not be read as an Excel .xlsx file (is it whole?). Nothing was imported.")
    try:
        book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - a damaged workbook fails in many ways (zip, XML, openpyxl's own): all are this
        raise damaged from None
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None:
            raise BadInput(f"{name} has no sheets. Nothing was imported.")
        notes = []
        if len(book.worksheets) > 1:
            notes.append(f'Only the first sheet of {name}, "{sheet.title}", was read.')
        values = sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1)
        first = next(values, None)
        if first is None:
            raise BadInput(f"{name} is empty. Nothing was imported.")
        headings = [cell_text(v) for v in first]
        while headings and not headings[-1].strip():
            headings.pop()
        rows = []
        for row_no, cells in enumerate(values, start=2):
            if row_no - 1 > max_rows:
                raise BadInput(f"{name} has more than {max_rows} rows. Nothing was imported.")
            row = [cell_text(v) for v in cells]
            while len(row) > len(headings) and not row[-1].strip():
                row.pop()  # Excel keeps empty cells out to the widest row; they aren't a stray value
            rows.append((row_no, row))
    except BadInput:
        raise
    except Exception:  # noqa: BLE001 - as above: a sheet cut short or with broken XML is a damaged file
        raise damaged from None
    finally:
        book.close()
    return Table(name, headings, rows, notes, excel=True)


def read_table(path: Path | str, *, what: str = "an import", max_rows: int = MAX_ROWS) -> Table:
    """Headings and rows of a .csv or .xlsx file; BadInput in plain words for anything else."""
    path = Path(path)
    raw = _read_capped(path, what)
    if raw.startswith(b"PK\x03\x04"):  # an .xlsx is a zip, whatever its name says
        table = _xlsx_table(path.name, raw, max_rows)
    elif path.suffix.casefold() in (".xlsx", ".xlsm"):
        raise BadInput(f"{path.name} could not be read as an Excel .xlsx file. Nothing was imported.")
    elif path.suffix.casefold() == ".xls":
        raise BadInput(
            f"{path.name} is in the old Excel format (.xls). Save it as .xlsx or CSV first. Nothing was imported."
        )
    else:
        table = _csv_table(path.name, raw, max_rows)
    if len(table.headings) > MAX_COLUMNS:
        raise BadInput(f"{path.name} has more than {MAX_COLUMNS} columns. Nothing was imported.")
    return table


def squashed(heading: str) -> str:
    """A heading without case, spaces, punctuation or a plural s: "Date of Birth", "date_of_birth" alike."""
    word = "".join(ch for ch in heading.casefold() if ch.isalnum())
    return word[:-1] if word.endswith("s") and len(word) > 3 else word


def heading_index(names: Mapping[str, Iterable[str]]) -> dict[str, str]:
    """Each squashed heading people write, to the column (or field) it means."""
    return {squashed(words): column for column, all_words in names.items() for words in all_words}


def did_you_mean(heading: str, index: Mapping[str, str]) -> str:
    close = difflib.get_close_matches(squashed(heading), list(index), n=1, cutoff=0.75)
    return f'"{heading}" (did you mean {index[close[0]]}?)' if close else f'"{heading}"'


def excel_serial(text: str) -> str | None:
    """An Excel serial date written as a number ("46359", "46359.5"), as an ISO date or date and time."""
    try:
        number = float(text)
    except ValueError:
        return None
    if not 1 <= number < 80_000:
        return None
    moment = datetime.combine(EXCEL_EPOCH, time(0, 0)) + timedelta(minutes=round(number * 24 * 60))
    if number.is_integer():
        return moment.date().isoformat()
    return moment.isoformat(timespec="minutes")
