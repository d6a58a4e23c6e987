"""Reading a profile and its backups without the app (docs/recovery-without-the-app.md).

The key comes from the recovery code (or the passphrase) through the
standalone script in tools/, and the database is read by SQLCipher 4 through
the sqlcipher3 module, each in a process of its own in which Mentor App's
code can't be imported at all.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PASSPHRASE

from mentor_app.exchange import keys
from mentor_app.records import store
from mentor_app.records.referrals import record_referral
from mentor_app.records.types import Concern, Consent, Contact, Meeting, Mentee

ROOT = Path(__file__).resolve().parent.parent
PROFILE_KEY = ROOT / "tools" / "profile_key.py"
EXPORT_CSV = ROOT / "tools" / "export_csv.py"
DOC = ROOT / "docs" / "recovery-without-the-app.md"

NAME = "Dionne Okafor-Reyes"
NOTE = "Talked about the housing appointment on Friday; she wants to start boxing again."
LATER_NOTE = "Written after the backup was taken."

# Any import of the app in the child raises ImportError: what runs there is standard tools only.
NO_APP = "import sys; sys.modules['mentor_app'] = None\n"


def run_without_app(code: str, *args: str, input: str = "", cwd: Path | None = None):
    return subprocess.run(
        [sys.executable, "-I", "-c", NO_APP + code, *args],
        input=input,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


def run_script(script: Path, *args: str, input: str = "", cwd: Path | None = None):
    """`python3 script args...`, as IT would run it, in a process where the app can't be imported."""
    code = "import runpy; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')"
    return run_without_app(code, str(script), *args, input=input, cwd=cwd)


READER = r"""
import json, sqlcipher3
path, key = sys.argv[1], sys.stdin.readline().strip()
conn = sqlcipher3.connect(path)
conn.execute("PRAGMA key = \"x'" + key + "'\"")
out = {
    "cipher": conn.execute("PRAGMA cipher_version").fetchone()[0],
    "names": [r[0] for r in conn.execute(
        "SELECT json_extract(data, '$.name') FROM records WHERE type = 'mentee' AND deleted = 0")],
    "notes": sorted(r[0] for r in conn.execute(
        "SELECT json_extract(m.data, '$.notes') FROM records m JOIN records p ON p.id = m.mentee_id "
        "WHERE m.type = 'meeting' AND m.deleted = 0 AND json_extract(p.data, '$.name') = ?",
        (json.loads(sys.argv[2]),))),
    "concerns": [r[0] for r in conn.execute(
        "SELECT json_extract(data, '$.what_happened') FROM records WHERE type = 'concern'")],
}
print(json.dumps(out))
"""


def read_without_app(path: Path, key_hex: str) -> dict:
    done = run_without_app(READER, str(path), json.dumps(NAME), input=key_hex + "\n")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture
def closed_profile(make_profile, tmp_path):
    """A mentor's profile with a mentee, a meeting, a concern, consent and a referral; a backup; then one more note."""
    profile, code = make_profile()
    conn, me = profile.conn, profile.author
    mentee = store.save(conn, Mentee(name=NAME, phone="07700 900123", status="active"), author=me)
    store.save(
        conn,
        Meeting(starts_at="2026-11-20T10:00", kind="sport", activity="boxing", place="Riverside gym", notes=NOTE),
        author=me,
        mentee_id=mentee,
    )
    store.save(
        conn,
        Concern(
            category="risk_from_others",
            raised_at="2026-11-20T11:00",
            what_happened="Said someone is pressuring her to carry parcels.",
        ),
        author=me,
        mentee_id=mentee,
    )
    store.save(
        conn, Consent(scope="share_with_partner", on="2026-11-19", partner="Shelter"), author=me, mentee_id=mentee
    )
    contact = store.save(conn, Contact(organisation="Shelter", categories=["housing"]), author=me)
    record_referral(conn, author=me, mentee_id=mentee, contact_id=contact, kind="referral", on="2026-11-20")
    keys.device_key(profile)  # a private key in the settings, which the CSV export must leave out
    backup = profile.backup_now()
    outside = profile.backup_now(to=tmp_path / "outside.mentorbackup")
    store.save(conn, Meeting(starts_at="2026-11-27T10:00", notes=LATER_NOTE), author=me, mentee_id=mentee)
    key = profile.key
    path = profile.path
    profile.close()
    assert not (path / "mentor.db-wal").exists()
    return path, code, key, backup, outside


def key_from_recovery_code(folder: Path, code: str) -> str:
    done = run_script(PROFILE_KEY, str(folder), input=code + "\n")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.split()
    assert len(lines) == 1 and re.fullmatch(r"[0-9a-f]{64}", lines[0]), done.stdout
    return lines[0]


def test_the_recovery_code_gives_the_key_that_opens_the_database_with_sqlcipher_4(closed_profile):
    path, code, key, _, _ = closed_profile
    # Typed as people do: small letters, spaces instead of dashes.
    key_hex = key_from_recovery_code(path, code.lower().replace("-", " "))
    assert key_hex == key.hex()
    seen = read_without_app(path / "mentor.db", key_hex)
    assert seen["cipher"].startswith("4.")
    assert seen["names"] == [NAME]
    assert seen["notes"] == sorted([NOTE, LATER_NOTE])
    assert seen["concerns"] == ["Said someone is pressuring her to carry parcels."]


def test_a_backup_opens_with_the_same_key_and_holds_what_was_there_when_it_was_taken(closed_profile):
    path, code, _, backup, outside = closed_profile
    key_hex = key_from_recovery_code(path, code)
    for file in (backup, outside):
        assert file.suffix == ".mentorbackup"
        seen = read_without_app(file, key_hex)
        assert seen["names"] == [NAME]
        assert seen["notes"] == [NOTE]  # not the note written after it


def test_the_passphrase_gives_the_same_key(closed_profile):
    path, _, key, _, _ = closed_profile
    done = run_script(PROFILE_KEY, str(path), "--passphrase", input=PASSPHRASE + "\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == key.hex()


def test_a_wrong_code_or_another_profiles_code_gives_no_key(closed_profile, make_profile):
    path, code, _, _, _ = closed_profile
    _, other_code = make_profile("other")
    wrong = ("2" if code[0] != "2" else "3") + code[1:]
    for attempt in (wrong, other_code, "not a code"):
        done = run_script(PROFILE_KEY, str(path), input=attempt + "\n")
        assert done.returncode != 0
        assert done.stdout == ""
        assert re.search(r"[0-9a-f]{64}", done.stderr) is None
    done = run_script(PROFILE_KEY, str(path), "--passphrase", input="not the passphrase\n")
    assert done.returncode != 0 and done.stdout == ""


def test_the_wrong_key_does_not_open_the_database(closed_profile):
    path, _, key, _, _ = closed_profile
    done = run_without_app(READER, str(path / "mentor.db"), json.dumps(NAME), input=bytes(32).hex() + "\n")
    assert done.returncode != 0
    assert "not a database" in done.stderr


def test_the_csv_export_writes_every_record_type_with_its_fields_and_no_private_key(closed_profile, tmp_path):
    path, code, key, backup, _ = closed_profile
    key_hex = key_from_recovery_code(path, code)
    out = tmp_path / "csv"
    done = run_script(EXPORT_CSV, str(path / "mentor.db"), str(out), input=key_hex + "\n")
    assert done.returncode == 0, done.stderr

    def rows(name):
        with open(out / name, newline="", encoding="utf-8") as f:
            return list(csv.DictReader(f))

    mentees = rows("records-mentee.csv")
    assert [(m["name"], m["phone"], m["status"]) for m in mentees] == [(NAME, "07700 900123", "active")]
    meetings = rows("records-meeting.csv")
    assert sorted(m["notes"] for m in meetings) == sorted([NOTE, LATER_NOTE])
    assert {m["mentee_id"] for m in meetings} == {mentees[0]["id"]}
    assert [m["place"] for m in meetings if m["notes"] == NOTE] == ["Riverside gym"]
    assert [c["category"] for c in rows("records-concern.csv")] == ["risk_from_others"]
    assert [(c["scope"], c["partner"]) for c in rows("records-consent.csv")] == [("share_with_partner", "Shelter")]
    assert [(r["organisation"], r["kind"], r["outcome"]) for r in rows("records-referral.csv")] == [
        ("Shelter", "referral", "made")
    ]
    assert len(rows("records.csv")) == 7  # mentee, two meetings, concern, consent, contact, referral
    settings = {r["key"]: r["value"] for r in rows("settings.csv")}
    assert settings["profile.name"] == "Test Mentor"
    assert settings[keys.DEVICE_SIGNING] == "(a private key: left out)"
    assert (out / "audit_log.csv").is_file()
    assert not list(out.glob("search_index*"))
    # Nothing in the folder of the profile changed: it was opened read-only.
    assert sorted(p.name for p in path.iterdir()) == sorted(["profile.json", "mentor.db", ".lock", "backups"])

    done = run_script(EXPORT_CSV, str(backup), str(tmp_path / "csv-backup"), input=key_hex + "\n")
    assert done.returncode == 0, done.stderr
    with open(tmp_path / "csv-backup" / "records-meeting.csv", newline="", encoding="utf-8") as f:
        assert [m["notes"] for m in csv.DictReader(f)] == [NOTE]


def test_a_cell_that_a_spreadsheet_would_run_is_quoted(make_profile, tmp_path):
    profile, code = make_profile()
    store.save(profile.conn, Mentee(name='=HYPERLINK("http://example.invalid")'), author=profile.author)
    path = profile.path
    profile.close()
    out = tmp_path / "csv"
    done = run_script(EXPORT_CSV, str(path / "mentor.db"), str(out), input=key_from_recovery_code(path, code) + "\n")
    assert done.returncode == 0, done.stderr
    with open(out / "records-mentee.csv", newline="", encoding="utf-8") as f:
        assert [m["name"] for m in csv.DictReader(f)] == ['\'=HYPERLINK("http://example.invalid")']


def _doc_python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def test_the_program_printed_in_the_document_gives_the_key(closed_profile):
    path, code, key, _, _ = closed_profile
    program = next(b for b in _doc_python_blocks() if "HKDF" in b)
    done = run_without_app(program, str(path), code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == key.hex()


def test_the_document_reader_example_lists_the_mentee(closed_profile, tmp_path):
    path, code, _, _, _ = closed_profile
    (tmp_path / "key.txt").write_text(key_from_recovery_code(path, code) + "\n")
    example = next(b for b in _doc_python_blocks() if "import sqlcipher3" in b)
    done = run_without_app(example.replace("COPY_OF_PROFILE", str(path)), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[0] == NAME


def test_the_document_names_every_file_a_profile_folder_holds(closed_profile):
    path, _, _, _, _ = closed_profile
    doc = DOC.read_text(encoding="utf-8")
    for name in ("profile.json", "mentor.db", ".lock", "backups/"):
        assert f"`{name}" in doc
    assert {p.name for p in path.iterdir()} <= {
        "profile.json",
        "mentor.db",
        "mentor.db-wal",
        "mentor.db-shm",
        ".lock",
        "backups",
    }


def test_a_copy_taken_while_the_app_has_the_profile_open_reads_with_its_wal_file(make_profile, tmp_path):
    import shutil

    profile, code = make_profile()
    mentee = store.save(profile.conn, Mentee(name=NAME), author=profile.author)
    store.save(profile.conn, Meeting(starts_at="2026-11-20T10:00", notes=NOTE), author=profile.author, mentee_id=mentee)
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in ("profile.json", "mentor.db", "mentor.db-wal"):
        shutil.copyfile(profile.path / name, copy / name)
    assert (copy / "mentor.db-wal").stat().st_size > 0
    key_hex = key_from_recovery_code(copy, code)
    out = tmp_path / "csv"
    done = run_script(EXPORT_CSV, str(copy / "mentor.db"), str(out), input=key_hex + "\n")
    assert done.returncode == 0, done.stderr
    with open(out / "records-meeting.csv", newline="", encoding="utf-8") as f:
        assert [m["notes"] for m in csv.DictReader(f)] == [NOTE]
    # Without the -wal file the newest changes are not there (the document says to copy it too).
    (copy / "mentor.db-wal").unlink()
    (copy / "mentor.db-shm").unlink(missing_ok=True)
    done = run_without_app(READER, str(copy / "mentor.db"), json.dumps(NAME), input=key_hex + "\n")
    assert done.returncode != 0 or json.loads(done.stdout)["notes"] == []


@pytest.mark.slow
def test_after_a_re_key_cut_short_the_keys_printed_include_the_one_the_database_has(make_profile, monkeypatch):
    from mentor_app.storage import db

    profile, code = make_profile()
    store.save(profile.conn, Mentee(name=NAME), author=profile.author)
    old_key = profile.key
    real_execute = db.GuardedConnection.execute

    def power_cut_at_rekey(self, sql, *args):
        if str(sql).startswith("PRAGMA rekey"):
            raise KeyboardInterrupt("power cut")
        return real_execute(self, sql, *args)

    monkeypatch.setattr(db.GuardedConnection, "execute", power_cut_at_rekey)
    with pytest.raises(KeyboardInterrupt):
        profile.rekey(PASSPHRASE, new_passphrase="a brand new passphrase for the new key")
    monkeypatch.undo()
    path = profile.path
    profile.close()
    assert "pending" in json.loads((path / "profile.json").read_text())["wraps"]

    done = run_script(PROFILE_KEY, str(path), "--passphrase", input=PASSPHRASE + "\n")
    assert done.returncode == 0, done.stderr
    printed = done.stdout.split()
    assert len(printed) == 2 and printed[0] == old_key.hex() and "cut short" in done.stderr
    assert read_without_app(path / "mentor.db", printed[0])["names"] == [NAME]
    assert key_from_recovery_code(path, code) == old_key.hex()
