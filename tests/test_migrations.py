"""Schema migrations: each from the version before it, all or nothing, backed up first."""

from __future__ import annotations

import pytest
import sqlcipher3

from mentor_app.errors import NewerVersion
from mentor_app.storage import backups, db, migrations
from mentor_app.storage.keywrap import new_data_key
from mentor_app.storage.migrations import MIGRATIONS, Migration, migrate, run_statements
from mentor_app.storage.profile import open_profile

from conftest import PASSPHRASE, add_note, file_digests, note_bodies


def _tables(conn) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


@pytest.mark.parametrize("migration", MIGRATIONS, ids=lambda m: f"v{m.version}")
def test_each_migration_from_the_version_before_it(tmp_path, migration):
    conn = db.connect(tmp_path / "m.db", new_data_key())
    earlier = [m for m in MIGRATIONS if m.version < migration.version]
    if earlier:
        migrate(conn, earlier)
    assert db.schema_version(conn) == migration.version - 1
    before = _tables(conn)
    assert migrate(conn, [m for m in MIGRATIONS if m.version <= migration.version]) == [migration.version]
    assert db.schema_version(conn) == migration.version
    assert _tables(conn) >= before
    assert db.run_checks(conn).ok
    conn.close()


def test_latest_schema_has_what_the_app_uses(tmp_path):
    conn = db.connect(tmp_path / "m.db", new_data_key())
    migrate(conn)
    assert {"settings", "records", "counters", "search_index"} <= _tables(conn)
    conn.close()


def test_a_failing_migration_leaves_the_previous_version_intact(tmp_path):
    def broken(conn):
        run_statements(conn, "CREATE TABLE half_done (x)", "INSERT INTO no_such_table VALUES (1)")

    conn = db.connect(tmp_path / "m.db", new_data_key())
    steps = list(MIGRATIONS) + [Migration(len(MIGRATIONS) + 1, "broken", broken)]
    with pytest.raises(sqlcipher3.OperationalError):
        migrate(conn, steps)
    assert db.schema_version(conn) == len(MIGRATIONS)
    assert "half_done" not in _tables(conn)
    conn.close()


def test_opening_an_older_profile_migrates_after_an_encrypted_backup(make_profile, monkeypatch):
    profile, _ = make_profile()
    add_note(profile, "from the old version")
    path = profile.path
    profile.close()

    def add_column(conn):
        run_statements(conn, "ALTER TABLE records ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0")

    monkeypatch.setattr(migrations, "MIGRATIONS", list(MIGRATIONS) + [Migration(len(MIGRATIONS) + 1, "pin", add_column)])
    with open_profile(path, secret=PASSPHRASE) as p:
        assert db.schema_version(p.conn) == len(MIGRATIONS) + 1
        assert note_bodies(p) == ["from the old version"]
    kinds = [b.kind for b in backups.list_backups(path)]
    assert "pre-migration" in kinds


def test_a_database_from_a_newer_version_is_refused_untouched(make_profile):
    profile, _ = make_profile()
    profile.conn.execute("PRAGMA user_version = 999")
    path = profile.path
    profile.close()
    before = file_digests(path)
    with pytest.raises(NewerVersion) as info:
        open_profile(path, secret=PASSPHRASE)
    assert "newer version of Mentor App" in info.value.message
    after = file_digests(path)
    assert {k: v for k, v in after.items() if k != "profile.json"} == {
        k: v for k, v in before.items() if k != "profile.json"
    }
