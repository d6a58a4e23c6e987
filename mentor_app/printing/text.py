"""Long text as flowables that split across pages.

A field may hold 20,000 characters: one word with no spaces, thousands of short lines, markup
characters. A single reportlab Paragraph copes with long wrapped text, but it is re-laid out each
time it is split, so thousands of line breaks or one enormous word cost minutes; and a Paragraph
inside a table cell can never be taller than a page. `flowables` gives the text as a run of
modest Paragraphs (at most CHUNK_LINES lines and CHUNK_CHARS characters each, cut only at line
breaks or inside an over-long word, so what is printed reads the same; a long line of words stays
one Paragraph, which splits quickly), to be placed outside tables.
"""

from __future__ import annotations

import re
from html import escape

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph, Spacer

from .fonts import printable

CHUNK_LINES = 40
CHUNK_CHARS = 3000
LONG_WORD = 1000  # a run of characters with no space is cut into pieces this long
SHORT_TEXT = 400  # up to this many characters on at most a few lines, text may sit in a table cell
_RUN = re.compile(rf"\S{{{LONG_WORD + 1},}}")


def is_short(text: str) -> bool:
    """Text small enough to sit in a table cell (a cell can never split across pages)."""
    return len(text) <= SHORT_TEXT and text.count("\n") < 6


def markup(text: str) -> str:
    """Text for a Paragraph: drawable characters, markup characters escaped, line breaks kept."""
    return escape(printable(text)).replace("\n", "<br/>")


def _lines(text: str) -> list[str]:
    out = []
    for line in text.split("\n"):
        while (run := _RUN.search(line)) is not None:
            cut = run.start() + LONG_WORD  # inside a word too long for any line: the break is not seen
            out.append(line[:cut])
            line = line[cut:]
        out.append(line)
    return out


def _chunks(lines: list[str]) -> list[list[str]]:
    chunks: list[list[str]] = []
    current: list[str] = []
    size = 0
    for line in lines:
        if current and (len(current) >= CHUNK_LINES or size + len(line) > CHUNK_CHARS):
            chunks.append(current)
            current, size = [], 0
        current.append(line)
        size += len(line) + 1
    if current:
        chunks.append(current)
    return chunks


def flowables(text: str, style: ParagraphStyle, prefix: str = "") -> list:
    """`text` as Paragraphs (and Spacers for blank lines at a chunk's edge) that flow across pages.

    `prefix` is markup put before the first line (for example "<b>Phone:</b> "); the style's space
    before goes above the first piece and its space after below the last.
    """
    clean = printable(text or "")
    chunks = _chunks(_lines(clean))
    if len(chunks) <= 1:
        return [Paragraph(prefix + escape(clean).replace("\n", "<br/>"), style)]
    first = ParagraphStyle(f"{style.name}-first", parent=style, spaceAfter=0)
    middle = ParagraphStyle(f"{style.name}-more", parent=style, spaceBefore=0, spaceAfter=0)
    last = ParagraphStyle(f"{style.name}-last", parent=style, spaceBefore=0)
    out: list = []
    for i, lines in enumerate(chunks):
        kind = first if i == 0 else last if i == len(chunks) - 1 else middle
        lead = 0
        while lines and not lines[0].strip() and not (i == 0 and prefix):
            lines, lead = lines[1:], lead + 1
        trail = 0
        while lines and not lines[-1].strip():
            lines, trail = lines[:-1], trail + 1
        if lead:
            out.append(Spacer(1, lead * style.leading))
        if lines or (i == 0 and prefix):
            out.append(Paragraph((prefix if i == 0 else "") + escape("\n".join(lines)).replace("\n", "<br/>"), kind))
        if trail:
            out.append(Spacer(1, trail * style.leading))
    return out
