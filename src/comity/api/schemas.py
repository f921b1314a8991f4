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


class PreconditionOut(ErrorOut):
    """412: the object changed since the version named in If-Match."""
    changed: dict[str, object] = Field(description="Each field that differs from the version you read, with "
                                                   "its current value")
    etag: str = Field(description="The current version's ETag")


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


IDEMPOTENCY_KEY = {
    "in": "header", "name": "Idempotency-Key", "required": False,
    "description": "Your own unique string (1 to 200 printable ASCII characters): a retry with the same key "
                   "gets the first answer again (`Idempotent-Replayed: true`) and nothing is done twice; the "
                   "same key with a different body is refused (422). Kept 24 hours per token.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 200},
}
IF_MATCH = {
    "in": "header", "name": "If-Match", "required": True,
    "description": "The `ETag` of the version you read (or `*` to overwrite whatever is there): a change made "
                   "meanwhile by someone else is answered 412 with what changed, never overwritten",
    "schema": {"type": "string"},
}


def if_match(**extra) -> dict:
    """`openapi_extra` of an update guarded by If-Match (comity.api.etag.require_match): documents the
    header and the 412 and 428 answers."""
    out = {"x-if-match": True, "responses": {
        412: {"description": "Stale: the object changed since the version named in If-Match",
              "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PreconditionOut"}}}},
        428: {"description": "If-Match is missing",
              "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}}}}
    for k, v in extra.items():
        if k == "responses":
            out["responses"].update(v)
        else:
            out[k] = v
    return out


def finish_schema(schema: dict) -> dict:
    """The OpenAPI document as served: the 400 every operation can get, the Idempotency-Key header and its
    409 on every write, If-Match on every guarded update, and the schemas those answers use."""
    for item in schema.get("paths", {}).values():
        for operation in item.values():
            if isinstance(operation, dict) and "responses" in operation:
                operation["responses"] = {str(k): v for k, v in operation["responses"].items()}
    schema = with_bad_request(schema)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name, model in (("ErrorOut", ErrorOut), ("PreconditionOut", PreconditionOut)):
        if name not in components:
            found = model.model_json_schema(ref_template="#/components/schemas/{model}")
            components.update(found.pop("$defs", {}))
            components[name] = found
    for item in schema.get("paths", {}).values():
        for method, operation in item.items():
            if method not in ("put", "post", "delete", "patch"):
                continue
            params = operation.setdefault("parameters", [])
            names = {p.get("name") for p in params}
            if "Idempotency-Key" not in names:
                params.append(dict(IDEMPOTENCY_KEY))
            if operation.get("x-if-match") and "If-Match" not in names:
                params.append(dict(IF_MATCH))
            operation["responses"].setdefault("422", {
                "description": "Bad input (here at least a malformed Idempotency-Key), naming the field",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}})
            operation.setdefault("responses", {}).setdefault("409", {
                "description": "A call with the same Idempotency-Key is still running",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}})
    return schema


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
