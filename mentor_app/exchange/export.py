"""Exporting to the shared folder: incremental, consent-aware, crash-safe, never overwriting.

The cursor (the last local change a batch covered) moves only after the batch
is on the drive under its final name and has been read back. A batch being
written is remembered in the profile first, so a crash at any point either
finishes that batch on the next run or writes it again; never both.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import secrets
import shutil
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import clock
from ..errors import MentorAppError
from ..records import checkins, store
from ..records.consent import consent_in_force
from ..records.vocab import ConsentScope
from ..setting_keys import (
    CURSOR,
    ERASURES,
    HANDOVERS,
    HELD_BACK,
    PENDING,
    PREVIOUS,
    PSEUDONYM_OVERRIDE,
    SEQUENCE,
    SHARED_MENTEES,
)
from ..setting_keys import LAST_EXPORT as LAST_EXPORT  # the Sharing screen reads it from here
from ..storage import audit
from ..storage.db import put_settings, transaction
from . import batch as batch_format
from . import drive, outbox
from .keys import device_key, pseudonym_secret
from .policy import NEVER_SHARED, decide, pseudonym_source
from .validate import check_record

if TYPE_CHECKING:
    from ..storage.db import Connection
    from ..storage.profile import Profile
    from .enrolment import Enrolment
    from .keys import SigningKey

log = logging.getLogger(__name__)

MIN_FREE_BYTES = 1024 * 1024


class ExportError(MentorAppError):
    pass


class DriveUnavailable(ExportError):
    pass


@dataclass(frozen=True)
class DriveStatus:
    reachable: bool
    words: str


def device_folder(shared: Path, profile: Profile) -> Path:
    return Path(shared) / ("device-" + device_key(profile).fingerprint.replace("-", "").lower())


def drive_status(folder: str | Path | None) -> DriveStatus:
    """Whether the shared folder can take a batch now: it exists, a real write works, and it has room."""
    if not folder:
        return DriveStatus(False, "No shared folder is set up yet.")
    path = Path(folder)
    if not path.is_dir():
        return DriveStatus(False, "Shared drive not found.")
    probe = path / f".probe-{uuid.uuid4().hex}.tmp"
    try:
        with open(probe, "xb") as fh:
            fh.write(b"probe")
            fh.flush()
            os.fsync(fh.fileno())
        probe.unlink()
    except OSError as exc:
        try:
            probe.unlink(missing_ok=True)
        except OSError:
            pass
        if exc.errno == errno.ENOSPC:
            return DriveStatus(False, "The shared drive is full.")
        return DriveStatus(False, "The shared drive can't be written to (it may be read-only).")
    if shutil.disk_usage(path).free < MIN_FREE_BYTES:
        return DriveStatus(False, "The shared drive is full.")
    return DriveStatus(True, "Shared drive reachable.")


def _setting_int(profile: Profile, name: str) -> int:
    return int(profile.get_setting(name, "0") or 0)


def pending_changes(profile: Profile) -> int:
    """How many local changes are waiting for the next export."""
    cursor = _setting_int(profile, CURSOR)
    placeholders = ", ".join("?" for _ in NEVER_SHARED)
    changed: int = profile.conn.execute(
        f"SELECT count(*) FROM records WHERE change_seq > ? AND type NOT IN ({placeholders})", (cursor, *NEVER_SHARED)
    ).fetchone()[0]
    return changed + len(profile.get_json(ERASURES, [])) + len(profile.get_json(HANDOVERS, []))


def _mentee_of(s: store.Stored) -> str | None:
    return s.id if s.type == "mentee" else s.mentee_id


def build_records(
    profile: Profile,
    cursor: int,
    today: date | None = None,
    about: dict[str, dict[str, int]] | None = None,
    again: list[str] | None = None,
) -> tuple[list[dict[str, Any]], int, list[str]]:
    """The records for a batch covering changes after `cursor`: (records, new cursor, mentees now shared).

    `about`, if given, is filled with {local mentee id: {basis: count}} for the audit trail.
    """
    conn = profile.conn
    pseudonym_of = pseudonym_source(conn, pseudonym_secret(profile))
    changed = store.changes_since(conn, cursor)
    new_cursor = max([s.change_seq for s in changed], default=cursor)
    previously = set(profile.get_json(SHARED_MENTEES, []))
    mentees = store.list_records(conn, "mentee")
    # Consent and names are decided once per person for the whole trip, not once per record.
    shares = {m.id: consent_in_force(conn, m.id, ConsentScope.SHARE_WITH_ORGANISATION, today).in_force for m in mentees}
    names = {m.id: m.record.title() for m in mentees}
    now_shared = {mid for mid, shared in shares.items() if shared}
    chosen = {s.id: s for s in changed}
    for rid in again or ():  # kept back last time: tried again
        held = store.get(conn, rid, include_deleted=True)
        if held is not None:
            chosen.setdefault(rid, held)
    newly = sorted(now_shared - previously)
    if newly:
        # Consent given since the last export: their whole record goes, not only what changed
        # (what changed since the cursor is in `changed` already).
        by_id = {m.id: m for m in mentees}
        for mid in newly:
            chosen[mid] = by_id[mid]
        for start in range(0, len(newly), 500):
            part = newly[start : start + 500]
            for s in store.select(
                conn, f"mentee_id IN ({', '.join('?' for _ in part)}) AND change_seq <= ?", (*part, cursor)
            ):
                chosen[s.id] = s
    records: list[dict[str, Any]] = []
    for s in sorted(chosen.values(), key=lambda s: s.change_seq):
        decision = decide(conn, s, pseudonym_of, today, shares, names)
        if decision.payload is None:
            continue
        record = batch_format.Record(
            id=s.id,
            type=s.type,
            version=s.version,
            base_version=s.version - 1,
            basis=decision.basis,
            updated_at=s.updated_at,
            author=s.author,
        )
        mentee_id = _mentee_of(s)
        if s.deleted:
            record["deleted"] = True
            if s.type == "mentee" and s.id not in previously:
                # The supervisor only ever knew this person by their pseudonym.
                record["id"] = pseudonym_of(s.id)
        elif decision.basis == "consent" and mentee_id:
            record["mentee_id"] = mentee_id
            record["pseudonym"] = pseudonym_of(mentee_id)
        elif decision.basis == "safeguarding":
            # Named so the supervisor can act, but without the pseudonym: it must not
            # link the identity-free counts of someone who has not consented to their name.
            record["mentee_id"] = mentee_id
        elif decision.basis == "counts":
            assert mentee_id is not None, "counts are only ever of a mentee's records"
            record["pseudonym"] = pseudonym_of(mentee_id)
            if s.type == "mentee":
                record["id"] = record["pseudonym"]
        record.set_fields(decision.payload)
        records.append(record)
        if about is not None and mentee_id:
            counts = about.setdefault(mentee_id, {})
            counts[decision.basis] = counts.get(decision.basis, 0) + 1
    erasures = profile.get_json(ERASURES, [])
    erased = {e["mentee_id"] for e in erasures}
    for e in erasures:
        # After the tombstones: whatever the supervisor still holds about them goes, counts and notes too.
        fields = {"records": e["records"]}
        records.append(
            {
                "id": f"erasure-{e['mentee_id']}",
                "type": "erasure",
                "version": 1,
                "base_version": 0,
                "basis": "erasure",
                "mentee_id": e["mentee_id"],
                "pseudonym": e["pseudonym"],
                "fields": fields,
                "content_sha256": batch_format.content_hash(fields),
            }
        )
    for mentee_id in sorted(previously - now_shared - erased):
        # From now on the person's counts go under a new pseudonym: the old one names them to the supervisor.
        fresh = {"new_pseudonym": "p-" + secrets.token_hex(12)}
        records.append(
            {
                "id": f"withdrawal-{mentee_id}-{new_cursor}",
                "type": "withdrawal",
                "version": 1,
                "base_version": 0,
                "basis": "withdrawal",
                "mentee_id": mentee_id,
                "pseudonym": pseudonym_of(mentee_id),
                "fields": fresh,
                "content_sha256": batch_format.content_hash(fresh),
            }
        )
    # Hand-overs first: a proof of holding must reach the supervisor before the records it covers.
    handovers = [
        {
            "id": f"handover-{h['statement']['part']}{'-in' if 'token' in h else ''}",
            "type": "handover",
            "basis": "handover",
            "version": 1,
            "base_version": 0,
            "fields": h,
            "content_sha256": batch_format.content_hash(h),
        }
        for h in profile.get_json(HANDOVERS, [])
    ]
    return handovers + records, new_cursor, sorted(now_shared)


def _records_are_sound(records: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    """The records any reader will accept, and (id, reason) for any the app must not seal (kept back, not lost)."""
    sound, held = [], []
    for r in records:
        problem = check_record(r, batch_format.encoded_fields(r))
        if problem:
            held.append((str(r.get("id", ""))[:120], problem))
        else:
            sound.append(r)
    return sound, held


def real_clash(folder: Path, sequence: int, key: SigningKey) -> Path | None:
    """A batch signed by this device's own key already carrying `sequence`: a restored or copied profile.

    Anything else with that number (an empty file, junk, someone else's batch) is not obeyed. Only the
    envelope line is read: a signature by this device's key is enough to know it wrote the file.
    """
    prefix = f"{sequence:08d}-"
    for entry in drive.entries(folder, suffix=batch_format.SUFFIX):
        if not entry.path.name.startswith(prefix):
            continue
        try:
            envelope = batch_format.read_envelope(drive.read_head(entry.path, batch_format.ENVELOPE_HEAD), whole=False)
        except OSError:
            continue
        if envelope is not None and envelope.device_key == key.public and envelope.sequence == sequence:
            return entry.path
    return None


def strangers(folder: Path, conn: Connection) -> list[str]:
    """Files in this device's folder that are not its batches: reported on the Sharing screen, never obeyed."""
    ours = {n for row in conn.execute("SELECT name, placed_name FROM outbox") for n in row if n}
    return [e.name for e in drive.entries(folder) if e.path.name not in ours]


def _resume_v1(profile: Profile, folder: Path) -> None:
    """Settle a batch an older version of the app was writing when it stopped: finish it if it is there."""
    raw = profile.get_setting(PENDING)
    if not raw:
        return
    pending = json.loads(raw)
    try:
        data = drive.read_limited(folder / pending["name"], batch_format.MAX_BYTES)
    except (OSError, drive.TooLarge):
        data = b""
    with transaction(profile.conn) as conn:
        if hashlib.sha256(data).hexdigest() == pending["sha256"]:
            put_settings(
                conn,
                {
                    CURSOR: str(pending["cursor"]),
                    SEQUENCE: str(pending["sequence"]),
                    PREVIOUS: pending["sha256"],
                    SHARED_MENTEES: json.dumps(pending["shared"]),
                },
            )
        put_settings(conn, {PENDING: ""})


def _urgent(r: dict[str, Any]) -> bool:
    # A safeguarding concern, or a missed check-in (in full with consent, or as a mentor-safety item).
    return r["type"] == "concern" or (
        r["type"] == "risk_assessment" and not r.get("deleted") and checkins.missed_in(r["fields"])
    )


def _split_concerns_first(records: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """A concern is never held back behind a large batch: concerns (and missed check-ins) travel in their
    own batch, first.

    Hand-over proofs go with them, so a concern about someone just taken over arrives as theirs.
    """
    if not any(_urgent(r) for r in records) or len(records) < 2:
        return [records]
    first = [r for r in records if _urgent(r) or r["type"] == "handover"]
    rest = [r for r in records if not (_urgent(r) or r["type"] == "handover")]
    return [part for part in (first, rest) if part]


def seal_new(
    profile: Profile, folder: Path, enrolment: Enrolment, today: date | None = None, key: SigningKey | None = None
) -> list[tuple[int, str, int]]:
    """Seal everything changed since the last batch into the outbox; [(sequence, file name, records)].

    The cursor moves in the same transaction that keeps the sealed bytes, so a crash leaves
    either both or neither.
    """
    key = key or device_key(profile)
    conn = profile.conn
    # A check-in missed while the window was not watching (closed, or a command sharing) goes in this batch.
    checkins.note_missed(conn, profile.author)
    cursor = _setting_int(profile, CURSOR)
    held_before = profile.get_json(HELD_BACK, [])
    about: dict[str, dict[str, int]] = {}
    records, new_cursor, shared_mentees = build_records(
        profile, cursor, today, about, again=[h["id"] for h in held_before]
    )
    records, held = _records_are_sound(records)
    if held:
        # Never sealed, never lost: the record stays on this laptop and is tried again on every trip.
        log.warning("export: %d record(s) kept back by the record check", len(held))
    held_values = {HELD_BACK: json.dumps([{"id": rid, "reason": why} for rid, why in held])}
    if not records:
        with transaction(conn):
            put_settings(conn, {CURSOR: str(new_cursor), SHARED_MENTEES: json.dumps(shared_mentees), **held_values})
        return []
    sequence = max(_setting_int(profile, SEQUENCE), outbox.last_sequence(conn)) + 1
    clash = real_clash(folder, sequence, key)
    if clash is not None:
        raise ExportError(
            f"The shared folder already has a batch numbered {sequence} from this device "
            f"({drive.shown_name(clash.name)}). That happens when a profile is restored from an older backup or "
            "copied to another laptop. Nothing was written or overwritten; please ask your supervisor or IT contact "
            "before exporting again."
        )
    recipients = enrolment.recipients[:1] + ([enrolment.escrow_recipient] if enrolment.escrow_recipient else [])
    previous = profile.get_setting(PREVIOUS, "") or ""
    now = clock.stamp()
    sealed = []
    for part in _split_concerns_first(records):
        batch_id = str(uuid.uuid4())
        data = batch_format.seal(
            records=part,
            sequence=sequence,
            batch_id=batch_id,
            previous_hash=previous,
            created_at=now,
            device_key=key,
            mentor_name=profile.display_name,
            recipients=recipients,
        )
        sealed.append((sequence, batch_format.batch_name(sequence, batch_id), batch_id, data, part))
        previous = hashlib.sha256(data).hexdigest()
        sequence += 1
    erased = [r["mentee_id"] for r in records if r["type"] == "erasure"]
    with transaction(conn):
        for seq, name, batch_id, data, part in sealed:
            outbox.add_in(
                conn,
                sequence=seq,
                batch_id=batch_id,
                name=name,
                data=data,
                records=len(part),
                concerns=[r["id"] for r in part if r["type"] == "concern"],
            )
        put_settings(
            conn,
            {
                CURSOR: str(new_cursor),
                SEQUENCE: str(sealed[-1][0]),
                PREVIOUS: previous,
                SHARED_MENTEES: json.dumps(shared_mentees),
                LAST_EXPORT: now,
                **held_values,
            },
        )
        if erased:
            left = [e for e in profile.get_json(ERASURES, []) if e["mentee_id"] not in erased]
            put_settings(conn, {ERASURES: json.dumps(left)})
        put_settings(
            conn,
            {
                PSEUDONYM_OVERRIDE + r["mentee_id"]: r["fields"]["new_pseudonym"]
                for r in records
                if r["type"] == "withdrawal"
            },
        )
        sent = {r["id"] for r in records if r["type"] == "handover"}
        if sent:
            left = [
                h
                for h in profile.get_json(HANDOVERS, [])
                if f"handover-{h['statement']['part']}{'-in' if 'token' in h else ''}" not in sent
            ]
            put_settings(conn, {HANDOVERS: json.dumps(left)})
        # Whose records left the laptop, on what basis, and in which batch: no content.
        for mentee_id, counts in sorted(about.items()):
            audit.record(
                conn,
                "export",
                actor=profile.author,
                mentee_id=mentee_id,
                record_id=sealed[0][1],
                detail=", ".join(f"{n} by {basis}" for basis, n in sorted(counts.items())),
            )
    return [(seq, name, len(part)) for seq, name, _, _, part in sealed]
