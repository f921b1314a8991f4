"""Every change the request builder makes goes through a function here.

Each validates first (raising InvalidInput with a reason per field, so nothing is stored half-way), runs
in one transaction that writes its audit event, and leaves side effects (none yet) to after commit.
Only members of the request's case may use the builder; others are told the case does not exist.
"""

from __future__ import annotations

import re

import pycountry
from django.core.files.base import ContentFile
from django.db import transaction

from comity import audit, law
from comity.accounts.models import User
from comity.builder import checks, render
from comity.builder.models import LANGUAGES, Draft, DraftVersion, GeneratedDocument, Translation
from comity.cases.actions import do_upload_document, require_member
from comity.cases.models import CooperationRequest, Direction, Document, NoticeAction
from comity.cases.validation import text_error
from comity.errors import InvalidInput, check

LANGUAGE_CODES = {code for code, _ in LANGUAGES}
PERSON_SCHEMATA = {"Person"}
PARTY_SCHEMATA = {"Person", "Company", "Organization", "PublicBody"}
PROPERTY_SCHEMATA = {"Asset", "RealEstate", "Vehicle", "CryptoWallet"}
SUSPECT_ROLE = re.compile(r"suspect|accused|wanted|sentenced|defendant|fugitive|convicted|prévenu|acusado", re.I)
HOLDER_ROLE = re.compile(r"holder|titulaire|titular", re.I)
MAX_PERSONS = 200
MAX_PSEUDONYM = 100


_check = check  # comity.errors.check: one validation step for every action


# --- filling a draft from the case --------------------------------------------------------------------

def _first(props: dict, name: str) -> str:
    values = props.get(name) or []
    return values[0] if values else ""


def person_snapshot(entity) -> dict:
    """What a draft keeps of a party: name, role, and the identifying fields the case holds."""
    props = entity.properties or {}
    fields = {k: ", ".join(props[k]) for k in render.PERSON_FIELDS if props.get(k)}
    if entity.schema != "Person":
        fields = {k: ", ".join(props[k]) for k in ("registrationNumber", "jurisdiction", "address") if props.get(k)}
    return {"entity_id": entity.pk, "schema": entity.schema, "name": entity.caption, "role": entity.role,
            "pseudonym": "", "fields": fields}


def prefill(req: CooperationRequest, measure: str) -> dict:
    """A draft's first content, from what the case and the request already hold."""
    case = req.case
    entities = list(case.entities.all())
    content: dict = {
        "requesting_authority": req.requesting_authority,
        "requested_authority": req.requested_authority,
        "proceedings_nature": req.subject,
        "proceedings_reference": case.reference,
        "facts": case.summary,
        "urgency_reason": req.urgency_reason,
        "persons": [person_snapshot(e) for e in entities if e.schema in PARTY_SCHEMATA],
    }
    if not content["requested_authority"]:
        try:
            ca = law.country_profile(req.requested_state).fact("central_authority")
            content["requested_authority"] = (ca.value or "")[:300] if ca else ""
        except law.LawError:
            pass
    accounts = [e for e in entities if e.schema == "BankAccount"]
    if accounts:
        content["account_identifiers"] = "\n".join(
            " · ".join(x for x in (_first(e.properties, "iban") or _first(e.properties, "accountNumber"),
                                   _first(e.properties, "bankName"), _first(e.properties, "bic")) if x)
            for e in accounts)
        content["bank_records"] = measure == "records"
    holders = [e.caption for e in entities if e.schema in PARTY_SCHEMATA and HOLDER_ROLE.search(e.role or "")]
    if holders:
        content["account_holder"] = ", ".join(holders)
    assets = [e for e in entities if e.schema in PROPERTY_SCHEMATA or e.schema == "BankAccount"]
    if assets and (checks.builder_kind(measure) == "asset_recovery" or measure == "freezing_confiscation"):
        content["property_description"] = "\n".join(
            f"{e.schema_label}: {e.caption}" + (f" ({_first(e.properties, 'amount')} {_first(e.properties, 'currency')})"
                                                 if _first(e.properties, "amount") else "") for e in assets)
    suspects = [e for e in entities if e.schema == "Person" and SUSPECT_ROLE.search(e.role or "")]
    if suspects and "person_identity" in checks.fields_for(measure):
        s = person_snapshot(suspects[0])
        content["person_identity"] = "; ".join([s["name"]] + [f"{k}: {v}" for k, v in s["fields"].items()])
        nat = _first(suspects[0].properties, "nationality")
        if nat and measure == "transfer":
            content["nationality"] = nat
    for name, spec in checks.fields().items():  # keep prefilled text inside the field limits
        if isinstance(content.get(name), str) and spec.get("max"):
            content[name] = content[name][:spec["max"]]
    return {k: v for k, v in content.items() if v not in ("", None, [])}


# --- validation of draft content ----------------------------------------------------------------------

def _field_error(name: str, value) -> tuple[object, str | None]:
    """(clean value, error) for one content field."""
    spec = checks.fields().get(name)
    if spec is None:
        return None, "is not a field of the request builder"
    label = spec["label"]
    kind = spec["type"]
    if kind == "bool":
        if isinstance(value, bool):
            return value, None
        if value in ("on", "true", "1", "yes", 1):
            return True, None
        if value in ("", "off", "false", "0", "no", None, 0):
            return False, None
        return None, f"{label}: must be yes or no"
    if kind == "date":
        if value in (None, ""):
            return "", None
        try:
            day = checks.parse_day(value)
        except ValueError:
            return None, f"{label}: {value!r} is not a real date (YYYY-MM-DD)"
        if not (1900 <= day.year <= 2200):
            return None, f"{label}: {day.isoformat()} is out of range (1900-2200)"
        return day.isoformat(), None
    if value is None:
        value = ""
    if not isinstance(value, str):
        return None, f"{label}: must be text"
    error = text_error(value.replace("\t", " "), required=False, max_length=spec["max"])
    if error:
        return None, f"{label} {error}"
    return value.strip(), None


def _clean_persons(draft: Draft, persons) -> tuple[list | None, str | None]:
    """Persons as [{entity_id, pseudonym}] (or full snapshots): each must be a party of this case."""
    if not isinstance(persons, list):
        return None, "must be a list of {entity_id, pseudonym}"
    if len(persons) > MAX_PERSONS:
        return None, f"at most {MAX_PERSONS} persons"
    by_id = {e.pk: e for e in draft.request.case.entities.filter(schema__in=PARTY_SCHEMATA)}
    existing = {p.get("entity_id"): p for p in draft.content.get("persons") or []}
    out = []
    for i, p in enumerate(persons):
        if not isinstance(p, dict):
            return None, f"item {i + 1} must be an object"
        try:
            eid = int(p.get("entity_id"))
        except (TypeError, ValueError):
            return None, f"item {i + 1}: entity_id is required"
        if eid not in by_id:
            return None, f"item {i + 1}: no such party in this case"
        pseudonym = p.get("pseudonym") or ""
        error = text_error(pseudonym, required=False, max_length=MAX_PSEUDONYM)
        if error:
            return None, f"pseudonym of {by_id[eid].caption}: {error}"
        snap = existing.get(eid) or person_snapshot(by_id[eid])
        snap = dict(snap, pseudonym=pseudonym.strip())
        if isinstance(p.get("fields"), dict):  # a caller may send fewer fields than the case holds, never others
            snap["fields"] = {k: v for k, v in snap["fields"].items() if k in p["fields"]}
        out.append(snap)
    return out, None


def _validate_content(draft: Draft, changes: dict) -> dict:
    if not isinstance(changes, dict):
        raise InvalidInput({"content": "must be an object of field names to values"})
    clean, errors = {}, {}
    for name, value in changes.items():
        if name == "persons":
            clean[name], errors[name] = _clean_persons(draft, value)
        else:
            clean[name], errors[name] = _field_error(name, value)
    _check(errors)
    return clean


# --- actions ------------------------------------------------------------------------------------------

def _measure_error(req: CooperationRequest, measure: str) -> str | None:
    allowed = checks.measures_for(req.kind)
    if req.kind == "notice" and req.notice_action != NoticeAction.PUBLICATION:
        return "the builder drafts requests to publish a notice, not CCF challenges"
    if measure not in allowed:
        return f"{measure!r} is not a measure for this request; choose one of: {', '.join(allowed)}"
    return None


def do_start_draft(req: CooperationRequest, *, measure: str, language: str = "en", acting_user: User,
                   via: str = "web") -> Draft:
    """Open the builder for a request: a draft filled from the case, and the translations it needs."""
    require_member(req.case, acting_user)
    _check({"measure": _measure_error(req, measure),
            "language": None if language in LANGUAGE_CODES else f"{language!r} is not one of: en, fr, es",
            "request": "already has a draft" if Draft.objects.filter(request=req).exists() else None})
    content = prefill(req, measure)
    languages = checks.default_languages(req.requested_state, language, req.legal_basis_instrument) if req.direction == Direction.OUTGOING else []
    with transaction.atomic():
        draft = Draft.objects.create(request=req, measure=measure, language=language, content=content,
                                     required_languages=languages, created_by=acting_user)
        DraftVersion.objects.create(draft=draft, version=1, content=content, saved_by=acting_user)
        for code in languages:
            Translation.objects.create(draft=draft, language=code, updated_by=acting_user)
        audit.record("builder.draft_started", actor=acting_user, case=req.case_id, obj=draft, via=via,
                     new={"request": req.reference, "measure": measure, "language": language,
                          "prefilled": sorted(content), "required_languages": languages})
    return draft


def do_save_draft(draft: Draft, *, changes: dict, acting_user: User, language: str | None = None,
                  via: str = "web") -> Draft:
    """Change fields of a draft; the previous content stays as a version."""
    require_member(draft.request.case, acting_user)
    clean = _validate_content(draft, changes)
    _check({"language": None if language in (None, *LANGUAGE_CODES) else f"{language!r} is not one of: en, fr, es"})
    with transaction.atomic():
        draft = Draft.objects.select_for_update().get(pk=draft.pk)
        content = dict(draft.content)
        changed = sorted(k for k, v in clean.items() if content.get(k) != v)
        content.update(clean)
        content = {k: v for k, v in content.items() if v not in ("", None, [], False) or k == "persons"}
        draft.content = content
        draft.version += 1
        if language:
            draft.language = language
        draft.save(update_fields=["content", "version", "language", "updated_at"])
        DraftVersion.objects.create(draft=draft, version=draft.version, content=content, saved_by=acting_user)
        # Field names only: the values are personal data and stay in the draft's versions.
        audit.record("builder.draft_saved", actor=acting_user, case=draft.request.case_id, obj=draft, via=via,
                     new={"version": draft.version, "changed": changed})
    return draft


def do_minimise_personal_data(draft: Draft, *, acting_user: User, via: str = "web") -> Draft:
    """Keep only the personal data the measure needs (data/measures.yaml `personal_data`)."""
    needed = checks.measures()[draft.measure].get("personal_data", "all")
    if needed == "all":
        return draft
    persons = [dict(p, fields={k: v for k, v in (p.get("fields") or {}).items() if k in needed})
               if p.get("schema", "Person") == "Person" else p for p in draft.content.get("persons") or []]
    return do_save_draft(draft, changes={"persons": persons}, acting_user=acting_user, via=via)


def do_set_required_languages(draft: Draft, *, languages: list[str], acting_user: User, via: str = "web") -> Draft:
    """Set the languages the request must be sent in; each gets a translation to track."""
    require_member(draft.request.case, acting_user)
    if not isinstance(languages, list):
        raise InvalidInput({"languages": "must be a list of ISO 639-1 codes"})
    codes = []
    for code in languages:
        code = (code or "").strip().lower() if isinstance(code, str) else ""
        if not re.fullmatch(r"[a-z]{2}", code) or pycountry.languages.get(alpha_2=code) is None:
            raise InvalidInput({"languages": f"{code or '(empty)'!r} is not an ISO 639-1 language code"})
        if code not in codes:
            codes.append(code)
    if draft.language in codes:
        raise InvalidInput({"languages": f"{draft.language!r} is the draft's own language; list only translations"})
    with transaction.atomic():
        draft = Draft.objects.select_for_update().get(pk=draft.pk)
        old = list(draft.required_languages)
        draft.required_languages = codes
        draft.save(update_fields=["required_languages", "updated_at"])
        draft.translations.exclude(language__in=codes).delete()
        have = set(draft.translations.values_list("language", flat=True))
        for code in codes:
            if code not in have:
                Translation.objects.create(draft=draft, language=code, updated_by=acting_user)
        audit.record("builder.languages_set", actor=acting_user, case=draft.request.case_id, obj=draft, via=via,
                     old={"languages": old}, new={"languages": codes})
    return draft


def do_update_translation(draft: Draft, *, language: str, status: str, translator: str = "",
                          document: Document | None = None, acting_user: User, via: str = "web") -> Translation:
    """Record where a translation stands. Done or certified needs the translated document and its translator."""
    require_member(draft.request.case, acting_user)
    translation = draft.translations.filter(language=language).first()
    errors = {
        "language": None if translation else f"{language!r} is not a language this request must be sent in",
        "status": None if status in Translation.Status.values else
        f"{status!r} is not one of: {', '.join(Translation.Status.values)}",
        "translator": text_error(translator, required=status in Translation.DONE_STATUSES, max_length=200),
        "document": ("belongs to another case" if document is not None and document.case_id != draft.request.case_id
                     else "attach the translated document" if status in Translation.DONE_STATUSES and document is None
                     and (translation is None or translation.document_id is None) else None),
    }
    _check(errors)
    with transaction.atomic():
        old = {"status": translation.status, "translator_given": bool(translation.translator)}
        translation.status = status
        translation.translator = (translator or "").strip()
        if document is not None:
            translation.document = document
        translation.updated_by = acting_user
        translation.save()
        audit.record("builder.translation_updated", actor=acting_user, case=draft.request.case_id, obj=translation,
                     via=via, old=old, new={"language": language, "status": status,
                                            "translator_given": bool(translation.translator),
                                            "document": translation.document_id})
    return translation


def findings(draft: Draft) -> list[dict]:
    req = draft.request
    return [f.as_dict() for f in checks.completeness(draft.measure, req.legal_basis_instrument, draft.content)
            + checks.quality(draft.measure, draft.content, urgency=req.urgency,
                             instrument=req.legal_basis_instrument or "")]


CONTENT_TYPES = {"pdf": "application/pdf",
                 "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def do_generate_document(draft: Draft, *, fmt: str, language: str | None = None, purpose: str = "request",
                         acting_user: User, via: str = "web") -> GeneratedDocument:
    """Generate the request (outgoing) or the request for further information (incoming) as PDF or DOCX,
    and store it in the case as a new version."""
    req = draft.request
    require_member(req.case, acting_user)
    language = language or draft.language
    errors = {"format": None if fmt in CONTENT_TYPES else f"{fmt!r} is not one of: pdf, docx",
              "language": None if language in LANGUAGE_CODES else f"{language!r} is not one of: en, fr, es",
              "purpose": None if purpose in GeneratedDocument.Purpose.values else "must be request or rfi"}
    _check(errors)
    found = findings(draft)
    if purpose == "request":
        if req.direction != Direction.OUTGOING:
            raise InvalidInput({"purpose": "an incoming request gets a request for further information, not a request"})
        missing = [f for f in found if f["kind"] == "missing"]
        if missing:
            raise InvalidInput({"draft": "complete the request first; missing: "
                                + "; ".join(f"{f['message'].removeprefix('Missing: ').rstrip('.')} ({f['citation']})"
                                            for f in missing)})
    else:
        if req.direction != Direction.INCOMING:
            raise InvalidInput({"purpose": "a request for further information answers an incoming request"})
        if not found:
            raise InvalidInput({"draft": "the request is complete: there is nothing to ask for"})
    doc_data = render.document_blocks(req=req, content=draft.content, measure=draft.measure, language=language,
                                      purpose=purpose, findings=found)
    data = render.render_pdf(doc_data) if fmt == "pdf" else render.render_docx(doc_data)
    stored = None
    try:
        with transaction.atomic():
            draft = Draft.objects.select_for_update().get(pk=draft.pk)
            last = (GeneratedDocument.objects.filter(draft=draft, purpose=purpose, format=fmt, language=language)
                    .order_by("-version").values_list("version", flat=True).first())
            version = (last or 0) + 1
            stem = "request" if purpose == "request" else "further-information"
            upload = ContentFile(data, name=f"{req.reference}-{stem}-{language}-v{version}.{fmt}")
            upload.content_type = CONTENT_TYPES[fmt]
            title = checks.labels(language)["title"]["rfi" if purpose == "rfi" else render.title_key(draft.measure)]
            doc = do_upload_document(req.case, upload=upload, title=f"{title} ({language}, v{version})"[:200],
                                     request=req, acting_user=acting_user, via=via)
            stored = doc.file.name
            generated = GeneratedDocument.objects.create(draft=draft, document=doc, purpose=purpose, format=fmt,
                                                         language=language, version=version,
                                                         draft_version=draft.version, created_by=acting_user)
            audit.record("builder.document_generated", actor=acting_user, case=req.case_id, obj=generated, via=via,
                         new={"document": doc.pk, "sha256": doc.sha256, "format": fmt, "language": language,
                              "purpose": purpose, "version": version, "draft_version": draft.version})
    except Exception:
        if stored:
            Document._meta.get_field("file").storage.delete(stored)
        raise
    return generated


def translations_pending(req: CooperationRequest) -> str | None:
    """The lifecycle guard `translations_done`: None when the request may be sent, or the reason it may not.
    Requests without a builder draft have no translation requirements."""
    draft = Draft.objects.filter(request=req).first()
    if draft is None:
        return None
    pending = [f"{t.language} ({t.get_status_display().lower()})"
               for t in draft.translations.exclude(status__in=Translation.DONE_STATUSES)]
    if pending:
        return f"translations not done: {', '.join(pending)}"
    return None

