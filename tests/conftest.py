"""Fixtures shared by the Django-backed tests: accounts with a second factor, cases, requests."""

from __future__ import annotations

import itertools

import pytest

_counter = itertools.count(1)


@pytest.fixture
def make_user(db):
    from comity.accounts.actions import do_create_user, do_enrol_totp

    def make(role="caseworker", username=None, mfa=True, password="correct-horse-battery-42"):
        username = username or f"{role}{next(_counter)}"
        user = do_create_user(username=username, password=password, role=role)
        user.totp_secret = None
        if mfa:
            user.totp_secret, user.recovery_codes = do_enrol_totp(user)
        return user

    return make


@pytest.fixture
def supervisor(make_user):
    return make_user("supervisor", "sup")


@pytest.fixture
def caseworker(make_user):
    return make_user("caseworker", "cw")


@pytest.fixture
def outsider(make_user):
    return make_user("caseworker", "outsider")


@pytest.fixture
def oversight(make_user):
    return make_user("oversight", "dpo")


@pytest.fixture
def case(supervisor, caseworker):
    from comity.cases import actions

    c = actions.do_create_case(title="Fraud ring", summary="A test case", acting_user=supervisor)
    actions.do_grant_membership(c, caseworker, acting_user=supervisor)
    return c


@pytest.fixture
def extradition(case, supervisor):
    from comity.cases import actions

    return actions.do_create_request(case, kind="extradition", direction="outgoing", subject="Surrender of X",
                                     requesting_state="IT", requested_state="CH", legal_basis="ECE 1957",
                                     legal_basis_instrument="CETS-024", acting_user=supervisor)


@pytest.fixture
def login(client):
    def do(user):
        client.force_login(user)
        return client

    return do


# --- browser tests: one Playwright driving Debian's chromium for the whole session ----------------------
import os as _os  # noqa: E402
import shutil as _shutil  # noqa: E402

# Playwright's sync API runs an event loop in this thread; Django's ORM calls in the tests stay synchronous.
_os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = _shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not _os.path.exists(CHROMIUM):
        pytest.fail("Debian chromium is not installed: run scripts/setup-system.sh --browser")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page_for(browser):
    contexts = []

    def make():
        ctx = browser.new_context()
        contexts.append(ctx)
        return ctx.new_page()

    yield make
    for ctx in contexts:
        ctx.close()


@pytest.fixture
def sign_in():
    """Sign a fixture user in through the real pages: password, then the TOTP code. An account without a
    second factor signs in for the first time with `enrolment_code` (issued by an administrator, e.g.
    comity.accounts.actions.do_issue_enrolment_code): password, the code, then it links an authenticator
    (its secret is kept on `user.totp_secret` for later sign-ins)."""
    import time

    import pyotp

    used: dict[str, str] = {}

    def fresh_code(secret):
        """A TOTP code that stays valid until the server checks it (allauth allows no tolerance) and that was
        not typed before (allauth refuses a code used once): wait for the next 30-second window if needed."""
        while True:
            left = 30 - time.time() % 30
            code = pyotp.TOTP(secret).now()
            if left >= 4 and used.get(secret) != code:
                used[secret] = code
                return code
            time.sleep(left + 0.3)

    def do(page, base, user, password="correct-horse-battery-42", enrolment_code=None):
        page.goto(f"{base}/accounts/login/")
        page.fill("input[name=login]", user.username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        if enrolment_code is not None:
            page.wait_for_url("**/accounts/2fa/totp/activate/")
            page.fill("input[name=enrolment_code]", enrolment_code)
            page.click("#enrolment-code button[type=submit]")
            page.wait_for_selector("#authenticator_secret")
            user.totp_secret = page.input_value("#authenticator_secret")
            page.fill("input[name=code]", fresh_code(user.totp_secret))
            page.click("form[action$='/2fa/totp/activate/'] button[type=submit]")
            page.wait_for_url(lambda url: "/totp/activate/" not in url)  # recovery codes are shown next
            page.goto(f"{base}/")
            return
        page.wait_for_url("**/accounts/2fa/authenticate/**")
        page.fill("input[name=code]", fresh_code(user.totp_secret))
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")

    return do


@pytest.fixture(autouse=True)
def _fresh_login_throttle(request):
    """Browser tests sign in through the real login page, whose throttle counts failures per client address in
    the database cache; the cache outlives a test's database flush, so failures elsewhere must not lock the
    next browser test out."""
    if "live_server" in request.fixturenames:
        from django.core.cache import cache

        request.getfixturevalue("transactional_db")
        cache.clear()
    yield
