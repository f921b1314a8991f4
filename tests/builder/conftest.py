"""Builder fixtures: a case with parties in several scripts, requests of each kind, complete drafts."""

from __future__ import annotations

import pytest

ARABIC_NAME = "كريم حداد"
CHINESE_NAME = "王小明"

# A value for every builder field that passes every quality check.
GOOD = {
    "requesting_authority": "Procura della Repubblica di Milano, Via Freguglia 1, 20122 Milano",
    "conducting_authority": "Public Prosecutor Dr. Anna Conti, Economic Crime Unit",
    "requested_authority": "Federal Office of Justice",
    "contact_point": "Dr. Anna Conti, +39 02 5433 0000, anna.conti@giustizia.example",
    "proceedings_nature": "Criminal investigation into laundering of the proceeds of an investment fraud",
    "proceedings_reference": "RGNR 1234/2026",
    "facts": "Between March and June 2025 the suspects ran a fake investment platform and took EUR 4.2 million "
             "from 310 investors in Italy. The money was moved to accounts abroad within days of each payment.",
    "offences": "Fraud (Art 640 Codice penale); money laundering (Art 648-bis Codice penale)",
    "offence_time_place": "March to June 2025, Milan, Italy",
    "participation": "Organised the platform and controlled the receiving accounts.",
    "legal_provisions": "Art 648-bis Codice penale: whoever launders money ... is punished by 4 to 12 years.",
    "max_penalty": "12 years' imprisonment",
    "assistance_sought": "Copies of the account opening documents and statements of the two accounts named below.",
    "procedure": "Certified copies, with a certificate of authenticity from the bank.",
    "link_to_offence": "The statements show whether the investors' payments reached these accounts and where they went next.",
    "purpose": "To trace the proceeds and identify the persons who controlled them, for use at trial in Milan.",
    "person_identity": "Karim Haddad, born 1980-02-03 in Beirut, Lebanese national, passport LB1234567",
    "person_location": "Believed to live in Zurich",
    "warrant": "Arrest warrant of the GIP of Milan, 2026-01-15, no. 55/2026",
    "intention_to_request": "A request for extradition will follow within the time limit.",
    "provisional_arrest": "Arrested in Zurich on 2026-02-01 (Kantonspolizei ref. 77/26)",
    "records_date_from": "2025-03-01",
    "records_date_to": "2025-06-30",
    "bank_records": True,
    "account_identifiers": "CH9300762011623852957 (Example Bank AG)",
    "account_holder": "Karim Haddad",
    "documents_to_serve": "Summons to appear at the Milan court on 2026-09-01",
    "service_address": "Bahnhofstrasse 1, 8001 Zurich",
    "witness_questions": "1. When did you open the account? 2. Who gave you the instructions for the transfers?",
    "videoconference": True,
    "search_premises": "Office at Bahnhofstrasse 1, 8001 Zurich",
    "items_sought": "The laptop and the paper ledgers of the platform for March to June 2025.",
    "interception_target": "+41 79 000 00 00",
    "interception_period": "30 days",
    "detainee": "Wang Xiaoming, held in Milan prison, to be returned by 2026-10-01",
    "expert_questions": "Were the platform's trading records generated automatically?",
    "data_to_preserve": "Stored e-mails of the account platform@example.com for March to June 2025",
    "service_provider": "Example Mail AG, Zurich",
    "property_description": "Flat at Seestrasse 10, Zurich, value about CHF 1.2 million",
    "order": "Confiscation order of the Tribunale di Milano, 2026-03-10, no. 9/2026",
    "return_basis": "Final judgment of the Tribunale di Milano of 2026-03-10 confiscating the proceeds.",
    "judgment": "Tribunale di Milano, 2025-11-20, final; 6 years' imprisonment",
    "sentence_remaining": "4 years and 2 months",
    "consent": "Consent given before the judge on 2026-01-10",
    "nationality": "Swiss",
    "confidential": True,
    "confidentiality": "Please keep this request confidential: the suspects must not learn of it.",
    "use_undertaking": "The evidence will be used only in these proceedings and destroyed when they end.",
    "signatory": "Anna Conti",
    "signatory_title": "Public Prosecutor",
    "place": "Milan",
}


def good_content(measure: str, persons: list | None = None) -> dict:
    from comity.builder import checks

    content = {f: GOOD[f] for f in checks.fields_for(measure) if f in GOOD}
    content["persons"] = persons if persons is not None else [
        {"entity_id": 1, "schema": "Person", "name": "Karim Haddad", "role": "suspect", "pseudonym": "",
         "fields": {}}]
    return content


@pytest.fixture
def parties(case, supervisor):
    from comity.cases import actions

    suspect = actions.do_add_entity(case, schema="Person", role="suspect", acting_user=supervisor, properties={
        "name": [ARABIC_NAME], "birthDate": ["1980-02-03"], "nationality": ["LB"], "passportNumber": ["LB1234567"],
        "address": ["Bahnhofstrasse 1, Zurich"]})
    other = actions.do_add_entity(case, schema="Person", role="accomplice", acting_user=supervisor,
                                  properties={"name": [CHINESE_NAME], "nationality": ["CN"], "birthDate": ["1975-05-06"]})
    witness = actions.do_add_entity(case, schema="Person", role="witness", acting_user=supervisor,
                                    properties={"name": ["Maria Rossi"], "address": ["Via Roma 1, Milano"]})
    account = actions.do_add_entity(case, schema="BankAccount", role="receiving account", acting_user=supervisor,
                                    properties={"iban": ["CH9300762011623852957"], "bankName": ["Example Bank AG"]})
    return {"suspect": suspect, "other": other, "witness": witness, "account": account}


@pytest.fixture
def make_request(case, supervisor):
    from comity.cases import actions

    def make(kind="mla", direction="outgoing", requesting="IT", requested="CH", instrument="", **kw):
        return actions.do_create_request(case, kind=kind, direction=direction, subject=kw.pop("subject", "Fraud ring"),
                                         requesting_state=requesting, requested_state=requested,
                                         legal_basis_instrument=instrument, acting_user=supervisor, **kw)

    return make


@pytest.fixture
def complete_draft(supervisor):
    """Start a draft for the request and fill it with complete, good content (persons from the case)."""
    from comity.builder import actions

    def make(req, measure, language="en", **overrides):
        draft = actions.do_start_draft(req, measure=measure, language=language, acting_user=supervisor)
        content = good_content(measure)
        content.pop("persons")
        content.update(overrides)
        return actions.do_save_draft(draft, changes=content, acting_user=supervisor)

    return make
