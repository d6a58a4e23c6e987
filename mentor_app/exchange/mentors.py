"""The supervisor's register of mentor devices: pending until a person checks the fingerprint."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from ..errors import BadInput
from ..storage.db import transaction
from .keys import b64, fingerprint, normalise_fingerprint


@dataclass(frozen=True)
class MentorDevice:
    fingerprint: str
    mentor_name: str
    status: str
    first_seen: str


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def list_devices(conn) -> list[MentorDevice]:
    rows = conn.execute("SELECT fingerprint, mentor_name, status, first_seen FROM mentor_devices "
                        "ORDER BY status, mentor_name")
    return [MentorDevice(*r) for r in rows]


def device_status(conn, fp: str) -> str | None:
    row = conn.execute("SELECT status FROM mentor_devices WHERE fingerprint = ?", (fp,)).fetchone()
    return row[0] if row else None


def note_device(conn, device_key: bytes, mentor_name: str) -> str:
    """Remember a device seen in a batch; a new one waits for approval. Returns its status."""
    fp = fingerprint(device_key)
    status = device_status(conn, fp)
    if status is None:
        conn.execute("INSERT INTO mentor_devices(fingerprint, device_key, mentor_name, status, first_seen) "
                      "VALUES (?, ?, ?, 'pending', ?)", (fp, b64(device_key), mentor_name[:200], _now()))
        return "pending"
    return status


def _decide(conn, fp: str, status: str, name: str | None = None) -> MentorDevice:
    fp = normalise_fingerprint(fp)
    if device_status(conn, fp) is None:
        raise BadInput(f"No mentor device with fingerprint {fp} has sent anything yet. Import their folder first, "
                       "then check the fingerprint with the mentor (they see it with: mentor-app fingerprint).")
    with transaction(conn):
        if name:
            conn.execute("UPDATE mentor_devices SET mentor_name = ? WHERE fingerprint = ?", (name.strip()[:200], fp))
        conn.execute("UPDATE mentor_devices SET status = ?, decided_at = ? WHERE fingerprint = ?", (status, _now(), fp))
        if status == "approved":
            # Their batches held back as 'unknown' are looked at again on the next import.
            conn.execute("DELETE FROM quarantine WHERE fingerprint = ? AND retry = 1", (fp,))
    return next(d for d in list_devices(conn) if d.fingerprint == fp)


def approve(conn, fp: str, name: str) -> MentorDevice:
    if not name.strip():
        raise BadInput("Give the mentor's name with --name, so their records show who they are from.")
    return _decide(conn, fp, "approved", name)


def revoke(conn, fp: str) -> MentorDevice:
    return _decide(conn, fp, "revoked")
