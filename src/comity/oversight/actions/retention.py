"""Retention and disposal: when a case's data is due for review (comity.law.retention, shortened by the
undertakings recorded here), disposal of a closed case's personal data with a tombstone, and the signed
disposal certificate."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from comity import audit
from comity.accounts.models import Role, User
from comity.audit.models import AuditEvent
from comity.cases.actions import require_member
from comity.cases.models import Case, CaseMembership, Document, Entity, Note, Task, Transition
from comity.cases.validation import text_error
from comity.errors import InvalidInput, NotAllowed, NotFound
from comity.law.retention import Retention, compute_retention
from comity.oversight.actions._common import _check, _choice_error, _date_field, _purpose_error
from comity.oversight.actions.reports import check_against_head
from comity.oversight.models import CaseDisposal, ProtectedPerson, RetentionUndertaking


def _closed_on(case_ids) -> dict[int, dt.date]:
    """When each case was last closed, from the audit log (one query)."""
    rows = (AuditEvent.objects.filter(event_type="case.closed", case_id__in=list(case_ids))
            .values("case_id").annotate(last=Max("time")))
    return {r["case_id"]: timezone.localdate(r["last"]) for r in rows}


def retention_for_cases(cases) -> dict[int, Retention]:
    """Retention of several cases with a fixed number of queries (cases prefetched with
    `requests` and `retention_undertakings`)."""
    cases = list(cases)
    closed = _closed_on(c.pk for c in cases)
    return {c.pk: compute_retention(kinds=[r.kind for r in c.requests.all()],
                                    undertakings=list(c.retention_undertakings.all()),
                                    proceedings_ended=closed.get(c.pk) if c.state == Case.State.CLOSED else None)
            for c in cases}


def retention_for(case: Case) -> Retention:
    case = Case.objects.prefetch_related("requests", "retention_undertakings").get(pk=case.pk)
    return retention_for_cases([case])[case.pk]


def cases_due_for_review(user, today: dt.date | None = None) -> list[tuple[Case, Retention]]:
    """Cases whose retention has run out and that are not yet disposed of: a supervisor sees the
    cases they are a member of; oversight users and administrators see all (references only)."""
    today = today or timezone.localdate()
    qs = Case.objects.filter(disposal__isnull=True)
    if user.role not in (Role.OVERSIGHT, Role.ADMIN):
        qs = qs.filter(pk__in=Case.objects.visible_to(user).values("pk"))
    # A case is a candidate once it is closed or has a dispose-by undertaking.
    qs = qs.filter(Q(state=Case.State.CLOSED) | Q(retention_undertakings__kind=RetentionUndertaking.Kind.BY_DATE))
    qs = qs.distinct().prefetch_related("requests", "retention_undertakings").order_by("pk")
    cases = list(qs)
    ret = retention_for_cases(cases)
    return sorted(((c, ret[c.pk]) for c in cases if ret[c.pk].expired(today)), key=lambda x: x[1].due)


def do_record_undertaking(case: Case, *, kind: str, text: str, months_after_proceedings=None, dispose_by=None,
                          request=None, acting_user: User, via: str = "web") -> RetentionUndertaking:
    """Record an undertaking given about the case's data (e.g. in a request or its acceptance)."""
    require_member(case, acting_user)
    if acting_user.role in (Role.OVERSIGHT, Role.DEFENCE):
        raise NotAllowed("Your role may not record undertakings.")
    errors = {"kind": _choice_error(kind, RetentionUndertaking.Kind),
              "text": text_error(text, required=True, max_length=2000),
              "request": "belongs to another case" if request is not None and request.case_id != case.pk else None}
    months = None
    if kind == RetentionUndertaking.Kind.AFTER_PROCEEDINGS:
        try:
            months = int(months_after_proceedings)
            if not 0 <= months <= 1200:
                errors["months_after_proceedings"] = "must be between 0 and 1200"
        except (TypeError, ValueError):
            errors["months_after_proceedings"] = "give the number of months after the proceedings"
    elif months_after_proceedings not in (None, ""):
        errors["months_after_proceedings"] = "applies only to disposal after the proceedings"
    day = _date_field(dispose_by, "dispose_by", errors)
    if kind == RetentionUndertaking.Kind.BY_DATE and day is None and not errors.get("dispose_by"):
        errors["dispose_by"] = "give the date by which the data must be disposed of"
    elif kind != RetentionUndertaking.Kind.BY_DATE and day is not None:
        errors["dispose_by"] = "applies only to disposal by a date"
    _check(errors)
    with transaction.atomic():
        u = RetentionUndertaking.objects.create(case=case, request=request, kind=kind, text=text.strip(),
                                                months_after_proceedings=months, dispose_by=day,
                                                created_by=acting_user)
        audit.record("retention.undertaking_recorded", actor=acting_user, case=case, obj=u, via=via,
                     new={"kind": kind, "months_after_proceedings": months, "dispose_by": day,
                          "request": getattr(request, "reference", None)})
    return u


def providing_states(requests) -> list[str]:
    """The States that provided data: the requesting State of an incoming request, the requested
    State of an outgoing one (it sent back what was executed)."""
    states = {r.requesting_state if r.direction == "incoming" else r.requested_state for r in requests}
    return sorted(s for s in states if s)


DISPOSED = "[disposed]"


def _evidence_in_custody(case: Case) -> int:
    """Evidence items of the case whose chain of custody has not ended (returned or disposed of).
    Exhibits leave through their own signed custody record, not through a case disposal."""
    from django.apps import apps

    try:
        item_model = apps.get_model("evidence", "EvidenceItem")
    except LookupError:
        return 0
    return (item_model.objects.filter(case=case)
            .exclude(custody_events__kind__in=["disposed", "returned"]).distinct().count())


def _request_drafts(case: Case):
    """Drafts of the case's requests in the request builder (their content, versions and generated
    documents hold personal data), or None when that app is not installed."""
    from django.apps import apps

    if not apps.is_installed("comity.builder"):
        return None
    return apps.get_model("builder", "Draft").objects.filter(request__case=case)


def _party_names(case: Case) -> set[str]:
    """Every name recorded for the case's parties: captions and name-like properties."""
    names: set[str] = set()
    for caption, props in Entity.objects.filter(case=case).values_list("caption", "properties"):
        names.add(caption)
        for key, value in (props or {}).items():
            if "name" in key.lower() or key in ("alias", "aliases"):
                names.update(value if isinstance(value, list) else [value])
    return {n.strip() for n in names if isinstance(n, str) and len(n.strip()) >= 3}


def do_dispose_case(case: Case, *, reason: str, acting_user: User, confirm_early: bool = False,
                    via: str = "web") -> CaseDisposal:
    """Delete a closed case's personal data and documents, keep a tombstone, log the disposal.

    Deleted: entities, documents (rows, and files after commit), notes, protected persons, the
    request builder's drafts (with their versions and generated documents), and the free text of the
    case, its requests, transitions and tasks. Kept: references, dates, counts,
    the requests' kinds and States, deadlines, memberships and the audit log (which records the
    disposal with counts and the reason, never the deleted content).
    """
    require_member(case, acting_user)
    if not acting_user.is_supervisor:
        raise NotAllowed("Only a supervisor may dispose of a case.")
    errors = {"reason": _purpose_error(reason)}
    if case.state != Case.State.CLOSED:
        errors["case"] = "is open; close the case before disposing of its data"
    if CaseDisposal.objects.filter(case=case).exists():
        errors["case"] = "has already been disposed of"
    elif in_custody := _evidence_in_custody(case):
        errors["case"] = (f"holds {in_custody} evidence item(s) still in custody; return or dispose of them "
                          "through the chain of custody first")
    retention = retention_for(case)
    today = timezone.localdate()
    if not errors.get("case") and not retention.expired(today) and not confirm_early:
        errors["confirm_early"] = (
            f"retention runs until {retention.due.isoformat()}; confirm to dispose early" if retention.due
            else "the retention period has not started; confirm to dispose early")
    _check(errors)
    files: list[tuple] = []
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        if CaseDisposal.objects.filter(case=case).exists():
            raise InvalidInput({"case": "has already been disposed of"})
        requests = list(case.requests.all())
        docs = list(Document.objects.filter(case=case))
        files = [(d.file.storage, d.file.name) for d in docs if d.file.name]
        counts = {"entities": Entity.objects.filter(case=case).count(), "documents": len(docs),
                  "document_bytes": sum(d.size for d in docs), "notes": Note.objects.filter(case=case).count(),
                  "protected_persons": ProtectedPerson.objects.filter(case=case).count(),
                  "requests": len(requests), "tasks": Task.objects.filter(case=case).count()}
        drafts = _request_drafts(case)
        if drafts is not None:
            counts["request_drafts"] = drafts.count()
            drafts.delete()  # before the documents: a generated document protects its Document row
        # Names of the case's parties: console searches for them (kept beside the log, not bound to a
        # case) are erased with the case.
        names = _party_names(case)
        Entity.objects.filter(case=case).delete()
        Document.objects.filter(case=case).delete()
        erased_text_events = audit.erase_texts_naming(names)
        counts["search_texts"] = len(erased_text_events)
        RetentionUndertaking.objects.filter(case=case).update(text=DISPOSED)
        Note.objects.filter(case=case).delete()
        # Messages exchanged with other authorities about the case: their content goes, their ids, digests and
        # signed evidence (codes and hashes only) stay, so delivery can still be proved.
        from comity.courier.models import Attachment as ExchangeAttachment
        from comity.courier.models import Message as ExchangeMessage

        exchanged = ExchangeMessage.objects.filter(case=case).update(payload={"erased": DISPOSED}, jwe="")
        if exchanged:
            counts["exchange_messages"] = exchanged
        ExchangeAttachment.objects.filter(message__case=case).update(name=DISPOSED)
        ProtectedPerson.objects.filter(case=case).delete()
        Transition.objects.filter(request__case=case).update(comment="")
        Task.objects.filter(case=case).update(title=DISPOSED)
        case.requests.update(subject=DISPOSED, urgency_reason="")
        opened_at = case.created_at
        case.title, case.summary = f"Disposed case {case.reference}", ""
        case.save(update_fields=["title", "summary", "updated_at"])
        disposal = CaseDisposal.objects.create(
            case=case, case_reference=case.reference, case_opened_at=opened_at,
            proceedings_ended=retention.proceedings_ended, retention_due=retention.due, disposed_at=timezone.now(),
            disposed_by=acting_user, reason=reason.strip(), counts=counts,
            requests=[{"reference": r.reference, "kind": r.kind, "direction": r.direction,
                       "requesting_state": r.requesting_state, "requested_state": r.requested_state}
                      for r in requests],
            providing_states=providing_states(requests))
        ev = audit.record("case.disposed", actor=acting_user, case=case, obj=disposal, via=via,
                          new={"reference": case.reference, "reason_given": True, "counts": counts,
                               "retention_due": retention.due, "early": not retention.expired(today),
                               "providing_states": disposal.providing_states,
                               "erased_text_events": erased_text_events})
        disposal.audit_seq = ev.seq
        disposal.save(update_fields=["audit_seq", "counts"])  # counts: with what the other apps erased
        # A signed head that covers the disposal, so its certificate can be read (and checked) at once.
        from comity.audit import ledger as db_ledger

        db_ledger.sign_current_head(actor=acting_user, via=via)

        def delete_files():
            for storage, name in files:
                storage.delete(name)

        transaction.on_commit(delete_files)
    return disposal


def disposal_for(pk, user) -> CaseDisposal:
    d = CaseDisposal.objects.filter(pk=pk).select_related("disposed_by").first()
    if d is None:
        raise NotFound("No such disposal.")
    if user.role in (Role.OVERSIGHT, Role.ADMIN):
        return d
    if d.case_id is None or not CaseMembership.objects.filter(case_id=d.case_id, user=user,
                                                              revoked_at__isnull=True).exists():
        raise NotFound("No such disposal.")
    return d


CERTIFICATE_CONTEXT = b"comity-disposal-certificate/v1\n"


def certificate_body(d: CaseDisposal) -> dict:
    return {"case_reference": d.case_reference, "case_opened_at": d.case_opened_at.isoformat(),
            "proceedings_ended": d.proceedings_ended.isoformat() if d.proceedings_ended else None,
            "retention_due": d.retention_due.isoformat() if d.retention_due else None,
            "disposed_at": d.disposed_at.isoformat(), "disposed_by": d.disposed_by.username, "reason": d.reason,
            "counts": d.counts, "requests": d.requests, "providing_states": d.providing_states,
            "audit_seq": d.audit_seq}


def sign_certificate(d: CaseDisposal) -> dict:
    """The certificate's signature (Ed25519, the audit log's key) and the signed tree head that
    includes the disposal event, with the inclusion checked."""
    from comity.audit import ledger as db_ledger
    from comity.audit.models import TreeHead
    from comity.ledger import key_id

    # Reading a certificate writes nothing: the disposal signed a head covering its event.
    head = TreeHead.objects.filter(size__gt=d.audit_seq if d.audit_seq is not None else -1).order_by("-size", "-id").first()
    events = list(AuditEvent.objects.filter(seq=d.audit_seq)) if d.audit_seq is not None else []
    if head is None:
        problems = ["no signed tree head covers the disposal event yet"]
    else:
        problems = check_against_head(events, head) if events else ["the disposal event is missing from the log"]
    body = json.dumps(certificate_body(d), sort_keys=True, separators=(",", ":")).encode()
    digest = hashlib.sha256(body).digest()
    key = db_ledger.private_key()
    return {"digest": digest.hex(), "signature": key.sign(CERTIFICATE_CONTEXT + digest).hex(),
            "key_id": key_id(key.public_key()), "head": head.as_dict() if head else None, "verified": not problems,
            "problems": problems}

