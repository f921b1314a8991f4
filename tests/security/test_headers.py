"""Security headers, cookies, TLS behind a proxy, downloads' file names and the access log (issue 13: item 8,
findings 9 and 10). Any regression fails the suite:

- every response carries a Content Security Policy that allows scripts only from the site itself (no inline
  script, no eval, no other host), and no template contains an inline script or an on*= handler;
- every page and download that carries personal data says `Cache-Control: no-store`, for each role;
- cookies are HttpOnly and SameSite; with COMITY_HTTPS=1 they are Secure, HTTP is redirected to HTTPS and
  HSTS is sent, and X-Forwarded-Proto / X-Forwarded-For are believed only from COMITY_TRUSTED_PROXIES;
- `Content-Disposition` gives the browser the file's own name, whatever characters it holds;
- the server's access log holds paths, never query strings (searched names, stated purposes).
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from email.message import Message
from pathlib import Path

import pyotp
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]
SHOTS = os.environ.get("COMITY_SCREENSHOTS")
PASSWORD = "correct-horse-battery-42"
PURPOSE = "Complaint DPA-2026-7 about the data held on Ana Ruiz"
ODD_NAME = 'Заявление "final"; name=evil.exe.pdf'  # quotes, a semicolon and Cyrillic, as users upload them


# --- the policy itself ---------------------------------------------------------------------------------------

def _csp(resp) -> dict[str, list[str]]:
    header = resp.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {resp.request['PATH_INFO']}"
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def assert_strict_csp(resp):
    policy = _csp(resp)
    where = resp.request["PATH_INFO"]
    assert policy.get("default-src") == ["'self'"], where
    assert policy.get("script-src", policy["default-src"]) == ["'self'"], (where, policy.get("script-src"))
    assert policy.get("object-src") == ["'none'"] and policy.get("frame-ancestors") == ["'none'"], where
    assert policy.get("base-uri") == ["'none'"] and policy.get("form-action") == ["'self'"], where
    for directive, sources in policy.items():
        assert "'unsafe-inline'" not in sources and "'unsafe-eval'" not in sources, (where, directive)
        assert not any(s == "*" or s.startswith(("http:", "https:")) or "://" in s for s in sources), (where, directive)
    assert resp["X-Content-Type-Options"] == "nosniff" and resp["X-Frame-Options"] == "DENY", where
    assert resp["Referrer-Policy"] == "same-origin", where


def assert_no_store(resp):
    where = resp.request["PATH_INFO"]
    assert "no-store" in resp.get("Cache-Control", ""), f"{where} may be cached: {resp.get('Cache-Control')!r}"


# --- templates -------------------------------------------------------------------------------------------------

SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.DOTALL | re.IGNORECASE)
DATA_TYPES = ("application/json", "application/ld+json")
HANDLER = re.compile(r"<[a-zA-Z][^>]*?\son[a-z]+\s*=", re.DOTALL)
JS_URL = re.compile(r"""\b(?:href|src|action|formaction)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


def _templates():
    from django.template import engines

    for engine in engines.all():
        for folder in engine.template_dirs:
            for path in Path(folder).rglob("*"):
                if path.is_file() and path.suffix in (".html", ".svg", ".txt", ".xml"):
                    yield path


def inline_script_problems(text: str) -> list[str]:
    problems = []
    for attrs, body in SCRIPT.findall(text):
        kind = re.search(r"""\btype\s*=\s*["']?([^"'\s>]+)""", attrs)
        if kind and kind.group(1).lower() in DATA_TYPES:
            continue  # a data block (json_script), never executed
        if not re.search(r"\bsrc\s*=", attrs):
            problems.append("inline <script>")
        elif body.strip():
            problems.append("<script src> with a body")
    problems += [f"event handler {m.group(0)[-12:]!r}" for m in HANDLER.finditer(text)]
    problems += ["javascript: URL" for _ in JS_URL.finditer(text)]
    return problems


def test_the_inline_script_check_catches_what_it_must():
    assert inline_script_problems('<p><script>alert(1)</script></p>') == ["inline <script>"]
    assert inline_script_problems('<button type="button" onclick="go()">x</button>')
    assert inline_script_problems('<a href="javascript:void(0)">x</a>') == ["javascript: URL"]
    assert inline_script_problems('<img src=x\n  onerror=alert(1)>')
    assert not inline_script_problems('<script src="/static/comity/x.js" defer></script>'
                                      '<script type="application/json" id="d">{"a": 1}</script>'
                                      '<p>Only online; connection</p><input name="onward_disclosure">')


#: Third-party templates that Comity never renders: django-ninja's CDN and Redoc variants of the API docs
#: (comity.api serves ninja/swagger.html, whose scripts are files).
NEVER_RENDERED = {"ninja/swagger_cdn.html", "ninja/redoc.html", "ninja/redoc_cdn.html"}


def test_no_template_contains_an_inline_script_or_handler():
    """Every template any engine can render (ours, allauth's, django-ninja's): scripts come from files."""
    found = {}
    count = 0
    for path in _templates():
        if "/".join(path.parts[-2:]) in NEVER_RENDERED:
            continue
        count += 1
        problems = inline_script_problems(path.read_text(errors="replace"))
        if problems:
            found[str(path)] = problems
    assert count > 100
    assert not found, f"inline scripts or handlers (move them to static/comity/*.js): {found}"


# --- pages and downloads, role by role ------------------------------------------------------------------------

@pytest.fixture
def data_dir(db, settings, tmp_path, monkeypatch):
    """Keys, documents and evidence in tmp_path, set before any account or case is made."""
    from comity.evidence import keys

    for name in ("COMITY_MASTER_KEY", "COMITY_MASTER_KEYS_RETIRED", "COMITY_TSA_URL"):
        monkeypatch.delenv(name, raising=False)
    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.COMITY_EVIDENCE_DIR = tmp_path / "evidence"
    settings.COMITY_TSA_URL = ""
    keys.init_master_key()
    return tmp_path


@pytest.fixture
def world(data_dir, make_user, case, extradition, supervisor, caseworker, oversight):
    """A case with a request, a document and an evidence file whose names users chose, and one reader per role."""
    from comity.accounts.actions import do_create_token
    from comity.cases import actions
    from comity.evidence import actions as evidence

    doc = actions.do_upload_document(case, upload=SimpleUploadedFile(ODD_NAME, b"%PDF-1.4 fake\n",
                                                                     content_type="application/pdf"),
                                     title="Warrant", acting_user=caseworker)
    item = evidence.do_register_evidence(
        case, kind="digital", title="Phone extraction", date_obtained="2026-01-15", acting_user=caseworker,
        providing_state="FR", upload=SimpleUploadedFile(ODD_NAME, b"evidence bytes\n" * 50))
    actions.do_add_entity(case, schema="Person", properties={"name": ["Ana Ruiz"]}, acting_user=caseworker)
    _, token = do_create_token(caseworker, name="headers test", acting_user=caseworker)
    defence = make_user("defence", "counsel")
    return {"case": case, "request": extradition, "doc": doc, "item": item, "token": token,
            "caseworker": caseworker, "supervisor": supervisor, "oversight": oversight, "defence": defence}


def _member_urls(w) -> list[str]:
    c, r, d, i = w["case"].pk, w["request"].pk, w["doc"].pk, w["item"].pk
    return ["/", "/cases/", f"/cases/{c}/", f"/cases/{c}/history/", f"/requests/{r}/", f"/builder/requests/{r}/",
            f"/requests/{r}/assessment/", f"/evidence/cases/{c}/", f"/evidence/items/{i}/",
            f"/evidence/items/{i}/report.json", f"/evidence/items/{i}/case.jsonld", f"/evidence/items/{i}/download",
            f"/cases/{c}/documents/{d}/", f"/cases/{c}/entities.ftm.jsonl", "/account/tokens/", "/accounts/2fa/",
            "/law/", "/law/instruments/CETS-024/"]


def test_member_pages_and_downloads_carry_the_policy_and_are_never_stored(world, login):
    c = login(world["caseworker"])
    for url in _member_urls(world):
        resp = c.get(url)
        assert resp.status_code == 200, (url, resp.status_code)
        assert_strict_csp(resp)
        assert_no_store(resp)


def test_supervisor_and_defence_pages_are_never_stored(world, client):
    for who, urls in (("supervisor", ["/", "/cases/", f"/cases/{world['case'].pk}/", "/oversight/retention/"]),
                      ("defence", ["/", "/law/exposure/", "/law/red-notice/", "/law/map/"])):
        client.force_login(world[who])
        for url in urls:
            resp = client.get(url)
            assert resp.status_code == 200, (who, url, resp.status_code)
            assert_strict_csp(resp)
            assert_no_store(resp)


def test_oversight_reading_under_a_stated_purpose_is_never_stored(world, client):
    case = world["case"]
    client.force_login(world["oversight"])
    resp = client.post(f"/cases/{case.pk}/purpose/", {"purpose": PURPOSE})
    assert resp.status_code == 302
    for url in (f"/cases/{case.pk}/", f"/requests/{world['request'].pk}/", f"/evidence/items/{world['item'].pk}/",
                "/oversight/", f"/oversight/?person=ruiz&category=access&reason={PURPOSE}"):
        resp = client.get(url)
        assert resp.status_code == 200, url
        assert_strict_csp(resp)
        assert_no_store(resp)
    report = client.post("/oversight/report.pdf", {"person": "ruiz", "category": "access", "reason": PURPOSE})
    assert report.status_code == 200 and report["Content-Type"] == "application/pdf"
    assert_no_store(report)


def test_api_answers_with_personal_data_are_never_stored(world, client):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {world['token']}"}
    case, doc = world["case"], world["doc"]
    for url in ("/api/cases", f"/api/cases/{case.pk}", f"/api/cases/{case.pk}/documents/{doc.pk}/content"):
        resp = client.get(url, **auth)
        assert resp.status_code == 200, (url, resp.status_code)
        assert_no_store(resp)
    assert_no_store(client.get(f"/api/cases/{case.pk}"))  # 401 without a token: not stored either


def test_anonymous_pages_carry_the_policy(db, client):
    for url in ("/accounts/login/", "/law/", "/law/map/", "/api/docs", "/no-such-page/"):
        resp = client.get(url)
        assert resp.status_code in (200, 404), url
        assert_strict_csp(resp)
    assert_no_store(client.get("/accounts/login/"))


# --- cookies ----------------------------------------------------------------------------------------------------

def test_sign_in_cookies_are_http_only_and_same_site(make_user):
    user = make_user("caseworker", "cookie")
    c = Client()
    page = c.get("/accounts/login/")
    assert page.cookies["csrftoken"]["httponly"] and page.cookies["csrftoken"]["samesite"] == "Lax"
    c.post("/accounts/login/", {"login": user.username, "password": PASSWORD})
    resp = c.post("/accounts/2fa/authenticate/", {"code": pyotp.TOTP(user.totp_secret).now()})
    assert resp.status_code == 302
    session = resp.cookies["sessionid"]
    assert session["httponly"] and session["samesite"] == "Lax"


# --- Content-Disposition --------------------------------------------------------------------------------------

def _filename(resp) -> str:
    """The file name a browser saves the download under (RFC 6266: filename*, else filename)."""
    header = resp["Content-Disposition"]
    assert "\n" not in header and "\r" not in header
    msg = Message()
    msg["Content-Disposition"] = header
    assert msg.get_content_disposition() == "attachment", header
    return msg.get_filename()


def test_downloads_are_saved_under_their_own_name_whatever_it_holds(world, login):
    c = login(world["caseworker"])
    case, item = world["case"], world["item"]
    assert _filename(c.get(f"/cases/{case.pk}/documents/{world['doc'].pk}/")) == ODD_NAME
    assert _filename(c.get(f"/evidence/items/{item.pk}/download")) == ODD_NAME
    assert _filename(c.get(f"/evidence/items/{item.pk}/case.jsonld")) == f"{item.exhibit_number}.case.jsonld"
    assert _filename(c.get(f"/evidence/items/{item.pk}/report.pdf")) == f"{item.exhibit_number}-verification.pdf"
    assert _filename(c.get(f"/cases/{case.pk}/entities.ftm.jsonl")) == f"{case.reference}.ftm.jsonl"
    api = Client().get(f"/api/cases/{case.pk}/documents/{world['doc'].pk}/content",
                       HTTP_AUTHORIZATION=f"Bearer {world['token']}")
    assert _filename(api) == ODD_NAME


def test_no_content_disposition_is_built_by_string_formatting():
    """Headers come from Django (FileResponse(filename=...) or content_disposition_header), which quotes and
    encodes the name; never from an f-string around a name a user chose."""
    offenders = []
    for path in (ROOT / "src" / "comity").rglob("*.py"):
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"""\[\s*["']Content-Disposition["']\s*\]\s*=\s*f?["']""", line):
                offenders.append(f"{path.relative_to(ROOT)}:{n}")
    assert not offenders, offenders


# --- settings from the environment, and a real server behind a proxy ----------------------------------------------

def _settings_under(env: dict) -> dict:
    code = ("import json, django; django.setup(); from django.conf import settings as s; print(json.dumps({k: "
            "getattr(s, k, None) for k in ('SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_SSL_REDIRECT', "
            "'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_PROXY_SSL_HEADER', "
            "'COMITY_TRUSTED_PROXIES', 'SESSION_COOKIE_HTTPONLY', 'CSRF_COOKIE_HTTPONLY')}))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False,
                         env={**os.environ, "DJANGO_SETTINGS_MODULE": "comity.settings", **env})
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_environment_switches_tls_behaviour_on_and_proxies_are_trusted_only_when_named(tmp_path):
    plain = _settings_under({"COMITY_DATA_DIR": str(tmp_path), "COMITY_HTTPS": "0", "COMITY_TRUSTED_PROXIES": ""})
    assert not plain["SECURE_SSL_REDIRECT"] and not plain["SECURE_HSTS_SECONDS"]
    assert plain["SECURE_PROXY_SSL_HEADER"] is None  # nobody's X-Forwarded-Proto is believed
    assert plain["SESSION_COOKIE_HTTPONLY"] and plain["CSRF_COOKIE_HTTPONLY"]
    tls = _settings_under({"COMITY_DATA_DIR": str(tmp_path), "COMITY_HTTPS": "1",
                           "COMITY_TRUSTED_PROXIES": "10.0.0.2, 192.168.10.0/24"})
    assert tls["SESSION_COOKIE_SECURE"] and tls["CSRF_COOKIE_SECURE"] and tls["SECURE_SSL_REDIRECT"]
    assert tls["SECURE_HSTS_SECONDS"] >= 31536000 and tls["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    assert tls["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert tls["COMITY_TRUSTED_PROXIES"] == ["10.0.0.2/32", "192.168.10.0/24"]


@pytest.mark.parametrize("env,reason", [
    ({"COMITY_TRUSTED_PROXIES": "10.0.0.300"}, "COMITY_TRUSTED_PROXIES"),
    ({"COMITY_HTTPS": "1", "COMITY_TRUSTED_PROXIES": ""}, "COMITY_TRUSTED_PROXIES"),
])
def test_a_wrong_proxy_setting_stops_the_start_with_the_variable_named(tmp_path, env, reason):
    run = subprocess.run([sys.executable, "-c", "import django; django.setup()"], capture_output=True, text=True,
                         timeout=60, check=False, env={**os.environ, "DJANGO_SETTINGS_MODULE": "comity.settings",
                                          "COMITY_DATA_DIR": str(tmp_path), **env})
    assert run.returncode != 0 and reason in run.stderr and "Traceback" in run.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def serve(tmp_path):
    """`comity serve`'s own gunicorn command line on a free port, with the environment given; its output."""
    from comity.cli import gunicorn_command

    procs = []

    def start(**env):
        port = _free_port()
        log = tmp_path / f"gunicorn-{port}.log"
        full = {**os.environ, "COMITY_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "comity.settings", **env}
        out = open(log, "w")  # noqa: SIM115 - gunicorn writes to it until the fixture ends
        proc = subprocess.Popen(gunicorn_command("127.0.0.1", port, workers=1, env=full), env=full, stdout=out,
                                stderr=subprocess.STDOUT, cwd=tmp_path)
        procs.append((proc, out))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert proc.poll() is None, log.read_text()
                time.sleep(0.1)
        return f"http://127.0.0.1:{port}", log

    yield start
    for proc, out in procs:
        proc.terminate()
        proc.wait(10)
        out.close()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _get(url: str, **headers):
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        return opener.open(urllib.request.Request(url, headers=headers), timeout=30)
    except urllib.error.HTTPError as e:
        return e


def test_behind_a_tls_proxy_http_is_redirected_and_https_gets_hsts(serve):
    base, _ = serve(COMITY_HTTPS="1", COMITY_TRUSTED_PROXIES="127.0.0.1")
    plain = _get(f"{base}/law/")
    assert plain.status == 301 and plain.headers["Location"].startswith("https://")
    secure = _get(f"{base}/accounts/login/", **{"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.9"})
    assert secure.status == 200
    assert "max-age=31536000" in secure.headers["Strict-Transport-Security"]
    assert "includeSubDomains" in secure.headers["Strict-Transport-Security"]
    cookie = secure.headers["Set-Cookie"]
    assert "csrftoken=" in cookie and "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "script-src 'self'" in secure.headers["Content-Security-Policy"]
    assert _get(f"{base}/healthz").status == 200  # a load balancer's plain-HTTP health check still works


def test_forwarded_proto_from_an_untrusted_peer_is_not_believed(serve):
    base, _ = serve(COMITY_HTTPS="1", COMITY_TRUSTED_PROXIES="10.9.9.9")
    resp = _get(f"{base}/accounts/login/", **{"X-Forwarded-Proto": "https"})
    assert resp.status == 301 and resp.headers["Location"].startswith("https://")  # still treated as plain HTTP
    assert "Strict-Transport-Security" not in resp.headers


def _self_signed(folder: Path) -> tuple[Path, Path]:
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "tls.crt", folder / "tls.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def test_serving_tls_itself_sends_hsts_and_secure_cookies(serve, tmp_path):
    """No proxy: `comity serve` with COMITY_TLS_CERT and COMITY_TLS_KEY speaks HTTPS itself."""
    import ssl

    cert, key = _self_signed(tmp_path)
    base, _ = serve(COMITY_HTTPS="1", COMITY_TLS_CERT=str(cert), COMITY_TLS_KEY=str(key), COMITY_TRUSTED_PROXIES="")
    context = ssl.create_default_context(cafile=str(cert))
    context.check_hostname = False
    opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=context), _NoRedirect)
    resp = opener.open(base.replace("http://", "https://") + "/accounts/login/", timeout=30)
    assert resp.status == 200 and "max-age=31536000" in resp.headers["Strict-Transport-Security"]
    assert "Secure" in resp.headers["Set-Cookie"] and "HttpOnly" in resp.headers["Set-Cookie"]


def test_access_log_keeps_paths_but_not_searched_names_or_purposes(serve):
    base, log = serve()
    secret_name, secret_purpose = "Zbigniew Quarterman", "complaint about Zbigniew"
    query = urllib.parse.urlencode({"person": secret_name, "reason": secret_purpose})
    _get(f"{base}/law/?{query}", Referer=f"{base}/oversight/?{query}")
    _get(f"{base}/api/cases/1?purpose={urllib.parse.quote(secret_purpose)}")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and log.read_text().count("GET /") < 2:
        time.sleep(0.1)
    text = log.read_text()
    assert "GET /law/ " in text and "GET /api/cases/1 " in text, text
    for secret in ("Zbigniew", "Quarterman", "complaint", "person=", "purpose="):
        assert secret not in text, f"{secret!r} is in the access log:\n{text}"


# --- in a browser: nothing the policy blocks, nothing fetched from elsewhere ------------------------------------

VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(
    e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + (e.sourceFile || '') + ':' + e.lineNumber));
"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_pages_of_each_role_run_under_the_policy_with_nothing_blocked(live_server, page_for, sign_in, make_user):
    """Each role signs in through the real pages and opens its pages; the browser reports no violation of the
    policy (an inline style or script the policy would block), and nothing is fetched from another host."""
    from comity.cases import actions

    base = live_server.url
    sup = make_user("supervisor", "csp-sup")
    member = make_user("caseworker", "csp-cw")
    watcher = make_user("oversight", "csp-dpo")
    counsel = make_user("defence", "csp-def")
    admin = make_user("admin", "csp-admin")
    case = actions.do_create_case(title="Fraud ring", summary="A test case", acting_user=sup)
    actions.do_grant_membership(case, member, acting_user=sup)
    req = actions.do_create_request(case, kind="extradition", direction="outgoing", subject="Surrender of X",
                                    requesting_state="IT", requested_state="CH", legal_basis="ECE 1957",
                                    legal_basis_instrument="CETS-024", acting_user=sup)
    anonymous = ["/accounts/login/", "/law/", "/law/map/", "/law/countries/", "/law/basis/?requesting=IT&requested=CH",
                 "/api/docs"]
    roles = {
        member: ["/", f"/cases/{case.pk}/", f"/requests/{req.pk}/", f"/requests/{req.pk}/assessment/",
                 f"/builder/requests/{req.pk}/", f"/evidence/cases/{case.pk}/", "/account/tokens/",
                 "/accounts/2fa/", "/law/exposure/"],
        sup: ["/", f"/cases/{case.pk}/", "/oversight/retention/"],
        admin: ["/", "/admin/users/"],
        watcher: ["/oversight/", f"/cases/{case.pk}/purpose/"],
        counsel: ["/", "/law/exposure/", "/law/red-notice/"],
    }
    own = base.split("://", 1)[1]
    problems, elsewhere = [], []

    def visit(page, url, who):
        resp = page.goto(base + url)
        assert resp is not None and resp.status < 400, (who, url, resp and resp.status)
        if url == "/api/docs":
            page.wait_for_selector(".opblock-summary-path", timeout=15000)
        page.wait_for_timeout(100)
        got = page.evaluate("window.__csp")
        if got:
            problems.append((who, url, got))
        if SHOTS:
            folder = Path(SHOTS) / "csp" / who
            folder.mkdir(parents=True, exist_ok=True)
            name = url.strip("/").replace("/", "_").replace("?", "_") or "dashboard"
            page.screenshot(path=str(folder / f"{name}.png"), full_page=False)

    def watch(page):
        page.add_init_script(VIOLATIONS)
        page.on("request", lambda r: elsewhere.append(r.url) if r.url.split("://", 1)[-1].split("/")[0] != own
                and not r.url.startswith("data:") else None)
        page.set_viewport_size({"width": 1280, "height": 900})

    page = page_for()
    watch(page)
    for url in anonymous:
        visit(page, url, "anonymous")
    for user, urls in roles.items():
        page = page_for()
        watch(page)
        sign_in(page, base, user)
        visit(page, "/", user.username)
        if user is watcher:  # state a purpose through the form, then read the case
            page.goto(f"{base}/cases/{case.pk}/purpose/")
            page.fill("textarea[name=purpose], input[name=purpose]", PURPOSE)
            page.click("main button[type=submit]")
            urls = urls + [f"/cases/{case.pk}/"]
        for url in urls:
            visit(page, url, user.username)
    assert not problems, f"the Content Security Policy blocked something: {problems}"
    assert not elsewhere, f"pages fetched from other hosts: {elsewhere}"


def test_inline_style_hashes_are_computed_as_browsers_compute_them():
    """The policy allows the templates' own inline styles by hash; an attribute is hashed as the browser sees
    it, after character references are decoded."""
    from comity.web.middleware import style_hashes_of

    hashes = style_hashes_of('<p style="color:red">x</p><col style="width:34%">'
                             '<b style="content:&quot;x&quot;">y</b><style>\n.a{b:c}\n</style>'
                             '<i style="color:{{ c }}">skip</i>')
    import base64
    import hashlib

    def h(s):
        return "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"

    assert hashes == {h("color:red"), h("width:34%"), h('content:"x"'), h("\n.a{b:c}\n")}
