"""Evidence pages. Only members of the case see its evidence (others get the same 404 as for a case
that does not exist); every read is logged through comity.cases.actions.do_record_access."""

from __future__ import annotations

import functools
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from comity.accounts.models import User
from comity.cases import actions as case_actions
from comity.cases import reads
from comity.cases.access import MEMBER_PURPOSE, PurposeRequired
from comity.cases.models import Case, CooperationRequest
from comity.errors import InvalidInput, NotFound
from comity.evidence import actions, crypto, keys, report
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
        "case": case, "can_write": case_actions.is_member(case, request.user), "purpose": purpose, "items": case.evidence_items.all(), "errors": errors, "error_list": _labelled(errors), "post": request.POST,
        "requests": case.requests.all(), "kinds": EvidenceKind.choices,
        "disclosures": case.disclosures.select_related("created_by")},
        status=400 if errors else 200)


@login_required
@_reads
def item_detail(request, pk):
    item, purpose = _item(request, pk)
    _log(request, item.case, "evidence_view", item, purpose)
    events = item.custody_events.select_related("actor", "from_user", "to_user").order_by("seq")
    members = User.objects.filter(memberships__case=item.case, memberships__revoked_at__isnull=True).order_by("username")
    return render(request, "evidence/item_detail.html", {
        "item": item, "events": events, "kinds": CustodyKind.choices, "members": members,
        "errors": {}, "post": {}, "can_write": case_actions.is_member(item.case, request.user), "purpose": purpose})


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
        events = item.custody_events.select_related("actor", "from_user", "to_user").order_by("seq")
        members = User.objects.filter(memberships__case=item.case, memberships__revoked_at__isnull=True)
        return render(request, "evidence/item_detail.html", {
            "item": item, "events": events, "kinds": CustodyKind.choices, "members": members,
            "errors": exc.errors, "error_list": _labelled(exc.errors), "post": p, "can_write": True}, status=400)


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
    return JsonResponse(report.verification_report(item), json_dumps_params={"indent": 2})


@login_required
@_reads
def item_report_pdf(request, pk):
    item, purpose = _item(request, pk)
    _log(request, item.case, "evidence_report", item, purpose)
    pdf = report.report_pdf(report.verification_report(item))
    resp = HttpResponse(pdf, content_type="application/pdf")
    resp["Content-Disposition"] = f'attachment; filename="{item.exhibit_number}-verification.pdf"'
    return resp


@login_required
@_reads
def item_case_uco(request, pk):
    item, purpose = _item(request, pk)
    _log(request, item.case, "evidence_case_export", item, purpose)
    resp = HttpResponse(json.dumps(report.case_uco(item), indent=2), content_type="application/ld+json")
    resp["Content-Disposition"] = f'attachment; filename="{item.exhibit_number}.case.jsonld"'
    return resp


@login_required
@_reads
def item_download(request, pk):
    item, purpose = _item(request, pk)
    if item.kind != EvidenceKind.DIGITAL:
        raise Http404("No file.")
    try:
        reader = actions.open_plaintext(item)
    except InvalidInput as exc:
        return HttpResponse(str(exc), status=503, content_type="text/plain")
    _log(request, item.case, "evidence_download", item, purpose)

    def chunks():
        try:
            while data := reader.read(crypto.DEFAULT_CHUNK):
                yield data
        except crypto.CiphertextCorrupted:
            return  # the response ends short; the verification report names the damage
        finally:
            reader.close()

    resp = StreamingHttpResponse(chunks(), content_type=item.content_type or "application/octet-stream")
    resp["Content-Disposition"] = f'attachment; filename="{item.filename}"'
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
    resp["Content-Disposition"] = f'attachment; filename="disclosure-{d.uuid}.tar.cev"'
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
