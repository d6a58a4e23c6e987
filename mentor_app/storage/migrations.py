"""The schema, as an ordered list of migrations: the one source of its truth.

Each migration runs in its own transaction and sets `user_version`, so a
crash mid-way leaves the database at the previous version, never between two.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..errors import NewerVersion
from .db import Connection, schema_version, transaction


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    apply: Callable[[Connection], None]


def run_statements(conn: Connection, *statements: str) -> None:
    # Not executescript(): it commits first, which would split the migration.
    for statement in statements:
        conn.execute(statement)


def _v1_base(conn: Connection) -> None:
    run_statements(
        conn,
        """CREATE TABLE settings (
            key   TEXT PRIMARY KEY,
            value TEXT NOT NULL
        )""",
    )


def _v2_records(conn: Connection) -> None:
    run_statements(
        conn,
        # Every record of every type: shared columns here, the fields as JSON.
        """CREATE TABLE records (
            id          TEXT PRIMARY KEY,
            type        TEXT NOT NULL,
            mentee_id   TEXT REFERENCES records(id),
            created_at  TEXT NOT NULL,
            updated_at  TEXT NOT NULL,
            author      TEXT NOT NULL,
            version     INTEGER NOT NULL,
            deleted     INTEGER NOT NULL DEFAULT 0,
            change_seq  INTEGER NOT NULL,
            sort_at     TEXT NOT NULL DEFAULT '',
            data        TEXT NOT NULL
        )""",
        "CREATE INDEX records_by_mentee ON records(mentee_id, type, sort_at)",
        "CREATE INDEX records_by_type ON records(type, sort_at)",
        "CREATE INDEX records_by_change ON records(change_seq)",
        # The local change sequence that exports count from.
        "CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)",
        "INSERT INTO counters(name, value) VALUES ('change_seq', 0)",
        """CREATE VIRTUAL TABLE search_index USING fts5(
            record_id UNINDEXED, type UNINDEXED, mentee_id UNINDEXED, text,
            tokenize = 'unicode61 remove_diacritics 2'
        )""",
    )


def _v3_supervisor(conn: Connection) -> None:
    run_statements(
        conn,
        # Mentor devices whose batches a supervisor may import, once approved.
        """CREATE TABLE mentor_devices (
            fingerprint  TEXT PRIMARY KEY,
            device_key   TEXT NOT NULL,
            mentor_name  TEXT NOT NULL DEFAULT '',
            status       TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'revoked')),
            first_seen   TEXT NOT NULL,
            decided_at   TEXT
        )""",
        """CREATE TABLE imported_batches (
            fingerprint  TEXT NOT NULL REFERENCES mentor_devices(fingerprint),
            sequence     INTEGER NOT NULL,
            batch_id     TEXT NOT NULL,
            sha256       TEXT NOT NULL UNIQUE,
            imported_at  TEXT NOT NULL,
            records      INTEGER NOT NULL,
            PRIMARY KEY (fingerprint, sequence)
        )""",
        """CREATE TABLE quarantine (
            sha256       TEXT PRIMARY KEY,
            file_name    TEXT NOT NULL,
            fingerprint  TEXT,
            sequence     INTEGER,
            reason       TEXT NOT NULL,
            retry        INTEGER NOT NULL DEFAULT 0,
            first_seen   TEXT NOT NULL
        )""",
        # Every version of every record mentors shared; the newest of each id is current.
        """CREATE TABLE shared_records (
            id             TEXT NOT NULL,
            version        INTEGER NOT NULL,
            content_sha256 TEXT NOT NULL,
            fingerprint    TEXT NOT NULL,
            sequence       INTEGER NOT NULL,
            type           TEXT NOT NULL,
            base_version   INTEGER NOT NULL,
            basis          TEXT NOT NULL,
            mentee_id      TEXT,
            pseudonym      TEXT,
            fields         TEXT NOT NULL,
            updated_at     TEXT NOT NULL DEFAULT '',
            deleted        INTEGER NOT NULL DEFAULT 0,
            current        INTEGER NOT NULL DEFAULT 1,
            conflict       INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (id, version, content_sha256)
        )""",
        "CREATE INDEX shared_current ON shared_records(current, type)",
        "CREATE INDEX shared_by_mentee ON shared_records(mentee_id)",
        "CREATE INDEX shared_by_pseudonym ON shared_records(pseudonym)",
        """CREATE TABLE withdrawals (
            mentee_id    TEXT PRIMARY KEY,
            pseudonym    TEXT NOT NULL,
            fingerprint  TEXT NOT NULL,
            sequence     INTEGER NOT NULL
        )""",
    )


def _v4_supervisor_notes(conn: Connection) -> None:
    run_statements(
        conn,
        # The supervisor's own notes beside mentors' read-only records, e.g. the action on a concern.
        """CREATE TABLE supervisor_notes (
            record_id  TEXT NOT NULL,
            at         TEXT NOT NULL,
            action     TEXT NOT NULL,
            author     TEXT NOT NULL,
            PRIMARY KEY (record_id, at)
        )""",
    )


def _v5_conflict_index(conn: Connection) -> None:
    # Conflicts are rare: a partial index finds them without reading every shared record.
    run_statements(conn, "CREATE INDEX shared_conflicts ON shared_records(id) WHERE conflict = 1")


_EXTRACTED = (
    ("kind", "json_extract(NEW.fields, '$.kind')"),
    ("status", "json_extract(NEW.fields, '$.status')"),
    ("category", "json_extract(NEW.fields, '$.category')"),
    ("outcome", "json_extract(NEW.fields, '$.outcome')"),
    ("minutes", "json_extract(NEW.fields, '$.duration_minutes')"),
    ("hours", "json_extract(NEW.fields, '$.hours')"),
    ("scores", "json_extract(NEW.fields, '$.scores')"),
    (
        "day",
        "substr(coalesce(json_extract(NEW.fields, '$.starts_at'), json_extract(NEW.fields, '$.on'), "
        "json_extract(NEW.fields, '$.week'), ''), 1, 10)",
    ),
    (
        "month",
        "coalesce(json_extract(NEW.fields, '$.month'), substr(coalesce(json_extract(NEW.fields, '$.starts_at'), "
        "json_extract(NEW.fields, '$.on'), json_extract(NEW.fields, '$.raised_at'), "
        "json_extract(NEW.fields, '$.referral_date'), ''), 1, 7))",
    ),
)


def _v6_counting_columns(conn: Connection) -> None:
    # The dashboard counts over columns pulled out of each record's JSON once, when it arrives,
    # instead of reading every record's JSON each time it is opened.
    assignments = ", ".join(f"{name} = {expression}" for name, expression in _EXTRACTED)
    statements = [f"ALTER TABLE shared_records ADD COLUMN {name}" for name, _ in _EXTRACTED]
    statements += [
        # A second version of a record made from the same base (a conflict) is kept but not counted again.
        "ALTER TABLE shared_records ADD COLUMN counted INTEGER NOT NULL DEFAULT 1",
        f"""CREATE TRIGGER shared_records_extract AFTER INSERT ON shared_records BEGIN
            UPDATE shared_records SET {assignments} WHERE rowid = NEW.rowid; END""",
        f"""CREATE TRIGGER shared_records_reextract AFTER UPDATE OF fields ON shared_records BEGIN
            UPDATE shared_records SET {assignments} WHERE rowid = NEW.rowid; END""",
        "UPDATE shared_records SET fields = fields",
        "UPDATE shared_records SET counted = 0 WHERE conflict = 1 AND rowid NOT IN "
        "(SELECT min(rowid) FROM shared_records WHERE conflict = 1 GROUP BY id, version)",
        # Covering: the dashboard's counts read this index alone, never the records' JSON.
        "CREATE INDEX shared_counting ON shared_records(type, current, deleted, counted, month, day, kind, minutes, "
        "status, category, outcome, hours, pseudonym, id, fingerprint)",
    ]
    run_statements(conn, *statements)


def _v7_search_rows(conn: Connection) -> None:
    run_statements(
        conn,
        # Which search-index row belongs to which record, so re-indexing one record is a lookup.
        "CREATE TABLE search_rows (record_id TEXT PRIMARY KEY, fts_rowid INTEGER NOT NULL)",
        "INSERT OR REPLACE INTO search_rows(record_id, fts_rowid) SELECT record_id, rowid FROM search_index",
    )


def _v8_audit_trail(conn: Connection) -> None:
    run_statements(
        conn,
        # Ids, action names and counts only: never what a record says (see storage/audit.py).
        """CREATE TABLE audit_log (
            seq          INTEGER PRIMARY KEY AUTOINCREMENT,
            at           TEXT NOT NULL,
            actor        TEXT NOT NULL DEFAULT '',
            action       TEXT NOT NULL,
            record_type  TEXT NOT NULL DEFAULT '',
            record_id    TEXT NOT NULL DEFAULT '',
            mentee_id    TEXT NOT NULL DEFAULT '',
            detail       TEXT NOT NULL DEFAULT ''
        )""",
        "CREATE INDEX audit_by_mentee ON audit_log(mentee_id, seq)",
        "CREATE INDEX audit_by_record ON audit_log(record_id, seq)",
        # Append-only: the app itself can't rewrite history, whatever a later bug might try.
        "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'the audit trail can only be added to'); END",
        "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'the audit trail can only be added to'); END",
    )


def _v9_delivery(conn: Connection) -> None:
    run_statements(
        conn,
        # Mentor: every sealed batch, kept (encrypted to the organisation) until a signed receipt from the
        # supervisor covers it and the organisation's keeping period has passed, so a batch lost from the
        # drive is written again. Concern ids say which safeguarding concerns each batch carries.
        """CREATE TABLE outbox (
            sequence      INTEGER PRIMARY KEY,
            batch_id      TEXT NOT NULL,
            name          TEXT NOT NULL,
            sha256        TEXT NOT NULL,
            size          INTEGER NOT NULL,
            data          BLOB,
            created_at    TEXT NOT NULL,
            records       INTEGER NOT NULL,
            concerns      TEXT NOT NULL DEFAULT '[]',
            placed_name   TEXT,
            placed_mtime  INTEGER,
            placed_at     TEXT,
            received_at   TEXT,
            removed_at    TEXT
        )""",
        # Supervisor: files already judged are skipped by name, size and time, without reading them again.
        "ALTER TABLE quarantine ADD COLUMN seen TEXT",
        "ALTER TABLE quarantine ADD COLUMN code TEXT NOT NULL DEFAULT ''",
        "CREATE INDEX quarantine_seen ON quarantine(seen)",
        # Single records refused inside batches that were otherwise applied.
        """CREATE TABLE refused_records (
            fingerprint  TEXT NOT NULL,
            sequence     INTEGER NOT NULL,
            position     INTEGER NOT NULL,
            record_id    TEXT NOT NULL DEFAULT '',
            record_type  TEXT NOT NULL DEFAULT '',
            reason       TEXT NOT NULL,
            code         TEXT NOT NULL,
            first_seen   TEXT NOT NULL,
            PRIMARY KEY (fingerprint, sequence, position)
        )""",
        # Revocation from a point: batches before it still import.
        "ALTER TABLE mentor_devices ADD COLUMN revoked_from_sequence INTEGER",
        "ALTER TABLE mentor_devices ADD COLUMN revoked_after TEXT",
        # The first batch a device's chain is waiting for, and since when (the Mentors tab and receipts).
        "ALTER TABLE mentor_devices ADD COLUMN waiting_for INTEGER",
        "ALTER TABLE mentor_devices ADD COLUMN waiting_since TEXT",
        # Batches a supervisor accepted as lost, on purpose and with a reason.
        """CREATE TABLE accepted_gaps (
            fingerprint  TEXT NOT NULL,
            sequence     INTEGER NOT NULL,
            reason       TEXT NOT NULL,
            accepted_at  TEXT NOT NULL,
            PRIMARY KEY (fingerprint, sequence)
        )""",
    )


def _v10_holders(conn: Connection) -> None:
    run_statements(
        conn,
        # Supervisor: which mentor device holds each person and record. Keys are "r:" + record id,
        # "m:" + mentee id and "p:" + pseudonym; only the holder may change what a key covers.
        """CREATE TABLE holders (
            key          TEXT PRIMARY KEY,
            fingerprint  TEXT NOT NULL,
            since        TEXT NOT NULL
        )""",
        # Who held what so far: the first device to send each record, person and pseudonym.
        "INSERT OR IGNORE INTO holders(key, fingerprint, since) SELECT 'r:' || id, fingerprint, '' "
        "FROM shared_records ORDER BY rowid",
        "INSERT OR IGNORE INTO holders(key, fingerprint, since) SELECT 'm:' || mentee_id, fingerprint, '' "
        "FROM shared_records WHERE coalesce(mentee_id, '') != '' ORDER BY rowid",
        "INSERT OR IGNORE INTO holders(key, fingerprint, since) SELECT 'p:' || pseudonym, fingerprint, '' "
        "FROM shared_records WHERE coalesce(pseudonym, '') != '' ORDER BY rowid",
        # Hand-overs: a part is one person key moving from one device to another, proven by a token.
        """CREATE TABLE handovers (
            part          TEXT PRIMARY KEY,
            key           TEXT NOT NULL,
            from_fp       TEXT NOT NULL,
            token_sha256  TEXT NOT NULL,
            announced     INTEGER NOT NULL DEFAULT 0,
            claimed_by    TEXT,
            claimed_at    TEXT
        )""",
        # A mentor's deletion or erasure of a shared concern waits for the supervisor's decision.
        """CREATE TABLE deletion_requests (
            record_id    TEXT PRIMARY KEY,
            fingerprint  TEXT NOT NULL,
            kind         TEXT NOT NULL CHECK (kind IN ('delete', 'erase')),
            requested_at TEXT NOT NULL,
            decided_at   TEXT,
            decision     TEXT CHECK (decision IN ('kept', 'erased')),
            reason       TEXT NOT NULL DEFAULT ''
        )""",
    )


def _v11_kept_counts(conn: Connection) -> None:
    # See storage/kept.py: count answers kept between starts, emptied whenever a shared record changes.
    run_statements(
        conn,
        "CREATE TABLE kept_counts (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        *(
            f"CREATE TRIGGER shared_records_unkeep_{event.lower()} AFTER {event} ON shared_records "
            "BEGIN DELETE FROM kept_counts; END"
            for event in ("INSERT", "UPDATE", "DELETE")
        ),
    )


def _v12_attachments(conn: Connection) -> None:
    run_statements(
        conn,
        # A scanned form, a photo or a PDF belonging to a person or to one of their consent records
        # (records/attachments.py). Its bytes and its original name are record content: here, inside the
        # encrypted database, never in a file beside it. The bytes come last, so listing never reads them.
        """CREATE TABLE attachments (
            id         TEXT PRIMARY KEY,
            record_id  TEXT NOT NULL REFERENCES records(id) ON DELETE CASCADE,
            kind       TEXT NOT NULL,
            name       TEXT NOT NULL,
            size       INTEGER NOT NULL,
            sha256     TEXT NOT NULL,
            added_at   TEXT NOT NULL,
            added_by   TEXT NOT NULL DEFAULT '',
            data       BLOB NOT NULL
        )""",
        "CREATE INDEX attachments_by_record ON attachments(record_id)",
        # An attachment goes with its record however the record goes (deleted, erased, at the end of its
        # retention period); a record removed outright (a hand-over) takes it by the foreign key.
        "CREATE TRIGGER attachments_go_with_their_record AFTER UPDATE OF deleted ON records "
        "WHEN NEW.deleted = 1 BEGIN DELETE FROM attachments WHERE record_id = NEW.id; END",
    )


MIGRATIONS: Sequence[Migration] = (
    Migration(1, "settings", _v1_base),
    Migration(2, "records, change sequence and search", _v2_records),
    Migration(3, "supervisor: mentor devices, imported batches, quarantine, shared records", _v3_supervisor),
    Migration(4, "supervisor's notes beside shared records", _v4_supervisor_notes),
    Migration(5, "index of conflicting shared records", _v5_conflict_index),
    Migration(6, "counting columns for the dashboard", _v6_counting_columns),
    Migration(7, "search index rows by record", _v7_search_rows),
    Migration(8, "audit trail", _v8_audit_trail),
    Migration(9, "delivery: outbox, receipts' inputs, refused records, revocation points, accepted gaps", _v9_delivery),
    Migration(10, "supervisor: who holds each person and record, hand-overs, deletion requests", _v10_holders),
    Migration(11, "count answers kept between starts", _v11_kept_counts),
    Migration(12, "attachments: photos and PDFs kept with a person or their consent", _v12_attachments),
)


def latest_version() -> int:
    return MIGRATIONS[-1].version


def check_not_newer(conn: Connection, latest: int | None = None) -> None:
    if schema_version(conn) > (latest if latest is not None else latest_version()):
        raise NewerVersion(
            "These notes were saved by a newer version of Mentor App. "
            "Please update the app to open them; nothing has been changed."
        )


def pending(conn: Connection, migrations: Sequence[Migration] | None = None) -> list[Migration]:
    current = schema_version(conn)
    return [m for m in (migrations or MIGRATIONS) if m.version > current]


def migrate(conn: Connection, migrations: Sequence[Migration] | None = None) -> list[int]:
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
