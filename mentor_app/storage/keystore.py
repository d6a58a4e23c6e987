"""Keeping the database key in the operating system's keyring.

Every way the keyring can fail is named, so the app can say which one it is
and fall back to the passphrase: a keyring problem is never a reason to make
a new key or to touch the data.
"""

from __future__ import annotations

import enum

import keyring
import keyring.errors

from .. import APP_NAME

SERVICE = APP_NAME


class KeyringStatus(enum.Enum):
    OK = "ok"
    DISABLED = "disabled"
    UNAVAILABLE = "unavailable"
    LOCKED = "locked"
    MISSING = "missing"
    MISMATCH = "mismatch"
    ERROR = "error"

    def explain(self) -> str:
        return _EXPLANATIONS[self]


_EXPLANATIONS = {
    KeyringStatus.OK: "The key is in this computer's keyring.",
    KeyringStatus.DISABLED: "Keeping the key in the keyring is turned off for this profile.",
    KeyringStatus.UNAVAILABLE: "This computer's keyring can't be reached.",
    KeyringStatus.LOCKED: "This computer's keyring is locked.",
    KeyringStatus.MISSING: "The key is no longer in this computer's keyring (it may have been reset or cleared).",
    KeyringStatus.MISMATCH: "The keyring holds a different key than this profile needs.",
    KeyringStatus.ERROR: "The keyring gave an error.",
}


def _username(profile_id: str) -> str:
    return f"profile-{profile_id}"


def _backend_usable() -> bool:
    try:
        backend = keyring.get_keyring()
    except Exception:  # noqa: BLE001 - a broken keyring set-up means "no keyring", never a crash
        return False
    priority = getattr(backend, "priority", 0)
    try:
        return float(priority) > 0
    except (TypeError, ValueError):
        return True


def _ask(call, *args) -> tuple[object, KeyringStatus]:
    """Run one keyring call, turning each way it can fail into a status."""
    if not _backend_usable():
        return None, KeyringStatus.UNAVAILABLE
    try:
        return call(SERVICE, *args), KeyringStatus.OK
    except keyring.errors.PasswordDeleteError:
        return None, KeyringStatus.MISSING
    except keyring.errors.KeyringLocked:
        return None, KeyringStatus.LOCKED
    except (keyring.errors.NoKeyringError, keyring.errors.InitError):
        return None, KeyringStatus.UNAVAILABLE
    except Exception:  # noqa: BLE001 - backends raise their own types (D-Bus, Win32)
        return None, KeyringStatus.ERROR


def read_key(profile_id: str) -> tuple[bytes | None, KeyringStatus]:
    """The stored key and OK, or None and the reason it could not be read."""
    value, status = _ask(keyring.get_password, _username(profile_id))
    if status is not KeyringStatus.OK:
        return None, status
    if value is None:
        return None, KeyringStatus.MISSING
    try:
        return bytes.fromhex(value), KeyringStatus.OK
    except ValueError:
        return None, KeyringStatus.MISMATCH


def store_key(profile_id: str, key: bytes) -> KeyringStatus:
    return _ask(keyring.set_password, _username(profile_id), key.hex())[1]


def forget_key(profile_id: str) -> KeyringStatus:
    """Remove this profile's key from the keyring; MISSING if it was not there."""
    return _ask(keyring.delete_password, _username(profile_id))[1]
