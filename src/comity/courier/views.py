"""The receiving end of the exchange (docs/exchange.md, "HTTP transport"): no session, no CSRF, no login:
every request carries its own signature, checked against the trust list before anything is stored."""

from __future__ import annotations

import json
import logging

from django.db import OperationalError
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from comity.courier import actions, local, staging
from comity.errors import ComityError
from comity.exchange import Rejected, open_chunk, open_envelope
from comity.exchange.canonical import sha256_hex
from comity.exchange.message import MAX_CHUNK_TOKEN, MAX_ENVELOPE

log = logging.getLogger("comity.exchange")
JOSE = "application/jose"
STATUS = {"unknown_sender": 403, "bad_signature": 403, "wrong_recipient": 403, "sender_mismatch": 403,
          "id_reused": 409, "oversized": 413}


def _claimed(body: bytes) -> tuple[str, str]:
    """The sender and message id the (unverified) header claims, for the operator's log only."""
    import base64

    try:
        head = body.split(b".", 1)[0]
        doc = json.loads(base64.urlsafe_b64decode(head + b"=" * (-len(head) % 4)))
        return str(doc.get("iss", ""))[:70], str(doc.get("mid", ""))[:36]
    except (ValueError, TypeError):
        return "", ""


def _read(request, limit: int) -> bytes:
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > limit:
        raise Rejected("oversized", f"{length} bytes; at most {limit}")
    return request.read(limit + 1)


def _remote(request) -> str:
    return request.META.get("REMOTE_ADDR", "")[:60]


@require_GET
def identity(request):
    if not local.is_initialised():
        return JsonResponse({"reason": "not_applicable", "detail": "no exchange identity"}, status=404)
    return HttpResponse(local.identity_file(), content_type=JOSE)


@csrf_exempt
@require_http_methods(["PUT"])
def chunk(request, mid: str, att: int, idx: int):
    body = b""
    try:
        body = _read(request, MAX_CHUNK_TOKEN)
        opened = open_chunk(body, me=local.keys(), my_authority=local.authority(), peers=actions.trusted_lookup)
        h = opened.header
        if (h["mid"], h["att"], h["idx"]) != (mid, att, idx):
            raise Rejected("malformed", "the chunk's signed header names another place than the address")
        if actions.already_received(mid):  # a retry after the message itself arrived: nothing more to keep
            return JsonResponse({"sha256": opened.digest}, status=200)
        created = staging.keep(mid, att, idx, body, opened.digest)
    except Rejected as e:
        claimed, _ = _claimed(body)
        actions.record_rejection("chunk", e, claimed=claimed, mid=mid, digest=sha256_hex(body) if body else "",
                                 remote=_remote(request))
        return JsonResponse({"reason": e.reason, "detail": e.detail}, status=STATUS.get(e.reason, 422))
    return JsonResponse({"sha256": opened.digest}, status=201 if created else 200)


@csrf_exempt
@require_http_methods(["POST"])
def messages(request):
    body = b""
    claimed, mid = "", ""
    try:
        body = _read(request, MAX_ENVELOPE)
        claimed, mid = _claimed(body)
        opened = open_envelope(body, me=local.keys(), my_authority=local.authority(), peers=actions.trusted_lookup)
        earlier = actions.earlier_delivery(opened)
        if earlier is not None:  # a retry of a message already received: its original receipt, nothing changes
            staging.discard(opened.payload.id)
            resp = HttpResponse(earlier, content_type=JOSE, status=200)
            resp["Comity-Evidence-Type"] = "DELIVERY"
            return resp
        assembled = {}
        for ref in opened.payload.attachments:
            part = staging.Assembled(opened.payload.id, ref)
            part.check()
            assembled[ref.index] = part
        try:
            msg, token, duplicate = actions.receive(opened, assembled=assembled)
        except Rejected:
            raise
        except ComityError as e:  # an action refused what the message asks (nothing was stored)
            raise Rejected("not_applicable", e.message[:300]) from None
    except Rejected as e:
        digest = sha256_hex(body) if body else ""
        actions.record_rejection("message", e, claimed=claimed, mid=mid, digest=digest, remote=_remote(request))
        try:
            token = actions.negative_evidence(e, mid=mid, sender=claimed)
        except Exception:  # no identity yet: still a clear answer
            return JsonResponse({"reason": e.reason, "detail": e.detail}, status=STATUS.get(e.reason, 422))
        resp = HttpResponse(token, content_type=JOSE, status=STATUS.get(e.reason, 422))
        resp["Comity-Evidence-Type"] = "NON_DELIVERY"
        return resp
    except OperationalError:
        log.exception("could not store a message now")
        return JsonResponse({"reason": "transport", "detail": "try again later"}, status=503)
    if not duplicate:
        staging.discard(msg.mid)
    resp = HttpResponse(token, content_type=JOSE, status=200)
    resp["Comity-Evidence-Type"] = "DELIVERY"
    return resp
