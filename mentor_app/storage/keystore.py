"""Keeping the database key in the operating system's keyring.

Every way the keyring can fail is named, so the app can say which one it is
and fall back to the passphrase: a keyring problem is never a reason to make
a new key or to touch the data.
"""

from __future__ import annotations

import enum
import hashlib
import os
import sys
import threading
from pathlib import Path
from typing import Any

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
    KeyringStatus.MISSING: (
        "The key is no longer in this computer's keyring (it may have been reset or cleared, "
        "or this profile folder was copied or moved here)."
    ),
    KeyringStatus.MISMATCH: "The keyring holds a different key than this profile needs.",
    KeyringStatus.ERROR: "The keyring gave an error.",
}


def entry_name(profile_id: str, profile_dir: Path) -> str:
    """The keyring entry of one copy of a profile: its id and the folder's real path.

    A copied profile folder has the same id and, until one of them is re-keyed,
    the same key; naming the entry after the folder too means a copy never
    reads, replaces or deletes the original's entry.
    """
    where = os.path.normcase(os.path.realpath(Path(profile_dir)))
    return f"profile-{profile_id}-{hashlib.sha256(where.encode('utf-8')).hexdigest()[:16]}"


def legacy_entry_name(profile_id: str) -> str:
    """The entry name of earlier versions, shared by every copy of the profile."""
    return f"profile-{profile_id}"


def _keyring() -> Any:
    """The keyring module, its backend chosen once.

    Imported when first needed, not with this module: it is a large part of the
    desktop app's start, and the start window is drawn before the key is read.
    On a Linux desktop that is not KDE, the backend keyring would choose after
    loading every backend it knows (the slowest part of reading the key) is the
    Secret Service; that one is taken directly, unless PYTHON_KEYRING_BACKEND or
    keyring's own configuration file names one.
    """
    global _chosen
    import keyring  # imported here: see the docstring
    import keyring.core
    import keyring.errors

    with _choosing:  # the desktop app reads the key on a worker while its first window is drawn
        if not _chosen:
            _chosen = True
            _choose_backend(keyring)
    return keyring


def _choose_backend(keyring: Any) -> None:
    if not _keyring_defaults_to_secret_service():
        return  # a backend set in this process or named by the environment or configuration stays
    try:
        from keyring.backends import SecretService  # imported here: see _keyring's docstring

        backend = SecretService.Keyring()
        if float(backend.priority) > 0:  # raises when the Secret Service can't be reached
            keyring.set_keyring(backend)
    except Exception:  # noqa: BLE001 - anything odd: keyring's own full detection decides, as before
        pass


_chosen = False
_choosing = threading.Lock()


def _backend_usable() -> bool:
    try:
        backend = _keyring().get_keyring()
    except Exception:  # noqa: BLE001 - a broken keyring set-up means "no keyring", never a crash
        return False
    priority = getattr(backend, "priority", 0)
    try:
        return float(priority) > 0
    except (TypeError, ValueError):
        return True


def _ask(call: str, *args: str) -> tuple[str | None, KeyringStatus]:
    """Run one keyring call (get_password, set_password or delete_password), turning each way it can fail
    into a status."""
    if not _backend_usable():
        return None, KeyringStatus.UNAVAILABLE
    keyring = _keyring()
    try:
        return getattr(keyring, call)(SERVICE, *args), KeyringStatus.OK
    except keyring.errors.PasswordDeleteError:
        return None, KeyringStatus.MISSING
    except keyring.errors.KeyringLocked:
        return None, KeyringStatus.LOCKED
    except (keyring.errors.NoKeyringError, keyring.errors.InitError):
        return None, KeyringStatus.UNAVAILABLE
    except Exception:  # noqa: BLE001 - backends raise their own types (D-Bus, Win32)
        return None, KeyringStatus.ERROR


def _keyring_defaults_to_secret_service() -> bool:
    """Whether keyring, left to itself in this process, would read from the Secret Service with its defaults
    (see _keyring): a Linux desktop that is not KDE, and no backend, property or configuration file chosen."""
    if not sys.platform.startswith("linux") or "KDE" in os.environ.get("XDG_CURRENT_DESKTOP", "").upper():
        return False
    if os.environ.get("PYTHON_KEYRING_BACKEND") or any(k.startswith("KEYRING_PROPERTY_") for k in os.environ):
        return False
    core = sys.modules.get("keyring.core")
    if core is not None and getattr(core, "_keyring_backend", None) is not None:
        return False  # a backend is already chosen or set in this process: keyring answers
    config = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "python_keyring" / "keyringrc.cfg"
    return not config.exists()


def _read_from_secret_service(entry: str) -> str | None:
    """The entry read straight from the Secret Service with secretstorage, the library keyring's own Secret
    Service backend reads it with, by the same attributes; None means "ask keyring".

    Importing keyring is a large part of the desktop app's start; most days this finds the key without it.
    Only a plain hit is answered here: a locked keyring, a missing entry or anything odd goes to keyring,
    whose answer and words then decide (and which may ask to unlock).
    """
    if not _keyring_defaults_to_secret_service():
        return None
    try:
        # imported here: see the docstring
        from contextlib import closing

        import secretstorage

        with closing(secretstorage.dbus_init()) as bus:
            collection = secretstorage.get_default_collection(bus)
            if collection.is_locked():
                return None
            for item in collection.search_items({"username": entry, "service": SERVICE}):
                return None if item.is_locked() else item.get_secret().decode("utf-8")
    except Exception:  # noqa: BLE001 - any trouble here: keyring is asked, as it always was
        return None
    return None


def read_key(entry: str) -> tuple[bytes | None, KeyringStatus]:
    """The key stored under `entry` (see entry_name) and OK, or None and the reason it could not be read."""
    value = _read_from_secret_service(entry)
    if value is not None:
        status = KeyringStatus.OK
    else:
        value, status = _ask("get_password", entry)
    if status is not KeyringStatus.OK:
        return None, status
    if value is None:
        return None, KeyringStatus.MISSING
    try:
        return bytes.fromhex(value), KeyringStatus.OK
    except ValueError:
        return None, KeyringStatus.MISMATCH


def store_key(entry: str, key: bytes) -> KeyringStatus:
    return _ask("set_password", entry, key.hex())[1]


def forget_key(entry: str, key_check: str | None = None) -> KeyringStatus:
    """Remove the entry; MISSING if it was not there.

    With `key_check` (the profile's public key tag) an entry holding any other
    key is left alone and MISMATCH returned: it belongs to a different profile.
    """
    if key_check is not None:
        # imported here: only forgetting an entry with a check needs it
        from .keywrap import key_check as check_of

        value, status = _ask("get_password", entry)
        if status is not KeyringStatus.OK:
            return status
        if value is None:
            return KeyringStatus.MISSING
        try:
            held = bytes.fromhex(value)
        except ValueError:
            return KeyringStatus.MISMATCH
        if check_of(held) != key_check:
            return KeyringStatus.MISMATCH
    return _ask("delete_password", entry)[1]
