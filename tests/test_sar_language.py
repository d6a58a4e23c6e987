"""A subject access copy is printed in the person's language: Welsh for a Welsh reader, English as before."""

from __future__ import annotations

import json
import re
from datetime import datetime

import pytest
from conftest import PASSPHRASE, run_cli
from test_attachments import png_bytes, write
from test_translations import _Marked, _pdf_text

from mentor_app import clock, i18n, words
from mentor_app.privacy import audit_words, sar
from mentor_app.records import attachments, dates, store, types
from mentor_app.records.types import Action, Concern, Consent, Goal, Meeting, Mentee, NeedsCheck, Referral

pytestmark = pytest.mark.slow  # each makes PDFs


def _person(profile, tmp_path, **person) -> str:
    """A person with a record of each kind a copy prints, an attachment, and someone else named in a note."""
    conn, author = profile.conn, profile.author
    other = store.save(conn, Mentee(name="Qother Qperson"), author=author)
    mid = store.save(conn, Mentee(**person), author=author)
    consent = store.save(
        conn, Consent(scope="share_with_organisation", on="2026-12-03", note="Qconsent"), author=author, mentee_id=mid
    )
    for record in (
        NeedsCheck(on="2026-12-03", scores={"accommodation": 2}, notes={"money": "Qmoney"}),
        Goal(text="Qgoal", area="employment", set_on="2026-12-03"),
        Action(text="Qaction", owner="mentee", due="2026-12-10"),
        Meeting(starts_at="2026-12-03T14:00", place="Qplace", notes="Qnotes about Qother", wellbeing_before=3),
        Referral(contact_id="Qc1", organisation="Qservice", category="housing", kind="referral", on="2026-12-03"),
        Concern(category="risk_to_self", raised_at="2026-12-03T15:00", what_happened="Qhappened"),
    ):
        store.save(conn, record, author=author, mentee_id=mid)
    store.delete(conn, store.save(conn, Goal(text="Qgone"), author=author, mentee_id=mid), author=author)
    attachments.attach(conn, consent, write(tmp_path, "Qscan.png", png_bytes()), author=author)
    assert other
    return mid


@pytest.fixture
def frozen():
    with clock.frozen_at(datetime(2026, 12, 3, 16, 0)):
        yield


def test_a_welsh_mentees_copy_is_in_welsh_and_its_json_keeps_its_keys_and_codes(make_profile, tmp_path, frozen):
    profile, _ = make_profile()
    mid = _person(profile, tmp_path, name="Siôn Prys", status="active", language="cy", safety_flag=True)
    folder = tmp_path / "copi"
    folder.mkdir()
    pdf, js, _ = sar.write_subject_access(profile, mid, folder)
    text = " ".join(_pdf_text(pdf).split())
    for welsh in (
        "Copi mynediad at ddata",
        "Popeth sydd gan y sefydliad hwn am Siôn Prys yng nghopi’r mentor hwn o Mentor App, a wnaed ar 3 Rhag 2026",
        "Wedi’i baratoi i’w adolygu cyn ei rannu",
        "Enwau pobl eraill a newidiwyd: 1.",
        "Amdanynt",
        "Enw neu lysenw Siôn Prys",
        "Statws Gweithredol",
        "Rhybudd diogelwch ie",
        "Iaith eu taflenni Cymraeg",
        "Hanes caniatâd",
        "3 Rhag 2026 Caniatâd",
        "Gellir rhannu cofnodion gyda’r sefydliad sy’n goruchwylio",
        "Gwiriad anghenion (1)",
        "Llety: 2",
        "Nodyn: Arian, budd-daliadau",
        "Pwy sy’n ei wneud mentorai",
        "Cyfarfod (1)",
        "3 Rhag 2026, 14:00",
        "Qnotes about [rhywun arall]",
        "Llesiant cyn 3 – iawn",
        "Math o bryder Risg i’w hunan",
        "Atgyfeiriwyd (ar eu rhan)",
        "Atodiadau (1)",
        "Llun (PNG)",
        "Wedi’i atodi i Caniatâd wedi’i roi",
        "Pwy agorodd, newidiodd, rannodd neu argraffodd eu cofnodion",
        "Pryd Beth Cofnod",
        "Creu cofnod",
        "Cyfarfod ar 3 Rhag 2026",
        "Dileu cofnod",
        "Llun (PNG) wedi’i atodi i’w caniatâd ar 3 Rhag 2026",
        "Copi mynediad at ddata · " + mid + " · tudalen 1",
    ):
        assert welsh in text, welsh
    for english in (
        "Subject access copy",
        "About them",
        "Consent history",
        "Name or alias",
        "Dec",
        "page 1",
        "Created a record",
        "[another person]",
        " yes",
    ):
        assert english not in text, english

    data = json.loads(js.read_text(encoding="utf-8"))
    assert data["language"] == "cy" and data["format"] == sar.FORMAT
    assert {r["type"] for r in data["records"]} >= {"meeting", "goal", "concern"}  # codes, not words
    assert [a["kind"] for a in data["attachments"]] == ["png"]
    assert {e["action"] for e in data["audit_trail"]} >= {"create", "delete", "attachment_add"}
    assert data["review_note"].startswith("Wedi’i baratoi") and "[rhywun arall]" in data["review_note"]
    [meeting] = [r for r in data["records"] if r["type"] == "meeting"]
    assert meeting["what"] == "Cyfarfod" and meeting["fields"]["kind"] == "one_to_one"


def test_the_language_asked_for_wins_over_the_persons_and_an_english_copy_has_no_welsh(make_profile, tmp_path, frozen):
    profile, _ = make_profile()
    mid = _person(profile, tmp_path, name="Siôn Prys", language="cy")
    path = profile.path
    profile.close()
    folder = tmp_path / "copy"
    folder.mkdir()
    out = run_cli(
        "--profile", str(path), "sar", "--mentee", mid, "-o", str(folder), "--language", "en", "--passphrase-stdin",
        input=PASSPHRASE + "\n",
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    [pdf] = folder.glob("*.pdf")
    text = " ".join(_pdf_text(pdf).split())
    for english in ("Subject access copy", "About them", "Consent history", "Meeting of 3 Dec 2026", "page 1"):
        assert english in text, english
    for welsh in ("Copi mynediad", "Amdanynt", "Rhag", "tudalen", "rhywun arall"):
        assert welsh not in text, welsh
    refused = run_cli("--profile", str(path), "sar", "--mentee", mid, "-o", str(folder), "--language", "xx")
    assert refused.returncode != 0 and "invalid choice" in refused.stderr


def test_every_word_a_subject_access_copy_prints_goes_through_translation(make_profile, tmp_path, monkeypatch, frozen):
    marked = i18n.Words("xx", _Marked())
    for module in (sar, audit_words, dates, attachments, types, words):
        monkeypatch.setattr(module, "words_in", lambda _language: marked)
    profile, _ = make_profile()
    mid = _person(
        profile,
        tmp_path,
        name="Qname Qsurname",
        preferred_name="Qpreferred",
        pronouns="Qthey",
        status="active",
        referral_source="probation",
        gender="prefer_not_to_say",
        ethnicity="white_british",
        disability="no",
        safety_flag=True,
        safety_note="Qsafety",
        probation_contact="Qprobation",
    )
    folder = tmp_path / "copy"
    folder.mkdir()
    pdf, _, files = sar.write_subject_access(profile, mid, folder, "cy")
    text = _pdf_text(pdf)
    assert "Qname Qsurname" in text and "Qnotes about «[another person]»" in text and "Qmoney" in text
    # The record's own words, its ids and the attachment's file name are printed as they are.
    text = re.sub(r"Qnotes about|Q[\w.]+|[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}", "", text)
    text = text.replace(files[0].name, "")
    while re.search(r"«[^«»]*»", text):  # from the inside out: a date sits inside "Meeting of …"
        text = re.sub(r"«[^«»]*»", "", text)
    leftover = re.sub(r"[\W\d_]+", " ", text).split()
    assert leftover == [], f"printed without translation: {leftover}"
