"""Builder pages. Thin: check membership (others get 404), log reads of personal data, call actions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from comity.builder import actions, checks
from comity.builder.models import LANGUAGES, Draft, GeneratedDocument, Translation
from comity.cases import actions as case_actions
from comity.cases import reads
from comity.cases.access import MEMBER_PURPOSE
from comity.cases.models import CooperationRequest, Document
from comity.cases.validation import country_name
from comity.errors import InvalidInput, NotAllowed, NotFound


def _request_for_member(request, pk) -> CooperationRequest:
    req = CooperationRequest.objects.select_related("case").filter(pk=pk).first()
    if req is None or not case_actions.is_member(req.case, request.user):
        raise Http404("No such request.")
    return req


def _draft(req) -> Draft | None:
    return Draft.objects.filter(request=req).first()


def _form_sections(draft: Draft, found: list[dict]) -> tuple[list[dict], list[dict]]:
    """The fields the measure asks for, split into what is still missing and what is filled."""
    missing_fields = {f for item in found for f in item["fields"]}
    required = {f for item in found if item["kind"] == "missing" for f in item["fields"]}
    missing, filled = [], []
    for name in checks.fields_for(draft.measure):
        spec = checks.fields()[name]
        value = draft.content.get(name, "")
        row = {"name": name, "label": spec["label"], "type": spec["type"], "max": spec.get("max"),
               "value": value, "flagged": name in missing_fields, "required": name in required}
        (missing if name in missing_fields else filled).append(row)
    return missing, filled


@login_required
def builder(request, pk):
    req = _request_for_member(request, pk)
    draft = _draft(req)
    reads.log_read(request.user, req.case, what="builder_view", purpose=MEMBER_PURPOSE, obj=draft or req)
    from comity.web.fields import language_names

    all_languages = sorted(language_names("en").items(), key=lambda kv: kv[1])
    ctx = {"req": req, "draft": draft, "languages": LANGUAGES, "all_languages": all_languages,
           "requesting_name": country_name(req.requesting_state), "requested_name": country_name(req.requested_state)}
    if draft is None:
        ctx["measures"] = [(m, checks.measures()[m]["label"]) for m in checks.measures_for(req.kind)]
        return render(request, "builder/start.html", ctx)
    found = actions.findings(draft)
    missing, filled = _form_sections(draft, found)
    case_persons = {p["entity_id"]: p for p in draft.content.get("persons") or []}
    parties = [{"entity": e, "included": e.pk in case_persons,
                "pseudonym": (case_persons.get(e.pk) or {}).get("pseudonym", ""),
                "fields": (case_persons.get(e.pk) or {}).get("fields", {})}
               for e in req.case.entities.filter(schema__in=actions.PARTY_SCHEMATA)]
    ctx.update({
        "measure_label": checks.measures()[draft.measure]["label"],
        "missing": [f for f in found if f["kind"] == "missing"],
        "quality": [f for f in found if f["kind"] == "quality"],
        "missing_fields": missing, "filled_fields": filled, "parties": parties,
        "requirements": checks.state_requirements(req.requested_state, draft.measure, req.legal_basis_instrument),
        "translations": draft.translations.select_related("document"),
        "translation_statuses": Translation.Status.choices,
        "generated": GeneratedDocument.objects.filter(draft=draft).select_related("document"),
        "case_documents": Document.objects.filter(case=req.case).order_by("-uploaded_at")[:100],
        "incoming": req.direction == "incoming",
        "blocked": actions.translations_pending(req),
    })
    return render(request, "builder/draft.html", ctx)


#: Names of the builder's own inputs that are not draft fields.
_INPUT_LABELS = {"languages": "Languages it must be sent in", "language": "Language", "measure": "Measure",
                 "format": "Format", "status": "Translation status", "translator": "Translator",
                 "document": "Translated document", "purpose": "Document", "persons": "Persons concerned"}


def _field_label(key: str) -> str:
    """The label the user sees for a field the actions name by its key (fields.yaml for draft fields)."""
    spec = checks.load("fields")["fields"].get(key)
    if spec and spec.get("label"):
        return spec["label"]
    return _INPUT_LABELS.get(key, key.replace("_", " ").capitalize())


def _message(key: str, reason) -> str:
    """"Label: reason", or the reason alone where it already names the field."""
    label, reason = _field_label(key), str(reason)
    return reason if reason.startswith(label) else f"{label}: {reason}"


def _done(request, req, call, ok):
    try:
        call()
        messages.success(request, ok)
    except InvalidInput as e:
        messages.error(request, "Not saved. " + "; ".join(_message(k, v) for k, v in e.errors.items()))
    except (NotAllowed, NotFound) as e:
        messages.error(request, str(e))
    return redirect("builder:draft", pk=req.pk)


@login_required
@require_POST
def start(request, pk):
    req = _request_for_member(request, pk)
    return _done(request, req, lambda: actions.do_start_draft(req, measure=request.POST.get("measure", ""),
                                                              language=request.POST.get("language", "en"),
                                                              acting_user=request.user),
                 "Draft opened, filled from the case.")


@login_required
@require_POST
def save(request, pk):
    req = _request_for_member(request, pk)
    draft = _draft(req) or _raise404()
    changes = {}
    for name in checks.fields_for(draft.measure):
        spec = checks.fields()[name]
        if spec["type"] == "bool":
            if f"has_{name}" in request.POST:
                changes[name] = name in request.POST
        elif name in request.POST:
            changes[name] = request.POST.get(name)
    if "persons_form" in request.POST:
        changes["persons"] = [{"entity_id": eid, "pseudonym": request.POST.get(f"pseudonym_{eid}", "")}
                              for eid in request.POST.getlist("person")]
        # Keep the fields already trimmed for persons that stay in.
        kept = {str(p["entity_id"]): p for p in draft.content.get("persons") or []}
        for p in changes["persons"]:
            if str(p["entity_id"]) in kept:
                p["fields"] = kept[str(p["entity_id"])].get("fields", {})
    language = request.POST.get("language") or None
    return _done(request, req, lambda: actions.do_save_draft(draft, changes=changes, language=language,
                                                             acting_user=request.user), "Draft saved.")


@login_required
@require_POST
def minimise(request, pk):
    req = _request_for_member(request, pk)
    draft = _draft(req) or _raise404()
    return _done(request, req, lambda: actions.do_minimise_personal_data(draft, acting_user=request.user),
                 "Personal data reduced to what the measure needs.")


@login_required
@require_POST
def generate(request, pk):
    req = _request_for_member(request, pk)
    draft = _draft(req) or _raise404()
    return _done(request, req, lambda: actions.do_generate_document(
        draft, fmt=request.POST.get("format", ""), language=request.POST.get("language") or None,
        purpose=request.POST.get("purpose", "request"), acting_user=request.user), "Document generated and stored.")


@login_required
@require_POST
def languages(request, pk):
    req = _request_for_member(request, pk)
    draft = _draft(req) or _raise404()
    from comity.web.fields import resolve_language

    typed = [c.strip() for c in request.POST.get("languages", "").replace(";", ",").split(",") if c.strip()]
    codes, unknown = [], []
    for part in typed:
        code = resolve_language(part)
        (codes.append(code) if code else unknown.append(part))
    if unknown:
        messages.error(request, "Not saved. Languages it must be sent in: " + ", ".join(f"“{u}”" for u in unknown)
                       + " is not a language; write its name, e.g. German, Italian.")
        return redirect("builder:draft", pk=req.pk)
    return _done(request, req, lambda: actions.do_set_required_languages(draft, languages=codes,
                                                                         acting_user=request.user),
                 "Languages set.")


@login_required
@require_POST
def translation(request, pk):
    req = _request_for_member(request, pk)
    draft = _draft(req) or _raise404()
    doc = None
    if request.POST.get("document"):
        doc = Document.objects.filter(case=req.case, pk=request.POST["document"]).first() or _raise404()

    def call():
        actions.do_update_translation(draft, language=request.POST.get("language", ""),
                                      status=request.POST.get("status", ""),
                                      translator=request.POST.get("translator", ""), document=doc,
                                      acting_user=request.user)
    return _done(request, req, call, "Translation updated.")


def _raise404():
    raise Http404("Not found.")
