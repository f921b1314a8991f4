"""Every change to cases and requests goes through a function here.

Each runs in one transaction, writes its audit event in that transaction, and validates its input
first, raising `InvalidInput` with a reason per field so nothing is stored half-way. Views, the API
and the CLI call these; they never save models themselves.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.core.files.base import File
from django.db import IntegrityError, transaction
from django.utils import timezone

from comity import audit, law
from comity.accounts.models import Role, User
from comity.cases import ftm, guards
from comity.cases.lifecycle import lifecycle
from comity.cases.models import (Case, CaseMembership, CooperationRequest, Deadline, Direction, Document, Entity,
                                 Note, NoticeAction, RequestKind, RequestLink, Task, Transition, Urgency)
from comity.cases.validation import country_error, date_error, filename_error, parse_date, text_error
from comity.errors import InvalidInput, NotAllowed, NotFound

STAFF_ROLES = {Role.CASEWORKER, Role.PROSECUTOR, Role.SUPERVISOR, Role.ADMIN, Role.DEFENCE}


def is_member(case: Case, user) -> bool:
    return CaseMembership.objects.filter(case=case, user=user, revoked_at__isnull=True).exists()


def require_member(case: Case, user) -> None:
    """Non-members are told the case does not exist, so its existence does not leak."""
    if not is_member(case, user):
        raise NotFound("No such case.")


def _disposed_error(case: Case) -> str | None:
    """A case whose personal data was disposed of takes no new content."""
    return "has been disposed of; it takes no new content" if hasattr(case, "disposal") else None


def _check(errors: dict[str, str]) -> None:
    errors = {k: v for k, v in errors.items() if v}
    if errors:
        raise InvalidInput(errors)


def _next_reference(prefix: str, model, field: str) -> str:
    year = timezone.now().year
    stem = f"{prefix}-{year}-"
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
        case = Case.objects.create(reference=_next_reference("CASE", Case, "reference"), title=title.strip(),
                                   summary=(summary or "").strip(), created_by=acting_user)
        CaseMembership.objects.create(case=case, user=acting_user, granted_by=acting_user)
        # The audit log is permanent (a Merkle log cannot forget), so events carry no personal data:
        # references, codes, hashes and field names, not names, titles or free text.
        audit.record("case.created", actor=acting_user, case=case, obj=case, via=via,
                     new={"reference": case.reference})
        audit.record("case.membership_granted", actor=acting_user, case=case, via=via,
                     new={"user": acting_user.username, "reason": "creator"})
    return case


def do_close_case(case: Case, *, acting_user: User, comment: str = "", via: str = "web") -> Case:
    require_member(case, acting_user)
    if not acting_user.is_supervisor:
        raise NotAllowed("Only a supervisor may close a case.")
    with transaction.atomic():
        old = case.state
        case.state = Case.State.CLOSED
        case.save(update_fields=["state", "updated_at"])
        audit.record("case.closed", actor=acting_user, case=case, obj=case, old={"state": old},
                     new={"state": case.state, "commented": bool(comment)}, via=via)
    return case


def do_grant_membership(case: Case, user: User, *, acting_user: User, via: str = "web") -> CaseMembership:
    require_member(case, acting_user)
    if not acting_user.is_supervisor:
        raise NotAllowed("Only a supervisor may grant access to a case.")
    if not user.is_active:
        raise InvalidInput({"user": f"{user.username} is not an active account"})
    if user.role == Role.OVERSIGHT:
        raise InvalidInput({"user": "oversight users open cases by stating a purpose, not by membership"})
    with transaction.atomic():
        try:
            with transaction.atomic():
                m = CaseMembership.objects.create(case=case, user=user, granted_by=acting_user)
        except IntegrityError:
            raise InvalidInput({"user": f"{user.username} is already a member of this case"}) from None
        audit.record("case.membership_granted", actor=acting_user, case=case, obj=m, via=via,
                     new={"user": user.username})
    return m


def do_revoke_membership(case: Case, user: User, *, acting_user: User, via: str = "web") -> None:
    require_member(case, acting_user)
    if not acting_user.is_supervisor:
        raise NotAllowed("Only a supervisor may revoke access to a case.")
    with transaction.atomic():
        m = CaseMembership.objects.select_for_update().filter(case=case, user=user, revoked_at__isnull=True).first()
        if m is None:
            raise InvalidInput({"user": f"{user.username} is not a member of this case"})
        if CaseMembership.objects.filter(case=case, revoked_at__isnull=True).count() == 1:
            raise InvalidInput({"user": "the last member of a case cannot be removed"})
        m.revoked_at = timezone.now()
        m.revoked_by = acting_user
        m.save(update_fields=["revoked_at", "revoked_by"])
        audit.record("case.membership_revoked", actor=acting_user, case=case, obj=m, via=via,
                     old={"user": user.username})


# --- access logging (reads of personal data) --------------------------------------------------------

def do_record_access(case: Case, *, acting_user: User, what: str, purpose: str, obj=None, via: str = "web") -> None:
    """Record that a user read personal data in a case: who, when, which case, what and why."""
    with transaction.atomic():
        audit.record(f"access.{what}", actor=acting_user, case=case, obj=obj, purpose=purpose,
                     category="access", via=via)


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
            case=case, reference=_next_reference("REQ", CooperationRequest, "reference"), kind=kind,
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
        old = {"legal_basis_instrument": req.legal_basis_instrument, "legal_basis": req.legal_basis}
        req.legal_basis_instrument, req.legal_basis = chosen, text
        req.save(update_fields=["legal_basis_instrument", "legal_basis", "updated_at"])
        audit.record("request.legal_basis_set", actor=acting_user, case=req.case_id, obj=req, via=via, old=old,
                     new={"legal_basis_instrument": chosen, "legal_basis": text})
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


def request_events(req: CooperationRequest) -> dict:
    """The computable-law events recorded by a request's transitions: {event: latest day}."""
    lc = req.lifecycle
    events = {}
    for step in req.transitions.all():
        t = lc.transition(step.name)
        for e in (t.events if t else ()):
            events[e] = step.effective_date
    return events


def available_transitions(req: CooperationRequest, user: User) -> list[dict]:
    """The next steps from the request's current status, each with whether this user may take it."""
    steps = []
    for t in req.lifecycle.next_steps(status=req.status, direction=req.direction, notice_action=req.notice_action):
        allowed = t.permits(user.role)
        steps.append({"name": t.name, "label": t.label, "to": t.target, "to_label": req.lifecycle.state_label(t.target),
                      "allowed": allowed,
                      "reason": "" if allowed else f"needs one of the roles: {', '.join(sorted(t.roles))}"})
    return steps


def do_transition_request(req: CooperationRequest, transition: str, *, acting_user: User, comment: str = "",
                          effective_date=None, via: str = "web") -> Transition:
    """Move a request along its lifecycle, start the clocks the step starts and close those it meets."""
    require_member(req.case, acting_user)
    _check({"comment": text_error(comment, required=False, max_length=5000)})
    try:
        day = parse_date(effective_date) or timezone.localdate()
    except ValueError as e:
        raise InvalidInput({"effective_date": str(e)}) from None
    _check({"effective_date": date_error(day, allow_future=False)})
    lc = req.lifecycle
    with transaction.atomic():
        req = CooperationRequest.objects.select_for_update().get(pk=req.pk)
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
        for guard in t.guards:
            if reason := guards.check(guard, req):
                raise InvalidInput({"transition": f"{t.label!r} cannot be taken yet: {reason}"})
        old_status = req.status
        now = timezone.now()
        step = Transition.objects.create(request=req, name=t.name, from_status=old_status, to_status=t.target,
                                         actor=acting_user, at=now, effective_date=day, comment=comment.strip())
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
        started = []
        # Where the computable law has the rule for this event and instrument, its due date (which
        # rolls over holidays where the rule says so) and its citation replace the declared ones.
        law_due = {c.code: c for c in law_clocks(req, {e: day for e in t.events}) if c.start_event in t.events}
        for code in t.starts_clocks:
            clock = lc.clocks[code]
            if not clock.applies_to(req.legal_basis_instrument):
                continue
            # A clock restarted by a later step replaces the earlier one.
            Deadline.objects.filter(request=req, code=code, status=Deadline.Status.OPEN).update(
                status=Deadline.Status.CLOSED, closed_at=now)
            computed = law_due.get(code)
            d = Deadline.objects.create(case_id=req.case_id, request=req, code=code, label=clock.label,
                                        due=computed.due if computed else clock.due_from(day),
                                        citation=(computed.citation if computed else clock.citation)[:200],
                                        legal=clock.legal, started_by=step)
            started.append({"code": code, "due": d.due})
        audit.record("request.transition", actor=acting_user, case=req.case_id, obj=req, via=via,
                     old={"status": old_status},
                     new={"status": req.status, "transition": t.name, "commented": bool(comment.strip()),
                          "effective_date": day, "clocks_started": started})
    return step


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
            audit.record("document.uploaded", actor=acting_user, case=case, obj=doc, via=via,
                         new={"sha256": doc.sha256, "size": size})
    except Exception:
        if stored:
            doc.file.storage.delete(stored)  # nothing half-stored: the file goes with the failed transaction
        raise
    return doc


def deadline_rows(user, *, today: dt.date | None = None, limit: int = 200) -> list[dict]:
    """What is due across the cases the user may see: open deadlines and open tasks, most urgent first."""
    today = today or timezone.localdate()
    visible = Case.objects.visible_to(user).values("pk")
    rows = []
    for d in (Deadline.objects.filter(case__in=visible, status=Deadline.Status.OPEN)
              .select_related("case", "request").order_by("due", "id")[:limit]):
        rows.append({"type": "deadline", "due": d.due, "overdue": d.due < today, "label": d.label,
                     "citation": d.citation, "legal": d.legal, "case": d.case, "request": d.request, "code": d.code})
    for t in (Task.objects.filter(case__in=visible, done_at__isnull=True, due__isnull=False)
              .select_related("case", "request", "assignee").order_by("due", "id")[:limit]):
        rows.append({"type": "task", "due": t.due, "overdue": t.due < today, "label": t.title, "citation": "",
                     "legal": False, "case": t.case, "request": t.request, "code": "task", "task": t})
    rows.sort(key=lambda r: (r["due"], r["type"] != "deadline"))
    return rows[:limit]
