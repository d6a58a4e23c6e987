"""The profile's small plaintext file: which key wraps exist, never any record.

It holds what is needed before the database can be opened (the wrapped keys,
whether the keyring is used, the unlock-failure count) and nothing about the
people in the records.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import DatabaseDamaged, NewerVersion
from .files import atomic_write_bytes

META_FORMAT = 1
META_FILE = "profile.json"


@dataclass
class ProfileMeta:
    profile_id: str
    role: str
    created: str
    key_check: str
    # "passphrase" and "recovery" (keywrap.Wrap each); "pending" (a dict of them) while a re-key is under way.
    wraps: dict[str, Any] = field(default_factory=dict)
    keyring_enabled: bool = True
    unlock_failures: int = 0
    # When each failed attempt happened (times only): moved into the audit trail at the next unlock,
    # since a wrong passphrase can't write inside the encrypted profile.
    failed_unlock_times: list[str] = field(default_factory=list)
    # Set by a restore; automatic backups wait until the person confirms it.
    restore_pending: dict[str, str] | None = None
    format: int = META_FORMAT


def meta_path(profile_dir: Path) -> Path:
    return profile_dir / META_FILE


def load_meta(profile_dir: Path) -> ProfileMeta:
    path = meta_path(profile_dir)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise DatabaseDamaged(
            "The profile's settings file (profile.json) is damaged, so its keys can't be read. "
            "Copy the whole profile folder somewhere safe and ask your IT contact for help."
        ) from exc
    if not isinstance(raw, dict) or "profile_id" not in raw:
        raise DatabaseDamaged("The profile's settings file (profile.json) is not one Mentor App wrote.")
    if int(raw.get("format", 0)) > META_FORMAT:
        raise NewerVersion("This profile was saved by a newer version of Mentor App. Please update the app to open it.")
    known = {f for f in ProfileMeta.__dataclass_fields__}
    return ProfileMeta(**{k: v for k, v in raw.items() if k in known})


def save_meta(profile_dir: Path, meta: ProfileMeta) -> None:
    data = json.dumps(asdict(meta), indent=2, sort_keys=True).encode("utf-8")
    atomic_write_bytes(meta_path(profile_dir), data)
