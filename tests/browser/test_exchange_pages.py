"""The exchange's pages in a real browser, for an administrator and a caseworker: each signs in through the real
pages and opens them; a screenshot of each goes to $COMITY_SCREENSHOTS/exchange/<role>/ (default
test-screenshots/, git-ignored) for a person to look at. Fails if a page answers an error or shows a raw
vocabulary code, and checks what must be visible: the red notices of failed and refused messages, the
fingerprint in sixteen groups, the refused fingerprint leaving the peer untrusted."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.courier.conftest import make_peer, xw  # noqa: F401  (the exchange set up through the actions)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("COMITY_SCREENSHOTS") or Path(__file__).resolve().parents[2] / "test-screenshots")


def _visible_text(html: str) -> str:
    return re.sub(r"<(script|style)\b.*?</\1>|<[^>]+>", " ", html, flags=re.S | re.I)


def test_exchange_pages_for_an_administrator_and_a_caseworker(xw, live_server, page_for, sign_in):  # noqa: F811
    from comity.accounts.actions import do_create_unit
    from comity.courier import actions as courier
    from comity.vocabulary import codes_shown_raw_are_errors

    unit = do_create_unit(name="Ufficio II — Cooperazione internazionale", acting_user=xw.admin)
    courier.do_set_route("mla", unit, acting_user=xw.admin)
    pending, *_ = make_peer(xw.admin, authority="DE:bfj", name="Bundesamt für Justiz", confirm=False)
    courier.do_seed_directory(acting_user=xw.admin, via="web")
    raw = codes_shown_raw_are_errors()
    base = live_server.url
    problems = []

    def shoot(page, folder, name, url, *, full=True):
        resp = page.goto(base + url)
        if resp is None or resp.status >= 400:
            problems.append((folder.name, url, resp.status if resp else None))
            return ""
        page.screenshot(path=str(folder / f"{name}.png"), full_page=full)
        html = page.content()
        words = set(re.findall(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b", _visible_text(html))) & raw
        if words:
            problems.append((folder.name, url, sorted(words)))
        return html

    # the caseworker: what failed, the conversation, a message and its evidence
    page = page_for()
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, base, xw.cw)
    folder = SHOTS / "exchange" / "caseworker"
    folder.mkdir(parents=True, exist_ok=True)
    html = shoot(page, folder, "dashboard", "/", full=False)
    assert "Messages to other authorities that did not arrive" in html
    html = shoot(page, folder, "messages", "/exchange/")
    assert html.count('class="trouble"') == 2
    shoot(page, folder, "messages-trouble", "/exchange/?status=trouble")
    html = shoot(page, folder, "message-failed", f"/exchange/messages/{xw.sent.pk}/")
    assert "Every delivery attempt failed" in html and "letter.pdf" in html
    shoot(page, folder, "message-refused", f"/exchange/messages/{xw.refused.pk}/")
    html = shoot(page, folder, "message-received", f"/exchange/messages/{xw.question.pk}/")
    assert "Retrieval" in html  # opening it was the retrieval
    html = shoot(page, folder, "request", f"/requests/{xw.req.pk}/")
    assert html.count('class="exchange-failed"') == 2
    assert page.locator("#exchange-panel .exchange-failed").first.is_visible()
    assert page.goto(base + "/exchange/peers/").status == 404  # the trust list is not theirs

    # the supervisor of the incoming request: legal clocks from the delivery
    page = page_for()
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, base, xw.sup)
    folder = SHOTS / "exchange" / "supervisor"
    folder.mkdir(parents=True, exist_ok=True)
    html = shoot(page, folder, "request-incoming", f"/requests/{xw.incoming.pk}/")
    assert "Legal clocks run from delivery on" in html
    shoot(page, folder, "message-new-request", f"/exchange/messages/{xw.incoming_msg.pk}/")

    # the administrator: trust list, fingerprints, identity, directory, routes, refusals
    page = page_for()
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, base, xw.admin)
    folder = SHOTS / "exchange" / "admin"
    folder.mkdir(parents=True, exist_ok=True)
    shoot(page, folder, "messages", "/exchange/")
    html = shoot(page, folder, "peers", "/exchange/peers/")
    assert "Bundesamt für Justiz" in html
    shoot(page, folder, "peer-trusted", f"/exchange/peers/{xw.peer.pk}/")
    html = shoot(page, folder, "peer-pending", f"/exchange/peers/{pending.pk}/")
    assert len(page.locator(".fingerprint div").all_inner_texts()) == 4
    # a fingerprint read wrongly is refused on the page, the peer stays pending
    page.fill("#id_fingerprint_read", "0000 " * 16)
    page.fill("#id_how", "read by telephone, +49 228 99 410 40")
    page.click("#confirm-form button[type=submit]")
    page.wait_for_selector("#confirm-form .errorlist")
    page.screenshot(path=str(folder / "peer-confirm-refused.png"), full_page=True)
    pending.refresh_from_db()
    assert pending.status == "pending"
    page.goto(base + "/exchange/peers/import/")
    page.fill("#id_identity_file", "this is not an identity file")
    page.click("#import-form button[type=submit]")
    page.wait_for_selector("#import-form .errorlist")
    page.screenshot(path=str(folder / "peer-import-refused.png"), full_page=True)
    shoot(page, folder, "identity", "/exchange/identity/")
    shoot(page, folder, "directory", "/exchange/directory/")
    shoot(page, folder, "directory-ch", "/exchange/directory/?state=CH")
    entry = xw.peer.entries.first()
    shoot(page, folder, "directory-entry", f"/exchange/directory/{entry.pk}/")
    page.goto(base + "/exchange/directory/new/")
    page.fill("#id_state", "Atlantis")
    page.fill("#id_name", "Ministry of Atlantis")
    page.click("#directory-form button[type=submit]")
    page.wait_for_selector("#directory-form .errorlist")
    page.screenshot(path=str(folder / "directory-new-refused.png"), full_page=True)
    shoot(page, folder, "routes", "/exchange/routes/")
    shoot(page, folder, "rejections", "/exchange/rejections/")
    assert not problems, problems
