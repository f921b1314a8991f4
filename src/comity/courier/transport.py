"""HTTPS between instances with the peer's certificate pinned: the connection is made, the certificate the
peer presents is hashed (SHA-256 of its DER bytes) and compared with the pin from its identity before a single
byte of the request is sent. No certificate authority is involved: the trust list is the trust anchor."""

from __future__ import annotations

import hashlib
import http.client
import json
import ssl
from urllib.parse import urlsplit

from django.conf import settings

from comity.exchange import seal_chunk


class Unreachable(Exception):
    """The peer could not be reached, answered 5xx, or presented another certificate: retry later."""


class Refused(Exception):
    """The peer refused (4xx) with a reason code."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}")
        self.reason, self.detail = reason, detail


def _context() -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # the pin below replaces certificate authorities
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx


def request(peer, method: str, path: str, body: bytes = b"", *, timeout: float | None = None):
    url = urlsplit(peer.endpoint)
    timeout = timeout or settings.COMITY_EXCHANGE_TIMEOUT_SECONDS
    conn = http.client.HTTPSConnection(url.hostname, url.port or 443, timeout=timeout, context=_context())
    try:
        conn.connect()
        der = conn.sock.getpeercert(binary_form=True) or b""
        if hashlib.sha256(der).hexdigest() != peer.tls_pin:
            raise Unreachable(f"{peer.authority} presented a TLS certificate that is not the pinned one")
        conn.request(method, url.path + path, body=body,
                     headers={"Content-Type": "application/jose", "Content-Length": str(len(body))})
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, resp.getheader("Comity-Evidence-Type", ""), data
    except (TimeoutError, OSError, http.client.HTTPException, ssl.SSLError) as e:
        raise Unreachable(f"{peer.authority}: {e.__class__.__name__}: {e}"[:250]) from None
    finally:
        conn.close()


def _refusal(status: int, data: bytes):
    try:
        doc = json.loads(data)
        return Refused(doc.get("reason", "transport"), doc.get("detail", ""))
    except ValueError:
        return Refused("transport", f"HTTP {status}")


def send_attachment(peer, ident, keys, me: str, mid: str, att) -> None:
    """Every chunk of one attachment, read from storage one chunk at a time."""
    from comity.courier.actions import _stream

    for idx, block in enumerate(_stream(att.document or att.evidence_item, att.chunk_size)):
        token = seal_chunk(block, message_id=mid, attachment=att.index, index=idx, sender=keys,
                           sender_authority=me, recipient=ident)
        status, _, data = request(peer, "PUT", f"messages/{mid}/attachments/{att.index}/chunks/{idx}",
                                  token.encode("ascii"))
        if status >= 500:
            raise Unreachable(f"{peer.authority} answered {status} to a chunk")
        if status >= 400:
            raise _refusal(status, data)


def post_envelope(peer, token: str) -> tuple[int, bytes]:
    """POST the envelope; the answer's body is signed evidence (DELIVERY, or NON_DELIVERY with a reason)."""
    status, kind, data = request(peer, "POST", "messages", token.encode("ascii"))
    if status >= 500:
        raise Unreachable(f"{peer.authority} answered {status}")
    if not kind:
        raise Unreachable(f"{peer.authority} answered {status} without evidence")
    return status, data
