"""Where a problem in a data file is, and what it is: the list of issues a load collects.

Every problem is reported as ``{"file", "line", "field", "reason"}``: the file relative to the data folder,
the 1-based line (from the marks ``yamlio`` keeps for every mapping key and list item; 0 when unknown), the
field as a dotted path (``CETS-024.parties[3].entry_into_force``) and the reason. A load collects every
problem of the whole data set before refusing it.

Typed models (``models.py``) check the shape of each row; ``validate`` runs one and turns the pydantic errors
into issues, finding each error's line by walking its location through the marked YAML nodes.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ..dates import today as _today
from ..dates import parse_date
from ..yamlio import MarkedDict, MarkedList, YamlSyntaxError, read_yaml

M = TypeVar("M", bound=BaseModel)

#: Reasons for the few pydantic errors that are not raised by our own field types.
_PYDANTIC_REASONS = {"extra_forbidden": "unknown field", "missing": "missing"}


class Issues:
    """The problems found so far in one data set, and the helpers to place them (file, line, field)."""

    def __init__(self, root: Path, states: dict[str, str]):
        self.root = root
        self.states = states
        self.errors: list[dict[str, Any]] = []

    def __len__(self) -> int:
        return len(self.errors)

    def rel(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)

    def error(self, path: Path, line: int, fieldname: str, reason: str) -> None:
        self.errors.append({"file": self.rel(path), "line": line, "field": fieldname, "reason": reason})

    @staticmethod
    def line(node: Any, key: Any = None) -> int:
        """The line of ``key`` in a marked mapping (or of item ``key`` in a marked list), else of the node."""
        if isinstance(node, MarkedDict):
            return node.line_of(key) if key is not None else node.line
        if isinstance(node, MarkedList):
            return node.line_of(key) if isinstance(key, int) else node.line
        return 0

    def date(self, path: Path, node: Any, key: str, ctx: str) -> dt.date | None:
        """The date under ``key``, for the few dates checked only when they matter (a verified article's read
        date); None, with an issue, if it is not one."""
        value = node.get(key) if isinstance(node, dict) else None
        if value is None:
            return None
        parsed = parse_date(value)
        if parsed is None:
            self.error(path, self.line(node, key), f"{ctx}{key}", f"not a date (YYYY-MM-DD): {value!r}")
        return parsed

    def state(self, path: Path, line: int, fieldname: str, value: Any) -> str | None:
        if not isinstance(value, str) or value not in self.states:
            self.error(path, line, fieldname, f"not an ISO 3166-1 alpha-2 code: {value!r}")
            return None
        return value

    def unique(self) -> list[dict[str, Any]]:
        """The issues in the order found, each identical one (same file, line, field and reason) once."""
        seen: set[tuple[Any, ...]] = set()
        out = []
        for err in self.errors:
            key = (err["file"], err["line"], err["field"], err["reason"])
            if key not in seen:
                seen.add(key)
                out.append(err)
        return out

    # ------------------------------------------------------------------------------------ typed models

    def validate(self, model: type[M], path: Path, raw: Any, ctx: str,
                 defaults: dict[str, Any] | None = None) -> M | None:
        """``raw`` (a marked mapping) checked against ``model``; every problem becomes an issue.

        ``ctx`` is the field path of ``raw`` (``"CETS-024.parties[3]."``). ``defaults`` fill keys that ``raw``
        does not have (values inherited from the enclosing record, e.g. a party row's source from the
        instrument's ``parties_source``); a problem with an inherited value is placed on ``raw``'s own line.
        When some fields are wrong, the model is built again without them (as None), so that the checks that
        relate the remaining fields still run, as a reader fixing the file would want; None only if even that
        fails.
        """
        data = {}
        for key, value in raw.items():
            if isinstance(key, str):
                data[key] = value
            elif model.model_config.get("extra") == "forbid":  # a key YAML read as a number or a date
                self.error(path, self.line(raw, key), f"{ctx}{key}", "unknown field")
        for key, value in (defaults or {}).items():
            if isinstance(key, str):
                data.setdefault(key, value)
        context = {"states": self.states}
        try:
            return model.model_validate(data, context=context)
        except ValidationError as exc:
            bad: set[Any] = set()
            for err in exc.errors():
                loc = err["loc"]
                self.error(path, _line_at(raw, loc), ctx + _dotted(loc), _reason(err))
                if loc:
                    bad.add(loc[0])
        known = {f.alias or name for name, f in model.model_fields.items()}
        retry = {k: (None if k in bad else v) for k, v in data.items() if k in known or k not in bad}
        try:
            return model.model_validate(retry, context={**context, "quiet": True})
        except ValidationError:
            return None


def _dotted(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _line_at(raw: Any, loc: tuple[Any, ...]) -> int:
    """The line of the deepest node of ``loc`` that exists in the marked YAML (the record's own line for a key
    it does not have)."""
    node, line = raw, Issues.line(raw)
    for part in loc:
        if isinstance(node, MarkedDict) and part in node or isinstance(node, MarkedList) and isinstance(part, int) and part < len(node):
            line, node = node.line_of(part), node[part]
        else:
            break
    return line


def _reason(err: dict[str, Any]) -> str:
    if err["type"] == "law":
        return str(err["ctx"]["reason"])
    return _PYDANTIC_REASONS.get(err["type"], err["msg"])


# ---------------------------------------------------------------------------------------- shared rules


def is_url(source: Any) -> bool:
    return isinstance(source, str) and bool(re.search(r"https?://\S+", source))


def require_read_source(issues: Issues, path: Path, node: Any, ctx: str, source: str, read: dt.date | None) -> None:
    """``verified: true`` means the fact was read: a URL of what was read and the day it was read."""
    if not is_url(source):
        issues.error(path, issues.line(node, "verified"), f"{ctx}source", "verified: true needs the URL of what was read")
    if read is None:
        issues.error(path, issues.line(node, "verified"), f"{ctx}read",
                     "verified: true needs the date it was read (read:)")
    elif read > _today():
        issues.error(path, issues.line(node, "read"), f"{ctx}read", f"in the future: {read}")


def read_file(issues: Issues, path: Path) -> Any:
    """One YAML file with its line marks, or None (and an issue) if it cannot be read."""
    try:
        return read_yaml(path)
    except YamlSyntaxError as exc:
        issues.error(path, exc.line, "", f"YAML syntax: {exc.reason}")
    except FileNotFoundError:
        issues.error(path, 0, "", "file missing")
    except UnicodeDecodeError:
        issues.error(path, 0, "", "not UTF-8")
    return None
