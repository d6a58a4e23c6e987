"""The funder report: the period's figures as a PDF with charts and tables, and the same as CSV.

Built only from `Figures`, which hold counts: no name, note or pseudonym can
reach the page.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from .. import clock
from ..printing.fonts import FONT, FONT_BOLD, printable, register_fonts
from ..printing.text import flowables, markup
from ..records import vocab
from ..records.dates import shown_date
from ..records.identity import AGE_BAND, MONITORING_FIELDS, NOT_RECOGNISED
from ..records.types import Mentee, fields_of
from ..records.vocab import PREFER_NOT_TO_SAY
from ..storage import csvsafe
from ..storage.files import write_new
from .figures import Figures

# Who people are, told in small numbers, can point to one person in a small project: the answers about
# who the project reached, and to the organisation's own questions, are shown as "fewer than 5" below it.
SMALL_CELL = 5
SMALL_WORDS = f"fewer than {SMALL_CELL}"


def _told(n: float) -> float | str:
    return SMALL_WORDS if 0 < n < SMALL_CELL else n


def rows(figures: Figures) -> list[tuple[str, str, float | str]]:
    """(section, item, value) for every figure: the CSV, and the tables in the PDF."""
    out: list[tuple[str, str, float | str]] = [
        ("People", "Referred to the project (all time)", figures.people),
        ("People", "Engaged (met at least once in the period)", figures.engaged),
    ]
    out += [
        ("People", f"Status now: {vocab.MENTEE_STATUSES.get(s, s)}", n) for s, n in sorted(figures.by_status.items())
    ]
    out += [("Meetings", vocab.MEETING_TYPES.get(k, k), n) for k, n in sorted(figures.meetings_by_kind.items())]
    out += [("Sport", "Sport sessions", figures.sport_sessions), ("Sport", "Sport minutes", figures.sport_minutes)]
    out += [
        ("Sport sessions by activity", vocab.ACTIVITIES.get(a, "Not recognised") if a else "Activity not recorded", n)
        for a, n in sorted(figures.sport_by_activity.items(), key=lambda a: (a[0] == "", a[0]))
    ]
    out += [
        ("People by who referred them", vocab.REFERRAL_SOURCES.get(r, "Not recognised") if r else "Not recorded", n)
        for r, n in sorted(figures.by_referral_source.items(), key=lambda r: (r[0] == "", r[0]))
    ]
    for (category, outcome), n in sorted(figures.referrals.items()):
        out.append(
            (
                "Referrals",
                f"{vocab.DIRECTORY_CATEGORIES.get(category, category)} – "
                f"{vocab.REFERRAL_OUTCOMES.get(outcome, outcome)}",
                n,
            )
        )
    out += [
        ("Mentor hours", vocab.MENTOR_LOG_KINDS.get(k, k), round(v, 1)) for k, v in sorted(figures.mentor_hours.items())
    ]
    out.append(("Safeguarding", "Concerns raised", figures.concerns))
    out += [
        ("What is missing", "People with no needs check yet", figures.people_without_needs_check),
        ("What is missing", "Meetings with no length recorded", figures.meetings_without_minutes),
    ]
    for question, title, words in _monitoring_questions():
        answers: dict[str, int] = figures.monitoring.get(question, {})
        for answer, n in sorted(answers.items(), key=lambda a: (a[0] == "", a[0] == PREFER_NOT_TO_SAY[0], a[0])):
            shown = (
                "Not asked"
                if answer == ""
                else "Not recognised"
                if answer == NOT_RECOGNISED
                else (words.get(answer, "Not recognised") if words else answer)
            )
            out.append((f"Who the project reached: {title}", shown, _told(n)))
    for key, tally in sorted(figures.own.items()):
        own = figures.own_questions.get(key)
        title = f"Our own question: {own.label if own else 'one no longer asked'}"
        if own is not None and own.kind == "number":
            out += [(title, "Total", round(tally["total"], 2)), (title, "Times answered", tally["answered"])]
        else:
            out += [(title, answer.capitalize(), _told(n)) for answer, n in sorted(tally.items())]
    for area, (first, latest, people) in figures.needs_change.items():
        out.append(
            (
                "Needs (1 serious – 5 none)",
                f"{vocab.NEEDS_AREAS[area]}: first → latest average ({people} people)",
                round(latest - first, 2),
            )
        )
    return out


def _monitoring_questions() -> list[tuple[str, str, dict[str, str] | None]]:
    """(question, its title, the words for each answer) in the order the report shows them."""
    fields = {fld.name: fld.metadata for fld in fields_of(Mentee)}
    questions: list[tuple[str, str, dict[str, str] | None]] = [
        (name, fields[name]["label"].split(" (")[0], fields[name]["choices"]) for name in MONITORING_FIELDS
    ]
    questions.insert(-1, (AGE_BAND, "Age when referred", vocab.AGE_BANDS))
    return questions


def write_csv(figures: Figures, path: Path, period: str) -> Path:
    table: list[list[str | float]] = [["period", "section", "item", "value"]]  # "fewer than 5" as words
    table += [[period, section, item, value] for section, item, value in rows(figures)]
    return csvsafe.write_csv(Path(path), table)


def _chart(title: str, data: Sequence[tuple[str, float]], width: float) -> Drawing:
    height = 24 + 16 * max(1, len(data))
    drawing = Drawing(width, height)
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = 150, 10, width - 170, height - 20
    chart.data = [[v for _, v in data] or [0]]
    chart.categoryAxis.categoryNames = [printable(label)[:30] for label, _ in data] or ["none"]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 8
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 8
    chart.valueAxis.valueMin = 0
    top = max([v for _, v in data] or [1])
    chart.valueAxis.valueStep = max(1, -(-top // 5))  # whole numbers: these are counts
    chart.bars[0].fillColor = colors.HexColor("#1a4f8b")
    chart.barLabelFormat = "%d"
    chart.barLabels.fontName = FONT
    chart.barLabels.fontSize = 8
    chart.barLabels.nudge = 8
    drawing.add(chart)
    drawing.setProperties({"title": title})
    return drawing


def _needs_chart(figures: Figures, width: float) -> Drawing:
    """Distance travelled: each needs area's average at the first and at the latest check, side by side."""
    areas = list(figures.needs_change.items())
    height = 24 + 28 * max(1, len(areas))
    drawing = Drawing(width, height)
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = 150, 10, width - 170, height - 20
    chart.data = [[first for _, (first, _, _) in areas] or [0], [latest for _, (_, latest, _) in areas] or [0]]
    chart.categoryAxis.categoryNames = [printable(vocab.NEEDS_AREAS[a])[:30] for a, _ in areas] or ["none"]
    for labels in (chart.categoryAxis.labels, chart.valueAxis.labels, chart.barLabels):
        labels.fontName, labels.fontSize = FONT, 8
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, 5, 1
    chart.bars[0].fillColor = colors.HexColor("#9bb7d9")
    chart.bars[1].fillColor = colors.HexColor("#1a4f8b")
    chart.barLabelFormat = "%.1f"
    chart.barLabels.nudge = 10
    drawing.add(chart)
    drawing.setProperties({"title": "Needs at the first and the latest check"})
    return drawing


def write_pdf(figures: Figures, path: Path, *, organisation: str, period: str) -> Path:
    register_fonts()
    body = ParagraphStyle("body", fontName=FONT, fontSize=10, leading=13)
    h1 = ParagraphStyle("h1", parent=body, fontName=FONT_BOLD, fontSize=18, leading=22, spaceAfter=6)
    h2 = ParagraphStyle("h2", parent=body, fontName=FONT_BOLD, fontSize=12, leading=15, spaceBefore=10, spaceAfter=4)
    buffer = io.BytesIO()  # laid out in memory, then written to a brand-new file (never through a link)
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=printable(f"{organisation} report {period}"),
        initialFontName=FONT,
    )
    # The organisation's name and the period are printed as words (escaped, flowing across pages if long).
    story = [
        *flowables(f"{organisation}: mentoring report", h1),
        *flowables(
            f"Period: {period}. Made on {shown_date(clock.today().isoformat())}. Counts only: no one is named. "
            "People who did not agree to share their records are counted too.",
            body,
        ),
    ]
    width = doc.width
    meetings = [(vocab.MEETING_TYPES.get(k, k), n) for k, n in sorted(figures.meetings_by_kind.items())]
    by_category: dict[str, int] = {}
    for (category, _), n in figures.referrals.items():
        label = vocab.DIRECTORY_CATEGORIES.get(category, category)
        by_category[label] = by_category.get(label, 0) + n
    story += [
        Paragraph("Meetings by type", h2),
        _chart("Meetings by type", meetings, width),
        Paragraph("Referrals by need", h2),
        _chart("Referrals by need", sorted(by_category.items()), width),
    ]
    activities = [
        (vocab.ACTIVITIES.get(a, "Not recognised") if a else "Not recorded", n)
        for a, n in sorted(figures.sport_by_activity.items())
    ]
    if activities:
        story += [Paragraph("Sport sessions by activity", h2), _chart("Sport sessions by activity", activities, width)]
    if figures.needs_change:
        story += [
            Paragraph("Distance travelled: needs at the first and the latest check", h2),
            *flowables(
                "Average scores from 1 (serious need) to 5 (no need): the lighter bar is the first check, the "
                "darker the latest. The figures are in the table below.",
                body,
            ),
            _needs_chart(figures, width),
        ]
    current = None
    table_rows = []
    for section, item, value in rows(figures):
        if section != current:
            table_rows.append([Paragraph(f"<b>{section}</b>", body), ""])
            current = section
        table_rows.append(
            [Paragraph(markup(item), body), Paragraph(value if isinstance(value, str) else f"{value:g}", body)]
        )
    table = Table(table_rows, colWidths=[width - 30 * mm, 30 * mm])
    table.setStyle(
        TableStyle(
            [("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#cccccc")), ("VALIGN", (0, 0), (-1, -1), "TOP")]
        )
    )
    story += [Paragraph("All figures", h2), Spacer(1, 2), table]
    doc.build(story)
    return write_new(Path(path), buffer.getvalue())
