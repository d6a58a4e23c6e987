"""Counts in plain words: "1 batch", "3 batches", never "batch(es)"."""

from __future__ import annotations


def count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def uk_date(iso: str) -> str:
    """ "2026-12-03…" as "3 Dec 2026"; anything else as it is."""
    try:
        year, month, day = int(iso[:4]), int(iso[5:7]), int(iso[8:10])
        return f"{day} {MONTHS[month - 1]} {year}"
    except (ValueError, IndexError):
        return iso


def uk_datetime(iso: str) -> str:
    """ "2026-12-03T14:00…" as "3 Dec 2026, 14:00"; a date alone as uk_date does."""
    day = uk_date(iso)
    time = iso[11:16] if len(iso) >= 16 and iso[10] in "T " else ""
    return f"{day}, {time}" if time and day != iso else day
