"""Finding 8 of issue 13: an account's first sign-in enrolled its second factor with nothing but the password,
so whoever learnt (or guessed) a password could link their own authenticator app and own the account; and the
demonstration password was a constant. Now setting up a second factor needs a one-time enrolment code that an
administrator issues (or the operator, for the demonstration accounts), and demo passwords are random."""

from __future__ import annotations

import datetime as dt
import importlib
import io
import re

import pyotp
import pytest
from allauth.mfa.utils import is_mfa_enabled
from django.test import Client
from django.utils import timezone

from comity.accounts.actions import ENROLMENT_MAX_FAILURES, do_issue_enrolment_code, do_reset_second_factor
from comity.accounts.models import EnrolmentCode
from comity.audit.models import AuditEvent
from comity.errors import InvalidInput, NotAllowed

PASSWORD = "correct-horse-battery-42"
ACTIVATE = "/accounts/2fa/totp/activate/"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def newcomer(make_user):
    return make_user("caseworker", "newcomer", mfa=False)


@pytest.fixture
def admin(make_user):
    return make_user("admin", "root")


def _password_step(user, password=PASSWORD) -> Client:
    c = Client()
    r = c.post("/accounts/login/", {"login": user.username, "password": password})
    assert r.status_code == 302
    return c


def _activate_with_totp(c: Client) -> None:
    page = c.get(ACTIVATE)
    assert page.status_code == 200 and "form" in page.context and hasattr(page.context["form"], "secret")
    secret = page.context["form"].secret
    r = c.post(ACTIVATE, {"code": pyotp.TOTP(secret).now()})
    assert r.status_code == 302


def test_the_password_alone_does_not_set_up_a_second_factor(newcomer):
    c = _password_step(newcomer)
    assert c.get("/cases/")["Location"].endswith(ACTIVATE)
    page = c.get(ACTIVATE)
    text = page.content.decode()
    assert page.status_code == 200 and "Enrolment code" in text
    assert "otpauth://" not in text and not hasattr(page.context.get("form"), "secret")  # no secret to scan
    # The attacker's move: post an authenticator code straight to the set-up page.
    secret = pyotp.random_base32()
    r = c.post(ACTIVATE, {"code": pyotp.TOTP(secret).now()})
    assert r.status_code == 422 and "enrolment_code" in r.context["form"].errors
    assert not is_mfa_enabled(newcomer)
    # Nor through any other account page.
    for path in ("/accounts/2fa/", "/accounts/2fa/recovery-codes/generate/", "/accounts/password/change/"):
        r = c.get(path)
        assert r.status_code == 302 and r["Location"].endswith(ACTIVATE), path
    assert c.get("/cases/").status_code == 302


def test_with_the_administrators_code_the_holder_sets_up_the_second_factor(newcomer, admin):
    _, code = do_issue_enrolment_code(newcomer, acting_user=admin)
    c = _password_step(newcomer)
    r = c.post(ACTIVATE, {"enrolment_code": code.lower().replace("-", " ")})  # as typed from a phone call
    assert r.status_code == 302 and r["Location"].endswith(ACTIVATE)
    _activate_with_totp(c)
    assert is_mfa_enabled(newcomer)
    assert c.get("/cases/").status_code == 200
    issued = AuditEvent.objects.get(event_type="account.enrolment_code_issued")
    assert issued.actor == admin and issued.new_values["username"] == "newcomer" and code not in issued.leaf
    assert AuditEvent.objects.filter(event_type="account.enrolment_code_used", actor=newcomer).exists()


def test_a_code_works_once_and_only_for_its_account(newcomer, admin, make_user):
    other = make_user("caseworker", "other", mfa=False)
    _, code = do_issue_enrolment_code(newcomer, acting_user=admin)
    do_issue_enrolment_code(other, acting_user=admin)
    r = _password_step(other).post(ACTIVATE, {"enrolment_code": code})
    assert r.status_code == 422 and "not the code" in r.context["form"].errors["enrolment_code"][0]
    c = _password_step(newcomer)
    assert c.post(ACTIVATE, {"enrolment_code": code}).status_code == 302
    again = _password_step(newcomer).post(ACTIVATE, {"enrolment_code": code})  # another session
    assert again.status_code == 422 and "ask an administrator" in again.context["form"].errors["enrolment_code"][0]
    assert not is_mfa_enabled(other) and not is_mfa_enabled(newcomer)


def test_wrong_codes_are_counted_logged_and_the_code_then_stops_working(newcomer, admin):
    _, code = do_issue_enrolment_code(newcomer, acting_user=admin)
    c = _password_step(newcomer)
    for i in range(ENROLMENT_MAX_FAILURES):
        r = c.post(ACTIVATE, {"enrolment_code": "AAAA-BBBB-CCCC-DDDD"})
        assert r.status_code == 422
        assert 'value="AAAA-BBBB-CCCC-DDDD"' in r.content.decode()  # what the user typed is kept
    assert "no longer works" in r.context["form"].errors["enrolment_code"][0]
    assert c.post(ACTIVATE, {"enrolment_code": code}).status_code == 422  # even the right one, now
    refused = AuditEvent.objects.filter(event_type="account.enrolment_code_refused").order_by("seq")
    assert [e.new_values["failures"] for e in refused] == list(range(1, ENROLMENT_MAX_FAILURES + 1))
    assert refused.last().new_values["revoked"] is True
    # A new code from the administrator works.
    _, fresh = do_issue_enrolment_code(newcomer, acting_user=admin)
    assert c.post(ACTIVATE, {"enrolment_code": fresh}).status_code == 302


def test_an_expired_code_is_refused(newcomer, admin):
    _, code = do_issue_enrolment_code(newcomer, acting_user=admin, hours=1)
    EnrolmentCode.objects.filter(user=newcomer).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    r = _password_step(newcomer).post(ACTIVATE, {"enrolment_code": code})
    assert r.status_code == 422 and "expired" in r.context["form"].errors["enrolment_code"][0]


def test_a_new_code_replaces_the_old_one_and_codes_are_stored_hashed(newcomer, admin):
    _, first = do_issue_enrolment_code(newcomer, acting_user=admin)
    _, second = do_issue_enrolment_code(newcomer, acting_user=admin)
    stored = list(EnrolmentCode.objects.filter(user=newcomer).values_list("code_hash", flat=True))
    assert first not in stored and second not in stored and all(len(h) == 64 for h in stored)
    c = _password_step(newcomer)
    assert c.post(ACTIVATE, {"enrolment_code": first}).status_code == 422
    assert c.post(ACTIVATE, {"enrolment_code": second}).status_code == 302


def test_only_an_administrator_or_the_operator_issues_codes(newcomer, supervisor, make_user):
    with pytest.raises(NotAllowed):
        do_issue_enrolment_code(newcomer, acting_user=supervisor)
    enrolled = make_user("caseworker", "enrolled")
    with pytest.raises(InvalidInput) as e:
        do_issue_enrolment_code(enrolled, acting_user=None, via="cli")
    assert "already has a second factor" in e.value.errors["user"]
    assert not EnrolmentCode.objects.exists()


def test_after_a_reset_the_second_factor_needs_a_new_code(make_user, admin):
    user = make_user("caseworker", "lostphone")
    do_reset_second_factor(user, acting_user=admin)
    c = _password_step(user)
    assert "Enrolment code" in c.get(ACTIVATE).content.decode()
    _, code = do_issue_enrolment_code(user, acting_user=admin)
    assert c.post(ACTIVATE, {"enrolment_code": code}).status_code == 302
    _activate_with_totp(c)
    assert is_mfa_enabled(user)


def test_the_administrator_issues_a_code_on_the_web_and_sees_it_once(login, newcomer, admin, supervisor):
    url = f"/admin/enrolment-codes/{newcomer.pk}/"
    assert login(supervisor).get(url).status_code == 404
    c = login(admin)
    page = c.get(url)
    assert page.status_code == 200 and "Issue an enrolment code" in page.content.decode()
    r = c.post(url, {"hours": "24"})
    assert r.status_code == 200 and "no-store" in r["Cache-Control"]
    code = re.search(r'id="the-code">([A-Z0-9-]+)<', r.content.decode()).group(1)
    assert c.get(url).content.decode().count(code) == 0  # shown once
    assert "still valid" in c.get(url).content.decode()
    bad = c.post(url, {"hours": "9999"})
    assert bad.status_code == 422 and "Valid for" in bad.content.decode() and bad.context["form"].errors
    assert _password_step(newcomer).post(ACTIVATE, {"enrolment_code": code}).status_code == 302


def test_demonstration_passwords_are_random_not_a_constant():
    from comity import demo

    first = demo.DEMO_PASSWORD
    second = importlib.reload(demo).DEMO_PASSWORD
    assert first != second and "comity-demo-2026!" not in (first, second)
    assert len(second) >= 16


def test_demonstration_accounts_get_a_password_and_a_code_printed_once(db):
    from comity import demo

    credentials: list = []
    user = demo._user(*demo.DEMO_USERS[0], credentials=credentials)
    assert user.check_password(demo.DEMO_PASSWORD) and not is_mfa_enabled(user)
    (entry,) = credentials
    out = io.StringIO()
    out.write(demo.credentials_text(credentials))
    text = out.getvalue()
    assert entry["password"] in text and entry["enrolment_code"] in text and user.username in text
    # The demonstration account signs in with them, and nothing less.
    c = _password_step(user, demo.DEMO_PASSWORD)
    assert c.post(ACTIVATE, {"enrolment_code": entry["enrolment_code"]}).status_code == 302
    _activate_with_totp(c)
    assert is_mfa_enabled(user)
    # Loading again keeps the existing account's password and says so.
    again: list = []
    demo._user(*demo.DEMO_USERS[0], credentials=again)
    assert again == [] and "existed already" in demo.credentials_text(again)
