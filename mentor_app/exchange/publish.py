"""The organisation's signposting directory, published to the shared drive and picked up by mentors.

A published directory is public information, so it is signed but not
encrypted: mentors' apps accept it only with a valid signature from the
organisation key they enrolled with, then replace the organisation's entries
with it. A mentor's own local entries are never touched.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import clock
from ..errors import BadInput, MentorAppError
from ..records import own_fields, retention, store
from ..records.types import Contact, to_data, validate
from ..records.vocab import ContactOrigin
from ..setting_keys import DIRECTORY_FILES_JUDGED as SEEN
from ..setting_keys import DIRECTORY_ISSUED_AT as APPLIED
from ..setting_keys import DIRECTORY_PROBLEM as PROBLEM
from ..setting_keys import KEEP_RECEIVED, SHARED_FOLDER
from ..storage.db import put_settings, transaction
from ..storage.files import atomic_write_bytes
from . import drive, outbox
from .batch import canonical
from .enrolment import Enrolment, current_enrolment
from .keys import b64, organisation_keys, verify

if TYPE_CHECKING:
    from ..storage.profile import Profile

FORMAT = "mentor-app-directory"
FOLDER = "directory"
SUFFIX = ".mentordir"
MAX_BYTES = 20 * 1024 * 1024
MAX_SEEN = 500


class PublishedDirectoryInvalid(MentorAppError):
    pass


def publish(profile: Profile, shared: str | Path | None = None) -> Path:
    """Write the supervisor's directory (every entry but the shipped defaults) to the shared drive, signed."""
    if profile.role != "supervisor":
        raise BadInput("Only a supervisor profile publishes the organisation's directory.")
    shared = shared or profile.get_setting(SHARED_FOLDER)
    if not shared or not Path(shared).is_dir():
        raise BadInput("The shared folder can't be found. Is the shared drive connected?")
    _, signing = organisation_keys(profile, create=True)
    contacts = [
        to_data(s.record)
        for s in store.list_records(profile.conn, "contact")
        if s.record.origin != ContactOrigin.DEFAULT
    ]
    # The organisation's retention periods travel with its directory, signed the same way.
    issued_at = clock.stamp("microseconds")
    body = {
        "format": FORMAT,
        "version": 1,
        "issued_at": issued_at,
        "signing_key": b64(signing.public),
        "contacts": contacts,
        "retention": retention.to_published(retention.load_policy(profile)),
        "sharing": {"keep_received_days": outbox.keep_received_days(profile)},
        # The organisation's own questions, retired ones too: mentors' apps keep showing old answers.
        "own_fields": own_fields.to_published(own_fields.load(profile.conn)),
    }
    data = canonical({"body": body, "signature": signing.sign(canonical(body))})
    folder = Path(shared) / FOLDER
    folder.mkdir(exist_ok=True)
    final = folder / f"directory-{issued_at.replace(':', '')[:17]}-{uuid.uuid4().hex[:8]}{SUFFIX}"
    atomic_write_bytes(final, data, shared=True)  # every mentor's account reads it (signed; no one is named)
    return final


def read_published(data: bytes, signing_key: bytes) -> dict[str, Any]:
    """The verified body of a published directory, or PublishedDirectoryInvalid."""
    if len(data) > MAX_BYTES:
        raise PublishedDirectoryInvalid("The published directory is far too large.")
    try:
        outer = json.loads(data.decode("utf-8"))
        body, signature = outer["body"], outer["signature"]
        if (
            not isinstance(body, dict)
            or body.get("format") != FORMAT
            or not isinstance(body.get("contacts"), list)
            or not isinstance(body.get("issued_at"), str)
        ):
            raise ValueError
        signed = canonical(body)  # a lone surrogate escape can't be encoded: not written by Mentor App
    except (ValueError, KeyError, TypeError, UnicodeDecodeError, AttributeError, RecursionError):
        raise PublishedDirectoryInvalid("The published directory is damaged or not a Mentor App directory.") from None
    if not verify(signing_key, str(signature), signed):
        raise PublishedDirectoryInvalid("The published directory is not signed by your organisation; it was ignored.")
    return body


def pick_up(profile: Profile, shared: str | Path | None = None) -> int | None:
    """Apply the newest valid published directory if it is newer than the last; returns entries applied, or None.

    Every publication file is looked at, so no one file (junk, damaged, or an old one renamed to sort last)
    can hold the directory back; what could not be used is put in PROBLEM in plain words.
    """
    enrolment = current_enrolment(profile)
    shared = shared or profile.get_setting(SHARED_FOLDER)
    if enrolment is None or not shared or not Path(shared).is_dir():
        return None
    applied = profile.get_setting(APPLIED) or ""
    found = _look(profile, enrolment, Path(shared), applied)
    notes = {PROBLEM: problem_words(found.problems, found.stale and not applied), SEEN: found.seen}
    notes = {k: v for k, v in notes.items() if profile.get_setting(k, "") != v}  # a quiet trip writes nothing
    if found.newest is None:
        if notes:
            profile.set_settings(notes)
        return None
    return _apply(profile, found.newest, notes)


@dataclass
class _Found:
    newest: dict[str, Any] | None = None  # the body to apply, if any is newer
    problems: list[tuple[str, str]] = field(default_factory=list)  # (shown name, reason)
    stale: bool = False  # a valid one was passed over as older than the enrolment
    seen: str = ""  # what to remember for the next trip


def _look(profile: Profile, enrolment: Enrolment, shared: Path, applied: str) -> _Found:
    """Judge every publication file, reading only those not judged before in the same state."""
    key = b64(enrolment.signing_key) + " " + enrolment.issued_at
    remembered = _remembered(profile, key)
    found = _Found()
    verdicts: dict[str, str] = {}
    for entry in drive.entries(shared / FOLDER, root=shared, suffix=SUFFIX):
        verdict = remembered.get(entry.seen)
        if verdict is None:
            verdict, body = _judge(entry, enrolment, applied)
            if body is not None and (found.newest is None or body["issued_at"] > found.newest["issued_at"]):
                found.newest = body
        if verdict == "old":
            found.stale = True
        elif verdict != "ok":
            found.problems.append((entry.name, verdict))
        if verdict != "unreadable":  # a file being synced or locked is tried again next time
            verdicts[entry.seen] = verdict
    if verdicts:
        # Only files still there are remembered, and at most MAX_SEEN of them (the newest names).
        kept = dict(list(verdicts.items())[-MAX_SEEN:])
        found.seen = json.dumps({"key": key, "files": kept}, sort_keys=True)
    return found


def _remembered(profile: Profile, key: str) -> dict[str, str]:
    # A different enrolment (another organisation's key) makes every earlier verdict worthless.
    try:
        raw = profile.get_json(SEEN, {})
        files = raw.get("files") if raw.get("key") == key else {}
        return {k: v for k, v in files.items() if isinstance(k, str) and v in VERDICTS}
    except (ValueError, AttributeError):
        return {}


def _judge(entry: drive.Entry, enrolment: Enrolment, applied: str) -> tuple[str, dict[str, Any] | None]:
    """A verdict on one file, and its body when it should be applied (newer than applied and the enrolment)."""
    if entry.size > MAX_BYTES:
        return "large", None  # not even opened
    try:
        body = read_published(drive.read_limited(entry.path, MAX_BYTES), enrolment.signing_key)
    except drive.TooLarge:
        return "large", None
    except OSError:
        return "unreadable", None
    except PublishedDirectoryInvalid:
        return "damaged", None
    # Times compare as text: Mentor App writes them all in UTC ISO form. An old, genuinely signed publication
    # (old phone numbers, old retention) is never applied by a mentor enrolled after it was issued.
    if body["issued_at"] < enrolment.issued_at:
        return "old", None
    return "ok", (body if body["issued_at"] > applied else None)


VERDICTS = {"ok", "old", "damaged", "large"}
_REASONS = {
    "damaged": ("is damaged or not signed by your organisation", "are damaged or not signed by your organisation"),
    "large": ("is far too large to be a directory", "are far too large to be a directory"),
    "unreadable": (
        "could not be read and will be tried again next time",
        "could not be read and will be tried again next time",
    ),
}


def problem_words(problems: list[tuple[str, str]], stale: bool = False) -> str:
    """What the mentor is told about publications that could not be used, or "" when there is nothing to say."""
    clauses: list[str] = []
    for reason, (one, several) in _REASONS.items():
        names = [name for name, why in problems if why == reason]
        if not names:
            continue
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        where = "" if clauses else " on the shared drive"
        clauses.append(
            f"one file{where} ({shown}) {one}" if len(names) == 1 else f"{len(names)} files{where} ({shown}) {several}"
        )
    words = "The organisation's directory could not be updated: " + "; ".join(clauses) + "." if clauses else ""
    if stale:
        words = (words + " " if words else "") + (
            "The organisation's directory on the shared drive is older than "
            "your enrolment, so it was not used: ask your supervisor to "
            "publish it again."
        )
    return words


def _apply(profile: Profile, body: dict[str, Any], notes: dict[str, str]) -> int:
    """Replace the organisation's entries and retention periods with the publication's, in one transaction."""
    contacts = []
    for raw in body["contacts"]:
        if not isinstance(raw, dict):
            continue
        try:
            contact = validate(Contact(**{k: v for k, v in raw.items() if k in Contact.__dataclass_fields__}))
        except (BadInput, TypeError):
            continue  # one bad entry doesn't keep the rest from mentors
        contact.origin = ContactOrigin.ORGANISATION
        contacts.append(contact)
    conn = profile.conn
    with transaction(conn):
        for s in store.list_records(conn, "contact"):
            if s.record.origin == ContactOrigin.ORGANISATION:
                store.delete_in(conn, s.id, author=profile.author)
        for contact in contacts:
            store.save_in(conn, contact, author=profile.author)
        policy = retention.from_published(body.get("retention"))
        keep = outbox.published_keep_days(body.get("sharing"))
        if "own_fields" in body:  # from a supervisor's app that has them; an older one's leaves them be
            own_fields.store_all(conn, own_fields.from_published(body["own_fields"]))
        put_settings(
            conn,
            {
                **notes,
                APPLIED: body["issued_at"],
                **(retention.published_values(profile, policy) if policy else {}),
                **({KEEP_RECEIVED: str(keep)} if keep else {}),
            },
        )
    return len(contacts)
