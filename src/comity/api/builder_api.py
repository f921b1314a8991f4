"""API operations: the request builder (see comity.api.common for the shared rules: compartments, scopes, lists,
ETags). The same as the builder's pages (comity.builder.views), through the same actions (comity.builder.actions):

- the builder is for the members of the request's case only, as on the web: anyone else, oversight users
  included, is told the request does not exist (404); reads of a draft are logged as the page's
  (`access.builder_view`). `GET /requests/{id}/draft/check` (comity.api.api) is the builder's report;
- a draft is read with an `ETag`; a new version (`PATCH …/draft`) and the data minimisation step
  (`POST …/draft/minimise`) need it in `If-Match`, so two clerks never overwrite each other's version. The
  languages a request must be sent in and each translation are read and changed the same way;
- `POST …/draft/documents` generates the request (or, for an incoming request, the request for further
  information) as PDF or DOCX in English, French or Spanish, stores it in the case exactly as the page does
  (a new version of the document) and streams it back; it stays downloadable with the case's documents.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import FileResponse, HttpResponse
from ninja import Query, Router, Schema, Status
from pydantic import Field

from comity.api.common import (CURSOR_DOC, LIMIT_DOC, Page, member_request, page_of, require_match, set_etag,
                               sort_description, writer)
from comity.api.schemas import errors, if_match
from comity.builder import actions, checks
from comity.builder.models import LANGUAGES, Draft, GeneratedDocument, Translation
from comity.cases import reads
from comity.cases.access import MEMBER_PURPOSE
from comity.cases.models import CooperationRequest, Document
from comity.errors import InvalidInput, NotFound

router = Router(tags=["builder"])

LanguageCode = Literal["en", "fr", "es"]
LANGUAGE_DOC = "Language of the document: en, fr or es (the draft's own language when not given)"


# --- schemas ---------------------------------------------------------------------------------------

class FieldOut(Schema):
    name: str = Field(description="The field's key in `content`")
    label: str
    type: str = Field(description="text, textarea, date or bool")
    max: int | None = Field(description="Longest text accepted (characters)")
    value: Any = Field(description="The draft's value ('' when empty)")
    required: bool = Field(description="The legal basis requires it and it is still missing")
    flagged: bool = Field(description="A finding (missing or quality) concerns this field")


class PersonOut(Schema):
    entity_id: int = Field(description="The party's id in the case")
    schema_: str = Field(alias="schema", description="FollowTheMoney schema of the party")
    name: str
    role: str
    pseudonym: str = Field(description="Printed instead of the name where given")
    fields: dict[str, str] = Field(description="The identifying fields the request carries")


class PartyOut(Schema):
    entity_id: int
    schema_: str = Field(alias="schema")
    caption: str
    role: str
    included: bool = Field(description="The party is among the draft's persons concerned")


class GeneratedOut(Schema):
    id: int
    document_id: int = Field(description="The case's document (GET /api/cases/{case_id}/documents/{document_id}/"
                                         "content)")
    purpose: str = Field(description="request, or rfi (request for further information)")
    format: str
    language: str
    version: int
    draft_version: int = Field(description="The draft's version it was generated from")
    created_at: dt.datetime


class TranslationOut(Schema):
    language: str = Field(description="ISO 639-1 code")
    status: str = Field(description="needed, in_progress, done or certified")
    status_label: str
    translator: str
    document_id: int | None = Field(description="The translated document in the case")
    updated_at: dt.datetime


class DraftOut(Schema):
    request_id: int
    request: str = Field(description="The request's reference")
    direction: str
    measure: str
    measure_label: str
    language: str = Field(description="The draft's own language (en, fr, es)")
    version: int
    content: dict[str, Any] = Field(description="The draft's fields by key (see `fields`), and `persons`")
    fields: list[FieldOut] = Field(description="The fields the measure asks for, in order")
    persons: list[PersonOut]
    parties: list[PartyOut] = Field(description="The case's parties that may be included as persons concerned")
    complete: bool = Field(description="Nothing the legal basis requires is missing")
    findings: list[dict] = Field(description="Missing elements (with their articles) and quality findings")
    required_languages: list[str] = Field(description="Languages it must be sent in (translations)")
    translations: list[TranslationOut]
    sending_blocked: str | None = Field(description="Why the request may not be sent yet (translations), or null")
    generated: list[GeneratedOut] = Field(description="Documents generated from the draft, newest first")
    updated_at: dt.datetime


class StartDraftIn(Schema):
    measure: str = Field(description="The measure sought, one of the request kind's measures (e.g. extradition, "
                                     "records, witness_hearing)")
    language: LanguageCode = "en"


class SaveDraftIn(Schema):
    content: dict[str, Any] = Field(default_factory=dict, description=(
        "Fields to change, by key (GET the draft for the keys, types and limits). `persons`: the persons "
        "concerned, a list of {entity_id, pseudonym, fields?} chosen from the case's parties (`fields`, when "
        "given, keeps only those identifying fields)"))
    language: LanguageCode | None = Field(None, description="Change the draft's own language")


class GenerateIn(Schema):
    format: Literal["pdf", "docx"]
    language: LanguageCode | None = Field(None, description=LANGUAGE_DOC)
    purpose: Literal["request", "rfi"] = Field("request", description=(
        "request (an outgoing request, once complete) or rfi (a request for further information answering an "
        "incoming request that is not complete)"))


class LanguageName(Schema):
    code: str
    name: str


class LanguagesOut(Schema):
    request_id: int
    language: str = Field(description="The draft's own language")
    required_languages: list[str] = Field(description="Languages (ISO 639-1) the request must be sent in, each "
                                                      "with a translation to track")
    offered: list[LanguageName] = Field(description="Languages the builder generates documents in")


class LanguagesIn(Schema):
    languages: list[str] = Field(max_length=50, description="ISO 639-1 codes or language names "
                                                            "(\"de\", \"German\"); an empty list: none")


class TranslationIn(Schema):
    status: Literal["needed", "in_progress", "done", "certified"]
    translator: str = Field("", description="Who translated it (required for done and certified)")
    document_id: int | None = Field(None, description="The translated document, uploaded to the case first "
                                                      "(required for done and certified, unless already "
                                                      "attached)")


# --- helpers ---------------------------------------------------------------------------------------

def _draft_of(req: CooperationRequest) -> Draft:
    draft = Draft.objects.filter(request=req).first()
    if draft is None:
        raise NotFound("This request has no draft in the request builder yet (start one: POST "
                       f"/api/requests/{req.pk}/draft).")
    return draft


def _member_draft(request, request_id: int) -> tuple[CooperationRequest, Draft]:
    req = member_request(request, request_id)
    return req, _draft_of(req)


def _draft_etag_fields(draft: Draft) -> dict:
    return {"version": draft.version, "language": draft.language, "measure": draft.measure,
            "content": draft.content}


def _translation_out(t: Translation) -> dict:
    return {"language": t.language, "status": t.status, "status_label": t.get_status_display(),
            "translator": t.translator, "document_id": t.document_id, "updated_at": t.updated_at}


def _translation_etag_fields(t: Translation) -> dict:
    return {"status": t.status, "translator": t.translator, "document_id": t.document_id}


def _draft_out(req: CooperationRequest, draft: Draft) -> dict:
    found = actions.findings(draft)
    flagged = {f for item in found for f in item["fields"]}
    required = {f for item in found if item["kind"] == "missing" for f in item["fields"]}
    fields = []
    for name in checks.fields_for(draft.measure):
        spec = checks.fields()[name]
        fields.append({"name": name, "label": spec["label"], "type": spec["type"], "max": spec.get("max"),
                       "value": draft.content.get(name, ""), "required": name in required,
                       "flagged": name in flagged})
    persons = [{"entity_id": p.get("entity_id"), "schema": p.get("schema", "Person"), "name": p.get("name", ""),
                "role": p.get("role") or "", "pseudonym": p.get("pseudonym") or "",
                "fields": {k: str(v) for k, v in (p.get("fields") or {}).items()}}
               for p in draft.content.get("persons") or []]
    included = {p["entity_id"] for p in persons}
    parties = [{"entity_id": e.pk, "schema": e.schema, "caption": e.caption, "role": e.role or "",
                "included": e.pk in included}
               for e in req.case.entities.filter(schema__in=actions.PARTY_SCHEMATA).order_by("pk")]
    generated = [{"id": g.pk, "document_id": g.document_id, "purpose": g.purpose, "format": g.format,
                  "language": g.language, "version": g.version, "draft_version": g.draft_version,
                  "created_at": g.created_at} for g in GeneratedDocument.objects.filter(draft=draft)]
    return {"request_id": req.pk, "request": req.reference, "direction": req.direction, "measure": draft.measure,
            "measure_label": checks.measures()[draft.measure]["label"], "language": draft.language,
            "version": draft.version, "content": draft.content, "fields": fields, "persons": persons,
            "parties": parties, "complete": not any(f["kind"] == "missing" for f in found), "findings": found,
            "required_languages": list(draft.required_languages),
            "translations": [_translation_out(t) for t in draft.translations.all()],
            "sending_blocked": actions.translations_pending(req), "generated": generated,
            "updated_at": draft.updated_at}


def _languages_out(req: CooperationRequest, draft: Draft) -> dict:
    return {"request_id": req.pk, "language": draft.language, "required_languages": list(draft.required_languages),
            "offered": [{"code": c, "name": n} for c, n in LANGUAGES]}


def _log_view(request, req: CooperationRequest, obj) -> None:
    """The builder page's read (members only, so the purpose is case work)."""
    reads.log_read(request.user, req.case, what="builder_view", purpose=MEMBER_PURPOSE, obj=obj, via="api")


def _named(e: InvalidInput, prefix: str = "", rename: dict | None = None) -> InvalidInput:
    """The action's errors named as the caller sent the fields (`content.offences`, `document_id`)."""
    rename = rename or {}
    out = {}
    for k, v in e.errors.items():
        if k in rename:
            out[rename[k]] = v
        elif prefix and k not in ("language", "draft", "request", "body"):
            out[f"{prefix}{k}"] = v
        else:
            out[k] = v
    return InvalidInput(out)


def _file_answer(doc: Document, *, status: int, content_type: str) -> FileResponse:
    stored = doc.file.open("rb")  # authenticated whole before anything is sent (409 when it does not verify)
    response = FileResponse(stored, as_attachment=True, filename=doc.filename, content_type=content_type,
                            status=status)
    response["Content-Location"] = f"/api/cases/{doc.case_id}/documents/{doc.pk}/content"
    return response


def _files_doc(status: int, description: str) -> dict:
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {"responses": {status: {"description": description, "content": {
        media: binary for media in actions.CONTENT_TYPES.values()}}}}


DRAFT_WHAT = "draft"


# --- endpoints -------------------------------------------------------------------------------------

@router.get("/requests/{request_id}/draft", response={200: DraftOut, **errors(404, 422)},
            by_alias=True,
            summary="A request's draft in the request builder: its fields, persons, what is still missing, "
                    "translations and generated documents (members of the case; the read is logged)")
def get_draft(request, request_id: int, response: HttpResponse):
    req, draft = _member_draft(request, request_id)
    _log_view(request, req, draft)
    set_etag(response, _draft_etag_fields(draft))
    return _draft_out(req, draft)


@router.post("/requests/{request_id}/draft", response={201: DraftOut, **errors(403, 404, 422)},
             by_alias=True,
             summary="Open the request builder for a request: a draft filled from the case, with the "
                     "translations the requested State needs")
def start_draft(request, request_id: int, payload: StartDraftIn, response: HttpResponse):
    req = member_request(request, request_id)
    user = writer(request)
    draft = actions.do_start_draft(req, measure=payload.measure, language=payload.language, acting_user=user,
                                   via="api")
    set_etag(response, _draft_etag_fields(draft))
    return Status(201, _draft_out(req, draft))


@router.patch("/requests/{request_id}/draft", response={200: DraftOut, **errors(403, 404, 422)},
              by_alias=True,
              openapi_extra=if_match(),
              summary="Save a new version of a draft: change some of its fields (send the ETag you read in "
                      "If-Match)")
def save_draft(request, request_id: int, payload: SaveDraftIn, response: HttpResponse):
    req, draft = _member_draft(request, request_id)
    user = writer(request)
    require_match(request, _draft_etag_fields(draft), what=DRAFT_WHAT)
    try:
        draft = actions.do_save_draft(draft, changes=payload.content, language=payload.language, acting_user=user,
                                      via="api")
    except InvalidInput as e:
        raise _named(e, "content.") from None
    set_etag(response, _draft_etag_fields(draft))
    return _draft_out(req, draft)


@router.post("/requests/{request_id}/draft/minimise", response={200: DraftOut, **errors(403, 404, 422)},
             by_alias=True,
             openapi_extra=if_match(),
             summary="Keep only the personal data the measure needs (a new version of the draft; send the ETag "
                     "you read in If-Match)")
def minimise_draft(request, request_id: int, response: HttpResponse):
    req, draft = _member_draft(request, request_id)
    user = writer(request)
    require_match(request, _draft_etag_fields(draft), what=DRAFT_WHAT)
    draft = actions.do_minimise_personal_data(draft, acting_user=user, via="api")
    set_etag(response, _draft_etag_fields(draft))
    return _draft_out(req, draft)


@router.post("/requests/{request_id}/draft/documents", response=errors(403, 404, 409, 422),
             openapi_extra=_files_doc(201, "The generated document (PDF or DOCX), as stored in the case; "
                                           "`Content-Location` names its download in the case's documents"),
             summary="Generate the request (or the request for further information) as PDF or Word in English, "
                     "French or Spanish, store it in the case and download it")
def generate_document(request, request_id: int, payload: GenerateIn):
    req, draft = _member_draft(request, request_id)
    user = writer(request)
    generated = actions.do_generate_document(draft, fmt=payload.format, language=payload.language,
                                             purpose=payload.purpose, acting_user=user, via="api")
    doc = generated.document
    reads.log_read(request.user, req.case, what="document_download", purpose=MEMBER_PURPOSE, obj=doc, via="api")
    return _file_answer(doc, status=201, content_type=actions.CONTENT_TYPES[generated.format])


@router.get("/requests/{request_id}/draft/languages", response={200: LanguagesOut, **errors(404, 422)},
            summary="The languages a request must be sent in, and those the builder writes documents in")
def get_draft_languages(request, request_id: int, response: HttpResponse):
    req, draft = _member_draft(request, request_id)
    set_etag(response, {"required_languages": list(draft.required_languages)})
    return _languages_out(req, draft)


@router.put("/requests/{request_id}/draft/languages", response={200: LanguagesOut, **errors(403, 404, 422)},
            openapi_extra=if_match(),
            summary="Set the languages a request must be sent in (each gets a translation to track; send the ETag "
                    "you read in If-Match)")
def set_draft_languages(request, request_id: int, payload: LanguagesIn, response: HttpResponse):
    from comity.web.fields import resolve_language

    req, draft = _member_draft(request, request_id)
    user = writer(request)
    require_match(request, {"required_languages": list(draft.required_languages)}, what="list of languages")
    codes, unknown = [], []
    for part in payload.languages:
        code = resolve_language(part) if isinstance(part, str) and part.strip() else None
        (codes.append(code) if code else unknown.append(part))
    if unknown:
        raise InvalidInput({"languages": ", ".join(repr(u) for u in unknown) + " is not a language; give an ISO "
                                                                              "639-1 code or a name, e.g. de, German"})
    draft = actions.do_set_required_languages(draft, languages=codes, acting_user=user, via="api")
    set_etag(response, {"required_languages": list(draft.required_languages)})
    return _languages_out(req, draft)


TRANSLATION_SORTS = {"language": "language", "status": "status", "updated": "updated_at"}


@router.get("/requests/{request_id}/draft/translations", response={200: Page[TranslationOut], **errors(404, 422)},
            summary="Where each translation of the request stands (the read is logged)")
def list_translations(request, request_id: int,
                      status: Literal["", "needed", "in_progress", "done", "certified"] = "",
                      sort: str = Query("language", description=sort_description(TRANSLATION_SORTS, "language")),
                      cursor: str | None = Query(None, description=CURSOR_DOC),
                      limit: int = Query(50, description=LIMIT_DOC)):
    req, draft = _member_draft(request, request_id)
    qs = Translation.objects.filter(draft=draft)
    if status:
        qs = qs.filter(status=status)
    return page_of(qs, sort=sort, sorts=TRANSLATION_SORTS, default="language", cursor=cursor, limit=limit,
                   serialize=_translation_out, on_page=lambda rows: _log_view(request, req, draft))


def _translation(draft: Draft, language: str) -> Translation:
    t = draft.translations.filter(language=language).first()
    if t is None:
        raise NotFound(f"The request need not be sent in {language!r}: no such translation (set the languages "
                       "first).")
    return t


@router.get("/requests/{request_id}/draft/translations/{language}", response={200: TranslationOut,
                                                                              **errors(404, 422)},
            summary="One translation of the request: its status, translator and document (the read is logged)")
def get_translation(request, request_id: int, language: str, response: HttpResponse):
    req, draft = _member_draft(request, request_id)
    t = _translation(draft, language)
    _log_view(request, req, t)
    set_etag(response, _translation_etag_fields(t))
    return _translation_out(t)


@router.put("/requests/{request_id}/draft/translations/{language}", response={200: TranslationOut,
                                                                              **errors(403, 404, 422)},
            openapi_extra=if_match(),
            summary="Record where a translation stands; done or certified needs the translated document and its "
                    "translator (send the ETag you read in If-Match)")
def update_translation(request, request_id: int, language: str, payload: TranslationIn, response: HttpResponse):
    req, draft = _member_draft(request, request_id)
    t = _translation(draft, language)
    user = writer(request)
    require_match(request, _translation_etag_fields(t), what="translation")
    doc = None
    if payload.document_id is not None:
        doc = Document.objects.filter(case=req.case, pk=payload.document_id).first()
        if doc is None:
            raise InvalidInput({"document_id": "no such document in this request's case"})
    try:
        t = actions.do_update_translation(draft, language=t.language, status=payload.status,
                                          translator=payload.translator, document=doc, acting_user=user, via="api")
    except InvalidInput as e:
        raise _named(e, rename={"document": "document_id"}) from None
    set_etag(response, _translation_etag_fields(t))
    return _translation_out(t)
