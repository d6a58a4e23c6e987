"""The supervisor's import: every mentor device's batches, verified, applied once, record by record.

Nothing a drive holds is trusted: a batch must decrypt with the organisation's
keys, carry a valid signature from an approved device and follow that device's
sequence without gaps or forks. A batch that fails is set aside with a plain
reason; inside a good batch, a record the check refuses is set aside alone and
the rest apply, so no single file or record stops a mentor's channel. Files are
size-checked before reading, links out of the folder are not followed, and any
file name can be shown. Importing the same folder again changes nothing; each
import leaves a signed receipt so mentors' apps know what arrived.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import clock
from ..errors import BadInput
from ..records import checkins
from ..records.identity import AGE_BAND, age_band_when_referred
from ..storage import audit
from ..storage.db import transaction
from ..words import count
from . import batch as batch_format
from . import drive, holders, requests
from .keys import fingerprint, normalise_fingerprint, organisation_keys
from .mentors import key_differs, note_device, refuses
from .policy import COUNT_FIELDS, SAFETY_FIELDS
from .receipts import write_receipt
from .validate import BASES, RECORD_TYPES_IN, check_record  # noqa: F401 - re-exported for the fuzz tests

if TYPE_CHECKING:
    from ..storage.db import Connection
    from ..storage.profile import Profile

MAX_BATCH_BYTES = batch_format.MAX_BYTES
# Pages kept in memory while records are applied: a batch's inserts land all over the shared records'
# indexes, and with the default cache each one read and decrypted pages again and spilled half-done
# work to disk mid-transaction. Kept for the rest of the connection's life; a cache never holds more
# than the pages used.
APPLY_CACHE_KIB = 64 * 1024
GAP = "gap:"  # the sha256 column of a batch accepted as lost: a placeholder that no real file can have


@dataclass
class ImportSummary:
    batches_imported: int = 0
    records_applied: int = 0
    already_imported: int = 0
    quarantined: list[tuple[str, str]] = field(default_factory=list)  # (file name, reason)
    waiting: list[tuple[str, str]] = field(default_factory=list)  # held back for a missing batch
    refused: list[tuple[str, str]] = field(default_factory=list)  # (file name, why one record was refused)
    withdrawals: int = 0
    cancelled: bool = False
    receipt: Path | None = None
    # What withdrawals and erasures changed, so the supervisor's backups can be brought into line.
    left: dict[str, set[str]] = field(default_factory=lambda: {"ids": set(), "people": set(), "pseudonyms": set()})

    @property
    def hint(self) -> str:
        """What to look at next (errors.MentorAppError's hints): what was set aside, if anything."""
        return "set_aside" if self.quarantined or self.refused else ""

    def words(self) -> str:
        parts = [
            f"{count(self.batches_imported, 'batch', 'batches')} imported ({count(self.records_applied, 'record')})"
        ]
        if self.already_imported:
            parts.append(f"{self.already_imported} already imported")
        if self.withdrawals:
            parts.append(f"{count(self.withdrawals, 'consent withdrawal')}: their names and notes were removed")
        if self.waiting:
            parts.append(f"{count(len(self.waiting), 'batch', 'batches')} waiting for an earlier batch")
        if self.quarantined:
            parts.append(f"{count(len(self.quarantined), 'file')} set aside")
        if self.refused:
            parts.append(f"{count(len(self.refused), 'record')} refused inside good batches (listed under Set aside)")
        if self.cancelled:
            parts.append("stopped early at your request; run it again to carry on")
        return "; ".join(parts) + "."


def _quarantine(
    conn: Connection,
    summary: ImportSummary,
    entry: drive.Entry,
    sha: str,
    reason: str,
    code: str,
    fp: str | None = None,
    sequence: int | None = None,
    retry: bool = False,
) -> None:
    conn.execute(
        "INSERT INTO quarantine(sha256, file_name, fingerprint, sequence, reason, retry, first_seen, seen, "
        "code) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(sha256) DO UPDATE SET reason = excluded.reason, "
        "retry = excluded.retry, seen = excluded.seen, code = excluded.code, "
        "fingerprint = coalesce(excluded.fingerprint, fingerprint), "
        "sequence = coalesce(excluded.sequence, sequence)",
        (sha, entry.name, fp, sequence, reason, int(retry), clock.stamp(), entry.seen, code),
    )
    summary.quarantined.append((entry.name, reason))


def _counts_of(rtype: str, data: dict[str, Any]) -> dict[str, Any]:
    """What identity-free counts keep of a record: the counting fields, and the month and week it belongs to."""
    counts = {k: data.get(k) for k in COUNT_FIELDS[rtype]}
    if rtype == "mentee":  # counted by age band still, as their mentor's app does, without the date of birth
        counts[AGE_BAND] = data.get(AGE_BAND) or age_band_when_referred(data, clock.today()).value
    day = str(data.get("starts_at") or data.get("on") or data.get("month") or "")[:10]
    if data.get("month"):
        counts["month"] = data["month"]
        if data.get("week"):
            counts["week"] = data["week"]
    elif day:
        counts["month"] = day[:7]
        try:
            monday = date.fromisoformat(day) - timedelta(days=date.fromisoformat(day).weekday())
            counts["week"] = monday.isoformat()
        except ValueError:
            pass
    return counts


def _safety_of(rtype: str, data: dict[str, Any]) -> dict[str, Any] | None:
    """What a record shared in full keeps without consent as a mentor-safety item (a missed check-in), or None."""
    if rtype not in SAFETY_FIELDS or not checkins.missed_in(data):
        return None
    return {k: data.get(k, "") for k in SAFETY_FIELDS[rtype]}


def _strip_to_counts(conn: Connection, mentee_id: str, old_pseudonym: str, new_pseudonym: str) -> set[str]:
    """Keep only what identity-free counts need of a mentee who withdrew consent, unlinkable to them.

    Nothing kept names them: no mentee id, not the pseudonym they were shared under (the mentor's app
    sends a new one, which never travels beside their id again), not the person record's id. Each
    stripped row gets the hash of what it now holds, so a record sent again after consent is given
    again is not mistaken for one already held. Returns every record id touched.
    """
    rows = conn.execute(
        "SELECT rowid, id, type, fields, basis FROM shared_records WHERE (mentee_id = ? AND basis = 'consent') "
        "OR (coalesce(pseudonym, '') != '' AND pseudonym = ? AND basis = 'counts')",
        (mentee_id, old_pseudonym),
    ).fetchall()
    touched: set[str] = set()
    for rowid, rid, rtype, fields, _basis in rows:
        touched.add(rid)
        data = json.loads(fields)
        safety = _safety_of(rtype, data)
        if safety is not None:
            conn.execute(
                "UPDATE shared_records SET fields = ?, basis = 'safety', mentee_id = NULL, pseudonym = NULL, "
                "content_sha256 = ? WHERE rowid = ?",
                (json.dumps(safety), batch_format.content_hash(safety), rowid),
            )
            continue
        if COUNT_FIELDS.get(rtype) is None:
            conn.execute("DELETE FROM shared_records WHERE rowid = ?", (rowid,))
            continue
        counts = _counts_of(rtype, data)
        # The person's own record is known by its pseudonym when shared as counts, never by their id.
        new_id = new_pseudonym if rtype == "mentee" and new_pseudonym else rid
        conn.execute(
            "UPDATE shared_records SET id = ?, fields = ?, basis = 'counts', mentee_id = NULL, pseudonym = ?, "
            "content_sha256 = ? WHERE rowid = ?",
            (new_id, json.dumps(counts), new_pseudonym or None, batch_format.content_hash(counts), rowid),
        )
        touched.add(new_id)
    if old_pseudonym:
        conn.execute("DELETE FROM holders WHERE key = ?", ("p:" + old_pseudonym,))
    return touched


def _erase(conn: Connection, r: dict[str, Any], fp: str, touched: set[str] | None = None) -> None:
    """A person erased on request at the mentor's laptop: nothing about them stays here either."""
    mentee_id, pseudonym = r.get("mentee_id") or "", r.get("pseudonym") or ""
    named = {str(i) for i in r["fields"].get("records", []) if isinstance(i, str)} | {mentee_id, pseudonym}
    # By id and by name link, whichever device sent them: a person handed over between mentors keeps
    # their ids, and an erasure is owed wherever they are held.
    linked = {
        row[0]
        for row in conn.execute(
            "SELECT id FROM shared_records WHERE (mentee_id != '' AND mentee_id = ?) "
            "OR (pseudonym != '' AND pseudonym = ?)",
            (mentee_id, pseudonym),
        )
    }
    held = {
        i: t
        for i in sorted(named | linked)
        if i
        for (t,) in conn.execute("SELECT type FROM shared_records WHERE id = ? LIMIT 1", (i,))
    }
    ids = [i for i, t in held.items() if t != "concern"]
    if touched is not None:
        touched.update(held)
    for rid in ids:
        conn.execute("DELETE FROM shared_records WHERE id = ?", (rid,))
        conn.execute("DELETE FROM supervisor_notes WHERE record_id = ?", (rid,))
    # Concerns, and the supervisor's notes about the person, wait for the supervisor to decide.
    concerns = [i for i, t in held.items() if t == "concern"]
    for rid in concerns:
        requests.request_in(conn, rid, fp, "erase")
    if not concerns:
        conn.execute("DELETE FROM supervisor_notes WHERE record_id = ?", (mentee_id,))
    conn.execute("DELETE FROM withdrawals WHERE mentee_id = ?", (mentee_id,))
    # Who held them goes too (their pseudonym is a key here); a concern waiting for a decision keeps its own.
    gone = ["p:" + pseudonym] + ([] if concerns else ["m:" + mentee_id]) + ["r:" + i for i in ids]
    for start in range(0, len(gone), 500):
        chunk = gone[start : start + 500]
        conn.execute(f"DELETE FROM holders WHERE key IN ({', '.join('?' for _ in chunk)})", chunk)
    audit.record(
        conn,
        "erase",
        record_type="mentee",
        record_id=mentee_id,
        mentee_id=mentee_id,
        detail=f"on request, from device {fp}: {count(len(ids), 'shared record')} removed"
        + (f", {count(len(concerns), 'concern')} waiting for your decision" if concerns else ""),
    )


def _apply(
    conn: Connection,
    r: dict[str, Any],
    fp: str,
    sequence: int,
    withdrawals: bool = True,
    touched: set[str] | None = None,
) -> bool:
    """Apply one record; False when it changes nothing (already held).

    `withdrawals` False says the withdrawals table is empty, so a consent record need not look there.
    """
    if r["type"] == "erasure":
        _erase(conn, r, fp, touched)
        return True
    if r["type"] == "withdrawal":
        # No pseudonym is kept beside the person's id: that pair is the link a withdrawal must break.
        conn.execute(
            "INSERT INTO withdrawals(mentee_id, pseudonym, fingerprint, sequence) VALUES (?, '', ?, ?) "
            "ON CONFLICT(mentee_id) DO UPDATE SET fingerprint = excluded.fingerprint, pseudonym = '', "
            "sequence = max(sequence, excluded.sequence)",
            (r["mentee_id"], fp, sequence),
        )
        new = r["fields"].get("new_pseudonym") or ""
        if touched is not None:
            touched.update(_strip_to_counts(conn, r["mentee_id"], r.get("pseudonym") or "", new))
        else:
            _strip_to_counts(conn, r["mentee_id"], r.get("pseudonym") or "", new)
        if new:
            conn.execute(
                "INSERT OR IGNORE INTO holders(key, fingerprint, since) VALUES (?, ?, ?)",
                ("p:" + new, fp, clock.stamp()),
            )
        return True
    mentee_id = r.get("mentee_id")
    if withdrawals and mentee_id and r["basis"] == "consent":
        withdrawn = conn.execute(
            "SELECT fingerprint, sequence FROM withdrawals WHERE mentee_id = ?", (mentee_id,)
        ).fetchone()
        if withdrawn and (withdrawn[0] != fp or sequence < withdrawn[1]):
            # An old batch from before the withdrawal: it must not bring their identity back.
            safety = _safety_of(r["type"], r["fields"])
            if safety is not None:
                r = dict(r, basis="safety", fields=safety, mentee_id=None, pseudonym=None)
            elif COUNT_FIELDS.get(r["type"]) is None:
                return False
            else:
                # Counted, but under no pseudonym: the one it carries is the person's old, linked one.
                r = dict(r, basis="counts", fields=_counts_of(r["type"], r["fields"]), mentee_id=None, pseudonym=None)
            r["content_sha256"] = batch_format.content_hash(r["fields"])
        elif withdrawn:
            conn.execute("DELETE FROM withdrawals WHERE mentee_id = ?", (mentee_id,))  # consent given again
    if (
        r.get("deleted")
        and r["type"] == "concern"
        and conn.execute("SELECT 1 FROM shared_records WHERE id = ? AND deleted = 0 LIMIT 1", (r["id"],)).fetchone()
    ):
        requests.request_in(conn, r["id"], fp, "delete")  # a concern goes only when the supervisor agrees
        return True
    if r.get("deleted"):
        exists = conn.execute(
            "SELECT 1 FROM shared_records WHERE id = ? AND version = ? AND content_sha256 = ?",
            (r["id"], r["version"], r["content_sha256"]),
        ).fetchone()
        if exists:
            return False
        conn.execute("UPDATE shared_records SET current = 0 WHERE id = ?", (r["id"],))
        conn.execute(
            "INSERT INTO shared_records(id, version, content_sha256, fingerprint, sequence, type, "
            "base_version, basis, fields, deleted, current) VALUES (?, ?, ?, ?, ?, ?, ?, ?, '{}', 1, 1)",
            (r["id"], r["version"], r["content_sha256"], fp, sequence, r["type"], r["base_version"], r["basis"]),
        )
        # A deletion removes what was held, not only marks it.
        conn.execute(
            "UPDATE shared_records SET fields = '{}', mentee_id = NULL, pseudonym = NULL WHERE id = ? AND deleted = 0",
            (r["id"],),
        )
        return True
    if r["basis"] == "consent":
        # Shared in full now (consent given, or given again): the identity-free version of it (counts, or a
        # missed check-in as a mentor-safety item) is superseded.
        conn.execute(
            "DELETE FROM shared_records WHERE basis IN ('counts', 'safety') "
            "AND (id = ? OR (type = 'mentee' AND id = ?))",
            (r["id"], r.get("pseudonym") or "\x00"),
        )
    # What is held of this id, in one look: the newest version, this very version, another at the same version.
    newest, exists, same_base = conn.execute(
        "SELECT max(version), count(CASE WHEN version = ?2 AND content_sha256 = ?3 THEN 1 END), "
        "count(CASE WHEN version = ?2 AND content_sha256 != ?3 THEN 1 END) FROM shared_records WHERE id = ?1",
        (r["id"], r["version"], r["content_sha256"]),
    ).fetchone()
    if exists:
        return False
    current = newest is None or r["version"] >= newest
    conflict = same_base > 0
    if current and not conflict and newest is not None:  # with nothing held there is nothing to supersede
        conn.execute("UPDATE shared_records SET current = 0 WHERE id = ?", (r["id"],))
    if conflict:
        conn.execute("UPDATE shared_records SET conflict = 1 WHERE id = ? AND version = ?", (r["id"], r["version"]))
    conn.execute(
        "INSERT INTO shared_records(id, version, content_sha256, fingerprint, sequence, type, base_version, "
        "basis, mentee_id, pseudonym, fields, updated_at, current, conflict, counted) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            r["id"],
            r["version"],
            r["content_sha256"],
            fp,
            sequence,
            r["type"],
            r["base_version"],
            r["basis"],
            r.get("mentee_id") if r["basis"] != "counts" else None,
            r.get("pseudonym"),
            json.dumps(r["fields"]),
            str(r.get("updated_at", ""))[:40],
            int(current),
            int(conflict),
            int(not conflict),
        ),
    )
    return True


def _candidates(folder: Path) -> list[drive.Entry]:
    files = []
    for device in drive.entries(folder, dirs=True):
        # Sync clients add "(conflicted copy)" or " (1)" to names: the batch id inside tells copies apart.
        files += drive.entries(device.path, root=folder, suffix=batch_format.SUFFIX)
    return files


def import_folder(
    profile: Profile,
    folder: Path,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> ImportSummary:
    """Import every mentor's batches from the shared folder (one sub-folder per device), then leave a receipt."""
    _organisation_identities(profile)
    folder = Path(folder)
    if not folder.is_dir():
        raise BadInput(f"The folder {drive.shown_name(str(folder))} can't be found. Is the shared drive connected?")
    summary = import_files(profile, _candidates(folder), progress, cancelled)
    if not summary.cancelled:
        summary.receipt = write_receipt(profile, folder)
    return summary


def _organisation_identities(profile: Profile) -> list[str]:
    keys = organisation_keys(profile)
    if keys is None:
        raise BadInput("This profile has no organisation keys yet.", hint="enrolment_file")
    return keys[0]


def _entry(path: drive.Entry | str | Path) -> drive.Entry | None:
    if isinstance(path, drive.Entry):
        return path
    try:
        info = Path(path).lstat()
    except OSError:
        return None
    return drive.Entry(Path(path), info.st_size, info.st_mtime_ns)


def _reopen(entry: drive.Entry, sha: str, identities: list[str]) -> batch_format.OpenedBatch | None:
    """The batch read in the first pass, opened again; None if the file is gone or no longer the same."""
    try:
        data = drive.read_limited(entry.path, MAX_BATCH_BYTES)
        if hashlib.sha256(data).hexdigest() != sha:
            return None
        return batch_format.open_batch(data, identities)
    except (OSError, drive.TooLarge, batch_format.BatchInvalid):
        return None


def _first_pass(
    profile: Profile,
    entry: drive.Entry,
    identities: list[str],
    summary: ImportSummary,
    known: set[str],
    set_aside: set[str],
    seen_aside: set[str],
) -> tuple[str, str, dict[str, Any]] | None:
    """Read and verify one file; (fingerprint, sha, manifest) when it is a batch to put in order, else None."""
    conn = profile.conn
    if entry.seen in seen_aside:
        return None  # judged before and unchanged: not read again
    if entry.size > MAX_BATCH_BYTES:
        with transaction(conn):
            _quarantine(
                conn,
                summary,
                entry,
                "unread:" + hashlib.sha256(entry.seen.encode("utf-8", "replace")).hexdigest(),
                "It is far too large to be a batch; it was not read.",
                "too_large",
            )
        return None
    try:
        data = drive.read_limited(entry.path, MAX_BATCH_BYTES)
    except drive.TooLarge:
        return None  # it grew while being read: still being written, next time
    except OSError:
        return None  # vanished or still being written: next time
    sha = hashlib.sha256(data).hexdigest()
    if sha in known:
        summary.already_imported += 1
        return None
    if sha in set_aside:
        return None
    with transaction(conn):
        try:
            batch = batch_format.open_batch(data, identities)
        except batch_format.BatchInvalid as exc:
            envelope = batch_format.read_envelope(data)
            fp = envelope.fingerprint if envelope else None
            _quarantine(
                conn, summary, entry, sha, exc.reason, "unreadable", fp, envelope.sequence if envelope else None
            )
            return None
        manifest = batch.manifest
        fp = fingerprint(batch.device_key)
        status = note_device(conn, batch.device_key, str(manifest.get("mentor_name", "")))
        sequence = manifest["sequence"]
        if status == "pending":
            # The fingerprint is not shown here: approving needs the one the mentor reads out.
            why = (
                "It comes from a device whose key differs from the approved one with the same fingerprint: it was "
                "held back. Ask the mentor to read out their fingerprint."
                if key_differs(conn, batch.device_key)
                else "It comes from a mentor device not yet approved: ask the mentor to read out their "
                "fingerprint, then approve it (Mentors tab)."
            )
            _quarantine(conn, summary, entry, sha, why, "not_approved", fp, sequence, retry=True)
            return None
        if status == "revoked" and refuses(conn, fp, sequence, str(manifest.get("created_at", ""))):
            # Kept for a second look: approving the device again, or --retry, brings these back.
            _quarantine(
                conn,
                summary,
                entry,
                sha,
                f"It comes from a revoked mentor device ({fp}).",
                "revoked",
                fp,
                sequence,
                retry=True,
            )
            return None
    return fp, sha, manifest


def _set_waiting(conn: Connection, fp: str, waiting_for: int | None) -> None:
    conn.execute(
        "UPDATE mentor_devices SET waiting_since = CASE WHEN ? IS NULL THEN NULL "
        "WHEN waiting_for IS ? THEN waiting_since ELSE ? END, waiting_for = ? WHERE fingerprint = ?",
        (waiting_for, waiting_for, clock.stamp(), waiting_for, fp),
    )


def _apply_batch(
    profile: Profile,
    batch: batch_format.OpenedBatch,
    fp: str,
    sequence: int,
    entry: drive.Entry,
    summary: ImportSummary,
) -> tuple[int, int]:
    """Apply each good record of a verified batch; refused ones are set aside alone. (applied, refused)."""
    conn = profile.conn
    applied = refused = 0
    cache = conn.execute("PRAGMA cache_size").fetchone()[0]
    if 0 <= cache * 4 < APPLY_CACHE_KIB or -APPLY_CACHE_KIB < cache < 0:  # in pages (of 4 KiB) or in KiB
        conn.execute(f"PRAGMA cache_size = -{APPLY_CACHE_KIB}")
    withdrawals = conn.execute("SELECT 1 FROM withdrawals LIMIT 1").fetchone() is not None

    def refuse(position: int, record: object, problem: str, code: str) -> None:
        reason = f"One record was refused because {problem}."
        conn.execute(
            "INSERT OR IGNORE INTO refused_records(fingerprint, sequence, position, record_id, "
            "record_type, reason, code, first_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (fp, sequence, position, _text(record, "id"), _text(record, "type"), reason, code, clock.stamp()),
        )
        summary.refused.append((entry.name, reason))

    for position, record in enumerate(batch.records):
        problem = check_record(record)
        if problem:
            refuse(position, record, problem, "record_refused")
            refused += 1
            continue
        if record["type"] == "handover":
            problem = holders.take_handover(conn, record, fp)
            if problem:
                refuse(position, record, problem, "handover_refused")
                refused += 1
            else:
                applied += 1
            continue
        # Only the device that holds a person changes what is held of them.
        problem = holders.refusal(conn, record, fp)
        if problem:
            refuse(position, record, problem, "not_holder")
            refused += 1
            continue
        if record["type"] == "withdrawal":
            summary.withdrawals += 1
            withdrawals = True
        if record["type"] in ("withdrawal", "erasure"):
            summary.left["people"].add(record["mentee_id"])
            if record.get("pseudonym"):
                summary.left["pseudonyms"].add(record["pseudonym"])
            applied += _apply(conn, record, fp, sequence, withdrawals, touched=summary.left["ids"])
        else:
            applied += _apply(conn, record, fp, sequence, withdrawals)
        holders.note(conn, record, fp)
    return applied, refused


def _text(record: object, key: str) -> str:
    value = record.get(key) if isinstance(record, dict) else None
    return value[:120] if isinstance(value, str) else ""


def import_files(
    profile: Profile,
    files: Iterable[drive.Entry | str | Path],
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> ImportSummary:
    """Import these batch files (e.g. one double-clicked), checked exactly as a folder's are."""
    conn = profile.conn
    identities = _organisation_identities(profile)
    summary = ImportSummary()
    known = {r[0] for r in conn.execute("SELECT sha256 FROM imported_batches")}
    set_aside = {r[0] for r in conn.execute("SELECT sha256 FROM quarantine WHERE retry = 0")}
    seen_aside = {r[0] for r in conn.execute("SELECT seen FROM quarantine WHERE retry = 0 AND seen IS NOT NULL")}
    # Only manifests are kept between the passes: holding every batch's records at once took
    # gigabytes at an organisation's scale. A batch is opened again when its turn comes.
    opened: dict[str, list[tuple[drive.Entry, str, dict[str, Any]]]] = {}
    entries = [e for e in map(_entry, files) if e is not None]
    for index, entry in enumerate(entries):
        if cancelled and cancelled():
            summary.cancelled = True
            return summary
        if progress:
            progress(index, len(entries))
        found = _first_pass(profile, entry, identities, summary, known, set_aside, seen_aside)
        if found:
            fp, sha, manifest = found
            opened.setdefault(fp, []).append((entry, sha, manifest))

    for fp, batches in opened.items():
        by_sequence: dict[int, list[tuple[drive.Entry, str, dict[str, Any]]]] = {}
        for item in sorted(batches, key=lambda item: item[2]["sequence"]):
            by_sequence.setdefault(item[2]["sequence"], []).append(item)
        last = (
            conn.execute("SELECT max(sequence) FROM imported_batches WHERE fingerprint = ?", (fp,)).fetchone()[0] or 0
        )
        waiting_for: int | None = None
        for sequence in sorted(by_sequence):
            items = by_sequence[sequence]
            ids = {item[2]["batch_id"] for item in items}
            held = conn.execute(
                "SELECT batch_id, sha256 FROM imported_batches WHERE fingerprint = ? AND sequence = ?", (fp, sequence)
            ).fetchone()
            with transaction(conn):
                late = held is not None and held[0] == "" and len(ids) == 1
                if held is not None and not late:
                    for entry, sha, m in items:
                        if m["batch_id"] == held[0]:
                            summary.already_imported += 1  # a copy of a batch already imported
                        else:
                            _quarantine(
                                conn,
                                summary,
                                entry,
                                sha,
                                f"Fork: two different batches numbered {sequence} "
                                "from the same device. A person needs to look at this.",
                                "fork",
                                fp,
                                sequence,
                            )
                    continue
                if len(ids) > 1:
                    for entry, sha, _ in items:
                        _quarantine(
                            conn,
                            summary,
                            entry,
                            sha,
                            f"Fork: two different batches numbered {sequence} from "
                            "the same device. A person needs to look at this.",
                            "fork",
                            fp,
                            sequence,
                        )
                    break
                if sequence != last + 1 and not late:
                    waiting_for = last + 1
                    # Every batch held back is named, not only the first behind the gap.
                    for later in sorted(by_sequence):
                        if later >= sequence:
                            summary.waiting += [
                                (entry.name, f"Waiting for batch {last + 1} from this device.")
                                for entry, _, _ in by_sequence[later]
                            ]
                    break
                entry, sha, manifest = items[0]
                previous = conn.execute(
                    "SELECT sha256 FROM imported_batches WHERE fingerprint = ? AND sequence = ?", (fp, sequence - 1)
                ).fetchone()
                if (
                    previous is not None
                    and not previous[0].startswith(GAP)
                    and manifest.get("previous_batch_sha256") != previous[0]
                ):
                    _quarantine(
                        conn,
                        summary,
                        entry,
                        sha,
                        "Its link to the previous batch does not match: it is not "
                        "the batch that followed on this device.",
                        "link_mismatch",
                        fp,
                        sequence,
                    )
                    break
                batch = _reopen(entry, sha, identities)
                if batch is None:
                    summary.waiting.append(
                        (entry.name, "It changed while it was being imported; it will be read again next time.")
                    )
                    break
                applied, refused = _apply_batch(profile, batch, fp, sequence, entry, summary)
                if late:  # the batch accepted as lost turned up after all: nothing of it is lost
                    conn.execute("DELETE FROM imported_batches WHERE fingerprint = ? AND sequence = ?", (fp, sequence))
                conn.execute(
                    "INSERT INTO imported_batches(fingerprint, sequence, batch_id, sha256, imported_at, "
                    "records) VALUES (?, ?, ?, ?, ?, ?)",
                    (fp, sequence, manifest["batch_id"], sha, clock.stamp(), len(batch.records)),
                )
                audit.record(
                    conn,
                    "import",
                    actor=profile.author,
                    record_type="batch",
                    record_id=manifest["batch_id"],
                    detail=f"{len(batch.records)} records ({refused} refused), batch {sequence} from device {fp}",
                )
                summary.batches_imported += 1
                summary.records_applied += applied
                last = max(last, sequence)
                summary.already_imported += len(items) - 1
        with transaction(conn):
            _set_waiting(conn, fp, waiting_for)
    if progress:
        progress(len(entries), len(entries))
    return summary


def accept_gap(profile: Profile, fp: str, sequence: int, reason: str) -> str:
    """The supervisor decides on purpose that a device's batch is lost, so its later batches can import."""
    conn = profile.conn
    fp = normalise_fingerprint(fp)
    if not reason.strip():
        raise BadInput("Say why the batch is accepted as lost with --reason, for the audit trail.")
    if conn.execute("SELECT 1 FROM mentor_devices WHERE fingerprint = ?", (fp,)).fetchone() is None:
        raise BadInput(f"No mentor device with fingerprint {fp} has sent anything yet.")
    last = conn.execute(
        "SELECT coalesce(max(sequence), 0) FROM imported_batches WHERE fingerprint = ?", (fp,)
    ).fetchone()[0]
    if sequence != last + 1:
        raise BadInput(
            f"This device's batches have arrived up to batch {last}, so only batch {last + 1} can be "
            f"accepted as lost now, not batch {sequence}."
        )
    with transaction(conn):
        conn.execute(
            "INSERT INTO accepted_gaps(fingerprint, sequence, reason, accepted_at) VALUES (?, ?, ?, ?)",
            (fp, sequence, reason.strip()[:500], clock.stamp()),
        )
        conn.execute(
            "INSERT INTO imported_batches(fingerprint, sequence, batch_id, sha256, imported_at, records) "
            "VALUES (?, ?, '', ?, ?, 0)",
            (fp, sequence, f"{GAP}{fp}:{sequence}", clock.stamp()),
        )
        _set_waiting(conn, fp, None)
        audit.record(
            conn,
            "accept_gap",
            actor=profile.author,
            record_type="batch",
            record_id=f"{fp}:{sequence}",
            detail=f"batch {sequence} from device {fp} accepted as lost: {reason.strip()[:200]}",
        )
    return (
        f"Batch {sequence} from device {fp} is accepted as lost; the batches after it will import. If it turns "
        "up after all, it is still imported."
    )


def retry_set_aside(profile: Profile) -> int:
    """Look again at every file set aside (after approving a device again, or replacing a file); how many."""
    conn = profile.conn
    with transaction(conn):
        n: int = conn.execute("SELECT count(*) FROM quarantine").fetchone()[0]
        conn.execute("DELETE FROM quarantine")
        audit.record(conn, "retry_set_aside", actor=profile.author, detail=f"{count(n, 'file')} to look at again")
    return n


def quarantine_list(conn: Connection) -> list[tuple[str, str]]:
    files = [(r[0], r[1]) for r in conn.execute("SELECT file_name, reason FROM quarantine ORDER BY first_seen")]
    records = [
        (f"batch {r[0]} from device {r[1]}" + (f", record {r[2]}" if r[2] else ""), r[3])
        for r in conn.execute(
            "SELECT sequence, fingerprint, record_id, reason FROM refused_records ORDER BY first_seen, position"
        )
    ]
    return files + records
