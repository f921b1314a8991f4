"""API operations: oversight (see comity.api.common for the shared rules: compartments, scopes, lists, ETags).

The same rules as the oversight pages (comity.oversight.views), through the same actions:

- the console (search of the audit log, signed report): oversight users and administrators, each search and
  report recorded with the `purpose` stated (the web's "reason");
- redress matters: whoever may see a matter (comity.oversight.actions.redress_visible_to), every read logged;
  supervisors and administrators decide and extend;
- retention and disposal: members of the case (the review list: supervisors, oversight and administrators);
  disposal certificates: members of the case, oversight users and administrators;
- protected persons: members of the case; unsealing is four-eyes (a supervisor other than the requester
  decides) and the requester reads the identity once, the read logged.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Literal

from django.http import FileResponse, HttpResponse
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import Field

from comity.accounts.models import Role
from comity.api.common import (CURSOR_DOC, LIMIT_DOC, Page, member_case, page_of, require_match, set_etag,
                               sort_description, writer)
from comity.api.schemas import content, errors, if_match
from comity.audit.models import AuditEvent
from comity.cases.models import Case, CooperationRequest
from comity.errors import InvalidInput, NotAllowed
from comity.oversight import actions, pdf
from comity.oversight.models import CaseDisposal, ProtectedPerson, RedressMatter, RetentionUndertaking, UnsealingRequest

router = Router(tags=["oversight"])

STATED_PURPOSE_DOC = ("Why you search (at least 10 characters, or a reference such as a complaint number); "
                      "recorded with the search")


def _renamed(exc: InvalidInput, names: dict[str, str]) -> InvalidInput:
    """The action's error with its fields named as the API caller sends them."""
    return InvalidInput({names.get(k, k): v for k, v in exc.errors.items()})


# --- console -------------------------------------------------------------------------------------------------

class EventOut(Schema):
    seq: int
    time: dt.datetime
    category: str
    event_type: str
    actor: str = Field(description="The account name at the time, or `system`")
    case_id: int | None
    case_reference: str
    object_type: str
    object_id: str
    purpose: str = Field(description="The purpose the actor stated, as written (or `(erased on disposal)`)")
    via: str
    leaf_hash: str


EVENT_SORTS = {"seq": "seq", "time": "time"}
Category = Literal["", "change", "access", "security"]


FILTER_DOCS = {"person": "Part of the name of a party: events on the cases holding them",
               "case": "A case reference", "user": "The account name of the actor",
               "event_purpose": "Words in the purpose the actors stated",
               "event_type": "An event type or its prefix, e.g. `access` or `case.closed`",
               "category": "The event category", "date_from": "From this day (inclusive)",
               "date_to": "To this day (inclusive)"}


class ConsoleFilters(Schema):
    person: str = Field("", description=FILTER_DOCS["person"])
    case: str = Field("", description=FILTER_DOCS["case"])
    user: str = Field("", description=FILTER_DOCS["user"])
    event_purpose: str = Field("", description=FILTER_DOCS["event_purpose"])
    event_type: str = Field("", description=FILTER_DOCS["event_type"])
    category: Category = Field("", description=FILTER_DOCS["category"])
    date_from: dt.date | None = Field(None, description=FILTER_DOCS["date_from"])
    date_to: dt.date | None = Field(None, description=FILTER_DOCS["date_to"])


FILTER_NAMES = {"purpose": "event_purpose", "reason": "purpose"}


def _filters(f: ConsoleFilters) -> actions.EventFilters:
    data = {"person": f.person, "case": f.case, "user": f.user, "purpose": f.event_purpose,
            "event_type": f.event_type, "category": f.category,
            "date_from": f.date_from.isoformat() if f.date_from else "",
            "date_to": f.date_to.isoformat() if f.date_to else ""}
    try:
        return actions.parse_filters(data)
    except InvalidInput as e:
        raise _renamed(e, FILTER_NAMES) from None


def _event_out(e: AuditEvent, refs: dict) -> dict:
    return {"seq": e.seq, "time": e.time, "category": e.category, "event_type": e.event_type,
            "actor": e.actor_label or "system", "case_id": e.case_id, "case_reference": refs.get(e.case_id, ""),
            "object_type": e.object_type, "object_id": e.object_id, "purpose": e.purpose_text, "via": e.via,
            "leaf_hash": e.leaf_hash}


@router.get("/oversight/events", response={200: Page[EventOut], **errors(403, 422)},
            summary="Search the audit log (oversight users and administrators); the search is recorded with "
                    "the purpose you state")
def search_audit_events(request,
                        person: str = Query("", description=FILTER_DOCS["person"]),
                        case: str = Query("", description=FILTER_DOCS["case"]),
                        user: str = Query("", description=FILTER_DOCS["user"]),
                        event_purpose: str = Query("", description=FILTER_DOCS["event_purpose"]),
                        event_type: str = Query("", description=FILTER_DOCS["event_type"]),
                        category: Category = Query("", description=FILTER_DOCS["category"]),
                        date_from: dt.date | None = Query(None, description=FILTER_DOCS["date_from"]),
                        date_to: dt.date | None = Query(None, description=FILTER_DOCS["date_to"]),
                        purpose: str | None = Query(None, description=STATED_PURPOSE_DOC),
                        sort: str = Query("-seq", description=sort_description(EVENT_SORTS, "-seq")),
                        cursor: str | None = Query(None, description=CURSOR_DOC),
                        limit: int = Query(50, description=LIMIT_DOC)):
    actions.require_console(request.user)
    found = _filters(ConsoleFilters(person=person, case=case, user=user, event_purpose=event_purpose,
                                    event_type=event_type, category=category, date_from=date_from, date_to=date_to))
    if not (purpose or "").strip():
        raise InvalidInput({"purpose": "state why you search the log (at least 10 characters); it is recorded"})
    qs = actions.search_events(found).filter(seq__isnull=False)
    refs: dict = {}

    def log(rows):
        refs.update(actions.case_references(r.case_id for r in rows))
        try:
            actions.do_record_console_access(acting_user=request.user, what="search", purpose=purpose,
                                             filters=found, results=qs.count(), via="api")
        except InvalidInput as e:
            raise _renamed(e, FILTER_NAMES) from None

    page = page_of(qs, sort=sort, sorts=EVENT_SORTS, default="-seq", cursor=cursor, limit=limit,
                   serialize=lambda e: e, on_page=log)
    page["results"] = [_event_out(e, refs) for e in page["results"]]
    return page


class ReportIn(ConsoleFilters):
    purpose: str = Field(description="Why you export the report (at least 10 characters); recorded, and printed "
                                     "on the report")


@router.post("/oversight/reports", response=errors(403, 422),
             summary="The signed PDF report of a search of the audit log, every event checked against a freshly "
                     "signed tree head (oversight users and administrators, a write token)",
             openapi_extra=content("application/pdf", "The signed report (PDF)", binary=True))
def export_oversight_report(request, payload: ReportIn):
    actions.require_console(request.user)
    user = writer(request)
    found = _filters(payload)
    try:
        rep = actions.do_export_report(filters=found, purpose=payload.purpose, acting_user=user, via="api")
    except InvalidInput as e:
        raise _renamed(e, FILTER_NAMES) from None
    return FileResponse(io.BytesIO(pdf.report_pdf(rep)), as_attachment=True,
                        filename=f"oversight-report-{rep.audit_seq}.pdf", content_type="application/pdf")


# --- redress -------------------------------------------------------------------------------------------------

Capacity = Literal["counsel", "dpo", "person"]
RedressKind = Literal["access", "correction", "deletion"]
RegimeCode = Literal["INTERPOL-CCF", "EU-LED", "national"]
Decision = Literal["granted", "partly_granted", "refused"]


class RedressIn(Schema):
    requester_name: str = Field(max_length=200, description="Who made the request")
    requester_capacity: Capacity
    person_described: str = Field(description="Who the request is about, as the requester describes them")
    kind: RedressKind
    regime: RegimeCode = Field(description="The law whose clock applies")
    received: dt.date = Field(description="The day the request reached you (not in the future)")
    details: str = ""
    case_references: list[str] = Field(default_factory=list, description="References of the cases it concerns "
                                                                           "(cases you may see)")


class RedressOut(Schema):
    id: int
    reference: str
    requester_name: str
    requester_capacity: str
    person_described: str
    kind: str
    regime: str
    received: dt.date
    details: str
    cases: list[str]
    due: dt.date
    due_citation: str
    due_verified: bool
    extended_due: dt.date | None
    extension_reason: str
    effective_due: dt.date
    overdue: bool
    status: str
    decision: str
    decision_reasons: str
    decided_on: dt.date | None
    decided_by: str | None
    decided_in_time: bool | None
    created_by: str
    may_decide: bool = Field(description="Whether you may decide the matter and extend its period")


class RedressDecisionIn(Schema):
    decision: Decision
    reasons: str = Field(description="The reasons (at least 20 characters)")
    decided_on: dt.date | None = Field(None, description="The day decided (today when omitted)")


class RedressExtensionIn(Schema):
    reason: str = Field(description="Why the period is extended (at least 10 characters)")


REDRESS_SORTS = {"due": "due", "received": "received", "reference": "reference", "created": "created_at"}


def _redress_fields(m: RedressMatter) -> dict:
    return {"reference": m.reference, "status": m.status, "decision": m.decision, "due": m.due,
            "extended_due": m.extended_due, "decided_on": m.decided_on}


def _redress_out(m: RedressMatter, user) -> dict:
    eff = m.effective_due
    return {"id": m.pk, "reference": m.reference, "requester_name": m.requester_name,
            "requester_capacity": m.requester_capacity, "person_described": m.person_described, "kind": m.kind,
            "regime": m.regime, "received": m.received, "details": m.details,
            "cases": sorted(c.reference for c in m.cases.all()), "due": m.due, "due_citation": m.due_citation,
            "due_verified": m.due_verified, "extended_due": m.extended_due, "extension_reason": m.extension_reason,
            "effective_due": eff, "overdue": m.status == RedressMatter.Status.OPEN and eff < timezone.localdate(),
            "status": m.status, "decision": m.decision, "decision_reasons": m.decision_reasons,
            "decided_on": m.decided_on, "decided_by": m.decided_by.username if m.decided_by else None,
            "decided_in_time": m.decided_in_time, "created_by": m.created_by.username,
            "may_decide": user.role in actions.REDRESS_DECIDERS}


@router.get("/redress", response={200: Page[RedressOut], **errors(422)},
            summary="Redress matters (access, correction, deletion requests) you may see; the list is logged")
def list_redress_matters(request, status: Literal["", "open", "decided"] = "", kind: Literal["", RedressKind] = "",
                         regime: Literal["", RegimeCode] = "",
                         sort: str = Query("due", description=sort_description(REDRESS_SORTS, "due")),
                         cursor: str | None = Query(None, description=CURSOR_DOC),
                         limit: int = Query(50, description=LIMIT_DOC)):
    qs = actions.redress_visible_to(request.user).select_related("created_by", "decided_by").prefetch_related("cases")
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if regime:
        qs = qs.filter(regime=regime)
    return page_of(qs, sort=sort, sorts=REDRESS_SORTS, default="due", cursor=cursor, limit=limit,
                   serialize=lambda m: _redress_out(m, request.user),
                   on_page=lambda ms: actions.do_record_redress_list_access(ms, acting_user=request.user, via="api"))


@router.post("/redress", response={201: RedressOut, **errors(403, 422)},
             summary="File an access, correction or deletion request; it gets the legal clock of its regime")
def file_redress_matter(request, payload: RedressIn):
    user = writer(request)
    try:
        m = actions.do_file_redress(requester_name=payload.requester_name,
                                    requester_capacity=payload.requester_capacity,
                                    person_described=payload.person_described, kind=payload.kind,
                                    regime=payload.regime, received=payload.received, details=payload.details,
                                    case_references=payload.case_references, acting_user=user, via="api")
    except InvalidInput as e:
        raise _renamed(e, {"cases": "case_references"}) from None
    return Status(201, _redress_out(m, user))


def _matter(request, matter_id: int) -> RedressMatter:
    return actions.redress_matter_for(matter_id, request.user)


def _redress_answer(response: HttpResponse, m: RedressMatter, user) -> dict:
    m = RedressMatter.objects.select_related("created_by", "decided_by").prefetch_related("cases").get(pk=m.pk)
    set_etag(response, _redress_fields(m))
    return _redress_out(m, user)


@router.get("/redress/{matter_id}", response={200: RedressOut, **errors(404, 422)},
            summary="A redress matter with its clock and decision (the read is logged)")
def get_redress_matter(request, response: HttpResponse, matter_id: int):
    m = _matter(request, matter_id)
    actions.do_record_redress_access(m, acting_user=request.user, via="api")
    return _redress_answer(response, m, request.user)


def _decide(request, matter_id: int, doing: str):
    """A redress matter a supervisor or an administrator acts on, at the version they read (If-Match)."""
    m = _matter(request, matter_id)
    user = writer(request)
    if user.role not in actions.REDRESS_DECIDERS:
        raise NotAllowed(f"Only a supervisor or an administrator may {doing}.")
    require_match(request, _redress_fields(m), what="redress matter")
    return m, user


@router.post("/redress/{matter_id}/decision", response={200: RedressOut, **errors(403, 404, 422)},
             openapi_extra=if_match(), summary="Record the decision on a redress matter and its reasons "
                                               "(supervisors and administrators)")
def decide_redress_matter(request, response: HttpResponse, matter_id: int, payload: RedressDecisionIn):
    m, user = _decide(request, matter_id, "record a decision")
    m = actions.do_decide_redress(m, decision=payload.decision, reasons=payload.reasons,
                                  decided_on=payload.decided_on, acting_user=user, via="api")
    return _redress_answer(response, m, user)


@router.post("/redress/{matter_id}/extension", response={200: RedressOut, **errors(403, 404, 422)},
             openapi_extra=if_match(), summary="Extend a redress matter's period where its regime allows "
                                               "(supervisors and administrators)")
def extend_redress_matter(request, response: HttpResponse, matter_id: int, payload: RedressExtensionIn):
    m, user = _decide(request, matter_id, "extend the period")
    m = actions.do_extend_redress(m, reason=payload.reason, acting_user=user, via="api")
    return _redress_answer(response, m, user)


# --- retention and disposal ----------------------------------------------------------------------------------

class RetentionDueOut(Schema):
    case_id: int
    case_reference: str
    proceedings_ended: dt.date | None
    retention_due: dt.date


class BasisOut(Schema):
    date: dt.date | None
    explanation: str


class UndertakingIn(Schema):
    kind: Literal["use_limitation", "after_proceedings", "by_date"]
    text: str = Field(description="The undertaking as given, and where (letter, request form, treaty article)")
    months_after_proceedings: int | None = Field(None, description="For `after_proceedings`: months after the "
                                                                   "end of the proceedings")
    dispose_by: dt.date | None = Field(None, description="For `by_date`: the day the data must be disposed of by")
    request_id: int | None = Field(None, description="The request of the case it was given in")


class UndertakingOut(Schema):
    id: int
    kind: str
    text: str
    months_after_proceedings: int | None
    dispose_by: dt.date | None
    request: str | None
    created_by: str
    created_at: dt.datetime


class DisposalOut(Schema):
    id: int
    case_id: int | None
    case_reference: str
    disposed_at: dt.datetime
    disposed_by: str
    reason: str
    proceedings_ended: dt.date | None
    retention_due: dt.date | None
    counts: dict[str, int]
    providing_states: list[str]
    audit_seq: int | None


class RetentionOut(Schema):
    case_id: int
    case_reference: str
    state: str
    proceedings_ended: dt.date | None
    retention_due: dt.date | None
    expired: bool
    basis: list[BasisOut]
    undertakings: list[UndertakingOut]
    disposal: DisposalOut | None


class DisposalIn(Schema):
    reason: str = Field(description="Why the data is disposed of (at least 10 characters); on the certificate")
    confirm_early: bool = Field(False, description="Dispose although the retention period has not run out")


DUE_SORTS = {"reference": "reference", "created": "created_at", "updated": "updated_at"}
DISPOSAL_SORTS = {"disposed": "disposed_at", "reference": "case_reference"}


def _undertaking_out(u: RetentionUndertaking) -> dict:
    return {"id": u.pk, "kind": u.kind, "text": u.text, "months_after_proceedings": u.months_after_proceedings,
            "dispose_by": u.dispose_by, "request": u.request.reference if u.request else None,
            "created_by": u.created_by.username, "created_at": u.created_at}


def _disposal_out(d: CaseDisposal) -> dict:
    return {"id": d.pk, "case_id": d.case_id, "case_reference": d.case_reference, "disposed_at": d.disposed_at,
            "disposed_by": d.disposed_by.username, "reason": d.reason, "proceedings_ended": d.proceedings_ended,
            "retention_due": d.retention_due, "counts": d.counts, "providing_states": d.providing_states,
            "audit_seq": d.audit_seq}


def _retention_fields(case: Case) -> dict:
    r = actions.retention_for(case)
    return {"state": case.state, "retention_due": r.due, "proceedings_ended": r.proceedings_ended,
            "disposed": CaseDisposal.objects.filter(case=case).exists()}


def _retention_reader(user) -> None:
    if user.role not in (Role.OVERSIGHT, Role.ADMIN) and not user.is_supervisor:
        raise NotAllowed("The retention review list is for supervisors, oversight users and administrators.")


@router.get("/retention/due", response={200: Page[RetentionDueOut], **errors(403, 422)},
            summary="Cases whose retention period has run out and that are not yet disposed of (supervisors: "
                    "their cases; oversight users and administrators: all, by reference)")
def list_cases_due_for_review(request,
                              sort: str = Query("reference", description=sort_description(DUE_SORTS, "reference")),
                              cursor: str | None = Query(None, description=CURSOR_DOC),
                              limit: int = Query(50, description=LIMIT_DOC)):
    _retention_reader(request.user)
    due = {c.pk: r for c, r in actions.cases_due_for_review(request.user)}
    return page_of(Case.objects.filter(pk__in=list(due)), sort=sort, sorts=DUE_SORTS, default="reference",
                   cursor=cursor, limit=limit,
                   serialize=lambda c: {"case_id": c.pk, "case_reference": c.reference,
                                        "proceedings_ended": due[c.pk].proceedings_ended,
                                        "retention_due": due[c.pk].due})


@router.get("/disposals", response={200: Page[DisposalOut], **errors(403, 422)},
            summary="Cases disposed of, with their tombstones (supervisors: their cases; oversight users and "
                    "administrators: all)")
def list_disposals(request,
                   sort: str = Query("-disposed", description=sort_description(DISPOSAL_SORTS, "-disposed")),
                   cursor: str | None = Query(None, description=CURSOR_DOC),
                   limit: int = Query(50, description=LIMIT_DOC)):
    _retention_reader(request.user)
    qs = CaseDisposal.objects.select_related("disposed_by")
    if request.user.role not in (Role.OVERSIGHT, Role.ADMIN):
        qs = qs.filter(case__in=Case.objects.visible_to(request.user).values("pk"))
    return page_of(qs, sort=sort, sorts=DISPOSAL_SORTS, default="-disposed", cursor=cursor, limit=limit,
                   serialize=_disposal_out)


@router.get("/cases/{case_id}/retention", response={200: RetentionOut, **errors(404, 422)},
            summary="When a case's data is due for review, why, its undertakings and its disposal (members)")
def get_case_retention(request, response: HttpResponse, case_id: int):
    case = member_case(request, case_id)
    r = actions.retention_for(case)
    disposal = CaseDisposal.objects.filter(case=case).select_related("disposed_by").first()
    set_etag(response, _retention_fields(case))
    return {"case_id": case.pk, "case_reference": case.reference, "state": case.state,
            "proceedings_ended": r.proceedings_ended, "retention_due": r.due,
            "expired": r.expired(timezone.localdate()),
            "basis": [{"date": d, "explanation": text} for d, text in r.basis],
            "undertakings": [_undertaking_out(u) for u in
                             case.retention_undertakings.select_related("request", "created_by")],
            "disposal": _disposal_out(disposal) if disposal else None}


@router.post("/cases/{case_id}/retention/undertakings", response={201: UndertakingOut, **errors(403, 404, 422)},
             summary="Record an undertaking given about the case's data (it can shorten the retention)")
def add_undertaking(request, case_id: int, payload: UndertakingIn):
    case = member_case(request, case_id)
    user = writer(request)
    req = None
    if payload.request_id is not None:
        req = CooperationRequest.objects.filter(pk=payload.request_id, case=case).first()
        if req is None:
            raise InvalidInput({"request_id": "no such request in this case"})
    try:
        u = actions.do_record_undertaking(case, kind=payload.kind, text=payload.text,
                                          months_after_proceedings=payload.months_after_proceedings,
                                          dispose_by=payload.dispose_by, request=req, acting_user=user, via="api")
    except InvalidInput as e:
        raise _renamed(e, {"request": "request_id"}) from None
    u = RetentionUndertaking.objects.select_related("request", "created_by").get(pk=u.pk)
    return Status(201, _undertaking_out(u))


@router.post("/cases/{case_id}/disposal", response={201: DisposalOut, **errors(403, 404, 422)},
             openapi_extra=if_match(),
             summary="Dispose of a closed case's personal data and documents, keeping a tombstone (a supervisor "
                     "of the case; If-Match: the ETag of the case's retention)")
def dispose_case(request, case_id: int, payload: DisposalIn):
    case = member_case(request, case_id)
    user = writer(request)
    if not user.is_supervisor:
        raise NotAllowed("Only a supervisor may dispose of a case.")
    require_match(request, _retention_fields(case), what="case's retention")
    d = actions.do_dispose_case(case, reason=payload.reason, confirm_early=payload.confirm_early, acting_user=user,
                                via="api")
    return Status(201, _disposal_out(d))


@router.get("/disposals/{disposal_id}/certificate.pdf", response=errors(404, 422),
            summary="The signed disposal certificate to send to the providing State (members of the case, "
                    "oversight users, administrators)",
            openapi_extra=content("application/pdf", "The signed certificate (PDF)", binary=True))
def download_disposal_certificate(request, disposal_id: int):
    d = actions.disposal_for(disposal_id, request.user)
    body = pdf.certificate_pdf(d, actions.sign_certificate(d))
    return FileResponse(io.BytesIO(body), as_attachment=True,
                        filename=f"disposal-certificate-{d.case_reference}.pdf", content_type="application/pdf")


# --- protected persons ---------------------------------------------------------------------------------------

class UnsealingOut(Schema):
    id: int
    protected_person_id: int
    pseudonym: str
    status: str
    purpose: str
    requested_by: str
    requested_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_reason: str
    view_until: dt.datetime | None
    viewed_at: dt.datetime | None
    may_decide: bool = Field(description="Whether you may approve or refuse it (a supervisor other than the "
                                         "requester, while it is pending)")
    may_view: bool = Field(description="Whether you may read the identity now (the requester, once, while the "
                                       "approval lasts)")


class ProtectedPersonOut(Schema):
    id: int
    case_id: int
    pseudonym: str
    role: str
    seal_id: str
    created_by: str
    created_at: dt.datetime
    unsealing_requests: list[UnsealingOut]


class ProtectedPersonIn(Schema):
    pseudonym: str = Field(description="The name the case uses; must not reveal the identity")
    role: Literal["witness", "informant"]
    true_identity: str = Field(description="Sealed at rest; opened only through four-eyes unsealing")


class UnsealRequestIn(Schema):
    purpose: str = Field(description="Why you need the identity (at least 10 characters); shown to the approver "
                                     "and logged")


class UnsealDecisionIn(Schema):
    decision: Literal["approve", "refuse"]
    reason: str = Field("", description="Required when refusing")


class IdentityOut(Schema):
    unsealing_request: int
    protected_person_id: int
    pseudonym: str
    identity: str = Field(description="The true identity; this request is now spent")


PP_SORTS = {"pseudonym": "pseudonym", "created": "created_at"}


def _unsealing_out(r: UnsealingRequest, user) -> dict:
    now = timezone.now()
    return {"id": r.pk, "protected_person_id": r.protected_person_id, "pseudonym": r.protected_person.pseudonym,
            "status": r.status, "purpose": r.purpose, "requested_by": r.requested_by.username,
            "requested_at": r.requested_at, "decided_by": r.decided_by.username if r.decided_by else None,
            "decided_at": r.decided_at, "decision_reason": r.decision_reason, "view_until": r.view_until,
            "viewed_at": r.viewed_at,
            "may_decide": (user.is_supervisor and r.requested_by_id != user.pk
                           and r.status == UnsealingRequest.Status.PENDING),
            "may_view": (r.requested_by_id == user.pk and r.status == UnsealingRequest.Status.APPROVED
                         and r.view_until is not None and r.view_until >= now)}


def _person_out(pp: ProtectedPerson, user) -> dict:
    return {"id": pp.pk, "case_id": pp.case_id, "pseudonym": pp.pseudonym, "role": pp.role, "seal_id": pp.seal_id,
            "created_by": pp.created_by.username, "created_at": pp.created_at,
            "unsealing_requests": [_unsealing_out(r, user) for r in pp.unsealing_requests.all()]}


def _unsealing_fields(r: UnsealingRequest) -> dict:
    return {"status": r.status, "decided_at": r.decided_at, "view_until": r.view_until}


@router.get("/cases/{case_id}/protected-persons", response={200: Page[ProtectedPersonOut], **errors(404, 422)},
            summary="The case's protected persons by pseudonym, with their unsealing requests (members)")
def list_protected_persons(request, case_id: int,
                           sort: str = Query("pseudonym", description=sort_description(PP_SORTS, "pseudonym")),
                           cursor: str | None = Query(None, description=CURSOR_DOC),
                           limit: int = Query(50, description=LIMIT_DOC)):
    case = member_case(request, case_id)
    qs = ProtectedPerson.objects.filter(case=case).select_related("created_by").prefetch_related(
        "unsealing_requests__requested_by", "unsealing_requests__decided_by",
        "unsealing_requests__protected_person")
    return page_of(qs, sort=sort, sorts=PP_SORTS, default="pseudonym", cursor=cursor, limit=limit,
                   serialize=lambda pp: _person_out(pp, request.user))


@router.post("/cases/{case_id}/protected-persons", response={201: ProtectedPersonOut, **errors(403, 404, 422)},
             summary="Record a witness or informant under a pseudonym; the true identity is sealed")
def register_protected_person(request, case_id: int, payload: ProtectedPersonIn):
    case = member_case(request, case_id)
    pp = actions.do_register_protected_person(case, pseudonym=payload.pseudonym, role=payload.role,
                                              true_identity=payload.true_identity, acting_user=writer(request),
                                              via="api")
    return Status(201, _person_out(ProtectedPerson.objects.select_related("created_by").get(pk=pp.pk),
                                   request.user))


@router.post("/protected-persons/{person_id}/unsealing-requests", response={201: UnsealingOut,
                                                                              **errors(403, 404, 422)},
             summary="Ask to unseal a protected person's identity, saying why; a second supervisor decides")
def request_unsealing(request, person_id: int, payload: UnsealRequestIn):
    pp = actions.protected_person_for(person_id, request.user)
    r = actions.do_request_unsealing(pp, purpose=payload.purpose, acting_user=writer(request), via="api")
    return Status(201, _unsealing_out(_unsealing(r.pk), request.user))


def _unsealing(pk) -> UnsealingRequest:
    return UnsealingRequest.objects.select_related("protected_person", "requested_by", "decided_by").get(pk=pk)


@router.get("/unsealing-requests/{unsealing_id}", response={200: UnsealingOut, **errors(404, 422)},
            summary="A request to unseal an identity, with its decision (members of the case)")
def get_unsealing_request(request, response: HttpResponse, unsealing_id: int):
    r = _unsealing(actions.unsealing_request_for(unsealing_id, request.user).pk)
    set_etag(response, _unsealing_fields(r))
    return _unsealing_out(r, request.user)


@router.post("/unsealing-requests/{unsealing_id}/decision", response={200: UnsealingOut, **errors(403, 404, 422)},
             openapi_extra=if_match(),
             summary="Approve or refuse a request to unseal (four eyes: a supervisor other than the requester)")
def decide_unsealing(request, response: HttpResponse, unsealing_id: int, payload: UnsealDecisionIn):
    r = actions.unsealing_request_for(unsealing_id, request.user)
    user = writer(request)
    if not user.is_supervisor:
        raise NotAllowed("Only a supervisor may approve or refuse unsealing.")
    if user.pk == r.requested_by_id:
        raise NotAllowed("Four eyes: a second person must decide on your own request to unseal.")
    require_match(request, _unsealing_fields(r), what="unsealing request")
    r = actions.do_decide_unsealing(r, approve=payload.decision == "approve", reason=payload.reason,
                                    acting_user=user, via="api")
    r = _unsealing(r.pk)
    set_etag(response, _unsealing_fields(r))
    return _unsealing_out(r, user)


@router.post("/unsealing-requests/{unsealing_id}/identity", response={200: IdentityOut, **errors(403, 404, 422)},
             summary="Read the unsealed identity, once, within the approval's window (the requester; logged)")
def view_unsealed_identity(request, response: HttpResponse, unsealing_id: int):
    r = actions.unsealing_request_for(unsealing_id, request.user)
    user = writer(request)
    if user.pk != r.requested_by_id:
        raise NotAllowed("Only the person who asked may view the identity.")
    identity = actions.do_view_sealed_identity(r, acting_user=user, via="api")
    response["Cache-Control"] = "no-store"
    return {"unsealing_request": r.pk, "protected_person_id": r.protected_person_id,
            "pseudonym": r.protected_person.pseudonym, "identity": identity}
