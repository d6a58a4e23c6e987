"""The keys for sharing: the organisation's (supervisor) and each mentor device's signing key.

Secret keys live only inside the encrypted profile's settings. A fingerprint is
short enough to read out over the phone: 16 letters and digits in 4 groups.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, overload

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat
from pyrage import x25519

from ..setting_keys import DEVICE_SIGNING, ORG_AGE, ORG_SIGNING, PSEUDONYM_SECRET

if TYPE_CHECKING:
    from ..storage.profile import Profile

_FP_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def fingerprint(public_key: bytes) -> str:
    """A short, readable fingerprint of a public key (about 78 bits)."""
    digest = int.from_bytes(hashlib.sha256(public_key).digest()[:12], "big")
    chars = []
    for _ in range(16):
        digest, index = divmod(digest, len(_FP_ALPHABET))
        chars.append(_FP_ALPHABET[index])
    text = "".join(chars)
    return "-".join(text[i : i + 4] for i in range(0, 16, 4))


def normalise_fingerprint(text: str) -> str:
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum())
    return "-".join(cleaned[i : i + 4] for i in range(0, len(cleaned), 4))


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def _private_bytes(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())


def sign(private_b64: str, data: bytes) -> str:
    return b64(Ed25519PrivateKey.from_private_bytes(unb64(private_b64)).sign(data))


def verify(public: bytes, signature_b64: str, data: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(unb64(signature_b64), data)
        return True
    except (InvalidSignature, ValueError):
        return False


@dataclass(frozen=True)
class SigningKey:
    private_b64: str

    @property
    def public(self) -> bytes:
        return raw_public(Ed25519PrivateKey.from_private_bytes(unb64(self.private_b64)).public_key())

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public)

    def sign(self, data: bytes) -> str:
        return sign(self.private_b64, data)


def _new_signing() -> str:
    return b64(_private_bytes(Ed25519PrivateKey.generate()))


def new_signing_private() -> str:
    """A new Ed25519 private key (base64), not stored anywhere yet: key rotation stores it with its statement."""
    return _new_signing()


def device_key(profile: Profile) -> SigningKey:
    """This profile's signing key, made the first time it is needed."""
    value = profile.get_setting(DEVICE_SIGNING)
    if value is None:
        value = _new_signing()
        profile.set_setting(DEVICE_SIGNING, value)
    return SigningKey(value)


def pseudonym_secret(profile: Profile) -> bytes:
    value = profile.get_setting(PSEUDONYM_SECRET)
    if value is None:
        value = b64(secrets.token_bytes(32))
        profile.set_setting(PSEUDONYM_SECRET, value)
    return unb64(value)


@overload
def organisation_keys(profile: Profile, create: Literal[True]) -> tuple[list[str], SigningKey]: ...
@overload
def organisation_keys(profile: Profile, create: bool = False) -> tuple[list[str], SigningKey] | None: ...


def organisation_keys(profile: Profile, create: bool = False) -> tuple[list[str], SigningKey] | None:
    """(age identities newest first, signing key) of a supervisor profile."""
    identities = profile.get_setting(ORG_AGE)
    signing = profile.get_setting(ORG_SIGNING)
    if identities is None or signing is None:
        if not create:
            return None
        identities, signing = str(x25519.Identity.generate()), _new_signing()
        profile.set_settings({ORG_AGE: identities, ORG_SIGNING: signing})
    return identities.splitlines(), SigningKey(signing)


def rotate_organisation_key(profile: Profile) -> str:
    """A new age key for exports; the old ones stay, to read what was sent before."""
    identities, _ = organisation_keys(profile, create=True)
    new = str(x25519.Identity.generate())
    profile.set_setting(ORG_AGE, "\n".join([new] + identities))
    return str(x25519.Identity.from_str(new).to_public())


def age_recipient(identity: str) -> str:
    return str(x25519.Identity.from_str(identity).to_public())


def signed_bytes(data: dict[str, Any]) -> bytes:
    """What a signature over a JSON document covers: its canonical form, the signature left out.

    The enrolment file and key-rotation statements are signed this way; the bytes must never change.
    """
    return json.dumps(
        {k: v for k, v in data.items() if k != "signature"}, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")
