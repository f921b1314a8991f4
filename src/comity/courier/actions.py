"""Every change the exchange makes: the trust list, the directory, sending, receiving, delivering.

Each function runs in one transaction with its audit event (codes, references and hashes only: message ids,
authority ids, digests, reason codes; never a name or the content). Network calls happen outside transactions:
`deliver` claims a message, sends without holding any lock, then records the outcome."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import random

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError as DbIntegrityError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from comity import audit
from comity.cases.models import CooperationRequest, Document
from comity.courier import local
from comity.courier.models import (
    Attachment,
    Conversation,
    DirectoryEntry,
    Evidence,
    Message,
    Peer,
    Rejection,
    Route,
)
from comity.errors import InvalidInput, NotAllowed, NotFound
from comity.exchange import (
    AttachmentRef,
    Identity,
    Payload,
    Rejected,
    issue_evidence,
    read_evidence,
    seal_envelope,
)
from comity.exchange.errors import REASONS, BadIdentity
from comity.exchange.identity import fingerprint
from comity.exchange.message import Sealed

log = logging.getLogger("comity.exchange")
User = get_user_model()
SERVICE_USERNAME = "comity-exchange"
CHUNK_SIZE = 1024 * 1024
LEASE = dt.timedelta(minutes=5)


def _admin(user) -> None:
    if getattr(user, "role", None) != "admin":
        raise NotAllowed("Only an administrator may change the trust list, the directory or the routes.")


def service_user():
    """The account the exchange acts as when a message arrives (it cannot sign in)."""
    user = User.objects.filter(username=SERVICE_USERNAME).first()
    if user is None:
        with transaction.atomic():
            user = User(username=SERVICE_USERNAME, role="supervisor", organisation="Exchange between authorities")
            user.set_unusable_password()
            user.save()
            audit.record("account.created", actor=None, obj=user, category="security", via="exchange",
                         new={"username": SERVICE_USERNAME, "role": "supervisor", "unit": None})
    return user


# --- trust list -----------------------------------------------------------------------------------------

def peer_identity(peer: Peer) -> Identity:
    return Identity.model_validate(peer.identity)


def trusted_lookup(authority: str) -> Identity | None:
    peer = Peer.objects.filter(authority=authority, status=Peer.Status.TRUSTED).first()
    return peer_identity(peer) if peer else None


def do_import_peer(file_text: str, *, acting_user, via: str = "web") -> Peer:
    _admin(acting_user)
    try:
        ident = Identity.read_file(file_text or "")
    except BadIdentity as e:
        raise InvalidInput({"identity_file": "; ".join(f"{k}: {v}" for k, v in e.errors.items())}) from None
    if local.is_initialised() and ident.authority == local.authority():
        raise InvalidInput({"identity_file": "this is this instance's own identity"})
    existing = Peer.objects.filter(authority=ident.authority).first()
    if existing and existing.status == Peer.Status.TRUSTED:
        raise InvalidInput({"identity_file": f"{ident.authority} is already trusted; its new keys arrive signed by "
                                             "its current key (a key_rotation message). Revoke it first to "
                                             "replace it by hand."})
    fp = fingerprint(ident)
    fields = {"state": ident.state, "name": ident.name, "role": ident.role, "endpoint": ident.endpoint,
              "tls_pin": ident.tls_certificate_sha256, "identity": ident.document(), "identity_file": file_text.strip(),
              "fingerprint": fp, "status": Peer.Status.PENDING, "imported_by": acting_user,
              "imported_at": timezone.now(), "confirmed_by": None, "confirmed_at": None, "confirmation": "",
              "revoked_at": None}
    with transaction.atomic():
        peer, _ = Peer.objects.update_or_create(authority=ident.authority, defaults=fields)
        audit.record("exchange.peer_imported", actor=acting_user, obj=peer, category="security", via=via,
                     new={"authority": ident.authority, "fingerprint": fp})
    return peer


def _normal_fp(text: str) -> str:
    return "".join(ch for ch in (text or "").lower() if ch in "0123456789abcdef")


def do_confirm_peer(peer: Peer, *, fingerprint_read: str, how: str, acting_user, via: str = "web") -> Peer:
    """Trust a peer once a person has compared its fingerprint with the authority's own (by telephone or in
    person): the whole fingerprint, as read to them, must match."""
    _admin(acting_user)
    errors = {}
    if _normal_fp(fingerprint_read) != peer.fingerprint:
        errors["fingerprint_read"] = ("does not match the imported identity's fingerprint: do not trust this "
                                      "file; ask the authority to read its fingerprint again")
    if len((how or "").strip()) < 10:
        errors["how"] = "say how the fingerprint was compared (who, by which telephone number or where)"
    if peer.status == Peer.Status.TRUSTED:
        errors["peer"] = "is already trusted"
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        peer.status, peer.confirmed_by, peer.confirmed_at = Peer.Status.TRUSTED, acting_user, timezone.now()
        peer.our_key = local.keys().signing().kid if local.is_initialised() else ""
        peer.confirmation = how.strip()[:300]
        peer.save()
        audit.record("exchange.peer_trusted", actor=acting_user, obj=peer, category="security", via=via,
                     new={"authority": peer.authority, "fingerprint": peer.fingerprint},
                     texts={"confirmation": peer.confirmation})
    return peer


def do_revoke_peer(peer: Peer, *, reason: str, acting_user, via: str = "web") -> Peer:
    _admin(acting_user)
    if len((reason or "").strip()) < 10:
        raise InvalidInput({"reason": "say why the peer is no longer trusted (at least 10 characters)"})
    with transaction.atomic():
        peer.status, peer.revoked_at = Peer.Status.REVOKED, timezone.now()
        peer.save()
        audit.record("exchange.peer_revoked", actor=acting_user, obj=peer, category="security", via=via,
                     new={"authority": peer.authority}, texts={"reason": reason.strip()})
    return peer


def do_accept_key_rotation(peer: Peer, identity_file: str) -> Peer:
    """A trusted peer's new identity, signed with a key we already trust: its old keys are kept (closed)."""
    old = peer_identity(peer)
    try:
        new = Identity.read_file(identity_file, signed_by=old)
    except BadIdentity as e:
        raise Rejected("bad_signature", "; ".join(e.errors.values())) from None
    merged = new.merged_with(old)
    with transaction.atomic():
        peer.identity, peer.identity_file = merged.document(), identity_file.strip()
        peer.fingerprint, peer.tls_pin, peer.endpoint = fingerprint(new), new.tls_certificate_sha256, new.endpoint
        peer.save()
        audit.record("exchange.peer_keys_rotated", actor=None, obj=peer, category="security", via="exchange",
                     new={"authority": peer.authority, "fingerprint": peer.fingerprint})
    return peer


# --- directory and routes ---------------------------------------------------------------------------------

def do_save_directory_entry(entry: DirectoryEntry | None, *, data: dict, acting_user, via: str = "web"):
    _admin(acting_user)
    from comity.cases.validation import country_error

    entry = entry or DirectoryEntry()
    kinds = [k for k in (data.get("cooperation") or []) if k]
    languages = [x.strip().lower() for x in (data.get("languages") or []) if x.strip()]
    errors = {"state": country_error(data.get("state")),
              "name": None if (data.get("name") or "").strip() else "give the authority's name",
              "kind": None if data.get("kind") in DirectoryEntry.Kind.values else
              f"one of {', '.join(DirectoryEntry.Kind.values)}",
              "channel": None if data.get("channel") in DirectoryEntry.Channel.values else
              f"one of {', '.join(DirectoryEntry.Channel.values)}",
              "cooperation": None if kinds and set(kinds) <= {"mla", "extradition", "notice", "transfer",
                                                               "asset_recovery"} else
              "choose the kinds of request it receives",
              "languages": None if all(len(x) == 2 and x.isalpha() for x in languages) else
              "two-letter language codes (ISO 639-1), e.g. en, fr"}
    peer = None
    if data.get("peer"):
        peer = Peer.objects.filter(authority=data["peer"]).first()
        errors["peer"] = None if peer else f"{data['peer']} is not on the trust list"
    if data.get("channel") == DirectoryEntry.Channel.COMITY and not peer:
        errors["peer"] = "the Comity exchange needs the authority's instance on the trust list"
    errors = {k: v for k, v in errors.items() if v}
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        entry.state, entry.name, entry.kind = data["state"].upper(), data["name"].strip()[:200], data["kind"]
        entry.cooperation, entry.languages, entry.channel = kinds, languages, data["channel"]
        entry.measures = [m.strip() for m in (data.get("measures") or []) if m.strip()]
        entry.address, entry.email = (data.get("address") or "").strip(), (data.get("email") or "").strip()[:200]
        entry.peer, entry.source = peer, (data.get("source") or entry.source or "administrator")[:500]
        entry.seeded, entry.updated_by = False, acting_user
        entry.save()
        audit.record("exchange.directory_saved", actor=acting_user, obj=entry, via=via,
                     new={"state": entry.state, "kind": entry.kind, "channel": entry.channel,
                          "cooperation": entry.cooperation, "peer": peer.authority if peer else None})
    return entry


def do_seed_directory(*, acting_user=None, via: str = "cli") -> int:
    """One central-authority entry per State from the country profiles, where none exists yet."""
    from comity.law import get_law

    law = get_law()
    made = 0
    with transaction.atomic():
        have = set(DirectoryEntry.objects.values_list("state", flat=True))
        for code, profile in sorted(law.profiles.items()):
            if code in have:
                continue
            ca = getattr(profile, "central_authority", None)
            name = (getattr(ca, "value", None) or "") if ca else ""
            langs = getattr(profile, "languages_accepted", None)
            DirectoryEntry.objects.create(
                state=code, name=(str(name) or f"Central authority of {profile.name}")[:200],
                kind=DirectoryEntry.Kind.CENTRAL_AUTHORITY, cooperation=["mla", "extradition"],
                languages=list(getattr(langs, "value", None) or [])[:10], channel=DirectoryEntry.Channel.DIPLOMATIC,
                source=(getattr(ca, "source", "") or "country profile")[:500] if ca else "country profile",
                seeded=True)
            made += 1
        if made:
            audit.record("exchange.directory_seeded", actor=acting_user, via=via, new={"count": made})
    return made


def do_set_route(kind: str, unit, *, acting_user, via: str = "web") -> Route:
    _admin(acting_user)
    if kind not in ("mla", "extradition", "notice", "transfer", "asset_recovery"):
        raise InvalidInput({"kind": "choose a kind of request"})
    with transaction.atomic():
        route, _ = Route.objects.update_or_create(kind=kind, defaults={"unit": unit, "updated_by": acting_user})
        audit.record("exchange.route_set", actor=acting_user, via=via, new={"kind": kind, "unit": unit.pk})
    return route


# --- sending --------------------------------------------------------------------------------------------

def _stream(doc, size: int = CHUNK_SIZE):
    """The content of a case document or of an evidence item's file (decrypted), `size` bytes at a time."""
    from comity.evidence.models import EvidenceItem

    if isinstance(doc, EvidenceItem):
        from comity.evidence.actions import open_plaintext

        f = open_plaintext(doc)
    else:
        f = doc.file.open("rb")
    with f:
        sent = False
        while True:
            block = f.read(size)
            if not block:
                if not sent:
                    yield b""  # an empty file is one empty chunk, as its manifest says
                return
            sent = True
            yield block


def attachment_ref(index: int, doc, chunk_size: int = CHUNK_SIZE) -> AttachmentRef:
    whole = hashlib.sha256()
    chunks, size = [], 0
    for block in _stream(doc, chunk_size):
        whole.update(block)
        chunks.append(hashlib.sha256(block).hexdigest())
        size += len(block)
    if not chunks:
        chunks = [hashlib.sha256(b"").hexdigest()]
    if whole.hexdigest() != doc.sha256:
        raise InvalidInput({"attachments": f"{getattr(doc, 'exhibit_number', '') or doc.filename}: the stored file "
                                           "no longer matches its SHA-256"})
    return AttachmentRef(index=index, name=doc.filename, media_type=doc.content_type or "application/octet-stream",
                         size=size, sha256=whole.hexdigest(), chunk_size=chunk_size, chunks=chunks)


def peer_for(req: CooperationRequest) -> Peer | None:
    conv = getattr(req, "conversation", None) if req.pk else None
    if conv is not None:
        return conv.peer
    state = req.requested_state if req.direction == "outgoing" else req.requesting_state
    entry = (DirectoryEntry.objects.filter(state=state, channel=DirectoryEntry.Channel.COMITY,
                                           peer__status=Peer.Status.TRUSTED, cooperation__contains=[req.kind])
             .select_related("peer").first()) if _json_contains() else None
    if entry is None:
        for e in DirectoryEntry.objects.filter(state=state, channel=DirectoryEntry.Channel.COMITY,
                                               peer__status=Peer.Status.TRUSTED).select_related("peer"):
            if req.kind in (e.cooperation or []):
                return e.peer
        return None
    return entry.peer


def _json_contains() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


def body_for(req: CooperationRequest, mtype: str, step: str, comment: str) -> dict:
    if mtype == "new_request":
        persons = [{"schema": e.schema, "role": e.role[:100], "properties": e.properties}
                   for e in req.case.entities.all()]
        return {"kind": req.kind, "reference": req.reference, "subject": req.subject,
                "requesting_state": req.requesting_state, "requested_state": req.requested_state,
                "requesting_authority": req.requesting_authority, "requested_authority": req.requested_authority,
                "urgency": req.urgency, "urgency_reason": req.urgency_reason,
                "legal_basis_instrument": req.legal_basis_instrument, "legal_basis": req.legal_basis,
                "summary": req.case.summary[:20000], "persons": persons[:200]}
    if mtype == "acknowledgement":
        return {"reference": req.reference, "comment": comment[:5000]}
    if mtype == "information_request":
        return {"questions": comment or "Further information is needed (see the request)."}
    if mtype == "information":
        return {"answer": comment or "The further information is attached."}
    if mtype == "withdrawal":
        return {"reason": comment[:5000]}
    if mtype == "execution_result":
        return {"outcome": "executed" if step == "record_execution" else "partially_executed",
                "comment": comment[:5000], "evidence": []}
    return {"status": req.status, "step": step, "comment": comment[:5000]}


def queue_message(req: CooperationRequest, mtype: str, body: dict, *, acting_user, documents=(), evidence_items=(),
                  via: str = "web") -> Message:
    """Seal a message about `req` to its peer and put it in the outbox; call inside the caller's transaction
    (the step and its message are stored together). Delivery starts after commit."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("queue_message runs inside the action's transaction")
    peer = peer_for(req)
    if peer is None or peer.status != Peer.Status.TRUSTED:
        raise InvalidInput({"exchange": "no trusted Comity instance receives this kind of request for "
                                        f"{req.requested_state if req.direction == 'outgoing' else req.requesting_state}"
                                        " (directory and trust list)"})
    me = local.authority()
    conv = getattr(req, "conversation", None)
    if conv is None:
        conv = Conversation.objects.create(conversation=f"{me}/{req.reference}", peer=peer, request=req)
        _let_exchange_in(req.case, acting_user, via)
    docs = list(documents)
    refs = [attachment_ref(i, d) for i, d in enumerate(docs)]
    items = list(evidence_items)
    for item in items:  # evidence goes with its manifest: exhibit, SHA-256 and its custody chain so far
        refs.append(attachment_ref(len(refs), item))
        body.setdefault("evidence", []).append({
            "attachment": refs[-1].index, "item": item.exhibit_number, "description": item.title[:500],
            "sha256": refs[-1].sha256, "custody": [
                {"seq": str(e.seq), "kind": e.kind, "at": e.at.isoformat(), "by": e.actor.username,
                 "from": e.from_party or (e.from_user.username if e.from_user else ""),
                 "to": e.to_party or (e.to_user.username if e.to_user else "")}
                for e in item.custody_events.select_related("actor", "from_user", "to_user").order_by("seq")]})
    last_in = conv.messages.filter(direction=Message.Direction.IN).order_by("-created_at").first()
    payload = Payload.new(type=mtype, sender=me, recipient=peer.authority, conversation=conv.conversation, body=body,
                          attachments=refs, in_reply_to=last_in.mid if last_in else None)
    sealed = seal_envelope(payload, sender=local.keys(), recipient=peer_identity(peer))
    now = timezone.now()
    msg = Message.objects.create(direction=Message.Direction.OUT, mid=payload.id, conversation=conv, case=req.case,
                                 peer=peer, type=mtype, in_reply_to=payload.in_reply_to or "", digest=sealed.digest,
                                 payload=payload.document(), jwe=sealed.jwe, status=Message.Status.QUEUED,
                                 created_at=now, next_attempt_at=now, created_by=acting_user)
    for ref, doc in zip(refs, docs + items, strict=True):
        is_doc = isinstance(doc, Document)
        Attachment.objects.create(message=msg, index=ref.index, name=ref.name, media_type=ref.media_type,
                                  size=ref.size, sha256=ref.sha256, chunk_size=ref.chunk_size,
                                  document=doc if is_doc else None, evidence_item=None if is_doc else doc)
    for item in items:  # the chain of custody records the hand-over to the other authority
        from comity.evidence.actions import do_record_custody_event

        do_record_custody_event(item, kind="transferred", at=now, place="Exchange between authorities",
                                reason=f"Sent to {peer.name} ({peer.authority}) with message {msg.mid}",
                                to_party=f"{peer.name} ({peer.authority})"[:200], acting_user=acting_user, via=via)
    _evidence(msg, "SUBMISSION_ACCEPTANCE", issuer=me)
    audit.record("exchange.message_queued", actor=acting_user, case=req.case, obj=msg, via=via,
                 new={"message": msg.mid, "type": mtype, "peer": peer.authority, "digest": msg.digest,
                      "request": req.reference, "attachments": len(refs)})
    transaction.on_commit(lambda: enqueue(msg.pk))
    return msg


def _let_exchange_in(case, acting_user, via: str) -> None:
    """The exchange's service account becomes a member of a case whose request travels through the exchange, so
    that answers arriving can move the request and add their notes and documents (logged like any grant)."""
    from comity.cases.models import CaseMembership

    system = service_user()
    if not CaseMembership.objects.filter(case=case, user=system, revoked_at__isnull=True).exists():
        CaseMembership.objects.create(case=case, user=system, granted_by=acting_user or system)
        audit.record("case.membership_granted", actor=acting_user, case=case, via=via,
                     new={"user": system.username, "reason": "exchange"})


def _evidence(msg: Message, kind: str, *, issuer: str, reason: str = "", detail: str = "", token: str = "",
              at=None) -> Evidence:
    if not token:
        sender = msg.payload.get("sender", "")
        recipient = msg.payload.get("recipient", "")
        ev, token = issue_evidence(kind, message=msg.mid, digest=msg.digest, issuer=issuer, sender=sender,
                                   recipient=recipient, keys=local.keys().for_peer(msg.peer.our_key), reason=reason,
                                   detail=detail, at=at)
        at = ev.at
    return Evidence.objects.create(message=msg, type=kind, issuer=issuer, at=at or timezone.now(), reason=reason,
                                   detail=detail[:500], token=token)


def enqueue(message_pk: int, when=None) -> None:
    from comity.courier.tasks import deliver_task

    try:
        task = deliver_task.using(run_after=when) if when else deliver_task
        task.enqueue(message_pk)
    except Exception:  # the sweeper of the worker picks the message up again
        log.exception("could not enqueue message %s", message_pk)


def backoff(attempts: int) -> dt.timedelta:
    base = settings.COMITY_EXCHANGE_RETRY_SECONDS
    ceiling = settings.COMITY_EXCHANGE_RETRY_CEILING_SECONDS
    seconds = min(ceiling, base * (2 ** max(0, attempts - 1)))
    return dt.timedelta(seconds=seconds * (0.8 + 0.4 * random.random()))


def claim(message_pk: int) -> Message | None:
    """Take a message for one attempt (a lease, so a worker killed mid-attempt gives it back)."""
    now = timezone.now()
    with transaction.atomic():
        got = Message.objects.filter(pk=message_pk, direction=Message.Direction.OUT,
                                     status__in=(Message.Status.QUEUED, Message.Status.RETRYING),
                                     next_attempt_at__lte=now + dt.timedelta(seconds=1)).update(
            next_attempt_at=now + LEASE, attempts=F("attempts") + 1)
    if not got:
        return None
    return Message.objects.select_related("peer").get(pk=message_pk)


def deliver(message_pk: int) -> str:
    """One delivery attempt of an outbox message: chunks, then the envelope; record what came back."""
    from comity.courier import transport

    msg = claim(message_pk)
    if msg is None:
        return "not due"
    peer = msg.peer
    if peer.status != Peer.Status.TRUSTED:
        return _record_failure(msg, "unknown_sender", "the peer is no longer trusted", final=True)
    keys = local.keys().for_peer(peer.our_key)
    me = local.authority()
    ident = peer_identity(peer)
    try:
        for att in msg.attachments.select_related("document", "evidence_item"):
            transport.send_attachment(peer, ident, keys, me, msg.mid, att)
        sealed = Sealed(jwe=msg.jwe, digest=msg.digest,
                        header={"typ": "comity-message+jws", "iss": me, "aud": peer.authority, "mid": msg.mid})
        status, body = transport.post_envelope(peer, sealed.for_attempt(keys))
    except transport.Refused as e:
        return _record_failure(msg, e.reason, e.detail, final=e.reason not in ("missing_attachment",))
    except transport.Unreachable as e:
        return _record_failure(msg, "transport", str(e)[:250], final=False)
    try:
        ev = read_evidence(body, issuer=ident)
    except Rejected as e:
        return _record_failure(msg, "transport", f"the answer is not evidence signed by {peer.authority}: "
                                                 f"{e.detail}"[:250], final=False)
    if ev.message != msg.mid or (ev.digest and ev.digest != msg.digest):
        return _record_failure(msg, "transport", "the evidence names another message", final=False)
    with transaction.atomic():
        if ev.type == "DELIVERY":
            Message.objects.filter(pk=msg.pk).update(status=Message.Status.DELIVERED, delivered_at=ev.at,
                                                     next_attempt_at=None, last_error="")
            if msg.type == "key_rotation":  # the peer now holds our new identity: sign with the new key
                Peer.objects.filter(pk=peer.pk).update(our_key=local.keys().current("sig").kid)
        else:
            final = ev.reason != "missing_attachment"
            Message.objects.filter(pk=msg.pk).update(
                status=Message.Status.REFUSED if final else Message.Status.RETRYING,
                next_attempt_at=None if final else timezone.now() + backoff(msg.attempts),
                last_error=f"{ev.reason}: {ev.detail}"[:300])
        _evidence(msg, ev.type, issuer=ev.issuer, reason=ev.reason, detail=ev.detail, token=body.decode()
                  if isinstance(body, bytes) else body, at=ev.at)
        audit.record("exchange.message_delivery", actor=None, case=msg.case_id, obj=msg, via="exchange",
                     new={"message": msg.mid, "evidence": ev.type, "reason": ev.reason or None,
                          "attempts": msg.attempts})
    if ev.type != "DELIVERY" and ev.reason == "missing_attachment":
        enqueue(msg.pk, timezone.now() + backoff(msg.attempts))
    return ev.type


def _record_failure(msg: Message, reason: str, detail: str, *, final: bool) -> str:
    exhausted = msg.attempts >= settings.COMITY_EXCHANGE_MAX_ATTEMPTS
    with transaction.atomic():
        if final or exhausted:
            Message.objects.filter(pk=msg.pk).update(
                status=Message.Status.FAILED if not final or reason == "transport" else Message.Status.REFUSED,
                next_attempt_at=None, last_error=f"{reason}: {detail}"[:300])
            code = "retries_exhausted" if exhausted and not final else reason
            _evidence(msg, "NON_DELIVERY", issuer=local.authority(), reason=code if code in _REASON_OK else "transport",
                      detail=detail)
            audit.record("exchange.message_delivery", actor=None, case=msg.case_id, obj=msg, via="exchange",
                         new={"message": msg.mid, "evidence": "NON_DELIVERY", "reason": code,
                              "attempts": msg.attempts})
            return "NON_DELIVERY"
        when = timezone.now() + backoff(msg.attempts)
        Message.objects.filter(pk=msg.pk).update(status=Message.Status.RETRYING, next_attempt_at=when,
                                                 last_error=f"{reason}: {detail}"[:300])
    enqueue(msg.pk, when)
    return "retrying"


_REASON_OK = {"retries_exhausted", "transport", "not_retrieved", *REASONS}


def sweep() -> int:
    """Re-queue outbox messages whose attempt is overdue (a lost task, a worker killed mid-attempt)."""
    now = timezone.now()
    due = list(Message.objects.filter(direction=Message.Direction.OUT,
                                      status__in=(Message.Status.QUEUED, Message.Status.RETRYING),
                                      next_attempt_at__lte=now - dt.timedelta(seconds=20))
               .values_list("pk", flat=True)[:500])
    for pk in due:
        enqueue(pk)
    not_retrieved()
    from comity.courier import staging

    staging.cleanup(dt.timedelta(days=settings.COMITY_EXCHANGE_STAGING_DAYS))
    return len(due)


def not_retrieved() -> int:
    """NON_RETRIEVAL evidence for messages received and not opened by anyone within the period
    (COMITY_EXCHANGE_RETRIEVAL_HOURS), sent back to their sender like RETRIEVAL evidence."""
    cutoff = timezone.now() - dt.timedelta(hours=settings.COMITY_EXCHANGE_RETRIEVAL_HOURS)
    late = (Message.objects.filter(direction=Message.Direction.IN, status=Message.Status.RECEIVED,
                                   delivered_at__lt=cutoff, conversation__isnull=False)
            .exclude(type__in=("evidence", "key_rotation")).exclude(evidence__type="NON_RETRIEVAL")
            .select_related("conversation__request", "peer")[:200])
    done = 0
    for msg in late:
        with transaction.atomic():
            ev = _evidence(msg, "NON_RETRIEVAL", issuer=local.authority(), reason="not_retrieved",
                           detail=f"not opened within {settings.COMITY_EXCHANGE_RETRIEVAL_HOURS} hours")
            audit.record("exchange.message_delivery", actor=None, case=msg.case_id, obj=msg, via="exchange",
                         new={"message": msg.mid, "evidence": "NON_RETRIEVAL", "reason": "not_retrieved",
                              "attempts": 0})
            if msg.peer.status == Peer.Status.TRUSTED:
                queue_message(msg.conversation.request, "evidence", {"evidence": ev.token}, acting_user=None,
                              via="exchange")
        done += 1
    return done


# --- receiving ------------------------------------------------------------------------------------------

def record_rejection(what: str, e: Rejected, *, claimed: str = "", mid: str = "", digest: str = "",
                     remote: str = "") -> None:
    import re

    from comity.exchange.identity import AUTHORITY_ID

    # What an unverified header claims is kept only when it has the shape of an authority id / a message id.
    claimed = claimed if re.match(AUTHORITY_ID, claimed or "") else ""
    mid = mid if staging_mid(mid) else ""
    with transaction.atomic():
        row = Rejection.objects.create(what=what, reason=e.reason, detail=e.detail[:500], claimed_sender=claimed[:70],
                                       mid=mid[:36], digest=digest, remote=remote[:60])
        audit.record("exchange.rejected", actor=None, obj=row, category="security", via="exchange",
                     new={"what": what, "reason": e.reason, "sender": claimed[:70] or None,
                          "digest": digest or None})


def staging_mid(mid: str) -> bool:
    from comity.courier.staging import MID

    return bool(MID.match(mid or ""))


def negative_evidence(e: Rejected, *, mid: str, sender: str, digest: str = "") -> str:
    import re

    from comity.exchange.identity import AUTHORITY_ID

    me = local.authority()
    known = Peer.objects.filter(authority=sender, status=Peer.Status.TRUSTED).values_list("our_key", flat=True).first()
    _, token = issue_evidence("NON_DELIVERY", message=mid if staging_mid(mid) else "unknown", digest=digest if len(digest) == 64 else "",
                              issuer=me, sender=sender if re.match(AUTHORITY_ID, sender or "") else me,
                              recipient=me, keys=local.keys().for_peer(known), reason=e.reason, detail=e.detail)
    return token


def already_received(mid: str) -> bool:
    return Message.objects.filter(direction=Message.Direction.IN, mid=mid).exists()


def earlier_delivery(opened) -> str | None:
    """The DELIVERY evidence of a message already received with the same content; `id_reused` when the id
    came before with other content; None for a new message."""
    existing = Message.objects.filter(direction=Message.Direction.IN, mid=opened.payload.id).first()
    if existing is None:
        return None
    if existing.digest != opened.digest and existing.payload != opened.payload.document():
        raise Rejected("id_reused", f"message {opened.payload.id}")  # same id, other content (a re-sealed copy
        # of the same content, with a new encryption, is the same message)
    return existing.evidence.get(type="DELIVERY").token


def receive(opened, *, assembled: dict[int, object]) -> tuple[Message, str, bool]:
    """Store a verified message and apply it; returns (message, DELIVERY evidence token, duplicate?).
    The same message id with the same content again returns the original evidence and changes nothing."""
    payload = opened.payload
    peer = Peer.objects.get(authority=payload.sender)
    with transaction.atomic():
        existing = Message.objects.filter(direction=Message.Direction.IN, mid=payload.id).first()
        if existing is not None:
            return existing, earlier_delivery(opened), True
        try:
            with transaction.atomic():
                msg = _store_and_apply(peer, opened, assembled)
        except DbIntegrityError:
            existing = Message.objects.get(direction=Message.Direction.IN, mid=payload.id)
            return existing, existing.evidence.get(type="DELIVERY").token, True
        ev = _evidence(msg, "DELIVERY", issuer=local.authority())
        audit.record("exchange.message_received", actor=None, case=msg.case_id, obj=msg, via="exchange",
                     new={"message": msg.mid, "type": msg.type, "peer": peer.authority, "digest": msg.digest,
                          "request": msg.conversation.request.reference if msg.conversation else None,
                          "attachments": len(payload.attachments)})
    return msg, ev.token, False


def _store_and_apply(peer: Peer, opened, assembled) -> Message:
    from comity.courier import arrival

    payload = opened.payload
    now = timezone.now()
    conv = Conversation.objects.filter(peer=peer, conversation=payload.conversation).select_related("request").first()
    if payload.type == "key_rotation":
        do_accept_key_rotation(peer, payload.body["identity"])
    elif payload.type == "evidence":
        pass
    elif conv is None and payload.type != "new_request":
        raise Rejected("unknown_conversation", payload.conversation)
    elif conv is not None and payload.type == "new_request":
        raise Rejected("not_applicable", "this conversation already has its request")
    msg = Message.objects.create(direction=Message.Direction.IN, mid=payload.id, conversation=conv,
                                 case=conv.request.case if conv else None, peer=peer, type=payload.type,
                                 in_reply_to=payload.in_reply_to or "", digest=opened.digest,
                                 payload=payload.document(), status=Message.Status.RECEIVED, created_at=now,
                                 delivered_at=now)
    arrival.apply(msg, payload, conv, assembled, service_user())
    return msg


def do_retrieve(msg: Message, *, acting_user, via: str = "web") -> None:
    """A person opened a received message: RETRIEVAL evidence, sent back to its sender."""
    if msg.direction != Message.Direction.IN or msg.retrieved_at:
        return
    with transaction.atomic():
        Message.objects.filter(pk=msg.pk).update(status=Message.Status.RETRIEVED, retrieved_at=timezone.now())
        ev = _evidence(msg, "RETRIEVAL", issuer=local.authority())
        audit.record("exchange.message_retrieved", actor=acting_user, case=msg.case_id, obj=msg, via=via,
                     new={"message": msg.mid})
        if msg.conversation is not None and msg.peer.status == Peer.Status.TRUSTED:
            queue_message(msg.conversation.request, "evidence", {"evidence": ev.token}, acting_user=acting_user,
                          via=via)


def message_for(user, pk: int) -> Message:
    from comity.cases.actions import is_member

    msg = Message.objects.filter(pk=pk).select_related("conversation__request__case", "peer").first()
    if msg is None or (msg.case is not None and not is_member(msg.case, user)) or (
            msg.case is None and getattr(user, "role", None) != "admin"):
        raise NotFound("No such message.")
    return msg


def queue_control(peer: Peer, mtype: str, body: dict, *, acting_user=None, via: str = "cli") -> Message:
    """A message about no request (a key rotation) to one peer, in the caller's transaction."""
    me = local.authority()
    payload = Payload.new(type=mtype, sender=me, recipient=peer.authority, conversation=f"{me}/control", body=body)
    sealed = seal_envelope(payload, sender=local.keys(), recipient=peer_identity(peer))
    now = timezone.now()
    msg = Message.objects.create(direction=Message.Direction.OUT, mid=payload.id, peer=peer, type=mtype,
                                 digest=sealed.digest, payload=payload.document(), jwe=sealed.jwe,
                                 status=Message.Status.QUEUED, created_at=now, next_attempt_at=now,
                                 created_by=acting_user)
    _evidence(msg, "SUBMISSION_ACCEPTANCE", issuer=me)
    audit.record("exchange.message_queued", actor=acting_user, obj=msg, via=via,
                 new={"message": msg.mid, "type": mtype, "peer": peer.authority, "digest": msg.digest,
                      "request": None, "attachments": 0})
    transaction.on_commit(lambda: enqueue(msg.pk))
    return msg


def do_rotate_keys(*, overlap_days: int, acting_user, via: str = "cli") -> Identity:
    """New keys for this instance; every trusted peer receives the new identity signed with the old key."""
    _admin(acting_user)
    if not 1 <= int(overlap_days) <= 365:
        raise InvalidInput({"overlap_days": "between 1 and 365 days"})
    ident, file = local.rotate(dt.timedelta(days=int(overlap_days)))
    with transaction.atomic():
        audit.record("exchange.keys_rotated", actor=acting_user, category="security", via=via,
                     new={"authority": ident.authority, "fingerprint": fingerprint(ident)})
        for peer in Peer.objects.filter(status=Peer.Status.TRUSTED):
            queue_control(peer, "key_rotation", {"identity": file}, acting_user=acting_user, via=via)
    return ident
