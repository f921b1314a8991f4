"""Each demonstration role signs in through the real pages and sees its main pages; the test takes a screenshot
of each (into $COMITY_SCREENSHOTS, default test-screenshots/, git-ignored) so that a person can look at them,
and fails if a page shows an error or a raw vocabulary code."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("COMITY_SCREENSHOTS") or Path(__file__).resolve().parents[2] / "test-screenshots")

#: The main pages of each role, as it would click through them.
PAGES = {
    "s.martin": ["/", "/cases/", "/law/", "/law/map/"],
    "c.diallo": ["/", "/cases/"],
    "p.okafor": ["/", "/cases/"],
    "d.novak": ["/", "/law/exposure/", "/law/red-notice/"],
    "o.lindqvist": ["/", "/oversight/"],
}


def _visible_text(html: str) -> str:
    return re.sub(r"<(script|style)\b.*?</\1>|<[^>]+>", " ", html, flags=re.S | re.I)


def test_each_role_sees_its_main_pages_in_words(live_server, page_for, sign_in):
    from comity.accounts.actions import do_enrol_totp
    from comity.accounts.models import User
    from comity.demo import DEMO_PASSWORD, load_demo
    from comity.vocabulary import codes_shown_raw_are_errors

    load_demo()
    raw = codes_shown_raw_are_errors()
    base = live_server.url
    problems = []
    for username, pages in PAGES.items():
        user = User.objects.get(username=username)
        user.totp_secret, _codes = do_enrol_totp(user)
        page = page_for()
        page.set_viewport_size({"width": 1280, "height": 900})
        sign_in(page, base, user, password=DEMO_PASSWORD)
        folder = SHOTS / username
        folder.mkdir(parents=True, exist_ok=True)
        first_case = None
        for url in pages:
            resp = page.goto(base + url)
            if resp is None or resp.status >= 400:
                problems.append((username, url, resp.status if resp else None))
                continue
            name = url.strip("/").replace("/", "_") or "dashboard"
            page.screenshot(path=str(folder / f"{name}.png"), full_page=False)
            words = set(re.findall(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b", _visible_text(page.content()))) & raw
            if words:
                problems.append((username, url, sorted(words)))
            if url == "/cases/" and first_case is None:
                link = page.locator("a[href^='/cases/']").filter(has_text=re.compile(r"CASE-")).first
                if link.count():
                    first_case = link.get_attribute("href")
        if first_case:
            page.goto(base + first_case)
            page.screenshot(path=str(folder / "case.png"), full_page=True)
            req = page.locator("a[href^='/requests/']").first
            if req.count():
                page.goto(base + req.get_attribute("href"))
                page.screenshot(path=str(folder / "request.png"), full_page=True)
                words = set(re.findall(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b", _visible_text(page.content()))) & raw
                if words:
                    problems.append((username, "request page", sorted(words)))
    assert not problems, problems
    assert any(SHOTS.rglob("*.png"))
