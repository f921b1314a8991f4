"""API operations: cases (see comity.api.common for the shared rules: compartments, scopes, lists, ETags).

The same as the case pages (comity.web.views), through the same actions (comity.cases.actions):

- a case's own record (title, summary, state) is read with an `ETag` (`GET /cases/{id}/record`); changing
  it (`PATCH /cases/{id}`), closing and reopening it need that tag in `If-Match`. Closing and reopening are for
  supervisors who are members, with a reason, as on the web; joining (`POST …/join`) is for a supervisor of
  the case's unit, or a prosecutor or supervisor of the unit asked to decide on an approval in it (anyone
  else: 404), with a reason;
- the case's parties, notes, tasks, documents and members are listed a page at a time; a party, a note or a
  task is read with its `ETag` and corrected with it (the previous values are kept in the case's history,
  `GET …/history`); a party is removed with a reason. Only a note's author corrects it;
- every read is a logged read of the case (members, or oversight users with a stated `purpose`).

The first case operations (list, create, read, members, parties, notes, tasks, documents) are still written
in comity.api.api, registered on this module's router: one path is served by one router (two routers on one
path answer 405 to each other's methods).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.db.models import Q
from django.http import HttpResponse
from ninja import Query, Router, Schema, Status
from pydantic import Field

from comity.api.common import (CURSOR_DOC, LIMIT_DOC, PURPOSE_DOC, Page, case_or_404, member_case, page_of,
                               read_case, require_match, set_etag, sort_description, writer)
from comity.api.schemas import errors, if_match
from comity.cases import actions, reads
from comity.cases.models import (Case, CaseMembership, CaseStateChange, Document, Entity, Note, Revision, Task)
from comity.errors import InvalidInput, NotFound

router = Router(tags=["cases"])




# --- schemas ---------------------------------------------------------------------------------------

class CaseRecordOut(Schema):
    id: int
    reference: str
    title: str
    summary: str
    state: str = Field(description="open or closed")
    unit: int | None = Field(description="The unit the case belongs to (its creator's when it was opened)")
    created_at: dt.datetime
    updated_at: dt.datetime
    closed_reason: str = Field(description="The reason given when it was last closed or reopened ('' if never)")


class CaseUpdateIn(Schema):
    title: str | None = Field(None, max_length=200, description="New title (left as it is when not given)")
    summary: str | None = Field(None, max_length=20000, description="New summary ('' clears it)")


class CloseIn(Schema):
    reason: str = Field(max_length=2000, description="Why the case is closed (at least 10 characters): the "
                                                     "proceedings have ended")
    confirm: bool = Field(False, description="Must be true: closing starts the retention period of the case's "
                                             "data (the web's confirmation box)")


class ReasonIn(Schema):
    reason: str = Field(max_length=2000, description="Why (at least 10 characters); recorded with the step")


class JoinIn(Schema):
    reason: str = Field(max_length=500, description="Why you join the case (at least 10 characters); recorded "
                                                    "with your membership")


class MemberOut(Schema):
    username: str
    role: str
    basis: str = Field(description="creator, granted, invited, joined or approval")
    granted_by: str
    granted_at: dt.datetime
    active: bool = Field(description="False once the membership was revoked")
    revoked_at: dt.datetime | None
    revoked_by: str | None


class MembershipOut(MemberOut):
    reason: str = Field(description="The reason stated when joining ('' otherwise)")


class RevisionOut(Schema):
    id: int
    target: str = Field(description="entity, note or task")
    target_id: int
    action: str = Field(description="corrected or removed")
    changed: list[str] = Field(description="The fields that changed")
    previous: dict = Field(description="The values before the change")
    reason: str
    actor: str
    at: dt.datetime


class StateChangeOut(Schema):
    action: str = Field(description="closed or reopened")
    reason: str
    actor: str
    at: dt.datetime


class HistoryOut(Schema):
    case_id: int
    reference: str
    revisions: list[RevisionOut] = Field(description="Corrections and removals, newest first")
    state_changes: list[StateChangeOut] = Field(description="Closing and reopening, newest first")
    memberships: list[MembershipOut] = Field(description="Who was given access, joined or removed, oldest first")


class CasePartyOut(Schema):
    id: int = Field(description="The party's id in the case (for GET, PATCH and DELETE)")
    ftm_id: str = Field(description="The FollowTheMoney id, as in the export (`comity-…`)")
    schema_: str = Field(alias="schema", description="FollowTheMoney schema, e.g. Person, Company, BankAccount")
    caption: str
    role: str
    properties: dict[str, list[str]]
    created_at: dt.datetime
    corrected_at: dt.datetime | None


class CasePartyUpdateIn(Schema):
    properties: dict[str, list[str] | str | None] = Field(default_factory=dict, description=(
        "The properties to change, by FollowTheMoney name: a value replaces the current one, an empty value "
        "(\"\", [] or null) removes the property; properties not named stay as they are"))
    role: str | None = Field(None, max_length=100, description="New role in the case (left as it is when not "
                                                               "given)")
    reason: str = Field("", max_length=2000, description="Reason for the correction (optional)")


class RemoveIn(Schema):
    reason: str = Field(max_length=2000, description="Why the party is removed (at least 10 characters)")
    confirm: bool = Field(False, description="Must be true (the web's confirmation box): what the party held is "
                                             "kept in the case's history until disposal")


class RemovedOut(Schema):
    detail: str
    revision: int = Field(description="The history entry that keeps what the party held")


class NoteOut(Schema):
    id: int
    text: str
    author: str
    request: str | None = Field(description="Reference of the request the note is about, if any")
    created_at: dt.datetime
    corrected_at: dt.datetime | None


class NoteUpdateIn(Schema):
    text: str = Field(max_length=20000, description="The corrected text")
    reason: str = Field("", max_length=2000, description="Reason for the correction (optional)")


class TaskItemOut(Schema):
    id: int
    title: str
    due: dt.date | None
    done: bool
    done_at: dt.datetime | None
    assignee: str | None
    request: str | None
    created_at: dt.datetime
    corrected_at: dt.datetime | None


class TaskUpdateIn(Schema):
    title: str | None = Field(None, max_length=200, description="New title (left as it is when not given)")
    due: dt.date | None = Field(None, description="New due date; null clears it; left as it is when not given")
    reason: str = Field("", max_length=2000, description="Reason for the correction (optional)")


class DocumentItemOut(Schema):
    id: int
    title: str
    filename: str
    content_type: str
    sha256: str
    size: int
    request: str | None
    uploaded_by: str
    uploaded_at: dt.datetime


# --- helpers ---------------------------------------------------------------------------------------

def case_etag_fields(case: Case) -> dict:
    """The fields of a case that its ETag covers (what update_case, close_case and reopen_case guard)."""
    return {"title": case.title, "summary": case.summary, "state": case.state}


def _case_record(case: Case) -> dict:
    last = CaseStateChange.objects.filter(case=case).first()
    return {"id": case.pk, "reference": case.reference, "title": case.title, "summary": case.summary,
            "state": case.state, "unit": case.unit_id, "created_at": case.created_at, "updated_at": case.updated_at,
            "closed_reason": last.reason if last else ""}


def _answer_case(response: HttpResponse, case: Case) -> dict:
    case = Case.objects.get(pk=case.pk)
    set_etag(response, case_etag_fields(case))
    return _case_record(case)


def _member_out(m: CaseMembership) -> dict:
    return {"username": m.user.username, "role": m.user.role, "basis": m.basis, "granted_by": m.granted_by.username,
            "granted_at": m.granted_at, "active": m.revoked_at is None, "revoked_at": m.revoked_at,
            "revoked_by": m.revoked_by.username if m.revoked_by_id else None, "reason": m.reason}


def _party_out(e: Entity) -> dict:
    return {"id": e.pk, "ftm_id": f"comity-{e.ftm_id}", "schema": e.schema, "caption": e.caption, "role": e.role,
            "properties": e.properties, "created_at": e.created_at, "corrected_at": e.corrected_at}


def _party_fields(e: Entity) -> dict:
    return {"schema": e.schema, "role": e.role, "properties": e.properties}


def _note_out(n: Note) -> dict:
    return {"id": n.pk, "text": n.text, "author": n.author.username,
            "request": n.request.reference if n.request_id else None, "created_at": n.created_at,
            "corrected_at": n.corrected_at}


def _task_out(t: Task) -> dict:
    return {"id": t.pk, "title": t.title, "due": t.due, "done": t.done_at is not None, "done_at": t.done_at,
            "assignee": t.assignee.username if t.assignee_id else None,
            "request": t.request.reference if t.request_id else None, "created_at": t.created_at,
            "corrected_at": t.corrected_at}


def _task_fields(t: Task) -> dict:
    return {"title": t.title, "due": t.due, "done": t.done_at is not None}


def _document_out(d: Document) -> dict:
    return {"id": d.pk, "title": d.title, "filename": d.filename, "content_type": d.content_type, "sha256": d.sha256,
            "size": d.size, "request": d.request.reference if d.request_id else None,
            "uploaded_by": d.uploaded_by.username, "uploaded_at": d.uploaded_at}


def _read_in_case(request, case_id: int, purpose: str | None) -> tuple[Case, str]:
    """The compartment rule without logging yet (the object read is found afterwards)."""
    case = case_or_404(case_id)
    return case, reads.case_purpose(request.user, case, stated=purpose, via="api")


def _read_object(request, case_id: int, purpose: str | None, model, pk: int, *, what: str, label: str,
                 related: tuple = ()):
    """One object of a case under the read rule, its read logged as `what` (404 naming `label` otherwise)."""
    case, p = _read_in_case(request, case_id, purpose)
    obj = model.objects.select_related(*related).filter(case=case, pk=pk).first()
    if obj is None:
        raise NotFound(f"No such {label}.")
    reads.log_read(request.user, case, what=what, purpose=p, obj=obj, via="api")
    return obj


def _member_object(request, case_id: int, model, pk: int, what: str):
    case = member_case(request, case_id)
    obj = model.objects.filter(case=case, pk=pk).first()
    if obj is None:
        raise NotFound(f"No such {what}.")
    return case, obj


# --- the case itself -------------------------------------------------------------------------------

@router.get("/cases/{case_id}/record", response={200: CaseRecordOut, **errors(404, 422)},
            summary="A case's own record (title, summary, state) with the ETag that changing, closing or reopening "
                    "it needs (the read is logged)")
def get_case_record(request, response: HttpResponse, case_id: int,
                    purpose: str | None = Query(None, description=PURPOSE_DOC)):
    case, _ = read_case(request, case_id, purpose, what="case_view")
    return _answer_case(response, case)


@router.patch("/cases/{case_id}", response={200: CaseRecordOut, **errors(403, 404, 422)}, tags=["cases"],
                   summary="Change a case's title or summary (send the ETag of GET /api/cases/{case_id}/record)",
                   openapi_extra=if_match())
def update_case(request, response: HttpResponse, case_id: int, payload: CaseUpdateIn):
    case = member_case(request, case_id)
    user = writer(request)
    require_match(request, case_etag_fields(case), what="case")
    if payload.title is None and payload.summary is None:
        raise InvalidInput({"body": "give title or summary (or both)"})
    actions.do_update_case(case, title=payload.title, summary=payload.summary, acting_user=user, via="api")
    return _answer_case(response, case)


@router.post("/cases/{case_id}/close", response={200: CaseRecordOut, **errors(403, 404, 422)},
             summary="Close a case whose proceedings have ended (supervisors; starts the retention period)",
             openapi_extra=if_match())
def close_case(request, response: HttpResponse, case_id: int, payload: CloseIn):
    case = member_case(request, case_id)
    user = writer(request)
    require_match(request, case_etag_fields(case), what="case")
    if not payload.confirm:
        raise InvalidInput({"confirm": "must be true to confirm that the case is to be closed"})
    actions.do_close_case(case, reason=payload.reason, acting_user=user, via="api")
    return _answer_case(response, case)


@router.post("/cases/{case_id}/reopen", response={200: CaseRecordOut, **errors(403, 404, 422)},
             summary="Reopen a closed case (supervisors), with a reason", openapi_extra=if_match())
def reopen_case(request, response: HttpResponse, case_id: int, payload: ReasonIn):
    case = member_case(request, case_id)
    user = writer(request)
    require_match(request, case_etag_fields(case), what="case")
    actions.do_reopen_case(case, reason=payload.reason, acting_user=user, via="api")
    return _answer_case(response, case)


@router.post("/cases/{case_id}/join", response={201: MemberOut, **errors(403, 404, 422)},
             summary="Join a case of your unit as its supervisor, or to decide on an approval asked in it, "
                     "stating why")
def join_case(request, case_id: int, payload: JoinIn):
    user = writer(request)
    case = case_or_404(case_id)
    m = actions.do_join_case(case, reason=payload.reason, acting_user=user, via="api")
    m = CaseMembership.objects.select_related("user", "granted_by", "revoked_by").get(pk=m.pk)
    return Status(201, _member_out(m))


@router.get("/cases/{case_id}/history", response={200: HistoryOut, **errors(404, 422)},
            summary="Corrections and removals in a case with the values before each change, closing and "
                    "reopening, and memberships (the read is logged)")
def get_case_history(request, case_id: int, purpose: str | None = Query(None, description=PURPOSE_DOC)):
    case, _ = read_case(request, case_id, purpose, what="case_history")
    revisions = Revision.objects.filter(case=case).select_related("actor")
    changes = CaseStateChange.objects.filter(case=case).select_related("actor")
    joined = CaseMembership.objects.filter(case=case).select_related("user", "granted_by", "revoked_by").order_by(
        "granted_at", "id")
    return {"case_id": case.pk, "reference": case.reference,
            "revisions": [{"id": r.pk, "target": r.target, "target_id": r.target_id, "action": r.action,
                           "changed": list(r.changed or []), "previous": r.previous or {}, "reason": r.reason,
                           "actor": r.actor.username, "at": r.at} for r in revisions],
            "state_changes": [{"action": c.action, "reason": c.reason, "actor": c.actor.username, "at": c.at}
                              for c in changes],
            "memberships": [_member_out(m) for m in joined]}


MEMBER_SORTS = {"granted": "granted_at", "username": "user__username"}


@router.get("/cases/{case_id}/members", response={200: Page[MemberOut], **errors(404, 422)}, tags=["cases"],
                 summary="Who may see a case (and who could), a page at a time (the read is logged)")
def list_members(request, case_id: int, purpose: str | None = Query(None, description=PURPOSE_DOC),
                 status: Literal["", "active", "revoked"] = Query("", description="active or revoked members only"),
                 sort: str = Query("granted", description=sort_description(MEMBER_SORTS, "granted")),
                 cursor: str | None = Query(None, description=CURSOR_DOC),
                 limit: int = Query(50, description=LIMIT_DOC)):
    case, _ = read_case(request, case_id, purpose, what="member_list")
    qs = CaseMembership.objects.filter(case=case).select_related("user", "granted_by", "revoked_by")
    if status:
        qs = qs.filter(revoked_at__isnull=status == "active")
    return page_of(qs, sort=sort, sorts=MEMBER_SORTS, default="granted", cursor=cursor, limit=limit,
                   serialize=_member_out)


# --- parties ---------------------------------------------------------------------------------------

PARTY_SORTS = {"caption": "caption", "schema": "schema", "created": "created_at"}


@router.get("/cases/{case_id}/entities", response={200: Page[CasePartyOut], **errors(404, 422)}, tags=["cases"],
                 summary="The parties of a case (persons, companies, accounts…), a page at a time (the read is "
                         "logged)")
def list_entities(request, case_id: int, purpose: str | None = Query(None, description=PURPOSE_DOC),
                  schema: str = Query("", max_length=30, description="Only this FollowTheMoney schema, e.g. Person"),
                  role: str = Query("", max_length=100, description="Only parties with this role"),
                  q: str = Query("", max_length=200, description="Words in the party's caption"),
                  sort: str = Query("caption", description=sort_description(PARTY_SORTS, "caption")),
                  cursor: str | None = Query(None, description=CURSOR_DOC),
                  limit: int = Query(50, description=LIMIT_DOC)):
    case, _ = read_case(request, case_id, purpose, what="entity_list")
    qs = Entity.objects.filter(case=case)
    if schema:
        qs = qs.filter(schema=schema)
    if role:
        qs = qs.filter(role__iexact=role)
    if q:
        qs = qs.filter(caption__icontains=q)
    return page_of(qs, sort=sort, sorts=PARTY_SORTS, default="caption", cursor=cursor, limit=limit,
                   serialize=_party_out)


@router.get("/cases/{case_id}/entities/{entity_id}", response={200: CasePartyOut, **errors(404, 422)},
            summary="One party of a case with the ETag that correcting or removing it needs (the read is logged)")
def get_entity(request, response: HttpResponse, case_id: int, entity_id: int,
               purpose: str | None = Query(None, description=PURPOSE_DOC)):
    entity = _read_object(request, case_id, purpose, Entity, entity_id, what="entity_view", label="party")
    set_etag(response, _party_fields(entity))
    return _party_out(entity)


@router.patch("/cases/{case_id}/entities/{entity_id}", response={200: CasePartyOut, **errors(403, 404, 422)},
              summary="Correct a party's details (the previous values are kept in the case's history)",
              openapi_extra=if_match())
def update_entity(request, response: HttpResponse, case_id: int, entity_id: int, payload: CasePartyUpdateIn):
    _, entity = _member_object(request, case_id, Entity, entity_id, "party")
    user = writer(request)
    require_match(request, _party_fields(entity), what="party")
    entity = actions.do_correct_entity(entity, properties=payload.properties, role=payload.role,
                                       reason=payload.reason, acting_user=user, via="api")
    set_etag(response, _party_fields(entity))
    return _party_out(entity)


@router.delete("/cases/{case_id}/entities/{entity_id}", response={200: RemovedOut, **errors(403, 404, 422)},
               summary="Remove a party recorded by mistake, with a reason (what it held stays in the case's "
                       "history until disposal)", openapi_extra=if_match())
def remove_entity(request, case_id: int, entity_id: int, payload: RemoveIn):
    _, entity = _member_object(request, case_id, Entity, entity_id, "party")
    user = writer(request)
    require_match(request, _party_fields(entity), what="party")
    if not payload.confirm:
        raise InvalidInput({"confirm": "must be true to confirm the removal"})
    rev = actions.do_remove_entity(entity, reason=payload.reason, acting_user=user, via="api")
    return {"detail": "Party removed. What it held is kept in the case's history until disposal.",
            "revision": rev.pk}


# --- notes -----------------------------------------------------------------------------------------

NOTE_SORTS = {"created": "created_at"}


@router.get("/cases/{case_id}/notes", response={200: Page[NoteOut], **errors(404, 422)}, tags=["cases"],
                 summary="The notes of a case, newest first, a page at a time (the read is logged)")
def list_notes(request, case_id: int, purpose: str | None = Query(None, description=PURPOSE_DOC),
               author: str = Query("", max_length=150, description="Only notes by this username"),
               q: str = Query("", max_length=200, description="Words in the note"),
               sort: str = Query("-created", description=sort_description(NOTE_SORTS, "-created")),
               cursor: str | None = Query(None, description=CURSOR_DOC),
               limit: int = Query(50, description=LIMIT_DOC)):
    case, _ = read_case(request, case_id, purpose, what="note_list")
    qs = Note.objects.filter(case=case).select_related("author", "request")
    if author:
        qs = qs.filter(author__username=author)
    if q:
        qs = qs.filter(text__icontains=q)
    return page_of(qs, sort=sort, sorts=NOTE_SORTS, default="-created", cursor=cursor, limit=limit,
                   serialize=_note_out)


@router.get("/cases/{case_id}/notes/{note_id}", response={200: NoteOut, **errors(404, 422)},
            summary="One note with the ETag that correcting it needs (the read is logged)")
def get_note(request, response: HttpResponse, case_id: int, note_id: int,
             purpose: str | None = Query(None, description=PURPOSE_DOC)):
    note = _read_object(request, case_id, purpose, Note, note_id, what="note_view", label="note",
                        related=("author", "request"))
    set_etag(response, {"text": note.text})
    return _note_out(note)


@router.patch("/cases/{case_id}/notes/{note_id}", response={200: NoteOut, **errors(403, 404, 422)},
              summary="Correct a note you wrote (the previous text is kept in the case's history)",
              openapi_extra=if_match())
def correct_note(request, response: HttpResponse, case_id: int, note_id: int, payload: NoteUpdateIn):
    _, note = _member_object(request, case_id, Note, note_id, "note")
    user = writer(request)
    require_match(request, {"text": note.text}, what="note")
    note = actions.do_correct_note(note, text=payload.text, reason=payload.reason, acting_user=user, via="api")
    set_etag(response, {"text": note.text})
    return _note_out(note)


# --- tasks -----------------------------------------------------------------------------------------

TASK_SORTS = {"created": "created_at", "title": "title"}


@router.get("/cases/{case_id}/tasks", response={200: Page[TaskItemOut], **errors(404, 422)}, tags=["cases"],
                 summary="The tasks of a case, a page at a time (the read is logged)")
def list_tasks(request, case_id: int, purpose: str | None = Query(None, description=PURPOSE_DOC),
               status: Literal["", "open", "done"] = Query("", description="open or done tasks only"),
               assignee: str = Query("", max_length=150, description="Only tasks assigned to this username"),
               sort: str = Query("created", description=sort_description(TASK_SORTS, "created")),
               cursor: str | None = Query(None, description=CURSOR_DOC),
               limit: int = Query(50, description=LIMIT_DOC)):
    case, _ = read_case(request, case_id, purpose, what="task_list")
    qs = Task.objects.filter(case=case).select_related("assignee", "request")
    if status:
        qs = qs.filter(done_at__isnull=status == "open")
    if assignee:
        qs = qs.filter(assignee__username=assignee)
    return page_of(qs, sort=sort, sorts=TASK_SORTS, default="created", cursor=cursor, limit=limit,
                   serialize=_task_out)


@router.get("/cases/{case_id}/tasks/{task_id}", response={200: TaskItemOut, **errors(404, 422)},
            summary="One task with the ETag that correcting it needs (the read is logged)")
def get_task(request, response: HttpResponse, case_id: int, task_id: int,
             purpose: str | None = Query(None, description=PURPOSE_DOC)):
    task = _read_object(request, case_id, purpose, Task, task_id, what="task_view", label="task",
                        related=("assignee", "request"))
    set_etag(response, _task_fields(task))
    return _task_out(task)


@router.patch("/cases/{case_id}/tasks/{task_id}", response={200: TaskItemOut, **errors(403, 404, 422)},
              summary="Correct a task's title or due date (the previous values are kept in the case's history)",
              openapi_extra=if_match())
def correct_task(request, response: HttpResponse, case_id: int, task_id: int, payload: TaskUpdateIn):
    _, task = _member_object(request, case_id, Task, task_id, "task")
    user = writer(request)
    require_match(request, _task_fields(task), what="task")
    given = payload.model_fields_set
    if not given & {"title", "due"}:
        raise InvalidInput({"body": "give title or due (or both)"})
    kwargs = {"title": payload.title}
    if "due" in given:
        kwargs["due"] = payload.due
    task = actions.do_correct_task(task, reason=payload.reason, acting_user=user, via="api", **kwargs)
    task = Task.objects.select_related("assignee", "request").get(pk=task.pk)
    set_etag(response, _task_fields(task))
    return _task_out(task)


# --- documents -------------------------------------------------------------------------------------

DOCUMENT_SORTS = {"uploaded": "uploaded_at", "title": "title", "filename": "filename"}


@router.get("/cases/{case_id}/documents", response={200: Page[DocumentItemOut], **errors(404, 422)},
                 tags=["cases"], summary="The documents of a case, newest first, a page at a time (the read is "
                                         "logged; download each with GET …/documents/{id}/content)")
def list_documents(request, case_id: int, purpose: str | None = Query(None, description=PURPOSE_DOC),
                   q: str = Query("", max_length=200, description="Words in the title or file name"),
                   request_reference: str = Query("", max_length=40,
                                                  description="Only documents of this request (its reference)"),
                   sort: str = Query("-uploaded", description=sort_description(DOCUMENT_SORTS, "-uploaded")),
                   cursor: str | None = Query(None, description=CURSOR_DOC),
                   limit: int = Query(50, description=LIMIT_DOC)):
    case, _ = read_case(request, case_id, purpose, what="document_list")
    qs = Document.objects.filter(case=case).select_related("uploaded_by", "request")
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(filename__icontains=q))
    if request_reference:
        qs = qs.filter(request__reference=request_reference)
    return page_of(qs, sort=sort, sorts=DOCUMENT_SORTS, default="-uploaded", cursor=cursor, limit=limit,
                   serialize=_document_out)

