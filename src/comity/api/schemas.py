"""The error answers every part of the API shares, and how each operation documents them in the OpenAPI.

schemathesis checks every answer of the live API against the schema (tests/security/test_fuzz_api.py,
benchmarks/bench_fuzz.py): each status an operation can give, with its content type and body, must be
documented there. `errors(...)` is that documentation for the error statuses, and `content(...)` for an
answer that is not JSON (a file, JSON lines, a PEM key).
"""

from __future__ import annotations

from ninja import Schema
from pydantic import Field


class ErrorOut(Schema):
    """What every error of the API holds (422 for bad input; the same shape for 403, 404, 409, 503)."""
    error: str = Field(description="The kind of error, a code: invalid_input, purpose_required, not_allowed, …")
    message: str = Field(description="The errors in one sentence, for a person")
    errors: dict[str, str] = Field(description="A reason for each field refused, by the field's name "
                                               "(`body` for the body as a whole)")
    detail: str = Field(description="The message again, where clients look for it (as django-ninja's errors do)")


class DetailOut(Schema):
    detail: str


def errors(*codes: int, token: bool = True) -> dict:
    """The documented error answers of an operation: 401 (no, an unknown, revoked or expired token: `detail`)
    when it needs a token, and ErrorOut for each of `codes` (403 role or scope, 404 outside the caller's
    compartments, 409, 422 bad input naming the field, …)."""
    out: dict = {401: DetailOut} if token else {}
    out.update({code: ErrorOut for code in codes})
    return out


def content(media_type: str, description: str, *, status: int = 200, binary: bool = False) -> dict:
    """`openapi_extra` documenting an answer that is not JSON: its media type and what it holds."""
    schema = {"type": "string", "format": "binary"} if binary else {"type": "string"}
    return {"responses": {status: {"description": description, "content": {media_type: {"schema": schema}}}}}


# A request the server cannot read at all is refused before any operation runs: gunicorn answers 400 (text/html)
# to a request line over its limit (4 KiB: a query string with hundreds of values), Django 400 (`detail`) to a
# host it does not serve. Every operation can get it, so every operation documents it (`with_bad_request`).
BAD_REQUEST = {
    "description": "The request could not be read (a request line or headers too large, a host not served); "
                   "refused before the operation runs",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/DetailOut"}},
                "text/html": {"schema": {"type": "string"}}},
}


def with_bad_request(schema: dict) -> dict:
    """The OpenAPI document with BAD_REQUEST on every operation that does not document a 400 of its own."""
    schema.setdefault("components", {}).setdefault("schemas", {}).setdefault(
        "DetailOut", {"title": "DetailOut", "type": "object", "properties": {"detail": {"title": "Detail",
                                                                                       "type": "string"}},
                      "required": ["detail"]})
    for item in schema.get("paths", {}).values():
        for method, operation in item.items():
            if method in ("get", "put", "post", "delete", "patch", "head", "options"):
                operation.setdefault("responses", {}).setdefault("400", BAD_REQUEST)
    return schema
