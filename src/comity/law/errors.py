"""One exception hierarchy for ``comity.law``.

Every error carries a structured ``errors`` list (one dict per problem, with ``field``, ``reason``
and, for data files, ``file`` and ``line``) that an API or CLI can return as it is.
"""

from __future__ import annotations

from typing import Any


class LawError(Exception):
    """Base class. ``errors`` is a list of dicts: {"field", "reason", optional "file", "line", "value"}."""

    code = "law_error"

    def __init__(self, message: str, errors: list[dict[str, Any]] | None = None):
        super().__init__(message)
        self.message = message
        self.errors: list[dict[str, Any]] = list(errors or [])

    def as_dict(self) -> dict[str, Any]:
        return {"error": self.code, "message": self.message, "errors": self.errors}


class DataError(LawError):
    """The legal data set failed validation; nothing from it is served."""

    code = "data_error"

    def __str__(self) -> str:
        lines = [self.message]
        for err in self.errors[:50]:
            where = err.get("file", "?")
            if err.get("line"):
                where += f":{err['line']}"
            lines.append(f"  {where}: {err.get('field', '?')}: {err.get('reason', '')}")
        if len(self.errors) > 50:
            lines.append(f"  ... and {len(self.errors) - 50} more")
        return "\n".join(lines)


class InvalidInput(LawError):
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
