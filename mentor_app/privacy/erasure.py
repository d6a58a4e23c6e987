"""Erasing one person on request: from the profile, from every backup in it, and at the supervisor.

Records become tombstones (an id, a type, nothing else), their attachments (photos, scanned forms)
go with them, the search index forgets them, freed pages are overwritten (secure_delete) and the
write-ahead log is emptied, so neither the live file nor a future backup holds them. Backups already
taken are re-written without the person. The supervisor's copy is erased by an erasure record in the
next export. The reason goes in the audit trail.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field

from ..errors import BadInput
from ..records import attachments, store
from ..setting_keys import ERASURES, PSEUDONYM_OVERRIDE
from ..storage import audit, backups, db
from ..storage.files import fsync_dir, fsync_file
from ..words import count

MAX_REASON = 500


@dataclass
class ErasureResult:
    records: int
    attachments: int = 0
    backups_rewritten: int = 0
    backups_not_rewritten: list[str] = field(default_factory=list)  # file names only
    at_supervisor: bool = False  # an erasure waits for the next export

    def words(self) -> str:
        held = f" and {count(self.attachments, 'attachment')}" if self.attachments else ""
        text = f"Erased {count(self.records, 'record')}{held} about this person from this laptop"
        if self.backups_rewritten:
            text += f" and from {count(self.backups_rewritten, 'backup')} in the profile"
        text += "."
        if self.backups_not_rewritten:
            text += (
                f" {count(len(self.backups_not_rewritten), 'backup')} could not be opened to re-write and still hold "
                f"them: {', '.join(self.backups_not_rewritten)}. Delete those files by hand."
            )
        return text


def _their_ids(conn, mentee_id: str) -> list[str]:
    return [mentee_id] + [
        r[0] for r in conn.execute("SELECT id FROM records WHERE mentee_id = ? ORDER BY id", (mentee_id,))
    ]


def _forget_in(conn, ids: list[str], mentee_id: str) -> None:
    """Blank the rows for `ids` in a database (a backup's schema may be older than the app's)."""
    marks = ", ".join("?" for _ in ids)
    conn.execute(f"UPDATE records SET data = '{{}}', deleted = 1 WHERE id IN ({marks})", ids)
    conn.execute(f"DELETE FROM search_index WHERE record_id IN ({marks})", ids)
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'attachments'").fetchone():
        # Live, the records' deletion already took them (migration 12's trigger); a backup is made sure of.
        conn.execute(f"DELETE FROM attachments WHERE record_id IN ({marks})", ids)
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'search_rows'").fetchone():
        conn.execute(f"DELETE FROM search_rows WHERE record_id IN ({marks})", ids)
    conn.execute("DELETE FROM settings WHERE key = ?", (PSEUDONYM_OVERRIDE + mentee_id,))


def _rewrite_backup(path, key: bytes, change) -> None:
    """Crash-safe: a copy is changed (by `change(conn)`, in one transaction) and compacted, then takes the
    original's place."""
    tmp = path.with_name(".partial-" + path.name)  # swept away by remove_leftovers if we die half-way
    shutil.copyfile(path, tmp)
    try:
        conn = db.connect(tmp, key, wal=False)
        try:
            with db.transaction(conn):
                change(conn)
            conn.execute("VACUUM")  # no free page keeps an old copy of a row
        finally:
            conn.close()
        if os.name == "posix":
            os.chmod(tmp, 0o600)
        fsync_file(tmp)
        os.replace(tmp, path)
        fsync_dir(path.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def erase_mentee(profile, mentee_id: str, reason: str) -> ErasureResult:
    # imported here: of this module's work, only erasing a person needs them
    from ..exchange.enrolment import current_enrolment
    from ..exchange.keys import pseudonym_secret
    from ..exchange.policy import pseudonym_source

    reason = " ".join(str(reason).split())
    if not reason:
        raise BadInput(
            'Say why this person is being erased (for example: "their request of 28 November"). '
            "The reason is kept in the audit trail. Nothing was erased."
        )
    if len(reason) > MAX_REASON:
        raise BadInput(f"Keep the reason under {MAX_REASON} characters. Nothing was erased.")
    conn = profile.conn
    stored = store.get(conn, mentee_id, include_deleted=True)
    if stored is None or stored.type != "mentee":
        raise BadInput("There is no mentee with that id in this profile. Nothing was erased.", hint="mentees")
    ids = _their_ids(conn, mentee_id)
    files = len(attachments.list_for(conn, mentee_id))
    enrolled = current_enrolment(profile) is not None
    pseudonym = pseudonym_source(conn, pseudonym_secret(profile))(mentee_id) if enrolled else ""
    with db.transaction(conn):
        if not stored.deleted:
            store.delete_in(conn, mentee_id, author=profile.author, action="erase", detail=reason)
        else:
            audit.record(
                conn,
                "erase",
                actor=profile.author,
                record_type="mentee",
                record_id=mentee_id,
                mentee_id=mentee_id,
                detail=reason,
            )
        _forget_in(conn, ids, mentee_id)
        if enrolled:
            queue = [e for e in profile.get_json(ERASURES, []) if e["mentee_id"] != mentee_id]
            queue.append({"mentee_id": mentee_id, "pseudonym": pseudonym, "records": ids})
            db.put_settings(conn, {ERASURES: json.dumps(queue)})
    # The write-ahead log still holds the old pages until it is checkpointed and emptied.
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    result = ErasureResult(records=len(ids), attachments=files, at_supervisor=enrolled)
    for b in backups.list_backups(profile.path):
        try:
            _rewrite_backup(b.path, profile.key, lambda conn: _forget_in(conn, ids, mentee_id))
            result.backups_rewritten += 1
        except (db.WrongKeyOrNotADatabase, db.DatabaseError, OSError):
            result.backups_not_rewritten.append(b.path.name)
    return result


# At the supervisor: what a withdrawal or an erasure changed, carried into every backup in the profile.
_SUPERVISOR_TABLES = (
    # table, the column matched, which kinds of key it is matched against
    ("shared_records", "id", ("r",)),
    ("shared_records", "mentee_id", ("m",)),
    ("shared_records", "pseudonym", ("p",)),
    ("supervisor_notes", "record_id", ("r", "m")),
    ("withdrawals", "mentee_id", ("m",)),
    ("deletion_requests", "record_id", ("r",)),
    ("holders", "key", ("key",)),
)


@dataclass
class BackupsResult:
    rewritten: int = 0
    not_rewritten: list[str] = field(default_factory=list)  # file names only

    def words(self) -> str:
        if not self.not_rewritten:
            return f"{count(self.rewritten, 'backup')} in the profile brought up to date." if self.rewritten else ""
        return (
            f"{count(len(self.not_rewritten), 'backup')} could not be opened to re-write and may still hold "
            f"the person: {', '.join(self.not_rewritten)}. Delete those files by hand."
        )


def _chunks(values: list[str], size: int = 500):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _columns(conn, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]


def reach_supervisor_backups(profile, ids: set[str], people: set[str], pseudonyms: set[str]) -> BackupsResult:
    """Make every backup in a supervisor's profile hold, for these records, people and pseudonyms, exactly
    what the live profile now holds: a withdrawal's stripped rows, an erasure's absence, decided requests.

    Crash-safe, like the mentor's side: each backup is copied, changed, compacted, then swapped in.
    """
    live = profile.conn
    values = {
        "r": sorted(i for i in ids if i),
        "m": sorted(m for m in people if m),
        "p": sorted(p for p in pseudonyms if p),
    }
    values["key"] = [f"{kind}:{v}" for kind in ("r", "m", "p") for v in values[kind]]
    keep: dict[str, dict] = {}
    live_tables = {r[0] for r in live.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    for table, column, kinds in _SUPERVISOR_TABLES:
        wanted = [v for kind in kinds for v in values[kind]]
        if not wanted or table not in live_tables:
            continue
        cols = _columns(live, table)
        found = keep.setdefault(table, {"cols": cols, "rows": {}})
        for chunk in _chunks(wanted):
            marks = ", ".join("?" for _ in chunk)
            for row in live.execute(f'SELECT rowid, * FROM "{table}" WHERE "{column}" IN ({marks})', chunk):
                found["rows"][row[0]] = row[1:]

    def change(conn) -> None:
        present = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        for table, column, kinds in _SUPERVISOR_TABLES:
            wanted = [v for kind in kinds for v in values[kind]]
            if table in present and column in _columns(conn, table):
                for chunk in _chunks(wanted):
                    conn.execute(f'DELETE FROM "{table}" WHERE "{column}" IN ({", ".join("?" for _ in chunk)})', chunk)
        for table, found in keep.items():
            if table not in present:
                continue
            there = set(_columns(conn, table))  # the backup's own columns (it may be an older schema)
            common = [c for c in found["cols"] if c in there]
            picks = [found["cols"].index(c) for c in common]
            conn.executemany(
                f'INSERT OR REPLACE INTO "{table}"({", ".join(common)}) VALUES ({", ".join("?" for _ in common)})',
                [[row[i] for i in picks] for row in found["rows"].values()],
            )

    result = BackupsResult()
    if not values["key"]:
        return result
    for b in backups.list_backups(profile.path):
        try:
            _rewrite_backup(b.path, profile.key, change)
            result.rewritten += 1
        except (db.WrongKeyOrNotADatabase, db.DatabaseError, OSError):
            result.not_rewritten.append(b.path.name)
    return result


def after_import(profile, summary) -> BackupsResult:
    """Carry what an import's withdrawals and erasures changed into the supervisor's backups."""
    left = summary.left
    if not left["people"]:
        return BackupsResult()
    return reach_supervisor_backups(profile, left["ids"], left["people"], left["pseudonyms"])
