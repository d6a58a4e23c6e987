"""Wrapping the database key with a passphrase or a recovery code.

The data key is random; what a person types only ever unwraps it. Changing
the passphrase therefore rewrites a few hundred bytes, never the database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import time
from dataclasses import dataclass
from typing import Any

# The KDF and the ciphers are imported where a passphrase or code is used: a profile opened by the keyring
# needs neither, and the app starts faster without them.

KEY_BYTES = 32

# One wrapped key as profile.json keeps it: the KDF, its parameters, the nonce and the ciphertext (JSON values).
Wrap = dict[str, Any]

# Look-alike characters (0/O, 1/I/L, U/V) are left out so a code copied by
# hand onto paper comes back right.
RECOVERY_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
RECOVERY_GROUPS = 5
RECOVERY_GROUP_LEN = 5

# Memory-hard enough to hurt a GPU farm, small enough for an old laptop.
ARGON2_MEMORY_KIB = 64 * 1024
ARGON2_PARALLELISM = 2
KDF_TARGET_SECONDS = 0.75
MIN_PASSPHRASE_CHARS = 8


def new_data_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def key_check(key: bytes) -> str:
    """A short public tag that tells whether a key is this profile's key."""
    return hmac.new(key, b"mentor-app key check v1", hashlib.sha256).hexdigest()[:16]


@dataclass(frozen=True)
class Argon2Params:
    time_cost: int
    memory_kib: int = ARGON2_MEMORY_KIB
    parallelism: int = ARGON2_PARALLELISM


def _argon2(secret: bytes, salt: bytes, p: Argon2Params) -> bytes:
    from argon2.low_level import Type, hash_secret_raw  # imported here: keeps start-up fast

    return hash_secret_raw(
        secret=secret,
        salt=salt,
        time_cost=p.time_cost,
        memory_cost=p.memory_kib,
        parallelism=p.parallelism,
        hash_len=KEY_BYTES,
        type=Type.ID,
    )


def calibrate_argon2(target_seconds: float = KDF_TARGET_SECONDS) -> Argon2Params:
    """Pick a time cost that takes about `target_seconds` on this machine."""
    salt = os.urandom(16)
    time_cost = 2
    for _ in range(3):
        start = time.perf_counter()
        _argon2(b"calibration", salt, Argon2Params(time_cost=time_cost))
        elapsed = max(time.perf_counter() - start, 1e-3)
        if elapsed >= target_seconds * 0.8:
            break
        time_cost = min(64, max(time_cost + 1, round(time_cost * target_seconds / elapsed)))
    return Argon2Params(time_cost=time_cost)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _seal(wrapping_key: bytes, data_key: bytes, aad: bytes) -> dict[str, str]:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # imported here: keeps start-up fast

    nonce = os.urandom(12)
    ct = AESGCM(wrapping_key).encrypt(nonce, data_key, aad)
    return {"nonce": _b64(nonce), "ciphertext": _b64(ct)}


def _open(wrapping_key: bytes, wrap: Wrap, aad: bytes) -> bytes | None:
    # imported here: keeps start-up fast
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        return AESGCM(wrapping_key).decrypt(_unb64(wrap["nonce"]), _unb64(wrap["ciphertext"]), aad)
    except (InvalidTag, ValueError, KeyError):
        return None


def _aad(profile_id: str, kind: str) -> bytes:
    # Binding the wrap to its profile and kind stops wraps being swapped around.
    return f"mentor-app:{profile_id}:{kind}".encode()


def wrap_with_passphrase(data_key: bytes, passphrase: str, profile_id: str, params: Argon2Params | None = None) -> Wrap:
    params = params or calibrate_argon2()
    salt = os.urandom(16)
    wrapping_key = _argon2(passphrase.encode("utf-8"), salt, params)
    return {
        "kdf": "argon2id",
        "salt": _b64(salt),
        "time_cost": params.time_cost,
        "memory_kib": params.memory_kib,
        "parallelism": params.parallelism,
        **_seal(wrapping_key, data_key, _aad(profile_id, "passphrase")),
    }


def unwrap_with_passphrase(wrap: Wrap, passphrase: str, profile_id: str) -> bytes | None:
    """The data key, or None when the passphrase does not match."""
    params = Argon2Params(
        time_cost=int(wrap["time_cost"]),
        memory_kib=int(wrap["memory_kib"]),
        parallelism=int(wrap["parallelism"]),
    )
    wrapping_key = _argon2(passphrase.encode("utf-8"), _unb64(wrap["salt"]), params)
    return _open(wrapping_key, wrap, _aad(profile_id, "passphrase"))


def new_recovery_code() -> str:
    chars = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_GROUPS * RECOVERY_GROUP_LEN))
    return "-".join(chars[i : i + RECOVERY_GROUP_LEN] for i in range(0, len(chars), RECOVERY_GROUP_LEN))


def normalise_recovery_code(text: str) -> str | None:
    """The code without spaces, dashes or case; None if it cannot be a recovery code."""
    cleaned = "".join(ch for ch in text.upper() if ch not in " -\t\n")
    if len(cleaned) != RECOVERY_GROUPS * RECOVERY_GROUP_LEN:
        return None
    if any(ch not in RECOVERY_ALPHABET for ch in cleaned):
        return None
    return cleaned


def _recovery_wrapping_key(code: str, salt: bytes) -> bytes:
    # imported here: keeps start-up fast
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    # ~122 bits of randomness: a fast KDF is enough, unlike for a passphrase.
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=salt, info=b"mentor-app recovery v1").derive(
        code.encode("ascii")
    )


def wrap_with_recovery_code(data_key: bytes, code: str, profile_id: str) -> Wrap:
    normalised = normalise_recovery_code(code)
    if normalised is None:
        raise ValueError("not a recovery code")
    salt = os.urandom(16)
    return {
        "kdf": "hkdf-sha256",
        "salt": _b64(salt),
        **_seal(_recovery_wrapping_key(normalised, salt), data_key, _aad(profile_id, "recovery")),
    }


def unwrap_with_recovery_code(wrap: Wrap, code: str, profile_id: str) -> bytes | None:
    normalised = normalise_recovery_code(code)
    if normalised is None:
        return None
    return _open(_recovery_wrapping_key(normalised, _unb64(wrap["salt"])), wrap, _aad(profile_id, "recovery"))
