"""Opening the SQLCipher database with the settings every connection needs."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import sqlcipher3

DB_FILE = "mentor.db"
PAGE_SIZE = 4096

DatabaseError = sqlcipher3.DatabaseError


class WrongKeyOrNotADatabase(Exception):
    """SQLCipher could not read page 1 with this key."""


def _key_pragma(key: bytes) -> str:
    # A raw 256-bit key: SQLCipher skips its own key derivation.
    return f"PRAGMA key = \"x'{key.hex()}'\""


def connect(path: Path, key: bytes, readonly: bool = False, wal: bool = True) -> sqlcipher3.Connection:
    """An open, verified connection in autocommit mode (use `transaction`).

    `readonly` opens an existing file without changing it in any way (used
    for backups and for checking files that may be damaged); `wal=False`
    leaves a backup file in its single-file journal mode.
    """
    if readonly:
        uri = path.resolve().as_uri() + "?mode=ro"
        conn = sqlcipher3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    else:
        conn = sqlcipher3.connect(str(path), isolation_level=None, check_same_thread=False)
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(_key_pragma(key))
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlcipher3.DatabaseError as exc:
            raise WrongKeyOrNotADatabase() from exc
        conn.execute("PRAGMA temp_store = MEMORY")
        if readonly:
            return conn
        if wal:
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA secure_delete = ON")
        conn.execute("PRAGMA busy_timeout = 5000")
    except BaseException:
        conn.close()
        raise
    return conn


@contextlib.contextmanager
def transaction(conn: sqlcipher3.Connection) -> Iterator[sqlcipher3.Connection]:
    """All of the block's writes, or none of them."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def put_settings(conn: sqlcipher3.Connection, values: dict[str, str]) -> None:
    """Write settings inside the caller's transaction (Profile.set_settings makes its own)."""
    conn.executemany("INSERT INTO settings(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET "
                     "value = excluded.value", list(values.items()))


def schema_version(conn: sqlcipher3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


@dataclass
class CheckReport:
    cipher_problems: list[str] = field(default_factory=list)
    integrity_problems: list[str] = field(default_factory=list)
    foreign_key_problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.cipher_problems or self.integrity_problems or self.foreign_key_problems)


def run_checks(conn: sqlcipher3.Connection) -> CheckReport:
    """SQLCipher's page check, SQLite's integrity check and the foreign-key check."""
    report = CheckReport()
    try:
        report.cipher_problems = [str(r[0]) for r in conn.execute("PRAGMA cipher_integrity_check")]
    except sqlcipher3.DatabaseError as exc:
        report.cipher_problems = [f"cipher check stopped: {exc}"]
    try:
        rows = [str(r[0]) for r in conn.execute("PRAGMA integrity_check")]
        report.integrity_problems = [] if rows == ["ok"] else rows
    except sqlcipher3.DatabaseError as exc:
        report.integrity_problems = [f"integrity check stopped: {exc}"]
    try:
        report.foreign_key_problems = [
            f"table {r[0]} row {r[1]} points to a missing row in {r[2]}"
            for r in conn.execute("PRAGMA foreign_key_check")
        ]
    except sqlcipher3.DatabaseError as exc:
        report.foreign_key_problems = [f"foreign-key check stopped: {exc}"]
    return report


def export_copy(conn: sqlcipher3.Connection, target: Path, key: bytes) -> None:
    """Write an encrypted copy of the whole database to `target` (which must not exist)."""
    conn.execute(f"ATTACH DATABASE ? AS backup_copy KEY \"x'{key.hex()}'\"", (str(target),))
    try:
        conn.execute("SELECT sqlcipher_export('backup_copy')").fetchall()
        # sqlcipher_export copies schema and rows; the schema version goes by hand.
        conn.execute(f"PRAGMA backup_copy.user_version = {schema_version(conn)}")
    finally:
        conn.execute("DETACH DATABASE backup_copy")
