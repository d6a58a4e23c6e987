"""Spreadsheet files that a spreadsheet can't turn into formulas.

Every CSV the app writes (directory export, audit trail, funder figures,
retention report) goes through `write_csv`. A text cell starting with `=`,
`+`, `-`, `@`, a tab or a carriage return would be run as a formula by Excel,
LibreOffice or Google Sheets (`=HYPERLINK(...)`, `+cmd|...`), so it is written
with a single quote in front, as OWASP advises. A cell that already starts with
a quote followed by one of those characters gets one more quote, so the
directory import (`restore`) can take exactly one off and get the real value
back: "+44 20 7946 0000" and "'+44" both survive a round trip.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

from .files import write_new

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def starts_like_formula(text: str) -> bool:
    return bool(text) and text[0] in FORMULA_STARTS


def neutralise(value: object) -> object:
    """The cell as written: text that a spreadsheet would run gets a leading quote; numbers stay numbers."""
    if not isinstance(value, str) or not value:
        return value
    if starts_like_formula(value) or (value[0] == QUOTE and starts_like_formula(value[1:])):
        return QUOTE + value
    return value


def restore(cell: str) -> str:
    """Undo `neutralise` on a cell read back from one of the app's own files."""
    if cell.startswith(QUOTE) and (
        starts_like_formula(cell[1:]) or cell[1:2] == QUOTE and starts_like_formula(cell[2:])
    ):
        return cell[1:]
    return cell


def csv_bytes(rows: Iterable[Iterable[object]], *, bom: bool = True) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([neutralise(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig" if bom else "utf-8")


def write_csv(path: Path, rows: Iterable[Iterable[object]], *, bom: bool = True) -> Path:
    """Write rows (the header first) to a brand-new file, every cell neutralised."""
    return write_new(Path(path), csv_bytes(rows, bom=bom))
