"""Schema migrations: each from the version before it, all or nothing, backed up first.

Profiles saved by earlier versions, with data, are in tests/data/profiles (see its README.md).
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
import sqlcipher3
from conftest import PASSPHRASE, add_note, file_digests, note_bodies

from mentor_app.errors import NewerVersion
from mentor_app.exchange import holders
from mentor_app.records import search, store
from mentor_app.records.consent import consent_in_force
from mentor_app.records.types import Mentee
from mentor_app.reports import dashboard
from mentor_app.reports.figures import supervisor_figures
from mentor_app.storage import backups, db, keywrap, migrations
from mentor_app.storage.keywrap import new_data_key
from mentor_app.storage.meta import load_meta
from mentor_app.storage.migrations import MIGRATIONS, Migration, migrate, run_statements
from mentor_app.storage.profile import open_profile


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

    monkeypatch.setattr(
        migrations, "MIGRATIONS", list(MIGRATIONS) + [Migration(len(MIGRATIONS) + 1, "pin", add_column)]
    )
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


# -- profiles saved by earlier versions, with data (tests/data/profiles, made by its make_profiles.py) ----------

SAVED = Path(__file__).parent / "data" / "profiles"
SAVED_PASSPHRASE = "correct horse battery"  # as tests/data/profiles/README.md says
SAVED_RECOVERY_CODE = "MENTR-APP23-45678-9ABCD-EFGHJ"
MENTORS = (2, 6)
SUPERVISORS = (5, 9)
COUNTING = ("kind", "status", "category", "outcome", "minutes", "hours", "scores", "day", "month", "counted")


def _saved(tmp_path, version: int) -> Path:
    """A copy of the profile saved at `version` (opening it upgrades it: never the checked-in one)."""
    target = tmp_path / f"schema-{version}"
    shutil.copytree(SAVED / f"schema-{version}", target)
    (target / "expected.json").unlink(missing_ok=True)
    return target


def _version_on_disk(path: Path) -> int:
    meta = load_meta(path)
    key = keywrap.unwrap_with_passphrase(meta.wraps["passphrase"], SAVED_PASSPHRASE, meta.profile_id)
    conn = db.connect(path / db.DB_FILE, key, readonly=True)
    try:
        return db.schema_version(conn)
    finally:
        conn.close()


def _expected(version: int) -> dict:
    return json.loads((SAVED / f"schema-{version}" / "expected.json").read_text(encoding="utf-8"))


def test_there_is_a_saved_profile_before_every_migration_that_fills_in_from_existing_rows():
    saved = sorted(int(p.name.split("-")[1]) for p in SAVED.glob("schema-*"))
    assert saved == sorted((1,) + MENTORS + SUPERVISORS)
    backfilling = {6, 7, 10}  # counting columns, search rows, holders: each reads rows already there
    assert {v - 1 for v in backfilling} <= set(saved)
    assert max(saved) < len(MIGRATIONS)
    for folder in SAVED.glob("schema-*"):  # the tests only ever open copies of them
        assert {p.name for p in folder.iterdir()} <= {"profile.json", "mentor.db", "expected.json"}, folder.name


@pytest.mark.parametrize("version", sorted((1,) + MENTORS + SUPERVISORS), ids=lambda v: f"schema-{v}")
def test_a_profile_saved_by_an_earlier_version_opens_upgraded_after_a_backup_at_its_version(
    tmp_path, no_keyring, version
):
    path = _saved(tmp_path, version)
    assert _version_on_disk(path) == version
    with open_profile(path, secret=SAVED_PASSPHRASE) as p:
        assert db.schema_version(p.conn) == migrations.latest_version()
        assert db.run_checks(p.conn).ok
        assert p.display_name
        before = [b for b in backups.list_backups(path) if b.kind == "pre-migration"]
        assert len(before) == 1
        verdict = backups.verify_backup(before[0].path, p.key)
        assert verdict.good and verdict.version == version
        rows = p.conn.execute("SELECT count(*) FROM records").fetchone()[0]
        assert (rows > 0) == (version >= 2)
        # The upgraded profile works as a new one does: a record saved now is found and audited.
        if version >= 2:
            store.save(p.conn, Mentee(name="Saved After Upgrading"), author=p.author)
            assert [h.title for h in search.search(p.conn, "Upgrading")] == ["Saved After Upgrading"]
            assert p.conn.execute("SELECT count(*) FROM audit_log WHERE action = 'create'").fetchone()[0] >= 1
    # Opened again, nothing is migrated twice and no second pre-migration backup is taken.
    with open_profile(path, secret=SAVED_RECOVERY_CODE) as p:
        assert p.unlocked_by == "recovery code"
        assert db.schema_version(p.conn) == migrations.latest_version()
    assert len([b for b in backups.list_backups(path) if b.kind == "pre-migration"]) == 1


@pytest.mark.parametrize("version", MENTORS, ids=lambda v: f"schema-{v}")
def test_a_mentors_records_come_through_the_upgrade(tmp_path, no_keyring, version):
    with open_profile(_saved(tmp_path, version), secret=SAVED_PASSPHRASE) as p:
        people = {s.record.name: s for s in store.list_records(p.conn, "mentee")}
        assert set(people) == {"Amira Haddad", "Ben Carter"}
        amira = people["Amira Haddad"]
        assert (amira.record.status, amira.record.release_date, amira.record.phone) == (
            "active",
            "2026-02-20",
            "07700 900461",
        )
        meetings = {s.record.starts_at: s for s in store.list_records(p.conn, "meeting")}
        sport = meetings["2026-03-04T10:00"]
        assert (sport.mentee_id, sport.record.kind, sport.record.activity, sport.record.duration_minutes) == (
            amira.id,
            "sport",
            "football",
            90,
        )
        assert sport.record.notes == "Played five-a-side; talked about the job fair."
        assert meetings["2026-03-06T09:30"].mentee_id == people["Ben Carter"].id
        [concern] = store.list_records(p.conn, "concern")
        assert (concern.mentee_id, concern.record.category) == (amira.id, "exploitation")
        assert concern.record.what_happened == "Said an older man keeps asking her to hold parcels."
        assert consent_in_force(p.conn, amira.id, "share_with_organisation", date(2026, 3, 20)).in_force
        assert not consent_in_force(
            p.conn, people["Ben Carter"].id, "share_with_organisation", date(2026, 3, 20)
        ).in_force
        [referral] = store.list_records(p.conn, "referral")
        assert (referral.mentee_id, referral.record.category, referral.record.outcome) == (
            amira.id,
            "housing",
            "attended",
        )
        assert store.get(p.conn, referral.record.contact_id).type == "contact"
        assert [s.record.scores for s in store.list_records(p.conn, "needs_check", newest_first=False)] == [
            {"accommodation": 2, "employment": 1},
            {"accommodation": 3, "employment": 2},
        ]
        assert [s.record.hours for s in store.list_records(p.conn, "mentor_log")] == [2.5]
        assert len(store.list_records(p.conn, "goal")) == len(store.list_records(p.conn, "action")) == 1


@pytest.mark.parametrize("version", MENTORS, ids=lambda v: f"schema-{v}")
def test_the_search_rows_filled_in_by_migration_7_let_an_edit_replace_the_old_text(tmp_path, no_keyring, version):
    with open_profile(_saved(tmp_path, version), secret=SAVED_PASSPHRASE) as p:
        conn = p.conn
        indexed = conn.execute("SELECT count(*) FROM search_index").fetchone()[0]
        assert indexed > 14
        # Every index row has its lookup row, pointing at the row of that very record.
        assert conn.execute("SELECT count(*) FROM search_rows").fetchone()[0] == indexed
        assert (
            conn.execute(
                "SELECT count(*) FROM search_rows r JOIN search_index i ON i.rowid = r.fts_rowid "
                "AND i.record_id = r.record_id"
            ).fetchone()[0]
            == indexed
        )
        assert [h.type for h in search.search(conn, "five-a-side")] == ["meeting"]
        amira = next(s for s in store.list_records(conn, "mentee") if s.record.name == "Amira Haddad")
        store.save(conn, Mentee(name="Amira Nasser", status="active"), author=p.author, record_id=amira.id)
        assert search.search(conn, "Haddad") == []  # the old row went: it was found through search_rows
        assert [h.record_id for h in search.search(conn, "Nasser")] == [amira.id]
        assert conn.execute("SELECT count(*) FROM search_index").fetchone()[0] == indexed
        store.delete(conn, amira.id, author=p.author)
        assert search.search(conn, "five-a-side") == [] and search.search(conn, "Nasser") == []


@pytest.mark.parametrize("version", SUPERVISORS, ids=lambda v: f"schema-{v}")
def test_a_supervisors_shared_records_come_through_with_their_counting_columns(tmp_path, no_keyring, version):
    expected = _expected(version)
    with open_profile(_saved(tmp_path, version), secret=SAVED_PASSPHRASE) as p:
        conn = p.conn
        rows = {
            f"{r[0]} {r[1]} {r[2]}": dict(zip(COUNTING, r[3:], strict=True))
            for r in conn.execute(f"SELECT id, version, content_sha256, {', '.join(COUNTING)} FROM shared_records")
        }
        # What migration 6 worked out from each record is what the import works out as records arrive.
        assert {k: v for k, v in rows.items() if k in expected["counting"]} == expected["counting"]
        sport = [v for v in rows.values() if v["kind"] == "sport" and v["minutes"] == 90]
        assert [(v["day"], v["month"]) for v in sport] == [("2026-03-04", "2026-03")]
        names = sorted(
            json.loads(f).get("name", "")
            for (f,) in conn.execute(
                "SELECT fields FROM shared_records WHERE type = 'mentee' AND current = 1 AND basis = 'consent'"
            )
        )
        assert names == ["Amira Haddad", "Chloe Davies"]
        assert (
            conn.execute(
                "SELECT count(*) FROM shared_records WHERE type = 'mentee' AND basis = 'counts' "
                "AND mentee_id IS NULL AND pseudonym != ''"
            ).fetchone()[0]
            == 1
        )
        assert "Ben Carter" not in json.dumps([r[0] for r in conn.execute("SELECT fields FROM shared_records")])
        notes = [
            json.loads(f)["notes"]
            for (f,) in conn.execute(
                "SELECT fields FROM shared_records WHERE type = 'meeting' AND basis = 'consent' AND current = 1"
            )
        ]
        assert "Played five-a-side; talked about the job fair." in notes
        assert [
            (c.mentee_name, c.category, c.acknowledged) for c in dashboard.concerns(conn, include_acknowledged=True)
        ] == [("Amira Haddad", "exploitation", "Called the safeguarding lead; police informed.")]
        assert conn.execute("SELECT action FROM supervisor_notes").fetchall() == [
            ("Called the safeguarding lead; police informed.",)
        ]
        assert sorted(conn.execute("SELECT mentor_name, status FROM mentor_devices")) == [
            ("Alex Mentor", "approved"),
            ("Bea Mentor", "approved"),
        ]
        # The dashboard and the funder report count the upgraded records as if they had just arrived.
        figures = supervisor_figures(conn).as_dict()
        monitoring = figures.pop("monitoring")
        newer = {k: figures.pop(k) for k in set(figures) - set(expected["figures"])}  # counted since they were saved
        assert figures == expected["figures"]
        assert sum(newer["by_referral_source"].values()) == expected["figures"]["people"]
        # Saved before equality monitoring: everyone is counted, as not asked (and of no known age).
        people = expected["figures"]["people"]
        assert monitoring["gender"] == {"": people} and monitoring["age_band"] == {"not_known": people}


def test_migration_6_counts_one_version_of_a_conflict(tmp_path, no_keyring):
    with open_profile(_saved(tmp_path, 5), secret=SAVED_PASSPHRASE) as p:
        both = p.conn.execute(
            "SELECT json_extract(fields, '$.duration_minutes'), minutes, counted FROM shared_records "
            "WHERE conflict = 1 ORDER BY rowid"
        ).fetchall()
        assert both == [(90, 90, 1), (75, 75, 0)]
        assert len(dashboard.conflicts(p.conn)) == 1
        figures = supervisor_figures(p.conn)
        assert (figures.sport_sessions, figures.sport_minutes) == (2, 150)  # the second version is not counted again


@pytest.mark.parametrize("version", SUPERVISORS, ids=lambda v: f"schema-{v}")
def test_migration_10_gives_each_person_and_record_to_the_device_that_sent_it(tmp_path, no_keyring, version):
    expected = _expected(version)
    with open_profile(_saved(tmp_path, version), secret=SAVED_PASSPHRASE) as p:
        conn = p.conn
        held = dict(conn.execute("SELECT key, fingerprint FROM holders"))
        assert held == expected["holders"]
        devices = dict(conn.execute("SELECT mentor_name, fingerprint FROM mentor_devices"))
        alex, bea = devices["Alex Mentor"], devices["Bea Mentor"]
        (amira_id,) = conn.execute(
            "SELECT mentee_id FROM shared_records WHERE type = 'mentee' AND basis = 'consent' "
            "AND json_extract(fields, '$.name') = 'Amira Haddad'"
        ).fetchone()
        meeting = dict(id="m-x", type="meeting", mentee_id=amira_id, fields={})
        # Only the device that sent Amira's records may change them: the other one is refused.
        assert holders.refusal(conn, meeting, alex) is None
        assert holders.refusal(conn, meeting, bea) == holders.NOT_HOLDER
        for (record_id,) in conn.execute("SELECT id FROM shared_records WHERE fingerprint = ?", (bea,)):
            assert held["r:" + record_id] == bea


def _shape(path: Path) -> dict:
    meta = load_meta(path)
    key = keywrap.unwrap_with_recovery_code(meta.wraps["recovery"], SAVED_RECOVERY_CODE, meta.profile_id)
    conn = db.connect(path / db.DB_FILE, key, readonly=True)
    try:
        schema = sorted(conn.execute("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"))
        tables = [name for kind, name, _ in schema if kind == "table"]
        counts = {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
        return {"version": db.schema_version(conn), "schema": schema, "rows": counts, "role": meta.role}
    finally:
        conn.close()


@pytest.mark.slow
def test_the_saved_profiles_are_what_their_script_makes(tmp_path, no_keyring):
    import subprocess
    import sys

    out = tmp_path / "made"
    done = subprocess.run(
        [sys.executable, str(SAVED / "make_profiles.py"), str(out)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in SAVED.glob("schema-*"))
    for folder in out.iterdir():
        kept = _saved(tmp_path, int(folder.name.split("-")[1]))  # a copy: reading leaves -wal and -shm files
        assert _shape(folder) == _shape(kept), folder.name
