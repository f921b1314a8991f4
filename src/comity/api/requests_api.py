"""API operations: requests (see comity.api.common for the shared rules: compartments, scopes, lists, ETags).

The same as the request pages and the dashboard's approval queue (comity.web.views), through the same actions
(comity.cases.actions):

- `GET /requests` lists the requests of the caller's cases, filtered and sorted (the read is logged);
- a request's record is read with an `ETag` (`GET /requests/{id}/record`, with the instruments that may be its
  legal basis); what the web lets a user change on a request, its legal basis, is changed with
  `PATCH /requests/{id}` and that tag in `If-Match`. `GET …/legal-basis` is the finder's list of instruments that
  apply between the two States, with why;
- approval: a caseworker asks the deciders of the case's unit (`POST …/approvals`); `GET /approvals` is the
  caller's queue (awaiting their decision, or returned to them); a decider reads one with its `ETag` and
  approves or returns it (`POST /approvals/{id}/decision`, `If-Match`). Four eyes: never one's own.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.db.models import Q
from django.http import HttpResponse
from ninja import Query, Router, Schema, Status
from pydantic import Field

from comity.api.common import (CURSOR_DOC, LIMIT_DOC, MAX_LIMIT, PURPOSE_DOC, Page, member_request, page_of,
                               read_request, require_match, set_etag, sort_description, writer)
from comity.api.schemas import errors, if_match
from comity.cases import actions, guards, reads
from comity.cases.access import MEMBER_PURPOSE
from comity.cases.models import ApprovalRequest, Case, CooperationRequest
from comity.errors import NotFound

router = Router(tags=["requests"])


KindCode = Literal["", "mla", "extradition", "transfer", "asset_recovery", "notice"]


# --- schemas ---------------------------------------------------------------------------------------

class RequestItemOut(Schema):
    id: int
    reference: str
    case_id: int
    case: str = Field(description="The case's reference")
    kind: str
    kind_label: str
    direction: str
    status: str
    status_label: str
    requesting_state: str
    requested_state: str
    urgency: str
    subject: str
    legal_basis_instrument: str
    created_at: dt.datetime
    updated_at: dt.datetime


class BasisOptionOut(Schema):
    instrument: str
    title: str
    citation: str
    why: str
    verified: bool = Field(description="Every fact it rests on was read in an official source")
    current: bool = Field(description="The request rests on it now")


class RequestRecordOut(Schema):
    id: int
    reference: str
    case_id: int
    kind: str
    direction: str
    status: str
    status_label: str
    terminal: bool = Field(description="The request has ended: its legal basis can no longer change")
    requesting_state: str
    requested_state: str
    legal_basis_instrument: str
    legal_basis: str
    updated_at: dt.datetime


class RequestUpdateIn(Schema):
    legal_basis_instrument: str = Field(max_length=60, description=(
        "The instrument the request rests on, one of those that apply between the two States "
        "(GET /api/requests/{id}/legal-basis)"))


class LegalBasisOut(Schema):
    request_id: int
    reference: str
    current: str = Field(description="The instrument the request rests on now ('' if none)")
    options: list[BasisOptionOut] = Field(description="Instruments in force between the two States for this "
                                                      "kind of request, in order of use")
    reason: str = Field(description="Why there is none, when the list is empty")
    covered: bool = Field(description="False for kinds the law library does not cover (INTERPOL notices)")


class AskApprovalIn(Schema):
    message: str = Field("", max_length=2000, description="Message to the deciders (optional)")


class ApprovalOut(Schema):
    id: int
    request_id: int
    request: str = Field(description="The request's reference")
    request_status: str
    case_id: int
    case: str = Field(description="The case's reference")
    member: bool = Field(description="You are a member of the case (otherwise deciding makes you one)")
    status: str = Field(description="pending, approved, returned or cancelled")
    status_label: str
    asked_by: str
    asked_at: dt.datetime
    message: str
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_comment: str
    checks: list[str] = Field(description="What is not yet ready for approval (a decider may override with a "
                                          "reason)")


class DecideIn(Schema):
    decision: Literal["approve", "return"]
    comment: str = Field("", max_length=5000, description="Required to return it: say what must change")
    override_reason: str = Field("", max_length=2000, description="Approve although checks fail: why (deciders)")


# --- helpers ---------------------------------------------------------------------------------------

def _item(r: CooperationRequest) -> dict:
    from comity.vocabulary import label

    return {"id": r.pk, "reference": r.reference, "case_id": r.case_id, "case": r.case.reference, "kind": r.kind,
            "kind_label": label("request_kind", r.kind), "direction": r.direction, "status": r.status,
            "status_label": r.status_label, "requesting_state": r.requesting_state,
            "requested_state": r.requested_state, "urgency": r.urgency, "subject": r.subject,
            "legal_basis_instrument": r.legal_basis_instrument, "created_at": r.created_at,
            "updated_at": r.updated_at}


def request_etag_fields(r: CooperationRequest) -> dict:
    """The fields of a request that its ETag covers (what update_request guards)."""
    return {"status": r.status, "legal_basis_instrument": r.legal_basis_instrument, "legal_basis": r.legal_basis}


def _record(response: HttpResponse, r: CooperationRequest) -> dict:
    r = CooperationRequest.objects.select_related("case").get(pk=r.pk)
    set_etag(response, request_etag_fields(r))
    return {"id": r.pk, "reference": r.reference, "case_id": r.case_id, "kind": r.kind, "direction": r.direction,
            "status": r.status, "status_label": r.status_label, "terminal": r.is_terminal,
            "requesting_state": r.requesting_state, "requested_state": r.requested_state,
            "legal_basis_instrument": r.legal_basis_instrument, "legal_basis": r.legal_basis,
            "updated_at": r.updated_at}


def _approval_out(a: ApprovalRequest, user) -> dict:
    step = actions.approval_step(a.request) if a.status == ApprovalRequest.Status.PENDING else None
    failing = guards.failing(step.guards, a.request) if step else {}
    return {"id": a.pk, "request_id": a.request_id, "request": a.request.reference, "request_status": a.request.status,
            "case_id": a.case_id, "case": a.case.reference, "member": actions.is_member(a.case, user),
            "status": a.status, "status_label": a.get_status_display(), "asked_by": a.asked_by.username,
            "asked_at": a.asked_at, "message": a.message,
            "decided_by": a.decided_by.username if a.decided_by_id else None, "decided_at": a.decided_at,
            "decision_comment": a.decision_comment, "checks": list(failing.values())}


def _approval(approval_id: int) -> ApprovalRequest:
    a = (ApprovalRequest.objects.select_related("case", "request", "request__case", "asked_by", "decided_by")
         .filter(pk=approval_id).first())
    if a is None:
        raise NotFound("No such approval.")
    return a


# --- requests --------------------------------------------------------------------------------------

REQUEST_SORTS = {"created": "created_at", "updated": "updated_at", "reference": "reference", "status": "status"}


@router.get("/requests", response={200: Page[RequestItemOut], **errors(422)},
            summary="Requests in your cases, filtered and sorted, a page at a time (the read is logged)")
def list_requests(request,
                  kind: KindCode = Query("", description="Kind of request"),
                  direction: Literal["", "incoming", "outgoing"] = Query("", description="incoming or outgoing"),
                  status: str = Query("", max_length=40, description="A status of the request's lifecycle, e.g. "
                                                                     "draft, sent, executed"),
                  requesting_state: str = Query("", max_length=2, description="ISO 3166 alpha-2 code"),
                  requested_state: str = Query("", max_length=2, description="ISO 3166 alpha-2 code"),
                  case: str = Query("", max_length=30, description="The case's reference"),
                  urgency: Literal["", "normal", "urgent", "very_urgent"] = Query("", description="Urgency"),
                  q: str = Query("", max_length=200, description="Words in the reference or subject"),
                  sort: str = Query("-updated", description=sort_description(REQUEST_SORTS, "-updated")),
                  cursor: str | None = Query(None, description=CURSOR_DOC),
                  limit: int = Query(50, description=LIMIT_DOC)):
    qs = CooperationRequest.objects.filter(case__in=Case.objects.visible_to(request.user)).select_related("case")
    exact = {"kind": kind, "direction": direction, "status": status, "urgency": urgency,
             "requesting_state": requesting_state.upper(), "requested_state": requested_state.upper(),
             "case__reference": case.strip()}
    qs = qs.filter(**{k: v for k, v in exact.items() if v})
    if q:
        qs = qs.filter(Q(reference__icontains=q) | Q(subject__icontains=q))
    return page_of(qs, sort=sort, sorts=REQUEST_SORTS, default="-updated", cursor=cursor, limit=limit,
                   serialize=_item,
                   on_page=lambda rows: reads.log_list(request.user, what="request_list",
                                                       cases=[r.case for r in rows], via="api"))


@router.get("/requests/{request_id}/record", response={200: RequestRecordOut, **errors(404, 422)},
            summary="A request's record with the ETag that changing it needs (the read is logged)")
def get_request_record(request, response: HttpResponse, request_id: int,
                       purpose: str | None = Query(None, description=PURPOSE_DOC)):
    req = read_request(request, request_id, purpose, what="request_view")
    return _record(response, req)


@router.patch("/requests/{request_id}", response={200: RequestRecordOut, **errors(403, 404, 422)},
                   tags=["requests"],
                   summary="Change what the web lets you change on a request: the instrument it rests on (send "
                           "the ETag of GET /api/requests/{request_id}/record)", openapi_extra=if_match())
def update_request(request, response: HttpResponse, request_id: int, payload: RequestUpdateIn):
    req = member_request(request, request_id)
    user = writer(request)
    require_match(request, request_etag_fields(req), what="request")
    actions.do_set_legal_basis(req, instrument=payload.legal_basis_instrument, acting_user=user, via="api")
    return _record(response, req)


@router.get("/requests/{request_id}/legal-basis", response={200: LegalBasisOut, **errors(404, 422)},
            summary="The instruments on which the request may rest, between its two States, in order of use")
def legal_basis_options(request, request_id: int, purpose: str | None = Query(None, description=PURPOSE_DOC)):
    req = read_request(request, request_id, purpose, what="request_view")
    options = actions.legal_basis_options(req.kind, req.requesting_state, req.requested_state)
    rows = list(options or [])
    return {"request_id": req.pk, "reference": req.reference, "current": req.legal_basis_instrument,
            "options": [{"instrument": o.instrument, "title": o.title, "citation": o.citation, "why": o.why,
                         "verified": o.verified, "current": o.instrument == req.legal_basis_instrument}
                        for o in rows],
            "reason": (options.reason if options is not None and not rows else ""),
            "covered": options is not None}


# --- approval --------------------------------------------------------------------------------------

@router.post("/requests/{request_id}/approvals", response={201: ApprovalOut, **errors(403, 404, 422)},
             summary="Ask the prosecutors and supervisors of the case's unit to approve an outgoing request")
def ask_approval(request, request_id: int, payload: AskApprovalIn):
    req = member_request(request, request_id)
    user = writer(request)
    a = actions.do_ask_for_approval(req, message=payload.message, acting_user=user, via="api")
    return Status(201, _approval_out(_approval(a.pk), user))


APPROVAL_SORTS = {"asked": "asked_at"}


@router.get("/approvals", response={200: Page[ApprovalOut], **errors(422)},
            summary="Approvals awaiting your decision (or returned to you for changes), oldest first "
                    "(the read is logged)")
def list_approvals(request,
                   which: Literal["awaiting", "returned"] = Query(
                       "awaiting", description="awaiting: asked of you as a decider; returned: asked by you and "
                                               "returned for changes"),
                   sort: str = Query("asked", description=sort_description(APPROVAL_SORTS, "asked")),
                   cursor: str | None = Query(None, description=CURSOR_DOC),
                   limit: int = Query(50, description=LIMIT_DOC)):
    awaiting, returned = actions.approval_items(request.user, limit=MAX_LIMIT * 5)
    chosen = awaiting if which == "awaiting" else returned
    qs = ApprovalRequest.objects.filter(pk__in=[a.pk for a in chosen]).select_related(
        "case", "request", "request__case", "asked_by", "decided_by")
    return page_of(qs, sort=sort, sorts=APPROVAL_SORTS, default="asked", cursor=cursor, limit=limit,
                   serialize=lambda a: _approval_out(a, request.user),
                   on_page=lambda rows: reads.log_list(request.user, what="approval_list",
                                                       cases=[a.case for a in rows], via="api"))


@router.get("/approvals/{approval_id}", response={200: ApprovalOut, **errors(404, 422)},
            summary="One approval with the ETag that deciding on it needs (the read is logged)")
def get_approval(request, response: HttpResponse, approval_id: int,
                 purpose: str | None = Query(None, description=PURPOSE_DOC)):
    a = _approval(approval_id)
    if actions.may_decide_on(a, request.user):
        p = MEMBER_PURPOSE
    else:
        try:
            p = reads.case_purpose(request.user, a.case, stated=purpose, via="api")
        except NotFound:
            raise NotFound("No such approval.") from None
    reads.log_read(request.user, a.case, what="approval_view", purpose=p, obj=a, via="api")
    set_etag(response, {"status": a.status})
    return _approval_out(a, request.user)


@router.post("/approvals/{approval_id}/decision", response={200: ApprovalOut, **errors(403, 404, 422)},
             summary="Approve a request for sending, or return it to the asker with what must change",
             openapi_extra=if_match())
def decide_approval(request, response: HttpResponse, approval_id: int, payload: DecideIn):
    a = _approval(approval_id)
    if not actions.may_decide_on(a, request.user):
        raise NotFound("No such approval.")
    user = writer(request)
    require_match(request, {"status": a.status}, what="approval")
    try:
        actions.do_decide_approval(a, decision=payload.decision, comment=payload.comment,
                                   override_reason=payload.override_reason, acting_user=user, via="api")
    except NotFound:
        raise NotFound("No such approval.") from None
    a = _approval(a.pk)
    set_etag(response, {"status": a.status})
    return _approval_out(a, user)
