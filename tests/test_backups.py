"""Automatic backups: taken when something changed, thinned, restorable, reversible."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import PASSPHRASE, add_note, file_digests, note_bodies

from mentor_app.errors import BackupError, BadInput
from mentor_app.storage import backups
from mentor_app.storage.backups import Backup, backups_to_keep
from mentor_app.storage.profile import open_profile


def _fake(taken: datetime) -> Backup:
    return Backup(path=Path(f"b-{taken.isoformat()}"), taken=taken, kind="auto")


def test_thinning_keeps_recent_daily_weekly_and_monthly_backups():
    now = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)
    # One backup every 2 hours for a whole year.
    all_backups = [_fake(now - timedelta(hours=2 * i)) for i in range(12 * 365)]
    keep = backups_to_keep(all_backups)
    kept = sorted((b for b in all_backups if b.path in keep), key=lambda b: b.taken)

    assert len(kept) < 50
    assert kept[-1].taken == now  # the newest always survives
    recent = [b for b in kept if now - b.taken < timedelta(hours=20)]
    assert len(recent) == backups.KEEP_NEWEST
    days = {b.taken.date() for b in kept if now - b.taken < timedelta(days=14)}
    assert len(days) == backups.KEEP_DAILY
    months = {(b.taken.year, b.taken.month) for b in kept}
    assert len(months) == backups.KEEP_MONTHLY
    assert min(b.taken for b in kept) < now - timedelta(days=300)


def test_thinning_a_few_backups_keeps_them_all():
    now = datetime(2026, 11, 28, tzinfo=timezone.utc)
    few = [_fake(now - timedelta(minutes=i)) for i in range(5)]
    assert backups_to_keep(few) == {b.path for b in few}


def test_close_backs_up_only_when_something_changed(make_profile):
    profile, _ = make_profile()
    path = profile.path
    profile.close()
    count = len(backups.list_backups(path))
    with open_profile(path, secret=PASSPHRASE):
        pass
    assert len(backups.list_backups(path)) == count
    with open_profile(path, secret=PASSPHRASE) as p:
        add_note(p, "a change")
        assert p.maybe_backup(min_minutes=60) is None  # too soon after opening
        assert p.maybe_backup(min_minutes=0) is not None
        assert p.maybe_backup(min_minutes=0) is None  # nothing new since
        add_note(p, "another change")
    assert len(backups.list_backups(path)) == count + 2


def test_restore_brings_back_the_backup_and_can_itself_be_undone(make_profile):
    profile, _ = make_profile()
    add_note(profile, "in the backup")
    backup = profile.backup_now()
    add_note(profile, "written after the backup")
    before = profile.restore(backup)
    assert note_bodies(profile) == ["in the backup"]
    assert before.exists() and "pre-restore" in before.name

    # Automatic backups wait until the person confirms.
    add_note(profile, "while paused")
    assert profile.automatic_backups_paused
    assert profile.maybe_backup(min_minutes=0) is None

    profile.undo_restore()
    assert note_bodies(profile) == ["in the backup", "written after the backup"]
    assert not profile.automatic_backups_paused


def test_confirmed_restore_survives_reopening_and_resumes_backups(make_profile):
    profile, _ = make_profile()
    add_note(profile, "old")
    backup = profile.backup_now()
    add_note(profile, "new")
    profile.restore(backup)
    path = profile.path
    n = len(backups.list_backups(path))
    profile.close()
    assert len(backups.list_backups(path)) == n  # closing while paused adds no automatic backup
    with open_profile(path, secret=PASSPHRASE) as p:
        assert note_bodies(p) == ["old"]
        assert p.automatic_backups_paused
        p.confirm_restore()
        add_note(p, "after confirming")
        assert p.maybe_backup(min_minutes=0) is not None


def test_restore_refuses_a_damaged_or_foreign_backup_and_changes_nothing(make_profile, tmp_path):
    profile, _ = make_profile("one")
    add_note(profile, "mine")
    good = profile.backup_now()
    damaged = tmp_path / "damaged.mentorbackup"
    data = bytearray(good.read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged.write_bytes(bytes(data))

    other, _ = make_profile("two")
    add_note(other, "someone else's")
    foreign = other.backup_now(to=tmp_path / "foreign.mentorbackup")

    before = file_digests(profile.path)
    for bad in (damaged, foreign, tmp_path / "missing.mentorbackup"):
        with pytest.raises((BackupError, BadInput)) as info:
            profile.restore(bad)
        assert "Nothing was changed" in info.value.message or "no backup file" in info.value.message
    assert note_bodies(profile) == ["mine"]
    assert file_digests(profile.path) == before


def test_backup_to_an_existing_file_is_refused(make_profile, tmp_path):
    profile, _ = make_profile()
    target = tmp_path / "exists.mentorbackup"
    target.write_bytes(b"precious")
    with pytest.raises(BadInput):
        profile.backup_now(to=target)
    assert target.read_bytes() == b"precious"
