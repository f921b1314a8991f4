"""What a received message does: a new request becomes an incoming request in a new case, routed to the unit
that handles its kind; an answer moves our request along its lifecycle where its status allows, and its text
becomes a note on the request; attachments become the case's documents."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from comity import vocabulary
from comity.cases.models import CaseMembership, Note
from comity.courier.conversation import ARRIVAL_STEPS
from comity.courier.models import Attachment, Conversation, Route
from comity.exchange import Rejected

LABELS = {"acknowledgement": "Acknowledged by the requested authority",
          "information_request": "Further information requested",
          "information": "Further information received",
          "status_update": "Status reported by the other authority",
          "execution_result": "Execution result received",
          "withdrawal": "Withdrawn by the requesting authority"}


def apply(msg, payload, conv, assembled: dict, system) -> None:
    from comity.cases import actions as cases

    body = payload.typed_body()
    if payload.type == "new_request":
        conv = _new_request(msg, payload, body, system)
        msg.conversation, msg.case = conv, conv.request.case
        msg.save(update_fields=["conversation", "case"])
    if payload.type == "evidence":
        _evidence_about_ours(msg, body.evidence)
        return
    if conv is None:
        return
    req = conv.request
    evidence = {e.attachment: e for e in getattr(body, "evidence", [])}
    for ref in payload.attachments:
        upload = assembled[ref.index]
        if ref.index in evidence:
            item = _register_evidence(req, msg, ref, evidence[ref.index], upload, system)
            Attachment.objects.create(message=msg, index=ref.index, name=ref.name, media_type=ref.media_type,
                                      size=ref.size, sha256=ref.sha256, chunk_size=ref.chunk_size,
                                      evidence_item=item)
            continue
        doc = cases.do_upload_document(req.case, upload=upload, title=ref.name, request=req, acting_user=system,
                                       via="exchange")
        Attachment.objects.create(message=msg, index=ref.index, name=ref.name, media_type=ref.media_type,
                                  size=ref.size, sha256=ref.sha256, chunk_size=ref.chunk_size, document=doc)
    if payload.type == "new_request":
        return
    if payload.type == "acknowledgement" and body.reference:
        Conversation.objects.filter(pk=conv.pk).update(their_reference=body.reference)
    text = {"acknowledgement": getattr(body, "comment", ""), "information_request": getattr(body, "questions", ""),
            "information": getattr(body, "answer", ""), "withdrawal": getattr(body, "reason", ""),
            "execution_result": getattr(body, "comment", ""), "status_update": getattr(body, "comment", "")}
    if payload.type in LABELS:
        status = getattr(body, "status", "") or getattr(body, "outcome", "")
        note = f"{LABELS[payload.type]} ({msg.peer.name})" + (f" — {status}" if status else "")
        said = (text.get(payload.type) or "").strip()
        with transaction.atomic():
            Note.objects.create(case=req.case, request=req, author=system,
                                text=f"{note}:\n{said}" if said else note)
        key = (payload.type, status if payload.type in ("status_update", "execution_result") else "")
        for step in ARRIVAL_STEPS.get(key, ()):
            t = req.lifecycle.transition(step)
            if t and t.matches(status=req.status, direction=req.direction, notice_action=req.notice_action):
                cases.do_transition_request(req, step, acting_user=system, via="exchange",
                                            comment=f"Through the exchange: message {msg.mid}",
                                            effective_date=timezone.localdate())
                break


def _new_request(msg, payload, body, system) -> Conversation:
    from comity.cases import actions as cases
    from comity.courier.local import settings_doc

    me = settings_doc()
    if body.requested_state != me["state"]:
        raise Rejected("not_applicable", f"the request is addressed to {body.requested_state}; this authority is "
                                         f"in {me['state']}")
    kind = vocabulary.label("request_kind", body.kind)
    title = f"{kind}: incoming request {body.reference} from {msg.peer.name}"[:200]
    case = cases.do_create_case(title=title, summary=body.summary, acting_user=system, via="exchange")
    route = Route.objects.filter(kind=body.kind).select_related("unit").first()
    if route is not None:
        case.unit = route.unit
        case.save(update_fields=["unit"])
    from django.contrib.auth import get_user_model

    User = get_user_model()
    readers = User.objects.filter(is_active=True, role="supervisor").exclude(pk=system.pk)
    if route is not None:
        readers = readers.filter(unit=route.unit)
    for user in readers:
        CaseMembership.objects.get_or_create(case=case, user=user, defaults={"granted_by": system})
    req = cases.do_create_request(
        case, kind=body.kind, direction="incoming", subject=body.subject, requesting_state=body.requesting_state,
        requested_state=body.requested_state, requesting_authority=body.requesting_authority or msg.peer.name,
        requested_authority=body.requested_authority or me["name"], urgency=body.urgency,
        urgency_reason=body.urgency_reason or ("stated urgent by the requesting authority"
                                               if body.urgency != "normal" else ""),
        legal_basis=body.legal_basis, legal_basis_instrument=_known_instrument(body.legal_basis_instrument),
        acting_user=system, via="exchange")
    req.received_on = dt.date.fromisoformat(timezone.localdate().isoformat())
    req.save(update_fields=["received_on"])
    for person in body.persons:
        try:
            cases.do_add_entity(case, schema=person.schema_, properties=person.properties, role=person.role,
                                acting_user=system, via="exchange")
        except Exception:  # a person the FtM model refuses is kept in the request's text, not dropped silently
            Note.objects.create(case=case, request=req, author=system,
                                text=f"A person in the request could not be recorded as a party: {person.properties}")
    return Conversation.objects.create(conversation=payload.conversation, peer=msg.peer, request=req,
                                       their_reference=body.reference)


def _known_instrument(code: str) -> str:
    from comity.law import get_law

    return code if code and code in get_law().instruments else ""


def _register_evidence(req, msg, ref, entry, upload, system):
    """Evidence sent back arrives in the evidence register: hashed as it is stored and checked against the signed
    manifest, its custody continued (the providing authority's chain up to its hand-over, then our receipt)."""
    from comity.evidence.actions import do_register_evidence

    if entry.sha256 != ref.sha256:
        raise Rejected("hash_mismatch", f"evidence {entry.item}: the manifest and the attachment differ")
    chain = "; ".join(f"#{c.get('seq', '?')} {c.get('kind', '?')} {c.get('at', '')[:16]}"
                      + (f" to {c['to']}" if c.get("to") else "") for c in entry.custody)
    item = do_register_evidence(
        req.case, kind="digital", title=(entry.description or ref.name)[:200],
        date_obtained=timezone.localdate(), acting_user=system, source_request=req,
        description=(f"Exhibit {entry.item} of {msg.peer.name}. Custody there: {chain}")[:5000],
        providing_state=msg.peer.state, providing_authority=msg.peer.name[:200], upload=upload,
        place="Received through the exchange between authorities", via="exchange")
    if item.sha256 != entry.sha256:
        raise Rejected("hash_mismatch", f"evidence {entry.item}: the stored file's SHA-256 differs from the manifest")
    return item


def _evidence_about_ours(msg, token: str) -> None:
    """RETRIEVAL / NON_RETRIEVAL evidence the other side signed about a message we sent: verified with its key
    and kept with our message."""
    from comity.courier.actions import peer_identity
    from comity.courier.models import Evidence, Message
    from comity.exchange import read_evidence

    ev = read_evidence(token, issuer=peer_identity(msg.peer))
    ours = Message.objects.filter(direction="out", mid=ev.message, peer=msg.peer).first()
    if ours is None or ev.type not in ("RETRIEVAL", "NON_RETRIEVAL"):
        raise Rejected("not_applicable", f"evidence {ev.type} about an unknown message")
    Evidence.objects.create(message=ours, type=ev.type, issuer=ev.issuer, at=ev.at, reason=ev.reason,
                            detail=ev.detail, token=token)
    if ev.type == "RETRIEVAL":
        Message.objects.filter(pk=ours.pk).update(retrieved_at=ev.at)
