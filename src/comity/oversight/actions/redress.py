"""Redress: access, correction and deletion requests about a person's data become matters with the legal
clock of their regime (comity.law.redress), and decisions are recorded with reasons, each step logged.

Who sees a matter (docs/security/redress.md), one rule in `redress_visible_to`: its filer; oversight users
and administrators (every matter); the members of a case it names; and a supervisor for the matters that
name a case of their unit or were filed by someone of their unit. Everyone else is told the matter does
not exist. Supervisors and administrators who see a matter may extend its period and decide it."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from comity import audit
from comity.accounts.models import Role, User
from comity.cases.actions import is_member
from comity.cases.models import Case, CaseMembership
from comity.cases.validation import text_error
from comity.errors import InvalidInput, NotAllowed, NotFound
from comity.law.redress import NoPeriod, redress_clock
from comity.oversight.actions._common import (
    _check,
    _choice_error,
    _date_field,
    _next_reference,
    _purpose_error,
)
from comity.oversight.models import RedressKind, RedressMatter, Regime, RequesterCapacity

REDRESS_FILERS = {Role.OVERSIGHT, Role.ADMIN, Role.SUPERVISOR, Role.CASEWORKER, Role.PROSECUTOR, Role.DEFENCE}
REDRESS_DECIDERS = {Role.SUPERVISOR, Role.ADMIN}
REDRESS_READERS = {Role.OVERSIGHT, Role.ADMIN}  # see every matter; everyone else by the rule below


def redress_visible_to(user):
    """The matters `user` may see (the one rule; see the module's docstring)."""
    qs = RedressMatter.objects.all()
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if user.role in REDRESS_READERS:
        return qs
    member_of = CaseMembership.objects.filter(user=user, revoked_at__isnull=True).values("case_id")
    rule = Q(created_by=user) | Q(cases__in=member_of)
    if user.role == Role.SUPERVISOR and user.unit_id:
        rule |= Q(cases__unit_id=user.unit_id) | Q(created_by__unit_id=user.unit_id)
    return qs.filter(pk__in=RedressMatter.objects.filter(rule).values("pk"))


def _require_visible(matter: RedressMatter, user) -> None:
    if not redress_visible_to(user).filter(pk=matter.pk).exists():
        raise NotFound("No such redress matter.")


def _resolve_cases(references, acting_user, errors) -> list[Case]:
    refs = [r.strip() for r in (references or []) if r and r.strip()]
    if not refs:
        return []
    found = {c.reference.upper(): c for c in Case.objects.filter(reference__in=[r.upper() for r in refs])}
    cases, unknown = [], []
    for r in refs:
        c = found.get(r.upper())
        # A case the user may not see is reported exactly like one that does not exist.
        if c is None or not (acting_user.role in (Role.OVERSIGHT, Role.ADMIN) or is_member(c, acting_user)):
            unknown.append(r)
        else:
            cases.append(c)
    if unknown:
        errors["cases"] = f"no case with the reference {', '.join(unknown)}"
    return cases


def do_file_redress(*, requester_name: str, requester_capacity: str, person_described: str, kind: str,
                    regime: str, received, details: str = "", case_references=(), acting_user: User,
                    via: str = "web") -> RedressMatter:
    """File an access, correction or deletion request; it becomes a matter with its legal clock."""
    if acting_user.role not in REDRESS_FILERS:
        raise NotAllowed("Your role may not file redress requests.")
    errors = {"requester_name": text_error(requester_name, required=True, max_length=200),
              "requester_capacity": _choice_error(requester_capacity, RequesterCapacity),
              "person_described": text_error(person_described, required=True, max_length=2000),
              "kind": _choice_error(kind, RedressKind), "regime": _choice_error(regime, Regime),
              "details": text_error(details, required=False, max_length=20000)}
    received_day = _date_field(received, "received", errors, allow_future=False)
    if received_day is None and not errors.get("received"):
        errors["received"] = "is required (the day the request reached us)"
    cases = _resolve_cases(case_references, acting_user, errors)
    _check(errors)
    try:
        clock = redress_clock(regime, kind, received_day)
    except NoPeriod as e:  # the regime's period did not yet apply on the day received
        since = f": it applies to requests received from {e.applies_from.isoformat()}" if e.applies_from else ""
        raise InvalidInput({"received": f"{received_day.isoformat()} is before the period of the "
                                        f"{Regime(regime).label} applied{since}"}) from None
    with transaction.atomic():
        matter = RedressMatter.objects.create(
            reference=_next_reference("RDR", RedressMatter), requester_name=requester_name.strip(),
            requester_capacity=requester_capacity, person_described=person_described.strip(), kind=kind,
            regime=regime, received=received_day, details=(details or "").strip(), due=clock.due,
            due_citation=clock.citation[:400], due_verified=clock.verified, created_by=acting_user)
        matter.cases.set(cases)
        # The log keeps what the matter is and its clock, not who it is about.
        audit.record("redress.filed", actor=acting_user, case=cases[0] if len(cases) == 1 else None, obj=matter,
                     via=via, new={"reference": matter.reference, "kind": kind, "regime": regime,
                                   "received": received_day, "due": clock.due,
                                   "cases": [c.reference for c in cases]})
    return matter


def redress_matter_for(pk, user) -> RedressMatter:
    """A matter the user may see (`redress_visible_to`), or NotFound."""
    m = redress_visible_to(user).filter(pk=pk).prefetch_related("cases").first()
    if m is None:
        raise NotFound("No such redress matter.")
    return m


def may_decide(matter: RedressMatter, user) -> bool:
    return user.role in REDRESS_DECIDERS and redress_visible_to(user).filter(pk=matter.pk).exists()


def do_record_redress_access(matter: RedressMatter, *, acting_user: User, via: str = "web") -> None:
    """Log a read of a matter (who, when, which matter and the cases it names, why)."""
    _require_visible(matter, acting_user)
    cases = list(matter.cases.all())
    with transaction.atomic():
        audit.record("access.redress_matter", actor=acting_user, case=cases[0] if len(cases) == 1 else None,
                     obj=matter, purpose=f"handling redress matter {matter.reference}", category="access", via=via,
                     new={"matters": [matter.reference], "cases": sorted(c.reference for c in cases)})


def do_record_redress_list_access(matters, *, acting_user: User, via: str = "web") -> None:
    """Log a list of matters shown (their rows carry the requesters' names): one event naming them by
    reference. An empty list logs nothing."""
    refs = sorted({m.reference for m in matters})
    if not refs:
        return
    with transaction.atomic():
        audit.record("access.redress_list", actor=acting_user, purpose="handling redress matters (list)",
                     category="access", via=via, new={"matters": refs, "count": len(refs)})


def do_extend_redress(matter: RedressMatter, *, reason: str, acting_user: User, via: str = "web") -> RedressMatter:
    _require_visible(matter, acting_user)
    if acting_user.role not in REDRESS_DECIDERS:
        raise NotAllowed("Only a supervisor or an administrator may extend the period.")
    clock = redress_clock(matter.regime, matter.kind, matter.received)
    errors = {"reason": _purpose_error(reason)}
    if not clock.extension_months:
        errors["extension"] = f"the {matter.get_regime_display()} regime allows no extension"
    elif matter.extended_due:
        errors["extension"] = "the period has already been extended"
    if matter.status != RedressMatter.Status.OPEN:
        errors["extension"] = "the matter is decided"
    _check(errors)
    with transaction.atomic():
        matter = RedressMatter.objects.select_for_update().get(pk=matter.pk)
        matter.extended_due = clock.extended_due
        matter.extension_reason = reason.strip()
        matter.save(update_fields=["extended_due", "extension_reason"])
        audit.record("redress.extended", actor=acting_user, obj=matter, via=via,
                     old={"due": matter.due}, new={"due": matter.extended_due, "reason_given": True})
    return matter


def do_decide_redress(matter: RedressMatter, *, decision: str, reasons: str, decided_on=None, acting_user: User,
                      via: str = "web") -> RedressMatter:
    """Record the decision and its reasons; the matter shows whether it met its legal clock."""
    _require_visible(matter, acting_user)
    if acting_user.role not in REDRESS_DECIDERS:
        raise NotAllowed("Only a supervisor or an administrator may record a decision.")
    errors = {"decision": _choice_error(decision, RedressMatter.Decision),
              "reasons": text_error(reasons, required=True, max_length=20000)}
    if not errors["reasons"] and len(reasons.strip()) < 20:
        errors["reasons"] = "give the reasons for the decision (at least 20 characters)"
    day = _date_field(decided_on, "decided_on", errors, allow_future=False) or timezone.localdate()
    if not errors.get("decided_on") and day < matter.received:
        errors["decided_on"] = f"{day.isoformat()} is before the request was received ({matter.received.isoformat()})"
    if matter.status != RedressMatter.Status.OPEN:
        errors["decision"] = "the matter is already decided"
    _check(errors)
    with transaction.atomic():
        matter = RedressMatter.objects.select_for_update().get(pk=matter.pk)
        if matter.status != RedressMatter.Status.OPEN:
            raise InvalidInput({"decision": "the matter is already decided"})
        matter.status, matter.decision = RedressMatter.Status.DECIDED, decision
        matter.decision_reasons, matter.decided_on, matter.decided_by = reasons.strip(), day, acting_user
        matter.save(update_fields=["status", "decision", "decision_reasons", "decided_on", "decided_by"])
        audit.record("redress.decided", actor=acting_user, obj=matter, via=via, old={"status": "open"},
                     new={"status": matter.status, "decision": decision, "decided_on": day,
                          "in_time": matter.decided_in_time})
    return matter

