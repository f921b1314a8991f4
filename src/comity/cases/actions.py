"""Every change to cases and requests goes through a function here.

Each runs in one transaction, writes its audit event in that transaction, and validates its input
first, raising `InvalidInput` with a reason per field so nothing is stored half-way. Views, the API
and the CLI call these; they never save models themselves.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from django.apps import apps
from django.conf import settings
from django.core.files.base import File
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.dispatch import Signal
from django.utils import timezone

from comity import audit, law
from comity.accounts.models import DECIDER_ROLES, Role, User
from comity.cases import ftm, guards
from comity.cases.lifecycle import lifecycle
from comity.cases.models import (
    ApprovalRequest,
    Case,
    CaseMembership,
    CaseStateChange,
    CooperationRequest,
    Deadline,
    Direction,
    Document,
    Entity,
    Note,
    NoticeAction,
    RequestKind,
    RequestLink,
    Revision,
    Task,
    Transition,
    Urgency,
)
from comity.cases.validation import country_error, date_error, filename_error, parse_date, text_error
from comity.errors import InvalidInput, NotAllowed, NotFound, check

STAFF_ROLES = {Role.CASEWORKER, Role.PROSECUTOR, Role.SUPERVISOR, Role.ADMIN, Role.DEFENCE}
ASKING_ROLES = {Role.CASEWORKER, Role.PROSECUTOR, Role.SUPERVISOR, Role.ADMIN}
MIN_REASON = 10

#: How roles are named in sentences ("only a prosecutor or a supervisor may ...").
ROLE_WORDS = {"caseworker": "a caseworker", "prosecutor": "a prosecutor", "supervisor": "a supervisor",
              "admin": "an administrator", "defence": "defence counsel", "oversight": "an oversight officer"}


def roles_in_words(roles) -> str:
    words = [ROLE_WORDS.get(r, r) for r in ("caseworker", "prosecutor", "supervisor", "defence", "oversight", "admin")
             if r in roles]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def is_member(case: Case, user) -> bool:
    return CaseMembership.objects.filter(case=case, user=user, revoked_at__isnull=True).exists()


def require_member(case: Case, user) -> None:
    """Non-members are told the case does not exist, so its existence does not leak."""
    if not is_member(case, user):
        raise NotFound("No such case.")


def _disposed_error(case: Case) -> str | None:
    """A case whose personal data was disposed of takes no new content."""
    return "has been disposed of; it takes no new content" if hasattr(case, "disposal") else None


_check = check  # comity.errors.check: one validation step for every action


def _reason_error(reason, *, required: bool = True, max_length: int = 2000) -> str | None:
    """A stated reason: free text, at least a few words when required."""
    error = text_error(reason, required=required, max_length=max_length)
    if error:
        return error
    if required and len((reason or "").strip()) < MIN_REASON:
        return f"say why (at least {MIN_REASON} characters)"
    return None


def _sha256(value) -> str:
    """A hash of previous values for the audit log, which must not hold the values themselves."""
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def next_reference(prefix: str, model, field: str) -> str:
    """The next free reference PREFIX-YEAR-NNNNNN for `model.field`, numbered one transaction at a time."""
    year = timezone.now().year
    stem = f"{prefix}-{year}-"
    connection = transaction.get_connection()
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        # One number at a time (SQLite's IMMEDIATE transactions already are): two cases created at once got the
        # same reference and one of them a server error (tests/security/test_crash_many.py, on PostgreSQL).
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [stem])
    last = (model.objects.filter(**{f"{field}__startswith": stem}).order_by(f"-{field}")
            .values_list(field, flat=True).first())
    n = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{stem}{n:06d}"


# --- cases and compartments -------------------------------------------------------------------------

def do_create_case(*, title: str, summary: str = "", acting_user: User, via: str = "web") -> Case:
    if acting_user.role not in STAFF_ROLES:
        raise NotAllowed("Your role may not open cases.")
    _check({"title": text_error(title, required=True, max_length=200),
            "summary": text_error(summary, required=False, max_length=20000)})
    with transaction.atomic():
        case = Case.objects.create(reference=next_reference("CASE", Case, "reference"), title=title.strip(),
                                   summary=(summary or "").strip(), created_by=acting_user, unit=acting_user.unit)
        CaseMembership.objects.create(case=case, user=acting_user, granted_by=acting_user,
                                      basis=CaseMembership.Basis.CREATOR)
        # The audit log is permanent (a Merkle log cannot forget), so events carry no personal data:
        # references, codes, hashes and field names, not names, titles or free text.
        audit.record("case.created", actor=acting_user, case=case, obj=case, via=via,
                     new={"reference": case.reference, "unit": case.unit_id})
        audit.record("case.membership_granted", actor=acting_user, case=case, via=via,
                     new={"user": acting_user.username, "reason": "creator"})
    return case


def _open_requests(case: Case) -> list[CooperationRequest]:
    return [r for r in case.requests.all() if not r.is_terminal]


def do_close_case(case: Case, *, acting_user: User, reason: str = "", comment: str = "", via: str = "web") -> Case:
    """Close a case: its proceedings have ended, which starts the retention period of its data
    (comity.oversight counts it from the last `case.closed` event). A supervisor closes, with a reason."""
    require_member(case, acting_user)
    if not acting_user.is_supervisor:
        raise NotAllowed("Only a supervisor may close a case.")
    reason = reason or comment
    _check({"reason": _reason_error(reason),
            "case": "is already closed" if case.state == Case.State.CLOSED else None})
    given = case
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        if case.state == Case.State.CLOSED:
            raise InvalidInput({"case": "is already closed"})
        old = case.state
        now = timezone.now()
        case.state = given.state = Case.State.CLOSED
        case.save(update_fields=["state", "updated_at"])
        CaseStateChange.objects.create(case=case, action=CaseStateChange.Action.CLOSED, reason=reason.strip(),
                                       actor=acting_user, at=now)
        cancelled = _cancel_pending_approvals(ApprovalRequest.objects.filter(case=case), now)
        audit.record("case.closed", actor=acting_user, case=case, obj=case, old={"state": old},
                     new={"state": case.state, "reason_given": True,
                          "open_requests": [r.reference for r in _open_requests(case)],
                          "approvals_cancelled": cancelled}, via=via)
    return case


def do_reopen_case(case: Case, *, reason: str, acting_user: User, via: str = "web") -> Case:
    """Reopen a closed case (new proceedings, an appeal): retention stops running until it is closed again."""
    require_member(case, acting_user)
    if not acting_user.is_supervisor:
        raise NotAllowed("Only a supervisor may reopen a case.")
    _check({"reason": _reason_error(reason),
            "case": _disposed_error(case) or ("is open" if case.state == Case.State.OPEN else None)})
    given = case
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        if case.state == Case.State.OPEN:
            raise InvalidInput({"case": "is open"})
        case.state = given.state = Case.State.OPEN
        case.save(update_fields=["state", "updated_at"])
        CaseStateChange.objects.create(case=case, action=CaseStateChange.Action.REOPENED, reason=reason.strip(),
                                       actor=acting_user, at=timezone.now())
        audit.record("case.reopened", actor=acting_user, case=case, obj=case, old={"state": Case.State.CLOSED},
                     new={"state": case.state, "reason_given": True}, via=via)
    return case


def do_update_case(case: Case, *, title: str | None = None, summary: str | None = None, acting_user: User,
                   via: str = "web") -> Case:
    """Change a case's title or summary (any member whose role may open cases). `None` leaves a field as it
    is. The audit event names the fields changed and a SHA-256 of the previous values, never the text."""
    require_member(case, acting_user)
    if acting_user.role not in STAFF_ROLES:
        raise NotAllowed("Your role may not change cases.")
    _check({"case": _disposed_error(case),
            "title": text_error(title, required=True, max_length=200) if title is not None else None,
            "summary": text_error(summary, required=False, max_length=20000) if summary is not None else None})
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        new = {"title": title.strip() if title is not None else case.title,
               "summary": (summary or "").strip() if summary is not None else case.summary}
        previous = {"title": case.title, "summary": case.summary}
        changed = sorted(k for k in new if new[k] != previous[k])
        if not changed:
            raise InvalidInput({"title" if title is not None else "summary": "nothing changed"})
        case.title, case.summary = new["title"], new["summary"]
        case.save(update_fields=["title", "summary", "updated_at"])
        audit.record("case.updated", actor=acting_user, case=case, obj=case, via=via,
                     old={"sha256": _sha256(previous)}, new={"fields": changed})
    return case


def _membership_user_error(case: Case, user: User) -> str | None:
    if not user.is_active:
        return f"{user.username} is not an active account"
    if user.role == Role.OVERSIGHT:
        return "oversight users open cases by stating a purpose, not by membership"
    if is_member(case, user):
        return f"{user.username} is already a member of this case"
    return None


def _add_member(case: Case, user: User, *, granted_by: User, basis: str, reason: str = "") -> CaseMembership:
    try:
        with transaction.atomic():
            return CaseMembership.objects.create(case=case, user=user, granted_by=granted_by, basis=basis,
                                                 reason=reason.strip())
    except IntegrityError:
        raise InvalidInput({"user": f"{user.username} is already a member of this case"}) from None


def may_invite(case: Case, user: User) -> bool:
    """Whether `user` may grant access to `case`: a supervisor who is a member, or the case's creator
    (colleagues of their own unit only)."""
    return user.is_supervisor or (case.created_by_id == user.pk and user.unit_id is not None)


def do_grant_membership(case: Case, user: User, *, acting_user: User, via: str = "web") -> CaseMembership:
    """Give `user` access to a case. A supervisor may grant it to anyone; the case's creator may invite
    colleagues of their own unit."""
    require_member(case, acting_user)
    if acting_user.is_supervisor:
        basis = CaseMembership.Basis.GRANTED
    elif case.created_by_id == acting_user.pk:
        basis = CaseMembership.Basis.INVITED
        if acting_user.unit_id is None:
            raise NotAllowed("You belong to no unit, so you cannot invite colleagues: ask a supervisor.")
        if user.unit_id != acting_user.unit_id:
            raise InvalidInput({"user": f"{user.username} is not in your unit; ask a supervisor to grant access"})
    else:
        raise NotAllowed("Only a supervisor may grant access to a case, or the case's creator invite colleagues "
                         "of their unit.")
    _check({"user": _membership_user_error(case, user)})
    with transaction.atomic():
        m = _add_member(case, user, granted_by=acting_user, basis=basis)
        audit.record("case.membership_granted", actor=acting_user, case=case, obj=m, via=via,
                     new={"user": user.username, "basis": basis})
    return m


def do_revoke_membership(case: Case, user: User, *, acting_user: User, via: str = "web") -> None:
    """Remove a member. A supervisor may remove anyone but the last member; a creator, those they invited."""
    require_member(case, acting_user)
    with transaction.atomic():
        m = CaseMembership.objects.select_for_update().filter(case=case, user=user, revoked_at__isnull=True).first()
        invited_by_me = (m is not None and m.granted_by_id == acting_user.pk and case.created_by_id == acting_user.pk
                         and m.basis == CaseMembership.Basis.INVITED)
        if not acting_user.is_supervisor and not invited_by_me:
            raise NotAllowed("Only a supervisor may revoke access to a case (or its creator, for colleagues they "
                             "invited).")
        if m is None:
            raise InvalidInput({"user": f"{user.username} is not a member of this case"})
        if CaseMembership.objects.filter(case=case, revoked_at__isnull=True).count() == 1:
            raise InvalidInput({"user": "the last member of a case cannot be removed"})
        m.revoked_at = timezone.now()
        m.revoked_by = acting_user
        m.save(update_fields=["revoked_at", "revoked_by"])
        audit.record("case.membership_revoked", actor=acting_user, case=case, obj=m, via=via,
                     old={"user": user.username})


def join_basis(case: Case, user: User) -> str | None:
    """Why `user` may join `case` without being invited, or None. A supervisor may join any case of their
    unit; a prosecutor or supervisor of the unit may join a case whose request awaits the unit's decision."""
    if not user.is_authenticated or user.unit_id is None or case.unit_id != user.unit_id:
        return None
    if user.is_supervisor:
        return CaseMembership.Basis.JOINED
    if user.is_decider and ApprovalRequest.objects.filter(case=case, status=ApprovalRequest.Status.PENDING).exclude(
            asked_by=user).exists():
        return CaseMembership.Basis.APPROVAL
    return None


def do_join_case(case: Case, *, reason: str, acting_user: User, via: str = "web") -> CaseMembership:
    """A supervisor of the case's unit (or a decider asked for approval) joins the case, stating why.
    Anyone else is told the case does not exist."""
    if is_member(case, acting_user):
        raise InvalidInput({"case": "you are already a member of this case"})
    basis = join_basis(case, acting_user)
    if basis is None:
        raise NotFound("No such case.")
    _check({"reason": _reason_error(reason, max_length=500)})
    with transaction.atomic():
        m = _add_member(case, acting_user, granted_by=acting_user, basis=basis, reason=reason)
        audit.record("case.joined", actor=acting_user, case=case, obj=m, via=via,
                     new={"user": acting_user.username, "basis": basis, "unit": case.unit_id, "reason_given": True})
    return m


# --- access logging (reads of personal data) --------------------------------------------------------

def do_record_access(case: Case, *, acting_user: User, what: str, purpose: str, obj=None, via: str = "web") -> None:
    """Record that a user read personal data in a case: who, when, which case, what and why."""
    with transaction.atomic():
        audit.record(f"access.{what}", actor=acting_user, case=case, obj=obj, purpose=purpose,
                     category="access", via=via)


def do_record_list_access(*, acting_user: User, what: str, references: list[str], via: str = "web") -> None:
    """Record that a user read a list whose rows carry personal data (case titles, subjects): which
    cases were shown, by reference. Members read their own lists for case work."""
    with transaction.atomic():
        audit.record(f"access.{what}", actor=acting_user, purpose=MEMBER_LIST_PURPOSE, category="access", via=via,
                     new={"cases": references, "count": len(references)})


MEMBER_LIST_PURPOSE = "case work (lists of the user's cases)"


def do_open_case_for_oversight(case: Case, *, purpose: str, acting_user: User, via: str = "web") -> None:
    """An oversight user states why they open a case they are not a member of. The purpose is recorded."""
    if acting_user.role != Role.OVERSIGHT:
        raise NotFound("No such case.")
    _check({"purpose": text_error(purpose, required=True, max_length=500)})
    if len(purpose.strip()) < 10:
        raise InvalidInput({"purpose": "say why you need this case (at least 10 characters)"})
    with transaction.atomic():
        audit.record("access.oversight_opened", actor=acting_user, case=case, obj=case, purpose=purpose.strip(),
                     category="access", via=via)


# --- requests ---------------------------------------------------------------------------------------

def _choice_error(value, choices, *, required=True) -> str | None:
    if value in (None, ""):
        return "is required" if required else None
    if value not in choices.values:
        return f"{value!r} is not one of: {', '.join(choices.values)}"
    return None


# Request kinds as the computable law names its kinds of cooperation.
LAW_KIND = {"mla": "mla", "extradition": "extradition", "transfer": "transfer", "asset_recovery": "asset_recovery"}


def legal_basis_options(kind: str, requesting_state: str, requested_state: str, on_date=None):
    """The instruments in force between the two States for this kind of request, in order of use
    (comity.law.legal_basis), or None for kinds the law library does not cover (INTERPOL notices)."""
    if kind not in LAW_KIND:
        return None
    try:
        return law.legal_basis(requesting_state.upper(), requested_state.upper(), LAW_KIND[kind],
                               on_date or timezone.localdate())
    except law.LawError:
        return None


def _choose_legal_basis(kind, requesting_state, requested_state, instrument, free_text):
    """Check a chosen instrument against the law, or pick the first applicable one.
    Returns (instrument id, legal basis text, error or None)."""
    options = legal_basis_options(kind, requesting_state, requested_state)
    if options is None:
        return instrument, free_text, None
    by_id = {r.instrument: r for r in options}
    if instrument:
        if instrument not in by_id:
            valid = ", ".join(by_id) or f"none ({options.reason})"
            return instrument, free_text, (f"{instrument!r} does not apply between {requesting_state.upper()} and "
                                           f"{requested_state.upper()} for this request; applicable: {valid}")
        chosen = by_id[instrument]
    elif options:
        chosen = options[0]
    else:
        return "", free_text, None  # no legal basis: the request may still be made; the page says why
    return chosen.instrument, free_text or f"{chosen.title} ({chosen.citation})"[:300], None


def do_create_request(case: Case, *, kind: str, direction: str, subject: str, requesting_state: str,
                      requested_state: str, requesting_authority: str = "", requested_authority: str = "",
                      urgency: str = Urgency.NORMAL, urgency_reason: str = "", legal_basis: str = "",
                      legal_basis_instrument: str = "", notice_action: str = "", acting_user: User,
                      via: str = "web") -> CooperationRequest:
    require_member(case, acting_user)
    if acting_user.role not in STAFF_ROLES:
        raise NotAllowed("Your role may not create requests.")
    errors = {
        "kind": _choice_error(kind, RequestKind),
        "direction": _choice_error(direction, Direction),
        "subject": text_error(subject, required=True, max_length=300),
        "requesting_state": country_error(requesting_state),
        "requested_state": country_error(requested_state),
        "requesting_authority": text_error(requesting_authority, required=False, max_length=200),
        "requested_authority": text_error(requested_authority, required=False, max_length=200),
        "urgency": _choice_error(urgency or Urgency.NORMAL, Urgency),
        "urgency_reason": text_error(urgency_reason, required=False, max_length=500),
        "legal_basis": text_error(legal_basis, required=False, max_length=300),
        "legal_basis_instrument": text_error(legal_basis_instrument, required=False, max_length=60),
    }
    if kind == RequestKind.NOTICE:
        errors["notice_action"] = _choice_error(notice_action, NoticeAction)
    elif notice_action:
        errors["notice_action"] = "applies only to INTERPOL notice requests"
    if (not errors["requesting_state"] and not errors["requested_state"]
            and requesting_state.upper() == requested_state.upper() and kind != RequestKind.NOTICE):
        errors["requested_state"] = "must differ from the requesting State"
    if urgency in (Urgency.URGENT, Urgency.VERY_URGENT) and not (urgency_reason or "").strip():
        errors["urgency_reason"] = "say why the request is urgent"
    if case.state != Case.State.OPEN:
        errors["case"] = "the case is closed"
    _check(errors)
    legal_basis_instrument, legal_basis, basis_error = _choose_legal_basis(
        kind, requesting_state, requested_state, (legal_basis_instrument or "").strip(), (legal_basis or "").strip())
    _check({"legal_basis_instrument": basis_error})
    lc = lifecycle(kind)
    with transaction.atomic():
        req = CooperationRequest.objects.create(
            case=case, reference=next_reference("REQ", CooperationRequest, "reference"), kind=kind,
            direction=direction, notice_action=notice_action or "", subject=subject.strip(),
            requesting_state=requesting_state.upper(), requested_state=requested_state.upper(),
            requesting_authority=requesting_authority.strip(), requested_authority=requested_authority.strip(),
            urgency=urgency or Urgency.NORMAL, urgency_reason=urgency_reason.strip(),
            legal_basis=legal_basis, legal_basis_instrument=legal_basis_instrument,
            status=lc.initial[direction], created_by=acting_user)
        Case.objects.filter(pk=case.pk).update(updated_at=timezone.now())
        audit.record("request.created", actor=acting_user, case=case, obj=req, via=via,
                     new={"reference": req.reference, "kind": kind, "direction": direction, "status": req.status,
                          "requesting_state": req.requesting_state, "requested_state": req.requested_state,
                          "legal_basis_instrument": req.legal_basis_instrument})
    return req


def do_set_legal_basis(req: CooperationRequest, *, instrument: str, acting_user: User, via: str = "web"):
    """Choose another applicable instrument as the request's legal basis."""
    require_member(req.case, acting_user)
    if req.is_terminal:
        raise InvalidInput({"legal_basis_instrument": "the request has ended"})
    chosen, text, error = _choose_legal_basis(req.kind, req.requesting_state, req.requested_state,
                                              (instrument or "").strip(), "")
    if not (instrument or "").strip():
        error = "choose an instrument"
    _check({"legal_basis_instrument": error})
    with transaction.atomic():
        old = {"legal_basis_instrument": req.legal_basis_instrument}
        req.legal_basis_instrument, req.legal_basis = chosen, text
        req.save(update_fields=["legal_basis_instrument", "legal_basis", "updated_at"])
        audit.record("request.legal_basis_set", actor=acting_user, case=req.case_id, obj=req, via=via, old=old,
                     new={"legal_basis_instrument": chosen})
    return req


def law_clocks(req: CooperationRequest, events: dict) -> list:
    """Deadlines the computable law derives from these events under the request's instrument
    (business days and public holidays of the requested State where the rule says so)."""
    if not req.legal_basis_instrument or not events:
        return []
    law_kind = LAW_KIND.get(req.kind, "notices")
    try:
        return law.clocks(law_kind, req.legal_basis_instrument, events, requested_state=req.requested_state)
    except law.LawError:
        return []


def law_clock_for(clock, computed: list):
    """The law's computed clock that a lifecycle clock follows: the one its `rule` names
    ("INSTRUMENT/code[@start_event]"), else the one with the same code; None when the law has none."""
    if clock.rule:
        _, _, rest = clock.rule.partition("/")
        code, _, event = rest.partition("@")
        return next((c for c in computed if c.code == code and (not event or c.start_event == event)), None)
    return next((c for c in computed if c.code == clock.code), None)


def lifecycle_clock_of(lc, law_clock):
    """The lifecycle clock that follows a computed law clock (for its label), or None."""
    return next((c for c in lc.clocks.values() if law_clock_for(c, [law_clock]) is law_clock), None)


def request_events(req: CooperationRequest) -> dict:
    """The computable-law events recorded by a request's transitions: {event: latest day}."""
    lc = req.lifecycle
    events = {}
    for step in req.transitions.all():
        t = lc.transition(step.name)
        for e in (t.events if t else ()):
            events[e] = step.effective_date
    return events


def available_transitions(req: CooperationRequest, user: User, *, check_guards: bool = True,
                          member: bool | None = None) -> list[dict]:
    """The next steps from the request's current status, each saying whether this user may take it and,
    when not, who may and why: the roles the step needs, the checks that fail (the request builder's
    draft, translations, legal basis), a closed case, or read-only access.

    `allowed`: the user may take the step now. `overridable`: only checks fail, and this user (a
    decider) may take it anyway by stating why. `check_guards=False` skips the checks (list pages)."""
    lc = req.lifecycle
    if member is None:
        member = user.is_authenticated and is_member(req.case, user)
    closed = req.case.state == Case.State.CLOSED
    steps = []
    for t in lc.next_steps(status=req.status, direction=req.direction, notice_action=req.notice_action):
        who = roles_in_words(t.roles)
        role_ok = t.permits(user.role)
        failing = guards.failing(t.guards, req) if check_guards else {}
        reason = ""
        if not member:
            reason = f"read only: {who} of the case may take it"
        elif closed:
            reason = "the case is closed; a supervisor may reopen it"
        elif not role_ok:
            reason = f"only {who} may take this step; you are {ROLE_WORDS.get(user.role, user.role)}"
            if t.name == "approve":
                reason += ": ask for approval"
        elif failing:
            reason = "not yet: " + "; ".join(failing.values())
        overridable = bool(member and not closed and role_ok and failing and user.role in DECIDER_ROLES)
        if failing and not overridable and member and not closed and role_ok:
            reason += ". A prosecutor or a supervisor may override this with a reason"
        steps.append({"name": t.name, "label": t.label, "to": t.target, "to_label": lc.state_label(t.target),
                      "allowed": not reason, "reason": reason, "who": who,
                      "checks": [{"code": g, "label": guards.LABELS.get(g, g), "reason": r} for g, r in failing.items()],
                      "overridable": overridable, "irreversible": lc.is_irreversible(t)})
    return steps


def _cancel_pending_approvals(qs, now, *, status=ApprovalRequest.Status.CANCELLED, by=None, comment="") -> list[int]:
    pending = list(qs.filter(status=ApprovalRequest.Status.PENDING).values_list("pk", flat=True))
    if pending:
        ApprovalRequest.objects.filter(pk__in=pending).update(status=status, decided_at=now, decided_by=by,
                                                              decision_comment=comment)
    return pending


request_transitioned = Signal()  # request, step (Transition), acting_user, via: sent inside the step's transaction


def do_transition_request(req: CooperationRequest, transition: str, *, acting_user: User, comment: str = "",
                          effective_date=None, override_reason: str = "", via: str = "web") -> Transition:
    """Move a request along its lifecycle, start the clocks the step starts and close those it meets.

    A step whose checks fail (guards) is refused with their reasons, unless a decider states why it must
    be taken anyway (`override_reason`): the audit event then names the checks overridden and the step's
    comment keeps the reason. A step that cannot be undone (into a terminal status) needs a comment."""
    require_member(req.case, acting_user)
    _check({"comment": text_error(comment, required=False, max_length=5000),
            "override_reason": text_error(override_reason, required=False, max_length=2000)})
    if not effective_date and req.received_on and "request_received" in getattr(
            req.lifecycle.transition(transition), "events", ()):
        effective_date = req.received_on  # received through the exchange: the clock runs from the DELIVERY day
    try:
        day = parse_date(effective_date) or timezone.localdate()
    except ValueError as e:
        raise InvalidInput({"effective_date": str(e)}) from None
    _check({"effective_date": date_error(day, allow_future=False)})
    lc = req.lifecycle
    comment = (comment or "").strip()
    override_reason = (override_reason or "").strip()
    with transaction.atomic():
        req = CooperationRequest.objects.select_for_update(of=("self",)).select_related("case").get(pk=req.pk)
        t = lc.transition(transition)
        if t is None:
            raise InvalidInput({"transition": f"{transition!r} is not a step of the {lc.label} lifecycle"})
        if not t.matches(status=req.status, direction=req.direction, notice_action=req.notice_action):
            possible = [s.name for s in lc.next_steps(status=req.status, direction=req.direction,
                                                      notice_action=req.notice_action)]
            raise InvalidInput({"transition": f"{t.label!r} is not possible from status "
                                              f"{lc.state_label(req.status)!r}; possible: {', '.join(possible) or 'none'}"})
        if not t.permits(acting_user.role):
            raise NotAllowed(f"{t.label!r} needs one of the roles: {', '.join(sorted(t.roles))}")
        if req.case.state == Case.State.CLOSED:
            raise InvalidInput({"transition": f"{t.label!r} cannot be taken: the case is closed (a supervisor may "
                                              "reopen it)"})
        if lc.is_irreversible(t) and not comment:
            raise InvalidInput({"comment": f"give the reason: {t.label!r} cannot be undone"})
        failing = guards.failing(t.guards, req)
        overridden = []
        if failing:
            if not override_reason:
                raise InvalidInput({"transition": f"{t.label!r} cannot be taken yet: {'; '.join(failing.values())}"})
            if acting_user.role not in DECIDER_ROLES:
                raise InvalidInput({"override_reason": "only a prosecutor or a supervisor may override the checks"})
            _check({"override_reason": _reason_error(override_reason)})
            overridden = list(failing)
            note = (f"Checks overridden ({', '.join(guards.LABELS.get(g, g) for g in overridden)}): "
                    f"{override_reason}")
            comment = f"{comment}\n{note}" if comment else note
        old_status = req.status
        now = timezone.now()
        step = Transition.objects.create(request=req, name=t.name, from_status=old_status, to_status=t.target,
                                         actor=acting_user, at=now, effective_date=day, comment=comment)
        req.status = t.target
        req.save(update_fields=["status", "updated_at"])
        Case.objects.filter(pk=req.case_id).update(updated_at=now)
        # Deadlines this status satisfies are met; reaching an end closes the rest.
        met = [c.code for c in lc.clocks.values() if t.target in c.met_in]
        Deadline.objects.filter(request=req, status=Deadline.Status.OPEN, code__in=met).update(
            status=Deadline.Status.MET, closed_at=now)
        if t.target in lc.terminal:
            Deadline.objects.filter(request=req, status=Deadline.Status.OPEN).update(
                status=Deadline.Status.CLOSED, closed_at=now)
        # An approval asked for is answered by the approval step, and is moot once the request has moved
        # to a status it cannot be approved from.
        approvals = ApprovalRequest.objects.filter(request=req)
        if t.name == "approve":
            answered = _cancel_pending_approvals(approvals, now, status=ApprovalRequest.Status.APPROVED,
                                                 by=acting_user, comment=comment)
        elif approval_step(req) is None:
            answered = _cancel_pending_approvals(approvals, now)
        else:
            answered = []
        started = []
        # Where the computable law has the rule for this event and instrument, its due date (which
        # rolls over holidays where the rule says so) and its citation replace the declared ones.
        law_due = [c for c in law_clocks(req, {e: day for e in t.events}) if c.start_event in t.events]
        for code in t.starts_clocks:
            clock = lc.clocks[code]
            if not clock.applies_to(req.legal_basis_instrument):
                continue
            # A clock restarted by a later step replaces the earlier one.
            Deadline.objects.filter(request=req, code=code, status=Deadline.Status.OPEN).update(
                status=Deadline.Status.CLOSED, closed_at=now)
            computed = law_clock_for(clock, law_due)
            d = Deadline.objects.create(case_id=req.case_id, request=req, code=code, label=clock.label,
                                        due=computed.due if computed else clock.due_from(day),
                                        citation=(computed.citation if computed else clock.citation)[:200],
                                        legal=clock.legal, started_by=step)
            started.append({"code": code, "due": d.due})
        new = {"status": req.status, "transition": t.name, "commented": bool(comment),
               "effective_date": day, "clocks_started": started}
        if overridden:
            new["checks_overridden"] = overridden
        if answered:
            new["approval_requests"] = answered
        audit.record("request.transition", actor=acting_user, case=req.case_id, obj=req, via=via,
                     old={"status": old_status}, new=new)
        # Inside the transaction: what listens (the exchange's outbox) is stored with the step or not at all.
        request_transitioned.send(sender=CooperationRequest, request=req, step=step, acting_user=acting_user, via=via)
    return step


# --- approval: a caseworker asks, the deciders of the unit decide -----------------------------------

def approval_step(req: CooperationRequest):
    """The lifecycle's approval step if it leads out of the request's current status, else None."""
    return next((t for t in req.lifecycle.next_steps(status=req.status, direction=req.direction,
                                                     notice_action=req.notice_action) if t.name == "approve"), None)


def deciders_for(case: Case, *, exclude: User | None = None):
    """Who may decide on an approval in this case: active prosecutors and supervisors of the case's unit,
    and those who are members of the case."""
    scope = Q(memberships__case=case, memberships__revoked_at__isnull=True)
    if case.unit_id:
        scope |= Q(unit_id=case.unit_id)
    qs = User.objects.filter(scope, is_active=True, role__in=DECIDER_ROLES).distinct()
    return qs.exclude(pk=exclude.pk) if exclude is not None else qs


def pending_approval(req: CooperationRequest) -> ApprovalRequest | None:
    return ApprovalRequest.objects.filter(request=req, status=ApprovalRequest.Status.PENDING).first()


def do_ask_for_approval(req: CooperationRequest, *, message: str = "", acting_user: User,
                        via: str = "web") -> ApprovalRequest:
    """Ask the deciders (prosecutors, supervisors) of the case's unit to approve an outgoing request. It
    waits in their "Awaiting your decision" queue until one of them approves it or returns it."""
    require_member(req.case, acting_user)
    if acting_user.role not in ASKING_ROLES:
        raise NotAllowed("Your role may not ask for approval.")
    errors = {"message": text_error(message, required=False, max_length=2000)}
    if req.case.state == Case.State.CLOSED:
        errors["request"] = "the case is closed"
    elif approval_step(req) is None:
        errors["request"] = (f"a request that is {req.status_label.lower()} is not approved"
                             if req.direction == Direction.OUTGOING else "only outgoing requests are approved")
    elif (p := pending_approval(req)) is not None:
        errors["request"] = f"approval was already asked for on {timezone.localdate(p.asked_at).isoformat()}"
    elif not deciders_for(req.case, exclude=acting_user).exists():
        errors["request"] = ("nobody can decide: no other prosecutor or supervisor is in the case's unit or a "
                             "member of the case; invite one first")
    _check(errors)
    with transaction.atomic():
        try:
            with transaction.atomic():
                a = ApprovalRequest.objects.create(case=req.case, request=req, unit_id=req.case.unit_id,
                                                   asked_by=acting_user, asked_at=timezone.now(),
                                                   message=(message or "").strip())
        except IntegrityError:
            raise InvalidInput({"request": "approval was already asked for"}) from None
        audit.record("request.approval_asked", actor=acting_user, case=req.case_id, obj=a, via=via,
                     new={"request": req.reference, "status": req.status, "unit": a.unit_id,
                          "message_given": bool(a.message)})
    return a


def approval_items(user: User, *, limit: int = 50) -> tuple[list[ApprovalRequest], list[ApprovalRequest]]:
    """What the dashboard shows about approvals, in one query: (awaiting the user's decision, returned to
    the user). Awaiting: pending approvals asked in the cases of the user's unit or in cases they are a
    member of, by someone else (four eyes), for deciders only. Returned: approvals the user asked for and a
    decider returned, while the request still waits to be approved and nobody has asked again."""
    if not user.is_authenticated:
        return [], []
    decider = user.role in DECIDER_ROLES
    member_cases = CaseMembership.objects.filter(user=user, revoked_at__isnull=True).values("case_id")
    scope = Q(case_id__in=member_cases)
    if user.unit_id:
        scope |= Q(case__unit_id=user.unit_id)
    awaiting_q = Q(scope, status=ApprovalRequest.Status.PENDING) & ~Q(asked_by=user)
    asked_again = ApprovalRequest.objects.filter(request_id=models.OuterRef("request_id"),
                                                 status=ApprovalRequest.Status.PENDING)
    returned_q = Q(asked_by=user, status=ApprovalRequest.Status.RETURNED, case_id__in=member_cases,
                   case__state=Case.State.OPEN)
    related = ["request", "case", "asked_by", "decided_by"]
    if decider and apps.is_installed("comity.builder"):
        related.append("request__builder_draft")  # the queue shows whether each request is ready
    rows = (ApprovalRequest.objects.filter((awaiting_q if decider else Q(pk__in=[])) | returned_q)
            .annotate(asked_again=models.Exists(asked_again))
            .select_related(*related).order_by("asked_at", "id")[:limit * 2])
    awaiting, returned = [], {}
    for a in rows:
        if a.status == ApprovalRequest.Status.PENDING:
            if len(awaiting) < limit:
                awaiting.append(a)
        elif not a.asked_again and approval_step(a.request) is not None:
            returned[a.request_id] = a  # the newest return of each request
    return awaiting, sorted(returned.values(), key=lambda a: a.decided_at, reverse=True)


def approval_queue(user: User, *, limit: int = 50) -> list[ApprovalRequest]:
    """Approvals awaiting this user's decision (see approval_items)."""
    return approval_items(user, limit=limit)[0]


def returned_approvals(user: User) -> list[ApprovalRequest]:
    """Approvals this user asked for that came back for changes (see approval_items)."""
    return approval_items(user)[1]


def may_decide_on(approval: ApprovalRequest, user: User) -> bool:
    """Whether `user` may know this approval exists: a member of its case, or a decider of the case's unit."""
    case = approval.case
    in_unit = user.unit_id is not None and case.unit_id == user.unit_id
    return is_member(case, user) or (in_unit and user.role in DECIDER_ROLES)


def do_decide_approval(approval: ApprovalRequest, *, decision: str, comment: str = "", override_reason: str = "",
                       acting_user: User, via: str = "web"):
    """A decider approves the request (its lifecycle's approval step, with its checks) or returns it to
    the asker with what must change. A decider of the unit who is not yet a member joins the case by
    deciding (recorded as such)."""
    case = approval.case
    member = is_member(case, acting_user)
    if not may_decide_on(approval, acting_user):
        raise NotFound("No such case.")
    if acting_user.role not in DECIDER_ROLES:
        raise NotAllowed("Only a prosecutor or a supervisor may decide on an approval.")
    errors = {"decision": None if decision in ("approve", "return") else "choose approve or return",
              "comment": text_error(comment, required=False, max_length=5000)}
    if approval.status != ApprovalRequest.Status.PENDING:
        errors["approval"] = f"was already decided: {approval.get_status_display().lower()}"
    elif approval.asked_by_id == acting_user.pk:
        errors["approval"] = "you asked for it yourself; another prosecutor or supervisor decides (four eyes)"
    if decision == "return" and not (comment or "").strip():
        errors["comment"] = "say what must change before it can be approved"
    _check(errors)
    req = approval.request
    with transaction.atomic():
        if not member:
            m = _add_member(case, acting_user, granted_by=acting_user, basis=CaseMembership.Basis.APPROVAL,
                            reason=f"Decision on the approval asked for {req.reference}")
            audit.record("case.joined", actor=acting_user, case=case, obj=m, via=via,
                         new={"user": acting_user.username, "basis": m.basis, "unit": case.unit_id,
                              "approval": approval.pk})
        if decision == "approve":
            return do_transition_request(req, "approve", acting_user=acting_user, comment=comment,
                                         override_reason=override_reason, via=via)
        locked = ApprovalRequest.objects.select_for_update().get(pk=approval.pk)
        if locked.status != ApprovalRequest.Status.PENDING:
            raise InvalidInput({"approval": f"was already decided: {locked.get_status_display().lower()}"})
        locked.status = ApprovalRequest.Status.RETURNED
        locked.decided_by, locked.decided_at, locked.decision_comment = acting_user, timezone.now(), comment.strip()
        locked.save(update_fields=["status", "decided_by", "decided_at", "decision_comment"])
        audit.record("request.approval_returned", actor=acting_user, case=case, obj=locked, via=via,
                     new={"request": req.reference, "commented": True})
        return locked


def do_link_requests(from_request: CooperationRequest, to_request: CooperationRequest, *, relation: str,
                     acting_user: User, via: str = "web") -> RequestLink:
    require_member(from_request.case, acting_user)
    require_member(to_request.case, acting_user)
    errors = {"relation": _choice_error(relation, RequestLink.Relation)}
    if from_request.pk == to_request.pk:
        errors["to_request"] = "a request cannot be linked to itself"
    _check(errors)
    with transaction.atomic():
        try:
            with transaction.atomic():
                link = RequestLink.objects.create(from_request=from_request, to_request=to_request,
                                                  relation=relation, created_by=acting_user)
        except IntegrityError:
            raise InvalidInput({"to_request": "these requests are already linked"}) from None
        audit.record("request.linked", actor=acting_user, case=from_request.case_id, obj=link, via=via,
                     new={"from": from_request.reference, "to": to_request.reference, "relation": relation})
    return link


# --- what a case holds ------------------------------------------------------------------------------

def do_add_entity(case: Case, *, schema: str, properties: dict, role: str = "", acting_user: User,
                  via: str = "web") -> Entity:
    require_member(case, acting_user)
    clean, errors = ftm.normalise_properties(schema, properties if isinstance(properties, dict) else {})
    if not isinstance(properties, dict):
        errors["properties"] = "must be an object of FollowTheMoney property names to values"
    errors["role"] = text_error(role, required=False, max_length=100)
    errors["case"] = _disposed_error(case)
    if not errors.get("schema") and not clean:
        errors["properties"] = "give at least one property, e.g. name"
    _check(errors)
    with transaction.atomic():
        entity = Entity.objects.create(case=case, schema=schema, caption=ftm.caption(schema, clean)[:300],
                                       properties=clean, role=(role or "").strip(), created_by=acting_user)
        audit.record("entity.added", actor=acting_user, case=case, obj=entity, via=via,
                     new={"schema": schema, "properties": sorted(clean)})
    return entity


def do_add_note(case: Case, *, text: str, request: CooperationRequest | None = None, acting_user: User,
                via: str = "web") -> Note:
    require_member(case, acting_user)
    _check({"case": _disposed_error(case), "text": text_error(text, required=True, max_length=20000),
            "request": "belongs to another case" if request is not None and request.case_id != case.pk else None})
    with transaction.atomic():
        note = Note.objects.create(case=case, request=request, author=acting_user, text=text.strip())
        audit.record("note.added", actor=acting_user, case=case, obj=note, via=via)
    return note


def do_add_task(case: Case, *, title: str, due=None, assignee: User | None = None,
                request: CooperationRequest | None = None, acting_user: User, via: str = "web") -> Task:
    require_member(case, acting_user)
    errors = {"title": text_error(title, required=True, max_length=200)}
    try:
        due = parse_date(due)
        errors["due"] = date_error(due)
    except ValueError as e:
        errors["due"] = str(e)
    if assignee is not None and not is_member(case, assignee):
        errors["assignee"] = f"{assignee.username} is not a member of this case"
    if request is not None and request.case_id != case.pk:
        errors["request"] = "belongs to another case"
    _check(errors)
    with transaction.atomic():
        task = Task.objects.create(case=case, request=request, title=title.strip(), due=due, assignee=assignee,
                                   created_by=acting_user)
        audit.record("task.added", actor=acting_user, case=case, obj=task, via=via,
                     new={"due": due, "assignee": getattr(assignee, "username", None)})
    return task


def do_complete_task(task: Task, *, acting_user: User, via: str = "web") -> Task:
    require_member(task.case, acting_user)
    if task.done_at:
        raise InvalidInput({"task": "is already done"})
    with transaction.atomic():
        task.done_at = timezone.now()
        task.save(update_fields=["done_at"])
        audit.record("task.completed", actor=acting_user, case=task.case_id, obj=task, via=via)
    return task


# --- corrections: previous values kept as revisions (erased on disposal), hashes in the audit log -----

def _revision(case_id, target: str, obj, action: str, previous: dict, changed: list, reason: str,
              acting_user: User, now) -> Revision:
    return Revision.objects.create(case_id=case_id, target=target, target_id=obj.pk, action=action, previous=previous,
                                   changed=changed, reason=(reason or "").strip(), actor=acting_user, at=now)


def _entity_values(entity: Entity) -> dict:
    return {"schema": entity.schema, "caption": entity.caption, "properties": entity.properties, "role": entity.role}


def do_correct_entity(entity: Entity, *, properties: dict, role: str | None = None, reason: str = "",
                      acting_user: User, via: str = "web") -> Entity:
    """Correct a party's details. `properties` holds the properties to change: a value replaces the
    current one, an empty value removes the property; the others stay as they are. The previous values
    are kept as a revision."""
    case = entity.case
    require_member(case, acting_user)
    errors: dict = {"case": _disposed_error(case), "reason": _reason_error(reason, required=False)}
    if not isinstance(properties, dict):
        raise InvalidInput({"properties": "must be an object of FollowTheMoney property names to values"})
    merged = dict(entity.properties)
    for prop, value in properties.items():
        empty = value is None or value == [] or (isinstance(value, str) and not value.strip())
        if empty:
            merged.pop(prop, None)
        else:
            merged[prop] = value
    clean, prop_errors = ftm.normalise_properties(entity.schema, merged)
    errors.update(prop_errors)
    new_role = entity.role if role is None else (role or "").strip()
    errors["role"] = text_error(new_role, required=False, max_length=100)
    if not prop_errors and not clean:
        errors["properties"] = "a party keeps at least one property, e.g. name; remove the party instead"
    _check(errors)
    changed = sorted(k for k in set(clean) | set(entity.properties) if clean.get(k) != entity.properties.get(k))
    if new_role != entity.role:
        changed.append("role")
    if not changed:
        raise InvalidInput({"properties": "nothing changed"})
    with transaction.atomic():
        entity = Entity.objects.select_for_update().get(pk=entity.pk)
        previous = _entity_values(entity)
        now = timezone.now()
        rev = _revision(case.pk, Revision.Target.ENTITY, entity, Revision.Action.CORRECTED, previous, changed, reason,
                        acting_user, now)
        entity.properties, entity.role = clean, new_role
        entity.caption = ftm.caption(entity.schema, clean)[:300]
        entity.corrected_at = now
        entity.save(update_fields=["properties", "role", "caption", "corrected_at"])
        Case.objects.filter(pk=case.pk).update(updated_at=now)
        audit.record("entity.corrected", actor=acting_user, case=case, obj=entity, via=via,
                     old={"sha256": _sha256(previous)},
                     new={"fields": changed, "revision": rev.pk, "reason_given": bool(rev.reason)})
    return entity


def do_remove_entity(entity: Entity, *, reason: str, acting_user: User, via: str = "web") -> Revision:
    """Remove a party recorded by mistake (or no longer part of the case). What it held is kept as a
    revision until the case's data is disposed of."""
    case = entity.case
    require_member(case, acting_user)
    _check({"case": _disposed_error(case), "reason": _reason_error(reason)})
    with transaction.atomic():
        entity = Entity.objects.select_for_update().get(pk=entity.pk)
        previous = {**_entity_values(entity), "ftm_id": str(entity.ftm_id), "created_by": entity.created_by_id,
                    "created_at": entity.created_at.isoformat()}
        now = timezone.now()
        rev = _revision(case.pk, Revision.Target.ENTITY, entity, Revision.Action.REMOVED, previous,
                        sorted(entity.properties) + ["role"], reason, acting_user, now)
        audit.record("entity.removed", actor=acting_user, case=case, obj=entity, via=via,
                     old={"schema": entity.schema, "sha256": _sha256(previous)},
                     new={"revision": rev.pk, "reason_given": True})
        entity.delete()
        Case.objects.filter(pk=case.pk).update(updated_at=now)
    return rev


def do_correct_note(note: Note, *, text: str, reason: str = "", acting_user: User, via: str = "web") -> Note:
    """Correct a note. Only its author may: a note is what they wrote. The previous text is kept."""
    case = note.case
    require_member(case, acting_user)
    if note.author_id != acting_user.pk:
        raise NotAllowed("Only the author of a note may correct it; add a note of your own instead.")
    _check({"case": _disposed_error(case), "text": text_error(text, required=True, max_length=20000),
            "reason": _reason_error(reason, required=False)})
    if text.strip() == note.text:
        raise InvalidInput({"text": "nothing changed"})
    with transaction.atomic():
        note = Note.objects.select_for_update().get(pk=note.pk)
        now = timezone.now()
        previous = {"text": note.text}
        rev = _revision(case.pk, Revision.Target.NOTE, note, Revision.Action.CORRECTED, previous, ["text"], reason,
                        acting_user, now)
        note.text, note.corrected_at = text.strip(), now
        note.save(update_fields=["text", "corrected_at"])
        audit.record("note.corrected", actor=acting_user, case=case, obj=note, via=via,
                     old={"sha256": _sha256(previous)}, new={"revision": rev.pk, "reason_given": bool(rev.reason)})
    return note


_UNSET = object()


def do_correct_task(task: Task, *, title=None, due=_UNSET, assignee=_UNSET, reason: str = "", acting_user: User,
                    via: str = "web") -> Task:
    """Correct a task's title, due date or assignee (any member of the case). The previous values are kept."""
    case = task.case
    require_member(case, acting_user)
    errors = {"case": _disposed_error(case), "reason": _reason_error(reason, required=False),
              "title": text_error(title, required=True, max_length=200) if title is not None else None}
    new_due = task.due
    if due is not _UNSET:
        try:
            new_due = parse_date(due)
            errors["due"] = date_error(new_due)
        except ValueError as e:
            errors["due"] = str(e)
    new_assignee_id = task.assignee_id
    if assignee is not _UNSET:
        new_assignee_id = getattr(assignee, "pk", None)
        if assignee is not None and not is_member(case, assignee):
            errors["assignee"] = f"{assignee.username} is not a member of this case"
    _check(errors)
    new_title = title.strip() if title is not None else task.title
    changed = [f for f, old, new in (("title", task.title, new_title), ("due", task.due, new_due),
                                     ("assignee", task.assignee_id, new_assignee_id)) if old != new]
    if not changed:
        raise InvalidInput({"title": "nothing changed"})
    with transaction.atomic():
        task = Task.objects.select_for_update().get(pk=task.pk)
        now = timezone.now()
        previous = {"title": task.title, "due": task.due.isoformat() if task.due else None,
                    "assignee": task.assignee_id}
        rev = _revision(case.pk, Revision.Target.TASK, task, Revision.Action.CORRECTED, previous, changed, reason,
                        acting_user, now)
        task.title, task.due, task.assignee_id, task.corrected_at = new_title, new_due, new_assignee_id, now
        task.save(update_fields=["title", "due", "assignee", "corrected_at"])
        audit.record("task.corrected", actor=acting_user, case=case, obj=task, via=via,
                     old={"sha256": _sha256(previous)},
                     new={"fields": changed, "due": new_due, "assignee": getattr(task.assignee, "username", None),
                          "revision": rev.pk, "reason_given": bool(rev.reason)})
    return task


def erase_case_history(case) -> dict:
    """Erase the free text this app keeps beside a case's content: previous values of corrected or removed
    parties, notes and tasks, and the reasons stated for closing, reopening, joining and approvals. Runs
    inside the disposal's transaction (comity.oversight.actions.do_dispose_case), wired in apps.py."""
    case_id = case if isinstance(case, int) else case.pk
    revisions = Revision.objects.filter(case_id=case_id).delete()[0]
    CaseStateChange.objects.filter(case_id=case_id).update(reason="")
    CaseMembership.objects.filter(case_id=case_id).update(reason="")
    ApprovalRequest.objects.filter(case_id=case_id).update(message="", decision_comment="")
    return {"revisions": revisions}


def do_upload_document(case: Case, *, upload, title: str = "", request: CooperationRequest | None = None,
                       acting_user: User, via: str = "web") -> Document:
    """Store an uploaded file with its SHA-256 and size, hashing it while it streams to storage.

    `upload` is anything with `.name` and `.chunks()` (Django's UploadedFile). A file over the
    configured limit is refused before anything is kept.
    """
    require_member(case, acting_user)
    name = getattr(upload, "name", "") or ""
    limit = settings.COMITY_MAX_UPLOAD_BYTES
    errors = {"case": _disposed_error(case), "file": filename_error(name) and f"filename {filename_error(name)}",
              "title": text_error(title, required=False, max_length=200),
              "request": "belongs to another case" if request is not None and request.case_id != case.pk else None}
    size_hint = getattr(upload, "size", None)
    if size_hint is not None and size_hint > limit:
        errors["file"] = f"is {size_hint} bytes; the limit is {limit} bytes"
    if size_hint == 0:
        errors["file"] = "is empty"
    _check(errors)
    digest = hashlib.sha256()
    size = 0
    for chunk in upload.chunks():
        digest.update(chunk)
        size += len(chunk)
        if size > limit:
            raise InvalidInput({"file": f"is larger than the limit of {limit} bytes"})
    if size == 0:
        raise InvalidInput({"file": "is empty"})
    if hasattr(upload, "seek"):
        upload.seek(0)
    doc = Document(case=case, request=request, title=(title or name).strip()[:200], filename=name,
                   content_type=(getattr(upload, "content_type", "") or "")[:100], sha256=digest.hexdigest(),
                   size=size, uploaded_by=acting_user)
    stored = None
    try:
        with transaction.atomic():
            doc.file.save(name, File(upload), save=False)
            stored = doc.file.name
            doc.save()
            from comity.cases.integrity import descriptive_hmac

            audit.record("document.uploaded", actor=acting_user, case=case, obj=doc, via=via,
                         new={"sha256": doc.sha256, "size": size, "descriptive_hmac": descriptive_hmac(doc)})
    except Exception:
        if stored:
            doc.file.storage.delete(stored)  # nothing half-stored: the file goes with the failed transaction
        raise
    return doc


def deadline_rows(user, *, today: dt.date | None = None, limit: int = 200) -> list[dict]:
    """What is due across the cases the user may see: open deadlines and open tasks, most urgent first."""
    today = today or timezone.localdate()
    # A closed case has nothing due: its proceedings have ended (reopening it brings its items back).
    # The user's cases from their memberships (Case.objects.visible_to), the state checked in the join: not a
    # scan of every open case of the instance (docs/performance.md).
    visible = CaseMembership.objects.filter(user=user, revoked_at__isnull=True).values("case_id")
    rows = []
    for d in (Deadline.objects.filter(case__in=visible, case__state=Case.State.OPEN, status=Deadline.Status.OPEN)
              .select_related("case", "request").order_by("due", "id")[:limit]):
        rows.append({"type": "deadline", "due": d.due, "overdue": d.due < today, "label": d.label,
                     "citation": d.citation, "legal": d.legal, "case": d.case, "request": d.request, "code": d.code})
    for t in (Task.objects.filter(case__in=visible, case__state=Case.State.OPEN, done_at__isnull=True, due__isnull=False)
              .select_related("case", "request", "assignee").order_by("due", "id")[:limit]):
        rows.append({"type": "task", "due": t.due, "overdue": t.due < today, "label": t.title, "citation": "",
                     "legal": False, "case": t.case, "request": t.request, "code": "task", "task": t})
    rows.sort(key=lambda r: (r["due"], r["type"] != "deadline"))
    return rows[:limit]
