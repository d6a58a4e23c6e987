"""A mentor's or supervisor's profile: create it, unlock it, keep it safe.

The profile is a private folder holding the SQLCipher database, a small
plaintext `profile.json` with the wrapped keys, and the automatic backups.
One process at a time may have it open.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import filelock

from .. import clock
from ..errors import (
    BackupError,
    BadInput,
    DatabaseDamaged,
    NewerVersion,
    ProfileExists,
    ProfileInUse,
    ProfileNotFound,
    SecretNeeded,
    WrongPassphrase,
    WrongRecoveryCode,
)
from ..setting_keys import PROFILE_NAME, PROFILE_ROLE
from . import audit, backups, db, keystore, keywrap, migrations
from .files import fsync_dir, fsync_file, make_private_dir, refuse_existing
from .keystore import KeyringStatus
from .meta import ProfileMeta, load_meta, meta_path, save_meta
from .passphrase import check_new_passphrase

log = logging.getLogger(__name__)

ROLES = ("mentor", "supervisor")
LOCK_FILE = ".lock"
AUTO_BACKUP_MINUTES = 30


def unlock_delay(failures: int) -> float:
    """Seconds to wait after the n-th wrong passphrase or code in a row."""
    if failures < 3:
        return 0.0
    return float(min(2 ** (failures - 2), 30))


def check_passphrase(passphrase: str) -> None:
    """A new passphrase must be long and hard to guess (decided in storage/passphrase.py)."""
    check_new_passphrase(passphrase)


def _mark(conn: db.Connection) -> tuple[int, int]:
    return conn.total_changes, conn.execute("PRAGMA data_version").fetchone()[0]


def _lock(profile_dir: Path) -> filelock.BaseFileLock:
    import filelock  # imported here: not needed until a profile is opened (the desktop app draws its window first)

    lock = filelock.FileLock(
        str(profile_dir / LOCK_FILE), timeout=0, mode=0o600, thread_local=False, is_singleton=False
    )
    try:
        lock.acquire()
    except filelock.Timeout:
        raise ProfileInUse(
            "This profile is already open in another Mentor App window or command. Close that one first."
        ) from None
    return lock


def _private(path: Path) -> None:
    if os.name == "posix" and path.exists():
        os.chmod(path, 0o600)


@dataclass
class Profile:
    """An unlocked, open profile. Close it to take the closing backup."""

    path: Path
    meta: ProfileMeta
    key: bytes
    conn: db.GuardedConnection
    unlocked_by: str
    _lock: filelock.BaseFileLock
    keyring_status: KeyringStatus | None = None
    _changes_at_backup: tuple[int, ...] = ()
    _last_backup: float = field(default_factory=time.monotonic)
    closed: bool = False

    # -- plumbing -----------------------------------------------------------
    @property
    def db_path(self) -> Path:
        return self.path / db.DB_FILE

    @property
    def keyring_entry(self) -> str:
        """This copy's own keyring entry (a copied folder has another one)."""
        return keystore.entry_name(self.meta.profile_id, self.path)

    @contextmanager
    def transaction(self) -> Iterator[db.GuardedConnection]:
        with db.transaction(self.conn) as conn:
            yield conn

    @contextmanager
    def second_connection(self) -> Iterator[Profile]:
        """The same profile on its own connection, for work on another thread (e.g. an export).

        WAL lets it read while the window writes; writes wait their turn. It
        never takes backups or releases the profile's lock.
        """
        conn = db.connect(self.db_path, self.key)
        view = copy.copy(self)
        view.conn = conn
        try:
            yield view
        finally:
            conn.close()

    def get_setting(self, name: str, default: str | None = None) -> str | None:
        value = db.get_setting(self.conn, name)
        return default if value is None else value

    def get_json(self, name: str, default: Any) -> Any:
        """A setting the app keeps as JSON; `default` (an empty list or dict) when it is not set, or is
        not JSON of the same kind (never a crash on a damaged value: the damage is logged, without it)."""
        raw = self.get_setting(name)
        if not raw:
            return default
        try:
            value = json.loads(raw)
        except ValueError:
            value = None
        if not isinstance(value, type(default)):
            log.warning("setting %s is not what the app wrote; read as empty", name)
            return default
        return value

    def set_setting(self, name: str, value: str) -> None:
        self.set_settings({name: value})

    def set_settings(self, values: dict[str, str]) -> None:
        """Write several settings in one transaction."""
        with self.transaction() as conn:
            db.put_settings(conn, values)

    @property
    def needs_recovery_code(self) -> bool:
        return "recovery" not in self.meta.wraps

    @property
    def author(self) -> str:
        """The id written on every record this profile makes."""
        return self.meta.profile_id

    @property
    def role(self) -> str:
        return self.meta.role

    @property
    def display_name(self) -> str:
        return self.get_setting(PROFILE_NAME, "") or ""

    # -- backups ------------------------------------------------------------
    # The copy itself is made on a connection of its own (see write_backup), so a backup
    # can run on any thread while the window goes on writing. Only the bookkeeping here
    # (what had changed when the copy began) touches the window's connection.
    def backup_mark(self) -> tuple[int, int]:
        """Where the database is now: this connection's changes and every other connection's commits."""
        return _mark(self.conn)

    def changed_since_backup(self) -> bool:
        return self.backup_mark() != self._changes_at_backup

    def backup_due(self, min_minutes: float = AUTO_BACKUP_MINUTES) -> bool:
        """Is an automatic backup wanted: something changed and enough time passed?"""
        if self.automatic_backups_paused or not self.changed_since_backup():
            return False
        return time.monotonic() - self._last_backup >= min_minutes * 60

    def backed_up(self, mark: tuple[int, int]) -> None:
        """A backup that began at `mark` is on disk."""
        self._changes_at_backup = mark
        self._last_backup = time.monotonic()

    @property
    def automatic_backups_paused(self) -> bool:
        return self.meta.restore_pending is not None

    def write_backup(self, kind: str = "manual", to: Path | None = None) -> Path:
        """Copy the database, on a connection of its own: safe from any thread, never touches `conn`.

        Into the profile's backups (thinned afterwards), or to `to`, a file that must not exist.
        Call `backed_up(mark)` afterwards with the mark taken before it began.
        """
        if to is not None:
            to = refuse_existing(Path(to))
            try:
                backups.export_backup(self.db_path, self.key, self.path, to)
            except OSError as exc:
                raise BackupError(f"Couldn't write the backup to {to}: {exc.strerror or 'the write failed'}.") from None
            return to
        path = backups.take_backup(self.db_path, self.key, self.path, kind).path
        if not self.automatic_backups_paused:
            backups.thin_backups(self.path)
        return path

    def backup_now(self, kind: str = "manual", to: Path | None = None) -> Path:
        """Take a backup into the profile (or to `to`, a file that must not exist), and wait for it."""
        mark = self.backup_mark()
        path = self.write_backup(kind, to)
        self.backed_up(mark)
        return path

    def maybe_backup(self, min_minutes: float = AUTO_BACKUP_MINUTES) -> Path | None:
        """The automatic backup: only when something changed and enough time passed."""
        return self.backup_now(kind="auto") if self.backup_due(min_minutes) else None

    def close(self) -> None:
        if self.closed:
            return
        try:
            if self.changed_since_backup() and not self.automatic_backups_paused:
                self.backup_now(kind="auto")
        finally:
            self.conn.close()
            self._lock.release()
            self.closed = True

    def __enter__(self) -> Profile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- restore ------------------------------------------------------------
    def restore(self, source: Path) -> Path:
        """Replace the database with a backup; returns the backup of what was there."""
        source = Path(source)
        if not source.is_file():
            raise BadInput(f"There is no backup file at {source}.")
        verdict = backups.verify_backup(source, self.key)
        if not verdict.readable:
            raise BackupError(
                "That file can't be opened with this profile's key: it is damaged, not a Mentor App "
                "backup, or belongs to another profile. Nothing was changed."
            )
        if verdict.problems:
            raise BackupError("That backup is damaged, so it was not restored. Nothing was changed.")
        if verdict.version is not None and verdict.version > migrations.latest_version():
            raise NewerVersion("That backup was made by a newer version of Mentor App. Please update the app first.")
        before = backups.take_backup(self.db_path, self.key, self.path, "pre-restore").path
        trail = audit.all_rows(self.conn)
        self.conn.close()
        staging = self.path / (db.DB_FILE + ".restoring")
        shutil.copyfile(source, staging)
        _private(staging)
        fsync_file(staging)
        for suffix in ("-wal", "-shm"):
            Path(str(self.db_path) + suffix).unlink(missing_ok=True)
        os.replace(staging, self.db_path)
        fsync_dir(self.path)
        self.meta.restore_pending = {"from": source.name, "before": before.name, "at": clock.now().isoformat()}
        save_meta(self.path, self.meta)
        self.conn = db.connect(self.db_path, self.key)
        migrations.migrate(self.conn)
        with db.transaction(self.conn):
            audit.carry_over(self.conn, trail)
            audit.record(self.conn, "restore", actor=self.author, detail=f"from {source.name}")
        self._changes_at_backup = self.backup_mark()
        return before

    def confirm_restore(self) -> None:
        """The person has looked at the restored notes: automatic backups resume."""
        self.meta.restore_pending = None
        save_meta(self.path, self.meta)

    def undo_restore(self) -> Path:
        """Go back to the state just before the last restore."""
        pending = self.meta.restore_pending
        if not pending:
            raise BadInput("There is no restore to undo.")
        before = backups.backup_dir(self.path) / pending["before"]
        self.restore(before)
        self.meta.restore_pending = None
        save_meta(self.path, self.meta)
        return before

    def verify_secret(self, secret: str) -> str:
        """Check a passphrase or recovery code against this open profile (the lock screen).

        Returns which it was; wrong ones count towards the growing delay.
        """
        kind = self.match_secret(secret)
        self.record_unlock(kind)
        return kind

    def match_secret(self, secret: str) -> str:
        """The slow half of `verify_secret` (key derivation): touches no connection, so any thread may run it."""
        keys, kind = _keys_from_secret(self.path, self.meta, secret)
        if self.key not in keys:
            raise WrongPassphrase("Couldn't unlock: that doesn't match this profile.")
        return kind

    def record_unlock(self, kind: str) -> None:
        """The quick half, on the connection's own thread: the unlock and the failures before it, audited."""
        with db.transaction(self.conn):
            for at in self.meta.failed_unlock_times:
                audit.record(self.conn, "failed_unlock", actor=self.author, at=at)
            audit.record(self.conn, "unlock", actor=self.author, detail=f"by {kind} at the lock screen")
        _reset_failures(self.path, self.meta)

    # -- checks -------------------------------------------------------------
    def check(self) -> db.CheckReport:
        """Every check, on a read-only connection of its own (safe from any thread)."""
        conn = db.connect(self.db_path, self.key, readonly=True)
        try:
            return db.run_checks(conn)
        finally:
            conn.close()

    # -- keys ---------------------------------------------------------------
    def change_passphrase(self, new_passphrase: str, kdf_params: keywrap.Argon2Params | None = None) -> None:
        check_passphrase(new_passphrase)
        self.meta.wraps["passphrase"] = keywrap.wrap_with_passphrase(
            self.key, new_passphrase, self.meta.profile_id, kdf_params
        )
        save_meta(self.path, self.meta)

    def new_recovery_code(self) -> str:
        code = keywrap.new_recovery_code()
        self.meta.wraps["recovery"] = keywrap.wrap_with_recovery_code(self.key, code, self.meta.profile_id)
        save_meta(self.path, self.meta)
        return code

    def set_keyring(self, enabled: bool) -> KeyringStatus:
        """Turn keyring storage on (storing the key now) or off (forgetting it)."""
        self.meta.keyring_enabled = enabled
        save_meta(self.path, self.meta)
        if enabled:
            status = keystore.store_key(self.keyring_entry, self.key)
        else:
            # Only an entry holding this profile's own key is removed: never another profile's.
            status = keystore.forget_key(self.keyring_entry, self.meta.key_check)
            keystore.forget_key(keystore.legacy_entry_name(self.meta.profile_id), self.meta.key_check)
        self.keyring_status = status if enabled else KeyringStatus.DISABLED
        if not enabled:
            audit.record(self.conn, "keyring_forgotten", actor=self.author)
        return status

    def read_keyring_status(self) -> KeyringStatus:
        if not self.meta.keyring_enabled:
            return KeyringStatus.DISABLED
        key, status = keystore.read_key(self.keyring_entry)
        if status is KeyringStatus.OK and key is not None and keywrap.key_check(key) != self.meta.key_check:
            status = KeyringStatus.MISMATCH
        self.keyring_status = status
        return status

    def rekey(self, passphrase: str, kdf_params: keywrap.Argon2Params | None = None, *, new_passphrase: str) -> str:
        """Encrypt everything under a brand-new data key (after a suspected leak).

        Needs the current passphrase and a new one: whoever may have the old
        key may know the old passphrase. The recovery code is replaced too.
        Backups are re-encrypted so they stay restorable. Returns the new code.
        """
        wrap = self.meta.wraps.get("passphrase")
        if wrap is None or keywrap.unwrap_with_passphrase(wrap, passphrase, self.meta.profile_id) != self.key:
            raise WrongPassphrase("Couldn't re-key: the passphrase doesn't match. Nothing was changed.")
        if new_passphrase == passphrase:
            raise BadInput("Choose a new passphrase for the new key: the old one may be known. Nothing was changed.")
        check_new_passphrase(new_passphrase)
        pid = self.meta.profile_id
        new_key = keywrap.new_data_key()
        code = keywrap.new_recovery_code()
        new_wraps = {
            "passphrase": keywrap.wrap_with_passphrase(new_key, new_passphrase, pid, kdf_params),
            "recovery": keywrap.wrap_with_recovery_code(new_key, code, pid),
        }
        # Written before the database changes: a crash part-way through still
        # leaves a passphrase wrap for whichever key the database ends up with,
        # under the old passphrase as well as the new one (either may be typed).
        self.meta.wraps["pending"] = dict(
            new_wraps, old_passphrase=keywrap.wrap_with_passphrase(new_key, passphrase, pid, kdf_params)
        )
        save_meta(self.path, self.meta)
        self.conn.execute(f"PRAGMA rekey = \"x'{new_key.hex()}'\"")
        self.meta.wraps = new_wraps
        self.meta.key_check = keywrap.key_check(new_key)
        save_meta(self.path, self.meta)
        old_key, self.key = self.key, new_key
        for b in backups.list_backups(self.path):
            try:
                conn = db.connect(b.path, old_key, wal=False)
            except db.WrongKeyOrNotADatabase:
                continue
            try:
                conn.execute(f"PRAGMA rekey = \"x'{new_key.hex()}'\"")
            finally:
                conn.close()
        if self.meta.keyring_enabled:
            self.keyring_status = keystore.store_key(self.keyring_entry, new_key)
        audit.record(self.conn, "rekey", actor=self.author)
        return code


def _reset_failures(profile_dir: Path, meta: ProfileMeta) -> None:
    if meta.unlock_failures or meta.failed_unlock_times:
        meta.unlock_failures = 0
        meta.failed_unlock_times = []
        save_meta(profile_dir, meta)


def _record_failure(profile_dir: Path, meta: ProfileMeta) -> None:
    meta.unlock_failures += 1
    meta.failed_unlock_times = (meta.failed_unlock_times + [clock.stamp()])[-100:]
    save_meta(profile_dir, meta)
    time.sleep(unlock_delay(meta.unlock_failures))


def profile_exists(profile_dir: Path) -> bool:
    return meta_path(Path(profile_dir)).is_file()


def create_profile(
    profile_dir: Path,
    *,
    role: str,
    name: str,
    passphrase: str,
    use_keyring: bool = True,
    kdf_params: keywrap.Argon2Params | None = None,
) -> tuple[Profile, str]:
    """Make a new encrypted profile; returns it open, with the recovery code to show once."""
    profile_dir = Path(profile_dir)
    if role not in ROLES:
        raise BadInput(f"The role must be one of: {', '.join(ROLES)}.")
    if not name.strip():
        raise BadInput("Please give a name for this profile (your name, or the organisation's).")
    check_passphrase(passphrase)
    if profile_exists(profile_dir) or (profile_dir / db.DB_FILE).exists():
        raise ProfileExists(
            f"There is already a profile in {profile_dir}. Nothing was changed. "
            "Choose another folder with --profile to make a new one."
        )
    make_private_dir(profile_dir)
    lock = _lock(profile_dir)
    try:
        profile_id = str(uuid.uuid4())
        key = keywrap.new_data_key()
        code = keywrap.new_recovery_code()
        meta = ProfileMeta(
            profile_id=profile_id,
            role=role,
            created=clock.stamp(),
            key_check=keywrap.key_check(key),
            wraps={
                "passphrase": keywrap.wrap_with_passphrase(key, passphrase, profile_id, kdf_params),
                "recovery": keywrap.wrap_with_recovery_code(key, code, profile_id),
            },
            keyring_enabled=use_keyring,
        )
        # The wraps go to disk before any data exists, so the key can't be lost.
        save_meta(profile_dir, meta)
        conn = db.connect(profile_dir / db.DB_FILE, key)
        _private(profile_dir / db.DB_FILE)
        migrations.migrate(conn)
        profile = Profile(path=profile_dir, meta=meta, key=key, conn=conn, unlocked_by="set-up", _lock=lock)
        profile.set_setting(PROFILE_NAME, name.strip())
        profile.set_setting(PROFILE_ROLE, role)
        profile._changes_at_backup = profile.backup_mark()
        if use_keyring:
            profile.keyring_status = keystore.store_key(profile.keyring_entry, key)
            if profile.keyring_status is not KeyringStatus.OK:
                # Not stored, so don't go looking for it on every open.
                meta.keyring_enabled = False
                save_meta(profile_dir, meta)
        else:
            profile.keyring_status = KeyringStatus.DISABLED
    except BaseException:
        lock.release()
        raise
    conn.release()  # set-up may run on a worker: the thread that uses the profile next owns its connection
    return profile, code


def _unwrap(meta: ProfileMeta, kind: str, secret: str) -> list[bytes]:
    """Every key the secret unwraps: the current wrap, and one left by an interrupted re-key."""
    unwrap = keywrap.unwrap_with_passphrase if kind == "passphrase" else keywrap.unwrap_with_recovery_code
    wrap_sets = [meta.wraps] + ([meta.wraps["pending"]] if "pending" in meta.wraps else [])
    keys = []
    for wraps in wrap_sets:
        names = (kind, "old_passphrase") if kind == "passphrase" else (kind,)
        for wrap in (wraps.get(name) for name in names):
            if wrap is not None:
                key = unwrap(wrap, secret, meta.profile_id)
                if key is not None:
                    keys.append(key)
    return keys


def _keys_from_secret(profile_dir: Path, meta: ProfileMeta, secret: str) -> tuple[list[bytes], str]:
    """Try a typed secret as a recovery code (if it looks like one) and as a passphrase."""
    looks_like_code = keywrap.normalise_recovery_code(secret) is not None
    if looks_like_code:
        keys = _unwrap(meta, "recovery", secret)
        if keys:
            return keys, "recovery code"
    keys = _unwrap(meta, "passphrase", secret)
    if keys:
        return keys, "passphrase"
    _record_failure(profile_dir, meta)
    if looks_like_code:
        raise WrongRecoveryCode(
            "Couldn't open your notes: that recovery code doesn't match this profile. "
            "Check each group of letters and numbers and try again."
        )
    raise WrongPassphrase("Couldn't open your notes: the passphrase doesn't match. Please try again.")


def _damaged_message(profile_dir: Path, key: bytes | None, what: str) -> str:
    good = backups.newest_good_backup(profile_dir, key)
    if good is None:
        advice = (
            "No good backup was found in this profile. "
            "Copy the whole profile folder somewhere safe before anything else."
        )
    else:
        advice = (
            f"The newest good backup is from {good.taken.astimezone():%d %b %Y %H:%M}: {good.path}. "
            f'To go back to it, run: mentor-app restore "{good.path}"'
        )
    return f"{what} Nothing has been deleted or overwritten. {advice}"


def _connect_checked(profile_dir: Path, keys: list[bytes]) -> tuple[db.GuardedConnection, bytes]:
    path = profile_dir / db.DB_FILE
    if not path.is_file():
        raise DatabaseDamaged(
            _damaged_message(profile_dir, keys[0], "The notes file (mentor.db) is missing from this profile.")
        )
    size = path.stat().st_size
    if size % db.PAGE_SIZE != 0 or size == 0:
        raise DatabaseDamaged(
            _damaged_message(
                profile_dir,
                keys[0],
                "The notes file is incomplete: it has been cut short (for example by a failed copy).",
            )
        )
    for key in keys:
        try:
            return db.connect(path, key), key
        except db.WrongKeyOrNotADatabase:
            continue
    raise DatabaseDamaged(
        _damaged_message(
            profile_dir, keys[0], "The notes file is damaged or was changed outside Mentor App, so it can't be read."
        )
    )


def open_profile(
    profile_dir: Path,
    *,
    secret: str | None = None,
    use_keyring: bool = True,
) -> Profile:
    """Unlock and open a profile.

    With `secret` (a passphrase or a recovery code) that is used; otherwise the
    keyring is tried and, if it can't help, SecretNeeded says why in words.
    """
    profile_dir = Path(profile_dir)
    if not profile_exists(profile_dir):
        raise ProfileNotFound(
            f"There is no Mentor App profile in {profile_dir}. "
            "Create one with 'mentor-app init', or choose the right folder with --profile."
        )
    lock = _lock(profile_dir)
    try:
        meta = load_meta(profile_dir)
        keyring_status = None
        if secret is not None:
            keys, unlocked_by = _keys_from_secret(profile_dir, meta, secret)
        else:
            keys, unlocked_by, keyring_status = [], "keyring", KeyringStatus.DISABLED
            if use_keyring and meta.keyring_enabled:
                key, keyring_status = _read_keyring(profile_dir, meta)
                if key is not None and keywrap.key_check(key) != meta.key_check:
                    keyring_status = KeyringStatus.MISMATCH
                elif key is not None:
                    keys = [key]
            if not keys:
                raise SecretNeeded(
                    keyring_status.explain() + " Please enter your passphrase or recovery code.",
                    keyring_status,
                )
        conn, key = _connect_checked(profile_dir, keys)
        # Debris of a crash during a backup or a restore; we hold the lock, so nobody is writing it.
        backups.remove_leftovers(profile_dir)
        (profile_dir / (db.DB_FILE + ".restoring")).unlink(missing_ok=True)
        try:
            migrations.check_not_newer(conn)
            if migrations.pending(conn) and db.schema_version(conn) > 0:
                backups.take_backup(conn, key, profile_dir, "pre-migration")
            migrations.migrate(conn)
        except BaseException:
            conn.close()
            raise
        if "pending" in meta.wraps:
            _finish_interrupted_rekey(meta, key)
            save_meta(profile_dir, meta)
        with db.transaction(conn):
            for at in meta.failed_unlock_times:
                audit.record(conn, "failed_unlock", actor=meta.profile_id, at=at)
            audit.record(conn, "unlock", actor=meta.profile_id, detail=f"by {unlocked_by}")
        _reset_failures(profile_dir, meta)
        profile = Profile(
            path=profile_dir,
            meta=meta,
            key=key,
            conn=conn,
            unlocked_by=unlocked_by,
            _lock=lock,
            keyring_status=keyring_status,
        )
        profile._changes_at_backup = profile.backup_mark()
        conn.release()  # opened on a worker when unlocking: the thread that uses it next owns it
        return profile
    except BaseException:
        lock.release()
        raise


def _read_keyring(profile_dir: Path, meta: ProfileMeta) -> tuple[bytes | None, KeyringStatus]:
    """This copy's entry; an entry of an earlier version (one per profile id) moves to it once."""
    entry = keystore.entry_name(meta.profile_id, profile_dir)
    key, status = keystore.read_key(entry)
    if status is not KeyringStatus.MISSING:
        return key, status
    legacy = keystore.legacy_entry_name(meta.profile_id)
    old, old_status = keystore.read_key(legacy)
    if old_status is not KeyringStatus.OK or old is None or keywrap.key_check(old) != meta.key_check:
        return None, KeyringStatus.MISSING
    if keystore.store_key(entry, old) is KeyringStatus.OK:
        keystore.forget_key(legacy, meta.key_check)
    return old, KeyringStatus.OK


def _finish_interrupted_rekey(meta: ProfileMeta, key: bytes) -> None:
    pending = meta.wraps.pop("pending")
    if keywrap.key_check(key) != meta.key_check:
        # The database took the new key before the crash: its wraps are the ones
        # to keep. The new recovery code was never shown, so it is dropped and
        # the person is asked to make a new one.
        meta.wraps = {"passphrase": pending["passphrase"]}
        meta.key_check = keywrap.key_check(key)
