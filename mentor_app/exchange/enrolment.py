"""Enrolment: the supervisor's small public file that tells a mentor's app where exports go.

The file is signed by the organisation's own signing key; what makes it
trustworthy is the mentor comparing its fingerprint with the one the
supervisor reads out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ..errors import BadInput, MentorAppError
from ..settings import load_settings
from . import drive
from .keys import age_recipient, b64, fingerprint, normalise_fingerprint, organisation_keys, unb64, verify

FORMAT = "mentor-app-enrolment"
VERSION = 1
ENROLMENT = "exchange.enrolment"
SHARED_FOLDER = "exchange.shared_folder"
MAX_BYTES = 64 * 1024


class EnrolmentError(MentorAppError):
    pass


def _canonical(data: dict) -> bytes:
    return json.dumps({k: v for k, v in data.items() if k != "signature"}, sort_keys=True,
                      separators=(",", ":"), ensure_ascii=False).encode("utf-8")


@dataclass(frozen=True)
class Enrolment:
    organisation: str
    recipients: list[str]
    signing_key: bytes
    escrow_recipient: str
    issued_at: str
    raw: dict

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.signing_key)


def make_enrolment(profile, escrow_recipient: str = "") -> dict:
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
        "issued_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    data["signature"] = signing.sign(_canonical(data))
    return data


def parse_enrolment(raw: bytes) -> Enrolment:
    """Check an enrolment file completely; EnrolmentError says plainly what is wrong."""
    damaged = EnrolmentError("This enrolment file is damaged or is not a Mentor App enrolment file. "
                             "Ask your supervisor for a new one. Nothing was changed.")
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
        signed = _canonical(data)  # a lone surrogate escape can't be encoded: not written by Mentor App
        signing_key = unb64(str(data["signing_key"]))
        recipients = [str(r) for r in data["recipients"]]
        if len(signing_key) != 32 or not recipients or not all(r.startswith("age1") for r in recipients):
            raise ValueError
        from pyrage import x25519

        for r in recipients + ([data["escrow_recipient"]] if data.get("escrow_recipient") else []):
            x25519.Recipient.from_str(r)
    except Exception:  # noqa: BLE001 - any malformed field means the same to the person
        raise damaged from None
    if not verify(signing_key, str(data.get("signature", "")), signed):
        raise EnrolmentError("This enrolment file has been changed since the organisation signed it, so it can't "
                             "be trusted. Ask your supervisor for a new one. Nothing was changed.")
    return Enrolment(organisation=str(data.get("organisation", "")), recipients=recipients,
                     signing_key=signing_key, escrow_recipient=str(data.get("escrow_recipient", "")),
                     issued_at=str(data.get("issued_at", "")), raw=data)


def read_enrolment_file(path: Path) -> Enrolment:
    try:
        raw = drive.read_limited(Path(path), MAX_BYTES)
    except drive.TooLarge:
        raise EnrolmentError("This is far too large to be an enrolment file. Ask your supervisor for a new one. "
                             "Nothing was changed.") from None
    except OSError as exc:
        raise BadInput(f"Couldn't read {Path(path).name}: {exc.strerror or 'the file could not be opened'}.") from None
    return parse_enrolment(raw)


def current_enrolment(profile) -> Enrolment | None:
    raw = profile.get_setting(ENROLMENT)
    return parse_enrolment(raw.encode("utf-8")) if raw else None


def accept_enrolment(profile, enrolment: Enrolment, expected_fingerprint: str, shared_folder: str = "") -> str:
    """Store the enrolment once its fingerprint matches what the supervisor read out."""
    if profile.role != "mentor":
        raise BadInput("Enrolment is for mentor profiles.")
    if normalise_fingerprint(expected_fingerprint) != enrolment.fingerprint:
        raise EnrolmentError(f"The fingerprints don't match (this file says {enrolment.fingerprint}). Don't use it: "
                             "ask your supervisor to check. Nothing was changed.")
    existing = current_enrolment(profile)
    if existing is not None and existing.signing_key != enrolment.signing_key:
        raise EnrolmentError(f"This profile is already enrolled with {existing.organisation or 'another organisation'} "
                             "and this file is for a different organisation. Nothing was changed.")
    if existing is not None and enrolment.issued_at < existing.issued_at:
        raise EnrolmentError("This enrolment file is older than the one already in use. Nothing was changed.")
    values = {ENROLMENT: json.dumps(enrolment.raw, sort_keys=True, ensure_ascii=False)}
    if shared_folder:
        values[SHARED_FOLDER] = shared_folder
    profile.set_settings(values)
    return "updated" if existing is not None else "enrolled"
