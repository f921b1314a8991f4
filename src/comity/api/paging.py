"""One way to page, filter and sort every list of the API.

Every list operation takes the same three parameters and answers the same envelope (`page_of`):

- `limit`: how many items (1 to 200, 50 by default);
- `sort`: one of the list's sort keys, `-key` for descending (each list documents its keys and default);
- `cursor`: the `next_cursor` of the previous page, opaque. Pages are keyset pages (the sort key and the
  id of the last item), so an item created or removed meanwhile never shifts the next page, and a cursor
  made for one sort cannot be used with another (422 naming `cursor`).

The envelope is `{"count": total matching the filters, "limit", "sort", "next_cursor": str | null,
"results": [...]}`. Filters are ordinary query parameters of each list; an unknown value of an enumerated
filter is a 422 naming the parameter, never an empty page that looks like "nothing there".
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from typing import Any, Callable, Generic, TypeVar

from django.db import models
from django.db.models import Q, QuerySet
from ninja import Schema
from pydantic import Field

from comity.errors import InvalidInput

MAX_LIMIT = 200
DEFAULT_LIMIT = 50

T = TypeVar("T")


class Page(Schema, Generic[T]):
    count: int = Field(description="How many items match the filters, over all pages")
    limit: int = Field(description="The most items a page holds")
    sort: str = Field(description="The sort applied (`-` for descending)")
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page")
    results: list[T]


def sort_description(sorts: dict[str, str], default: str) -> str:
    keys = ", ".join(f"`{k}`" for k in sorts)
    return f"Sort key: {keys}; prefix `-` for descending. Default `{default}`."


def _encode(sort: str, value: Any, pk: int) -> str:
    if isinstance(value, (dt.datetime, dt.date)):
        value = value.isoformat()
    raw = json.dumps([sort, value, pk], separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str, sort: str, field: models.Field) -> tuple[Any, int]:
    bad = InvalidInput({"cursor": "is not a cursor this list gave out; start again without `cursor`"})
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        made_for, value, pk = json.loads(raw)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise bad from None
    if made_for != sort:
        raise InvalidInput({"cursor": f"was made for the sort `{made_for}`, not `{sort}`; start again without "
                                      "`cursor` when you change the sort"})
    if not isinstance(pk, int) or isinstance(pk, bool):
        raise bad
    try:
        if isinstance(field, models.DateTimeField):
            value = dt.datetime.fromisoformat(value)
        elif isinstance(field, models.DateField):
            value = dt.date.fromisoformat(value)
        elif isinstance(field, (models.IntegerField, models.AutoField)):
            if not isinstance(value, int) or isinstance(value, bool):
                raise ValueError
        elif not isinstance(value, str):
            raise ValueError
    except (TypeError, ValueError):
        raise bad from None
    return value, pk


def check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput({"limit": f"must be between 1 and {MAX_LIMIT}"})
    return limit


def page_of(qs: QuerySet, *, sort: str, sorts: dict[str, str], default: str, cursor: str | None, limit: int,
            serialize: Callable[[Any], Any], on_page: Callable[[list], None] | None = None) -> dict:
    """One keyset page of `qs`. `sorts` maps each public sort key to a non-null model field; the id breaks
    ties. `on_page` sees the page's objects before they are serialized (to log a read of them)."""
    check_limit(limit)
    sort = sort or default
    key = sort.lstrip("-")
    if key not in sorts or sort.count("-") > 1:
        raise InvalidInput({"sort": f"must be one of {', '.join(sorts)} (with `-` for descending), not {sort!r}"})
    descending = sort.startswith("-")
    field_name = sorts[key]
    field = qs.model._meta.get_field(field_name.split("__")[0])
    count = qs.count()
    if descending:
        qs = qs.order_by(f"-{field_name}", "-pk")
    else:
        qs = qs.order_by(field_name, "pk")
    if cursor:
        value, pk = _decode(cursor, sort, field)
        op = "lt" if descending else "gt"
        qs = qs.filter(Q(**{f"{field_name}__{op}": value}) | Q(**{field_name: value, f"pk__{op}": pk}))
    rows = list(qs[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    if on_page is not None:
        on_page(rows)
    next_cursor = None
    if more and rows:
        last = rows[-1]
        value = last
        for part in field_name.split("__"):
            value = getattr(value, part)
        next_cursor = _encode(sort, value, last.pk)
    return {"count": count, "limit": limit, "sort": sort, "next_cursor": next_cursor,
            "results": [serialize(r) for r in rows]}
