"""Changing the organisation's keys without a new enrolment ceremony.

The supervisor's app makes a new age identity and a new signing key, and writes
a statement signed by the OLD signing key that names the new signing key and
the new recipient: `<shared>/keys/rotation-<time>-<random>.mentorkeys`. A
mentor's app reads that folder on every trip and takes a statement only when it
verifies with the signing key it is enrolled with (after any statements it took
before: rotations chain, each signed by the key before it). A statement signed
by any other key changes nothing. The old age identities stay in the
supervisor's profile, so batches sealed to them still import.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pyrage import x25519

from ..errors import MentorAppError
from ..setting_keys import BAD_ROTATION_FILES as BAD_FILES
from ..setting_keys import ROTATION_STATEMENTS as MADE
from ..setting_keys import ROTATIONS
from ..storage.files import atomic_write_bytes
from . import drive
from .keys import fingerprint, signed_bytes, unb64, verify

if TYPE_CHECKING:  # enrolment imports this module
    from ..storage.profile import Profile
    from .enrolment import Enrolment

log = logging.getLogger(__name__)

FORMAT = "mentor-app-key-rotation"
VERSION = 1
FOLDER = "keys"
SUFFIX = ".mentorkeys"
MAX_BYTES = 16 * 1024
MAX_FILES_READ = 200  # files read on one trip (those already found useless are skipped)


class RotationError(MentorAppError):
    pass


@dataclass(frozen=True)
class Statement:
    previous_signing_key: bytes
    signing_key: bytes
    recipient: str
    organisation: str
    issued_at: str
    raw: dict[str, Any]

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.signing_key)


def parse_statement(data: object) -> Statement | None:
    """A well-formed statement whose signature verifies with the previous key it names; None for anything else."""
    try:
        if not isinstance(data, dict) or data.get("format") != FORMAT or int(data.get("version", 0)) != VERSION:
            return None
        previous, new = unb64(str(data["previous_signing_key"])), unb64(str(data["signing_key"]))
        recipient = str(data["recipient"])
        if len(previous) != 32 or len(new) != 32 or previous == new:
            return None
        x25519.Recipient.from_str(recipient)
        signed = signed_bytes(data)
    except Exception:  # noqa: BLE001 - any malformed field: not a statement
        return None
    if not verify(previous, str(data.get("signature", "")), signed):
        return None
    return Statement(previous, new, recipient, str(data.get("organisation", "")), str(data.get("issued_at", "")), data)


def apply_statement(enrolment: Enrolment, statement: Statement) -> Enrolment:
    """The enrolment as it stands after a statement signed by its own signing key (the caller checked that)."""
    recipients = [statement.recipient] + [r for r in enrolment.recipients if r != statement.recipient]
    return replace(
        enrolment,
        signing_key=statement.signing_key,
        recipients=recipients,
        issued_at=max(enrolment.issued_at, statement.issued_at),
        organisation=statement.organisation or enrolment.organisation,
    )


def apply_stored(enrolment: Enrolment, taken: list[Any]) -> Enrolment:
    """The enrolment file's enrolment, carried through the statements taken before (each checked again)."""
    for raw in taken:
        statement = parse_statement(raw)
        if statement is None or statement.previous_signing_key != enrolment.signing_key:
            break
        enrolment = apply_statement(enrolment, statement)
    return enrolment


# -- the supervisor -------------------------------------------------------------


def _write_statement(shared: Path, statement: dict[str, Any]) -> Path:
    folder = Path(shared) / FOLDER
    folder.mkdir(exist_ok=True)
    stamp = statement["issued_at"].replace(":", "").replace("-", "").replace("+0000", "Z")
    final = folder / f"rotation-{stamp}-{statement['fingerprint'].replace('-', '')[:8].lower()}{SUFFIX}"
    # Nothing secret in it: every account of the organisation reads it.
    atomic_write_bytes(
        final, json.dumps(statement, indent=2, sort_keys=True, ensure_ascii=False).encode("utf-8"), shared=True
    )
    return final


def write_statements(profile: Profile, shared: Path) -> list[Path]:
    """Put back on the drive every statement this profile made that is missing there (mentors need the chain)."""
    folder = Path(shared) / FOLDER
    present: set[bytes] = set()
    for entry in drive.entries(folder, root=Path(shared), suffix=SUFFIX):
        try:
            present.add(signed_bytes(json.loads(drive.read_limited(entry.path, MAX_BYTES).decode("utf-8"))))
        except (OSError, drive.TooLarge, ValueError, UnicodeDecodeError, AttributeError, RecursionError):
            continue
    written = []
    for statement in profile.get_json(MADE, []):
        if signed_bytes(statement) not in present:
            written.append(_write_statement(Path(shared), statement))
    return written


# -- the mentor -----------------------------------------------------------------


def read_key_rotations(profile: Profile, shared: str | Path, enrolment: Enrolment | None) -> Enrolment | None:
    """Take every statement on the drive that chains from `enrolment`'s signing key; returns the enrolment now.

    `enrolment` is the one in use (enrolment.current_enrolment), or None before enrolling.

    Only a statement that verifies with the key the app holds now is taken; two different ones from the
    same key are both left alone (and logged), since the organisation never writes two.
    """
    if enrolment is None:
        return None
    shared = Path(shared)
    bad = set(profile.get_json(BAD_FILES, []))
    found, newly_bad, read = [], [], 0
    for entry in reversed(drive.entries(shared / FOLDER, root=shared, suffix=SUFFIX)):
        if entry.seen in bad:
            continue
        if read >= MAX_FILES_READ:
            break
        read += 1
        try:
            data = json.loads(drive.read_limited(entry.path, MAX_BYTES).decode("utf-8"))
        except drive.TooLarge:
            newly_bad.append(entry.seen)
            continue
        except OSError:
            continue  # being written or synced: next time
        except (ValueError, UnicodeDecodeError, RecursionError):
            newly_bad.append(entry.seen)
            continue
        statement = parse_statement(data)
        if statement is None:
            newly_bad.append(entry.seen)  # malformed or its signature does not hold: it never will
        else:
            found.append(statement)
    taken = []
    seen_keys = {enrolment.signing_key}
    while True:
        nexts = {s.signing_key: s for s in found if s.previous_signing_key == enrolment.signing_key}
        if len(nexts) != 1:
            if len(nexts) > 1:
                log.warning("two different key rotations signed by the enrolled key: neither taken")
            break
        statement = next(iter(nexts.values()))
        if statement.signing_key in seen_keys:
            break  # a loop: never written by Mentor App
        seen_keys.add(statement.signing_key)
        enrolment = apply_statement(enrolment, statement)
        taken.append(statement.raw)
    values = {}
    if newly_bad:
        values[BAD_FILES] = json.dumps(sorted(bad | set(newly_bad))[-1000:])
    if taken:
        values[ROTATIONS] = json.dumps(profile.get_json(ROTATIONS, []) + taken, ensure_ascii=False)
        log.info("took %d key rotation(s)", len(taken))
    if values:
        profile.set_settings(values)
    return enrolment
