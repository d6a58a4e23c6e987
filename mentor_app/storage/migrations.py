"""The schema, as an ordered list of migrations: the one source of its truth.

Each migration runs in its own transaction and sets `user_version`, so a
crash mid-way leaves the database at the previous version, never between two.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import sqlcipher3

from ..errors import NewerVersion
from .db import schema_version, transaction


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    apply: Callable[[sqlcipher3.Connection], None]


def run_statements(conn: sqlcipher3.Connection, *statements: str) -> None:
    # Not executescript(): it commits first, which would split the migration.
    for statement in statements:
        conn.execute(statement)


def _v1_base(conn: sqlcipher3.Connection) -> None:
    run_statements(
        conn,
        """CREATE TABLE settings (
            key   TEXT PRIMARY KEY,
            value TEXT NOT NULL
        )""",
        # A mentor's free notes; later record types get tables of their own.
        """CREATE TABLE notes (
            id         TEXT PRIMARY KEY,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            body       TEXT NOT NULL
        )""",
    )


MIGRATIONS: Sequence[Migration] = (
    Migration(1, "settings and notes", _v1_base),
)

def latest_version() -> int:
    return MIGRATIONS[-1].version


def check_not_newer(conn: sqlcipher3.Connection, latest: int | None = None) -> None:
    if schema_version(conn) > (latest if latest is not None else latest_version()):
        raise NewerVersion(
            "These notes were saved by a newer version of Mentor App. "
            "Please update the app to open them; nothing has been changed."
        )


def pending(conn: sqlcipher3.Connection, migrations: Sequence[Migration] | None = None) -> list[Migration]:
    current = schema_version(conn)
    return [m for m in (migrations or MIGRATIONS) if m.version > current]


def migrate(conn: sqlcipher3.Connection, migrations: Sequence[Migration] | None = None) -> list[int]:
    """Bring the schema up to date; returns the versions applied."""
    migrations = migrations or MIGRATIONS
    check_not_newer(conn, migrations[-1].version)
    applied = []
    for m in pending(conn, migrations):
        with transaction(conn):
            m.apply(conn)
            conn.execute(f"PRAGMA user_version = {int(m.version)}")
        applied.append(m.version)
    return applied
