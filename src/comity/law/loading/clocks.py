"""Legal clocks (clocks.yaml): which event starts which period, under which instrument.

A clock names its instrument, the kind of cooperation, the event that starts it, the parameter that gives its
length (``parameters/``: a change of the law is a new dated value), its unit (days or months), whether it
counts calendar or business days, and the article it applies.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..model import Parameter
from .issues import Issues, read_file, require_read_source
from .models import ClockRow


@dataclass(frozen=True, slots=True)
class ClockRule:
    code: str
    instrument: str
    kind: str
    start_event: str
    parameter: str
    unit: str  # days | months
    day_type: str  # calendar | business
    roll_forward: bool  # a deadline falling on a non-working day moves to the next working day
    citation: str
    source: str
    verified: bool
    alternative_to: tuple[str, ...] = ()  # start events that, when given, take precedence over this rule
    add_parameter: str | None = None  # added on top (extension periods)
    note: str | None = None
    read: dt.date | None = None
    verification_note: str | None = None  # what was read, or searched for in vain, to check the rule


def load_clocks(issues: Issues, data_dir: Path, parameters: dict[str, Parameter]) -> list[ClockRule]:
    """The clock rules, each of whose parameters must exist."""
    path = data_dir / "clocks.yaml"
    doc = read_file(issues, path)
    rules = load_clock_file(issues, path, doc) if doc is not None else []
    for rule in rules:
        for key, pname in (("parameter", rule.parameter), ("add_parameter", rule.add_parameter)):
            if pname and pname not in parameters:
                issues.error(path, 0, f"{rule.code}.{key}", f"unknown parameter {pname!r}")
    return rules


def load_clock_file(issues: Issues, path: Path, doc: Any) -> list[ClockRule]:
    rules: list[ClockRule] = []
    items = doc.get("clocks") if isinstance(doc, dict) else None
    if not isinstance(items, list):
        issues.error(path, 1, "clocks", "missing list")
        return rules
    for i, node in enumerate(items):
        ctx = f"clocks[{i}]."
        if not isinstance(node, dict):
            issues.error(path, issues.line(items, i), ctx, "must be a mapping")
            continue
        n = len(issues)
        row = issues.validate(ClockRow, path, node, ctx)
        if row is None:
            continue
        if row.verified:
            require_read_source(issues, path, node, ctx, row.source or "", row.read)
        if len(issues) > n:
            continue
        rules.append(ClockRule(
            code=str(row.code),
            instrument=str(row.instrument),
            kind=str(row.kind),
            start_event=str(row.start_event),
            parameter=str(row.parameter),
            unit=str(row.unit),
            day_type=str(row.day_type),
            roll_forward=bool(row.roll_forward),
            citation=str(row.citation),
            source=str(row.source),
            verified=bool(row.verified),
            alternative_to=tuple(_as_list(row.alternative_to)),
            add_parameter=row.add_parameter,
            note=row.note,
            read=row.read,
            verification_note=row.verification_note,
        ))
    return rules


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]
