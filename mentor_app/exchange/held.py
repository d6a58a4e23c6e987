"""What a supervisor profile holds of what mentors shared: the people, every shared record, the register.

Read-only and as plain data, for the data-portability dump (privacy/portability.py) and
`mentor-app mentees`. The importer decides what may be held (exchange/importer.py); this says what
is. A person who withdrew consent left nothing here that names them (their records were cut down
to identity-free counts under a new code; only their id stays, in the withdrawals, so an older
batch can't bring them back), and an erased person left nothing but the safeguarding concerns that
wait for the supervisor's decision.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypedDict

from ..words import count
from .mentors import list_devices

if TYPE_CHECKING:
    from ..storage.db import Connection

# Keys of the holders table: which kind of thing each one stands for.
HOLDS = {"r": "record", "m": "person", "p": "pseudonym"}


@dataclass(frozen=True)
class Person:
    """Someone whose records, or a safeguarding concern about whom, a mentor shared by name."""

    mentee_id: str
    name: str  # as the mentor shared it (with a preferred name), or as a concern names them
    status: str  # the mentor's status for them ("active", ...); "" when only a concern names them
    mentor: str  # the mentor whose device holds them now
    device: str  # that device's fingerprint
    records: dict[str, int] = field(default_factory=dict)  # their current shared records by type, but their own
    shared_as: tuple[str, ...] = ()  # the bases they were shared on: consent, safeguarding
    erasure_asked: bool = False  # the mentor erased them; a concern about them waits for the supervisor's decision

    @property
    def concerns_only(self) -> bool:
        """Only safeguarding concerns name them: no consent to share anything else."""
        return "consent" not in self.shared_as

    def words(self) -> str:
        """What is held of them, in a few words: `mentor-app mentees`."""
        n = sum(self.records.values())
        if self.concerns_only:
            parts = [self.mentor, f"{count(n, 'safeguarding concern')} only"]
        else:
            parts = [p for p in (self.status, self.mentor, count(n, "shared record")) if p]
        if self.erasure_asked:
            parts.append("erasure asked, waiting for your decision")
        return "; ".join(parts)


class _Seen(TypedDict):
    """What people() has gathered so far about one person."""

    name: str
    concern_name: str
    status: str
    device: str
    records: Counter[str]
    bases: set[str]
    asked: bool


def _one_line(text: Any) -> str:
    return " ".join(str(text or "").split())


def _title(fields: dict[str, Any]) -> str:
    """The name as the mentor's app shows it (see Mentee.title)."""
    name, preferred = _one_line(fields.get("name")), _one_line(fields.get("preferred_name"))
    return f"{name} ({preferred})" if preferred and preferred != name else name


def _fields(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def mentor_names(conn: Connection) -> dict[str, str]:
    """{fingerprint: the mentor's name as the register shows it} (a name a device gave itself says so)."""
    return {d.fingerprint: d.mentor_name for d in list_devices(conn)}


def _holders(conn: Connection, kind: str) -> dict[str, str]:
    prefix = kind + ":"
    return {
        key[len(prefix) :]: fp
        for key, fp in conn.execute("SELECT key, fingerprint FROM holders WHERE substr(key, 1, 2) = ?", (prefix,))
    }


def people(conn: Connection) -> list[Person]:
    """Everyone held by name (by id and name, from their current shared records), by name."""
    names = mentor_names(conn)
    held_by = _holders(conn, "m")
    asked = {
        rid
        for (rid,) in conn.execute(
            "SELECT record_id FROM deletion_requests WHERE decided_at IS NULL AND kind = 'erase'"
        )
    }
    found: dict[str, _Seen] = {}
    for rid, rtype, basis, mentee_id, fields, fp in conn.execute(
        "SELECT id, type, basis, mentee_id, fields, fingerprint FROM shared_records WHERE current = 1 "
        "AND deleted = 0 AND coalesce(mentee_id, '') != '' ORDER BY rowid"
    ):
        who = found.setdefault(
            mentee_id,
            {
                "name": "",
                "concern_name": "",
                "status": "",
                "device": fp,
                "records": Counter(),
                "bases": set(),
                "asked": False,
            },
        )
        who["bases"].add(basis)
        values = _fields(fields)
        if rtype == "mentee":
            who["name"], who["status"], who["device"] = _title(values), _one_line(values.get("status")), fp
            continue
        who["records"][rtype] += 1
        if rtype == "concern" and not who["concern_name"]:
            who["concern_name"] = _one_line(values.get("mentee_name"))
        who["asked"] = who["asked"] or rid in asked
    out = []
    for mentee_id, who in found.items():
        device = held_by.get(mentee_id, who["device"])
        out.append(
            Person(
                mentee_id,
                who["name"] or who["concern_name"] or "(no name shared)",
                who["status"],
                names.get(device, device),
                device,
                dict(sorted(who["records"].items())),
                tuple(sorted(who["bases"])),
                who["asked"],
            )
        )
    return sorted(out, key=lambda p: (p.name.casefold(), p.mentee_id))


def _shared_records(conn: Connection, names: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {
            "id": rid,
            "type": rtype,
            "version": version,
            "base_version": base,
            "basis": basis,
            "mentee_id": mentee_id,
            "pseudonym": pseudonym,
            "fields": _fields(fields),
            "updated_at": updated,
            "deleted": bool(deleted),
            "current": bool(current),
            "conflict": bool(conflict),
            "content_sha256": sha,
            "mentor": names.get(fp, fp),
            "device": fp,
            "batch": sequence,
        }
        for (
            rid,
            version,
            sha,
            fp,
            sequence,
            rtype,
            base,
            basis,
            mentee_id,
            pseudonym,
            fields,
            updated,
            deleted,
            current,
            conflict,
        ) in conn.execute(
            "SELECT id, version, content_sha256, fingerprint, sequence, type, base_version, basis, mentee_id, "
            "pseudonym, fields, updated_at, deleted, current, conflict FROM shared_records "
            "ORDER BY type, id, version, content_sha256"
        )
    ]


def _supervisor_notes(conn: Connection) -> list[dict[str, Any]]:
    # A note is on a shared record (a concern) or on a person (by their id).
    about = {
        rid: (rtype, mentee_id or "")
        for rid, rtype, mentee_id in conn.execute(
            "SELECT id, type, mentee_id FROM shared_records WHERE current = 1 AND type != 'mentee'"
        )
    }
    people = {
        mentee_id
        for (mentee_id,) in conn.execute(
            "SELECT DISTINCT mentee_id FROM shared_records WHERE coalesce(mentee_id, '') != ''"
        )
    }
    notes = []
    for rid, at, action, author in conn.execute(
        "SELECT record_id, at, action, author FROM supervisor_notes ORDER BY at, record_id"
    ):
        rtype, mentee_id = about.get(rid) or (("mentee", rid) if rid in people else ("", ""))
        notes.append(
            {"record_id": rid, "record_type": rtype, "mentee_id": mentee_id, "at": at, "note": action, "author": author}
        )
    return notes


def _devices(conn: Connection) -> list[dict[str, Any]]:
    shown = {d.fingerprint: d for d in list_devices(conn)}
    devices = []
    for fp, key, name, status, first_seen, decided_at, from_sequence, after, waiting_for, waiting_since in conn.execute(
        "SELECT fingerprint, device_key, mentor_name, status, first_seen, decided_at, revoked_from_sequence, "
        "revoked_after, waiting_for, waiting_since FROM mentor_devices ORDER BY mentor_name, fingerprint"
    ):
        d = shown.get(fp)
        devices.append(
            {
                "fingerprint": fp,
                "public_key": key,
                "mentor_name": name,
                "name_given_by_device": bool(d and d.name_given_by_device),
                "status": status,
                "first_seen": first_seen,
                "decided_at": decided_at,
                "revoked_from_batch": from_sequence,
                "revoked_after": after,
                "last_batch": d.last_sequence if d else 0,
                "last_received_at": d.last_received_at if d else "",
                "waiting_for_batch": waiting_for,
                "waiting_since": waiting_since,
            }
        )
    return devices


def _rows(conn: Connection, sql: str, names: tuple[str, ...]) -> list[dict[str, Any]]:
    return [dict(zip(names, row, strict=True)) for row in conn.execute(sql)]  # names: the SELECT's columns


def _holder_rows(conn: Connection, names: dict[str, str]) -> list[dict[str, Any]]:
    rows = []
    for key, fp, since in conn.execute("SELECT key, fingerprint, since FROM holders ORDER BY key"):
        kind, _, value = key.partition(":")
        rows.append(
            {"holds": HOLDS.get(kind, kind), "id": value, "device": fp, "mentor": names.get(fp, fp), "since": since}
        )
    return rows


def _handovers(conn: Connection) -> list[dict[str, Any]]:
    rows = []
    for part, key, from_fp, token_sha, announced, claimed_by, claimed_at in conn.execute(
        "SELECT part, key, from_fp, token_sha256, announced, claimed_by, claimed_at FROM handovers ORDER BY part"
    ):
        kind, _, value = key.partition(":")
        rows.append(
            {
                "part": part,
                "holds": HOLDS.get(kind, kind),
                "id": value,
                "from_device": from_fp,
                "token_sha256": token_sha,
                "announced": bool(announced),
                "claimed_by": claimed_by,
                "claimed_at": claimed_at,
            }
        )
    return rows


def held(conn: Connection) -> dict[str, Any]:
    """Everything a supervisor profile holds of what mentors shared, as plain data (privacy/portability.py)."""
    names = mentor_names(conn)
    return {
        "people": [
            {
                "mentee_id": p.mentee_id,
                "name": p.name,
                "status": p.status,
                "mentor": p.mentor,
                "device": p.device,
                "records": p.records,
                "shared_as": list(p.shared_as),
                "erasure_asked": p.erasure_asked,
            }
            for p in people(conn)
        ],
        "shared_records": _shared_records(conn, names),
        "supervisor_notes": _supervisor_notes(conn),
        "devices": _devices(conn),
        "batches": [
            dict(row, accepted_as_lost=row["batch_id"] == "" and row["sha256"].startswith("gap:"))
            for row in _rows(
                conn,
                "SELECT fingerprint, sequence, batch_id, sha256, imported_at, records "
                "FROM imported_batches ORDER BY fingerprint, sequence",
                ("device", "sequence", "batch_id", "sha256", "imported_at", "records"),
            )
        ],
        "accepted_gaps": _rows(
            conn,
            "SELECT fingerprint, sequence, reason, accepted_at FROM accepted_gaps ORDER BY fingerprint, sequence",
            ("device", "sequence", "reason", "accepted_at"),
        ),
        "set_aside_files": _rows(
            conn,
            "SELECT file_name, fingerprint, sequence, reason, code, first_seen "
            "FROM quarantine ORDER BY first_seen, sha256",
            ("file_name", "device", "sequence", "reason", "code", "first_seen"),
        ),
        "refused_records": _rows(
            conn,
            "SELECT fingerprint, sequence, position, record_id, record_type, reason, code, "
            "first_seen FROM refused_records ORDER BY fingerprint, sequence, position",
            ("device", "sequence", "position", "record_id", "record_type", "reason", "code", "first_seen"),
        ),
        "withdrawals": _rows(
            conn,
            "SELECT mentee_id, fingerprint, sequence FROM withdrawals ORDER BY mentee_id",
            ("mentee_id", "device", "batch"),
        ),
        "deletion_requests": _rows(
            conn,
            "SELECT record_id, fingerprint, kind, requested_at, decided_at, decision, "
            "reason FROM deletion_requests ORDER BY requested_at, record_id",
            ("record_id", "device", "kind", "requested_at", "decided_at", "decision", "reason"),
        ),
        "holders": _holder_rows(conn, names),
        "handovers": _handovers(conn),
    }
