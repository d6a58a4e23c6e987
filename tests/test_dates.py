"""Dates as people type them, read the UK way and shown back in words."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from mentor_app.records.dates import (
    DateNotUnderstood,
    parse_date,
    parse_datetime,
    parse_month,
    shown_date,
    shown_datetime,
    shown_month,
    uk_date,
    uk_datetime,
)

TODAY = date(2026, 12, 1)  # a Tuesday
NOW = datetime(2026, 12, 1, 9, 41)


@pytest.mark.parametrize(
    "typed, meant",
    [
        ("today", TODAY),
        ("Today", TODAY),
        ("tomorrow", date(2026, 12, 2)),
        ("yesterday", date(2026, 11, 30)),
        ("3/12", date(2026, 12, 3)),
        ("3/12/2026", date(2026, 12, 3)),
        ("3/12/26", date(2026, 12, 3)),
        ("03.12.2026", date(2026, 12, 3)),
        ("3-12-2026", date(2026, 12, 3)),
        ("2026-12-03", date(2026, 12, 3)),
        ("3 Dec", date(2026, 12, 3)),
        ("3 dec 2026", date(2026, 12, 3)),
        ("3rd December 2026", date(2026, 12, 3)),
        ("Dec 3", date(2026, 12, 3)),
        ("3 Sept 2025", date(2025, 9, 3)),
        ("Thu 3 Dec 2026", date(2026, 12, 3)),
        ("12/3", date(2026, 3, 12)),  # day first: 12 March, never 3 December
        ("  ", None),
        ("", None),
    ],
)
def test_dates_people_type(typed, meant):
    assert parse_date(typed, TODAY) == meant


@pytest.mark.parametrize(
    "typed, meant",
    [
        ("today", datetime(2026, 12, 1, 9, 41)),
        ("now", NOW),
        ("14:30", datetime(2026, 12, 1, 14, 30)),  # a time alone is today
        ("14.30", datetime(2026, 12, 1, 14, 30)),
        ("3pm", datetime(2026, 12, 1, 15, 0)),
        ("tomorrow 3pm", datetime(2026, 12, 2, 15, 0)),
        ("tomorrow at 3:30 pm", datetime(2026, 12, 2, 15, 30)),
        ("3pm tomorrow", datetime(2026, 12, 2, 15, 0)),
        ("3/12", datetime(2026, 12, 3, 9, 41)),
        ("3/12/2026 10:00", datetime(2026, 12, 3, 10, 0)),
        ("3 Dec 2026 14:00", datetime(2026, 12, 3, 14, 0)),
        ("Thu 3 Dec 2026, 14:00", datetime(2026, 12, 3, 14, 0)),
        ("2026-12-03T14:00", datetime(2026, 12, 3, 14, 0)),
        ("12am", datetime(2026, 12, 1, 0, 0)),
        ("12pm", datetime(2026, 12, 1, 12, 0)),
        ("noon", datetime(2026, 12, 1, 12, 0)),
        ("", None),
    ],
)
def test_dates_and_times_people_type(typed, meant):
    assert parse_datetime(typed, NOW) == meant


def test_a_date_alone_keeps_the_time_it_had():
    assert parse_datetime("tomorrow", NOW, default_time=time(18, 0)) == datetime(2026, 12, 2, 18, 0)


@pytest.mark.parametrize(
    "typed",
    ["32/12", "3/13", "31/11/2026", "banana", "3", "25:00", "13pm", "3 Smarch", "1/1/1800", "tomorrow 3", "3/12/20261"],
)
def test_what_cannot_be_read_is_said_plainly(typed):
    with pytest.raises(DateNotUnderstood) as caught:
        parse_datetime(typed, NOW)
    assert typed.strip() in caught.value.message and "Try" in caught.value.message
    if ":" not in typed and "pm" not in typed:
        with pytest.raises(DateNotUnderstood):
            parse_date(typed, TODAY)


def test_shown_back_in_uk_words_and_read_again():
    assert uk_date(date(2026, 12, 3)) == "3 Dec 2026"
    assert uk_datetime(datetime(2026, 12, 3, 14, 0)) == "Thu 3 Dec 2026, 14:00"
    assert shown_date("2026-12-03") == "3 Dec 2026" and shown_date("") == ""
    assert shown_datetime("2026-12-03T14:00") == "Thu 3 Dec 2026, 14:00"
    for moment in (datetime(2026, 12, 3, 14, 0), datetime(2027, 1, 31, 0, 5)):
        assert parse_datetime(uk_datetime(moment), NOW) == moment
        assert parse_date(uk_date(moment.date()), TODAY) == moment.date()


@pytest.mark.parametrize(
    "typed, meant",
    [
        ("Apr 2026", date(2026, 4, 1)),
        ("april 2026", date(2026, 4, 1)),
        ("April", date(2026, 4, 1)),
        ("Sept 2025", date(2025, 9, 1)),
        ("apr 26", date(2026, 4, 1)),
        ("4/2026", date(2026, 4, 1)),
        ("04/26", date(2026, 4, 1)),
        ("4-2026", date(2026, 4, 1)),
        ("2026-04", date(2026, 4, 1)),
        ("2026/4", date(2026, 4, 1)),
        ("this month", date(2026, 12, 1)),
        ("last month", date(2026, 11, 1)),
        ("3 Apr 2026", date(2026, 4, 1)),
        ("Dec 3", date(2026, 12, 1)),  # a whole date stands for its month
        ("", None),
        ("  ", None),
    ],
)
def test_months_people_type(typed, meant):
    assert parse_month(typed, TODAY) == meant


def test_last_month_in_january_is_december_of_the_year_before():
    assert parse_month("last month", date(2027, 1, 15)) == date(2026, 12, 1)


@pytest.mark.parametrize("typed", ["13/2026", "Smarch 2026", "banana", "2026-13", "Apr 20261", "0/2026"])
def test_a_month_that_cannot_be_read_is_said_plainly(typed):
    with pytest.raises(DateNotUnderstood) as caught:
        parse_month(typed, TODAY)
    assert typed in caught.value.message and "as a month" in caught.value.message and "Try" in caught.value.message


def test_a_month_is_shown_back_in_words_and_read_again():
    assert shown_month(date(2026, 4, 1)) == "Apr 2026"
    assert parse_month(shown_month(date(2027, 1, 1)), TODAY) == date(2027, 1, 1)


def test_a_week_on_a_chart_is_its_day_and_month():
    from mentor_app.records.dates import short_date

    assert short_date(date(2026, 12, 3)) == "3 Dec" and short_date(date(2027, 1, 11)) == "11 Jan"


def test_a_stored_utc_moment_is_shown_at_this_computers_time(monkeypatch):
    import time as _time

    from mentor_app.records.dates import local_time

    monkeypatch.setenv("TZ", "Europe/London")
    _time.tzset()
    try:
        assert local_time("2026-07-01T13:05:00+00:00") == "1 Jul 2026, 14:05"  # British Summer Time
        assert local_time("2026-12-01T13:05:00+00:00") == "1 Dec 2026, 13:05"
        assert local_time("not a time") == "not a time"
    finally:
        monkeypatch.undo()
        _time.tzset()
