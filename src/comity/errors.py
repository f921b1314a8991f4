"""One exception hierarchy for the whole package.

Every error Comity raises on purpose derives from `ComityError` and carries:

- `errors`: a dict of field -> reason a person can act on (the field as the user sees it where the
  caller knows the label); the web shows each reason beside its field, the API answers
  `{"error": code, "message": ..., "errors": {...}}` with the class's HTTP `status`, the CLI prints the
  same dict (`--json`) or one line per field, and exits with the class's `exit_code`;
- `problems`: the detailed list behind it where there is one (data files: file, line, field, value);
- `code`: a stable name for machines, `status` and `exit_code` for the three front ends.

This module is pure Python (no Django) so `comity.law`, `comity.ledger` and the exchange protocol
derive their errors from it and stay importable without Django.

    ComityError
    ├── InvalidInput        422  bad input; nothing was stored
    ├── NotAllowed          403  the acting user may not do this
    ├── NotFound            404  does not exist, or the user may not know it exists
    ├── PurposeRequired*    403  an oversight user must state a purpose first (comity.cases.access)
    ├── IntegrityError      409  well-formed input that does not verify (a proof, a signature, a seal)
    ├── Conflict            409  the same idempotency key is still being processed
    ├── PreconditionFailed  412  an update based on a stale version (If-Match); `changed` lists what differs
    ├── PreconditionRequired 428 an update that does not say which version it changes (no If-Match)
    ├── ServiceUnavailable  503  an outside service (time-stamping authority) failed
    └── DataError           500  the product's own data files are inconsistent
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

__all__ = ["ComityError", "InvalidInput", "NotAllowed", "NotFound", "IntegrityError", "ServiceUnavailable",
           "DataError", "Conflict", "PreconditionFailed", "PreconditionRequired", "check", "cli_fail", "render_cli"]


class ComityError(Exception):
    code = "error"
    status = 400
    exit_code = 1
    default_field = "detail"

    def __init__(self, errors: Mapping[str, str] | str | None = None, *, message: str | None = None,
                 problems: Iterable[Any] | None = None):
        if isinstance(errors, str):
            message = message or errors
            errors = {self.default_field: errors}
        self.errors: dict[str, str] = {str(k): str(v) for k, v in (errors or {}).items() if v}
        self.problems: list[Any] = list(problems or [])
        self.message = message or "; ".join(f"{f}: {r}" for f, r in self.errors.items()) or self.code
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"error": self.code, "message": self.message, "errors": dict(self.errors)}
        if self.problems:
            out["problems"] = [p.as_dict() if hasattr(p, "as_dict") else p for p in self.problems]
        return out


class InvalidInput(ComityError):
    """Input that cannot be accepted; `errors` maps each field to a reason a person can act on."""

    code = "invalid_input"
    status = 422
    exit_code = 2
    default_field = "input"

    def __init__(self, errors: Mapping[str, str] | str | None = None, **kw):
        super().__init__(errors, **kw)


class NotAllowed(ComityError):
    """The acting user may not do this (role or lifecycle guard); the message says why."""

    code = "not_allowed"
    status = 403
    exit_code = 3


class NotFound(ComityError):
    """The object does not exist, or the user may not know that it exists (compartments)."""

    code = "not_found"
    status = 404
    exit_code = 4


class IntegrityError(ComityError):
    """Well-formed input that does not verify: evidence of tampering or of a wrong key."""

    code = "integrity_error"
    status = 409
    exit_code = 1


class Conflict(ComityError):
    """The same operation is already under way (a create retried with its idempotency key while the first
    attempt still runs); try again in a moment."""

    code = "conflict"
    status = 409
    exit_code = 6


class PreconditionFailed(ComityError):
    """An update made against a version that is no longer the current one (HTTP If-Match): someone else
    changed the object meanwhile. `changed` names each field that differs, with its current value."""

    code = "precondition_failed"
    status = 412
    exit_code = 7

    def __init__(self, errors=None, *, changed: Mapping[str, Any] | None = None, current_etag: str = "", **kw):
        super().__init__(errors, **kw)
        self.changed = dict(changed or {})
        self.current_etag = current_etag

    def as_dict(self) -> dict[str, Any]:
        out = super().as_dict()
        out["changed"] = self.changed
        out["etag"] = self.current_etag
        return out


class PreconditionRequired(ComityError):
    """An update that does not say which version it changes: send the ETag of the version read in
    If-Match (or `--if-match` on the command line)."""

    code = "precondition_required"
    status = 428
    exit_code = 7


class ServiceUnavailable(ComityError):
    """An outside service the action needs failed; nothing was stored."""

    code = "service_unavailable"
    status = 503
    exit_code = 5


class DataError(ComityError):
    """The product's own data files are inconsistent; the message names the file and entry."""

    code = "data_error"
    status = 500
    exit_code = 1


def check(errors: Mapping[str, str | None]) -> None:
    """Raise InvalidInput naming every field that has a reason (None or "" means the field is fine):
    every action validates all its fields first and stores nothing when one is wrong."""
    found = {k: v for k, v in errors.items() if v}
    if found:
        raise InvalidInput(found)


def render_cli(exc: ComityError, *, as_json: bool) -> str:
    """How every CLI command prints an error: the same dict the API returns, or one line per field."""
    import json

    if as_json:
        return json.dumps(exc.as_dict(), indent=2, ensure_ascii=False)
    lines = [f"{field}: {reason}" for field, reason in exc.errors.items()] or [exc.message]
    return "\n".join(f"error: {line}" for line in lines)


def cli_fail(error: ComityError | Mapping[str, str], as_json: bool = False) -> int:
    """Print an error as every CLI command does (to stderr) and return its exit code. A dict is bad
    input: {field: reason}."""
    import sys

    exc = error if isinstance(error, ComityError) else InvalidInput(dict(error))
    print(render_cli(exc, as_json=as_json), file=sys.stderr)
    return exc.exit_code
