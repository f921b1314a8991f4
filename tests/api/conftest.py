"""Fixtures of the API tests."""

from __future__ import annotations

import json

import pytest

from tests.evidence.conftest import evidence_env  # noqa: F401  (evidence API tests: data folder and keys)


@pytest.fixture
def api(client):
    """`api(user, scope)`: calls as that user with a new token: `.get(path)`, `.post` and `.put` (JSON), and
    `.send(method, path, data, etag=)` (JSON, with If-Match); `.token` is the raw token."""
    from comity.accounts.actions import do_create_token

    def make(user, scope="write"):
        _, raw = do_create_token(user, name="test", scope=scope, acting_user=user)
        auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

        class Api:
            token = raw

            def get(self, path, **kw):
                return client.get("/api" + path, **auth, **kw)

            def post(self, path, data=None, **kw):
                return client.post("/api" + path, data or {}, content_type="application/json", **auth, **kw)

            def put(self, path, data=None, **kw):
                return client.put("/api" + path, data or {}, content_type="application/json", **auth, **kw)

            def send(self, method, path, data=None, etag=None, **kw):
                headers = dict(auth)
                if etag is not None:
                    headers["HTTP_IF_MATCH"] = etag
                return getattr(client, method)("/api" + path, data=json.dumps(data if data is not None else {}),
                                               content_type="application/json", **headers, **kw)

        return Api()

    return make
