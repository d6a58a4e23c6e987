"""The organisation's signposting directory, published to the shared drive and picked up by mentors.

A published directory is public information, so it is signed but not
encrypted: mentors' apps accept it only with a valid signature from the
organisation key they enrolled with, then replace the organisation's entries
with it. A mentor's own local entries are never touched.
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import datetime, timezone
from pathlib import Path

from ..errors import BadInput, MentorAppError
from ..records import store
from ..records.types import Contact, to_data, validate
from ..storage.db import put_settings
from ..storage.files import fsync_dir
from .batch import canonical
from .enrolment import SHARED_FOLDER, current_enrolment
from .keys import b64, organisation_keys, verify

FORMAT = "mentor-app-directory"
FOLDER = "directory"
SUFFIX = ".mentordir"
APPLIED = "exchange.directory_issued_at"
MAX_BYTES = 20 * 1024 * 1024


class PublishedDirectoryInvalid(MentorAppError):
    pass


def publish(profile, shared: str | Path | None = None) -> Path:
    """Write the supervisor's directory (every entry but the shipped defaults) to the shared drive, signed."""
    if profile.role != "supervisor":
        raise BadInput("Only a supervisor profile publishes the organisation's directory.")
    shared = shared or profile.get_setting(SHARED_FOLDER)
    if not shared or not Path(shared).is_dir():
        raise BadInput("The shared folder can't be found. Is the shared drive connected?")
    _, signing = organisation_keys(profile, create=True)
    contacts = [to_data(s.record) for s in store.list_records(profile.conn, "contact") if s.record.origin != "default"]
    from ..privacy import retention

    # The organisation's retention periods travel with its directory, signed the same way.
    body = {"format": FORMAT, "version": 1, "issued_at": datetime.now(timezone.utc).isoformat(timespec="microseconds"),
            "signing_key": b64(signing.public), "contacts": contacts,
            "retention": retention.to_published(retention.load_policy(profile))}
    data = canonical({"body": body, "signature": signing.sign(canonical(body))})
    folder = Path(shared) / FOLDER
    folder.mkdir(exist_ok=True)
    final = folder / f"directory-{body['issued_at'].replace(':', '')[:17]}-{uuid.uuid4().hex[:8]}{SUFFIX}"
    tmp = folder / f".{final.name}.partial"
    with open(tmp, "xb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, final)
    fsync_dir(folder)
    return final


def read_published(data: bytes, signing_key: bytes) -> dict:
    """The verified body of a published directory, or PublishedDirectoryInvalid."""
    if len(data) > MAX_BYTES:
        raise PublishedDirectoryInvalid("The published directory is far too large.")
    try:
        outer = json.loads(data.decode("utf-8"))
        body, signature = outer["body"], outer["signature"]
        if (body.get("format") != FORMAT or not isinstance(body.get("contacts"), list)
                or not isinstance(body.get("issued_at"), str)):
            raise ValueError
        signed = canonical(body)  # a lone surrogate escape can't be encoded: not written by Mentor App
    except (ValueError, KeyError, TypeError, UnicodeDecodeError, AttributeError, RecursionError):
        raise PublishedDirectoryInvalid("The published directory is damaged or not a Mentor App directory.") from None
    if not verify(signing_key, str(signature), signed):
        raise PublishedDirectoryInvalid("The published directory is not signed by your organisation; it was ignored.")
    return body


def pick_up(profile) -> int | None:
    """Apply the newest published directory if it is newer than the last; returns entries applied, or None."""
    enrolment = current_enrolment(profile)
    shared = profile.get_setting(SHARED_FOLDER)
    if enrolment is None or not shared:
        return None
    folder = Path(shared) / FOLDER
    files = []
    if folder.is_dir():
        files = sorted(f for f in folder.glob("*" + SUFFIX) if not f.name.startswith(".") and f.is_file())
    if not files:
        return None
    from ..privacy import retention

    try:
        data = files[-1].read_bytes()
    except OSError:
        raise PublishedDirectoryInvalid("The published directory could not be read from the shared drive; "
                                        "it will be tried again next time.") from None
    body = read_published(data, enrolment.signing_key)
    if body["issued_at"] <= (profile.get_setting(APPLIED) or ""):
        return None
    contacts = []
    for raw in body["contacts"]:
        if not isinstance(raw, dict):
            continue
        try:
            contact = validate(Contact(**{k: v for k, v in raw.items() if k in Contact.__dataclass_fields__}))
        except (BadInput, TypeError):
            continue  # one bad entry doesn't keep the rest from mentors
        contact.origin = "organisation"
        contacts.append(contact)
    conn = profile.conn
    with store.transaction(conn):
        for s in store.list_records(conn, "contact"):
            if s.record.origin == "organisation":
                store.delete_in(conn, s.id, author=profile.author)
        for contact in contacts:
            store.save_in(conn, contact, author=profile.author)
        policy = retention.from_published(body.get("retention"))
        put_settings(conn, {APPLIED: body["issued_at"], **(retention.settings_values(policy) if policy else {})})
    return len(contacts)
