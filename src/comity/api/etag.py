"""ETag and If-Match: two clerks never overwrite each other's change.

Every object an update operation changes is read with an `ETag` header. The tag is computed from the
object's fields as the API shows them: one short hash per field, so that when an update is refused as stale
(HTTP 412) the answer can name each field that changed since the version the client read, with its current
value. Nothing is stored to do this: the tag carries the per-field hashes (base64url JSON), and a tag
altered by hand simply does not match.

Updates (PATCH and the state changes of an object: close, reopen, a request's transition, a draft's new
version) require `If-Match` with the tag read; without it the answer is 428 naming `If-Match`. `If-Match: *`
is accepted for clients that deliberately overwrite (the audit log still records who did).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any

from comity.errors import PreconditionFailed, PreconditionRequired

HEADER = "If-Match"


def _h(value: Any) -> str:
    raw = json.dumps(value, sort_keys=True, default=str, ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(hashlib.sha256(raw).digest()[:6]).decode().rstrip("=")


def etag(fields: dict[str, Any]) -> str:
    """The strong ETag (with its quotes) of an object shown as `fields`."""
    per_field = {k: _h(v) for k, v in sorted(fields.items())}
    raw = json.dumps(per_field, separators=(",", ":")).encode()
    return '"' + base64.urlsafe_b64encode(raw).decode().rstrip("=") + '"'


def _fields_of(tag: str) -> dict[str, str] | None:
    tag = tag.strip()
    if tag.startswith("W/"):
        tag = tag[2:]
    tag = tag.strip('"')
    try:
        data = json.loads(base64.urlsafe_b64decode(tag + "=" * (-len(tag) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        return None
    return data


def require_match(request, current: dict[str, Any], *, what: str) -> None:
    """Refuse an update unless the request's If-Match names the current version of `current` (the object's
    fields as the API shows them). 428 without If-Match; 412 with the fields that changed and their values."""
    sent = request.headers.get(HEADER, "").strip()
    if not sent:
        raise PreconditionRequired({HEADER: f"send the ETag of the {what} you read (GET it first), so that a "
                                            "change made meanwhile by someone else is not overwritten"})
    if sent == "*":
        return
    now = etag(current)
    candidates = [t.strip() for t in sent.split(",")]
    if any(t.removeprefix("W/") == now for t in candidates):
        return
    theirs = _fields_of(candidates[0]) or {}
    changed = {k: current[k] for k in sorted(current) if theirs.get(k) != _h(current[k])}
    names = ", ".join(changed) if theirs else "unknown (the tag sent is not one this server gave out)"
    raise PreconditionFailed({HEADER: f"the {what} was changed since you read it (fields: {names}); read it "
                                      "again, and apply your change to the current version"},
                             changed=changed if theirs else current, current_etag=now)
