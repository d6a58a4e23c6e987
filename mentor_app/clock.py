"""The app's one clock: what time it is, and what day, for everything below the windows and above them.

Stored times (when a record was changed, a batch sealed, a receipt issued) are UTC, written with
`stamp()`; what a person sees and types (today's date, a meeting's time) is this computer's local
time, from `today()` and `local_now()`. Nothing else in the app reads the system clock, so a test can
set it (`frozen_at`) and see what a person would see on that day.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timezone

_set_at: datetime | None = None  # aware UTC while a test holds the clock; None: the system clock


def now() -> datetime:
    """Now, aware, in UTC."""
    return _set_at if _set_at is not None else datetime.now(timezone.utc)


def stamp(timespec: str = "seconds") -> str:
    """Now in UTC as stored: ISO 8601 with the offset, e.g. 2025-03-01T09:30:00+00:00."""
    return now().isoformat(timespec=timespec)


def local_now() -> datetime:
    """Now on this computer's clock, naive local time (as people read and type times)."""
    return now().astimezone().replace(tzinfo=None)


def today() -> date:
    """Today's date here."""
    return local_now().date()


def set_now(moment: datetime | None) -> None:
    """Hold the clock at a moment (naive means local time), or give it back to the system with None."""
    global _set_at
    _set_at = None if moment is None else moment.astimezone(timezone.utc)


@contextmanager
def frozen_at(moment: datetime | date) -> Iterator[None]:
    """Hold the clock at a moment (a date: its local noon) for the length of a with-block."""
    before = _set_at
    if not isinstance(moment, datetime):
        moment = datetime(moment.year, moment.month, moment.day, 12)
    set_now(moment)
    try:
        yield
    finally:
        set_now(before)
