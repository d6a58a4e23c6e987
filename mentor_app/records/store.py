"""Saving, reading and deleting records, with versions, tombstones and search.

Every change gets the next number of the profile's change sequence, so an
export can later ask for "everything since change N". Deleting keeps a
tombstone (the id, type and version, no content) until it has been exported.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .. import clock
from ..errors import BadInput
from ..storage import audit
from ..storage.db import Connection, Parameters
from ..storage.db import transaction as transaction  # re-exported: callers group writes with store.transaction
from .dates import listed_datetime
from .types import MENTEE_RECORD_TYPES, RECORD_TYPES, Record, from_data, search_text, to_data, validate

# The fields that give records their date in lists: each type's `sort_field` (records/types.py), once each.
SORT_FIELDS = tuple(dict.fromkeys(t.sort_field for t in RECORD_TYPES.values() if t.sort_field))


@dataclass
class Stored:
    """A record as stored: its fields plus the columns every record has."""

    id: str
    type: str
    mentee_id: str | None
    created_at: str
    updated_at: str
    author: str
    version: int
    deleted: bool
    change_seq: int
    sort_at: str
    # The record type's dataclass (which one `type` says, so Any to the checker); None once deleted.
    record: Any

    @property
    def title(self) -> str:
        return self.record.title() if self.record is not None else "(deleted)"

    @property
    def when(self) -> str:
        """The record's own date (or date and time) as lists show it: "3 Dec 2026" or "3 Dec 2026, 14:00"."""
        return listed_datetime((self.sort_at or self.created_at)[:16])


def _next_change(conn: Connection) -> int:
    return int(
        conn.execute("UPDATE counters SET value = value + 1 WHERE name = 'change_seq' RETURNING value").fetchone()[0]
    )


def _sort_at(record: Record) -> str:
    """The record's own date in lists (its type's `sort_field`), or "" for a type with none."""
    name = type(record).sort_field
    value: str = getattr(record, name) if name else ""
    return value


# A row of _COLUMNS: id, type, mentee_id, created_at, updated_at, author, version, deleted, change_seq, sort_at, data.
RecordRow = tuple[str, str, str | None, str, str, str, int, int, int, str, str]


def _row_to_stored(row: RecordRow) -> Stored:
    rid, rtype, mentee_id, created, updated, author, version, deleted, seq, sort_at, data = row
    record = None if deleted else from_data(rtype, json.loads(data))
    return Stored(rid, rtype, mentee_id, created, updated, author, version, bool(deleted), seq, sort_at, record)


_COLUMNS = "id, type, mentee_id, created_at, updated_at, author, version, deleted, change_seq, sort_at, data"
_INSERT_COLUMNS = "id, type, mentee_id, created_at, updated_at, author, version, deleted, change_seq, data, sort_at"


def _index(conn: Connection, rid: str, rtype: str, mentee_id: str | None, record: Record | None) -> None:
    # search_rows says which index row is the record's: FTS5 can't look up by an unindexed column
    # without reading the whole index, which made every save slower as the caseload grew.
    row = conn.execute("SELECT fts_rowid FROM search_rows WHERE record_id = ?", (rid,)).fetchone()
    if row is not None:
        conn.execute("DELETE FROM search_index WHERE rowid = ?", row)
        conn.execute("DELETE FROM search_rows WHERE record_id = ?", (rid,))
    if record is not None:
        text = search_text(record)
        if text:
            cursor = conn.execute(
                "INSERT INTO search_index(record_id, type, mentee_id, text) VALUES (?, ?, ?, ?)",
                (rid, rtype, mentee_id, text),
            )
            conn.execute("INSERT INTO search_rows(record_id, fts_rowid) VALUES (?, ?)", (rid, cursor.lastrowid))


def save_in(
    conn: Connection, record: Record, *, author: str, mentee_id: str | None = None, record_id: str | None = None
) -> str:
    """`save` for a caller that already holds a transaction (several writes that belong together)."""
    record = validate(record)
    rtype = record.type_name
    if rtype in MENTEE_RECORD_TYPES and not mentee_id:
        raise BadInput(f"{record.label}: choose who this is about.")
    if mentee_id:
        row = conn.execute("SELECT type, deleted FROM records WHERE id = ?", (mentee_id,)).fetchone()
        if row is None or row[0] != "mentee" or row[1]:
            raise BadInput("That mentee no longer exists.")
    data = json.dumps(to_data(record), ensure_ascii=False, sort_keys=True)
    now, seq = clock.stamp(), _next_change(conn)
    created = record_id is None
    if record_id is None:
        record_id = str(uuid.uuid4())
        conn.execute(
            f"INSERT INTO records({_INSERT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, 1, 0, ?, ?, ?)",
            (record_id, rtype, mentee_id, now, now, author, seq, data, _sort_at(record)),
        )
    else:
        existing = conn.execute("SELECT type, deleted FROM records WHERE id = ?", (record_id,)).fetchone()
        if existing is None or existing[1]:
            raise BadInput("That record no longer exists; it may have been deleted.")
        if existing[0] != rtype:
            raise BadInput("That record is of another kind.")
        conn.execute(
            "UPDATE records SET data = ?, updated_at = ?, author = ?, version = version + 1, "
            "change_seq = ?, sort_at = ?, mentee_id = ? WHERE id = ?",
            (data, now, author, seq, _sort_at(record), mentee_id, record_id),
        )
    _index(conn, record_id, rtype, mentee_id, record)
    audit.record(
        conn,
        "create" if created else "change",
        actor=author,
        record_type=rtype,
        record_id=record_id,
        mentee_id=mentee_id or (record_id if rtype == "mentee" else ""),
    )
    return record_id


def save(
    conn: Connection, record: Record, *, author: str, mentee_id: str | None = None, record_id: str | None = None
) -> str:
    """Create (no `record_id`) or change a record; returns its id."""
    with transaction(conn):
        return save_in(conn, record, author=author, mentee_id=mentee_id, record_id=record_id)


def save_many(conn: Connection, items: Iterable[tuple[Record, str | None]], *, author: str) -> list[str]:
    """Create several records in one transaction (a group session's register): all or none."""
    with transaction(conn):
        return [save_in(conn, record, author=author, mentee_id=m, record_id=None) for record, m in items]


def delete(conn: Connection, record_id: str, *, author: str) -> list[str]:
    """Delete a record, leaving a tombstone; a mentee takes all their records with them."""
    with transaction(conn):
        return delete_in(conn, record_id, author=author)


def delete_in(conn: Connection, record_id: str, *, author: str, action: str = "delete", detail: str = "") -> list[str]:
    """`delete` inside the caller's transaction; `action` names why in the audit trail (erase, retention)."""
    row = conn.execute("SELECT type, deleted FROM records WHERE id = ?", (record_id,)).fetchone()
    if row is None or row[1]:
        raise BadInput("That record no longer exists.")
    ids = [record_id]
    if row[0] == "mentee":
        ids += [r[0] for r in conn.execute("SELECT id FROM records WHERE mentee_id = ? AND deleted = 0", (record_id,))]
    for rid in ids:
        rtype, about = conn.execute("SELECT type, mentee_id FROM records WHERE id = ?", (rid,)).fetchone()
        conn.execute(
            "UPDATE records SET deleted = 1, data = '{}', version = version + 1, change_seq = ?, "
            "updated_at = ?, author = ? WHERE id = ?",
            (_next_change(conn), clock.stamp(), author, rid),
        )
        _index(conn, rid, "", None, None)
        audit.record(
            conn,
            action,
            actor=author,
            record_type=rtype,
            record_id=rid,
            mentee_id=about or (rid if rtype == "mentee" else ""),
            detail=detail,
        )
    return ids


def get(conn: Connection, record_id: str, *, include_deleted: bool = False) -> Stored | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM records WHERE id = ?", (record_id,)).fetchone()
    if row is None or (row[7] and not include_deleted):
        return None
    return _row_to_stored(row)


def list_records(
    conn: Connection, rtype: str | None = None, *, mentee_id: str | None = None, newest_first: bool = True
) -> list[Stored]:
    if rtype is not None and rtype not in RECORD_TYPES:
        raise ValueError(rtype)
    clauses = ["deleted = 0"]
    params: list[str] = []
    if rtype:
        clauses.append("type = ?")
        params.append(rtype)
    if mentee_id:
        clauses.append("mentee_id = ?")
        params.append(mentee_id)
    order = "DESC" if newest_first else "ASC"
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM records WHERE {' AND '.join(clauses)} ORDER BY sort_at {order}, created_at {order}",
        params,
    )
    return [_row_to_stored(r) for r in rows]


def changes_since(conn: Connection, seq: int) -> list[Stored]:
    """Everything changed after change number `seq`, tombstones included, in order."""
    rows = conn.execute(f"SELECT {_COLUMNS} FROM records WHERE change_seq > ? ORDER BY change_seq", (seq,))
    return [_row_to_stored(r) for r in rows]


def select(conn: Connection, where: str, params: Parameters = ()) -> list[Stored]:
    """Live records matching a SQL condition over the records table (for the caseload queries)."""
    rows = conn.execute(f"SELECT {_COLUMNS} FROM records WHERE deleted = 0 AND ({where})", params)
    return [_row_to_stored(r) for r in rows]


def purge_in(conn: Connection, record_ids: list[str], *, author: str = "") -> None:
    """Remove records completely, leaving no tombstone (a hand-over: the record lives on elsewhere)."""
    for rid in record_ids:
        row = conn.execute("SELECT type, mentee_id FROM records WHERE id = ?", (rid,)).fetchone()
        conn.execute("DELETE FROM records WHERE id = ?", (rid,))
        _index(conn, rid, "", None, None)
        if row is not None:
            audit.record(
                conn,
                "handover_out",
                actor=author,
                record_type=row[0],
                record_id=rid,
                mentee_id=row[1] or (rid if row[0] == "mentee" else ""),
            )


def adopt_in(
    conn: Connection,
    *,
    record_id: str,
    rtype: str,
    mentee_id: str | None,
    version: int,
    author: str,
    created_at: str,
    record: Record,
) -> None:
    """Take in a record made on another laptop, keeping its id and version (a hand-over)."""
    record = validate(record)
    if conn.execute("SELECT 1 FROM records WHERE id = ?", (record_id,)).fetchone():
        raise BadInput("Those records are already in this profile.")
    data = json.dumps(to_data(record), ensure_ascii=False, sort_keys=True)
    conn.execute(
        f"INSERT INTO records({_INSERT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)",
        (
            record_id,
            rtype,
            mentee_id,
            created_at,
            clock.stamp(),
            author,
            version,
            _next_change(conn),
            data,
            _sort_at(record),
        ),
    )
    _index(conn, record_id, rtype, mentee_id, record)
    audit.record(
        conn,
        "handover_in",
        actor=author,
        record_type=rtype,
        record_id=record_id,
        mentee_id=mentee_id or (record_id if rtype == "mentee" else ""),
    )
