"""(Re)make the profiles in this folder, each saved at an earlier schema version, with data.

    .venv/bin/python tests/data/profiles/make_profiles.py [OUT_FOLDER]

How: first a small organisation is made with the app as it is today (two
mentors' laptops and their supervisor; mentees, consent, meetings, a concern,
referrals, needs checks, the mentor's own log; the mentors share, the
supervisor imports and notes what was done about the concern). Then, for each
schema version N below, a new profile is made whose database has only the
migrations up to N applied (`MIGRATIONS[:N]`), and the rows of the tables that
version had (with the columns it had) are copied into it from the one made
today. What later migrations add, and fill in from existing rows (the
counting columns of version 6, the search rows of version 7, the holders of
version 10), is therefore missing, as it was in a profile saved by that
version. `expected.json` beside each supervisor's profile holds what today's
import itself worked out for those columns, for the tests to compare with.

Every profile opens with the passphrase and recovery code below (README.md).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")

from mentor_app.directory.defaults import ensure_default_directory  # noqa: E402
from mentor_app.exchange import mentors as register  # noqa: E402
from mentor_app.exchange.enrolment import accept_enrolment, make_enrolment, parse_enrolment  # noqa: E402
from mentor_app.exchange.importer import import_folder  # noqa: E402
from mentor_app.exchange.keys import device_key  # noqa: E402
from mentor_app.exchange.trip import trip  # noqa: E402
from mentor_app.records import store  # noqa: E402
from mentor_app.records.referrals import record_referral  # noqa: E402
from mentor_app.records.types import (  # noqa: E402
    Action, Concern, Consent, Goal, Meeting, Mentee, MentorLog, NeedsCheck)
from mentor_app.reports import dashboard  # noqa: E402
from mentor_app.reports.figures import supervisor_figures  # noqa: E402
from mentor_app.storage import db, keywrap  # noqa: E402
from mentor_app.storage.keywrap import Argon2Params  # noqa: E402
from mentor_app.storage.meta import ProfileMeta, save_meta  # noqa: E402
from mentor_app.storage.migrations import MIGRATIONS, migrate  # noqa: E402
from mentor_app.storage.profile import create_profile  # noqa: E402

PASSPHRASE = "correct horse battery"
RECOVERY_CODE = "MENTR-APP23-45678-9ABCD-EFGHJ"
# Cheap, so tests open them fast; the profile records its own settings, so the app uses these.
CHEAP_KDF = Argon2Params(time_cost=1, memory_kib=8 * 1024, parallelism=1)

# Which profile is saved at which version: the version before each migration that fills in
# columns or tables from existing rows (6: counting columns, 7: search rows, 10: holders), the
# first version with records (2), and a profile made and never used (1). The versions between
# only add empty tables and indexes; every migration after N runs on each of these.
FIXTURES = {
    1: "mentor",
    2: "mentor",
    5: "supervisor",
    6: "mentor",
    9: "supervisor",
}
# The columns migration 6 adds to shared_records and fills in from each record's fields.
COUNTING = ("kind", "status", "category", "outcome", "minutes", "hours", "scores", "day", "month", "counted")


def make_organisation(work: Path):
    """Mentor A, mentor B and their supervisor, made and used with today's app."""
    made = {}
    supervisor, _ = create_profile(work / "supervisor", role="supervisor", name="Riverside Project",
                                   passphrase=PASSPHRASE, use_keyring=False, kdf_params=CHEAP_KDF)
    ensure_default_directory(supervisor)
    enrolment = parse_enrolment(json.dumps(make_enrolment(supervisor)).encode())
    drive = work / "drive"
    drive.mkdir()
    for name in ("Alex Mentor", "Bea Mentor"):
        p, _ = create_profile(work / name.split()[0].lower(), role="mentor", name=name, passphrase=PASSPHRASE,
                              use_keyring=False, kdf_params=CHEAP_KDF)
        ensure_default_directory(p)
        accept_enrolment(p, enrolment, enrolment.fingerprint, shared_folder=str(drive))
        made[name] = p
    alex, bea = made["Alex Mentor"], made["Bea Mentor"]
    me = alex.author
    housing = next(s.id for s in store.list_records(alex.conn, "contact") if "housing" in s.record.categories)

    amira = store.save(alex.conn, Mentee(name="Amira Haddad", status="active", release_date="2026-02-20",
                                         phone="07700 900461"), author=me)
    for scope in ("mentoring_records", "share_with_organisation"):
        store.save(alex.conn, Consent(scope=scope, on="2026-03-01", method="written"), author=me, mentee_id=amira)
    store.save(alex.conn, Meeting(starts_at="2026-03-04T10:00", duration_minutes=90, kind="sport",
                                  activity="football", place="Riverside pitches",
                                  notes="Played five-a-side; talked about the job fair."), author=me, mentee_id=amira)
    store.save(alex.conn, Meeting(starts_at="2026-03-11T14:00", duration_minutes=45, kind="one_to_one",
                                  place="Station café", notes="Worried about her landlord; made a plan."),
               author=me, mentee_id=amira)
    store.save(alex.conn, Concern(category="exploitation", urgency="today", raised_at="2026-03-11T15:00",
                                  what_happened="Said an older man keeps asking her to hold parcels.",
                                  reported_to="Safeguarding lead"), author=me, mentee_id=amira)
    record_referral(alex.conn, author=me, mentee_id=amira, contact_id=housing, kind="signpost", on="2026-03-11",
                    reason="Landlord trouble", outcome="attended")
    store.save(alex.conn, NeedsCheck(on="2026-03-01", scores={"accommodation": 2, "employment": 1}), author=me,
               mentee_id=amira)
    store.save(alex.conn, NeedsCheck(on="2026-03-15", scores={"accommodation": 3, "employment": 2}), author=me,
               mentee_id=amira)
    store.save(alex.conn, Goal(text="Get a CSCS card", area="employment", set_on="2026-03-04"), author=me,
               mentee_id=amira)
    store.save(alex.conn, Action(text="Bring payslips to the housing office", due="2026-03-18"), author=me,
               mentee_id=amira)

    ben = store.save(alex.conn, Mentee(name="Ben Carter", status="active"), author=me)  # no consent to share
    store.save(alex.conn, Meeting(starts_at="2026-03-06T09:30", duration_minutes=60, kind="accompanied",
                                  appointment_at="jobcentre", notes="Went with him to the Jobcentre."),
               author=me, mentee_id=ben)
    store.save(alex.conn, MentorLog(kind="training", on="2026-03-05", hours=2.5, note="Safeguarding refresher"),
               author=me)

    chloe = store.save(bea.conn, Mentee(name="Chloe Davies", status="active"), author=bea.author)
    store.save(bea.conn, Consent(scope="share_with_organisation", on="2026-03-02"), author=bea.author,
               mentee_id=chloe)
    store.save(bea.conn, Meeting(starts_at="2026-03-05T18:00", duration_minutes=60, kind="sport", activity="gym",
                                 notes="First gym session."), author=bea.author, mentee_id=chloe)

    for p in (alex, bea):
        trip(p)
        register.note_device(supervisor.conn, device_key(p).public, p.display_name)
        register.approve(supervisor.conn, device_key(p).fingerprint, p.display_name)
    summary = import_folder(supervisor, drive)
    assert summary.batches_imported >= 2 and not summary.quarantined and not summary.refused, summary
    concern = supervisor.conn.execute("SELECT id FROM shared_records WHERE type = 'concern'").fetchone()[0]
    dashboard.acknowledge(supervisor.conn, concern, "Called the safeguarding lead; police informed.", supervisor.author)
    return {"mentor": alex, "supervisor": supervisor, "others": [bea]}


def _columns(conn, schema: str, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f'PRAGMA "{schema}".table_info("{table}")')]


def copy_rows(conn, role: str, version: int) -> None:
    """The rows of every table the target has, with the columns it has, from the attached `today`."""
    tables = [r[0] for r in conn.execute("SELECT name FROM main.sqlite_master WHERE type = 'table' "
                                         "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'search_index_%'")]
    for table in tables:
        columns = [c for c in _columns(conn, "main", table) if c in _columns(conn, "today", table)]
        where = ""
        if table == "settings" and version < 3:
            where = " WHERE key LIKE 'profile.%'"  # nothing of the exchange existed yet
        if table == "search_index":
            columns = ["rowid"] + columns  # search_rows (version 7) points at these row numbers
        names = ", ".join(columns)
        conn.execute(f'INSERT OR REPLACE INTO main."{table}"({names}) SELECT {names} FROM today."{table}"{where} '
                     "ORDER BY rowid")


def add_conflict(conn) -> None:
    """A second version of the sport meeting made from the same base: how the importer kept a conflict."""
    row = conn.execute("SELECT rowid, id, version FROM shared_records WHERE type = 'meeting' "
                       "AND json_extract(fields, '$.kind') = 'sport' AND json_extract(fields, '$.activity') = "
                       "'football'").fetchone()
    columns = [c for c in _columns(conn, "main", "shared_records")]
    names = ", ".join(columns)
    picked = ", ".join("'" + "f" * 64 + "'" if c == "content_sha256" else
                       "json_set(fields, '$.duration_minutes', 75)" if c == "fields" else c for c in columns)
    conn.execute(f"INSERT INTO shared_records({names}) SELECT {picked} FROM shared_records WHERE rowid = ?", (row[0],))
    conn.execute("UPDATE shared_records SET conflict = 1 WHERE id = ? AND version = ?", (row[1], row[2]))


def make_fixture(source, version: int, role: str, folder: Path) -> None:
    folder.mkdir(parents=True)
    key = keywrap.new_data_key()
    profile_id = str(uuid.uuid4())
    meta = ProfileMeta(profile_id=profile_id, role=role, created="2026-03-20T12:00:00+00:00",
                       key_check=keywrap.key_check(key), keyring_enabled=False,
                       wraps={"passphrase": keywrap.wrap_with_passphrase(key, PASSPHRASE, profile_id, CHEAP_KDF),
                              "recovery": keywrap.wrap_with_recovery_code(key, RECOVERY_CODE, profile_id)})
    save_meta(folder, meta)
    conn = db.connect(folder / db.DB_FILE, key)
    migrate(conn, MIGRATIONS[:version])
    assert db.schema_version(conn) == version
    conn.execute(f"ATTACH DATABASE ? AS today KEY \"x'{source.key.hex()}'\"", (str(source.db_path),))
    conn.execute("PRAGMA foreign_keys = OFF")
    with db.transaction(conn):
        if version >= 2:
            copy_rows(conn, role, version)
        else:
            conn.execute("INSERT INTO settings(key, value) SELECT key, value FROM today.settings "
                         "WHERE key LIKE 'profile.%'")
        if role == "supervisor" and version < 6:
            add_conflict(conn)
    conn.execute("DETACH DATABASE today")
    conn.execute("PRAGMA foreign_keys = ON")
    assert db.run_checks(conn).ok
    conn.close()
    for suffix in ("-wal", "-shm"):
        assert not Path(str(folder / db.DB_FILE) + suffix).exists()
    if role == "supervisor":
        expected = {
            "counting": {f"{r[0]} {r[1]} {r[2]}": dict(zip(COUNTING, r[3:])) for r in source.conn.execute(
                f"SELECT id, version, content_sha256, {', '.join(COUNTING)} FROM shared_records ORDER BY rowid")},
            "holders": dict(source.conn.execute("SELECT key, fingerprint FROM holders ORDER BY key").fetchall()),
            "figures": supervisor_figures(source.conn).as_dict(),
        }
        (folder / "expected.json").write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n",
                                              encoding="utf-8")


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE  # another folder: to compare with these
    with tempfile.TemporaryDirectory() as work:
        made = make_organisation(Path(work))
        for old in out.glob("schema-*"):
            shutil.rmtree(old)
        for version, role in FIXTURES.items():
            folder = out / f"schema-{version}"
            make_fixture(made[role], version, role, folder)
            size = sum(p.stat().st_size for p in folder.iterdir())
            print(f"{folder.name}: {role}, {size // 1024} KB")
        for p in [made["mentor"], made["supervisor"], *made["others"]]:
            p.close()


if __name__ == "__main__":
    main()
