"""A NUL character in a query parameter or the address: a clear refusal naming it, never a server error
(PostgreSQL cannot hold U+0000; fuzzing the API on PostgreSQL found `GET /api/cases?state=%00` answering 500)."""

from __future__ import annotations

import pytest

from comity.accounts.actions import do_create_token

pytestmark = pytest.mark.django_db


def test_the_api_names_the_parameter(client, caseworker, case):
    token = do_create_token(caseworker, name="t", scope="read", acting_user=caseworker)[1]
    for query in ("state=%00", "kind=a%00b", "country=F%00R", "status=%00", "page=1&x%00=1"):
        r = client.get(f"/api/cases?{query}", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert r.status_code == 422, (query, r.status_code)
        assert "contains a NUL character" in next(iter(r.json()["errors"].values()))
    r = client.get("/api/cases?state=%00", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert r.json()["errors"] == {"state": "contains a NUL character (U+0000)"}


def test_pages_answer_bad_request(client, login, caseworker, case):
    login(caseworker)
    for url in ("/cases/?q=%00", "/cases/?state=open%00", "/law/?q=%00"):
        assert client.get(url).status_code == 400, url
    assert client.get("/cases/?q=fraud").status_code == 200
