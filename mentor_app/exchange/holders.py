"""At the supervisor: which mentor device holds each person and each record, and moving that by hand-over.

Only the device that holds a person may change what the supervisor has of
them: update or delete their records, withdraw or erase them. The first device
to send a record, a person or a pseudonym holds it; a hand-over moves it,
openly, when the receiving device proves it has the hand-over file the holding
device signed. Anything else is refused record by record.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from .. import clock
from .batch import canonical
from .keys import unb64, verify

if TYPE_CHECKING:
    from ..storage.db import Connection

NOT_HOLDER = "it was sent by a device that doesn't hold this person"


def keys_of(r: dict[str, Any]) -> list[str]:
    """The keys a record touches: itself, its person, their pseudonym (and, for an erasure, what it names)."""
    keys = []
    if r["type"] not in ("withdrawal", "erasure", "handover"):
        keys.append("r:" + r["id"])
    if r.get("mentee_id"):
        keys.append("m:" + r["mentee_id"])
    if r.get("pseudonym"):
        keys.append("p:" + r["pseudonym"])
    if r["type"] == "erasure":
        keys += ["r:" + i for i in r["fields"].get("records", []) if isinstance(i, str)]
    return keys


def holders_of(conn: Connection, keys: list[str]) -> dict[str, str]:
    if not keys:
        return {}
    found: dict[str, str] = {}
    for start in range(0, len(keys), 500):  # SQLite's limit on parameters
        chunk = keys[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        found.update(conn.execute(f"SELECT key, fingerprint FROM holders WHERE key IN ({marks})", chunk).fetchall())
    return found


def refusal(conn: Connection, r: dict[str, Any], fp: str) -> str | None:
    """Why this device may not send this record, or None."""
    if r["type"] == "handover":
        return None  # judged by take_handover
    held = holders_of(conn, keys_of(r))
    return NOT_HOLDER if any(holder != fp for holder in held.values()) else None


def note(conn: Connection, r: dict[str, Any], fp: str) -> None:
    """The sender now holds whatever of this record nobody held yet (a person leaving keeps no new keys)."""
    if r["type"] in ("erasure", "withdrawal"):
        return
    conn.executemany(
        "INSERT OR IGNORE INTO holders(key, fingerprint, since) VALUES (?, ?, ?)",
        [(k, fp, clock.stamp()) for k in keys_of(r)],
    )


def _covered(conn: Connection, key: str) -> list[str]:
    """The person key and every record key the supervisor holds under it."""
    kind, _, value = key.partition(":")
    column = {"m": "mentee_id", "p": "pseudonym"}.get(kind)
    if column is None:
        return []
    rows = conn.execute(f"SELECT DISTINCT 'r:' || id FROM shared_records WHERE {column} = ?", (value,))
    return [key] + [row[0] for row in rows]


def take_handover(conn: Connection, r: dict[str, Any], fp: str) -> str | None:
    """Apply a hand-over statement or claim; None if taken in, else why it was refused.

    From the holding device, the statement announces the hand-over. From another device, the same
    statement with the token inside the hand-over file proves that device received it: the person
    key and every record under it then move to that device, once.
    """
    fields = r["fields"]
    statement, signature = fields["statement"], fields["signature"]
    sender = conn.execute(
        "SELECT device_key FROM mentor_devices WHERE fingerprint = ?", (statement["from_device"],)
    ).fetchone()
    try:
        signed = sender is not None and verify(unb64(sender[0]), signature, canonical(statement))
    except ValueError:
        signed = False
    if not signed:
        return "its hand-over statement is not signed by the device it names"
    key = statement["key"]
    held = holders_of(conn, [key]).get(key)
    part = conn.execute("SELECT claimed_by FROM handovers WHERE part = ?", (statement["part"],)).fetchone()
    if "token" not in fields:  # the announcement, from the holding device
        if fp != statement["from_device"]:
            return "it announces a hand-over for another device"
        conn.execute(
            "INSERT INTO handovers(part, key, from_fp, token_sha256, announced) VALUES (?, ?, ?, ?, 1) "
            "ON CONFLICT(part) DO UPDATE SET announced = 1",
            (statement["part"], key, fp, statement["token_sha256"]),
        )
        return None
    if hashlib.sha256(fields["token"].encode()).hexdigest() != statement["token_sha256"]:
        return "its hand-over proof does not match"
    if part is not None and part[0] is not None:
        return "it claims a hand-over already taken in" + ("" if part[0] == fp else " by another device")
    if held is not None and held != statement["from_device"]:
        return "it claims a hand-over from a device that no longer holds this person"
    moving = _covered(conn, key) if held is not None else [key]
    for start in range(0, len(moving), 500):
        chunk = moving[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        conn.execute(
            f"UPDATE holders SET fingerprint = ?, since = ? WHERE fingerprint = ? AND key IN ({marks})",
            (fp, clock.stamp(), statement["from_device"], *chunk),
        )
    conn.execute("INSERT OR IGNORE INTO holders(key, fingerprint, since) VALUES (?, ?, ?)", (key, fp, clock.stamp()))
    conn.execute(
        "INSERT INTO handovers(part, key, from_fp, token_sha256, claimed_by, claimed_at) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(part) DO UPDATE SET claimed_by = excluded.claimed_by, "
        "claimed_at = excluded.claimed_at",
        (statement["part"], key, statement["from_device"], statement["token_sha256"], fp, clock.stamp()),
    )
    return None
