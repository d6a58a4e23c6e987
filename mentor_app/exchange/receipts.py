"""Signed receipts: the supervisor tells each mentor's app, through the drive, which batches arrived.

A receipt holds fingerprints, sequence numbers, file hashes, record ids and
reason codes: no names and no content. The supervisor's app writes one after
every import, signed with the organisation's signing key; a mentor's app
trusts only a receipt that verifies with the key it enrolled with, and only
one newer than the last it used, so an old or forged receipt changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import clock
from ..setting_keys import RECEIPT_LAST as LAST_WRITTEN
from ..setting_keys import RECEIPTS_WRITTEN as WRITTEN
from ..storage.files import atomic_write_bytes
from . import drive
from .batch import canonical
from .keys import b64, organisation_keys, verify

if TYPE_CHECKING:
    from ..storage.db import Connection
    from ..storage.profile import Profile

FORMAT = "mentor-app-receipt"
VERSION = 2
FOLDER = "receipts"
SUFFIX = ".mentorreceipt"
MAX_BYTES = 2 * 1024 * 1024
MAX_LISTED = 500  # set-aside batches and refused records listed per device, newest first
KEEP_OWN = 5  # the supervisor keeps its newest few receipts on the drive and removes its older ones
MAX_FILES_READ = 200  # a mentor looks at no more than this many receipt files on one trip


@dataclass
class DeviceReceipt:
    """What the supervisor holds from one device."""

    through: int = 0
    accepted_gaps: list[int] = field(default_factory=list)
    set_aside: list[dict[str, Any]] = field(default_factory=list)  # {"sequence", "sha256", "code"}
    refused: list[dict[str, Any]] = field(default_factory=list)  # {"sequence", "id", "code"}
    waiting_for: int | None = None


@dataclass
class Receipt:
    issued_at: str
    devices: dict[str, DeviceReceipt]
    name: str = ""


def device_receipts(conn: Connection) -> dict[str, DeviceReceipt]:
    """The supervisor's view of every device, as a receipt carries it."""
    devices: dict[str, DeviceReceipt] = {}
    for fp, waiting_for in conn.execute("SELECT fingerprint, waiting_for FROM mentor_devices"):
        devices[fp] = DeviceReceipt(waiting_for=waiting_for)
    for fp, through in conn.execute("SELECT fingerprint, max(sequence) FROM imported_batches GROUP BY fingerprint"):
        devices.setdefault(fp, DeviceReceipt()).through = int(through or 0)
    for fp, sequence in conn.execute(
        "SELECT g.fingerprint, g.sequence FROM accepted_gaps g JOIN imported_batches b "
        "ON b.fingerprint = g.fingerprint AND b.sequence = g.sequence AND b.batch_id = '' ORDER BY g.sequence"
    ):
        devices.setdefault(fp, DeviceReceipt()).accepted_gaps.append(int(sequence))
    for fp, sequence, sha, code in conn.execute(
        "SELECT fingerprint, sequence, sha256, code FROM quarantine WHERE fingerprint IS NOT NULL "
        "ORDER BY first_seen DESC"
    ):
        listed = devices.setdefault(fp, DeviceReceipt()).set_aside
        if len(listed) < MAX_LISTED:
            listed.append({"sequence": sequence, "sha256": sha, "code": code or "refused"})
    for fp, sequence, rid, code in conn.execute(
        "SELECT fingerprint, sequence, record_id, code FROM refused_records ORDER BY first_seen DESC"
    ):
        listed = devices.setdefault(fp, DeviceReceipt()).refused
        if len(listed) < MAX_LISTED:
            listed.append({"sequence": sequence, "id": rid, "code": code})
    return devices


def write_receipt(profile: Profile, shared: Path) -> Path | None:
    """Write a new signed receipt to the shared folder and remove this profile's older ones; None if none was needed.

    A new one is written when what it says has changed, or when the newest receipt on the drive is not
    the last one this profile wrote (it was deleted, or a newer copy of this profile wrote one before
    an older backup was restored: mentors must hear that the supervisor went back).
    """
    keys = organisation_keys(profile)
    if keys is None:
        return None
    _, signing = keys
    devices = {
        fp: {
            "through": d.through,
            "accepted_gaps": d.accepted_gaps,
            "set_aside": d.set_aside,
            "refused": d.refused,
            "waiting_for": d.waiting_for,
        }
        for fp, d in sorted(device_receipts(profile.conn).items())
    }
    content = hashlib.sha256(canonical(devices)).hexdigest()
    last_at, _, last_content = (profile.get_setting(LAST_WRITTEN) or "").partition(" ")
    if last_content == content:
        newest, _ = newest_receipt(shared, signing.public)
        if newest is not None and newest.issued_at == last_at:
            return None
    issued_at = clock.stamp("microseconds")
    body = {
        "format": FORMAT,
        "version": VERSION,
        "issued_at": issued_at,
        "signing_key": b64(signing.public),
        "devices": devices,
    }
    data = canonical({"body": body, "signature": signing.sign(canonical(body))})
    folder = Path(shared) / FOLDER
    name = f"receipt-{issued_at.replace(':', '').replace('-', '')[:22]}-{uuid.uuid4().hex[:8]}{SUFFIX}"
    try:
        folder.mkdir(exist_ok=True)
        atomic_write_bytes(folder / name, data, shared=True)  # every mentor's account reads it; no one is named
    except OSError:
        return None  # the drive went away: the next import writes one
    written = profile.get_json(WRITTEN, []) + [name]
    for old in written[:-KEEP_OWN]:
        try:
            (folder / old).unlink(missing_ok=True)
        except OSError:
            pass
    profile.set_settings({WRITTEN: json.dumps(written[-KEEP_OWN:]), LAST_WRITTEN: f"{issued_at} {content}"})
    return folder / name


def _ints(values: object) -> list[int]:
    return [v for v in values if isinstance(v, int) and not isinstance(v, bool)] if isinstance(values, list) else []


def _dicts(values: object) -> list[dict[str, Any]]:
    return [v for v in values if isinstance(v, dict)][:MAX_LISTED] if isinstance(values, list) else []


def parse_receipt(data: bytes, signing_key: bytes) -> Receipt | None:
    """A receipt signed by the organisation, or None for anything else (damaged, forged, hand-made)."""
    if len(data) > MAX_BYTES:
        return None
    try:
        outer = json.loads(data.decode("utf-8"))
        body, signature = outer["body"], outer["signature"]
        if (
            body.get("format") != FORMAT
            or not isinstance(body.get("issued_at"), str)
            or not isinstance(body.get("devices"), dict)
            or not isinstance(signature, str)
        ):
            return None
        if not verify(signing_key, signature, canonical(body)):
            return None
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeError, RecursionError):
        return None
    devices = {}
    for fp, raw in body["devices"].items():
        if not isinstance(raw, dict):
            continue
        through = raw.get("through")
        waiting = raw.get("waiting_for")
        devices[str(fp)] = DeviceReceipt(
            through=through if isinstance(through, int) and not isinstance(through, bool) and through >= 0 else 0,
            accepted_gaps=_ints(raw.get("accepted_gaps")),
            set_aside=_dicts(raw.get("set_aside")),
            refused=_dicts(raw.get("refused")),
            waiting_for=waiting if isinstance(waiting, int) and not isinstance(waiting, bool) else None,
        )
    return Receipt(body["issued_at"], devices)


def newest_receipt(shared: Path, signing_key: bytes, skip: set[str] | None = None) -> tuple[Receipt | None, list[str]]:
    """The newest receipt on the drive that verifies, and the files looked at that did not (by their `seen` key).

    `skip` holds files already found invalid, so junk is not read again on every trip.
    """
    folder = Path(shared) / FOLDER
    files = drive.entries(folder, root=Path(shared), suffix=SUFFIX)
    files.sort(key=lambda e: e.mtime_ns, reverse=True)
    best, bad = None, []
    for entry in files[:MAX_FILES_READ]:
        if skip and entry.seen in skip:
            continue
        try:
            data = drive.read_limited(entry.path, MAX_BYTES)
        except (OSError, drive.TooLarge):
            bad.append(entry.seen)
            continue
        receipt = parse_receipt(data, signing_key)
        if receipt is None:
            bad.append(entry.seen)
            continue
        receipt.name = entry.name
        if best is None or receipt.issued_at > best.issued_at:
            best = receipt
    return best, bad
