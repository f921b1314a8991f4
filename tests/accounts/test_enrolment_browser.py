"""At a browser: an administrator issues an enrolment code; the new colleague signs in for the first time with
password, code and authenticator app; a password alone gets no further than the code."""

from __future__ import annotations

import os

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("COMITY_SCREENSHOTS")


def _shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, name), full_page=True)


def test_first_sign_in_with_the_administrators_code(live_server, page_for, make_user, sign_in, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    base = live_server.url
    admin = make_user("admin", "root")
    newcomer = make_user("prosecutor", "n.kamara", mfa=False)

    # The administrator issues the code.
    page = page_for()
    sign_in(page, base, admin)
    _shot(page, "dashboard-admin.png")
    page.goto(f"{base}/admin/enrolment-codes/{newcomer.pk}/")
    _shot(page, "enrolment-code-issue.png")
    page.click("button:has-text('Issue an enrolment code')")
    code = page.inner_text("#the-code").strip()
    assert len(code) == 19
    _shot(page, "enrolment-code-issued.png")

    # Someone who learnt the password: the set-up page asks for the code, a wrong one is refused (field named).
    intruder = page_for()
    intruder.goto(f"{base}/accounts/login/")
    intruder.fill("input[name=login]", "n.kamara")
    intruder.fill("input[name=password]", "correct-horse-battery-42")
    intruder.click("button[type=submit]")
    intruder.wait_for_url("**/accounts/2fa/totp/activate/")
    assert "Enrolment code" in intruder.inner_text("body") and intruder.locator("#authenticator_secret").count() == 0
    _shot(intruder, "enrolment-code-step.png")
    intruder.fill("input[name=enrolment_code]", "ABCD-EFGH-JKLM-NPQR")
    intruder.click("#enrolment-code button[type=submit]")
    assert "not the code issued for this account" in intruder.inner_text("body")
    assert intruder.input_value("input[name=enrolment_code]") == "ABCD-EFGH-JKLM-NPQR"
    _shot(intruder, "enrolment-code-step-wrong.png")

    # The newcomer: password, code, authenticator app, and in.
    first = page_for()
    sign_in(first, base, newcomer, enrolment_code=code)
    assert "What is due" in first.text_content("h1")
    # Later sign-ins: password and TOTP as everyone else.
    again = page_for()
    sign_in(again, base, newcomer)
    assert "What is due" in again.text_content("h1")
