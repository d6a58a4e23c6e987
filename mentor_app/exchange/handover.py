"""Handing a mentee over to another mentor, without counting them twice.

The mentee's records travel mentor to mentor in a file encrypted (age) with a
one-time code the first mentor reads out or writes down for the second. Ids,
versions and the pseudonym travel with them, so the supervisor's copy sees the
same person continue, not a new one. Their attachments (scanned forms, photos)
go with them in the same file.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyrage

from .. import clock
from ..errors import BadInput, MentorAppError
from ..records import attachments, store
from ..records.types import MENTEE_RECORD_TYPES, from_data, to_data, validate
from ..setting_keys import HANDOVERS, PSEUDONYM_OVERRIDE, SHARED_MENTEES
from ..setting_keys import HANDOVERS_RECEIVED as RECEIVED
from ..storage import audit
from ..storage.db import put_settings, transaction
from ..storage.files import write_new
from ..storage.keywrap import new_recovery_code, normalise_recovery_code
from . import drive
from .batch import canonical, content_hash
from .keys import device_key, pseudonym_secret
from .policy import pseudonym_source
from .validate import check_handover_record, check_record

if TYPE_CHECKING:
    from ..storage.profile import Profile

FORMAT = "mentor-app-handover"
MAX_BYTES = 200 * 1024 * 1024  # a whole caseload's worth for one person, many times over


class HandoverError(MentorAppError):
    pass


def make_handover(profile: Profile, mentee_id: str, path: Path) -> str:
    """Write the hand-over file, then remove the mentee here. Returns the one-time code."""
    path = Path(path)
    if path.exists():
        raise BadInput(f"There is already a file at {path}. Choose a new name; nothing was overwritten.")
    conn = profile.conn
    mentee = store.get(conn, mentee_id)
    if mentee is None or mentee.type != "mentee":
        raise BadInput("There is no mentee with that id in this profile.")
    items = [mentee] + store.list_records(conn, mentee_id=mentee_id)
    files = attachments.list_for(conn, mentee_id)
    person_pseudonym = pseudonym_source(conn, pseudonym_secret(profile))(mentee_id)
    parts = _signed_parts(profile, mentee_id, person_pseudonym)
    payload = {
        "format": FORMAT,
        # 3: their attachments travel too ("attachments"; a file without them reads as before)
        "version": 3,
        "from_mentor": profile.display_name,
        "handover": parts,
        "pseudonym": person_pseudonym,
        "records": [
            {
                "id": s.id,
                "type": s.type,
                "mentee_id": s.mentee_id,
                "version": s.version,
                "author": s.author,
                "created_at": s.created_at,
                "fields": to_data(s.record),
            }
            for s in items
        ],
        "attachments": [
            {
                "id": a.id,
                "record_id": a.record_id,
                "name": a.name,
                "added_at": a.added_at,
                "data": base64.b64encode(attachments.content(conn, a.id)).decode("ascii"),
            }
            for a in files
        ],
    }
    code = new_recovery_code()
    data = pyrage.passphrase.encrypt(json.dumps(payload, ensure_ascii=False).encode("utf-8"), code)
    write_new(Path(path), data)  # created new, never through a link
    shared = [m for m in profile.get_json(SHARED_MENTEES, []) if m != mentee_id]
    with transaction(conn):
        # Their records (tombstones too) before the person, so no link is left dangling.
        children = [r[0] for r in conn.execute("SELECT id FROM records WHERE mentee_id = ?", (mentee_id,))]
        for a in files:  # they go with their records, by the foreign key; the trail says where
            audit.record(
                conn,
                "handover_out",
                actor=profile.author,
                record_type="attachment",
                record_id=a.id,
                mentee_id=mentee_id,
                detail=a.kind,
            )
        store.purge_in(conn, children + [mentee_id], author=profile.author)
        conn.execute("DELETE FROM settings WHERE key = ?", (PSEUDONYM_OVERRIDE + mentee_id,))
        # Not a withdrawal: the person carries on with the other mentor.
        conn.execute("UPDATE settings SET value = ? WHERE key = ?", (json.dumps(shared), SHARED_MENTEES))
        # The supervisor hears of it in this laptop's next batch; the token stays in the file alone.
        queued = profile.get_json(HANDOVERS, []) + [
            {"statement": p["statement"], "signature": p["signature"]} for p in parts
        ]
        put_settings(conn, {HANDOVERS: json.dumps(queued)})
    return code


def _signed_parts(profile: Profile, mentee_id: str, person_pseudonym: str) -> list[dict[str, Any]]:
    """One signed statement per key the supervisor may hold the person under, each with its own token.

    Two parts, not one: the person's name side and their identity-free counts must not be joined by
    the hand-over itself.
    """
    key = device_key(profile)
    now = clock.stamp()
    parts = []
    for person_key in ("m:" + mentee_id, "p:" + person_pseudonym):
        token = secrets.token_hex(32)
        statement = {
            "part": str(uuid.uuid4()),
            "key": person_key,
            "from_device": key.fingerprint,
            "token_sha256": hashlib.sha256(token.encode()).hexdigest(),
            "created_at": now,
        }
        parts.append({"statement": statement, "signature": key.sign(canonical(statement)), "token": token})
    return parts


def _parts(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """The hand-over's signed parts, each as a receiving device sends it; [] for a version 1 file."""
    parts = payload.get("handover", [])
    if not isinstance(parts, list):
        raise ValueError
    for part in parts:
        record = {
            "id": "h",
            "type": "handover",
            "basis": "handover",
            "version": 1,
            "base_version": 0,
            "fields": part,
            "content_sha256": content_hash(part) if isinstance(part, dict) else "",
        }
        if not isinstance(part, dict) or "token" not in part or check_record(record):
            raise ValueError
    return parts


def _records(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """The hand-over's records, if shaped as make_handover writes them: one person and their own records."""
    json.dumps(payload, ensure_ascii=False).encode("utf-8")  # a lone surrogate escape can't be stored
    records = payload["records"]
    if not isinstance(records, list) or not isinstance(payload.get("pseudonym"), str):
        raise ValueError
    for r in records:
        if not (
            isinstance(r, dict)
            and isinstance(r.get("id"), str)
            and r["id"]
            and isinstance(r.get("fields"), dict)
            and r.get("type") in ("mentee", *MENTEE_RECORD_TYPES)
            and type(r.get("version")) is int
            and 0 <= r["version"] < 2**63
        ):
            raise ValueError
    people = [r["id"] for r in records if r["type"] == "mentee"]
    owner = people[0] if len(people) == 1 else None
    # Every record belongs to the one person handed over, never to someone already on this laptop.
    if len(people) > 1 or any(r.get("mentee_id") != (None if r["type"] == "mentee" else owner) for r in records):
        raise ValueError
    return records


def _attachments(payload: dict[str, Any], records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The hand-over's attachments, each belonging to one of its records, with their bytes decoded."""
    files = payload.get("attachments", [])
    if not isinstance(files, list):
        raise ValueError
    own = {r["id"] for r in records if r["type"] in attachments.ATTACHABLE}
    out = []
    for a in files:
        if not (
            isinstance(a, dict)
            and all(isinstance(a.get(k), str) for k in ("id", "record_id", "name", "added_at", "data"))
            and a["id"]
            and a["record_id"] in own
            and len(a["data"]) <= 2 * attachments.MAX_FILE_BYTES
        ):
            raise ValueError
        try:
            data = base64.b64decode(a["data"], validate=True)
        except binascii.Error:
            raise ValueError from None
        out.append({**a, "data": data})
    return out


def receive_handover(profile: Profile, path: Path, code: str) -> str:
    """Take in a handed-over mentee; returns their name."""
    normalised = normalise_recovery_code(code)
    try:
        raw = drive.read_limited(Path(path), MAX_BYTES)
    except drive.TooLarge:
        raise HandoverError("That file is far too large to be a hand-over file. Nothing was changed.") from None
    except OSError as exc:
        raise BadInput(f"Couldn't read {Path(path).name}: {exc.strerror or 'the file could not be opened'}.") from None
    try:
        if normalised is None:
            raise ValueError
        pretty = "-".join(normalised[i : i + 5] for i in range(0, 25, 5))
        payload = json.loads(pyrage.passphrase.decrypt(raw, pretty).decode("utf-8"))
        if payload.get("format") != FORMAT:
            raise ValueError
        records = _records(payload)
        parts = _parts(payload)
        files = _attachments(payload, records)
    except Exception:  # noqa: BLE001 - wrong code, damaged file or not a hand-over: the same to the person
        raise HandoverError(
            "That hand-over file can't be opened with that code. Check the code with the mentor "
            "who gave it to you. Nothing was changed."
        ) from None
    taken = set(profile.get_json(RECEIVED, []))
    if any(p["statement"]["part"] in taken for p in parts):
        raise HandoverError("That hand-over file was already taken in on this laptop. Nothing was changed.")
    cleaned = []
    for r in records:
        try:
            record = validate(from_data(r["type"], r["fields"]))
        except (BadInput, TypeError):
            raise HandoverError(
                "That hand-over file holds a record this app can't keep. Ask the mentor who gave it "
                "to you to check their app is up to date. Nothing was changed."
            ) from None
        # What is taken in here must be shareable later: the record check every writer runs.
        if check_handover_record(r["id"], r["type"], r["version"], to_data(record)):
            raise HandoverError(
                "That hand-over file holds a record that could never be shared with your supervisor "
                "(it is damaged or made by hand). Nothing was changed."
            )
        cleaned.append((r, record))
    conn = profile.conn
    with transaction(conn):
        mentee_id: str | None = None
        for r, record in sorted(cleaned, key=lambda item: item[0]["type"] != "mentee"):
            store.adopt_in(
                conn,
                record_id=r["id"],
                rtype=r["type"],
                mentee_id=r.get("mentee_id"),
                version=int(r["version"]),
                author=str(r.get("author", ""))[:120],
                created_at=str(r.get("created_at", ""))[:40],
                record=record,
            )
            if r["type"] == "mentee":
                mentee_id = r["id"]
        if mentee_id is None:
            raise HandoverError("That hand-over file holds no mentee. Nothing was changed.")
        for a in files:
            try:
                attachments.add_in(
                    conn,
                    a["record_id"],
                    a["name"],
                    a["data"],
                    author=profile.author,
                    attachment_id=a["id"],
                    added_at=a["added_at"][:40],
                    action="handover_in",
                )
            except BadInput:
                raise HandoverError(
                    "That hand-over file holds an attachment this profile can't keep (not a picture or a "
                    "PDF, or more than this profile has room for). Nothing was changed."
                ) from None
        conn.execute(
            "INSERT INTO settings(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (PSEUDONYM_OVERRIDE + mentee_id, str(payload["pseudonym"])),
        )
        # This laptop's next batch proves to the supervisor that it holds the file; then the person moves.
        put_settings(
            conn,
            {
                HANDOVERS: json.dumps(profile.get_json(HANDOVERS, []) + parts),
                RECEIVED: json.dumps(sorted(taken | {p["statement"]["part"] for p in parts})),
            },
        )
    person = store.get(conn, mentee_id)
    assert person is not None, "the mentee was taken in just now"
    return person.title
