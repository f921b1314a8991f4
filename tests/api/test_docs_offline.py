"""/api/docs works offline: the Swagger UI comes from the project's own static files (django-ninja's bundled
copy, served by whitenoise), never from a CDN, and it asks no other host for anything."""

import json
import os
import re
from urllib.parse import urlsplit

import pytest

ATTR = re.compile(r'\b(?:src|href)="([^"]+)"')
SETTINGS = re.compile(r'<script type="application/json" id="swagger-settings">(.*?)</script>', re.DOTALL)
REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)  # http://, https://, protocol-relative //host


def test_docs_page_references_only_local_urls_and_they_answer(client, db):
    resp = client.get("/api/docs")
    assert resp.status_code == 200
    html = resp.content.decode()
    urls = ATTR.findall(html)
    settings = json.loads(SETTINGS.search(html).group(1))
    urls.append(settings["url"])
    assert any(u.endswith("swagger-ui-bundle.js") for u in urls) and any(u.endswith(".css") for u in urls)
    remote = [u for u in urls if REMOTE.match(u)]
    assert not remote, f"the docs page loads from another host: {remote}"
    # Swagger UI's default validator badge is an image fetched from validator.swagger.io: switched off.
    assert "validatorUrl" in settings and settings["validatorUrl"] is None
    for url in urls:
        got = client.get(url)
        assert got.status_code == 200, url
        body = b"".join(got.streaming_content) if got.streaming else got.content
        assert body, url
    assert client.get(settings["url"]).json()["info"]["title"] == "Comity API"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_swagger_ui_renders_with_every_other_host_unreachable(live_server, page_for):
    """In Chromium, with every request to another host refused: the UI still lists the API's operations."""
    base = live_server.url
    own = urlsplit(base).netloc
    elsewhere = []
    page = page_for()

    def only_local(route):
        if urlsplit(route.request.url).netloc == own:
            return route.continue_()
        elsewhere.append(route.request.url)
        return route.abort()

    page.route("**/*", only_local)
    page.goto(f"{base}/api/docs")
    page.wait_for_selector(".opblock-summary-path", timeout=15000)
    assert "Comity API" in page.text_content(".info .title")
    paths = page.locator(".opblock-summary-path").all_text_contents()
    assert any(p.startswith("/api/cases") for p in paths)
    assert not elsewhere, f"the docs page asked other hosts for: {elsewhere}"
    shots = os.environ.get("COMITY_SCREENSHOTS")
    if shots:
        page.screenshot(path=os.path.join(shots, "api-docs.png"), full_page=False)
