"""The Justice Data Lab submission: only people with a basis, in the stated columns and formats, written new."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from conftest import NO_KEYRING, PASSPHRASE, run_cli

from mentor_app import clock
from mentor_app.errors import BadInput
from mentor_app.exchange import mentors as register
from mentor_app.exchange.enrolment import accept_enrolment, make_enrolment, parse_enrolment
from mentor_app.exchange.importer import import_folder
from mentor_app.exchange.keys import device_key
from mentor_app.exchange.trip import trip
from mentor_app.records import store
from mentor_app.records.types import Consent, Meeting, Mentee
from mentor_app.reports import jdl
from mentor_app.storage import audit

NO_KR = {"PYTHON_KEYRING_BACKEND": NO_KEYRING}
HEADERS = [
    "Surname",
    "Forename",
    "Date of Birth",
    "Gender",
    "Index Date",
    "Intervention End Date",
    "PNC ID",
    "Prison Number",
]
FORMULA = '=HYPERLINK("http://example.invalid","x")'

# Each mentor's people: name, consents shared ("share", "jdl", "jdl_withdrawn"), the person's other fields,
# meeting days ("dna:" a meeting they did not come to).
PEOPLE = {
    "Mentor Ann": [
        (
            "Jo Known",
            ("share", "jdl"),
            {
                "legal_forename": "Joanne",
                "legal_surname": "Smith",
                "date_of_birth": "1990-06-15",
                "gender": "female",
                "pnc_id": "01/271828K",
                "prison_number": "A1234BC",
                "mentoring_started": "2026-02-01",
                "mentoring_ended": "2026-06-30",
            },
            (),
        ),
        (
            "Robbie Quinn",
            ("share", "jdl"),
            {"date_of_birth": "1985-03-02", "gender": "male"},
            ("dna:2026-03-01", "2026-03-05", "2026-04-10"),
        ),
        ("Sharing Only", ("share",), {"date_of_birth": "1979-11-30", "gender": "another"}, ("2026-04-01",)),
        ("Private Person", ("jdl",), {"date_of_birth": "1992-01-01", "gender": "male"}, ("2026-04-01",)),
    ],
    "Mentor Ben": [
        (
            "Formula Person",
            ("share", "jdl"),
            {"legal_surname": FORMULA, "date_of_birth": "2000-09-09", "gender": "prefer_not_to_say"},
            ("2026-05-06",),
        ),
        ("Nobirthday Person", ("share", "jdl"), {"gender": "male"}, ("2026-04-01",)),
        ("Changed Mind", ("share", "jdl_withdrawn"), {"date_of_birth": "1988-08-08"}, ("2026-04-02",)),
    ],
}


def _consent(mentor, mid, scope, given=True, on="2026-01-10"):
    store.save(mentor.conn, Consent(scope=scope, given=given, on=on), author=mentor.author, mentee_id=mid)


def _organisation(make_profile, tmp_path):
    """A supervisor and two mentors who shared the people above, imported at the supervisor."""
    supervisor, _ = make_profile("supervisor", role="supervisor")
    enrolment = parse_enrolment(json.dumps(make_enrolment(supervisor)).encode())
    drive = tmp_path / "drive"
    drive.mkdir()
    _organisation.mentors = []  # type: ignore[attr-defined]
    for n, (mentor_name, people) in enumerate(PEOPLE.items()):
        mentor, _ = make_profile(f"mentor{n}")
        accept_enrolment(mentor, enrolment, enrolment.fingerprint, shared_folder=str(drive))
        register.note_device(supervisor.conn, device_key(mentor).public, "")
        register.approve(supervisor.conn, device_key(mentor).fingerprint, mentor_name)
        for name, consents, fields, days in people:
            mid = store.save(mentor.conn, Mentee(name=name, status="active", **fields), author=mentor.author)
            if "share" in consents:
                _consent(mentor, mid, "share_with_organisation")
            if "jdl" in consents or "jdl_withdrawn" in consents:
                _consent(mentor, mid, "justice_data_lab")
            if "jdl_withdrawn" in consents:
                _consent(mentor, mid, "justice_data_lab", given=False, on="2026-03-01")
            for day in days:
                kind = "did_not_attend" if day.startswith("dna:") else "one_to_one"
                store.save(
                    mentor.conn,
                    Meeting(starts_at=f"{day.removeprefix('dna:')}T10:00", kind=kind, duration_minutes=60),
                    author=mentor.author,
                    mentee_id=mid,
                )
        trip(mentor)
        _organisation.mentors.append(mentor)  # type: ignore[attr-defined]
    import_folder(supervisor, drive)
    return supervisor


def _read(path):
    book = openpyxl.load_workbook(path)
    cover = "\n".join(str(v) for row in book["Cover"].iter_rows(values_only=True) for v in row if v is not None)
    return book, cover


def test_the_file_holds_only_people_with_a_basis_in_the_stated_columns_and_formats(make_profile, tmp_path):
    supervisor = _organisation(make_profile, tmp_path)
    cohort = jdl.cohort(supervisor.conn)
    with clock.frozen_at(datetime(2026, 12, 1, 15)):
        path = jdl.save(supervisor.conn, cohort, tmp_path / "jdl.xlsx", "Leeds Project", actor=supervisor.author)
    book, cover = _read(path)
    assert book.sheetnames == ["Cover", "Data"]
    data = book["Data"]
    rows = list(data.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    # Sorted by surname; only people with consent to the Justice Data Lab (no lawful basis is recorded).
    assert [r[:2] for r in rows[1:]] == [("'" + FORMULA, "Formula"), ("Quinn", "Robbie"), ("Smith", "Joanne")]
    formula, robbie, jo = rows[1:]
    assert jo == (
        "Smith",
        "Joanne",
        datetime(1990, 6, 15),
        "Female",
        datetime(2026, 2, 1),
        datetime(2026, 6, 30),
        "01/271828K",
        "A1234BC",
    )
    # No legal name: split from the alias; no start of mentoring: the first meeting they came to.
    assert robbie[2:6] == (datetime(1985, 3, 2), "Male", datetime(2026, 3, 5), datetime(2026, 4, 10))
    assert formula[3] == "Not known"
    for cells in data.iter_rows(min_row=2):
        for column in (2, 4, 5):  # Date of Birth, Index Date, Intervention End Date
            assert cells[column].is_date and cells[column].number_format == "DD/MM/YYYY"
        assert cells[0].data_type == "s"  # the formula-looking surname is text, not run
    text = json.dumps([list(map(str, r)) for r in rows])
    assert "Private" not in text and "Sharing" not in text and "Changed" not in text and "Nobirthday" not in text

    assert "Leeds Project" in cover and "Made on\n1 Dec 2026" in cover
    assert "3 people: consent to the Justice Data Lab." in cover
    assert "The Justice Data Lab needs at least 60 people; this file has 3." in cover
    assert "1 person left out because they have no date of birth: 1 held by Mentor Ben." in cover
    assert "1 person left out because they have no consent to the Justice Data Lab" in cover
    assert "1 person left out because they said no to the Justice Data Lab" in cover  # Changed Mind
    assert "2 people without both legal names" in cover  # Robbie, and the formula person's forename
    assert "could not be checked" in cover and "GOV.UK" in cover
    for name in ("Smith", "Quinn", "Robbie", "Joanne", "Nobirthday", "Private"):
        assert name not in cover  # counts and mentors' names only
    trail = audit.entries(supervisor.conn, action="jdl_file")
    assert [(e.words, e.detail) for e in trail] == [
        ("Made a Justice Data Lab file", "Justice Data Lab submission: 3 people; 3 by consent to the Justice Data Lab")
    ]


def test_recording_a_lawful_basis_brings_in_people_sharing_with_consent_and_is_audited(make_profile, tmp_path):
    supervisor = _organisation(make_profile, tmp_path)
    basis = "UK GDPR Article 6(1)(e), public task, as our DPO decided on 20 Nov 2026"
    with clock.frozen_at(datetime(2026, 12, 1, 11)):
        jdl.record_lawful_basis(supervisor.conn, basis, "Sam Supervisor", actor=supervisor.author)
    assert jdl.lawful_basis(supervisor.conn) == (basis, "Sam Supervisor on 1 Dec 2026")
    cohort = jdl.cohort(supervisor.conn)
    # Sharing Only comes in; Changed Mind (who took their agreement back) and Private Person (never shared
    # with consent) never do: a basis doesn't override a no.
    assert sorted(r[0] for r in cohort.rows) == [FORMULA, "Only", "Quinn", "Smith"]
    assert (cohort.by_consent, cohort.by_lawful_basis, cohort.no_basis, cohort.refused) == (3, 1, 0, 1)
    _, cover = _read(jdl.save(supervisor.conn, cohort, tmp_path / "jdl.xlsx", "Leeds Project"))
    assert "3 people: consent to the Justice Data Lab." in cover
    assert f"1 person: the organisation's lawful basis, recorded by Sam Supervisor on 1 Dec 2026: {basis}" in cover
    assert "this file has 4." in cover
    changes = [e.detail for e in audit.entries(supervisor.conn, action="jdl_basis")]
    assert changes == [f"Justice Data Lab lawful basis: {basis}"]
    exported = audit.entries(supervisor.conn, action="jdl_file")[0].detail
    assert "4 people" in exported and basis in exported and "Smith" not in exported

    jdl.record_lawful_basis(supervisor.conn, "  ", "Sam Supervisor", actor=supervisor.author)  # withdrawn
    assert jdl.lawful_basis(supervisor.conn) == ("", "")
    assert jdl.cohort(supervisor.conn).people == 3
    assert audit.entries(supervisor.conn, action="jdl_basis")[0].detail == "Justice Data Lab lawful basis withdrawn"
    with pytest.raises(BadInput, match="No lawful basis is recorded, so there is none to withdraw"):
        jdl.record_lawful_basis(supervisor.conn, "", "Sam Supervisor")


def test_months_choose_people_by_their_index_date_and_a_bad_month_is_refused_plainly(make_profile, tmp_path):
    supervisor = _organisation(make_profile, tmp_path)
    cohort = jdl.cohort(supervisor.conn, "2026-03", "2026-04")
    assert [r[0] for r in cohort.rows] == ["Quinn"]  # started 5 Mar; Smith in Feb and Formula in May are out
    assert cohort.period_words() == "Index dates from Mar 2026 to Apr 2026"
    _, cover = _read(jdl.write_xlsx(cohort, tmp_path / "spring.xlsx", "Leeds Project"))
    assert "Index dates from Mar 2026 to Apr 2026" in cover and "this file has 1." in cover
    with pytest.raises(BadInput, match="Couldn't read “Marchember” as a month"):
        jdl.cohort(supervisor.conn, "Marchember")
    with pytest.raises(BadInput, match="first month comes after the last"):
        jdl.cohort(supervisor.conn, "2026-05", "2026-04")


def test_an_existing_file_or_link_is_refused_and_left_as_it_was(make_profile, tmp_path):
    supervisor = _organisation(make_profile, tmp_path)
    cohort = jdl.cohort(supervisor.conn)
    there = tmp_path / "jdl.xlsx"
    there.write_bytes(b"someone's own spreadsheet")
    with pytest.raises(BadInput, match="nothing was overwritten"):
        jdl.save(supervisor.conn, cohort, there, "Leeds Project")
    assert there.read_bytes() == b"someone's own spreadsheet"
    link = tmp_path / "link.xlsx"
    link.symlink_to(tmp_path / "elsewhere.xlsx")
    with pytest.raises(BadInput, match="nothing was overwritten"):
        jdl.write_xlsx(cohort, link, "Leeds Project")
    assert not (tmp_path / "elsewhere.xlsx").exists()
    assert audit.entries(supervisor.conn, action="jdl_file") == []  # no file, nothing noted as made


def test_the_docs_show_the_columns_the_file_has():
    page = (Path(__file__).parent.parent / "docs" / "justice-data-lab.md").read_text(encoding="utf-8")
    table = page.split("## The columns", 1)[1].split("\n\n")[2]
    rows = [line.strip("|").split(" | ") for line in table.splitlines()[2:]]
    assert [r[0].strip() for r in rows] == HEADERS == list(jdl.HEADERS)
    assert [(r[1], r[2]) for r in rows] == [(c.holds, c.source) for c in jdl.COLUMNS]


@pytest.mark.slow
def test_the_command_makes_the_file_for_a_supervisor_and_refuses_a_mentor(make_profile, tmp_path):
    supervisor = _organisation(make_profile, tmp_path)
    supervisor.close()
    for mentor in _organisation.mentors:  # type: ignore[attr-defined]
        mentor.close()
    folder = str(tmp_path / "supervisor")

    def cli(*args, folder=folder):
        return run_cli("--profile", folder, "jdl", *args, "--passphrase-stdin", input=PASSPHRASE + "\n", env=NO_KR)

    recorded = cli("--record-basis", "Article 6(1)(f) legitimate interests, DPO decision 20 Nov 2026")
    assert recorded.returncode == 0, recorded.stderr
    assert "Lawful basis for the Justice Data Lab recorded" in recorded.stdout
    made = cli("-o", str(tmp_path / "jdl.xlsx"), "--from", "2026-01", "--to", "2026-12")
    assert made.returncode == 0, made.stderr
    assert "Justice Data Lab file saved" in made.stdout and "4 people." in made.stdout
    assert "Warning: The Justice Data Lab needs at least 60 people; this file has 4." in made.stdout
    assert "Warning: 1 person left out because they have no date of birth: 1 held by Mentor Ben." in made.stdout
    for name in ("Smith", "Quinn", "Nobirthday", "Private"):
        assert name not in made.stdout + made.stderr
    book, cover = _read(tmp_path / "jdl.xlsx")
    assert book["Data"].max_row == 5 and "legitimate interests" in cover  # a header and four people

    again = cli("-o", str(tmp_path / "jdl.xlsx"))
    assert again.returncode != 0 and "nothing was overwritten" in again.stderr and "Traceback" not in again.stderr
    bad = cli("-o", str(tmp_path / "other.xlsx"), "--from", "soon")
    assert bad.returncode != 0 and "Couldn't read “soon” as a month" in bad.stderr
    assert not (tmp_path / "other.xlsx").exists()

    mentor = cli("-o", str(tmp_path / "mentor.xlsx"), folder=str(tmp_path / "mentor0"))
    assert mentor.returncode != 0 and "Traceback" not in mentor.stderr
    assert mentor.stderr.strip() == (
        "The Justice Data Lab file is made from a supervisor profile, after importing the mentors' logs."
    )
    assert not (tmp_path / "mentor.xlsx").exists()


def test_a_consent_withdrawn_the_same_day_keeps_them_out_even_after_the_first_is_edited(make_profile, tmp_path):
    from datetime import date

    from mentor_app.records.consent import consent_in_force

    supervisor, _ = make_profile("supervisor", role="supervisor")
    enrolment = parse_enrolment(json.dumps(make_enrolment(supervisor)).encode())
    drive = tmp_path / "drive"
    drive.mkdir()
    mentor, _ = make_profile("mentor")
    accept_enrolment(mentor, enrolment, enrolment.fingerprint, shared_folder=str(drive))
    register.note_device(supervisor.conn, device_key(mentor).public, "")
    register.approve(supervisor.conn, device_key(mentor).fingerprint, "Mentor M")
    with clock.frozen_at(datetime(2026, 3, 1, 10)):
        mid = store.save(
            mentor.conn,
            Mentee(name="Sam Day", date_of_birth="1990-01-01", mentoring_started="2026-02-01"),
            author=mentor.author,
        )
        store.save(
            mentor.conn, Consent(scope="share_with_organisation", on="2026-01-01"), author=mentor.author, mentee_id=mid
        )
        given = store.save(
            mentor.conn, Consent(scope="justice_data_lab", on="2026-03-01"), author=mentor.author, mentee_id=mid
        )
    with clock.frozen_at(datetime(2026, 3, 1, 11)):
        store.save(
            mentor.conn,
            Consent(scope="justice_data_lab", on="2026-03-01", given=False),
            author=mentor.author,
            mentee_id=mid,
        )
    with clock.frozen_at(datetime(2026, 3, 1, 12)):  # the first is corrected later: it must not come back
        store.save(
            mentor.conn,
            Consent(scope="justice_data_lab", on="2026-03-01", method="written"),
            author=mentor.author,
            mentee_id=mid,
            record_id=given,
        )
    assert not consent_in_force(mentor.conn, mid, "justice_data_lab", date(2026, 3, 2)).in_force
    trip(mentor)
    import_folder(supervisor, drive)
    jdl.record_lawful_basis(supervisor.conn, "Article 6(1)(e), as our DPO decided", "Sam Supervisor")
    cohort = jdl.cohort(supervisor.conn, on=date(2026, 3, 2))
    assert cohort.people == 0 and cohort.refused == 1  # neither their edited yes nor the basis brings them in
