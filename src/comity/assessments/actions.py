"""Saving assessments and their memos. Each runs in one transaction with its audit event."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from comity import audit
from comity.assessments.models import AssessmentSnapshot
from comity.cases.actions import do_upload_document, require_member
from comity.errors import InvalidInput, NotAllowed
from comity.law.assess import InvalidFacts, assess


def run_assessment(facts) -> dict:
    """Assess facts; bad facts raise InvalidInput naming each field (as `facts.<field>`)."""
    if isinstance(facts, dict) and "__invalid_json__" in facts:
        raise InvalidInput({"facts_json": f"is not valid JSON ({facts['__invalid_json__']})"})
    try:
        return assess(facts)
    except InvalidFacts as e:
        raise InvalidInput({f"facts.{k}": v for k, v in e.errors.items()}) from None


def exposure(facts: dict) -> list[dict]:
    """The exposure question (defence counsel): the extradition question of `facts` asked of every State but
    the one that wants the person (`requesting_state`), in the order of the States' names. Each row: state,
    name, outcome, the grounds that apply ({code, label, mandatory}) and the instruments of the legal basis.
    Pure: nothing is stored or logged. Bad facts raise InvalidInput naming the field (`facts.<field>`)."""
    from comity import law
    from comity.law.assess import GROUNDS

    if not isinstance(facts, dict):
        raise InvalidInput({"facts": "must be an object of facts"})
    base = {**facts, "kind": "extradition"}
    base.pop("requested_state", None)
    wanted_by = base.get("requesting_state", "")
    try:
        law.check_state(wanted_by, "requesting_state")
    except law.LawError as e:
        errs = getattr(e, "errors", None)
        raise InvalidInput({f"facts.{k}": str(v) for k, v in errs.items()} if isinstance(errs, dict) and errs
                           else {"facts.requesting_state": str(e)}) from None
    rows = []
    for state, name in sorted(((s, p.name) for s, p in law.get_law().profiles.items()), key=lambda x: x[1]):
        if state == wanted_by:
            continue
        result = run_assessment({**base, "requested_state": state})
        rows.append({"state": state, "name": name, "outcome": result["outcome"],
                     "grounds": [{"code": g["code"], "label": GROUNDS.get(g["code"], {}).get("label", g["code"]),
                                  "mandatory": g["effect"] == "mandatory"}
                                 for g in result["grounds"] if g["status"] == "applies"],
                     "basis": [b["instrument"] for b in result["legal_basis"]]})
    return rows


def do_save_assessment(req, *, facts: dict, acting_user, via: str = "web") -> AssessmentSnapshot:
    """Save a dated, versioned snapshot of an assessment in the request's case."""
    require_member(req.case, acting_user)
    if acting_user.role == "oversight":
        raise NotAllowed("Oversight users read assessments; they do not make them.")
    result = run_assessment(facts)
    with transaction.atomic():
        snap = AssessmentSnapshot.objects.create(case=req.case, request=req, kind=result.get("kind", facts.get("kind")),
                                                 facts=facts, result=result, outcome=result["outcome"],
                                                 rules_version=result["rules_version"], created_by=acting_user)
        audit.record("assessment.saved", actor=acting_user, case=req.case_id, obj=snap, via=via,
                     new={"request": req.reference, "outcome": snap.outcome, "rules_version": snap.rules_version,
                          "grounds": [g["code"] for g in result["grounds"]]})
    return snap


def do_export_memo(snap: AssessmentSnapshot, *, fmt: str, acting_user, via: str = "web"):
    """Render the memo (PDF or DOCX), store it in the case as a document and link it to the snapshot."""
    from comity.assessments import memo

    require_member(snap.case, acting_user)
    if fmt not in ("pdf", "docx"):
        raise InvalidInput({"format": "must be pdf or docx"})
    data = memo.render_pdf(snap) if fmt == "pdf" else memo.render_docx(snap)
    name = f"assessment-{snap.case.reference}-{snap.pk}.{fmt}"
    ctype = "application/pdf" if fmt == "pdf" else \
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    with transaction.atomic():
        doc = do_upload_document(snap.case, upload=SimpleUploadedFile(name, data, content_type=ctype),
                                 title=f"Assessment memo ({fmt.upper()}) {snap.created_at:%Y-%m-%d}",
                                 request=snap.request, acting_user=acting_user, via=via)
        setattr(snap, f"memo_{fmt}", doc)
        snap.save(update_fields=[f"memo_{fmt}"])
        audit.record("assessment.memo_exported", actor=acting_user, case=snap.case_id, obj=snap, via=via,
                     new={"format": fmt, "document": doc.pk, "sha256": doc.sha256})
    return doc
