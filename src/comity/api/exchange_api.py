"""API operations: the exchange between authorities (see comity.api.common for the shared rules: compartments,
scopes, lists, ETags).

The same rules as the exchange's pages (comity.courier.web_views), through the same actions
(comity.courier.actions):

- messages in and out: those of the cases the caller is a member of; oversight users read a message of any case
  with a stated `purpose`; messages about no case (key rotations) are the administrators'. Reading a received
  message as a member of its case is opening it: RETRIEVAL evidence is recorded and sent back to its sender;
- the trust list, this instance's identity, the directory of authorities, the routes and the refused arrivals:
  administrators (403 for anyone else); changes need a write token.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from ninja import Query, Router, Schema, Status
from pydantic import Field

from comity.accounts.models import Unit
from comity.api.common import (CURSOR_DOC, LIMIT_DOC, PURPOSE_DOC, Page, page_of, require_match, set_etag,
                               sort_description, writer)
from comity.api.schemas import content, errors, if_match
from comity.cases import reads
from comity.courier import actions
from comity.courier import web_views as words
from comity.courier.models import COOPERATION_KINDS, DirectoryEntry, Message, Peer, Rejection, Route
from comity.errors import InvalidInput, NotFound
from comity.exchange import fingerprint, format_fingerprint
from comity.web.fields import language_label, state_name

router = Router(tags=["exchange"])

MessageStatus = Literal["", "queued", "retrying", "delivered", "refused", "failed", "received", "retrieved",
                        "trouble"]
MessageType = Literal["", "new_request", "acknowledgement", "information_request", "information", "status_update",
                      "execution_result", "withdrawal", "evidence", "key_rotation"]
KindCode = Literal["mla", "extradition", "notice", "transfer", "asset_recovery"]
AuthorityKind = Literal["central_authority", "prosecutor", "court", "police", "ministry"]
ChannelCode = Literal["comity", "ecodex", "diplomatic", "post", "email", "interpol"]


def _admin(request):
    words.require_admin(request.user)
    return request.user


def _admin_writer(request):
    _admin(request)
    return writer(request)


# --- messages ---------------------------------------------------------------------------------------------------

class EvidenceOut(Schema):
    id: int
    type: str = Field(description="SUBMISSION_ACCEPTANCE, SUBMISSION_REJECTION, DELIVERY, NON_DELIVERY, RETRIEVAL "
                                  "or NON_RETRIEVAL")
    type_label: str
    description: str
    issuer: str = Field(description="The authority id of the instance that signed it")
    issuer_label: str
    at: dt.datetime
    reason: str = Field(description="For negative evidence: the reason code")
    reason_label: str
    detail: str


class AttachmentOut(Schema):
    index: int
    name: str
    media_type: str
    size: int
    sha256: str
    document_id: int | None = Field(description="The case document it is (sent) or became (received)")
    evidence_item_id: int | None = Field(description="The evidence item it is or became")


class FieldOut(Schema):
    key: str
    label: str
    value: str


class MessageOut(Schema):
    id: int
    mid: str = Field(description="The message id both instances know it by")
    direction: str
    direction_label: str
    type: str
    type_label: str
    status: str
    status_label: str
    reason: str = Field(description="Why it is not delivered (failed, refused or retrying): a reason code, or ''")
    reason_label: str
    reason_detail: str
    peer: str = Field(description="The other authority's id")
    peer_name: str
    case_id: int | None
    case_reference: str
    request_id: int | None
    request_reference: str
    their_reference: str
    created_at: dt.datetime
    delivered_at: dt.datetime | None
    retrieved_at: dt.datetime | None
    attempts: int
    evidence_types: list[str]


class MessageDetailOut(MessageOut):
    conversation: str
    in_reply_to: str
    digest: str = Field(description="SHA-256 of the sealed content (the JWE)")
    body: dict = Field(description="The body as the message carries it (its shape depends on the type)")
    fields: list[FieldOut] = Field(description="The body as labelled fields, as the web page shows them")
    attachments: list[AttachmentOut]
    evidence: list[EvidenceOut]


def _message_out(x: Message) -> dict:
    fail = x.failure or {}
    req = x.request
    return {"id": x.pk, "mid": x.mid, "direction": x.direction, "direction_label": x.get_direction_display(),
            "type": x.type, "type_label": x.type_label, "status": x.status, "status_label": x.status_label,
            "reason": fail.get("code", ""), "reason_label": fail.get("label", ""),
            "reason_detail": fail.get("detail", ""), "peer": x.peer.authority, "peer_name": x.peer.name,
            "case_id": x.case_id, "case_reference": x.case.reference if x.case else "",
            "request_id": req.pk if req else None, "request_reference": req.reference if req else "",
            "their_reference": x.conversation.their_reference if x.conversation else "",
            "created_at": x.created_at, "delivered_at": x.delivered_at, "retrieved_at": x.retrieved_at,
            "attempts": x.attempts, "evidence_types": [r["e"].type for r in x.evidence_rows]}


def _evidence_out(r: dict) -> dict:
    e = r["e"]
    return {"id": e.pk, "type": e.type, "type_label": r["label"], "description": r["description"],
            "issuer": e.issuer, "issuer_label": r["issuer_label"], "at": e.at, "reason": e.reason,
            "reason_label": r["reason_label"], "detail": e.detail}


MESSAGE_SORTS = {"created": "created_at"}


@router.get("/exchange/messages", response={200: Page[MessageOut], **errors(422)},
            summary="Messages sent to and received from other authorities in your cases, a page at a time")
def list_exchange_messages(request,
                           status: MessageStatus = Query("", description="A status; `trouble`: failed or refused"),
                           direction: Literal["", "in", "out"] = Query("", description="`out` sent, `in` received"),
                           type: MessageType = Query("", description="A message type"),
                           case: str = Query("", max_length=40, description="Only this case (its reference)"),
                           sort: str = Query("-created", description=sort_description(MESSAGE_SORTS, "-created")),
                           cursor: str | None = Query(None, description=CURSOR_DOC),
                           limit: int = Query(50, description=LIMIT_DOC)):
    qs = words.visible_messages(request.user)
    if status == "trouble":
        qs = qs.filter(status__in=words.TROUBLE)
    elif status:
        qs = qs.filter(status=status)
    exact = {"direction": direction, "type": type, "case__reference": case.strip()}
    qs = qs.filter(**{k: v for k, v in exact.items() if v})
    qs = qs.select_related("peer", "case", "conversation__request").prefetch_related("evidence")
    me = words._me()
    return page_of(qs, sort=sort, sorts=MESSAGE_SORTS, default="-created", cursor=cursor, limit=limit,
                   serialize=lambda x: _message_out(words.decorate(x, me)),
                   on_page=lambda rows: reads.log_list(request.user, what="exchange_list",
                                                       cases=[x.case for x in rows if x.case is not None],
                                                       via="api"))


def _open(request, message_id: int, purpose: str | None) -> tuple[Message, str]:
    return words.open_message(request.user, message_id, stated=purpose, via="api")


@router.get("/exchange/messages/{message_id}", response={200: MessageDetailOut, **errors(404, 422)},
            summary="One message with what it carries and its chain of signed evidence (the read is logged; a "
                    "received message read by a member of its case is opened: RETRIEVAL evidence goes back to its "
                    "sender)")
def get_exchange_message(request, message_id: int, purpose: str | None = Query(None, description=PURPOSE_DOC)):
    msg, p = _open(request, message_id, purpose)
    msg = words.retrieve_if_opened(msg, request.user, via="api")
    words.log_message_read(request.user, msg, p, via="api")
    words.decorate(msg)
    body = words.payload_fields(msg)
    return {**_message_out(msg), "conversation": msg.payload.get("conversation", ""), "in_reply_to": msg.in_reply_to,
            "digest": msg.digest, "body": (msg.payload or {}).get("body") or {},
            "fields": [{"key": f["key"], "label": f["label"], "value": str(f["value"])} for f in body["fields"]],
            "attachments": [{"index": a.index, "name": a.name, "media_type": a.media_type, "size": a.size,
                             "sha256": a.sha256, "document_id": a.document_id,
                             "evidence_item_id": a.evidence_item_id} for a in msg.attachments.all()],
            "evidence": [_evidence_out(r) for r in msg.evidence_rows]}


@router.get("/exchange/messages/{message_id}/evidence/{evidence_id}", response=errors(404, 422),
            summary="Download one piece of signed evidence of a message (a compact JWS, verifiable with the "
                    "issuer's identity; the download is logged)",
            openapi_extra=content("application/jose", "The signed evidence (compact JWS)"))
def download_exchange_evidence(request, message_id: int, evidence_id: int,
                               purpose: str | None = Query(None, description=PURPOSE_DOC)):
    msg, p = _open(request, message_id, purpose)
    ev = next((e for e in msg.evidence.all() if e.pk == evidence_id), None)
    if ev is None:
        raise NotFound("No such evidence.")
    words.log_message_read(request.user, msg, p, what="exchange_evidence", via="api")
    resp = HttpResponse(ev.token.strip() + "\n", content_type="application/jose")
    resp["Content-Disposition"] = content_disposition_header(True, words.evidence_filename(msg, ev))
    return resp


# --- trust list and identity ------------------------------------------------------------------------------------

class KeyOut(Schema):
    kid: str
    use: str
    valid_from: dt.datetime | None
    valid_until: dt.datetime | None


class PeerOut(Schema):
    id: int
    authority: str
    name: str
    state: str
    state_name: str
    role: str
    role_label: str
    endpoint: str
    tls_certificate_sha256: str
    status: str
    status_label: str
    fingerprint: str = Field(description="SHA-256 (hex) of the authority id and its current signing key")
    fingerprint_groups: str = Field(description="The fingerprint in 16 groups of 4, as people read it aloud")
    imported_by: str
    imported_at: dt.datetime
    confirmed_by: str
    confirmed_at: dt.datetime | None
    confirmation: str = Field(description="How the fingerprint was compared, as the administrator wrote it")
    revoked_at: dt.datetime | None


class PeerDetailOut(PeerOut):
    keys: list[KeyOut]
    identity_file: str


class PeerImportIn(Schema):
    identity_file: str = Field(description="The signed identity file the other authority sent (a compact JWS)")


class PeerConfirmIn(Schema):
    fingerprint_read: str = Field(description="The fingerprint as the other authority read it to you (spaces "
                                              "do not matter)")
    how: str = Field(description="How it was compared: who read it, on which telephone number, or where")


class PeerRevokeIn(Schema):
    reason: str = Field(description="Why the authority is no longer trusted (at least 10 characters)")


class OwnIdentityOut(Schema):
    authority: str
    name: str
    state: str
    role: str
    role_label: str
    endpoint: str
    tls_certificate_sha256: str
    issued: dt.datetime
    fingerprint: str
    fingerprint_groups: str
    keys: list[KeyOut]
    identity_file: str = Field(description="The signed identity file to send to another authority")


def _keys(doc: dict) -> list[dict]:
    return [{"kid": k.get("kid", ""), "use": k.get("use", ""), "valid_from": words._when(k.get("valid_from")),
             "valid_until": words._when(k.get("valid_until"))} for k in doc.get("keys", [])]


def _peer_out(p: Peer) -> dict:
    return {"id": p.pk, "authority": p.authority, "name": p.name, "state": p.state, "state_name": state_name(p.state),
            "role": p.role, "role_label": words.ROLE_LABELS.get(p.role, p.role), "endpoint": p.endpoint,
            "tls_certificate_sha256": p.tls_pin, "status": p.status, "status_label": p.get_status_display(),
            "fingerprint": p.fingerprint, "fingerprint_groups": format_fingerprint(p.fingerprint),
            "imported_by": p.imported_by.username if p.imported_by else "", "imported_at": p.imported_at,
            "confirmed_by": p.confirmed_by.username if p.confirmed_by else "", "confirmed_at": p.confirmed_at,
            "confirmation": p.confirmation, "revoked_at": p.revoked_at}


def _peer_detail(response: HttpResponse, p: Peer) -> dict:
    set_etag(response, peer_etag_fields(p))  # If-Match of confirm_peer and revoke_peer
    return {**_peer_out(p), "keys": _keys(p.identity or {}), "identity_file": p.identity_file}


def peer_etag_fields(p: Peer) -> dict:
    return {"status": p.status, "fingerprint": p.fingerprint}


def _peer(peer_id: int) -> Peer:
    p = Peer.objects.select_related("imported_by", "confirmed_by").filter(pk=peer_id).first()
    if p is None:
        raise NotFound("No such peer.")
    return p


PEER_SORTS = {"authority": "authority", "imported": "imported_at"}


@router.get("/exchange/peers", response={200: Page[PeerOut], **errors(403, 422)},
            summary="The trust list: the other authorities' instances, with their fingerprints and who confirmed "
                    "them (administrators)")
def list_peers(request, status: Literal["", "pending", "trusted", "revoked"] = "",
               state: str = Query("", max_length=2, description="ISO 3166 alpha-2 code of the authority's State"),
               sort: str = Query("authority", description=sort_description(PEER_SORTS, "authority")),
               cursor: str | None = Query(None, description=CURSOR_DOC),
               limit: int = Query(50, description=LIMIT_DOC)):
    _admin(request)
    qs = Peer.objects.select_related("imported_by", "confirmed_by")
    if status:
        qs = qs.filter(status=status)
    if state:
        qs = qs.filter(state=state.upper())
    return page_of(qs, sort=sort, sorts=PEER_SORTS, default="authority", cursor=cursor, limit=limit,
                   serialize=_peer_out)


@router.post("/exchange/peers", response={201: PeerDetailOut, **errors(403, 422)},
             summary="Import an authority's identity file: it is not trusted until its fingerprint is confirmed "
                     "(administrators)")
def import_peer(request, response: HttpResponse, payload: PeerImportIn):
    user = _admin_writer(request)
    peer = actions.do_import_peer(payload.identity_file, acting_user=user, via="api")
    return Status(201, _peer_detail(response, _peer(peer.pk)))


@router.get("/exchange/peers/{peer_id}", response={200: PeerDetailOut, **errors(403, 404, 422)},
            summary="One authority of the trust list with its keys and identity file, and the ETag that confirming "
                    "or revoking it needs (administrators)")
def get_peer(request, response: HttpResponse, peer_id: int):
    _admin(request)
    return _peer_detail(response, _peer(peer_id))


@router.post("/exchange/peers/{peer_id}/confirm", response={200: PeerDetailOut, **errors(403, 404, 422)},
             summary="Trust an imported authority once its fingerprint, read to you by the authority itself, "
                     "matches (administrators; send the ETag of get_peer)", openapi_extra=if_match())
def confirm_peer(request, response: HttpResponse, peer_id: int, payload: PeerConfirmIn):
    user = _admin_writer(request)
    peer = _peer(peer_id)
    require_match(request, peer_etag_fields(peer), what="peer")
    actions.do_confirm_peer(peer, fingerprint_read=payload.fingerprint_read, how=payload.how, acting_user=user,
                            via="api")
    return _peer_detail(response, _peer(peer_id))


@router.post("/exchange/peers/{peer_id}/revoke", response={200: PeerDetailOut, **errors(403, 404, 422)},
             summary="Stop trusting an authority: nothing is sent to it or accepted from it any more "
                     "(administrators; send the ETag of get_peer)", openapi_extra=if_match())
def revoke_peer(request, response: HttpResponse, peer_id: int, payload: PeerRevokeIn):
    user = _admin_writer(request)
    peer = _peer(peer_id)
    require_match(request, peer_etag_fields(peer), what="peer")
    actions.do_revoke_peer(peer, reason=payload.reason, acting_user=user, via="api")
    return _peer_detail(response, _peer(peer_id))


@router.get("/exchange/identity", response={200: OwnIdentityOut, **errors(403, 404)},
            summary="This instance's own identity: its fingerprint (read it to an authority that imports your file) "
                    "and the identity file to send (administrators)")
def get_own_identity(request):
    _admin(request)
    me = words.own_identity()
    if me is None:
        raise NotFound({"exchange": "this instance has no exchange identity yet: run `comity exchange init` on its "
                                    "host"})
    ident = me["identity"]
    return {"authority": ident.authority, "name": ident.name, "state": ident.state, "role": ident.role,
            "role_label": me["role_label"], "endpoint": ident.endpoint,
            "tls_certificate_sha256": ident.tls_certificate_sha256, "issued": ident.issued,
            "fingerprint": fingerprint(ident), "fingerprint_groups": me["fingerprint_groups"],
            "keys": _keys(ident.document()), "identity_file": me["file"]}


# --- directory ---------------------------------------------------------------------------------------------------

class DirectoryEntryOut(Schema):
    id: int
    state: str
    state_name: str
    name: str
    kind: str
    kind_label: str
    cooperation: list[str]
    cooperation_labels: list[str]
    measures: list[str]
    languages: list[str]
    language_labels: list[str]
    channel: str
    channel_label: str
    address: str
    email: str
    peer: str | None = Field(description="The authority id of its Comity instance on the trust list")
    source: str
    seeded: bool = Field(description="Made from the country profiles and not yet edited by an administrator")
    updated_by: str
    updated_at: dt.datetime


class DirectoryEntryIn(Schema):
    state: str = Field(description="ISO 3166 alpha-2 code of the authority's State")
    name: str = Field(description="The authority's name")
    kind: AuthorityKind
    cooperation: list[KindCode] = Field(description="The kinds of request it receives")
    languages: list[str] = Field(default_factory=list, description="Languages it accepts (ISO 639-1 codes)")
    channel: ChannelCode
    measures: list[str] = Field(default_factory=list, description="Measures it handles, where it is specific")
    address: str = ""
    email: str = ""
    peer: str = Field("", description="For the Comity channel: the authority id of its instance on the trust list")
    source: str = Field("", description="Where the entry comes from (a URL, the EJN Atlas, a letter)")


class SeedOut(Schema):
    created: int = Field(description="Entries made (one central authority per State that had none)")
    detail: str


def _entry_out(e: DirectoryEntry) -> dict:
    return {"id": e.pk, "state": e.state, "state_name": state_name(e.state), "name": e.name, "kind": e.kind,
            "kind_label": e.get_kind_display(), "cooperation": list(e.cooperation or []),
            "cooperation_labels": [words.kind_label(c) for c in e.cooperation or []],
            "measures": list(e.measures or []), "languages": list(e.languages or []),
            "language_labels": [language_label(c) for c in e.languages or []], "channel": e.channel,
            "channel_label": e.get_channel_display(), "address": e.address, "email": e.email,
            "peer": e.peer.authority if e.peer else None, "source": e.source, "seeded": e.seeded,
            "updated_by": e.updated_by.username if e.updated_by else "", "updated_at": e.updated_at}


def entry_etag_fields(e: DirectoryEntry) -> dict:
    out = _entry_out(e)
    return {k: out[k] for k in ("state", "name", "kind", "cooperation", "languages", "channel", "measures",
                                "address", "email", "peer", "source")}


def _entry(entry_id: int) -> DirectoryEntry:
    e = DirectoryEntry.objects.select_related("peer", "updated_by").filter(pk=entry_id).first()
    if e is None:
        raise NotFound("No such directory entry.")
    return e


def _entry_data(payload: DirectoryEntryIn) -> dict:
    return {"state": payload.state, "name": payload.name, "kind": payload.kind,
            "cooperation": list(payload.cooperation), "languages": list(payload.languages),
            "channel": payload.channel, "measures": list(payload.measures), "address": payload.address,
            "email": payload.email, "peer": payload.peer, "source": payload.source}


DIRECTORY_SORTS = {"state": "state", "name": "name", "updated": "updated_at"}


@router.get("/exchange/directory", response={200: Page[DirectoryEntryOut], **errors(403, 422)},
            summary="The directory of competent authorities: which authority of each State receives which requests, "
                    "in which languages and by which channel (administrators)")
def list_directory_entries(request,
                           state: str = Query("", max_length=2, description="ISO 3166 alpha-2 code of a State"),
                           kind: Literal["", "central_authority", "prosecutor", "court", "police", "ministry"] = "",
                           channel: Literal["", "comity", "ecodex", "diplomatic", "post", "email", "interpol"] = "",
                           sort: str = Query("state", description=sort_description(DIRECTORY_SORTS, "state")),
                           cursor: str | None = Query(None, description=CURSOR_DOC),
                           limit: int = Query(50, description=LIMIT_DOC)):
    _admin(request)
    qs = DirectoryEntry.objects.select_related("peer", "updated_by")
    exact = {"state": state.upper(), "kind": kind, "channel": channel}
    qs = qs.filter(**{k: v for k, v in exact.items() if v})
    return page_of(qs, sort=sort, sorts=DIRECTORY_SORTS, default="state", cursor=cursor, limit=limit,
                   serialize=_entry_out)


@router.post("/exchange/directory", response={201: DirectoryEntryOut, **errors(403, 422)},
             summary="Add an authority to the directory (administrators)")
def create_directory_entry(request, response: HttpResponse, payload: DirectoryEntryIn):
    user = _admin_writer(request)
    e = actions.do_save_directory_entry(None, data=_entry_data(payload), acting_user=user, via="api")
    e = _entry(e.pk)
    set_etag(response, entry_etag_fields(e))
    return Status(201, _entry_out(e))


@router.post("/exchange/directory/seed", response={200: SeedOut, **errors(403)},
             summary="Seed the directory from the country profiles: one central authority per State that has no "
                     "entry yet, each marked as not yet checked (administrators)")
def seed_directory(request):
    user = _admin_writer(request)
    made = actions.do_seed_directory(acting_user=user, via="api")
    return {"created": made, "detail": f"{made} entries made from the country profiles." if made else
            "Every State of the country profiles already has an entry: nothing was added."}


@router.get("/exchange/directory/{entry_id}", response={200: DirectoryEntryOut, **errors(403, 404, 422)},
            summary="One authority of the directory, with the ETag that changing it needs (administrators)")
def get_directory_entry(request, response: HttpResponse, entry_id: int):
    _admin(request)
    e = _entry(entry_id)
    set_etag(response, entry_etag_fields(e))
    return _entry_out(e)


@router.put("/exchange/directory/{entry_id}", response={200: DirectoryEntryOut, **errors(403, 404, 422)},
            summary="Change an authority of the directory: every field, as on the web form (administrators; send "
                    "the ETag of get_directory_entry)", openapi_extra=if_match())
def update_directory_entry(request, response: HttpResponse, entry_id: int, payload: DirectoryEntryIn):
    user = _admin_writer(request)
    e = _entry(entry_id)
    require_match(request, entry_etag_fields(e), what="directory entry")
    actions.do_save_directory_entry(e, data=_entry_data(payload), acting_user=user, via="api")
    e = _entry(entry_id)
    set_etag(response, entry_etag_fields(e))
    return _entry_out(e)


# --- routes and refusals -----------------------------------------------------------------------------------------

class RouteOut(Schema):
    kind: str
    kind_label: str
    unit_id: int | None = Field(description="The unit whose supervisors receive incoming requests of this kind")
    unit: str | None
    updated_by: str
    updated_at: dt.datetime | None


class RoutesOut(Schema):
    routes: list[RouteOut] = Field(description="Every kind of request, with its unit or none")


class RouteIn(Schema):
    unit_id: int = Field(description="The unit (see list_units)")


def _route_out(kind: str, r: Route | None) -> dict:
    return {"kind": kind, "kind_label": words.kind_label(kind), "unit_id": r.unit_id if r else None,
            "unit": r.unit.name if r else None, "updated_by": r.updated_by.username if r else "",
            "updated_at": r.updated_at if r else None}


@router.get("/exchange/routes", response={200: RoutesOut, **errors(403)},
            summary="Which unit receives the incoming requests of each kind that arrive through the exchange "
                    "(administrators)")
def get_routes(request):
    _admin(request)
    current = {r.kind: r for r in Route.objects.select_related("unit", "updated_by")}
    return {"routes": [_route_out(k, current.get(k)) for k in COOPERATION_KINDS]}


@router.put("/exchange/routes/{kind}", response={200: RouteOut, **errors(403, 404, 422)},
            summary="Send the incoming requests of a kind to a unit (administrators); the route it replaces is "
                    "kept in the audit log")
def set_route(request, kind: KindCode, payload: RouteIn):
    user = _admin_writer(request)
    unit = Unit.objects.filter(pk=payload.unit_id).first()
    if unit is None:
        raise InvalidInput({"unit_id": f"no unit with the id {payload.unit_id}"})
    actions.do_set_route(kind, unit, acting_user=user, via="api")
    return _route_out(kind, Route.objects.select_related("unit", "updated_by").get(kind=kind))


class RejectionOut(Schema):
    id: int
    at: dt.datetime
    what: str = Field(description="`message` or `chunk`")
    what_label: str
    claimed_sender: str = Field(description="The authority the refused message claimed to come from (unverified)")
    mid: str
    reason: str
    reason_label: str
    detail: str
    digest: str = Field(description="SHA-256 of what arrived (nothing else of it is kept)")
    remote: str


REJECTION_SORTS = {"time": "at"}


@router.get("/exchange/rejections", response={200: Page[RejectionOut], **errors(403, 422)},
            summary="What arrived and was refused, with the reason the sender received (administrators); no "
                    "content is kept")
def list_rejections(request, reason: str = Query("", max_length=30, description="A reason code"),
                    sender: str = Query("", max_length=70, description="The claimed sender's authority id"),
                    sort: str = Query("-time", description=sort_description(REJECTION_SORTS, "-time")),
                    cursor: str | None = Query(None, description=CURSOR_DOC),
                    limit: int = Query(50, description=LIMIT_DOC)):
    _admin(request)
    qs = Rejection.objects.all()
    if reason:
        qs = qs.filter(reason=reason)
    if sender:
        qs = qs.filter(claimed_sender=sender)

    def out(r: Rejection) -> dict:
        return {"id": r.pk, "at": r.at, "what": r.what,
                "what_label": {"message": "Message", "chunk": "Attachment chunk"}.get(r.what, r.what),
                "claimed_sender": r.claimed_sender, "mid": r.mid, "reason": r.reason,
                "reason_label": words.reason_label(r.reason), "detail": r.detail, "digest": r.digest,
                "remote": r.remote}

    return page_of(qs, sort=sort, sorts=REJECTION_SORTS, default="-time", cursor=cursor, limit=limit,
                   serialize=out)

