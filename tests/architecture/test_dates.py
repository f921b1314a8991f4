"""Timezone-aware dates only (issue 12, item 8).

``date.today()``, ``datetime.now()`` without a time zone, ``datetime.today()``, ``datetime.utcnow()`` and
``fromtimestamp()`` without a time zone read the clock of whatever machine runs the code, in its local time
zone: a legal deadline or a "not in the future" check then moves by a day with the server's TZ. Django code
uses ``django.utils.timezone.now()`` / ``localdate()``; pure code takes the date as a parameter or reads
``datetime.now(timezone.utc)``.

Known exceptions are entries in an allow-list with their reason, keyed "file::function::call" (lines move);
an entry that no longer matches fails, so the lists shrink as the code is fixed.
"""

from __future__ import annotations

import ast
from pathlib import Path

from ._repo import SRC, chain, parse, rel

# Pure law code where the date is a parameter, and the machine's date only its default when none is given.
DATE_PASSED_IN = {
    "src/comity/law/api.py::verification_report::date.today": (
        "`today` is a parameter; the local date is only its default for the command line"
    ),
    "src/comity/law/provenance.py::_today::date.today": (
        "default of the explicit `today=` parameter of fact_ref(); callers that know the date pass it"
    ),
}
# Naive dates found by this test, listed for the lead: to be made timezone-aware (Django code:
# timezone.localdate(); pure code: the date passed in, or datetime.now(timezone.utc).date() as
# law.api.check_date does).
TO_FIX = {
}


def _has_tz(call: ast.Call, position: int) -> bool:
    """Whether the call passes a time zone (positionally at ``position`` or as tz=), and not None."""
    arg = (
        call.args[position]
        if len(call.args) > position
        else next((k.value for k in call.keywords if k.arg in ("tz", "tzinfo")), None)
    )
    return arg is not None and not (isinstance(arg, ast.Constant) and arg.value is None)


def naive_call(node: ast.Call) -> str | None:
    """``date.today``, ``datetime.now``... when the call reads the local clock without a time zone."""
    if not isinstance(node.func, ast.Attribute):
        return None
    method, base = node.func.attr, (chain(node.func.value) or [""])[-1]
    if base not in ("date", "datetime"):
        return None  # timezone.now(), time.time(): aware or not a calendar date
    if method == "today" or (base == "date" and method == "fromtimestamp"):
        return f"{base}.{method}"
    if base == "datetime" and method in ("utcnow", "utcfromtimestamp"):
        return f"datetime.{method}"
    if base == "datetime" and method == "now" and not _has_tz(node, 0):
        return "datetime.now"
    if base == "datetime" and method == "fromtimestamp" and not _has_tz(node, 1):
        return "datetime.fromtimestamp"
    return None


def naive_dates(path: Path) -> list[tuple[int, str, str]]:
    """(line, enclosing function, call) for each naive date in a file."""
    found = []

    def walk(node: ast.AST, function: str) -> None:
        for child in ast.iter_child_nodes(node):
            inner = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else function
            if isinstance(child, ast.Call) and (what := naive_call(child)):
                found.append((child.lineno, function, what))
            walk(child, inner)

    walk(parse(path), "<module>")
    return found


def test_source_code_reads_the_date_with_a_time_zone():
    allowed = {**DATE_PASSED_IN, **TO_FIX}
    found, seen = [], set()
    for path in sorted(SRC.rglob("*.py")):
        for line, function, what in naive_dates(path):
            key = f"{rel(path)}::{function}::{what}"
            if key in allowed:
                seen.add(key)
            else:
                found.append(f"{rel(path)}:{line} {function}() calls {what}()")
    assert not found, (
        "dates must not depend on the server's time zone: use django.utils.timezone.now() / "
        "localdate() in Django code, take the date as a parameter or use "
        "datetime.now(timezone.utc) in pure code:\n" + "\n".join(found)
    )
    stale = sorted(set(allowed) - seen)
    assert not stale, f"allow-list entries that no longer match (fixed? remove them): {stale}"


def test_the_date_check_tells_naive_from_aware(tmp_path):
    source = tmp_path / "m.py"
    source.write_text(
        "import datetime as dt\n"
        "from datetime import date, datetime, timezone\n"
        "from django.utils import timezone as djtz\n"
        "def f(ts):\n"
        "    a = dt.date.today()\n"  # 5 naive
        "    b = datetime.now()\n"  # 6 naive
        "    c = dt.datetime.now(dt.timezone.utc)\n"
        "    d = datetime.now(tz=timezone.utc)\n"
        "    e = datetime.utcnow()\n"  # 9 naive
        "    g = dt.datetime.fromtimestamp(ts)\n"  # 10 naive
        "    h = dt.datetime.fromtimestamp(ts, dt.timezone.utc)\n"
        "    i = djtz.now(); j = djtz.localdate()\n"
        "    k = datetime.today()\n"  # 13 naive
        "    m = datetime.now(None)\n"  # 14 naive
        "    n = date.fromisoformat('2024-01-01')\n"
    )
    assert naive_dates(source) == [
        (5, "f", "date.today"),
        (6, "f", "datetime.now"),
        (9, "f", "datetime.utcnow"),
        (10, "f", "datetime.fromtimestamp"),
        (13, "f", "datetime.today"),
        (14, "f", "datetime.now"),
    ]
