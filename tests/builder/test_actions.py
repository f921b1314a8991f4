"""The builder's actions: drafts filled from the case, validation, versions, generated documents, translations
and the lifecycle guard, incoming requests, and who may use the builder."""

from __future__ import annotations

import hashlib

import pytest

from comity.audit.models import AuditEvent
from comity.builder import actions, checks, render
from comity.builder.models import Draft, DraftVersion, GeneratedDocument, Translation
from comity.cases import actions as case_actions
from comity.cases.models import Document
from comity.errors import InvalidInput, NotFound
from tests.builder.conftest import ARABIC_NAME, CHINESE_NAME


def test_draft_is_filled_from_the_case(parties, make_request, supervisor):
    req = make_request("mla", requesting_authority="Procura di Milano", urgency="urgent",
                       urgency_reason="Suspect about to move the funds")
    draft = actions.do_start_draft(req, measure="records", acting_user=supervisor)
    c = draft.content
    assert req.legal_basis_instrument == "CETS-030"
    assert c["requesting_authority"] == "Procura di Milano"
    assert c["requested_authority"]  # CH central authority from the country profile
    assert c["proceedings_reference"] == req.case.reference and c["facts"] == "A test case"
    assert c["urgency_reason"] == "Suspect about to move the funds"
    assert "CH9300762011623852957" in c["account_identifiers"] and c["bank_records"] is True
    names = {p["name"] for p in c["persons"]}
    assert {ARABIC_NAME, CHINESE_NAME, "Maria Rossi"} <= names
    suspect = next(p for p in c["persons"] if p["name"] == ARABIC_NAME)
    assert suspect["fields"]["passportNumber"] == "LB1234567"
    # It asks only for what is missing: the authority, facts and accounts are not among the findings.
    missing = {f for item in actions.findings(draft) if item["kind"] == "missing" for f in item["fields"]}
    assert "requesting_authority" not in missing and "facts" not in missing and "account_identifiers" not in missing
    assert {"purpose", "assistance_sought"} <= missing
    assert draft.version == 1 and DraftVersion.objects.filter(draft=draft).count() == 1
    assert draft.required_languages == ["de"] and list(draft.translations.values_list("status", flat=True)) == ["needed"]
    assert AuditEvent.objects.filter(event_type="builder.draft_started", object_id=str(draft.pk)).exists()


def test_extradition_draft_fills_the_person_sought(parties, make_request, supervisor):
    req = make_request("extradition", instrument="CETS-024")
    draft = actions.do_start_draft(req, measure="extradition", acting_user=supervisor)
    assert draft.content["person_identity"].startswith(ARABIC_NAME)
    assert "LB1234567" in draft.content["person_identity"]


def test_measure_must_fit_the_request_kind(make_request, supervisor):
    req = make_request("mla")
    with pytest.raises(InvalidInput) as e:
        actions.do_start_draft(req, measure="extradition", acting_user=supervisor)
    assert "measure" in e.value.errors and "records" in e.value.errors["measure"]
    actions.do_start_draft(req, measure="records", acting_user=supervisor)
    with pytest.raises(InvalidInput) as e:
        actions.do_start_draft(req, measure="records", acting_user=supervisor)
    assert "already has a draft" in e.value.errors["request"]


def test_ccf_challenges_are_not_drafted_here(make_request, supervisor):
    req = make_request("notice", requested="FR", notice_action="ccf_challenge")
    with pytest.raises(InvalidInput) as e:
        actions.do_start_draft(req, measure="red_notice", acting_user=supervisor)
    assert "CCF" in e.value.errors["measure"]


def test_only_members_use_the_builder(make_request, supervisor, outsider):
    req = make_request("mla")
    with pytest.raises(NotFound):
        actions.do_start_draft(req, measure="records", acting_user=outsider)
    draft = actions.do_start_draft(req, measure="records", acting_user=supervisor)
    for call in (lambda: actions.do_save_draft(draft, changes={"purpose": "x"}, acting_user=outsider),
                 lambda: actions.do_generate_document(draft, fmt="pdf", acting_user=outsider),
                 lambda: actions.do_set_required_languages(draft, languages=["de"], acting_user=outsider),
                 lambda: actions.do_update_translation(draft, language="de", status="done", acting_user=outsider)):
        with pytest.raises(NotFound):
            call()


def test_saving_keeps_versions_and_audits_field_names_only(make_request, supervisor):
    req = make_request("mla")
    draft = actions.do_start_draft(req, measure="records", acting_user=supervisor)
    draft = actions.do_save_draft(draft, changes={"purpose": "Trace the proceeds", "records_date_from": "2025-03-01"},
                                  acting_user=supervisor)
    draft = actions.do_save_draft(draft, changes={"purpose": "Trace the proceeds to the end"}, acting_user=supervisor)
    assert draft.version == 3
    assert [v.content.get("purpose") for v in draft.versions.all()] == ["Trace the proceeds to the end",
                                                                         "Trace the proceeds", None]
    event = AuditEvent.objects.filter(event_type="builder.draft_saved").order_by("-seq").first()
    assert event.new_values == {"version": 3, "changed": ["purpose"]}


@pytest.mark.parametrize("field,value,reason", [
    ("facts", "x" * 50001, "Summary of the facts is longer than 50000 characters (50001)"),
    ("purpose", "x" * 3001, "Purpose of the evidence, information or measure is longer than 3000 characters"),
    ("signatory", "A\x00B", "contains control characters"),
    ("records_date_from", "2025-02-30", "is not a real date"),
    ("bank_records", "perhaps", "must be yes or no"),
    ("colour", "blue", "is not a field of the request builder"),
    ("facts", ["a list"], "must be text"),
])
def test_bad_input_is_refused_naming_the_field(make_request, supervisor, field, value, reason):
    req = make_request("mla")
    draft = actions.do_start_draft(req, measure="records", acting_user=supervisor)
    with pytest.raises(InvalidInput) as e:
        actions.do_save_draft(draft, changes={"purpose": "fine", field: value}, acting_user=supervisor)
    assert reason in e.value.errors[field]
    draft.refresh_from_db()
    assert draft.version == 1 and "purpose" not in draft.content  # nothing stored half-way


def test_persons_must_be_parties_of_the_case(parties, make_request, supervisor, make_user):
    req = make_request("mla")
    draft = actions.do_start_draft(req, measure="records", acting_user=supervisor)
    other_case = case_actions.do_create_case(title="Other", acting_user=supervisor)
    stranger = case_actions.do_add_entity(other_case, schema="Person", properties={"name": ["Zed"]},
                                          acting_user=supervisor)
    with pytest.raises(InvalidInput) as e:
        actions.do_save_draft(draft, changes={"persons": [{"entity_id": stranger.pk}]}, acting_user=supervisor)
    assert "no such party in this case" in e.value.errors["persons"]
    with pytest.raises(InvalidInput) as e:
        actions.do_save_draft(draft, changes={"persons": [{"entity_id": parties["witness"].pk,
                                                           "pseudonym": "W" * 101}]}, acting_user=supervisor)
    assert "pseudonym of Maria Rossi" in e.value.errors["persons"]


def test_pseudonym_and_minimisation_clear_the_quality_findings(parties, make_request, supervisor):
    req = make_request("mla")
    draft = actions.do_start_draft(req, measure="records", acting_user=supervisor)
    codes = {f["code"] for f in actions.findings(draft) if f["kind"] == "quality"}
    assert {"witness_identity", "data_minimisation"} <= codes
    persons = [{"entity_id": p["entity_id"], "pseudonym": "Witness A" if p["role"] == "witness" else ""}
               for p in draft.content["persons"]]
    draft = actions.do_save_draft(draft, changes={"persons": persons}, acting_user=supervisor)
    draft = actions.do_minimise_personal_data(draft, acting_user=supervisor)
    codes = {f["code"] for f in actions.findings(draft) if f["kind"] == "quality"}
    assert not {"witness_identity", "data_minimisation"} & codes
    suspect = next(p for p in draft.content["persons"] if p["name"] == ARABIC_NAME)
    assert "passportNumber" not in suspect["fields"] and suspect["fields"]["birthDate"] == "1980-02-03"


# --- generation ---------------------------------------------------------------------------------------

def test_incomplete_request_is_not_generated_and_says_what_is_missing(make_request, supervisor):
    req = make_request("mla")
    draft = actions.do_start_draft(req, measure="records", acting_user=supervisor)
    with pytest.raises(InvalidInput) as e:
        actions.do_generate_document(draft, fmt="pdf", acting_user=supervisor)
    assert "ETS 030 Art 14(1)(b)" in e.value.errors["draft"]
    assert not GeneratedDocument.objects.exists() and not Document.objects.exists()


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_generated_documents_are_case_documents_with_hash_and_version(parties, make_request, complete_draft,
                                                                      supervisor, fmt):
    req = make_request("mla")
    draft = complete_draft(req, "records")
    first = actions.do_generate_document(draft, fmt=fmt, acting_user=supervisor)
    second = actions.do_generate_document(draft, fmt=fmt, acting_user=supervisor)
    assert (first.version, second.version) == (1, 2)
    doc = second.document
    assert doc.case_id == req.case_id and doc.request_id == req.pk
    assert doc.filename == f"{req.reference}-request-en-v2.{fmt}"
    data = doc.file.open("rb").read()
    assert hashlib.sha256(data).hexdigest() == doc.sha256 and doc.size == len(data)
    assert AuditEvent.objects.filter(event_type="document.uploaded", object_id=str(doc.pk)).exists()
    event = AuditEvent.objects.get(event_type="builder.document_generated", object_id=str(second.pk))
    assert event.new_values["sha256"] == doc.sha256 and event.new_values["version"] == 2
    text = " ".join((render.pdf_text(data) if fmt == "pdf" else render.docx_text(data)).split())
    assert ARABIC_NAME in text and CHINESE_NAME in text
    assert "Request for mutual legal assistance in criminal matters" in text


@pytest.mark.parametrize("kind,instrument,measure", [
    ("mla", "", "search_seizure"), ("mla", "", "service_of_documents"), ("extradition", "CETS-024", "extradition"),
    ("extradition", "CETS-024", "provisional_arrest"), ("transfer", "CETS-112", "transfer"),
    ("asset_recovery", "UNCAC", "asset_return"), ("notice", "", "red_notice")])
def test_every_kind_generates(parties, make_request, complete_draft, supervisor, kind, instrument, measure):
    kw = {"notice_action": "publication"} if kind == "notice" else {}
    req = make_request(kind, instrument=instrument, **kw)
    draft = complete_draft(req, measure)
    assert [f for f in actions.findings(draft) if f["kind"] == "missing"] == []
    generated = actions.do_generate_document(draft, fmt="docx", acting_user=supervisor)
    text = render.docx_text(generated.document.file.open("rb").read())
    title = checks.labels("en")["title"][render.title_key(measure)]
    assert title in text


def test_template_injection_comes_out_as_literal_text(parties, make_request, complete_draft, supervisor):
    req = make_request("mla")
    evil = "{{ settings.SECRET_KEY }} {% load static %} <script>alert(1)</script> <b>bold</b> {# c #}"
    draft = complete_draft(req, "records", facts=evil, purpose="{% debug %} and {{ doc.title }}")
    pdf = render.pdf_text(actions.do_generate_document(draft, fmt="pdf", acting_user=supervisor)
                          .document.file.open("rb").read())
    docx = render.docx_text(actions.do_generate_document(draft, fmt="docx", acting_user=supervisor)
                            .document.file.open("rb").read())
    for text in (" ".join(pdf.split()), docx):
        assert "{{ settings.SECRET_KEY }}" in text and "{% load static %}" in text
        assert "<script>alert(1)</script>" in text and "<b>bold</b>" in text
        assert "{% debug %} and {{ doc.title }}" in text
    assert "&lt;" not in docx  # plain runs, not escaped markup


def test_incoming_request_gets_a_completeness_report_and_a_request_for_information(parties, make_request,
                                                                                   supervisor):
    req = make_request("mla", direction="incoming", requesting="CH", requested="IT")
    draft = actions.do_start_draft(req, measure="search_seizure", acting_user=supervisor)
    assert draft.required_languages == []
    draft = actions.do_save_draft(draft, changes={"assistance_sought": "Search any and all premises of the company"},
                                  acting_user=supervisor)
    found = actions.findings(draft)
    assert {"purpose", "search_details"} <= {f["code"] for f in found if f["kind"] == "missing"}
    with pytest.raises(InvalidInput) as e:
        actions.do_generate_document(draft, fmt="pdf", acting_user=supervisor)
    assert "further information" in e.value.errors["purpose"]
    for fmt in ("pdf", "docx"):
        rfi = actions.do_generate_document(draft, fmt=fmt, purpose="rfi", language="fr", acting_user=supervisor)
        data = rfi.document.file.open("rb").read()
        text = " ".join((render.pdf_text(data) if fmt == "pdf" else render.docx_text(data)).split())
        assert "Demande d'informations complémentaires" in text
        assert "ETS 030 Art 14(1)(b)" in text and "fishing" in text
        assert rfi.document.filename.endswith(f"further-information-fr-v1.{fmt}")


def test_no_request_for_information_when_nothing_is_missing(make_request, complete_draft, supervisor):
    req = make_request("mla", direction="incoming", requesting="CH", requested="IT")
    draft = complete_draft(req, "records")
    with pytest.raises(InvalidInput) as e:
        actions.do_generate_document(draft, fmt="pdf", purpose="rfi", acting_user=supervisor)
    assert "nothing to ask" in e.value.errors["draft"]


# --- translations and the lifecycle guard -------------------------------------------------------------

def _upload(req, supervisor, name="translation-de.pdf"):
    from django.core.files.base import ContentFile

    return case_actions.do_upload_document(req.case, upload=ContentFile(b"%PDF-1.4 translated", name=name),
                                           request=req, acting_user=supervisor)


def test_request_cannot_be_sent_until_translations_are_done(make_request, complete_draft, supervisor):
    req = make_request("mla")
    draft = complete_draft(req, "records")
    # Approving needs the translations too (issue 11): neither approve nor send is possible yet.
    with pytest.raises(InvalidInput) as e:
        case_actions.do_transition_request(req, "approve", acting_user=supervisor)
    assert "translations not done: de (needed)" in e.value.errors["transition"]
    actions.do_update_translation(draft, language="de", status="in_progress", translator="L. Weber",
                                  acting_user=supervisor)
    with pytest.raises(InvalidInput) as e:
        case_actions.do_transition_request(req, "approve", acting_user=supervisor)
    assert "de (in progress)" in e.value.errors["transition"]
    with pytest.raises(InvalidInput) as e:
        actions.do_update_translation(draft, language="de", status="done", translator="L. Weber",
                                      acting_user=supervisor)
    assert "attach the translated document" in e.value.errors["document"]
    actions.do_update_translation(draft, language="de", status="done", translator="L. Weber",
                                  document=_upload(req, supervisor), acting_user=supervisor)
    case_actions.do_transition_request(req, "approve", acting_user=supervisor)
    step = case_actions.do_transition_request(req, "send", acting_user=supervisor)
    assert step.to_status == "sent"
    assert AuditEvent.objects.filter(event_type="builder.translation_updated").count() == 2


def test_extradition_formal_request_is_guarded_too(make_request, complete_draft, supervisor):
    req = make_request("extradition", instrument="bilateral:CN-IT:2010", requested="CN", requesting="IT")
    draft = complete_draft(req, "extradition")
    assert draft.required_languages == ["zh"]
    with pytest.raises(InvalidInput) as e:
        case_actions.do_transition_request(req, "submit_formal_request", acting_user=supervisor)
    assert "zh (needed)" in e.value.errors["transition"]
    actions.do_update_translation(draft, language="zh", status="certified", translator="Li Wei",
                                  document=_upload(req, supervisor, "zh.pdf"), acting_user=supervisor)
    assert case_actions.do_transition_request(req, "submit_formal_request", acting_user=supervisor)


def test_requests_without_a_draft_cannot_be_approved_or_sent_without_an_override(make_request, supervisor):
    """A request that never went through the builder used to be approved and sent with no completeness check."""
    req = make_request("mla")
    with pytest.raises(InvalidInput) as e:
        case_actions.do_transition_request(req, "approve", acting_user=supervisor)
    assert "draft" in e.value.errors["transition"]
    req.refresh_from_db()
    assert req.status == "draft"


def test_required_languages_can_be_changed(make_request, supervisor):
    req = make_request("mla")
    draft = actions.do_start_draft(req, measure="records", acting_user=supervisor)
    draft = actions.do_set_required_languages(draft, languages=["fr", "it", "fr"], acting_user=supervisor)
    assert draft.required_languages == ["fr", "it"]
    assert sorted(draft.translations.values_list("language", flat=True)) == ["fr", "it"]
    with pytest.raises(InvalidInput) as e:
        actions.do_set_required_languages(draft, languages=["xx"], acting_user=supervisor)
    assert "ISO 639-1" in e.value.errors["languages"]
    with pytest.raises(InvalidInput):
        actions.do_set_required_languages(draft, languages=["en"], acting_user=supervisor)
    actions.do_set_required_languages(draft, languages=[], acting_user=supervisor)
    assert actions.translations_pending(req) is None
    assert not Translation.objects.filter(draft=draft).exists()


def test_translation_document_must_belong_to_the_case(make_request, supervisor):
    req = make_request("mla")
    draft = actions.do_start_draft(req, measure="records", acting_user=supervisor)
    other = case_actions.do_create_case(title="Other", acting_user=supervisor)
    from django.core.files.base import ContentFile

    foreign = case_actions.do_upload_document(other, upload=ContentFile(b"x", name="x.pdf"), acting_user=supervisor)
    with pytest.raises(InvalidInput) as e:
        actions.do_update_translation(draft, language="de", status="done", translator="A", document=foreign,
                                      acting_user=supervisor)
    assert "another case" in e.value.errors["document"]
    assert Draft.objects.get(pk=draft.pk).translations.get().status == "needed"
