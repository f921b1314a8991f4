"""Every page a signed-in administrator can reach from the dashboard of the demonstration workspace
renders (no server error), for each role's own view of the product."""

import re
from collections import deque

import pytest

from comity.demo import load_demo

LINK = re.compile(r'href="(/[^"#]*)"')
SKIP = ("/accounts/logout", "/static/", "/api/", "/accounts/2fa/", "/accounts/password", "/accounts/email")
# Hundreds of instrument and country pages share two templates; a few of each are enough here.
SAMPLED = {"/law/instruments/": 5, "/law/countries/": 5}


TAG = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.S | re.I)


def raw_codes(html: str) -> set[str]:
    """Registered vocabulary codes that appear as words in the visible text of a page (not in links,
    attributes, scripts or form values)."""
    from comity.vocabulary import codes_shown_raw_are_errors

    text = TAG.sub(" ", html)
    words = set(re.findall(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b", text))
    return words & codes_shown_raw_are_errors()


def _crawl(client, start="/", limit=250, codes=None):
    seen, queue, errors = set(), deque([start]), []
    budget = dict(SAMPLED)
    while queue and len(seen) < limit:
        url = queue.popleft()
        if url in seen or url.startswith(SKIP):
            continue
        prefix = next((p for p in budget if url.startswith(p) and url != p), None)
        if prefix:
            if budget[prefix] <= 0:
                continue
            budget[prefix] -= 1
        seen.add(url)
        resp = client.get(url)
        if resp.status_code >= 500:
            errors.append((url, resp.status_code))
            continue
        ctype = resp.get("Content-Type", "")
        if resp.status_code == 200 and ctype.startswith("text/html"):
            if codes is not None:
                found = raw_codes(resp.content.decode())
                if found:
                    codes[url] = sorted(found)
            for link in LINK.findall(resp.content.decode()):
                link = link.replace("&amp;", "&")
                if link not in seen:
                    queue.append(link)
    return seen, errors


@pytest.mark.parametrize("role", ["admin", "oversight", "defence"])
def test_demo_pages_render_for_each_role(client, make_user, role):
    user = make_user(role, f"crawler-{role}")
    load_demo()
    client.force_login(user)
    seen, errors = _crawl(client)
    assert not errors, errors
    assert len(seen) > 20
    if role == "admin":  # the administrator is a member of the demonstration cases: the crawl reaches every app
        for part in ("/cases/", "/requests/", "/builder/", "/evidence/", "/oversight/", "/assessment/", "/law/"):
            assert any(part in url for url in seen), part


@pytest.mark.parametrize("role", ["admin", "oversight", "defence", "caseworker"])
def test_no_page_shows_a_raw_vocabulary_code(client, make_user, role):
    """Screens speak in words: further_information_requested, eaw_decision_due, mandatory_bar, treaty_only ...
    are shown by their labels (comity.vocabulary), on every page each role can reach."""
    user = make_user(role, f"reader-{role}")
    load_demo()
    client.force_login(user)
    codes: dict[str, list[str]] = {}
    _crawl(client, codes=codes)
    assert not codes, codes
