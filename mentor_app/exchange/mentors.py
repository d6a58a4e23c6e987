"""The supervisor's register of mentor devices: pending until a person checks the fingerprint.

Approving takes the fingerprint the mentor reads out from their own app, never one the supervisor's app
suggests. A device is known by its full public key: a batch from a different key whose fingerprint
happens to be the same is never taken for the approved device. The name a batch carries is the device's
own claim (anyone who can read the public enrolment file can make a pending device with any name), so
it is shown as "NAME (name given by the device)" until the supervisor gives the name on approving.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from .. import clock
from ..errors import BadInput
from ..records.dates import shown_date
from ..setting_keys import APPROVED_KEYS
from ..storage.db import put_settings, transaction
from ..words import count
from .keys import b64, fingerprint, normalise_fingerprint

if TYPE_CHECKING:
    from ..storage.db import Connection

log = logging.getLogger(__name__)
CLAIMED = " (name given by the device)"


@dataclass(frozen=True)
class MentorDevice:
    fingerprint: str
    mentor_name: str
    status: str
    first_seen: str
    last_sequence: int = 0  # the last batch received without a gap
    last_received_at: str = ""  # when it arrived
    waiting_for: int | None = None  # a later batch is here, this one is not
    waiting_since: str = ""
    revoked_from_sequence: int | None = None
    revoked_after: str = ""
    name_given_by_device: bool = False  # mentor_name (shown with CLAIMED) is what the device's batches say

    @property
    def shown_fingerprint(self) -> str:
        """The fingerprint as lists show it; a device waiting for approval shows none: the mentor reads it out."""
        return self.fingerprint if self.status != "pending" else "(ask the mentor to read it out)"

    def delivery_words(self) -> str:
        """What has arrived from this device, in a sentence: the Mentors tab and `mentor-app mentors`."""
        got = (
            f"{count(self.last_sequence, 'batch', 'batches')} received, the last on {shown_date(self.last_received_at)}"
            if self.last_sequence
            else "nothing received yet"
        )
        if self.waiting_for:
            got += f"; waiting for batch {self.waiting_for} since {shown_date(self.waiting_since)}"
        if self.status == "revoked":
            if self.revoked_from_sequence:
                got += f"; revoked from batch {self.revoked_from_sequence}"
            elif self.revoked_after:
                got += f"; revoked for batches written after {shown_date(self.revoked_after)}"
        return got


def list_devices(conn: Connection) -> list[MentorDevice]:
    rows = conn.execute(
        "SELECT d.fingerprint, d.mentor_name, d.status, d.first_seen, coalesce(b.sequence, 0), "
        "coalesce(b.imported_at, ''), d.waiting_for, coalesce(d.waiting_since, ''), d.revoked_from_sequence, "
        "coalesce(d.revoked_after, '') FROM mentor_devices d LEFT JOIN imported_batches b ON b.fingerprint = "
        "d.fingerprint AND b.sequence = (SELECT max(sequence) FROM imported_batches WHERE fingerprint = d.fingerprint) "
        "ORDER BY d.status, d.mentor_name"
    )
    named = _approved_keys(conn)
    devices = []
    for (
        fp,
        mentor_name,
        status,
        first_seen,
        last_sequence,
        last_received_at,
        waiting_for,
        waiting_since,
        revoked_from_sequence,
        revoked_after,
    ) in rows:
        claimed = fp not in named and status != "approved"
        name = f"{mentor_name}{CLAIMED}" if claimed and mentor_name else mentor_name
        devices.append(
            MentorDevice(
                fp,
                name,
                status,
                first_seen,
                last_sequence,
                last_received_at,
                waiting_for,
                waiting_since,
                revoked_from_sequence,
                revoked_after,
                name_given_by_device=claimed,
            )
        )
    return devices


def _approved_keys(conn: Connection) -> dict[str, str]:
    row = conn.execute("SELECT value FROM settings WHERE key = ?", (APPROVED_KEYS,)).fetchone()
    try:
        found = json.loads(row[0]) if row else {}
    except ValueError:
        found = {}
    return found if isinstance(found, dict) else {}


def _known_key(conn: Connection, fp: str) -> str | None:
    """The full public key this fingerprint stands for: the one approved, else the one first seen."""
    approved = _approved_keys(conn).get(fp)
    if approved:
        return approved
    row: tuple[str] | None = conn.execute(
        "SELECT device_key FROM mentor_devices WHERE fingerprint = ?", (fp,)
    ).fetchone()
    return row[0] if row else None


def refuses(conn: Connection, fp: str, sequence: int, created_at: str) -> bool:
    """Whether a revoked device's batch falls after the point it was revoked from (no point: all of them)."""
    row: tuple[int | None, str | None] | None = conn.execute(
        "SELECT revoked_from_sequence, revoked_after FROM mentor_devices WHERE fingerprint = ?", (fp,)
    ).fetchone()
    if row is None:
        return True
    from_sequence, after = row
    if from_sequence is not None:
        return sequence >= from_sequence
    if after:
        # The laptop's own clock wrote created_at: the README says when to trust it.
        return created_at[:10] > after
    return True


def device_status(conn: Connection, fp: str) -> str | None:
    row: tuple[str] | None = conn.execute("SELECT status FROM mentor_devices WHERE fingerprint = ?", (fp,)).fetchone()
    return row[0] if row else None


def note_device(conn: Connection, device_key: bytes, mentor_name: str) -> str:
    """Remember a device seen in a batch; a new one waits for approval. Returns its status."""
    fp = fingerprint(device_key)
    status = device_status(conn, fp)
    if status is None:
        conn.execute(
            "INSERT INTO mentor_devices(fingerprint, device_key, mentor_name, status, first_seen) "
            "VALUES (?, ?, ?, 'pending', ?)",
            (fp, b64(device_key), mentor_name[:200], clock.stamp()),
        )
        return "pending"
    if _known_key(conn, fp) != b64(device_key):
        # Same short fingerprint, different key: not the device that was checked and approved. Its batches
        # wait as from an unapproved device, and approving this fingerprint never lets them in.
        log.warning("a batch's device key differs from the known key with the same fingerprint")
        return "pending"
    return status


def key_differs(conn: Connection, device_key: bytes) -> bool:
    """Whether a device key shares its fingerprint with a different key the register already knows."""
    known = _known_key(conn, fingerprint(device_key))
    return known is not None and known != b64(device_key)


def _decide(
    conn: Connection, fp: str, status: str, name: str | None = None, from_sequence: int | None = None, after: str = ""
) -> MentorDevice:
    fp = normalise_fingerprint(fp)
    if device_status(conn, fp) is None:
        raise BadInput(
            f"No mentor device with fingerprint {fp} has sent anything yet. Import their folder first, "
            "then check the fingerprint with the mentor (they see it with: mentor-app fingerprint)."
        )
    with transaction(conn):
        if name:
            conn.execute("UPDATE mentor_devices SET mentor_name = ? WHERE fingerprint = ?", (name.strip()[:200], fp))
        conn.execute(
            "UPDATE mentor_devices SET status = ?, decided_at = ?, revoked_from_sequence = ?, "
            "revoked_after = ? WHERE fingerprint = ?",
            (status, clock.stamp(), from_sequence, after or None, fp),
        )
        if status == "approved":
            # Their batches held back as 'unknown' are looked at again on the next import.
            conn.execute("DELETE FROM quarantine WHERE fingerprint = ? AND retry = 1", (fp,))
    return next(d for d in list_devices(conn) if d.fingerprint == fp)


NOT_THIS_DEVICE = (
    "That isn't the fingerprint of the device you chose. Don't approve it: ask the mentor to read "
    "out the fingerprint on their Sharing screen again (they also see it with: mentor-app "
    "fingerprint). Nothing was changed."
)
NO_SUCH_DEVICE = (
    "No device in the register has that fingerprint. Check it with the mentor again (they see it "
    "on their Sharing screen, or with: mentor-app fingerprint); if it is right, import their folder "
    "first. Nothing was changed."
)


def approve(conn: Connection, read_out: str, name: str, chosen: str | None = None) -> MentorDevice:
    """Approve the device whose fingerprint the mentor read out; with `chosen` (the one selected), it must be that one.

    No message here ever names the device's fingerprint: the supervisor has to hear it from the mentor.
    """
    if not name.strip():
        raise BadInput("Give the mentor's name with --name, so their records show who they are from.")
    fp = normalise_fingerprint(read_out or "")
    if not fp:
        raise BadInput("Type the fingerprint the mentor reads out to you from their app. Nothing was changed.")
    if chosen is not None and fp != normalise_fingerprint(chosen):
        raise BadInput(NOT_THIS_DEVICE)
    if device_status(conn, fp) is None:
        raise BadInput(NO_SUCH_DEVICE)
    key = conn.execute("SELECT device_key FROM mentor_devices WHERE fingerprint = ?", (fp,)).fetchone()[0]
    approved = _approved_keys(conn)
    if approved.get(fp, key) != key:
        raise BadInput(NO_SUCH_DEVICE)
    approved[fp] = key  # the full key checked now: a different key with this fingerprint is never this device
    with transaction(conn):
        put_settings(conn, {APPROVED_KEYS: json.dumps(approved, sort_keys=True)})
    return _decide(conn, fp, "approved", name)


def revoke(conn: Connection, fp: str, from_sequence: int | None = None, after: str = "") -> MentorDevice:
    """Refuse a device's batches: all not yet imported, or those from a sequence number or after a date."""
    if from_sequence is not None and after:
        raise BadInput("Revoke from a batch number or after a date, not both.")
    if from_sequence is not None and from_sequence < 1:
        raise BadInput("Batch numbers start at 1.")
    if after:
        try:
            after = date.fromisoformat(after).isoformat()
        except ValueError:
            raise BadInput("Give the date like 2026-03-31.") from None
    return _decide(conn, fp, "revoked", from_sequence=from_sequence, after=after)
