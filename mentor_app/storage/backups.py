"""Automatic encrypted backups in the profile: naming, listing and thinning.

A backup is a complete SQLCipher copy of the database under the same data
key, so it is as unreadable as the database itself and restores in one step.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .. import clock
from .db import CopySource, DatabaseError, WrongKeyOrNotADatabase, connect, export_copy, run_checks, schema_version
from .files import copy_new, fsync_dir, fsync_file, make_private_dir

# The standard logger: mentor_app.logs sits above storage (it makes its folder with storage.files).
log = logging.getLogger(__name__)

BACKUP_DIR = "backups"
SUFFIX = ".mentorbackup"
_NAME = re.compile(r"^backup-(\d{8}-\d{6}-\d{6})-([a-z-]+)" + re.escape(SUFFIX) + "$")

# Thinning, like Anki: everything recent, then one a day, a week, a month.
KEEP_NEWEST = 10
KEEP_DAILY = 14
KEEP_WEEKLY = 8
KEEP_MONTHLY = 12


@dataclass(frozen=True)
class Backup:
    path: Path
    taken: datetime
    kind: str

    def describe(self) -> str:
        local = self.taken.astimezone()
        return f"{local:%d %b %Y %H:%M} ({self.kind}) — {self.path}"


def backup_dir(profile_dir: Path) -> Path:
    return profile_dir / BACKUP_DIR


def _name_for(taken: datetime, kind: str) -> str:
    return f"backup-{taken:%Y%m%d-%H%M%S-%f}-{kind}{SUFFIX}"


def parse_backup(path: Path) -> Backup | None:
    m = _NAME.match(path.name)
    if not m:
        return None
    taken = datetime.strptime(m.group(1), "%Y%m%d-%H%M%S-%f").replace(tzinfo=timezone.utc)
    return Backup(path=path, taken=taken, kind=m.group(2))


def list_backups(profile_dir: Path) -> list[Backup]:
    """Backups in the profile, oldest first; files that aren't backups are ignored."""
    folder = backup_dir(profile_dir)
    if not folder.is_dir():
        return []
    found = [b for b in (parse_backup(p) for p in folder.iterdir()) if b is not None]
    return sorted(found, key=lambda b: b.taken)


def write_backup(source: CopySource, key: bytes, target: Path) -> None:
    """Copy the database to `target`, crash-safely (temp name, fsync, rename).

    `source` is the database file, copied on a connection of its own (see db.export_copy),
    or a connection nothing else is using.
    """
    make_private_dir(target.parent)
    tmp = target.with_name(".partial-" + target.name)
    if tmp.exists():
        tmp.unlink()
    try:
        export_copy(source, tmp, key)
        if os.name == "posix":
            os.chmod(tmp, 0o600)
        fsync_file(tmp)
        if target.exists():
            raise FileExistsError(target.name)
        os.replace(tmp, target)
    except BaseException:
        if tmp.exists():
            tmp.unlink()
        raise
    fsync_dir(target.parent)


def export_backup(source: CopySource, key: bytes, profile_dir: Path, target: Path) -> None:
    """A backup to a file outside the profile (`backup --to`), created new: never through a link.

    The copy is made in the profile's own private backups folder, then copied
    into a brand-new file at `target` (0600). The chosen folder is not changed:
    not made private, nothing else written there.
    """
    folder = backup_dir(profile_dir)
    make_private_dir(folder)
    tmp = folder / f".partial-export-{os.urandom(8).hex()}{SUFFIX}"
    try:
        export_copy(source, tmp, key)
        copy_new(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    fsync_dir(target.parent)


def take_backup(source: CopySource, key: bytes, profile_dir: Path, kind: str, now: datetime | None = None) -> Backup:
    taken = now or clock.now()
    target = backup_dir(profile_dir) / _name_for(taken, kind)
    try:
        write_backup(source, key, target)
    except Exception:
        log.warning(f"backup failed: {kind}", exc_info=True)
        raise
    log.info(f"backup taken: {kind}")
    return Backup(path=target, taken=taken, kind=kind)


def remove_leftovers(profile_dir: Path) -> list[Path]:
    """Delete half-written backups left by a crash (only call while holding the profile lock)."""
    folder = backup_dir(profile_dir)
    leftovers = sorted(folder.glob(".partial-*")) if folder.is_dir() else []
    for path in leftovers:
        path.unlink(missing_ok=True)
    return leftovers


def backups_to_keep(backups: list[Backup]) -> set[Path]:
    """Which backups thinning keeps: the newest few, then one per day, week and month."""
    newest_first = sorted(backups, key=lambda b: b.taken, reverse=True)
    keep = {b.path for b in newest_first[:KEEP_NEWEST]}
    buckets = (
        (lambda t: t.date(), KEEP_DAILY),
        (lambda t: tuple(t.isocalendar())[:2], KEEP_WEEKLY),
        (lambda t: (t.year, t.month), KEEP_MONTHLY),
    )
    for bucket_of, count in buckets:
        seen: set[object] = set()
        for b in newest_first:
            bucket = bucket_of(b.taken)
            if bucket in seen:
                continue
            if len(seen) == count:
                break
            seen.add(bucket)
            keep.add(b.path)
    return keep


def thin_backups(profile_dir: Path) -> list[Path]:
    """Delete the backups thinning doesn't keep; returns what was removed."""
    backups = list_backups(profile_dir)
    keep = backups_to_keep(backups)
    removed = []
    for b in backups:
        if b.path not in keep:
            b.path.unlink(missing_ok=True)
            removed.append(b.path)
    return removed


@dataclass
class BackupVerdict:
    readable: bool
    version: int | None = None
    problems: tuple[str, ...] = ()

    @property
    def good(self) -> bool:
        return self.readable and not self.problems


def verify_backup(path: Path, key: bytes) -> BackupVerdict:
    """Open a backup read-only and run every check on it."""
    try:
        conn = connect(path, key, readonly=True)
    except (WrongKeyOrNotADatabase, DatabaseError, OSError):
        return BackupVerdict(readable=False)
    try:
        report = run_checks(conn)
        problems = tuple(report.cipher_problems + report.integrity_problems + report.foreign_key_problems)
        return BackupVerdict(readable=True, version=schema_version(conn), problems=problems)
    finally:
        conn.close()


def newest_good_backup(profile_dir: Path, key: bytes | None) -> Backup | None:
    for b in reversed(list_backups(profile_dir)):
        if key is None or verify_backup(b.path, key).good:
            return b
    return None
