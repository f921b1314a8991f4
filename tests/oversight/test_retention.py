"""Retention and disposal: the review list, disposal that deletes personal data and files while the
tombstone, the certificate and a verifiable audit log remain, without the deleted content."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from comity.audit import ledger
from comity.audit.models import AuditEvent
from comity.builder.models import Draft
from comity.cases import actions as case_actions
from comity.cases.models import CooperationRequest, Document, Entity, Note
from comity.errors import InvalidInput, NotAllowed, NotFound
from comity.law.dates import add_months
from comity.oversight import actions
from comity.oversight.models import CaseDisposal, ProtectedPerson, RetentionUndertaking

NOTE = "Informant met Petrov at the Hotel Astoria on 3 March"
FILE_BYTES = b"%PDF-1.4 statement of Ivan Petrov about the Astoria meeting"


def _pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)


@pytest.fixture
def full_case(petrov_case, extradition, supervisor):
    from comity.builder import actions as builder_actions
    from tests.builder.conftest import good_content

    # A request drafted in the builder, with its generated PDF (which protects its Document row).
    draft = builder_actions.do_start_draft(extradition, measure="extradition", acting_user=supervisor)
    content = good_content("extradition")
    content.pop("persons")
    draft = builder_actions.do_save_draft(draft, changes=content, acting_user=supervisor)
    builder_actions.do_generate_document(draft, fmt="pdf", acting_user=supervisor)
    case_actions.do_add_note(petrov_case, text=NOTE, acting_user=supervisor)
    doc = case_actions.do_upload_document(petrov_case, upload=SimpleUploadedFile("petrov-statement.pdf", FILE_BYTES,
                                                                                 "application/pdf"),
                                          title="Statement of Petrov", acting_user=supervisor)
    actions.do_register_protected_person(petrov_case, pseudonym="Witness K", role="witness",
                                         true_identity="Olga Sidorova, born 1985", acting_user=supervisor)
    return petrov_case, doc


def test_retention_follows_the_longest_kind_and_undertakings_shorten_it(case, extradition, supervisor):
    assert actions.retention_for(case).due is None  # open case: the period has not started
    case_actions.do_close_case(case, reason="Proceedings ended", acting_user=supervisor)
    today = timezone.localdate()
    r = actions.retention_for(case)
    assert r.proceedings_ended == today and r.due == add_months(today, 120)  # extradition: 10 years
    actions.do_record_undertaking(case, kind="after_proceedings", months_after_proceedings=6,
                                  text="Requested State's condition: dispose 6 months after judgment",
                                  request=extradition, acting_user=supervisor)
    assert actions.retention_for(case).due == add_months(today, 6)
    actions.do_record_undertaking(case, kind="by_date", dispose_by=(today + dt.timedelta(days=30)).isoformat(),
                                  text="Letter of 1 May", acting_user=supervisor)
    assert actions.retention_for(case).due == today + dt.timedelta(days=30)


def test_expired_case_is_listed_for_review(login, case, supervisor, oversight, outsider):
    c = login(supervisor)
    assert case.reference not in c.get("/oversight/retention/").content.decode()
    actions.do_record_undertaking(case, kind="by_date", dispose_by=timezone.localdate().isoformat(),
                                  text="Undertaking in the request: dispose by today", acting_user=supervisor)
    assert case.reference in c.get("/oversight/retention/").content.decode()
    assert case.reference in login(oversight).get("/oversight/retention/").content.decode()
    assert login(outsider).get("/oversight/retention/").status_code == 403  # caseworkers: not their list


def test_disposal_deletes_personal_data_and_files_and_keeps_a_tombstone(login, full_case, supervisor, oversight,
                                                                        extradition,
                                                                        django_capture_on_commit_callbacks):
    case, doc = full_case
    path = Path(doc.file.path)
    generated = [Path(d.file.path) for d in Document.objects.filter(case=case).exclude(pk=doc.pk)]
    assert path.exists() and len(generated) == 1 and generated[0].exists()
    case_actions.do_close_case(case, reason="Proceedings ended", acting_user=supervisor)
    actions.do_record_undertaking(case, kind="after_proceedings", months_after_proceedings=0,
                                  text="Dispose of the data once the proceedings end", acting_user=supervisor)
    assert case.reference in login(supervisor).get("/oversight/retention/").content.decode()
    last_seq = AuditEvent.objects.latest("seq").seq

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        r = login(supervisor).post(f"/oversight/retention/cases/{case.pk}/dispose/",
                                   {"reason": "Retention expired; proceedings ended with surrender"})
        assert r.status_code == 302
        assert path.exists()  # files go only once the transaction has committed
    assert len(callbacks) == 1
    assert not [p for p in generated if p.exists()]

    assert not Entity.objects.filter(case=case).exists()
    assert not Document.objects.filter(case=case).exists()
    assert not Note.objects.filter(case=case).exists()
    assert not ProtectedPerson.objects.filter(case=case).exists()
    assert not path.exists()
    case.refresh_from_db()
    assert "Fraud ring" not in case.title and case.summary == ""
    assert CooperationRequest.objects.get(pk=extradition.pk).subject == "[disposed]"
    d = CaseDisposal.objects.get()
    assert d.case_reference == case.reference and d.reason.startswith("Retention expired")
    assert {k: v for k, v in d.counts.items() if k != "document_bytes"} == {
        "entities": 1, "documents": 2, "notes": 1, "protected_persons": 1, "requests": 1, "tasks": 0,
        "request_drafts": 1,  # documents: the upload and the request generated by the builder
        "assessments": 0, "evidence_items": 0, "disclosures": 0, "search_texts": 0}  # erased by the other apps
    assert not Draft.objects.filter(request__case=case).exists()
    assert d.providing_states == ["CH"]
    review = login(supervisor).get("/oversight/retention/")
    assert case.pk not in [c.pk for c, _ in review.context["rows"]]
    assert [x.case_reference for x in review.context["disposals"]] == [case.reference]

    # The log records the disposal, keeps verifying, and the new events hold none of the deleted content.
    with transaction.atomic():
        ledger.sign_current_head()
    assert ledger.verify_database().ok
    new_events = list(AuditEvent.objects.filter(seq__gt=last_seq))
    # The disposal, and the signing of the tree head that covers it (so its certificate shows it).
    assert [e.event_type for e in new_events] == ["case.disposed", "ledger.tree_head_signed"]
    dumped = json.dumps([ledger.event_dict(e) for e in new_events])
    for secret in ("Petrov", "Astoria", "Sidorova", "Witness K", "petrov-statement", "Fraud ring", "Surrender of X"):
        assert secret not in dumped
    assert new_events[0].new_values["counts"]["documents"] == 2 and new_events[0].seq == d.audit_seq

    # The certificate, for the providing State.
    r = login(supervisor).get(f"/oversight/disposals/{d.pk}/certificate.pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    text = _pdf_text(r.content)
    assert case.reference in text and "Switzerland (CH)" in text and "Retention expired" in text
    assert extradition.reference in text and "It is included in the signed tree head" in text
    assert "Petrov" not in text
    assert login(oversight).get(f"/oversight/disposals/{d.pk}/certificate.pdf").status_code == 200


def test_disposal_refusals(login, case, supervisor, caseworker, outsider):
    with pytest.raises(InvalidInput) as e:
        actions.do_dispose_case(case, reason="Retention expired long ago", acting_user=supervisor)
    assert "close the case" in e.value.errors["case"]
    case_actions.do_close_case(case, reason="Proceedings ended", acting_user=supervisor)
    with pytest.raises(InvalidInput) as e:
        actions.do_dispose_case(case, reason="Retention expired long ago", acting_user=supervisor)
    assert "confirm" in e.value.errors["confirm_early"]
    with pytest.raises(InvalidInput) as e:
        actions.do_dispose_case(case, reason="", acting_user=supervisor, confirm_early=True)
    assert "reason" in e.value.errors
    with pytest.raises(NotAllowed):
        actions.do_dispose_case(case, reason="Retention expired long ago", acting_user=caseworker, confirm_early=True)
    with pytest.raises(NotFound):
        actions.do_dispose_case(case, reason="Retention expired long ago", acting_user=outsider, confirm_early=True)
    assert login(outsider).post(f"/oversight/retention/cases/{case.pk}/dispose/",
                                {"reason": "Retention expired long ago"}).status_code == 404
    r = login(supervisor).post(f"/oversight/retention/cases/{case.pk}/dispose/", {"reason": "too short"})
    assert r.status_code == 422 and "reason" in r.context["disposal_form"].errors
    assert not CaseDisposal.objects.exists()
    d = actions.do_dispose_case(case, reason="Early disposal ordered by the court", acting_user=supervisor,
                                confirm_early=True)
    assert d.retention_due is not None
    with pytest.raises(InvalidInput):
        actions.do_dispose_case(case, reason="Early disposal ordered by the court", acting_user=supervisor,
                                confirm_early=True)
    assert login(outsider).get(f"/oversight/disposals/{d.pk}/certificate.pdf").status_code == 404


@pytest.mark.parametrize("data,field", [
    ({"kind": "forever", "text": "x"}, "kind"),
    ({"kind": "by_date", "text": "letter"}, "dispose_by"),
    ({"kind": "by_date", "text": "letter", "dispose_by": "2026-02-30"}, "dispose_by"),
    ({"kind": "after_proceedings", "text": "letter", "months_after_proceedings": "six"}, "months_after_proceedings"),
    ({"kind": "after_proceedings", "text": "letter", "months_after_proceedings": "-1"}, "months_after_proceedings"),
    ({"kind": "use_limitation", "text": ""}, "text"),
    ({"kind": "use_limitation", "text": "only for case X", "dispose_by": "2030-01-01"}, "dispose_by"),
])
def test_bad_undertaking_input(login, case, supervisor, data, field):
    r = login(supervisor).post(f"/oversight/retention/cases/{case.pk}/undertakings/", data)
    assert r.status_code == 422
    errors = r.context["undertaking_form"].errors
    assert field in errors or any(field in str(e) for e in errors.get("__all__", [])), errors
    assert not RetentionUndertaking.objects.exists()


def test_retention_page_is_compartmented(login, case, outsider, oversight):
    assert login(outsider).get(f"/oversight/retention/cases/{case.pk}/").status_code == 404
    assert login(oversight).get(f"/oversight/retention/cases/{case.pk}/").status_code == 404


def test_review_list_runs_a_constant_number_of_queries(login, supervisor):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    c = login(supervisor)

    def add_expired_cases(n):
        for i in range(n):
            x = case_actions.do_create_case(title=f"Old {i}", acting_user=supervisor)
            case_actions.do_create_request(x, kind="mla", direction="incoming", subject="s", requesting_state="FR",
                                           requested_state="IT", acting_user=supervisor)
            case_actions.do_close_case(x, reason="Proceedings ended", acting_user=supervisor)
            actions.do_record_undertaking(x, kind="after_proceedings", months_after_proceedings=0,
                                          text="Dispose after the proceedings", acting_user=supervisor)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            r = c.get("/oversight/retention/")
        return len(ctx.captured_queries), len(r.context["rows"])

    add_expired_cases(2)
    small, rows_small = count()
    add_expired_cases(5)
    large, rows_large = count()
    assert (rows_small, rows_large) == (2, 7)
    assert small == large
