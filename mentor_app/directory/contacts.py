"""Finding contacts, flagging stale ones and spotting duplicates."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from .. import clock
from ..records import store
from ..records.dates import shown_date
from ..records.search import ids_of_type
from ..records.types import Contact
from ..records.vocab import ContactOrigin, ContactScope

STALE_AFTER_MONTHS = 12


@dataclass(frozen=True)
class Freshness:
    stale: bool
    words: str


def months_between(earlier: date, later: date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month - (later.day < earlier.day)


def freshness(contact: Contact, today: date | None = None, stale_after: int = STALE_AFTER_MONTHS) -> Freshness:
    """Whether to trust a contact's details as they stand, in words for the screen and the sheet."""
    today = today or clock.today()
    if contact.origin == ContactOrigin.DEFAULT:
        return Freshness(True, "Check before use: shipped with Mentor App and not yet reviewed by your organisation.")
    if not contact.last_checked:
        return Freshness(True, "Possibly out of date: never checked.")
    months = months_between(date.fromisoformat(contact.last_checked), today)
    if months >= stale_after:
        return Freshness(
            True, f"Possibly out of date: last checked {shown_date(contact.last_checked)}, {months} months ago."
        )
    return Freshness(
        False,
        f"Checked {shown_date(contact.last_checked)}"
        + (f" by {contact.checked_by}" if contact.checked_by else "")
        + ".",
    )


def normalise_phone(phone: str) -> str:
    digits = re.sub(r"\D", "", phone)
    return "0" + digits[2:] if digits.startswith("44") and len(digits) > 10 else digits


def duplicate_key(contact: Contact) -> tuple[str, str]:
    """Same organisation and phone: the rule for a duplicate."""
    return (" ".join(contact.organisation.casefold().split()), normalise_phone(contact.phone))


def list_contacts(conn, *, category: str = "", area: str = "", text: str = "") -> list[store.Stored]:
    """Every contact by organisation name, narrowed by category, area and free text (never cut short)."""
    found = store.list_records(conn, "contact")
    if text.strip():
        matching = ids_of_type(conn, text, "contact")
        found = [s for s in found if s.id in matching]
    if category:
        found = [s for s in found if category in s.record.categories]
    if area.strip():
        wanted = area.strip().casefold()
        found = [s for s in found if wanted in s.record.area.casefold() or s.record.scope == ContactScope.NATIONAL]
    return sorted(found, key=lambda s: (s.record.organisation.casefold(), s.record.service.casefold()))


def find_duplicate(conn, contact: Contact, ignore_id: str | None = None) -> store.Stored | None:
    key = duplicate_key(contact)
    for s in store.list_records(conn, "contact"):
        if s.id != ignore_id and duplicate_key(s.record) == key:
            return s
    return None
