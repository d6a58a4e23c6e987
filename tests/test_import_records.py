"""Bringing a caseload in from the spreadsheets a project already keeps: people, then their meetings."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from conftest import NO_KEYRING, PASSPHRASE, run_cli

from mentor_app.errors import BadInput
from mentor_app.records import importing, spreadsheets, store
from mentor_app.records.types import MAX_LINE, MAX_TEXT, Mentee
from mentor_app.storage import audit


@pytest.fixture
def profile(make_profile):
    p, _ = make_profile()
    return p


def _plan(profile, path, kind=None, overrides=None, who=None):
    table = importing.read(path)
    columns = importing.match_columns(
        profile.conn, table.headings, kind or importing.guess_kind(table.headings), overrides
    )
    return importing.plan(profile.conn, table, columns, who=who)


def _people(profile) -> dict[str, Mentee]:
    return {s.record.name: s.record for s in store.list_records(profile.conn, "mentee")}


def test_a_windows_spreadsheet_of_people_is_previewed_row_by_row_then_saved_once(profile, tmp_path):
    # As Excel on UK Windows saves "CSV": the older encoding, semicolons, CRLF, a byte-order mark is not there.
    rows = [
        "Full Name;DOB;Tel;E-mail;Postcode;Referred by;Status;Release date",
        "Zoë Price;03/12/1990;07700 900123;zoe@example.org;M14 5AB;Probation;Active;3 Dec 2026",
        "Alex Larch;3/12/85;;;SW1A;Self-referral;;",
        "Bad Row;31/02/1990;;;;;;",
        "Sam Okafor;1 Mar 88;;;;;Nonsense status;",
        ";;;;;;;",
        "Not Yet Born;3/12/2030;;;;;;",  # row 7
        "Bare Number;46000;;;;;;",  # in a CSV a bare number is not a date: it is not read as Excel's
        "Zoë Price;03/12/1990;;;;;;",  # the same person as row 2
        "Two Names;;;;;;;",
        "Two Names;;;;;;;",
    ]
    path = tmp_path / "caseload.csv"
    path.write_bytes("\r\n".join(rows).encode("cp1252"))

    preview = _plan(profile, path)
    assert preview.kind == "mentee"
    assert [p.row for p in preview.problems] == [4, 5, 7, 8, 9, 11]  # the rows as the spreadsheet numbers them
    problems = {p.row: p.message for p in preview.problems}
    assert "31/02/1990" in problems[4] and "Status" in problems[5] and "in the future" in problems[7]
    assert "46000" in problems[8] and "same person" in problems[9] and "row 2" in problems[9]
    assert "same name as row 10" in problems[11]
    assert any("Windows-1252" in note for note in preview.notes)
    assert _people(profile) == {}  # a preview saves nothing

    with pytest.raises(BadInput, match="nothing was saved"):
        importing.save(profile.conn, preview, author=profile.author)
    assert _people(profile) == {}
    saved = importing.save(profile.conn, preview, author=profile.author, only_good_rows=True)
    assert saved.added == 3

    people = _people(profile)
    zoe, alex = people["Zoë Price"], people["Alex Larch"]
    assert (zoe.date_of_birth, zoe.phone, zoe.email) == ("1990-12-03", "07700 900123", "zoe@example.org")
    assert (zoe.referral_source, zoe.status, zoe.release_date) == ("probation", "active", "2026-12-03")
    # Only the first half of a postcode is kept as the district; the whole postcode stays with the address.
    assert zoe.postcode_district == "M14" and "M14 5AB" in zoe.address
    assert alex.date_of_birth == "1985-12-03"  # a two-digit year of birth: 1985, not 2085
    assert alex.referral_source == "self" and alex.status == "referred"  # left empty: the usual start
    assert audit.entries(profile.conn, action="import_records")[0].detail == "3 people"

    again = _plan(profile, path)
    assert again.good == [] and again.already_here == [2, 3, 9, 10, 11]
    assert len(_people(profile)) == 3


def test_an_excel_workbook_of_meetings_finds_each_person_by_name_and_asks_when_two_share_it(profile, tmp_path):
    conn = profile.conn
    sam = store.save(conn, Mentee(name="Sam Smith", date_of_birth="1990-03-01"), author=profile.author)
    other_sam = store.save(conn, Mentee(name="Sam Smith"), author=profile.author)
    jo = store.save(conn, Mentee(name="Jo Reid", preferred_name="Jojo"), author=profile.author)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Client", "Session date", "Start time", "Mins", "Venue", "Session type", "Activity", "Comments"])
    sheet.append(["jojo", datetime(2026, 11, 3, 14, 30), None, 90, "Riverside pitch", "Sport", "Football", "Scored"])
    sheet.append(["Jo Reid", datetime(2026, 11, 5), "10:15", 45, "Café", "1:1", None, "Talked about housing"])
    sheet.append(["Sam Smith", datetime(2026, 11, 6, 9, 0), None, 60, "Jobcentre", "Accompanied", None, ""])
    sheet.append(["Nobody Known", datetime(2026, 11, 6, 9, 0), None, 60, "", "1:1", None, ""])
    sheet.append(["Jo Reid", "not a date", None, 60, "", "1:1", None, ""])
    book.create_sheet("Notes")
    path = tmp_path / "sessions.xlsx"
    book.save(path)

    preview = _plan(profile, path)
    assert preview.kind == "meeting"
    assert [p.row for p in preview.problems] == [5, 6]
    assert "Nobody Known" in preview.problems[0].message
    candidates, rows = preview.ambiguous["sam smith"]
    assert rows == [4] and {c.mentee_id for c in candidates} == {sam, other_sam}
    assert any("born 1 Mar 1990" in c.words for c in candidates)
    assert any('"Sheet"' in note for note in preview.notes)  # only the first sheet was read, and it says so

    chosen = _plan(profile, path, who={"Sam Smith": sam})
    importing.save(conn, chosen, author=profile.author, only_good_rows=True)
    meetings = {s.record.place: s for s in store.list_records(conn, "meeting")}
    pitch, cafe, jobcentre = meetings["Riverside pitch"], meetings["Café"], meetings["Jobcentre"]
    assert pitch.mentee_id == jo and pitch.record.starts_at == "2026-11-03T14:30"
    assert (pitch.record.kind, pitch.record.activity, pitch.record.duration_minutes) == ("sport", "football", 90)
    assert cafe.record.starts_at == "2026-11-05T10:15" and cafe.record.kind == "one_to_one"
    assert cafe.record.notes == "Talked about housing"
    assert jobcentre.mentee_id == sam and jobcentre.record.kind == "accompanied"

    again = _plan(profile, path, who={"Sam Smith": sam})
    assert again.good == [] and again.already_here == [2, 3, 4]


def test_a_heading_not_understood_is_named_and_a_choice_is_kept_for_next_time(profile, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("Nmae,Client ref,Date of Birth\nAmir Khan,C-104,1/2/1989\n", encoding="utf-8")
    table = importing.read(path)
    columns = importing.match_columns(profile.conn, table.headings, "mentee")
    problem = columns.problem()
    assert '"Nmae" (did you mean name?)' in problem and '"Client ref"' in problem
    with pytest.raises(BadInput, match="not understood"):
        importing.plan(profile.conn, table, columns)
    with pytest.raises(BadInput, match="did you mean"):
        importing.match_columns(profile.conn, table.headings, "mentee", {"Client ref": "clinet"})

    chosen = importing.match_columns(
        profile.conn, table.headings, "mentee", {"Nmae": "Name or alias", "Client ref": ""}
    )
    importing.save(profile.conn, importing.plan(profile.conn, table, chosen), author=profile.author)
    assert _people(profile)["Amir Khan"].date_of_birth == "1989-02-01"  # day first, the UK way

    later = importing.match_columns(profile.conn, table.headings, "mentee")  # the next file like it
    assert later.problem() == "" and later.chosen == ["name", "", "date_of_birth"]


def test_every_field_at_its_longest_comes_in_whole(profile, tmp_path):
    person = store.save(profile.conn, Mentee(name="N" * MAX_LINE), author=profile.author)
    path = tmp_path / "long.csv"
    notes = "Ä" * MAX_TEXT
    path.write_text(f"Name,Date,Notes,Place\n{'N' * MAX_LINE},3/11/2026 10:00,{notes},{'P' * MAX_LINE}\n", "utf-8")
    importing.save(profile.conn, _plan(profile, path), author=profile.author)
    [meeting] = store.list_records(profile.conn, "meeting", mentee_id=person)
    assert meeting.record.notes == notes and meeting.record.place == "P" * MAX_LINE

    too_long = tmp_path / "too-long.csv"
    too_long.write_text(f"Name,Date,Notes\n{'N' * MAX_LINE},4/11/2026 10:00,{notes}x\n", "utf-8")
    [problem] = _plan(profile, too_long).problems
    assert problem.row == 2 and "too long" in problem.message


def test_files_that_are_not_spreadsheets_are_refused_plainly(profile, tmp_path, monkeypatch):
    old = tmp_path / "people.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0 old excel")
    with pytest.raises(BadInput, match=r"old Excel format \(.xls\)"):
        importing.read(old)
    workbook = tmp_path / "people.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["Name"])
    book.save(workbook)
    monkeypatch.setattr(spreadsheets, "MAX_UNPACKED", 1000)  # a zip that unpacks to far more than it weighs
    with pytest.raises(BadInput, match="unpacks to more than"):
        importing.read(workbook)
    monkeypatch.setattr(spreadsheets, "MAX_BYTES", 100)
    big = tmp_path / "big.csv"
    big.write_text("Name\n" + "Someone\n" * 50, encoding="utf-8")
    with pytest.raises(BadInput, match="larger than"):
        importing.read(big)
    with pytest.raises(BadInput, match="not a file"):
        importing.read(tmp_path)


@pytest.mark.slow
def test_the_command_previews_with_dry_run_then_brings_people_and_meetings_in(tmp_path):
    folder = tmp_path / "p"
    made = run_cli(
        "--profile", str(folder), "init", "--role", "mentor", "--name", "Mentor", "--no-keyring",
        "--passphrase-stdin", input=PASSPHRASE + "\n", env={"PYTHON_KEYRING_BACKEND": NO_KEYRING},
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    people = tmp_path / "people.csv"
    people.write_bytes("\ufeffName,DOB,Keyworker\r\nRuth Adeyemi,05/06/1979,Ann\r\n".encode())
    meetings = tmp_path / "meetings.csv"
    meetings.write_text("Name,Date,Time,Minutes\nRuth Adeyemi,02/11/2026,15:00,30\n", encoding="utf-8")

    def cli(*args):
        return run_cli(
            "--profile",
            str(folder),
            *args,
            "--passphrase-stdin",
            input=PASSPHRASE + "\n",
            env={"PYTHON_KEYRING_BACKEND": NO_KEYRING},
        )

    refused = cli("import-records", str(people))
    assert refused.returncode == 2 and '"Keyworker"' in refused.stderr and "--map" in refused.stderr
    dry = cli("import-records", str(people), "--map", "Keyworker=", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "1 person to add" in dry.stdout and "Nothing was saved" in dry.stdout
    done = cli("import-records", str(people), "--map", "Keyworker=")
    assert done.returncode == 0 and "1 person added" in done.stdout
    again = cli("import-records", str(people))  # the choice about Keyworker was kept
    assert again.returncode == 0 and "0 people added" in again.stdout and "already here" in again.stdout
    met = cli("import-records", str(meetings), "--type", "meeting")
    assert met.returncode == 0 and "1 meeting added" in met.stdout, met.stderr
    listed = cli("mentees")
    assert "Ruth Adeyemi" in listed.stdout


@pytest.mark.slow
def test_a_large_caseload_imports_in_one_go(profile, tmp_path):
    """500 people and 5,000 meetings, as a project moving to Mentor App might bring."""
    people = tmp_path / "people.csv"
    people.write_text("Name,DOB\n" + "".join(f"Person {n:03},{1 + n % 28}/{1 + n % 12}/1980\n" for n in range(500)))
    meetings = tmp_path / "meetings.csv"
    meetings.write_text(
        "Name,Date,Minutes,Notes\n"
        + "".join(f"Person {n % 500:03},{1 + n // 500}/10/2026 {9 + n % 8}:00,60,Note {n}\n" for n in range(5000))
    )
    importing.save(profile.conn, _plan(profile, people), author=profile.author)
    importing.save(profile.conn, _plan(profile, meetings), author=profile.author)
    assert len(store.list_records(profile.conn, "mentee")) == 500
    assert len(store.list_records(profile.conn, "meeting")) == 5000


def test_the_documented_headings_are_the_ones_understood():
    doc = (Path(__file__).parent.parent / "docs" / "importing-records.md").read_text(encoding="utf-8")
    for kind, words in importing.HEADING_WORDS.items():
        for name in importing.targets(kind):
            row = next((line for line in doc.splitlines() if line.startswith(f"| `{name}` |")), None)
            assert row is not None, name
            for heading in words.get(name, ()):
                assert heading in row, (name, heading)


def test_two_meetings_on_one_day_both_come_in_and_a_workbooks_serial_dates_are_read(profile, tmp_path):
    person = store.save(profile.conn, Mentee(name="Dee Ash"), author=profile.author)
    path = tmp_path / "day.csv"
    path.write_text("Name,Date,Notes\nDee Ash,3/11/2026,Morning walk\nDee Ash,3/11/2026,Afternoon crisis call\n")
    importing.save(profile.conn, _plan(profile, path), author=profile.author)
    notes = sorted(s.record.notes for s in store.list_records(profile.conn, "meeting", mentee_id=person))
    assert notes == ["Afternoon crisis call", "Morning walk"]

    book = openpyxl.Workbook()
    book.active.append(["Name", "DOB"])
    book.active.append(["Eve Birch", 29221])  # a date typed into a cell formatted as a number: 1 Jan 1980
    book.active.append(["Finn Cole", 1990])  # a year alone is not a date
    workbook = tmp_path / "people.xlsx"
    book.save(workbook)
    preview = _plan(profile, workbook)
    assert [(r.name, r.date_of_birth) for _, r, _ in preview.good] == [("Eve Birch", "1980-01-01")]
    assert [p.row for p in preview.problems] == [3]


def test_a_damaged_workbook_is_refused_in_words(profile, tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["Name"])
    whole = tmp_path / "whole.xlsx"
    book.save(whole)
    import zipfile

    cut = tmp_path / "cut.xlsx"
    with zipfile.ZipFile(whole) as source, zipfile.ZipFile(cut, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            target.writestr(item, data[: len(data) // 2] if item.filename.endswith("sheet1.xml") else data)
    with pytest.raises(BadInput, match="could not be read as an Excel .xlsx file"):
        importing.read(cut)
