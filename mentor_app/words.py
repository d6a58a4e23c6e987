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
