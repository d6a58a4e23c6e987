"""Enrolment: the supervisor's small public file that tells a mentor's app where exports go.

The file is signed by the organisation's own signing key; what makes it
trustworthy is the mentor typing the fingerprint the supervisor reads out
before the app shows anything of the file's, and the app comparing it: no
message ever shows the file's own fingerprint. After enrolment, the
organisation's keys can change with a signed statement (rotation.py), so
`current_enrolment` is the file's enrolment carried through the statements taken.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pyrage import x25519

from .. import clock
from ..errors import BadInput, MentorAppError
from ..setting_keys import ENROLMENT, ROTATIONS
from ..setting_keys import SHARED_FOLDER as SHARED_FOLDER  # the windows and the command line read it from here
from ..settings import load_settings
from . import drive
from .keys import (
    age_recipient,
    b64,
    fingerprint,
    normalise_fingerprint,
    organisation_keys,
    signed_bytes,
    unb64,
    verify,
)
from .rotation import apply_stored, parse_statement, read_key_rotations

if TYPE_CHECKING:
    from ..storage.profile import Profile

FORMAT = "mentor-app-enrolment"
VERSION = 1
MAX_BYTES = 64 * 1024


class EnrolmentError(MentorAppError):
    pass


MISMATCH = (
    "The fingerprints don't match: the one you typed is not this enrolment file's. Don't use the file: ask "
    "your supervisor to check it with you (in person or on the phone). Nothing was changed."
)


@dataclass(frozen=True)
class Enrolment:
    organisation: str
    recipients: list[str]
    signing_key: bytes
    escrow_recipient: str
    issued_at: str
    raw: dict[str, Any]

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.signing_key)


def make_enrolment(profile: Profile, escrow_recipient: str = "") -> dict[str, Any]:
    if profile.role != "supervisor":
        raise BadInput("Only a supervisor profile can write an enrolment file.")
    identities, signing = organisation_keys(profile, create=True)
    data = {
        "format": FORMAT,
        "version": VERSION,
        "organisation": load_settings(profile).organisation or profile.display_name,
        "recipients": [age_recipient(i) for i in identities],
        "escrow_recipient": escrow_recipient,
        "signing_key": b64(signing.public),
        "fingerprint": signing.fingerprint,
        "issued_at": clock.stamp(),
    }
    data["signature"] = signing.sign(signed_bytes(data))
    return data


def parse_enrolment(raw: bytes) -> Enrolment:
    """Check an enrolment file completely; EnrolmentError says plainly what is wrong."""
    damaged = EnrolmentError(
        "This enrolment file is damaged or is not a Mentor App enrolment file. "
        "Ask your supervisor for a new one. Nothing was changed."
    )
    if len(raw) > MAX_BYTES:
        raise damaged
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise damaged from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise damaged
    try:
        newer = int(data.get("version", 0) or 0) > VERSION
    except (TypeError, ValueError, OverflowError):
        raise damaged from None
    if newer:
        raise EnrolmentError("This enrolment file was made by a newer version of Mentor App. Please update the app.")
    try:
        signed = signed_bytes(data)  # a lone surrogate escape can't be encoded: not written by Mentor App
        signing_key = unb64(str(data["signing_key"]))
        recipients = [str(r) for r in data["recipients"]]
        if len(signing_key) != 32 or not recipients or not all(r.startswith("age1") for r in recipients):
            raise ValueError
        for r in recipients + ([data["escrow_recipient"]] if data.get("escrow_recipient") else []):
            x25519.Recipient.from_str(r)
    except Exception:  # noqa: BLE001 - any malformed field means the same to the person
        raise damaged from None
    if not verify(signing_key, str(data.get("signature", "")), signed):
        raise EnrolmentError(
            "This enrolment file has been changed since the organisation signed it, so it can't "
            "be trusted. Ask your supervisor for a new one. Nothing was changed."
        )
    return Enrolment(
        organisation=str(data.get("organisation", "")),
        recipients=recipients,
        signing_key=signing_key,
        escrow_recipient=str(data.get("escrow_recipient", "")),
        issued_at=str(data.get("issued_at", "")),
        raw=data,
    )


def read_enrolment_file(path: Path) -> Enrolment:
    try:
        raw = drive.read_limited(Path(path), MAX_BYTES)
    except drive.TooLarge:
        raise EnrolmentError(
            "This is far too large to be an enrolment file. Ask your supervisor for a new one. Nothing was changed."
        ) from None
    except OSError as exc:
        raise BadInput(f"Couldn't read {Path(path).name}: {exc.strerror or 'the file could not be opened'}.") from None
    return parse_enrolment(raw)


def escrow_words(enrolment: Enrolment) -> str:
    """The escrow recipient, if any, in a sentence the mentor can read before enrolling."""
    if not enrolment.escrow_recipient:
        return ""
    return (
        "Every batch is also encrypted to a second key your organisation keeps for emergencies (escrow): "
        f"{enrolment.escrow_recipient}"
    )


def current_enrolment(profile: Profile) -> Enrolment | None:
    """The enrolment in use: the enrolment file's, carried through the key rotations taken since."""
    raw = profile.get_setting(ENROLMENT)
    if not raw:
        return None
    return apply_stored(parse_enrolment(raw.encode("utf-8")), profile.get_json(ROTATIONS, []))


def _rotated_to(profile: Profile, existing: Enrolment, enrolment: Enrolment) -> Enrolment:
    """The enrolment in use after reading the shared folder's key rotations (a new file may follow one)."""
    folder = profile.get_setting(SHARED_FOLDER)
    if existing.signing_key == enrolment.signing_key or not folder or not Path(folder).is_dir():
        return existing
    try:
        return read_key_rotations(profile, Path(folder), existing) or existing
    except OSError:
        return existing


def _earlier_keys(profile: Profile) -> set[bytes]:
    """The signing keys this profile was enrolled with before the rotations it took."""
    raw = profile.get_setting(ENROLMENT)
    keys = {parse_enrolment(raw.encode("utf-8")).signing_key} if raw else set()
    for statement in map(parse_statement, profile.get_json(ROTATIONS, [])):
        if statement is not None:
            keys.add(statement.previous_signing_key)
    return keys


def fingerprint_matches(enrolment: Enrolment, typed: str) -> bool:
    return bool(typed) and normalise_fingerprint(typed) == enrolment.fingerprint


def accept_enrolment(profile: Profile, enrolment: Enrolment, expected_fingerprint: str, shared_folder: str = "") -> str:
    """Store the enrolment once its fingerprint matches what the supervisor read out."""
    if profile.role != "mentor":
        raise BadInput("Enrolment is for mentor profiles.")
    if not fingerprint_matches(enrolment, expected_fingerprint or ""):
        # Never a hint of the file's own fingerprint: the whole check is that the mentor hears it elsewhere.
        raise EnrolmentError(MISMATCH)
    existing = current_enrolment(profile)
    if existing is not None:
        existing = _rotated_to(profile, existing, enrolment)
    if existing is not None and existing.signing_key != enrolment.signing_key:
        if enrolment.signing_key in _earlier_keys(profile):
            raise EnrolmentError(
                "This enrolment file carries your organisation's old keys, which it has changed "
                "since. Ask your supervisor for a new one. Nothing was changed."
            )
        raise EnrolmentError(
            f"This profile is already enrolled with {existing.organisation or 'another organisation'} "
            "and this file is for a different organisation. Nothing was changed."
        )
    if existing is not None and enrolment.issued_at < existing.issued_at:
        raise EnrolmentError("This enrolment file is older than the one already in use. Nothing was changed.")
    # The new file is signed by the key in use: the rotations taken before it are behind it now.
    values = {ENROLMENT: json.dumps(enrolment.raw, sort_keys=True, ensure_ascii=False), ROTATIONS: "[]"}
    if shared_folder:
        values[SHARED_FOLDER] = shared_folder
    profile.set_settings(values)
    return "updated" if existing is not None else "enrolled"
