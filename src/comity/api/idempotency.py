"""Idempotency keys: a retried write does not happen twice.

A client that sends `Idempotency-Key: <its own unique string>` with a POST, PUT, PATCH or DELETE under
/api/ gets, for every retry with the same key, the answer of the first call that succeeded, with
`Idempotent-Replayed: true`, and nothing is done again. The key belongs to the credential that used it
(two tokens may use the same key independently) and is kept for 24 hours.

- the same key with a different body, method or path: 422 naming `Idempotency-Key`; nothing is done;
- the same key while the first call is still running: 409 (`conflict`), try again in a moment;
- a first call that failed (4xx, 5xx) keeps nothing: fix the request and send it again with the same key.

The body is compared by its SHA-256: of the raw JSON, or for a file upload (multipart) of its fields and
each file's SHA-256, computed from the spooled upload, so large files still stream.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from django.http import HttpResponse, JsonResponse
from django.utils import timezone

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
KEEP = dt.timedelta(hours=24)
RUNNING_FOR = dt.timedelta(minutes=5)  # a first call still "running" after this is taken to have died
KEEP_BODY = 2 * 1024 * 1024
WRITES = ("POST", "PUT", "PATCH", "DELETE")
KEPT_HEADERS = ("ETag", "Location", "Content-Disposition")


def _error(status: int, code: str, reason: str) -> JsonResponse:
    message = f"{HEADER}: {reason}"
    return JsonResponse({"error": code, "message": message, "errors": {HEADER: reason}, "detail": message},
                        status=status)


def _fingerprint(request) -> str:
    h = hashlib.sha256()
    h.update(f"{request.method} {request.path}?{request.META.get('QUERY_STRING', '')}\n".encode())
    if request.content_type == "multipart/form-data":
        fields = {k: request.POST.getlist(k) for k in sorted(request.POST)}
        files = {}
        for name in sorted(request.FILES):
            files[name] = []
            for f in request.FILES.getlist(name):
                fh = hashlib.sha256()
                for chunk in f.chunks():
                    fh.update(chunk)
                f.seek(0)
                files[name].append([f.name, fh.hexdigest()])
        h.update(json.dumps({"fields": fields, "files": files}, sort_keys=True).encode())
    else:
        h.update(request.body)
    return h.hexdigest()


def _replay(call) -> HttpResponse:
    response = HttpResponse(bytes(call.body), status=call.status, content_type=call.content_type or None)
    for k, v in (call.headers or {}).items():
        response[k] = v
    response[REPLAYED] = "true"
    return response


class IdempotencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = request.headers.get(HEADER)
        if key is None or request.method not in WRITES or not request.path.startswith("/api/"):
            return self.get_response(request)
        auth = request.headers.get("Authorization", "")
        if not auth:
            return self.get_response(request)  # refused as unauthenticated by the API itself
        if not (1 <= len(key) <= 200) or not key.isascii() or not key.isprintable():
            return _error(422, "invalid_input", "must be 1 to 200 printable ASCII characters")
        from comity.api import actions
        from comity.api.models import IdempotentCall

        try:
            fingerprint = _fingerprint(request)
        except Exception:  # a body the parsers refuse: let the operation answer with its own named error
            return self.get_response(request)
        principal = hashlib.sha256(auth.encode()).hexdigest()
        call = actions.claim_idempotency_key(principal=principal, key=key, method=request.method, path=request.path,
                                             fingerprint=fingerprint, keep=KEEP)
        if call is not None:
            if call.fingerprint != fingerprint:
                return _error(422, "invalid_input", f"was already used for a different call ({call.method} "
                                                    f"{call.path} with another body); use a new key for a "
                                                    "new call")
            if call.state == IdempotentCall.State.DONE:
                return _replay(call)
            if timezone.now() - call.created_at < RUNNING_FOR:
                return _error(409, "conflict", "the first call with this key is still running; try again in "
                                               "a moment")
            actions.restart_idempotent_call(call)
        response = self.get_response(request)
        if 200 <= response.status_code < 300:
            streaming = getattr(response, "streaming", False)
            body = b"" if streaming else response.content
            if streaming or len(body) > KEEP_BODY:
                body = json.dumps({"detail": "This call was already made with this idempotency key; its answer "
                                             "was too large to keep, read the object again."}).encode()
                content_type = "application/json"
            else:
                content_type = response.get("Content-Type", "")
            actions.keep_idempotent_answer(principal=principal, key=key, status=response.status_code,
                                           content_type=content_type, body=body,
                                           headers={h: response[h] for h in KEPT_HEADERS if response.has_header(h)})
        else:
            actions.forget_idempotency_key(principal=principal, key=key)
        return response
