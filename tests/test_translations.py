"""Welsh and English: the catalogues are complete and current, and a sheet prints in the mentee's language."""

from __future__ import annotations

import gettext
import os
import re
import shutil
import string
import subprocess
from datetime import date
from pathlib import Path

import pytest

from mentor_app import clock, i18n
from mentor_app.printing import sheet
from mentor_app.printing.sheet import SheetOptions, build_sheet
from mentor_app.records import dates, store
from mentor_app.records.types import Contact, Mentee
from mentor_app.settings import DEFAULT_EMERGENCY_NUMBERS

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "resources" / "locale"
WELSH_PO = LOCALE / "cy" / "LC_MESSAGES" / "mentor_app.po"
needs_gettext = pytest.mark.skipif(
    not shutil.which("msgfmt") and not os.environ.get("CI"), reason="GNU gettext is not installed (apt install gettext)"
)
KEYWORDS = ["--keyword=w", "--keyword=N_", "--keyword=NC_:1c,2", "--keyword=n:1,2"]


def _entries(po_text: str) -> dict[tuple[str, str], str]:
    """(context, source) → translation, from a .po or .pot file (one-line strings, as `make translations` writes)."""
    found, context, source = {}, "", None
    for line in po_text.splitlines():
        if line.startswith("msgctxt "):
            context = line[9:-1]
        elif line.startswith("msgid "):
            source = line[7:-1]
        elif line.startswith("msgstr ") and source is not None:
            if source:
                found[(context, source)] = line[8:-1]
            context, source = "", None
    return found


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def _pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


@needs_gettext
def test_the_welsh_catalogue_is_complete_and_every_placeholder_matches_its_source():
    welsh = _entries(WELSH_PO.read_text(encoding="utf-8"))
    assert len(welsh) > 40
    untranslated = [source for (_, source), text in welsh.items() if not text]
    assert untranslated == []
    for (_, source), text in welsh.items():
        assert _placeholders(text) == _placeholders(source), source
    checked = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(WELSH_PO)], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr
    assert "untranslated" not in checked.stderr and "fuzzy" not in checked.stderr


@needs_gettext
def test_the_catalogues_hold_every_string_the_source_marks_and_the_app_reads_the_compiled_one(tmp_path):
    sources = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "mentor_app").rglob("*.py"))
    template = tmp_path / "now.pot"
    subprocess.run(
        ["xgettext", "--language=Python", "--from-code=UTF-8", "--no-wrap", *KEYWORDS, "-o", str(template), *sources],
        cwd=ROOT,
        check=True,
    )
    marked = set(_entries(template.read_text(encoding="utf-8")))
    assert marked == set(_entries((LOCALE / "mentor_app.pot").read_text(encoding="utf-8"))), "run make translations"
    assert marked == set(_entries(WELSH_PO.read_text(encoding="utf-8"))), "run make translations"
    compiled = tmp_path / "now.mo"
    subprocess.run(["msgfmt", "-o", str(compiled), str(WELSH_PO)], check=True)
    shipped = WELSH_PO.with_suffix(".mo")
    assert compiled.read_bytes() == shipped.read_bytes(), "run make translations"


class _Marked(gettext.NullTranslations):
    """A pretend language that puts «» round every translated string, so untranslated words stand out."""

    def gettext(self, message):
        return f"«{message}»"

    def pgettext(self, context, message):
        return f"«{message}»"

    def ngettext(self, msgid1, msgid2, n):
        return f"«{msgid1 if n == 1 else msgid2}»"


def _contact(**kw) -> Contact:
    base = dict(
        organisation="Qorganisation",
        categories=["housing"],
        help_with="Qhelp",
        phone="01632 960123",
        text_number="07700 900123",
        email="q@example.org",
        website="example.org",
        address="Qaddress",
        opening_hours="Qhours",
        how_to_get_there="Qway",
        what_to_bring="Qbring",
        eligibility="Qwho",
        languages="Qlanguages",
        accessibility="Qaccess",
        last_checked="2024-01-05",
        scope="local",
    )
    base.update(kw)
    return Contact(**base)


def test_every_word_a_sheet_prints_goes_through_translation(tmp_path, monkeypatch):
    marked = i18n.Words("xx", _Marked())
    for module in (sheet, dates):
        monkeypatch.setattr(module, "words_in", lambda _language: marked)
    out = tmp_path / "sheet.pdf"
    options = SheetOptions(
        mentee_name="Qname", organisation="Qorg", emergency_numbers="Qcrisis 116 123", language="xx"
    )  # fmt: skip
    build_sheet([("c1", _contact())], out, options)
    text = _pdf_text(out)
    for content in ("Qorganisation", "Qhelp", "Qname", "Qorg", "Qcrisis", "Qaddress", "Qhours", "Qway", "Qbring"):
        assert content in text  # the record's own words are printed as they are
        text = text.replace(content, "")
    text = re.sub(r"Q\w+|\S+@\S+|example\.org", "", text)
    text = re.sub(r"«[^«»]*»", "", re.sub(r"«[^«»]*»", "", text))  # twice: a date sits inside "Made on …"
    leftover = re.sub(r"[\W\d_]+", " ", text).split()
    assert leftover == [], f"printed without translation: {leftover}"


def test_a_welsh_sheet_is_in_welsh_with_the_crisis_numbers_at_the_foot(tmp_path):
    out = tmp_path / "taflen.pdf"
    options = SheetOptions(
        mentee_name="Siôn", organisation="Mentora Caerdydd", emergency_numbers="Samaritans 116 123", language="cy"
    )
    with clock.frozen_at(date(2026, 12, 3)):
        build_sheet([("c1", _contact(organisation="Tai Pawb", last_checked="2026-11-20"))], out, options)
    text = " ".join(_pdf_text(out).split())
    for welsh in (
        "Gwasanaethau a all eich helpu",
        "Ar gyfer Siôn",
        "Gwnaed ar 3 Rhag 2026 gan Mentora Caerdydd",
        "Tai",
        "Ffôn: 01632 960123",
        "Cyfeiriad: Qaddress",
        "Sganiwch i ffonio",
        "Mae’r gwasanaeth hwn yn disgrifio’i hun yn Saesneg yn unig",
        "Mewn argyfwng: Samaritans 116 123",
        "Tudalen 1",
    ):
        assert welsh in text, welsh
    for english in ("Services that can help you", "Phone:", "Page 1", "In a crisis", "Made on"):
        assert english not in text, english

    with clock.frozen_at(date(2026, 12, 3)):
        footer = tmp_path / "rhifau.pdf"
        build_sheet(
            [("c1", _contact())], footer, SheetOptions(emergency_numbers=DEFAULT_EMERGENCY_NUMBERS, language="cy")
        )
    text = " ".join(_pdf_text(footer).split())
    assert "Mewn argyfwng: Gwasanaethau brys: 999 · Samaritans (am ddim, unrhyw bryd): 116 123" in text
    for english in ("Emergency services", "free, any time"):
        assert english not in text, english

    described = tmp_path / "disgrifiad.pdf"
    build_sheet([("c1", _contact(help_with_cy="Cyngor am dai a help gyda rhent."))], described, options)
    words = " ".join(_pdf_text(described).split())
    assert "Cyngor am dai a help gyda rhent." in words and "Qhelp" not in words and "Saesneg yn unig" not in words


def test_a_mentees_sheet_starts_in_their_language(qtbot, make_profile):
    from mentor_app.ui.sheet_dialog import SheetDialog

    profile, _ = make_profile()
    mentee = store.save(profile.conn, Mentee(name="Siôn Prys", language="cy"), author=profile.author)
    store.save(profile.conn, _contact(), author=profile.author)
    dialog = SheetDialog(profile, mentee)
    qtbot.addWidget(dialog)
    assert dialog.language.currentText() == "Cymraeg" and dialog.options().language == "cy"
    other = store.save(profile.conn, Mentee(name="Sam Price"), author=profile.author)
    english = SheetDialog(profile, other)
    qtbot.addWidget(english)
    assert english.options().language == "en"


@pytest.mark.parametrize("language, expected", [("en", "3 Dec 2026"), ("cy", "3 Rhag 2026")])
def test_dates_are_in_the_language_asked_for(language, expected):
    assert dates.shown_date("2026-12-03", language) == expected
