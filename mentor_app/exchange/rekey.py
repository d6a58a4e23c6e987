"""The supervisor changes the organisation's keys: new keys, the old key's signed statement about them
on the shared drive (rotation.py), the directory published again under the new key, and a receipt.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pyrage import x25519

from .. import clock
from ..errors import BadInput, MentorAppError
from ..setting_keys import ORG_AGE, ORG_SIGNING, SHARED_FOLDER
from ..setting_keys import ORG_OLD_SIGNING as OLD_SIGNING
from ..setting_keys import ROTATION_STATEMENTS as MADE
from ..settings import load_settings
from . import drive, publish
from .keys import (
    SigningKey,
    age_recipient,
    b64,
    new_signing_private,
    organisation_keys,
    signed_bytes,
)
from .receipts import write_receipt
from .rotation import (
    FOLDER,
    FORMAT,
    VERSION,
    RotationError,
    _write_statement,
    write_statements,
)

if TYPE_CHECKING:
    from ..storage.profile import Profile


@dataclass
class RotationResult:
    statement: Path
    fingerprint: str  # the new signing key's: read out to mentors who enrol from now on
    recipient: str  # the new age recipient batches are sealed to
    previous_fingerprint: str
    receipt_written: bool = False
    directory_published: bool = False

    def words(self) -> str:
        parts = [
            f"New organisation keys made (new fingerprint {self.fingerprint}, replacing "
            f"{self.previous_fingerprint}). The statement for mentors' apps, signed with the old key, is at "
            f"{self.statement}: each mentor's app takes the new keys on its next trip, with no new enrolment. "
            "The old keys stay in this profile, so batches sealed to them still import."
        ]
        if self.directory_published:
            parts.append("The directory was published again, signed with the new key.")
        parts.append(
            "Mentors enrolling from now on need a new enrolment file (mentor-app enrolment-file) and the "
            "new fingerprint. Leave the keys folder on the shared drive as it is."
        )
        return " ".join(parts)


def rotate_keys(profile: Profile, shared: str | Path | None = None) -> RotationResult:
    """New organisation keys, and the old signing key's statement about them on the shared drive."""
    if profile.role != "supervisor":
        raise BadInput("Only a supervisor profile holds the organisation's keys.")
    keys = organisation_keys(profile)
    if keys is None:
        raise BadInput(
            "This profile has no organisation keys yet, so there is nothing to change. They are made "
            "with the first enrolment file: mentor-app enrolment-file -o FILE"
        )
    shared = shared or profile.get_setting(SHARED_FOLDER)
    if not shared or not Path(shared).is_dir():
        raise BadInput(
            "The shared folder can't be found, and mentors' apps learn the new keys from there. Connect "
            "the shared drive (or name it with --shared DIR) and try again. Nothing was changed."
        )
    shared = Path(shared)
    try:
        write_statements(profile, shared)  # an earlier rotation whose statement never reached the drive
        (shared / FOLDER).mkdir(exist_ok=True)
        probe = shared / FOLDER / f".probe-{uuid.uuid4().hex[:8]}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError:
        raise BadInput(
            "The shared folder can't be written to, and mentors' apps learn the new keys from there. "
            "Nothing was changed."
        ) from None
    identities, old = keys
    new_identity = str(x25519.Identity.generate())
    new = SigningKey(new_signing_private())
    recipient = age_recipient(new_identity)
    statement = {
        "format": FORMAT,
        "version": VERSION,
        "organisation": load_settings(profile).organisation or profile.display_name,
        "previous_signing_key": b64(old.public),
        "previous_fingerprint": old.fingerprint,
        "signing_key": b64(new.public),
        "fingerprint": new.fingerprint,
        "recipient": recipient,
        "issued_at": clock.stamp(),
    }
    statement["signature"] = old.sign(signed_bytes(statement))
    made = profile.get_json(MADE, []) + [statement]
    olds = [old.private_b64] + (profile.get_setting(OLD_SIGNING) or "").split()
    # Keys and statement in one transaction: the profile never holds keys it has not said it holds.
    profile.set_settings(
        {
            ORG_AGE: "\n".join([new_identity] + identities),
            ORG_SIGNING: new.private_b64,
            OLD_SIGNING: "\n".join(olds),
            MADE: json.dumps(made, ensure_ascii=False),
        }
    )
    try:
        path = _write_statement(shared, statement)
    except OSError:
        raise RotationError(
            "The new keys are made, but the statement for mentors' apps couldn't be written to the "
            "shared folder. Connect the drive and run: mentor-app rotate-keys --write-statements"
        ) from None
    result = RotationResult(path, new.fingerprint, recipient, old.fingerprint)
    result.directory_published = _publish_again(profile, shared, old.public)
    result.receipt_written = write_receipt(profile, shared) is not None
    return result


def _publish_again(profile: Profile, shared: Path, old_public: bytes) -> bool:
    """Publish the directory again under the new key if it was published under the old one; remove the old ones."""
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
