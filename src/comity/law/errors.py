"""One exception hierarchy for ``comity.law``.

Derived from the package-wide hierarchy (comity.errors): every error carries ``errors`` (field ->
reason) and ``problems`` (one dict per problem, with ``field``, ``reason`` and, for data files,
``file`` and ``line``) that an API or CLI can return as they are.
"""

from __future__ import annotations

from typing import Any

from comity import errors as _errors


class LawError(_errors.ComityError):
    """Base class. ``problems`` is a list of dicts: {"field", "reason", optional "file", "line", "value"};
    ``errors`` (the package-wide shape, comity.errors) maps each field, prefixed by its file and line
    where there is one, to its reason."""

    code = "law_error"
    status = 422

    def __init__(self, message: str, errors: list[dict[str, Any]] | None = None):
        problems = list(errors or [])
        fields: dict[str, str] = {}
        for p in problems:
            where = p.get("file", "")
            if where and p.get("line"):
                where += f":{p['line']}"
            key = f"{where} {p.get('field', '')}".strip() or "input"
            fields.setdefault(key, str(p.get("reason", "")))
        super().__init__(fields or {self.default_field: message}, message=message, problems=problems)


class DataError(LawError, _errors.DataError):
    """The legal data set failed validation; nothing from it is served."""

    code = "data_error"

    def __str__(self) -> str:
        lines = [self.message]
        for err in self.problems[:50]:
            where = err.get("file", "?")
            if err.get("line"):
                where += f":{err['line']}"
            lines.append(f"  {where}: {err.get('field', '?')}: {err.get('reason', '')}")
        if len(self.problems) > 50:
            lines.append(f"  ... and {len(self.problems) - 50} more")
        return "\n".join(lines)


class InvalidInput(LawError, _errors.InvalidInput):
    """A caller passed a bad value (unknown kind, unparseable date, ...)."""

    code = "invalid_input"


class UnknownState(InvalidInput):
    """Not an ISO 3166-1 alpha-2 code we know, or no profile for that state."""

    code = "unknown_state"


class UnknownInstrument(InvalidInput):
    code = "unknown_instrument"


class UnknownParameter(InvalidInput):
    code = "unknown_parameter"


def field_error(field: str, reason: str, value: Any = None, cls: type[LawError] = InvalidInput) -> LawError:
    """Build an input error naming the field."""
    err: dict[str, Any] = {"field": field, "reason": reason}
    if value is not None:
        err["value"] = str(value)
    return cls(f"{field}: {reason}" + (f" ({value!r})" if value is not None else ""), [err])
