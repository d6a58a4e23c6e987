"""The fonts every PDF uses, and the text they can draw.

The bundled DejaVu Sans prints every Latin letter (ł, ś, ő …): never a missing-glyph box.
"""

from __future__ import annotations

import unicodedata

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from ..resources import resource_path

FONT, FONT_BOLD = "DejaVuSans", "DejaVuSans-Bold"
REPLACEMENT = "?"


def register_fonts() -> None:
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    pdfmetrics.registerFont(TTFont(FONT, str(resource_path("fonts", "DejaVuSans.ttf"))))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(resource_path("fonts", "DejaVuSans-Bold.ttf"))))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)


def printable(text: str) -> str:
    """Text the font can draw: control characters go, unknown glyphs become '?'."""
    register_fonts()
    glyphs = pdfmetrics.getFont(FONT).face.charToGlyph
    out = []
    for ch in unicodedata.normalize("NFC", text or ""):
        if ch in "\n\t":
            out.append(" " if ch == "\t" else ch)
        elif unicodedata.category(ch).startswith("C"):
            continue
        else:
            out.append(ch if ord(ch) in glyphs else REPLACEMENT)
    return "".join(out)
