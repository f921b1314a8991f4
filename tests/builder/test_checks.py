"""Completeness (per kind, measure and legal basis), quality checks, and the requested State's requirements.
Pure functions on plain data: no database."""

from __future__ import annotations

import pytest

from comity.builder import checks
from tests.builder.conftest import good_content

MLA_MEASURES = checks.measures_for("mla")
CASES = ([(m, i) for m in MLA_MEASURES for i in ("UNTOC", "UNCAC", "CETS-030", "EU-EIO")]
         + [(m, i) for m in checks.measures_for("extradition") for i in ("CETS-024", "EU-EAW")]
         + [("transfer", "CETS-112")]
         + [(m, i) for m in checks.measures_for("asset_recovery") for i in ("UNCAC", "UNTOC")]
         + [("red_notice", "")])


def test_every_measure_of_every_request_kind_is_covered():
    covered = {m for m, _ in CASES}
    assert covered == set(checks.measures())
    assert len(MLA_MEASURES) == 9


@pytest.mark.parametrize("measure,instrument", CASES)
def test_complete_draft_passes(measure, instrument):
    content = good_content(measure)
    assert checks.completeness(measure, instrument, content) == []
    assert checks.quality(measure, content) == []


@pytest.mark.parametrize("measure,instrument", CASES)
def test_removing_each_required_element_fails_with_its_article(measure, instrument):
    elements, by_analogy = checks.required_elements(measure, instrument)
    assert elements and not by_analogy
    for element in elements:
        for name in element.fields:
            content = good_content(measure)
            content.pop(name)
            found = {f.code: f for f in checks.completeness(measure, instrument, content)}
            assert element.code in found, (measure, instrument, element.code, name)
            assert found[element.code].citation == element.citation
            assert name in found[element.code].fields
            assert element.label in found[element.code].message


@pytest.mark.parametrize("measure,instrument,field,article", [
    ("records", "UNTOC", "purpose", "UNTOC Art 18(15)(f)"),
    ("records", "UNCAC", "requesting_authority", "UNCAC Art 46(15)(a)"),
    ("witness_hearing", "UNTOC", "facts", "UNTOC Art 18(15)(c)"),
    ("search_seizure", "CETS-030", "assistance_sought", "ETS 030 Art 14(1)(b)"),
    ("records", "EU-EIO", "account_identifiers", "Directive 2014/41/EU Annex A, section H3"),
    ("interception", "EU-EIO", "interception_target", "Directive 2014/41/EU Annex A, section H7"),
    ("search_seizure", "EU-EIO", "proceedings_nature", "Directive 2014/41/EU Annex A, section F"),
    ("extradition", "CETS-024", "warrant", "ETS 024 Art 12(2)(a)"),
    ("extradition", "CETS-024", "legal_provisions", "ETS 024 Art 12(2)(c)"),
    ("extradition", "EU-EAW", "warrant", "Framework Decision 2002/584/JHA Art 8(1)(c)"),
    ("extradition", "EU-EAW", "person_identity", "Framework Decision 2002/584/JHA Art 8(1)(a)"),
    ("provisional_arrest", "CETS-024", "intention_to_request", "ETS 024 Art 16(2)"),
    ("extradition_after_arrest", "CETS-024", "provisional_arrest", "ETS 024 Art 16(4)"),
    ("transfer", "CETS-112", "consent", "ETS 112 Art 3(1)(d)"),
    ("asset_return", "UNCAC", "return_basis", "UNCAC Art 57(3)"),
    ("red_notice", "", "offence_time_place", "INTERPOL RPD Art 83(2)(b)(i)"),
    ("red_notice", "", "warrant", "INTERPOL RPD Art 83(2)(b)(iv)"),
])
def test_missing_element_names_the_article(measure, instrument, field, article):
    content = good_content(measure)
    content.pop(field)
    assert article in [f.citation for f in checks.completeness(measure, instrument, content)]


def test_service_of_documents_needs_no_summary_of_facts():
    """UNTOC Art 18(15)(c): a summary of facts, except for the service of judicial documents."""
    content = good_content("service_of_documents")
    content.pop("facts", None)
    assert checks.completeness("service_of_documents", "UNTOC", content) == []
    content = good_content("records")
    content.pop("facts")
    assert [f.code for f in checks.completeness("records", "UNTOC", content)] == ["facts"]


def test_bank_accounts_required_only_when_bank_records_are_sought():
    content = good_content("records")
    content.pop("account_identifiers")
    content["bank_records"] = False
    assert checks.completeness("records", "EU-EIO", content) == []
    content["bank_records"] = True
    assert [f.code for f in checks.completeness("records", "EU-EIO", content)] == ["bank_accounts"]


def test_protocols_take_their_conventions_rules():
    content = good_content("records")
    content.pop("purpose")
    assert [f.citation for f in checks.completeness("records", "CETS-182", content)] == ["ETS 030 Art 14(1)(b)"]


def test_unknown_legal_basis_checks_by_analogy_and_says_so():
    content = good_content("records")
    content.pop("purpose")
    (finding,) = checks.completeness("records", "bilateral:IT-US:1982", content)
    assert finding.by_analogy and "by analogy" in finding.message and finding.citation == "UNTOC Art 18(15)(f)"


def test_unverified_mappings_are_flagged():
    elements, _ = checks.required_elements("extradition", "CETS-024")
    assert all(e.verified for e in elements if e.citation.startswith("ETS 024 Art 12") and e.code != "signatory")
    elements, _ = checks.required_elements("extradition", "EU-EAW")
    assert not any(e.verified for e in elements if "Art 8" in e.citation)


# --- quality ------------------------------------------------------------------------------------------

def _codes(measure, content, **kw):
    return [f.code for f in checks.quality(measure, content, **kw)]


def _reasons(measure, content, **kw):
    return {f.code: f.message for f in checks.quality(measure, content, **kw)}


def test_no_date_range_fires_and_stays_quiet():
    bad = good_content("records")
    bad.pop("records_date_to")
    assert "no_date_range" in _codes("records", bad)
    assert "date range" in _reasons("records", bad)["no_date_range"]
    assert "no_date_range" not in _codes("records", good_content("records"))


@pytest.mark.parametrize("phrase", ["any and all documents", "All records held by the bank",
                                    "tous les documents", "todos los documentos"])
def test_fishing_request_fires_without_a_link_to_the_facts(phrase):
    bad = good_content("records")
    bad["assistance_sought"] = f"Provide {phrase} relating to the suspect."
    bad.pop("link_to_offence")
    assert "fishing" in _codes("records", bad)
    good = dict(bad, link_to_offence=good_content("records")["link_to_offence"])
    assert "fishing" not in _codes("records", good)


def test_bank_records_without_identifiers_or_holder():
    bad = good_content("records")
    bad.pop("account_holder")
    reasons = _reasons("records", bad)
    assert "bank_without_account" in reasons and "account holder" in reasons["bank_without_account"]
    assert "bank_without_account" not in _codes("records", good_content("records"))


@pytest.mark.parametrize("measure", ["witness_hearing", "records", "search_seizure", "interception", "expert_opinion",
                                     "preservation", "temporary_transfer"])
def test_no_link_between_evidence_and_offence(measure):
    bad = good_content(measure)
    bad["link_to_offence"] = "relevant"
    assert "no_link" in _codes(measure, bad)
    assert "no_link" not in _codes(measure, good_content(measure))


def test_no_link_not_asked_for_service_of_documents():
    content = good_content("service_of_documents")
    assert "no_link" not in _codes("service_of_documents", content)


def test_urgency_without_reason_or_date():
    content = good_content("records")
    reasons = _reasons("records", content, urgency="urgent")
    assert "urgency_unexplained" in reasons and "a reason" in reasons["urgency_unexplained"]
    content.update(urgency_reason="Suspect leaves the country on 1 May", urgency_date="2026-04-30")
    assert "urgency_unexplained" not in _codes("records", content, urgency="very_urgent")
    assert "urgency_unexplained" not in _codes("records", good_content("records"))


def test_no_confidentiality_statement_where_the_measure_would_alert_the_suspect():
    bad = good_content("interception")
    bad.pop("confidentiality")
    assert "no_confidentiality" in _codes("interception", bad)
    assert "no_confidentiality" not in _codes("interception", good_content("interception"))
    service = good_content("service_of_documents")
    service.pop("confidentiality")
    service["confidential"] = False
    assert "no_confidentiality" not in _codes("service_of_documents", service)


def test_data_minimisation_names_the_extra_fields():
    person = {"entity_id": 1, "schema": "Person", "name": "Karim Haddad", "role": "suspect", "pseudonym": "",
              "fields": {"address": "Zurich", "passportNumber": "LB1234567", "birthDate": "1980-02-03"}}
    bad = good_content("service_of_documents", persons=[person])
    reasons = _reasons("service_of_documents", bad)
    assert "passportNumber" in reasons["data_minimisation"] and "birthDate" not in reasons["data_minimisation"]
    person["fields"].pop("passportNumber")
    assert "data_minimisation" not in _codes("service_of_documents", bad)
    # Extradition needs the person identified as fully as possible.
    assert "data_minimisation" not in _codes("extradition", good_content("extradition", persons=[
        dict(person, fields={"passportNumber": "LB1234567"})]))


def test_witness_or_informant_named_where_a_pseudonym_would_do():
    witness = {"entity_id": 3, "schema": "Person", "name": "Maria Rossi", "role": "witness", "pseudonym": "",
               "fields": {}}
    informant = {"entity_id": 4, "schema": "Person", "name": "J. Doe", "role": "confidential informant",
                 "pseudonym": "", "fields": {}}
    reasons = _reasons("records", good_content("records", persons=[witness]))
    assert "Maria Rossi" in reasons["witness_identity"] and "pseudonym" in reasons["witness_identity"]
    # Hearing the witness needs their identity; an informant never needs to be named.
    assert "witness_identity" not in _codes("witness_hearing", good_content("witness_hearing", persons=[witness]))
    assert "witness_identity" in _codes("witness_hearing", good_content("witness_hearing", persons=[informant]))
    informant["pseudonym"] = "Source A"
    assert "witness_identity" not in _codes("witness_hearing", good_content("witness_hearing", persons=[informant]))


def test_every_quality_check_explains_itself():
    for check in checks.QUALITY_CHECKS:
        assert check.__doc__ and len(check.__doc__.strip()) > 40


# --- the requested State ------------------------------------------------------------------------------

def _req(requirements):
    return {r.label: r for r in requirements}


def test_requirements_of_the_requested_state_carry_sources():
    reqs = _req(checks.state_requirements("FR", "records", "CETS-030"))
    assert reqs["Languages accepted"].value == "French (fr)" and reqs["Languages accepted"].verified is True  # the EJN fiche for France, read
    assert reqs["Languages accepted"].source
    assert "Ministère de la Justice" in reqs["Central authority"].value
    assert reqs["Channel"].citation == "ETS 030 Art 15" and reqs["Channel"].extra["channel"] == "central_authority"
    assert reqs["Certification or apostille"].citation == "ETS 030 Art 17"
    assert "Not recorded" in reqs["Original documents"].value and reqs["Original documents"].verified is False


def test_search_and_seizure_dual_criminality_from_the_states_declaration():
    reqs = _req(checks.state_requirements("DE", "search_seizure", "CETS-030"))
    assert "dual criminality" in reqs["Search and seizure conditions"].value
    assert reqs["Search and seizure conditions"].citation == "ETS 030 Art 5"


def test_extradition_requirements_include_nationals_and_dual_criminality():
    reqs = _req(checks.state_requirements("CH", "extradition", "CETS-024"))
    assert reqs["Channel"].extra["channel"] == "diplomatic"
    assert reqs["Dual criminality"].citation == "ETS 024 Art 2(1)"
    assert "Extradition of nationals" in reqs
    assert reqs["Original documents"].citation == "ETS 024 Art 12(2)(a)"


def test_red_notice_goes_through_interpol():
    reqs = _req(checks.state_requirements("CH", "red_notice", ""))
    assert reqs["Channel"].extra["channel"] == "interpol"


def test_eio_goes_directly_between_judicial_authorities():
    assert _req(checks.state_requirements("DE", "records", "EU-EIO"))["Channel"].extra["channel"] == "direct_judicial"


def test_default_languages_from_the_profile():
    assert checks.default_languages("CH", "en") == ["de"]
    assert checks.default_languages("CH", "fr") == []
    assert checks.default_languages("MX", "es") == []
    assert checks.default_languages("US", "fr") == ["en"]


def test_a_european_arrest_warrant_goes_in_the_executing_states_official_language():
    """FD 2002/584 Art 8(2): Poland's ETS 030 declaration (Polish, English or French for mutual assistance) does
    not make an English warrant acceptable; Ireland's official languages include English."""
    assert checks.default_languages("PL", "en") == []
    assert checks.default_languages("PL", "en", "EU-EAW") == ["pl"]
    assert checks.default_languages("IE", "en", "EU-EAW") == []
    assert checks.default_languages("BE", "fr", "EU-EAW") == []
