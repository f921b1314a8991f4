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
