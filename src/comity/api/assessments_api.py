"""API operations: saved assessments and the law tools of the assessment pages (see comity.api.common for the
shared rules: compartments, scopes, lists, ETags). The same as comity.assessments.views, through the same
actions (comity.assessments.actions):

- an assessment of a request is saved by a member of its case (`POST /requests/{id}/assessments`, the facts in
  the body as `comity assess` reads them); saved assessments are read by members, and by oversight users who
  state a `purpose`; each read is logged (`access.assessment_view`), as on the web. A snapshot is never
  edited: a new assessment is a new snapshot, so there is nothing to guard with If-Match;
- a memo (PDF or Word) is rendered and stored in the case by a member (`POST …/memos`, streamed back), and the
  stored memo downloaded by whoever may read the case (`GET …/memos/{format}`, logged `access.memo_download`);
- the exposure view and the Red Notice check are public on the web and here (no token): the facts are typed in,
  nothing is stored and nothing is logged. `POST /api/assess` answers any other question on facts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import FileResponse
from ninja import Path, Query, Router, Schema, Status
from pydantic import BaseModel, ConfigDict, Field

from comity.api.common import (CURSOR_DOC, LIMIT_DOC, PURPOSE_DOC, Page, member_request, page_of, read_request,
                               sort_description, writer)
from comity.api.schemas import errors
from comity.assessments import actions
from comity.assessments.models import AssessmentSnapshot
from comity.cases import reads
from comity.cases.access import MEMBER_PURPOSE
from comity.cases.actions import is_member
from comity.errors import InvalidInput, NotFound

router = Router(tags=["assessments"])

MEMO_TYPES = {"pdf": "application/pdf",
              "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
FACTS_DOC = ("The facts, as `comity assess` reads them (`comity assess --vocabulary` lists every field and code): "
             "kind, requesting_state, requested_state, date, purpose, person, offences, …")


# --- schemas ---------------------------------------------------------------------------------------

class AssessmentBrief(Schema):
    id: int
    case_id: int
    case: str = Field(description="The case's reference")
    request_id: int | None
    request: str | None = Field(description="The request's reference")
    kind: str = Field(description="The question: extradition, mla, red_notice or transfer")
    outcome: str = Field(description="The outcome code, e.g. no_bar, optional_bar, mandatory_bar, no_legal_basis")
    outcome_label: str
    rules_version: str = Field(description="The rule set and law data it was made with (to reproduce it)")
    created_by: str
    created_at: dt.datetime
    memos: list[str] = Field(description="Formats of the memos stored in the case (pdf, docx)")


class AssessmentOut(AssessmentBrief):
    facts: dict[str, Any] = Field(description="The facts assessed, as given")
    facts_in_words: list[dict] = Field(description="The facts as the memo prints them: {label, lines}")
    result: dict[str, Any] = Field(description="The assessment as `comity assess --json` gives it: legal basis, "
                                               "grounds with their articles, outcome, clocks, what it rests on")
    advisory: str


class FactsIn(BaseModel):  # pydantic's own model: ninja's Schema would drop the fields it does not declare
    """The facts as `comity assess` reads them (any other field is passed on to the engine, which checks it and
    names each field it refuses)."""
    model_config = ConfigDict(extra="allow")

    def facts(self) -> dict:
        return self.model_dump(exclude_unset=True)


class AssessmentFactsIn(FactsIn):
    kind: Literal["extradition", "mla", "red_notice", "transfer"] = Field(description="The question asked")


class ExposureFactsIn(FactsIn):
    requesting_state: str = Field(description="ISO 3166-1 alpha-2 code of the State that wants the person")


class RedNoticeFactsIn(FactsIn):
    kind: Literal["red_notice"] = "red_notice"
    requesting_state: str = Field(description="ISO 3166-1 alpha-2 code of the State whose National Central "
                                              "Bureau asks for the notice")

    def facts(self) -> dict:
        return {**super().facts(), "kind": "red_notice"}


class MemoIn(Schema):
    format: Literal["pdf", "docx"]


class ExposureGround(Schema):
    code: str
    label: str
    mandatory: bool = Field(description="A mandatory ground (the State must refuse); otherwise optional")


class ExposureRow(Schema):
    state: str = Field(description="ISO 3166-1 alpha-2 code of the State asked to surrender")
    name: str
    outcome: str
    exposure: Literal["likely", "maybe", "barred", "none"]
    words: str
    grounds: list[ExposureGround] = Field(description="The grounds to refuse that apply")
    basis: list[str] = Field(description="The instruments surrender could rest on")


class ExposureOut(Schema):
    wanted_by: str
    counts: dict[str, int] = Field(description="How many States fall in each exposure class")
    states: list[ExposureRow]
    advisory: str


# --- helpers ---------------------------------------------------------------------------------------

def _advisory() -> str:
    from comity.assessments.views import ADVISORY

    return ADVISORY


def _brief(s: AssessmentSnapshot) -> dict:
    return {"id": s.pk, "case_id": s.case_id, "case": s.case.reference, "request_id": s.request_id,
            "request": s.request.reference if s.request_id else None, "kind": s.kind, "outcome": s.outcome,
            "outcome_label": str((s.result or {}).get("outcome_label") or s.outcome),
            "rules_version": s.rules_version, "created_by": s.created_by.username, "created_at": s.created_at,
            "memos": [f for f in ("pdf", "docx") if getattr(s, f"memo_{f}_id")]}


def _out(s: AssessmentSnapshot) -> dict:
    from comity.assessments.memo import facts_rows

    return {**_brief(s), "facts": s.facts, "facts_in_words": facts_rows(s.facts), "result": s.result,
            "advisory": _advisory()}


def _facts_named(e: InvalidInput) -> InvalidInput:
    """Errors of the engine (`facts.<field>`) named as the caller sent them: the body is the facts."""
    return InvalidInput({(k.removeprefix("facts.") or "body"): v for k, v in e.errors.items()})


def _snapshot_read(request, assessment_id: int, purpose: str | None, *, what: str | None) -> tuple[
        AssessmentSnapshot, str]:
    """The one read rule on a saved assessment (members; oversight with a stated purpose); `what` logs it."""
    snap = AssessmentSnapshot.objects.select_related("case", "request", "created_by").filter(pk=assessment_id).first()
    if snap is None:
        raise NotFound("No such assessment.")
    try:
        p = reads.case_purpose(request.user, snap.case, stated=purpose, via="api")
    except NotFound:
        raise NotFound("No such assessment.") from None
    if what:
        reads.log_read(request.user, snap.case, what=what, purpose=p, obj=snap, via="api")
    return snap, p


def _memo_doc() -> dict:
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {media: binary for media in MEMO_TYPES.values()}


def _file(doc, fmt: str, status: int) -> FileResponse:
    stored = doc.file.open("rb")  # authenticated whole before anything is sent (409 when it does not verify)
    response = FileResponse(stored, as_attachment=True, filename=doc.filename, content_type=MEMO_TYPES[fmt],
                            status=status)
    response["Content-Location"] = f"/api/cases/{doc.case_id}/documents/{doc.pk}/content"
    return response


# --- saved assessments -----------------------------------------------------------------------------

ASSESSMENT_SORTS = {"created": "created_at", "outcome": "outcome", "kind": "kind"}


@router.post("/requests/{request_id}/assessments", response={201: AssessmentOut, **errors(403, 404, 422)},
             openapi_extra={"requestBody": {"description": FACTS_DOC}},
             summary="Assess a request on the facts given and save the result, dated, in the case (advisory, "
                     "never a decision)")
def create_assessment(request, request_id: int, payload: AssessmentFactsIn):
    req = member_request(request, request_id)
    user = writer(request)
    try:
        snap = actions.do_save_assessment(req, facts=payload.facts(), acting_user=user, via="api")
    except InvalidInput as e:
        raise _facts_named(e) from None
    snap = AssessmentSnapshot.objects.select_related("case", "request", "created_by").get(pk=snap.pk)
    return Status(201, _out(snap))


@router.get("/requests/{request_id}/assessments", response={200: Page[AssessmentBrief], **errors(404, 422)},
            summary="The assessments saved for a request, newest first (the read is logged)")
def list_assessments(request, request_id: int, purpose: str | None = Query(None, description=PURPOSE_DOC),
                     kind: Literal["", "extradition", "mla", "red_notice", "transfer"] = "",
                     outcome: str = Query("", max_length=40, description="Only this outcome code, e.g. optional_bar"),
                     sort: str = Query("-created", description=sort_description(ASSESSMENT_SORTS, "-created")),
                     cursor: str | None = Query(None, description=CURSOR_DOC),
                     limit: int = Query(50, description=LIMIT_DOC)):
    req = read_request(request, request_id, purpose, what="assessment_view")
    qs = AssessmentSnapshot.objects.filter(request=req).select_related("case", "request", "created_by")
    if kind:
        qs = qs.filter(kind=kind)
    if outcome:
        qs = qs.filter(outcome=outcome)
    return page_of(qs, sort=sort, sorts=ASSESSMENT_SORTS, default="-created", cursor=cursor, limit=limit,
                   serialize=_brief)


@router.get("/assessments/{assessment_id}", response={200: AssessmentOut, **errors(404, 422)},
            summary="A saved assessment: the facts, the result with its grounds and articles, the rule set "
                    "(the read is logged)")
def get_assessment(request, assessment_id: int, purpose: str | None = Query(None, description=PURPOSE_DOC)):
    snap, _ = _snapshot_read(request, assessment_id, purpose, what="assessment_view")
    return _out(snap)


@router.post("/assessments/{assessment_id}/memos", response=errors(403, 404, 409, 422),
             openapi_extra={"responses": {201: {"description": "The memo, as stored in the case; "
                                                               "`Content-Location` names it in the case's documents",
                                                "content": _memo_doc()}}},
             summary="Write the assessment's memo as PDF or Word, store it in the case and download it")
def export_memo(request, assessment_id: int, payload: MemoIn):
    snap = AssessmentSnapshot.objects.select_related("case", "request", "created_by").filter(pk=assessment_id).first()
    if snap is None or not is_member(snap.case, request.user):
        raise NotFound("No such assessment.")
    user = writer(request)
    doc = actions.do_export_memo(snap, fmt=payload.format, acting_user=user, via="api")
    reads.log_read(request.user, snap.case, what="memo_download", purpose=MEMBER_PURPOSE, obj=doc, via="api")
    return _file(doc, payload.format, 201)


@router.get("/assessments/{assessment_id}/memos/{format}", response=errors(404, 409, 422),
            openapi_extra={"responses": {200: {"description": "The stored memo", "content": _memo_doc()}}},
            summary="Download the memo of an assessment stored in the case (the download is logged)")
def download_memo(request, assessment_id: int, format: Literal["pdf", "docx"] = Path(...),
                  purpose: str | None = Query(None, description=PURPOSE_DOC)):
    snap, p = _snapshot_read(request, assessment_id, purpose, what=None)
    doc = getattr(snap, f"memo_{format}")
    if doc is None:
        raise NotFound(f"No {format.upper()} memo of this assessment is stored yet: write one first (POST "
                       f"/api/assessments/{snap.pk}/memos).")
    response = _file(doc, format, 200)
    reads.log_read(request.user, snap.case, what="memo_download", purpose=p, obj=doc, via="api")
    return response


# --- the public law tools of the assessment pages --------------------------------------------------

def _public_facts_doc(what: str) -> dict:
    return {"requestBody": {"description": f"{FACTS_DOC}. {what}"}}


@router.post("/law/exposure", auth=None, response={200: ExposureOut, **errors(422, token=False)},
             openapi_extra=_public_facts_doc("An extradition question without a requested State: "
                                             "`requesting_state` is the State that wants the person."),
             summary="Where could a wanted person be surrendered? The extradition question asked of every State "
                     "(advisory; public, nothing is stored)")
def assess_exposure(request, payload: ExposureFactsIn):
    from comity.web import mapscale

    facts = payload.facts()
    try:
        rows = actions.exposure(facts)
    except InvalidInput as e:
        raise _facts_named(e) from None
    out = []
    for r in rows:
        css = mapscale.EXPOSURE_CLASS.get(r["outcome"], "maybe")
        out.append({**r, "exposure": css, "words": mapscale.EXPOSURE_WORDS[css]})
    counts = {c: sum(1 for r in out if r["exposure"] == c) for c in mapscale.EXPOSURE}
    return {"wanted_by": str(facts.get("requesting_state", "")).strip().upper(), "counts": counts,
            "states": out, "advisory": _advisory()}


@router.post("/law/red-notice", auth=None, response={200: dict, **errors(422, token=False)},
             openapi_extra=_public_facts_doc("The `kind` is red_notice (it may be left out)."),
             summary="Would a Red Notice on these facts comply with INTERPOL's rules? (advisory; public, "
                     "nothing is stored)")
def check_red_notice(request, payload: RedNoticeFactsIn):
    try:
        return actions.run_assessment(payload.facts())
    except InvalidInput as e:
        raise _facts_named(e) from None
