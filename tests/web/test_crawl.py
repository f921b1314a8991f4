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


def _crawl(client, start="/", limit=250):
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
