"""Protected persons: a witness or informant recorded under a pseudonym, the true identity sealed at rest,
and four-eyes unsealing (a supervisor other than the requester approves; the requester reads it once)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from comity import audit
from comity.accounts.models import Role, User
from comity.cases.actions import is_member, require_member
from comity.cases.models import Case
from comity.cases.validation import text_error
from comity.errors import InvalidInput, NotAllowed, NotFound
from comity.oversight import seal
from comity.oversight.actions._common import _check, _choice_error, _purpose_error
from comity.oversight.models import ProtectedPerson, UnsealingRequest

PROTECTION_ROLES = {Role.CASEWORKER, Role.PROSECUTOR, Role.SUPERVISOR, Role.ADMIN}


def unseal_view_seconds() -> int:
    return int(getattr(settings, "COMITY_UNSEAL_VIEW_SECONDS", 3600))


def do_register_protected_person(case: Case, *, pseudonym: str, role: str, true_identity: str, acting_user: User,
                                 via: str = "web") -> ProtectedPerson:
    """Record a witness or informant under a pseudonym; the true identity is sealed at rest and the
    audit event names only its seal id, never the pseudonym."""
    require_member(case, acting_user)
    if acting_user.role not in PROTECTION_ROLES:
        raise NotAllowed("Your role may not register protected persons.")
    errors = {"pseudonym": text_error(pseudonym, required=True, max_length=100),
              "role": _choice_error(role, ProtectedPerson.Role),
              "true_identity": text_error(true_identity, required=True, max_length=5000)}
    if not errors["pseudonym"] and not errors["true_identity"] and \
            pseudonym.strip().lower() in true_identity.lower():
        errors["pseudonym"] = "must not reveal the true identity"
    _check(errors)
    with transaction.atomic():
        pp = ProtectedPerson(case=case, pseudonym=pseudonym.strip(), role=role, created_by=acting_user)
        pp.sealed_identity = seal.seal(true_identity.strip(), pp.seal_id)
        try:
            with transaction.atomic():
                pp.save()
        except IntegrityError:
            raise InvalidInput({"pseudonym": f"{pseudonym.strip()!r} is already used in this case"}) from None
        audit.record("protected_person.registered", actor=acting_user, case=case, obj=pp, via=via,
                     new={"role": role, "seal_id": pp.seal_id})
    return pp


def protected_person_for(pk, user) -> ProtectedPerson:
    pp = ProtectedPerson.objects.filter(pk=pk).select_related("case").first()
    if pp is None or not is_member(pp.case, user):
        raise NotFound("No such protected person.")
    return pp


def do_request_unsealing(pp: ProtectedPerson, *, purpose: str, acting_user: User,
                         via: str = "web") -> UnsealingRequest:
    require_member(pp.case, acting_user)
    if acting_user.role not in PROTECTION_ROLES:
        raise NotAllowed("Your role may not ask to unseal an identity.")
    errors = {"purpose": _purpose_error(purpose)}
    if UnsealingRequest.objects.filter(protected_person=pp, requested_by=acting_user,
                                       status__in=[UnsealingRequest.Status.PENDING,
                                                   UnsealingRequest.Status.APPROVED]).exists():
        errors["purpose"] = errors["purpose"] or "you already have an open request for this person"
    _check(errors)
    with transaction.atomic():
        r = UnsealingRequest.objects.create(protected_person=pp, requested_by=acting_user,
                                            requested_at=timezone.now(), purpose=purpose.strip())
        audit.record("protected_person.unsealing_requested", actor=acting_user, case=pp.case_id, obj=r,
                     purpose=r.purpose, via=via, new={"protected_person": pp.pk})
    return r


def unsealing_request_for(pk, user) -> UnsealingRequest:
    r = UnsealingRequest.objects.filter(pk=pk).select_related("protected_person__case", "requested_by").first()
    if r is None or not is_member(r.protected_person.case, user):
        raise NotFound("No such request.")
    return r


def do_decide_unsealing(req: UnsealingRequest, *, approve: bool, reason: str = "", acting_user: User,
                        via: str = "web") -> UnsealingRequest:
    """Four eyes: a supervisor of the case other than the requester approves or refuses."""
    case = req.protected_person.case
    require_member(case, acting_user)
    if not acting_user.is_supervisor:
        raise NotAllowed("Only a supervisor may approve or refuse unsealing.")
    if acting_user.pk == req.requested_by_id:
        raise NotAllowed("Four eyes: a second person must decide on your own request to unseal.")
    errors = {"reason": text_error(reason, required=not approve, max_length=500)}
    if req.status != UnsealingRequest.Status.PENDING:
        errors["decision"] = f"the request is already {req.get_status_display().lower()}"
    _check(errors)
    with transaction.atomic():
        req = UnsealingRequest.objects.select_for_update().get(pk=req.pk)
        if req.status != UnsealingRequest.Status.PENDING:
            raise InvalidInput({"decision": f"the request is already {req.get_status_display().lower()}"})
        now = timezone.now()
        req.status = UnsealingRequest.Status.APPROVED if approve else UnsealingRequest.Status.REFUSED
        req.decided_by, req.decided_at, req.decision_reason = acting_user, now, (reason or "").strip()
        req.view_until = now + dt.timedelta(seconds=unseal_view_seconds()) if approve else None
        req.save(update_fields=["status", "decided_by", "decided_at", "decision_reason", "view_until"])
        audit.record(f"protected_person.unsealing_{'approved' if approve else 'refused'}", actor=acting_user,
                     case=case, obj=req, purpose=req.purpose, via=via,
                     new={"requested_by": req.requested_by.username, "reason_given": bool(req.decision_reason),
                          "view_until": req.view_until})
    return req


def do_view_sealed_identity(req: UnsealingRequest, *, acting_user: User, via: str = "web") -> str:
    """The requester reads the true identity once, within the approved window; the read is logged
    with the stated purpose and the request is spent."""
    pp = req.protected_person
    require_member(pp.case, acting_user)
    if acting_user.pk != req.requested_by_id:
        raise NotAllowed("Only the person who asked may view the identity.")
    with transaction.atomic():
        req = UnsealingRequest.objects.select_for_update().get(pk=req.pk)
        if req.status != UnsealingRequest.Status.APPROVED:
            raise InvalidInput({"request": f"is {req.get_status_display().lower()}, not approved for viewing"})
        now = timezone.now()
        if req.view_until is None or now > req.view_until:
            raise InvalidInput({"request": "the approval has expired; ask again"})
        identity = seal.unseal(pp.sealed_identity, pp.seal_id)
        req.status, req.viewed_at = UnsealingRequest.Status.VIEWED, now
        req.save(update_fields=["status", "viewed_at"])
        audit.record("access.sealed_identity", actor=acting_user, case=pp.case_id, obj=pp, purpose=req.purpose,
                     category="access", via=via, new={"protected_person": pp.pk, "unsealing_request": req.pk,
                                                      "approved_by": req.decided_by.username})
    return identity
