"""The supervisor's import: every mentor device's batches, verified, applied once, all-or-nothing each.

Nothing a drive holds is trusted: a batch must decrypt with the organisation's
keys, carry a valid signature from an approved device, follow that device's
sequence without gaps or forks, and hold only well-formed records. Anything
else is quarantined with a plain reason and never stops the rest. Importing
the same folder again changes nothing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

from ..errors import BadInput
from ..records.types import RECORD_TYPES
from ..storage import audit
from ..storage.db import transaction
from . import batch as batch_format
from .keys import fingerprint, organisation_keys
from .mentors import note_device
from .policy import COUNT_FIELDS

RECORD_TYPES_IN = set(RECORD_TYPES) - {"contact"} | {"withdrawal", "erasure"}
BASES = {"consent", "safeguarding", "counts", "mentor", "tombstone", "withdrawal", "erasure"}
MAX_RECORD_BYTES = 200_000
MAX_BATCH_BYTES = 100 * 1024 * 1024


@dataclass
class ImportSummary:
    batches_imported: int = 0
    records_applied: int = 0
    already_imported: int = 0
    quarantined: list[tuple[str, str]] = field(default_factory=list)   # (file name, reason)
    waiting: list[tuple[str, str]] = field(default_factory=list)       # held back for a missing batch
    withdrawals: int = 0
    cancelled: bool = False

    def words(self) -> str:
        parts = [f"{self.batches_imported} batch(es) imported ({self.records_applied} records)"]
        if self.already_imported:
            parts.append(f"{self.already_imported} already imported")
        if self.withdrawals:
            parts.append(f"{self.withdrawals} consent withdrawal(s): their names and notes were removed")
        if self.waiting:
            parts.append(f"{len(self.waiting)} waiting for an earlier batch")
        if self.quarantined:
            parts.append(f"{len(self.quarantined)} set aside (see: mentor-app import --list-quarantine)")
        if self.cancelled:
            parts.append("stopped early at your request; run it again to carry on")
        return "; ".join(parts) + "."


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _quarantine(conn, summary: ImportSummary, path: Path, sha: str, reason: str, fp: str | None = None,
                sequence: int | None = None, retry: bool = False) -> None:
    conn.execute("INSERT INTO quarantine(sha256, file_name, fingerprint, sequence, reason, retry, first_seen) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(sha256) DO UPDATE SET reason = excluded.reason, "
                 "retry = excluded.retry", (sha, path.name, fp, sequence, reason, int(retry), _now()))
    summary.quarantined.append((path.name, reason))


def _check_record(r) -> str | None:
    """Why a record can't be used, or None. Every field is checked: the drive is not trusted."""
    if not isinstance(r, dict):
        return "a record is not an object"
    if not isinstance(r.get("type"), str) or not isinstance(r.get("basis"), str) \
            or r["type"] not in RECORD_TYPES_IN or r["basis"] not in BASES:
        return "a record has an unknown type or basis"
    if not isinstance(r.get("id"), str) or not 0 < len(r["id"]) <= 120:
        return "a record has no usable id"
    for name in ("version", "base_version"):
        if not isinstance(r.get(name), int) or isinstance(r.get(name), bool) or not 0 <= r[name] < 10**9:
            return "a record has a bad version number"
    if not isinstance(r.get("fields"), dict) or len(json.dumps(r["fields"])) > MAX_RECORD_BYTES:
        return "a record's fields are missing or too large"
    if r.get("content_sha256") != batch_format.content_hash(r["fields"]):
        return "a record's content does not match its hash"
    for name in ("mentee_id", "pseudonym"):
        if name in r and (not isinstance(r[name], str) or len(r[name]) > 120):
            return "a record has a bad mentee reference"
    if r["type"] in ("withdrawal", "erasure") and not (isinstance(r.get("mentee_id"), str) and r["mentee_id"]):
        return "a withdrawal or erasure does not say whose it is"
    if r["type"] == "erasure" and not isinstance(r["fields"].get("records", []), list):
        return "an erasure's list of records is not a list"
    if r["basis"] == "counts":
        allowed = set(COUNT_FIELDS.get(r["type"], ())) | {"month", "week", "pseudonym"}
        if not set(r["fields"]) <= allowed or "mentee_id" in r:
            return "a record shared without consent carries more than counts"
    return None


def _strip_to_counts(conn, mentee_id: str) -> None:
    """Keep only what identity-free counts need of a mentee who withdrew consent."""
    rows = conn.execute("SELECT id, version, content_sha256, type, fields FROM shared_records "
                        "WHERE mentee_id = ? AND basis = 'consent'", (mentee_id,)).fetchall()
    for rid, version, sha, rtype, fields in rows:
        keep = COUNT_FIELDS.get(rtype)
        if keep is None:
            conn.execute("DELETE FROM shared_records WHERE id = ? AND version = ? AND content_sha256 = ?",
                         (rid, version, sha))
            continue
        data = json.loads(fields)
        counts = {k: data.get(k) for k in keep}
        # Keep when it happened, as the counts of someone who never consented have it (month and week).
        day = str(data.get("starts_at") or data.get("on") or "")[:10]
        if day:
            counts["month"] = day[:7]
            try:
                monday = date.fromisoformat(day) - timedelta(days=date.fromisoformat(day).weekday())
                counts["week"] = monday.isoformat()
            except ValueError:
                pass
        conn.execute("UPDATE shared_records SET fields = ?, basis = 'counts', mentee_id = NULL "
                     "WHERE id = ? AND version = ? AND content_sha256 = ?", (json.dumps(counts), rid, version, sha))


def _erase(conn, r: dict, fp: str) -> None:
    """A person erased on request at the mentor's laptop: nothing about them stays here either."""
    mentee_id, pseudonym = r.get("mentee_id") or "", r.get("pseudonym") or ""
    named = {str(i) for i in r["fields"].get("records", []) if isinstance(i, str)} | {mentee_id, pseudonym}
    # By id and by name link, whichever device sent them: a person handed over between mentors keeps
    # their ids, and an erasure is owed wherever they are held.
    linked = {row[0] for row in conn.execute(
        "SELECT id FROM shared_records WHERE (mentee_id != '' AND mentee_id = ?) OR (pseudonym != '' AND pseudonym = ?)",
        (mentee_id, pseudonym))}
    ids = [i for i in sorted(named | linked) if i and conn.execute(
        "SELECT 1 FROM shared_records WHERE id = ?", (i,)).fetchone()]
    for rid in ids:
        conn.execute("DELETE FROM shared_records WHERE id = ?", (rid,))
        conn.execute("DELETE FROM supervisor_notes WHERE record_id = ?", (rid,))
    conn.execute("DELETE FROM supervisor_notes WHERE record_id = ?", (mentee_id,))
    conn.execute("DELETE FROM withdrawals WHERE mentee_id = ?", (mentee_id,))
    audit.record(conn, "erase", record_type="mentee", record_id=mentee_id, mentee_id=mentee_id,
                 detail=f"on request, from device {fp}: {len(ids)} shared record(s) removed")


def _apply(conn, r: dict, fp: str, sequence: int) -> bool:
    """Apply one record; False when it changes nothing (already held)."""
    if r["type"] == "erasure":
        _erase(conn, r, fp)
        return True
    if r["type"] == "withdrawal":
        conn.execute("INSERT INTO withdrawals(mentee_id, pseudonym, fingerprint, sequence) VALUES (?, ?, ?, ?) "
                     "ON CONFLICT(mentee_id) DO UPDATE SET fingerprint = excluded.fingerprint, "
                     "sequence = max(sequence, excluded.sequence)", (r["mentee_id"], r.get("pseudonym", ""), fp,
                                                                   sequence))
        _strip_to_counts(conn, r["mentee_id"])
        return True
    mentee_id = r.get("mentee_id")
    if mentee_id and r["basis"] == "consent":
        withdrawn = conn.execute("SELECT fingerprint, sequence FROM withdrawals WHERE mentee_id = ?",
                                 (mentee_id,)).fetchone()
        if withdrawn and (withdrawn[0] != fp or sequence < withdrawn[1]):
            # An old batch from before the withdrawal: it must not bring their identity back.
            keep = COUNT_FIELDS.get(r["type"])
            if keep is None:
                return False
            r = dict(r, basis="counts", fields={k: r["fields"].get(k) for k in keep}, mentee_id=None)
            r["content_sha256"] = batch_format.content_hash(r["fields"])
        elif withdrawn:
            conn.execute("DELETE FROM withdrawals WHERE mentee_id = ?", (mentee_id,))  # consent given again
    exists = conn.execute("SELECT 1 FROM shared_records WHERE id = ? AND version = ? AND content_sha256 = ?",
                          (r["id"], r["version"], r["content_sha256"])).fetchone()
    if exists:
        return False
    if r.get("deleted"):
        conn.execute("UPDATE shared_records SET current = 0 WHERE id = ?", (r["id"],))
        conn.execute("INSERT INTO shared_records(id, version, content_sha256, fingerprint, sequence, type, "
                     "base_version, basis, fields, deleted, current) VALUES (?, ?, ?, ?, ?, ?, ?, ?, '{}', 1, 1)",
                     (r["id"], r["version"], r["content_sha256"], fp, sequence, r["type"], r["base_version"],
                      r["basis"]))
        # A deletion removes what was held, not only marks it.
        conn.execute("UPDATE shared_records SET fields = '{}', mentee_id = NULL, pseudonym = NULL "
                     "WHERE id = ? AND deleted = 0", (r["id"],))
        return True
    newest = conn.execute("SELECT max(version) FROM shared_records WHERE id = ?", (r["id"],)).fetchone()[0]
    same_base = conn.execute("SELECT count(*) FROM shared_records WHERE id = ? AND version = ? AND "
                             "content_sha256 != ?", (r["id"], r["version"], r["content_sha256"])).fetchone()[0]
    current = newest is None or r["version"] >= newest
    conflict = same_base > 0
    if current and not conflict:
        conn.execute("UPDATE shared_records SET current = 0 WHERE id = ?", (r["id"],))
    if conflict:
        conn.execute("UPDATE shared_records SET conflict = 1 WHERE id = ? AND version = ?", (r["id"], r["version"]))
    conn.execute("INSERT INTO shared_records(id, version, content_sha256, fingerprint, sequence, type, base_version, "
                 "basis, mentee_id, pseudonym, fields, updated_at, current, conflict, counted) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 (r["id"], r["version"], r["content_sha256"], fp, sequence, r["type"], r["base_version"], r["basis"],
                  mentee_id if r["basis"] != "counts" else None, r.get("pseudonym"), json.dumps(r["fields"]),
                  str(r.get("updated_at", ""))[:40], int(current), int(conflict), int(not conflict)))
    return True


def _candidates(folder: Path) -> list[Path]:
    files = []
    for device in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for f in sorted(device.iterdir()):
            # Sync clients add "(conflicted copy)" or " (1)" to names: the batch id inside tells copies apart.
            if f.is_file() and not f.name.startswith(".") and f.name.endswith(batch_format.SUFFIX):
                files.append(f)
    return files


def import_folder(profile, folder: Path, progress: Callable[[int, int], None] | None = None,
                  cancelled: Callable[[], bool] | None = None) -> ImportSummary:
    """Import every mentor's batches from the shared folder (one sub-folder per device)."""
    _organisation_identities(profile)
    folder = Path(folder)
    if not folder.is_dir():
        raise BadInput(f"The folder {folder} can't be found. Is the shared drive connected?")
    return import_files(profile, _candidates(folder), progress, cancelled)


def _organisation_identities(profile):
    keys = organisation_keys(profile)
    if keys is None:
        raise BadInput("This profile has no organisation keys yet: write the enrolment file first "
                       "(mentor-app enrolment-file -o FILE).")
    return keys[0]


def _reopen(path: Path, sha: str, identities) -> batch_format.OpenedBatch | None:
    """The batch read in the first pass, opened again; None if the file is gone or no longer the same."""
    try:
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != sha:
            return None
        return batch_format.open_batch(data, identities)
    except (OSError, batch_format.BatchInvalid):
        return None


def import_files(profile, files: list[Path], progress: Callable[[int, int], None] | None = None,
                 cancelled: Callable[[], bool] | None = None) -> ImportSummary:
    """Import these batch files (e.g. one double-clicked), checked exactly as a folder's are."""
    conn = profile.conn
    identities = _organisation_identities(profile)
    summary = ImportSummary()
    known = {r[0] for r in conn.execute("SELECT sha256 FROM imported_batches")}
    set_aside = {r[0] for r in conn.execute("SELECT sha256 FROM quarantine WHERE retry = 0")}
    # Only manifests are kept between the passes: holding every batch's records at once took
    # gigabytes at an organisation's scale. A batch is opened again when its turn comes.
    opened: dict[str, list[tuple[Path, str, dict]]] = {}
    files = [Path(f) for f in files]
    for index, path in enumerate(files):
        if cancelled and cancelled():
            summary.cancelled = True
            return summary
        if progress:
            progress(index, len(files))
        try:
            data = path.read_bytes()
        except OSError:
            continue  # vanished or still being written: next time
        sha = hashlib.sha256(data).hexdigest()
        if sha in known:
            summary.already_imported += 1
            continue
        if sha in set_aside:
            continue
        with transaction(conn):
            if len(data) > MAX_BATCH_BYTES:
                _quarantine(conn, summary, path, sha, "It is far too large to be a batch.")
                continue
            try:
                batch = batch_format.open_batch(data, identities)
            except batch_format.BatchInvalid as exc:
                _quarantine(conn, summary, path, sha, exc.reason)
                continue
            manifest = batch.manifest
            fp = fingerprint(batch.device_key)
            status = note_device(conn, batch.device_key, str(manifest.get("mentor_name", "")))
            sequence = manifest.get("sequence")
            if status == "pending":
                _quarantine(conn, summary, path, sha, "It comes from a mentor device not yet approved: check its "
                            f"fingerprint {fp} with the mentor, then approve it.", fp, sequence, retry=True)
                continue
            if status == "revoked":
                _quarantine(conn, summary, path, sha, f"It comes from a revoked mentor device ({fp}).", fp, sequence)
                continue
            problem = next((p for p in map(_check_record, batch.records) if p), None)
            if not isinstance(sequence, int) or sequence < 1:
                problem = "its sequence number is not valid"
            if problem:
                _quarantine(conn, summary, path, sha, f"It was refused because {problem}.", fp, sequence)
                continue
        opened.setdefault(fp, []).append((path, sha, manifest))
        del batch

    for fp, batches in opened.items():
        batches.sort(key=lambda item: item[2]["sequence"])
        by_sequence: dict[int, list] = {}
        for item in batches:
            by_sequence.setdefault(item[2]["sequence"], []).append(item)
        last = conn.execute("SELECT max(sequence) FROM imported_batches WHERE fingerprint = ?", (fp,)).fetchone()[0] or 0
        for sequence in sorted(by_sequence):
            items = by_sequence[sequence]
            ids = {item[2]["batch_id"] for item in items}
            held = conn.execute("SELECT batch_id, sha256 FROM imported_batches WHERE fingerprint = ? AND sequence = ?",
                                (fp, sequence)).fetchone()
            with transaction(conn):
                if held is not None:
                    for path, sha, m in items:
                        if m["batch_id"] == held[0]:
                            summary.already_imported += 1  # a copy of a batch already imported
                        else:
                            _quarantine(conn, summary, path, sha, f"Fork: two different batches numbered {sequence} "
                                        "from the same device. A person needs to look at this.", fp, sequence)
                    continue
                if len(ids) > 1:
                    for path, sha, _ in items:
                        _quarantine(conn, summary, path, sha, f"Fork: two different batches numbered {sequence} from "
                                    "the same device. A person needs to look at this.", fp, sequence)
                    break
                if sequence != last + 1:
                    for path, _, _ in items:
                        summary.waiting.append((path.name, f"Waiting for batch {last + 1} from this device."))
                    break
                path, sha, manifest = items[0]
                previous = conn.execute("SELECT sha256 FROM imported_batches WHERE fingerprint = ? AND sequence = ?",
                                        (fp, sequence - 1)).fetchone()
                if previous is not None and manifest.get("previous_batch_sha256") != previous[0]:
                    _quarantine(conn, summary, path, sha, "Its link to the previous batch does not match: it is not "
                                "the batch that followed on this device.", fp, sequence)
                    break
                batch = _reopen(path, sha, identities)
                if batch is None:
                    summary.waiting.append((path.name, "It changed while it was being imported; it will be read "
                                            "again next time."))
                    break
                applied = 0
                for record in batch.records:
                    if record["type"] == "withdrawal":
                        summary.withdrawals += 1
                    applied += _apply(conn, record, fp, sequence)
                conn.execute("INSERT INTO imported_batches(fingerprint, sequence, batch_id, sha256, imported_at, "
                             "records) VALUES (?, ?, ?, ?, ?, ?)",
                             (fp, sequence, manifest["batch_id"], sha, _now(), len(batch.records)))
                audit.record(conn, "import", actor=profile.author, record_type="batch", record_id=manifest["batch_id"],
                             detail=f"{len(batch.records)} records, batch {sequence} from device {fp}")
                summary.batches_imported += 1
                summary.records_applied += applied
                last = sequence
                for extra_path, extra_sha, _ in items[1:]:
                    summary.already_imported += 1
    if progress:
        progress(len(files), len(files))
    return summary


def quarantine_list(conn) -> list[tuple[str, str]]:
    return [(r[0], r[1]) for r in conn.execute("SELECT file_name, reason FROM quarantine ORDER BY first_seen")]
