"""Golden files: the text of the generated DOCX, and the text pypdf extracts from the PDF, in English, French
and Spanish, with an Arabic and a Chinese name. Regenerate with COMITY_UPDATE_GOLDEN=1 after a deliberate
change, and read the diff."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from comity.builder import actions, render
from tests.builder.conftest import ARABIC_NAME, CHINESE_NAME, good_content

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("COMITY_UPDATE_GOLDEN") == "1"
DAY = dt.date(2026, 3, 2)

REQ = SimpleNamespace(reference="REQ-2026-000042", subject="Fraud ring", requesting_state="IT", requested_state="CH",
                      urgency="urgent", urgency_reason="", legal_basis="European Convention on Mutual Assistance 1959",
                      legal_basis_instrument="CETS-030", kind="mla")


def _content():
    persons = [{"entity_id": 1, "schema": "Person", "name": ARABIC_NAME, "role": "suspect", "pseudonym": "",
                "fields": {"birthDate": "1980-02-03", "nationality": "LB"}},
               {"entity_id": 2, "schema": "Person", "name": CHINESE_NAME, "role": "accomplice", "pseudonym": "",
                "fields": {"nationality": "CN"}},
               {"entity_id": 3, "schema": "Person", "name": "Maria Rossi", "role": "witness", "pseudonym": "Witness A",
                "fields": {}}]
    content = good_content("records", persons=persons)
    content.update(urgency_reason="The bank keeps statements online for 90 days only", urgency_date="2026-04-01")
    return content


def _check(name: str, text: str) -> None:
    text = "\n".join(line.rstrip() for line in text.splitlines()).strip() + "\n"
    path = GOLDEN / name
    if UPDATE or not path.exists():
        path.write_text(text, encoding="utf-8")
        if not UPDATE:
            pytest.fail(f"golden file {name} was missing and has been written; check it and run again")
    assert text == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_docx_text(language):
    doc = render.document_blocks(req=REQ, content=_content(), measure="records", language=language, on=DAY)
    text = render.docx_text(render.render_docx(doc))
    assert ARABIC_NAME in text and CHINESE_NAME in text and "Maria Rossi" not in text
    _check(f"request-records-{language}.docx.txt", text)


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_pdf_text(language):
    doc = render.document_blocks(req=REQ, content=_content(), measure="records", language=language, on=DAY)
    text = render.pdf_text(render.render_pdf(doc))
    assert ARABIC_NAME in text and CHINESE_NAME in text and "Maria Rossi" not in text
    _check(f"request-records-{language}.pdf.txt", text)


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_request_for_further_information(fmt):
    req = SimpleNamespace(**{**vars(REQ), "requesting_state": "CH", "requested_state": "IT", "urgency": "normal"})
    content = {"assistance_sought": "Any and all records of the company", "proceedings_reference": "CH-77/2026",
               "requesting_authority": "Ministère public de la Confédération"}
    draft = SimpleNamespace(measure="records", content=content, request=req)
    found = actions.findings(draft)
    doc = render.document_blocks(req=req, content=content, measure="records", language="es", purpose="rfi",
                                 findings=found, on=DAY)
    data = render.render_pdf(doc) if fmt == "pdf" else render.render_docx(doc)
    text = render.pdf_text(data) if fmt == "pdf" else render.docx_text(data)
    _check(f"rfi-records-es.{fmt}.txt", text)
