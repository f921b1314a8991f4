"""One ``add_months`` for the computable law (comity.law.dates): calendar months, the end of a month clamped."""

from __future__ import annotations

import datetime as dt

import pytest

from comity.law.dates import add_months, parse_date


@pytest.mark.parametrize("day,months,expected", [
    ("2024-01-31", 1, "2024-02-29"),  # leap year: the 31st becomes the last day of February
    ("2023-01-31", 1, "2023-02-28"),
    ("2023-03-31", -1, "2023-02-28"),  # backwards too
    ("2023-08-31", 1, "2023-09-30"),
    ("2023-11-15", 2, "2024-01-15"),  # into the next year
    ("2024-02-29", 12, "2025-02-28"),
    ("2024-01-10", -13, "2022-12-10"),
    ("2024-05-31", 0, "2024-05-31"),
    ("2004-05-31", 3, "2004-08-31"),  # CoE final clause: three months after a deposit on 31 May end on 31 August
])
def test_calendar_months_with_the_end_of_the_month_clamped(day, months, expected):
    assert add_months(dt.date.fromisoformat(day), months) == dt.date.fromisoformat(expected)


def test_a_datetime_keeps_its_time_of_day():
    assert add_months(dt.datetime(2024, 1, 31, 15, 30), 1) == dt.datetime(2024, 2, 29, 15, 30)


def test_the_loader_and_the_clocks_use_the_same_function():
    from comity.law import loader

    assert loader._add_months is add_months  # comity.law.clocks imports it under that name


@pytest.mark.parametrize("value,expected", [
    ("2024-02-29", dt.date(2024, 2, 29)), (" 2024-02-29 ", dt.date(2024, 2, 29)), ("2023-02-29", None),
    (dt.datetime(2024, 1, 2, 3, 4), dt.date(2024, 1, 2)), (20240229, None), (None, None),
])
def test_parse_date(value, expected):
    assert parse_date(value) == expected
