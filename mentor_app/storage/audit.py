"""The audit trail: an append-only log, inside the encrypted profile, of who did what to which record and when.

It holds record ids, action names and counts, never what a record says, so it can be shown to a
data protection officer or exported for an investigation without exposing anyone's notes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .. import clock
from ..i18n import N_
from .db import Connection

# The one list of what the trail records, with the words a person reads (translated where shown).
ACTIONS = {
    "unlock": N_("Unlocked the profile"),
    "failed_unlock": N_("Failed attempt to unlock"),
    "view": N_("Opened a person's page"),
    "create": N_("Created a record"),
    "change": N_("Changed a record"),
    "delete": N_("Deleted a record"),
    "erase": N_("Erased a person on request"),
    "retention": N_("Deleted at the end of its retention period"),
    "export": N_("Shared with the supervisor"),
    "import": N_("Imported a mentor's log"),
    "accept_gap": N_("Accepted a mentor's batch as lost"),
    "deletion_decided": N_("Decided a mentor's request to delete a concern"),
    "retry_set_aside": N_("Looked again at files set aside"),
    "sheet": N_("Made a signposting sheet"),
    "print": N_("Sent to the printer"),
    "subject_access": N_("Made a subject access copy"),
    "handover_out": N_("Handed over to another mentor"),
    "handover_in": N_("Taken over from another mentor"),
    "restore": N_("Restored a backup"),
    "rekey": N_("Re-encrypted under a new key"),
    "keyring_forgotten": N_("Removed the key from this computer's keyring"),
    "audit_export": N_("Exported the audit trail"),
    "jdl_file": N_("Made a Justice Data Lab file"),
    "jdl_basis": N_("Recorded the lawful basis for the Justice Data Lab"),
    "import_records": N_("Brought in people or meetings from a spreadsheet"),
    "calendar": N_("Made a calendar file"),
    "attachment_add": N_("Attached a file"),
    "attachment_view": N_("Looked at an attachment"),
    "attachment_copy": N_("Saved a copy of an attachment outside the app"),
    "attachment_remove": N_("Removed an attachment"),
}


# One row of audit_log as it is stored: seq, at, actor, action, record_type, record_id, mentee_id, detail.
TrailRow = tuple[int, str, str, str, str, str, str, str]


@dataclass(frozen=True)
class Entry:
    seq: int
    at: str
    actor: str
    action: str
    record_type: str
    record_id: str
    mentee_id: str
    detail: str

    @property
    def words(self) -> str:
        return ACTIONS.get(self.action, self.action)


def record(
    conn: Connection,
    action: str,
    *,
    actor: str = "",
    record_type: str = "",
    record_id: str = "",
    mentee_id: str | None = "",
    detail: str = "",
    at: str | None = None,
) -> None:
    """Append one entry (inside the caller's transaction, if any)."""
    if action not in ACTIONS:
        raise ValueError(action)
    conn.execute(
        "INSERT INTO audit_log(at, actor, action, record_type, record_id, mentee_id, detail) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (at or clock.stamp(), actor, action, record_type or "", record_id or "", mentee_id or "", detail),
    )


def entries(
    conn: Connection,
    *,
    action: str = "",
    mentee_id: str = "",
    record_id: str = "",
    since: str = "",
    until: str = "",
    limit: int | None = None,
) -> list[Entry]:
    """Newest first. `since`/`until` are dates (YYYY-MM-DD), inclusive."""
    clauses: list[str] = []
    params: list[str] = []
    if action:
        clauses.append("action = ?")
        params.append(action)
    if mentee_id:
        # About a person: entries on them and on any of their records.
        clauses.append("(mentee_id = ? OR record_id = ?)")
        params += [mentee_id, mentee_id]
    if record_id:
        clauses.append("record_id = ?")
        params.append(record_id)
    if since:
        clauses.append("at >= ?")
        params.append(since)
    if until:
        clauses.append("at < ?")
        params.append(until + "T99")  # the whole of that day, whatever the time
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    rows = conn.execute(
        f"SELECT seq, at, actor, action, record_type, record_id, mentee_id, detail FROM audit_log "
        f"{where} ORDER BY seq DESC" + (f" LIMIT {int(limit)}" if limit else ""),
        params,
    )
    return [Entry(*r) for r in rows]


COLUMNS = ["seq", "at", "actor", "action", "what", "record_type", "record_id", "mentee_id", "detail"]


def export_csv(found: list[Entry], target: Path) -> int:
    """Write entries as a spreadsheet for an investigation; `target` must not exist yet."""
    from .csvsafe import write_csv  # imported here: only exporting the trail needs it (and the csv module)

    write_csv(
        target,
        [COLUMNS]
        + [[e.seq, e.at, e.actor, e.action, e.words, e.record_type, e.record_id, e.mentee_id, e.detail] for e in found],
        bom=False,
    )
    return len(found)


def all_rows(conn: Connection) -> list[TrailRow]:
    return conn.execute(
        "SELECT seq, at, actor, action, record_type, record_id, mentee_id, detail FROM audit_log ORDER BY seq"
    ).fetchall()


def carry_over(conn: Connection, rows: list[TrailRow]) -> int:
    """After a restore: put back the entries the backup is missing, so the trail never loses history."""
    newest = conn.execute("SELECT coalesce(max(seq), 0) FROM audit_log").fetchone()[0]
    missing = [r for r in rows if r[0] > newest]
    conn.executemany(
        "INSERT INTO audit_log(seq, at, actor, action, record_type, record_id, mentee_id, detail) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        missing,
    )
    return len(missing)
