"""API operations: evidence and its chain of custody (see comity.api.common for the shared rules: compartments,
scopes, lists, ETags).

The same rules as the evidence pages (comity.evidence.views), through the same actions:
- members of the case read and write its evidence; oversight users read it with a stated `purpose`; anyone
  else is told the case, item or disclosure does not exist (404);
- every read is logged as the web logs it (`access.evidence_list`, `evidence_view`, `evidence_report`,
  `evidence_case_export`, `evidence_download`, `evidence_disclosure_view`, `evidence_disclosure_download`,
  `evidence_disclosure_manifest`), and a verification report records its outcome
  (`evidence.integrity_checked`) as the web does;
- files stream both ways: a registration is spooled by Django (to a temporary file past
  FILE_UPLOAD_MAX_MEMORY_SIZE), then hashed and encrypted in one pass by the action; a download is
  authenticated in full first (comity.evidence.actions.open_checked_download), then decrypted chunk by chunk.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Literal

from django.db.models import Q
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from comity.accounts.models import User
from comity.api.common import (CURSOR_DOC, LIMIT_DOC, PURPOSE_DOC, Page, case_or_404, member_case, page_of,
                               require_match, set_etag, sort_description, writer)
from comity.api.schemas import content, errors, if_match
from comity.cases import actions as case_actions
from comity.cases import reads
from comity.cases.models import Case, CooperationRequest
from comity.errors import IntegrityError, InvalidInput, NotFound, ServiceUnavailable
from comity.evidence import actions, crypto, keys, report
from comity.evidence.models import CustodyEvent, Disclosure, EvidenceItem, EvidenceKind

router = Router(tags=["evidence"])

NO_ITEM = "No such item."
NO_DISCLOSURE = "No such disclosure."

CustodyKindIn = Literal["collected", "sealed", "transferred", "received", "examined", "copied", "returned",
                        "disposed"]
DisclosableField = Literal["description", "seal_numbers", "location", "source", "date_obtained", "legal_basis",
                           "use_limitations", "custody", "file"]
RecipientKind = Literal["authority", "defence", "court"]


# --- schemas ---------------------------------------------------------------------------------------

class IntegrityOut(Schema):
    ok: bool = Field(description="Whether the latest check found the item intact")
    scope: str = Field(description="`file`: a download authenticated the whole file; `full`: a full verification")
    checked_at: dt.datetime
    by: str = Field(description="Who ran it (as the audit log names them)")
    failed: list[str] = Field(description="Codes of the checks that failed (e.g. `file_corrupted`)")
    chunk: int | None = Field(description="The encrypted chunk that failed authentication, where one did")


class EvidenceOut(Schema):
    id: int
    exhibit_number: str
    case_id: int
    case: str = Field(description="The case's reference")
    kind: str = Field(description="`physical` exhibit or `digital` file")
    title: str
    description: str
    seal_numbers: str
    location: str
    source_request_id: int | None
    source_request: str = Field(description="Reference of the request that produced it, or empty")
    providing_state: str
    providing_authority: str
    date_obtained: dt.date
    legal_basis: str
    speciality: bool
    purpose_limitation: str
    onward_disclosure_needs_consent: bool
    consent_reference: str
    filename: str
    content_type: str
    size: int | None
    sha256: str
    sha512: str
    registered_by: str
    registered_at: dt.datetime
    custody_events: int = Field(description="How many custody events the chain holds")
    integrity: IntegrityOut | None = Field(description="The latest integrity check, null if never checked")


class EvidenceForm(Schema):
    kind: Literal["physical", "digital"]
    title: str = Field(max_length=200)
    date_obtained: dt.date = Field(description="When the evidence was obtained (YYYY-MM-DD, not in the future)")
    description: str = Field("", description="Required for a physical exhibit")
    seal_numbers: str = ""
    location: str = Field("", description="Where a physical exhibit is kept")
    source_request: int | None = Field(None, description="Id of the request of this case that produced it")
    providing_state: str = Field("", description="ISO 3166-1 alpha-2 code of the State that provided it")
    providing_authority: str = ""
    legal_basis: str = ""
    speciality: bool = Field(False, description="Usable only for the offences of the request")
    purpose_limitation: str = ""
    onward_disclosure_needs_consent: bool = False
    sha512: bool = Field(False, description="Also take a SHA-512 of the file")
    place: str = Field("", description="Where it was received (the first custody event)")


class CustodyOut(Schema):
    id: int
    uuid: str
    seq: int
    kind: str
    actor: str
    from_user: str
    from_party: str
    to_user: str
    to_party: str
    at: dt.datetime
    place: str
    reason: str
    recorded_at: dt.datetime
    prev_hash: str
    record_hash: str
    signing_key: str = Field(description="Fingerprint of the actor's Ed25519 key")
    signature: str = Field(description="Ed25519 signature of the event, hex")
    timestamp_token: str = Field(description="RFC 3161 time-stamp token over the record hash, base64 (DER)")


class CustodyIn(Schema):
    kind: CustodyKindIn
    at: dt.datetime = Field(description="When it happened (not in the future, not before the previous event)")
    place: str
    reason: str
    from_user: str = Field("", description="Username of the member who handed it over")
    from_party: str = Field("", description="An outside holder it came from, e.g. a foreign authority")
    to_user: str = Field("", description="Username of the member it was handed to")
    to_party: str = Field("", description="An outside party it was handed to")


class ConsentIn(Schema):
    consent_reference: str = Field(description="The providing State's consent to onward disclosure: its note, "
                                               "letter or date")


class DisclosureIn(Schema):
    items: list[int] = Field(description="Ids of the items of this case to disclose")
    fields: list[DisclosableField] = Field(default_factory=list,
                                           description="What to disclose beyond identification and hashes")
    recipient: str
    recipient_kind: RecipientKind
    recipient_state: str = Field("", description="ISO 3166-1 alpha-2 code of the recipient's State")
    purpose: str = Field(description="Why the evidence is disclosed (recorded)")


class DisclosureBrief(Schema):
    id: int
    uuid: str
    case_id: int
    case: str
    recipient: str
    recipient_kind: str
    recipient_state: str
    purpose: str
    fields: list[str]
    items: list[str] = Field(description="Exhibit numbers disclosed")
    package_sha256: str
    package_size: int
    created_by: str
    created_at: dt.datetime


class DisclosureOut(DisclosureBrief):
    package_key: str = Field(description="The package's AES-256 key, base64: give it to the recipient by "
                                         "another channel than the package")
    manifest: dict


# --- helpers ---------------------------------------------------------------------------------------

def _integrity_of(items: list[EvidenceItem]) -> dict[str, dict]:
    """The latest integrity check of each item, as the audit log records it (one query)."""
    from comity.audit.models import AuditEvent

    if not items:
        return {}
    latest: dict[str, dict] = {}
    qs = AuditEvent.objects.filter(event_type="evidence.integrity_checked", object_type="EvidenceItem",
                                   case_id__in={i.case_id for i in items},
                                   object_id__in=[str(i.pk) for i in items])
    for ev in qs.only("time", "actor_label", "new_values", "object_id").order_by("-seq"):
        if ev.object_id in latest:
            continue
        new = ev.new_values or {}
        latest[ev.object_id] = {"ok": bool(new.get("ok")), "scope": new.get("scope", ""), "checked_at": ev.time,
                                "by": ev.actor_label or "", "failed": list(new.get("failed") or []),
                                "chunk": new.get("chunk")}
        if len(latest) == len(items):
            break
    return latest


def _item_out(item: EvidenceItem, integrity: dict | None = None, *, with_integrity: bool = True) -> dict:
    out = {"id": item.pk, "exhibit_number": item.exhibit_number, "case_id": item.case_id,
           "case": item.case.reference, "kind": item.kind, "title": item.title, "description": item.description,
           "seal_numbers": item.seal_numbers, "location": item.location,
           "source_request_id": item.source_request_id,
           "source_request": item.source_request.reference if item.source_request_id else "",
           "providing_state": item.providing_state, "providing_authority": item.providing_authority,
           "date_obtained": item.date_obtained, "legal_basis": item.legal_basis, "speciality": item.speciality,
           "purpose_limitation": item.purpose_limitation,
           "onward_disclosure_needs_consent": item.onward_disclosure_needs_consent,
           "consent_reference": item.consent_reference, "filename": item.filename,
           "content_type": item.content_type, "size": item.size, "sha256": item.sha256, "sha512": item.sha512,
           "registered_by": item.registered_by.username, "registered_at": item.registered_at,
           "custody_events": item.custody_events.count()}
    if with_integrity:
        out["integrity"] = integrity if integrity is not None else _integrity_of([item]).get(str(item.pk))
    return out


def _version(item: EvidenceItem) -> dict:
    """The item's fields an update can change, as the API shows them: what its ETag is made of (checks and
    custody events are appended to, never overwritten, so they do not make an ETag stale)."""
    out = _item_out(item, with_integrity=False)
    out.pop("custody_events")
    return out


def _custody_out(e: CustodyEvent) -> dict:
    return {"id": e.pk, "uuid": str(e.uuid), "seq": e.seq, "kind": e.kind, "actor": e.actor.username,
            "from_user": e.from_user.username if e.from_user_id else "", "from_party": e.from_party,
            "to_user": e.to_user.username if e.to_user_id else "", "to_party": e.to_party, "at": e.at,
            "place": e.place, "reason": e.reason, "recorded_at": e.recorded_at, "prev_hash": e.prev_hash,
            "record_hash": e.record_hash, "signing_key": e.signing_key.fingerprint,
            "signature": bytes(e.signature).hex(), "timestamp_token": base64.b64encode(bytes(e.timestamp_token)).decode()}


def _disclosure_brief(d: Disclosure) -> dict:
    return {"id": d.pk, "uuid": str(d.uuid), "case_id": d.case_id, "case": d.case.reference,
            "recipient": d.recipient, "recipient_kind": d.recipient_kind, "recipient_state": d.recipient_state,
            "purpose": d.purpose, "fields": list(d.fields or []),
            "items": sorted(d.items.values_list("exhibit_number", flat=True)),
            "package_sha256": d.package_sha256, "package_size": d.package_size,
            "created_by": d.created_by.username, "created_at": d.created_at}


def _disclosure_out(d: Disclosure) -> dict:
    return {**_disclosure_brief(d), "package_key": base64.b64encode(actions.package_key(d)).decode(),
            "manifest": d.manifest}


def _items():
    return EvidenceItem.objects.select_related("case", "source_request", "registered_by")


def _read_case(request, case_id: int, purpose: str | None, *, what: str) -> tuple[Case, str]:
    case = case_or_404(case_id)
    return case, reads.read_case(request.user, case, what=what, obj=case, stated=purpose, via="api")


def _readable_item(request, item_id: int, purpose: str | None) -> tuple[EvidenceItem, str]:
    """An item under the one compartment rule (members, or oversight with a stated purpose); not logged yet."""
    item = _items().filter(pk=item_id).first()
    if item is None:
        raise NotFound(NO_ITEM)
    try:
        return item, reads.case_purpose(request.user, item.case, stated=purpose, via="api")
    except NotFound:
        raise NotFound(NO_ITEM) from None


def _read_item(request, item_id: int, purpose: str | None, *, what: str) -> tuple[EvidenceItem, str]:
    item, granted = _readable_item(request, item_id, purpose)
    reads.log_read(request.user, item.case, what=what, purpose=granted, obj=item, via="api")
    return item, granted


def _member_item(request, item_id: int) -> EvidenceItem:
    """For changes: members of the item's case only (anyone else: 404)."""
    item = _items().filter(pk=item_id).first()
    if item is None or not case_actions.is_member(item.case, request.user):
        raise NotFound(NO_ITEM)
    return item


def _read_disclosure(request, disclosure_id: int, purpose: str | None, *, what: str) -> Disclosure:
    d = Disclosure.objects.select_related("case", "created_by").filter(pk=disclosure_id).first()
    if d is None:
        raise NotFound(NO_DISCLOSURE)
    try:
        reads.read_case(request.user, d.case, what=what, obj=d, stated=purpose, via="api")
    except NotFound:
        raise NotFound(NO_DISCLOSURE) from None
    return d


def _username(value: str, field: str) -> User | None:
    if not value:
        return None
    user = User.objects.filter(username=value).first()
    if user is None:
        raise InvalidInput({field: "no such user"})
    return user


def _record_check(item: EvidenceItem, r: dict, user) -> None:
    actions.do_record_integrity_check(item, scope="full", ok=r["ok"], failed=r["failed"],
                                      chunk=r["file"].get("chunk"), acting_user=user, via="api")


def _verified(request, item: EvidenceItem) -> dict:
    r = report.verification_report(item)
    _record_check(item, r, request.user)
    return r


# --- evidence items --------------------------------------------------------------------------------

EVIDENCE_SORTS = {"exhibit": "exhibit_number", "registered": "registered_at", "obtained": "date_obtained",
                  "title": "title"}


@router.get("/cases/{case_id}/evidence", response={200: Page[EvidenceOut], **errors(404, 422)},
            summary="The evidence of a case, filtered, sorted, a page at a time (the read is logged)")
def list_evidence(request, case_id: int,
                  kind: Literal["", "physical", "digital"] = Query("", description="Physical exhibits or digital files"),
                  source_request: int | None = Query(None, description="Id of the request that produced it"),
                  providing_state: str = Query("", max_length=2, description="ISO code of the providing State"),
                  q: str = Query("", max_length=200, description="Words in the exhibit number or title"),
                  sort: str = Query("exhibit", description=sort_description(EVIDENCE_SORTS, "exhibit")),
                  cursor: str | None = Query(None, description=CURSOR_DOC),
                  limit: int = Query(50, description=LIMIT_DOC),
                  purpose: str | None = Query(None, description=PURPOSE_DOC)):
    case, _ = _read_case(request, case_id, purpose, what="evidence_list")
    qs = _items().filter(case=case)
    if kind:
        qs = qs.filter(kind=kind)
    if source_request is not None:
        qs = qs.filter(source_request_id=source_request)
    if providing_state:
        qs = qs.filter(providing_state=providing_state.upper())
    if q:
        qs = qs.filter(Q(exhibit_number__icontains=q) | Q(title__icontains=q))
    checks: dict = {}

    def on_page(rows):
        checks.update(_integrity_of(rows))

    return page_of(qs, sort=sort, sorts=EVIDENCE_SORTS, default="exhibit", cursor=cursor, limit=limit,
                   on_page=on_page, serialize=lambda i: _item_out(i, checks.get(str(i.pk))))


@router.post("/cases/{case_id}/evidence", response={201: EvidenceOut, **errors(403, 404, 422)},
             summary="Register a physical exhibit or a digital file (the file streams: it is hashed and "
                     "encrypted as it is stored); the first custody event is signed and time-stamped")
def register_evidence(request, response: HttpResponse, case_id: int, payload: Form[EvidenceForm],
                      file: File[UploadedFile | None] = None):
    case = member_case(request, case_id)
    user = writer(request)
    source = None
    if payload.source_request is not None:
        source = CooperationRequest.objects.filter(pk=payload.source_request, case=case).first()
        if source is None:
            raise InvalidInput({"source_request": "is not a request of this case"})
    item = actions.do_register_evidence(
        case, kind=payload.kind, title=payload.title, date_obtained=payload.date_obtained,
        description=payload.description, seal_numbers=payload.seal_numbers, location=payload.location,
        source_request=source, providing_state=payload.providing_state.strip().upper(),
        providing_authority=payload.providing_authority, legal_basis=payload.legal_basis,
        speciality=payload.speciality, purpose_limitation=payload.purpose_limitation,
        onward_disclosure_needs_consent=payload.onward_disclosure_needs_consent, upload=file,
        sha512=payload.sha512, place=payload.place, acting_user=user, via="api")
    item = _items().get(pk=item.pk)
    set_etag(response, _version(item))
    return Status(201, _item_out(item))


@router.get("/evidence/{item_id}", response={200: EvidenceOut, **errors(404, 422)},
            summary="An evidence item with its hashes, use limitations and latest integrity check (the read is "
                    "logged); its ETag is what recording a consent needs")
def get_evidence(request, response: HttpResponse, item_id: int,
                 purpose: str | None = Query(None, description=PURPOSE_DOC)):
    item, _ = _read_item(request, item_id, purpose, what="evidence_view")
    set_etag(response, _version(item))
    return _item_out(item)


CUSTODY_SORTS = {"seq": "seq", "at": "at"}


@router.get("/evidence/{item_id}/custody", response={200: Page[CustodyOut], **errors(404, 422)},
            summary="The chain of custody of an item, a page at a time, each event signed and time-stamped "
                    "(the read is logged)")
def list_custody_events(request, item_id: int,
                        kind: Literal["", "collected", "sealed", "transferred", "received", "examined", "copied",
                                      "returned", "disposed"] = Query("", description="Only events of this kind"),
                        sort: str = Query("seq", description=sort_description(CUSTODY_SORTS, "seq")),
                        cursor: str | None = Query(None, description=CURSOR_DOC),
                        limit: int = Query(50, description=LIMIT_DOC),
                        purpose: str | None = Query(None, description=PURPOSE_DOC)):
    item, _ = _read_item(request, item_id, purpose, what="evidence_view")
    qs = item.custody_events.select_related("actor", "from_user", "to_user", "signing_key")
    if kind:
        qs = qs.filter(kind=kind)
    return page_of(qs, sort=sort, sorts=CUSTODY_SORTS, default="seq", cursor=cursor, limit=limit,
                   serialize=_custody_out)


@router.post("/evidence/{item_id}/custody", response={201: CustodyOut, **errors(403, 404, 422)},
             summary="Record a hand-over or another act on an item, signed by you and time-stamped")
def add_custody_event(request, item_id: int, payload: CustodyIn):
    item = _member_item(request, item_id)
    user = writer(request)
    bad = {}
    try:
        from_user = _username(payload.from_user, "from_user")
    except InvalidInput as exc:
        bad.update(exc.errors)
        from_user = None
    try:
        to_user = _username(payload.to_user, "to_user")
    except InvalidInput as exc:
        bad.update(exc.errors)
        to_user = None
    if bad:
        raise InvalidInput(bad)
    ev = actions.do_record_custody_event(item, kind=payload.kind, at=payload.at, place=payload.place,
                                         reason=payload.reason, from_user=from_user, from_party=payload.from_party,
                                         to_user=to_user, to_party=payload.to_party, acting_user=user, via="api")
    ev = CustodyEvent.objects.select_related("actor", "from_user", "to_user", "signing_key").get(pk=ev.pk)
    return Status(201, _custody_out(ev))


@router.post("/evidence/{item_id}/consent", response={200: EvidenceOut, **errors(403, 404, 422)},
             summary="Record the providing State's consent to onward disclosure (send the item's ETag in "
                     "If-Match)", openapi_extra=if_match())
def record_consent(request, response: HttpResponse, item_id: int, payload: ConsentIn):
    item = _member_item(request, item_id)
    user = writer(request)
    require_match(request, _version(item), what="evidence item")
    actions.do_record_consent(item, consent_reference=payload.consent_reference, acting_user=user, via="api")
    item = _items().get(pk=item.pk)
    set_etag(response, _version(item))
    return _item_out(item)


@router.post("/evidence/{item_id}/verify", response={200: dict, **errors(403, 404, 422)},
             summary="Run the full verification of an item now (file, signatures, time-stamps, the audit log's "
                     "anchors) and record its outcome; answers the verification report")
def verify_evidence(request, item_id: int):
    item = _member_item(request, item_id)
    writer(request)
    reads.log_read(request.user, item.case, what="evidence_report", purpose=reads.MEMBER_PURPOSE, obj=item,
                   via="api")
    return _verified(request, item)


@router.get("/evidence/{item_id}/report.json", response={200: dict, **errors(404, 422)},
            summary="The verification report of an item, as JSON (the read and the check's outcome are logged)")
def get_verification_report(request, item_id: int, purpose: str | None = Query(None, description=PURPOSE_DOC)):
    item, _ = _read_item(request, item_id, purpose, what="evidence_report")
    return _verified(request, item)


@router.get("/evidence/{item_id}/report.pdf", response=errors(404, 422),
            summary="The verification report of an item, as PDF for a court (the read and the check's outcome "
                    "are logged)",
            openapi_extra=content("application/pdf", "The verification report", binary=True))
def get_verification_report_pdf(request, item_id: int, purpose: str | None = Query(None, description=PURPOSE_DOC)):
    item, _ = _read_item(request, item_id, purpose, what="evidence_report")
    pdf = report.report_pdf(_verified(request, item))
    resp = HttpResponse(pdf, content_type="application/pdf")
    resp["Content-Disposition"] = content_disposition_header(True, f"{item.exhibit_number}-verification.pdf")
    return resp


@router.get("/evidence/{item_id}/case.jsonld", response=errors(404, 422),
            summary="The item and its chain of custody as CASE/UCO JSON-LD, for forensic tools (the read is "
                    "logged)",
            openapi_extra={"responses": {200: {"description": "CASE/UCO JSON-LD graph", "content": {
                "application/ld+json": {"schema": {"type": "object"}}}}}})
def export_evidence_uco(request, item_id: int, purpose: str | None = Query(None, description=PURPOSE_DOC)):
    item, _ = _read_item(request, item_id, purpose, what="evidence_case_export")
    resp = HttpResponse(json.dumps(report.case_uco(item), indent=2), content_type="application/ld+json")
    resp["Content-Disposition"] = content_disposition_header(True, f"{item.exhibit_number}.case.jsonld")
    return resp


@router.get("/evidence/{item_id}/content", response=errors(404, 409, 422, 503),
            summary="Download a digital item's file, decrypted; sent only once the whole file has authenticated "
                    "and matches its registered hashes (409 otherwise; the check and the download are logged)",
            openapi_extra=content("application/octet-stream", "The file as it was registered", binary=True))
def download_evidence(request, item_id: int, purpose: str | None = Query(None, description=PURPOSE_DOC)):
    item, granted = _readable_item(request, item_id, purpose)
    if item.kind != EvidenceKind.DIGITAL:
        raise NotFound("This item is a physical exhibit: it has no file.")
    try:
        reader, check = actions.open_checked_download(item, acting_user=request.user, via="api")
    except InvalidInput as exc:
        raise ServiceUnavailable(exc.errors) from None
    if reader is None:
        where = f" at chunk {check['chunk']}" if check.get("chunk") is not None else ""
        raise IntegrityError({"file": f"{item.exhibit_number}: {check['reason']}{where}; nothing of it was sent "
                                      "(the failed check is logged)"})
    reads.log_read(request.user, item.case, what="evidence_download", purpose=granted, obj=item, via="api")

    def chunks():
        try:
            while data := reader.read(crypto.DEFAULT_CHUNK):
                yield data
        finally:
            # A file changed between the check and this pass raises CiphertextCorrupted: the response then
            # falls short of its Content-Length and the client sees the transfer fail.
            reader.close()

    # Always the documented octet stream: the type is not asserted from what the uploader sent.
    resp = StreamingHttpResponse(chunks(), content_type="application/octet-stream")
    resp["Content-Length"] = str(item.size)
    resp["Content-Disposition"] = content_disposition_header(True, item.filename)
    return resp


# --- disclosures -----------------------------------------------------------------------------------

DISCLOSURE_SORTS = {"created": "created_at"}


@router.get("/cases/{case_id}/disclosures", response={200: Page[DisclosureBrief], **errors(404, 422)},
            summary="The disclosure packages made from a case's evidence (the read is logged)")
def list_disclosures(request, case_id: int,
                     recipient_kind: Literal["", "authority", "defence", "court"] = Query(
                         "", description="Only packages for this kind of recipient"),
                     sort: str = Query("-created", description=sort_description(DISCLOSURE_SORTS, "-created")),
                     cursor: str | None = Query(None, description=CURSOR_DOC),
                     limit: int = Query(50, description=LIMIT_DOC),
                     purpose: str | None = Query(None, description=PURPOSE_DOC)):
    case, _ = _read_case(request, case_id, purpose, what="evidence_list")
    qs = Disclosure.objects.select_related("case", "created_by").filter(case=case)
    if recipient_kind:
        qs = qs.filter(recipient_kind=recipient_kind)
    return page_of(qs, sort=sort, sorts=DISCLOSURE_SORTS, default="-created", cursor=cursor, limit=limit,
                   serialize=_disclosure_brief)


@router.post("/cases/{case_id}/disclosures", response={201: DisclosureOut, **errors(403, 404, 422)},
             summary="Disclose chosen items (and only the chosen fields) to another authority, the defence or a "
                     "court: an encrypted package, a 'copied' custody event per item, logged; refused, with the "
                     "reason, when a use limitation forbids it")
def create_disclosure(request, case_id: int, payload: DisclosureIn):
    case = member_case(request, case_id)
    user = writer(request)
    wanted = list(dict.fromkeys(payload.items))
    # an id no database column can hold is simply not an item of this case (never sent to the database)
    items = list(case.evidence_items.filter(pk__in=[i for i in wanted if 0 < i < 2**63]))
    missing = [str(i) for i in wanted if i not in {x.pk for x in items}]
    if missing:
        raise InvalidInput({"items": f"not items of this case: {', '.join(missing)}"})
    items.sort(key=lambda i: wanted.index(i.pk))
    d = actions.do_disclose_evidence(case, items=items, fields=list(payload.fields), recipient=payload.recipient,
                                     recipient_kind=payload.recipient_kind,
                                     recipient_state=payload.recipient_state.strip().upper(),
                                     purpose=payload.purpose, acting_user=user, via="api")
    d = Disclosure.objects.select_related("case", "created_by").get(pk=d.pk)
    return Status(201, _disclosure_out(d))


@router.get("/disclosures/{disclosure_id}", response={200: DisclosureOut, **errors(404, 422)},
            summary="A disclosure package: recipient, purpose, items, manifest and the package key (the read is "
                    "logged)")
def get_disclosure(request, disclosure_id: int, purpose: str | None = Query(None, description=PURPOSE_DOC)):
    d = _read_disclosure(request, disclosure_id, purpose, what="evidence_disclosure_view")
    return _disclosure_out(d)


@router.get("/disclosures/{disclosure_id}/package", response=errors(404, 422),
            summary="Download a disclosure package (a tar archive encrypted under the package key; the download "
                    "is logged)",
            openapi_extra=content("application/octet-stream", "The encrypted package (CEV1 over tar)", binary=True))
def download_disclosure_package(request, disclosure_id: int,
                                purpose: str | None = Query(None, description=PURPOSE_DOC)):
    d = _read_disclosure(request, disclosure_id, purpose, what="evidence_disclosure_download")
    try:
        source = open(keys.evidence_dir() / d.package_name, "rb")  # noqa: SIM115 - FileResponse closes it
    except FileNotFoundError:
        raise NotFound("The package file is no longer stored (erased on disposal?).") from None
    resp = FileResponse(source, content_type="application/octet-stream")
    resp["Content-Disposition"] = content_disposition_header(True, f"disclosure-{d.uuid}.tar.cev")
    return resp


@router.get("/disclosures/{disclosure_id}/manifest.json", response={200: dict, **errors(404, 422)},
            summary="The manifest of a disclosure package: what was disclosed to whom, with hashes (the read is "
                    "logged)")
def get_disclosure_manifest(request, disclosure_id: int, purpose: str | None = Query(None, description=PURPOSE_DOC)):
    d = _read_disclosure(request, disclosure_id, purpose, what="evidence_disclosure_manifest")
    return d.manifest
