"""Signing in: password plus TOTP, recovery codes, enrolment for accounts without a second factor,
throttling of failed logins, and the 30-minute idle limit."""

import pyotp
from django.test import Client


def _password_step(client, user, password="correct-horse-battery-42"):
    return client.post("/accounts/login/", {"login": user.username, "password": password})


def test_password_then_totp_signs_in(make_user):
    user = make_user("caseworker")
    c = Client()
    resp = _password_step(c, user)
    assert resp.status_code == 302 and "/accounts/2fa/authenticate/" in resp["Location"]
    assert c.get("/").status_code == 302  # not signed in yet
    resp = c.post("/accounts/2fa/authenticate/", {"code": pyotp.TOTP(user.totp_secret).now()})
    assert resp.status_code == 302
    assert c.get("/").status_code == 200


def test_wrong_totp_is_refused(make_user):
    user = make_user("caseworker")
    c = Client()
    _password_step(c, user)
    good = pyotp.TOTP(user.totp_secret).now()
    wrong = f"{(int(good) + 1) % 1000000:06d}"
    resp = c.post("/accounts/2fa/authenticate/", {"code": wrong})
    assert resp.status_code == 200 and "Incorrect code" in resp.content.decode()
    assert c.get("/").status_code == 302


def test_recovery_code_works_once(make_user):
    user = make_user("caseworker")
    code = user.recovery_codes[0]
    c = Client()
    _password_step(c, user)
    assert c.post("/accounts/2fa/authenticate/", {"code": code}).status_code == 302
    assert c.get("/").status_code == 200
    c2 = Client()
    _password_step(c2, user)
    resp = c2.post("/accounts/2fa/authenticate/", {"code": code})
    assert resp.status_code == 200  # used already


def test_account_without_second_factor_is_sent_to_enrol_and_can_enrol(make_user):
    from comity.accounts.actions import do_issue_enrolment_code

    user = make_user("caseworker", mfa=False)
    _, enrolment_code = do_issue_enrolment_code(user, acting_user=None, via="cli")
    c = Client()
    _password_step(c, user)
    resp = c.get("/cases/")
    assert resp.status_code == 302 and resp["Location"].endswith("/accounts/2fa/totp/activate/")
    # The one-time code from the administrator first (tests/accounts/test_enrolment.py), then the app.
    assert c.post("/accounts/2fa/totp/activate/", {"enrolment_code": enrolment_code}).status_code == 302
    page = c.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    secret = page.context["form"].secret
    resp = c.post("/accounts/2fa/totp/activate/", {"code": pyotp.TOTP(secret).now()})
    assert resp.status_code == 302
    assert c.get("/cases/").status_code == 200


def test_failed_logins_are_throttled(make_user):
    user = make_user("caseworker")
    c = Client()
    for _ in range(5):
        resp = _password_step(c, user, password="wrong-password-123")
        assert resp.status_code == 200
    # Even the right password is refused while throttled.
    resp = _password_step(c, user)
    assert resp.status_code in (200, 429)
    assert "/accounts/2fa/authenticate/" not in resp.get("Location", "")
    assert "Too many failed login attempts" in resp.content.decode()


def test_session_expires_after_30_minutes_idle(make_user, login, settings):
    user = make_user("caseworker")
    c = login(user)
    resp = c.get("/")
    assert resp.status_code == 200
    assert c.session.get_expiry_age() == 1800 and settings.SESSION_SAVE_EVERY_REQUEST
    session = c.session
    session.set_expiry(-1)  # as if the 30 minutes had passed
    session.save()
    assert c.get("/").status_code == 302


def test_nobody_can_sign_themselves_up():
    resp = Client().get("/accounts/signup/")
    assert resp.status_code in (200, 403)
    assert "Sign Up Closed" in resp.content.decode() or resp.status_code == 403
