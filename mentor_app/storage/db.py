"""Opening the SQLCipher database with the settings every connection needs."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

import sqlcipher3

DB_FILE = "mentor.db"
PAGE_SIZE = 4096

DatabaseError = sqlcipher3.DatabaseError


# The query parameters SQLite takes: values by position, or by name.
Parameters = Sequence[object] | Mapping[str, object]


class Cursor(Protocol):
    """What the app uses of a cursor. Rows are tuples of SQL values (Any, as in the standard sqlite3)."""

    @property
    def lastrowid(self) -> int | None: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Connection(Protocol):
    """What the app uses of a connection: a GuardedConnection, or a plain sqlcipher3 one."""

    @property
    def total_changes(self) -> int: ...

    def execute(self, sql: str, parameters: Parameters = (), /) -> Cursor: ...

    def executemany(self, sql: str, parameters: Iterable[Parameters], /) -> Cursor: ...

    def close(self) -> None: ...


ConnectionT = TypeVar("ConnectionT", bound=Connection)

# What a copy is made from: the database file, or an open connection nothing else is using.
CopySource = str | os.PathLike[str] | Connection


class WrongKeyOrNotADatabase(Exception):
    """SQLCipher could not read page 1 with this key."""


class WrongThread(sqlcipher3.ProgrammingError):
    """A connection was used from a thread that doesn't own it (give the job its own connection)."""


class GuardedConnection(sqlcipher3.Connection):
    """A connection that one thread at a time owns: use from any other thread raises WrongThread.

    SQLite's own check is off (connections may be opened on a worker and handed
    over, as unlocking does); this one is kept. `release()` hands the
    connection over: the next thread to use it owns it. `claim()` takes it now.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.owner: int | None = threading.get_ident()

    def _check(self) -> None:
        me = threading.get_ident()
        if self.owner is None:
            self.owner = me
        elif self.owner != me:
            raise WrongThread(
                "This database connection belongs to another thread: give background work "
                "its own connection (Profile.second_connection)."
            )

    def claim(self) -> None:
        self.owner = threading.get_ident()

    def release(self) -> None:
        self.owner = None

    def cursor(self, *args: Any, **kwargs: Any) -> Cursor:
        self._check()
        cursor: Cursor = super().cursor(*args, **kwargs)
        return cursor

    def execute(self, sql: str, parameters: Parameters = (), /) -> Cursor:
        self._check()
        cursor: Cursor = super().execute(sql, parameters)
        return cursor

    def executemany(self, sql: str, parameters: Iterable[Parameters], /) -> Cursor:
        self._check()
        cursor: Cursor = super().executemany(sql, parameters)
        return cursor

    def executescript(self, script: str, /) -> Cursor:
        self._check()
        cursor: Cursor = super().executescript(script)
        return cursor

    def commit(self) -> None:
        self._check()
        super().commit()

    def rollback(self) -> None:
        self._check()
        super().rollback()

    def backup(self, *args: Any, **kwargs: Any) -> None:
        self._check()
        super().backup(*args, **kwargs)


def _key_pragma(key: bytes) -> str:
    # A raw 256-bit key: SQLCipher skips its own key derivation.
    return f"PRAGMA key = \"x'{key.hex()}'\""


def connect(path: Path, key: bytes, readonly: bool = False, wal: bool = True) -> GuardedConnection:
    """An open, verified connection in autocommit mode (use `transaction`).

    `readonly` opens an existing file without changing it in any way (used
    for backups and for checking files that may be damaged); `wal=False`
    leaves a backup file in its single-file journal mode.
    """
    if readonly:
        uri = path.resolve().as_uri() + "?mode=ro"
        conn: GuardedConnection = sqlcipher3.connect(
            uri, uri=True, isolation_level=None, check_same_thread=False, factory=GuardedConnection
        )
    else:
        conn = sqlcipher3.connect(str(path), isolation_level=None, check_same_thread=False, factory=GuardedConnection)
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
def transaction(conn: ConnectionT) -> Iterator[ConnectionT]:
    """All of the block's writes, or none of them."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def get_setting(conn: Connection, key: str) -> str | None:
    """One setting's value, or None when it was never written."""
    row = conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


def put_settings(conn: Connection, values: dict[str, str]) -> None:
    """Write settings inside the caller's transaction (Profile.set_settings makes its own)."""
    conn.executemany(
        "INSERT INTO settings(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        list(values.items()),
    )


def schema_version(conn: Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


@dataclass
class CheckReport:
    cipher_problems: list[str] = field(default_factory=list)
    integrity_problems: list[str] = field(default_factory=list)
    foreign_key_problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.cipher_problems or self.integrity_problems or self.foreign_key_problems)


def run_checks(conn: Connection) -> CheckReport:
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


def export_copy(source: CopySource, target: Path, key: bytes) -> None:
    """Write an encrypted copy of the whole database to `target` (which must not exist).

    `source` is the database file (the usual case: the copy is made on a
    connection of its own, from one consistent snapshot, so it never competes
    with the connection a window writes on) or an open connection that nothing
    else is using (opening a profile, before a migration).
    """
    if isinstance(source, (str, os.PathLike)):
        conn = connect(Path(source), key)
        try:
            _export(conn, target, key)
        finally:
            conn.close()  # an ATTACH left behind by a failure goes with the connection
    else:
        _export(source, target, key)


def _export(conn: Connection, target: Path, key: bytes) -> None:
    conn.execute(f"ATTACH DATABASE ? AS backup_copy KEY \"x'{key.hex()}'\"", (str(target),))
    try:
        # One read transaction: every table is copied as it was at the same moment.
        conn.execute("BEGIN")
        try:
            version = schema_version(conn)
            conn.execute("SELECT sqlcipher_export('backup_copy')").fetchall()
            # sqlcipher_export copies schema and rows; the schema version goes by hand.
            conn.execute(f"PRAGMA backup_copy.user_version = {version}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    finally:
        conn.execute("DETACH DATABASE backup_copy")
