"""A person at a browser: sign in with TOTP, open a case and a request, move it twice, see the clock
on the dashboard; someone outside the case gets 404."""

import os

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("COMITY_SCREENSHOTS")


def test_sign_in_create_case_and_request_move_it_and_see_it_due(live_server, page_for, make_user, sign_in):
    base = live_server.url
    user = make_user("supervisor", "s.ortiz")
    page = page_for()
    sign_in(page, base, user)
    assert "What is due" in page.text_content("h1")

    page.click("text=Cases")
    page.click("text=New case")
    page.fill("input[name=title]", "Operation Lakeside: art theft")
    page.click("button:has-text('Open case')")
    assert "Operation Lakeside" in page.text_content("h1")

    page.click("text=New request")
    page.select_option("select[name=kind]", "extradition")
    page.select_option("select[name=direction]", "outgoing")
    page.fill("input[name=subject]", "Extradition of R. Sala for aggravated theft")
    page.fill("input[name=requesting_state]", "IT")
    page.fill("input[name=requested_state]", "CH")
    page.fill("input[name=legal_basis]", "European Convention on Extradition 1957")
    page.fill("input[name=legal_basis_instrument]", "CETS-024")
    page.click("button:has-text('Create request')")
    assert page.text_content("#status").strip() == "Draft"

    page.click("#next-steps button:has-text('Request provisional arrest')")
    assert page.text_content("#status").strip() == "Provisional arrest requested"
    page.click("#next-steps button:has-text('Record provisional arrest')")
    assert page.text_content("#status").strip() == "Person provisionally arrested"
    history = page.text_content("#history")
    assert "Draft → Provisional arrest requested" in history
    assert "Provisional arrest requested → Person provisionally arrested" in history
    reference = page.text_content("h1").split("·")[0].strip()
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "request.png"), full_page=True)

    page.click("text=Due")
    due = page.text_content("#due")
    assert reference in due
    assert "Formal request and documents may be required" in due and "Art 16(4)" in due
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "dashboard.png"), full_page=True)

    # Someone who is not a member of the case: 404, as if it did not exist.
    case_url = page.url  # dashboard; find the case link
    case_href = page.get_attribute("#due a[href^='/cases/']", "href")
    outsider = make_user("caseworker", "n.outsider")
    other = page_for()
    sign_in(other, base, outsider)
    resp = other.goto(f"{base}{case_href}")
    assert resp.status == 404
    assert reference not in other.content()
    assert case_url
