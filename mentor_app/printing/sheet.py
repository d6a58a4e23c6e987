"""The signposting sheet and the services booklet, as PDF.

Plain language, grouped by need, a QR code for each way to get in touch, the
crisis numbers at the foot of every page. Text uses the bundled DejaVu Sans so
every Latin letter prints (ł, ś, ő …), never a missing-glyph box.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import BinaryIO

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    BaseDocTemplate,
    Frame,
    KeepTogether,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.tableofcontents import TableOfContents

from .. import clock
from ..directory.contacts import freshness
from ..i18n import ENGLISH, N_, WELSH, words_in
from ..records import vocab
from ..records.dates import shown_date
from ..storage.files import write_new
from .fonts import FONT, FONT_BOLD, printable, register_fonts
from .links import contact_links
from .qr import QrCode
from .text import flowables, is_short, markup

PAGE_SIZES = {"A4": A4, "Letter": LETTER}
SHEET_TITLE = N_("Services that can help you")
BOOKLET_TITLE = N_("Services near you")
TITLES = (SHEET_TITLE, BOOKLET_TITLE)


@dataclass
class SheetOptions:
    large_print: bool = False
    page_size: str = "A4"
    mentee_name: str = ""  # printed only when the mentor ticks it
    title: str = SHEET_TITLE
    language: str = ENGLISH  # what the sheet is printed in: the mentee's language where the app has its words
    organisation: str = ""
    emergency_numbers: str = ""
    groups: dict[str, str] = field(default_factory=dict)  # contact id -> category to list it under
    stale_after_months: int = 12

    @property
    def body_size(self) -> float:
        return 16.0 if self.large_print else 10.5


class _Styles:
    def __init__(self, options: SheetOptions):
        size = options.body_size
        lead = size * 1.35
        self.body = ParagraphStyle("body", fontName=FONT, fontSize=size, leading=lead, spaceAfter=size * 0.25)
        # Large print keeps every line at the body size or bigger, notes and footer too.
        small = 1.0 if options.large_print else 0.85
        self.small = ParagraphStyle(
            "small", parent=self.body, fontSize=size * small, leading=lead * small, textColor=colors.HexColor("#444444")
        )
        self.name = ParagraphStyle(
            "name",
            parent=self.body,
            fontName=FONT_BOLD,
            fontSize=size * 1.25,
            leading=lead * 1.25,
            spaceAfter=size * 0.2,
        )
        self.group = ParagraphStyle(
            "group",
            parent=self.body,
            fontName=FONT_BOLD,
            fontSize=size * 1.45,
            leading=lead * 1.45,
            spaceBefore=size * 0.8,
            spaceAfter=size * 0.5,
            textColor=colors.HexColor("#1a4f8b"),
        )
        self.title = ParagraphStyle(
            "title",
            parent=self.body,
            fontName=FONT_BOLD,
            fontSize=size * 1.9,
            leading=lead * 1.8,
            spaceAfter=size * 0.4,
        )
        caption = 1.0 if options.large_print else 0.7
        self.caption = ParagraphStyle(
            "caption", parent=self.body, fontSize=size * caption, leading=size * caption * 1.2, alignment=1
        )


def _is_long(contact) -> bool:
    return not all(
        is_short(v)
        for v in (
            contact.title(),
            contact.help_with,
            contact.phone,
            contact.text_number,
            contact.email,
            contact.website,
            contact.address,
            contact.opening_hours,
            contact.how_to_get_there,
            contact.what_to_bring,
            contact.eligibility,
            contact.languages,
            contact.accessibility,
        )
    )


def _contact_block(contact, styles: _Styles, options: SheetOptions, width: float) -> list:
    w = words_in(options.language)
    title = Paragraph(markup(contact.title()), styles.name)
    lines = []
    help_with = contact.help_with
    if options.language == WELSH and contact.help_with_cy:
        help_with = contact.help_with_cy
    elif options.language != ENGLISH and contact.help_with:
        # Said, not hidden: the organisation publishes no description in the mentee's language.
        lines.append(Paragraph(escape(w("(This service describes itself in English only.)")), styles.small))
    if help_with:
        lines += flowables(help_with, styles.body)
    for label, value in (
        (N_("Phone"), contact.phone),
        (N_("Text"), contact.text_number),
        (N_("Email"), contact.email),
        (N_("Website"), contact.website),
        (N_("Address"), contact.address),
        (N_("Open"), contact.opening_hours),
        (N_("How to get there"), contact.how_to_get_there),
        (N_("Bring"), contact.what_to_bring),
        (N_("Who it is for"), contact.eligibility),
        (N_("Languages"), contact.languages),
        (N_("Access"), contact.accessibility),
    ):
        if value:
            lines += flowables(value, styles.body, prefix=f"<b>{escape(w(label))}:</b> ")
    # A long entry can't sit beside its codes in a table (a table row never splits across pages): its
    # codes go under the name and its words flow across pages at the full width.
    long_entry = _is_long(contact)
    lines.insert(0, title)
    fresh = freshness(contact, stale_after=options.stale_after_months)
    if fresh.stale:
        words = (
            w("Please check these details before you rely on them (last checked {date}).",
              date=shown_date(contact.last_checked, options.language))
            if contact.last_checked
            else w("Please check these details before you rely on them (not yet checked).")
        )  # fmt: skip
        lines.append(Paragraph(escape(words), styles.small))

    links = contact_links(contact)
    qr_size = (34 if options.large_print else 22) * mm
    if not links:
        return lines + [Spacer(1, styles.body.fontSize * 0.8)]
    codes = [[QrCode(link, qr_size), Paragraph(markup(w(caption)), styles.caption)] for caption, link in links]
    code_cells = Table([[c[0] for c in codes], [c[1] for c in codes]], colWidths=[qr_size + 4 * mm] * len(codes))
    code_cells.hAlign = "LEFT"
    code_cells.setStyle(
        TableStyle(
            [
                ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 1),
                ("RIGHTPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    if long_entry:
        return [title, code_cells, Spacer(1, styles.body.fontSize * 0.5), *lines[1:], Spacer(1, styles.body.fontSize)]
    if options.large_print:
        # Large print: the codes go under the words, so the words keep the whole width.
        return lines + [code_cells, Spacer(1, styles.body.fontSize)]
    text_width = width - (qr_size + 4 * mm) * len(codes)
    table = Table([[lines, code_cells]], colWidths=[text_width, width - text_width])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (0, 0), 6),
            ]
        )
    )
    return [table, Spacer(1, styles.body.fontSize * 0.9)]


def _grouped(contacts, options: SheetOptions) -> list[tuple[str, list]]:
    groups: dict[str, list] = {code: [] for code in vocab.DIRECTORY_CATEGORIES}
    for item in contacts:
        stored_id, contact = item
        category = options.groups.get(stored_id) or (contact.categories or ["other"])[0]
        groups.setdefault(category, []).append(contact)
    return [(code, sorted(items, key=lambda c: c.organisation.casefold())) for code, items in groups.items() if items]


def _group(code: str, items: list, styles: _Styles, options: SheetOptions, width: float) -> list:
    """A need's heading and its contacts; the heading never ends a page on its own."""
    label = vocab.DIRECTORY_CATEGORIES.get(code, code)
    heading = Paragraph(escape(words_in(options.language)(label)), styles.group)
    out, head = [], [heading]
    for contact in items:
        block = _contact_block(contact, styles, options, width)
        if _is_long(contact):
            # Longer than a page: keep only its name and codes together, and let the words start at once.
            out += [KeepTogether(head + block[:2]), *block[2:]]
        else:
            out.append(KeepTogether(head + block))
        head = []
    return out


def _footer_text(options: SheetOptions) -> str:
    w = words_in(options.language)
    # A line the catalogue has (the app's own numbers) is printed in the sheet's language; the rest as written.
    numbers = " · ".join(w(line.strip()) for line in options.emergency_numbers.splitlines() if line.strip())
    return printable(w("In a crisis: {numbers}", numbers=numbers) if numbers else w("In an emergency call 999."))


class _Document(BaseDocTemplate):
    def __init__(self, path: Path | BinaryIO, options: SheetOptions, styles: _Styles):
        size = PAGE_SIZES.get(options.page_size, A4)
        w = words_in(options.language)
        margin = 16 * mm
        self.footer_height = (26 if options.large_print else 18) * mm
        super().__init__(
            str(path) if isinstance(path, Path) else path,
            pagesize=size,
            leftMargin=margin,
            rightMargin=margin,
            topMargin=margin,
            bottomMargin=margin + self.footer_height,
            title=printable(_title(options)),
            author=printable(options.organisation),
            subject=w("Signposting"),
            lang=options.language,
            initialFontName=FONT,
            initialFontSize=options.body_size,
        )
        frame = Frame(
            margin,
            margin + self.footer_height,
            size[0] - 2 * margin,
            size[1] - 2 * margin - self.footer_height,
            id="body",
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )
        self.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=self._footer)])
        self.options, self.styles = options, styles

    def _fitted_footer(self, width: float) -> tuple[Paragraph, float]:
        """The crisis numbers, cut (ending with …) if the organisation's list is too long for the footer."""
        if getattr(self, "_footer_fit", None) is None:
            full = _footer_text(self.options)
            room, cut, text = self.footer_height - 1 * mm, len(full), full
            while True:
                footer = Paragraph(markup(text), self.styles.small)
                _, h = footer.wrap(width, self.footer_height)
                if h <= room or cut <= 20:
                    break
                cut = int(cut * 0.8)
                text = full[:cut].rstrip() + " …"
            self._footer_fit = text
        footer = Paragraph(markup(self._footer_fit), self.styles.small)
        return footer, footer.wrap(width, self.footer_height)[1]

    def _footer(self, canvas, doc) -> None:
        width = self.pagesize[0] - self.leftMargin - self.rightMargin
        footer, h = self._fitted_footer(width)
        canvas.saveState()
        canvas.setStrokeColor(colors.HexColor("#1a4f8b"))
        canvas.line(self.leftMargin, self.bottomMargin - 3 * mm, self.leftMargin + width, self.bottomMargin - 3 * mm)
        footer.drawOn(canvas, self.leftMargin, self.bottomMargin - 5 * mm - h)
        canvas.setFont(FONT, self.options.body_size if self.options.large_print else 8)
        w = words_in(self.options.language)
        page = w("Page {page}", page=doc.page)
        canvas.drawRightString(self.leftMargin + width, 8 * mm, page)
        canvas.restoreState()

    def afterFlowable(self, flowable) -> None:
        if isinstance(flowable, Paragraph) and flowable.style.name == "group":
            self.notify("TOCEntry", (0, flowable.getPlainText(), self.page))


def _title(options: SheetOptions) -> str:
    """The sheet's title: the app's own titles in the sheet's language, anything else as the mentor wrote it."""
    return words_in(options.language)(options.title) if options.title in TITLES else options.title


def _header(options: SheetOptions, styles: _Styles) -> list:
    w = words_in(options.language)
    story = [Paragraph(markup(_title(options)), styles.title)]
    if options.mentee_name:
        story.append(Paragraph(escape(w("For {name}")).format(name=markup(options.mentee_name)), styles.body))
    day = shown_date(clock.today().isoformat(), options.language)
    made = (
        w("Made on {date} by {organisation}", date=day, organisation=printable(options.organisation))
        if options.organisation
        else w("Made on {date}", date=day)
    )
    story.append(Paragraph(escape(made), styles.small))
    return story


def build_sheet(contacts: list, path: Path, options: SheetOptions) -> Path:
    """A sheet for one mentee. `contacts` is a list of (id, Contact)."""
    register_fonts()
    styles = _Styles(options)
    buffer = io.BytesIO()  # laid out in memory, then written to a brand-new file (never through a link)
    doc = _Document(buffer, options, styles)
    story = _header(options, styles)
    if not contacts:
        w = words_in(options.language)
        story.append(Paragraph(escape(w("No services were chosen for this sheet.")), styles.body))
    for code, items in _grouped(contacts, options):
        story += _group(code, items, styles, options, doc.width)
    doc.build(story)
    return write_new(Path(path), buffer.getvalue())


def build_booklet(contacts: list, path: Path, options: SheetOptions) -> Path:
    """The whole directory (or one category) as a paginated booklet with a contents page."""
    register_fonts()
    styles = _Styles(options)
    buffer = io.BytesIO()
    doc = _Document(buffer, options, styles)
    toc = TableOfContents()
    toc.levelStyles = [ParagraphStyle("toc", parent=styles.body, leftIndent=0)]
    w = words_in(options.language)
    contents = Paragraph(escape(w("Contents")), styles.name)
    story = _header(options, styles) + [contents, toc, PageBreak()]
    for i, (code, items) in enumerate(_grouped(contacts, options)):
        if i:
            story.append(PageBreak())
        story += _group(code, items, styles, options, doc.width)
    doc.multiBuild(story)
    return write_new(Path(path), buffer.getvalue())
