"""A person at a browser opens the builder for an outgoing MLA request, fills what is missing, generates the
request as PDF and Word and downloads both."""

from __future__ import annotations

import os

import pytest

from comity.builder import render
from tests.builder.conftest import ARABIC_NAME, CHINESE_NAME, GOOD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("COMITY_SCREENSHOTS")


def test_fill_the_builder_and_download_both_files(live_server, page_for, make_user, sign_in):
    from comity.cases import actions

    user = make_user("supervisor", "a.conti")
    case = actions.do_create_case(title="Operation Lakeside", summary=GOOD["facts"], acting_user=user)
    actions.do_add_entity(case, schema="Person", role="suspect", properties={"name": [ARABIC_NAME]}, acting_user=user)
    actions.do_add_entity(case, schema="Person", role="accomplice", properties={"name": [CHINESE_NAME]},
                          acting_user=user)
    req = actions.do_create_request(case, kind="mla", direction="outgoing", subject="Bank records in Zurich",
                                    requesting_state="IT", requested_state="CH", acting_user=user)
    base = live_server.url
    page = page_for()
    sign_in(page, base, user)

    page.goto(f"{base}/builder/requests/{req.pk}/")
    page.select_option("select[name=measure]", "records")
    page.click("button:has-text('Open the builder')")
    assert "Missing" in page.text_content("#completeness")
    for name in ("requesting_authority", "offences", "assistance_sought", "purpose",
                 "contact_point", "signatory", "signatory_title", "link_to_offence", "confidentiality"):
        page.fill(f"#f-{name}", GOOD[name])
    page.fill("#f-records_date_from", GOOD["records_date_from"])
    page.fill("#f-records_date_to", GOOD["records_date_to"])
    page.click("#save-draft")
    assert "Every element the legal basis requires is there." in page.text_content("#completeness")
    assert "Languages accepted" in page.text_content("#requirements")

    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "builder.png"), full_page=True)
    files = {}
    for button in ("Generate PDF", "Generate Word"):
        page.click(f"#generate button:has-text('{button}')")
    for link in page.query_selector_all("#generated a"):
        with page.expect_download() as info:
            link.click()
        download = info.value
        files[download.suggested_filename] = open(download.path(), "rb").read()
    pdf = next(v for k, v in files.items() if k.endswith(".pdf"))
    docx = next(v for k, v in files.items() if k.endswith(".docx"))
    for text in (render.pdf_text(pdf), render.docx_text(docx)):
        assert ARABIC_NAME in text and CHINESE_NAME in text
        assert "Request for mutual legal assistance in criminal matters" in text
