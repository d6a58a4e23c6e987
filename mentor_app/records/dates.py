"""Dates and times as people type them, and as the app shows them back.

A mentor types "today", "tomorrow 3pm", "3/12", "3 Dec" or "14:30"; the app
reads it the UK way (day before month) and shows it back in words:
"3 Dec 2026" or "Tue 3 Dec 2026, 14:00". Nothing here needs Qt.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from .. import clock
from ..i18n import ENGLISH, NC_, words_in

MONTHS = [
    NC_("month", "Jan"),
    NC_("month", "Feb"),
    NC_("month", "Mar"),
    NC_("month", "Apr"),
    NC_("month", "May"),
    NC_("month", "Jun"),
    NC_("month", "Jul"),
    NC_("month", "Aug"),
    NC_("month", "Sep"),
    NC_("month", "Oct"),
    NC_("month", "Nov"),
    NC_("month", "Dec"),
]
DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
_MONTH_NAMES = {
    name.lower(): i
    for i, name in enumerate(
        [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ],
        start=1,
    )
}
_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
EARLIEST, LATEST = 1900, 2100

DATE_EXAMPLES = '"today", "3/12" or "3 Dec 2026"'
DATETIME_EXAMPLES = '"today 14:30", "tomorrow 3pm" or "3 Dec 2026 14:00"'


class DateNotUnderstood(ValueError):
    """What was typed can't be read as a date (or time); `message` says so in plain words."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _month(word: str) -> int | None:
    word = word.lower().rstrip(".")
    if len(word) < 3:
        return None
    for name, number in _MONTH_NAMES.items():
        if name.startswith(word) or (word == "sept" and number == 9):
            return number
    return None


def _is_day_name(word: str) -> bool:
    word = word.lower().rstrip(".,")
    return len(word) >= 3 and any(name.startswith(word) for name in _DAY_NAMES)


_TIME = re.compile(r"^(?P<h>\d{1,2})(?:[:.](?P<m>\d{2}))?\s*(?P<ampm>am|pm|a\.m\.|p\.m\.)?$", re.I)


def _read_time(text: str) -> time | None:
    """ "14:30", "14.30", "3pm", "3:30 pm", "noon", "midday", "midnight"; None if it isn't a time."""
    text = text.strip().lower()
    if text in ("noon", "midday"):
        return time(12, 0)
    if text == "midnight":
        return time(0, 0)
    match = _TIME.match(text)
    if not match or (match["m"] is None and match["ampm"] is None):
        return None  # a bare number is a day, not an hour
    hour, minute = int(match["h"]), int(match["m"] or 0)
    ampm = (match["ampm"] or "").replace(".", "")
    if ampm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _year(text: str) -> int:
    year = int(text)
    return year + 2000 if len(text) <= 2 else year


def _make(year: int, month: int, day: int) -> date | None:
    if not EARLIEST <= year <= LATEST:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _read_date(text: str, today: date) -> date | None:
    words = text.strip().lower().replace(",", " ").split()
    if words and _is_day_name(words[0]) and len(words) > 1:
        words = words[1:]  # "Tue 3 Dec 2026": the day's name is only a reminder
    if not words:
        return None
    joined = " ".join(words)
    relative = {"today": 0, "now": 0, "tomorrow": 1, "tmrw": 1, "yesterday": -1}
    if joined in relative:
        return today + timedelta(days=relative[joined])
    match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", joined)
    if match:
        return _make(int(match[1]), int(match[2]), int(match[3]))
    match = re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})(?:[/.\-](\d{2}|\d{4}))?", joined)
    if match:  # day first, the UK way
        return _make(_year(match[3]) if match[3] else today.year, int(match[2]), int(match[1]))
    words = [re.sub(r"^(\d{1,2})(st|nd|rd|th)$", r"\1", w) for w in words if w != "of"]
    if len(words) in (2, 3):
        year = today.year
        if len(words) == 3:
            if not re.fullmatch(r"\d{2}|\d{4}", words[2]):
                return None
            year = _year(words[2])
        first, second = words[0], words[1]
        if first.isdigit() and (month := _month(second)):
            return _make(year, month, int(first))
        if second.isdigit() and (month := _month(first)):  # "Dec 3"
            return _make(year, month, int(second))
    return None


def parse_date(text: str, today: date | None = None) -> date | None:
    """The date in `text`, or None when it is empty; DateNotUnderstood when it can't be read."""
    today = today or clock.today()
    if not text.strip():
        return None
    found = _read_date(text, today)
    if found is None:
        raise DateNotUnderstood(f"Couldn't read “{text.strip()}” as a date. Try {DATE_EXAMPLES}.")
    return found


def parse_datetime(text: str, now: datetime | None = None, default_time: time | None = None) -> datetime | None:
    """The date and time in `text`, or None when it is empty; DateNotUnderstood when it can't be read.

    A time alone ("14:30") means today; a date alone takes `default_time` (the current time if
    none is given), so "tomorrow" keeps the time that was there.
    """
    now = (now or clock.local_now()).replace(second=0, microsecond=0)
    text = text.strip()
    if not text:
        return None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?", text):
        try:
            return datetime.fromisoformat(text).replace(second=0, microsecond=0)
        except ValueError:
            pass
    cleaned = re.sub(r"\s+", " ", text.replace(",", " ")).strip()
    cleaned = re.sub(r"(?i)\b(\d{1,2}(?:[:.]\d{2})?)\s+(am|pm)\b", r"\1\2", cleaned)
    words = [w for w in cleaned.split(" ") if w.lower() != "at"]
    when = None
    # The time is the last word, or the first ("3pm tomorrow"); the rest is the date.
    for i in [len(words) - 1, 0] if words else []:
        found = _read_time(words[i])
        if found is not None:
            when = found
            words = words[:i] + words[i + 1 :]
            break
    if words and words[-1].lower() == "now" and len(words) == 1:
        return now
    day = _read_date(" ".join(words), now.date()) if words else now.date()
    if day is None:
        raise DateNotUnderstood(f"Couldn't read “{text}” as a date and time. Try {DATETIME_EXAMPLES}.")
    if when is None:
        when = default_time if default_time is not None else now.time()
    return datetime.combine(day, when)


MONTH_EXAMPLES = '"Apr 2026", "4/2026" or "this month"'


def _read_month(text: str, today: date) -> date | None:
    words = text.strip().lower().replace(",", " ").split()
    joined = " ".join(words)
    if joined in ("this month", "now", "today"):
        return today.replace(day=1)
    if joined == "last month":
        return (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    match = re.fullmatch(r"(\d{4})[-/.](\d{1,2})", joined)  # 2026-04
    if match:
        return _make(int(match[1]), int(match[2]), 1)
    match = re.fullmatch(r"(\d{1,2})[/.\-](\d{2}|\d{4})", joined)  # 4/2026, 04-26
    if match:
        return _make(_year(match[2]), int(match[1]), 1)
    if len(words) in (1, 2) and (month := _month(words[0])):  # "Apr 2026", "april"
        if len(words) == 1:
            return _make(today.year, month, 1)
        if re.fullmatch(r"\d{2}|\d{4}", words[1]):
            return _make(_year(words[1]), month, 1)
    found = _read_date(text, today)  # a whole date stands for its month
    return found.replace(day=1) if found else None


def parse_month(text: str, today: date | None = None) -> date | None:
    """The month in `text`, as its first day, or None when it is empty; DateNotUnderstood when it can't be read.

    "Apr 2026", "April", "4/2026", "04/26", "2026-04", "this month", "last month"; a whole
    date ("3 Apr 2026") stands for its month."""
    today = today or clock.today()
    if not text.strip():
        return None
    found = _read_month(text, today)
    if found is None:
        raise DateNotUnderstood(f"Couldn't read “{text.strip()}” as a month. Try {MONTH_EXAMPLES}.")
    return found


def shown_month(month: date) -> str:
    """Apr 2026"""
    return f"{MONTHS[month.month - 1]} {month.year}"


def short_date(day: date) -> str:
    """3 Dec (where the year goes without saying, such as a chart's weeks)"""
    return f"{day.day} {MONTHS[day.month - 1]}"


def month_name(month: int, language: str = ENGLISH) -> str:
    """A month's short name in `language`: "Dec", "Rhag"."""
    return words_in(language).p("month", MONTHS[month - 1])


def uk_date(day: date, language: str = ENGLISH) -> str:
    """3 Dec 2026 (3 Rhag 2026 in Welsh)"""
    return f"{day.day} {month_name(day.month, language)} {day.year}"


def uk_datetime(moment: datetime) -> str:
    """Tue 3 Dec 2026, 14:00"""
    return f"{DAYS[moment.weekday()]} {uk_date(moment.date())}, {moment:%H:%M}"


def shown_date(iso: str, language: str = ENGLISH) -> str:
    """A stored "2026-12-03" in words; anything unreadable as it is."""
    try:
        return uk_date(date.fromisoformat(iso[:10]), language) if iso else ""
    except ValueError:
        return iso


def shown_datetime(iso: str) -> str:
    """A stored "2026-12-03T14:00" in words; anything unreadable as it is."""
    try:
        return uk_datetime(datetime.fromisoformat(iso)) if iso else ""
    except ValueError:
        return iso


def listed_datetime(iso: str, language: str = ENGLISH) -> str:
    """A stored date or date and time as lists show it: "3 Dec 2026" or "3 Dec 2026, 14:00"."""
    day = shown_date(iso, language)
    clock = iso[11:16] if len(iso) >= 16 and iso[10] in "T " and day != iso else ""
    return f"{day}, {clock}" if clock else day


def local_time(at: str | datetime, language: str = ENGLISH) -> str:
    """A stored moment (UTC) as the time on this computer's clock, as lists show it: "3 Dec 2026, 14:00"."""
    try:
        moment = at if isinstance(at, datetime) else datetime.fromisoformat(at)
    except ValueError:
        return str(at)
    if moment.tzinfo is not None:
        moment = moment.astimezone().replace(tzinfo=None)
    return listed_datetime(moment.isoformat(timespec="minutes"), language)
