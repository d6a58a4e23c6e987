"""Who the project reached: identity for matching and equality monitoring on the person, counted without
consent and never with a name."""

from __future__ import annotations

import json
import subprocess
from datetime import date

import pytest

from mentor_app.errors import BadInput
from mentor_app.exchange import mentors as register
from mentor_app.exchange.enrolment import accept_enrolment, make_enrolment, parse_enrolment
from mentor_app.exchange.importer import import_folder
from mentor_app.exchange.keys import device_key
from mentor_app.exchange.trip import trip
from mentor_app.records import store
from mentor_app.records.identity import age_band
from mentor_app.records.types import Consent, Meeting, Mentee, NeedsCheck, validate
from mentor_app.reports import funder
from mentor_app.reports.figures import Figures, add, mentor_figures, supervisor_figures


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ({"pnc_id": " 01/123456x "}, {"pnc_id": "01/123456X"}),
        ({"pnc_id": "2001 / 0123456 X"}, {"pnc_id": "2001/0123456X"}),
        ({"prison_number": "a 1234 bc"}, {"prison_number": "A1234BC"}),
        ({"postcode_district": "sw1a"}, {"postcode_district": "SW1A"}),
        ({"postcode_district": " m14 "}, {"postcode_district": "M14"}),
    ],
)
def test_identifiers_are_kept_in_the_form_the_police_and_prisons_write_them(typed, kept):
    record = validate(Mentee(name="Sam", **typed))
    assert {k: getattr(record, k) for k in kept} == kept


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ({"postcode_district": "M14 5TQ"}, "only the first half of the postcode (M14)"),
        ({"postcode_district": "Manchester"}, "like M14 or SW1A"),
        ({"pnc_id": "123456"}, "like 01/123456X"),
        ({"prison_number": "12345"}, "like A1234BC"),
        ({"mentoring_started": "2026-05-01", "mentoring_ended": "2026-04-01"}, "before mentoring started"),
    ],
)
def test_a_mistyped_identifier_is_refused_saying_what_to_write(typed, words):
    with pytest.raises(BadInput, match=words.replace("(", r"\(").replace(")", r"\)")):
        validate(Mentee(name="Sam", **typed))


def test_age_bands_turn_on_the_birthday():
    on = date(2026, 12, 1)
    assert age_band("2002-12-02", on) == "18_24"  # 23 until tomorrow
    assert age_band("2001-12-01", on) == "25_34"  # 25 today
    assert age_band("2008-12-02", on) == "under_18"
    assert age_band("1961-12-01", on) == "65_plus"
    assert age_band("", on) == "not_known"


PEOPLE = (
    # name, consents, answers
    ("Consenting Person", True, {"gender": "female", "ethnicity": "white_irish", "disability": "no"}),
    ("Private Person", False, {"gender": "male", "ethnicity": "black_caribbean", "disability": "yes"}),
    ("Quiet Person", False, {"gender": "prefer_not_to_say", "ethnicity": "prefer_not_to_say"}),
)


def test_monitoring_counts_reach_the_funder_report_and_identity_needs_consent(make_profile, tmp_path):
    supervisor, _ = make_profile("supervisor", role="supervisor")
    enrolment = parse_enrolment(json.dumps(make_enrolment(supervisor)).encode())
    drive = tmp_path / "drive"
    drive.mkdir()
    mentors = []
    for n in range(2):
        mentor, _ = make_profile(f"mentor{n}")
        accept_enrolment(mentor, enrolment, enrolment.fingerprint, shared_folder=str(drive))
        register.note_device(supervisor.conn, device_key(mentor).public, "")
        register.approve(supervisor.conn, device_key(mentor).fingerprint, f"Mentor {n}")
        for name, consents, answers in PEOPLE:
            mid = store.save(
                mentor.conn,
                Mentee(
                    name=f"{name} {n}",
                    legal_forename="Legalname",
                    legal_surname=f"Surname{n}",
                    pnc_id="01/271828K",
                    prison_number="Z9876YX",
                    date_of_birth="1990-06-15",
                    referral_date="2026-01-10",
                    postcode_district="LS6",
                    referral_source="probation" if consents else "self",
                    **answers,
                ),
                author=mentor.author,
            )
            if consents:
                store.save(
                    mentor.conn,
                    Consent(scope="share_with_organisation", on="2026-01-10"),
                    author=mentor.author,
                    mentee_id=mid,
                )
            for activity, minutes in (("football", 90), ("boxing", 60), ("", 0)):
                store.save(
                    mentor.conn,
                    Meeting(starts_at="2026-02-03T10:00", kind="sport", activity=activity, duration_minutes=minutes),
                    author=mentor.author,
                    mentee_id=mid,
                )
            if consents:
                store.save(
                    mentor.conn,
                    NeedsCheck(on="2026-02-01", scores={"accommodation": 2}),
                    author=mentor.author,
                    mentee_id=mid,
                )
                store.save(
                    mentor.conn,
                    NeedsCheck(on="2026-03-01", scores={"accommodation": 4}),
                    author=mentor.author,
                    mentee_id=mid,
                )
        trip(mentor)
        mentors.append(mentor)
    import_folder(supervisor, drive)

    figures = supervisor_figures(supervisor.conn)
    at_supervisor = figures.monitoring
    own = Figures()
    for mentor in mentors:
        add(own, mentor_figures(mentor.conn))
    assert at_supervisor == own.monitoring  # the counts match the mentors' own records
    assert figures.sport_by_activity == own.sport_by_activity == {"football": 6, "boxing": 6, "": 6}
    assert figures.by_referral_source == own.by_referral_source == {"probation": 2, "self": 4}
    assert figures.people_without_needs_check == own.people_without_needs_check == 4
    assert figures.meetings_without_minutes == own.meetings_without_minutes == 6
    assert at_supervisor["gender"] == {"female": 2, "male": 2, "prefer_not_to_say": 2}
    assert at_supervisor["disability"] == {"no": 2, "yes": 2, "": 2}  # "" : not asked
    assert at_supervisor["age_band"] == {"35_44": 6}  # 35 when referred, with or without consent
    assert at_supervisor["postcode_district"] == {"LS6": 6}

    # Identity went only where there was consent: two people of six.
    held = [json.loads(f) for (f,) in supervisor.conn.execute("SELECT fields FROM shared_records")]
    text = json.dumps(held)
    assert text.count("271828") == 2 and text.count("Z9876YX") == 2 and text.count("1990-06-15") == 2
    assert "Private Person" not in text and "Quiet Person" not in text and text.count("Legalname") == 2

    pdf = funder.write_pdf(
        supervisor_figures(supervisor.conn), tmp_path / "report.pdf", organisation="Leeds Project", period="2026"
    )
    words = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Who the project reached: Ethnic group" in words
    assert "Black, Black British, Black Welsh, Caribbean or African: Caribbean" in words
    assert "Age when referred" in words and "35 to 44" in words and "Not asked" in words
    assert "Sport sessions by activity" in words and "Boxing" in words and "Activity not recorded" in words
    assert "People by who referred them" in words and "Self-referral" in words
    assert "People with no needs check yet" in words and "Meetings with no length recorded" in words
    assert "Distance travelled" in words
    assert "Person" not in words and "Legalname" not in words and "271828" not in words
    csv_file = funder.write_csv(supervisor_figures(supervisor.conn), tmp_path / "report.csv", "2026")
    table = csv_file.read_text(encoding="utf-8-sig")
    # Small numbers about who people are could point to someone: told as "fewer than 5"; six are six.
    assert "Who the project reached: Gender,Prefer not to say,fewer than 5" in table
    assert "Who the project reached: Postcode district,LS6,6" in table
    assert "Who the project reached: Gender,Female,2" not in table


def test_the_subject_access_copy_holds_the_identity_and_monitoring_answers(make_profile, tmp_path):
    from mentor_app.privacy.sar import write_subject_access

    mentor, _ = make_profile()
    mid = store.save(
        mentor.conn,
        Mentee(
            name="Robin Alias",
            legal_forename="Robert",
            legal_surname="Example",
            pnc_id="99/1234567Q",
            prison_number="B7654CD",
            gender="male",
            ethnicity="white_roma",
            postcode_district="CF10",
        ),
        author=mentor.author,
    )
    folder = tmp_path / "copy"
    folder.mkdir()
    pdf, data, _ = write_subject_access(mentor, mid, folder)
    held = json.loads(data.read_text(encoding="utf-8"))
    assert "99/1234567Q" in json.dumps(held) and "B7654CD" in json.dumps(held)
    words = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for shown in ("PNC ID", "99/1234567Q", "Prison number", "B7654CD", "Legal surname", "Example", "CF10"):
        assert shown in words, shown
    assert "White: Roma" in words  # the answer in words, not its code


def test_a_person_who_withdraws_consent_is_still_counted_in_their_age_band(make_profile, tmp_path):
    supervisor, _ = make_profile("supervisor", role="supervisor")
    enrolment = parse_enrolment(json.dumps(make_enrolment(supervisor)).encode())
    drive = tmp_path / "drive"
    drive.mkdir()
    mentor, _ = make_profile("mentor")
    accept_enrolment(mentor, enrolment, enrolment.fingerprint, shared_folder=str(drive))
    register.note_device(supervisor.conn, device_key(mentor).public, "")
    register.approve(supervisor.conn, device_key(mentor).fingerprint, "Mentor M")
    mid = store.save(
        mentor.conn,
        Mentee(name="Withdrawing Person", date_of_birth="1990-06-15", referral_date="2026-01-10", gender="male"),
        author=mentor.author,
    )
    store.save(
        mentor.conn, Consent(scope="share_with_organisation", on="2026-01-10"), author=mentor.author, mentee_id=mid
    )
    trip(mentor)
    import_folder(supervisor, drive)
    store.save(
        mentor.conn,
        Consent(scope="share_with_organisation", on="2026-02-01", given=False),
        author=mentor.author,
        mentee_id=mid,
    )
    trip(mentor)
    import_folder(supervisor, drive)
    held = json.dumps([json.loads(f) for (f,) in supervisor.conn.execute("SELECT fields FROM shared_records")])
    assert "Withdrawing" not in held and "1990-06-15" not in held  # their identity went
    at_supervisor = supervisor_figures(supervisor.conn).monitoring
    assert at_supervisor == mentor_figures(mentor.conn).monitoring
    assert at_supervisor["age_band"] == {"35_44": 1} and at_supervisor["gender"] == {"male": 1}


def test_answers_no_question_has_are_counted_as_not_recognised_and_never_printed(make_profile, tmp_path):
    supervisor, _ = make_profile("supervisor", role="supervisor")
    enrolment = parse_enrolment(json.dumps(make_enrolment(supervisor)).encode())
    drive = tmp_path / "drive"
    drive.mkdir()
    mentor, _ = make_profile("mentor")
    accept_enrolment(mentor, enrolment, enrolment.fingerprint, shared_folder=str(drive))
    register.note_device(supervisor.conn, device_key(mentor).public, "")
    register.approve(supervisor.conn, device_key(mentor).fingerprint, "Mentor M")
    store.save(mentor.conn, Mentee(name="Counted Person", gender="female"), author=mentor.author)
    trip(mentor)
    import_folder(supervisor, drive)
    # What a damaged or hostile mentor's app could have sent as counts: words where codes belong.
    [(rowid, fields)] = supervisor.conn.execute("SELECT rowid, fields FROM shared_records WHERE type = 'mentee'")
    hostile = {
        **json.loads(fields),
        "gender": "Jo Smith",
        "postcode_district": "12 Acacia Avenue LS6 1AB",
        "age_band": "Jo Smith DOB 1 Jan",
        "referral_source": "Jo's probation officer",
    }
    supervisor.conn.execute("UPDATE shared_records SET fields = ? WHERE rowid = ?", (json.dumps(hostile), rowid))
    figures = supervisor_figures(supervisor.conn)
    assert figures.monitoring["gender"] == {"not_recognised": 1}
    assert figures.monitoring["postcode_district"] == {"not_recognised": 1}
    assert figures.monitoring["age_band"] == {"not_recognised": 1}
    pdf = funder.write_pdf(figures, tmp_path / "report.pdf", organisation="Project", period="2026")
    words = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Jo" not in words and "Acacia" not in words and "Not recognised" in words


@pytest.mark.parametrize(
    ("typed", "kept"),
    [("M1 4", "M1"), ("ls6 1", "LS6"), ("EC1A", "EC1A"), ("W1A", "W1A")],
)
def test_a_postcode_sector_keeps_only_its_district(typed, kept):
    assert validate(Mentee(name="Sam", postcode_district=typed)).postcode_district == kept


@pytest.mark.parametrize(
    "typed", [{"pnc_id": "０１/１２３４５６X"}, {"prison_number": "A١٢٣٤BC"}, {"postcode_district": "M１4"}]
)
def test_identifiers_in_other_scripts_digits_are_refused(typed):
    with pytest.raises(BadInput):
        validate(Mentee(name="Sam", **typed))
