"""The API's error answers as comity.errors exceptions, so a program (and the CLI's exit code) handles a remote
error exactly as a local one: 422 InvalidInput with the same `errors` dict, 403 NotAllowed, 404 NotFound,
409 Conflict, 412 PreconditionFailed with `changed`, 428 PreconditionRequired, 503 ServiceUnavailable; and
the two the package has no class for, because only a client meets them: 401 AuthenticationFailed and
ServerUnreachable (no answer at all). Each keeps the answer: `status`, `body` (the decoded JSON, or the
text) and `headers`."""

from __future__ import annotations

from typing import Any

from comity.errors import (
    ComityError,
    Conflict,
    IntegrityError,
    InvalidInput,
    NotAllowed,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    ServiceUnavailable,
)


class AuthenticationFailed(ComityError):
    """401: no token, or a token the server does not know (mistyped, revoked or expired)."""

    code = "authentication_failed"
    status = 401
    exit_code = 8


class ServerUnreachable(ServiceUnavailable):
    """No answer at all: the server is not running at that address, the name does not resolve, the TLS
    certificate is not trusted, or the connection was cut."""

    code = "unreachable"


BY_STATUS: dict[int, type[ComityError]] = {
    400: InvalidInput, 401: AuthenticationFailed, 403: NotAllowed, 404: NotFound, 409: Conflict,
    412: PreconditionFailed, 422: InvalidInput, 428: PreconditionRequired, 503: ServiceUnavailable,
}
BY_CODE: dict[str, type[ComityError]] = {"integrity_error": IntegrityError, "conflict": Conflict}


def from_answer(status: int, body: Any, headers: dict | None = None) -> ComityError:
    """The exception of an error answer (its JSON `body` decoded, or its text)."""
    data = body if isinstance(body, dict) else {}
    message = str(data.get("message") or data.get("detail") or (body if isinstance(body, str) else "")
                  or f"HTTP {status}").strip()
    errors = data.get("errors") if isinstance(data.get("errors"), dict) else None
    cls = BY_CODE.get(str(data.get("error", ""))) or BY_STATUS.get(status, ComityError)
    if status == 401:
        message = (f"{message} Check the token (COMITY_TOKEN or --token-file): create one with "
                   "`comity token USER --name NAME --scope read|write` or on your account page.")
        errors = {"token": message}
    if cls is PreconditionFailed:
        exc: ComityError = PreconditionFailed(errors or message, message=message,
                                              changed=data.get("changed") or {}, current_etag=data.get("etag", ""))
    else:
        exc = cls(errors or message, message=message)
    if data.get("error"):
        exc.code = str(data["error"])  # the server's own code: purpose_required, not_allowed, ...
    if cls is ComityError:
        exc.status = status
    exc.body = body  # type: ignore[attr-defined]
    exc.headers = dict(headers or {})  # type: ignore[attr-defined]
    exc.http_status = status  # type: ignore[attr-defined]
    return exc


__all__ = [
    "AuthenticationFailed",
    "ComityError",
    "Conflict",
    "IntegrityError",
    "InvalidInput",
    "NotAllowed",
    "NotFound",
    "PreconditionFailed",
    "PreconditionRequired",
    "ServerUnreachable",
    "ServiceUnavailable",
    "from_answer",
]
