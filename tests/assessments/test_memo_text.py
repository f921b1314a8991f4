"""The assessment memo is handed to a court or a colleague: its PDF and DOCX say everything in words (outcome,
grounds, effect, status, facts, notes) and never print an engine code (no_bar, own_national, max_penalty_months)
or Python notation."""

from __future__ import annotations

import importlib
import io
import re

import pytest

from comity.assessments import actions as assessment_actions
from comity.cases import actions

vocab = importlib.import_module("comity.law.assess.vocabulary")

# Every fact the engine reads, with an answer for each, so that the facts table has to put each one in words.
FULL = {
    "kind": "extradition", "requesting_state": "US", "requested_state": "GB", "date": "2024-01-01",
    "purpose": "enforcement",
    "person": {"nationalities": ["DE", "GB"], "naturalised_in": ["GB"], "naturalisation_date": "2015-03-01",
               "age_at_offence": 17, "consent": False, "refugee_status_granted_by": ["FR"]},
    "offences": [
        {"description": "capital murder", "iccs": "0101", "list_category": "murder_grievous_bodily_injury",
         "committed_in": "US", "committed_on": "2019-05-04", "max_penalty_months": 1200,
         "criminal_in_requested": True, "max_penalty_months_requested": 600, "sentence_months": 480,
         "remaining_months": 400, "political": False, "military": False, "fiscal": False,
         "time_barred_requesting": False, "time_barred_requested": True, "final_judgment_in_requested": False,
         "pending_proceedings_in_requested": True, "death_penalty_possible": True, "irreducible_life_possible": True},
        {"description": "tax evasion", "fiscal": True, "max_penalty_months": 60,
         "characteristics": ["private_dispute", "administrative_breach"]}],
    "assurances": ["retrial", "life_sentence_review"], "in_absentia": True,
    "risks": {"detention_conditions": True, "persecution": False, "flagrant_denial_of_justice": True},
    "events": {"arrest": "2023-12-01", "final_decision": "2023-12-20"},
}
FRAUD = [{"description": "fraud", "max_penalty_months": 60, "criminal_in_requested": True}]
SCENARIOS = {
    # name: (facts, outcome in words)
    "mandatory": (FULL, "Outcome: Extradition must be refused"),
    "optional": ({"kind": "extradition", "requesting_state": "DE", "requested_state": "AT", "date": "2024-01-01",
                  "purpose": "prosecution", "person": {"nationalities": ["AT"]}, "offences": FRAUD},
                 "Outcome: Extradition may be refused"),
    "no_bar_with_clocks": ({"kind": "extradition", "requesting_state": "CH", "requested_state": "IT",
                            "date": "2024-01-01", "purpose": "prosecution", "offences": FRAUD,
                            "events": {"provisional_arrest": "2023-12-01"}}, "Outcome: No ground for refusal"),
    "no_legal_basis": ({"kind": "extradition", "requesting_state": "US", "requested_state": "CN",
                        "date": "2024-01-01", "purpose": "prosecution", "offences": FRAUD},
                       "Outcome: No legal basis found"),
    "red_notice_bad": ({"kind": "red_notice", "requesting_state": "TR", "date": "2024-01-01", "purpose": "prosecution",
                        "offences": [{"description": "unpaid debt", "max_penalty_months": 36,
                                      "characteristics": ["private_dispute"]}]},
                       "Outcome: Not compliant with INTERPOL's rules"),
    "red_notice_good": ({"kind": "red_notice", "requesting_state": "FR", "date": "2024-01-01",
                         "purpose": "prosecution", "offences": [{"description": "murder", "max_penalty_months": 360}]},
                        "Outcome: Compliant with INTERPOL's rules"),
    "mla": ({"kind": "mla", "requesting_state": "US", "requested_state": "FR", "date": "2024-01-01",
             "purpose": "prosecution", "offences": [{"description": "tax fraud", "max_penalty_months": 36,
                                                     "fiscal": True}],
             "measures": ["bank_records", "search_and_seizure", "service_of_documents"]}, "Outcome: "),
    "transfer": ({"kind": "transfer", "sentencing_state": "FR", "administering_state": "IT", "date": "2024-01-01",
                  "purpose": "enforcement", "person": {"nationalities": ["IT"], "consent": True},
                  "offences": [{"description": "fraud", "sentence_months": 48, "remaining_months": 30,
                                "criminal_in_requested": True}]}, "Outcome: "),
}


def _codes() -> set[str]:
    """Every code of the assessment vocabularies, outcomes and facts, and every code the product's registry holds,
    that is not also a plain English word (those have an underscore)."""
    from comity.law import EVENTS
    from comity.law.assess import facts as engine_facts
    from comity.vocabulary import codes_shown_raw_are_errors

    codes = set(vocab.GROUNDS) | set(vocab.MEASURES) | set(vocab.ASSURANCES) | set(vocab.RISKS)
    codes |= set(vocab.CHARACTERISTICS) | set(vocab.LIST_CATEGORIES) | set(EVENTS)
    codes |= {"mandatory_bar", "optional_bar", "no_bar", "no_legal_basis", "non_compliant", "not_a_ground"}
    codes |= engine_facts._TOP_KEYS | engine_facts._PERSON_KEYS | engine_facts._OFFENCE_KEYS
    codes |= codes_shown_raw_are_errors()
    return {c for c in codes if "_" in c}


CODES = _codes()
CODE_RE = re.compile(r"(?<![A-Za-z0-9_])(" + "|".join(sorted(map(re.escape, CODES), key=len, reverse=True))
                     + r")(?![A-Za-z0-9_])")


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def docx_text(data: bytes) -> str:
    """Paragraphs, table cells and page headers of a DOCX."""
    from docx import Document

    d = Document(io.BytesIO(data))
    parts = [p.text for p in d.paragraphs]
    parts += [cell.text for t in d.tables for row in t.rows for cell in row.cells]
    parts += [p.text for s in d.sections for p in s.header.paragraphs]
    return "\n".join(parts)


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def memos(login, case, supervisor):
    """(pdf text, docx text) of the memo of each scenario, downloaded as a case member does."""
    req = actions.do_create_request(case, kind="extradition", direction="incoming", subject="Extradition of J. Doe",
                                    requesting_state="US", requested_state="GB", acting_user=supervisor)
    c = login(supervisor)

    def get(name):
        snap = assessment_actions.do_save_assessment(req, facts=SCENARIOS[name][0], acting_user=supervisor)
        c.post(f"/assessments/{snap.pk}/memo.pdf")
        c.post(f"/assessments/{snap.pk}/memo.docx")
        pdf = b"".join(c.get(f"/assessments/{snap.pk}/memo.pdf").streaming_content)
        docx = b"".join(c.get(f"/assessments/{snap.pk}/memo.docx").streaming_content)
        return _flat(pdf_text(pdf)), _flat(docx_text(docx))

    return get


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_memo_says_the_outcome_in_words_and_prints_no_code(memos, name):
    for fmt, text in zip(("PDF", "DOCX"), memos(name)):
        found = sorted(set(CODE_RE.findall(text)))
        assert not found, f"{fmt} memo ({name}) prints codes: {found}"
        assert SCENARIOS[name][1] in text, f"{fmt} memo ({name}) does not say the outcome in words"
        assert "{'" not in text and "['" not in text and "True" not in text and "None" not in text
        assert "not a decision" in text


def test_memo_grounds_facts_and_notes_are_readable(memos):
    for text in memos("mandatory"):
        # Grounds by their label, effect and status in words, with the provisions cited.
        assert "1. " in text and vocab.GROUNDS["death_penalty"]["label"] in text
        assert vocab.GROUNDS["refugee_status"]["label"] in text
        assert "Mandatory: must be refused while it applies" in text and "Applies on these facts" in text
        assert "Cured by an assurance given" in text  # in absentia, cured by the retrial assurance
        assert "ECHR Art" in text
        # The facts assessed: States by name, dates and durations in words, booleans as yes/no, one row per offence.
        assert "Requesting State United States" in text and "Requested State United Kingdom" in text
        assert "Nationalities Germany, United Kingdom" in text and "Refugee status granted by France" in text
        assert "Law in force on 1 January 2024" in text and "Date of naturalisation 1 March 2015" in text
        assert "Offence 1 capital murder" in text and "Offence 2 tax evasion" in text
        assert "Maximum penalty in the requesting State: 1200 months (100 years)" in text
        assert "Death penalty possible: yes" in text and "Political offence: no" in text
        assert "Committed in: United States" in text and "Date of the offence: 4 May 2019" in text
        assert "The person consents no" in text and "Convicted in absentia yes" in text
        assert "Final decision: 20 December 2023" in text
        # The notes, and what the answer rests on with its warning.
        assert "Notes" in text and "UN Model Treaty" in text
        assert "What this assessment rests on" in text and "Check before relying on this memo" in text


def test_memo_time_limits_are_in_words(memos):
    pdf, docx = memos("no_bar_with_clocks")
    for text in (pdf, docx):
        assert "Time limits" in text and "Provisional arrest release" in text
        assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", text.split("What this assessment rests on")[0])
