"""Security settings that must not regress (issue 13, item 8), beyond tests/security/test_headers.py:

- every page of the URL configuration, rendered for each kind of caller who may see it, holds no inline script,
  no on*= handler and no javascript: URL, and carries the strict Content Security Policy, nosniff, the referrer
  policy and DENY framing; everything but the public law pages read anonymously is `Cache-Control: no-store`;
- no answer names the server's software version (neither Django nor gunicorn);
- DEBUG is off unless COMITY_DEBUG=1, and `comity serve` refuses to start with it on, or with any system check
  (the deployment checks that apply included) at ERROR level; it starts otherwise, without the HTTPS warnings
  that do not apply to plain HTTP.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time

import pyotp
import pytest
from django.test import Client
from django.urls import reverse

from comity.web.middleware import PUBLIC_PREFIXES
from tests.security.test_authorisation_matrix import (  # noqa: F401 - `world` is the matrix's fixture world
    SIDE,
    WEB_RULES,
    _body,
    _call,
    _web_clients,
    _web_url,
    url_patterns,
    world,
)
from tests.security.test_headers import (  # noqa: F401 - `serve` is a fixture
    _free_port,
    _get,
    assert_no_store,
    assert_strict_csp,
    inline_script_problems,
    serve,
)

pytestmark = pytest.mark.django_db

#: Callers whose pages are rendered: the matrix's member (a supervisor of unit A), the oversight user after
#: stating a purpose, defence counsel, anonymous, and an administrator (the pages only administrators see).
CALLERS = ("member", "oversight+purpose", "defence", "anonymous", "admin")
PASSWORD = "correct-horse-battery-42"
NEW_PASSWORD = "velvet-lantern-orchard-93"
VERSION = re.compile(r"\d+\.\d+|django|python|wsgi|cpython", re.IGNORECASE)


def _callers(w, make_user) -> dict[str, dict]:
    """Per caller: the session cookies and headers its requests carry."""
    specs = {role: spec for role, spec in _web_clients(w).items() if role in CALLERS}
    admin = Client()
    admin.force_login(make_user("admin", "regress-admin"))
    specs["admin"] = {"cookies": {k: v.value for k, v in admin.cookies.items()}, "headers": {}}
    return specs


def _render_every_page(w, specs):
    """(URL name, caller, url, response, body) for each GET page of the URL configuration and each caller."""
    for route, name in url_patterns():
        rule = WEB_RULES.get(name)
        if rule is None or "GET" not in rule.methods:
            continue
        for role in CALLERS:
            url = _web_url(route, rule, w[SIDE.get(role, "M")], w)
            resp, body, _ = _call(specs[role], "GET", url)
            yield name, role, url, resp, body


def _pages_behind_a_real_sign_in(w, make_user):
    """The pages the walk cannot reach with a forced login: the steps of signing in, the second-factor pages
    that need a fresh sign-in, and joining a case (for a supervisor of its unit who is not a member)."""
    from comity.accounts.actions import do_set_unit

    def get(c, name, url, role):
        resp = c.get(url)
        return name, role, url, resp, _body(resp)

    user = make_user("caseworker", "regress-2fa")
    c = Client()
    yield get(c, "account_login", "/accounts/login/", "signing in")
    resp = c.post("/accounts/login/", {"login": user.username, "password": PASSWORD})
    assert resp.status_code == 302 and resp["Location"].startswith("/accounts/2fa/authenticate/"), resp.status_code
    yield get(c, "mfa_authenticate", resp["Location"], "signing in")
    resp = c.post("/accounts/2fa/authenticate/", {"code": pyotp.TOTP(user.totp_secret).now()})
    assert resp.status_code == 302, resp.status_code
    yield get(c, "account_reauthenticate", reverse("account_reauthenticate"), "signed in")
    resp = c.post(reverse("account_reauthenticate"), {"password": PASSWORD})  # these pages ask for it again
    assert resp.status_code == 302, resp.status_code
    for name in ("mfa_view_recovery_codes", "mfa_generate_recovery_codes", "mfa_download_recovery_codes",
                 "mfa_deactivate_totp"):
        yield get(c, name, reverse(name), "freshly signed in")

    newcomer = make_user("caseworker", "regress-enrol", mfa=False)
    c = Client()
    resp = c.post("/accounts/login/", {"login": newcomer.username, "password": PASSWORD})
    assert resp.status_code == 302, resp.status_code
    assert c.get("/")["Location"].startswith(reverse("mfa_activate_totp"))  # a second factor first, nothing else
    yield get(c, "mfa_activate_totp", reverse("mfa_activate_totp"), "first sign-in")

    joiner = make_user("supervisor", "regress-joiner")
    do_set_unit(joiner, unit=w["people"]["sup-a"].unit)
    c = Client()
    c.force_login(joiner)
    yield get(c, "case_join", f"/cases/{w['M']['case'].pk}/join/", "supervisor of the unit")


#: GET pages that answer no caller with 200, and why (anything else unserved fails the test below).
NOT_SERVED_TO_ANYONE = {
    "account_confirm_login_code": "sign-in by e-mailed code is off (ACCOUNT_LOGIN_BY_CODE_ENABLED unset): "
                                  "the page sends everyone to the login page",
    "account_set_password": "every account has a password (issued by an administrator): allauth sends the caller "
                            "to the change-password page",
}


def test_every_page_renders_without_inline_script_under_the_strict_policy(world, make_user):  # noqa: F811 - the imported fixture
    """Each GET page of the URL configuration, for each caller: a script or handler slipped into a template,
    a view that builds HTML by hand, or an error page would show here, whatever the template check missed."""
    found, served, checked = {}, set(), 0
    specs = _callers(world, make_user)
    specs_session = {role: spec["cookies"].get("sessionid") for role, spec in specs.items()}
    assert all(specs_session[role] for role in CALLERS if role != "anonymous")
    pages = itertools.chain(_render_every_page(world, specs), _pages_behind_a_real_sign_in(world, make_user))
    for name, role, url, resp, body in pages:
        where = f"{name} as {role} ({url}: {resp.status_code})"
        assert resp.status_code < 500, where
        assert_strict_csp(resp)
        if not (role == "anonymous" and url.startswith(PUBLIC_PREFIXES)):
            assert_no_store(resp)
        for header in ("Server", "X-Powered-By", "Access-Control-Allow-Origin"):  # no banner, no CORS at all
            assert header not in resp, (where, header, resp.get(header))
        kind = resp.get("Content-Type", "")
        assert kind, where
        # a charset on text (a user's own file downloads as it was uploaded; /healthz is the two ASCII letters "ok")
        if (kind.startswith(("text/", "application/json")) and name != "healthz"
                and "attachment" not in resp.get("Content-Disposition", "")):
            assert "charset=utf-8" in kind.lower() or kind.startswith("application/json"), (where, kind)
        session = specs_session.get(role)
        if session:
            assert session.encode() not in body and session not in resp.get("Location", ""), where  # never in a URL
        if resp.status_code == 200:
            served.add(name)
        if resp.get("Content-Type", "").startswith("text/html"):
            checked += 1
            problems = inline_script_problems(body.decode("utf-8", errors="replace"))
            if problems:
                found[where] = problems
    assert not found, f"inline scripts or handlers in rendered pages: {found}"
    # Teeth: the walk really rendered the pages, not only login redirects and 404s.
    unserved = sorted(n for n, r in WEB_RULES.items() if "GET" in r.methods and not r.fixed
                      and n not in served and n not in NOT_SERVED_TO_ANYONE)
    assert not unserved, f"pages no caller got with 200 (the walk checked nothing there): {unserved}"
    assert checked > 300, checked


# --- settings as the environment makes them -------------------------------------------------------------------

KEYS = ("DEBUG", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "LANGUAGE_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY",
        "CSRF_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE", "CSRF_COOKIE_SAMESITE", "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS", "SECURE_CONTENT_TYPE_NOSNIFF", "SECURE_REFERRER_POLICY", "X_FRAME_OPTIONS",
        "SECURE_PROXY_SSL_HEADER")


def _env(tmp_path, **extra) -> dict:
    """This process's environment for a subprocess, on its own SQLite database in tmp_path."""
    drop = ("DATABASE_URL", "COMITY_DEBUG", "COMITY_HTTPS", "COMITY_TRUSTED_PROXIES", "COMITY_TLS_CERT",
            "COMITY_TLS_KEY", "COMITY_REQUIRE_EXTERNAL_LEDGER_KEY",
            "DJANGO_ALLOW_ASYNC_UNSAFE")  # set by tests/conftest.py for Playwright; Django's checks refuse it
    env = {k: v for k, v in os.environ.items() if k not in drop}
    return {**env, "COMITY_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "comity.settings", **extra}


def _settings(tmp_path, **extra) -> dict:
    code = ("import json, django; django.setup(); from django.conf import settings as s; "
            f"print(json.dumps({{k: getattr(s, k, None) for k in {KEYS!r}}}))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False,
                         env=_env(tmp_path, **extra))
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_debug_is_off_and_the_headers_are_on_unless_the_operator_says_otherwise(tmp_path):
    plain = _settings(tmp_path)
    assert plain["DEBUG"] is False
    assert plain["SECURE_CONTENT_TYPE_NOSNIFF"] and plain["SECURE_REFERRER_POLICY"] == "same-origin"
    assert plain["X_FRAME_OPTIONS"] == "DENY"
    assert plain["SESSION_COOKIE_HTTPONLY"] and plain["CSRF_COOKIE_HTTPONLY"]
    assert plain["SESSION_COOKIE_SAMESITE"] == plain["CSRF_COOKIE_SAMESITE"] == "Lax"
    assert _settings(tmp_path, COMITY_DEBUG="yes")["DEBUG"] is False  # only "1" turns it on


def test_under_https_the_session_and_csrf_cookies_are_secure_http_only_and_same_site(tmp_path, settings, make_user):
    """The settings COMITY_HTTPS=1 produces, applied here: a real sign-in over HTTPS sets both cookies Secure,
    HttpOnly and SameSite=Lax (a cookie without Secure would travel over plain HTTP to anyone on the path)."""
    tls = _settings(tmp_path, COMITY_HTTPS="1", COMITY_TRUSTED_PROXIES="127.0.0.1")
    assert tls["SECURE_SSL_REDIRECT"] and tls["SECURE_HSTS_SECONDS"] >= 31536000
    for key in ("SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "LANGUAGE_COOKIE_SECURE", "SECURE_SSL_REDIRECT",
                "SECURE_HSTS_SECONDS"):
        setattr(settings, key, tls[key])
    user = make_user("caseworker", "regress-cookie")
    c = Client()
    page = c.get("/accounts/login/", secure=True)
    assert page.status_code == 200 and "max-age=31536000" in page["Strict-Transport-Security"]
    assert c.get("/accounts/login/").status_code == 301  # plain HTTP goes to HTTPS
    c.post("/accounts/login/", {"login": user.username, "password": PASSWORD}, secure=True)
    resp = c.post("/accounts/2fa/authenticate/", {"code": pyotp.TOTP(user.totp_secret).now()}, secure=True)
    assert resp.status_code == 302, resp.status_code
    for name in ("sessionid", "csrftoken"):
        cookie = c.cookies[name]
        assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax", (name, dict(cookie))


# --- the served instance: no version banner, no debug pages ---------------------------------------------------------

def test_the_server_names_no_version_and_shows_no_debug_page(serve, tmp_path):  # noqa: F811 - the imported fixture
    base, _ = serve(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", COMITY_DEBUG="0")
    for path in ("/law/", "/accounts/login/", "/no-such-page/", "/static/no-such-file.js"):
        resp = _get(base + path)
        assert resp.status in (200, 404), (path, resp.status)
        banner = resp.headers.get("Server", "")
        assert not VERSION.search(banner) and "/" not in banner, (path, banner)
        assert "X-Powered-By" not in resp.headers, path
        body = resp.read().decode(errors="replace")
        assert "URLconf" not in body and "Traceback" not in body and "DEBUG = True" not in body, path


# --- `comity serve`: system checks before gunicorn ----------------------------------------------------------------

def _comity_serve(tmp_path, port, **env):
    return subprocess.Popen([sys.executable, "-m", "comity.cli", "serve", "--port", str(port), "--workers", "1"],
                            env=_env(tmp_path, **env), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=tmp_path, start_new_session=True)


def _listening(port) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False


@pytest.mark.parametrize("env,named", [
    ({"COMITY_DEBUG": "1"}, "comity.E001"),
    ({"COMITY_REQUIRE_EXTERNAL_LEDGER_KEY": "1"}, "audit.E001"),  # a system check at ERROR level
])
def test_comity_serve_refuses_to_start_on_an_error(tmp_path, env, named):
    port = _free_port()
    proc = _comity_serve(tmp_path, port, **env)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode != 0, (out, err)
    assert named in err, err
    assert "Comity is serving" not in out and not _listening(port)


def test_comity_serve_starts_without_warnings_that_do_not_apply(tmp_path):
    """Plain HTTP (COMITY_HTTPS=0, e.g. `make run`): the HTTPS deployment checks do not apply and are not shown;
    the others are (here: the audit log's key inside the data folder), and gunicorn starts."""
    port = _free_port()
    proc = _comity_serve(tmp_path, port)
    try:
        deadline = time.monotonic() + 60
        while not _listening(port):
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate(timeout=10)
            time.sleep(0.2)
        assert _get(f"http://127.0.0.1:{port}/healthz").status == 200
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert "Comity is serving" in out
    assert "audit.W001" in err  # the deployment checks ran
    for not_applicable in ("security.W004", "security.W008", "security.W012", "security.W016", "security.W021"):
        assert not_applicable not in err, err


def test_the_https_deployment_checks_apply_once_https_is_on(settings):
    from comity.web.serve_checks import serve_check_messages

    settings.COMITY_HTTPS, settings.SECURE_HSTS_SECONDS, settings.SESSION_COOKIE_SECURE = True, 0, False
    ids = {m.id for m in serve_check_messages()}
    assert {"security.W004", "security.W012"} <= ids and "security.W021" not in ids
    settings.COMITY_HTTPS = False
    assert not {"security.W004", "security.W012"} & {m.id for m in serve_check_messages()}
    settings.DEBUG = True
    assert "comity.E001" in {m.id for m in serve_check_messages()}


# --- passwords and sessions (docs/security/asvs.md, V2 and V3) -----------------------------------------------------

def test_long_unicode_passphrases_are_accepted_whole_and_stored_with_argon2(make_user):
    """ASVS 2.1.2-2.1.4 and 2.4.1: a 100-character passphrase in any script is accepted, is not truncated, and is
    stored as an Argon2 hash, never as itself."""
    from django.contrib.auth.password_validation import validate_password

    passphrase = "Λέξεις και слова και 言葉 — " + "the quick brown fox jumps over " * 3
    assert len(passphrase) >= 100
    validate_password(passphrase)  # no maximum, no composition rule
    user = make_user("caseworker", "regress-long", password=passphrase)
    user.refresh_from_db()
    assert user.password.startswith("argon2$") and passphrase not in user.password
    assert user.check_password(passphrase) and not user.check_password(passphrase[:64])


def _signed_in(user, code) -> Client:
    c = Client()
    c.post("/accounts/login/", {"login": user.username, "password": PASSWORD})
    resp = c.post("/accounts/2fa/authenticate/", {"code": code})
    assert resp.status_code == 302 and c.get("/").status_code == 200
    return c


def test_signing_in_issues_a_new_session_and_signing_out_ends_it(make_user):
    """ASVS 3.2.1 and 3.3.1: the session key a visitor had before signing in is not the one after (no session
    fixation); after signing out, the old session cookie opens nothing."""
    user = make_user("caseworker", "regress-session")
    c = Client()
    c.get("/accounts/login/")
    c.session.save()
    before = c.session.session_key
    c.post("/accounts/login/", {"login": user.username, "password": PASSWORD})
    c.post("/accounts/2fa/authenticate/", {"code": pyotp.TOTP(user.totp_secret).now()})
    after = c.cookies["sessionid"].value
    assert after and after != before
    assert c.get("/").status_code == 200
    assert c.post("/accounts/logout/").status_code == 302
    replay = Client()
    replay.cookies["sessionid"] = after
    resp = replay.get("/")
    assert resp.status_code == 302 and resp["Location"].startswith("/accounts/login/")


def test_a_password_change_ends_the_accounts_other_sessions(make_user):
    """ASVS 3.3.3: a password changed in one browser signs the account out everywhere else (and revokes its API
    tokens, tests/security/test_authz_findings.py)."""
    user = make_user("caseworker", "regress-elsewhere")
    # a TOTP code works once: the second browser signs in with a recovery code
    here, elsewhere = _signed_in(user, pyotp.TOTP(user.totp_secret).now()), _signed_in(user, user.recovery_codes[0])
    here.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    resp = here.post(reverse("account_change_password"), {"oldpassword": PASSWORD, "password1": NEW_PASSWORD,
                                                          "password2": NEW_PASSWORD})
    assert resp.status_code == 302, re.findall(rb"(?s)errorlist.{0,300}|<main.{0,1500}", resp.content)[:3]
    assert here.get("/").status_code == 200  # the browser that changed it stays signed in
    resp = elsewhere.get("/")
    assert resp.status_code == 302 and resp["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("target", ["https://evil.example/steal", "//evil.example/", "/\\evil.example/",
                                    "javascript:alert(1)"])
def test_signing_in_sends_the_user_on_only_within_the_site(make_user, target):
    """ASVS 5.1.5: a `next` pointing elsewhere is ignored; the user lands on the site's own page."""
    user = make_user("caseworker")
    c = Client()
    c.post(f"/accounts/login/?next={target}", {"login": user.username, "password": PASSWORD, "next": target})
    resp = c.post("/accounts/2fa/authenticate/", {"code": pyotp.TOTP(user.totp_secret).now()})
    assert resp.status_code == 302
    location = resp["Location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\")) and "evil" not in location, location
