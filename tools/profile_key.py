#!/usr/bin/env python3
"""Print a Mentor App profile's database key, without the app.

    python3 profile_key.py PROFILE_FOLDER            (asks for the recovery code)
    python3 profile_key.py PROFILE_FOLDER --passphrase

The code or passphrase is read from the terminal, or from standard input when
that is not a terminal; never give it on the command line. What is printed is
the raw 256-bit key as 64 hex digits, for a SQLCipher 4 reader:
    PRAGMA key = "x'<the 64 hex digits>'";
It opens mentor.db and every backup of the profile. Keep it as safe as the
recovery code itself.

Needs Python 3.8+ and `cryptography` (pip install cryptography); the
passphrase also needs `argon2-cffi` (pip install argon2-cffi). It reads
PROFILE_FOLDER/profile.json and writes nothing.
"""

import base64
import getpass
import hashlib
import hmac
import json
import sys
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

RECOVERY_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


def recovery_wrapping_key(code: str, salt: bytes) -> bytes:
    # The code in capitals without spaces or dashes (25 characters), through HKDF-SHA256.
    cleaned = "".join(ch for ch in code.upper() if ch not in " -\t\r\n")
    if len(cleaned) != 25 or any(ch not in RECOVERY_ALPHABET for ch in cleaned):
        sys.exit("That is not a recovery code: it has 25 letters and digits in five groups.")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"mentor-app recovery v1").derive(
        cleaned.encode("ascii")
    )


def passphrase_wrapping_key(passphrase: str, wrap: dict) -> bytes:
    from argon2.low_level import Type, hash_secret_raw

    return hash_secret_raw(
        secret=passphrase.encode("utf-8"),
        salt=base64.b64decode(wrap["salt"]),
        time_cost=int(wrap["time_cost"]),
        memory_cost=int(wrap["memory_kib"]),
        parallelism=int(wrap["parallelism"]),
        hash_len=32,
        type=Type.ID,
    )


def unwrap(wrap: dict, wrapping_key: bytes, profile_id: str, kind: str):
    # AES-256-GCM; the associated data binds the wrap to its profile and kind.
    try:
        return AESGCM(wrapping_key).decrypt(
            base64.b64decode(wrap["nonce"]),
            base64.b64decode(wrap["ciphertext"]),
            f"mentor-app:{profile_id}:{kind}".encode(),
        )
    except InvalidTag:
        return None


def main() -> None:
    if len(sys.argv) not in (2, 3) or (len(sys.argv) == 3 and sys.argv[2] != "--passphrase"):
        sys.exit(__doc__)
    kind = "passphrase" if len(sys.argv) == 3 else "recovery"
    meta = json.loads((Path(sys.argv[1]) / "profile.json").read_text(encoding="utf-8"))
    prompt = "Passphrase: " if kind == "passphrase" else "Recovery code: "
    secret = getpass.getpass(prompt) if sys.stdin.isatty() else sys.stdin.readline().rstrip("\r\n")
    # A re-key cut short leaves "pending" wraps of the new key: print every key the secret opens.
    pending = meta["wraps"].get("pending", {})
    wraps = [meta["wraps"].get(kind)]
    if kind == "passphrase":
        wraps += [pending.get("passphrase"), pending.get("old_passphrase")]
    keys = []
    for wrap in filter(None, wraps):
        wrapping_key = (
            passphrase_wrapping_key(secret, wrap)
            if kind == "passphrase"
            else recovery_wrapping_key(secret, base64.b64decode(wrap["salt"]))
        )
        key = unwrap(wrap, wrapping_key, meta["profile_id"], kind)
        if key is not None and key not in keys:
            keys.append(key)
    if not keys:
        sys.exit(f"That {'passphrase' if kind == 'passphrase' else 'recovery code'} does not open this profile.")
    for key in keys:
        check = hmac.new(key, b"mentor-app key check v1", hashlib.sha256).hexdigest()[:16]
        if check != meta["key_check"]:
            print(
                "note: a re-key was cut short; if the first key does not open mentor.db, try the next", file=sys.stderr
            )
        print(key.hex())


if __name__ == "__main__":
    main()
