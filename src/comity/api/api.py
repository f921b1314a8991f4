"""HTTP API (django-ninja, OpenAPI at /api/docs). Authenticated by personal access tokens.

Every change calls an action; errors come back in one shape (ErrorOut): `{"error", "message", "errors":
{field: reason}, "detail"}` with 422 for bad input (a JSON body must be an object: field `body`), 403 for a
role or scope that does not allow it, 404 for anything outside the caller's compartments.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Literal

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db.models import Prefetch, Q
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from ninja import File, Form, NinjaAPI, Query, Schema, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.files import UploadedFile
from ninja.openapi.docs import Swagger
from ninja.parser import Parser
from pydantic import Field

from comity.api.audit_api import router as audit_router
from comity.api.law_api import assess_facts as law_assess_view
from comity.api.law_api import router as law_router
from comity.api.common import (CURSOR_DOC, Page, LIMIT_DOC, TokenAuth, case_or_404, member_case,
                               member_request, page_of, read_case, read_request, set_etag, sort_description,
                               writer)
from comity.api.schemas import DetailOut, content, errors, finish_schema
from comity.accounts.models import User
from comity.cases import actions
from comity.cases import reads
from comity.cases.access import PurposeRequired
from comity.cases.models import Case, CooperationRequest, Deadline, Document, Task
from comity.errors import ComityError, InvalidInput, NotFound, PreconditionFailed


# /api/docs: Swagger UI from django-ninja's bundled static files ("ninja" is in INSTALLED_APPS), never a CDN;
# no validator badge either, which Swagger UI would otherwise fetch from validator.swagger.io.
DOCS = Swagger(settings={"validatorUrl": None})

class ObjectBodyParser(Parser):
    """A JSON body is an object with named fields, never a bare string, number, list or null (django-ninja
    would otherwise read `"Operation Smoke"` as the first field of the schema and create a case from it).
    Anything else is refused with a 422 naming the field `body`, before any endpoint runs."""

    def parse_body(self, request):
        try:
            data = json.loads(request.body)
        except RequestDataTooBig:
            raise InvalidInput({"body": f"is larger than the limit of {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} "
                                        "bytes"}) from None
        except RecursionError:
            raise InvalidInput({"body": "is nested too deeply"}) from None
        except (ValueError, UnicodeDecodeError) as e:
            raise InvalidInput({"body": f"is not valid JSON ({e})"}) from None
        if not isinstance(data, dict):
            kind = {str: "a string", list: "a list", bool: "true or false", type(None): "null"}.get(
                type(data), "a number")
            raise InvalidInput({"body": f"must be a JSON object with named fields ({{\"field\": value, …}}), "
                                        f"not {kind}"})
        return data


class ComityAPI(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        return finish_schema(super().get_openapi_schema(*args, **kwargs))

    def get_openapi_operation_id(self, operation) -> str:
        # The function's own name: `list_cases`, `close_case`; the CLI's remote mode and the Python client
        # call operations by it (tests/api/test_openapi_complete.py checks they are unique).
        return operation.view_func.__name__


api = ComityAPI(title="Comity API", version="1", auth=TokenAuth(), urls_namespace="api", docs=DOCS,
               parser=ObjectBodyParser(),
               description="Cases, requests and deadlines for cross-border cooperation. "
                           "Authenticate with a personal access token: `Authorization: Bearer cmt_…`.")


@api.exception_handler(ComityError)
def _comity_error(request, exc: ComityError):
    """Every error of the package, one shape: {"error", "message", "errors": {field: reason}, "detail"}
    with the class's HTTP status (comity.errors); the web and the CLI show the same fields."""
    body = exc.as_dict()
    body["detail"] = exc.message
    if isinstance(exc, PurposeRequired):
        body["errors"] = {"purpose": "oversight users must state a purpose (query parameter `purpose`) to open "
                                     "a case; it is recorded with each read"}
    response = api.create_response(request, body, status=exc.status)
    if isinstance(exc, PreconditionFailed) and exc.current_etag:
        response["ETag"] = exc.current_etag
    return response


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    """django-ninja wraps a body its parser refused in an HTTP 400; the parser's own error (ObjectBodyParser)
    is rendered like every other error of the package."""
    if isinstance(exc.__cause__, ComityError):
        return _comity_error(request, exc.__cause__)
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


@api.exception_handler(ValidationError)
def _validation(request, exc: ValidationError):
    """Input the schema refuses: the same shape as InvalidInput (ErrorOut), a reason per field."""
    errors = {}
    for e in exc.errors:
        loc = [str(p) for p in e.get("loc", [])]
        # drop the location ("file", "form", ...) and the payload wrapper, not a field that shares their name:
        # a missing upload has loc ("file", "file") and must be named `file`, not `body`
        loc = loc[1:] if loc[:1] and loc[0] in ("body", "query", "path", "form", "file") else loc
        loc = [p for p in loc if p != "payload"]
        errors[".".join(loc) or "body"] = e.get("msg", "is invalid")
    return _comity_error(request, InvalidInput(errors or {"body": "is invalid"}))


@api.exception_handler(AuthenticationError)
def _auth(request, exc):
    return api.create_response(request, {"detail": "Missing, unknown, revoked or expired token."}, status=401)


_writer = writer
_member_case = member_case
_read_case = read_case


def _case(request, case_id: int) -> Case:
    return case_or_404(case_id)


api.add_router("/law", law_router)


@api.post("/assess", auth=None, response={200: dict, 422: dict}, tags=["law"],
          summary="Explained assessment: may or must the requested State refuse? Advisory, never a verdict; "
                  "the same JSON as `comity assess`",
          openapi_extra={"requestBody": {"required": True, "description": "The facts, as `comity assess` reads "
                         "them (`comity assess --vocabulary` lists every field and code)", "content": {
                             "application/json": {"schema": {"type": "object", "required": [
                                 "kind", "requesting_state", "requested_state", "offences"],
                                 "properties": {"kind": {"type": "string"}, "requesting_state": {"type": "string"},
                                                "requested_state": {"type": "string"},
                                                "date": {"type": "string", "format": "date"},
                                                "offences": {"type": "array", "items": {"type": "object"}}}}}}}})
def assess_endpoint(request):
    return law_assess_view(request)
api.add_router("/audit", audit_router)

# One router per area, each in its own module, mounted at the root so paths read /api/cases/..., /api/evidence/...
from comity.api import (accounts_api, assessments_api, builder_api, cases_api, evidence_api,  # noqa: E402
                        exchange_api, feed_api, oversight_api, requests_api)

for _module in (cases_api, requests_api, builder_api, assessments_api, evidence_api, oversight_api, accounts_api,
                feed_api, exchange_api):
    api.add_router("", _module.router)


# --- schemas ---------------------------------------------------------------------------------------

class CaseIn(Schema):
    title: str = Field(max_length=200)
    summary: str = ""


class RequestBrief(Schema):
    id: int
    reference: str
    kind: str
    kind_label: str
    direction: str
    direction_label: str
    status: str
    status_label: str
    requesting_state: str
    requesting_state_name: str
    requested_state: str
    requested_state_name: str


class CaseOut(Schema):
    id: int
    reference: str
    title: str
    summary: str
    state: str
    updated_at: dt.datetime
    requests: list[RequestBrief]


class StepOut(Schema):
    name: str
    label: str
    to: str
    allowed: bool
    reason: str


class DeadlineOut(Schema):
    code: str
    label: str
    due: dt.date
    status: str
    citation: str
    legal: bool
    request: str
    case: str
    overdue: bool


class RequestIn(Schema):
    kind: Literal["mla", "extradition", "transfer", "asset_recovery", "notice"]
    direction: Literal["outgoing", "incoming"]
    subject: str
    requesting_state: str
    requested_state: str
    requesting_authority: str = ""
    requested_authority: str = ""
    urgency: Literal["normal", "urgent", "very_urgent"] = "normal"
    urgency_reason: str = ""
    legal_basis: str = ""
    legal_basis_instrument: str = ""
    notice_action: Literal["", "publication", "ccf_challenge"] = ""


class RequestOut(RequestBrief):
    case_id: int
    subject: str
    notice_action: str
    urgency: str
    urgency_reason: str
    legal_basis: str
    legal_basis_instrument: str
    requesting_authority: str
    requested_authority: str
    urgency_label: str
    next_steps: list[StepOut]
    deadlines: list[DeadlineOut]


class TransitionIn(Schema):
    transition: str
    comment: str = ""
    effective_date: dt.date | None = None
    override_reason: str = Field("", description="A prosecutor or supervisor takes the step although its checks "
                                                 "fail, for this stated reason (recorded with the step)")


class TransitionOut(Schema):
    request: str
    from_status: str
    to_status: str
    effective_date: dt.date
    clocks_started: list[DeadlineOut]


class LinkIn(Schema):
    to_request: str = Field(description="Reference of the other request")
    relation: Literal["builds_on", "follows_up", "related"]


class EntityIn(Schema):
    schema_: str = Field(alias="schema", description="FollowTheMoney schema, e.g. Person, Company, BankAccount")
    properties: dict[str, list[str] | str]
    role: str = ""


class EntityOut(Schema):
    id: str
    schema_: str = Field(alias="schema")
    caption: str
    role: str
    properties: dict[str, list[str]]


class NoteIn(Schema):
    text: str


class TaskIn(Schema):
    title: str
    due: dt.date | None = None


class TaskOut(Schema):
    id: int
    title: str
    due: dt.date | None
    done: bool


class DocumentOut(Schema):
    id: int
    title: str
    filename: str
    sha256: str
    size: int


class MemberIn(Schema):
    username: str


class CaseDetailOut(CaseOut):
    entities: list[EntityOut]
    deadlines: list[DeadlineOut]
    documents: list[DocumentOut]
    tasks: list[TaskOut]
    members: list[str]


def _deadline_out(d: Deadline, today: dt.date) -> dict:
    return {"code": d.code, "label": d.label, "due": d.due, "status": d.status, "citation": d.citation,
            "legal": d.legal, "request": d.request.reference, "case": d.case.reference,
            "overdue": d.status == Deadline.Status.OPEN and d.due < today}


def _case_out(c: Case) -> dict:
    return {"id": c.pk, "reference": c.reference, "title": c.title, "summary": c.summary, "state": c.state,
            "updated_at": c.updated_at, "requests": [_brief(r) for r in c.requests.all()]}


def _brief(r: CooperationRequest) -> dict:
    from comity.vocabulary import label
    from comity.web.fields import state_name

    return {"id": r.pk, "reference": r.reference, "kind": r.kind, "kind_label": label("request_kind", r.kind),
            "direction": r.direction, "direction_label": label("direction", r.direction), "status": r.status,
            "status_label": r.status_label, "requesting_state": r.requesting_state,
            "requesting_state_name": state_name(r.requesting_state), "requested_state": r.requested_state,
            "requested_state_name": state_name(r.requested_state)}


def _entity_out(e) -> dict:
    return {"id": f"comity-{e.ftm_id}", "schema": e.schema, "caption": e.caption, "role": e.role,
            "properties": e.properties}


def _request_out(r: CooperationRequest, user) -> dict:
    from django.utils import timezone

    from comity.vocabulary import label

    today = timezone.localdate()
    deadlines = Deadline.objects.filter(request=r).select_related("request", "case")
    return {**_brief(r), "case_id": r.case_id, "subject": r.subject, "notice_action": r.notice_action,
            "urgency": r.urgency, "urgency_reason": r.urgency_reason, "legal_basis": r.legal_basis,
            "legal_basis_instrument": r.legal_basis_instrument, "requesting_authority": r.requesting_authority,
            "requested_authority": r.requested_authority, "urgency_label": label("urgency", r.urgency),
            "next_steps": actions.available_transitions(r, user),
            "deadlines": [_deadline_out(d, today) for d in deadlines]}


# --- endpoints -------------------------------------------------------------------------------------

CASE_SORTS = {"updated": "updated_at", "created": "created_at", "reference": "reference", "title": "title"}


@cases_api.router.get("/cases", response={200: Page[CaseOut], **errors(422)}, tags=["cases"],
         summary="Cases you are a member of, filtered, sorted, a page at a time")
def list_cases(request, state: Literal["", "open", "closed"] = "",
               kind: Literal["", "mla", "extradition", "transfer", "asset_recovery", "notice"] = "",
               country: str = Query("", description="ISO 3166 alpha-2 code of a requesting or requested State"),
               status: str = Query("", description="A request status: the case has a request in it"),
               q: str = Query("", max_length=200, description="Words in the reference or title"),
               sort: str = Query("-updated", description=sort_description(CASE_SORTS, "-updated")),
               cursor: str | None = Query(None, description=CURSOR_DOC),
               limit: int = Query(50, description=LIMIT_DOC)):
    qs = Case.objects.visible_to(request.user)
    if state:
        qs = qs.filter(state=state)
    f = Q()
    if kind:
        f &= Q(kind=kind)
    if country:
        f &= Q(requesting_state=country.upper()) | Q(requested_state=country.upper())
    if status:
        f &= Q(status=status)
    if f:
        qs = qs.filter(pk__in=CooperationRequest.objects.filter(f).values("case_id"))
    if q:
        qs = qs.filter(Q(reference__icontains=q) | Q(title__icontains=q))
    return page_of(qs.prefetch_related("requests"), sort=sort, sorts=CASE_SORTS, default="-updated",
                   cursor=cursor, limit=limit, serialize=_case_out,
                   on_page=lambda cases: reads.log_list(request.user, what="case_list", cases=cases, via="api"))


@cases_api.router.post("/cases", response={201: CaseOut, **errors(403, 422)}, tags=["cases"],
          summary="Open a case; you become its first member")
def create_case(request, payload: CaseIn):
    case = actions.do_create_case(title=payload.title, summary=payload.summary, acting_user=_writer(request),
                                  via="api")
    return Status(201, _case_out(case))


@cases_api.router.get("/cases/{case_id}", response={200: CaseDetailOut, **errors(404, 422)}, tags=["cases"],
         summary="A case with its requests, parties, deadlines, documents and tasks (the read is logged)")
def get_case(request, response: HttpResponse, case_id: int, purpose: str | None = None):
    from django.utils import timezone

    from comity.api.cases_api import case_etag_fields

    case, _ = _read_case(request, case_id, purpose, what="case_view")
    case = Case.objects.prefetch_related(
        "requests", "entities", "documents", "tasks", Prefetch("memberships__user"),
        Prefetch("deadlines", queryset=Deadline.objects.filter(status="open").select_related("request", "case")),
    ).get(pk=case.pk)
    today = timezone.localdate()
    set_etag(response, case_etag_fields(case))  # If-Match of update_case, close_case, reopen_case
    return {**_case_out(case), "entities": [_entity_out(e) for e in case.entities.all()],
            "deadlines": [_deadline_out(d, today) for d in case.deadlines.all()],
            "documents": [{"id": d.pk, "title": d.title, "filename": d.filename, "sha256": d.sha256, "size": d.size}
                          for d in case.documents.all()],
            "tasks": [{"id": t.pk, "title": t.title, "due": t.due, "done": t.done_at is not None}
                      for t in case.tasks.all()],
            "members": [m.user.username for m in case.memberships.all() if m.revoked_at is None]}


@cases_api.router.post("/cases/{case_id}/members", response={201: DetailOut, **errors(403, 404, 422)},
          tags=["cases"],
          summary="Give a colleague access to the case (they become a member)")
def grant_member(request, case_id: int, payload: MemberIn):
    case = _member_case(request, case_id)
    user = User.objects.filter(username=payload.username).first()
    if user is None:
        raise InvalidInput({"username": f"no account named {payload.username!r}"})
    actions.do_grant_membership(case, user, acting_user=_writer(request), via="api")
    return Status(201, {"detail": f"{user.username} may now see {case.reference}."})


@cases_api.router.delete("/cases/{case_id}/members/{username}", response={200: DetailOut, **errors(403, 404, 422)},
            tags=["cases"],
          summary="Take a member's access to the case away")
def revoke_member(request, case_id: int, username: str):
    case = _member_case(request, case_id)
    user = User.objects.filter(username=username).first()
    if user is None:
        raise InvalidInput({"username": f"no account named {username!r}"})
    actions.do_revoke_membership(case, user, acting_user=_writer(request), via="api")
    return Status(200, {"detail": f"{user.username} may no longer see {case.reference}."})


@cases_api.router.post("/cases/{case_id}/requests", response={201: RequestOut, **errors(403, 404, 422)},
          tags=["requests"],
          summary="Create a request for cooperation in the case (incoming or outgoing)")
def create_request(request, case_id: int, payload: RequestIn):
    case = _member_case(request, case_id)
    req = actions.do_create_request(case, acting_user=_writer(request), via="api", **payload.dict())
    return Status(201, _request_out(req, request.user))


_member_request = member_request
_read_request = read_request


@requests_api.router.get("/requests/{request_id}", response={200: RequestOut, **errors(404, 422)}, tags=["requests"],
         summary="A request with its next steps and deadlines (the read is logged)")
def get_request(request, response: HttpResponse, request_id: int, purpose: str | None = None):
    from comity.api.requests_api import request_etag_fields

    req = _read_request(request, request_id, purpose, what="request_view")
    set_etag(response, request_etag_fields(req))  # If-Match of update_request
    return _request_out(req, request.user)


@requests_api.router.post("/requests/{request_id}/transitions", response={201: TransitionOut, **errors(403, 404, 422)},
          tags=["requests"],
          summary="Take a next step in the request's lifecycle")
def transition_request(request, request_id: int, payload: TransitionIn):
    from django.utils import timezone

    req = _member_request(request, request_id)
    step = actions.do_transition_request(req, payload.transition, acting_user=_writer(request),
                                         comment=payload.comment, effective_date=payload.effective_date,
                                         override_reason=payload.override_reason, via="api")
    today = timezone.localdate()
    return Status(201, {"request": req.reference, "from_status": step.from_status, "to_status": step.to_status,
                 "effective_date": step.effective_date,
                 "clocks_started": [_deadline_out(d, today) for d in step.deadlines.select_related("request", "case")]})


@requests_api.router.post("/requests/{request_id}/links", response={201: DetailOut, **errors(403, 404, 422)},
          tags=["requests"],
          summary="Link the request to another of your requests (builds on, follows up, related)")
def link_request(request, request_id: int, payload: LinkIn):
    req = _member_request(request, request_id)
    other = CooperationRequest.objects.select_related("case").filter(reference=payload.to_request).first()
    if other is None or not actions.is_member(other.case, request.user):
        raise InvalidInput({"to_request": "no request with that reference in your cases"})
    actions.do_link_requests(req, other, relation=payload.relation, acting_user=_writer(request), via="api")
    return Status(201, {"detail": f"{req.reference} {payload.relation} {other.reference}"})


@cases_api.router.post("/cases/{case_id}/entities", response={201: EntityOut, **errors(403, 404, 422)},
          tags=["cases"],
          summary="Add a party to the case: a person, company, account… as a FollowTheMoney entity")
def add_entity(request, case_id: int, payload: EntityIn):
    case = _member_case(request, case_id)
    e = actions.do_add_entity(case, schema=payload.schema_, properties=payload.properties, role=payload.role,
                              acting_user=_writer(request), via="api")
    return Status(201, _entity_out(e))


@cases_api.router.get("/cases/{case_id}/entities.ftm", response=errors(404, 422), tags=["cases"],
         summary="The case's entities as FollowTheMoney JSON lines",
         openapi_extra=content("application/x-ndjson", "One FollowTheMoney entity (JSON) per line"))
def export_entities(request, case_id: int, purpose: str | None = None):
    case, _ = _read_case(request, case_id, purpose, what="entities_export")
    lines = (json.dumps(e.to_ftm(), ensure_ascii=False) + "\n" for e in case.entities.all())
    return StreamingHttpResponse(lines, content_type="application/x-ndjson")


@cases_api.router.post("/cases/{case_id}/notes", response={201: DetailOut, **errors(403, 404, 422)},
          tags=["cases"],
          summary="Add a note to the case")
def add_note(request, case_id: int, payload: NoteIn):
    case = _member_case(request, case_id)
    actions.do_add_note(case, text=payload.text, acting_user=_writer(request), via="api")
    return Status(201, {"detail": "Note added."})


@cases_api.router.post("/cases/{case_id}/tasks", response={201: TaskOut, **errors(403, 404, 422)},
          tags=["cases"],
          summary="Add a task to the case, assigned to you, with an optional due date")
def add_task(request, case_id: int, payload: TaskIn):
    case = _member_case(request, case_id)
    t = actions.do_add_task(case, title=payload.title, due=payload.due, assignee=request.user,
                            acting_user=_writer(request), via="api")
    return Status(201, {"id": t.pk, "title": t.title, "due": t.due, "done": False})


@cases_api.router.post("/tasks/{task_id}/complete", response={200: TaskOut, **errors(403, 404, 422)},
          tags=["cases"],
          summary="Mark a task done")
def complete_task(request, task_id: int):
    task = Task.objects.select_related("case").filter(pk=task_id).first()
    if task is None or not actions.is_member(task.case, request.user):
        raise NotFound("No such task.")
    actions.do_complete_task(task, acting_user=_writer(request), via="api")
    return Status(200, {"id": task.pk, "title": task.title, "due": task.due, "done": True})


@cases_api.router.post("/cases/{case_id}/documents", response={201: DocumentOut, **errors(403, 404, 422)},
          tags=["cases"],
          summary="Upload a document to the case (encrypted at rest; its SHA-256 is logged)")
def upload_document(request, case_id: int, file: File[UploadedFile], title: Form[str] = ""):
    case = _member_case(request, case_id)
    d = actions.do_upload_document(case, upload=file, title=title, acting_user=_writer(request), via="api")
    return Status(201, {"id": d.pk, "title": d.title, "filename": d.filename, "sha256": d.sha256, "size": d.size})


@cases_api.router.get("/cases/{case_id}/documents/{document_id}/content", response=errors(404, 409, 422), tags=["cases"],
         summary="Download a document (the download is logged)",
         openapi_extra=content("application/octet-stream", "The document as it was uploaded", binary=True))
def download_document(request, case_id: int, document_id: int, purpose: str | None = None):
    case = _case(request, case_id)
    p = reads.case_purpose(request.user, case, stated=purpose, via="api")
    doc = Document.objects.filter(case=case, pk=document_id).first()
    if doc is None:
        raise NotFound("No such document.")
    reads.log_read(request.user, case, what="document_download", purpose=p, obj=doc, via="api")
    # Always the documented octet stream: the type is not guessed from the name the uploader chose.
    return FileResponse(doc.file.open("rb"), as_attachment=True, filename=doc.filename,
                        content_type="application/octet-stream")


@requests_api.router.get("/requests/{request_id}/draft/check", response={200: dict, **errors(404, 422)}, tags=["requests"],
         summary="The request builder's report on a request's draft: missing elements with their articles, "
                 "quality findings, and the requested State's requirements (the read is logged)")
def draft_check(request, request_id: int, purpose: str | None = None):
    from comity.builder import actions as builder_actions
    from comity.builder import checks

    req = CooperationRequest.objects.select_related("case").filter(pk=request_id).first()
    if req is None:
        raise NotFound("No such request.")
    p = reads.case_purpose(request.user, req.case, stated=purpose, via="api")
    draft = getattr(req, "builder_draft", None)
    if draft is None:
        raise NotFound("This request has no draft in the request builder yet.")
    reads.log_read(request.user, req.case, what="builder_check", purpose=p, obj=req, via="api")
    found = builder_actions.findings(draft)
    requirements = checks.state_requirements(req.requested_state, draft.measure, req.legal_basis_instrument)
    return {"request": req.reference, "measure": draft.measure, "version": draft.version,
            "complete": not any(f["kind"] == "missing" for f in found), "findings": found,
            "requested_state_requirements": [r.as_dict() for r in requirements]}


class DueOut(DeadlineOut):
    type: Literal["deadline", "task"] = Field(description="A legal or practical deadline of a request, or a task")
    id: int = Field(description="The deadline's or the task's id (tasks: POST /api/tasks/{id}/complete)")


def _due_cursor(cursor: str | None) -> tuple[dt.date, int, int] | None:
    import base64
    import binascii

    if not cursor:
        return None
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        due, rank, pk = raw
        if not (isinstance(rank, int) and isinstance(pk, int)) or rank not in (0, 1):
            raise ValueError
        return dt.date.fromisoformat(due), rank, pk
    except (binascii.Error, ValueError, TypeError):
        raise InvalidInput({"cursor": "is not a cursor this list gave out; start again without `cursor`"}) from None


@api.get("/deadlines", response={200: Page[DueOut], **errors(422)}, tags=["deadlines"],
         summary="What is due across your open cases, most urgent first: open deadlines and tasks with a due date")
def list_deadlines(request, type: Literal["", "deadline", "task"] = "",
                   overdue: bool | None = Query(None, description="Only overdue items (true) or only the others"),
                   case: str = Query("", max_length=40, description="Only this case (its reference)"),
                   sort: Literal["due"] = Query("due", description="Sort key: `due` (ties: deadlines before tasks)"),
                   cursor: str | None = Query(None, description=CURSOR_DOC),
                   limit: int = Query(50, description=LIMIT_DOC)):
    """Keyset pages over two tables in one order: (due date, deadlines before tasks, id)."""
    import base64

    from django.utils import timezone

    from comity.api.paging import check_limit
    from comity.cases.models import CaseMembership

    check_limit(limit)
    today = timezone.localdate()
    after = _due_cursor(cursor)
    visible = CaseMembership.objects.filter(user=request.user, revoked_at__isnull=True).values("case_id")
    sources = []
    if type in ("", "deadline"):
        sources.append((0, Deadline.objects.filter(case__in=visible, case__state=Case.State.OPEN,
                                                   status=Deadline.Status.OPEN).select_related("case", "request")))
    if type in ("", "task"):
        sources.append((1, Task.objects.filter(case__in=visible, case__state=Case.State.OPEN, done_at__isnull=True,
                                               due__isnull=False).select_related("case", "request")))
    rows, count = [], 0
    for rank, qs in sources:
        if case:
            qs = qs.filter(case__reference=case)
        if overdue is True:
            qs = qs.filter(due__lt=today)
        elif overdue is False:
            qs = qs.filter(due__gte=today)
        count += qs.count()
        if after is not None:
            due, arank, apk = after
            later = Q(due__gt=due)
            if rank > arank:
                later |= Q(due=due)
            elif rank == arank:
                later |= Q(due=due, pk__gt=apk)
            qs = qs.filter(later)
        rows += [(x.due, rank, x.pk, x) for x in qs.order_by("due", "pk")[: limit + 1]]
    rows.sort(key=lambda r: r[:3])
    more = len(rows) > limit
    rows = rows[:limit]
    reads.log_list(request.user, what="deadline_list", cases=[r[3].case for r in rows], via="api")
    out = []
    for due, rank, pk, x in rows:
        if rank == 0:
            out.append({"type": "deadline", "id": pk, "code": x.code, "label": x.label, "due": due, "status": "open",
                        "citation": x.citation, "legal": x.legal})
        else:
            out.append({"type": "task", "id": pk, "code": "task", "label": x.title, "due": due, "status": "open",
                        "citation": "", "legal": False})
        out[-1].update({"request": x.request.reference if x.request else "", "case": x.case.reference,
                        "overdue": due < today})
    next_cursor = None
    if more and rows:
        due, rank, pk, _ = rows[-1]
        next_cursor = base64.urlsafe_b64encode(json.dumps([due.isoformat(), rank, pk]).encode()).decode().rstrip("=")
    return {"count": count, "limit": limit, "sort": sort, "next_cursor": next_cursor, "results": out}
