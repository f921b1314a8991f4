"""A generated request says DRAFT on every page (PDF) and in a heading (DOCX) until the request is approved for
sending; generated after approval, it does not. A request for further information is never marked."""

from __future__ import annotations

import io

import pytest

from comity.builder import actions, render
from comity.cases import actions as case_actions


def _pages(data: bytes) -> list[str]:
    from pypdf import PdfReader

    return [" ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(data)).pages]


def _docx(data: bytes):
    from docx import Document

    return Document(io.BytesIO(data))


def _generate(draft, fmt, supervisor, **kw) -> bytes:
    return actions.do_generate_document(draft, fmt=fmt, acting_user=supervisor, **kw).document.file.open("rb").read()


@pytest.fixture
def mla_draft(make_request, complete_draft, supervisor, parties):
    req = make_request("mla", instrument="CETS-030")
    draft = complete_draft(req, "records")
    return actions.do_set_required_languages(draft, languages=[], acting_user=supervisor)


def test_request_is_marked_draft_on_every_page_until_approved(mla_draft, supervisor):
    pages = _pages(_generate(mla_draft, "pdf", supervisor))
    assert len(pages) >= 2
    for n, page in enumerate(pages, start=1):
        assert "DRAFT — not approved for sending" in page, f"page {n} is not marked"
    doc = _docx(_generate(mla_draft, "docx", supervisor))
    first = doc.paragraphs[0]
    assert first.style.name.startswith("Heading") and first.text == "DRAFT — not approved for sending"
    assert "DRAFT" in doc.sections[0].header.paragraphs[0].text

    case_actions.do_transition_request(mla_draft.request, "approve", acting_user=supervisor)
    mla_draft.request.refresh_from_db()
    for page in _pages(_generate(mla_draft, "pdf", supervisor)):
        assert "DRAFT" not in page
    doc = _docx(_generate(mla_draft, "docx", supervisor))
    assert not any("DRAFT" in p.text for p in doc.paragraphs)
    assert not any("DRAFT" in p.text for s in doc.sections for p in s.header.paragraphs)
    assert doc.paragraphs[0].style.name == "Title" or "URGENT" in doc.paragraphs[0].text.upper()


def test_draft_mark_is_in_the_document_language(mla_draft, supervisor):
    for language, mark in (("fr", "PROJET — non approuvé pour l'envoi"), ("es", "BORRADOR — no aprobado para su envío")):
        for page in _pages(_generate(mla_draft, "pdf", supervisor, language=language)):
            assert mark in page
        assert _docx(_generate(mla_draft, "docx", supervisor, language=language)).paragraphs[0].text == mark


def test_provisional_arrest_does_not_approve_the_request(make_request, complete_draft, supervisor, parties):
    req = make_request("extradition", instrument="CETS-024")
    draft = complete_draft(req, "extradition")
    case_actions.do_transition_request(req, "request_provisional_arrest", acting_user=supervisor)
    req.refresh_from_db()
    assert not render.is_approved(req)
    assert all("DRAFT" in page for page in _pages(_generate(draft, "pdf", supervisor)))


def test_request_for_further_information_is_not_marked(make_request, supervisor):
    req = make_request("mla", direction="incoming", requesting="CH", requested="IT")
    draft = actions.do_start_draft(req, measure="search_seizure", acting_user=supervisor)
    draft = actions.do_save_draft(draft, changes={"assistance_sought": "Search any and all premises of the company"},
                                  acting_user=supervisor)
    assert all("DRAFT" not in page for page in _pages(_generate(draft, "pdf", supervisor, purpose="rfi")))
    assert not any("DRAFT" in p.text for p in _docx(_generate(draft, "docx", supervisor, purpose="rfi")).paragraphs)
