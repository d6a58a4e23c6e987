"""Erasing one person on request: from the profile, from every backup in it, and at the supervisor.

Records become tombstones (an id, a type, nothing else), the search index forgets them, freed
pages are overwritten (secure_delete) and the write-ahead log is emptied, so neither the live file
nor a future backup holds them. Backups already taken are re-written without the person. The
supervisor's copy is erased by an erasure record in the next export. The reason goes in the audit trail.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field

from ..errors import BadInput
from ..exchange.policy import PSEUDONYM_OVERRIDE
from ..records import store
from ..storage import audit, backups, db
from ..storage.files import fsync_dir, fsync_file

MAX_REASON = 500


@dataclass
class ErasureResult:
    records: int
    backups_rewritten: int = 0
    backups_not_rewritten: list[str] = field(default_factory=list)  # file names only
    at_supervisor: bool = False  # an erasure waits for the next export

    def words(self) -> str:
        text = f"Erased {self.records} record(s) about this person from this laptop"
        if self.backups_rewritten:
            text += f" and from {self.backups_rewritten} backup(s) in the profile"
        text += "."
        if self.backups_not_rewritten:
            text += (f" {len(self.backups_not_rewritten)} backup(s) could not be opened to re-write and still hold "
                     f"them: {', '.join(self.backups_not_rewritten)}. Delete those files by hand.")
        return text


def _their_ids(conn, mentee_id: str) -> list[str]:
    return [mentee_id] + [r[0] for r in conn.execute("SELECT id FROM records WHERE mentee_id = ? ORDER BY id",
                                                     (mentee_id,))]


def _forget_in(conn, ids: list[str], mentee_id: str) -> None:
    """Blank the rows for `ids` in a database (a backup's schema may be older than the app's)."""
    marks = ", ".join("?" for _ in ids)
    conn.execute(f"UPDATE records SET data = '{{}}', deleted = 1 WHERE id IN ({marks})", ids)
    conn.execute(f"DELETE FROM search_index WHERE record_id IN ({marks})", ids)
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'search_rows'").fetchone():
        conn.execute(f"DELETE FROM search_rows WHERE record_id IN ({marks})", ids)
    conn.execute("DELETE FROM settings WHERE key = ?", (PSEUDONYM_OVERRIDE + mentee_id,))


def _rewrite_backup(path, key: bytes, ids: list[str], mentee_id: str) -> None:
    """Crash-safe: a copy is changed and compacted, then takes the original's place."""
    tmp = path.with_name(".partial-" + path.name)  # swept away by remove_leftovers if we die half-way
    shutil.copyfile(path, tmp)
    try:
        conn = db.connect(tmp, key, wal=False)
        try:
            with db.transaction(conn):
                _forget_in(conn, ids, mentee_id)
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
    from ..exchange.enrolment import current_enrolment
    from ..exchange.export import ERASURES
    from ..exchange.keys import pseudonym_secret
    from ..exchange.policy import pseudonym_source

    reason = " ".join(str(reason).split())
    if not reason:
        raise BadInput("Say why this person is being erased (for example: \"their request of 28 November\"). "
                       "The reason is kept in the audit trail. Nothing was erased.")
    if len(reason) > MAX_REASON:
        raise BadInput(f"Keep the reason under {MAX_REASON} characters. Nothing was erased.")
    conn = profile.conn
    stored = store.get(conn, mentee_id, include_deleted=True)
    if stored is None or stored.type != "mentee":
        raise BadInput("There is no mentee with that id in this profile (see: mentor-app mentees). Nothing was erased.")
    ids = _their_ids(conn, mentee_id)
    enrolled = current_enrolment(profile) is not None
    pseudonym = pseudonym_source(conn, pseudonym_secret(profile))(mentee_id) if enrolled else ""
    with db.transaction(conn):
        if not stored.deleted:
            store.delete_in(conn, mentee_id, author=profile.author, action="erase", detail=reason)
        else:
            audit.record(conn, "erase", actor=profile.author, record_type="mentee", record_id=mentee_id,
                         mentee_id=mentee_id, detail=reason)
        _forget_in(conn, ids, mentee_id)
        if enrolled:
            queue = [e for e in json.loads(profile.get_setting(ERASURES, "[]")) if e["mentee_id"] != mentee_id]
            queue.append({"mentee_id": mentee_id, "pseudonym": pseudonym, "records": ids})
            db.put_settings(conn, {ERASURES: json.dumps(queue)})
    # The write-ahead log still holds the old pages until it is checkpointed and emptied.
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    result = ErasureResult(records=len(ids), at_supervisor=enrolled)
    for b in backups.list_backups(profile.path):
        try:
            _rewrite_backup(b.path, profile.key, ids, mentee_id)
            result.backups_rewritten += 1
        except (db.WrongKeyOrNotADatabase, db.DatabaseError, OSError):
            result.backups_not_rewritten.append(b.path.name)
    return result
