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
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

from ..errors import BadInput, MentorAppError
from ..settings import load_settings
from ..storage.files import atomic_write_bytes
from . import drive
from .keys import (
    ORG_AGE, ORG_SIGNING, SigningKey, age_recipient, b64, fingerprint, new_signing_private, organisation_keys, unb64,
    verify,
)

log = logging.getLogger(__name__)

FORMAT = "mentor-app-key-rotation"
VERSION = 1
FOLDER = "keys"
SUFFIX = ".mentorkeys"
MAX_BYTES = 16 * 1024
MAX_FILES_READ = 200                       # files read on one trip (those already found useless are skipped)
ROTATIONS = "exchange.key_rotations"      # mentor: the statements taken since the enrolment file, in order
BAD_FILES = "exchange.bad_key_rotations"  # mentor: files found useless (name, size, time), not read again
MADE = "exchange.rotation_statements"     # supervisor: every statement this profile made, oldest first
OLD_SIGNING = "exchange.org_old_signing_keys"  # supervisor: earlier signing keys, newest first, one per line


class RotationError(MentorAppError):
    pass


@dataclass(frozen=True)
class Statement:
    previous_signing_key: bytes
    signing_key: bytes
    recipient: str
    organisation: str
    issued_at: str
    raw: dict

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.signing_key)


def _canonical(data: dict) -> bytes:
    return json.dumps({k: v for k, v in data.items() if k != "signature"}, sort_keys=True,
                      separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def parse_statement(data: dict) -> Statement | None:
    """A well-formed statement whose signature verifies with the previous key it names; None for anything else."""
    try:
        if not isinstance(data, dict) or data.get("format") != FORMAT or int(data.get("version", 0)) != VERSION:
            return None
        previous, new = unb64(str(data["previous_signing_key"])), unb64(str(data["signing_key"]))
        recipient = str(data["recipient"])
        if len(previous) != 32 or len(new) != 32 or previous == new:
            return None
        from pyrage import x25519

        x25519.Recipient.from_str(recipient)
        signed = _canonical(data)
    except Exception:  # noqa: BLE001 - any malformed field: not a statement
        return None
    if not verify(previous, str(data.get("signature", "")), signed):
        return None
    return Statement(previous, new, recipient, str(data.get("organisation", "")), str(data.get("issued_at", "")),
                     data)


def apply_statement(enrolment, statement: Statement):
    """The enrolment as it stands after a statement signed by its own signing key (the caller checked that)."""
    recipients = [statement.recipient] + [r for r in enrolment.recipients if r != statement.recipient]
    return replace(enrolment, signing_key=statement.signing_key, recipients=recipients,
                   issued_at=max(enrolment.issued_at, statement.issued_at),
                   organisation=statement.organisation or enrolment.organisation)


def apply_stored(enrolment, raw_list: str | None):
    """The enrolment file's enrolment, carried through the statements taken before (each checked again)."""
    try:
        taken = json.loads(raw_list or "[]")
    except ValueError:
        taken = []
    for raw in taken if isinstance(taken, list) else []:
        statement = parse_statement(raw)
        if statement is None or statement.previous_signing_key != enrolment.signing_key:
            break
        enrolment = apply_statement(enrolment, statement)
    return enrolment


# -- the supervisor -------------------------------------------------------------

def _write_statement(shared: Path, statement: dict) -> Path:
    folder = Path(shared) / FOLDER
    folder.mkdir(exist_ok=True)
    stamp = statement["issued_at"].replace(":", "").replace("-", "").replace("+0000", "Z")
    final = folder / f"rotation-{stamp}-{statement['fingerprint'].replace('-', '')[:8].lower()}{SUFFIX}"
    # Nothing secret in it: every account of the organisation reads it.
    atomic_write_bytes(final, json.dumps(statement, indent=2, sort_keys=True, ensure_ascii=False).encode("utf-8"),
                       shared=True)
    return final


def write_statements(profile, shared: Path) -> list[Path]:
    """Put back on the drive every statement this profile made that is missing there (mentors need the chain)."""
    folder = Path(shared) / FOLDER
    present = set()
    for entry in drive.entries(folder, root=Path(shared), suffix=SUFFIX):
        try:
            present.add(_canonical(json.loads(drive.read_limited(entry.path, MAX_BYTES).decode("utf-8"))))
        except (OSError, drive.TooLarge, ValueError, UnicodeDecodeError, AttributeError, RecursionError):
            continue
    written = []
    for statement in json.loads(profile.get_setting(MADE) or "[]"):
        if _canonical(statement) not in present:
            written.append(_write_statement(Path(shared), statement))
    return written


@dataclass
class RotationResult:
    statement: Path
    fingerprint: str       # the new signing key's: read out to mentors who enrol from now on
    recipient: str         # the new age recipient batches are sealed to
    previous_fingerprint: str
    receipt_written: bool = False
    directory_published: bool = False

    def words(self) -> str:
        parts = [f"New organisation keys made (new fingerprint {self.fingerprint}, replacing "
                 f"{self.previous_fingerprint}). The statement for mentors' apps, signed with the old key, is at "
                 f"{self.statement}: each mentor's app takes the new keys on its next trip, with no new enrolment. "
                 "The old keys stay in this profile, so batches sealed to them still import."]
        if self.directory_published:
            parts.append("The directory was published again, signed with the new key.")
        parts.append("Mentors enrolling from now on need a new enrolment file (mentor-app enrolment-file) and the "
                     "new fingerprint. Leave the keys folder on the shared drive as it is.")
        return " ".join(parts)


def rotate_keys(profile, shared: str | Path | None = None) -> RotationResult:
    """New organisation keys, and the old signing key's statement about them on the shared drive."""
    from .enrolment import SHARED_FOLDER

    if profile.role != "supervisor":
        raise BadInput("Only a supervisor profile holds the organisation's keys.")
    keys = organisation_keys(profile)
    if keys is None:
        raise BadInput("This profile has no organisation keys yet, so there is nothing to change. They are made "
                       "with the first enrolment file: mentor-app enrolment-file -o FILE")
    shared = shared or profile.get_setting(SHARED_FOLDER)
    if not shared or not Path(shared).is_dir():
        raise BadInput("The shared folder can't be found, and mentors' apps learn the new keys from there. Connect "
                       "the shared drive (or name it with --shared DIR) and try again. Nothing was changed.")
    shared = Path(shared)
    try:
        write_statements(profile, shared)  # an earlier rotation whose statement never reached the drive
        (shared / FOLDER).mkdir(exist_ok=True)
        probe = shared / FOLDER / f".probe-{uuid.uuid4().hex[:8]}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError:
        raise BadInput("The shared folder can't be written to, and mentors' apps learn the new keys from there. "
                       "Nothing was changed.") from None
    identities, old = keys
    from pyrage import x25519

    new_identity = str(x25519.Identity.generate())
    new = SigningKey(new_signing_private())
    statement = {
        "format": FORMAT,
        "version": VERSION,
        "organisation": load_settings(profile).organisation or profile.display_name,
        "previous_signing_key": b64(old.public),
        "previous_fingerprint": old.fingerprint,
        "signing_key": b64(new.public),
        "fingerprint": new.fingerprint,
        "recipient": age_recipient(new_identity),
        "issued_at": _now(),
    }
    statement["signature"] = old.sign(_canonical(statement))
    made = json.loads(profile.get_setting(MADE) or "[]") + [statement]
    olds = [old.private_b64] + (profile.get_setting(OLD_SIGNING) or "").split()
    # Keys and statement in one transaction: the profile never holds keys it has not said it holds.
    profile.set_settings({ORG_AGE: "\n".join([new_identity] + identities), ORG_SIGNING: new.private_b64,
                          OLD_SIGNING: "\n".join(olds), MADE: json.dumps(made, ensure_ascii=False)})
    try:
        path = _write_statement(shared, statement)
    except OSError:
        raise RotationError("The new keys are made, but the statement for mentors' apps couldn't be written to the "
                            "shared folder. Connect the drive and run: mentor-app rotate-keys --write-statements"
                            ) from None
    result = RotationResult(path, new.fingerprint, statement["recipient"], old.fingerprint)
    result.directory_published = _publish_again(profile, shared, old.public)
    from .receipts import write_receipt

    result.receipt_written = write_receipt(profile, shared) is not None
    return result


def _publish_again(profile, shared: Path, old_public: bytes) -> bool:
    """Publish the directory again under the new key if it was published under the old one; remove the old ones."""
    from . import publish

    old_files = []
    for entry in drive.entries(shared / publish.FOLDER, root=shared, suffix=publish.SUFFIX):
        try:
            publish.read_published(drive.read_limited(entry.path, publish.MAX_BYTES), old_public)
            old_files.append(entry.path)
        except (OSError, drive.TooLarge, publish.PublishedDirectoryInvalid):
            continue
    if not old_files:
        return False
    try:
        publish.publish(profile, shared)
    except (OSError, MentorAppError):
        return False
    for path in old_files:
        try:
            path.unlink()
        except OSError:
            pass
    return True


# -- the mentor -----------------------------------------------------------------

def read_key_rotations(profile, shared: str | Path):
    """Take every statement on the drive that chains from the enrolled signing key; returns the enrolment now.

    Only a statement that verifies with the key the app holds now is taken; two different ones from the
    same key are both left alone (and logged), since the organisation never writes two.
    """
    from .enrolment import current_enrolment

    enrolment = current_enrolment(profile)
    if enrolment is None:
        return None
    shared = Path(shared)
    try:
        bad = set(json.loads(profile.get_setting(BAD_FILES) or "[]"))
    except ValueError:
        bad = set()
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
        try:
            before = json.loads(profile.get_setting(ROTATIONS) or "[]")
        except ValueError:
            before = []
        values[ROTATIONS] = json.dumps(before + taken, ensure_ascii=False)
        log.info("took %d key rotation(s)", len(taken))
    if values:
        profile.set_settings(values)
    return enrolment
