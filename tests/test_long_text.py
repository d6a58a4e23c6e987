"""Every field at its longest, in every printed document, checked as real PDFs.

Text fields hold up to 20,000 characters and lines up to 300: words in several scripts, emoji, one
word with no spaces, thousands of short lines, and the characters (<, &) a PDF toolkit would
otherwise read as markup. Each document must be produced, run over as many pages as it needs,
show the end of the longest text, and keep every word inside the page.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from datetime import date
from pathlib import Path

import pytest

from mentor_app.printing.sheet import SheetOptions, build_booklet, build_sheet
from mentor_app.privacy.sar import REDACTED, write_subject_access
from mentor_app.records import store, vocab
from mentor_app.records.types import MAX_LINE, MAX_TEXT, Concern, Consent, Contact, Meeting, Mentee, NeedsCheck
from mentor_app.settings import DEFAULT_EMERGENCY_NUMBERS

WORDS = "Zoë ate łódź pierogi; Привет, мир; Γειά σου; שלום; مرحبا; 你好 🙂 a<b>bold</b> & &amp; <br/> 5 < 6 > 4. "


def long_text(marker: str, kind: str = "words", size: int = MAX_TEXT) -> str:
    """`size` characters ending with ` marker` (its own word, so a wrapped line never cuts it)."""
    tail = f" {marker}"
    room = size - len(tail)
    if kind == "words":
        body = (WORDS * (room // len(WORDS) + 1))[:room]
    elif kind == "word":  # one word, no spaces at all
        body = ("Ω" + "x" * 98 + "&") * (room // 100 + 1)
        body = body[:room]
    elif kind == "lines":  # thousands of short lines, some blank
        body = ("line <&>\n\n" * (room // 10 + 1))[:room]
    else:
        raise ValueError(kind)
    text = (body + tail).rstrip()
    assert len(text) == size
    return text


def long_line(marker: str) -> str:
    return long_text(marker, "words", MAX_LINE)


def pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def assert_inside_the_page(pdf: Path) -> None:
    """Every word pdftotext finds lies within its page."""
    boxes = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    page_size = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">')
    word = re.compile(r'<word xMin="([-\d.]+)" yMin="([-\d.]+)" xMax="([-\d.]+)" yMax="([-\d.]+)">')
    width = height = None
    words = 0
    for line in boxes.splitlines():
        if (size := page_size.search(line)) is not None:
            width, height = map(float, size.groups())
        elif (box := word.search(line)) is not None:
            x0, y0, x1, y1 = map(float, box.groups())
            words += 1
            assert -0.5 <= x0 and x1 <= width + 0.5 and -0.5 <= y0 and y1 <= height + 0.5, f"off the page: {line}"
    assert words


@pytest.mark.slow
def test_a_subject_access_copy_with_every_field_at_its_longest(make_profile, tmp_path):
    profile, _ = make_profile()
    mid = store.save(
        profile.conn,
        Mentee(
            name="Jordan Reeve",
            preferred_name=long_line("END-PREFERRED"),
            pronouns="they/them",
            phone=long_line("END-PHONE"),
            email=long_line("END-EMAIL"),
            address=long_text("END-ADDRESS", "lines"),
            probation_contact=long_text("END-PROBATION"),
            status="active",
            closing_reason=long_text("END-CLOSING", "word"),
            safety_flag=True,
            safety_note=long_text("END-SAFETY"),
            risks=long_text("END-RISKS"),
        ),
        author=profile.author,
    )
    store.save(profile.conn, Mentee(name="Casey Lindqvist"), author=profile.author)
    store.save(
        profile.conn,
        Consent(
            scope="share_with_organisation",
            on="2026-02-01",
            partner=long_line("END-PARTNER"),
            note=long_text("END-CONSENT"),
        ),
        author=profile.author,
        mentee_id=mid,
    )
    store.save(
        profile.conn,
        Meeting(
            starts_at="2026-11-20T10:00",
            place=long_line("END-PLACE"),
            notes="Casey Lindqvist came too. " + long_text("END-MEETING", size=MAX_TEXT - 26),
        ),
        author=profile.author,
        mentee_id=mid,
    )
    store.save(
        profile.conn,
        Concern(
            category="risk_from_others",
            raised_at="2026-11-21T09:00",
            what_happened=long_text("END-WHAT", "word"),
            action_taken=long_text("END-ACTION", "lines"),
            reported_to=long_line("END-REPORTED"),
        ),
        author=profile.author,
        mentee_id=mid,
    )
    store.save(
        profile.conn,
        NeedsCheck(
            on="2026-11-22",
            scores={area: 3 for area in vocab.NEEDS_AREAS},
            notes={area: long_text(f"END-NEEDS-{area}") for area in vocab.NEEDS_AREAS},
        ),
        author=profile.author,
        mentee_id=mid,
    )
    folder = tmp_path / "sar"
    folder.mkdir()
    started = time.monotonic()
    pdf, js, _ = write_subject_access(profile, mid, folder)
    took = time.monotonic() - started
    text = pdf_text(pdf)
    count = pages(pdf)
    print(f"maximal subject access copy: {count} pages in {took:.1f} s")
    assert count >= 20 and took < 120
    ends = [
        "END-PREFERRED",
        "END-PHONE",
        "END-EMAIL",
        "END-ADDRESS",
        "END-PROBATION",
        "END-CLOSING",
        "END-SAFETY",
        "END-RISKS",
        "END-PARTNER",
        "END-CONSENT",
        "END-PLACE",
        "END-MEETING",
        "END-WHAT",
        "END-ACTION",
        "END-REPORTED",
    ] + [f"END-NEEDS-{area}" for area in vocab.NEEDS_AREAS]
    assert [end for end in ends if end not in text] == []
    # Markup characters are printed as they were typed, not read as markup.
    assert "a<b>bold</b> & &amp; <br/> 5 < 6 > 4." in text and "line <&>" in text
    assert "Привет, мир" in text and "Zoë ate łódź" in text
    # The needs check shows each area's note under its own heading.
    assert all(f"Note: {label}" in text for label in vocab.NEEDS_AREAS.values())
    assert "Casey" not in text and "Lindqvist" not in text and REDACTED in text
    assert "Subject access copy" in text and "Who opened, changed, shared or printed" in text
    data = json.loads(js.read_text(encoding="utf-8"))
    [meeting] = [r for r in data["records"] if r["type"] == "meeting"]
    assert meeting["fields"]["notes"].endswith("END-MEETING")
    assert_inside_the_page(pdf)


def _contact_at_its_longest() -> Contact:
    return Contact(
        organisation=long_line("END-ORG"),
        service=long_line("END-SERVICE"),
        categories=["housing"],
        help_with=long_text("END-HELP"),
        phone="01632 960123",
        text_number=long_line("END-TEXT"),
        email=long_line("END-EMAIL"),
        website="https://example.org/" + "w" * (MAX_LINE - 20),
        address=long_text("END-ADDRESS", "lines"),
        area=long_line("END-AREA"),
        opening_hours=long_text("END-OPEN"),
        how_to_get_there=long_text("END-GETTING", "word"),
        what_to_bring=long_text("END-BRING"),
        eligibility=long_text("END-WHO"),
        languages=long_line("END-LANGUAGES"),
        accessibility=long_text("END-ACCESS"),
        last_checked=date.today().isoformat(),
        checked_by=long_line("END-CHECKED"),
        scope="local",
    )


SHOWN = [
    "END-ORG",
    "END-SERVICE",
    "END-HELP",
    "END-TEXT",
    "END-EMAIL",
    "END-ADDRESS",
    "END-OPEN",
    "END-GETTING",
    "END-BRING",
    "END-WHO",
    "END-LANGUAGES",
    "END-ACCESS",
]


def _options(**kw) -> SheetOptions:
    return SheetOptions(
        emergency_numbers=DEFAULT_EMERGENCY_NUMBERS,
        organisation=long_line("END-BY"),
        mentee_name=long_line("END-FOR"),
        **kw,
    )


@pytest.mark.parametrize("large_print", [False, True], ids=["standard", "large-print"])
@pytest.mark.slow
def test_a_sheet_and_a_booklet_with_a_directory_entry_at_its_longest(tmp_path, large_print):
    long_entry = _contact_at_its_longest()
    short = Contact(
        organisation="Riverside Food Bank",
        categories=["money"],
        phone="01632 960999",
        website="food.example.org",
        address="1 Mill Lane, Riverside RV1 2AB",
        scope="local",
    )
    contacts = [("long", long_entry), ("short", short)]
    for build, name in ((build_sheet, "sheet"), (build_booklet, "booklet")):
        started = time.monotonic()
        pdf = build(contacts, tmp_path / f"{name}.pdf", _options(large_print=large_print))
        took = time.monotonic() - started
        text = pdf_text(pdf)
        count = pages(pdf)
        print(f"{name} ({'large print' if large_print else 'standard'}): {count} pages in {took:.1f} s")
        assert count >= 10
        assert [end for end in SHOWN if end not in text] == [], name
        assert "END-FOR" in text and "01632 960123" in text and "Riverside Food Bank" in text
        assert "a<b>bold</b> & &amp;" in text and "line <&>" in text
        assert text.count("Samaritans") >= count  # the crisis numbers on every page
        assert_inside_the_page(pdf)
    assert "Contents" in text and "Housing" in text and "Money" in text


@pytest.mark.slow
def test_a_crisis_list_too_long_for_the_footer_is_cut_not_spilled(tmp_path):
    numbers = DEFAULT_EMERGENCY_NUMBERS + "\n" + "\n".join(f"Local line {i}: 01632 96{i:04d}" for i in range(400))
    options = SheetOptions(emergency_numbers=numbers, large_print=True)
    contact = Contact(organisation="Riverside Food Bank", categories=["money"], help_with=long_text("END-HELP"))
    pdf = build_sheet([("long", contact)], tmp_path / "sheet.pdf", options)
    text = pdf_text(pdf)
    assert "Emergency services: 999" in text and "…" in text and "Local line 399" not in text and "END-HELP" in text
    assert_inside_the_page(pdf)


@pytest.mark.slow
def test_the_longest_website_still_gets_a_code_and_an_overlong_address_gets_none(tmp_path):
    from mentor_app.printing.links import contact_links

    longest = _contact_at_its_longest()
    contact = Contact(
        organisation="Riverside Food Bank",
        categories=["money"],
        phone=longest.phone,
        website=longest.website,
        address=longest.address,
    )
    assert [caption for caption, _ in contact_links(longest)] == ["Scan to call", "Scan for the website"]
    assert [caption for caption, _ in contact_links(contact)] == ["Scan to call", "Scan for the website"]
    pdf = build_sheet([("long", contact)], tmp_path / "sheet.pdf", SheetOptions())
    subprocess.run(
        ["pdftoppm", "-r", "200", "-f", "1", "-l", "2", "-png", str(pdf), str(tmp_path / "page")], check=True
    )
    links = []
    for page in sorted(tmp_path.glob("page*.png")):
        out = subprocess.run(
            ["zbarimg", "--quiet", "--raw", "-Sqrcode.enable", str(page)], capture_output=True, text=True
        )
        links += [line for line in out.stdout.splitlines() if line]
    assert sorted(links) == sorted(["tel:01632960123", contact.website])


def test_a_funder_report_with_the_longest_organisation_name(tmp_path):
    from collections import Counter

    from mentor_app.reports import funder
    from mentor_app.reports.figures import Figures

    # Every row the report can have, so its table runs over a page too.
    figures = Figures(
        people=12,
        engaged=9,
        meetings_by_kind=Counter({k: 2 for k in vocab.MEETING_TYPES}),
        referrals=Counter({(c, o): 1 for c in vocab.DIRECTORY_CATEGORIES for o in vocab.REFERRAL_OUTCOMES}),
    )
    organisation = long_text("END-ORGANISATION", "word")  # the setting has no limit; as long as any text
    pdf = funder.write_pdf(figures, tmp_path / "report.pdf", organisation=organisation, period="2026-01 to 2026-12")
    text = pdf_text(pdf)
    assert "END-ORGANISATION" in text and "All figures" in text and pages(pdf) >= 2
    marked = funder.write_pdf(
        figures, tmp_path / "marked.pdf", organisation="Smith & Daughters <Trust>", period="2026-10"
    )
    assert "Smith & Daughters <Trust>: mentoring report" in pdf_text(marked)
    assert_inside_the_page(pdf)


def _organisation(make_profile, tmp_path):
    from mentor_app.exchange import mentors as register
    from mentor_app.exchange.enrolment import accept_enrolment, make_enrolment, parse_enrolment
    from mentor_app.exchange.keys import device_key

    sup, _ = make_profile("supervisor", role="supervisor")
    enrolment = parse_enrolment(json.dumps(make_enrolment(sup)).encode())
    drive = tmp_path / "drive"
    drive.mkdir()
    mentor, _ = make_profile("mentor")
    accept_enrolment(mentor, enrolment, enrolment.fingerprint, shared_folder=str(drive))
    register.note_device(sup.conn, device_key(mentor).public, "")
    register.approve(sup.conn, device_key(mentor).fingerprint, "Mentor")
    return sup, mentor, drive


@pytest.mark.slow
def test_the_supervisors_copy_redacts_a_name_it_knows_only_from_a_concern(make_profile, tmp_path):
    from mentor_app.exchange.importer import import_folder
    from mentor_app.exchange.trip import trip
    from mentor_app.privacy.sar import gather

    sup, mentor, drive = _organisation(make_profile, tmp_path)
    shared = store.save(mentor.conn, Mentee(name="Jordan Reeve", status="active"), author=mentor.author)
    store.save(
        mentor.conn, Consent(scope="share_with_organisation", on="2026-01-01"), author=mentor.author, mentee_id=shared
    )
    store.save(
        mentor.conn,
        Meeting(
            starts_at="2026-11-03T10:00",
            notes="Jordan worried about Morwenna Tregarthen. " + long_text("END-SHARED-NOTE", size=MAX_TEXT - 43),
        ),
        author=mentor.author,
        mentee_id=shared,
    )
    store.save(
        mentor.conn,
        Concern(
            category="risk_from_others",
            raised_at="2026-11-03T12:00",
            what_happened="Jordan says Tregarthen's brother threatened them.",
        ),
        author=mentor.author,
        mentee_id=shared,
    )
    # Morwenna has not agreed to share: the supervisor holds her name only on the concern about her.
    private = store.save(mentor.conn, Mentee(name="Morwenna Tregarthen", status="active"), author=mentor.author)
    store.save(
        mentor.conn,
        Concern(category="risk_to_self", raised_at="2026-11-04T12:00", what_happened="Said she feels unsafe at home."),
        author=mentor.author,
        mentee_id=private,
    )
    trip(mentor)
    import_folder(sup, drive)
    held = sup.conn.execute("SELECT fields FROM shared_records WHERE type = 'concern'").fetchall()
    assert any("Morwenna Tregarthen" in f for (f,) in held)
    assert not any(
        "Morwenna" in f for (f,) in sup.conn.execute("SELECT fields FROM shared_records WHERE type = 'mentee'")
    )
    data = gather(sup, shared)
    assert data["held_by"] == "supervisor" and data["redactions"] >= 2
    assert "Morwenna" not in json.dumps(data) and "Tregarthen" not in json.dumps(data)
    folder = tmp_path / "sar"
    folder.mkdir()
    pdf, _, _ = write_subject_access(sup, shared, folder)
    text = pdf_text(pdf)
    assert "Jordan Reeve" in text and f"Jordan worried about {REDACTED}" in text
    assert f"Jordan says {REDACTED}'s brother" in text and "END-SHARED-NOTE" in text
    assert "Morwenna" not in text and "Tregarthen" not in text
    assert_inside_the_page(pdf)
