"""Evidence pages. Only members of the case see its evidence (others get the same 404 as for a case
that does not exist); every read is logged through comity.cases.actions.do_record_access."""

from __future__ import annotations

import functools
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from comity.accounts.models import User
from comity.cases import actions as case_actions
from comity.cases import reads
from comity.cases.access import MEMBER_PURPOSE, PurposeRequired
from comity.cases.models import Case, CooperationRequest
from comity.errors import InvalidInput, NotFound
from comity.evidence import actions, crypto, integrity, keys, report
from comity.evidence.models import CustodyKind, Disclosure, EvidenceItem, EvidenceKind


def _member_case(request, pk) -> Case:
    """For changes: only members register, record custody and disclose."""
    case = Case.objects.filter(pk=pk).first()
    if case is None or not case_actions.is_member(case, request.user):
        raise Http404("No such case.")
    return case


def _purpose(request, case: Case) -> str:
    """The one compartment rule for reads (comity.cases.reads): members, or oversight with a stated
    purpose (PurposeRequired sends them to state it); anyone else gets 404."""
    try:
        return reads.case_purpose(request.user, case, session=request.session)
    except NotFound:
        raise Http404("No such case.") from None


def _readable_case(request, pk) -> tuple[Case, str]:
    case = Case.objects.filter(pk=pk).first()
    if case is None:
        raise Http404("No such case.")
    return case, _purpose(request, case)


def _item(request, pk, *, write: bool = False) -> tuple[EvidenceItem, str]:
    item = EvidenceItem.objects.select_related("case", "source_request", "registered_by").filter(pk=pk).first()
    if item is None:
        raise Http404("No such item.")
    if write:
        if not case_actions.is_member(item.case, request.user):
            raise Http404("No such item.")
        return item, MEMBER_PURPOSE
    return item, _purpose(request, item.case)


def _log(request, case, what, obj, purpose=MEMBER_PURPOSE):
    reads.log_read(request.user, case, what=what, purpose=purpose, obj=obj)


def _reads(view):
    """An oversight user who has not stated a purpose for the case is sent to state one."""
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except PurposeRequired as exc:
            return redirect("case_purpose", pk=exc.case.pk)
    return wrapped


def _user(username: str):
    if not username:
        return None
    return User.objects.filter(username=username).first() or False


@login_required
@_reads
def case_evidence(request, case_pk):
    if request.method == "POST":
        case, purpose = _member_case(request, case_pk), MEMBER_PURPOSE
    else:
        case, purpose = _readable_case(request, case_pk)
    errors = {}
    if request.method == "POST":
        p = request.POST
        try:
            src = p.get("source_request") or None
            source = CooperationRequest.objects.filter(pk=src, case=case).first() if src and src.isdigit() else None
            if src and source is None:
                raise InvalidInput({"source_request": "is not a request of this case"})
            item = actions.do_register_evidence(
                case, kind=p.get("kind", ""), title=p.get("title", ""), date_obtained=p.get("date_obtained", ""),
                description=p.get("description", ""), seal_numbers=p.get("seal_numbers", ""),
                location=p.get("location", ""), source_request=source,
                providing_state=_state(p.get("providing_state", ""), "providing_state", "Providing State"),
                providing_authority=p.get("providing_authority", ""), legal_basis=p.get("legal_basis", ""),
                speciality=bool(p.get("speciality")), purpose_limitation=p.get("purpose_limitation", ""),
                onward_disclosure_needs_consent=bool(p.get("onward_disclosure_needs_consent")),
                upload=request.FILES.get("file"), sha512=bool(p.get("sha512")), place=p.get("place", ""),
                acting_user=request.user)
            messages.success(request, f"Registered {item.exhibit_number}.")
            return redirect("evidence_item", pk=item.pk)
        except InvalidInput as exc:
            errors = exc.errors
    _log(request, case, "evidence_list", case, purpose)
    return render(request, "evidence/case_evidence.html", {
        "case": case, "can_write": case_actions.is_member(case, request.user), "purpose": purpose, "items": _with_integrity(case), "errors": errors, "error_list": _labelled(errors), "post": request.POST,
        "requests": case.requests.all(), "kinds": EvidenceKind.choices,
        "disclosures": case.disclosures.select_related("created_by")},
        status=400 if errors else 200)


def _integrity_events(case_id: int, item_pk=None):
    from comity.audit.models import AuditEvent

    qs = AuditEvent.objects.filter(event_type="evidence.integrity_checked", object_type="EvidenceItem",
                                   case_id=case_id)
    if item_pk is not None:
        qs = qs.filter(object_id=str(item_pk))
    return qs.only("time", "actor_label", "new_values", "object_id").order_by("-seq")


def _with_integrity(case: Case) -> list[EvidenceItem]:
    """The case's items, each with its latest integrity check (one query for all of them)."""
    items = list(case.evidence_items.all())
    latest: dict[str, object] = {}
    for ev in _integrity_events(case.pk):
        latest.setdefault(ev.object_id, ev)
        if len(latest) == len(items):
            break
    for item in items:
        ev = latest.get(str(item.pk))
        item.integrity = _status(ev) if ev is not None else None
    return items


def integrity_status(item: EvidenceItem) -> dict | None:
    """The latest integrity check of an item as the audit log records it, in words; None if never checked."""
    ev = _integrity_events(item.case_id, item.pk).first()
    return _status(ev) if ev is not None else None


def _status(ev) -> dict:
    new = ev.new_values or {}
    failed = []
    for code in new.get("failed") or []:
        text = integrity.FAILURES.get(code, code.replace("_", " "))
        if code == "file_corrupted" and new.get("chunk") is not None:
            text = f"{text} at chunk {new['chunk']}"
        failed.append(text)
    by = ev.actor_label
    if new.get("scope") == "full":
        scope = f"full verification by {by}" if by else "full verification"
    else:
        scope = f"checked when {by} downloaded the file" if by else "checked at a download of the file"
    return {"ok": bool(new.get("ok")), "when": report.human_datetime(ev.time), "by": by, "scope": scope,
            "failed": failed}


def _item_context(request, item, purpose, **extra) -> dict:
    events = item.custody_events.select_related("actor", "from_user", "to_user").order_by("seq")
    members = User.objects.filter(memberships__case=item.case, memberships__revoked_at__isnull=True).order_by("username")
    return {"item": item, "events": events, "kinds": CustodyKind.choices, "members": members, "errors": {},
            "post": {}, "can_write": case_actions.is_member(item.case, request.user), "purpose": purpose,
            "integrity": integrity_status(item), **extra}


@login_required
@_reads
def item_detail(request, pk):
    item, purpose = _item(request, pk)
    _log(request, item.case, "evidence_view", item, purpose)
    return render(request, "evidence/item_detail.html", _item_context(request, item, purpose))


@login_required
@require_POST
def item_check(request, pk):
    """Run the full verification now (members only) and log its outcome; the item page shows it."""
    item, purpose = _item(request, pk, write=True)
    _log(request, item.case, "evidence_report", item, purpose)
    _record_check(request, item, report.verification_report(item))
    return redirect("evidence_item", pk=item.pk)


def _record_check(request, item, r: dict) -> None:
    actions.do_record_integrity_check(item, scope="full", ok=r["ok"], failed=r["failed"],
                                      chunk=r["file"].get("chunk"), acting_user=request.user)


@login_required
@require_POST
def custody_add(request, pk):
    item, _ = _item(request, pk, write=True)
    p = request.POST
    from_user, to_user = _user(p.get("from_user", "")), _user(p.get("to_user", ""))
    try:
        bad = {k: "no such user" for k, v in (("from_user", from_user), ("to_user", to_user)) if v is False}
        if bad:
            raise InvalidInput(bad)
        actions.do_record_custody_event(item, kind=p.get("kind", ""), at=p.get("at", ""), place=p.get("place", ""),
                                        reason=p.get("reason", ""), from_user=from_user or None,
                                        from_party=p.get("from_party", ""), to_user=to_user or None,
                                        to_party=p.get("to_party", ""), acting_user=request.user)
        messages.success(request, "Custody event recorded, signed and time-stamped.")
        return redirect("evidence_item", pk=item.pk)
    except InvalidInput as exc:
        return render(request, "evidence/item_detail.html", _item_context(
            request, item, MEMBER_PURPOSE, errors=exc.errors, error_list=_labelled(exc.errors), post=p), status=400)


@login_required
@require_POST
def consent_add(request, pk):
    item, _ = _item(request, pk, write=True)
    try:
        actions.do_record_consent(item, consent_reference=request.POST.get("consent_reference", ""),
                                  acting_user=request.user)
        messages.success(request, "Consent recorded.")
    except InvalidInput as exc:
        messages.error(request, str(exc))
    return redirect("evidence_item", pk=item.pk)


@login_required
@_reads
def item_report_json(request, pk):
    item, purpose = _item(request, pk)
    _log(request, item.case, "evidence_report", item, purpose)
    r = report.verification_report(item)
    _record_check(request, item, r)
    return JsonResponse(r, json_dumps_params={"indent": 2})


@login_required
@_reads
def item_report_pdf(request, pk):
    item, purpose = _item(request, pk)
    _log(request, item.case, "evidence_report", item, purpose)
    r = report.verification_report(item)
    _record_check(request, item, r)
    pdf = report.report_pdf(r)
    resp = HttpResponse(pdf, content_type="application/pdf")
    resp["Content-Disposition"] = content_disposition_header(True, f"{item.exhibit_number}-verification.pdf")
    return resp


@login_required
@_reads
def item_case_uco(request, pk):
    item, purpose = _item(request, pk)
    _log(request, item.case, "evidence_case_export", item, purpose)
    resp = HttpResponse(json.dumps(report.case_uco(item), indent=2), content_type="application/ld+json")
    resp["Content-Disposition"] = content_disposition_header(True, f"{item.exhibit_number}.case.jsonld")
    return resp


@login_required
@_reads
def item_download(request, pk):
    """The decrypted file, sent only once the whole file has authenticated and matches its registered
    hashes: a damaged file is answered 409 with a page naming the exhibit and what failed (nothing of it
    is sent), and the failed check is logged; the item page then shows it."""
    item, purpose = _item(request, pk)
    if item.kind != EvidenceKind.DIGITAL:
        raise Http404("No file.")
    try:
        reader, check = actions.open_checked_download(item, acting_user=request.user)
    except InvalidInput as exc:
        return HttpResponse(str(exc), status=503, content_type="text/plain")
    if reader is None:
        return render(request, "evidence/integrity_failed.html", {"item": item, "check": check}, status=409)
    _log(request, item.case, "evidence_download", item, purpose)

    def chunks():
        try:
            while data := reader.read(crypto.DEFAULT_CHUNK):
                yield data
        finally:
            # If the file changed between the check and this pass, CiphertextCorrupted propagates: the
            # server aborts the response, which then falls short of its Content-Length.
            reader.close()

    resp = StreamingHttpResponse(chunks(), content_type=item.content_type or "application/octet-stream")
    resp["Content-Length"] = str(item.size)
    resp["Content-Disposition"] = content_disposition_header(True, item.filename)
    return resp


@login_required
def disclose(request, case_pk):
    case = _member_case(request, case_pk)
    items = list(case.evidence_items.all())
    errors = {}
    if request.method == "POST":
        p = request.POST
        chosen = [i for i in items if str(i.pk) in p.getlist("items")]
        try:
            d = actions.do_disclose_evidence(case, items=chosen, fields=p.getlist("fields"),
                                             recipient=p.get("recipient", ""),
                                             recipient_kind=p.get("recipient_kind", ""),
                                             recipient_state=_state(p.get("recipient_state", ""), "recipient_state",
                                                                    "Recipient State"),
                                             purpose=p.get("purpose", ""), acting_user=request.user)
            messages.success(request, "Disclosure package made and logged.")
            return redirect("evidence_disclosure", pk=d.pk)
        except InvalidInput as exc:
            errors = exc.errors
    _log(request, case, "evidence_disclosure_form", case)
    return render(request, "evidence/disclose.html", {
        "case": case, "items": items, "fields": actions.DISCLOSABLE_FIELDS, "errors": errors,
        "error_list": _labelled(errors), "post": request.POST, "kinds": Disclosure.RecipientKind.choices}, status=400 if errors else 200)


def _disclosure(request, pk) -> tuple[Disclosure, str]:
    d = Disclosure.objects.select_related("case", "created_by").filter(pk=pk).first()
    if d is None:
        raise Http404("No such disclosure.")
    return d, _purpose(request, d.case)


@login_required
@_reads
def disclosure_detail(request, pk):
    d, purpose = _disclosure(request, pk)
    _log(request, d.case, "evidence_disclosure_view", d, purpose)
    import base64
    key = base64.b64encode(actions.package_key(d)).decode()
    return render(request, "evidence/disclosure.html", {"d": d, "package_key": key,
                                                        "manifest": json.dumps(d.manifest, indent=2)})


@login_required
@_reads
def disclosure_package(request, pk):
    d, purpose = _disclosure(request, pk)
    _log(request, d.case, "evidence_disclosure_download", d, purpose)
    resp = FileResponse(open(keys.evidence_dir() / d.package_name, "rb"), content_type="application/octet-stream")
    resp["Content-Disposition"] = content_disposition_header(True, f"disclosure-{d.uuid}.tar.cev")
    return resp


@login_required
@_reads
def disclosure_manifest(request, pk):
    d, purpose = _disclosure(request, pk)
    _log(request, d.case, "evidence_disclosure_manifest", d, purpose)
    return JsonResponse(d.manifest, json_dumps_params={"indent": 2})


def _state(value: str, field: str, label: str) -> str:
    """A State typed or picked by name ("Germany (DE)"), as its ISO code; an error naming the field otherwise."""
    from comity.web.fields import resolve_state

    if not (value or "").strip():
        return ""
    code, suggestions = resolve_state(value)
    if code is None:
        hint = f"did you mean {' or '.join(suggestions)}? Otherwise " if suggestions else ""
        raise InvalidInput({field: f"{label}: no State is called “{value.strip()}”: {hint}choose one from the list"})
    return code


#: Field names as the evidence forms label them, so that an error names the field the user sees.
FIELD_LABELS = {
    "kind": "Kind", "title": "Title", "date_obtained": "Date obtained", "description": "Description",
    "seal_numbers": "Seal numbers", "location": "Location", "source_request": "Source request",
    "providing_state": "Providing State", "providing_authority": "Providing authority", "legal_basis": "Legal basis",
    "purpose_limitation": "Purpose limitation", "file": "File", "place": "Place", "reason": "Reason",
    "at": "Date and time", "to_user": "Handed to", "recipient": "Recipient", "recipient_kind": "Recipient kind",
    "recipient_state": "Recipient State", "purpose": "Purpose", "items": "Items", "fields": "What to disclose",
    "consent_reference": "Consent reference", "upload": "File", "sha512": "SHA-512",
}


def _labelled(errors: dict) -> list[tuple[str, str]]:
    out = []
    for key, reason in (errors or {}).items():
        label = FIELD_LABELS.get(key, str(key).replace("_", " ").capitalize())
        reason = str(reason)
        if reason.startswith(label + ":"):
            reason = reason[len(label) + 1:].strip()
        out.append((label, reason))
    return out
