"""Accounts over the API: administrators manage accounts, units and enrolment codes; everyone manages their own
tokens (the raw token shown once). The same actions, audit events and refusals as the web pages."""

from __future__ import annotations

import pytest

from comity.accounts.actions import do_create_unit
from comity.accounts.models import PersonalAccessToken, User
from comity.audit.models import AuditEvent

PASSWORD = "correct-horse-battery-42"


@pytest.fixture
def admin(make_user):
    return make_user("admin", "root")


def test_only_administrators_manage_accounts(api, supervisor, oversight, caseworker):
    for who in (supervisor, oversight):
        a = api(who)
        assert a.get("/users").status_code == 403
        assert a.get(f"/users/{caseworker.pk}").status_code == 403
        assert a.post("/users", {"username": "x", "password": PASSWORD, "role": "caseworker"}).status_code == 403
        assert a.post(f"/users/{caseworker.pk}/deactivate", HTTP_IF_MATCH="*").status_code == 403
        assert a.post("/units", {"name": "Unit"}).status_code == 403
        assert a.post(f"/users/{caseworker.pk}/enrolment-codes", {"hours": 24}).status_code == 403
    assert User.objects.get(pk=caseworker.pk).is_active


def test_create_list_and_enrol_an_account(api, admin):
    a = api(admin)
    unit = a.post("/units", {"name": "Central Authority"})
    assert unit.status_code == 201 and unit.json()["members"] == 0
    r = a.post("/users", {"username": "new.clerk", "password": PASSWORD, "role": "caseworker",
                          "email": "clerk@example.org", "unit_id": unit.json()["id"]})
    assert r.status_code == 201, r.content
    u = r.json()
    assert u["unit"] == "Central Authority" and u["second_factor"] is False and "password" not in u
    assert AuditEvent.objects.filter(event_type="account.created", via="api").count() == 1
    listed = a.get("/users", data={"role": "caseworker", "q": "clerk"}).json()
    assert [x["username"] for x in listed["results"]] == ["new.clerk"]
    assert a.get("/units").json()["results"][0]["members"] == 1
    # the enrolment code is shown once; only its hash is kept
    r = a.post(f"/users/{u['id']}/enrolment-codes", {"hours": 24})
    assert r.status_code == 201 and r["Cache-Control"] == "no-store"
    code = r.json()["code"]
    assert len(code) == 19 and code not in a.get(f"/users/{u['id']}").content.decode()
    assert a.get(f"/users/{u['id']}").json()["enrolment_code_pending"] is True
    assert a.post(f"/users/{u['id']}/enrolment-codes", {"hours": 9999}).json()["errors"] == {
        "hours": "must be 1 to 744 hours (31 days)"}


@pytest.mark.parametrize("body, field", [
    ({"username": "bad name!", "password": PASSWORD, "role": "caseworker"}, "username"),
    ({"username": "ok", "password": "short", "role": "caseworker"}, "password"),
    ({"username": "ok", "password": PASSWORD, "role": "king"}, "role"),
    ({"username": "ok", "password": PASSWORD, "role": "caseworker", "email": "nope"}, "email"),
    ({"username": "ok", "password": PASSWORD, "role": "caseworker", "unit_id": 99999}, "unit_id"),
    ({"password": PASSWORD, "role": "caseworker"}, "username"),
])
def test_bad_account_input_names_the_field_and_stores_nothing(api, admin, body, field):
    before = User.objects.count()
    r = api(admin).post("/users", body)
    assert r.status_code == 422 and field in r.json()["errors"], r.content
    assert User.objects.count() == before


def test_account_state_changes_need_the_current_etag_and_a_write_token(api, admin, caseworker):
    a = api(admin)
    got = a.get(f"/users/{caseworker.pk}")
    etag = got["ETag"]
    assert api(admin, scope="read").post(f"/users/{caseworker.pk}/deactivate", HTTP_IF_MATCH=etag).status_code == 403
    assert a.post(f"/users/{caseworker.pk}/deactivate").status_code == 428
    assert a.post("/users/999999/deactivate", HTTP_IF_MATCH="*").status_code == 404
    unit = do_create_unit(name="Prosecution office")
    r = a.put(f"/users/{caseworker.pk}/unit", {"unit_id": unit.pk}, HTTP_IF_MATCH=etag)
    assert r.status_code == 200 and r.json()["unit"] == "Prosecution office"
    # the unit changed since `etag` was read: a deactivation based on it is stale
    r = a.post(f"/users/{caseworker.pk}/deactivate", HTTP_IF_MATCH=etag)
    assert r.status_code == 412 and "unit_id" in r.json()["changed"]
    r = a.put(f"/users/{caseworker.pk}/unit", {"unit_id": unit.pk}, HTTP_IF_MATCH="*")
    assert r.status_code == 422 and "unit_id" in r.json()["errors"]
    r = a.post(f"/users/{caseworker.pk}/deactivate", HTTP_IF_MATCH=a.get(f"/users/{caseworker.pk}")["ETag"])
    assert r.status_code == 200 and r.json()["is_active"] is False
    assert a.post(f"/users/{caseworker.pk}/deactivate", HTTP_IF_MATCH="*").json()["errors"] == {
        "user": "cw is already inactive"}
    assert a.post(f"/users/{admin.pk}/deactivate", HTTP_IF_MATCH="*").status_code == 422
    r = a.post(f"/users/{caseworker.pk}/activate", HTTP_IF_MATCH=r["ETag"])
    assert r.status_code == 200 and r.json()["is_active"] is True
    assert r.json()["second_factor"] is True
    r = a.post(f"/users/{caseworker.pk}/reset-second-factor", HTTP_IF_MATCH=r["ETag"])
    assert r.status_code == 200 and r.json()["second_factor"] is False
    assert set(AuditEvent.objects.filter(via="api", category="security").values_list("event_type", flat=True)) >= {
        "account.unit_set", "account.deactivated", "account.activated", "account.mfa_reset"}


def test_a_deactivated_accounts_token_stops_working(api, admin, caseworker):
    cw = api(caseworker)
    assert cw.get("/tokens").status_code == 200
    api(admin).post(f"/users/{caseworker.pk}/deactivate", HTTP_IF_MATCH="*")
    assert cw.get("/tokens").status_code == 401


def test_units_bad_input(api, admin):
    a = api(admin)
    assert a.post("/units", {"name": ""}).json()["errors"].keys() == {"name"}
    a.post("/units", {"name": "Central Authority"})
    assert "exists already" in a.post("/units", {"name": "central authority"}).json()["errors"]["name"]


# --- tokens --------------------------------------------------------------------------------------------------

def test_tokens_are_ones_own_shown_once_and_revoked(api, caseworker, outsider):
    cw = api(caseworker)
    r = cw.post("/tokens", {"name": "court system", "scope": "read", "days": 30})
    assert r.status_code == 201 and r["Cache-Control"] == "no-store"
    new = r.json()
    raw = new["token"]
    assert raw.startswith("cmt_") and new["prefix"] == raw[:12]
    stored = PersonalAccessToken.objects.get(pk=new["id"])
    assert raw not in (stored.token_hash, stored.prefix)
    listed = cw.get("/tokens").json()
    assert {t["name"] for t in listed["results"]} == {"test", "court system"}
    assert raw not in cw.get("/tokens").content.decode()
    assert raw not in cw.get(f"/tokens/{new['id']}").content.decode()
    # another user's token is not there for them
    other = api(outsider)
    assert other.get(f"/tokens/{new['id']}").status_code == 404
    assert other.post(f"/tokens/{new['id']}/revoke", HTTP_IF_MATCH="*").status_code == 404
    assert {t["name"] for t in other.get("/tokens").json()["results"]} == {"test"}
    # the new token works, and being read-only it can neither revoke nor make tokens
    ro = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    from django.test import Client

    c = Client()
    assert c.get("/api/tokens", **ro).status_code == 200
    assert c.post("/api/tokens", {"name": "escalate", "scope": "write"}, content_type="application/json",
                  **ro).status_code == 403
    assert c.post(f"/api/tokens/{new['id']}/revoke", HTTP_IF_MATCH="*", **ro).status_code == 403
    etag = cw.get(f"/tokens/{new['id']}")["ETag"]
    assert cw.post(f"/tokens/{new['id']}/revoke").status_code == 428
    r = cw.post(f"/tokens/{new['id']}/revoke", HTTP_IF_MATCH=etag)
    assert r.status_code == 200 and r.json()["active"] is False and r.json()["revoked_at"]
    assert c.get("/api/tokens", **ro).status_code == 401
    assert cw.post(f"/tokens/{new['id']}/revoke", HTTP_IF_MATCH=etag).status_code == 412
    assert cw.post(f"/tokens/{new['id']}/revoke", HTTP_IF_MATCH="*").json()["errors"] == {"token": "is already revoked"}
    assert cw.get("/tokens", data={"state": "revoked"}).json()["count"] == 1
    assert {e.event_type for e in AuditEvent.objects.filter(via="api")} == {"token.created", "token.revoked"}


@pytest.mark.parametrize("body, field", [
    ({"name": "", "scope": "read"}, "name"),
    ({"name": "x", "scope": "admin"}, "scope"),
    ({"name": "x", "scope": "read", "days": 0}, "days"),
    ({"name": "x", "scope": "read", "days": "soon"}, "days"),
    ({"scope": "read"}, "name"),
])
def test_bad_token_input_names_the_field(api, caseworker, body, field):
    cw = api(caseworker)
    before = PersonalAccessToken.objects.count()
    r = cw.post("/tokens", body)
    assert r.status_code == 422 and field in r.json()["errors"], r.content
    assert PersonalAccessToken.objects.count() == before
    assert cw.get("/tokens", data={"state": "lost"}).status_code == 422
