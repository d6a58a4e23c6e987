"""What a contact's QR codes open: a phone call, a web page, a map."""

from __future__ import annotations

import re
from urllib.parse import quote_plus

from ..i18n import N_

MAX_LINK = 320  # bytes: room for a website at the longest line; a denser code is hard to scan at 22 mm


def tel_link(phone: str) -> str | None:
    digits = re.sub(r"[^\d+]", "", phone)
    if len(re.sub(r"\D", "", digits)) < 3:
        return None
    return "tel:" + digits


def web_link(website: str) -> str | None:
    site = website.strip()
    if not site or " " in site:
        return None
    if not re.match(r"^https?://", site, re.I):
        site = "https://" + site
    return site


def map_link(address: str) -> str | None:
    place = " ".join(address.split())
    if len(place) < 5:
        return None
    return "https://www.openstreetmap.org/search?query=" + quote_plus(place)


def contact_links(contact) -> list[tuple[str, str]]:
    """(caption, link) for each way the contact can be reached by scanning.

    A link longer than MAX_LINK gets no code: printed at its size the code would be too dense to scan
    (and past a few thousand characters it can't be made at all); the words are still printed.
    """
    out = []
    for caption, link in (
        (N_("Scan to call"), tel_link(contact.phone)),
        (N_("Scan for the website"), web_link(contact.website)),
        (N_("Scan for a map"), map_link(contact.address)),
    ):
        if link and len(link.encode("utf-8")) <= MAX_LINK:
            out.append((caption, link))
    return out
