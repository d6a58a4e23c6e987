"""Answers to count queries over shared records, kept between starts until a shared record changes.

A supervisor's dashboard counts years of every mentor's records, and counting them afresh at each start
takes longer than drawing the window. What a query gave is kept in the profile (encrypted like the rest),
keyed by the query and its parameters. Triggers on `shared_records` (migration 11) empty the table on any
insert, update or delete, from any connection, so a kept answer is always what the query would give now.

Only queries that read `shared_records` alone, and nothing that depends on the time, may be kept.
An answer found in less than KEEP_AFTER_SECONDS is not kept: keeping writes to the profile, which counts
as a change for its automatic backups, and is only worth it for the counts that make a start slow.
"""

from __future__ import annotations

import json
import time
from typing import Any

from .db import Connection, DatabaseError

KEEP_AFTER_SECONDS = 0.02


def rows(conn: Connection, sql: str, parameters: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
    """What `conn.execute(sql, parameters).fetchall()` gives, read from what was kept where it can be."""
    key = json.dumps([sql, list(parameters)])
    # Read and kept in one transaction: an import committed in between makes the keeping fail (WAL's
    # snapshot check) instead of keeping an answer from before it.
    own = not getattr(conn, "in_transaction", False)
    if own:
        conn.execute("BEGIN")
    try:
        hit = conn.execute("SELECT value FROM kept_counts WHERE key = ?", (key,)).fetchone()
        if hit is not None:
            return [tuple(r) for r in json.loads(hit[0])]
        began = time.perf_counter()
        found = [tuple(r) for r in conn.execute(sql, parameters).fetchall()]
        if time.perf_counter() - began >= KEEP_AFTER_SECONDS:
            _keep(conn, key, found)
        return found
    finally:
        if own:
            conn.execute("COMMIT")


def _keep(conn: Connection, key: str, found: list[tuple[Any, ...]]) -> None:
    # Keeping is only a saving: while another connection writes (an import), it is skipped at once
    # rather than making the dashboard wait for the write to end.
    waited = conn.execute("PRAGMA busy_timeout").fetchone()[0]
    conn.execute("PRAGMA busy_timeout = 0")
    try:
        conn.execute("SAVEPOINT keep")
        try:
            conn.execute("INSERT OR REPLACE INTO kept_counts(key, value) VALUES (?, ?)", (key, json.dumps(found)))
            conn.execute("RELEASE keep")
        except DatabaseError:
            conn.execute("ROLLBACK TO keep")
            conn.execute("RELEASE keep")
    finally:
        conn.execute(f"PRAGMA busy_timeout = {int(waited)}")
