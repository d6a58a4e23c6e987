"""At the supervisor: a mentor's deletion or erasure of a shared concern waits for the supervisor's decision.

A concern, and what the supervisor recorded about it, may be needed later (a
review, an inquiry, a new referral), so a mentor alone never removes it: the
request is shown in the Safeguarding tab, and the supervisor keeps it (with a
reason) or erases it. Either way it goes in the audit trail.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import clock
from ..errors import BadInput
from ..storage import audit
from ..storage.db import transaction

if TYPE_CHECKING:
    from ..storage.db import Connection


def request_in(conn: Connection, record_id: str, fp: str, kind: str) -> None:
    """Note the mentor's request (inside the import's transaction); a repeated one changes nothing."""
    conn.execute(
        "INSERT INTO deletion_requests(record_id, fingerprint, kind, requested_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(record_id) DO UPDATE SET kind = CASE WHEN decided_at IS NULL THEN "
        "max(kind, excluded.kind) ELSE kind END",
        (record_id, fp, kind, clock.stamp()),
    )


def pending(conn: Connection) -> dict[str, str]:
    """{concern id: "delete" | "erase"} for requests not yet decided."""
    return dict(conn.execute("SELECT record_id, kind FROM deletion_requests WHERE decided_at IS NULL"))


def decide(conn: Connection, record_id: str, erase: bool, reason: str, actor: str) -> str:
    """Keep the concern (a reason is needed) or erase it as the mentor asked; returns a sentence."""
    row = conn.execute(
        "SELECT kind FROM deletion_requests WHERE record_id = ? AND decided_at IS NULL", (record_id,)
    ).fetchone()
    if row is None:
        raise BadInput("There is no request waiting about that concern.")
    if not erase and not reason.strip():
        raise BadInput("Say why the concern is kept, for the audit trail.")
    person = conn.execute(
        "SELECT coalesce(mentee_id, '') FROM shared_records WHERE id = ? LIMIT 1", (record_id,)
    ).fetchone()
    mentee_id = person[0] if person else ""
    with transaction(conn):
        conn.execute(
            "UPDATE deletion_requests SET decided_at = ?, decision = ?, reason = ? WHERE record_id = ?",
            (clock.stamp(), "erased" if erase else "kept", reason.strip()[:2000], record_id),
        )
        if erase:
            conn.execute("DELETE FROM shared_records WHERE id = ?", (record_id,))
            conn.execute("DELETE FROM supervisor_notes WHERE record_id = ?", (record_id,))
            left = (
                conn.execute(
                    "SELECT 1 FROM shared_records WHERE mentee_id = ? AND type = 'concern' LIMIT 1", (mentee_id,)
                ).fetchone()
                if mentee_id
                else None
            )
            conn.execute("DELETE FROM holders WHERE key = ?", ("r:" + record_id,))
            if mentee_id and row[0] == "erase" and left is None:
                conn.execute("DELETE FROM supervisor_notes WHERE record_id = ?", (mentee_id,))
                conn.execute("DELETE FROM holders WHERE key = ?", ("m:" + mentee_id,))
        audit.record(
            conn,
            "deletion_decided",
            actor=actor,
            record_type="concern",
            record_id=record_id,
            mentee_id=mentee_id,
            detail=("erased as the mentor asked" if erase else "kept")
            + (f" ({row[0]} requested)")
            + (f": {reason.strip()[:200]}" if reason.strip() else ""),
        )
    return (
        "The concern and your notes on it are erased, as the mentor asked."
        if erase
        else "The concern is kept; the mentor's request and your reason are in the audit trail."
    )
