"""Messages between instances: the payload and its envelope.

The payload is a canonical JSON document (`Payload`, JSON Schema in docs/exchange/message-v1.schema.json):
format version, message id, conversation (the request it is about), type, sender, recipient, time, the
message it answers, a body whose shape the type fixes, and the attachments (name, media type, size, SHA-256,
and the SHA-256 of each chunk).

The envelope is a JWS (EdDSA, Ed25519) over a JWE (ECDH-ES with X25519, A256GCM): the receiver checks who sent
it and to whom before it decrypts anything. The JWS protected header repeats the routing facts (`iss` sender,
`aud` recipient, `mid` message id) and carries `iat`, the moment of this sending attempt: a retry re-signs the
same JWE with a new `iat`, so the content digest (SHA-256 of the JWE) stays the message's identity while a
captured old attempt falls outside the accepted window. Attachments travel as separate chunks, each its own
JWS over JWE bound to (message id, attachment index, chunk index) in its protected headers; the signed
payload lists every chunk's SHA-256, so nothing can be swapped or left out unnoticed.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from joserfc import jwe, jws
from joserfc.errors import JoseError
from joserfc.registry import HeaderParameter
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, model_validator

from comity.exchange.canonical import canonical, sha256_hex
from comity.exchange.errors import Rejected
from comity.exchange.identity import AUTHORITY_ID, CLOCK_SKEW, SIG_ALGORITHMS, Identity
from comity.exchange.keys import AuthorityKeys

FORMAT = "comity-message/1"
FORMATS_READ = (FORMAT,)
ENC_ALGORITHMS = ["ECDH-ES", "A256GCM"]
#: Largest sealed message (the envelope, not its attachments) and largest chunk this instance accepts.
MAX_ENVELOPE = 2 * 1024 * 1024
MAX_CHUNK = 4 * 1024 * 1024
#: A sealed chunk is base64url twice (the JWE, then the JWS over it): about 16/9 of the chunk, plus headers.
MAX_CHUNK_TOKEN = MAX_CHUNK * 16 // 9 + 16384
#: A sending attempt is accepted for this long after its `iat` (and CLOCK_SKEW before it).
WINDOW = dt.timedelta(minutes=10)

MESSAGE_TYPES: dict[str, str] = {
    "new_request": "a new request for cooperation",
    "acknowledgement": "the requested authority acknowledges receipt and gives its reference",
    "information_request": "the requested authority asks for further information",
    "information": "the answer to a request for further information",
    "status_update": "a step in the request's life (under assessment, in execution, refused, closed)",
    "execution_result": "the result of execution, with an evidence manifest and the evidence as attachments",
    "withdrawal": "the requesting authority withdraws the request",
    "evidence": "signed evidence about an earlier message (retrieval or non-retrieval)",
    "key_rotation": "the sender's new identity after a key rotation, signed with its previous key",
}
MessageType = Literal["new_request", "acknowledgement", "information_request", "information", "status_update",
                      "execution_result", "withdrawal", "evidence", "key_rotation"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Person(_Strict):
    """A person or company named in a request, as FollowTheMoney properties (lists of strings)."""
    schema_: str = Field(alias="schema", pattern="^(Person|Company|Organization|LegalEntity)$")
    role: str = Field("", max_length=100)
    properties: dict[str, list[str]]


class NewRequestBody(_Strict):
    kind: Literal["mla", "extradition", "notice", "transfer", "asset_recovery"]
    reference: str = Field(min_length=1, max_length=40, description="the requesting authority's reference")
    subject: str = Field(min_length=1, max_length=300)
    requesting_state: str = Field(pattern="^[A-Z]{2}$")
    requested_state: str = Field(pattern="^[A-Z]{2}$")
    requesting_authority: str = Field("", max_length=200)
    requested_authority: str = Field("", max_length=200)
    urgency: Literal["normal", "urgent", "very_urgent"] = "normal"
    urgency_reason: str = Field("", max_length=500)
    legal_basis_instrument: str = Field("", max_length=60)
    legal_basis: str = Field("", max_length=300)
    summary: str = Field("", max_length=20000, description="the facts of the case")
    measures: list[str] = Field(default_factory=list, max_length=50)
    offences: list[str] = Field(default_factory=list, max_length=50, description="offence categories")
    persons: list[Person] = Field(default_factory=list, max_length=200)


class AcknowledgementBody(_Strict):
    reference: str = Field(min_length=1, max_length=40, description="the requested authority's reference")
    comment: str = Field("", max_length=5000)


class InformationRequestBody(_Strict):
    questions: str = Field(min_length=1, max_length=20000)


class InformationBody(_Strict):
    answer: str = Field(min_length=1, max_length=20000)


class StatusUpdateBody(_Strict):
    status: str = Field(min_length=1, max_length=40, description="the status code of the request's lifecycle")
    step: str = Field("", max_length=60, description="the lifecycle step that led there")
    comment: str = Field("", max_length=5000)
    grounds: list[str] = Field(default_factory=list, max_length=30, description="refusal grounds, if refused")


class EvidenceItem(_Strict):
    attachment: int = Field(ge=0)
    item: str = Field(min_length=1, max_length=60, description="the sender's evidence item reference")
    description: str = Field("", max_length=500)
    sha256: str = Field(pattern="^[0-9a-f]{64}$")
    custody: list[dict[str, str]] = Field(default_factory=list, max_length=500)


class ExecutionResultBody(_Strict):
    outcome: Literal["executed", "partially_executed"]
    comment: str = Field("", max_length=5000)
    evidence: list[EvidenceItem] = Field(default_factory=list, max_length=100)


class WithdrawalBody(_Strict):
    reason: str = Field("", max_length=5000)


class EvidenceBody(_Strict):
    evidence: str = Field(min_length=10, max_length=20000, description="a signed evidence token")


class KeyRotationBody(_Strict):
    identity: str = Field(min_length=10, max_length=20000, description="the new identity file")


BODIES: dict[str, type[_Strict]] = {
    "new_request": NewRequestBody, "acknowledgement": AcknowledgementBody,
    "information_request": InformationRequestBody, "information": InformationBody,
    "status_update": StatusUpdateBody, "execution_result": ExecutionResultBody, "withdrawal": WithdrawalBody,
    "evidence": EvidenceBody, "key_rotation": KeyRotationBody,
}


class AttachmentRef(_Strict):
    index: int = Field(ge=0, lt=100)
    name: str = Field(min_length=1, max_length=255)
    media_type: str = Field("application/octet-stream", max_length=100)
    size: int = Field(ge=0)
    sha256: str = Field(pattern="^[0-9a-f]{64}$")
    chunk_size: int = Field(ge=1, le=MAX_CHUNK)
    chunks: list[str] = Field(description="SHA-256 (hex) of each chunk, in order")

    @model_validator(mode="after")
    def _chunk_count(self):
        expected = max(1, -(-self.size // self.chunk_size))
        if len(self.chunks) != expected:
            raise ValueError(f"{self.size} bytes in chunks of {self.chunk_size} make {expected} chunks, "
                             f"not {len(self.chunks)}")
        return self


class Payload(_Strict):
    format: str = Field(FORMAT)
    id: str = Field(pattern="^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
    conversation: str = Field(min_length=1, max_length=100,
                              description="the request: the requesting authority's id and its reference")
    type: MessageType
    sender: str = Field(pattern=AUTHORITY_ID)
    recipient: str = Field(pattern=AUTHORITY_ID)
    created: AwareDatetime
    in_reply_to: str | None = None
    body: dict
    attachments: list[AttachmentRef] = Field(default_factory=list, max_length=100)

    @model_validator(mode="after")
    def _body(self):
        BODIES[self.type].model_validate(self.body)
        for i, a in enumerate(self.attachments):
            if a.index != i:
                raise ValueError(f"attachment {i} has index {a.index}")
        return self

    @classmethod
    def new(cls, *, type: str, sender: str, recipient: str, conversation: str, body: dict,
            attachments: list[AttachmentRef] | None = None, in_reply_to: str | None = None,
            created: dt.datetime | None = None) -> Payload:
        created = created or dt.datetime.now(dt.UTC).replace(microsecond=0)
        return cls(id=str(uuid.uuid4()), conversation=conversation, type=type, sender=sender, recipient=recipient,
                   created=created, in_reply_to=in_reply_to, body=body, attachments=attachments or [])

    def document(self) -> dict:
        return json.loads(self.model_dump_json(by_alias=True))

    def typed_body(self):
        return BODIES[self.type].model_validate(self.body)


_ROUTING = {"iss": HeaderParameter("sender authority", "str"), "aud": HeaderParameter("recipient authority", "str"),
            "mid": HeaderParameter("message id", "str"), "iat": HeaderParameter("time of this attempt", "int"),
            "att": HeaderParameter("attachment index", "int"), "idx": HeaderParameter("chunk index", "int")}


class _JWS(jws.JWSRegistry):
    max_payload_length = MAX_CHUNK_TOKEN


class _JWE(jwe.JWERegistry):
    max_ciphertext_length = MAX_CHUNK * 4 // 3 + 64


_jws_registry = _JWS(header_registry=_ROUTING, algorithms=SIG_ALGORITHMS)
_jwe_registry = _JWE(header_registry=_ROUTING, algorithms=ENC_ALGORITHMS)


def _epoch(when: dt.datetime) -> int:
    return int(when.timestamp())


def encrypt(plaintext: bytes, recipient: Identity, extra: dict) -> str:
    enc = recipient.current("enc")
    return jwe.encrypt_compact({"alg": "ECDH-ES", "enc": "A256GCM", "kid": enc.kid, **extra}, plaintext,
                               enc.jwk(), registry=_jwe_registry)


def sign(content: str, keys: AuthorityKeys, header: dict, now: dt.datetime | None = None) -> str:
    now = now or dt.datetime.now(dt.UTC)
    pair = keys.signing()
    return jws.serialize_compact({"alg": "Ed25519", "kid": pair.kid, **header, "iat": _epoch(now)}, content,
                                 pair.key, registry=_jws_registry)


@dataclass
class Sealed:
    jwe: str  # the encrypted content: its SHA-256 is the message's digest, the same on every attempt
    digest: str
    header: dict  # the routing header the JWS repeats

    def for_attempt(self, keys: AuthorityKeys, now: dt.datetime | None = None) -> str:
        """The envelope to send now: the JWE signed with a fresh `iat`."""
        return sign(self.jwe, keys, self.header, now)


def seal_envelope(payload: Payload, *, sender: AuthorityKeys, recipient: Identity) -> Sealed:
    if payload.recipient != recipient.authority:
        raise ValueError("the payload's recipient is not the identity it is sealed to")
    routing = {"typ": "comity-message+jws", "iss": payload.sender, "aud": payload.recipient, "mid": payload.id}
    content = encrypt(canonical(payload.document()), recipient, {"cty": FORMAT, "mid": payload.id})
    return Sealed(jwe=content, digest=sha256_hex(content.encode("ascii")), header=routing)


@dataclass
class Opened:
    payload: Payload | None  # None for a chunk
    digest: str  # SHA-256 of the JWE (the content's identity across attempts)
    sender: Identity
    sender_kid: str
    sent_at: dt.datetime  # the attempt's iat
    header: dict
    content: bytes = b""  # a chunk's plaintext


PeerLookup = Callable[[str], "Identity | None"]


def _verify(token: str | bytes, *, typ: str, me: AuthorityKeys, my_authority: str, peers: PeerLookup,
            now: dt.datetime, max_size: int) -> tuple[dict, Identity, str, dt.datetime, bytes, bytes]:
    if isinstance(token, bytes):
        try:
            token = token.decode("ascii")
        except UnicodeDecodeError:
            raise Rejected("malformed", "the envelope is not ASCII (a JWS compact serialization)") from None
    token = token.strip()
    if len(token) > max_size:
        raise Rejected("oversized", f"{len(token)} bytes; at most {max_size}")
    try:
        unverified = jws.extract_compact(token.encode("ascii"), None, _jws_registry)
    except (JoseError, ValueError) as e:
        raise Rejected("malformed", f"not a JWS compact serialization ({e.__class__.__name__})") from None
    header = dict(unverified.protected)
    if header.get("typ") != typ:
        raise Rejected("malformed", f"the JWS type is {header.get('typ')!r}, not {typ!r}")
    for key, kind in (("iss", str), ("aud", str), ("mid", str), ("iat", int), ("kid", str)):
        if not isinstance(header.get(key), kind):
            raise Rejected("malformed", f"the JWS header has no valid {key!r}")
    sender = peers(header["iss"])
    if sender is None:
        raise Rejected("unknown_sender", f"{header['iss']} is not on the trust list")
    try:
        sent_at = dt.datetime.fromtimestamp(header["iat"], dt.UTC)
    except (OverflowError, ValueError, OSError):
        raise Rejected("malformed", f"the JWS header's 'iat' is not a possible time: {header['iat']}") from None
    record = sender.key(header["kid"], "sig", sent_at)
    if record is None:
        raise Rejected("unknown_sender", f"{header['iss']} has no signing key {header['kid'][:12]}… valid at "
                       f"{sent_at.isoformat()}")
    try:
        verified = jws.deserialize_compact(token, record.jwk(), registry=_jws_registry)
    except JoseError:
        raise Rejected("bad_signature", f"signed as {header['iss']} key {header['kid'][:12]}…") from None
    if header["aud"] != my_authority:
        raise Rejected("wrong_recipient", f"addressed to {header['aud']}, this is {my_authority}")
    if not (now - WINDOW <= sent_at <= now + CLOCK_SKEW):
        raise Rejected("replay_window", f"sent at {sent_at.isoformat()}, received at "
                       f"{now.replace(microsecond=0).isoformat()}; accepted: {int(WINDOW.total_seconds() // 60)} "
                       f"minutes after, {int(CLOCK_SKEW.total_seconds() // 60)} before")
    content = bytes(verified.payload)
    try:
        inner = jwe.extract_compact(content, _jwe_registry)
        inner_header = dict(inner.protected)
    except (JoseError, ValueError) as e:
        raise Rejected("malformed", f"the signed content is not a JWE ({e.__class__.__name__})") from None
    for key in ("mid", "att", "idx"):
        if key in header and inner_header.get(key) != header[key]:
            raise Rejected("malformed", f"the JWE header's {key!r} differs from the signed header's")
    pair = me.by_kid(str(inner_header.get("kid", "")), "enc")
    if pair is None:
        raise Rejected("decrypt_failed", "encrypted to a key this authority does not hold (or no longer holds)")
    try:
        plain = jwe.decrypt_compact(content, pair.key, registry=_jwe_registry).plaintext
    except (JoseError, ValueError):
        raise Rejected("decrypt_failed") from None
    return header, sender, record.kid, sent_at, bytes(plain or b""), content


def open_envelope(token: str | bytes, *, me: AuthorityKeys, my_authority: str, peers: PeerLookup,
                  now: dt.datetime | None = None) -> Opened:
    """Verify, decrypt and parse a message envelope, or raise `Rejected` with the reason."""
    now = now or dt.datetime.now(dt.UTC)
    header, sender, kid, sent_at, plain, content = _verify(
        token, typ="comity-message+jws", me=me, my_authority=my_authority, peers=peers, now=now,
        max_size=MAX_ENVELOPE)
    try:
        doc = json.loads(plain)
    except ValueError:
        raise Rejected("malformed", "the decrypted content is not JSON") from None
    if not isinstance(doc, dict):
        raise Rejected("malformed", "the decrypted content is not a JSON object")
    if doc.get("format") not in FORMATS_READ:
        raise Rejected("unsupported_version", f"{doc.get('format')!r}; this instance reads {', '.join(FORMATS_READ)}")
    if doc.get("type") not in MESSAGE_TYPES:
        raise Rejected("unknown_type", f"{doc.get('type')!r}")
    try:
        payload = Payload.model_validate(doc)
    except ValidationError as e:
        first = e.errors()[0]
        raise Rejected("schema", f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}") from None
    if payload.sender != header["iss"]:
        raise Rejected("sender_mismatch", f"signed by {header['iss']}, payload says {payload.sender}")
    if payload.recipient != my_authority:
        raise Rejected("wrong_recipient", f"the payload is addressed to {payload.recipient}")
    if payload.id != header["mid"]:
        raise Rejected("malformed", "the payload's id differs from the signed header's")
    return Opened(payload=payload, digest=sha256_hex(content),
                  sender=sender, sender_kid=kid, sent_at=sent_at, header=header)


def _releasing(fn):
    """Collect the youngest garbage after `fn`: joserfc's token objects form reference cycles, and a cycle holding
    a megabyte of ciphertext is freed only when the collector runs, which counts objects, not bytes. Without this a
    1 GiB attachment (1,024 chunks) left several hundred MB of dead chunks in a worker (benchmarks/bench_exchange.py);
    a generation-0 collection costs well under a millisecond."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        finally:
            gc.collect(0)
    return wrapper


@_releasing
def seal_chunk(data: bytes, *, message_id: str, attachment: int, index: int, sender: AuthorityKeys,
               sender_authority: str, recipient: Identity, now: dt.datetime | None = None) -> str:
    if len(data) > MAX_CHUNK:
        raise ValueError(f"a chunk holds at most {MAX_CHUNK} bytes")
    binding = {"mid": message_id, "att": attachment, "idx": index}
    content = encrypt(data, recipient, {"cty": "application/octet-stream", **binding})
    return sign(content, sender, {"typ": "comity-chunk+jws", "iss": sender_authority, "aud": recipient.authority,
                                  **binding}, now)


@_releasing
def open_chunk(token: str | bytes, *, me: AuthorityKeys, my_authority: str, peers: PeerLookup,
               now: dt.datetime | None = None) -> Opened:
    """Verify and decrypt one attachment chunk; `header` gives mid, att and idx, `content` the bytes."""
    now = now or dt.datetime.now(dt.UTC)
    header, sender, kid, sent_at, plain, _content = _verify(
        token, typ="comity-chunk+jws", me=me, my_authority=my_authority, peers=peers, now=now,
        max_size=MAX_CHUNK_TOKEN)
    if not isinstance(header.get("att"), int) or not isinstance(header.get("idx"), int):
        raise Rejected("malformed", "a chunk's header names its attachment and index")
    return Opened(payload=None, digest=sha256_hex(plain), sender=sender, sender_kid=kid, sent_at=sent_at,
                  header=header, content=plain)


@_releasing
def decrypt_stored_chunk(token: str | bytes, *, me: AuthorityKeys) -> bytes:
    """The content of a chunk this instance verified on arrival and kept as received (still encrypted to it)."""
    if isinstance(token, bytes):
        token = token.decode("ascii")
    content = jws.extract_compact(token.strip().encode("ascii"), None, _jws_registry).payload
    inner = jwe.extract_compact(content, _jwe_registry)
    pair = me.by_kid(str(inner.protected.get("kid", "")), "enc")
    if pair is None:
        raise Rejected("decrypt_failed", "a kept chunk is encrypted to a key this authority no longer holds")
    return bytes(jwe.decrypt_compact(content, pair.key, registry=_jwe_registry).plaintext or b"")
