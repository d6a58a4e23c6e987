"""Signposting: the directory, referrals with consent, and sheets checked as real PDFs."""

from __future__ import annotations

import subprocess
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest
from conftest import NO_KEYRING, run_cli
from pdfminer.high_level import extract_pages
from pdfminer.layout import LTChar, LTTextContainer

from mentor_app.directory import csv_io
from mentor_app.directory.contacts import freshness, list_contacts
from mentor_app.directory.defaults import ensure_default_directory
from mentor_app.errors import BadInput
from mentor_app.printing.links import map_link
from mentor_app.printing.printer import PrinterError, send_to_printer
from mentor_app.printing.sheet import SheetOptions, build_booklet, build_sheet
from mentor_app.records import caseload, store
from mentor_app.records.referrals import ConsentNeeded, follow_ups_due, record_outcome, record_referral
from mentor_app.records.types import Consent, Contact, Meeting, Mentee, to_data
from mentor_app.settings import DEFAULT_EMERGENCY_NUMBERS

TODAY = date.today()


def _contact(**kw) -> Contact:
    base = dict(
        organisation="Łódź Społeczna Café",
        service="Zoë's drop-in",
        categories=["housing"],
        help_with="Hot food, a shower and housing advice.",
        phone="01632 960123",
        website="cafe.example.org",
        address="12 Mill Lane, Riverside RV1 2AB",
        opening_hours="Tue 10am–2pm",
        what_to_bring="Any ID you have",
        last_checked=(TODAY - timedelta(days=30)).isoformat(),
        checked_by="Sam",
        scope="local",
    )
    base.update(kw)
    return Contact(**base)


def _options(**kw) -> SheetOptions:
    return SheetOptions(emergency_numbers=DEFAULT_EMERGENCY_NUMBERS, organisation="Riverside Mentoring", **kw)


def _text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def _qr_links(pdf: Path, tmp: Path) -> list[str]:
    subprocess.run(["pdftoppm", "-r", "200", "-png", str(pdf), str(tmp / "page")], check=True)
    links = []
    for page in sorted(tmp.glob("page*.png")):
        out = subprocess.run(
            ["zbarimg", "--quiet", "--raw", "-Sqrcode.enable", str(page)], capture_output=True, text=True
        )
        links += [line for line in out.stdout.splitlines() if line]
    return links


@pytest.fixture
def profile(make_profile):
    p, _ = make_profile()
    return p


def test_sheet_text_names_numbers_footer_and_no_name_unless_ticked(profile, tmp_path):
    cid = store.save(profile.conn, _contact(), author=profile.author)
    other = store.save(
        profile.conn,
        _contact(organisation="Ősz Recovery Hub", phone="01632 960999", categories=["drugs_alcohol"]),
        author=profile.author,
    )
    contacts = [(cid, store.get(profile.conn, cid).record), (other, store.get(profile.conn, other).record)]
    plain = build_sheet(contacts, tmp_path / "plain.pdf", _options())
    text = _text(plain)
    for expected in (
        "Łódź Społeczna Café",
        "Ősz Recovery Hub",
        "01632 960123",
        "01632 960999",
        "116 123",
        "0808 2000 247",
        "Housing",
        "Drugs and alcohol",
        "Any ID you have",
    ):
        assert expected in text, expected
    assert "Jo Quietname" not in text
    named = build_sheet(contacts, tmp_path / "named.pdf", _options(mentee_name="Jo Quietname"))
    assert "For Jo Quietname" in _text(named)
    used = {
        ch.fontname
        for page in extract_pages(str(plain))
        for box in page
        if isinstance(box, LTTextContainer)
        for line in box
        for ch in line
        if isinstance(ch, LTChar)
    }
    assert used and all("DejaVuSans" in name for name in used), used  # every glyph from the bundled font


@pytest.mark.slow
def test_every_qr_code_decodes_to_the_right_link(profile, tmp_path):
    contact = _contact()
    web_only = _contact(organisation="Web Only Org", phone="", address="", website="https://web-only.example.org/help")
    contacts = [("a", contact), ("b", web_only)]
    pdf = build_sheet(contacts, tmp_path / "qr.pdf", _options())
    links = sorted(_qr_links(pdf, tmp_path))
    assert links == sorted(
        ["tel:01632960123", "https://cafe.example.org", map_link(contact.address), "https://web-only.example.org/help"]
    )
    assert map_link(contact.address).startswith("https://www.openstreetmap.org/search?query=12+Mill+Lane")


@pytest.mark.slow
def test_large_print_body_is_at_least_16_point_everywhere(profile, tmp_path):
    contacts = [(str(i), _contact(organisation=f"Service {i}", phone=f"01632 96010{i}")) for i in range(4)]
    pdf = build_sheet(contacts, tmp_path / "large.pdf", _options(large_print=True, mentee_name="Jo"))
    sizes = [
        round(ch.size, 1)
        for page in extract_pages(str(pdf))
        for box in page
        if isinstance(box, LTTextContainer)
        for line in box
        for ch in line
        if isinstance(ch, LTChar)
    ]
    assert sizes and min(sizes) >= 16.0
    normal = build_sheet(contacts, tmp_path / "normal.pdf", _options())
    normal_sizes = [
        ch.size
        for page in extract_pages(str(normal))
        for box in page
        if isinstance(box, LTTextContainer)
        for line in box
        for ch in line
        if isinstance(ch, LTChar)
    ]
    assert min(normal_sizes) < 16.0


@pytest.mark.slow
def test_bad_input_still_prints_long_fields_wrap_and_missing_links_give_no_qr(profile, tmp_path):
    long_text = ("A very long description that goes on and on " * 60) + "ENDMARKER"
    odd = _contact(
        organisation="Odd\x07 Characters 🙂 Org",
        help_with=long_text,
        phone="",
        website="",
        address="",
        email="odd@example.org",
        opening_hours="\x00\x1bMon\tto Fri",
    )
    pdf = build_sheet([("x", odd)], tmp_path / "odd.pdf", _options(page_size="Letter"))
    text = _text(pdf)
    assert "ENDMARKER" in text and "Odd Characters ? Org" in text
    assert _qr_links(pdf, tmp_path) == []
    width = None
    for page in extract_pages(str(pdf)):
        width = page.width
        for box in page:
            if isinstance(box, LTTextContainer):
                assert box.x1 <= width + 0.5, "text runs off the page"
    assert width == pytest.approx(612, abs=1)  # Letter


def test_booklet_has_contents_and_pages(profile, tmp_path):
    ensure_default_directory(profile)
    found = list_contacts(profile.conn)
    pdf = build_booklet(
        [(s.id, s.record) for s in found], tmp_path / "booklet.pdf", _options(title="Services near you")
    )
    text = _text(pdf)
    assert "Contents" in text and "Crisis and helplines" in text
    assert text.count("\f") >= 3
    assert "Samaritans" in text


def test_missing_printer_gives_a_clear_message_and_the_pdf_stays(tmp_path, monkeypatch):
    pdf = tmp_path / "sheet.pdf"
    pdf.write_bytes(b"%PDF-1.4 test")
    monkeypatch.setattr("shutil.which", lambda name: None)
    with pytest.raises(PrinterError) as info:
        send_to_printer(pdf)
    assert "No printing system" in info.value.message and str(pdf) in info.value.message
    assert pdf.exists()

    monkeypatch.setattr("shutil.which", lambda name: "/usr/bin/lp" if name == "lp" else None)
    calls = []

    class Result:
        def __init__(self, rc, err=""):
            self.returncode, self.stderr = rc, err

    def refuse(args, **kw):
        calls.append(args)
        return Result(1, "lp: The printer or class does not exist.")

    with pytest.raises(PrinterError) as info:
        send_to_printer(pdf, "Office", run=refuse)
    assert "does not exist" in info.value.message and pdf.exists()
    assert calls[0] == ["/usr/bin/lp", "-d", "Office", str(pdf)]
    send_to_printer(pdf, run=lambda args, **kw: Result(0))


def test_default_directory_loads_once_with_sources_and_keeps_local_entries(profile):
    assert ensure_default_directory(profile) >= 10
    local = store.save(profile.conn, _contact(), author=profile.author)
    assert ensure_default_directory(profile) == 0
    defaults = [s.record for s in store.list_records(profile.conn, "contact") if s.record.origin == "default"]
    assert all(c.source_url.startswith("https://") and c.last_checked for c in defaults)
    assert all(freshness(c).stale and "Check before use" in freshness(c).words for c in defaults)
    assert store.get(profile.conn, local) is not None


def test_stale_contacts_are_flagged():
    assert freshness(_contact(last_checked=(TODAY - timedelta(days=400)).isoformat())).stale
    assert "Possibly out of date" in freshness(_contact(last_checked="2020-01-01")).words
    assert not freshness(_contact(last_checked=(TODAY - timedelta(days=60)).isoformat())).stale
    assert freshness(_contact(last_checked=(TODAY - timedelta(days=60)).isoformat()), stale_after=1).stale
    assert freshness(_contact(last_checked="")).stale


def _write_csv(path: Path, rows: list[list[str]]) -> Path:
    import csv

    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([csv_io.CSV_COLUMNS] + rows)
    return path


def _row(**kw) -> list[str]:
    values = {c: "" for c in csv_io.CSV_COLUMNS}
    values.update(kw)
    return [values[c] for c in csv_io.CSV_COLUMNS]


def test_csv_import_reports_rows_and_imports_nothing_unless_asked(profile, tmp_path):
    existing = store.save(
        profile.conn, _contact(organisation="Already Here", phone="01632 960500"), author=profile.author
    )
    path = _write_csv(
        tmp_path / "in.csv",
        [
            _row(
                organisation="Żabka Advice Centre",
                categories="Money, benefits and debt",
                phone="01632 960501",
                scope="local",
                area="Riverside",
            ),  # row 2: good
            _row(organisation="", categories="housing", phone="01632 960502"),  # row 3: no name
            _row(organisation="No Way To Reach", categories="housing"),  # row 4: no contact
            _row(organisation="Bad Category", categories="astrology", phone="01632 960503"),  # row 5
            _row(
                organisation="already here", categories="legal", phone="+44 1632 960500", email="new@example.org"
            ),  # row 6: dup
            _row(organisation="Żabka Advice Centre", categories="housing", phone="01632960501"),  # row 7: dup of 2
            _row(organisation="Bad Date", categories="housing", phone="01632 960504", last_checked="31/13/2026"),
        ],
    )
    plan = csv_io.read_csv(path, profile.conn)
    assert [p.row for p in plan.problems] == [3, 4, 5, 8]
    assert "Organisation" in plan.problems[0].message
    assert "no phone" in plan.problems[1].message and "astrology" in plan.problems[2].message
    assert [d[0] for d in plan.duplicates] == [6, 7]
    before = len(store.list_records(profile.conn, "contact"))
    with pytest.raises(BadInput) as info:
        csv_io.apply_plan(profile.conn, plan, author=profile.author)
    assert "Row 3" in info.value.message and "nothing was imported" in info.value.message
    assert len(store.list_records(profile.conn, "contact")) == before

    result = csv_io.apply_plan(profile.conn, plan, author=profile.author, only_good_rows=True)
    assert (result.added, result.merged, result.skipped_duplicates) == (1, 0, 2)
    assert store.get(profile.conn, existing).record.email == ""  # never merged silently

    plan = csv_io.read_csv(
        _write_csv(
            tmp_path / "dup.csv",
            [_row(organisation="Already Here", categories="legal", phone="01632 960500", email="new@example.org")],
        ),
        profile.conn,
    )
    result = csv_io.apply_plan(profile.conn, plan, author=profile.author, merge_duplicates=True)
    assert result.merged == 1
    merged = store.get(profile.conn, existing).record
    assert merged.email == "new@example.org" and set(merged.categories) == {"housing", "legal"}


def test_csv_export_then_import_is_lossless(make_profile, tmp_path):
    source, _ = make_profile("a")
    ensure_default_directory(source)
    store.save(source.conn, _contact(help_with='Line one,\nline "two" – ünïcödé'), author=source.author)
    out = tmp_path / "directory.csv"
    assert csv_io.export_csv(source.conn, out) == len(store.list_records(source.conn, "contact"))
    target, _ = make_profile("b")
    plan = csv_io.read_csv(out, target.conn)
    assert plan.problems == [] and plan.duplicates == []
    csv_io.apply_plan(target.conn, plan, author=target.author)

    def contents(p):
        return sorted(
            tuple(sorted((k, str(v)) for k, v in to_data(s.record).items() if k != "origin"))
            for s in store.list_records(p.conn, "contact")
        )

    assert contents(source) == contents(target)


def test_csv_import_refuses_a_file_that_is_not_a_directory(profile, tmp_path):
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("patient,dose\nA,1\n", encoding="utf-8")
    with pytest.raises(BadInput, match="columns") as refused:
        csv_io.read_csv(wrong)
    assert "docs/directory-csv.md" in refused.value.message  # where the headings understood are listed
    broken = tmp_path / "sheet.xlsx"
    broken.write_bytes(b"PK\x03\x04\x00\x00binary")
    with pytest.raises(BadInput, match="could not be read as an Excel .xlsx file"):
        csv_io.read_csv(broken)
    binary = tmp_path / "photo.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(BadInput, match="not a CSV text file"):
        csv_io.read_csv(binary)


def test_referral_needs_partner_consent_but_a_signpost_does_not(profile):
    mid = store.save(profile.conn, Mentee(name="Ref Person", status="active"), author=profile.author)
    cid = store.save(profile.conn, _contact(organisation="Partner Housing"), author=profile.author)
    with pytest.raises(ConsentNeeded) as info:
        record_referral(profile.conn, author=profile.author, mentee_id=mid, contact_id=cid, kind="referral")
    assert "consent" in info.value.message and "signpost" in info.value.message
    assert store.list_records(profile.conn, "referral", mentee_id=mid) == []
    record_referral(profile.conn, author=profile.author, mentee_id=mid, contact_id=cid, kind="signpost")
    store.save(
        profile.conn,
        Consent(scope="share_with_partner", on=TODAY.isoformat(), partner="partner housing"),
        author=profile.author,
        mentee_id=mid,
    )
    record_referral(profile.conn, author=profile.author, mentee_id=mid, contact_id=cid, kind="referral")
    kinds = sorted(s.record.kind for s in store.list_records(profile.conn, "referral", mentee_id=mid))
    assert kinds == ["referral", "signpost"]


def test_due_follow_ups_show_in_the_mentee_filter_until_an_outcome(profile):
    mid = store.save(profile.conn, Mentee(name="Follow Person", status="active"), author=profile.author)
    cid = store.save(profile.conn, _contact(), author=profile.author)
    rid = record_referral(
        profile.conn,
        author=profile.author,
        mentee_id=mid,
        contact_id=cid,
        follow_up=(TODAY - timedelta(days=1)).isoformat(),
    )
    record_referral(
        profile.conn,
        author=profile.author,
        mentee_id=mid,
        contact_id=cid,
        follow_up=(TODAY + timedelta(days=5)).isoformat(),
    )
    assert [s.id for s in follow_ups_due(profile.conn)] == [rid]
    row = next(r for r in caseload.caseload(profile.conn) if r.id == mid)
    assert row.follow_ups_due == 1 and caseload.matches(row, "follow_ups")
    record_outcome(profile.conn, rid, author=profile.author, outcome="attended", note="Went on Tuesday")
    row = next(r for r in caseload.caseload(profile.conn) if r.id == mid)
    assert row.follow_ups_due == 0 and not caseload.matches(row, "follow_ups")


@pytest.mark.slow
def test_sheet_command_preselects_and_refuses_bad_ids(tmp_path):
    env = {"PYTHON_KEYRING_BACKEND": NO_KEYRING}
    path = tmp_path / "demo"
    assert run_cli("--profile", str(path), "demo", env=env).returncode == 0
    secret = "demo passphrase\n"
    mentees = run_cli("--profile", str(path), "mentees", "--passphrase-stdin", input=secret, env=env).stdout
    mentee_id = mentees.split()[0]
    out = tmp_path / "sheet.pdf"
    made = run_cli(
        "--profile",
        str(path),
        "sheet",
        "--mentee",
        mentee_id,
        "--large-print",
        "-o",
        str(out),
        "--passphrase-stdin",
        input=secret,
        env=env,
    )
    assert made.returncode == 0, made.stderr
    assert "116 123" in _text(out)
    name = mentees.splitlines()[0].split("  ")[1]
    assert name.split(" (")[0] not in _text(out)
    again = run_cli(
        "--profile",
        str(path),
        "sheet",
        "--mentee",
        mentee_id,
        "-o",
        str(out),
        "--passphrase-stdin",
        input=secret,
        env=env,
    )
    assert again.returncode != 0 and "already a file" in again.stderr
    bad = run_cli(
        "--profile",
        str(path),
        "sheet",
        "--mentee",
        mentee_id,
        "--contact",
        "nope",
        "-o",
        str(tmp_path / "x.pdf"),
        "--passphrase-stdin",
        input=secret,
        env=env,
    )
    assert bad.returncode != 0 and "not in the directory" in bad.stderr
    imported = run_cli(
        "--profile",
        str(path),
        "directory",
        "import",
        str(tmp_path / "missing.csv"),
        "--passphrase-stdin",
        input=secret,
        env=env,
    )
    assert imported.returncode != 0 and "Couldn't read" in imported.stderr


def test_a_services_details_give_its_checked_date_in_words():
    from mentor_app.ui.directory_page import contact_html

    html = contact_html(
        Contact(
            organisation="Riverside Housing", categories=["housing"], last_checked="2026-10-22", checked_by="Pat Okafor"
        ),
        stale_after=120,
    )
    assert "22 Oct 2026" in html and "2026-10-22" not in html


def test_directory_spreadsheets_are_read_with_the_headings_people_write(profile, tmp_path):
    sheet = tmp_path / "from-excel.csv"
    # Saved from Excel on UK Windows: the older encoding, a £ and an é, semicolons, and its own headings.
    sheet.write_bytes(
        "Organisation name;Category;Tel;E-mail;Web site;Opening Hours\r\n"
        "Café Hope;Housing;01632 960333;hi@example.org;https://example.org;Mon–Fri, £2 lunch\r\n".encode("cp1252")
    )
    plan = csv_io.read_csv(sheet, profile.conn)
    assert not plan.problems and len(plan.good) == 1
    _, contact = plan.good[0]
    assert (contact.organisation, contact.categories, contact.phone) == ("Café Hope", ["housing"], "01632 960333")
    assert contact.opening_hours == "Mon–Fri, £2 lunch"
    result = csv_io.apply_plan(profile.conn, plan, author=profile.author)
    assert "Windows-1252" in result.words() and "£ signs" in result.words()  # said, not silently guessed

    typo = tmp_path / "typo.csv"
    typo.write_text("Organisation,Catagory,Phone\nA,housing,1\n", encoding="utf-8")
    with pytest.raises(BadInput) as refused:
        csv_io.read_csv(typo)
    assert '"Catagory" (did you mean categories?)' in refused.value.message
    twice = tmp_path / "twice.csv"
    twice.write_text("Organisation,Tel,Telephone\nA,1,2\n", encoding="utf-8")
    with pytest.raises(BadInput, match="two headings mean the same column: phone"):
        csv_io.read_csv(twice)


def test_what_the_directory_exports_it_can_import_again(profile, tmp_path, monkeypatch):
    monkeypatch.setattr(csv_io, "MAX_ROWS", 3)  # the one limit both sides keep, made small
    for n in range(3):
        store.save(profile.conn, _contact(organisation=f"Service {n}", phone=f"01632 96010{n}"), author=profile.author)
    out = tmp_path / "all.csv"
    assert csv_io.export_csv(profile.conn, out) == 3
    again = csv_io.read_csv(out)
    assert len(again.good) == 3 and not again.problems
    store.save(profile.conn, _contact(organisation="One Too Many", phone="01632 960199"), author=profile.author)
    with pytest.raises(BadInput, match="more than the 3 a directory file can take"):
        csv_io.export_csv(profile.conn, tmp_path / "too-many.csv")


@pytest.mark.slow
def test_directory_search_finds_every_matching_service_among_many_meetings(profile):
    """More than 500 services match, and more meetings than that mention the same word: every service is found."""
    conn = profile.conn
    mentee = store.save(conn, Mentee(name="Sam Lancashire"), author=profile.author)
    for n in range(700):
        store.save(
            conn,
            Meeting(starts_at="2026-11-01T10:00", notes=f"Talked about moving back to Lancashire ({n})"),
            author=profile.author,
            mentee_id=mentee,
        )
    for n in range(620):
        store.save(
            conn,
            _contact(organisation=f"Lancashire Service {n:03}", phone=f"01632 {n:06}", area="Lancashire"),
            author=profile.author,
        )
    store.save(conn, _contact(organisation="Somewhere Else", phone="01632 999999"), author=profile.author)
    found = list_contacts(conn, text="lancashire")
    assert len(found) == 620
    assert {s.record.organisation for s in found} == {f"Lancashire Service {n:03}" for n in range(620)}
    assert len(list_contacts(conn, text="lancashire", category="housing")) == 620
    assert list_contacts(conn, text="lancashire", category="banking") == []


@pytest.mark.slow
def test_directory_files_as_spreadsheets_save_them_import_and_5000_entries_go_out_and_back(make_profile, tmp_path):
    profile, _ = make_profile("first")
    heading = "Organisation,Category,Tel,Address,Area"
    files = {
        # Excel's "CSV UTF-8": a byte-order mark, CRLF, and an address over two lines in quotes.
        "bom.csv": (
            "\ufeff" + heading + '\r\nBridge Trust,Housing,01632 960001,"1 Mill Lane\r\nRiverside",Leeds\r\n'
        ).encode("utf-8"),
        "semicolons.csv": heading.replace(",", ";").encode() + "\nÉcole Café;Housing;01632 960002;;York\n".encode(),
        "big.csv": (
            heading + "\n" + "".join(f"Service {n:04},Housing,01632 {n:06},,Leeds\n" for n in range(5000))
        ).encode(),
    }
    for name, raw in files.items():
        (tmp_path / name).write_bytes(raw)
    book = openpyxl.Workbook()
    book.active.append(heading.split(","))
    book.active.append(["Workbook Advice", "Money, benefits and debt", "01632 960003", None, "Hull"])
    book.save(tmp_path / "directory.xlsx")

    bom = csv_io.read_csv(tmp_path / "bom.csv", profile.conn)
    assert not bom.problems and bom.good[0][1].address == "1 Mill Lane\nRiverside"
    semi = csv_io.read_csv(tmp_path / "semicolons.csv", profile.conn)
    assert semi.good[0][1].organisation == "École Café" and not semi.encoding_note
    workbook = csv_io.read_csv(tmp_path / "directory.xlsx", profile.conn)
    assert workbook.good[0][1].categories == ["money"] and workbook.good[0][1].phone == "01632 960003"
    big = csv_io.read_csv(tmp_path / "big.csv", profile.conn)
    assert len(big.good) == 5000 and not big.problems
    for plan in (bom, semi, workbook, big):
        csv_io.apply_plan(profile.conn, plan, author=profile.author)
    for n in range(11):  # past 5,000, where the import used to stop
        store.save(profile.conn, _contact(organisation=f"Extra {n}", phone=f"01632 97{n:04}"), author=profile.author)

    out = tmp_path / "everything.csv"
    assert csv_io.export_csv(profile.conn, out) == 5014
    second, _ = make_profile("second")
    again = csv_io.read_csv(out, second.conn)
    assert len(again.good) == 5014 and not again.problems
    csv_io.apply_plan(second.conn, again, author=second.author)
    assert len(list_contacts(second.conn)) == 5014
