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
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

from ..errors import MentorAppError
from ..records import store
from ..records.consent import consent_in_force
from ..storage import audit
from ..storage.db import put_settings, transaction
from ..storage.files import fsync_dir
from . import batch as batch_format
from .enrolment import SHARED_FOLDER, current_enrolment
from .keys import device_key, pseudonym_secret
from .policy import NEVER_SHARED, decide, pseudonym_source

CURSOR = "exchange.cursor"
SEQUENCE = "exchange.sequence"
PREVIOUS = "exchange.previous_sha256"
SHARED_MENTEES = "exchange.shared_mentees"
PENDING = "exchange.pending_batch"
LAST_EXPORT = "exchange.last_export"
# People erased on request, waiting to be erased at the supervisor too:
# [{"mentee_id", "pseudonym", "records": [every id of theirs]}], ids only.
ERASURES = "exchange.erasures"
MIN_FREE_BYTES = 1024 * 1024
LOCK_RETRIES = 6


class ExportError(MentorAppError):
    pass


class DriveUnavailable(ExportError):
    pass


@dataclass(frozen=True)
class DriveStatus:
    reachable: bool
    words: str


@dataclass
class ExportResult:
    path: Path | None
    records: int
    sequence: int | None

    def words(self) -> str:
        if self.path is None:
            return "Nothing new to share."
        return f"Shared {self.records} record(s) in batch {self.sequence} ({self.path.name})."


def device_folder(shared: Path, profile) -> Path:
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


def _setting_int(profile, name: str) -> int:
    return int(profile.get_setting(name, "0") or 0)


def pending_changes(profile) -> int:
    """How many local changes are waiting for the next export."""
    cursor = _setting_int(profile, CURSOR)
    placeholders = ", ".join("?" for _ in NEVER_SHARED)
    return profile.conn.execute(
        f"SELECT count(*) FROM records WHERE change_seq > ? AND type NOT IN ({placeholders})",
        (cursor, *NEVER_SHARED)).fetchone()[0] + len(json.loads(profile.get_setting(ERASURES, "[]")))


def _mentee_of(s: store.Stored) -> str | None:
    return s.id if s.type == "mentee" else s.mentee_id


def build_records(profile, cursor: int, today: date | None = None,
                  about: dict | None = None) -> tuple[list[dict], int, list[str]]:
    """The records for a batch covering changes after `cursor`: (records, new cursor, mentees now shared).

    `about`, if given, is filled with {local mentee id: {basis: count}} for the audit trail.
    """
    conn = profile.conn
    pseudonym_of = pseudonym_source(conn, pseudonym_secret(profile))
    changed = store.changes_since(conn, cursor)
    new_cursor = max([s.change_seq for s in changed], default=cursor)
    previously = set(json.loads(profile.get_setting(SHARED_MENTEES, "[]")))
    mentees = store.list_records(conn, "mentee")
    shares = {m.id: consent_in_force(conn, m.id, "share_with_organisation", today).in_force for m in mentees}
    now_shared = {mid for mid, shared in shares.items() if shared}
    chosen = {s.id: s for s in changed}
    for mentee_id in now_shared - previously:
        # Consent given since the last export: their whole record goes, not only what changed.
        for s in [store.get(conn, mentee_id)] + store.list_records(conn, mentee_id=mentee_id):
            chosen[s.id] = s
    records = []
    for s in sorted(chosen.values(), key=lambda s: s.change_seq):
        decision = decide(conn, s, pseudonym_of, today, shares)
        if decision.payload is None:
            continue
        record = {"id": s.id, "type": s.type, "version": s.version, "base_version": s.version - 1,
                  "basis": decision.basis, "updated_at": s.updated_at, "author": s.author}
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
            record["pseudonym"] = pseudonym_of(mentee_id)
            if s.type == "mentee":
                record["id"] = record["pseudonym"]
        record["fields"] = decision.payload
        record["content_sha256"] = batch_format.content_hash(decision.payload)
        records.append(record)
        if about is not None and mentee_id:
            counts = about.setdefault(mentee_id, {})
            counts[decision.basis] = counts.get(decision.basis, 0) + 1
    erasures = json.loads(profile.get_setting(ERASURES, "[]"))
    erased = {e["mentee_id"] for e in erasures}
    for e in erasures:
        # After the tombstones: whatever the supervisor still holds about them goes, counts and notes too.
        fields = {"records": e["records"]}
        records.append({"id": f"erasure-{e['mentee_id']}", "type": "erasure", "version": 1, "base_version": 0,
                        "basis": "erasure", "mentee_id": e["mentee_id"], "pseudonym": e["pseudonym"],
                        "fields": fields, "content_sha256": batch_format.content_hash(fields)})
    for mentee_id in sorted(previously - now_shared - erased):
        records.append({"id": f"withdrawal-{mentee_id}-{new_cursor}", "type": "withdrawal", "version": 1,
                        "base_version": 0, "basis": "withdrawal", "mentee_id": mentee_id,
                        "pseudonym": pseudonym_of(mentee_id), "fields": {},
                        "content_sha256": batch_format.content_hash({})})
    return records, new_cursor, sorted(now_shared)


def _with_retries(action):
    """Run a file operation, waiting a little when a sync client or antivirus briefly holds the file."""
    for attempt in range(LOCK_RETRIES):
        try:
            return action()
        except PermissionError:
            if attempt == LOCK_RETRIES - 1:
                raise
            time.sleep(0.2 * 2 ** attempt)


def _place(folder: Path, name: str, data: bytes) -> Path:
    """Write `data` as folder/name without ever overwriting, then read it back."""
    final = folder / name
    tmp = folder / f".{name}.{uuid.uuid4().hex}.partial"

    def write():
        with open(tmp, "xb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())

    _with_retries(write)
    try:
        try:
            _with_retries(lambda: os.link(tmp, final))
        except FileExistsError:
            raise
        except OSError:
            # Some shares and USB sticks can't hard-link: check, then rename.
            if final.exists():
                raise FileExistsError(name) from None
            _with_retries(lambda: os.rename(tmp, final))
    finally:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass  # the drive went away: the temporary name is never read as a batch
    fsync_dir(folder)
    if hashlib.sha256(final.read_bytes()).hexdigest() != hashlib.sha256(data).hexdigest():
        raise ExportError("The batch on the shared drive doesn't read back as written. It was left there for the "
                          "supervisor to reject; the changes will go again in the next export.")
    return final


def _sequence_taken(folder: Path, sequence: int) -> Path | None:
    prefix = f"{sequence:08d}-"
    for entry in folder.iterdir() if folder.is_dir() else ():
        if entry.name.startswith(prefix) and entry.name.endswith(batch_format.SUFFIX):
            return entry
    return None


def _finish(profile, pending: dict) -> None:
    with transaction(profile.conn) as conn:
        put_settings(conn, {CURSOR: str(pending["cursor"]), SEQUENCE: str(pending["sequence"]),
                            PREVIOUS: pending["sha256"], SHARED_MENTEES: json.dumps(pending["shared"]),
                            LAST_EXPORT: datetime.now(timezone.utc).isoformat(timespec="seconds"), PENDING: ""})
        if pending.get("erased"):
            left = [e for e in json.loads(profile.get_setting(ERASURES, "[]")) if e["mentee_id"] not in pending["erased"]]
            put_settings(conn, {ERASURES: json.dumps(left)})
        # Whose records left the laptop, on what basis, and in which batch: no content.
        for mentee_id, counts in sorted(pending.get("about", {}).items()):
            audit.record(conn, "export", actor=profile.author, mentee_id=mentee_id, record_id=pending["name"],
                         detail=", ".join(f"{n} by {basis}" for basis, n in sorted(counts.items())))


def _resume(profile, folder: Path) -> None:
    """Settle a batch a crash left half-done: finish it if it reached the drive, else forget it."""
    raw = profile.get_setting(PENDING)
    if not raw:
        return
    pending = json.loads(raw)
    final = folder / pending["name"]
    if final.exists() and hashlib.sha256(final.read_bytes()).hexdigest() == pending["sha256"]:
        _finish(profile, pending)
    else:
        profile.set_setting(PENDING, "")


def _clean_partials(folder: Path) -> None:
    for entry in folder.glob(".*.partial"):
        entry.unlink(missing_ok=True)


def export(profile, to: str | Path | None = None, today: date | None = None) -> ExportResult:
    """Write one batch of everything new to the shared folder (or `to`)."""
    enrolment = current_enrolment(profile)
    if enrolment is None:
        raise ExportError("This profile isn't enrolled with a supervising organisation yet. Ask your supervisor "
                          "for an enrolment file, then run: mentor-app enrol FILE")
    shared = to or profile.get_setting(SHARED_FOLDER)
    status = drive_status(shared)
    if not status.reachable:
        raise DriveUnavailable(f"{status.words} {pending_changes(profile)} change(s) are waiting and will be "
                               "shared when it is back.")
    folder = device_folder(Path(shared), profile)
    folder.mkdir(exist_ok=True)
    _clean_partials(folder)
    _resume(profile, folder)
    from .publish import PublishedDirectoryInvalid, pick_up

    try:
        pick_up(profile)  # the organisation's directory travels the other way on the same trip
    except PublishedDirectoryInvalid:
        pass  # ignored; the mentor's copy stays as it was

    cursor = _setting_int(profile, CURSOR)
    about: dict = {}
    records, new_cursor, shared_mentees = build_records(profile, cursor, today, about)
    if not records:
        if new_cursor != cursor:
            profile.set_setting(CURSOR, str(new_cursor))
        return ExportResult(None, 0, None)
    sequence = _setting_int(profile, SEQUENCE) + 1
    clash = _sequence_taken(folder, sequence)
    if clash is not None:
        raise ExportError(
            f"The shared folder already has a batch numbered {sequence} from this device ({clash.name}). That "
            "happens when a profile is restored from an older backup or copied to another laptop. Nothing was "
            "written or overwritten; please ask your supervisor or IT contact before exporting again.")
    batch_id = str(uuid.uuid4())
    recipients = enrolment.recipients[:1] + ([enrolment.escrow_recipient] if enrolment.escrow_recipient else [])
    data = batch_format.seal(records=records, sequence=sequence, batch_id=batch_id,
                             previous_hash=profile.get_setting(PREVIOUS, "") or "",
                             created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                             device_key=device_key(profile), mentor_name=profile.display_name,
                             recipients=recipients)
    name = batch_format.batch_name(sequence, batch_id)
    pending = {"name": name, "sequence": sequence, "cursor": new_cursor, "shared": shared_mentees,
               "sha256": hashlib.sha256(data).hexdigest(), "about": about,
               "erased": [r["mentee_id"] for r in records if r["type"] == "erasure"]}
    profile.set_setting(PENDING, json.dumps(pending))
    try:
        path = _place(folder, name, data)
    except FileExistsError:
        profile.set_setting(PENDING, "")
        raise ExportError(f"A batch named {name} appeared on the drive while exporting. Nothing was overwritten; "
                          "try again.") from None
    except OSError as exc:
        profile.set_setting(PENDING, "")
        why = "is full" if exc.errno == errno.ENOSPC else "went away or refused the file"
        raise DriveUnavailable(f"The shared drive {why} while exporting. Nothing was lost: the "
                               f"{pending_changes(profile)} change(s) will go in the next export.") from None
    _finish(profile, pending)
    return ExportResult(path, len(records), sequence)
