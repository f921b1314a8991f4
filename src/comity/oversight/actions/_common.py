"""Helpers shared by the oversight actions: validation of a stated purpose, a choice and a date, and the next
reference of a numbered record."""

from __future__ import annotations

import datetime as dt

from comity.cases.validation import date_error, parse_date, text_error
from comity.errors import check

MIN_PURPOSE = 10


_check = check  # comity.errors.check: one validation step for every action


def _purpose_error(value) -> str | None:
    err = text_error(value, required=True, max_length=500)
    if err:
        return err
    if len(value.strip()) < MIN_PURPOSE:
        return f"say why (at least {MIN_PURPOSE} characters)"
    return None


def _choice_error(value, choices) -> str | None:
    if value in (None, ""):
        return "is required"
    if value not in choices.values:
        return f"{value!r} is not one of: {', '.join(choices.values)}"
    return None


def _next_reference(prefix: str, model) -> str:
    from comity.cases.actions import next_reference

    return next_reference(prefix, model, "reference")


def _date_field(value, name: str, errors: dict, *, allow_future=True) -> dt.date | None:
    try:
        d = parse_date(value)
    except ValueError as e:
        errors[name] = str(e)
        return None
    errors[name] = date_error(d, allow_future=allow_future)
    return d
