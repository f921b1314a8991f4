"""Calendar helpers shared by the computable law (pure Python): reading a date, adding calendar months."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any


def parse_date(value: Any) -> dt.date | None:
    """A date from a ``date``/``datetime`` or ISO text (``YYYY-MM-DD``); None for anything else, impossible
    dates (2023-02-30) included."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months (negative goes back); a day that the target month does not have
    becomes its last day: 31 January + 1 month = 28 (or 29) February, 31 March - 1 month = 28/29 February.

    Treaty periods counted in months ("within two months", "the first day of the month following the
    expiration of a period of three months") and retention periods use this one rule. A ``datetime`` keeps its
    time of day.
    """
    years, month0 = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month0 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def today() -> dt.date:
    """Today's date in UTC: the pure law code never reads the machine's local, naive date."""
    return dt.datetime.now(dt.timezone.utc).date()


__all__ = ["add_months", "parse_date", "today"]
