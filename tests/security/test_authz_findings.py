"""Authorisation findings of issue 13 ("Prove it holds"), each shown as a user or an attacker would meet it:

1. `/api/audit/events/{seq}` returned any event to any supervisor, administrator or oversight token; a
   read-scope token could sign a tree head.
10. the API took a bare JSON string as a body (and made a case of it); API tokens survived a password change;
    weak 12-character passwords passed; some 422 bodies lacked the fields the OpenAPI schema documents.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client

from comity.accounts.actions import do_create_token, do_create_user
from comity.audit.models import AuditEvent, AuditText, TreeHead
from comity.cases.models import Case
from comity.errors import InvalidInput

PURPOSE = "Complaint DPA-2026-17: who changed this case"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Argon2 takes half a second per account by design; these tests make many accounts."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _bearer(user, scope="read"):
    _, raw = do_create_token(user, name=f"{scope} token", scope=scope, acting_user=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def _case_event(case) -> AuditEvent:
    return AuditEvent.objects.filter(case_id=case.pk, event_type="case.created").get()


def _accessed(user, what="access.audit_event"):
    return AuditEvent.objects.filter(actor=user, event_type=what)


# --- finding 1: the audit log's events over the API ------------------------------------------------------

def test_a_non_member_supervisor_cannot_read_a_case_event(client, case, make_user):
    stranger = make_user("supervisor", "sup-elsewhere")
    ev = _case_event(case)
    r = client.get(f"/api/audit/events/{ev.seq}", **_bearer(stranger))
    assert r.status_code == 404
    assert "case.created" not in r.content.decode() and case.reference not in r.content.decode()
    # Exactly as for a position that holds no event at all.
    missing = client.get("/api/audit/events/999999", **_bearer(stranger))
    assert missing.status_code == 404 and missing.json()["detail"] == r.json()["detail"]


def test_a_non_member_administrator_cannot_read_a_case_event(client, case, make_user):
    admin = make_user("admin", "root")
    assert client.get(f"/api/audit/events/{_case_event(case).seq}", **_bearer(admin)).status_code == 404


def test_a_member_reads_the_events_of_their_case_and_the_read_is_logged(client, case, supervisor):
    ev = _case_event(case)
    r = client.get(f"/api/audit/events/{ev.seq}", **_bearer(supervisor))
    assert r.status_code == 200
    body = r.json()
    assert body["event"]["event_type"] == "case.created" and body["leaf_hash"] == ev.leaf_hash
    logged = _accessed(supervisor).get()
    assert logged.case_id == case.pk and logged.object_id == str(ev.pk) and logged.via == "api"
    assert logged.purpose_text.startswith("case work")


def test_oversight_states_a_purpose_to_read_a_case_event(client, case, oversight):
    ev = _case_event(case)
    auth = _bearer(oversight)
    r = client.get(f"/api/audit/events/{ev.seq}", **auth)
    assert r.status_code == 422 and "purpose" in r.json()["errors"]
    assert not _accessed(oversight).exists()
    r = client.get(f"/api/audit/events/{ev.seq}", {"purpose": PURPOSE}, **auth)
    assert r.status_code == 200 and r.json()["event"]["seq"] == ev.seq
    logged = _accessed(oversight).get()
    assert logged.case_id == case.pk and logged.purpose_text == PURPOSE
    assert _accessed(oversight, "access.oversight_opened").get().case_id == case.pk


def test_events_without_a_case_are_for_oversight_and_administrators_only(client, supervisor, oversight, make_user):
    admin = make_user("admin", "root")
    ev = AuditEvent.objects.filter(event_type="account.created", case_id__isnull=True).order_by("seq").first()
    assert client.get(f"/api/audit/events/{ev.seq}", **_bearer(supervisor)).status_code == 404
    no_purpose = client.get(f"/api/audit/events/{ev.seq}", **_bearer(oversight))
    assert no_purpose.status_code == 422 and "purpose" in no_purpose.json()["errors"]
    short = client.get(f"/api/audit/events/{ev.seq}", {"purpose": "why"}, **_bearer(oversight))
    assert short.status_code == 422 and "purpose" in short.json()["errors"]
    for reader in (oversight, admin):
        r = client.get(f"/api/audit/events/{ev.seq}", {"purpose": PURPOSE}, **_bearer(reader))
        assert r.status_code == 200 and r.json()["event"]["event_type"] == "account.created"
        logged = _accessed(reader).get()
        assert logged.case_id is None and logged.object_id == str(ev.pk) and logged.purpose_text == PURPOSE
    # The stated purpose is free text: the log keeps a commitment to it, the words are kept apart (erasable).
    assert AuditText.objects.filter(event=_accessed(oversight).get(), field="purpose", text=PURPOSE).exists()
    assert PURPOSE not in _accessed(oversight).get().leaf


def test_a_read_scope_token_cannot_sign_a_tree_head(client, supervisor, oversight):
    before = TreeHead.objects.count()
    for user in (supervisor, oversight):
        r = client.post("/api/audit/tree-heads", **_bearer(user, "read"))
        assert r.status_code == 403 and "write" in r.json()["detail"]
    assert TreeHead.objects.count() == before
    r = client.post("/api/audit/tree-heads", **_bearer(oversight, "write"))
    assert r.status_code == 200 and TreeHead.objects.count() == before + 1


def test_a_caseworker_write_token_cannot_sign_a_tree_head(client, caseworker):
    assert client.post("/api/audit/tree-heads", **_bearer(caseworker, "write")).status_code == 403
    assert not TreeHead.objects.exists()


# --- finding 10: bodies, tokens after a password change, weak passwords, the 422 shape ---------------------

@pytest.mark.parametrize("body", ['"Operation Smoke"', json.dumps(json.dumps({"title": "x"})), "[1, 2]", "42",
                                  "null", "true"])
def test_a_json_body_must_be_an_object(client, supervisor, body):
    r = client.post("/api/cases", body, content_type="application/json", **_bearer(supervisor, "write"))
    assert r.status_code == 422
    out = r.json()
    assert "body" in out["errors"] and "object" in out["errors"]["body"]
    assert set(out) >= {"error", "message", "errors", "detail"}
    assert not Case.objects.exists()


def test_a_body_that_is_not_json_names_the_body(client, supervisor):
    r = client.post("/api/cases", "{title: oops", content_type="application/json", **_bearer(supervisor, "write"))
    assert r.status_code == 422 and "JSON" in r.json()["errors"]["body"]
    assert not Case.objects.exists()


def test_every_422_has_the_documented_fields(client, supervisor, oversight, case):
    write = _bearer(supervisor, "write")
    missing_title = client.post("/api/cases", {"summary": "no title"}, content_type="application/json", **write)
    no_purpose = client.get(f"/api/cases/{case.pk}", **_bearer(oversight))
    action_error = client.post("/api/cases", {"title": ""}, content_type="application/json", **write)
    for r in (missing_title, no_purpose, action_error):
        assert r.status_code == 422
        body = r.json()
        assert set(body) >= {"error", "message", "errors", "detail"}, body
        assert body["errors"] and all(isinstance(v, str) for v in body["errors"].values())
    assert "title" in missing_title.json()["errors"] and "title" in action_error.json()["errors"]


def test_the_openapi_schema_documents_what_a_422_holds(client, db):
    schema = client.get("/api/openapi.json").json()
    error_out = schema["components"]["schemas"]["ErrorOut"]
    assert set(error_out["required"]) == {"error", "message", "errors", "detail"}
    assert error_out["properties"]["errors"]["type"] == "object"
    # Every endpoint that takes a JSON body documents its 422.
    for path, methods in schema["paths"].items():
        for method, op in methods.items():
            if "requestBody" in op and "application/json" in op["requestBody"].get("content", {}):
                assert "422" in op["responses"], f"{method.upper()} {path} does not document its 422"


def test_changing_the_password_revokes_the_api_tokens(client, make_user):
    user = make_user("caseworker", "changer")
    auth = _bearer(user, "write")
    other = make_user("caseworker", "bystander")
    kept = _bearer(other)
    assert client.get("/api/cases", **auth).status_code == 200
    web = Client()
    web.force_login(user)
    r = web.post("/accounts/password/change/", {"oldpassword": "correct-horse-battery-42",
                                                "password1": "a-brand-new-passphrase-for-2027",
                                                "password2": "a-brand-new-passphrase-for-2027"})
    assert r.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-brand-new-passphrase-for-2027")
    assert client.get("/api/cases", **auth).status_code == 401
    assert client.get("/api/cases", **kept).status_code == 200  # someone else's tokens are untouched
    ev = AuditEvent.objects.get(event_type="account.password_changed")
    assert ev.new_values == {"username": "changer", "tokens_revoked": 1} and ev.category == "security"


WEAK = ["aaaaaaaaaaaa", "abcdefghijkl", "abcabcabcabc", "Summer2026!!", "iloveyou2026", "welcome12345",
        "passwordpassword", "football2024", "monkey123456", "letmein12345", "adminadmin12", "P@ssw0rd2026",
        "qwertyuiopasdf", "1q2w3e4r5t6y", "Comity2026!!"]


@pytest.mark.parametrize("password", WEAK)
def test_weak_passwords_are_refused_with_the_field_named(db, password):
    with pytest.raises(InvalidInput) as e:
        do_create_user(username="weakling", password=password, role="caseworker")
    assert "password" in e.value.errors


@pytest.mark.parametrize("password", ["correct-horse-battery-42", "kT9#mQ2$vLp8", "a-long-enough-pass-77",
                                      "first-admin-password-2026", "plum tractor oyster 19 kayak"])
def test_passphrases_and_random_passwords_pass(db, password):
    assert do_create_user(username="strong", password=password, role="caseworker").check_password(password)
