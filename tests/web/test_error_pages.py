"""Error pages as people see them with DEBUG off: styled like the rest of Comity, saying what happened and
offering a way back; under /api/ the same errors stay JSON. The 500 page renders with the database down.

This module is also the URLconf of its tests (`pytest.mark.urls`): the product's routes, plus two that fail
on purpose (a step the user may not take, a crash), with the product's own error handlers.
"""

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client, override_settings
from django.urls import path

from comity import urls as product_urls
from comity.accounts.actions import do_create_token


def _forbidden(request):
    raise PermissionDenied("Only a supervisor of the case may approve this request.")


def _crash(request):
    raise RuntimeError("a bug in a view")


urlpatterns = [
    path("test-errors/forbidden/", _forbidden),
    path("test-errors/crash/", _crash),
    path("api/test-errors/forbidden", _forbidden),
    path("api/test-errors/crash", _crash),
    *product_urls.urlpatterns,
]
# The product's handlers (Django's defaults where the product sets none).
handler400 = getattr(product_urls, "handler400", "django.views.defaults.bad_request")
handler403 = getattr(product_urls, "handler403", "django.views.defaults.permission_denied")
handler404 = getattr(product_urls, "handler404", "django.views.defaults.page_not_found")
handler500 = getattr(product_urls, "handler500", "django.views.defaults.server_error")

pytestmark = [pytest.mark.urls(__name__)]
STYLED = '<link rel="stylesheet" href="/static/comity/comity.css">'
CSRF = re.compile(r'<input type="hidden" name="csrfmiddlewaretoken" value="[^"]*">')


def _page(resp, status):
    assert resp.status_code == status
    assert resp["Content-Type"].startswith("text/html")
    html = resp.content.decode()
    assert STYLED in html and '<header class="top">' in html  # the product's own layout, not Django's bare page
    assert f'data-status="{status}"' in html
    assert 'href="/"' in html  # a way back
    return html


@override_settings(DEBUG=False)
def test_unknown_address_is_a_styled_404_with_a_way_back(client, login, caseworker):
    html = _page(client.get("/no-such-page/"), 404)
    assert "Page not found" in html and "Sign in" in html  # signed out: offered to sign in
    html = _page(login(caseworker).get("/no-such-page/"), 404)
    assert "Page not found" in html and 'href="/cases/"' in html and caseworker.username in html


@override_settings(DEBUG=False)
def test_a_hidden_case_gets_the_same_404_page_as_a_missing_one(login, case, outsider):
    c = login(outsider)
    hidden = _page(c.get(f"/cases/{case.pk}/"), 404)
    missing = _page(c.get("/cases/999999/"), 404)
    assert "ask its supervisor to add you" in hidden
    assert CSRF.sub("", hidden) == CSRF.sub("", missing)  # nothing tells the case exists
    assert case.title not in hidden and case.reference not in hidden


@override_settings(DEBUG=False)
def test_forbidden_step_is_a_styled_403_with_the_reason(login, caseworker):
    html = _page(login(caseworker).get("/test-errors/forbidden/"), 403)
    assert "You may not do this" in html and "Nothing was changed" in html
    assert "Only a supervisor of the case may approve this request." in html


@override_settings(DEBUG=False)
def test_request_for_another_host_is_a_styled_400(client, db):
    html = _page(client.get("/", HTTP_HOST="comity.attacker.example"), 400)
    assert "could not be understood" in html and "Nothing was saved" in html


@override_settings(DEBUG=False)
def test_crash_is_a_styled_500_that_says_nothing_was_saved_half_way(login, caseworker):
    c = login(caseworker)
    c.raise_request_exception = False
    html = _page(c.get("/test-errors/crash/"), 500)
    assert "Something went wrong on our side" in html and "saved whole or not at all" in html
    assert "a bug in a view" not in html and "Traceback" not in html  # no internals shown
    assert re.search(r'id="when">\d{4}-\d\d-\d\d \d\d:\d\d', html)


@override_settings(DEBUG=False)
def test_500_page_renders_when_the_database_is_down(login, caseworker, django_db_blocker):
    c = login(caseworker)
    c.raise_request_exception = False
    with django_db_blocker.block():  # every query now fails, as with the database server gone
        resp = c.get("/cases/")
    html = _page(resp, 500)
    assert "Something went wrong on our side" in html


@override_settings(DEBUG=False)
def test_api_errors_stay_json(client, supervisor, django_db_blocker):
    _, token = do_create_token(supervisor, name="t", scope="read", acting_user=supervisor)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    c = Client(raise_request_exception=False)
    for url, status in [("/api/no-such-endpoint", 404), ("/api/test-errors/forbidden", 403),
                        ("/api/test-errors/crash", 500)]:
        resp = c.get(url, **auth)
        assert resp.status_code == status and resp["Content-Type"] == "application/json", url
        assert resp.json()["detail"]
    assert c.get("/api/test-errors/forbidden").json()["detail"] == \
        "Only a supervisor of the case may approve this request."
    with django_db_blocker.block():  # the API's token check needs the database: a JSON 500, not HTML
        resp = c.get("/api/cases", **auth)
    assert resp.status_code == 500 and resp["Content-Type"] == "application/json"
    assert "Server error" in resp.json()["detail"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_error_pages_in_a_browser_are_styled_and_lead_back(live_server, page_for, make_user, sign_in):
    """In Chromium: the stylesheet applies (the blue header), and the way back leads to the dashboard."""
    import os

    shots = os.environ.get("COMITY_SCREENSHOTS")
    base = live_server.url
    page = page_for()
    for url, status, name in [("/no-such-page/", 404, "404-signed-out"), ("/test-errors/crash/", 500, "500")]:
        resp = page.goto(f"{base}{url}")
        assert resp.status == status
        assert page.evaluate("getComputedStyle(document.querySelector('header.top')).backgroundColor") \
            == "rgb(31, 78, 140)"
        assert page.text_content("h1").strip() in ("Page not found", "Something went wrong on our side")
        if shots:
            page.screenshot(path=os.path.join(shots, f"error-{name}.png"), full_page=True)
    user = make_user("caseworker", "e.rror")
    sign_in(page, base, user)
    for url, status, name in [("/cases/999999/", 404, "404-signed-in"), ("/test-errors/forbidden/", 403, "403"),
                              ("/test-errors/crash/", 500, "500-signed-in")]:
        assert page.goto(f"{base}{url}").status == status
        if shots:
            page.screenshot(path=os.path.join(shots, f"error-{name}.png"), full_page=True)
    page.goto(f"{base}/cases/999999/")
    page.click("#error a.button")
    page.wait_for_url(f"{base}/")
    assert "What is due" in page.text_content("h1")


def test_an_expired_form_gets_a_styled_page_that_says_nothing_was_saved(db):
    from django.test import Client

    resp = Client(enforce_csrf_checks=True).post("/accounts/login/", {"login": "x", "password": "y"})
    assert resp.status_code == 403
    page = resp.content.decode()
    assert "This form has expired" in page and "Nothing was saved" in page and "comity.css" in page
