"""Opening a profile by keyring, passphrase or recovery code, and never losing the key."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import time

import keyring
import pytest
from conftest import FAST_KDF, PASSPHRASE, add_note, note_bodies

from mentor_app.errors import (
    BadInput,
    NewerVersion,
    ProfileExists,
    ProfileInUse,
    SecretNeeded,
    WrongPassphrase,
    WrongRecoveryCode,
)
from mentor_app.storage import keystore
from mentor_app.storage.keystore import KeyringStatus
from mentor_app.storage.profile import create_profile, open_profile, unlock_delay

NEW_PASSPHRASE = "lantern orchard pebble"


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_passphrase_and_recovery_code_each_open_the_profile(make_profile):
    profile, code = make_profile()
    add_note(profile, "first note")
    path = profile.path
    profile.close()

    with open_profile(path, secret=PASSPHRASE) as p:
        assert p.unlocked_by == "passphrase"
        assert note_bodies(p) == ["first note"]
    with open_profile(path, secret=code.lower().replace("-", " ")) as p:
        assert p.unlocked_by == "recovery code"
        assert note_bodies(p) == ["first note"]


def test_without_keyring_opening_asks_for_a_secret_and_says_why(make_profile):
    profile, _ = make_profile(use_keyring=True)
    path = profile.path
    profile.close()
    with pytest.raises(SecretNeeded) as info:
        open_profile(path)
    assert info.value.keyring_status is KeyringStatus.DISABLED  # store failed at set-up, so it was turned off
    assert "passphrase" in info.value.message


@pytest.mark.slow
def test_wrong_secrets_get_their_own_messages_and_a_growing_delay(make_profile):
    profile, code = make_profile()
    path = profile.path
    profile.close()
    with pytest.raises(WrongPassphrase) as wrong:
        open_profile(path, secret="not the passphrase")
    assert "passphrase doesn't match" in wrong.value.message
    bad_code = "22222-33333-44444-55555-66666"
    assert bad_code != code
    with pytest.raises(WrongRecoveryCode) as wrong_code:
        open_profile(path, secret=bad_code)
    assert "recovery code doesn't match" in wrong_code.value.message

    assert json.loads((path / "profile.json").read_text())["unlock_failures"] == 2
    start = time.monotonic()
    with pytest.raises(WrongPassphrase):
        open_profile(path, secret="still not it")
    assert time.monotonic() - start >= unlock_delay(3) == 2.0
    assert unlock_delay(4) > unlock_delay(3) and unlock_delay(50) == 30

    with open_profile(path, secret=PASSPHRASE):
        pass
    assert json.loads((path / "profile.json").read_text())["unlock_failures"] == 0


def test_second_open_of_the_same_profile_is_refused_clearly(make_profile):
    profile, _ = make_profile()
    with pytest.raises(ProfileInUse) as info:
        open_profile(profile.path, secret=PASSPHRASE)
    assert "already open" in info.value.message


def test_set_up_refuses_an_existing_profile_and_a_short_passphrase(make_profile, tmp_path):
    profile, _ = make_profile()
    add_note(profile, "keep me")
    path = profile.path
    profile.close()
    before = _digest(path / "mentor.db")
    with pytest.raises(ProfileExists):
        create_profile(path, role="mentor", name="X", passphrase=PASSPHRASE, use_keyring=False, kdf_params=FAST_KDF)
    assert _digest(path / "mentor.db") == before
    with pytest.raises(BadInput) as short:
        create_profile(tmp_path / "new", role="mentor", name="X", passphrase="short", kdf_params=FAST_KDF)
    assert "at least 8 characters" in short.value.message
    assert not (tmp_path / "new" / "profile.json").exists()


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_profile_folder_and_files_are_private_to_the_user(make_profile):
    profile, _ = make_profile()
    add_note(profile, "private")
    profile.backup_now()
    path = profile.path
    profile.close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o700
    for f in path.rglob("*"):
        mode = stat.S_IMODE(f.stat().st_mode)
        assert mode & 0o077 == 0, f"{f.name} is readable by others ({oct(mode)})"


def _pages(path):
    data = path.read_bytes()
    return [data[i : i + 4096] for i in range(0, len(data), 4096)]


def test_changing_the_passphrase_rewraps_without_rewriting_the_database(make_profile):
    profile, code = make_profile()
    add_note(profile, "kept through a passphrase change")
    for n in range(60):
        add_note(profile, f"another note, number {n}, long enough to fill pages " * 8)
    path = profile.path
    profile.close()
    pages_before = _pages(path / "mentor.db")
    with open_profile(path, secret=PASSPHRASE) as p:
        p.change_passphrase("a brand new passphrase", FAST_KDF)
    pages_after = _pages(path / "mentor.db")
    # Re-encrypting would change every page; only the audit trail's new entries may differ.
    changed = sum(a != b for a, b in zip(pages_before, pages_after, strict=False)) + abs(
        len(pages_after) - len(pages_before)
    )  # pages added or dropped count as changed
    assert len(pages_before) > 20 and changed <= 4, (changed, len(pages_before))
    with pytest.raises(WrongPassphrase):
        open_profile(path, secret=PASSPHRASE)
    with open_profile(path, secret="a brand new passphrase") as p:
        assert "kept through a passphrase change" in note_bodies(p) and len(note_bodies(p)) == 61
    with open_profile(path, secret=code) as p:  # the recovery code still works
        assert "kept through a passphrase change" in note_bodies(p)


def test_rekey_changes_the_database_key_and_keeps_backups_restorable(make_profile):
    profile, old_code = make_profile()
    add_note(profile, "before rekey")
    backup = profile.backup_now()
    add_note(profile, "after backup")
    old_key = profile.key
    with pytest.raises(WrongPassphrase):
        profile.rekey("wrong passphrase", FAST_KDF, new_passphrase=NEW_PASSPHRASE)
    new_code = profile.rekey(PASSPHRASE, FAST_KDF, new_passphrase=NEW_PASSPHRASE)
    assert profile.key != old_key
    path = profile.path
    profile.close()

    from mentor_app.storage import db

    with pytest.raises(db.WrongKeyOrNotADatabase):
        db.connect(path / "mentor.db", old_key, readonly=True).close()
    with pytest.raises(WrongRecoveryCode):
        open_profile(path, secret=old_code)
    with open_profile(path, secret=new_code) as p:
        assert note_bodies(p) == ["after backup", "before rekey"]
        p.restore(backup)
        assert note_bodies(p) == ["before rekey"]


def test_interrupted_rekey_still_opens_with_the_passphrase(make_profile):
    """A crash after the database took its new key but before profile.json caught up."""
    profile, _ = make_profile()
    add_note(profile, "survives an interrupted rekey")
    path = profile.path
    from mentor_app.storage import profile as profile_module

    real_save, saves = profile_module.save_meta, []

    def crash_on_second_save(folder, meta):
        saves.append(1)
        if len(saves) == 2:
            raise KeyboardInterrupt("the power went")
        real_save(folder, meta)

    profile_module.save_meta = crash_on_second_save
    try:
        with pytest.raises(KeyboardInterrupt):
            profile.rekey(PASSPHRASE, FAST_KDF, new_passphrase=NEW_PASSPHRASE)
    finally:
        profile_module.save_meta = real_save
    profile.conn.close()  # as a crash leaves it: no closing backup
    profile._lock.release()
    profile.closed = True
    assert "pending" in json.loads((path / "profile.json").read_text())["wraps"]
    # The person may type the old passphrase or the new one they had just chosen.
    with open_profile(path, secret=PASSPHRASE) as p:
        assert note_bodies(p) == ["survives an interrupted rekey"]
        assert p.needs_recovery_code
    assert "pending" not in json.loads((path / "profile.json").read_text())["wraps"]
    with open_profile(path, secret=NEW_PASSPHRASE) as p:
        assert note_bodies(p) == ["survives an interrupted rekey"]


def test_profile_from_a_newer_app_is_refused_untouched(make_profile):
    profile, _ = make_profile()
    path = profile.path
    profile.close()
    meta = json.loads((path / "profile.json").read_text())
    meta["format"] = 99
    (path / "profile.json").write_text(json.dumps(meta))
    before = _digest(path / "mentor.db")
    with pytest.raises(NewerVersion) as info:
        open_profile(path, secret=PASSPHRASE)
    assert "newer version" in info.value.message
    assert _digest(path / "mentor.db") == before


# -- the real Secret Service ---------------------------------------------------


@pytest.mark.keyring
def test_keyring_round_trip_opens_without_typing(tmp_path, secret_service):
    profile, _ = create_profile(
        tmp_path / "kr", role="mentor", name="Keyring Mentor", passphrase=PASSPHRASE, kdf_params=FAST_KDF
    )
    secret_service.append(profile.keyring_entry)
    assert profile.keyring_status is KeyringStatus.OK
    add_note(profile, "opened by keyring")
    profile.close()
    with open_profile(tmp_path / "kr") as p:
        assert p.unlocked_by == "keyring"
        assert note_bodies(p) == ["opened by keyring"]


@pytest.mark.keyring
def test_deleted_keyring_entry_falls_back_to_passphrase_and_nothing_is_rekeyed(tmp_path, secret_service):
    path = tmp_path / "kr"
    profile, code = create_profile(path, role="mentor", name="M", passphrase=PASSPHRASE, kdf_params=FAST_KDF)
    entry = profile.keyring_entry
    secret_service.append(entry)
    add_note(profile, "must survive a keyring reset")
    key_check = profile.meta.key_check
    profile.close()
    db_before = _digest(path / "mentor.db")

    assert keystore.forget_key(entry) is KeyringStatus.OK
    with pytest.raises(SecretNeeded) as info:
        open_profile(path)
    assert info.value.keyring_status is KeyringStatus.MISSING
    assert "no longer in this computer's keyring" in info.value.message
    assert _digest(path / "mentor.db") == db_before

    with open_profile(path, secret=PASSPHRASE) as p:
        assert p.meta.key_check == key_check
        assert note_bodies(p) == ["must survive a keyring reset"]
        assert p.read_keyring_status() is KeyringStatus.MISSING
        assert p.set_keyring(True) is KeyringStatus.OK
    with open_profile(path) as p:
        assert p.unlocked_by == "keyring"


@pytest.mark.keyring
def test_changed_keyring_entry_is_named_and_the_passphrase_still_opens(tmp_path, secret_service):
    path = tmp_path / "kr"
    profile, _ = create_profile(path, role="mentor", name="M", passphrase=PASSPHRASE, kdf_params=FAST_KDF)
    entry = profile.keyring_entry
    secret_service.append(entry)
    add_note(profile, "still here")
    profile.close()
    keyring.set_password(keystore.SERVICE, entry, os.urandom(32).hex())
    with pytest.raises(SecretNeeded) as info:
        open_profile(path)
    assert info.value.keyring_status is KeyringStatus.MISMATCH
    with open_profile(path, secret=PASSPHRASE) as p:
        assert note_bodies(p) == ["still here"]


@pytest.mark.keyring
def test_keyring_can_be_turned_off_and_the_entry_is_removed(tmp_path, secret_service):
    path = tmp_path / "kr"
    profile, _ = create_profile(path, role="mentor", name="M", passphrase=PASSPHRASE, kdf_params=FAST_KDF)
    entry = profile.keyring_entry
    secret_service.append(entry)
    profile.set_keyring(False)
    profile.close()
    assert keystore.read_key(entry) == (None, KeyringStatus.MISSING)
    with pytest.raises(SecretNeeded) as info:
        open_profile(path)
    assert info.value.keyring_status is KeyringStatus.DISABLED


def test_a_broken_keyring_setting_means_no_keyring_not_a_crash(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "no.such.Backend")
    previous = keyring.get_keyring()
    keyring.core._keyring_backend = None  # make keyring read the environment again
    try:
        profile, _ = create_profile(tmp_path / "p", role="mentor", name="M", passphrase=PASSPHRASE, kdf_params=FAST_KDF)
        assert profile.keyring_status is KeyringStatus.UNAVAILABLE
        profile.close()
        with pytest.raises(SecretNeeded):
            open_profile(tmp_path / "p")
    finally:
        keyring.set_keyring(previous)


@pytest.mark.keyring
def test_a_new_process_reads_the_key_keyring_stored_without_loading_keyring(tmp_path, secret_service):
    """The desktop app's start reads the key straight from the Secret Service (keyring's import is slow):
    it must get exactly what keyring stored, and hand anything it doesn't find to keyring as before."""
    import subprocess
    import sys

    profile, _ = create_profile(tmp_path / "p", role="mentor", name="M", passphrase=PASSPHRASE, kdf_params=FAST_KDF)
    secret_service.append(profile.keyring_entry)
    entry, key = profile.keyring_entry, profile.key
    profile.close()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHON_KEYRING_BACKEND", "XDG_CURRENT_DESKTOP") and not k.startswith("KEYRING_PROPERTY_")
    }
    read = (
        "import sys; from mentor_app.storage import keystore; key, status = keystore.read_key(sys.argv[1]); "
        "print(key.hex() if key else '-', status.value, 'keyring' in sys.modules)"
    )

    def child(name: str) -> list[str]:
        ran = subprocess.run([sys.executable, "-c", read, name], env=env, capture_output=True, text=True, timeout=60)
        assert ran.returncode == 0, ran.stderr[-2000:]
        return ran.stdout.split()

    assert child(entry) == [key.hex(), "ok", "False"]
    assert child(entry + "-not-there") == ["-", "missing", "True"]  # keyring was asked, and said so
