"""The HTTP API: token authentication and scopes, the same rules as the web, errors naming fields."""

import pytest

from comity.accounts.actions import do_create_token, do_revoke_token
from comity.audit.models import AuditEvent
from comity.cases import actions
from comity.cases.models import Case


@pytest.fixture
def api(client):
    def make(user, scope="write"):
        _, raw = do_create_token(user, name="test", scope=scope, acting_user=user)

        class Caller:
            token = raw

            def get(self, path, **kw):
                return client.get("/api" + path, HTTP_AUTHORIZATION=f"Bearer {raw}", **kw)

            def post(self, path, data=None, **kw):
                return client.post("/api" + path, data or {}, content_type="application/json",
                                   HTTP_AUTHORIZATION=f"Bearer {raw}", **kw)

            def delete(self, path):
                return client.delete("/api" + path, HTTP_AUTHORIZATION=f"Bearer {raw}")
        return Caller()
    return make


def test_no_token_or_unknown_token_is_401(client, db):
    assert client.get("/api/cases").status_code == 401
    assert client.get("/api/cases", HTTP_AUTHORIZATION="Bearer cmt_nope").status_code == 401


def test_revoked_token_stops_working(api, supervisor):
    a = api(supervisor)
    assert a.get("/cases").status_code == 200
    from comity.accounts.models import PersonalAccessToken

    do_revoke_token(PersonalAccessToken.objects.get(user=supervisor), acting_user=supervisor)
    assert a.get("/cases").status_code == 401


def test_token_is_stored_hashed(api, supervisor):
    a = api(supervisor)
    from comity.accounts.models import PersonalAccessToken

    t = PersonalAccessToken.objects.get(user=supervisor)
    assert a.token not in (t.token_hash, t.prefix) and len(t.token_hash) == 64


def test_full_flow_case_request_transition_over_the_api(api, supervisor):
    a = api(supervisor)
    r = a.post("/cases", {"title": "API case", "summary": "made over the API"})
    assert r.status_code == 201
    case_id = r.json()["id"]
    r = a.post(f"/cases/{case_id}/requests", {"kind": "extradition", "direction": "outgoing",
                                               "subject": "Surrender", "requesting_state": "it",
                                               "requested_state": "CH", "legal_basis_instrument": "CETS-024"})
    assert r.status_code == 201, r.content
    req = r.json()
    assert req["status"] == "draft" and req["requesting_state"] == "IT"
    assert "request_provisional_arrest" in [s["name"] for s in req["next_steps"]]
    r = a.post(f"/requests/{req['id']}/transitions", {"transition": "request_provisional_arrest"})
    assert r.status_code == 201
    r = a.post(f"/requests/{req['id']}/transitions", {"transition": "record_provisional_arrest",
                                                       "effective_date": "2026-01-10"})
    body = r.json()
    assert body["to_status"] == "provisionally_arrested"
    assert {c["code"]: c["due"] for c in body["clocks_started"]} == {
        "provisional_arrest_request_due": "2026-01-28", "provisional_arrest_release": "2026-02-19"}
    deadlines = a.get("/deadlines").json()["results"]
    assert len(deadlines) == 2 and [d["due"] for d in deadlines] == sorted(d["due"] for d in deadlines)
    assert AuditEvent.objects.filter(event_type="request.transition", via="api").count() == 2


def test_read_scope_cannot_write(api, supervisor):
    r = api(supervisor, scope="read").post("/cases", {"title": "nope"})
    assert r.status_code == 403 and "read-only" in r.json()["detail"]
    assert not Case.objects.filter(title="nope").exists()


@pytest.mark.parametrize("payload, field", [
    ({"requesting_state": "XX"}, "requesting_state"),
    ({"kind": "kidnap"}, "kind"),
    ({"subject": ""}, "subject"),
])
def test_bad_request_payload_is_422_naming_the_field(api, case, supervisor, payload, field):
    body = {"kind": "mla", "direction": "outgoing", "subject": "s", "requesting_state": "DE",
            "requested_state": "PL", **payload}
    r = api(supervisor).post(f"/cases/{case.pk}/requests", body)
    assert r.status_code == 422
    assert field in r.json()["errors"]
    assert not case.requests.exists()


def test_transition_not_allowed_is_422_with_reason(api, extradition, supervisor):
    r = api(supervisor).post(f"/requests/{extradition.pk}/transitions", {"transition": "record_surrender"})
    assert r.status_code == 422 and "not possible from status" in r.json()["errors"]["transition"]


def test_impossible_date_is_422(api, extradition, supervisor):
    r = api(supervisor).post(f"/requests/{extradition.pk}/transitions",
                             {"transition": "request_provisional_arrest", "effective_date": "2026-02-31"})
    assert r.status_code == 422 and "effective_date" in r.json()["errors"]


def test_non_member_gets_404_over_the_api(api, case, extradition, outsider):
    a = api(outsider)
    assert a.get(f"/cases/{case.pk}").status_code == 404
    assert a.get(f"/requests/{extradition.pk}").status_code == 404
    assert a.post(f"/requests/{extradition.pk}/transitions", {"transition": "withdraw"}).status_code == 404
    assert a.get(f"/cases/{case.pk}").json() == a.get("/cases/999999").json()


def test_oversight_over_the_api_needs_a_purpose(api, case, oversight):
    a = api(oversight, scope="read")
    r = a.get(f"/cases/{case.pk}")
    assert r.status_code == 422 and "purpose" in r.json()["errors"]
    r = a.get(f"/cases/{case.pk}?purpose=Audit+of+retention+complaint+42")
    assert r.status_code == 200 and r.json()["reference"] == case.reference
    read = AuditEvent.objects.filter(actor=oversight, event_type="access.case_view").latest("seq")
    assert read.purpose_text == "Audit of retention complaint 42"


def test_entities_export_as_followthemoney_json_lines(api, case, supervisor):
    import json

    a = api(supervisor)
    r = a.post(f"/cases/{case.pk}/entities", {"schema": "BankAccount", "role": "account",
                                              "properties": {"iban": "DE89 3704 0044 0532 0130 00",
                                                             "bankName": "Commerzbank"}})
    assert r.status_code == 201, r.content
    lines = b"".join(a.get(f"/cases/{case.pk}/entities.ftm").streaming_content).decode().splitlines()
    entity = json.loads(lines[0])
    assert entity["schema"] == "BankAccount"
    assert entity["properties"]["iban"] == ["DE89370400440532013000"]


def test_upload_over_the_api_keeps_hash_and_strips_paths(client, api, case, supervisor):
    import hashlib

    from django.core.files.uploadedfile import SimpleUploadedFile

    a = api(supervisor)
    r = client.post(f"/api/cases/{case.pk}/documents", {"file": SimpleUploadedFile("../../x/evil.txt", b"abc"),
                                                         "title": "Evidence"},
                    HTTP_AUTHORIZATION=f"Bearer {a.token}")
    assert r.status_code == 201, r.content
    assert r.json()["sha256"] == hashlib.sha256(b"abc").hexdigest()
    assert "/" not in r.json()["filename"]


def test_membership_over_the_api(api, case, supervisor, outsider):
    a = api(supervisor)
    assert a.post(f"/cases/{case.pk}/members", {"username": outsider.username}).status_code == 201
    assert actions.is_member(case, outsider)
    assert a.post(f"/cases/{case.pk}/members", {"username": outsider.username}).status_code == 422
    assert a.delete(f"/cases/{case.pk}/members/{outsider.username}").status_code == 200
    assert not actions.is_member(case, outsider)


def test_openapi_documents_every_endpoint(client, db):
    spec = client.get("/api/openapi.json").json()
    paths = spec["paths"]
    for p in ["/api/cases", "/api/cases/{case_id}", "/api/cases/{case_id}/requests",
              "/api/requests/{request_id}/transitions", "/api/deadlines", "/api/cases/{case_id}/entities.ftm"]:
        assert p in paths
    for path, ops in paths.items():
        for method, op in ops.items():
            for param in op.get("parameters", []):
                assert param.get("name"), f"{method} {path} has an unnamed parameter"
    assert client.get("/api/docs").status_code == 200


def test_builder_check_report_over_the_api(api, case, supervisor, outsider):
    from comity.builder import actions as builder_actions

    req = actions.do_create_request(case, kind="mla", direction="outgoing", subject="Bank records in Zurich",
                                    requesting_state="IT", requested_state="CH", acting_user=supervisor)
    a = api(supervisor, scope="read")
    assert a.get(f"/requests/{req.pk}/draft/check").status_code == 404  # no draft yet
    builder_actions.do_start_draft(req, measure="records", acting_user=supervisor)
    body = a.get(f"/requests/{req.pk}/draft/check").json()
    assert body["complete"] is False
    missing = {f["code"]: f for f in body["findings"] if f["kind"] == "missing"}
    assert missing and all(f["citation"] for f in missing.values())
    assert any(r["label"] == "Languages accepted" for r in body["requested_state_requirements"])
    assert AuditEvent.objects.filter(event_type="access.builder_check", via="api").exists()
    assert api(outsider).get(f"/requests/{req.pk}/draft/check").status_code == 404
